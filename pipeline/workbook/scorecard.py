"""The Scorecard sheet: every measure by objective, four quarters, target, trends, BRAG, the
reporting quarter's variation and assurance, and commentary.

The header stays on row 1 (readers and tests key the table by it); each objective gets a heading
row; numbers for the sparklines and each quarter's rating sit in hidden columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlsxwriter.utility import xl_range, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline.quarters import label
from pipeline.stages.scorecard import STAND_IN
from pipeline.vocabulary import ASSURANCE_SYMBOLS, DOWN, NO_FIGURE, STEADY, UP, Assurance, Rating, Variation
from pipeline.workbook.layout import (
    fit_cell,
    fit_row,
    group_row,
    paragraph,
    print_setup,
    put_number,
    put_text,
    set_widths,
    text,
)
from pipeline.workbook.styles import NAVY, Styles, brag_rules, spc_rules
from pipeline.workbook.words import COMMENTARY_NEEDED, SUPPRESSED_MEANING, objective_heading, status_meanings

if TYPE_CHECKING:
    import pandas as pd

    from pipeline.model import ScorecardData

# Columns: what the reader sees, then hidden helpers (numbers for sparklines, ratings for the
# light colouring of each quarter cell).
REF, MEASURE, Q1 = 0, 1, 2
TARGET, SHORT, LONG, BRAG, VARIATION, ASSURANCE, COMMENT, NOTES, SPARK = 6, 7, 8, 9, 10, 11, 12, 13, 14
VALUES, BRAGS = 15, 19
# Narrower than before variation and assurance, so that the sheet prints at nearly the same size.
WIDTHS = (6, 30, 11.5, 11.5, 11.5, 11.5, 14, 9, 9, 10, 14, 13, 36, 17, 10)
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
CELL_COMMENTS = ("A quarter's figure carries a comment when it was restated, came from stored history, has no data "
                 "(with the reason) or has a breakdown. Full definitions and rules: the Definitions sheet.")


def write_scorecard(book: Workbook, st: Styles, data: ScorecardData) -> None:
    """The measures' table, coloured by rule, with a sparkline per measure and the key below."""
    sheet = book.add_worksheet("Scorecard")
    _headers(sheet, st, data)
    row = 0
    sparks: list[tuple[str, str]] = []
    for measures in _by_objective(data.scorecard).values():
        row += 1
        first = next(iter(measures.values()))[0]
        group_row(sheet, row, SPARK, objective_heading(str(first["objective"]), text(first["objective_title"]),
                                                       text(first["lead"]), bool(first["appendix"])), st.group)
        for cells in measures.values():
            row += 1
            _measure(sheet, st, row, cells, data)
            sparks.append((xl_rowcol_to_cell(row, SPARK), f"'Scorecard'!{xl_range(row, VALUES, row, VALUES + 3)}"))
    last = row
    if last >= 1:
        _colours(sheet, st, last)
        # A plain line, no markers: LibreOffice draws a sparkline's markers (out of place) but not its
        # line, so markers would print as stray dots; without them the column is simply blank there.
        sheet.add_sparkline(sparks[0][0], {"location": [c for c, _ in sparks], "range": [r for _, r in sparks],
                                           "type": "line", "series_color": NAVY, "weight": 1.5, "empty_cells": "gaps",
                                           "show_hidden": True})
        sheet.autofilter(0, 0, last, SPARK)
    row = _key(sheet, st, data, last + 2)
    sheet.freeze_panes(1, 2)
    sheet.print_area(0, 0, row, SPARK)
    print_setup(sheet, data)


def _by_objective(scorecard: pd.DataFrame) -> dict[str, dict[str, list[dict]]]:
    """The long rows grouped by objective, then measure, in catalogue order (one to_dict for all:
    pandas makes each call dear)."""
    grouped: dict[str, dict[str, list[dict]]] = {}
    for record in scorecard.to_dict("records"):
        grouped.setdefault(record["objective"], {}).setdefault(record["ref"], []).append(record)
    return grouped


def _headers(sheet: Worksheet, st: Styles, data: ScorecardData) -> None:
    """Column widths, hidden helper columns, and the header row the table is keyed by."""
    quarters = [label(q) for q in data.quarters]
    set_widths(sheet, WIDTHS)
    sheet.set_column(VALUES, BRAGS + 3, 12, None, {"hidden": True})
    if data.publish:  # no commentary or notes are published: their columns are left out of view
        sheet.set_column(COMMENT, NOTES, WIDTHS[COMMENT], None, {"hidden": True})
    headers = ["Ref", "Measure", *quarters, "Target", "Short trend", "Long trend", "BRAG", "Variation", "Assurance",
               "Commentary", "Notes", "Four quarters"]
    for col, title in enumerate(headers):
        sheet.write_string(0, col, title, st.head_centre if Q1 <= col <= ASSURANCE or col == SPARK else st.head)
    for i, q in enumerate(quarters):
        sheet.write_string(0, VALUES + i, f"Value {q}", st.head)
        sheet.write_string(0, BRAGS + i, f"Rating {q}", st.head)
    sheet.set_row(0, 30)


def _measure(sheet: Worksheet, st: Styles, row: int, cells: list[dict], data: ScorecardData) -> None:
    """One measure's row from its quarters' rows (the measure's own columns are on each): the
    quarters side by side, their notes as cell comments, then target, trends, BRAG and commentary."""
    m = next(cell for cell in cells if cell["quarter"] == data.reporting)
    position = {quarter: i for i, quarter in enumerate(data.quarters)}
    put_text(sheet, row, REF, m["ref"], st.ref)
    put_text(sheet, row, MEASURE, m["title"], st.wrap)
    for cell in cells:
        i, now = position[cell["quarter"]], cell is m
        put_text(sheet, row, Q1 + i, cell["text"], st.figure_now if now else st.figure)
        note = _quarter_note(cell)
        if note:
            sheet.write_comment(row, Q1 + i, note, {"author": "Scorecard", "x_scale": 2.2,
                                                    "y_scale": 1 + note.count("\n") * 0.4})
        put_number(sheet, row, VALUES + i, cell["value"])
        put_text(sheet, row, BRAGS + i, cell["brag"])
    put_text(sheet, row, TARGET, m["target"], st.centre)
    put_text(sheet, row, SHORT, _trend(text(m["trend_short"]), text(m["polarity"])), st.centre)
    put_text(sheet, row, LONG, _trend(text(m["trend_long"]), text(m["polarity"])), st.centre)
    put_text(sheet, row, BRAG, m["brag"], st.rating)  # the reporting quarter's, as are variation and assurance
    variation = _with_symbol(m["variation_symbol"], m["variation"])
    sure = _with_symbol(m["assurance_symbol"], m["assurance"])
    put_text(sheet, row, VARIATION, variation, st.centre)
    put_text(sheet, row, ASSURANCE, sure, st.centre)
    comment = _commentary(m)
    put_text(sheet, row, COMMENT, comment, st.wrap)
    put_text(sheet, row, NOTES, m["notes"], st.wrap)
    fit_row(sheet, row, [(m["title"], WIDTHS[MEASURE]), (comment, WIDTHS[COMMENT]), (m["notes"], WIDTHS[NOTES]),
                         (m["target"], WIDTHS[TARGET]), (variation, WIDTHS[VARIATION]), (sure, WIDTHS[ASSURANCE]),
                         *((cell["text"], WIDTHS[Q1] * (0.85 if cell is m else 1)) for cell in cells)], minimum=2)
    sheet.write_blank(row, SPARK, None, st.wrap)


def _with_symbol(symbol: object, words: object) -> str:
    """'▲ Special cause concern': the symbol prints in black and white, the words say what it means."""
    return " ".join(part for part in (text(symbol), text(words)) if part)


def _commentary(m: dict) -> str:
    """The comment with its author; or that one is needed (a Red measure without one)."""
    comment, author = text(m["comment"]), text(m["comment_author"])
    if comment:
        return comment + (f"\n({author})" if author else "")
    return COMMENTARY_NEEDED if bool(m["needs_commentary"]) else ""


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


def _colours(sheet: Worksheet, st: Styles, last: int) -> None:
    """BRAG by rule; each quarter cell lightly in its own rating (read from the hidden rating
    columns); trends green or red by their word; commentary needed flagged."""
    brag_rules(sheet, st, 1, BRAG, last, BRAG)
    spc_rules(sheet, st, 1, VARIATION, last, ASSURANCE)
    rating_cell = xl_rowcol_to_cell(1, BRAGS, row_abs=False, col_abs=False)
    for word, fmt in st.light.items():
        sheet.conditional_format(1, Q1, last, Q1 + 3, {"type": "formula", "criteria": f'={rating_cell}="{word}"',
                                                       "format": fmt})
    for col in (SHORT, LONG):
        sheet.conditional_format(1, col, last, col, {"type": "text", "criteria": "containing", "value": "Better",
                                                     "format": st.better})
        sheet.conditional_format(1, col, last, col, {"type": "text", "criteria": "containing", "value": "Worse",
                                                     "format": st.worse})
    sheet.conditional_format(1, COMMENT, last, COMMENT, {"type": "cell", "criteria": "==",
                                                         "value": f'"{COMMENTARY_NEEDED}"', "format": st.attention})


def _key(sheet: Worksheet, st: Styles, data: ScorecardData, row: int) -> int:
    """The key, coloured by the same kind of rule as the BRAG column; its last row."""
    sheet.write_string(row, MEASURE, "Key", st.subtitle)
    key_first = row + 1
    width = sum(WIDTHS[Q1:NOTES + 1])
    for word, meaning in (*MEANINGS, *status_meanings(data.low_numbers), STAND_IN_MEANING,
                          *((("c", SUPPRESSED_MEANING),) if data.publish else ())):
        row += 1
        sheet.write_string(row, MEASURE, word, st.rating)
        paragraph(sheet, row, Q1, NOTES, meaning, st.para, width)
    brag_rules(sheet, st, key_first, MEASURE, row, MEASURE)
    for name, said in (("Variation", _variation_key(data.spc_settings.min_points)), ("Assurance", ASSURANCE_KEY),
                       ("Cell comments", CELL_COMMENTS)):
        row += 1
        sheet.write_string(row, MEASURE, name, st.label)
        paragraph(sheet, row, Q1, NOTES, said, st.para, width)
    return row


def _variation_key(min_points: int) -> str:
    """The symbols and words of the Variation column, with the catalogue's fewest months for a chart."""
    return (f"What the measure's monthly chart (Charts sheet) says of the quarter's last month: {UP} or {DOWN} "
            f"{Variation.IMPROVEMENT} or {Variation.CONCERN} (the arrow: unusually high or low; "
            f"{Variation.HIGH} or {Variation.LOW} where neither is better), {STEADY} {Variation.COMMON}: no "
            f"significant change; {Variation.TOO_FEW} (no symbol): fewer than {min_points} months.")
