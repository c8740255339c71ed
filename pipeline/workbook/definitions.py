"""The Definitions sheet: what each measure counts, how it is rated and charted, with the seed's
BRAG key and, in plain words, how the monthly charts are read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline.stages.spc import LIMIT
from pipeline.vocabulary import ASSURANCE_SYMBOLS, DOWN, STEADY, UP, Assurance, Variation
from pipeline.workbook.layout import fit_row, group_row, number, paragraph, print_setup, put_text, set_widths, text
from pipeline.workbook.styles import Styles, brag_rules
from pipeline.workbook.words import SUPPRESSED_MEANING, objective_heading, status_meanings
from pipeline.workbook.workplan import action_key

if TYPE_CHECKING:
    from pipeline.config.catalogue import Measure, Spc
    from pipeline.model import ScorecardData

# Narrow enough (176 characters) that the sheet prints at about 0.73 of its size or more, its text at 8
# points or more: long text wraps into taller rows, the long columns as wide as their words need
# for the rows to be no taller than they must (the SPC settings are the longest).
COLUMNS = (("Ref", 6), ("Measure", 20), ("Definition", 26), ("Source", 10), ("Unit", 10), ("Polarity", 11),
           ("Target", 10), ("Tolerance", 10), ("BRAG rule", 26), ("SPC settings", 37), ("Being developed", 10))
WIDTHS = [w for _, w in COLUMNS]
LAST = len(COLUMNS) - 1
TEXT_WIDTH = sum(WIDTHS[2:])
POLARITY_WORDS = {"higher": "Higher is better", "lower": "Lower is better", "none": "None (monitored, not rated)"}
UNIT_WORDS = {"count": "Count", "percent": "Percentage", "days": "Days"}
# How measures are rated (the README's BRAG section).
RATING_RULES = (
    "Measures with a target: Blue at or beyond the stretch target; Green when the target is met; Amber when "
    "it is missed by no more than the tolerance; Red otherwise.",
    "Measures with a polarity but no target are rated on their variation (below): Green for special cause "
    "improvement, Red for special cause concern, Amber for common cause (no significant change). Where the "
    "monthly chart has too few points, or the measure's settings say rate_by: direction, they are rated on the "
    "direction of travel against the previous quarter instead: Green if better; Amber if the same or worse by no "
    "more than the tolerance; Red if worse by more.",
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


def write_definitions(book: Workbook, st: Styles, data: ScorecardData) -> None:
    """The reader's reference: the measures' definitions under a filter, then the keys and rules."""
    sheet = book.add_worksheet("Definitions")
    set_widths(sheet, WIDTHS)
    for col, (title, _) in enumerate(COLUMNS):
        sheet.write_string(0, col, title, st.head)
    sheet.set_row(0, 30)
    last_measure = _measures(sheet, st, data)
    row = action_key(sheet, st, last_measure + 2, "Key to BRAG rating progress of actions (work plan)", LAST)
    row = _rules(sheet, st, data, row + 2)
    row = _charts(sheet, st, data.spc_settings, row + 2)
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, max(last_measure, 1), LAST)
    sheet.print_area(0, 0, row, LAST)
    print_setup(sheet, data)


def _measures(sheet: Worksheet, st: Styles, data: ScorecardData) -> int:
    """Each measure under its objective's heading; the last row."""
    tolerances = _tolerances(data)
    row = 0
    for objective, rows in data.scorecard.drop_duplicates("ref").groupby("objective", sort=False):
        row += 1
        first = rows.iloc[0]
        group_row(sheet, row, LAST, objective_heading(str(objective), text(first["objective_title"]),
                                                      text(first["objective_lead"]), bool(first["appendix"])), st.group)
        for m in rows.itertuples(index=False):
            row += 1
            _measure(sheet, st, row, m, number(tolerances.get(m.ref)))
    return row


def _measure(sheet: Worksheet, st: Styles, row: int, m: Measure, tolerance: float | None) -> None:
    unit, polarity = text(m.unit), text(m.polarity)
    definition = text(m.description) + (f"\nChoice: {m.choices}" if text(m.choices) else "")
    put_text(sheet, row, 0, m.ref, st.ref)
    put_text(sheet, row, 1, m.title, st.wrap)
    put_text(sheet, row, 2, definition, st.wrap)
    put_text(sheet, row, 3, m.source, st.wrap)
    put_text(sheet, row, 4, UNIT_WORDS.get(unit, unit), st.wrap)
    put_text(sheet, row, 5, POLARITY_WORDS.get(polarity, polarity), st.wrap)
    put_text(sheet, row, 6, m.target, st.wrap)
    put_text(sheet, row, 7, _tolerance_text(tolerance, unit, polarity), st.wrap)
    put_text(sheet, row, 8, m.rule, st.wrap)
    put_text(sheet, row, 9, m.spc, st.wrap)
    put_text(sheet, row, 10, "Yes" if bool(m.developing) else "No", st.centre)
    fit_row(sheet, row, ((m.title, WIDTHS[1]), (definition, WIDTHS[2]), (m.source, WIDTHS[3]), (m.target, WIDTHS[6]),
                         (m.rule, WIDTHS[8]), (m.spc, WIDTHS[9]), (POLARITY_WORDS.get(polarity, ""), WIDTHS[5])))


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


def _rules(sheet: Worksheet, st: Styles, data: ScorecardData, row: int) -> int:
    """How measures are rated, and what the other ratings mean (and c, in the publishable copy); the last row."""
    sheet.write_string(row, 1, "How measures are rated", st.subtitle)
    for said in RATING_RULES:
        row += 1
        paragraph(sheet, row, 1, LAST, said, st.para, sum(WIDTHS[1:]))
    row += 2
    sheet.write_string(row, 1, "What the other ratings mean", st.subtitle)
    other_first = row + 1
    meanings = (*status_meanings(data.low_numbers), *((("c", SUPPRESSED_MEANING),) if data.publish else ()))
    for word, meaning in meanings:
        row += 1
        sheet.write_string(row, 1, word, st.rating)
        paragraph(sheet, row, 2, LAST, meaning, st.para, TEXT_WIDTH)
    brag_rules(sheet, st, other_first, 1, row, 1)
    return row


def _chart_rules(spc: Spc) -> tuple[str, ...]:
    """How the monthly charts are drawn and read, in plain words, with the catalogue's lengths."""
    sure = {word: f"{ASSURANCE_SYMBOLS[word]} {word}" for word in Assurance}
    return (
        "Each measure's monthly figures are charted as NHS England's Making Data Count does (the Charts sheet; "
        "the performance officer's checks workbook lists every month's numbers). The chart's process limits show "
        "how far the figure varies from month to month by chance alone; a month outside that pattern is a signal "
        "that something has changed.",
        f"A count or a median is on an XmR chart: the limits are the mean \u00b1 {LIMIT} \u00d7 the mean moving "
        "range (the average change from one month to the next).",
        "A percentage is on a p-chart, because its monthly denominators are small and vary: the centre is the "
        "pooled share (all the months' cases that count over all their cases), and each month's limits are 3 "
        "standard errors either side of it at that month's own number of cases, so a month with few cases has "
        "wider limits. The performance officer's checks workbook gives each month's denominator.",
        "A month is a signal when it is beyond a process limit; when it is one of "
        f"{spc.shift_length} or more in a row on one side of the mean; when it is one of {spc.trend_length} or "
        "more in a row each higher than the one before (or each lower); or when two of three months in a row are "
        "beyond two-sigma (two thirds of the way to a limit) on the same side of the mean. These lengths are for "
        "every measure unless its SPC settings (above) say otherwise.",
        "A month exactly on the mean counts on neither side and ends a run; a month equal to the one before ends "
        "a rising or falling run; a month with no figure is no point and ends every run.",
        f"A chart needs at least {spc.min_points} monthly points for its mean, limits and signals. With fewer it "
        f"shows its values alone, and its variation is {Variation.TOO_FEW} (with no symbol).",
        f"Variation (the Scorecard) is what the chart says of the quarter's last month: {UP} or {DOWN} "
        f"{Variation.IMPROVEMENT} or {Variation.CONCERN}, the arrow showing whether the month was unusually high "
        f"or low; {UP} {Variation.HIGH} or {DOWN} {Variation.LOW} for a measure where neither is better; "
        f"{STEADY} {Variation.COMMON}: no significant change.",
        f"Assurance, for a measure with a target, sets the target against the latest month's process limits: "
        f"{sure[Assurance.PASSES]} (the target lies beyond the limits on the safe side: month after month will "
        f"meet it); {sure[Assurance.FAILS]} (beyond them on the other side: no month will, unless something "
        f"changes); {sure[Assurance.HIT_AND_MISS]} (the target lies within the limits: some months will meet it "
        "and some will not).",
    )


def _charts(sheet: Worksheet, st: Styles, spc: Spc, row: int) -> int:
    """How the monthly charts are read; the last row."""
    sheet.write_string(row, 1, "How the monthly charts are read (variation and assurance)", st.subtitle)
    for said in _chart_rules(spc):
        row += 1
        paragraph(sheet, row, 1, LAST, said, st.para, sum(WIDTHS[1:]))
    return row
