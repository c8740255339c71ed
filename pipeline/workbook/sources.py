"""The Sources sheet: every input file read, with its hash, so a circulated workbook can be traced to its files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline.workbook.layout import fit_row, print_setup, put_date, put_number, put_text
from pipeline.workbook.styles import Styles

if TYPE_CHECKING:
    from pipeline.model import ScorecardData

COLUMNS = (("file", "File", 32), ("recognised_as", "Recognised as", 38), ("sheets", "Sheets", 26),
           ("period", "Period covered", 24), ("rows_used", "Rows used", 9), ("rows_rejected", "Rows rejected", 9),
           ("rows_not_counted", "Rows not counted (in another file, or outside the period)", 13),
           ("sha256", "SHA-256", 46), ("modified", "Modified", 16), ("size", "Size (bytes)", 11))
LAST = len(COLUMNS) - 1
NUMBERS = ("rows_used", "rows_rejected", "rows_not_counted", "size")
WIDTHS = {key: width for key, _, width in COLUMNS}
FITTED = ("file", "recognised_as", "sheets", "period", "sha256")  # the columns that wrap
REJECTED = [key for key, _, _ in COLUMNS].index("rows_rejected")


def write_sources(book: Workbook, st: Styles, data: ScorecardData) -> None:
    """One row per file, under a filter; files not used and rows rejected stand out."""
    sheet = book.add_worksheet("Sources")
    for col, (_, title, width) in enumerate(COLUMNS):
        sheet.set_column(col, col, width)
        sheet.write_string(0, col, title, st.head)
    sheet.set_row(0, 45)
    sources = data.sources
    row = 0
    if sources is None or sources.empty:
        row = 1
        sheet.write_string(row, 0, "No input files were read.", st.plain)
    else:
        for record in sources.itertuples(index=False):
            row += 1
            _file(sheet, st, row, record)
        sheet.conditional_format(1, 1, row, 1, {"type": "cell", "criteria": "==", "value": '"Not used"', "format": st.flag})
        sheet.conditional_format(1, 1, row, 1, {"type": "text", "criteria": "begins with", "value": "Not read",
                                                "format": st.flag})
        sheet.conditional_format(1, REJECTED, row, REJECTED, {"type": "cell", "criteria": ">", "value": 0,
                                                              "format": st.attention})
    sheet.autofilter(0, 0, max(row, 1), LAST)
    sheet.freeze_panes(1, 1)
    sheet.print_area(0, 0, max(row, 1), LAST)
    print_setup(sheet, data)


def _file(sheet: Worksheet, st: Styles, row: int, record: Any) -> None:  # a row of data.sources.itertuples()
    for col, (key, _, _) in enumerate(COLUMNS):
        value = getattr(record, key)
        if key in NUMBERS:
            put_number(sheet, row, col, value, st.count)
        elif key == "modified":
            put_date(sheet, row, col, value, st.datetime)
        else:
            put_text(sheet, row, col, value, st.small if key == "sha256" else st.wrap)
    # the hash is in a smaller font, so more of it fits on a line
    fit_row(sheet, row, [(getattr(record, key), WIDTHS[key] * (1.3 if key == "sha256" else 1)) for key in FITTED])
