"""Formula and link injection: input text starting with = + - @ reaches every output as text."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from pipeline.cli import main
from pipeline.config.contract import load_contract
from tests.conftest import ROOT, TODAY, copy_demo_inputs

pytestmark = pytest.mark.usefixtures("great_expectations")  # builds scorecards in this process

CONTRACT = load_contract(ROOT / "schemas" / "sources.yaml")
FREE_TEXT = [(t, c) for t, table in CONTRACT.tables.items() for c, col in table.columns.items() if col.free_text]
PREFIXES = ['=HYPERLINK("http://example.invalid","', "+", "-", "@"]
# Where each table sits in the demo files, and a row to change that appears on the scorecard.
SHOWN = {"evolve_feedback", "workplan", "commentary"}


def payload(i: int, table: str, column: str) -> str:
    prefix = PREFIXES[i % len(PREFIXES)]
    return f'{prefix}{table}.{column}")' if prefix.startswith("=") else f"{prefix}{table}.{column} 1+1"


def _find(folder: Path, heading: str, sheet_name: str) -> tuple[Path, str, int, int]:
    for path in folder.glob("*.xlsx"):
        book = openpyxl.load_workbook(path)
        if sheet_name not in book.sheetnames:
            continue
        for row in book[sheet_name].iter_rows(max_row=6):
            for cell in row:
                if isinstance(cell.value, str) and cell.value.strip().lower() == heading.lower():
                    return path, sheet_name, cell.row, cell.column
    raise AssertionError(f"{heading} not found on {sheet_name}")


def _row_in_reporting_quarter(sheet, head_row: int, table: str) -> int:
    """A data row that the Q2 2025/26 scorecard shows (feedback and commentary are per quarter)."""
    headings = {str(c.value).strip().lower(): c.column for c in sheet[head_row] if c.value}
    for r in range(head_row + 1, sheet.max_row + 1):
        if table == "evolve_feedback":
            when = sheet.cell(r, headings["date received"]).value
            if when and str(when)[:7] in ("2025-07", "2025-08", "2025-09") and sheet.cell(r, headings["consent to share quote"]).value != "No":
                return r
        elif table == "commentary":
            if sheet.cell(r, headings["quarter"]).value == "Q2 2025/26":
                return r
        else:
            return r
    raise AssertionError(table)


@pytest.fixture(scope="module")
def injected(tmp_path_factory) -> tuple[Path, dict[tuple[str, str], str]]:
    folder = tmp_path_factory.mktemp("inj") / "inputs"
    copy_demo_inputs(folder)
    planted = {}
    for i, (table, column) in enumerate(FREE_TEXT):
        spec = CONTRACT.tables[table]
        path, sheet_name, head_row, col = _find(folder, spec.columns[column].header, spec.sheet)
        book = openpyxl.load_workbook(path)
        sheet = book[sheet_name]
        row = _row_in_reporting_quarter(sheet, head_row, table)
        cell = sheet.cell(row, col)
        cell.value = payload(i, table, column)
        cell.data_type = "s"  # typed as text, as a person would
        book.save(path)
        planted[(table, column)] = cell.value
    outputs = folder.parent / "outputs"
    assert main(["--inputs", str(folder), "--outputs", str(outputs), "--today", TODAY.isoformat(), "--quiet"]) in (0, 3)
    return outputs, planted


def cells(outputs: Path):
    for path in outputs.rglob("*.xlsx"):
        if "archive" in path.parts:
            continue
        for sheet in openpyxl.load_workbook(path).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        yield path, sheet.title, cell


def test_every_free_text_field_was_planted_in_the_inputs(injected):
    _, planted = injected
    assert len(planted) == len(FREE_TEXT) >= 10


def test_no_output_cell_is_a_formula(injected):
    outputs, _ = injected
    formulas = [(p.name, s, c.coordinate, c.value) for p, s, c in cells(outputs) if c.data_type == "f"]
    assert formulas == []


def test_the_shown_free_text_arrives_as_text(injected):
    outputs, planted = injected
    texts = {str(c.value) for p, s, c in cells(outputs) if p.name.startswith("CE scorecard") and c.data_type == "s"}
    shown = {k: v for k, v in planted.items() if k[0] in SHOWN}
    assert len(shown) >= 6
    for (table, column), text in shown.items():
        assert any(text in t for t in texts), (table, column, text)


def test_a_bad_value_starting_with_equals_is_text_in_the_error_report(tmp_path):
    folder = tmp_path / "inputs"
    copy_demo_inputs(folder)
    path, sheet_name, head_row, col = _find(folder, "Risk level", "Risk assessments")
    book = openpyxl.load_workbook(path)
    cell = book[sheet_name].cell(head_row + 1, col)
    cell.value, cell.data_type = "=1+1", "s"
    book.save(path)
    assert main(["validate", "--inputs", str(folder), "--outputs", str(tmp_path / "out"), "--today", TODAY.isoformat(), "--quiet"]) == 4
    report = next((tmp_path / "out" / "error reports").glob("*.xlsx"))
    found = [c for row in openpyxl.load_workbook(report).active.iter_rows() for c in row if c.value == "=1+1"]
    assert found and all(c.data_type == "s" for c in found)
