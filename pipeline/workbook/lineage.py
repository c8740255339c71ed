"""The Lineage sheet of the officer's checks: which rows made each figure, by file, sheet and Excel
row, never a child's reference. The officer traces a figure with it; it is not circulated."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from xlsxwriter.workbook import Workbook

from pipeline.quarters import label
from pipeline.stages.scorecard import display
from pipeline.workbook.layout import print_setup
from pipeline.workbook.styles import Styles

if TYPE_CHECKING:
    from pipeline.config.catalogue import Catalogue
    from pipeline.model import ScorecardData

SHEET = "Lineage"
COLUMNS = [("ref", "Ref", 7), ("title", "Measure", 40), ("quarter", "Quarter", 11), ("figure", "Figure", 16),
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
    order = {m.ref: i for i, m in enumerate(catalogue.measures)}
    shown = figures[figures["status"].eq("ok")]
    texts = [display(catalogue.measure(r.ref), r.shown, r.numerator, r.denominator, r.secondary)
             for r in shown.itertuples(index=False)]
    heads = pd.DataFrame({"ref": shown["ref"], "quarter": shown["quarter"], "figure": texts,
                          "title": [catalogue.measure(r).title for r in shown["ref"]]})
    # A run whose own rows are none (every figure from history, or every count 0) has a lineage frame
    # whose quarters are not periods: made periods, they join.
    lines = heads.merge(lineage.astype({"quarter": heads["quarter"].dtype}), on=["ref", "quarter"], how="left")
    lines["file"] = lines["file"].fillna("(no rows: nothing was counted)")
    lines = lines.fillna({"sheet": "", "part": "", "rows": "", "row_count": 0})
    lines = lines.assign(_order=lines["ref"].map(order), label=lines["quarter"].map(label))
    return lines.sort_values(["_order", "quarter", "file", "sheet", "part"], kind="stable").reset_index(drop=True)


def write_lineage(book: Workbook, st: Styles, data: ScorecardData, catalogue: Catalogue) -> None:
    """One row per line (a long list of rows goes on in the rows below), in order, so that the
    officer's checks can be streamed: a figure of a million rows needs little memory."""
    lines = lineage_lines(data.figures, data.lineage, catalogue)
    sheet = book.add_worksheet(SHEET)
    for col, (_, title, width) in enumerate(COLUMNS):
        sheet.set_column(col, col, width, st.para)
        sheet.write_string(0, col, title, st.head)
    row = 0
    for line in lines.itertuples(index=False):
        for n, rows in enumerate(_chunks(str(line.rows))):
            row += 1
            values = {"ref": line.ref, "title": line.title, "quarter": line.label, "figure": line.figure,
                      "file": line.file, "sheet": line.sheet, "part": line.part,
                      "rows": rows if n == 0 else f"(continued) {rows}"}
            # LibreOffice and Excel do not grow a row for wrapped text written this way: say how tall it is.
            tallest = max(-(-len(str(values[key])) // int(width * 1.1)) for key, _, width in COLUMNS if key in values)
            sheet.set_row(row, 15 * max(tallest, 1))
            for col, (key, _, _) in enumerate(COLUMNS):
                if key == "row_count":
                    if n == 0:
                        sheet.write_number(row, col, int(line.row_count), st.count)
                elif values[key]:
                    sheet.write_string(row, col, str(values[key]))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(row, 1), len(COLUMNS) - 1)
    print_setup(sheet, data)
