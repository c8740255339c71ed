"""The SPC data sheet of the officer's checks: every monthly point charted, one row each, as numbers.

A reader can check a chart's mean and limits from the values (and a p-chart's from its
denominators) by hand. A chart with too few points has its values alone. The pack's charts draw
the same numbers from its own hidden Chart data sheet (pipeline.workbook.chart_data), written by
`write_points` below, so the two cannot differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline.workbook.layout import print_setup, put_date, put_number, put_text, set_widths
from pipeline.workbook.styles import Styles

if TYPE_CHECKING:
    from pipeline.model import ScorecardData

SHEET = "SPC data"
# data.spc's column, heading and width
COLUMNS = (("ref", "Ref", 7), ("month", "Month", 10), ("value", "Value", 9), ("mean", "Mean", 9),
           ("lower_limit", "Lower process limit", 11), ("upper_limit", "Upper process limit", 11),
           ("signal", "Signal", 34), ("denominator", "Denominator", 12), ("target", "Target", 9),
           ("method", "Method", 11))


def write_points(sheet: Worksheet, st: Styles, data: ScorecardData, keys: Sequence[str]) -> None:
    """The heading and one row per point of data.spc (catalogue order, then month), in the columns `keys`."""
    columns = [next(c for c in COLUMNS if c[0] == key) for key in keys]
    set_widths(sheet, [width for _, _, width in columns])
    for col, (_, title, _) in enumerate(columns):
        sheet.write_string(0, col, title, st.head)
    sheet.set_row(0, 30)
    card = data.scorecard.drop_duplicates("ref")
    units = dict(zip(card["ref"], card["unit"]))
    for row, point in enumerate(data.spc.itertuples(index=False), start=1):
        # counts are whole numbers; shares and medians to one place, as the Scorecard shows them
        value = st.count if units.get(point.ref, "count") == "count" else st.one_place
        for col, key in enumerate(keys):
            figure = getattr(point, key)
            if key == "month":
                put_date(sheet, row, col, figure.to_timestamp(), st.month)
            elif key in ("value", "target"):
                put_number(sheet, row, col, figure, value)
            elif key in ("mean", "lower_limit", "upper_limit"):
                put_number(sheet, row, col, figure, st.two_places)
            elif key == "denominator":  # a p-chart's: its limits vary with it
                put_number(sheet, row, col, figure, st.count)
            else:
                put_text(sheet, row, col, figure, st.ref if key == "ref" else st.wrap)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(data.spc), 1), len(keys) - 1)
    print_setup(sheet, data)


def write_spc_data(book: Workbook, st: Styles, data: ScorecardData) -> None:
    """Every column of every point."""
    write_points(book.add_worksheet(SHEET), st, data, [key for key, _, _ in COLUMNS])
