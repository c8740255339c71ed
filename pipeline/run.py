"""The orchestrator: the quarterly process, top to bottom, as an officer would describe it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from pipeline import problems as pr
from pipeline.contract import Contract
from pipeline.discover import InputFile, discover_files
from pipeline.read import Staged, read_sources
from pipeline.validate import Checked, check_sources


@dataclass
class CheckedInputs:
    """Everything known about this run's inputs once they are read and checked."""

    files: list[InputFile]
    staged: Staged
    checked: Checked
    problems: pd.DataFrame

    @property
    def counts(self) -> dict[str, int]:
        return pr.counts(self.problems)


def absent_tables(staged: Staged, contract: Contract) -> pd.DataFrame:
    """A warning for each expected table that no file supplied (nor any stand-in for it)."""
    present = set(staged.frames)
    notes = []
    for name, table in contract.tables.items():
        if table.optional or name in present or present & set(table.alternatives):
            continue
        headings = ", ".join(c.header for c in table.columns.values() if c.required)
        notes.append(pr.problem(
            "warning",
            f"No {table.title} found in the inputs (a sheet headed: {headings}). "
            "Its measures will show 'No data'.",
            source=name, check="absent_source"))
    return pr.frame(notes)


def check_inputs(inputs_dir, contract: Contract, today: date, progress: Callable[[str], None] | None = None,
                 allowed: dict[str, dict[str, list[str]]] | None = None) -> CheckedInputs:
    """Find, read and check every input file."""
    files, skipped = discover_files(inputs_dir)
    if not files and skipped.empty:
        skipped = pr.frame([pr.problem(
            "error", f"There are no input files in {inputs_dir}. Copy the agencies' returns there "
            "(blank templates: python -m pipeline templates).", check="no_inputs")])
    staged = read_sources(files, contract, progress)
    checked = check_sources(staged, contract, today, allowed)
    absent = absent_tables(staged, contract) if files else pr.frame()
    problems = pr.combine(skipped, staged.problems, checked.problems, absent)
    return CheckedInputs(files, staged, checked, problems)
