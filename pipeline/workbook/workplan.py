"""The Work plan sheet: every action by objective, its stated and computed rating side by side."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline.vocabulary import RATED
from pipeline.workbook.layout import (
    PagedSheet,
    fit_row,
    group_row,
    keep_sections,
    merged,
    print_setup,
    put_date,
    put_text,
    set_widths,
    text,
)
from pipeline.workbook.styles import Styles, brag_rules
from pipeline.workbook.words import ACTION_KEY, objective_heading

if TYPE_CHECKING:
    from pipeline.model import ScorecardData

# Narrow enough (174 characters) that the sheet prints at about 0.77 of its size or more, its text at 8
# points or more: long text wraps into taller rows.
COLUMNS = (("Ref", 6), ("Action", 30), ("Accountable lead", 14), ("Date commenced", 10), ("Target date", 10),
           ("Date achieved", 10), ("Evidence / KPIs", 24), ("Remedial action", 22), ("Stated BRAG", 9),
           ("Computed BRAG", 9), ("Reason", 15), ("Check", 15))
WIDTHS = [w for _, w in COLUMNS]
LAST = len(COLUMNS) - 1
STATED, COMPUTED, CHECK = 8, 9, 11
NO_LOG = ("No work plan action log was supplied with this quarter's returns, so no actions are shown or rated.",
          "The chair's action log (one row per action: objective, action, lead, dates, evidence, remedial "
          "action, BRAG) is recognised in any file by its headings; see the README's input contract.")
COMPUTED_NOTE = ("Computed BRAG is worked out as at the end of the reporting quarter; Check flags a stated rating "
                 "that differs from it, and an Amber action without a remedial action.")


def write_workplan(book: Workbook, st: Styles, data: ScorecardData) -> None:
    """The actions under their objectives' headings, then the seed's key to action ratings; a page
    breaks between actions, never after a heading."""
    sheet = book.add_worksheet("Work plan", worksheet_class=PagedSheet)
    actions = data.actions
    if actions is None or actions.empty:
        _no_log(sheet, st, data)
        return
    set_widths(sheet, WIDTHS)
    for col, (title, _) in enumerate(COLUMNS):
        sheet.write_string(0, col, title, st.head)
    sheet.set_row(0, 30)
    titles = _objectives(data)
    ordered = actions.assign(_objective=actions["objective"].astype("Int64")).sort_values("_objective", kind="stable")
    row = 0
    starts = [0]  # where a page may break: before a heading, or an action not the first under it
    for objective, rows in ordered.groupby("_objective", sort=False, dropna=False):
        row += 1
        starts.append(row)
        key = text(objective) or "?"
        title, lead, appendix = titles.get(key, ("", "", False))
        group_row(sheet, row, LAST, objective_heading(key, title, lead, appendix), st.group)
        for n, action in enumerate(rows.itertuples(index=False)):
            row += 1
            if n:
                starts.append(row)
            _action(sheet, st, row, action)
    last = row
    starts.append(last + 2)
    brag_rules(sheet, st, 1, STATED, last, COMPUTED)
    sheet.conditional_format(1, CHECK, last, CHECK, {"type": "no_blanks", "format": st.flag})
    row = _key(sheet, st, last + 2)
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, last, LAST)
    sheet.print_area(0, 0, row, LAST)
    print_setup(sheet, data)
    keep_sections(sheet, starts, row + 1, WIDTHS, repeated=1)


def _no_log(sheet: Worksheet, st: Styles, data: ScorecardData) -> None:
    """The sheet says there is no work plan this quarter, and how one is recognised."""
    sheet.set_column(0, 0, 110)
    sheet.write_string(0, 0, "Work plan", st.subtitle)
    for row, said in enumerate(NO_LOG, start=1):
        sheet.write_string(row, 0, said, st.para)
        fit_row(sheet, row, ((said, 110),))
    print_setup(sheet, data, repeat=False)


def _objectives(data: ScorecardData) -> dict[str, tuple[str, str, bool]]:
    """Objective -> (title, lead, whether it is the appendix), in catalogue order."""
    card = data.scorecard
    if card.empty:
        return {}
    firsts = card.drop_duplicates("objective")
    return {str(o): (text(t), text(lead), bool(appendix)) for o, t, lead, appendix
            in firsts[["objective", "objective_title", "objective_lead", "appendix"]].itertuples(index=False)}


def _action(sheet: Worksheet, st: Styles, row: int, action: Any) -> None:  # a row of data.actions.itertuples()
    put_text(sheet, row, 0, action.action_ref, st.ref)
    put_text(sheet, row, 1, action.action, st.wrap)
    put_text(sheet, row, 2, action.lead, st.wrap)
    put_date(sheet, row, 3, action.date_commenced, st.date)
    put_date(sheet, row, 4, action.target_date, st.date)
    put_date(sheet, row, 5, action.date_achieved, st.date)
    put_text(sheet, row, 6, action.evidence, st.wrap)
    put_text(sheet, row, 7, action.remedial_action, st.wrap)
    put_text(sheet, row, STATED, action.stated_brag, st.rating)
    put_text(sheet, row, COMPUTED, action.brag, st.rating)
    put_text(sheet, row, 10, action.brag_reason, st.wrap)
    check = _check(action)
    put_text(sheet, row, CHECK, check, st.wrap)
    fit_row(sheet, row, ((action.action, WIDTHS[1]), (action.lead, WIDTHS[2]), (action.evidence, WIDTHS[6]),
                         (action.remedial_action, WIDTHS[7]), (action.brag_reason, WIDTHS[10]), (check, WIDTHS[11])))


def _check(action: Any) -> str:
    """What a reader should look at: a stated rating that differs, an Amber with no remedy."""
    parts = []
    if bool(action.disagrees):
        parts.append(f"Stated {text(action.stated_brag)} but computed {text(action.brag)}")
    if bool(action.needs_remedial):
        parts.append("Remedial action expected")
    return "; ".join(parts)


def _key(sheet: Worksheet, st: Styles, row: int) -> int:
    """The key to action ratings and what Computed BRAG and Check mean; the last row."""
    row = action_key(sheet, st, row, "Key to BRAG rating progress of actions", 7)
    row += 1
    merged(sheet, row, 1, LAST, COMPUTED_NOTE, st.italic)
    return row


def action_key(sheet: Worksheet, st: Styles, row: int, title: str, last_col: int) -> int:
    """The seed's key to action ratings, its words upper case as in the seed and coloured as the
    BRAG words they are (also on the Definitions sheet); its last row."""
    sheet.write_string(row, 1, title, st.subtitle)
    first = row + 1
    for word, meaning in ACTION_KEY:
        row += 1
        sheet.write_string(row, 1, word.upper(), st.rating)
        merged(sheet, row, 2, last_col, meaning, st.plain)
    for word in RATED:
        sheet.conditional_format(first, 1, row, 1, {"type": "cell", "criteria": "==", "value": f'"{word.upper()}"',
                                                    "format": st.brag[word]})
    return row
