"""The pack's hidden Chart data sheet: the numbers its Charts sheet draws.

A chart can only draw cells of its own workbook, and the SPC data sheet is in the officer's checks,
so the pack keeps the columns the charts need, row for row as on SPC data (the same writer,
pipeline.workbook.spc_data.write_points). Hidden, it does not print.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from xlsxwriter.workbook import Workbook

from pipeline.workbook.spc_data import write_points
from pipeline.workbook.styles import Styles

if TYPE_CHECKING:
    from pipeline.model import ScorecardData

SHEET = "Chart data"
CHARTED = ("ref", "month", "value", "mean", "lower_limit", "upper_limit", "target")
MONTH, VALUE, MEAN, LOWER, UPPER, TARGET = (CHARTED.index(key) for key in CHARTED[1:])


def point_rows(spc: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Each measure's first and last row on the sheet (row 0 is the header), for the Charts sheet."""
    rows = pd.Series(range(1, len(spc) + 1)).groupby(spc["ref"].to_numpy(), sort=False)
    return {str(ref): (int(group.iloc[0]), int(group.iloc[-1])) for ref, group in rows}


def write_chart_data(book: Workbook, st: Styles, data: ScorecardData) -> None:
    sheet = book.add_worksheet(SHEET)
    write_points(sheet, st, data, CHARTED)
    sheet.hide()
