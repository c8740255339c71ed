"""Check the inputs: find every file, read it, check every row, count each record once and
know which quarters each table covers. Nothing is written; what was found comes back as records.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
from pandera.typing import DataFrame

from pipeline import problems as pr
from pipeline.config.contract import Contract
from pipeline.frames import Problems
from pipeline.model import CheckedInputs, Clock
from pipeline.stages.coverage import cover
from pipeline.stages.dedupe import drop_repeats
from pipeline.stages.discover import discover_files
from pipeline.stages.package import InputLimits
from pipeline.stages.read import ReadTables, read_sources
from pipeline.stages.validate import check_sources


def check_inputs(inputs_dir: Path, contract: Contract, today: date, progress: Callable[[str], None] | None = None,
                 allowed: dict[str, dict[str, list[str]]] | None = None, limits: InputLimits | None = None,
                 ) -> CheckedInputs:
    """Find, read and check every input file."""
    clock = Clock()
    files, skipped = discover_files(inputs_dir)
    clock.lap("discover")
    if not files and skipped.empty:
        skipped = pr.frame([pr.problem(
            "error", f"There are no input files in {inputs_dir}. Copy the agencies' returns there "
            "(blank templates: python -m pipeline templates).", check="no_inputs")])
    readable = [f for f in files if not f.copy_of]
    staged = read_sources(readable, contract, progress, limits)
    clock.lap("read")
    checked = check_sources(staged, contract, today, allowed)
    once = drop_repeats(checked.frames, staged.locations, readable, contract)
    coverage, checked.frames, outside = cover(once.frames, staged.locations, contract, today)
    for loc, count in once.rejected.items():
        checked.rejected[loc] = checked.rejected.get(loc, 0) + count
    absent = absent_tables(staged, contract) if files else pr.frame()
    problems = pr.combine(skipped, staged.problems, checked.problems, once.problems, outside, absent)
    clock.lap("check")
    return CheckedInputs(files, staged, checked, problems, clock, coverage)


def absent_tables(staged: ReadTables, contract: Contract) -> DataFrame[Problems]:
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


def present_columns(staged: ReadTables) -> dict[str, set[str]]:
    present: dict[str, set[str]] = {}
    for loc in staged.locations:
        present.setdefault(loc.table, set()).update(loc.letters)
    return present


def rows_left_out(inputs: CheckedInputs) -> dict[str, int]:
    by_table: dict[str, int] = {}
    for loc in inputs.staged.locations:
        if inputs.checked.rejected.get(loc.loc):
            by_table[loc.table] = by_table.get(loc.table, 0) + inputs.checked.rejected[loc.loc]
    return by_table


SOURCE_COLUMNS = ["file", "recognised_as", "sheets", "period", "rows_used", "rows_rejected", "rows_not_counted",
                  "sha256", "modified", "size"]


def sources_table(inputs: CheckedInputs, contract: Contract) -> pd.DataFrame:
    """One row per input file: what it was recognised as, the period it covers, and how many rows
    were used, rejected (they failed a check) and not counted (the same record in another file,
    or outside the period the return says it covers). A copy of another file is listed, unread."""
    used: dict[int, int] = {}
    for frame in inputs.checked.frames.values():
        if "_loc" in frame:
            for loc, count in frame["_loc"].value_counts().items():
                used[int(loc)] = used.get(int(loc), 0) + int(count)
    periods = inputs.coverage.periods.set_index("loc") if len(inputs.coverage.periods) else None
    rows = []
    for file in inputs.files:
        locs = [loc for loc in inputs.staged.locations if loc.file == file.name]
        rejected = sum(inputs.checked.rejected.get(loc.loc, 0) for loc in locs)
        counted = sum(used.get(loc.loc, 0) for loc in locs)
        if file.copy_of:
            recognised = f"Not read: the same file as {file.copy_of}"
        else:
            recognised = "; ".join(dict.fromkeys(contract.tables[loc.table].title for loc in locs)) or "Not used"
        rows.append({
            "file": file.name, "recognised_as": recognised,
            "sheets": "; ".join(dict.fromkeys(loc.sheet or "(CSV)" for loc in locs)),
            "period": "; ".join(dict.fromkeys(_period_text(periods, loc.loc) for loc in locs if _period_text(periods, loc.loc))),
            "rows_used": counted, "rows_rejected": rejected,
            "rows_not_counted": sum(loc.rows for loc in locs) - rejected - counted, "sha256": file.sha256,
            "modified": file.modified, "size": file.size,
        })
    return pd.DataFrame(rows, columns=SOURCE_COLUMNS)


def _period_text(periods: pd.DataFrame | None, loc: int) -> str:
    """'01/10/2023 to 30/09/2025', with '(from its rows)' where the return does not say."""
    if periods is None or loc not in periods.index:
        return ""
    period = periods.loc[loc]
    text = f"{period['start']:%d/%m/%Y} to {period['end']:%d/%m/%Y}"
    return text if period["declared"] else f"{text} (from its rows)"
