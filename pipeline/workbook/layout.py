"""Laying text out on a sheet: cells written by type, rows tall enough for their wrapped text,
paragraphs across merged columns, and A4 print setup. Shared by the pack, the officer's checks,
the error report and the blank return templates (pipeline.tools.templates).

Every string that came from an input is written with `put_text`, as a string cell: with the
workbook opened with strings_to_formulas/urls/numbers off, text beginning with '=' never becomes
a formula.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

import pandas as pd
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pipeline.quarters import label
from pipeline.stages.validate import CELL_LIMIT  # the inputs are checked against the same limit

if TYPE_CHECKING:
    from pipeline.model import ScorecardData
    from pipeline.workbook.styles import Styles

CUT = " [... cut: longer than an Excel cell can hold; the full text is in the return]"
A4 = 9  # Excel's paper code
DRAFT = "DRAFT"  # on every page, the properties and the names of a draft's workbooks (--draft)
DEMO_NOTE = "DEMONSTRATION DATA: fictional, not for circulation"  # the demo's banner and properties
MARGINS = (0.4, 0.4, 0.7, 0.6)  # inches: left, right, top, bottom (print_setup's)
PRINTABLE_WIDTH = 841.9 - (MARGINS[0] + MARGINS[1]) * 72  # points of A4 landscape between the margins
PRINTABLE_HEIGHT = 595.3 - (MARGINS[2] + MARGINS[3]) * 72
DEFAULT_ROW = 15  # points: a row given no height
# The header's and footer's type sizes. A sheet's scale shrinks them too (LibreOffice ignores
# scale_with_doc=False), so they are large enough to print at 8 points or more on a sheet fitted to
# 0.76 of its size; the protective marking bold and larger still.
SIDE_SIZE, MARK_SIZE = 11, 12


# --------------------------------------------------------------------------- cells

def text(value: object) -> str:
    """Blank for None, NaN, NA and NaT; otherwise the value as text."""
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def number(value: object) -> float | None:
    try:
        return None if value is None or pd.isna(value) else float(value)
    except (TypeError, ValueError):
        return None


def fit_cell(value: str) -> str:
    """Text an Excel cell can hold: beyond its 32,767 characters, cut with a visible end (the run
    warns about the input cell, see pipeline.stages.validate), never silently."""
    return value if len(value) <= CELL_LIMIT else value[: CELL_LIMIT - len(CUT)] + CUT


def put_text(sheet: Worksheet, row: int, col: int, value: object, fmt: Format | None = None) -> None:
    """Input-derived text, always as a string cell (or a formatted blank)."""
    said = text(value)
    if said:
        sheet.write_string(row, col, fit_cell(said), fmt)
    elif fmt is not None:
        sheet.write_blank(row, col, None, fmt)


def put_number(sheet: Worksheet, row: int, col: int, value: object, fmt: Format | None = None) -> None:
    figure = number(value)
    if figure is not None:
        sheet.write_number(row, col, figure, fmt)
    elif fmt is not None:
        sheet.write_blank(row, col, None, fmt)


def put_figure(sheet: Worksheet, row: int, col: int, value: object, unit: str, fmt: Format) -> None:
    """A figure in its measure's unit as Excel holds it: a percentage (75.0 on the scorecard) as
    the fraction 0.75, which the format shows as 75.0% (rounded, so that the formula bar shows
    0.692 for 69.2%, not 0.6920000000000001)."""
    figure = number(value)
    if figure is not None and unit == "percent":
        figure = round(figure / 100, 6)
    put_number(sheet, row, col, figure, fmt)


def put_date(sheet: Worksheet, row: int, col: int, value: object, fmt: Format) -> None:
    """A real Excel date (never text, so it sorts and never repeats a date typed in an input)."""
    if value is None or pd.isna(value):
        sheet.write_blank(row, col, None, fmt)
    else:
        sheet.write_datetime(row, col, pd.Timestamp(value).to_pydatetime(), fmt)


# --------------------------------------------------------------------------- row heights

def line_count(said: str, width: float) -> int:
    """Lines a wrapped text takes in a column `width` characters wide (erring on more).

    Neither LibreOffice (when converting) nor Excel (for merged cells and rows written by a
    program) sizes rows to wrapped text by itself, so every wrapped row gets a height worked out
    here, word by word.
    """
    per_line = max(int(width * 1.2) - 1, 1)
    if len(said) <= per_line and "\n" not in said:
        return 1
    return max(1, sum(len(textwrap.wrap(part, per_line, break_long_words=True)) or 1 for part in said.split("\n")))


def row_height(lines: int) -> float:
    """Points for that many lines of 11-point text."""
    return round(lines * 11 * 1.31 + 1.5, 1)


def fit_row(sheet: Worksheet, row: int, cells: Iterable[tuple[object, float]], minimum: int = 1) -> None:
    """Set a row's height to its tallest wrapped cell: (text, column width) pairs."""
    lines = max([minimum, *(line_count(text(said), width) for said, width in cells if text(said))])
    sheet.set_row(row, row_height(lines))


def set_widths(sheet: Worksheet, widths: Sequence[float], fmt: Format | None = None) -> None:
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width, fmt)


# --------------------------------------------------------------------------- merged text

def merged(sheet: Worksheet, row: int, first: int, last: int, said: object, fmt: Format) -> None:
    """Text across merged columns, written as a string (merge_range would guess its type)."""
    if last > first:
        sheet.merge_range(row, first, row, last, "", fmt)
    put_text(sheet, row, first, said, fmt)


def paragraph(sheet: Worksheet, row: int, first: int, last: int, said: str, fmt: Format, width: float) -> None:
    """A paragraph across merged columns `width` characters wide in all, its row as tall as it needs."""
    merged(sheet, row, first, last, said, fmt)
    sheet.set_row(row, row_height(line_count(said, width)))


def group_row(sheet: Worksheet, row: int, last_col: int, heading: str, fmt: Format) -> None:
    """An objective's heading row. Column A stays empty so that a reader (or a program) that keys
    rows by their Ref never mistakes a heading for a measure."""
    sheet.write_blank(row, 0, None, fmt)
    merged(sheet, row, 1, last_col, heading, fmt)
    sheet.set_row(row, 20)


# --------------------------------------------------------------------------- printing

def a4(sheet: Worksheet, landscape: bool = True, repeat: bool = True,
       margins: tuple[float, float, float, float] | None = None) -> None:
    """A4, one page wide, the header row repeated on every page; margins (left, right, top, bottom)."""
    if landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)
    if margins is not None:
        left, right, top, bottom = margins
        sheet.set_margins(left=left, right=right, top=top, bottom=bottom)
    if repeat:
        sheet.repeat_rows(0)


def marking(data: ScorecardData) -> str:
    """The protective marking: the configured one, or the publishable copy's own."""
    return data.settings.published_marking if data.publish else data.settings.protective_marking


def title_block(sheet: Worksheet, st: Styles, data: ScorecardData, title: str, last: int) -> int:
    """A sheet's title, the demo's banner across columns 0 to `last`, and the protective marking; the
    row after the blank one below them."""
    put_text(sheet, 0, 0, title, st.title)
    sheet.set_row(0, 24)
    row = 1
    if data.demo:
        merged(sheet, row, 0, last, DEMO_NOTE, st.banner)
        sheet.set_row(row, 26)
        row += 1
    put_text(sheet, row, 0, marking(data), st.marking)
    return row + 2


def _esc(said: str) -> str:
    """Text safe inside an Excel header or footer ('&' starts a control code)."""
    return said.replace("&", "&&")


def print_setup(sheet: Worksheet, data: ScorecardData, repeat: bool = True) -> None:
    """A4 landscape, one page wide, header row repeated, protective marking top and bottom (after
    the word DRAFT on a draft's pages), bold and larger than the header's and footer's other words."""
    settings = data.settings
    mark = (f"{DRAFT} - " if data.draft else "") + _esc(marking(data))
    left = (_esc(settings.partnership) + (" - DEMONSTRATION DATA" if data.demo else "")
            + (" - publishable copy" if data.publish else ""))
    a4(sheet, repeat=repeat, margins=MARGINS)
    side, bold = f"&{SIDE_SIZE}", f'&"-,Bold"&{MARK_SIZE}'
    sheet.set_header(f"&L{side}{left}&C{bold}{mark}&R{side}&A, {_esc(label(data.reporting))}", {"margin": 0.25})
    sheet.set_footer(f"&L{bold}{mark}&C{side}Page &P of &N&R{side}Produced {data.produced:%d/%m/%Y %H:%M}",
                     {"margin": 0.25})


# --------------------------------------------------------------------------- page breaks

class PagedSheet(Worksheet):
    """A worksheet that remembers the height (points) of each row given one, so that `keep_sections`
    can break its pages between sections (pass it to add_worksheet as worksheet_class)."""

    def __init__(self) -> None:
        super().__init__()
        self.heights: dict[int, float] = {}

    def set_row(self, row: int, height: float | None = None, cell_format: Format | None = None,
                options: dict | None = None) -> int:
        if height is not None:
            self.heights[row] = height
        return super().set_row(row, height, cell_format, options)


def fit_scale(widths: Sequence[float]) -> float:
    """The scale a sheet of these column widths prints at, fitted to the width of print_setup's page,
    in Excel with Calibri (a column w characters wide is int(7w + 5) pixels of 0.75 points). It is the
    larger scale: LibreOffice draws the same columns a little wider (even with Carlito, Calibri's
    metric twin), so prints smaller and its pages hold more."""
    points = sum(int(w * 7 + 5) for w in widths) * 0.75
    return min(1.0, PRINTABLE_WIDTH / points)


def keep_sections(sheet: PagedSheet, starts: Sequence[int], end: int, widths: Sequence[float],
                  repeated: int = 0, row_points: float = DEFAULT_ROW) -> list[int]:
    """Page breaks (set on the sheet, and returned) that keep each section (rows starts[i] up to the
    next start; the last to `end`, excluded) on one page: a section that would run over the page
    begins the next, and one taller than a page is broken between its rows. A page holds the
    printable height at the larger of the scales the sheet prints at (`fit_scale`), less a margin
    for rows drawn taller than set, and the sheet's first `repeated` rows (repeated on every page);
    rows given no height are taken as `row_points` tall."""
    def height(row: int) -> float:
        return sheet.heights.get(row, row_points)

    page = PRINTABLE_HEIGHT / fit_scale(widths) * 0.95
    top = sum(height(r) for r in range(repeated))  # on every page after the first
    breaks, used = [], 0.0
    bounds = [*starts, end]
    for first, after in pairwise(bounds):
        rows = [height(r) for r in range(first, after)]
        if used > top and used + sum(rows) > page:
            breaks.append(first)
            used = top
        for r, tall in zip(range(first, after), rows):
            if used > top and used + tall > page:  # a section longer than a page
                breaks.append(r)
                used = top
            used += tall
    sheet.set_h_pagebreaks(breaks)
    return breaks
