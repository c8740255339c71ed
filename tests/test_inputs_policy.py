"""Issue-level behaviour of the check stage: real files, demo files, and the error policy."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from pipeline.cli import main
from tests.conftest import ROOT, TODAY, check, copy_demo_inputs, realdata

pytestmark = pytest.mark.usefixtures("great_expectations")  # builds scorecards in this process

PYTHON = [sys.executable, "-m", "pipeline"]


@pytest.fixture(scope="module")
def demo_inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "inputs"
    copy_demo_inputs(folder)
    return folder


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([*PYTHON, *args, "--today", TODAY.isoformat()], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_real_messy_files_are_refused_by_name_while_the_demo_inputs_beside_them_pass(tmp_path, demo_inputs):
    folder = tmp_path / "inputs"
    shutil.copytree(demo_inputs, folder)
    messy = sorted((realdata() / "messy").iterdir())
    for path in messy:
        shutil.copy(path, folder / path.name)
    done = cli("validate", "--inputs", str(folder), "--outputs", str(tmp_path / "out"))
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode == 3, done.stdout  # warnings only: no errors
    assert "0 error(s)" in done.stdout
    for path in messy:
        assert f"{path.name}" in done.stdout and "not recognised as any agency return" in done.stdout


def test_the_real_annex_a_sample_lists_2_and_7_are_read_and_counted(tmp_path, contract):
    sample = realdata() / "annex_a" / "Annex_A_sample_liia-tools.xlsx"
    book = openpyxl.load_workbook(sample)
    expected = {}
    for sheet in ("List 2", "List 7"):  # rows below the heading row with a Child Unique ID
        expected[sheet] = sum(1 for row in book[sheet].iter_rows(min_row=2, values_only=True) if row[0] not in (None, ""))
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(sample, folder)
    result = check(folder, contract)
    assert len(result.checked.frames["annex_a_list2"]) == expected["List 2"] == 5
    assert len(result.checked.frames["annex_a_list7"]) == expected["List 7"] == 7
    assert result.counts["error"] == 0
    categories = [book["List 7"].cell(r, 9).value for r in range(2, 2 + expected["List 7"])]
    assert result.checked.frames["annex_a_list7"]["latest_category"].tolist() == categories


def _heading_cell(sheet, heading: str) -> tuple[int, int]:
    for row in sheet.iter_rows(max_row=10):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.strip().lower() == heading.lower():
                return cell.row, cell.column
    raise AssertionError(f"no heading {heading}")


IMPOSSIBLE_CELLS = [
    # (file, sheet, heading, impossible value)
    ("SYP child exploitation data Q2 2025-26.xlsx", "Intelligence reports", "Date submitted", "31/02/2025"),
    ("SYP child exploitation data Q2 2025-26.xlsx", "Crimes and outcomes", "Outcome type", "99"),
    ("SYP child exploitation data Q2 2025-26.xlsx", "Disruption (monthly)", "CSE arrests", -4),
    ("SYP child exploitation data Q2 2025-26.xlsx", "Disruption (monthly)", "CCE arrests", 1_000_000_000_000),
    ("SYP child exploitation data Q2 2025-26.xlsx", "Stovewood (monthly)", "Arrests", 4_000),
    ("Evolve CE data Q2 2025-26.xlsx", "Risk assessments", "Risk level", "Extreme"),
    ("Evolve CE data Q2 2025-26.xlsx", "Feedback", "Rating", "Brilliant"),
    ("CSC exploitation data Q2 2025-26.xlsx", "Missing episodes", "Return home interview offered", "Maybe"),
    ("CSC exploitation data Q2 2025-26.xlsx", "Strategy meetings", "Strategy meeting date", "2031-01-01"),
    ("Early Help completed assessments Oct 2023 - Sep 2025.xlsx", "Monthly counts", "Completed assessments", "lots"),
    ("Partnership return – Q2 2025-26.xlsx", "Training", "COURSE", "Underwater basket weaving"),
    ("CEDG work plan action log Sep 2025.xlsx", "Actions", "Objective", 9),
    ("Scorecard commentary Q2 2025-26.xlsx", "Commentary", "Quarter", "Q7 2025/26"),
    ("Annex A 2025.xlsx", "List 7", "Latest Category of Abuse", "Bad luck"),
]


@pytest.mark.parametrize(("name", "sheet_name", "heading", "value"), IMPOSSIBLE_CELLS)
def test_an_impossible_value_in_any_demo_file_is_named_by_file_sheet_and_cell(tmp_path, contract, demo_inputs, name, sheet_name, heading, value):
    folder = tmp_path / "inputs"
    shutil.copytree(demo_inputs, folder)
    book = openpyxl.load_workbook(folder / name)
    sheet = book[sheet_name]
    head_row, col = _heading_cell(sheet, heading)
    target = sheet.cell(head_row + 3, col)
    target.value = value
    book.save(folder / name)
    result = check(folder, contract)
    errors = result.problems[result.problems["severity"] == "error"]
    assert errors[["file", "sheet", "cell"]].values.tolist() == [[name, sheet_name, target.coordinate]]
    assert str(value) in errors["message"].iloc[0] and name in errors["message"].iloc[0]


def test_a_count_beyond_its_bound_stops_the_build_with_exit_code_4(tmp_path, demo_inputs, capsys):
    folder = tmp_path / "inputs"
    shutil.copytree(demo_inputs, folder)
    name = "SYP child exploitation data Q2 2025-26.xlsx"
    book = openpyxl.load_workbook(folder / name)
    sheet = book["Disruption (monthly)"]
    head_row, col = _heading_cell(sheet, "CSE arrests")
    sheet.cell(head_row + 1, col).value = 1_000_000_000_000
    book.save(folder / name)
    assert main(["--inputs", str(folder), "--outputs", str(tmp_path / "outputs"), "--today", TODAY.isoformat()]) == 4
    said = " ".join(capsys.readouterr().out.split())
    cell = f"{sheet.cell(head_row + 1, col).column_letter}{head_row + 1}"
    assert (f"{name}, sheet 'Disruption (monthly)', cell {cell} (CSE arrests) has '1000000000000'; expected a whole "
            "number from 0 to 500.") in said
    assert not list((tmp_path / "outputs").glob("*.xlsx"))


def test_an_impossible_value_in_the_demo_csv_is_named_by_file_and_cell(tmp_path, contract, demo_inputs):
    folder = tmp_path / "inputs"
    shutil.copytree(demo_inputs, folder)
    csv = folder / "CSC referrals extract.csv"
    lines = csv.read_bytes().decode("cp1252").split("\r\n")
    head = lines[0].split(",")
    fields = lines[4].split(",")
    fields[head.index("Referral date")] = "32/13/2025"
    lines[4] = ",".join(fields)
    csv.write_bytes("\r\n".join(lines).encode("cp1252"))
    result = check(folder, contract)
    errors = result.problems[result.problems["severity"] == "error"]
    letter = "ABCDEFGHIJ"[head.index("Referral date")]
    assert errors[["file", "sheet", "cell", "value"]].values.tolist() == [["CSC referrals extract.csv", "", f"{letter}5", "32/13/2025"]]


def test_errors_stop_the_build_and_leave_earlier_outputs_exactly_as_they_were(tmp_path, demo_inputs):
    outputs = tmp_path / "outputs"
    assert main(["--inputs", str(demo_inputs), "--outputs", str(outputs), "--today", TODAY.isoformat()]) == 0
    # The run's own trail (its log, last-run.json and lock) is updated by every run, by design;
    # every earlier output (workbook, history, archive, error reports) must stay byte for byte.
    trail = {outputs / "logs" / "pipeline.log", outputs / "last-run.json", outputs / ".pipeline.lock"}
    before = {p: p.read_bytes() for p in outputs.rglob("*") if p.is_file() and p not in trail}
    assert any(p.suffix == ".sqlite" for p in before) and any("archive" in p.parts for p in before)
    folder = tmp_path / "broken"
    shutil.copytree(demo_inputs, folder)
    book = openpyxl.load_workbook(folder / "Evolve CE data Q2 2025-26.xlsx")
    row, col = _heading_cell(book["Risk assessments"], "Risk level")
    book["Risk assessments"].cell(row + 1, col).value = "Extreme"
    book.save(folder / "Evolve CE data Q2 2025-26.xlsx")
    done = cli("--inputs", str(folder), "--outputs", str(outputs))
    assert done.returncode == 4 and "Nothing was built" in done.stdout
    after = {p: p.read_bytes() for p in outputs.rglob("*") if p.is_file() and p not in trail}
    assert {p: after[p] for p in before} == before  # every earlier file untouched
    added = sorted(p.name for p in set(after) - set(before))
    assert len(added) == 1 and added[0].startswith("Input problems")  # only a new error report

    allowed = cli("--inputs", str(folder), "--outputs", str(tmp_path / "allowed"), "--allow-errors")
    assert allowed.returncode == 3, allowed.stdout
    book = openpyxl.load_workbook(tmp_path / "allowed" / "CE scorecard Q2 2025-26.xlsx")
    notes, ref = {}, None  # each measure's "Notes: " line, the row under it
    for r in book["Scorecard"].iter_rows(min_row=2, values_only=True):
        ref = r[0] or ref
        if not r[0] and str(r[1]).startswith("Notes: "):
            notes[ref] = r[1]
    assert "1 row(s) of its source failed checks and were left out" in notes["4.5"]
    assert "left out" not in notes.get("4.1", "")


def test_a_named_quarter_is_reported_and_a_bad_one_is_refused(tmp_path, demo_inputs):
    outputs = tmp_path / "outputs"
    assert main(["--inputs", str(demo_inputs), "--outputs", str(outputs), "--quarter", "Q3 2024/25", "--today", TODAY.isoformat()]) == 0
    book = openpyxl.load_workbook(outputs / "CE scorecard Q3 2024-25.xlsx")
    head = [c.value for c in book["Scorecard"][1]]
    assert head[2] == "Year ago Q3 2023/24"
    assert head[3:15:3] == ["Q4 2023/24", "Q1 2024/25", "Q2 2024/25", "Q3 2024/25"]  # each with its n and of
    done = cli("--inputs", str(demo_inputs), "--outputs", str(outputs), "--quarter", "Q5 2024/25")
    assert done.returncode == 2 and "is not a quarter such as Q3 2024/25" in done.stderr


def test_the_log_lists_the_first_problems_and_the_error_report_all_of_them(tmp_path, demo_inputs, monkeypatch):
    """A return with thousands of bad cells must not flood the log: it names the first ones and
    says how many more the error report lists."""
    from pipeline import cli as cli_module

    monkeypatch.setattr(cli_module, "LOGGED_PROBLEMS", 2)
    folder = tmp_path / "broken"
    shutil.copytree(demo_inputs, folder)
    book = openpyxl.load_workbook(folder / "Evolve CE data Q2 2025-26.xlsx")
    sheet = book["Risk assessments"]
    row, col = _heading_cell(sheet, "Risk level")
    for i in range(1, 6):
        sheet.cell(row + i, col).value = "Extreme"
    book.save(folder / "Evolve CE data Q2 2025-26.xlsx")
    outputs = tmp_path / "outputs"
    assert main(["validate", "--inputs", str(folder), "--outputs", str(outputs), "--quiet"]) == 4
    log = (outputs / "logs" / "pipeline.log").read_text(encoding="utf-8")
    assert log.count("'Extreme'") == 2
    assert "... and 3 more problems, listed in the error report" in log
    report = openpyxl.load_workbook(next((outputs / "error reports").glob("Input problems*.xlsx")))["Problems"]
    found = [r for r in report.iter_rows(min_row=2, values_only=True) if r[5] == "Extreme"]
    assert len(found) == 5 and {r[3] for r in found} == {f"{openpyxl.utils.get_column_letter(col)}{row + i}"
                                                          for i in range(1, 6)}
