"""The Supporting information sheet (the seed's Appendix 3): each supporting measure as a small
table with its chart, the quality-assurance activity map, and feedback from children and families."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from xlsxwriter.chart import Chart
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline.quarters import label
from pipeline.workbook.layout import (
    fit_row,
    merged,
    paragraph,
    print_setup,
    put_date,
    put_figure,
    put_text,
    set_widths,
    text,
)
from pipeline.workbook.styles import GRIDLINES, NUMBER_FORMATS, PERCENT_AXIS, SERIES_COLOURS, SPC_LINES, Styles
from pipeline.workbook.words import APPENDIX

if TYPE_CHECKING:
    from pipeline.model import ScorecardData



class Column(NamedTuple):
    """A column of a supporting measure's table (kpis.yaml's chart), with the unit of its numbers."""

    figure: str  # shown, numerator, denominator or secondary
    heading: str
    unit: str
    plot: bool


SHEET = "Supporting information"
WIDTHS = (24, 16, 16, 16, 2, 10.7, 10.7, 10.7, 10.7, 10.7, 10.7, 10.7)
LAST = len(WIDTHS) - 1
TARGET_COL = LAST + 1  # a hidden column outside the print area: the target beside each quarter, for its line
TEXT_WIDTH = sum(WIDTHS[1:])  # a description merged from column B to the end
TABLES_PER_PAGE = 2
TABLE_ROWS = 13  # the rows a table's chart covers, at least
FONT = {"size": 10}  # the charts' words (titles a point larger): the sheet prints at about 0.9 of its size

def write_supporting(book: Workbook, st: Styles, data: ScorecardData) -> None:
    """The supporting measures two to a page, then the QA map and the feedback, each on a new page."""
    sheet = book.add_worksheet(SHEET)
    set_widths(sheet, WIDTHS)
    card = data.scorecard.drop_duplicates("ref")
    titles, units = dict(zip(card["ref"], card["title"].map(text))), dict(zip(card["ref"], card["unit"]))
    sheet.write_string(0, 0, f"{APPENDIX}: Supporting information", st.title)
    sheet.set_row(0, 24)
    row = 2
    breaks = []
    for n, (ref, chart) in enumerate(data.charts.items()):
        if n and n % TABLES_PER_PAGE == 0:
            breaks.append(row)
        columns = [Column(c.figure, c.heading, units.get(ref, "count") if c.figure == "shown" else "count", c.plot)
                   for c in chart.columns]
        row = _measure(book, sheet, st, data, row, ref, titles.get(ref, ref), chart.type, columns)
    breaks.append(row)
    qa_number, feedback_number = _numbers_after(list(data.charts))
    row = _quality_assurance(sheet, st, data, row, qa_number)
    row = _feedback(sheet, st, data, row, feedback_number)
    sheet.set_h_pagebreaks(breaks)
    sheet.print_area(0, 0, row, LAST)
    print_setup(sheet, data, repeat=False)


def _measure(book: Workbook, sheet: Worksheet, st: Styles, data: ScorecardData, row: int, ref: str, title: str,
             kind: str, columns: list[Column]) -> int:
    """A measure's quarters as a small table, a line for each quarter without data, and its chart
    beside the table; the next free row."""
    top = row
    sheet.write_string(row, 0, f"{ref}. {title}", st.subtitle)
    row += 1
    header = row
    sheet.write_string(row, 0, "Quarter", st.head)
    for i, column in enumerate(columns):
        sheet.write_string(row, 1 + i, column.heading, st.head_centre)
    fit_row(sheet, row, ((column.heading, WIDTHS[1] * 0.9) for column in columns))
    figures = _rows(data, ref)
    for record in figures:
        row += 1
        sheet.write_string(row, 0, record["quarter"], st.ref)
        for i, column in enumerate(columns):
            # A quarter without data stays blank (explained under the table): text would chart as zero.
            put_figure(sheet, row, 1 + i, record[column.figure], column.unit, st.figures[(column.unit, False, False)])
    first, last = header + 1, row
    for record in figures:
        if not record["ok"]:
            row += 1
            reason = record["reason"] if record["reason"].lower() not in ("", "no data") else ""
            put_text(sheet, row, 0, f"{record['quarter']}: no data" + (f" ({reason})." if reason else "."), st.italic)
    chart = _chart(book, sheet, ref, title, kind, columns, header, first, last, _target(data, ref))
    sheet.insert_chart(top + 1, 5, chart, {"x_offset": 6, "y_offset": 2, "object_position": 2})
    return max(row, top + TABLE_ROWS) + 2


def _rows(data: ScorecardData, ref: str) -> list[dict[str, object]]:
    """One row per shown quarter for a supporting measure, from the long figures table."""
    figures = data.figures
    mine = figures[figures["ref"].eq(ref)] if not figures.empty else figures
    by_quarter = {q: r for q, r in zip(mine["quarter"], mine.to_dict("records"))} if not mine.empty else {}
    out = []
    for q in data.quarters:
        record = by_quarter.get(q, {})
        ok = record.get("status") == "ok"
        out.append({"quarter": label(q), "ok": ok, "shown": record.get("shown") if ok else None,
                    "numerator": record.get("numerator") if ok else None,
                    "denominator": record.get("denominator") if ok else None,
                    "secondary": record.get("secondary") if ok else None,
                    "reason": text(record.get("reason"))})
    return out


def _target(data: ScorecardData, ref: str) -> float | None:
    """The measure's target (the catalogue's, carried on each of its figures), if it has one."""
    if data.figures.empty:
        return None
    targets = data.figures.loc[data.figures["ref"].eq(ref), "target"].dropna()
    return float(targets.iloc[0]) if len(targets) else None


def _short_title(title: str) -> str:
    """A chart title from the catalogue's wording: 'Missing children: number of ...' -> 'Missing children'."""
    return title if len(title) <= 60 else title.split(":")[0].split("(")[0].strip()


def _chart(book: Workbook, sheet: Worksheet, ref: str, title: str, kind: str, columns: list[Column], header_row: int,
           first: int, last: int, target: float | None) -> Chart:
    """The measure's native chart, drawn from its own small table (blank cells are gaps, not zeros),
    with axis titles and, where the measure has a target, its target line."""
    chart = book.add_chart({"type": kind})
    plotted = [(i, column) for i, column in enumerate(columns) if column.plot]
    percent = any(column.unit == "percent" for _, column in plotted)
    labelled = _labelled(kind, len(plotted), target is not None)
    for n, (i, column) in enumerate(plotted):
        series = {
            "name": [SHEET, header_row, 1 + i],
            "categories": [SHEET, first, 0, last, 0],
            "values": [SHEET, first, 1 + i, last, 1 + i],
        }
        if labelled:
            series["data_labels"] = {
                "value": True, "num_format": NUMBER_FORMATS[column.unit], "font": FONT,
                **({"position": "outside_end"} if kind == "column" else
                   {"position": "right", "custom": [{"delete": True}] * (last - first) + [None]})}
        colour = SERIES_COLOURS[n % len(SERIES_COLOURS)]
        if kind == "line":
            series |= {"line": {"color": colour, "width": 2.25},
                       "marker": {"type": "circle", "size": 6, "fill": {"color": colour}, "border": {"color": colour}}}
        else:
            series |= {"fill": {"color": colour}, "gap": 80}
        chart.add_series(series)
    if target is not None:
        _target_line(book, sheet, chart, kind, target, "%" if percent else "", first, last)
    chart.set_title({"name": f"{ref}: {_short_title(title)}", "name_font": {"size": FONT["size"] + 1}})
    chart.set_legend({"position": "bottom", "font": FONT} if len(plotted) > 1 or target is not None else {"none": True})
    chart.set_x_axis({"name": "Quarter", "name_font": FONT, "num_font": FONT})
    only = plotted[0][1].heading if len(plotted) == 1 else ("Share" if percent else "Number")
    chart.set_y_axis({"name": only + (" (%)" if percent else ""), "name_font": FONT, "num_font": FONT, "min": 0,
                      "major_gridlines": {"visible": True, "line": {"color": GRIDLINES}},
                      "num_format": PERCENT_AXIS if percent else NUMBER_FORMATS["count"]})
    chart.show_blanks_as("gap")
    chart.set_size({"width": 540, "height": 230})
    return chart


def _numbers_after(refs: list[str]) -> tuple[str, str]:
    """The two sections after the supporting measures numbered as the catalogue numbers those (A1 to
    A4, so A5 and A6), whatever their count."""
    found = re.fullmatch(r"(.*?)(\d+)", refs[-1]) if refs else None
    prefix, last = (found.group(1), int(found.group(2))) if found else ("A", len(refs))
    return f"{prefix}{last + 1}", f"{prefix}{last + 2}"


def _labelled(kind: str, series: int, target: bool) -> bool:
    """Whether values are written on the chart: only where nothing can cross them. Over each column
    (two series at most, so that a label is no wider than its column; none with a target line, which
    could run through them), or the last point alone of a chart's only line, to its right, where
    no line goes. Otherwise the table beside the chart gives the values."""
    return series <= 2 and not target if kind == "column" else series == 1


def _target_line(book: Workbook, sheet: Worksheet, chart: Chart, kind: str, target: float, unit: str, first: int,
                 last: int) -> None:
    """The target as a dashed red line across the quarters, named with its figure in the legend. A
    chart's series must be cells: the target is written beside each quarter in a hidden column."""
    for row in range(first, last + 1):
        sheet.write_number(row, TARGET_COL, target / 100 if unit == "%" else target)  # a share as a fraction
    sheet.set_column(TARGET_COL, TARGET_COL, None, None, {"hidden": True})
    line = chart if kind == "line" else book.add_chart({"type": "line"})
    line.add_series({"name": f"Target {target:g}{unit}", "categories": [SHEET, first, 0, last, 0],
                     "values": [SHEET, first, TARGET_COL, last, TARGET_COL], "line": SPC_LINES["target"],
                     "marker": {"type": "none"}})
    if line is not chart:
        chart.combine(line)
    chart.show_hidden_data()


def _quality_assurance(sheet: Worksheet, st: Styles, data: ScorecardData, row: int, number: str) -> int:
    """The quality-assurance activity map, as the officers keep it in qa_activity_map.yaml; the next free row."""
    qa = data.qa_map
    sheet.write_string(row, 0, f"{number}. Quality assurance", st.subtitle)
    row += 1
    paragraph(sheet, row, 0, LAST, qa.introduction, st.para, sum(WIDTHS))
    row += 2
    merged(sheet, row, 0, LAST, qa.title.upper(), st.group)
    sheet.set_row(row, 20)
    for section in qa.sections:
        row += 1
        merged(sheet, row, 0, LAST, section.heading, st.section)
        for item in section.items:
            row += 1
            put_text(sheet, row, 0, item.name, st.name)
            merged(sheet, row, 1, LAST, item.description, st.wrap)
            fit_row(sheet, row, ((item.name, WIDTHS[0]), (item.description, TEXT_WIDTH)))
    row += 2
    paragraph(sheet, row, 0, LAST, qa.closing, st.para, sum(WIDTHS))
    return row + 2


def _feedback(sheet: Worksheet, st: Styles, data: ScorecardData, row: int, number: str) -> int:
    """Feedback from children and families (names already replaced by X, XX, Y); the last row."""
    sheet.write_string(row, 0, f"{number}. Feedback from children and their families working with Evolve, "
                               f"{label(data.reporting)}", st.subtitle)
    row += 1
    feedback = data.feedback
    if feedback is None or feedback.empty:
        sheet.write_string(row, 0, "No feedback that may be shared was received this quarter.", st.plain)
        return row
    for col, title in enumerate(("Date", "Respondent", "Rating")):
        sheet.write_string(row, col, title, st.head)
    merged(sheet, row, 3, LAST, "What they said (names replaced: worker X, child XX, family Y)", st.head)
    quote_width = sum(WIDTHS[3:])
    for record in feedback.itertuples(index=False):
        row += 1
        put_date(sheet, row, 0, record.date, st.date)
        put_text(sheet, row, 1, record.respondent, st.wrap)
        put_text(sheet, row, 2, record.rating, st.wrap)
        quote = text(record.quote)
        merged(sheet, row, 3, LAST, quote, st.wrap)
        fit_row(sheet, row, ((quote, quote_width), (record.respondent, WIDTHS[1]), (record.rating, WIDTHS[2])))
    return row
