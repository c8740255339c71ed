"""The error report: every problem record in a workbook an officer can sort and filter."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import xlsxwriter

from pipeline.console import printable
from pipeline.workbook.layout import a4
from pipeline.workbook.styles import HEAD, WRAP
from pipeline.writing.safe import write_atomically

REPORT_COLUMNS = [
    ("severity", "Severity", 10), ("file", "File", 34), ("sheet", "Sheet", 20), ("cell", "Cell", 8),
    ("column", "Column", 26), ("value", "Found", 22), ("expected", "Expected", 44), ("message", "Message", 90),
]


def write_problem_sheet(book: xlsxwriter.Workbook, name: str, problems: pd.DataFrame) -> None:
    """One sheet of problem records, under a filter, printed one page wide."""
    sheet = book.add_worksheet(name)
    head, wrap = book.add_format(HEAD), book.add_format(WRAP)
    for col, (_, title, width) in enumerate(REPORT_COLUMNS):
        sheet.write_string(0, col, title, head)
        sheet.set_column(col, col, width, wrap)
    for row, record in enumerate(problems[[c for c, _, _ in REPORT_COLUMNS]].itertuples(index=False), start=1):
        for col, value in enumerate(record):
            if value is not None and value != "":
                sheet.write_string(row, col, printable(str(value)))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(problems), 1), len(REPORT_COLUMNS) - 1)
    a4(sheet)


def write_error_report(problems: pd.DataFrame, target: Path, when: datetime) -> Path:
    """Every problem of the run (`when`) in a workbook an officer can sort and filter."""

    def write(path: Path) -> None:
        # Rows are written in order, so they can be streamed: a report of a million problems
        # then needs little memory.
        book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                               "constant_memory": True})
        book.set_properties({"title": "Input problems", "subject": f"Run of {when:%d/%m/%Y %H:%M}"})
        write_problem_sheet(book, "Problems", problems)
        book.close()

    return write_atomically(target, write)

