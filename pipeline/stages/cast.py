"""Casting staged text into typed columns, the way a person would read the cells.

Everything here is vectorised over whole columns. A cell that cannot be read becomes
missing and is reported as a finding (with the text found), so the schema check that
follows never sees a half-understood value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.config.contract import Column, Table

# Cell text that means "nothing here": Excel errors, exported nulls, placeholders.
NULL_TOKENS = ["", "#n/a", "n/a", "na", "n.a.", "null", "none", "nan", "nat", "-", "--", "#value!",
               "#ref!", "#div/0!", "#name?", "#num!", "#null!", "#getting_data"]

DTYPES = {"date": "datetime64[ns]", "month": "datetime64[ns]", "integer": "Int64", "number_in_text": "Int64",
          "yesno": "boolean", "code": "string", "text": "string", "reference": "string", "quarter": "string"}

_DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y", "%d-%b-%Y",
                 "%d-%b-%y", "%d %b %y", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y/%m/%d"]
_MONTH_FORMATS = ["%b-%Y", "%b-%y", "%b %Y", "%B %Y", "%B-%Y", "%b %y", "%m/%Y", "%Y-%m"]
_YES_NO = {**dict.fromkeys(["y", "yes", "true", "1", "1 0", "t"], True),
           **dict.fromkeys(["n", "no", "false", "0", "0 0", "f"], False)}
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


_NULL_SET = pa.array(NULL_TOKENS)


def clean_text(raw: pd.Series) -> pd.Series:
    """Trimmed text; Excel errors and placeholders become missing."""
    cells = pa.array(raw, from_pandas=True) if isinstance(raw.dtype, pd.StringDtype) else None
    if cells is not None and (pa.types.is_string(cells.type) or pa.types.is_large_string(cells.type)):
        # The same steps as below, straight on the Arrow text the readers produce.
        text = pc.utf8_trim_whitespace(pc.replace_substring(cells, "\u00a0", " "))
        text = pc.if_else(pc.is_in(pc.utf8_lower(text), value_set=_NULL_SET), pa.scalar(None, text.type), text)
        return pd.Series(pd.array(text, dtype="string"), index=raw.index, name=raw.name)
    text = raw.astype("string").str.replace("\u00a0", " ", regex=False).str.strip()
    return text.mask(text.str.lower().isin(NULL_TOKENS))


def code_keys(text: pd.Series) -> pd.Series:
    """The vectorised twin of contract.code_key: 'b) Female' -> 'female'."""
    return (text.str.replace(r"^\s*[A-Za-z]{1,2}\)\s*", "", regex=True).str.lower()
            .str.replace("&", " and ", regex=False).str.replace(r"[^0-9a-z]+", " ", regex=True).str.strip())


def _try_formats(text: pd.Series, out: pd.Series, formats: list[str]) -> pd.Series:
    for fmt in formats:
        todo = out.isna() & text.notna()
        if not todo.any():
            break
        out = out.fillna(pd.to_datetime(text[todo], format=fmt, errors="coerce"))
    return out


def parse_dates(text: pd.Series, months: bool = False) -> pd.Series:
    """Excel date cells (read as ISO text), UK text dates and Excel serial numbers."""
    out = pd.to_datetime(text, format="%Y-%m-%d %H:%M:%S", errors="coerce")  # how Excel date cells arrive
    todo = out.isna() & text.notna()
    if todo.any():
        iso = text[todo & text.str.match(r"^\d{4}-\d{1,2}-\d{1,2}").fillna(False).astype(bool)]
        out = out.fillna(pd.to_datetime(iso, format="ISO8601", errors="coerce"))
        out = _try_formats(text, out, _DATE_FORMATS + (_MONTH_FORMATS if months else []))
        todo = out.isna() & text.notna()
        serial = pd.to_numeric(text[todo], errors="coerce")
        serial = serial[(serial >= 1) & (serial < 100_000)]
        out = out.fillna(EXCEL_EPOCH + pd.to_timedelta(serial.round(), unit="D"))
    out = out.where((out >= "1900-01-01") & (out < "2200-01-01"))  # beyond these, a typing slip
    out = out.astype("datetime64[ns]").dt.normalize()
    return out.dt.to_period("M").dt.start_time.astype("datetime64[ns]") if months else out


# Beyond this a number cannot be held exactly (nor as a whole number): it is unreadable, not huge.
LARGEST_WHOLE = 2**53


def parse_integers(text: pd.Series) -> pd.Series:
    """Numbers stored as text, with thousands separators, as whole numbers (or missing)."""
    number = pd.to_numeric(text.str.replace(r"[,\s]", "", regex=True), errors="coerce")
    whole = number.notna() & (number % 1 == 0) & (number.abs() < LARGEST_WHOLE)
    return number.where(whole).astype("Int64")


def parse_number_in_text(text: pd.Series) -> pd.Series:
    """'OC1', '1 - Charged', 'Objective 2' -> the first whole number in the text."""
    digits = text.str.extract(r"(\d+)", expand=False)
    return pd.to_numeric(digits.where(digits.str.len() <= 15), errors="coerce").astype("Int64")


def parse_yesno(text: pd.Series) -> pd.Series:
    return code_keys(text).map(_YES_NO).astype("boolean")


def parse_codes(text: pd.Series, column: Column) -> pd.Series:
    """The contract's spelling of each value; unknown values keep their text for the check to report."""
    mapped = code_keys(text).map(column.code_map).astype("string")
    return mapped.fillna(text)


def parse_quarters(text: pd.Series) -> pd.Series:
    """'Q3 2024/25', 'Q3 2024-25', '2024/25 Q3', 'Q3 24/25' -> 'Q3 2024/25'."""
    a = text.str.extract(r"(?i)^\s*Q\s*([1-4])\D{0,3}?(\d{2,4})\s*[/\-\u2013]\s*(\d{2,4})\s*$")
    b = text.str.extract(r"(?i)^\s*(\d{2,4})\s*[/\-\u2013]\s*(\d{2,4})\D{0,3}?Q\s*([1-4])\s*$")
    quarter = a[0].fillna(b[2])
    first = pd.to_numeric(a[1].fillna(b[0]), errors="coerce")
    second = pd.to_numeric(a[2].fillna(b[1]), errors="coerce")
    first = first.where(first >= 1000, first + 2000)
    ok = quarter.notna() & ((second % 100) == ((first + 1) % 100))
    label = "Q" + quarter + " " + first.astype("Int64").astype("string") + "/" + ((first + 1) % 100).astype("Int64").astype("string").str.zfill(2)
    return label.where(ok).astype("string")


def expected_for(column: Column) -> str:
    """What a cell of this column should hold, in words."""
    if column.type == "date":
        return "a date such as 31/10/2024"
    if column.type == "month":
        return "a month such as Oct-2024 or 01/10/2024"
    if column.type in ("integer", "number_in_text"):
        if column.min is not None and column.max is not None:
            return f"a whole number from {column.min} to {column.max}"
        if column.min is not None:
            return f"a whole number, {column.min} or more"
        return "a whole number"
    if column.type == "yesno":
        return "Yes or No"
    if column.type == "quarter":
        return "a quarter such as Q3 2024/25"
    if column.type == "code":
        return "one of: " + ", ".join(column.values or [])
    return "text"


def cast_column(raw: pd.Series, column: Column) -> pd.Series:
    text = clean_text(raw)
    kind = column.type
    if kind in ("date", "month"):
        return parse_dates(text, months=kind == "month")
    if kind == "integer":
        return parse_integers(text)
    if kind == "number_in_text":
        return parse_number_in_text(text)
    if kind == "yesno":
        return parse_yesno(text)
    if kind == "code":
        return parse_codes(text, column)
    if kind == "quarter":
        return parse_quarters(text)
    if kind == "reference":
        return text.str.replace(r"^(\d+)\.0$", r"\1", regex=True)
    return text


# Types whose columns repeat a handful of values (dates, codes, Yes/No, counts): each distinct
# text is read once and the result spread back over the rows. References and free text are
# nearly all distinct, so they are read directly.
_BY_DISTINCT_VALUE = {"date", "month", "integer", "number_in_text", "yesno", "code", "quarter"}


def _spread(values: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """Per-distinct-value results back onto the rows (code -1, a blank cell, becomes missing)."""
    return pd.Series(values.array.take(codes, allow_fill=True), index=index)


def read_column(raw: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    """The typed column, and which cells hold text that could not be read as its type.

    The same as `cast_column` cell by cell; columns of repeated values are worked out once per
    distinct text.
    """
    dtype = DTYPES[column.type]
    checks_type = column.type not in ("code", "text", "reference")
    if column.type not in _BY_DISTINCT_VALUE:
        value = cast_column(raw, column).astype(dtype)
        unread = (value.isna() & clean_text(raw).notna()) if checks_type else pd.Series(False, index=raw.index)
        return value, unread
    codes, distinct = pd.factorize(raw, use_na_sentinel=True)
    distinct = pd.Series(distinct, dtype=raw.dtype if len(distinct) else "string")
    value = cast_column(distinct, column).astype(dtype)
    typed = _spread(value, codes, raw.index)
    if not checks_type:
        return typed, pd.Series(False, index=raw.index)
    unread = (value.isna() & clean_text(distinct).notna()).to_numpy(dtype=bool)
    flags = unread[codes] & (codes >= 0) if len(unread) else np.zeros(len(raw), dtype=bool)
    return typed, pd.Series(flags, index=raw.index)


def cast_table(staged: pd.DataFrame, table: Table) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed columns for every contract column (absent optional ones are all missing),
    and a finding for each cell whose text could not be read as its type."""
    typed: dict[str, pd.Series] = {}
    findings = []
    for name, column in table.columns.items():
        if name not in staged:
            typed[name] = pd.Series(pd.NA, index=staged.index, dtype=DTYPES[column.type])
            continue
        value, unread = read_column(staged[name], column)
        typed[name] = value
        if unread.any():
            findings.append(pd.DataFrame({
                "_loc": staged.loc[unread, "_loc"], "_row": staged.loc[unread, "_row"], "column": name,
                "value": staged.loc[unread, name], "expected": expected_for(column), "check": "type",
                "severity": "error", "index": staged.index[unread]}))
    out = pd.DataFrame(typed, index=staged.index).assign(_loc=staged["_loc"], _row=staged["_row"])
    if "_file" in staged:
        out["_file"] = staged["_file"]
    found = pd.concat(findings) if findings else pd.DataFrame(columns=["_loc", "_row", "column", "value", "expected", "check", "severity", "index"])
    return out, found
