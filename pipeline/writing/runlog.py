"""The trail a scheduled run leaves: an appended log and outputs/last-run.json."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from pipeline.console import printable
from pipeline.writing.locations import Locations
from pipeline.writing.safe import recover, write_atomically

LOG_NAME = "ce-scorecard"


@dataclass
class RunRecord:
    """What last-run.json says: enough to notice and understand a failed scheduled run."""

    started: str
    command: str
    home: str
    inputs: str
    outputs: str
    finished: str = ""
    # running | built | built_with_warnings | checked | explained | requested | usage | input_errors | config_error |
    # busy | locked | disk_full | history_damaged | path_too_long | interrupted (a later run found it had died) | failed
    status: str = "running"
    exit_code: int | None = None
    quarter: str = ""
    workbook: str = ""
    error_report: str = ""
    archive: str = ""
    qa_record: str = ""  # great-expectations' Data Docs for the run (index.html)
    published: str = ""  # the publishable copy, with --publish
    officer_checks: str = ""  # the officer's record beside the pack: data quality, sources, lineage, SPC data
    files_read: int = 0
    rows_read: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # per stage: discover, read, check, compute, ...
    message: str = ""
    previous: str = ""  # what this run found of the one before it, when that one was interrupted


class _PlainFormatter(logging.Formatter):
    """Control characters from the inputs are written escaped, never raw, into the log."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record))


class _QuietFileHandler(logging.FileHandler):
    """A log that cannot be written (a full disk) must not print its own traceback on the console."""

    def handleError(self, record: logging.LogRecord) -> None:
        pass


def open_log(outputs: Path) -> logging.Logger:
    """Append this run to outputs/logs/pipeline.log (UTF-8, one line per event)."""
    logger = logging.getLogger(LOG_NAME)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    close_log()
    log = Locations(outputs).log
    log.parent.mkdir(parents=True, exist_ok=True)
    handler = _QuietFileHandler(log, mode="a", encoding="utf-8")
    handler.setFormatter(_PlainFormatter("%(asctime)s %(levelname)-7s %(message)s", "%Y-%m-%d %H:%M:%S"))
    logger.addHandler(handler)
    return logger


def close_log() -> None:
    logger = logging.getLogger(LOG_NAME)
    for handler in list(logger.handlers):
        handler.close()
        logger.removeHandler(handler)


def read_last_run(outputs: Path) -> dict:
    """The last run's record, or {} if there is none or it cannot be read."""
    try:
        return json.loads(Locations(outputs).last_run.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_last_run(outputs: Path, record: RunRecord) -> Path:
    record.finished = "" if record.status == "running" else datetime.now().isoformat(timespec="seconds")
    text = json.dumps(asdict(record), indent=2, ensure_ascii=False)
    return write_atomically(Locations(outputs).last_run, lambda p: p.write_text(text, encoding="utf-8"))


def start_run(outputs: Path, record: RunRecord, log: logging.Logger) -> list[str]:
    """With the lock held: mark a run that died as interrupted, finish or remove what it left
    (one line each, also logged), and record this one as running."""
    before = read_last_run(outputs)
    if before.get("status") == "running":  # it held the lock we now hold: it is dead
        record.previous = (f"interrupted: the {before.get('command', 'run')} started {before.get('started', '?')} "
                           "did not finish")
        log.warning("the previous run (%s, started %s) did not finish: it was interrupted",
                    before.get("command", "run"), before.get("started", "?"))
        text = json.dumps({**before, "status": "interrupted", "message": "the run stopped before it finished"},
                          indent=2, ensure_ascii=False)
        write_atomically(Locations(outputs).last_run, lambda p: p.write_text(text, encoding="utf-8"))
    notes = recover(outputs)
    for note in notes:
        log.warning("%s", note)
    write_last_run(outputs, record)
    return notes
