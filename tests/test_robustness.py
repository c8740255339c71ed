"""The robustness corpus: what people drop in inputs/, each with a clear message, never a traceback."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from tests.conftest import ROOT, TODAY, copy_demo_inputs, realdata, write_xlsx

pytestmark = pytest.mark.usefixtures("great_expectations")  # builds scorecards in this process

RISK_HEAD = ["Child reference", "Assessment date", "Exploitation type", "Risk level"]
BIG_ROWS = 200_000
BIG_BAD_ROW = 150_002  # the Excel row given an impossible value


def _big_sheet(path: Path) -> None:
    """200,000 intelligence reports with one impossible date far down the sheet."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Intel")
    sheet.write_row(0, 0, ["Intelligence reference", "Date submitted", "Exploitation type", "Number of linked offences"])
    for i in range(1, BIG_ROWS + 1):
        date = "31/02/2025" if i + 1 == BIG_BAD_ROW else f"{(i % 28) + 1:02d}/0{(i % 9) + 1}/2025"
        sheet.write_row(i, 0, [f"BIG{i:07d}", date, "CSE" if i % 2 else "CCE", i % 4])
    book.close()


def _encrypted(path: Path, plain: Path) -> None:
    msoffcrypto = pytest.importorskip("msoffcrypto", reason="msoffcrypto-tool makes the encrypted workbook")
    from msoffcrypto.format.ooxml import OOXMLFile

    with plain.open("rb") as source, path.open("wb") as target:
        OOXMLFile(source).encrypt("Passw0rd!", target)
    assert msoffcrypto.OfficeFile(path.open("rb")).is_encrypted()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The demo inputs plus every broken file; each broken file's expected words."""
    folder = tmp_path_factory.mktemp("corpus") / "inputs"
    copy_demo_inputs(folder)
    expected: dict[str, str] = {}
    for path in sorted((realdata() / "messy").iterdir()):
        shutil.copy(path, folder / path.name)
        expected[path.name] = "not recognised as any agency return"
    scratch = folder.parent / "scratch"
    scratch.mkdir()
    (folder / "empty.csv").write_bytes(b"")
    expected["empty.csv"] = "is empty (0 bytes)"
    (folder / "zero byte.xlsx").write_bytes(b"")
    expected["zero byte.xlsx"] = "is empty (0 bytes)"
    (folder / "really text.xlsx").write_text("Child reference,Assessment date\nC1,01/10/2024\n", encoding="utf-8")
    expected["really text.xlsx"] = "content is text (perhaps a CSV)"
    good = write_xlsx(scratch / "good.xlsx", {"Risk": [RISK_HEAD, ["C1", "01/10/2024", "CSE", "High"]]})
    (folder / "truncated.xlsx").write_bytes(good.read_bytes()[:700])
    expected["truncated.xlsx"] = "could not be opened as an Excel workbook"
    write_xlsx(folder / "header only.xlsx", {"Risk": [RISK_HEAD]})
    expected["header only.xlsx"] = "has the headings of the Evolve risk assessments but no rows"
    write_xlsx(folder / "duplicated headers.xlsx", {"Risk": [[*RISK_HEAD, "Risk level"], ["C9", "01/10/2024", "CSE", "High", "Low"]]})
    expected["duplicated headers.xlsx"] = "more than one column could be 'Risk level'"
    write_xlsx(folder / "merged headers.xlsx", {"Sheet1": [["Return", None, None], ["Col A", "Col B", "Col C"], [1, 2, 3]]},
               merged={"Sheet1": ["A1:C1"]})
    expected["merged headers.xlsx"] = "not recognised as any agency return"
    write_xlsx(folder / "only hidden.xlsx", {"Front": [["Nothing to see"]], "Data": [RISK_HEAD, ["C1", "01/10/2024", "CSE", "High"]]},
               hidden=("Data",))
    expected["only hidden.xlsx"] = "not recognised as any agency return"
    _big_sheet(folder / "big intel.xlsx")
    expected["big intel.xlsx"] = f"cell B{BIG_BAD_ROW} (Date submitted) has '31/02/2025'"
    _encrypted(folder / "encrypted.xlsx", good)
    expected["encrypted.xlsx"] = "is password-protected (encrypted)"
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    (folder / "odd zip.xlsx").write_bytes(zipped.getvalue())
    expected["odd zip.xlsx"] = "could not be opened as an Excel workbook"
    return folder, expected


@pytest.fixture(scope="module")
def validated(corpus, tmp_path_factory) -> subprocess.CompletedProcess:
    folder, _ = corpus
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pipeline", "validate", "--verbose", "--inputs", str(folder),
                           "--outputs", str(tmp_path_factory.mktemp("out")), "--today", TODAY.isoformat()],
                          capture_output=True, text=True, env=env, timeout=600)


def test_no_traceback_and_errors_reported_without_stopping_the_others(validated):
    output = validated.stdout + validated.stderr
    assert "Traceback" not in output
    assert validated.returncode == 4  # the big sheet's bad cell and the duplicated heading are errors


def test_every_broken_file_gets_a_clear_message_naming_it(corpus, validated):
    _, expected = corpus
    flat = " ".join(validated.stdout.split())  # messages are wrapped for the console
    for name, words in expected.items():
        assert f"{name}" in flat, name
        lines = [m for m in flat.split(name)[1:] if m]
        assert any(words in m[:400] for m in lines), (name, words)


def test_the_other_files_are_still_processed(validated):
    flat = " ".join(validated.stdout.split())
    assert "Reading" in validated.stdout  # progress, file by file
    assert "No Police intelligence reports found" not in flat  # the demo police file was read
    assert "file(s)" in flat and "row(s) read" in flat
    rows_read = int(flat.split(" row(s) read")[0].rsplit(" ", 1)[-1].replace(",", ""))
    assert rows_read > BIG_ROWS + 18_000  # the big sheet and all the demo rows
