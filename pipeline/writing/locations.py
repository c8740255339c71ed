"""Where every output of a run goes, in one place: the catalogue of the outputs folder.

The officer finds, under outputs/: the circulated workbook (the pack) and its publishable copy, the
officer's checks workbook beside it, the history, each built run's archive and QA record, the
commentary requests, the error reports, the log and last-run.json (and, only while a build runs, its
staging folder).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from pipeline.quarters import file_label
from pipeline.writing.safe import unused_folder

HISTORY_FILE = "history.sqlite"
LAST_RUN = "last-run.json"
LOG = Path("logs") / "pipeline.log"
ERROR_REPORTS = "error reports"
ARCHIVE = "archive"
QA_RECORD = "qa record"
COMMENTARY_REQUESTS = "commentary requests"
NAME_IN_FILE = 40  # characters of a lead's name in a request's file name, so that its path stays short


def _stamp(when: datetime) -> str:
    return f"{when:%Y-%m-%d %H%M%S}"


@dataclass(frozen=True)
class Locations:
    """The outputs folder's layout for one run."""

    outputs: Path
    demo: bool = False  # a demo run keeps its own history and says DEMO in its names
    draft: bool = False  # a draft (--draft) says DRAFT in its workbooks' names

    @property
    def history(self) -> Path:
        return self.outputs / (("demo-" if self.demo else "") + HISTORY_FILE)

    @property
    def last_run(self) -> Path:
        return self.outputs / LAST_RUN

    @property
    def log(self) -> Path:
        return self.outputs / LOG

    @property
    def archives(self) -> Path:
        return self.outputs / ARCHIVE

    def workbook(self, name_pattern: str, quarter: pd.Period) -> Path:
        """The circulated workbook, named for its quarter (settings.yaml's workbook_name); a demo
        and a draft say so, so that neither is ever mistaken for the real one."""
        name = name_pattern.format(quarter=file_label(quarter))
        stem, suffix = name[: -len(".xlsx")], name[-len(".xlsx"):]
        return self.outputs / f"{stem}{' (DEMO)' if self.demo else ''}{' (DRAFT)' if self.draft else ''}{suffix}"

    @staticmethod
    def publishable(workbook: Path) -> Path:
        """'CE scorecard Q2 2025-26 (PUBLISHABLE).xlsx', beside the workbook it was made from."""
        return workbook.with_name(f"{workbook.stem} (PUBLISHABLE){workbook.suffix}")

    @staticmethod
    def officer_checks(workbook: Path) -> Path:
        """'CE scorecard Q2 2025-26 (officer checks).xlsx': the officer's record beside the pack, not circulated."""
        return workbook.with_name(f"{workbook.stem} (officer checks){workbook.suffix}")

    def archive(self, quarter: pd.Period, when: datetime) -> Path:
        """A built run's inputs, schemas and history: archive/<quarter>/<date time>/."""
        return unused_folder(self.archives / file_label(quarter) / _stamp(when))

    def qa_record(self, quarter: pd.Period, when: datetime) -> Path:
        """great-expectations' Data Docs for a run: qa record/<quarter>/<date time>/."""
        return unused_folder(self.outputs / QA_RECORD / (file_label(quarter) + (" (DEMO)" if self.demo else ""))
                             / _stamp(when))

    def commentary_request(self, quarter: pd.Period, lead: str) -> Path:
        """'commentary requests/Q2 2025-26/Commentary request Q2 2025-26 - Rebecca Wall.xlsx' (a demo
        says so in its name)."""
        name = lead[:NAME_IN_FILE].rstrip(" .")  # Windows drops a name's trailing dots and spaces
        return (self.outputs / COMMENTARY_REQUESTS / file_label(quarter)
                / f"Commentary request {file_label(quarter)} - {name}{' (DEMO)' if self.demo else ''}.xlsx")

    def error_report(self, when: datetime) -> Path:
        """A new report per run, never overwriting an earlier one."""
        return self.outputs / ERROR_REPORTS / f"Input problems {_stamp(when)}.xlsx"
