"""The trail a scheduled run leaves: an appended log and outputs/last-run.json."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from pipeline.safe import write_atomically

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
    status: str = "running"  # built | built_with_warnings | checked | explained | usage | input_errors | config_error | busy | locked | failed
    exit_code: int | None = None
    quarter: str = ""
    workbook: str = ""
    error_report: str = ""
    archive: str = ""
    qa_record: str = ""  # great-expectations' Data Docs for the run (index.html)
    published: str = ""  # the publishable copy, with --publish
    lineage: str = ""  # the officer's workbook of the rows behind each figure
    files_read: int = 0
    rows_read: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # per stage: discover, read, check, compute, ...
    message: str = ""


def open_log(outputs: Path) -> logging.Logger:
    """Append this run to outputs/logs/pipeline.log (UTF-8, one line per event)."""
    logger = logging.getLogger(LOG_NAME)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    close_log()
    folder = outputs / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(folder / "pipeline.log", mode="a", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(message)s", "%Y-%m-%d %H:%M:%S"))
    logger.addHandler(handler)
    return logger


def close_log() -> None:
    logger = logging.getLogger(LOG_NAME)
    for handler in list(logger.handlers):
        handler.close()
        logger.removeHandler(handler)


def write_last_run(outputs: Path, record: RunRecord) -> Path:
    record.finished = datetime.now().isoformat(timespec="seconds")
    text = json.dumps(asdict(record), indent=2, ensure_ascii=False)
    return write_atomically(outputs / "last-run.json", lambda p: p.write_text(text, encoding="utf-8"))
