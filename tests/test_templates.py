"""The generated templates, read back with openpyxl and checked against the contract itself."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.config.contract import Contract, load_contract
from pipeline.tools.templates import write_templates

CONTRACT_PATH = Path(__file__).resolve().parents[1] / "schemas" / "sources.yaml"
EXCEL_EPOCH = date(1899, 12, 30)


@pytest.fixture(scope="module")
def contract() -> Contract:
    return load_contract(CONTRACT_PATH)


@pytest.fixture(scope="module")
def folder(contract: Contract, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("templates") / "new folder"
    write_templates(out, contract)
    return out


def _open(folder: Path, contract: Contract, template: str) -> Workbook:
    return openpyxl.load_workbook(folder / contract.templates[template].file)


def _validation_for(sheet: Worksheet, column_index: int):
    """The one data validation covering rows 2 to 5000 of a column (1-based index)."""
    found = []
    for dv in sheet.data_validations.dataValidation:
        for cell_range in dv.sqref.ranges:
            min_col, min_row, max_col, max_row = range_boundaries(cell_range.coord)
            if min_col <= column_index <= max_col:
                found.append((dv, min_row, max_row))
    assert len(found) == 1, f"{sheet.title} column {column_index}: {len(found)} validations"
    dv, min_row, max_row = found[0]
    assert (min_row, max_row) == (2, 5000)
    return dv


def _list_options(workbook: Workbook, dv) -> list[str]:
    """The dropdown's options, whether written inline or as a range on another sheet."""
    assert dv.type == "list"
    formula = dv.formula1
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet_name, _, coord = formula.lstrip("=").partition("!")
    sheet = workbook[sheet_name.strip("'")]
    return [row[0].value for row in sheet[coord.replace("$", "")]]


def _column_number_format(sheet: Worksheet, index: int) -> str | None:
    """A column's number format; Excel stores neighbouring alike columns as one <col min max>."""
    for dim in sheet.column_dimensions.values():
        if dim.min is not None and dim.min <= index <= dim.max:
            return dim.number_format
    return None


def _serial(day: date) -> int:
    return (day - EXCEL_EPOCH).days


def _all_text(sheet: Worksheet) -> list[str]:
    return [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]


def test_one_workbook_per_template(contract: Contract, tmp_path: Path) -> None:
    written = write_templates(tmp_path / "out", contract)
    used = {t.template for t in contract.tables.values() if t.template is not None}
    expected = {contract.templates[name].file for name in contract.templates if name in used}
    assert {p.name for p in written} == expected
    assert {p.name for p in (tmp_path / "out").iterdir()} == expected
    assert all(p.parent == tmp_path / "out" for p in written)


def test_annex_a_tables_have_no_template(contract: Contract, folder: Path) -> None:
    annex = [t for t in contract.tables.values() if t.template is None]
    assert {t.sheet for t in annex} == {"List 2", "List 7"}
    for path in folder.glob("*.xlsx"):
        sheets = openpyxl.load_workbook(path).sheetnames
        assert not {t.sheet for t in annex} & set(sheets), path.name


def test_sheets_and_headings_follow_the_contract(contract: Contract, folder: Path) -> None:
    for name, template in contract.templates.items():
        workbook = _open(folder, contract, name)
        tables = [t for t in contract.tables.values() if t.template == name]
        assert workbook.sheetnames[0] == "Read me"
        assert [s for s in workbook.sheetnames if s not in ("Read me", "Notes", "Lists")] == [
            t.sheet for t in tables
        ]
        assert workbook.properties.title == template.title
        assert workbook.properties.subject == "Child Exploitation Delivery Group scorecard return"
        for table in tables:
            sheet = workbook[table.sheet]
            headers = [c.header for c in table.columns.values()]
            row1 = [cell.value for cell in sheet[1]][: len(headers)]
            assert row1 == headers, table.sheet
            assert sheet.cell(1, len(headers) + 1).value is None
            assert all(sheet.cell(1, i + 1).font.b for i in range(len(headers)))
            assert sheet.freeze_panes == "A2"
            assert sheet.auto_filter.ref is not None and sheet.auto_filter.ref.startswith("A1:")
            assert sheet.max_row == 1, f"{table.sheet} should be blank below its headings"


def test_code_column_lists_every_allowed_value(contract: Contract, folder: Path) -> None:
    workbook = _open(folder, contract, "evolve")
    sheet = workbook["Risk assessments"]
    headers = [c.value for c in sheet[1]]
    dv = _validation_for(sheet, headers.index("Risk level") + 1)
    assert set(_list_options(workbook, dv)) >= {"Low", "Medium", "High"}
    assert dv.error


def test_every_code_column_in_every_template_has_its_values(contract: Contract, folder: Path) -> None:
    for name in contract.templates:
        workbook = _open(folder, contract, name)
        for table in contract.tables_for(name).values():
            sheet = workbook[table.sheet]
            for index, column in enumerate(table.columns.values(), start=1):
                if column.type == "code":
                    dv = _validation_for(sheet, index)
                    assert set(_list_options(workbook, dv)) == set(column.values), column.header


def test_long_lists_or_the_training_course_list(contract: Contract, folder: Path) -> None:
    long = [
        (name, table, column)
        for name in contract.templates
        for table in contract.tables_for(name).values()
        for column in table.columns.values()
        if column.type == "code" and len(",".join(column.values)) > 255
    ]
    if long:
        for name, table, column in long:
            workbook = _open(folder, contract, name)
            assert workbook["Lists"].sheet_state == "hidden"
            index = list(table.columns.values()).index(column) + 1
            dv = _validation_for(workbook[table.sheet], index)
            assert "Lists!" in dv.formula1
            assert _list_options(workbook, dv) == column.values
    else:
        training = contract.tables["training"]
        workbook = _open(folder, contract, "partnership")
        sheet = workbook[training.sheet]
        index = [c.header for c in training.columns.values()].index("Course") + 1
        options = _list_options(workbook, _validation_for(sheet, index))
        assert options == training.columns["course_type"].values


def test_a_list_too_long_for_excel_goes_on_the_hidden_lists_sheet(tmp_path: Path) -> None:
    values = [f"Value number {i} with a long name" for i in range(12)] + ["Comma, inside"]
    data = {
        "version": 1,
        "settings": {"earliest_date": date(2010, 1, 1), "header_search_rows": 10},
        "templates": {"t": {"title": "=Title", "file": "T.xlsx", "from": "=Someone"}},
        "tables": {
            "x": {
                "template": "t",
                "title": "X",
                "sheet": "Things",
                "description": "=1+1 is not a formula",
                "columns": {
                    "kind": {"header": "=Kind", "type": "code", "values": values, "note": "=note"},
                    "short": {"header": "Short", "type": "code", "values": ["A", "B"]},
                },
            }
        },
    }
    contract = Contract.model_validate(data)
    [path] = write_templates(tmp_path, contract)
    workbook = openpyxl.load_workbook(path)
    assert workbook["Lists"].sheet_state == "hidden"
    sheet = workbook["Things"]
    assert _list_options(workbook, _validation_for(sheet, 1)) == values
    assert _list_options(workbook, _validation_for(sheet, 2)) == ["A", "B"]
    # text that starts with '=' stays text everywhere
    assert sheet["A1"].value == "=Kind" and sheet["A1"].data_type == "s"
    for name in workbook.sheetnames:
        for row in workbook[name].iter_rows():
            assert all(cell.data_type != "f" for cell in row), name
    assert "=Someone" in _all_text(workbook["Read me"])


def test_yesno_and_date_and_month_and_number_validations(contract: Contract, folder: Path) -> None:
    earliest = _serial(contract.settings.earliest_date)
    seen = set()
    for name in contract.templates:
        workbook = _open(folder, contract, name)
        for table in contract.tables_for(name).values():
            sheet = workbook[table.sheet]
            for index, column in enumerate(table.columns.values(), start=1):
                fmt = _column_number_format(sheet, index)
                if column.type == "yesno":
                    assert _list_options(workbook, _validation_for(sheet, index)) == ["Yes", "No"]
                elif column.type in ("date", "month"):
                    dv = _validation_for(sheet, index)
                    assert dv.type == "date" and dv.operator in (None, "between")
                    assert int(dv.formula1) == earliest
                    assert int(dv.formula2) == _serial(date(2099, 12, 31))
                    assert dv.prompt and dv.error
                    assert fmt == ("dd/mm/yyyy" if column.type == "date" else "mmm-yyyy")
                elif column.type in ("integer", "number_in_text"):
                    dv = _validation_for(sheet, index)
                    assert dv.type == "whole" and dv.error
                    bounds = [int(f) for f in (dv.formula1, dv.formula2) if f is not None]
                    if column.min is not None and column.max is not None:
                        assert bounds == [column.min, column.max]
                    elif column.min is not None:
                        assert dv.operator == "greaterThanOrEqual" and bounds == [column.min]
                elif column.type in ("text", "reference", "quarter"):
                    assert fmt == "@", column.header
                    if column.note:
                        assert column.note[:50] in _validation_for(sheet, index).prompt
                seen.add(column.type)
    assert {"yesno", "date", "month", "integer", "number_in_text", "reference"} <= seen


def test_outcome_type_accepts_one_to_twenty_two(contract: Contract, folder: Path) -> None:
    workbook = _open(folder, contract, "police")
    sheet = workbook["Crimes and outcomes"]
    index = [c.value for c in sheet[1]].index("Outcome type") + 1
    dv = _validation_for(sheet, index)
    assert (dv.type, int(dv.formula1), int(dv.formula2)) == ("whole", 1, 22)


def test_notes_sheet_explains_every_heading(contract: Contract, folder: Path) -> None:
    for name in contract.templates:
        workbook = _open(folder, contract, name)
        notes = workbook["Notes"]
        rows = list(notes.iter_rows(values_only=True))
        assert rows[0][:6] == (
            "Heading", "Must be filled in?", "What to enter", "Allowed values", "Example", "Meaning"
        )
        text = " ".join(_all_text(notes))
        position = 0
        for table in contract.tables_for(name).values():
            assert table.sheet in text
            assert table.description in text
            for column in table.columns.values():
                # blocks follow the contract's order, so look for each heading after the last one
                position = next(i for i in range(position + 1, len(rows)) if rows[i][0] == column.header)
                row = rows[position]
                if not column.required:
                    assert row[1] == "Optional column", column.header
                else:
                    assert row[1] == ("Can be blank" if column.blank_ok else "Yes"), column.header
                if column.type == "code":
                    assert all(v in row[3] for v in column.values)
                if column.personal:
                    assert "never shown in the scorecard" in row[5]
        assert notes.print_title_rows is not None
        assert notes.page_setup.orientation == "landscape"
        assert notes.page_setup.paperSize in (9, "9")


def test_read_me_says_who_fills_it_in(contract: Contract, folder: Path) -> None:
    for name, template in contract.templates.items():
        workbook = _open(folder, contract, name)
        readme = workbook["Read me"]
        text = " ".join(_all_text(readme))
        assert template.title in text
        assert template.from_ in text
        for table in contract.tables_for(name).values():
            assert table.description in text
        for phrase in ("dd/mm/yyyy", "totals", "(for redaction only)", "inputs folder", "dropdown"):
            assert phrase in text, phrase
        assert readme.sheet_view.showGridLines is False
        assert readme.page_setup.paperSize in (9, "9")
