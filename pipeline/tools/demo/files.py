"""The demo tables written as the agencies send them: one workbook (or CSV) per return, always the same bytes."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path
from types import TracebackType

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pipeline.config.contract import Contract, load_contract
from pipeline.config.loading import StrictModel
from pipeline.paths import default_schemas
from pipeline.tools.demo.annex_a import HEADINGS
from pipeline.tools.demo.loading import load
from pipeline.tools.demo.police import APPS_FROM
from pipeline.tools.demo.shared import PERIOD_END, PERIOD_START
from pipeline.tools.demo.tables import demo_tables

CREATED = datetime(2025, 10, 6, 9, 0, 0)  # fixed workbook creation date: same bytes every run
DATE_FORMAT = "dd/mm/yyyy"
MONTH_FORMAT = "mmm-yy"
ANNEX_DATE_FORMAT = 14  # Excel's built-in short date, as the real Annex A export uses
FICTION_NOTE = "Fictional demonstration data. No real child, family member or worker is named."
MONTH = {"Month": MONTH_FORMAT}


class WorkbookFile(StrictModel):
    file: str
    title: str


class CsvFile(StrictModel):
    file: str


class Returns(StrictModel):
    police: WorkbookFile
    evolve: WorkbookFile
    referrals: CsvFile
    social_care: WorkbookFile
    early_help: WorkbookFile
    annex_a: WorkbookFile
    partnership: WorkbookFile
    workplan: WorkbookFile
    commentary: WorkbookFile
    police_title_row: str


RETURNS = load("files.yaml", Returns)


@cache
def _contract() -> Contract:
    return load_contract(default_schemas() / "sources.yaml")


def _headed(frame: pd.DataFrame, table: str, rename: dict[str, str] | None = None) -> pd.DataFrame:
    """Contract column names -> the contract's headings (or a given alias); other columns kept as they are."""
    columns = _contract().tables[table].columns
    names = {c: columns[c].header for c in frame.columns if c in columns}
    names.update(rename or {})
    return frame.rename(columns=names)


def _sheet_name(table: str) -> str:
    return _contract().tables[table].sheet


class _Workbook:
    """An xlsxwriter workbook with fixed properties, so that every run writes the same bytes.

    Strings are never turned into formulas, numbers or links: a quote such as "=) thanks" is
    written as the text the person typed.
    """

    def __init__(self, path: Path, title: str) -> None:
        self.book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                                    "strings_to_urls": False})
        self.book.set_properties({"title": title, "author": "Demo data", "comments": FICTION_NOTE,
                                  "created": CREATED})
        self._formats: dict[tuple, Format] = {}

    def __enter__(self) -> _Workbook:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.book.close()

    def fmt(self, **properties: object) -> Format:
        key = tuple(sorted(properties.items()))
        if key not in self._formats:
            self._formats[key] = self.book.add_format(dict(properties))
        return self._formats[key]

    def sheet(self, name: str, frame: pd.DataFrame, *, titles: tuple[str, ...] = (), total: str | None = None,
              date_format: str | int = DATE_FORMAT, formats: dict[str, str | int] | None = None,
              period: str | None = None, since: pd.Timestamp = PERIOD_START) -> None:
        """Title rows (each followed by a blank row), the period the sheet covers (from `since`) as
        `period` says ("one cell", "label and dates" or "two rows"), a bold header row, the data, and
        optionally a Total row."""
        sheet = self.book.add_worksheet(name)
        row = 0
        for title in titles:
            sheet.write_string(row, 0, title, self.fmt(bold=True, font_size=12))
            row += 2
        if period is not None:
            row = self.period(sheet, row, period, since)
        header = self.fmt(bold=True, text_wrap=True, valign="top", bottom=1)
        column_formats = []
        for col, heading in enumerate(frame.columns):
            sheet.write_string(row, col, str(heading), header)
            number_format = (formats or {}).get(heading)
            column_formats.append(self.fmt(num_format=number_format) if number_format is not None else None)
            sheet.set_column(col, col, min(max(len(str(heading)) + 2, 12), 45))
        first_data_row = row + 1
        row = self.rows(sheet, frame, row, column_formats, self.fmt(num_format=date_format))
        if total is not None:
            row += 1
            sheet.write_string(row, 0, total, self.fmt(bold=True))
            for col in range(1, frame.shape[1]):
                sheet.write_number(row, col, int(pd.to_numeric(frame.iloc[:, col]).sum()), self.fmt(bold=True))
        sheet.freeze_panes(first_data_row, 0)

    def period(self, sheet: Worksheet, row: int, layout: str, since: pd.Timestamp) -> int:
        """The 'Period covered' line in one of the ways agencies write it; the next free row."""
        start, end = since.to_pydatetime(), PERIOD_END.to_pydatetime()
        dates = self.fmt(num_format=DATE_FORMAT, bold=True)
        if layout == "one cell":
            sheet.write_string(row, 0, f"Period covered: {start:%d/%m/%Y} to {end:%d/%m/%Y}", self.fmt(italic=True))
            return row + 2
        if layout == "label and dates":
            sheet.write_string(row, 0, "Period covered", self.fmt(bold=True))
            sheet.write_datetime(row, 1, start, dates)
            sheet.write_datetime(row, 2, end, dates)
            return row + 2
        sheet.write_string(row, 0, "Period covered from", self.fmt(bold=True))  # two rows, each with its date
        sheet.write_datetime(row, 1, start, dates)
        sheet.write_string(row + 1, 0, "Period covered to", self.fmt(bold=True))
        sheet.write_datetime(row + 1, 1, end, dates)
        return row + 3

    def rows(self, sheet: Worksheet, frame: pd.DataFrame, row: int, column_formats: list[Format | None],
             dates: Format) -> int:
        """The data rows below the header row `row`; the last row written."""
        for values in frame.itertuples(index=False):
            row += 1
            for col, value in enumerate(values):
                _write_cell(sheet, row, col, value, column_formats[col], dates)
        return row


def _write_cell(sheet: Worksheet, row: int, col: int, value: object, number_format: Format | None,
                dates: Format) -> None:
    """One cell, as Excel would hold it: a real date, a number, or text. Blanks stay empty."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return
    if isinstance(value, (datetime, date, np.datetime64)):
        stamp = pd.Timestamp(value).to_pydatetime()
        sheet.write_datetime(row, col, stamp, number_format or dates)
    elif isinstance(value, (bool, np.bool_)):
        sheet.write_string(row, col, "Yes" if value else "No", number_format)
    elif isinstance(value, (int, float, np.integer, np.floating)):
        sheet.write_number(row, col, value.item() if isinstance(value, np.generic) else value, number_format)
    else:
        sheet.write_string(row, col, str(value), number_format)


def _write_police(folder: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """SYP's extract: a title row and a blank row above every table, and a Total row under the disruption counts.

    Two headings use the contract's aliases ("Intel ref", "Crime number"), as SYP's system names them.
    The apps sheet covers the months since SYP began recording apps, as its period line says.
    """
    path = folder / RETURNS.police.file
    aliases = {"police_intelligence": {"report_ref": "Intel ref"}, "police_crimes": {"crime_ref": "Crime number"}}
    with _Workbook(path, RETURNS.police.title) as book:
        for table in ("police_intelligence", "police_crimes", "police_disruption", "police_apps", "stovewood"):
            book.sheet(_sheet_name(table), _headed(tables[table], table, aliases.get(table)),
                       titles=(RETURNS.police_title_row,), total="Total" if table == "police_disruption" else None,
                       formats=MONTH, period="one cell", since=APPS_FROM if table == "police_apps" else PERIOD_START)
    return path


def _write_tables(folder: Path, spec: WorkbookFile, tables: dict[str, pd.DataFrame], names: list[str],
                  period: str | None = None) -> Path:
    """A workbook with one sheet per contract table, named and headed as the contract says."""
    path = folder / spec.file
    with _Workbook(path, spec.title) as book:
        for table in names:
            book.sheet(_sheet_name(table), _headed(tables[table], table), formats=MONTH, period=period)
    return path


def _write_referrals_csv(folder: Path, referrals: pd.DataFrame) -> Path:
    """The social care system's CSV export: Windows-1252 (en dashes in the source), CRLF, dd/mm/yyyy text dates."""
    path = folder / RETURNS.referrals.file
    frame = referrals.assign(referral_date=referrals["referral_date"].dt.strftime("%d/%m/%Y"))
    frame = _headed(frame, "csc_referrals", {"referral_source": "Referral source"})
    frame.to_csv(path, index=False, encoding="cp1252", lineterminator="\r\n")
    return path


def _write_annex_a(folder: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """The Ofsted Annex A export: all eleven lists with their real headings, short dates, whole-number IDs.

    Lists 1, 2, 3 and 7 have rows; the others carry their headings only.
    """
    path = folder / RETURNS.annex_a.file
    with _Workbook(path, RETURNS.annex_a.title) as book:
        for name, headings in HEADINGS.items():
            key = "annex_list" + name.split()[1]
            frame = tables[key] if key in tables else pd.DataFrame(columns=headings)
            book.sheet(name, frame, date_format=ANNEX_DATE_FORMAT, formats={"Child Unique ID": "0", "Age": "0"})
    return path


def _write_partnership(folder: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """The hand-made partnership return; its Training sheet has upper-case headings and numbers typed as text."""
    path = folder / RETURNS.partnership.file
    train = _headed(tables["training"], "training")
    attending = _contract().tables["training"].columns["attendees"].header
    train[attending] = train[attending].astype(str)
    train.columns = [c.upper() for c in train.columns]
    with _Workbook(path, RETURNS.partnership.title) as book:
        book.sheet(_sheet_name("training"), train, period="one cell")
        for table in ("engagement", "therapeutic", "commissioned_audits", "partnership_audits", "learning_events"):
            book.sheet(_sheet_name(table), _headed(tables[table], table), formats=MONTH, period="one cell")
    return path


def write_demo_inputs(folder: Path) -> list[Path]:
    """Write the full set of fictional agency returns into `folder` (created if need be); return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables = demo_tables()
    return [
        _write_police(folder, tables),
        _write_tables(folder, RETURNS.evolve, tables, ["evolve_risk", "evolve_audits", "evolve_feedback"],
                      period="label and dates"),
        _write_referrals_csv(folder, tables["csc_referrals"]),
        _write_tables(folder, RETURNS.social_care, tables,
                      ["csc_strategy", "csc_cp_plans", "csc_complex_abuse", "csc_missing"], period="two rows"),
        _write_tables(folder, RETURNS.early_help, tables, ["eh_monthly"]),
        _write_annex_a(folder, tables),
        _write_partnership(folder, tables),
        _write_tables(folder, RETURNS.workplan, tables, ["workplan"]),
        _write_tables(folder, RETURNS.commentary, tables, ["commentary"]),
    ]
