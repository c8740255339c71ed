"""Problem records: every data problem, in words an officer understands, pointing at a cell.

Data problems are collected, never raised, so that one bad file does not hide the others.
They travel as a DataFrame with the columns below; `locate` turns cell-level findings
(table location, Excel row, column) into records that name the file, sheet and cell.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.console import printable

if TYPE_CHECKING:
    from pandera.typing import DataFrame

    from pipeline.frames import Problems

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


def frame(records: Iterable[Mapping[str, str]] = ()) -> DataFrame[Problems]:
    return pd.DataFrame(list(records), columns=COLUMNS).astype("object")


def combine(*frames: pd.DataFrame) -> DataFrame[Problems]:
    """All problems in one frame, errors first, then by file and cell order."""
    parts = [f for f in frames if f is not None and len(f)]
    if not parts:
        return frame()
    out = pd.concat(parts, ignore_index=True)[COLUMNS].fillna("")
    order = out["severity"].map(SEVERITY_ORDER)
    return out.assign(_order=order).sort_values(["_order", "file", "sheet"], kind="stable").drop(columns="_order").reset_index(drop=True)


def counts(problems: DataFrame[Problems]) -> dict[str, int]:
    found = problems["severity"].value_counts() if len(problems) else pd.Series(dtype=int)
    return {s: int(found.get(s, 0)) for s in SEVERITY_ORDER}


def show_value(value: object) -> str:
    """A found value as the officer would see it in the cell."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%d/%m/%Y")
    text = printable(str(value), lines=False)
    return text if len(text) <= 80 else text[:77] + "..."


def where(file: str, sheet: str, cell: str = "") -> str:
    """'file.xlsx, sheet 'X', cell C14' (CSV files have no sheet)."""
    parts = [printable(file, lines=False)]
    if sheet:
        parts.append(f"sheet '{printable(sheet, lines=False)}'")
    if cell:
        parts.append(f"cell {cell}")
    return ", ".join(parts)


HIDDEN = "(not shown: it identifies a child)"


def locate(findings: pd.DataFrame, locations: pd.DataFrame, personal: frozenset[tuple[str, str]] = frozenset()) -> DataFrame[Problems]:
    """Turn cell findings into problem records.

    findings: columns _loc, _row, column (contract name), value, expected, check, severity.
    locations: one row per table location with loc, file, sheet, table, letters, headings
    (dicts of contract column -> letter / heading as found).
    personal: (table, column) pairs whose values identify a child: a record points at the
    cell but never repeats the value, so logs and reports carry no identifiers.

    Built column by column, so that a file with an error on every row costs little more than
    reading it: the place, letter, heading and privacy of a cell are worked out once per
    (location, column), and the words of each record are joined as whole columns.
    """
    if findings.empty:
        return frame()
    loc = locations.set_index("loc")
    merged = findings.join(loc[["file", "sheet", "table", "letters", "headings"]], on="_loc")
    codes, pairs = _pairs(merged["_loc"], merged["column"])
    info = pd.DataFrame([(loc.at[place, "letters"].get(col, ""), loc.at[place, "headings"].get(col, col),
                          (loc.at[place, "table"], col) in personal,
                          where(loc.at[place, "file"], loc.at[place, "sheet"])) for place, col in pairs],
                        columns=["letter", "heading", "hidden", "place"]).take(codes)
    # Read like the sheet: top to bottom, left to right.
    order = pd.DataFrame({"loc": merged["_loc"].to_numpy(), "row": merged["_row"].to_numpy(),
                          "width": info["letter"].str.len().to_numpy(dtype="int64"),
                          "letter": info["letter"].to_numpy(dtype=object)}).sort_values(["loc", "row", "width", "letter"]).index
    merged = merged.iloc[order].reset_index(drop=True)
    info = info.iloc[order].reset_index(drop=True)
    letters, headings = info["letter"].astype("string"), info["heading"].astype("string")
    rows = merged["_row"].astype(str).astype("string")
    cells = _join(letters, rows).where(letters.ne(""), _join("row ", rows))
    values = _shown_values(merged["value"])
    values = values.mask(info["hidden"].to_numpy(bool) & values.ne(""), HIDDEN)
    found = _join("has '", values, "'").where(values.ne("") & values.ne(HIDDEN), values.map(
        {"": "is blank", HIDDEN: "has a value that is not right"}).astype("string"))
    messages = _join(info["place"].astype("string"), ", cell ", cells, " (", headings, ") ", found, "; expected ",
                     _as_text(merged["expected"]), ".")
    out = pd.DataFrame({
        "severity": merged["severity"], "file": merged["file"], "sheet": merged["sheet"], "cell": cells,
        "column": headings, "value": values, "expected": merged["expected"], "message": messages,
        "source": merged["table"], "check": merged["check"],
    })[COLUMNS]
    return out.astype("str")  # plain text columns, as every other problem record has


def _pairs(places: pd.Series, columns: pd.Series) -> tuple[np.ndarray, list[tuple[object, object]]]:
    """Codes of each (location, column) pair, and the distinct pairs (factorised as whole numbers)."""
    place_codes, place_values = pd.factorize(places)
    column_codes, column_values = pd.factorize(columns)
    codes, combined = pd.factorize(place_codes.astype("int64") * max(len(column_values), 1) + column_codes)
    width = max(len(column_values), 1)
    return codes, [(place_values[c // width], column_values[c % width]) for c in combined.tolist()]


def _join(*parts: pd.Series | str) -> pd.Series:
    """Text columns (or fixed words) joined row by row, in one pass."""
    index = next(p.index for p in parts if isinstance(p, pd.Series))
    text = pa.large_string()
    arrays = [pa.array(p, from_pandas=True).cast(text) if isinstance(p, pd.Series) else pa.scalar(p, text)
              for p in parts]
    return pd.Series(pd.array(pc.binary_join_element_wise(*arrays, pa.scalar("", text)), dtype="string"),
                     index=index)


def _as_text(values: pd.Series) -> pd.Series:
    """str() of every value (as an f-string would put it), worked out once per distinct value."""
    codes, distinct = pd.factorize(values.astype(object), use_na_sentinel=False)
    return pd.Series([str(v) for v in distinct], dtype="string").take(codes).reset_index(drop=True)


def _shown_values(values: pd.Series) -> pd.Series:
    """`show_value` of every value: vectorised when the values are text (as cells are read), else one by one."""
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        text = values.astype("string")
        return text.where(text.str.len() <= 80, text.str.slice(0, 77) + "...").fillna("")
    return values.map(show_value).astype("string")


def console_table(problems: DataFrame[Problems], limit: int = 40, width: int = 100) -> str:
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
