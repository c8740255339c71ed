"""The Summary sheet: what a board member reads first, printed one page wide at the size of its
text (no smaller), each section on one page where it fits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
from xlsxwriter.chart import Chart
from xlsxwriter.utility import xl_range
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline.quarters import first_day, label, last_day
from pipeline.stages.commentary import asked
from pipeline.stages.messages import NO_LEAD
from pipeline.stages.quality import failed_count
from pipeline.vocabulary import RATED, Assurance, Rating, Variation
from pipeline.workbook.layout import (
    PagedSheet,
    fit_row,
    keep_sections,
    marking,
    merged,
    paragraph,
    print_setup,
    put_text,
    set_widths,
    text,
    title_block,
)
from pipeline.workbook.scorecard import figure_cells
from pipeline.workbook.styles import (
    GRIDLINES,
    RATING_CHART,
    RATING_CHART_EDGE,
    Styles,
    brag_rules,
    spc_rules,
)
from pipeline.workbook.words import APPENDIX, COMMENTARY_NEEDED

if TYPE_CHECKING:
    from pipeline.model import ScorecardData

WIDTHS = (20, 36, *(12,) * len(Rating), 8)  # objective, title, one column per rating, total
LAST = len(WIDTHS) - 1
VARIATIONS = (Variation.IMPROVEMENT, Variation.CONCERN, Variation.COMMON, Variation.HIGH, Variation.LOW,
              Variation.TOO_FEW)
KINDS = (("Rated", "Higher or lower is better", ("higher", "lower")),
         ("Monitored", "No polarity: shown, not rated", ("none",)))
PUBLISH_NOTE = ("This is the publishable copy: counts from 1 to 4, and figures that would reveal them, are shown "
                "as c; commentary, notes and all text from the agencies' returns are left out.")
CHART_ROWS = 15  # the rows the BRAG chart covers: nothing is written under it
CHART_FONT = 11  # the chart's words (its title a point larger): as large as the cells', as the sheet prints
FIGURE, LEAD = 2, 7  # the list of measures needing attention: figure and counts, rating, variation, lead, commentary


def write_summary(book: Workbook, st: Styles, data: ScorecardData) -> None:
    """Where the scorecard stands and what needs attention, section by section, a section never
    split across pages unless it is longer than a page."""
    sheet = book.add_worksheet("Summary", worksheet_class=PagedSheet)
    sheet.hide_gridlines(2)
    set_widths(sheet, WIDTHS)
    row = _heading(sheet, st, data)
    starts = [0, row]  # the first row of each section
    row = _messages(sheet, st, data, row)
    starts.append(row)
    row = _counts(book, sheet, st, data, row, starts)
    later = (_variation, _attention, _incomplete) + (() if data.publish else (_commentary_round, _quality, _workplan))
    for section in later:
        starts.append(row)
        row = section(sheet, st, data, row)
    if data.publish:
        starts.append(row)
        paragraph(sheet, row, 0, LAST, PUBLISH_NOTE, st.para, sum(WIDTHS))
        row += 2
    put_text(sheet, row, 0, marking(data), st.marking)
    sheet.print_area(0, 0, row, LAST)
    print_setup(sheet, data, repeat=False)
    keep_sections(sheet, starts, row + 1, WIDTHS)


def _heading(sheet: Worksheet, st: Styles, data: ScorecardData) -> int:
    """Title, the demo banner, the marking, the quarter and when it was produced; the next free row."""
    settings, quarter = data.settings, label(data.reporting)
    title = f"{settings.partnership}: quarterly scorecard" + (" (publishable copy)" if data.publish else "")
    row = title_block(sheet, st, data, title, LAST)
    start, end = first_day(data.reporting), last_day(data.reporting)
    facts = (("Partnership", settings.partnership),
             ("Reporting quarter", f"{quarter} ({start.day} {start:%B %Y} to {end.day} {end:%B %Y})"),
             ("Quarters shown", ", ".join(label(q) for q in data.quarters)))
    for name, value in facts:
        sheet.write_string(row, 0, name, st.label)
        put_text(sheet, row, 1, value, st.plain)
        row += 1
    sheet.write_string(row, 0, "Produced", st.label)
    sheet.write_datetime(row, 1, data.produced, st.when)
    row += 1
    sheet.write_string(row, 0, "Protective marking", st.label)
    put_text(sheet, row, 1, marking(data), st.plain)
    return row + 2


def _this_quarter(data: ScorecardData) -> pd.DataFrame:
    """The scorecard's rows for the reporting quarter: one per measure, with its rating then."""
    return data.scorecard[data.scorecard["quarter"].eq(data.reporting)]


def _brag_counts(card: pd.DataFrame) -> list[tuple[str, str, list[int]]]:
    """(label, title, counts per rating) for each objective, in catalogue order."""
    out = []
    for objective, rows in card.groupby("objective", sort=False):
        counts = rows["brag"].value_counts()
        name = APPENDIX if rows["appendix"].iloc[0] else f"Objective {objective}"
        out.append((name, text(rows["objective_title"].iloc[0]), [int(counts.get(s, 0)) for s in Rating]))
    return out


def _counts(book: Workbook, sheet: Worksheet, st: Styles, data: ScorecardData, row: int, starts: list[int]) -> int:
    """BRAG counts per objective, and a stacked column chart drawn from that same table (its row added
    to the sections' `starts`: it may begin the next page)."""
    sheet.write_string(row, 0, "Measures by rating, this quarter", st.subtitle)
    row += 1
    head = row
    for col, title in enumerate(("Objective", "Title", *Rating, "Total")):
        sheet.write_string(row, col, title, st.head_centre if col > 1 else st.head)
    sheet.set_row(row, 30)
    brag_rules(sheet, st, row, 2, row, 1 + len(Rating))  # the headings are the BRAG words: coloured alike
    counts = _brag_counts(_this_quarter(data)) if not data.scorecard.empty else []
    for name, title, numbers in counts:
        row += 1
        sheet.write_string(row, 0, name, st.ref)
        put_text(sheet, row, 1, title, st.wrap)
        for col, n in enumerate([*numbers, sum(numbers)], start=2):
            sheet.write_number(row, col, n, st.count)
    first_data, last_data = head + 1, row
    row += 1
    sheet.write_string(row, 0, "All measures", st.label_bold)
    sheet.write_blank(row, 1, None, st.label_bold)
    totals = [sum(c[2][i] for c in counts) for i in range(len(Rating))]
    for col, n in enumerate([*totals, sum(totals)], start=2):
        sheet.write_number(row, col, n, st.count_bold)
    row += 2
    if not counts:
        return row
    starts.append(row)
    sheet.insert_chart(row, 0, _chart(book, data, head, first_data, last_data),
                       {"x_offset": 4, "y_offset": 4, "object_position": 2})
    return row + CHART_ROWS


def _chart(book: Workbook, data: ScorecardData, head: int, first: int, last: int) -> Chart:
    """Measures by rating and objective, stacked, each rating in a look of its own that survives
    greyscale print; no data labels (the table above gives every count)."""
    chart = book.add_chart({"type": "column", "subtype": "stacked"})
    for i, rating in enumerate(Rating):
        chart.add_series({
            "name": ["Summary", head, 2 + i],
            "categories": ["Summary", first, 0, last, 0],
            "values": ["Summary", first, 2 + i, last, 2 + i],
            **RATING_CHART[rating], "border": {"color": RATING_CHART_EDGE, "width": 0.5}, "gap": 60,
        })
    chart.set_title({"name": f"Measures by rating and objective, {label(data.reporting)}",
                     "name_font": {"size": CHART_FONT + 1}})
    font = {"size": CHART_FONT}
    chart.set_x_axis({"name": "Objective", "name_font": font, "num_font": font})
    chart.set_y_axis({"name": "Measures", "name_font": font, "num_font": font,
                      "major_gridlines": {"visible": True, "line": {"color": GRIDLINES}}})
    chart.set_legend({"position": "right", "font": font})
    chart.set_size({"width": 1000, "height": 280})
    return chart


def _variation(sheet: Worksheet, st: Styles, data: ScorecardData, row: int) -> int:
    """Measures by their variation and assurance this quarter (the Charts sheet's), rated and
    monitored apart: only a measure with no polarity can be Special cause (high) or (low)."""
    sheet.write_string(row, 0, "Measures by variation and assurance, this quarter", st.subtitle)
    row += 1
    sure = 2 + len(VARIATIONS)
    total = sure + len(Assurance)
    merged(sheet, row, 2, sure - 1, "Variation", st.head_centre)
    merged(sheet, row, sure, sure + len(Assurance) - 1, "Assurance (measures with a target)", st.head_centre)
    row += 1
    for col, title in enumerate(("Measures", "", *VARIATIONS, *Assurance, "Total")):
        sheet.write_string(row, col, title, st.head_centre if col > 1 else st.head)
    sheet.set_row(row, 30)
    spc_rules(sheet, st, row, 2, row, total - 1)
    card = _this_quarter(data)
    for name, meaning, polarities in KINDS:
        row += 1
        rows = card[card["polarity"].isin(polarities)]
        sheet.write_string(row, 0, name, st.ref)
        sheet.write_string(row, 1, meaning, st.wrap)
        said, assured = rows["variation"].value_counts(), rows["assurance"].value_counts()
        for col, word in enumerate(VARIATIONS, start=2):
            sheet.write_number(row, col, int(said.get(word, 0)), st.count)
        for col, word in enumerate(Assurance, start=sure):
            if "none" in polarities:  # no target without a polarity, so no assurance
                sheet.write_blank(row, col, None, st.count)
            else:
                sheet.write_number(row, col, int(assured.get(word, 0)), st.count)
        sheet.write_number(row, total, len(rows), st.count)
    return row + 2


def _incomplete(sheet: Worksheet, st: Styles, data: ScorecardData, row: int) -> int:
    """Every figure of the reporting quarter that its returns cover only in part, and what is missing."""
    card = _this_quarter(data)
    missing = card[card["brag"].eq(Rating.INCOMPLETE)]
    if missing.empty:
        return row
    sheet.write_string(row, 0, f"Incomplete figures this quarter ({len(missing)})", st.subtitle)
    row += 1
    sheet.write_string(row, 0, "Ref", st.head)
    sheet.write_string(row, 1, "Measure", st.head)
    merged(sheet, row, 2, LAST, "What is missing", st.head)
    for record in missing.itertuples(index=False):
        row += 1
        reason = text(record.reason)
        put_text(sheet, row, 0, record.ref, st.ref)
        put_text(sheet, row, 1, record.title, st.wrap)
        merged(sheet, row, 2, LAST, reason, st.wrap)
        fit_row(sheet, row, ((record.title, WIDTHS[1]), (reason, sum(WIDTHS[2:]))))
    return row + 2


def _messages(sheet: Worksheet, st: Styles, data: ScorecardData, row: int) -> int:
    """The key messages (pipeline.stages.messages), topic by topic, one paragraph a sentence."""
    before = label(data.reporting - 1)
    sheet.write_string(row, 0, f"Key messages: what changed since {before}", st.subtitle)
    row += 1
    messages, width = data.messages, sum(WIDTHS)
    if messages.empty:  # the publishable copy carries no restatements or work plan, so says nothing of them
        said = f"No rating changed since {before}, and no figure shows a new signal or is incomplete." + (
            "" if data.publish else " No figure was restated and no action of the work plan became overdue.")
        put_text(sheet, row, 0, said, st.plain)
        return row + 2
    for topic, said in messages.groupby("topic", sort=False):
        put_text(sheet, row, 0, f"{topic} ({len(said)})", st.label)
        row += 1
        for sentence in said["sentence"]:
            paragraph(sheet, row, 0, LAST, f"\u2022 {sentence}", st.para, width)
            row += 1
    return row + 1


def _attention(sheet: Worksheet, st: Styles, data: ScorecardData, row: int) -> int:
    """Each measure rated Red or showing special cause concern: its figure and the counts behind
    it as numbers, its rating and variation, its lead, and who commented or that commentary is needed."""
    card = _this_quarter(data)
    listed = card[card["brag"].eq(Rating.RED) | card["variation"].eq(Variation.CONCERN)]
    sheet.write_string(row, 0, f"Measures rated Red or with special cause concern this quarter ({len(listed)})",
                       st.subtitle)
    row += 1
    if listed.empty:
        sheet.write_string(row, 0, "No measure is rated Red or shows special cause concern this quarter.", st.plain)
        return row + 2
    lead_last = LAST if data.publish else LEAD + 1
    for col, title in ((0, "Ref"), (1, "Measure"), (FIGURE, f"Figure, {label(data.reporting)}"), (FIGURE + 1, "n"),
                       (FIGURE + 2, "of"), (FIGURE + 3, "BRAG"), (FIGURE + 4, "Variation")):
        sheet.write_string(row, col, title, st.head_centre if col >= FIGURE else st.head)
    merged(sheet, row, LEAD, lead_last, "Lead", st.head)
    if not data.publish:
        merged(sheet, row, LEAD + 2, LAST, "Commentary", st.head)
    sheet.set_row(row, 30)
    first = row + 1
    for record in listed.to_dict("records"):
        row += 1
        put_text(sheet, row, 0, record["ref"], st.ref)
        put_text(sheet, row, 1, record["title"], st.wrap)
        figure_cells(sheet, st, row, FIGURE, record)
        put_text(sheet, row, FIGURE + 3, record["brag"], st.rating)
        put_text(sheet, row, FIGURE + 4, record["variation"], st.centre)
        merged(sheet, row, LEAD, lead_last, record["lead"] or NO_LEAD, st.wrap)
        heights = [(record["title"], WIDTHS[1]), (record["variation"], WIDTHS[FIGURE + 4]),
                   (record["lead"] or NO_LEAD, sum(WIDTHS[LEAD:lead_last + 1]))]
        if not data.publish:
            who = _commented_by(record)
            merged(sheet, row, LEAD + 2, LAST, who, st.wrap)
            heights.append((who, sum(WIDTHS[LEAD + 2:])))
        fit_row(sheet, row, heights)
    brag_rules(sheet, st, first, FIGURE + 3, row, FIGURE + 3)
    spc_rules(sheet, st, first, FIGURE + 4, row, FIGURE + 4)
    sheet.ignore_errors({"number_stored_as_text": xl_range(first, 0, row, 0)})  # a Ref is a name, not a number
    if not data.publish:
        sheet.conditional_format(first, LEAD + 2, row, LEAD + 2, {"type": "cell", "criteria": "==",
                                                                  "value": f'"{COMMENTARY_NEEDED}"',
                                                                  "format": st.attention})
    return row + 2


def _commented_by(record: dict[str, Any]) -> str:
    """Who gave the commentary on a measure, or that it is needed (a Red measure), or that there is none."""
    if not text(record["comment"]):
        return COMMENTARY_NEEDED if bool(record["needs_commentary"]) else "No commentary"
    return text(record["comment_author"]) or "Commentary given (no author named)"


def _commentary_round(sheet: Worksheet, st: Styles, data: ScorecardData, row: int) -> int:
    """'Commentary: 3 of 5 received', and who is still to reply for which measures (the commentary
    requests' measures: pipeline.stages.commentary)."""
    wanted = asked(data.scorecard, data.reporting, data.settings.performance_officer)
    received = int(wanted["received"].sum())
    waiting = wanted[~wanted["received"]].groupby("lead", sort=False)["ref"].agg(", ".join)
    said = (f"{received} of {len(wanted)} received" if len(wanted) else
            "none needed this quarter (no measure is Red, a special cause concern, restated or incomplete)")
    sheet.write_string(row, 0, f"Commentary: {said}", st.label)
    if len(waiting):
        row += 1
        put_text(sheet, row, 0, "Still to reply: " + "; ".join(f"{lead} ({refs})" for lead, refs in waiting.items()),
                 st.plain)
    return row + 2


def _files_not_used(data: ScorecardData) -> list[str]:
    """Files read but not recognised, and files skipped unread (not counting Excel's lock files)."""
    sources, problems = data.sources, data.problems
    unused = [] if sources.empty else sources.loc[sources["recognised_as"].eq("Not used"), "file"].tolist()
    known = set() if sources.empty else set(sources["file"])
    if not problems.empty:
        skipped = problems[problems["check"].isin(["not_spreadsheet", "unreadable", "empty_file", "unrecognised"])]
        unused += [f for f in dict.fromkeys(skipped["file"]) if f and f not in known]
    return list(dict.fromkeys(unused))


def _quality(sheet: Worksheet, st: Styles, data: ScorecardData, row: int) -> int:
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
        ("Files read", len(data.sources), "each listed in the performance officer's checks workbook"),
    )
    first = row
    for name, n, note in lines:
        sheet.write_string(row, 0, name, st.label)
        sheet.write_number(row, 1, n, st.count_left)
        put_text(sheet, row, 2, note, st.italic)
        row += 1
    sheet.conditional_format(first, 1, first, 1, {"type": "cell", "criteria": ">", "value": 0, "format": st.attention})
    sheet.conditional_format(first + 3, 1, first + 5, 1, {"type": "cell", "criteria": ">", "value": 0, "format": st.flag})
    sheet.write_string(row, 0, "Every problem is listed, with its file, sheet and cell, in the performance officer's "
                               "checks workbook.", st.italic)
    return row + 2


def _workplan(sheet: Worksheet, st: Styles, data: ScorecardData, row: int) -> int:
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
