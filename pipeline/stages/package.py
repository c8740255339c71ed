"""Sizing up a workbook from its own package before the Excel reader is let loose on it.

The reader (fastexcel, on calamine in Rust) holds each sheet's used range whole, as one block of
rows by columns: one value typed at XFD1048576 beside a table at A1 asks for 17 billion cells,
and the process dies without a word. A zip bomb (a small file that unzips to gigabytes) fills
the memory. So an .xlsx/.xlsm is sized first, from what it says and what it holds: each part's
unzipped size and how tightly it is packed (from the zip's own index), and each sheet's used
range (its <dimension>, or, where it gives none, the cell references themselves) and the cells
with values in it. A file past the limits in schemas/settings.yaml (input_limits) is refused
with a message, and the other files carry on.

Unzipping every sheet once costs about a twentieth of what reading it does; it also catches a file
whose index understates its contents (the unzipping stops at the stated size and checks it).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from pydantic import Field
from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

from pipeline.config.loading import StrictModel

MB = 1 << 20
STORED, DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED  # the only methods Excel writes
SMALL_PART = MB  # parts smaller than this may be packed as tightly as they like
_BLOCK = 4 * MB
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')
_REF = re.compile(rb'\sr="([A-Z]{0,3})(\d{1,7})"')


class InputLimits(StrictModel):
    """How big one input file may be (schemas/settings.yaml, input_limits)."""

    max_file_mb: float = Field(200, gt=0)
    max_unzipped_mb: float = Field(400, gt=0)
    max_compression_ratio: float = Field(100, gt=1)
    max_cells: int = Field(5_000_000, gt=0)


NOT_A_WORKBOOK = ("could not be opened as an Excel workbook: it may be damaged, or be another kind of file. "
                  "Open it in Excel and save it again as an Excel Workbook (.xlsx).")


class TooLarge(Exception):
    """The file is refused unread; the message (after 'it') says why and what to do."""


def check_file_size(size: int, limits: InputLimits) -> None:
    if size > limits.max_file_mb * MB:
        raise TooLarge(f"is {size / MB:,.0f} MB, more than the {limits.max_file_mb:g} MB an input file may be "
                       "(max_file_mb under input_limits in schemas/settings.yaml). If it really is a return, save "
                       "only the rows the scorecard needs, or raise the limit.")


def check_package(path: Path, sheets: dict[str, str], limits: InputLimits) -> None:
    """Refuse the .xlsx/.xlsm at `path` if reading it would take more than the limits allow.

    `sheets` maps each sheet's name to its part in the package, so that a message names the sheet.
    """
    named = {part: name for name, part in sheets.items()}
    try:
        package = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        # What cannot be sized is not read: the reader might open what the guard cannot.
        raise TooLarge(NOT_A_WORKBOOK) from None
    try:
        with package:
            infos = package.infolist()
            _check_index(infos, named, limits)
            for info in infos:
                if info.filename in named or "worksheets/" in info.filename:
                    _check_part(package, info, named.get(info.filename, Path(info.filename).stem), limits)
                elif info.filename.endswith((".xml", ".rels")):  # what else the reader reads: strings, styles
                    _check_part(package, info, None, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise TooLarge("is damaged: its contents do not match the package's own list of them. Open it in Excel "
                       "and save it again, or ask the sender for it again.") from None


def _check_index(infos: list[zipfile.ZipInfo], named: dict[str, str], limits: InputLimits) -> None:
    total = 0
    for info in infos:
        what = f"sheet '{named[info.filename]}'" if info.filename in named else "one of its parts"
        if info.compress_type not in (STORED, DEFLATED):
            raise TooLarge("is packed in a way Excel does not use, so it was not opened. Open it in Excel and save "
                           "it again as an Excel Workbook (.xlsx).")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > SMALL_PART and ratio > limits.max_compression_ratio:
            raise TooLarge(f"unzips to {ratio:,.0f} times its size ({what}: {info.file_size / MB:,.0f} MB), far more "
                           f"than a spreadsheet does (max_compression_ratio under input_limits in "
                           "schemas/settings.yaml is " f"{limits.max_compression_ratio:g}). It is not an ordinary "
                           "workbook and was not opened: ask the sender for the return again.")
        total += info.file_size
    if total > limits.max_unzipped_mb * MB:
        raise TooLarge(f"would take {total / MB:,.0f} MB once unzipped, more than the {limits.max_unzipped_mb:g} MB "
                       "allowed (max_unzipped_mb under input_limits in schemas/settings.yaml). Check in Excel that "
                       "it holds only the return, save it again, or raise the limit.")


def _check_part(package: zipfile.ZipFile, info: zipfile.ZipInfo, sheet: str | None, limits: InputLimits) -> None:
    """Unzip the part in blocks (never whole). For a sheet, take the used range it states in its
    <dimension>, and make sure no cell lies beyond it (a cheap search for a longer column name,
    and the last row of each block, as cells come row by row); where it states none, find the
    furthest cell reference and count the values."""
    values = rows = columns = 0
    declared = False
    wider: re.Pattern[bytes] | None = None  # a cell reference with more column letters than the range's last
    tail = b""
    with package.open(info) as handle:  # stops at the stated size and checks the CRC at the end
        for n, block in enumerate(iter(lambda: handle.read(_BLOCK), b"")):
            if sheet is None:
                continue
            if n == 0 and (found := _DIMENSION.search(block, 0, 4096)) and found.group(3):
                # a range like A1:D500; a lone 'A1' is what streaming writers put, so it says nothing
                declared, rows, columns = True, int(found.group(4)), _column(found.group(3))
                _check_cells(sheet, rows, columns, rows * columns, limits)
                wider = re.compile(rb'\sr="[A-Z]{%d,3}\d' % (len(found.group(3)) + 1))
            text = tail + block
            cut = max(text.rfind(b"<"), 0)
            if declared:
                last = _REF.search(text, text.rfind(b' r="', 0, cut) if b' r="' in text else 0, cut)
                beyond = (last is not None and int(last.group(2)) > rows) or wider.search(text, 0, cut) is not None
                if beyond:  # the sheet understates its range: find how far it really goes
                    found_rows, found_columns = _furthest(text, cut)
                    _check_cells(sheet, max(rows, found_rows), max(columns, found_columns),
                                 max(rows, found_rows) * max(columns, found_columns), limits)
            else:
                values += block.count(b"v>") + block.count(b"is>")  # <v>...</v>, <is>...</is>, with any prefix
                found_rows, found_columns = _furthest(text, cut)
                rows, columns = max(rows, found_rows), max(columns, found_columns)
            tail = text[cut:]
    if sheet is not None and not declared:
        _check_cells(sheet, rows, columns, max(values // 2, rows * max(columns, 1)), limits)


def _furthest(text: bytes, end: int) -> tuple[int, int]:
    """The furthest row and column any cell reference in the text names."""
    refs = _REF.findall(text, 0, end)
    rows = max((int(number) for _, number in refs), default=0)
    last = max((letters for letters, _ in refs), key=lambda letters: (len(letters), letters), default=b"")
    return rows, _column(last)


def _column(letters: bytes) -> int:
    """b'A' -> 1, b'XFD' -> 16384; 0 for none."""
    return xl_cell_to_rowcol(letters.decode() + "1")[1] + 1 if letters else 0


def _check_cells(sheet: str, rows: int, columns: int, cells: int, limits: InputLimits) -> None:
    if cells <= limits.max_cells:
        return
    corner = xl_rowcol_to_cell(rows - 1, columns - 1) if rows and columns else "its last cell"
    raise TooLarge(f"has a sheet, '{sheet}', that reaches cell {corner} ({rows:,} rows by {columns:,} columns), "
                   f"more than the {limits.max_cells:,} cells a sheet may have (max_cells under input_limits in "
                   "schemas/settings.yaml). Something may have been typed far below or to the right of the table: "
                   "in Excel press Ctrl+End to see where the sheet ends, delete the rows and columns after the "
                   "table, save it and copy it in again.")
