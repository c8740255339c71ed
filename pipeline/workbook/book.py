"""The circulated workbook: one per run, named for its quarter, laid out to be read and printed.

Sheets, in order: Summary, Scorecard, Work plan, Supporting information (the seed's Appendix 3),
Data quality, Sources and Definitions. Everything shown arrives computed in `ScorecardData`
(pipeline.compute); this module only lays it out.

Three rules hold throughout, because the workbook is circulated to partners:
- every format is defined once (`Styles`) and BRAG colours come from conditional-format rules,
  so a rating typed over in Excel recolours itself and LibreOffice shows the same colours;
- every string that came from an input (actions, evidence, quotes, comments, file names,
  messages, values found) is written with `write_string`, and the workbook is opened with
  strings_to_formulas/urls/numbers off, so text beginning with '=' never becomes a formula;
- no cell holds a formula at all: totals are computed here and written as numbers.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline.quarters import file_label, first_day, label, last_day
from pipeline.stages.quality import failed_count
from pipeline.stages.scorecard import STAND_IN
from pipeline.workbook.error_report import REPORT_COLUMNS
from pipeline.writing.safe import OutputLocked, write_atomically

if TYPE_CHECKING:
    from pipeline.model import ScorecardData

SHEETS = ("Summary", "Scorecard", "Work plan", "Supporting information", "Data quality", "Sources", "Definitions")
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}

# The ratings a measure can carry, in the order they are counted and keyed.
STATUSES = ("Blue", "Green", "Amber", "Red", "Monitor", "Incomplete", "No data", "Not yet reported")
RATED = ("Blue", "Green", "Amber", "Red")
# Fill and font of each rating: strong for the BRAG column, light for the quarter cells.
FILL = {"Blue": "#1F5FAD", "Green": "#2E7D32", "Amber": "#FFC000", "Red": "#C00000",
        "Monitor": "#BFBFBF", "Incomplete": "#F4B183", "No data": "#D9D9D9", "Not yet reported": "#EDEDED"}
FONT = {"Blue": "#FFFFFF", "Green": "#FFFFFF", "Amber": "#000000", "Red": "#FFFFFF"}
LIGHT = {"Blue": "#DDEBF7", "Green": "#E2EFDA", "Amber": "#FFF2CC", "Red": "#F8CBAD",
         "Incomplete": "#FBE5D6", "No data": "#F2F2F2", "Not yet reported": "#F2F2F2"}
GREY_FILL = "#D9D9D9"
NAVY = "#1F3864"
COMMENTARY_NEEDED = "Commentary needed"
CELL_LIMIT = 32_767  # the most characters an Excel cell holds
CUT = " [... cut: longer than an Excel cell can hold; the full text is in the return]"

# The seed work plan's key to BRAG ratings of actions, word for word.
ACTION_KEY = (
    ("Blue", "The task has been completed."),
    ("Green", "The task is on target."),
    ("Amber", "The task is off target with remedial action."),
    ("Red", "Work has yet to be / planned / started / progressed."),
)
# How measures are rated (the README's BRAG section) and what the other words mean.
RATING_RULES = (
    "Measures with a target: Blue at or beyond the stretch target; Green when the target is met; Amber when "
    "it is missed by no more than the tolerance; Red otherwise.",
    "Measures with a polarity but no target are rated on the direction of travel against the previous "
    "quarter: Green if better; Amber if the same or worse by no more than the tolerance; Red if worse by more.",
    "Figures are rated as shown: percentages and days to one decimal, counts as whole numbers, halves rounded "
    "up as Excel rounds them (13 of 16 is 81.3%). Percentages show their numerator and denominator, e.g. "
    "75.0% (12 of 16).",
    "A figure is worked out only for a quarter its returns cover in full: a monthly return needs all three "
    "months, and a return covers the period its 'Period covered' line states (or, where it states none, from "
    "the month of its first row to the end of the quarter of its last). A quarter covered in part is "
    "Incomplete, with what is missing in its note, and is not rated.",
    "A figure marked \u2020 comes from a stand-in source (e.g. Ofsted Annex A for the Early Help return); its "
    "note names the source. Trends and ratings on the direction of travel compare it with the same source's "
    "figure for the earlier quarter wherever that source covers it, so like is compared with like; where it "
    "does not, the Notes say the comparison is between two sources.",
    "Short trend compares with the previous quarter, long trend with the same quarter a year earlier: "
    "better or worse where the measure has a polarity, up or down where it has none. The arrow shows "
    "whether the figure rose or fell.",
    "Work plan actions are rated as at the end of the reporting quarter: Blue when achieved; Red when not "
    "commenced; Amber when the target date has passed without achievement or the action is marked off "
    "target; Green otherwise. Where the action log states a different rating, both are shown and the "
    "difference is flagged.",
)
STATUS_MEANINGS = (
    ("Monitor", "The measure has no polarity (neither higher nor lower is better): it is shown for "
                "information and its trend as up or down, but it is not rated."),
    ("Incomplete", "The returns cover only part of the quarter (the cell comment says what is missing, e.g. "
                   "no November 2024), so no figure is shown and the measure is not rated for it."),
    ("No data", "No return covers the quarter (the cell comment and Notes give the reason). It is never "
                "shown as a zero."),
    ("Not yet reported", "The measure is still being developed and has no data for the quarter yet."),
)
SUPPRESSED_MEANING = ("Not published: a count from 1 to 4, or a figure from which one could be worked out "
                      "(a percentage whose numerator, denominator or their difference is 1 to 4; a median over "
                      "1 to 4 children), as in DfE statistics.")
PUBLISH_NOTE = ("This is the publishable copy: counts from 1 to 4, and figures that would reveal them, are shown "
                "as c; commentary, notes and all text from the agencies' returns are left out.")
POLARITY_WORDS = {"higher": "Higher is better", "lower": "Lower is better", "none": "None (monitored, not rated)"}
UNIT_WORDS = {"count": "Count", "percent": "Percentage", "days": "Days"}

# The Supporting information (Appendix 3): each measure's table columns (figure field, heading,
# unit), its chart type and which of those columns the chart plots.
APPENDIX = {
    "A1": {"columns": (("shown", "Children", "count"),), "chart": "column", "plot": (0,)},
    "A2": {"columns": (("shown", "Intelligence reports", "count"), ("secondary", "Linked offences", "count")),
           "chart": "column", "plot": (0, 1)},
    "A3": {"columns": (("shown", "Intelligence reports", "count"), ("secondary", "Linked offences", "count")),
           "chart": "column", "plot": (0, 1)},
    "A4": {"columns": (("numerator", "Positive outcomes", "count"), ("denominator", "Crimes with an outcome", "count"),
                       ("shown", "Positive outcome rate", "percent")), "chart": "line", "plot": (2,)},
}
SERIES_COLOURS = ("#1F5FAD", "#ED7D31", "#2E7D32")

# Scorecard columns: what the reader sees, then hidden helpers (numbers for sparklines, ratings
# for the light colouring of each quarter cell).
SC_REF, SC_MEASURE, SC_Q1 = 0, 1, 2
SC_TARGET, SC_SHORT, SC_LONG, SC_BRAG, SC_COMMENT, SC_NOTES, SC_SPARK = 6, 7, 8, 9, 10, 11, 12
SC_VALUES, SC_BRAGS = 13, 17
SC_WIDTHS = (6, 34, 12.5, 12.5, 12.5, 12.5, 17, 10, 10, 10, 40, 20, 11)


def workbook_path(outputs: Path, settings, reporting: pd.Period, demo: bool = False) -> Path:
    """The workbook's name for its quarter (demo runs say so, so a demo is never mistaken for real)."""
    name = settings.workbook_name.format(quarter=file_label(reporting))
    if demo:
        name = name[: -len(".xlsx")] + " (DEMO).xlsx"
    return outputs / name


def publishable_path(target: Path) -> Path:
    """'CE scorecard Q2 2025-26 (PUBLISHABLE).xlsx', beside the workbook it was made from."""
    return target.with_name(f"{target.stem} (PUBLISHABLE){target.suffix}")


def write_workbook(data: ScorecardData, target: Path) -> tuple[Path, bool]:
    """Write safely; if the target is open in Excel, keep the new copy under another name."""
    try:
        return write_atomically(target, lambda p: _write(data, p)), False
    except OutputLocked as locked:
        return Path(str(locked)), True


# --------------------------------------------------------------------------- formats

class Styles:
    """Every format of the workbook, created once and reused by every sheet."""

    def __init__(self, book: Workbook) -> None:
        add = book.add_format
        cell = {"valign": "top", "border": 1, "border_color": "#BFBFBF"}
        self.title = add({"bold": True, "font_size": 16, "font_color": NAVY})
        self.subtitle = add({"bold": True, "font_size": 12, "font_color": NAVY})
        self.banner = add({"bold": True, "font_size": 14, "font_color": "#FFFFFF", "bg_color": "#C00000",
                           "align": "center", "valign": "vcenter", "text_wrap": True})
        self.marking = add({"bold": True, "font_size": 12, "font_color": "#C00000"})
        self.label = add({"bold": True, "valign": "top"})
        self.plain = add({"valign": "top"})
        self.para = add({"valign": "top", "text_wrap": True})
        self.italic = add({"italic": True, "valign": "top", "font_color": "#595959"})
        self.count_left = add({"bold": True, "valign": "top", "align": "left", "num_format": "#,##0"})
        self.when = add({"valign": "top", "align": "left", "num_format": "dd/mm/yyyy hh:mm"})
        self.head = add({"bold": True, "bg_color": "#DDE4EE", "border": 1, "text_wrap": True, "valign": "top"})
        self.head_centre = add({"bold": True, "bg_color": "#DDE4EE", "border": 1, "text_wrap": True,
                                "valign": "top", "align": "center"})
        self.group = add({"bold": True, "font_color": "#FFFFFF", "bg_color": NAVY, "valign": "vcenter"})
        self.section = add({"bold": True, "font_color": NAVY, "bg_color": "#DDE4EE", "valign": "vcenter"})
        self.ref = add({**cell, "bold": True})
        self.name = add({**cell, "bold": True, "text_wrap": True})
        self.wrap = add({**cell, "text_wrap": True})
        self.centre = add({**cell, "text_wrap": True, "align": "center"})
        self.figure = add({**cell, "text_wrap": True, "align": "center"})
        self.figure_now = add({**cell, "text_wrap": True, "align": "center", "bold": True})
        self.rating = add({**cell, "align": "center", "bold": True, "text_wrap": True})
        self.small = add({**cell, "text_wrap": True, "font_size": 8})
        self.count = add({**cell, "num_format": "#,##0"})
        self.count_bold = add({**cell, "num_format": "#,##0", "bold": True, "top": 2})
        self.label_bold = add({**cell, "bold": True, "top": 2})
        self.percent = add({**cell, "num_format": '0.0"%"'})
        self.date = add({**cell, "num_format": "dd/mm/yyyy", "align": "left"})
        self.datetime = add({**cell, "num_format": "dd/mm/yyyy hh:mm", "align": "left"})
        # Conditional-format formats: strong BRAG, light BRAG for quarter cells, and highlights.
        self.brag = {word: add({"bg_color": FILL[word] if word in RATED or word == "Incomplete" else GREY_FILL,
                                "font_color": FONT.get(word, "#000000")}) for word in STATUSES}
        self.light = {word: add({"bg_color": colour}) for word, colour in LIGHT.items()}
        self.better = add({"font_color": "#2E7D32", "bold": True})
        self.worse = add({"font_color": "#C00000", "bold": True})
        self.attention = add({"bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE"})
        self.flag = add({"bold": True, "font_color": "#7F6000", "bg_color": "#FFEB9C"})
        self.good = add({"font_color": "#006100", "bg_color": "#C6EFCE"})


# --------------------------------------------------------------------------- small helpers

def _text(value: object) -> str:
    """Blank for None, NaN, NA and NaT; otherwise the value as text."""
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _number(value: object) -> float | None:
    try:
        return None if value is None or pd.isna(value) else float(value)
    except (TypeError, ValueError):
        return None


def fit_cell(text: str) -> str:
    """Text an Excel cell can hold: beyond its 32,767 characters, cut with a visible end (the run
    warns about the input cell, see pipeline.stages.validate), never silently."""
    return text if len(text) <= CELL_LIMIT else text[: CELL_LIMIT - len(CUT)] + CUT


def _put_text(sheet: Worksheet, row: int, col: int, value: object, fmt: Format | None = None) -> None:
    """Input-derived text, always as a string cell (or a formatted blank)."""
    text = _text(value)
    if text:
        sheet.write_string(row, col, fit_cell(text), fmt)
    elif fmt is not None:
        sheet.write_blank(row, col, None, fmt)


def _put_number(sheet: Worksheet, row: int, col: int, value: object, fmt: Format | None = None) -> None:
    number = _number(value)
    if number is not None:
        sheet.write_number(row, col, number, fmt)
    elif fmt is not None:
        sheet.write_blank(row, col, None, fmt)


def _put_date(sheet: Worksheet, row: int, col: int, value: object, fmt: Format) -> None:
    """A real Excel date (never text, so it sorts and never repeats a date typed in an input)."""
    if value is None or pd.isna(value):
        sheet.write_blank(row, col, None, fmt)
    else:
        sheet.write_datetime(row, col, pd.Timestamp(value).to_pydatetime(), fmt)


def _lines(text: str, width: float, bold: bool = False) -> int:
    """Lines a wrapped text takes in a column `width` characters wide.

    Neither LibreOffice (when converting) nor Excel (for merged cells) sizes rows to wrapped
    text by itself, so every wrapped row gets a height worked out here, word by word.
    """
    per_line = max(int(width * (1.05 if bold else 1.2)) - 1, 1)
    if len(text) <= per_line and "\n" not in text:
        return 1
    return max(1, sum(len(textwrap.wrap(part, per_line, break_long_words=True)) or 1 for part in text.split("\n")))


def _height(lines: int, size: float = 11) -> float:
    return round(lines * size * 1.31 + 1.5, 1)


def _fit(sheet: Worksheet, row: int, cells: Iterable[tuple[object, float]], minimum: int = 1) -> None:
    """Set a row's height to its tallest wrapped cell: (text, column width) pairs."""
    lines = max([minimum, *(_lines(_text(text), width) for text, width in cells if _text(text))])
    sheet.set_row(row, _height(lines))


def _merged(sheet: Worksheet, row: int, first: int, last: int, text: object, fmt: Format) -> None:
    """Text across merged columns, written as a string (merge_range would guess its type)."""
    if last > first:
        sheet.merge_range(row, first, row, last, "", fmt)
    _put_text(sheet, row, first, text, fmt)


def _paragraph(sheet: Worksheet, row: int, first: int, last: int, text: str, fmt: Format, width: float) -> None:
    _merged(sheet, row, first, last, text, fmt)
    sheet.set_row(row, _height(_lines(text, width)))


def _paragraph_rows(sheet: Worksheet, st: Styles, row: int, text: str) -> int:
    """A paragraph across the Summary's width; the next free row after a gap."""
    _paragraph(sheet, row, 0, SUMMARY_LAST, text, st.para, sum(SUMMARY_WIDTHS))
    return row + 2


def _set_widths(sheet: Worksheet, widths: Sequence[float], fmt: Format | None = None) -> None:
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width, fmt)


def _esc(text: str) -> str:
    """Text safe inside an Excel header or footer ('&' starts a control code)."""
    return text.replace("&", "&&")


def _marking(data: ScorecardData) -> str:
    """The protective marking: the configured one, or the publishable copy's own."""
    return data.settings.published_marking if data.publish else data.settings.protective_marking


def _print_setup(sheet: Worksheet, data: ScorecardData, repeat: bool = True) -> None:
    """A4 landscape, one page wide, header row repeated, protective marking top and bottom."""
    settings = data.settings
    marking = _esc(_marking(data))
    left = (_esc(settings.partnership) + (" - DEMONSTRATION DATA" if data.demo else "")
            + (" - publishable copy" if data.publish else ""))
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    sheet.set_header(f'&L&8{left}&C&"-,Bold"&11{marking}&R&8&A, {_esc(label(data.reporting))}', {"margin": 0.25})
    sheet.set_footer(f"&L&8{marking}&C&8Page &P of &N&R&8Produced {data.produced:%d/%m/%Y %H:%M}", {"margin": 0.25})
    if repeat:
        sheet.repeat_rows(0)


def _brag_rules(sheet: Worksheet, st: Styles, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
    """Colour BRAG words by rule, so the colour follows the text wherever it is."""
    if last_row < first_row:
        return
    for word in STATUSES:
        sheet.conditional_format(first_row, first_col, last_row, last_col,
                                 {"type": "cell", "criteria": "==", "value": f'"{word}"', "format": st.brag[word]})


def _objective_heading(objective: str, title: str, lead: str) -> str:
    if objective == "A":
        return title or "Supporting information (Appendix 3)"
    text = f"Objective {objective}: {title}" if title else f"Objective {objective}"
    return text + (f" (lead: {lead})" if lead else "")


def _group_row(sheet: Worksheet, st: Styles, row: int, last_col: int, text: str) -> None:
    """An objective's heading row. Column A stays empty so that a reader (or a program) that keys
    rows by their Ref never mistakes a heading for a measure."""
    sheet.write_blank(row, 0, None, st.group)
    _merged(sheet, row, 1, last_col, text, st.group)
    sheet.set_row(row, 20)


def _objectives(data: ScorecardData) -> dict[str, tuple[str, str]]:
    """Objective -> (title, lead), in catalogue order."""
    card = data.scorecard
    if card.empty:
        return {}
    firsts = card.drop_duplicates("objective")
    return {str(o): (_text(t), _text(lead)) for o, t, lead in firsts[["objective", "objective_title", "lead"]].itertuples(index=False)}


def _trend(word: str, polarity: str) -> str:
    """'▲ Better': the arrow shows whether the figure rose or fell, the word what that means."""
    if not word:
        return ""
    if word == "Same":
        return "► Same"
    rising = {"Up": True, "Down": False, "Better": polarity != "lower", "Worse": polarity == "lower"}.get(word)
    if rising is None:
        return word
    return ("▲ " if rising else "▼ ") + word


def _quarter_note(row: pd.Series, i: int) -> str:
    """The cell comment on a quarter's figure: restatement, stored history, the reason, the breakdown."""
    parts = []
    if _text(row.get(f"q{i}_restated")):
        changed = _text(row.get(f"q{i}_rows_changed"))
        parts.append(_text(row[f"q{i}_restated"]) + (f" ({changed})" if changed else ""))
    if _text(row.get(f"q{i}_source")):
        parts.append(_text(row[f"q{i}_source"]))
    if bool(row.get(f"q{i}_history")):
        parts.append("From stored history")
    if row.get(f"q{i}_brag") in ("Incomplete", "No data", "Not yet reported") and _text(row.get(f"q{i}_reason")):
        parts.append(f"{row[f'q{i}_brag']}: {_text(row[f'q{i}_reason'])}")
    if _text(row.get(f"q{i}_detail")):
        parts.append(_text(row[f"q{i}_detail"]))
    return fit_cell("\n".join(parts))


def _files_not_used(data: ScorecardData) -> list[str]:
    """Files read but not recognised, and files skipped unread (not counting Excel's lock files)."""
    sources, problems = data.sources, data.problems
    unused = [] if sources.empty else sources.loc[sources["recognised_as"].eq("Not used"), "file"].tolist()
    known = set() if sources.empty else set(sources["file"])
    if not problems.empty:
        skipped = problems[problems["check"].isin(["not_spreadsheet", "unreadable", "empty_file", "unrecognised"])]
        unused += [f for f in dict.fromkeys(skipped["file"]) if f and f not in known]
    return list(dict.fromkeys(unused))


def _brag_counts(card: pd.DataFrame) -> list[tuple[str, str, list[int]]]:
    """(label, title, counts per STATUS) for each objective, in catalogue order."""
    out = []
    for objective, rows in card.groupby("objective", sort=False):
        counts = rows["brag"].value_counts()
        name = "Appendix 3" if str(objective) == "A" else f"Objective {objective}"
        out.append((name, _text(rows["objective_title"].iloc[0]), [int(counts.get(s, 0)) for s in STATUSES]))
    return out


# --------------------------------------------------------------------------- Summary

SUMMARY_WIDTHS = (20, 46, 9, 9, 9, 9, 9, 9, 9, 8)
SUMMARY_LAST = len(SUMMARY_WIDTHS) - 1


def _summary_sheet(book: Workbook, st: Styles, data: ScorecardData) -> None:
    """One page a board member reads first: where the scorecard stands and what needs attention."""
    sheet = book.add_worksheet("Summary")
    sheet.hide_gridlines(2)
    _set_widths(sheet, SUMMARY_WIDTHS)
    row = _summary_heading(sheet, st, data)
    row = _summary_counts(book, sheet, st, data, row)
    row = _summary_reds(sheet, st, data, row)
    row = _summary_incomplete(sheet, st, data, row)
    if data.publish:
        row = _paragraph_rows(sheet, st, row, PUBLISH_NOTE)
    else:
        row = _summary_quality(sheet, st, data, row)
        row = _summary_workplan(sheet, st, data, row)
    _put_text(sheet, row, 0, _marking(data), st.marking)
    sheet.print_area(0, 0, row, SUMMARY_LAST)
    _print_setup(sheet, data, repeat=False)
    sheet.fit_to_pages(1, 1)


def _summary_heading(sheet: Worksheet, st: Styles, data: ScorecardData) -> int:
    """Title, the demo banner, the marking, the quarter and when it was produced; the next free row."""
    settings, quarter = data.settings, label(data.reporting)
    row = 0
    title = f"{settings.partnership}: quarterly scorecard" + (" (publishable copy)" if data.publish else "")
    _put_text(sheet, row, 0, title, st.title)
    sheet.set_row(row, 24)
    row += 1
    if data.demo:
        _merged(sheet, row, 0, SUMMARY_LAST, "DEMONSTRATION DATA: fictional, not for circulation", st.banner)
        sheet.set_row(row, 26)
        row += 1
    _put_text(sheet, row, 0, _marking(data), st.marking)
    row += 2
    start, end = first_day(data.reporting), last_day(data.reporting)
    facts = (("Partnership", settings.partnership),
             ("Reporting quarter", f"{quarter} ({start.day} {start:%B %Y} to {end.day} {end:%B %Y})"),
             ("Quarters shown", ", ".join(label(q) for q in data.quarters)))
    for name, value in facts:
        sheet.write_string(row, 0, name, st.label)
        _put_text(sheet, row, 1, value, st.plain)
        row += 1
    sheet.write_string(row, 0, "Produced", st.label)
    sheet.write_datetime(row, 1, data.produced, st.when)
    row += 1
    sheet.write_string(row, 0, "Protective marking", st.label)
    _put_text(sheet, row, 1, _marking(data), st.plain)
    return row + 2


def _summary_counts(book: Workbook, sheet: Worksheet, st: Styles, data: ScorecardData, row: int) -> int:
    """BRAG counts per objective, and a stacked column chart drawn from that same table."""
    sheet.write_string(row, 0, "Measures by rating, this quarter", st.subtitle)
    row += 1
    head = row
    for col, title in enumerate(("Objective", "Title", *STATUSES, "Total")):
        sheet.write_string(row, col, title, st.head_centre if col > 1 else st.head)
    sheet.set_row(row, 30)
    _brag_rules(sheet, st, row, 2, row, 1 + len(STATUSES))  # the headings are the BRAG words: coloured alike
    counts = _brag_counts(data.scorecard) if not data.scorecard.empty else []
    for name, title, numbers in counts:
        row += 1
        sheet.write_string(row, 0, name, st.ref)
        _put_text(sheet, row, 1, title, st.wrap)
        for col, n in enumerate([*numbers, sum(numbers)], start=2):
            sheet.write_number(row, col, n, st.count)
    first_data, last_data = head + 1, row
    row += 1
    sheet.write_string(row, 0, "All measures", st.label_bold)
    sheet.write_blank(row, 1, None, st.label_bold)
    totals = [sum(c[2][i] for c in counts) for i in range(len(STATUSES))]
    for col, n in enumerate([*totals, sum(totals)], start=2):
        sheet.write_number(row, col, n, st.count_bold)
    row += 2
    if not counts:
        return row
    chart = book.add_chart({"type": "column", "subtype": "stacked"})
    for i, status in enumerate(STATUSES):
        chart.add_series({
            "name": ["Summary", head, 2 + i],
            "categories": ["Summary", first_data, 0, last_data, 0],
            "values": ["Summary", first_data, 2 + i, last_data, 2 + i],
            "fill": {"color": FILL[status]}, "border": {"color": "#FFFFFF"}, "gap": 60,
        })
    chart.set_title({"name": f"Measures by rating and objective, {label(data.reporting)}", "name_font": {"size": 11}})
    chart.set_y_axis({"name": "Measures", "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}})
    chart.set_legend({"position": "right"})
    chart.set_size({"width": 1000, "height": 280})
    sheet.insert_chart(row, 0, chart, {"x_offset": 4, "y_offset": 4, "object_position": 2})
    return row + 15  # the rows the chart covers: nothing is written under it


def _summary_incomplete(sheet: Worksheet, st: Styles, data: ScorecardData, row: int) -> int:
    """Every figure of the reporting quarter that its returns cover only in part, and what is missing."""
    card = data.scorecard
    missing = card[card["brag"].eq("Incomplete")] if not card.empty else card
    if missing.empty:
        return row
    sheet.write_string(row, 0, f"Incomplete figures this quarter ({len(missing)})", st.subtitle)
    row += 1
    sheet.write_string(row, 0, "Ref", st.head)
    sheet.write_string(row, 1, "Measure", st.head)
    _merged(sheet, row, 2, SUMMARY_LAST, "What is missing", st.head)
    last = f"q{len(data.quarters)}_reason"
    for record in missing.itertuples(index=False):
        row += 1
        reason = _text(getattr(record, last))
        _put_text(sheet, row, 0, record.ref, st.ref)
        _put_text(sheet, row, 1, record.title, st.wrap)
        _merged(sheet, row, 2, SUMMARY_LAST, reason, st.wrap)
        _fit(sheet, row, ((record.title, SUMMARY_WIDTHS[1]), (reason, sum(SUMMARY_WIDTHS[2:]))))
    return row + 2


def _summary_reds(sheet: Worksheet, st: Styles, data: ScorecardData, row: int) -> int:
    """Each Red measure with its figure, and who commented on it, or that commentary is needed."""
    card = data.scorecard
    reds = card[card["brag"].eq("Red")] if not card.empty else card
    sheet.write_string(row, 0, f"Measures rated Red this quarter ({len(reds)})", st.subtitle)
    row += 1
    if reds.empty:
        sheet.write_string(row, 0, "No measure is rated Red this quarter.", st.plain)
        return row + 2
    sheet.write_string(row, 0, "Ref", st.head)
    sheet.write_string(row, 1, "Measure", st.head)
    _merged(sheet, row, 2, 4, f"Figure, {label(data.reporting)}", st.head)
    if not data.publish:
        _merged(sheet, row, 5, SUMMARY_LAST, "Commentary", st.head)
    first = row + 1
    for record in reds.itertuples(index=False):
        row += 1
        _put_text(sheet, row, 0, record.ref, st.ref)
        _put_text(sheet, row, 1, record.title, st.wrap)
        _merged(sheet, row, 2, 4, record.q4_text, st.wrap)
        if data.publish:
            _fit(sheet, row, ((record.title, SUMMARY_WIDTHS[1]),))
            continue
        if _text(record.comment):
            who = _text(record.comment_author) or "Commentary given (no author named)"
        else:
            who = COMMENTARY_NEEDED
        _merged(sheet, row, 5, SUMMARY_LAST, who, st.wrap)
        _fit(sheet, row, ((record.title, SUMMARY_WIDTHS[1]), (record.q4_text, sum(SUMMARY_WIDTHS[2:5])),
                          (who, sum(SUMMARY_WIDTHS[5:]))))
    sheet.conditional_format(first, 5, row, 5, {"type": "cell", "criteria": "==", "value": f'"{COMMENTARY_NEEDED}"',
                                                "format": st.attention})
    return row + 2


def _summary_quality(sheet: Worksheet, st: Styles, data: ScorecardData, row: int) -> int:
    """The data-quality headline: errors, warnings, sources missing and files not used."""
    sheet.write_string(row, 0, "Data quality", st.subtitle)
    row += 1
    problems = data.problems
    severity = problems["severity"].value_counts() if not problems.empty else pd.Series(dtype=int)
    missing = int(problems["check"].eq("absent_source").sum()) if not problems.empty else 0
    unused = _files_not_used(data)
    lines = (
        ("Errors", int(severity.get("error", 0)), "rows with errors are left out of the measures they feed"),
        ("Warnings", int(severity.get("warning", 0)), "worth checking; the figures are built regardless"),
        ("Notes", int(severity.get("info", 0)), "for information (e.g. totals rows skipped, sheets not used)"),
        ("Figures to check", failed_count(data.expectations),
         f"of {len(data.expectations)} checks on the figures (ranges, consistency, change on last quarter)"),
        ("Sources missing", missing, "expected tables no file supplied: their measures show No data"),
        ("Files not used", len(unused), ", ".join(unused) if unused else "every file read was used"),
        ("Files read", len(data.sources), "listed with their SHA-256 on the Sources sheet"),
    )
    first = row
    for name, n, note in lines:
        sheet.write_string(row, 0, name, st.label)
        sheet.write_number(row, 1, n, st.count_left)
        _put_text(sheet, row, 2, note, st.italic)
        row += 1
    sheet.conditional_format(first, 1, first, 1, {"type": "cell", "criteria": ">", "value": 0, "format": st.attention})
    sheet.conditional_format(first + 3, 1, first + 5, 1, {"type": "cell", "criteria": ">", "value": 0, "format": st.flag})
    sheet.write_string(row, 0, "Every problem is listed, with its file, sheet and cell, on the Data quality sheet.", st.italic)
    return row + 2


def _summary_workplan(sheet: Worksheet, st: Styles, data: ScorecardData, row: int) -> int:
    """The work plan in two lines: actions by computed BRAG, and ratings that need a look."""
    sheet.write_string(row, 0, "Work plan", st.subtitle)
    row += 1
    actions = data.actions
    if actions is None or actions.empty:
        sheet.write_string(row, 0, "No work plan action log was supplied this quarter.", st.plain)
        return row + 2
    rated = actions["brag"].value_counts()
    words = ", ".join(f"{int(rated.get(w, 0))} {w}" for w in RATED)
    sheet.write_string(row, 0, "Actions", st.label)
    sheet.write_string(row, 1, f"{len(actions)} actions: {words}", st.plain)
    row += 1
    differ, remedial = int(actions["disagrees"].sum()), int(actions["needs_remedial"].sum())
    sheet.write_string(row, 0, "Ratings to check", st.label)
    sheet.write_string(row, 1, f"{differ} where the stated rating differs from the computed one; "
                               f"{remedial} Amber without a remedial action (see the Work plan sheet)", st.plain)
    return row + 2


# --------------------------------------------------------------------------- Scorecard

def _scorecard_sheet(book: Workbook, st: Styles, data: ScorecardData) -> None:
    """Every measure by objective: four quarters, target, trends, BRAG and commentary.

    The header stays on row 1 (readers and tests key the table by it); each objective gets a
    heading row; numbers for the sparklines and each quarter's rating sit in hidden columns.
    """
    sheet = book.add_worksheet("Scorecard")
    quarters = [label(q) for q in data.quarters]
    _set_widths(sheet, SC_WIDTHS)
    sheet.set_column(SC_VALUES, SC_BRAGS + 3, 12, None, {"hidden": True})
    if data.publish:  # no commentary or notes are published: their columns are left out of view
        sheet.set_column(SC_COMMENT, SC_NOTES, SC_WIDTHS[SC_COMMENT], None, {"hidden": True})
    headers = ["Ref", "Measure", *quarters, "Target", "Short trend", "Long trend", "BRAG", "Commentary", "Notes",
               "Four quarters"]
    for col, title in enumerate(headers):
        sheet.write_string(0, col, title, st.head_centre if SC_Q1 <= col <= SC_BRAG or col == SC_SPARK else st.head)
    for i, q in enumerate(quarters):
        sheet.write_string(0, SC_VALUES + i, f"Value {q}", st.head)
        sheet.write_string(0, SC_BRAGS + i, f"Rating {q}", st.head)
    sheet.set_row(0, 30)

    row = 0
    spark_cells: list[str] = []
    spark_ranges: list[str] = []
    for objective, rows in data.scorecard.groupby("objective", sort=False):
        row += 1
        first = rows.iloc[0]
        _group_row(sheet, st, row, SC_SPARK, _objective_heading(str(objective), _text(first["objective_title"]),
                                                                _text(first["lead"])))
        for _, m in rows.iterrows():
            row += 1
            _put_text(sheet, row, SC_REF, m["ref"], st.ref)
            _put_text(sheet, row, SC_MEASURE, m["title"], st.wrap)
            for i in range(1, 5):
                col = SC_Q1 + i - 1
                _put_text(sheet, row, col, m[f"q{i}_text"], st.figure_now if i == 4 else st.figure)
                note = _quarter_note(m, i)
                if note:
                    sheet.write_comment(row, col, note, {"author": "Scorecard", "x_scale": 2.2,
                                                         "y_scale": 1 + note.count("\n") * 0.4})
                _put_number(sheet, row, SC_VALUES + i - 1, m[f"q{i}_value"])
                _put_text(sheet, row, SC_BRAGS + i - 1, m[f"q{i}_brag"])
            _put_text(sheet, row, SC_TARGET, m["target"], st.centre)
            _put_text(sheet, row, SC_SHORT, _trend(_text(m["trend_short"]), _text(m["polarity"])), st.centre)
            _put_text(sheet, row, SC_LONG, _trend(_text(m["trend_long"]), _text(m["polarity"])), st.centre)
            _put_text(sheet, row, SC_BRAG, m["brag"], st.rating)
            comment, author = _text(m["comment"]), _text(m["comment_author"])
            if comment:
                comment += f"\n({author})" if author else ""
            elif bool(m["needs_commentary"]):
                comment = COMMENTARY_NEEDED
            _put_text(sheet, row, SC_COMMENT, comment, st.wrap)
            _put_text(sheet, row, SC_NOTES, m["notes"], st.wrap)
            _fit(sheet, row, [(m["title"], SC_WIDTHS[SC_MEASURE]), (comment, SC_WIDTHS[SC_COMMENT]),
                              (m["notes"], SC_WIDTHS[SC_NOTES]), (m["target"], SC_WIDTHS[SC_TARGET]),
                              *((m[f"q{i}_text"], SC_WIDTHS[SC_Q1] * (0.85 if i == 4 else 1)) for i in range(1, 5))],
                 minimum=2)
            sheet.write_blank(row, SC_SPARK, None, st.wrap)
            spark_cells.append(xl_rowcol_to_cell(row, SC_SPARK))
            spark_ranges.append(f"'Scorecard'!{xl_rowcol_to_cell(row, SC_VALUES)}:{xl_rowcol_to_cell(row, SC_VALUES + 3)}")
    last = row

    if last >= 1:
        _brag_rules(sheet, st, 1, SC_BRAG, last, SC_BRAG)
        # Each quarter cell lightly in its own rating, read from the hidden rating columns.
        rating_cell = xl_rowcol_to_cell(1, SC_BRAGS, row_abs=False, col_abs=False)
        for word, fmt in st.light.items():
            sheet.conditional_format(1, SC_Q1, last, SC_Q1 + 3, {"type": "formula", "criteria": f'={rating_cell}="{word}"',
                                                                 "format": fmt})
        for col in (SC_SHORT, SC_LONG):
            sheet.conditional_format(1, col, last, col, {"type": "text", "criteria": "containing", "value": "Better",
                                                         "format": st.better})
            sheet.conditional_format(1, col, last, col, {"type": "text", "criteria": "containing", "value": "Worse",
                                                         "format": st.worse})
        sheet.conditional_format(1, SC_COMMENT, last, SC_COMMENT, {"type": "cell", "criteria": "==",
                                                                   "value": f'"{COMMENTARY_NEEDED}"', "format": st.attention})
        first_spark = spark_cells[0]
        # A plain line, no markers: LibreOffice draws a sparkline's markers (out of place) but not its
        # line, so markers would print as stray dots; without them the column is simply blank there.
        sheet.add_sparkline(first_spark, {"location": spark_cells, "range": spark_ranges, "type": "line",
                             "series_color": NAVY, "weight": 1.5, "empty_cells": "gaps", "show_hidden": True})
        sheet.autofilter(0, 0, last, SC_SPARK)

    # The key, coloured by the same kind of rule as the BRAG column.
    row = last + 2
    sheet.write_string(row, SC_MEASURE, "Key", st.subtitle)
    key_first = row + 1
    meanings = (
        ("Blue", "At or beyond the stretch target."),
        ("Green", "Target met; or better than the previous quarter where there is no target."),
        ("Amber", "Target missed by no more than the tolerance; or the same / slightly worse than last quarter."),
        ("Red", "Target missed by more than the tolerance; or worse than last quarter by more than the tolerance. "
                "Red measures need commentary."),
        *STATUS_MEANINGS,
        (STAND_IN, "From a stand-in source (its cell comment names it): e.g. Ofsted Annex A where the Early Help "
                   "return does not cover the quarter."),
        *((("c", SUPPRESSED_MEANING),) if data.publish else ()),
    )
    for word, meaning in meanings:
        row += 1
        sheet.write_string(row, SC_MEASURE, word, st.rating)
        _merged(sheet, row, SC_Q1, SC_NOTES, meaning, st.plain)
    _brag_rules(sheet, st, key_first, SC_MEASURE, row, SC_MEASURE)
    row += 1
    sheet.write_string(row, SC_MEASURE, "Cell comments", st.label)
    _merged(sheet, row, SC_Q1, SC_NOTES, "A quarter's figure carries a comment when it was restated, came from stored "
                                         "history, has no data (with the reason) or has a breakdown. Full definitions "
                                         "and rules: the Definitions sheet.", st.plain)
    sheet.freeze_panes(1, 2)
    sheet.print_area(0, 0, row, SC_SPARK)
    _print_setup(sheet, data)


# --------------------------------------------------------------------------- Work plan

WP_COLUMNS = (("Ref", 6), ("Action", 38), ("Accountable lead", 18), ("Date commenced", 10.5), ("Target date", 10.5),
              ("Date achieved", 10.5), ("Evidence / KPIs", 30), ("Remedial action", 28), ("Stated BRAG", 9),
              ("Computed BRAG", 9), ("Reason", 20), ("Check", 22))
WP_WIDTHS = [w for _, w in WP_COLUMNS]


def _action_check(action) -> str:
    """What a reader should look at: a stated rating that differs, an Amber with no remedy."""
    parts = []
    if bool(action.disagrees):
        parts.append(f"Stated {_text(action.stated_brag)} but computed {_text(action.brag)}")
    if bool(action.needs_remedial):
        parts.append("Remedial action expected")
    return "; ".join(parts)


def _workplan_sheet(book: Workbook, st: Styles, data: ScorecardData) -> None:
    """Every action by objective, with its stated and computed rating side by side."""
    sheet = book.add_worksheet("Work plan")
    actions = data.actions
    if actions is None or actions.empty:
        sheet.set_column(0, 0, 110)
        sheet.write_string(0, 0, "Work plan", st.subtitle)
        lines = ("No work plan action log was supplied with this quarter's returns, so no actions are shown or rated.",
                 "The chair's action log (one row per action: objective, action, lead, dates, evidence, remedial "
                 "action, BRAG) is recognised in any file by its headings; see the README's input contract.")
        for row, text in enumerate(lines, start=1):
            sheet.write_string(row, 0, text, st.para)
            _fit(sheet, row, ((text, 110),))
        _print_setup(sheet, data, repeat=False)
        return
    _set_widths(sheet, WP_WIDTHS)
    for col, (title, _) in enumerate(WP_COLUMNS):
        sheet.write_string(0, col, title, st.head)
    sheet.set_row(0, 30)
    last_col = len(WP_COLUMNS) - 1
    titles = _objectives(data)
    ordered = actions.assign(_objective=actions["objective"].astype("Int64")).sort_values("_objective", kind="stable")
    row = 0
    for objective, rows in ordered.groupby("_objective", sort=False, dropna=False):
        row += 1
        key = _text(objective) or "?"
        title, lead = titles.get(key, ("", ""))
        _group_row(sheet, st, row, last_col, _objective_heading(key, title, lead))
        for action in rows.itertuples(index=False):
            row += 1
            _put_text(sheet, row, 0, action.action_ref, st.ref)
            _put_text(sheet, row, 1, action.action, st.wrap)
            _put_text(sheet, row, 2, action.lead, st.wrap)
            _put_date(sheet, row, 3, action.date_commenced, st.date)
            _put_date(sheet, row, 4, action.target_date, st.date)
            _put_date(sheet, row, 5, action.date_achieved, st.date)
            _put_text(sheet, row, 6, action.evidence, st.wrap)
            _put_text(sheet, row, 7, action.remedial_action, st.wrap)
            _put_text(sheet, row, 8, action.stated_brag, st.rating)
            _put_text(sheet, row, 9, action.brag, st.rating)
            _put_text(sheet, row, 10, action.brag_reason, st.wrap)
            check = _action_check(action)
            _put_text(sheet, row, 11, check, st.wrap)
            _fit(sheet, row, ((action.action, WP_WIDTHS[1]), (action.lead, WP_WIDTHS[2]),
                              (action.evidence, WP_WIDTHS[6]), (action.remedial_action, WP_WIDTHS[7]),
                              (action.brag_reason, WP_WIDTHS[10]), (check, WP_WIDTHS[11])))
    last = row
    _brag_rules(sheet, st, 1, 8, last, 9)
    sheet.conditional_format(1, 11, last, 11, {"type": "no_blanks", "format": st.flag})
    row = last + 2
    sheet.write_string(row, 1, "Key to BRAG rating progress of actions", st.subtitle)
    key_first = row + 1
    for word, meaning in ACTION_KEY:
        row += 1
        sheet.write_string(row, 1, word.upper(), st.rating)
        _merged(sheet, row, 2, 7, meaning, st.plain)
    for word in RATED:  # the key's words are upper case, as in the seed
        sheet.conditional_format(key_first, 1, row, 1, {"type": "cell", "criteria": "==", "value": f'"{word.upper()}"',
                                                        "format": st.brag[word]})
    row += 1
    _merged(sheet, row, 1, last_col, "Computed BRAG is worked out as at the end of the reporting quarter; Check flags a "
                                     "stated rating that differs from it, and an Amber action without a remedial "
                                     "action.", st.italic)
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, last, last_col)
    sheet.print_area(0, 0, row, last_col)
    _print_setup(sheet, data)


# --------------------------------------------------------------------------- Supporting information

SI_WIDTHS = (24, 16, 16, 16, 2, 10.7, 10.7, 10.7, 10.7, 10.7, 10.7, 10.7)
SI_LAST = len(SI_WIDTHS) - 1
SI_TEXT_WIDTH = sum(SI_WIDTHS[1:])  # a description merged from column B to the end


def _appendix_rows(data: ScorecardData, ref: str) -> list[dict[str, object]]:
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
                    "reason": _text(record.get("reason"))})
    return out


def _short_title(title: str) -> str:
    """A chart title from the catalogue's wording: 'Missing children: number of ...' -> 'Missing children'."""
    return title if len(title) <= 60 else title.split(":")[0].split("(")[0].strip()


def _appendix_chart(book: Workbook, ref: str, title: str, spec: dict, header_row: int, first: int, last: int):
    """The measure's native chart, drawn from its own small table (blank cells are gaps, not zeros)."""
    sheet_name = "Supporting information"
    kind = spec["chart"]
    chart = book.add_chart({"type": kind})
    plotted = [(i, spec["columns"][i]) for i in spec["plot"]]
    percent = any(unit == "percent" for _, (_, _, unit) in plotted)
    for n, (i, (_, name, unit)) in enumerate(plotted):
        series = {
            "name": [sheet_name, header_row, 1 + i],
            "categories": [sheet_name, first, 0, last, 0],
            "values": [sheet_name, first, 1 + i, last, 1 + i],
            "data_labels": {"value": True, "num_format": '0.0"%"' if unit == "percent" else "#,##0"},
        }
        colour = SERIES_COLOURS[n % len(SERIES_COLOURS)]
        if kind == "line":
            series |= {"line": {"color": colour, "width": 2.25},
                       "marker": {"type": "circle", "size": 6, "fill": {"color": colour}, "border": {"color": colour}}}
        else:
            series |= {"fill": {"color": colour}, "gap": 80}
        chart.add_series(series)
    chart.set_title({"name": f"{ref}: {_short_title(title)}", "name_font": {"size": 10}})
    chart.set_legend({"position": "bottom"} if len(plotted) > 1 else {"none": True})
    chart.set_y_axis({"min": 0, "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}},
                      "num_format": '0"%"' if percent else "#,##0"})
    chart.show_blanks_as("gap")
    chart.set_size({"width": 540, "height": 230})
    return chart


def _supporting_sheet(book: Workbook, st: Styles, data: ScorecardData) -> None:
    """The seed's Appendix 3: A1-A4 as small tables with charts, the QA activity map, and feedback."""
    sheet = book.add_worksheet("Supporting information")
    _set_widths(sheet, SI_WIDTHS)
    titles = {r: _text(t) for r, t in zip(data.scorecard["ref"], data.scorecard["title"])} if not data.scorecard.empty else {}
    row = 0
    sheet.write_string(row, 0, "Appendix 3: Supporting information", st.title)
    sheet.set_row(row, 24)
    row += 2
    breaks = []
    for n, (ref, spec) in enumerate(APPENDIX.items(), start=1):
        if n == 3:
            breaks.append(row)
        title = titles.get(ref, ref)
        top = row
        sheet.write_string(row, 0, f"{ref}. {title}", st.subtitle)
        row += 1
        header = row
        sheet.write_string(row, 0, "Quarter", st.head)
        for i, (_, name, _) in enumerate(spec["columns"]):
            sheet.write_string(row, 1 + i, name, st.head_centre)
        _fit(sheet, row, ((name, SI_WIDTHS[1] * 0.9) for _, name, _ in spec["columns"]))
        figures = _appendix_rows(data, ref)
        for record in figures:
            row += 1
            sheet.write_string(row, 0, record["quarter"], st.ref)
            for i, (field, _, unit) in enumerate(spec["columns"]):
                # A quarter without data stays blank (explained under the table): text would chart as zero.
                _put_number(sheet, row, 1 + i, record[field], st.percent if unit == "percent" else st.count)
        first, last = header + 1, row
        for record in figures:
            if not record["ok"]:
                row += 1
                reason = record["reason"] if record["reason"].lower() not in ("", "no data") else ""
                _put_text(sheet, row, 0, f"{record['quarter']}: no data" + (f" ({reason})." if reason else "."), st.italic)
        chart = _appendix_chart(book, ref, title, spec, header, first, last)
        sheet.insert_chart(top + 1, 5, chart, {"x_offset": 6, "y_offset": 2, "object_position": 2})
        row = max(row, top + 13) + 2

    # A5: the quality-assurance activity map, as the officers keep it in qa_activity_map.yaml.
    breaks.append(row)
    qa = data.qa_map
    sheet.write_string(row, 0, "5. Quality assurance", st.subtitle)
    row += 1
    _paragraph(sheet, row, 0, SI_LAST, qa.introduction, st.para, sum(SI_WIDTHS))
    row += 2
    _merged(sheet, row, 0, SI_LAST, qa.title.upper(), st.group)
    sheet.set_row(row, 20)
    for section in qa.sections:
        row += 1
        _merged(sheet, row, 0, SI_LAST, section.heading, st.section)
        for item in section.items:
            row += 1
            _put_text(sheet, row, 0, item.name, st.name)
            _merged(sheet, row, 1, SI_LAST, item.description, st.wrap)
            _fit(sheet, row, ((item.name, SI_WIDTHS[0]), (item.description, SI_TEXT_WIDTH)))
    row += 2
    _paragraph(sheet, row, 0, SI_LAST, qa.closing, st.para, sum(SI_WIDTHS))
    row += 2

    # A6: feedback from children and families (names already replaced by X, XX, Y).
    sheet.write_string(row, 0, f"6. Feedback from children and their families working with Evolve, "
                               f"{label(data.reporting)}", st.subtitle)
    row += 1
    feedback = data.feedback
    if feedback is None or feedback.empty:
        sheet.write_string(row, 0, "No feedback that may be shared was received this quarter.", st.plain)
    else:
        for col, title in enumerate(("Date", "Respondent", "Rating")):
            sheet.write_string(row, col, title, st.head)
        _merged(sheet, row, 3, SI_LAST, "What they said (names replaced: worker X, child XX, family Y)", st.head)
        quote_width = sum(SI_WIDTHS[3:])
        for record in feedback.itertuples(index=False):
            row += 1
            _put_date(sheet, row, 0, record.date, st.date)
            _put_text(sheet, row, 1, record.respondent, st.wrap)
            _put_text(sheet, row, 2, record.rating, st.wrap)
            quote = _text(record.quote)
            _merged(sheet, row, 3, SI_LAST, quote, st.wrap)
            _fit(sheet, row, ((quote, quote_width), (record.respondent, SI_WIDTHS[1]), (record.rating, SI_WIDTHS[2])))
    sheet.set_h_pagebreaks(breaks)
    sheet.print_area(0, 0, row, SI_LAST)
    _print_setup(sheet, data, repeat=False)


# --------------------------------------------------------------------------- Data quality

# The error report's columns (pipeline.workbook.error_report), a little narrower so a page stays readable.
DQ_WIDTHS = (9, 30, 18, 8, 20, 18, 34, 70)
# Every check result, below it (pipeline.stages.quality's columns with their headings), one per sheet
# column and no merged cells, so the officer can select the table and sort it.
EXPECTATION_COLUMNS = (("result", "Result"), ("expectation", "Expectation"), ("quarter", "Quarter"),
                       ("measure", "Measure"), ("severity", "Severity"), ("observed", "Observed"),
                       ("details", "Details"))


def _data_quality_sheet(book: Workbook, st: Styles, data: ScorecardData) -> None:
    """Every problem record, sortable; then the expectations on the measures, when there are any.

    A bad run may have tens of thousands of problems, so rows go out in a plain loop of
    write_string calls with the column formats set once.
    """
    sheet = book.add_worksheet("Data quality")
    widths = DQ_WIDTHS
    for col, (_, title, _) in enumerate(REPORT_COLUMNS):
        sheet.set_column(col, col, widths[col], st.para)
        sheet.write_string(0, col, title, st.head)
    keys = [key for key, _, _ in REPORT_COLUMNS]
    problems = data.problems.reindex(columns=keys).fillna("").astype(str) if not data.problems.empty else None
    row = 0
    if problems is None:
        row = 1
        sheet.write_string(row, 0, "No problems were found in the inputs.", st.plain)
    else:
        for record in problems.itertuples(index=False, name=None):
            row += 1
            for col, value in enumerate(record):
                if value:
                    sheet.write_string(row, col, value)
            _fit(sheet, row, zip(record, widths))
        sheet.conditional_format(1, 0, row, 0, {"type": "cell", "criteria": "==", "value": '"error"', "format": st.attention})
        sheet.conditional_format(1, 0, row, 0, {"type": "cell", "criteria": "==", "value": '"warning"', "format": st.flag})
    sheet.autofilter(0, 0, max(row, 1), len(REPORT_COLUMNS) - 1)
    sheet.freeze_panes(1, 0)
    last_col = len(REPORT_COLUMNS) - 1

    expectations = data.expectations
    printed = max(row, 1)
    if expectations is not None and not expectations.empty:
        row = _expectations_summary(sheet, st, expectations, row + 2)
        printed = row
        row = _expectations_detail(sheet, st, expectations, row + 2, data.qa_record)
    sheet.print_area(0, 0, printed, last_col)
    _print_setup(sheet, data)


def _expectations_summary(sheet: Worksheet, st: Styles, expectations: pd.DataFrame, row: int) -> int:
    """One line per check of the suite: how many figures it looked at and which failed. Printed."""
    sheet.write_string(row, 0, "Checks on the figures", st.subtitle)
    row += 1
    heads = (("Result", 0, 0), ("Check", 1, 1), ("Figures checked", 2, 2), ("Failed", 3, 3),
             ("Figures that failed: measure, quarter, figure", 4, 6), ("What to do", 7, 7))
    for title, first, last in heads:
        _merged(sheet, row, first, last, title, st.head)
    first_row = row + 1
    for name, checks in expectations.groupby("expectation", sort=False):
        row += 1
        failed = checks[checks["result"].eq("failed")]
        listed = "; ".join(f"{r.measure} {r.quarter}: {r.observed}" for r in failed.itertuples())
        what = _text(failed["details"].iloc[0]) if len(failed) else ""
        _put_text(sheet, row, 0, "failed" if len(failed) else "passed", st.wrap)
        _put_text(sheet, row, 1, name, st.wrap)
        _put_number(sheet, row, 2, len(checks), st.count)
        _put_number(sheet, row, 3, len(failed), st.count)
        _merged(sheet, row, 4, 6, listed, st.wrap)
        _put_text(sheet, row, 7, what, st.wrap)
        _fit(sheet, row, ((name, DQ_WIDTHS[1]), (listed, sum(DQ_WIDTHS[4:7])), (what, DQ_WIDTHS[7])))
    for word, fmt in (("failed", st.attention), ("passed", st.good)):
        sheet.conditional_format(first_row, 0, row, 0, {"type": "cell", "criteria": "==", "value": f'"{word}"',
                                                        "format": fmt})
    return row


def _expectations_detail(sheet: Worksheet, st: Styles, expectations: pd.DataFrame, row: int,
                         qa_record: Path | None) -> int:
    """Every check result, one per measure and quarter, below the printed area: on screen and
    sortable (no merged cells), but hundreds of lines are not worth paper."""
    sheet.write_string(row, 0, "Expectations on the measures", st.subtitle)
    row += 1
    where = (f" great-expectations' Data Docs for this run are in the outputs folder: {qa_record.as_posix()}."
             if qa_record else "")
    sheet.write_string(row, 0, f"Every result, one per measure and quarter ({len(expectations):,}); "
                               f"not printed.{where}", st.italic)
    row += 1
    for col, (_, title) in enumerate(EXPECTATION_COLUMNS):
        sheet.write_string(row, col, title, st.head)
    first_result = row + 1
    table = expectations.reindex(columns=[key for key, _ in EXPECTATION_COLUMNS])
    for record in table.itertuples(index=False, name=None):
        row += 1
        for col, value in enumerate(record):
            _put_text(sheet, row, col, value, st.wrap)
        _fit(sheet, row, zip(record, DQ_WIDTHS))
    sheet.conditional_format(first_result, 0, row, 0, {"type": "cell", "criteria": "==", "value": '"failed"',
                                                       "format": st.attention})
    sheet.conditional_format(first_result, 0, row, 0, {"type": "cell", "criteria": "==", "value": '"passed"',
                                                       "format": st.good})
    sheet.conditional_format(first_result, 4, row, 4, {"type": "cell", "criteria": "==", "value": '"warning"',
                                                       "format": st.flag})
    return row


# --------------------------------------------------------------------------- Sources

SOURCE_COLUMNS = (("file", "File", 32), ("recognised_as", "Recognised as", 38), ("sheets", "Sheets", 26),
                  ("period", "Period covered", 24), ("rows_used", "Rows used", 9), ("rows_rejected", "Rows rejected", 9),
                  ("rows_not_counted", "Rows not counted (in another file, or outside the period)", 13),
                  ("sha256", "SHA-256", 46), ("modified", "Modified", 16), ("size", "Size (bytes)", 11))


def _sources_sheet(book: Workbook, st: Styles, data: ScorecardData) -> None:
    """Every input file read, with its hash, so a circulated workbook can be traced to its files."""
    sheet = book.add_worksheet("Sources")
    for col, (_, title, width) in enumerate(SOURCE_COLUMNS):
        sheet.set_column(col, col, width)
        sheet.write_string(0, col, title, st.head)
    sheet.set_row(0, 45)
    sources = data.sources
    row = 0
    widths = {key: width for key, _, width in SOURCE_COLUMNS}
    if sources is None or sources.empty:
        row = 1
        sheet.write_string(row, 0, "No input files were read.", st.plain)
    else:
        for record in sources.itertuples(index=False):
            row += 1
            for col, (key, _, _) in enumerate(SOURCE_COLUMNS):
                value = getattr(record, key)
                if key in ("rows_used", "rows_rejected", "rows_not_counted", "size"):
                    _put_number(sheet, row, col, value, st.count)
                elif key == "modified":
                    _put_date(sheet, row, col, value, st.datetime)
                else:
                    _put_text(sheet, row, col, value, st.small if key == "sha256" else st.wrap)
            _fit(sheet, row, [(getattr(record, key), widths[key] * (1.3 if key == "sha256" else 1))
                              for key in ("file", "recognised_as", "sheets", "period", "sha256")])
        sheet.conditional_format(1, 1, row, 1, {"type": "cell", "criteria": "==", "value": '"Not used"', "format": st.flag})
        sheet.conditional_format(1, 1, row, 1, {"type": "text", "criteria": "begins with", "value": "Not read",
                                                "format": st.flag})
        rejected = [key for key, _, _ in SOURCE_COLUMNS].index("rows_rejected")
        sheet.conditional_format(1, rejected, row, rejected, {"type": "cell", "criteria": ">", "value": 0,
                                                              "format": st.attention})
    sheet.autofilter(0, 0, max(row, 1), len(SOURCE_COLUMNS) - 1)
    sheet.freeze_panes(1, 1)
    sheet.print_area(0, 0, max(row, 1), len(SOURCE_COLUMNS) - 1)
    _print_setup(sheet, data)


# --------------------------------------------------------------------------- Definitions

DEF_COLUMNS = (("Ref", 6), ("Measure", 30), ("Definition", 50), ("Source", 16), ("Unit", 10), ("Polarity", 14),
               ("Target", 14), ("Tolerance", 10), ("BRAG rule", 42), ("Being developed", 10))
DEF_WIDTHS = [w for _, w in DEF_COLUMNS]


def _tolerances(data: ScorecardData) -> dict[str, float]:
    """Each measure's tolerance (carried on the figures; the scorecard has it only in the rule's words)."""
    figures = data.figures
    if figures is None or figures.empty or "tolerance" not in figures:
        return {}
    first = figures.dropna(subset=["tolerance"]).drop_duplicates("ref")
    return dict(zip(first["ref"], first["tolerance"]))


def _tolerance_text(value: float | None, unit: str, polarity: str) -> str:
    if value is None or polarity == "none":
        return ""
    suffix = {"percent": " points", "days": " days"}.get(unit, "")
    return f"{value:g}{suffix}"


def _definitions_sheet(book: Workbook, st: Styles, data: ScorecardData) -> None:
    """What each measure counts and how it is rated, with the seed's BRAG key: the reader's reference."""
    sheet = book.add_worksheet("Definitions")
    _set_widths(sheet, DEF_WIDTHS)
    for col, (title, _) in enumerate(DEF_COLUMNS):
        sheet.write_string(0, col, title, st.head)
    sheet.set_row(0, 30)
    last_col = len(DEF_COLUMNS) - 1
    tolerances = _tolerances(data)
    row = 0
    for objective, rows in data.scorecard.groupby("objective", sort=False):
        row += 1
        first = rows.iloc[0]
        _group_row(sheet, st, row, last_col, _objective_heading(str(objective), _text(first["objective_title"]),
                                                                _text(first["lead"])))
        for m in rows.itertuples(index=False):
            row += 1
            unit, polarity = _text(m.unit), _text(m.polarity)
            _put_text(sheet, row, 0, m.ref, st.ref)
            _put_text(sheet, row, 1, m.title, st.wrap)
            definition = _text(m.description) + (f"\nChoice: {m.choices}" if _text(m.choices) else "")
            _put_text(sheet, row, 2, definition, st.wrap)
            _put_text(sheet, row, 3, m.source, st.wrap)
            _put_text(sheet, row, 4, UNIT_WORDS.get(unit, unit), st.wrap)
            _put_text(sheet, row, 5, POLARITY_WORDS.get(polarity, polarity), st.wrap)
            _put_text(sheet, row, 6, m.target, st.wrap)
            _put_text(sheet, row, 7, _tolerance_text(_number(tolerances.get(m.ref)), unit, polarity), st.wrap)
            _put_text(sheet, row, 8, m.rule, st.wrap)
            _put_text(sheet, row, 9, "Yes" if bool(m.developing) else "No", st.centre)
            _fit(sheet, row, ((m.title, DEF_WIDTHS[1]), (definition, DEF_WIDTHS[2]), (m.source, DEF_WIDTHS[3]),
                              (m.target, DEF_WIDTHS[6]), (m.rule, DEF_WIDTHS[8]),
                              (POLARITY_WORDS.get(polarity, ""), DEF_WIDTHS[5])))
    last_measure = row

    text_width = sum(DEF_WIDTHS[2:])
    row += 2
    sheet.write_string(row, 1, "Key to BRAG rating progress of actions (work plan)", st.subtitle)
    key_first = row + 1
    for word, meaning in ACTION_KEY:
        row += 1
        sheet.write_string(row, 1, word.upper(), st.rating)
        _merged(sheet, row, 2, last_col, meaning, st.plain)
    for word in RATED:
        sheet.conditional_format(key_first, 1, row, 1, {"type": "cell", "criteria": "==", "value": f'"{word.upper()}"',
                                                        "format": st.brag[word]})
    row += 2
    sheet.write_string(row, 1, "How measures are rated", st.subtitle)
    for text in RATING_RULES:
        row += 1
        _paragraph(sheet, row, 1, last_col, text, st.para, sum(DEF_WIDTHS[1:]))
    row += 2
    sheet.write_string(row, 1, "What the other ratings mean", st.subtitle)
    other_first = row + 1
    for word, meaning in STATUS_MEANINGS:
        row += 1
        sheet.write_string(row, 1, word, st.rating)
        _paragraph(sheet, row, 2, last_col, meaning, st.para, text_width)
    if data.publish:
        row += 1
        sheet.write_string(row, 1, "c", st.rating)
        _paragraph(sheet, row, 2, last_col, SUPPRESSED_MEANING, st.para, text_width)
    _brag_rules(sheet, st, other_first, 1, row, 1)
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, max(last_measure, 1), last_col)
    sheet.print_area(0, 0, row, last_col)
    _print_setup(sheet, data)


# --------------------------------------------------------------------------- the workbook

def _write(data: ScorecardData, path: Path) -> None:
    """All seven sheets, in reading order, with the document's properties."""
    book = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    quarter = label(data.reporting)
    book.set_properties({
        "title": f"{data.settings.partnership} scorecard",
        "subject": quarter,
        "author": data.settings.author,
        "company": data.settings.partnership,
        "category": _marking(data),
        "keywords": f"{_marking(data)}, scorecard, {quarter}",
        "comments": "DEMONSTRATION DATA: fictional, not for circulation" if data.demo
        else f"Quarterly scorecard for {quarter}{' (publishable copy)' if data.publish else ''}; {_marking(data)}",
        "created": data.produced,
    })
    st = Styles(book)
    sheets = ((_summary_sheet, _scorecard_sheet, _definitions_sheet) if data.publish else
              (_summary_sheet, _scorecard_sheet, _workplan_sheet, _supporting_sheet, _data_quality_sheet,
               _sources_sheet, _definitions_sheet))
    for write_sheet in sheets:
        write_sheet(book, st, data)
    book.close()

