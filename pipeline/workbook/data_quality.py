"""The Data quality sheet: every problem record, sortable; then the checks on the figures."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline.workbook.error_report import REPORT_COLUMNS
from pipeline.workbook.layout import fit_row, merged, print_setup, put_number, put_text, text
from pipeline.workbook.styles import Styles, word_rules

if TYPE_CHECKING:
    from pipeline.model import ScorecardData

# The error report's columns (pipeline.workbook.error_report), a little narrower so a page stays readable.
WIDTHS = (9, 30, 18, 8, 20, 18, 34, 70)
LAST = len(REPORT_COLUMNS) - 1
# Every check result, below it (pipeline.stages.quality's columns with their headings), one per sheet
# column and no merged cells, so the officer can select the table and sort it.
EXPECTATION_COLUMNS = (("result", "Result"), ("expectation", "Expectation"), ("quarter", "Quarter"),
                       ("measure", "Measure"), ("severity", "Severity"), ("observed", "Observed"),
                       ("details", "Details"))


def write_data_quality(book: Workbook, st: Styles, data: ScorecardData) -> None:
    """The problems, then the expectations on the measures when there are any (their summary is printed)."""
    sheet = book.add_worksheet("Data quality")
    row = _problems(sheet, st, data.problems)
    expectations = data.expectations
    printed = max(row, 1)
    if expectations is not None and not expectations.empty:
        row = _summary(sheet, st, expectations, row + 2)
        printed = row
        _detail(sheet, st, expectations, row + 2, data.qa_record)
    sheet.print_area(0, 0, printed, LAST)
    print_setup(sheet, data)


def _problems(sheet: Worksheet, st: Styles, problems: pd.DataFrame) -> int:
    """Every problem record, one per row under a filter; the last row.

    A bad run may have tens of thousands of problems, so rows go out in a plain loop of
    write_string calls with the column formats set once.
    """
    for col, (_, title, _) in enumerate(REPORT_COLUMNS):
        sheet.set_column(col, col, WIDTHS[col], st.para)
        sheet.write_string(0, col, title, st.head)
    row = 0
    if problems.empty:
        row = 1
        sheet.write_string(row, 0, "No problems were found in the inputs.", st.plain)
    else:
        table = problems.reindex(columns=[key for key, _, _ in REPORT_COLUMNS]).fillna("").astype(str)
        for record in table.itertuples(index=False, name=None):
            row += 1
            for col, value in enumerate(record):
                if value:
                    sheet.write_string(row, col, value)
            fit_row(sheet, row, zip(record, WIDTHS))
        word_rules(sheet, 1, 0, row, {"error": st.attention, "warning": st.flag})
    sheet.autofilter(0, 0, max(row, 1), LAST)
    sheet.freeze_panes(1, 0)
    return row


def _summary(sheet: Worksheet, st: Styles, expectations: pd.DataFrame, row: int) -> int:
    """One line per check of the suite: how many figures it looked at and which failed. Printed."""
    sheet.write_string(row, 0, "Checks on the figures", st.subtitle)
    row += 1
    heads = (("Result", 0, 0), ("Check", 1, 1), ("Figures checked", 2, 2), ("Failed", 3, 3),
             ("Figures that failed: measure, quarter, figure", 4, 6), ("What to do", 7, 7))
    for title, first, last in heads:
        merged(sheet, row, first, last, title, st.head)
    first_row = row + 1
    for name, checks in expectations.groupby("expectation", sort=False):
        row += 1
        failed = checks[checks["result"].eq("failed")]
        listed = "; ".join(f"{r.measure} {r.quarter}: {r.observed}" for r in failed.itertuples())
        what = text(failed["details"].iloc[0]) if len(failed) else ""
        put_text(sheet, row, 0, "failed" if len(failed) else "passed", st.wrap)
        put_text(sheet, row, 1, name, st.wrap)
        put_number(sheet, row, 2, len(checks), st.count)
        put_number(sheet, row, 3, len(failed), st.count)
        merged(sheet, row, 4, 6, listed, st.wrap)
        put_text(sheet, row, 7, what, st.wrap)
        fit_row(sheet, row, ((name, WIDTHS[1]), (listed, sum(WIDTHS[4:7])), (what, WIDTHS[7])))
    word_rules(sheet, first_row, 0, row, {"failed": st.attention, "passed": st.good})
    return row


def _detail(sheet: Worksheet, st: Styles, expectations: pd.DataFrame, row: int, qa_record: Path | None) -> None:
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
    first = row + 1
    table = expectations.reindex(columns=[key for key, _ in EXPECTATION_COLUMNS])
    for record in table.itertuples(index=False, name=None):
        row += 1
        for col, value in enumerate(record):
            put_text(sheet, row, col, value, st.wrap)
        fit_row(sheet, row, zip(record, WIDTHS))
    word_rules(sheet, first, 0, row, {"failed": st.attention, "passed": st.good})
    word_rules(sheet, first, 4, row, {"warning": st.flag})
