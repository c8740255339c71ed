"""The error report: every problem record in a workbook an officer can sort and filter."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import xlsxwriter

from pipeline.console import printable
from pipeline.workbook.layout import a4
from pipeline.workbook.styles import COUNT, HEAD, WRAP
from pipeline.writing.safe import write_atomically

if TYPE_CHECKING:
    from pipeline.config.catalogue import Catalogue
    from pipeline.model import ScorecardData

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


# --------------------------------------------------------------------------- the lineage workbook

LINEAGE_COLUMNS = [("ref", "Ref", 7), ("title", "Measure", 40), ("quarter", "Quarter", 11), ("figure", "Figure", 16),
                   ("file", "File", 40), ("sheet", "Sheet", 24), ("part", "Counted as", 20),
                   ("rows", "Excel rows (5-40 means rows 5 to 40)", 60), ("row_count", "Rows", 8)]
RANGE_CHUNK = 30_000  # characters of row ranges per cell, within Excel's 32,767


def _chunks(text: str) -> list[str]:
    """Row ranges split at commas into pieces a cell can hold."""
    pieces, current = [], ""
    for part in text.split(", "):
        if current and len(current) + len(part) + 2 > RANGE_CHUNK:
            pieces.append(current)
            current = part
        else:
            current = f"{current}, {part}" if current else part
    return [*pieces, current]


def lineage_lines(figures: pd.DataFrame, lineage: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """One line per figure and file, sheet and part, in catalogue order; a figure with no rows
    (a count of 0) has a line of its own saying so."""
    from pipeline.quarters import label
    from pipeline.stages.scorecard import display

    order = {m.ref: i for i, m in enumerate(catalogue.measures)}
    shown = figures[figures["status"].eq("ok")]
    texts = [display(catalogue.measure(r.ref), r.shown, r.numerator, r.denominator, r.secondary)
             for r in shown.itertuples(index=False)]
    heads = pd.DataFrame({"ref": shown["ref"], "quarter": shown["quarter"], "figure": texts,
                          "title": [catalogue.measure(r).title for r in shown["ref"]]})
    lines = heads.merge(lineage, on=["ref", "quarter"], how="left")
    lines["file"] = lines["file"].fillna("(no rows: nothing was counted)")
    lines = lines.fillna({"sheet": "", "part": "", "rows": "", "row_count": 0})
    lines = lines.assign(_order=lines["ref"].map(order), label=lines["quarter"].map(label))
    return lines.sort_values(["_order", "quarter", "file", "sheet", "part"], kind="stable").reset_index(drop=True)


def write_lineage(data: ScorecardData, catalogue: Catalogue, path: Path) -> None:
    """The officer's record of which rows made each figure: file, sheet and Excel rows, never a
    child's reference. Streamed in order, so a figure of a million rows needs little memory."""
    lines = lineage_lines(data.figures, data.lineage, catalogue)
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                           "strings_to_numbers": False, "constant_memory": True})
    book.set_properties({"title": "Scorecard lineage: the rows behind each figure", "subject": str(data.reporting),
                         "comments": "Officer's record; not for circulation."})
    head, wrap, count = book.add_format(HEAD), book.add_format(WRAP), book.add_format(COUNT)
    sheet = book.add_worksheet("Lineage")
    for col, (_, title, width) in enumerate(LINEAGE_COLUMNS):
        sheet.set_column(col, col, width, wrap)
        sheet.write_string(0, col, title, head)
    row = 0
    for line in lines.itertuples(index=False):
        for n, rows in enumerate(_chunks(str(line.rows))):
            row += 1
            values = {"ref": line.ref, "title": line.title, "quarter": line.label, "figure": line.figure,
                      "file": line.file, "sheet": line.sheet, "part": line.part,
                      "rows": rows if n == 0 else f"(continued) {rows}"}
            # LibreOffice and Excel do not grow a row for wrapped text written this way: say how tall it is.
            tallest = max(-(-len(str(values[key])) // int(width * 1.1)) for key, _, width in LINEAGE_COLUMNS if key in values)
            sheet.set_row(row, 15 * max(tallest, 1))
            for col, (key, _, _) in enumerate(LINEAGE_COLUMNS):
                if key == "row_count":
                    if n == 0:
                        sheet.write_number(row, col, int(line.row_count), count)
                elif values[key]:
                    sheet.write_string(row, col, str(values[key]))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(row, 1), len(LINEAGE_COLUMNS) - 1)
    a4(sheet)
    book.close()
