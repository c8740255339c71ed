"""The circulated workbook (first cut: the Scorecard sheet)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xlsxwriter

from pipeline.quarters import file_label, label
from pipeline.safe import OutputLocked, write_atomically


def workbook_path(outputs: Path, settings, reporting: pd.Period, demo: bool = False) -> Path:
    name = settings.workbook_name.format(quarter=file_label(reporting))
    if demo:
        name = name[: -len(".xlsx")] + " (DEMO).xlsx"
    return outputs / name


def _write(data, path: Path) -> None:
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                           "strings_to_numbers": False})
    sheet = book.add_worksheet("Scorecard")
    head = book.add_format({"bold": True, "bg_color": "#DDE4EE", "text_wrap": True})
    columns = ["Ref", "Measure", *[label(q) for q in data.quarters], "Target", "Short trend", "Long trend", "BRAG", "Commentary", "Notes"]
    for c, title in enumerate(columns):
        sheet.write_string(0, c, title, head)
    for r, row in enumerate(data.scorecard.itertuples(index=False), start=1):
        cells = [row.ref, row.title, row.q1_text, row.q2_text, row.q3_text, row.q4_text, row.target,
                 row.trend_short, row.trend_long, row.brag, row.comment, row.notes]
        for c, value in enumerate(cells):
            sheet.write_string(r, c, "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value))
    book.close()


def write_workbook(data, target: Path) -> tuple[Path, bool]:
    """Write safely; if the target is open in Excel, keep the new copy under another name."""
    try:
        return write_atomically(target, lambda p: _write(data, p)), False
    except OutputLocked as locked:
        return Path(str(locked)), True
