"""The SPC data sheet: every monthly point charted, one row each, as numbers.

The Charts sheet's series are this sheet's cells, so a chart is always these numbers; a reader can
check a chart's mean and limits from the values (and a p-chart's from its denominators) by hand.
A chart with too few points has its values alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from xlsxwriter.workbook import Workbook

from pipeline.workbook.layout import print_setup, put_date, put_number, put_text, set_widths
from pipeline.workbook.styles import Styles

if TYPE_CHECKING:
    from pipeline.model import ScorecardData

SHEET = "SPC data"
COLUMNS = (("Ref", 7), ("Month", 10), ("Value", 9), ("Mean", 9), ("Lower process limit", 11),
           ("Upper process limit", 11), ("Signal", 34), ("Denominator", 12), ("Target", 9), ("Method", 11))
REF, MONTH, VALUE, MEAN, LOWER, UPPER, SIGNAL, DENOMINATOR, TARGET, METHOD = range(len(COLUMNS))


def point_rows(spc: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Each measure's first and last row on the sheet (row 0 is the header), for the Charts sheet."""
    rows = pd.Series(range(1, len(spc) + 1)).groupby(spc["ref"].to_numpy(), sort=False)
    return {str(ref): (int(group.iloc[0]), int(group.iloc[-1])) for ref, group in rows}


def write_spc_data(book: Workbook, st: Styles, data: ScorecardData) -> None:
    """One row per point, in the order of data.spc (catalogue order, then month)."""
    sheet = book.add_worksheet(SHEET)
    set_widths(sheet, [width for _, width in COLUMNS])
    for col, (title, _) in enumerate(COLUMNS):
        sheet.write_string(0, col, title, st.head)
    sheet.set_row(0, 30)
    card = data.scorecard.drop_duplicates("ref")
    units = dict(zip(card["ref"], card["unit"]))
    for row, point in enumerate(data.spc.itertuples(index=False), start=1):
        # counts are whole numbers; shares and medians to one place, as the Scorecard shows them
        value = st.count if units.get(point.ref, "count") == "count" else st.one_place
        put_text(sheet, row, REF, point.ref, st.ref)
        put_date(sheet, row, MONTH, point.month.to_timestamp(), st.month)
        put_number(sheet, row, VALUE, point.value, value)
        for col, figure in ((MEAN, point.mean), (LOWER, point.lower_limit), (UPPER, point.upper_limit)):
            put_number(sheet, row, col, figure, st.two_places)
        put_text(sheet, row, SIGNAL, point.signal, st.wrap)
        put_number(sheet, row, DENOMINATOR, point.denominator, st.count)  # a p-chart's: its limits vary with it
        put_number(sheet, row, TARGET, point.target, value)
        put_text(sheet, row, METHOD, point.method, st.wrap)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(data.spc), 1), len(COLUMNS) - 1)
    print_setup(sheet, data)
