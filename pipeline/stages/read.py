"""Staging: recognise each sheet by its header row and lift its rows out as text.

Reading does no interpretation of values: it finds the header wherever it is, renames
the columns to the contract's names, drops blank, totals and footnote rows, and keeps
each row's Excel row number so that every later message can point at a cell.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree

import fastexcel
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from pipeline import problems as pr
from pipeline.config.contract import Contract, Table
from pipeline.config.contract import header_key as _header_key
from pipeline.stages.discover import InputFile
from pipeline.stages.package import NOT_A_WORKBOOK, InputLimits, TooLarge, check_file_size, check_package
from pipeline.stages.period import EXAMPLE, Period, find_period
from pipeline.writing.runlog import LOG_NAME

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MERGE_CHECK_MAX_ROWS = 20_000  # hand-made returns merge cells; large system extracts do not
_TOTALS = re.compile(r"^\s*(grand\s+|sub\s*-?\s*)?totals?\b", re.IGNORECASE)


header_key = lru_cache(maxsize=1 << 16)(_header_key)  # the same cell texts recur on every sheet
_log = logging.getLogger(LOG_NAME)  # the reader's own words go to the log, never to the officer


class Unreadable(Exception):
    """The file cannot be read at all; the message says why in an officer's words."""


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
    recognised: dict[str, list[str]] = field(default_factory=dict)  # file -> tables found in it


# --------------------------------------------------------------------------- grids

class Grid:
    """A file's sheets as text cells, indexed by absolute (0-based) row and column.

    Each sheet is parsed once, whole: the Excel reader costs the same for a few rows as for
    all of them, so the header search works on the first rows of the full grid.
    """

    def sheets(self) -> list[tuple[str, bool]]:
        raise NotImplementedError

    def load(self, sheet: str) -> pd.DataFrame:
        raise NotImplementedError


class ExcelGrid(Grid):
    def __init__(self, path: Path, limits: InputLimits | None = None) -> None:
        self.path = path
        self._parts_read = False
        self._parts_cache: dict[str, tuple[bool, str]] | None = None
        if _is_zip(path):  # sized up before the reader, which cannot be stopped once it starts
            try:
                check_package(path, {name: part for name, (_, part) in (self._parts() or {}).items()},
                              limits or InputLimits())
            except TooLarge as exc:
                raise Unreadable(str(exc)) from None
        try:
            self.reader = fastexcel.read_excel(path)
            self.names = list(self.reader.sheet_names)
        except Exception as exc:  # the library raises several kinds for damaged files
            _log.info("%s: the Excel reader said: %s", path.name, _short(exc))
            raise Unreadable(NOT_A_WORKBOOK) from None

    def sheets(self) -> list[tuple[str, bool]]:
        visible = {name: True for name in self.names}
        parts = self._parts()
        if parts is not None and set(parts) == set(self.names):
            return [(name, parts[name][0]) for name in self.names]
        try:
            import python_calamine

            book = python_calamine.CalamineWorkbook.from_path(str(self.path))
            for meta in book.sheets_metadata:
                visible[meta.name] = str(meta.visible).lower().endswith(".visible")
        except Exception:
            pass  # visibility is a nicety; fastexcel opened the file, so read every sheet
        return [(name, visible.get(name, True)) for name in self.names]

    def load(self, sheet: str) -> pd.DataFrame:
        try:
            loaded = self.reader.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string")
            batch, errors = loaded.to_arrow_with_errors()
            data = batch.to_pandas()
        except Exception as exc:
            _log.info("%s, sheet '%s': the Excel reader said: %s", self.path.name, sheet, _short(exc))
            raise Unreadable(f"sheet '{sheet}' could not be read: its contents are damaged. Open the file in Excel "
                             "and save it again.") from None
        for error in (errors.errors if errors else []):  # an error cell shows as '#N/A' in Excel: say so, not 'blank'
            row, col = error.position
            data.iat[row, col] = _excel_error_text(error.detail)
        data.columns = [c.absolute_index for c in loaded.selected_columns]
        if len(data) <= MERGE_CHECK_MAX_ROWS and self._may_have_merged(sheet):
            data = _fill_merged(data, self._merged(sheet))
        return data

    def _parts(self) -> dict[str, tuple[bool, str]] | None:
        """For .xlsx/.xlsm: each sheet's visibility and XML part, from the workbook's own index.

        Read from the zip directly, so that the cells are parsed once (by fastexcel) and not
        again just to learn which sheets are hidden or merged. None if the file is not a zip
        package or its index cannot be read (the calamine reader is asked instead).
        """
        if not self._parts_read:
            self._parts_read = True
            try:
                self._parts_cache = _xlsx_sheet_parts(self.path)
            except Exception:
                self._parts_cache = None
        return self._parts_cache

    def _may_have_merged(self, sheet: str) -> bool:
        """False only when the sheet's XML certainly has no merged cells."""
        parts = self._parts()
        if parts is None or sheet not in parts:
            return True
        try:
            return _part_mentions(self.path, parts[sheet][1], _MERGE_CELL)
        except Exception:
            return True

    def _merged(self, sheet: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
        try:
            import python_calamine

            book = python_calamine.CalamineWorkbook.from_path(str(self.path))
            return list(book.get_sheet_by_name(sheet).merged_cell_ranges or [])
        except Exception:
            return []


_MERGE_CELL = b"mergeCell"  # the element <mergeCell ref="A1:C1"/>, with or without a namespace prefix


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _is_zip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == ZIP_MAGIC  # an .xls (OLE) file may hold a zip inside: not a package


def _xlsx_sheet_parts(path: Path) -> dict[str, tuple[bool, str]]:
    """Sheet name -> (visible, path of its XML part inside the zip), from workbook.xml and its rels."""
    if not _is_zip(path):
        raise ValueError("not a zip package")
    with zipfile.ZipFile(path) as package:
        names = set(package.namelist())
        root_rels = ElementTree.fromstring(package.read("_rels/.rels"))
        workbook = next(rel.get("Target", "") for rel in root_rels
                        if rel.get("Type", "").endswith("/officeDocument"))
        workbook = workbook.lstrip("/")
        folder = workbook.rsplit("/", 1)[0] + "/" if "/" in workbook else ""
        rels_path = f"{folder}_rels/{workbook.rsplit('/', 1)[-1]}.rels"
        targets = {rel.get("Id"): rel.get("Target", "") for rel in ElementTree.fromstring(package.read(rels_path))}
        parts: dict[str, tuple[bool, str]] = {}
        for element in ElementTree.fromstring(package.read(workbook)).iter():
            if _local(element.tag) != "sheet":
                continue
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
            target = targets.get(rid, "")
            part = target.lstrip("/") if target.startswith("/") else _normalise_part(folder + target)
            if part not in names:
                raise KeyError(part)
            state = element.get("state", "visible")
            parts[element.get("name", "")] = (state == "visible", part)
        if not parts:
            raise ValueError("no sheets listed")
        return parts


def _normalise_part(path: str) -> str:
    out: list[str] = []
    for piece in path.split("/"):
        if piece == "..":
            if out:
                out.pop()
        elif piece not in ("", "."):
            out.append(piece)
    return "/".join(out)


def _part_mentions(path: Path, part: str, word: bytes) -> bool:
    """Whether a part of the zip package contains the bytes, read in blocks (never whole)."""
    tail = b""
    with zipfile.ZipFile(path) as package, package.open(part) as handle:
        while block := handle.read(1 << 20):
            if word in tail + block:
                return True
            tail = block[-len(word):]
    return False


class CsvGrid(Grid):
    def __init__(self, path: Path) -> None:
        text, self.encoding = decode_text(path.read_bytes())
        self.data = _parse_csv(text)

    def sheets(self) -> list[tuple[str, bool]]:
        return [("", True)]

    def load(self, sheet: str) -> pd.DataFrame:
        return self.data


def decode_text(raw: bytes) -> tuple[str, str]:
    """CSV text as Windows users save it: UTF-8 (with or without BOM), UTF-16, or cp1252."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def _parse_csv(text: str) -> pd.DataFrame:
    sample = text[:20_000]
    sep = max([",", ";", "\t", "|"], key=sample.count)
    options = dict(sep=sep, header=None, dtype=str, keep_default_na=False, na_values=[""],
                   skip_blank_lines=False, quotechar='"')
    try:
        data = pd.read_csv(io.StringIO(text), **options)
    except pd.errors.ParserError:  # ragged rows (a title line above the header): widen to the widest row
        width = max((len(row) for row in csv.reader(io.StringIO(text), delimiter=sep)), default=1)
        data = pd.read_csv(io.StringIO(text), names=list(range(width)), **options)
    except pd.errors.EmptyDataError:
        data = pd.DataFrame()
    data.columns = list(range(data.shape[1]))
    return data


_EXCEL_ERRORS = {"NA": "#N/A", "Div0": "#DIV/0!", "Value": "#VALUE!", "Ref": "#REF!", "Name": "#NAME?",
                 "Num": "#NUM!", "Null": "#NULL!", "GettingData": "#GETTING_DATA"}


def _excel_error_text(detail: str) -> str:
    found = re.search(r"Error\((\w+)\)", detail)
    return _EXCEL_ERRORS.get(found.group(1), "#ERROR") if found else "#ERROR"


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:150]


def _fill_merged(data: pd.DataFrame, ranges: list) -> pd.DataFrame:
    """A merged range holds its value in its top-left cell only: give it to every cell."""
    filled = None
    for (r0, c0), (r1, c1) in ranges:
        if r0 not in data.index or c0 not in data.columns or pd.isna(data.at[r0, c0]):
            continue
        columns = [c for c in range(c0, c1 + 1) if c in data.columns]
        filled = data.copy() if filled is None else filled
        filled.loc[r0:r1, columns] = data.at[r0, c0]
    return data if filled is None else filled


def open_grid(file: InputFile, limits: InputLimits | None = None) -> Grid:
    """Open by what the bytes are, not the name: a CSV saved as .xlsx is still refused clearly."""
    with file.path.open("rb") as handle:
        magic = handle.read(8)
    suffix = file.suffix
    if file.size == 0:
        raise Unreadable("is empty (0 bytes). Save the return again and copy it in.")
    try:
        check_file_size(file.size, limits or InputLimits())
    except TooLarge as exc:
        raise Unreadable(str(exc)) from None
    if suffix == ".csv":
        try:
            return CsvGrid(file.path)
        except Exception as exc:  # pandas raises several kinds for text it cannot split into columns
            _log.info("%s: the CSV reader said: %s", file.name, _short(exc))
            raise Unreadable("could not be read as a CSV file: its rows cannot be split into columns. Open it "
                             "in Excel and save it again as CSV or as an Excel Workbook (.xlsx).") from None
    if suffix in {".xlsx", ".xlsm"}:
        if magic.startswith(OLE_MAGIC):
            raise Unreadable("is password-protected (encrypted). Remove the password in Excel "
                             "(File > Info > Protect Workbook) and save it again.")
        if not magic.startswith(ZIP_MAGIC):
            kind = "text (perhaps a CSV)" if _looks_like_text(file.path) else "not an Excel workbook"
            raise Unreadable(f"is named {suffix} but its content is {kind}. Open it in Excel and "
                             "save it as an Excel Workbook (.xlsx).")
    if suffix == ".xls" and not magic.startswith(OLE_MAGIC):
        if magic.startswith(ZIP_MAGIC):
            pass  # an .xlsx saved with an .xls name; the reader copes
        elif _looks_like_text(file.path):
            raise Unreadable("is named .xls but it is a web page or text export. Open it in Excel "
                             "and save it as an Excel Workbook (.xlsx).")
    return ExcelGrid(file.path, limits)


def _looks_like_text(path: Path) -> bool:
    with path.open("rb") as handle:
        chunk = handle.read(2048)
    return bool(chunk) and b"\x00" not in chunk


# --------------------------------------------------------------------------- recognition

@dataclass(frozen=True)
class Match:
    table: str
    row: int  # absolute 0-based index of the heading row
    columns: dict[str, int]  # contract column -> absolute column index
    headings: dict[str, str]
    score: float
    recognised: bool
    missing: list[str]  # headings of required columns (or signature) not found
    duplicates: dict[str, list[int]]


def _cell_keys(head: pd.DataFrame) -> dict[int, dict[int, set[str]]]:
    """For each row, the heading keys each cell could stand for.

    A heading may sit under a merged group label ("Arrests" over "CSE" and "CCE"), so each
    cell is also read together with the label above it, carried across from the left.
    """
    columns = [int(c) for c in head.columns]
    grid = head.to_numpy(dtype=object).tolist()
    out: dict[int, dict[int, set[str]]] = {}
    previous: list[object] | None = None
    for r, cells in zip(head.index, grid, strict=True):
        carried, label = [], None
        for value in previous or []:
            label = value if isinstance(value, str) and value.strip() else label
            carried.append(label)
        row_keys: dict[int, set[str]] = {}
        for i, value in enumerate(cells):
            keys: set[str] = set()
            if isinstance(value, str) and value.strip():
                keys.add(header_key(value))
                if previous is not None and carried[i] is not None:
                    keys.add(header_key(f"{carried[i]} {value}"))
            elif previous is not None and isinstance(previous[i], str) and previous[i].strip():
                keys.add(header_key(previous[i]))
            keys.discard("")
            if keys:
                row_keys[columns[i]] = keys
        out[int(r)] = row_keys
        previous = cells
    return out


def _text_of(head: pd.DataFrame, r: int, c: int) -> str:
    value = head.at[r, c] if (r in head.index and c in head.columns) else None
    return str(value).strip() if isinstance(value, str) else ""


_INDEXES: dict[int, tuple[Contract, dict[str, list[tuple[str, str]]]]] = {}


def _heading_index(contract: Contract) -> dict[str, list[tuple[str, str]]]:
    """Heading key -> every (table, column) it can name: so a row is matched cell by cell."""
    cached = _INDEXES.get(id(contract))
    if cached is not None and cached[0] is contract:
        return cached[1]
    index: dict[str, list[tuple[str, str]]] = {}
    for name, table in contract.tables.items():
        for col_name, col in table.columns.items():
            for key in col.match_keys:
                index.setdefault(key, []).append((name, col_name))
    _INDEXES[id(contract)] = (contract, index)
    return index


def match_sheet(head: pd.DataFrame, sheet: str, contract: Contract) -> Match | None:
    """The best (table, heading row) for this sheet: recognised if any, else the closest."""
    if head.empty:
        return None
    index = _heading_index(contract)
    sheet_key = header_key(sheet) if sheet else ""
    best: Match | None = None
    for r, row in _cell_keys(head).items():
        known = {c: keys for c, keys in row.items() if any(k in index for k in keys)}
        if len(known) < 2:  # a data row, a title or a note: not a heading row
            continue
        candidates = {table for keys in known.values() for key in keys for table, _ in index.get(key, ())}
        for name in candidates:
            candidate = _match_row(head, r, row, name, contract.tables[name], sheet_key)
            if best is None or (candidate.recognised, candidate.score) > (best.recognised, best.score):
                best = candidate
    return best


def _match_row(head: pd.DataFrame, r: int, row: dict[int, set[str]], name: str, table: Table, sheet_key: str) -> Match:
    used: set[int] = set()
    columns: dict[str, int] = {}
    duplicates: dict[str, list[int]] = {}
    for col_name, col in table.columns.items():
        hits = [c for c, keys in row.items() if keys & col.match_keys and c not in used]
        if hits:
            columns[col_name] = hits[0]
            used.add(hits[0])
            if len(hits) > 1:
                duplicates[col_name] = hits
    all_keys = set().union(*row.values()) if row else set()
    signature_found = [k for k in table.signature_keys if k in all_keys]
    missing = [table.columns[c].header for c in table.required_columns if c not in columns]
    missing += [s for s in table.signature if header_key(s) not in all_keys]
    required = len(table.required_columns) + len(table.signature_keys)
    found_required = required - len(missing)
    score = len(columns) + len(signature_found) + (1 if sheet_key and sheet_key in table.sheet_name_keys else 0)
    # Closeness for an unrecognised sheet: the share of required headings found.
    score = score if not missing else found_required / max(required, 1)
    headings = {c: _text_of(head, r, i) or table.columns[c].header for c, i in columns.items()}
    return Match(name, r, columns, headings, score, not missing, missing, duplicates)


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


def stage_sheet(grid: pd.DataFrame, file: InputFile, sheet: str, match: Match, loc: int,
                period: Period | None = None) -> tuple[Location, pd.DataFrame, list[dict[str, str]]]:
    """Lift a recognised table's rows out of the sheet as text, keyed by contract column."""
    body = grid.loc[match.row + 1:]
    data = pd.DataFrame({name: body[index] for name, index in match.columns.items()}, index=body.index)
    data["_row"] = (body.index + 1).astype("int64")
    order = sorted(match.columns, key=match.columns.get)
    data, totals, notes = _drop_non_records(data, order)
    data = data.assign(_loc=loc).reset_index(drop=True)
    letters = {name: xl_col_to_name(index) for name, index in match.columns.items()}
    location = Location(loc, file.name, sheet, match.table, match.row + 1, letters, match.headings, len(data), period)
    found: list[dict[str, str]] = []
    for rows, what in ((totals, "a totals row"), (notes, "a note below the table")):
        if rows:
            listed = ", ".join(str(r) for r in rows[:10]) + (" ..." if len(rows) > 10 else "")
            found.append(pr.problem(
                "info", f"{pr.where(file.name, sheet)}: row(s) {listed} skipped as {what}.",
                file=file.name, sheet=sheet, cell=f"row {rows[0]}", source=match.table, check="skipped_rows"))
    return location, data, found


def read_file(file: InputFile, contract: Contract, first_loc: int, limits: InputLimits | None = None,
              ) -> tuple[list[tuple[Location, pd.DataFrame]], list[dict[str, str]]]:
    """Every recognised table in one file, and what could not be used."""
    try:
        grid = open_grid(file, limits)
        sheets = grid.sheets()
    except Unreadable as exc:
        return [], [pr.problem("warning", f"{file.name}: not read; it {exc}", file=file.name, check="unreadable")]
    found: list[tuple[Location, pd.DataFrame]] = []
    notes: list[dict[str, str]] = []
    unrecognised: list[tuple[str, Match | None]] = []
    whole_file: Period | None = None  # a "Period covered" on a sheet of its own (a template's Read me)
    damaged = False  # a sheet that could not be read is reported as such, not as 'no data'
    for sheet, visible in sheets:
        if not visible:
            notes.append(pr.problem("info", f"{pr.where(file.name, sheet)}: skipped because the sheet is hidden.",
                                    file=file.name, sheet=sheet, check="hidden_sheet"))
            continue
        try:
            cells = grid.load(sheet)
            head = cells.head(contract.settings.header_search_rows)
            match = match_sheet(head, sheet, contract)
            if match is None or not match.recognised:
                if not head.dropna(how="all").empty:
                    unrecognised.append((sheet, match))
                    whole_file = whole_file or _period(head, None, file, sheet, notes)
                continue
            if match.duplicates:
                notes.extend(_duplicate_problems(file, sheet, match, contract))
                continue
            period = _period(head, match.row, file, sheet, notes)
            location, data, skipped = stage_sheet(cells, file, sheet, match, first_loc + len(found), period)
        except Unreadable as exc:
            notes.append(pr.problem("warning", f"{file.name}: {exc}", file=file.name, sheet=sheet, check="unreadable"))
            damaged = True
            continue
        found.append((location, data))
        notes.extend(skipped)
        if location.rows == 0:
            title = contract.tables[match.table].title
            notes.append(pr.problem(
                "warning", f"{pr.where(file.name, sheet)}: has the headings of the {title} but no rows under them.",
                file=file.name, sheet=sheet, source=match.table, check="no_rows"))
    notes.extend(_unrecognised_problems(file, unrecognised, contract, any_found=bool(found) or damaged))
    if whole_file is not None:
        found = [(loc if loc.period else replace(loc, period=whole_file), data) for loc, data in found]
    return found, notes


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
        staged.recognised[file.name] = [loc.table for loc, _ in found]
        for location, data in found:
            staged.locations.append(location)
            parts.setdefault(location.table, []).append(data)
    staged.frames = {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}
    staged.problems = pr.frame(notes)
    return staged


def locations_frame(locations: list[Location]) -> pd.DataFrame:
    return pd.DataFrame([loc.__dict__ for loc in locations],
                        columns=["loc", "file", "sheet", "table", "header_row", "letters", "headings", "rows"])

