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
from typing import TYPE_CHECKING

import pandas as pd
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pipeline.quarters import label
from pipeline.stages.validate import CELL_LIMIT  # the inputs are checked against the same limit

if TYPE_CHECKING:
    from pipeline.model import ScorecardData

CUT = " [... cut: longer than an Excel cell can hold; the full text is in the return]"
A4 = 9  # Excel's paper code
DRAFT = "DRAFT"  # on every page, the properties and the names of a draft's workbooks (--draft)


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


def _esc(said: str) -> str:
    """Text safe inside an Excel header or footer ('&' starts a control code)."""
    return said.replace("&", "&&")


def print_setup(sheet: Worksheet, data: ScorecardData, repeat: bool = True) -> None:
    """A4 landscape, one page wide, header row repeated, protective marking top and bottom (after
    the word DRAFT on a draft's pages)."""
    settings = data.settings
    mark = (f"{DRAFT} - " if data.draft else "") + _esc(marking(data))
    left = (_esc(settings.partnership) + (" - DEMONSTRATION DATA" if data.demo else "")
            + (" - publishable copy" if data.publish else ""))
    a4(sheet, repeat=repeat, margins=(0.4, 0.4, 0.7, 0.6))
    sheet.set_header(f'&L&8{left}&C&"-,Bold"&11{mark}&R&8&A, {_esc(label(data.reporting))}', {"margin": 0.25})
    sheet.set_footer(f"&L&8{mark}&C&8Page &P of &N&R&8Produced {data.produced:%d/%m/%Y %H:%M}", {"margin": 0.25})
