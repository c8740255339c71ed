"""Staging: recognise each sheet by its header row and lift its rows out as text.

Reading does no interpretation of values: it finds the header wherever it is, renames
the columns to the contract's names, drops blank, totals and footnote rows, and keeps
each row's Excel row number so that every later message can point at a cell. Opening the
files is grids.py's work, and recognising a sheet's heading row recognise.py's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from pipeline import problems as pr
from pipeline.config.contract import Contract, Table
from pipeline.stages.discover import InputFile
from pipeline.stages.grids import Unreadable, open_grid
from pipeline.stages.package import InputLimits
from pipeline.stages.period import EXAMPLE, Period, find_period
from pipeline.stages.recognise import Match, match_sheet

_TOTALS = re.compile(r"^\s*(grand\s+|sub\s*-?\s*)?totals?\b", re.IGNORECASE)
NOT_WRITTEN_YET = "not_written_yet"  # the note on rows skipped for a blank skip_rows_without column


@dataclass(frozen=True)
class Location:
    """Where one block of a table's rows came from."""

    loc: int
    file: str
    sheet: str
    table: str
    header_row: int  # Excel row number of the heading row
    letters: dict[str, str]  # contract column -> Excel column letter
    headings: dict[str, str]  # contract column -> heading as written in the file
    rows: int = 0
    period: Period | None = None  # what the return says it covers, if it says


@dataclass
class ReadTables:
    """What reading produced: text frames per table, where they came from, what went wrong."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    locations: list[Location] = field(default_factory=list)
    problems: pd.DataFrame = field(default_factory=pr.frame)


# --------------------------------------------------------------------------- staging

def _arrow_text(column: pd.Series) -> pa.Array | pa.ChunkedArray | None:
    """The column as Arrow text, or None if it holds anything else (then pandas does the work)."""
    if not isinstance(column.dtype, pd.StringDtype):
        return None
    cells = pa.array(column, from_pandas=True)
    return cells if pa.types.is_string(cells.type) or pa.types.is_large_string(cells.type) else None


def _nonblank(column: pd.Series) -> np.ndarray:
    """Cells holding something other than spaces (Arrow's whitespace: the same as str.strip's)."""
    cells = _arrow_text(column)
    if cells is None:
        return (column.notna() & column.astype("string").str.strip().ne("").fillna(False).astype(bool)).to_numpy()
    blank = pc.or_kleene(pc.equal(cells, ""), pc.utf8_is_space(cells))
    return pc.invert(pc.fill_null(blank, True)).to_numpy(zero_copy_only=False)


def _totals(column: pd.Series) -> np.ndarray:
    """Cells that start with 'Total', 'Grand total', 'Sub-total'...

    Only cells containing 'total' (in any case) can match, so the regular expression is tried
    on those alone: a cheap vectorised filter first, the exact test on the few left.
    """
    cells = _arrow_text(column)
    if cells is None:
        maybe = column.astype("string").str.contains("total", case=False, regex=False).fillna(False).to_numpy(bool)
    else:
        maybe = pc.fill_null(pc.match_substring(cells, "total", ignore_case=True), False).to_numpy(
            zero_copy_only=False)
    found = np.zeros(len(column), dtype=bool)
    if maybe.any():
        found[maybe] = column[maybe].astype("string").str.match(_TOTALS).fillna(False).to_numpy(bool)
    return found


def _drop_non_records(data: pd.DataFrame, order: list[str]) -> tuple[pd.DataFrame, list[int], list[int]]:
    """Blank rows go silently; totals rows and notes under the table are dropped and reported."""
    count = np.zeros(len(data), dtype="int64")
    for column in order:
        count += _nonblank(data[column])
    filled = count > 0
    totals = np.zeros(len(data), dtype=bool)
    for column in order[:2]:
        totals |= _totals(data[column])
    totals &= filled
    full_rows = data.index[count >= 2]
    last_full = full_rows.max() if len(full_rows) else -1
    notes = filled & (data.index > last_full) & (count == 1)
    dropped_totals = data.loc[totals, "_row"].tolist()
    dropped_notes = data.loc[notes & ~totals, "_row"].tolist()
    return data[filled & ~totals & ~notes], dropped_totals, dropped_notes


def _not_written_yet(data: pd.DataFrame, needed: list[str]) -> tuple[pd.DataFrame, list[int]]:
    """Rows with any of the `needed` columns blank (a commentary request's measure not commented on
    yet): left out, and their row numbers."""
    waiting = np.zeros(len(data), dtype=bool)
    for column in needed:
        waiting |= ~_nonblank(data[column]) if column in data else True
    return data[~waiting], data.loc[waiting, "_row"].tolist()


def _listed(rows: list[int]) -> str:
    return ", ".join(str(r) for r in rows[:10]) + (" ..." if len(rows) > 10 else "")


def stage_sheet(grid: pd.DataFrame, file: InputFile, sheet: str, match: Match, loc: int,
                period: Period | None = None, table: Table | None = None,
                ) -> tuple[Location, pd.DataFrame, list[dict[str, str]]]:
    """Lift a recognised table's rows out of the sheet as text, keyed by contract column."""
    body = grid.loc[match.row + 1:]
    data = pd.DataFrame({name: body[index] for name, index in match.columns.items()}, index=body.index)
    data["_row"] = (body.index + 1).astype("int64")
    order = sorted(match.columns, key=match.columns.get)
    data, totals, notes = _drop_non_records(data, order)
    data, waiting = _not_written_yet(data, table.skip_rows_without if table else [])
    data = data.assign(_loc=loc).reset_index(drop=True)
    letters = {name: xl_col_to_name(index) for name, index in match.columns.items()}
    location = Location(loc, file.name, sheet, match.table, match.row + 1, letters, match.headings, len(data), period)
    found: list[dict[str, str]] = []
    for rows, what in ((totals, "a totals row"), (notes, "a note below the table")):
        if rows:
            found.append(pr.problem(
                "info", f"{pr.where(file.name, sheet)}: row(s) {_listed(rows)} skipped as {what}.",
                file=file.name, sheet=sheet, cell=f"row {rows[0]}", source=match.table, check="skipped_rows"))
    if waiting and table is not None:
        heads = " or ".join(f"'{table.columns[c].header}'" for c in table.skip_rows_without)
        found.append(pr.problem(
            "info", f"{pr.where(file.name, sheet)}: row(s) {_listed(waiting)} left out: their {heads} is blank, "
            "which is read as not written yet (anything received earlier for them still counts).",
            file=file.name, sheet=sheet, cell=f"row {waiting[0]}", source=match.table, check=NOT_WRITTEN_YET))
    return location, data, found


# --------------------------------------------------------------------------- files and their sheets

def read_file(file: InputFile, contract: Contract, first_loc: int, limits: InputLimits | None = None,
              ) -> tuple[list[tuple[Location, pd.DataFrame]], list[dict[str, str]]]:
    """Every recognised table in one file, and what could not be used."""
    try:
        grid = open_grid(file, limits)
    except Unreadable as exc:
        return [], [pr.problem("warning", f"{file.name}: not read; it {exc}", file=file.name, check="unreadable")]
    found: list[tuple[Location, pd.DataFrame]] = []
    notes: list[dict[str, str]] = []
    unrecognised: list[tuple[str, Match | None]] = []
    whole_file: Period | None = None  # a "Period covered" on a sheet of its own (a template's Read me)
    damaged = False  # a sheet that could not be read is reported as such, not as 'no data'
    for sheet in grid.sheets():
        try:
            cells = grid.load(sheet)
        except Unreadable as exc:
            notes.append(pr.problem("warning", f"{file.name}: {exc}", file=file.name, sheet=sheet, check="unreadable"))
            damaged = True
            continue
        if cells is None:
            notes.append(pr.problem("info", f"{pr.where(file.name, sheet)}: skipped because the sheet is hidden.",
                                    file=file.name, sheet=sheet, check="hidden_sheet"))
            continue
        head = cells.head(contract.settings.header_search_rows)
        match = match_sheet(head, sheet, contract)
        if match is None or not match.recognised:
            if not head.dropna(how="all").empty:
                unrecognised.append((sheet, match))
                whole_file = whole_file or _period(head, None, file, sheet, notes)
        elif match.duplicates:
            notes.extend(_duplicate_problems(file, sheet, match, contract))
        else:
            period = _period(head, match.row, file, sheet, notes)
            location, data, skipped = stage_sheet(cells, file, sheet, match, first_loc + len(found), period,
                                                  contract.tables[match.table])
            found.append((location, data))
            waiting = any(note["check"] == NOT_WRITTEN_YET for note in skipped)  # rows there, none written yet
            notes.extend(skipped + ([] if waiting else _no_rows_problems(file, location, contract)))
    notes.extend(_unrecognised_problems(file, unrecognised, contract, any_found=bool(found) or damaged))
    if whole_file is not None:
        found = [(loc if loc.period else replace(loc, period=whole_file), data) for loc, data in found]
    return found, notes


def _no_rows_problems(file: InputFile, location: Location, contract: Contract) -> list[dict[str, str]]:
    if location.rows:
        return []
    return [pr.problem(
        "warning", f"{pr.where(file.name, location.sheet)}: has the headings of the "
        f"{contract.tables[location.table].title} but no rows under them.",
        file=file.name, sheet=location.sheet, source=location.table, check="no_rows")]


def _period(head: pd.DataFrame, heading_row: int | None, file: InputFile, sheet: str,
            notes: list[dict[str, str]]) -> Period | None:
    """The sheet's "Period covered" statement; one that lacks a date is an error naming its cell."""
    period = find_period(head, heading_row)
    if period is None or period.complete:
        return period
    if period.start is None and period.end is None:  # a template's line left blank: the rows will tell
        return None
    said = pr.show_value(period.found)
    if period.start is not None and period.end is not None:
        what = f"runs backwards (from {period.start:%d/%m/%Y} to {period.end:%d/%m/%Y})"
    else:
        what = "does not have both dates"
    notes.append(pr.problem(
        "error", f"{pr.where(file.name, sheet, period.cell)} ('{said}'): the period covered {what}; expected "
        f"{EXAMPLE}. Fill in both dates, or delete the line to let the pipeline work the period out from the rows.",
        file=file.name, sheet=sheet, cell=period.cell, value=said, expected=EXAMPLE, check="period_covered"))
    return None


def _duplicate_problems(file: InputFile, sheet: str, match: Match, contract: Contract) -> list[dict[str, str]]:
    table = contract.tables[match.table]
    out = []
    for column, hits in match.duplicates.items():
        cells = " and ".join(xl_rowcol_to_cell(match.row, c) for c in hits)
        out.append(pr.problem(
            "error",
            f"{pr.where(file.name, sheet)}: more than one column could be '{table.columns[column].header}' "
            f"({cells}), so this {table.title.lower()} table was not read. Rename or delete the extra column.",
            file=file.name, sheet=sheet, cell=xl_rowcol_to_cell(match.row, hits[1]),
            column=table.columns[column].header, source=match.table, check="duplicate_heading"))
    return out


def _unrecognised_problems(file: InputFile, sheets: list[tuple[str, Match | None]], contract: Contract, any_found: bool) -> list[dict[str, str]]:
    if not sheets and not any_found:
        return [pr.problem("warning", f"{file.name}: not used; it has no data.", file=file.name, check="empty_file")]
    out = []
    for sheet, match in sheets:
        if any_found:  # other sheets of a recognised workbook (e.g. Annex A lists we do not use)
            out.append(pr.problem("info", f"{pr.where(file.name, sheet)}: sheet not used by the scorecard.",
                                  file=file.name, sheet=sheet, check="sheet_not_used"))
            continue
        if match is None or match.score == 0:
            closest = (f"none of its first {contract.settings.header_search_rows} rows has the headings "
                       "of any agency return")
        else:
            table = contract.tables[match.table]
            lacking = ", ".join(f"'{h}'" for h in match.missing[:8])
            closest = (f"the closest is {table.title} (headings in row {match.row + 1}), but it lacks "
                       f"the heading(s) {lacking}")
        out.append(pr.problem(
            "warning",
            f"{pr.where(file.name, sheet)}: not recognised as any agency return; {closest}. If it should "
            "be read, make its headings match the template, or add them as aliases in schemas/sources.yaml.",
            file=file.name, sheet=sheet, check="unrecognised"))
    return out


def read_sources(files: list[InputFile], contract: Contract, progress: Callable[[str], None] | None = None,
                 limits: InputLimits | None = None) -> ReadTables:
    """Read every file; one file's trouble never stops the others."""
    staged = ReadTables()
    parts: dict[str, list[pd.DataFrame]] = {}
    notes: list[dict[str, str]] = []
    for file in files:
        if progress:
            progress(file.name)
        found, file_notes = read_file(file, contract, first_loc=len(staged.locations), limits=limits)
        notes.extend(file_notes)
        for location, data in found:
            staged.locations.append(location)
            parts.setdefault(location.table, []).append(data)
    staged.frames = {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}
    staged.problems = pr.frame(notes)
    return staged


def locations_frame(locations: list[Location]) -> pd.DataFrame:
    return pd.DataFrame([loc.__dict__ for loc in locations],
                        columns=["loc", "file", "sheet", "table", "header_row", "letters", "headings", "rows"])

