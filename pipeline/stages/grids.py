"""Opening an input file as grids of text cells, one per sheet, by what its bytes are.

Workbooks (.xlsx, .xlsm, .xls) are read by fastexcel, which gives a sheet's cells as Arrow text in
one pass and, once it has read a sheet, whether it is hidden. It does not give merged ranges: those
come from python-calamine, which parses the workbook's shared strings and the sheet again to find
them, so it is asked only about sheets of at most MERGE_CHECK_MAX_ROWS rows that the guard did not see
to be without merged cells (package.py: the one place that looks inside an .xlsx package, before any
reader does), and whether a sheet fastexcel cannot read is hidden. CSV files are decoded as Windows saves them.
"""

from __future__ import annotations

import csv
import io
import logging
import multiprocessing
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

import fastexcel
import pandas as pd
import python_calamine

from pipeline.stages.discover import InputFile
from pipeline.stages.package import (
    MB,
    MERGE_CHECK_MAX_ROWS,
    NOT_A_WORKBOOK,
    InputLimits,
    Package,
    TooLarge,
    check_file_size,
    check_package,
    reaches,
)
from pipeline.writing.runlog import LOG_NAME

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_log = logging.getLogger(LOG_NAME)  # the reader's own words go to the log, never to the officer


class Unreadable(Exception):
    """The file cannot be read at all; the message says why in an officer's words."""


class Grid(Protocol):
    """A file's sheets as text cells, indexed by absolute (0-based) row and column.

    Each sheet is parsed once, whole: the Excel reader costs the same for a few rows as for
    all of them, so the header search works on the first rows of the full grid.
    """

    def sheets(self) -> list[str]: ...

    def load(self, sheet: str) -> pd.DataFrame | None:
        """The sheet's cells; None if it is hidden."""
        ...


class ExcelGrid:
    """A workbook: its cells and which sheets are hidden from fastexcel, its merged ranges from python-calamine."""

    def __init__(self, path: Path, limits: InputLimits | None = None) -> None:
        self.path = path
        self.package: Package | None = None  # what the guard saw: none for an old .xls
        self._book: python_calamine.CalamineWorkbook | None = None
        if _is_zip(path):  # sized up before the reader, which cannot be stopped once it starts
            try:
                self.package = check_package(path, limits or InputLimits())
            except TooLarge as exc:
                raise Unreadable(str(exc)) from None
        try:
            self.reader = fastexcel.read_excel(path)
        except Exception as exc:  # the library raises several kinds for damaged files
            _log.info("%s: the Excel reader said: %s", path.name, _short(exc))
            raise Unreadable(NOT_A_WORKBOOK) from None

    def sheets(self) -> list[str]:
        return list(self.reader.sheet_names)

    def load(self, sheet: str) -> pd.DataFrame | None:
        try:
            loaded = self.reader.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string")
            if loaded.visible != "visible":
                return None
            batch, errors = loaded.to_arrow_with_errors()
            data = batch.to_pandas()
        except Exception as exc:
            if self._hidden(sheet):  # a hidden sheet is skipped, damaged or not
                return None
            _log.info("%s, sheet '%s': the Excel reader said: %s", self.path.name, sheet, _short(exc))
            raise Unreadable(_damaged(sheet)) from None
        _mark_errors(data, [(*error.position, error.detail) for error in (errors.errors if errors else [])])
        data.columns = [c.absolute_index for c in loaded.selected_columns]
        if len(data) <= MERGE_CHECK_MAX_ROWS and (self.package is None or self.package.may_merge(sheet)):
            data = _fill_merged(data, self._merged(sheet))
        return data

    def _merged(self, sheet: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
        try:
            return list(self._calamine().get_sheet_by_name(sheet).merged_cell_ranges or [])
        except Exception:
            return []  # merged cells are a nicety: the sheet is read as fastexcel gave it

    def _hidden(self, sheet: str) -> bool:
        try:
            return any(meta.name == sheet and meta.visible != python_calamine.SheetVisibleEnum.Visible
                       for meta in self._calamine().sheets_metadata)
        except Exception:
            return False

    def _calamine(self) -> python_calamine.CalamineWorkbook:
        if self._book is None:  # opened once per file, and only when fastexcel cannot say
            self._book = python_calamine.CalamineWorkbook.from_path(str(self.path))
        return self._book


def _damaged(sheet: str) -> str:
    return f"sheet '{sheet}' could not be read: its contents are damaged. Open the file in Excel and save it again."


def _mark_errors(data: pd.DataFrame, errors: list[tuple[int, int, str]]) -> None:
    for row, col, detail in errors:  # an error cell shows as '#N/A' in Excel: say so, not 'blank'
        data.iat[row, col] = _excel_error_text(detail)


XLS_DIED = ("is damaged or far larger than a return should be, and reading it was stopped. Open it in Excel and save "
            "it as an Excel Workbook (.xlsx), then run again.")
XLS_WAIT = 600  # seconds: an .xls the reader is still on after this long is refused too


class XlsGrid:
    """An old .xls workbook (no zip package to size up first), read whole in a child process (xls.py):
    if the reader dies there or needs more memory than max_reader_memory_mb, the file is refused."""

    def __init__(self, path: Path, limits: InputLimits | None = None) -> None:
        from pipeline.stages.xls import read_xls

        limits = limits or InputLimits()
        self.path = path
        handle, said = tempfile.mkstemp(prefix="ce-scorecard-xls-", suffix=".txt")
        os.close(handle)
        reply = None
        try:
            context = multiprocessing.get_context("spawn")  # the same on Windows and Linux
            receive, send = context.Pipe(duplex=False)
            child = context.Process(target=read_xls, daemon=True, name="ce-scorecard-xls",
                                    args=(str(path), limits.max_reader_memory_mb, limits.max_cells,
                                          MERGE_CHECK_MAX_ROWS, send, said))
            child.start()
            send.close()
            try:
                if receive.poll(XLS_WAIT):
                    reply = receive.recv()
            except (EOFError, OSError):  # the child died: the pipe closed with nothing in it
                reply = None
            finally:
                receive.close()
                child.join(5)
                if child.is_alive():
                    child.kill()
                    child.join()
            last_words = Path(said).read_text(encoding="utf-8", errors="replace").strip().splitlines()[:1]
        finally:
            Path(said).unlink(missing_ok=True)
        if reply is None:
            _log.info("%s: the .xls reader process ended (exit code %s) before sending the sheets: %s",
                      path.name, child.exitcode, (last_words or ["it said nothing"])[0][:200])
            raise Unreadable(XLS_DIED)
        status, value = reply
        if status == "unopenable":
            _log.info("%s: the Excel reader said: %s", path.name, value)
            raise Unreadable(NOT_A_WORKBOOK)
        if status != "ok":
            _log.info("%s: the .xls reader process said: %s", path.name, value)
            raise Unreadable(XLS_DIED)
        self._sheets = {sheet[0]: sheet for sheet in value}
        self._max_cells = limits.max_cells

    def sheets(self) -> list[str]:
        return list(self._sheets)

    def load(self, sheet: str) -> pd.DataFrame | None:
        _, kind, batch, errors, columns, merged = self._sheets[sheet]
        if kind == "hidden":
            return None
        if kind == "too many cells":
            rows, width = columns
            raise Unreadable(f"sheet '{sheet}' {reaches(rows, width, self._max_cells)}, save it as an Excel Workbook "
                             "(.xlsx) and run again.")
        if kind != "ok":
            _log.info("%s, sheet '%s': the Excel reader said: %s", self.path.name, sheet, (merged or [""])[0])
            raise Unreadable(_damaged(sheet))
        data = batch.to_pandas()
        _mark_errors(data, errors)
        data.columns = columns
        return _fill_merged(data, merged) if merged else data


def _is_zip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == ZIP_MAGIC  # an .xls (OLE) file may hold a zip inside: not a package


class CsvGrid:
    """A CSV file: one sheet, with no name."""

    def __init__(self, path: Path, limits: InputLimits | None = None) -> None:
        limits = limits or InputLimits()
        if path.stat().st_size > limits.max_csv_mb * MB:
            raise Unreadable(f"is {path.stat().st_size / MB:,.0f} MB, more than the {limits.max_csv_mb:g} MB a CSV "
                             "file may be (max_csv_mb under input_limits in schemas/settings.yaml). If it really is a "
                             "return, save only the rows the scorecard needs, or raise the limit.")
        raw = path.read_bytes()
        text = _decode_text(raw)
        del raw
        _check_csv_cells(text, limits.max_cells)
        self.data = _parse_csv(text)

    def sheets(self) -> list[str]:
        return [""]

    def load(self, sheet: str) -> pd.DataFrame:
        return self.data


def _decode_text(raw: bytes) -> str:
    """CSV text as Windows users save it: UTF-8 (with or without BOM), UTF-16, or cp1252."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            pass
    return raw.decode("latin-1")


def _separator(text: str) -> str:
    sample = text[:20_000]
    return max([",", ";", "\t", "|"], key=sample.count)


def _check_csv_cells(text: str, max_cells: int) -> None:
    """Refuse a CSV whose grid (its rows by its widest row, as the reader pads it) has more than max_cells
    cells, counted in a pass over its rows as the reader will split them that holds one row at a time."""
    width, rows = 0, 0
    for row in csv.reader(io.StringIO(text), delimiter=_separator(text)):
        rows += 1
        width = max(width, len(row))
    if rows * width > max_cells:
        raise Unreadable(f"holds {rows:,} rows by {width:,} columns, more than the {max_cells:,} cells a sheet may "
                         "have (max_cells under input_limits in schemas/settings.yaml). If it really is a return, "
                         "save only the rows and columns the scorecard needs, or raise the limit.")


def _parse_csv(text: str) -> pd.DataFrame:
    sep = _separator(text)
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
            return CsvGrid(file.path, limits)
        except Unreadable:
            raise
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
            return ExcelGrid(file.path, limits)  # an .xlsx saved with an .xls name: sized up as one
        if _looks_like_text(file.path):
            raise Unreadable("is named .xls but it is a web page or text export. Open it in Excel "
                             "and save it as an Excel Workbook (.xlsx).")
    if suffix == ".xls":
        return XlsGrid(file.path, limits)  # no package to size up: read where a crash cannot reach the run
    return ExcelGrid(file.path, limits)


def _looks_like_text(path: Path) -> bool:
    with path.open("rb") as handle:
        chunk = handle.read(2048)
    return bool(chunk) and b"\x00" not in chunk
