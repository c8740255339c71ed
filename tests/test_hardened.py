"""Hardened for council machines (issue 12): hostile files, consoles, killed runs and the machine's
own faults, each ending in a clear message, nothing lost and nothing left behind."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import zipfile
from contextlib import closing
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from pipeline.cli import main
from pipeline.config.loading import ConfigError, load_model
from pipeline.config.settings import Settings
from pipeline.paths import LONGEST_BELOW_OUTPUTS
from pipeline.stages.discover import InputFile
from pipeline.stages.grids import Unreadable, open_grid
from pipeline.stages.package import InputLimits, TooLarge, check_package
from tests.conftest import ROOT, TODAY, copy_demo_inputs, write_xlsx

pytestmark = pytest.mark.usefixtures("great_expectations")  # builds scorecards in this process

T = TODAY.isoformat()
GB = 1 << 30
POSIX = pytest.mark.skipif(os.name != "posix", reason="resource limits and SIGKILL are POSIX")
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
ENV.pop("CE_SCORECARD_HOME", None)

CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                 'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                 'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
                 '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
                 'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
                 'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
             '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
             '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                 'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                 'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
SHEET = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{}<sheetData>{}</sheetData></worksheet>'
RISK_HEAD = "Child reference,Assessment date,Exploitation type,Risk level"


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def package(path: Path, dimension: str, rows: str, method: int = zipfile.ZIP_DEFLATED) -> Path:
    """A workbook written part by part, so that it can say what no spreadsheet program would."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", CONTENT_TYPES)
        book.writestr("_rels/.rels", ROOT_RELS)
        book.writestr("xl/workbook.xml", WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        book.writestr("xl/worksheets/sheet1.xml", SHEET.format(dimension, rows), compress_type=method)
    return path


def zip_bomb(path: Path, megabytes: int) -> Path:
    """A sheet of `megabytes` MB of identical rows, packed a few hundred times smaller."""
    row = b'<row><c t="inlineStr"><is><t>aaaaaaaaaa</t></is></c></row>' * 20_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        for name, text in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS),
                           ("xl/workbook.xml", WORKBOOK), ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)):
            book.writestr(name, text)
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            for _ in range(megabytes * (1 << 20) // len(row)):
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
    return path


def understated(bomb: Path, path: Path) -> Path:
    """The bomb with its zip index claiming the sheet unzips to 10 kB (so no ratio looks wrong)."""
    data = bytearray(bomb.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature + b"", 0)
        while at != -1:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at:name_at + len(name)] == name:
                data[at + size_at:at + size_at + 4] = struct.pack("<I", 10_000)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    return path


# --------------------------------------------------------------------------- the guard, in process

def test_a_far_cell_a_bogus_dimension_and_odd_packing_are_refused_before_reading(tmp_path):
    limits = InputLimits()
    cases = {
        "far cell": (package(tmp_path / "a.xlsx", "", '<row r="1">' + cell("A1", "x") + '</row><row r="1048576">'
                             + cell("XFD1048576", "y") + "</row>"), "reaches cell XFD1048576"),
        "bogus dimension": (package(tmp_path / "b.xlsx", '<dimension ref="A1:XFD1048576"/>',
                                    '<row r="1">' + cell("A1", "x") + "</row>"), "reaches cell XFD1048576"),
        # a range that says less than the sheet holds: the cells themselves are looked at too
        "understated dimension": (package(tmp_path / "u.xlsx", '<dimension ref="A1:B2"/>',
                                          '<row r="1">' + cell("A1", "x") + '</row><row r="1048576">'
                                          + cell("XFD1048576", "y") + "</row>"), "reaches cell XFD1048576"),
        "understated rows": (package(tmp_path / "r.xlsx", '<dimension ref="A1:Z2"/>',
                                     '<row r="1">' + cell("A1", "x") + '</row><row r="900000">'
                                     + cell("Z900000", "y") + "</row>"), "reaches cell Z900000"),
        "bzip2": (package(tmp_path / "c.xlsx", "", '<row r="1">' + cell("A1", "x") + "</row>", zipfile.ZIP_BZIP2),
                  "packed in a way Excel does not use"),
    }
    for name, (path, words) in cases.items():
        with pytest.raises(TooLarge) as refused:
            check_package(path, limits)
        assert words in str(refused.value), name
    # the sheet is named as the workbook's own index names it
    assert "sheet, 'Data'" in str(pytest.raises(TooLarge, check_package, cases["far cell"][0], limits).value)


def test_an_ordinary_sheet_passes_and_the_limits_come_from_settings(tmp_path):
    rows = "".join(f'<row r="{r}">' + cell(f"A{r}", "x") + cell(f"D{r}", "y") + "</row>" for r in range(1, 201))
    path = package(tmp_path / "ok.xlsx", '<dimension ref="A1:D200"/>', rows)
    check_package(path, InputLimits())
    with pytest.raises(TooLarge, match="more than the 500 cells"):
        check_package(path, InputLimits(max_cells=500))


def test_the_guard_names_each_sheet_and_notes_which_have_merged_cells(tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", {"Plain": [["a", "b"], [1, 2]], "Merged": [["Arrests", None], ["CSE", "CCE"]]},
                      merged={"Merged": ["A1:B1"]})
    seen = check_package(path, InputLimits())
    assert seen.unmerged == {"Plain"} and seen.may_merge("Merged") and not seen.may_merge("Plain")
    assert seen.may_merge("a sheet its index does not list")  # then the reader is asked
    long = package(tmp_path / "long.xlsx", '<dimension ref="A1:B30000"/>', '<row r="1">' + cell("A1", "x") + "</row>")
    assert check_package(long, InputLimits()).may_merge("Data")  # not looked at: too long for its merges to be filled


def test_limits_and_windows_device_names_are_checked_in_settings_yaml(tmp_path):
    text = (ROOT / "schemas" / "settings.yaml").read_text(encoding="utf-8")
    assert load_model(ROOT / "schemas" / "settings.yaml", Settings).input_limits == InputLimits()
    for wrong, words in (("workbook_name: CON.{quarter}.xlsx", "Windows keeps for a device"),
                         ("workbook_name: CE scorecard {quarter}.xlsx\nmax_cells: 5", "unknown key 'max_cells'")):
        path = tmp_path / "settings.yaml"
        path.write_text(text.replace("workbook_name: CE scorecard {quarter}.xlsx", wrong), encoding="utf-8")
        with pytest.raises(ConfigError, match=words) as error:
            load_model(path, Settings)
        assert "line" in str(error.value)
    path.write_text(text.replace("  max_cells: 5000000", "  max_cells: -1"), encoding="utf-8")
    with pytest.raises(ConfigError, match="input_limits.max_cells"):
        load_model(path, Settings)


SOFFICE = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is needed to write an .xls")
DIMENSIONS = bytes.fromhex("00020e00")  # the BIFF8 record giving a sheet's used range: rows, then columns
LABELSST = bytes.fromhex("fd000a00")  # a text cell: row, column, format, string


def old_xls(folder: Path, cells: dict[str, str]) -> Path:
    """An .xls (BIFF8) written by LibreOffice from a one-sheet workbook with these cells."""
    folder.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    for ref, text in cells.items():
        book.active[ref] = text
    source = folder / "source.xlsx"
    book.save(source)
    subprocess.run(["soffice", "--headless", "--convert-to", "xls", "--outdir", str(folder), str(source)],
                   check=True, capture_output=True, timeout=120)
    source.unlink()
    return folder / "source.xls"


def hostile_xls(folder: Path) -> dict[str, str]:
    """Old .xls files that ask the reader for 1.7 GB (a value at IV65536) or 32 GB (a bogus used range,
    a cell patched to row 65536, column 16384), and one that is fine: {name: the words it must draw}."""
    made = folder.parent / "made"
    good = old_xls(made / "good", {"A1": "Child reference", "B1": "Risk level", "A2": "C1"})
    raw = good.read_bytes()
    dimension = raw[raw.index(DIMENSIONS):raw.index(DIMENSIONS) + 18]
    assert raw.count(dimension) == 1
    (folder / "bogus dimension.xls").write_bytes(raw.replace(dimension, DIMENSIONS + struct.pack("<IIHHH", 0, 65536, 0,
                                                                                                  16384, 0)))
    last = raw.rindex(LABELSST)  # the last text cell (A2): moved to IV65536's far corner, XFD65536
    (folder / "far cell.xls").write_bytes(raw[:last + 4] + struct.pack("<HH", 65535, 16383) + raw[last + 8:])
    shutil.copy(old_xls(made / "far", {"A1": "Child reference", "IV65536": "typed far away"}),
                folder / "value at IV65536.xls")
    shutil.copy(good, folder / "good.xls")
    died = "is damaged or far larger than a return should be"
    return {"bogus dimension.xls": died, "far cell.xls": died, "value at IV65536.xls": died}


# --------------------------------------------------------------------------- hostile files, at the command line

@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The demo inputs with every hostile file beside them, and the words each must draw."""
    folder = tmp_path_factory.mktemp("hostile") / "inputs"
    copy_demo_inputs(folder)
    expected = {}
    package(folder / "far cell.xlsx", "", '<row r="1">' + cell("A1", "Child reference") + '</row><row r="1048576">'
            + cell("XFD1048576", "oops") + "</row>")
    expected["far cell.xlsx"] = "reaches cell XFD1048576"
    package(folder / "bogus dimension.xlsx", '<dimension ref="A1:XFD1048576"/>', '<row r="1">' + cell("A1", "x") + "</row>")
    expected["bogus dimension.xlsx"] = "reaches cell XFD1048576"
    book = openpyxl.Workbook()
    book.active["XFD1048576"] = "typed far away"
    book.save(folder / "value at XFD1048576.xlsx")
    expected["value at XFD1048576.xlsx"] = "reaches cell XFD1048576"
    bomb = zip_bomb(tmp_path_factory.mktemp("bombs") / "bomb.xlsx", 300)
    shutil.copy(bomb, folder / "zip bomb.xlsx")
    expected["zip bomb.xlsx"] = "unzips to"
    understated(bomb, folder / "understated bomb.xlsx")
    expected["understated bomb.xlsx"] = "is damaged"
    package(folder / "bad entity.xlsx", "", '<row r="1">' + cell("A1", "&bogus;") + "</row>")
    expected["bad entity.xlsx"] = "its contents are damaged"
    if shutil.which("soffice"):
        expected.update(hostile_xls(folder))
        (folder / "good.xls").unlink()  # read in test_old_xls_files_that_ask_for_too_much_are_refused_alone
    return folder, expected


@pytest.fixture(scope="module")
def refused(hostile, tmp_path_factory) -> tuple[subprocess.CompletedProcess, int]:
    """validate over the lot, in a process allowed 1 GB of memory: (the run, its peak memory)."""
    if os.name != "posix":
        pytest.skip("the memory limit is set with setrlimit")
    import resource

    def at_most_1_gb() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (GB, GB))

    folder, _ = hostile
    out, said = folder.parent / "outputs", folder.parent / "said"
    said.mkdir()
    command = [sys.executable, "-m", "pipeline", "validate", "--inputs", str(folder), "--outputs", str(out), "--today", T]
    with (said / "out").open("w") as stdout, (said / "err").open("w") as stderr:  # files: so wait4 can reap it
        run = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=ENV, preexec_fn=at_most_1_gb)
        _, status, usage = os.wait4(run.pid, 0)
    done = subprocess.CompletedProcess(command, os.waitstatus_to_exitcode(status),
                                       (said / "out").read_text(), (said / "err").read_text())
    return done, usage.ru_maxrss * 1024


@POSIX
def test_hostile_files_are_refused_by_name_while_the_others_are_read(hostile, refused):
    _, expected = hostile
    done, _ = refused
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode == 3, done.stderr  # warnings only: every demo file was read
    flat = " ".join(done.stdout.split())
    for name, words in expected.items():
        said = [m[:300] for m in flat.split(f"WARNING {name}: ")[1:]]
        assert len(said) == 1 and words in said[0], (name, said)
    assert f"Checked {9 + len(expected)} file(s), 18,200 row(s) read" in flat  # the 9 demo files and every hostile one
    for jargon in ("calamine", "Xlsx error", "Zip error", "Xml error", "BadZipFile"):
        assert jargon not in done.stdout + done.stderr
    log = (hostile[0].parent / "outputs" / "logs" / "pipeline.log").read_text(encoding="utf-8")
    assert "the Excel reader said:" in log  # the reader's own words are kept for whoever looks into it


@POSIX
def test_no_hostile_file_takes_the_run_past_1_gb(refused):
    done, peak = refused
    assert done.returncode >= 0  # not killed by a signal (a native abort is -6)
    assert peak < GB, peak


@SOFFICE
def test_old_xls_files_that_ask_for_too_much_are_refused_alone(tmp_path):
    """An .xls cannot be sized up before it is read: it is read in a child process allowed
    max_reader_memory_mb, and if that dies (Rust aborts on a failed allocation) the file is refused."""
    folder = tmp_path / "inputs"
    folder.mkdir()
    expected = hostile_xls(folder)
    limits = InputLimits()
    for name, words in expected.items():
        with pytest.raises(Unreadable) as refusal:
            open_grid(_input(folder / name), limits)
        assert words in str(refusal.value) and "save it as an Excel Workbook (.xlsx)" in str(refusal.value), name
    grid = open_grid(_input(folder / "good.xls"), limits)  # and the next file is read as usual
    cells = grid.load(grid.sheets()[0])
    assert cells.iat[0, 0] == "Child reference" and cells.iat[0, 1] == "Risk level" and cells.iat[1, 0] == "C1"


def _input(path: Path) -> InputFile:
    return InputFile(path, path.name, path.stat().st_size, datetime.now(), "")


def test_a_csv_over_the_cell_limit_is_refused_before_it_is_parsed(tmp_path):
    limits = InputLimits(max_cells=100)
    many = tmp_path / "many.csv"
    many.write_text("\n".join(",".join("x" * 11) for _ in range(10)), encoding="utf-8")  # 110 cells
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(",".join("h" * 30) + "\n" + "a\n" * 20, encoding="utf-8")  # 51 values, 21 rows by 30 columns
    quoted = tmp_path / "quoted.csv"
    quoted.write_text("a,b\n" + '"x, y, z, and more, and more",1\n' * 20, encoding="utf-8")  # commas in quotes
    for path, words in ((many, "10 rows by 11 columns"), (ragged, "21 rows by 30 columns")):
        with pytest.raises(Unreadable) as refusal:
            open_grid(_input(path), limits)
        assert words in str(refusal.value) and "max_cells under input_limits" in str(refusal.value)
    assert open_grid(_input(quoted), InputLimits(max_cells=60)).load("").shape == (21, 2)
    big = tmp_path / "big.csv"
    big.write_bytes(b"a,b\n" * 300_000)  # 1.1 MB
    with pytest.raises(Unreadable, match="more than the 1 MB a CSV file may be"):
        open_grid(_input(big), InputLimits(max_csv_mb=1))


# --------------------------------------------------------------------------- consoles and logs

@pytest.fixture
def project(tmp_path) -> Path:
    home = tmp_path / "CE scorecard"
    copy_demo_inputs(home / "inputs")
    return home


def test_cp1252_console_and_escape_sequences_in_cells(project):
    (project / "inputs" / "risk extract.csv").write_bytes(
        (RISK_HEAD + "\r\nC1,01/10/2025 \u2192 \U0001f6a8,CSE,High\r\n"
         "C2,02/10/2025,CSE,\x1b[2J\x1b[31mFAKE\x1b]8;;http://x.invalid/\x07link\x1b]8;;\x07\r\n").encode("utf-8"))
    done = subprocess.run([sys.executable, "-m", "pipeline", "validate", "--home", str(project), "--today", T],
                          capture_output=True, env={**ENV, "PYTHONIOENCODING": "cp1252"}, timeout=300)
    out = (done.stdout + done.stderr).decode("cp1252")
    assert done.returncode == 4 and "Traceback" not in out
    assert "has '01/10/2025 ? ?'" in out  # cp1252 has neither the arrow nor the emoji
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b[2J\\x1b[31mFAKE\\x1b]8;;http://x.invalid/\\x07link" in " ".join(out.split())
    log = (project / "outputs" / "logs" / "pipeline.log").read_text(encoding="utf-8")
    assert "\x1b" not in log and "\\x1b[2J" in log
    report = openpyxl.load_workbook(json.loads((project / "outputs" / "last-run.json").read_text())["error_report"])
    cells = [str(c.value) for row in report["Problems"].iter_rows() for c in row if c.value]
    assert not any("\x1b" in c for c in cells) and any("\\x1b[2J" in c for c in cells)


# --------------------------------------------------------------------------- killed runs

KILLER = """
import os, signal, sys
import pipeline.stages.read, pipeline.writing.runlog, pipeline.writing.safe

moment = sys.argv[1]

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

if moment == "reading":
    pipeline.stages.read.read_file = die
elif moment == "checking":  # the checks' worker is sent its job, and the run dies before the answer
    import pipeline.stages.checker
    def send_then_die(self, *args, docs=False):
        self._conn.send((*args, docs))
        die()
    pipeline.stages.checker.Checker.check = send_then_die
elif moment == "staged":
    pipeline.writing.safe.StagedOutputs.commit = die
elif moment == "moving":
    place, moves = pipeline.writing.safe._place, []
    def after_two(*args):
        if len(moves) == 2:
            die()
        moves.append(args)
        return place(*args)
    pipeline.writing.safe._place = after_two
elif moment == "committed":
    write = pipeline.writing.runlog.write_last_run
    pipeline.writing.runlog.write_last_run = lambda outputs, record: die() if record.status != "running" else write(outputs, record)

from pipeline.cli import main

sys.exit(main(sys.argv[2:]))
"""
MOMENTS = ("reading", "checking", "staged", "moving", "committed")


def _hashes(folder: Path) -> dict[str, Path]:
    return {hashlib.sha256(p.read_bytes()).hexdigest(): p for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def killed(tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    """One build per moment, each killed there (all at once, to save time)."""
    if os.name != "posix":
        pytest.skip("SIGKILL is POSIX")
    demo = tmp_path_factory.mktemp("killed-demo") / "inputs"
    copy_demo_inputs(demo)
    runs = {}
    for moment in MOMENTS:
        home = tmp_path_factory.mktemp(f"killed-{moment}") / "CE scorecard"
        shutil.copytree(demo, home / "inputs")
        runs[moment] = (home, subprocess.Popen([sys.executable, "-c", KILLER, moment, "--home", str(home), "--today", T],
                                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV))
    out = {}
    for moment, (home, run) in runs.items():
        stdout, stderr = run.communicate(timeout=300)  # returns once the checks' worker has let go of the pipe too
        out[moment] = (home, subprocess.CompletedProcess(run.args, run.returncode, stdout, stderr))
    return out


@POSIX
@pytest.mark.parametrize("moment", MOMENTS)
def test_a_killed_build_leaves_a_trail_and_its_worker_goes_quietly(killed, moment):
    home, done = killed[moment]
    assert done.returncode == -signal.SIGKILL
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr
    record = json.loads((home / "outputs" / "last-run.json").read_text(encoding="utf-8"))
    assert record["status"] == "running" and record["finished"] == ""


@POSIX
@pytest.mark.parametrize("moment", MOMENTS)
def test_the_next_run_cleans_up_and_no_copy_of_an_input_is_left_outside_the_archive(killed, moment):
    home, _ = killed[moment]
    outputs = home / "outputs"
    inputs = _hashes(home / "inputs")
    done = subprocess.run([sys.executable, "-m", "pipeline", "validate", "--home", str(home), "--today", T],
                          capture_output=True, text=True, env=ENV, timeout=300)
    assert done.returncode == 0 and "Traceback" not in done.stderr
    record = json.loads((outputs / "last-run.json").read_text(encoding="utf-8"))
    assert record["status"] == "checked" and record["previous"].startswith("interrupted: the run started")
    log = (outputs / "logs" / "pipeline.log").read_text(encoding="utf-8")
    assert "did not finish: it was interrupted" in log
    assert not (outputs / "staging").exists()
    assert not [p for p in outputs.rglob(".*") if p.name != ".pipeline.lock"]  # no hidden leftovers anywhere
    for digest, path in _hashes(outputs).items():
        if digest in inputs:
            parts = path.relative_to(outputs).parts
            assert parts[0] == "archive" and parts[3] == "inputs" and len(parts) == 5, path
    workbook = outputs / "CE scorecard Q2 2025-26.xlsx"
    archives = list((outputs / "archive").glob("*/*")) if (outputs / "archive").is_dir() else []
    qa = list((outputs / "qa record").glob("*/*")) if (outputs / "qa record").is_dir() else []
    if moment in ("reading", "checking", "staged"):  # the earlier state: nothing of the killed run
        assert not workbook.exists() and not archives and not qa and not (outputs / "history.sqlite").exists()
        if moment == "staged":
            assert "removed the staged files of a run that was stopped before it finished" in log
            assert "9 of them copies of input files" in log
    else:  # the complete new state
        assert openpyxl.load_workbook(workbook)["Scorecard"] is not None
        assert len(archives) == 1 and len(qa) == 1 and (qa[0] / "index.html").is_file()
        assert (outputs / "history.sqlite").is_file() and (archives[0] / "history.sqlite").is_file()
        assert len(list((archives[0] / "inputs").iterdir())) == 9
        if moment == "moving":
            assert "finished moving into place the outputs of a run that was stopped" in log


# --------------------------------------------------------------------------- the machine's faults

ASIDE = "Early Help completed assessments Oct 2023 - Sep 2025.xlsx"


def _built(home: Path) -> dict[Path, bytes]:
    """A first build, without one return (so that the next build has new figures to save)."""
    shutil.move(home / "inputs" / ASIDE, home / ASIDE)
    assert main(["--home", str(home), "--quiet", "--today", T]) in (0, 3)
    return {p: p.read_bytes() for p in (home / "outputs").rglob("*") if p.is_file() and "logs" not in p.parts
            and p.name != "last-run.json"}


def _unchanged(home: Path, before: dict[Path, bytes]) -> None:
    after = {p for p in (home / "outputs").rglob("*") if p.is_file() and "logs" not in p.parts
             and p.name not in ("last-run.json", ".pipeline.lock")}
    assert after == {p for p in before if p.name != ".pipeline.lock"}
    assert all(p.read_bytes() == data for p, data in before.items() if p.exists())


def _changed_inputs(home: Path) -> None:
    """The return left out of the first build is back: new figures for the history."""
    shutil.move(home / ASIDE, home / "inputs" / ASIDE)


def test_a_transient_permission_error_is_retried_not_taken_for_excel(project, monkeypatch):
    from pipeline.writing import safe

    real, refusals = os.replace, []

    def held_for_a_moment(src, dst):
        if Path(dst).name == "CE scorecard Q2 2025-26.xlsx" and len(refusals) < 2:
            refusals.append(dst)
            raise PermissionError(13, "The process cannot access the file", str(dst))
        return real(src, dst)

    monkeypatch.setattr(safe.os, "replace", held_for_a_moment)
    monkeypatch.setattr(safe, "RETRY_DELAYS", (0, 0, 0))
    assert main(["--home", str(project), "--quiet", "--today", T]) == 0
    assert len(refusals) == 2
    assert (project / "outputs" / "CE scorecard Q2 2025-26.xlsx").is_file()
    assert not list((project / "outputs").glob("*new copy*"))


def test_a_history_held_by_another_program_at_commit_puts_everything_back(project, monkeypatch, capsys):
    from pipeline.writing import safe

    before = _built(project)
    _changed_inputs(project)
    real = os.replace

    def history_held(src, dst):
        if "history.sqlite" in (Path(src).name, Path(dst).name):
            raise PermissionError(13, "The process cannot access the file", str(project / "outputs" / "history.sqlite"))
        return real(src, dst)

    monkeypatch.setattr(safe.os, "replace", history_held)
    monkeypatch.setattr(safe, "RETRY_DELAYS", (0,))
    assert main(["--home", str(project), "--today", T]) == 6
    err = capsys.readouterr().err
    assert "history.sqlite is open in another program" in err and "Close it and run again" in err
    _unchanged(project, before)  # the QA record and archive it had moved were put back: no mixture
    assert not (project / "outputs" / "staging").exists()


def test_a_full_disk_is_one_clear_line_and_earlier_files_stay(project, monkeypatch, capsys):
    import errno

    import pipeline.writing.archive

    before = _built(project)
    _changed_inputs(project)

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pipeline.writing.archive.shutil, "copy2", no_space)
    assert main(["--home", str(project), "--today", T]) == 7
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "There is no room left to write to" in err and "Free some space" in err
    record = json.loads((project / "outputs" / "last-run.json").read_text(encoding="utf-8"))
    assert (record["status"], record["exit_code"]) == ("disk_full", 7)
    _unchanged(project, before)
    assert not (project / "outputs" / "staging").exists()


@POSIX
def test_a_small_size_limit_on_the_outputs_folder_is_a_full_disk(project):
    import resource

    def small_files_only() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # so a write past the limit fails instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    done = subprocess.run([sys.executable, "-m", "pipeline", "--home", str(project), "--today", T], capture_output=True,
                          text=True, env=ENV, timeout=300, preexec_fn=small_files_only)
    assert done.returncode == 7 and "Traceback" not in done.stderr
    assert "There is no room left to write to" in done.stderr
    assert json.loads((project / "outputs" / "last-run.json").read_text(encoding="utf-8"))["status"] == "disk_full"
    assert not list((project / "outputs").glob("*.xlsx")) and not (project / "outputs" / "staging").exists()


@pytest.mark.parametrize("damage", ["not a database", "malformed", "emptied"])
def test_a_damaged_history_is_never_replaced(project, capsys, damage):
    before = _built(project)
    db = project / "outputs" / "history.sqlite"
    data = bytearray(db.read_bytes())
    if damage == "not a database":
        data = bytearray(b"this is not a database " * 200)
    elif damage == "emptied":  # 0 bytes (a sync or a copy gone wrong): SQLite would take it for a new history
        data = bytearray()
    else:
        page = struct.unpack(">H", data[16:18])[0]
        data[page + 8:page * 3] = b"\xff" * (page * 2 - 8)  # the tables' pages overwritten
    db.write_bytes(bytes(data))
    before[db] = bytes(data)
    _changed_inputs(project)
    assert main(["--home", str(project), "--today", T]) == 7
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"The history database {db} is damaged" in err
    [copy] = (project / "outputs" / "archive").glob("*/*/history.sqlite")
    assert f"copy the one the last built run kept in the archive, {copy}, over it" in err and "to start the history again" in err
    assert json.loads((project / "outputs" / "last-run.json").read_text(encoding="utf-8"))["status"] == "history_damaged"
    _unchanged(project, before)


def test_a_history_locked_by_another_program_says_close_it(project, capsys):
    before = _built(project)
    _changed_inputs(project)
    browsing = sqlite3.connect(project / "outputs" / "history.sqlite", isolation_level=None)
    browsing.execute("BEGIN EXCLUSIVE")  # as DB Browser holds it while someone edits a table
    try:
        assert main(["--home", str(project), "--today", T]) == 6
    finally:
        browsing.close()
    err = capsys.readouterr().err
    assert "is in use by another program" in err and "Close that program and run again" in err
    assert json.loads((project / "outputs" / "last-run.json").read_text(encoding="utf-8"))["status"] == "locked"
    _unchanged(project, before)


@pytest.mark.parametrize("when", ["before the run", "while it runs"])
def test_a_history_another_program_is_changing_is_left_to_it(project, monkeypatch, capsys, when):
    """A write transaction not yet committed (an edit in DB Browser before 'Write Changes') does not stop
    others reading, but a run that replaced the file would lose that program's changes."""
    import pipeline.cli

    before = _built(project)
    _changed_inputs(project)
    editing = sqlite3.connect(project / "outputs" / "history.sqlite", isolation_level=None)

    def start_editing() -> None:
        editing.execute("BEGIN IMMEDIATE")
        editing.execute("INSERT INTO restatements (ref, quarter, quarter_label, old_value, new_value, restated_at) "
                        "VALUES ('edited', '2025Q3', 'Q2 2025/26', 1, 2, 'by hand')")

    if when == "before the run":
        start_editing()
    else:  # after the run has read the history, before it saves its own
        read = pipeline.cli._stored_history
        monkeypatch.setattr(pipeline.cli, "_stored_history", lambda *args: (read(*args), start_editing())[0])
    try:
        assert main(["--home", str(project), "--today", T]) == 6
        err = capsys.readouterr().err
        assert "is in use by another program" in err and "Close that program and run again" in err
        assert json.loads((project / "outputs" / "last-run.json").read_text(encoding="utf-8"))["status"] == "locked"
        editing.execute("COMMIT")
    finally:
        editing.close()
    db = project / "outputs" / "history.sqlite"
    with closing(sqlite3.connect(db)) as history:  # its changes are in the history, where it put them
        assert history.execute("SELECT count(*) FROM restatements WHERE ref = 'edited'").fetchone() == (1,)
    _unchanged(project, {**before, db: db.read_bytes()})  # and nothing else was changed


# --------------------------------------------------------------------------- Windows paths

def test_every_path_written_under_outputs_is_short_enough_for_windows(project):
    long_name = "Evolve child exploitation team return for the quarter ending 30 September 2025 (final v3).xlsx"
    shutil.move(sorted((project / "inputs").glob("Evolve*.xlsx"))[0], project / "inputs" / long_name)
    assert main(["--home", str(project), "--quiet", "--publish", "--today", T]) == 0
    assert main(["--home", str(project), "--quiet", "--demo", "--today", T]) == 0
    written = [p.relative_to(project / "outputs").as_posix() for p in (project / "outputs").rglob("*")]
    assert any("/validations/" in p for p in written) and any(p.endswith(".xlsx") and "/inputs/" in p for p in written)
    assert max(len(p) for p in written) <= LONGEST_BELOW_OUTPUTS, max(written, key=len)
    [manifest] = (project / "outputs" / "archive").glob("*/*/manifest.json")
    names = {i["file"]: i["archived_as"] for i in json.loads(manifest.read_text(encoding="utf-8"))["inputs"]}
    assert names[long_name] != long_name and (manifest.parent / "inputs" / names[long_name]).is_file()


def test_an_outputs_folder_too_deep_for_windows_is_refused_before_writing(project, capsys):
    deep = project / ("OneDrive - Rotherham Metropolitan Borough Council" + "/Performance team" * 5) / "outputs"
    assert main(["--home", str(project), "--outputs", str(deep), "--today", T]) == 7
    err = capsys.readouterr().err
    assert "past the 250 that Windows and Excel allow" in err and "shorter path" in err
    assert not list(deep.rglob("*.xlsx")) and not (deep / "staging").exists()


# --------------------------------------------------------------------------- helpful from anywhere

def test_templates_never_overwrite_a_filled_in_return(tmp_path, capsys):
    folder = tmp_path / "Returns"
    folder.mkdir()
    filled = folder / "Police return.xlsx"
    filled.write_bytes(b"a return someone has filled in")
    assert main(["templates", str(folder)]) == 0
    assert filled.read_bytes() == b"a return someone has filled in"
    assert openpyxl.load_workbook(folder / "Police return (2).xlsx") is not None
    assert f"{filled} already exists, so it was left as it is and the new template was written as " \
           "Police return (2).xlsx." in capsys.readouterr().out


def test_a_folder_that_is_not_a_project_is_never_written_to(tmp_path, capsys):
    empty = tmp_path / "Downloads"
    empty.mkdir()
    for command in ("validate", "run", "schedule", "templates"):
        assert main([command, "--home", str(empty), "--today", T]) == 2
        err = capsys.readouterr().err
        assert f"{empty} (the project folder given) is not a project folder" in err and "--home" in err
    assert list(empty.iterdir()) == []


def test_started_outside_a_project_it_says_which_folder_it_took(tmp_path):
    elsewhere = tmp_path / "System32"
    elsewhere.mkdir()
    done = subprocess.run([sys.executable, "-m", "pipeline", "schedule"], cwd=elsewhere, capture_output=True, text=True,
                          env=ENV, timeout=120)
    assert done.returncode == 0
    assert done.stdout.startswith(f"Project folder: {ROOT} (the folder this pipeline runs from, as the working "
                                  "folder is in no project folder; to use another, name it with --home)")
    assert list(elsewhere.iterdir()) == []
