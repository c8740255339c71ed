"""Checking: every table against a pandera schema built from the contract.

Schemas are generated from schemas/sources.yaml so that the contract is written once, as
data. Validation is lazy, so every failing cell is found in one pass; each failure becomes
one finding that points at its cell. A row with any error never reaches a measure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
import pandera.pandas as pa

from pipeline import problems as pr
from pipeline.config.contract import Contract, Table
from pipeline.stages.cast import DTYPES, cast_table, expected_for
from pipeline.stages.read import ReadTables, locations_frame

FINDING_COLUMNS = ["_loc", "_row", "column", "value", "expected", "check", "severity", "index"]
CELL_LIMIT = 32_767  # Excel's limit on the characters in a cell
TEXT_TYPES = ("text", "reference", "code", "quarter")
FUTURE_LIMIT_YEARS = 10  # target dates may be ahead of the run, but not absurdly so


@dataclass
class Checked:
    """The rows that passed, per table, and what the checks found."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: pd.DataFrame = field(default_factory=pr.frame)
    rejected: dict[int, int] = field(default_factory=dict)  # location -> rows left out


def _unique_check(keys: list[str], error: str) -> pa.Check:
    """Flags the second and later rows with the same key in the same file, so the message can point
    back at the first. The same key in two files is one record sent twice: pipeline.stages.dedupe's work."""
    by_file = [*keys, "_file"]
    return pa.Check(lambda df: ~df.duplicated(by_file, keep="first") | df[keys].isna().any(axis=1), error=error)


def table_schema(name: str, table: Table, today: date, earliest: date, allowed: dict[str, list[str]] | None = None,
                 absent: frozenset[str] = frozenset()) -> pa.DataFrameSchema:
    """The pandera schema for one contract table. Optional columns the file lacks may be blank."""
    allowed = allowed or {}
    columns = {}
    for col_name, col in table.columns.items():
        checks = []
        values = allowed.get(col_name, col.values)
        if values is not None:
            checks.append(pa.Check.isin(values, error="allowed_values"))
        if col.type in ("integer", "number_in_text"):
            if col.min is not None:
                checks.append(pa.Check.ge(col.min, error="range"))
            if col.max is not None:
                checks.append(pa.Check.le(col.max, error="range"))
        if col.type in ("date", "month"):
            latest = today + timedelta(days=365 * FUTURE_LIMIT_YEARS) if col.future_ok else today
            checks.append(pa.Check.in_range(pd.Timestamp(earliest), pd.Timestamp(latest), error="date_window"))
        columns[col_name] = pa.Column(DTYPES[col.type], checks=checks, nullable=col.blank_ok or col_name in absent, required=True)
    frame_checks = [_unique_check([name], f"unique:{name}") for name, col in table.columns.items() if col.unique]
    if table.unique_together:
        frame_checks.append(_unique_check(list(table.unique_together), "unique_together"))
    for i, rule in enumerate(table.rules):
        frame_checks.append(pa.Check(lambda df, rule=rule: _rule_holds(df, rule.rule, rule.column, rule.other),
                                     error=f"rule:{i}"))
    return pa.DataFrameSchema(columns, checks=frame_checks, name=name, strict=False, coerce=False)


def _rule_holds(df: pd.DataFrame, rule: str, column: str, other: str) -> pd.Series:
    a, b = df[column], df[other]
    if rule == "not_before":
        return (a.isna() | b.isna() | (a >= b)).astype(bool)
    if rule == "together":
        return (a.isna() == b.isna()).astype(bool)
    if rule == "only_if_yes":
        return (a.isna() | b.isna() | ~a.fillna(False) | b.fillna(False)).astype(bool)
    raise ValueError(f"unknown rule {rule}")


def _schema_findings(typed: pd.DataFrame, staged: pd.DataFrame, table: Table, schema: pa.DataFrameSchema, earliest: date, today: date) -> pd.DataFrame:
    """Run the schema lazily and turn its failure cases into findings."""
    try:
        schema.validate(typed, lazy=True, inplace=True)  # nothing is coerced: no need for pandera's copy
        return pd.DataFrame(columns=FINDING_COLUMNS)
    except pa.errors.SchemaErrors as exc:
        failures = exc.failure_cases
    cases = failures[failures["index"].notna()].copy()
    if cases.empty:
        # A failure with no row (a wrong dtype) is a bug in casting, not a data problem.
        raise RuntimeError(f"schema {schema.name} failed without a row:\n{failures}")
    cases["index"] = cases["index"].astype("int64")
    cases["check"] = cases["check"].astype(str)
    frame_level = cases["schema_context"].eq("DataFrameSchema")
    rule_cols = {f"rule:{i}": r.column for i, r in enumerate(table.rules)}
    rule_cols |= {f"unique:{name}": name for name, col in table.columns.items() if col.unique}
    if table.unique_together:
        rule_cols["unique_together"] = table.unique_together[-1]
    cases.loc[frame_level, "column"] = cases.loc[frame_level, "check"].map(rule_cols)
    cases = cases.drop_duplicates(["index", "column", "check"])
    out = []
    for (check, column), group in cases.groupby(["check", "column"], sort=False):
        idx = group["index"].to_numpy()
        expected = _expected(check, column, table, typed, staged, idx, earliest, today)
        out.append(pd.DataFrame({
            "_loc": staged.loc[idx, "_loc"].to_numpy(), "_row": staged.loc[idx, "_row"].to_numpy(),
            "column": column, "value": staged.loc[idx, column].to_numpy() if column in staged else "",
            "expected": expected, "check": check.split(":")[0], "severity": "error", "index": idx}))
    return pd.concat(out, ignore_index=True)


def _fmt(value: object) -> str:
    return pr.show_value(value)


def _expected(check: str, column: str, table: Table, typed: pd.DataFrame, staged: pd.DataFrame, idx: pd.Index, earliest: date, today: date) -> list[str] | str:
    """The plain-words expectation for one kind of failure (per row where it names another cell)."""
    col = table.columns[column]
    if check == "not_nullable":
        return "a value; this cell must not be blank"
    if check in ("allowed_values", "range", "type"):
        return expected_for(col)
    if check == "date_window":
        if col.future_ok:
            return f"a date from {earliest:%d/%m/%Y} to {today.year + FUTURE_LIMIT_YEARS}"
        return f"a date from {earliest:%d/%m/%Y} to today ({today:%d/%m/%Y}); it cannot be in the future"
    if check.startswith("unique"):
        keys = [column] if check.startswith("unique:") else list(table.unique_together)
        firsts = _first_rows(typed, staged, keys, idx)
        if check.startswith("unique:"):
            return [f"a value used once only (it is already used in row {r})" for r in firsts]
        heads = [table.columns[k].header for k in keys]
        names = ", ".join(heads[:-1]) + " and " + heads[-1]
        return [f"only one row for each {names} (this repeats row {r})" for r in firsts]
    if check.startswith("rule:"):
        rule = table.rules[int(check.split(":")[1])]
        other = table.columns[rule.other].header
        if rule.rule == "not_before":
            shown = [_fmt(v) for v in typed.loc[idx, rule.other]]
            return [f"a date on or after the {other} ({v})" for v in shown]
        if rule.rule == "together":
            return f"{col.header} and {other} both filled in, or both blank"
        if rule.rule == "only_if_yes":
            return f"No or blank, because {other} is not Yes"
    return check


def _first_rows(typed: pd.DataFrame, staged: pd.DataFrame, keys: list[str], idx: pd.Index) -> list[int]:
    """For each repeated row, the Excel row of the first row with the same key."""
    first = typed.assign(_row=staged["_row"]).groupby([*keys, "_file"], dropna=True)["_row"].transform("min")
    return first.loc[idx].astype("int64").tolist()


def check_table(name: str, staged: pd.DataFrame, table: Table, today: date, earliest: date,
                allowed: dict[str, list[str]] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed rows that passed every check, and one finding per failing cell.

    `staged` may carry `_file` (which file each row came from: keys need be unique only within a file).
    """
    if "_file" not in staged:
        staged = staged.assign(_file=0)
    typed, cast_findings = cast_table(staged, table)
    absent = frozenset(c for c in table.columns if c not in staged.columns)
    schema = table_schema(name, table, today, earliest, allowed, absent)
    findings = _schema_findings(typed, staged, table, schema, earliest, today)
    found = [f for f in (cast_findings, findings, _too_long(staged, table)) if len(f)]
    both = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=FINDING_COLUMNS)
    # A cell that could not be read is reported once, as unreadable, not again as blank.
    both = both.drop_duplicates(["index", "column"], keep="first")
    bad = both.loc[both["severity"] == "error", "index"].unique()
    return typed.drop(index=bad), both


def _too_long(staged: pd.DataFrame, table: Table) -> pd.DataFrame:
    """A warning for each text cell longer than an Excel cell holds: it would be cut on the scorecard."""
    found = []
    for name, column in table.columns.items():
        if column.type not in TEXT_TYPES or name not in staged:
            continue
        long = staged[name].astype("string").str.len().gt(CELL_LIMIT).fillna(False).to_numpy(bool)
        if long.any():
            lengths = staged.loc[long, name].astype("string").str.len()
            found.append(pd.DataFrame({
                "_loc": staged.loc[long, "_loc"], "_row": staged.loc[long, "_row"], "column": name,
                "value": staged.loc[long, name].astype("string").str.slice(0, 40) + "...",
                "expected": [f"at most {CELL_LIMIT:,} characters, as an Excel cell holds (it has {n:,}): the "
                             "scorecard shows the start of it, marked as cut" for n in lengths],
                "check": "too_long", "severity": "warning", "index": staged.index[long]}))
    return pd.concat(found) if found else pd.DataFrame(columns=FINDING_COLUMNS)


def check_sources(staged: ReadTables, contract: Contract, today: date, allowed: dict[str, dict[str, list[str]]] | None = None) -> Checked:
    """Check every staged table; the rows that fail are counted per location and left out."""
    allowed = allowed or {}
    checked = Checked()
    all_findings = []
    file_of = {loc.loc: loc.file for loc in staged.locations}
    for name, frame in staged.frames.items():
        frame = frame.assign(_file=pd.factorize(frame["_loc"].map(file_of))[0])
        good, findings = check_table(name, frame, contract.tables[name], today,
                                     contract.settings.earliest_date, allowed.get(name))
        checked.frames[name] = good
        if len(findings):
            all_findings.append(findings)
            errors = findings[findings["severity"] == "error"].drop_duplicates("index")
            for loc, count in errors["_loc"].value_counts().items():
                checked.rejected[int(loc)] = int(count)
    findings = pd.concat(all_findings, ignore_index=True) if all_findings else pd.DataFrame(columns=FINDING_COLUMNS)
    personal = frozenset((t, c) for t, table in contract.tables.items() for c, col in table.columns.items() if col.personal)
    checked.problems = pr.locate(findings, locations_frame(staged.locations), personal)
    return checked
