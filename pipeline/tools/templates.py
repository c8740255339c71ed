"""Blank, ready-to-fill workbooks built from the input contract (schemas/sources.yaml).

The templates are generated, never hand-made, so that a heading, a dropdown or a note can
never drift from what the pipeline actually reads. Each workbook has a "Read me" sheet for
the officer filling it in, one data sheet per table, and a "Notes" sheet that explains
every column.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline.config.contract import Column, Contract, Table, Template
from pipeline.workbook.layout import a4, fit_row

SUBJECT = "Child Exploitation Delivery Group scorecard return"
README_SHEET = "Read me"
NOTES_SHEET = "Notes"
LISTS_SHEET = "Lists"
RESERVED_SHEETS = frozenset(name.lower() for name in (README_SHEET, NOTES_SHEET, LISTS_SHEET))

LAST_ROW = 4999  # zero-based: validation covers rows 2 to 5000 as Excel numbers them
LATEST_DATE = date(2099, 12, 31)
LIST_LIMIT = 255  # Excel refuses an inline dropdown list longer than this
TITLE_LIMIT = 32  # Excel's limit on a validation's title
MESSAGE_LIMIT = 255  # Excel's limit on a validation's message

TEXT_TYPES = frozenset({"text", "reference", "quarter", "code", "yesno"})
WHAT_TO_ENTER = {
    "date": "a date, e.g. 31/10/2024",
    "month": "a month, e.g. Oct-2024",
    "integer": "a whole number",
    "number_in_text": "a whole number",
    "code": "one of the listed values",
    "yesno": "Yes or No",
    "quarter": "a quarter, e.g. Q3 2024/25",
    "text": "text",
    "reference": "a reference",
}
PERSONAL_NOTE = "Used only for checks, never shown in the scorecard."
NOTES_HEADINGS = ("Heading", "Must be filled in?", "What to enter", "Allowed values", "Example", "Meaning")
NOTES_WIDTHS = (26, 12, 20, 28, 20, 55)
README_WIDTHS = (26, 80)


@dataclass(frozen=True)
class Formats:
    """Every cell format a template uses, created once per workbook (xlsxwriter keeps each one)."""

    title: Format
    heading: Format
    label: Format
    wrap: Format
    header: Format
    cell: Format
    cell_bold: Format
    description: Format
    text: Format
    date: Format
    month: Format
    entry: Format  # a date the agency fills in on the Read me sheet


def _formats(workbook: Workbook) -> Formats:
    """The workbook's formats: plain, wrapped, and readable when printed in black and white."""
    boxed = {"text_wrap": True, "valign": "top", "border": 1, "border_color": "#A6A6A6"}
    return Formats(
        title=workbook.add_format({"bold": True, "font_size": 16, "valign": "top"}),
        heading=workbook.add_format({"bold": True, "font_size": 12, "valign": "top", "bottom": 1}),
        label=workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"}),
        wrap=workbook.add_format({"text_wrap": True, "valign": "top"}),
        header=workbook.add_format({**boxed, "bold": True, "bg_color": "#DDEBF7"}),
        cell=workbook.add_format(boxed),
        cell_bold=workbook.add_format({**boxed, "bold": True}),
        description=workbook.add_format({"italic": True, "text_wrap": True, "valign": "top"}),
        text=workbook.add_format({"num_format": "@"}),
        date=workbook.add_format({"num_format": "dd/mm/yyyy"}),
        month=workbook.add_format({"num_format": "mmm-yyyy"}),
        entry=workbook.add_format({"num_format": "dd/mm/yyyy", "bg_color": "#FFF2CC", "border": 1,
                                   "border_color": "#A6A6A6", "align": "left"}),
    )


def write_templates(folder: Path, contract: Contract) -> dict[Path, Path]:
    """Write one blank workbook per template into `folder`; tables with no template get none.

    A file already there (perhaps a return someone has filled in) is never overwritten: the new
    template takes the next free name, 'Police return (2).xlsx'. Returns where each template was
    meant to go and where it went.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[Path, Path] = {}
    for name, template in contract.templates.items():
        tables = list(contract.tables_for(name).values())
        if not tables:
            continue
        path = _free_name(folder / template.file)
        _write_workbook(path, template, tables, contract)
        written[folder / template.file] = path
    return written


def _free_name(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
    return candidate


def _write_workbook(path: Path, template: Template, tables: list[Table], contract: Contract) -> None:
    """Read me first (what an officer sees on opening), then the data sheets, Notes, and Lists."""
    _check_sheet_names(template, tables)
    workbook = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    workbook.set_properties({"title": template.title, "subject": SUBJECT})
    formats = _formats(workbook)
    long_lists = _plan_long_lists(tables)
    _write_readme(workbook.add_worksheet(README_SHEET), template, tables, formats)
    for table in tables:
        _write_data_sheet(workbook.add_worksheet(table.sheet), table, contract, long_lists, formats)
    _write_notes(workbook.add_worksheet(NOTES_SHEET), tables, contract, formats)
    if long_lists:
        _write_lists_sheet(workbook.add_worksheet(LISTS_SHEET), long_lists)
    workbook.close()


def _check_sheet_names(template: Template, tables: list[Table]) -> None:
    """A table's sheet must not clash with another or with the sheets every template has."""
    seen: set[str] = set()
    for table in tables:
        key = table.sheet.lower()
        if key in RESERVED_SHEETS or key in seen:
            raise ValueError(f"{template.file}: the sheet name '{table.sheet}' clashes with another sheet.")
        seen.add(key)


# ---------------------------------------------------------------- Read me


def _write_readme(sheet: Worksheet, template: Template, tables: list[Table], fmt: Formats) -> None:
    """What the workbook is, who fills it in, and how, in plain words for a performance officer."""
    sheet.hide_gridlines(2)
    label_width, text_width = README_WIDTHS
    sheet.set_column(0, 0, label_width)
    sheet.set_column(1, 1, text_width)
    a4(sheet, landscape=False, repeat=False, margins=(0.5, 0.5, 0.6, 0.6))

    sheet.set_row(0, 24)
    sheet.write_string(0, 0, template.title, fmt.title)
    sheet.write_string(1, 0, "Filled in by", fmt.label)
    sheet.write_string(1, 1, template.from_, fmt.wrap)
    fit_row(sheet, 1, [(template.from_, text_width)])
    sheet.write_string(2, 0, "Used for", fmt.label)
    sheet.write_string(2, 1, f"The {SUBJECT.lower()}.", fmt.wrap)

    row = 4
    if any(table.date_column and table.grain != "monthly" for table in tables):
        row = _write_period(sheet, row, fmt, text_width) + 1
    sheet.write_string(row, 0, "What is in this workbook", fmt.heading)
    sheet.write_blank(row, 1, None, fmt.heading)
    row += 1
    for table in tables:
        sheet.write_string(row, 0, table.sheet, fmt.label)
        sheet.write_string(row, 1, table.description, fmt.wrap)
        fit_row(sheet, row, [(table.sheet, label_width), (table.description, text_width)])
        row += 1
    sheet.write_string(row, 0, NOTES_SHEET, fmt.label)
    sheet.write_string(row, 1, "What each column means and what to type in it.", fmt.wrap)

    row += 2
    sheet.write_string(row, 0, "How to fill it in", fmt.heading)
    sheet.write_blank(row, 1, None, fmt.heading)
    row += 1
    for number, instruction in enumerate(_instructions(), start=1):
        sheet.write_string(row, 0, f"{number}.", fmt.label)
        sheet.write_string(row, 1, instruction, fmt.wrap)
        fit_row(sheet, row, [(instruction, text_width)])
        row += 1


PERIOD_NOTE = ("Type the first and the last day this return covers, e.g. 01/07/2025 and 30/09/2025. A quarter "
               "it covers with nothing to report then shows 0 on the scorecard; a quarter it does not cover shows "
               "No data. Left blank, the period is worked out from the dates in the rows.")


def _write_period(sheet: Worksheet, row: int, fmt: Formats, text_width: float) -> int:
    """The 'Period covered' lines (read by pipeline.stages.period): two dates to fill in; the last row used."""
    sheet.write_string(row, 0, "The period this return covers", fmt.heading)
    sheet.write_blank(row, 1, None, fmt.heading)
    for offset, (label, title) in enumerate((("Period covered from", "First day covered"),
                                             ("Period covered to", "Last day covered")), start=1):
        sheet.write_string(row + offset, 0, label, fmt.label)
        sheet.write_blank(row + offset, 1, None, fmt.entry)
        sheet.data_validation(row + offset, 1, row + offset, 1, {
            "validate": "date", "criteria": "between", "minimum": date(2000, 1, 1), "maximum": LATEST_DATE,
            "input_title": title, "input_message": "Type a date as dd/mm/yyyy, e.g. 30/09/2025.",
            "error_title": "Not a date", "error_message": "Type a date as dd/mm/yyyy, e.g. 30/09/2025."})
    sheet.write_string(row + 3, 1, PERIOD_NOTE, fmt.wrap)
    fit_row(sheet, row + 3, [(PERIOD_NOTE, text_width)])
    return row + 3


def _instructions() -> list[str]:
    """The same short rules for every template."""
    return [
        "Keep the heading row (row 1 of each sheet) exactly as it is. "
        "Do not rename, move or delete headings.",
        "Type one row per record, starting in row 2, with no blank rows in between.",
        "Where this sheet asks for the period covered, type its first and last day: then a quarter with "
        "nothing to report shows 0, not No data.",
        "Type dates as dd/mm/yyyy, for example 31/10/2024. For a month, type Oct-2024 or any date in it.",
        "Where a cell has a dropdown, choose the value from the list rather than typing your own wording.",
        "Do not add totals rows or subtotals. The scorecard works out its own totals and ignores yours.",
        "Never type a child's name, or a family member's name, except in columns whose heading says "
        "\"(for redaction only)\". Use the child's case-management reference instead.",
        "If you are not sure what a column wants, see the Notes sheet.",
        "Save the file as an Excel workbook (.xlsx) and drop it into the inputs folder. "
        "You may rename the file: it is recognised by its headings, not its name.",
    ]


# ---------------------------------------------------------------- data sheets


def _write_data_sheet(
    sheet: Worksheet, table: Table, contract: Contract, long_lists: dict[tuple[str, ...], str], fmt: Formats
) -> None:
    """The heading row and, for each column, its number format and data validation."""
    columns = list(table.columns.values())
    widths = [_data_width(column) for column in columns]
    for index, (column, width) in enumerate(zip(columns, widths)):
        sheet.set_column(index, index, width, _column_format(column, fmt))
        sheet.write_string(0, index, column.header, fmt.header)
        validation = _validation(column, contract, long_lists)
        if validation is not None:
            sheet.data_validation(1, index, LAST_ROW, index, validation)
    fit_row(sheet, 0, [(column.header, width - 2) for column, width in zip(columns, widths)])
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, 0, len(columns) - 1)
    a4(sheet)


def _column_format(column: Column, fmt: Formats) -> Format | None:
    """Text format keeps references like 0123 as typed; dates and months show as the contract asks."""
    if column.type == "date":
        return fmt.date
    if column.type == "month":
        return fmt.month
    if column.type in TEXT_TYPES:
        return fmt.text
    return None


def _data_width(column: Column) -> float:
    """Wide enough for the heading on at most two lines, and for dates, codes and free text."""
    header = len(column.header)
    width = header + 3 if header <= 24 else max(18, header / 2 + 4)
    if column.type in ("date", "month"):
        width = max(width, 13)
    if column.values:
        width = max(width, max(len(v) for v in column.values) + 4)
    if column.free_text:
        width = max(width, 35)
    return min(max(width, 10), 45)


def _validation(column: Column, contract: Contract, long_lists: dict[tuple[str, ...], str]) -> dict | None:
    """The xlsxwriter data-validation options for a column, or None when it has nothing to say."""
    if column.type == "code":
        return _with_input(column, _list_rule(column, long_lists))
    if column.type == "yesno":
        return _with_input(column, {"validate": "list", "source": ["Yes", "No"], "error_title": "Yes or No",
                                    "error_message": "Choose Yes or No from the list."})
    if column.type in ("date", "month"):
        return _date_rule(column, contract.settings.earliest_date)
    if column.type in ("integer", "number_in_text"):
        return _with_input(column, {**_whole_number_rule(column), "error_title": "Not a whole number"})
    if column.note:
        return {"validate": "any", "input_title": _clip(column.header, TITLE_LIMIT),
                "input_message": _clip(column.note, MESSAGE_LIMIT)}
    return None


def _list_rule(column: Column, long_lists: dict[tuple[str, ...], str]) -> dict:
    """A dropdown of the column's values: inline, or from the Lists sheet when too long for Excel."""
    values = column.values or []
    source = long_lists.get(tuple(values))
    return {"validate": "list", "source": source if source else values, "error_title": "Not in the list",
            "error_message": _choose_message(values)}


def _date_rule(column: Column, earliest: date) -> dict:
    """A date (or a month) from the contract's earliest date to LATEST_DATE, with a hint how to type it."""
    is_month = column.type == "month"
    span = f"between {earliest:%d/%m/%Y} and {LATEST_DATE:%d/%m/%Y}"
    hint = "Type the month, e.g. Oct-2024 or 01/10/2024." if is_month else "Type a date as dd/mm/yyyy, e.g. 31/10/2024."
    return {
        "validate": "date",
        "criteria": "between",
        "minimum": earliest,
        "maximum": LATEST_DATE,
        "input_title": _clip(column.header, TITLE_LIMIT),
        "input_message": _clip(f"{hint} {column.note}".strip(), MESSAGE_LIMIT),
        "error_title": "Not a month" if is_month else "Not a date",
        "error_message": (f"Type a month {span}, e.g. Oct-2024." if is_month
                          else f"Type a date {span}, as dd/mm/yyyy, e.g. 31/10/2024."),
    }


def _whole_number_rule(column: Column) -> dict:
    """Whole numbers within the contract's min and max, with the rule said in words."""
    low, high = column.min, column.max
    if low is not None and high is not None:
        rule = {"criteria": "between", "minimum": low, "maximum": high}
        words = f"Type a whole number from {low} to {high}."
    elif low is not None:
        rule = {"criteria": ">=", "value": low}
        words = f"Type a whole number, {low} or more."
    elif high is not None:
        rule = {"criteria": "<=", "value": high}
        words = f"Type a whole number, {high} or less."
    else:
        rule = {"criteria": "between", "minimum": -2147483648, "maximum": 2147483647}
        words = "Type a whole number."
    return {"validate": "integer", **rule, "error_message": words}


def _with_input(column: Column, options: dict) -> dict:
    """Add the column's note as the message shown when a cell is selected."""
    if column.note:
        options["input_title"] = _clip(column.header, TITLE_LIMIT)
        options["input_message"] = _clip(column.note, MESSAGE_LIMIT)
    return options


def _choose_message(values: list[str]) -> str:
    """'Choose CSE or CCE from the list.' for short lists; a general line for long ones."""
    if len(values) <= 4:
        named = values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"
        message = f"Choose {named} from the list."
        if len(message) <= MESSAGE_LIMIT:
            return message
    return "Choose one of the values in the dropdown list. The Notes sheet lists them all."


def _clip(text: str, limit: int) -> str:
    """Excel refuses over-long validation titles and messages, so shorten them with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------- the hidden Lists sheet


def _needs_range(values: list[str]) -> bool:
    """Excel cannot hold this list inline: too long, or a value with a comma or quote in it."""
    return len(",".join(values)) > LIST_LIMIT or any("," in v or '"' in v for v in values)


def _plan_long_lists(tables: list[Table]) -> dict[tuple[str, ...], str]:
    """Each list too long for a dropdown gets a column on the Lists sheet; returns list -> range."""
    ranges: dict[tuple[str, ...], str] = {}
    for table in tables:
        for column in table.columns.values():
            values = tuple(column.values or ())
            if column.type == "code" and values not in ranges and _needs_range(list(values)):
                letter = xl_col_to_name(len(ranges))
                ranges[values] = f"={LISTS_SHEET}!${letter}$1:${letter}${len(values)}"
    return ranges


def _write_lists_sheet(sheet: Worksheet, long_lists: dict[tuple[str, ...], str]) -> None:
    """The values behind the long dropdowns, hidden so that nobody types into them."""
    for index, values in enumerate(long_lists):
        sheet.set_column(index, index, max(len(v) for v in values) + 2)
        for row, value in enumerate(values):
            sheet.write_string(row, index, value)
    sheet.hide()


# ---------------------------------------------------------------- Notes


def _write_notes(sheet: Worksheet, tables: list[Table], contract: Contract, fmt: Formats) -> None:
    """One block per data sheet: its name, what it holds, and a row per column."""
    sheet.hide_gridlines(2)
    for index, width in enumerate(NOTES_WIDTHS):
        sheet.set_column(index, index, width)
    last_col = len(NOTES_HEADINGS) - 1
    for index, heading in enumerate(NOTES_HEADINGS):
        sheet.write_string(0, index, heading, fmt.header)
    fit_row(sheet, 0, list(zip(NOTES_HEADINGS, NOTES_WIDTHS)))
    sheet.freeze_panes(1, 0)
    a4(sheet, margins=(0.4, 0.4, 0.6, 0.6))

    row = 2
    if any(table.date_column and table.grain != "monthly" for table in tables):
        # Not a line starting "Period covered": that is what the reader looks for (pipeline.stages.period).
        sheet.set_row(row, 20)
        sheet.write_string(row, 0, f"Sheet: {README_SHEET}, the period this return covers", fmt.heading)
        for col in range(1, last_col + 1):
            sheet.write_blank(row, col, None, fmt.heading)
        sheet.merge_range(row + 1, 0, row + 1, last_col, "", fmt.description)
        sheet.write_string(row + 1, 0, PERIOD_NOTE, fmt.description)
        fit_row(sheet, row + 1, [(PERIOD_NOTE, sum(NOTES_WIDTHS))])
        row += 3
    for table in tables:
        sheet.set_row(row, 20)
        sheet.write_string(row, 0, f"Sheet: {table.sheet}", fmt.heading)
        for col in range(1, last_col + 1):
            sheet.write_blank(row, col, None, fmt.heading)
        row += 1
        sheet.merge_range(row, 0, row, last_col, "", fmt.description)
        sheet.write_string(row, 0, table.description, fmt.description)
        fit_row(sheet, row, [(table.description, sum(NOTES_WIDTHS))])
        row += 1
        for column in table.columns.values():
            cells = _notes_row(column, contract)
            for col, text in enumerate(cells):
                sheet.write_string(row, col, text, fmt.cell_bold if col == 0 else fmt.cell)
            fit_row(sheet, row, list(zip(cells, NOTES_WIDTHS)))
            row += 1
        row += 1


def _notes_row(column: Column, contract: Contract) -> list[str]:
    """The six cells describing one column, in the order of NOTES_HEADINGS."""
    if not column.required:
        must = "Optional column"
    elif column.blank_ok:
        must = "Can be blank"
    else:
        must = "Yes"
    meaning = column.note
    if column.personal:
        meaning = f"{meaning} {PERSONAL_NOTE}".strip()
    return [
        column.header,
        must,
        WHAT_TO_ENTER[column.type],
        _allowed_values(column, contract),
        column.example,
        meaning,
    ]


def _allowed_values(column: Column, contract: Contract) -> str:
    """The allowed values or range in words; blank where anything goes."""
    earliest = contract.settings.earliest_date
    if column.type == "code":
        return "\n".join(column.values or [])
    if column.type == "yesno":
        return "Yes\nNo"
    if column.type == "date":
        limit = "" if column.future_ok else ", not after today"
        return f"From {earliest:%d/%m/%Y}{limit}"
    if column.type == "month":
        return f"From {earliest:%b-%Y}"
    if column.type in ("integer", "number_in_text"):
        if column.min is not None and column.max is not None:
            return f"{column.min} to {column.max}"
        if column.min is not None:
            return f"{column.min} or more"
        if column.max is not None:
            return f"{column.max} or less"
    return ""
