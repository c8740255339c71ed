"""Running unattended: a scheduled-style run, the run trail, locks, archives and Windows-style paths."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from pipeline.cli import main
from pipeline.tools.schedule import schtasks_command
from pipeline.writing.safe import RunLock
from tests.conftest import ROOT, TODAY, copy_demo_inputs, open_in_excel

pytestmark = pytest.mark.usefixtures("great_expectations")  # builds scorecards in this process

T = TODAY.isoformat()


@pytest.fixture(scope="module")
def demo_inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "inputs"
    copy_demo_inputs(folder)
    return folder


def project(tmp_path: Path, demo_inputs: Path, name: str = "CE scorecard") -> Path:
    """A project folder as an officer has it: inputs/ with this quarter's returns."""
    home = tmp_path / name
    shutil.copytree(demo_inputs, home / "inputs")
    return home


def last_run(outputs: Path) -> dict:
    return json.loads((outputs / "last-run.json").read_text(encoding="utf-8"))


def test_a_scheduled_style_run_from_another_folder_with_no_console_records_its_status(tmp_path, demo_inputs):
    home = project(tmp_path, demo_inputs)
    elsewhere = tmp_path / "System32"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "pipeline", "--home", str(home), "--quiet", "--today", T],
                          cwd=elsewhere, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(done.stdout.strip().splitlines()) == 1  # quiet: one line
    assert done.stderr == ""  # nothing from the checks' worker process or its libraries either
    record = last_run(home / "outputs")
    assert Path(record["qa_record"]).is_file()
    assert (record["status"], record["exit_code"], record["quarter"]) == ("built", 0, "Q2 2025/26")
    assert Path(record["workbook"]) == home / "outputs" / "CE scorecard Q2 2025-26.xlsx"
    assert openpyxl.load_workbook(record["workbook"])["Scorecard"] is not None
    assert record["files_read"] == 9 and record["counts"]["error"] == 0
    log = (home / "outputs" / "logs" / "pipeline.log").read_text(encoding="utf-8")
    assert "run ended: built, exit code 0" in log
    assert not list(elsewhere.iterdir())  # nothing written in the working folder


def test_the_home_folder_can_come_from_the_environment(tmp_path, demo_inputs, monkeypatch):
    home = project(tmp_path, demo_inputs)
    monkeypatch.setenv("CE_SCORECARD_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "--quiet", "--today", T]) == 0
    assert last_run(home / "outputs")["status"] == "checked"


def test_each_built_run_archives_its_inputs_with_their_hashes(tmp_path, demo_inputs):
    home = project(tmp_path, demo_inputs, "Évolve scorecard – test")  # spaces and non-ASCII in the path
    assert main(["--home", str(home), "--quiet", "--today", T]) == 0
    archives = list((home / "outputs" / "archive" / "Q2 2025-26").iterdir())
    assert len(archives) == 1
    manifest = json.loads((archives[0] / "manifest.json").read_text(encoding="utf-8"))
    names = sorted(p.name for p in (home / "inputs").iterdir())
    assert sorted(i["file"] for i in manifest["inputs"]) == names
    import hashlib

    for item in manifest["inputs"]:
        copied = archives[0] / "inputs" / item["file"]
        assert hashlib.sha256(copied.read_bytes()).hexdigest() == item["sha256"]
    assert (archives[0] / "schemas" / "kpis.yaml").is_file()


def test_a_second_run_while_one_is_in_progress_is_refused(tmp_path, demo_inputs, capsys):
    home = project(tmp_path, demo_inputs)
    with RunLock(home / "outputs"):
        code = subprocess.run([sys.executable, "-m", "pipeline", "--home", str(home), "--today", T],
                              capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert code.returncode == 6
    assert "another run is using" in code.stderr and "Traceback" not in code.stderr
    assert not list((home / "outputs").glob("CE scorecard*.xlsx"))


def test_a_workbook_open_in_excel_is_not_lost(tmp_path, demo_inputs, monkeypatch, capsys):
    home = project(tmp_path, demo_inputs)
    assert main(["--home", str(home), "--quiet", "--today", T]) == 0
    pack = home / "outputs" / "CE scorecard Q2 2025-26.xlsx"
    checks = home / "outputs" / "CE scorecard Q2 2025-26 (officer checks).xlsx"
    before = {path: path.read_bytes() for path in (pack, checks)}
    open_in_excel(monkeypatch, pack, checks)  # both, as an officer checking one against the other has them
    assert main(["--home", str(home), "--today", T]) == 6
    assert {path: path.read_bytes() for path in (pack, checks)} == before
    copies = [home / "outputs" / "CE scorecard Q2 2025-26 (new copy 1).xlsx",
              home / "outputs" / "CE scorecard Q2 2025-26 (officer checks) (new copy 1).xlsx"]
    assert openpyxl.load_workbook(copies[0])["Scorecard"]["A1"].value is not None
    assert openpyxl.load_workbook(copies[1])["Data quality"]["A1"].value == "Severity"
    said = " ".join(capsys.readouterr().out.split())  # the console wraps long lines
    assert f"open in Excel, so it was saved as {copies[0]} and {copies[1]}." in said
    record = last_run(home / "outputs")
    assert record["status"] == "locked" and record["officer_checks"] == str(copies[1])


def test_a_configuration_mistake_is_one_clear_message_and_recorded(tmp_path, demo_inputs, capsys):
    home = project(tmp_path, demo_inputs)
    shutil.copytree(ROOT / "schemas", home / "schemas")
    kpis = home / "schemas" / "kpis.yaml"
    kpis.write_text(kpis.read_text(encoding="utf-8").replace("    stretch: 98\n", "    strech: 98\n", 1), encoding="utf-8")
    assert main(["--home", str(home), "--today", T]) == 5
    err = capsys.readouterr().err
    assert "unknown key 'strech'" in err and "line" in err
    assert last_run(home / "outputs")["status"] == "config_error"
    assert not list((home / "outputs").glob("*.xlsx"))


def test_a_bug_still_shows_its_traceback_but_is_recorded(tmp_path, demo_inputs, monkeypatch):
    home = project(tmp_path, demo_inputs)
    import pipeline.compute

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(pipeline.compute, "compute_measures", broken)
    with pytest.raises(ZeroDivisionError):
        main(["--home", str(home), "--today", T])
    record = last_run(home / "outputs")
    assert (record["status"], record["exit_code"]) == ("failed", 1)
    assert "ZeroDivisionError" in (home / "outputs" / "logs" / "pipeline.log").read_text(encoding="utf-8")


def test_the_schedule_command_runs_in_the_project_folder_with_this_python():
    command = schtasks_command(Path(r"C:\CE scorecard"), r"C:\Python311\python.exe")
    assert command.startswith('schtasks /Create /F /TN "CE scorecard" /SC MONTHLY /M JAN,APR,JUL,OCT /D 10 ')
    assert r'/TR "\"C:\Python311\python.exe\" -m pipeline --home \"C:\CE scorecard\" --quiet"' in command
    assert len(command.split('/TR "', 1)[1]) < 261  # Task Scheduler's limit on the command it runs
