"""The Scorecard sheet: every measure by objective, the same quarter a year earlier, four quarters,
target, trends, last quarter's and this quarter's BRAG, the reporting quarter's variation and
assurance; under a measure, its commentary and notes, when it has any.

Every figure is a number in its unit's format (styles.NUMBER_FORMATS), with the counts behind it
in the two cells after it, so that Excel can sum, sort and chart them; only the words in place of
a figure are text. The header stays on row 1 (readers and tests key the table by it); each
objective gets a heading row. Commentary and notes are lines across the row under the measure (its
Ref cell empty), so that they print at full width only where there is something to say, rather
than as two columns that are empty on most rows. The sparklines sit just beyond the print area
(LibreOffice does not draw them, so on paper they would be an empty column; the Charts sheet
prints the trends); numbers for them and each quarter's rating sit in hidden columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlsxwriter.utility import xl_range, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline.quarters import label
from pipeline.stages.privacy import SUPPRESSED
from pipeline.stages.scorecard import STAND_IN
from pipeline.vocabulary import ASSURANCE_SYMBOLS, DOWN, NO_FIGURE, STEADY, UP, Assurance, Rating, Variation
from pipeline.workbook.layout import (
    fit_cell,
    fit_row,
    group_row,
    line_count,
    number,
    paragraph,
    print_setup,
    put_figure,
    put_number,
    put_text,
    row_height,
    set_widths,
    text,
)
from pipeline.workbook.styles import NAVY, Styles, brag_rules, spc_rules
from pipeline.workbook.words import COMMENTARY_NEEDED, SUPPRESSED_MEANING, objective_heading, status_meanings

if TYPE_CHECKING:
    import pandas as pd

    from pipeline.model import ScorecardData

# Columns: what the reader sees, then hidden helpers (numbers for sparklines, ratings for the
# light colouring of each quarter's cells). Each quarter has three: its figure, and the counts
# behind it (COUNTED: a percentage's numerator, or count_and_sum's total; OF: a percentage's
# denominator, or the children a median is taken over).
REF, MEASURE, YEAR_AGO, Q1 = 0, 1, 2, 3
PER_QUARTER, COUNTED, OF = 3, 1, 2  # a quarter's columns, and the counts' places after its figure
TARGET, STRETCH, SHORT, LONG, BEFORE, BRAG, VARIATION, ASSURANCE = range(15, 23)
LAST = ASSURANCE  # the last printed column
SPARK = LAST + 2  # beyond the print area, after a gap
VALUES, BRAGS = 26, 30
QUARTER_WIDTHS = (9, 4.5, 6)  # "150.0 days" fits its figure column; "1,046" its n and "of 1,000" its of
# Narrow enough to print one page wide at about 75% (11-point text above 8 points on paper) with the
# year-ago figure and the counts in their own cells; headings and longer words wrap.
WIDTHS = (5, 17, 9, *QUARTER_WIDTHS * 4, 7.5, 6, 6.5, 6.5, 7, 7, 11.5, 9, 2, 12)  # Variation: "improvement" whole
UNDER_WIDTH = sum(WIDTHS[MEASURE:LAST + 1])  # a line under a measure runs from its Measure to its Assurance
MEANINGS = (
    (Rating.BLUE, "At or beyond the stretch target."),
    (Rating.GREEN, "Target met; or, with no target, special cause improvement (better than the previous quarter "
                   "where the monthly chart has too few points)."),
    (Rating.AMBER, "Target missed by no more than the tolerance; or, with no target, common cause: no significant "
                   "change (the same or slightly worse than the previous quarter where the chart has too few points)."),
    (Rating.RED, "Target missed by more than the tolerance; or, with no target, special cause concern (worse than "
                 "the previous quarter by more than the tolerance where the chart has too few points). "
                 "Red measures need commentary."),
)
STAND_IN_MEANING = (STAND_IN, "From a stand-in source (its cell comment names it): e.g. Ofsted Annex A where the "
                              "Early Help return does not cover the quarter.")
ASSURANCE_KEY = (f"For a measure with a target: {ASSURANCE_SYMBOLS[Assurance.PASSES]} {Assurance.PASSES}, "
                 f"{ASSURANCE_SYMBOLS[Assurance.FAILS]} {Assurance.FAILS} (the target lies outside the process "
                 f"limits), {ASSURANCE_SYMBOLS[Assurance.HIT_AND_MISS]} {Assurance.HIT_AND_MISS} (inside them).")
YEAR_AGO_KEY = ("The same quarter a year earlier: the figure the long trend compares with (from the same source "
                "as this quarter's figure wherever that source has one).")
COUNTS_KEY = ("Beside each quarter's figure, the counts behind it: a percentage's cases counted (n) of all its cases "
              "(of), e.g. 75.0%, 12, of 16; the children a median is taken over (of); for a count shown with a "
              "total, such as A2's linked offences, the total (n).")
CELL_COMMENTS = ("A quarter's figure carries a comment when it was restated, came from stored history or a stand-in "
                 "source, has no data (with the reason) or has a breakdown. Full definitions and rules: the "
                 "Definitions sheet.")
UNDER_KEY = ("Under a measure: the lead's commentary (or that it is needed), and notes on how it was rated and "
             "this quarter's breakdown, where it has any.")


def write_scorecard(book: Workbook, st: Styles, data: ScorecardData) -> None:
    """The measures' table, coloured by rule, with a sparkline per measure and the key below."""
    sheet = book.add_worksheet("Scorecard")
    _headers(sheet, st, data)
    row = 0
    sparks: list[tuple[str, str]] = []
    for measures in _by_objective(data.scorecard).values():
        row += 1
        first = next(iter(measures.values()))[0]
        group_row(sheet, row, LAST, objective_heading(str(first["objective"]), text(first["objective_title"]),
                                                       text(first["objective_lead"]), bool(first["appendix"])), st.group)
        for cells in measures.values():
            row += 1
            _measure(sheet, st, row, cells, data)
            sparks.append((xl_rowcol_to_cell(row, SPARK), f"'Scorecard'!{xl_range(row, VALUES, row, VALUES + 3)}"))
            if not data.publish:  # no commentary or notes are published
                row = _lines_under(sheet, st, row, next(c for c in cells if c["quarter"] == data.reporting))
    last = row
    if last >= 1:
        _colours(sheet, st, last, len(data.quarters))
        # A plain line, no markers: LibreOffice draws a sparkline's markers (out of place) but not its
        # line, so markers would print as stray dots; without them the column is simply blank there.
        sheet.add_sparkline(sparks[0][0], {"location": [c for c, _ in sparks], "range": [r for _, r in sparks],
                                           "type": "line", "series_color": NAVY, "weight": 1.5, "empty_cells": "gaps",
                                           "show_hidden": True})
        sheet.autofilter(0, 0, last, LAST)
        # A Ref such as 4.10 is a name, not a number: Excel is told so rather than flag it.
        sheet.ignore_errors({"number_stored_as_text": xl_range(1, REF, last, REF)})
    row = _key(sheet, st, data, last + 2)
    sheet.freeze_panes(1, 2)
    sheet.print_area(0, 0, row, LAST)
    print_setup(sheet, data)


def _by_objective(scorecard: pd.DataFrame) -> dict[str, dict[str, list[dict]]]:
    """The long rows grouped by objective, then measure, in catalogue order (one to_dict for all:
    pandas makes each call dear)."""
    grouped: dict[str, dict[str, list[dict]]] = {}
    for record in scorecard.to_dict("records"):
        grouped.setdefault(record["objective"], {}).setdefault(record["ref"], []).append(record)
    return grouped


def quarter_column(i: int) -> int:
    """The column of the i-th quarter's figure (its counts follow it)."""
    return Q1 + PER_QUARTER * i


def _headers(sheet: Worksheet, st: Styles, data: ScorecardData) -> None:
    """Column widths, hidden helper columns, and the header row the table is keyed by."""
    quarters = [label(q) for q in data.quarters]
    set_widths(sheet, WIDTHS)
    sheet.set_column(VALUES, BRAGS + 3, 12, None, {"hidden": True})
    headers = ["Ref", "Measure", f"Year ago {label(data.reporting - 4)}", *(h for q in quarters for h in (q, "n", "of")),
               "Target", "Stretch", "Short trend", "Long trend", "Rating last quarter", "BRAG", "Variation",
               "Assurance"]
    for col, title in enumerate(headers):
        sheet.write_string(0, col, title, st.head_centre if YEAR_AGO <= col else st.head)
    sheet.write_string(0, SPARK, "Four quarters", st.head_centre)
    for i, q in enumerate(quarters):
        sheet.write_string(0, VALUES + i, f"Value {q}", st.head)
        sheet.write_string(0, BRAGS + i, f"Rating {q}", st.head)
    sheet.set_row(0, row_height(3))


def _measure(sheet: Worksheet, st: Styles, row: int, cells: list[dict], data: ScorecardData) -> None:
    """One measure's row from its quarters' rows (the measure's own columns are on each): the year-ago
    figure, the quarters side by side with their counts and their notes as cell comments, then
    target, trends, last quarter's and this quarter's BRAG, variation and assurance."""
    m = next(cell for cell in cells if cell["quarter"] == data.reporting)
    position = {quarter: i for i, quarter in enumerate(data.quarters)}
    put_text(sheet, row, REF, m["ref"], st.ref)
    put_text(sheet, row, MEASURE, m["title"], st.wrap)
    _year_ago(sheet, st, row, m)
    words = []  # the statuses written in place of a figure, for the row's height
    for cell in cells:
        i, now = position[cell["quarter"]], cell is m
        col = quarter_column(i)
        words.append(figure_cells(sheet, st, row, col, cell, now))
        note = _quarter_note(cell)
        if note:
            sheet.write_comment(row, col, note, {"author": "Scorecard", "x_scale": 2.2,
                                                 "y_scale": 1 + note.count("\n") * 0.4})
        put_number(sheet, row, VALUES + i, cell["value"])
        put_text(sheet, row, BRAGS + i, cell["brag"])
    _target(sheet, st, row, m)
    put_text(sheet, row, SHORT, _trend(text(m["trend_short"]), text(m["polarity"])), st.centre)
    put_text(sheet, row, LONG, _trend(text(m["trend_long"]), text(m["polarity"])), st.centre)
    before = next((cell["brag"] for cell in cells if cell["quarter"] == data.reporting - 1), "")
    put_text(sheet, row, BEFORE, before, st.rating)
    put_text(sheet, row, BRAG, m["brag"], st.rating)  # the reporting quarter's, as are variation and assurance
    variation = with_symbol(m["variation_symbol"], m["variation"])
    sure = with_symbol(m["assurance_symbol"], m["assurance"])
    put_text(sheet, row, VARIATION, variation, st.centre)
    put_text(sheet, row, ASSURANCE, sure, st.centre)
    fit_row(sheet, row, [(m["title"], WIDTHS[MEASURE]), (m["target"] if number(m["target_value"]) is None else "", WIDTHS[TARGET]),
                         (variation, WIDTHS[VARIATION]), (sure, WIDTHS[ASSURANCE]), (before, WIDTHS[BEFORE]),
                         (m["brag"], WIDTHS[BRAG]), *((said, WIDTHS[Q1] * 0.85) for said in words)], minimum=2)
    sheet.write_blank(row, SPARK, None, st.wrap)


def _lines_under(sheet: Worksheet, st: Styles, row: int, m: dict) -> int:
    """The measure's commentary and notes, each on a line of its own under it across the table (a
    bold label, then the words), only where there is something to say; the last row used."""
    comment, author = text(m["comment"]), text(m["comment_author"])
    lines = []
    if comment:
        lines.append((f"Commentary ({author}): " if author else "Commentary: ", comment, st.wrap))
    elif bool(m["needs_commentary"]):
        lead = text(m["lead"])
        lines.append((f"{COMMENTARY_NEEDED}: ", f"not yet received from {lead}" if lead else "not yet received",
                      st.needed))
    if text(m["notes"]):
        lines.append(("Notes: ", text(m["notes"]), st.wrap))
    for label_, said, fmt in lines:
        row += 1
        sheet.write_blank(row, REF, None, fmt)
        sheet.merge_range(row, MEASURE, row, LAST, "", fmt)
        sheet.write_rich_string(row, MEASURE, st.label, label_, said, fmt)  # the label bold, the words plain
        sheet.set_row(row, row_height(line_count(label_ + said, UNDER_WIDTH)))
    return row


def figure_cells(sheet: Worksheet, st: Styles, row: int, col: int, cell: dict, now: bool = False) -> str:
    """A quarter's figure as a number in its unit (\u2020 in its format when from a stand-in source)
    with the counts behind it in the next two columns (COUNTED, OF); or the word for why there is
    none, or c where the publishable copy withholds it. The word written, if any. The Summary's
    list of measures needing attention lays its figures out the same way."""
    unit = text(cell["unit"])
    withheld = text(cell["withheld"]).split()
    value = number(cell["value"])
    if "value" in withheld:
        said = SUPPRESSED
    elif value is None:
        said = text(cell["text"])
    else:
        said = ""
        put_figure(sheet, row, col, value, unit, st.figures[(unit, now, bool(text(cell["source_note"])))])
    if said:
        put_text(sheet, row, col, said, st.figure_now if now else st.figure)
    counted = "numerator" if number(cell["numerator"]) is not None or "numerator" in withheld else "secondary"
    for offset, part, fmt in ((COUNTED, counted, st.counted), (OF, "denominator", st.of)):
        if part in withheld:
            put_text(sheet, row, col + offset, SUPPRESSED, fmt)
        else:
            put_number(sheet, row, col + offset, cell[part], fmt)
    return said


def _year_ago(sheet: Worksheet, st: Styles, row: int, m: dict) -> None:
    """The figure the long trend compares with, its stand-in source (if any) in a cell comment."""
    unit, note = text(m["unit"]), text(m["year_ago_note"])
    if bool(m["year_ago_withheld"]):
        put_text(sheet, row, YEAR_AGO, SUPPRESSED, st.figure)
        return
    put_figure(sheet, row, YEAR_AGO, m["year_ago"], unit, st.figures[(unit, False, bool(note))])
    if note and number(m["year_ago"]) is not None:
        sheet.write_comment(row, YEAR_AGO, note, {"author": "Scorecard", "x_scale": 2.2})


def _target(sheet: Worksheet, st: Styles, row: int, m: dict) -> None:
    """The target and stretch target as numbers in the figure's unit; without a target, how the
    measure is rated instead ('Variation', 'Direction of travel', 'Monitor')."""
    unit = text(m["unit"])
    if number(m["target_value"]) is None:
        put_text(sheet, row, TARGET, m["target"], st.centre)
    else:
        put_figure(sheet, row, TARGET, m["target_value"], unit, st.figures[(unit, False, False)])
    put_figure(sheet, row, STRETCH, m["stretch_value"], unit, st.figures[(unit, False, False)])


def with_symbol(symbol: object, words: object) -> str:
    """'▲ Special cause concern': the symbol prints in black and white, the words say what it means."""
    return " ".join(part for part in (text(symbol), text(words)) if part)


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


def _quarter_note(cell: dict) -> str:
    """The cell comment on a quarter's figure: restatement, stand-in source, stored history, the
    reason there is no figure, the breakdown."""
    parts = []
    if text(cell["restated"]):
        changed = text(cell["rows_changed"])
        parts.append(text(cell["restated"]) + (f" ({changed})" if changed else ""))
    if text(cell["source_note"]):
        parts.append(text(cell["source_note"]))
    if bool(cell["history"]):
        parts.append("From stored history")
    if cell["brag"] in NO_FIGURE and text(cell["reason"]):
        parts.append(f"{cell['brag']}: {text(cell['reason'])}")
    if text(cell["detail"]):
        parts.append(text(cell["detail"]))
    return fit_cell("\n".join(parts))


def _colours(sheet: Worksheet, st: Styles, last: int, quarters: int) -> None:
    """BRAG (this quarter's and last) by rule; each quarter's cells lightly in its own rating (read
    from the hidden rating columns); trends green or red by their word."""
    brag_rules(sheet, st, 1, BRAG, last, BRAG)
    spc_rules(sheet, st, 1, VARIATION, last, ASSURANCE)
    brag_rules(sheet, st, 1, BEFORE, last, BEFORE)
    for i in range(quarters):
        rating_cell = xl_rowcol_to_cell(1, BRAGS + i, row_abs=False, col_abs=True)
        first = quarter_column(i)
        for word, fmt in st.light.items():
            sheet.conditional_format(1, first, last, first + PER_QUARTER - 1,
                                     {"type": "formula", "criteria": f'={rating_cell}="{word}"', "format": fmt})
    for col in (SHORT, LONG):
        sheet.conditional_format(1, col, last, col, {"type": "text", "criteria": "containing", "value": "Better",
                                                     "format": st.better})
        sheet.conditional_format(1, col, last, col, {"type": "text", "criteria": "containing", "value": "Worse",
                                                     "format": st.worse})


def _key(sheet: Worksheet, st: Styles, data: ScorecardData, row: int) -> int:
    """The key, coloured by the same kind of rule as the BRAG column; its last row."""
    sheet.write_string(row, MEASURE, "Key", st.subtitle)
    key_first = row + 1
    width = sum(WIDTHS[Q1:LAST + 1])
    for word, meaning in (*MEANINGS, *status_meanings(data.low_numbers), STAND_IN_MEANING,
                          *((("c", SUPPRESSED_MEANING),) if data.publish else ())):
        row += 1
        sheet.write_string(row, MEASURE, word, st.rating)
        paragraph(sheet, row, Q1, LAST, meaning, st.para, width)
    brag_rules(sheet, st, key_first, MEASURE, row, MEASURE)
    for name, said in (("Year ago", YEAR_AGO_KEY), ("n, of", COUNTS_KEY),
                       ("Variation", _variation_key(data.spc_settings.min_points)), ("Assurance", ASSURANCE_KEY),
                       ("Cell comments", CELL_COMMENTS), ("Under a measure", UNDER_KEY)):
        row += 1
        sheet.write_string(row, MEASURE, name, st.label)
        paragraph(sheet, row, Q1, LAST, said, st.para, width)
    return row


def _variation_key(min_points: int) -> str:
    """The symbols and words of the Variation column, with the catalogue's fewest months for a chart."""
    return (f"What the measure's monthly chart (Charts sheet) says of the quarter's last month: {UP} or {DOWN} "
            f"{Variation.IMPROVEMENT} or {Variation.CONCERN} (the arrow: unusually high or low; "
            f"{Variation.HIGH} or {Variation.LOW} where neither is better), {STEADY} {Variation.COMMON}: no "
            f"significant change; {Variation.TOO_FEW} (no symbol): fewer than {min_points} months.")
