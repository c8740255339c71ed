"""The Charts sheet: each rated measure's monthly chart, as Making Data Count draws it, six to a page.

A measure is rated when it has a polarity; monitored measures' points are on the officer's SPC
data sheet only, to keep the sheet to the charts a board acts on. Each chart is a native Excel line
chart whose series are the cells of the pack's hidden Chart data sheet (the SPC data sheet's
numbers, row for row), so it always shows those numbers. Charts sit
two across, each filling a column and reaching to the narrow column beside it, so that a
spreadsheet whose font makes columns wider (LibreOffice without Calibri) widens the charts with
them; three rows of charts to an A4 landscape page. Every word of a chart is 9 points, which prints
at 8 or more, and the legend is to the right of the plot, so that the plot keeps its height.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pandas as pd
from xlsxwriter.chart import Chart
from xlsxwriter.workbook import Workbook

from pipeline.workbook.chart_data import LOWER, MEAN, MONTH, SHEET, TARGET, UPPER, VALUE, point_rows
from pipeline.workbook.layout import paragraph, print_setup, text
from pipeline.workbook.styles import GRIDLINES, SPC_GREY, SPC_LINES, SPC_MARKER, SPC_POINT, Styles

if TYPE_CHECKING:
    from pipeline.model import ScorecardData

ACROSS, DOWN = 2, 3  # charts to a page
# Two chart columns and a gap fill the printable width of A4 landscape (1,045 pixels in Excel's
# Calibri): 72 characters are 509 pixels, 2 are 19.
COLUMN_WIDTH, GAP_WIDTH = 72, 2
ROW_HEIGHT = 150  # points (200 pixels): three rows and the heading fill the printable height (502 points)
CHART_SIZE = {"width": 509, "height": 192}  # pixels: the chart column's width, and a row less a gap
UNIT_WORDS = {"count": "Count", "percent": "Percentage", "days": "Days"}  # the value axis's name
TITLE_LENGTH = 70  # characters of the measure's title, so that a title fits on one line
# Every word of a chart (title bold) in this size: the sheet prints at about 0.95 of its size, so at
# 8 points or more.
FONT = {"size": 9}
TOO_FEW = "too few points for process limits"
SMALL_COUNT = 6  # a count axis up to this goes in whole steps, not 0.2s
HEADING = ("How to read the charts: each measure's monthly figures (solid line, dots) with their mean (thin line), "
           "process limits (dashed) and target (dash-dot) where it has one; a dot a rule flags is coloured (blue "
           "special cause improvement, orange concern, purple high or low where neither is better), the others "
           "are grey; the rules are on the Definitions sheet, and each month's numbers are in the performance "
           "officer's checks workbook.")


def write_charts(book: Workbook, st: Styles, data: ScorecardData) -> None:
    """The heading, then one chart per rated measure with points, in catalogue order."""
    sheet = book.add_worksheet("Charts")
    sheet.hide_gridlines(2)
    for col in range(ACROSS):
        sheet.set_column(2 * col, 2 * col, COLUMN_WIDTH)
        sheet.set_column(2 * col + 1, 2 * col + 1, GAP_WIDTH)
    last_col = 2 * ACROSS - 2
    paragraph(sheet, 0, 0, last_col, HEADING, st.para, COLUMN_WIDTH * ACROSS)
    rows = point_rows(data.spc)
    measures = [m for m in _rated(data) if m["ref"] in rows]
    for i, m in enumerate(measures):
        row, col = 1 + i // ACROSS, i % ACROSS
        sheet.set_row(row, ROW_HEIGHT)
        points = data.spc[data.spc["ref"].eq(m["ref"])]
        sheet.insert_chart(row, 2 * col, _chart(book, m, rows[m["ref"]], points),
                           {"x_offset": 0, "y_offset": 4, "object_position": 1})
    chart_rows = -(-len(measures) // ACROSS)
    sheet.set_h_pagebreaks(list(range(1 + DOWN, 1 + chart_rows, DOWN)))  # after every third row of charts
    sheet.print_area(0, 0, max(chart_rows, 1), last_col)
    print_setup(sheet, data)


def _rated(data: ScorecardData) -> list[dict]:
    """The measures with a polarity, in catalogue order, with what the charts need of each."""
    card = data.scorecard.drop_duplicates("ref")
    return card.loc[card["polarity"].ne("none"), ["ref", "title", "unit"]].to_dict("records")


def _chart(book: Workbook, m: dict, rows: tuple[int, int], points: pd.DataFrame) -> Chart:
    """The measure's chart: values with their flagged points coloured, mean, limits and target."""
    first, last = rows
    chart = book.add_chart({"type": "line"})

    def line(col: int, name: str, style: str, **more: object) -> None:
        chart.add_series({"name": name, "categories": [SHEET, first, MONTH, last, MONTH],
                          "values": [SHEET, first, col, last, col], "line": SPC_LINES[style],
                          "marker": {"type": "none"}, **more})

    line(VALUE, "Monthly figure", "value", marker=SPC_POINT, points=_markers(points))
    few = points["mean"].isna().all()
    if not few:
        line(MEAN, "Mean", "mean")
        line(UPPER, "Process limits", "limit")
        line(LOWER, "Lower process limit", "limit")
    if points["target"].notna().any():
        line(TARGET, "Target", "target")
    title = f"{m['ref']} {textwrap.shorten(text(m['title']), TITLE_LENGTH, placeholder='...')}"
    chart.set_title({"name": title + (f" ({TOO_FEW})" if few else ""), "name_font": {**FONT, "bold": True},
                     "overlay": False})
    _axes(chart, text(m["unit"]), points)
    chart.set_legend({"position": "right", "font": FONT, "delete_series": [] if few else [3]})
    chart.set_size(CHART_SIZE)
    return chart


def _axes(chart: Chart, unit: str, points: pd.DataFrame) -> None:
    """Months every quarter; a count's or a median's value axis from 0 (no figure is negative, though
    a lower limit may be), in whole steps for counts that small; a percentage's no higher than 100."""
    top = points[["value", "upper_limit"]].max().max()
    chart.set_x_axis({"name": "Month", "date_axis": True, "num_format": "mmm yy", "major_unit": 3,
                      "major_unit_type": "months", "num_font": FONT, "name_font": FONT})
    chart.set_y_axis({"name": UNIT_WORDS.get(unit, unit), "min": None if unit == "percent" else 0,
                      "max": 100 if unit == "percent" else None,
                      "major_unit": 1 if unit == "count" and top <= SMALL_COUNT else None, "num_font": FONT,
                      "name_font": FONT, "major_gridlines": {"visible": True, "line": {"color": GRIDLINES}}})


def _markers(points: pd.DataFrame) -> list[dict | None]:
    """Each point's marker: a flagged point in its variation's colour; the rest as the series'."""
    def marker(signal: str, variation: str) -> dict | None:
        if not signal:
            return None
        colour = SPC_MARKER.get(variation, SPC_GREY)
        return {"fill": {"color": colour}, "border": {"color": colour}}
    return [marker(s, v) for s, v in zip(points["signal"], points["variation"])]
