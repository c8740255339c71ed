"""Problem records: every data problem, in words an officer understands, pointing at a cell.

Data problems are collected, never raised, so that one bad file does not hide the others.
They travel as a DataFrame with the columns below; `locate` turns cell-level findings
(table location, Excel row, column) into records that name the file, sheet and cell.
"""

from __future__ import annotations

import textwrap

from collections.abc import Iterable, Mapping
from typing import Literal

import pandas as pd

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}

COLUMNS = ["severity", "file", "sheet", "cell", "column", "value", "expected", "message", "source", "check"]


def problem(
    severity: Severity,
    message: str,
    *,
    file: str = "",
    sheet: str = "",
    cell: str = "",
    column: str = "",
    value: str = "",
    expected: str = "",
    source: str = "",
    check: str = "",
) -> dict[str, str]:
    """One record. `message` is the whole sentence an officer reads."""
    return {
        "severity": severity, "file": file, "sheet": sheet, "cell": cell, "column": column,
        "value": value, "expected": expected, "message": message, "source": source, "check": check,
    }


def frame(records: Iterable[Mapping[str, str]] = ()) -> pd.DataFrame:
    return pd.DataFrame(list(records), columns=COLUMNS).astype("object")


def combine(*frames: pd.DataFrame) -> pd.DataFrame:
    """All problems in one frame, errors first, then by file and cell order."""
    parts = [f for f in frames if f is not None and len(f)]
    if not parts:
        return frame()
    out = pd.concat(parts, ignore_index=True)[COLUMNS].fillna("")
    order = out["severity"].map(SEVERITY_ORDER)
    return out.assign(_order=order).sort_values(["_order", "file", "sheet"], kind="stable").drop(columns="_order").reset_index(drop=True)


def counts(problems: pd.DataFrame) -> dict[str, int]:
    found = problems["severity"].value_counts() if len(problems) else pd.Series(dtype=int)
    return {s: int(found.get(s, 0)) for s in SEVERITY_ORDER}


def column_letter(index: int) -> str:
    """0-based column index to Excel letters: 0 -> A, 27 -> AB."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def show_value(value: object) -> str:
    """A found value as the officer would see it in the cell."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def where(file: str, sheet: str, cell: str = "") -> str:
    """'file.xlsx, sheet 'X', cell C14' (CSV files have no sheet)."""
    parts = [file]
    if sheet:
        parts.append(f"sheet '{sheet}'")
    if cell:
        parts.append(f"cell {cell}")
    return ", ".join(parts)


HIDDEN = "(not shown: it identifies a child)"


def locate(findings: pd.DataFrame, locations: pd.DataFrame, personal: frozenset[tuple[str, str]] = frozenset()) -> pd.DataFrame:
    """Turn cell findings into problem records.

    findings: columns _loc, _row, column (contract name), value, expected, check, severity.
    locations: one row per table location with loc, file, sheet, table, letters, headings
    (dicts of contract column -> letter / heading as found).
    personal: (table, column) pairs whose values identify a child: a record points at the
    cell but never repeats the value, so logs and reports carry no identifiers.
    """
    if findings.empty:
        return frame()
    loc = locations.set_index("loc")
    merged = findings.join(loc[["file", "sheet", "table", "letters", "headings"]], on="_loc")
    letters = [lt.get(col, "") for lt, col in zip(merged["letters"], merged["column"], strict=True)]
    # Read like the sheet: top to bottom, left to right.
    order = pd.DataFrame({"loc": merged["_loc"].to_numpy(), "row": merged["_row"].to_numpy(),
                          "width": [len(x) for x in letters], "letter": letters}).sort_values(["loc", "row", "width", "letter"]).index
    merged = merged.iloc[order].reset_index(drop=True)
    letters = [letters[i] for i in order]
    headings = [hd.get(col, col) for hd, col in zip(merged["headings"], merged["column"], strict=True)]
    cells = [f"{lt}{row}" if lt else f"row {row}" for lt, row in zip(letters, merged["_row"], strict=True)]
    values = merged["value"].map(show_value)
    hidden = pd.Series([(t, c) in personal for t, c in zip(merged["table"], merged["column"], strict=True)], index=values.index)
    values = values.mask(hidden & values.ne(""), HIDDEN)
    places = [where(f, s, c) for f, s, c in zip(merged["file"], merged["sheet"], cells, strict=True)]
    found = ["is blank" if v == "" else ("has a value that is not right" if v == HIDDEN else f"has '{v}'") for v in values]
    messages = [
        f"{p} ({h}) {fd}; expected {e}." for p, h, fd, e in zip(places, headings, found, merged["expected"], strict=True)
    ]
    return pd.DataFrame({
        "severity": merged["severity"].to_numpy(), "file": merged["file"].to_numpy(),
        "sheet": merged["sheet"].to_numpy(), "cell": cells, "column": headings, "value": values.to_numpy(),
        "expected": merged["expected"].to_numpy(), "message": messages, "source": merged["table"].to_numpy(),
        "check": merged["check"].to_numpy(),
    })[COLUMNS]


def console_table(problems: pd.DataFrame, limit: int = 40, width: int = 100) -> str:
    """A readable plain-text list of the first `limit` problems, worst first."""
    if problems.empty:
        return "No problems found."
    lines = []
    for rec in problems.head(limit).itertuples(index=False):
        lines.append(textwrap.fill(rec.message, width=width, initial_indent=f"{rec.severity.upper():<8}",
                                   subsequent_indent=" " * 8, break_long_words=False, break_on_hyphens=False))
    if len(problems) > limit:
        lines.append(f"... and {len(problems) - limit:,} more (see the error report).")
    return "\n".join(lines)
