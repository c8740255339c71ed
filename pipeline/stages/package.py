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

This is the one place that looks inside the package; the reader (grids.py) only asks the Excel
libraries. The guard reads the workbook's own index of its sheets, to name a sheet in what it says,
and on its way through each sheet of at most MERGE_CHECK_MAX_ROWS rows notes whether it has merged
cells: fastexcel does not give merged ranges, and python-calamine, which does, reads the sheet again,
so the reader asks it only where there may be some.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from pydantic import Field
from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

from pipeline.config.loading import StrictModel

MB = 1 << 20
STORED, DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED  # the only methods Excel writes
SMALL_PART = MB  # parts smaller than this may be packed as tightly as they like
_BLOCK = 4 * MB
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')
_REF = re.compile(rb'\sr="([A-Z]{0,3})(\d{1,7})"')
_MERGE_CELL = b"mergeCell"  # the element <mergeCell ref="A1:C1"/>, with or without a namespace prefix
# Merged cells are looked for and filled on sheets this long at most: hand-made returns merge cells, system extracts do not.
MERGE_CHECK_MAX_ROWS = 20_000
_INDEX_MAX = 16 * MB  # the workbook's index of its sheets is read only if it is no bigger than this


class InputLimits(StrictModel):
    """How big one input file may be (schemas/settings.yaml, input_limits)."""

    max_file_mb: float = Field(200, gt=0)
    max_unzipped_mb: float = Field(400, gt=0)
    max_compression_ratio: float = Field(100, gt=1)
    max_cells: int = Field(5_000_000, gt=0)
    max_reader_memory_mb: float = Field(768, ge=64)
    max_csv_mb: float = Field(50, gt=0)


NOT_A_WORKBOOK = ("could not be opened as an Excel workbook: it may be damaged, or be another kind of file. "
                  "Open it in Excel and save it again as an Excel Workbook (.xlsx).")


class TooLarge(Exception):
    """The file is refused unread; the message (after 'it') says why and what to do."""


def check_file_size(size: int, limits: InputLimits) -> None:
    if size > limits.max_file_mb * MB:
        raise TooLarge(f"is {size / MB:,.0f} MB, more than the {limits.max_file_mb:g} MB an input file may be "
                       "(max_file_mb under input_limits in schemas/settings.yaml). If it really is a return, save "
                       "only the rows the scorecard needs, or raise the limit.")


@dataclass(frozen=True)
class Package:
    """What the guard learnt of a workbook on its way through, that the reader can use."""

    unmerged: frozenset[str]  # the sheets it saw have no merged cells

    def may_merge(self, sheet: str) -> bool:
        """False only when the sheet certainly has no merged cells."""
        return sheet not in self.unmerged


def check_package(path: Path, limits: InputLimits) -> Package:
    """Refuse the .xlsx/.xlsm at `path` if reading it would take more than the limits allow."""
    try:
        package = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        # What cannot be sized is not read: the reader might open what the guard cannot.
        raise TooLarge(NOT_A_WORKBOOK) from None
    try:
        with package:
            parts = _sheet_parts(package)
            named = {part: name for name, part in parts.items()}
            infos = package.infolist()
            _check_index(infos, named, limits)
            unmerged = set()
            for info in infos:
                if info.filename in named or "worksheets/" in info.filename:
                    sheet = named.get(info.filename, Path(info.filename).stem)
                    if _check_part(package, info, sheet, limits) and info.filename in named:
                        unmerged.add(sheet)
                elif info.filename.endswith((".xml", ".rels")):  # what else the reader reads: strings, styles
                    _check_part(package, info, None, limits)
            return Package(frozenset(unmerged))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise TooLarge("is damaged: its contents do not match the package's own list of them. Open it in Excel "
                       "and save it again, or ask the sender for it again.") from None


def _sheet_parts(package: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part, from the workbook's own index (workbook.xml and its relationships); {} if
    the index cannot be read or names a part the package does not hold."""
    try:
        root = _xml(package, "_rels/.rels")
        workbook = next(r.get("Target", "") for r in root if r.get("Type", "").endswith("/officeDocument")).lstrip("/")
        folder, _, name = workbook.rpartition("/")
        targets = {r.get("Id"): r.get("Target", "") for r in _xml(package, f"{folder}/_rels/{name}.rels".lstrip("/"))}
        parts = {}
        for sheet in _xml(package, workbook).iter():
            if _local(sheet.tag) == "sheet":
                target = targets.get(next((v for k, v in sheet.attrib.items() if _local(k) == "id"), None), "")
                parts[sheet.get("name", "")] = posixpath.normpath(target[1:] if target.startswith("/")
                                                                  else posixpath.join(folder, target))
    except Exception:  # a damaged index: the sizing says what is wrong, naming each sheet by its part
        return {}
    return parts if set(parts.values()) <= set(package.namelist()) else {}


def _xml(package: zipfile.ZipFile, part: str) -> ElementTree.Element:
    if package.getinfo(part).file_size > _INDEX_MAX:
        raise ValueError(f"{part} is too big to be an index")
    return ElementTree.fromstring(package.read(part))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


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


def _check_part(package: zipfile.ZipFile, info: zipfile.ZipInfo, sheet: str | None, limits: InputLimits) -> bool:
    """Unzip the part in blocks (never whole). For a sheet, take the used range it states in its
    <dimension>, and make sure no cell lies beyond it (a cheap search for a longer column name,
    and the last row of each block, as cells come row by row); where it states none, find the
    furthest cell reference and count the values. Whether it saw the sheet has no merged cells."""
    values = rows = columns = 0
    declared = merging = False
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
            merging = merging or (rows <= MERGE_CHECK_MAX_ROWS and _MERGE_CELL in text)
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
    return rows <= MERGE_CHECK_MAX_ROWS and not merging


def _furthest(text: bytes, end: int) -> tuple[int, int]:
    """The furthest row and column any cell reference in the text names."""
    refs = _REF.findall(text, 0, end)
    rows = max((int(number) for _, number in refs), default=0)
    last = max((letters for letters, _ in refs), key=lambda letters: (len(letters), letters), default=b"")
    return rows, _column(last)


def _column(letters: bytes) -> int:
    """b'A' -> 1, b'XFD' -> 16384; 0 for none."""
    return xl_cell_to_rowcol(letters.decode() + "1")[1] + 1 if letters else 0


def reaches(rows: int, columns: int, max_cells: int) -> str:
    """Where a sheet over max_cells ends and how to mend it, up to the saving (an .xlsx's guard and an
    .xls's reader say it alike)."""
    corner = xl_rowcol_to_cell(rows - 1, columns - 1) if rows and columns else "its last cell"
    return (f"reaches cell {corner} ({rows:,} rows by {columns:,} columns), more than the {max_cells:,} cells a "
            "sheet may have (max_cells under input_limits in schemas/settings.yaml). Something may have been typed "
            "far below or to the right of the table: in Excel press Ctrl+End to see where the sheet ends, delete "
            "the rows and columns after the table")


def _check_cells(sheet: str, rows: int, columns: int, cells: int, limits: InputLimits) -> None:
    if cells <= limits.max_cells:
        return
    raise TooLarge(f"has a sheet, '{sheet}', that {reaches(rows, columns, limits.max_cells)}, save it and copy it "
                   "in again.")
