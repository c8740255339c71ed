"""Publish: write every output of a computed run, and nothing before it is all written.

The QA record, the history, the archive of the inputs, the pack, the officer's checks beside it
and the publishable copy are staged under outputs/staging/<run>/ and moved into place together
(pipeline.writing.safe), so a run that fails, or is killed, leaves every earlier file as it was.
Where each goes is pipeline.writing.locations' business; the error report is written on its own,
for `validate` too.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pandas as pd

from pipeline.config.settings import Config, schema_files
from pipeline.model import CheckedInputs, Computed, Outcome
from pipeline.paths import Paths
from pipeline.workbook.book import write_officer_checks, write_workbook
from pipeline.workbook.error_report import write_error_report
from pipeline.writing.archive import fill_archive
from pipeline.writing.faults import history_errors
from pipeline.writing.history_file import save_history
from pipeline.writing.locations import Locations
from pipeline.writing.safe import StagedOutputs


def _write_pages(folder: Path, pages: dict[str, bytes]) -> None:
    for name, content in pages.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def publish(computed: Computed, inputs: CheckedInputs, paths: Paths, config: Config, when: datetime,
            demo: bool = False) -> Outcome:
    """Write the run's outputs; where each was placed (a workbook open in Excel gets another name)."""
    reporting = computed.data.reporting
    where = Locations(paths.outputs, demo, computed.data.draft)
    workbook = where.workbook(config.settings.workbook_name, reporting)
    checks = where.officer_checks(workbook)
    qa_folder = where.qa_record(reporting, when)
    data = replace(computed.data, qa_record=qa_folder.relative_to(paths.outputs) / "index.html")
    staged = StagedOutputs(paths.outputs, f"{when:%Y-%m-%d %H%M%S}")
    outcome = Outcome(inputs, data)
    try:
        staged.add_folder(qa_folder, lambda folder: _write_pages(folder, computed.pages))
        with history_errors(where.history, where.archives):
            save_history(where.history, computed.merged, when.isoformat(timespec="seconds"), staged)
        if not demo:
            outcome.archive = where.archive(reporting, when)
            staged.add_folder(outcome.archive, lambda folder: fill_archive(
                folder, [f for f in inputs.files if not f.copy_of], schema_files(paths), reporting, when,
                workbook.name, staged.current(where.history)))
        staged.add(workbook, lambda path: write_workbook(data, path), fallback=True)
        staged.add(checks, lambda path: write_officer_checks(data, config.catalogue, path), fallback=True)
        if computed.public is not None:
            staged.add(where.publishable(workbook), lambda path: write_workbook(computed.public, path), fallback=True)
        placed = staged.commit()  # QA record, history, archive, then the workbooks (which have a fallback name)
    except BaseException:
        staged.discard()
        raise
    inputs.clock.lap("write")
    outcome.workbook, outcome.qa_record = placed[workbook], placed[qa_folder] / "index.html"
    outcome.officer_checks, outcome.published = placed[checks], placed.get(where.publishable(workbook))
    outcome.moved = [placed_at for intended, placed_at in placed.items() if placed_at != intended]
    return outcome


def publish_error_report(problems: pd.DataFrame, outputs: Path, when: datetime) -> Path:
    """Every problem of the run, for the officer to sort and filter (also after `validate`)."""
    return write_error_report(problems, Locations(outputs).error_report(when), when)
