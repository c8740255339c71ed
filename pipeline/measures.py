"""Computing every measure, per financial quarter, from the rows that passed their checks.

Each computation is a plain vectorised function registered by the name the catalogue uses.
A quarter gets a figure only when the table covers it (its dates span the quarter, or for
monthly returns it has a month in it): a quarter outside that span is "No data", never a
false zero. Every figure keeps its numerator and denominator, how many rows it came from,
and which files held them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipeline import problems as pr
from pipeline.catalogue import Catalogue, Measure, Way
from pipeline.contract import Contract
from pipeline.quarters import FREQ, label, last_day, quarter_of

VALUE_COLUMNS = ["ref", "quarter", "value", "numerator", "denominator", "secondary", "rows", "status",
                 "reason", "detail", "table", "files"]
COUNTING = {"count", "sum", "distinct_count", "distinct_with_at_least", "count_and_sum"}


@dataclass
class Results:
    """Figures per measure and quarter, reasons for the quarters without one, and warnings."""

    values: pd.DataFrame
    gaps: dict[str, str] = field(default_factory=dict)  # ref -> why quarters outside coverage have no data
    problems: pd.DataFrame = field(default_factory=pr.frame)
    alternatives: pd.DataFrame = field(default_factory=pd.DataFrame)  # every source's figure, chosen or not


# --------------------------------------------------------------------------- filters

def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def condition_mask(frame: pd.DataFrame, column: str, condition: Any) -> pd.Series:
    values = frame[column]
    if isinstance(condition, dict):
        mask = pd.Series(True, index=frame.index)
        if "not" in condition:
            mask &= ~values.isin(_as_list(condition["not"])).fillna(False).astype(bool)
        if "min" in condition:
            mask &= (values >= condition["min"]).fillna(False).astype(bool)
        if "max" in condition:
            mask &= (values <= condition["max"]).fillna(False).astype(bool)
        return mask
    return values.isin(_as_list(condition)).fillna(False).astype(bool)


def matching(frame: pd.DataFrame, where: dict[str, Any], where_any: dict[str, Any] | None = None) -> pd.Series:
    """Rows meeting every `where` condition and at least one `where_any` condition."""
    mask = pd.Series(True, index=frame.index)
    for column, condition in where.items():
        mask &= condition_mask(frame, column, condition)
    if where_any:
        anyof = pd.Series(False, index=frame.index)
        for column, condition in where_any.items():
            anyof |= condition_mask(frame, column, condition)
        mask &= anyof
    return mask


# --------------------------------------------------------------------------- coverage

def coverage(frame: pd.DataFrame, way: Way, monthly: bool, quarter: pd.Series | None = None) -> pd.PeriodIndex:
    """The quarters a table speaks for (`quarter`: each row's quarter, if already known)."""
    quarters = (quarter_of(frame[way.date]) if quarter is None else quarter).dropna()
    if quarters.empty:
        return pd.PeriodIndex([], freq=FREQ)
    if monthly:
        return pd.PeriodIndex(sorted(quarters.unique()), freq=FREQ)
    return pd.period_range(quarters.min(), quarters.max(), freq=FREQ)


def snapshot_coverage(frame: pd.DataFrame, way: Way) -> pd.PeriodIndex:
    """Quarters that an extract of 'everything open at any time in the period' speaks for.

    A plan that ended inside the period is in the extract, so the earliest end date bounds
    the period's start: quarters from that one to the quarter of the latest date are covered.
    """
    starts, ends = frame[way.date].dropna(), frame[way.end].dropna()
    if starts.empty:
        return pd.PeriodIndex([], freq=FREQ)
    latest = max(starts.max(), ends.max()) if len(ends) else starts.max()
    earliest = ends.min() if len(ends) else latest
    return pd.period_range(pd.Period(earliest, FREQ), pd.Period(latest, FREQ), freq=FREQ)


# --------------------------------------------------------------------------- computations
# Each takes the rows that match (with their quarter in `_q`) and the Way, and returns a
# frame indexed by quarter with any of: value, numerator, denominator, secondary.

def _count(rows: pd.DataFrame, way: Way) -> pd.DataFrame:
    return rows.groupby("_q").size().to_frame("value")


def _sum(rows: pd.DataFrame, way: Way) -> pd.DataFrame:
    return rows.groupby("_q")[way.column].sum().astype("float64").to_frame("value")


def _distinct_count(rows: pd.DataFrame, way: Way) -> pd.DataFrame:
    return rows.groupby("_q")[way.column].nunique().to_frame("value")


def _distinct_with_at_least(rows: pd.DataFrame, way: Way) -> pd.DataFrame:
    per = rows.groupby(["_q", way.column]).size()
    return per[per >= way.min_rows].groupby(level="_q").size().to_frame("value")


def _count_and_sum(rows: pd.DataFrame, way: Way) -> pd.DataFrame:
    grouped = rows.groupby("_q")
    return pd.DataFrame({"value": grouped.size(), "secondary": grouped[way.column].sum().astype("float64")})


def _percentage(rows: pd.DataFrame, way: Way) -> pd.DataFrame:
    hit = matching(rows, way.numerator)
    grouped = pd.DataFrame({"_q": rows["_q"], "hit": hit}).groupby("_q")["hit"]
    out = pd.DataFrame({"numerator": grouped.sum().astype("float64"), "denominator": grouped.size().astype("float64")})
    return out.assign(value=100.0 * out["numerator"] / out["denominator"])


COMPUTE: dict[str, Callable[[pd.DataFrame, Way], pd.DataFrame]] = {
    "count": _count, "sum": _sum, "distinct_count": _distinct_count,
    "distinct_with_at_least": _distinct_with_at_least, "count_and_sum": _count_and_sum, "percentage": _percentage,
}


def step_downs(rows: pd.DataFrame, way: Way) -> pd.DataFrame:
    """Each child's step-downs: from their first assessment at one level to the first later one
    at the next level down. One row per step-down, dated by the later assessment."""
    child, when, level = way.column, way.date, way.level
    found = []
    for upper, lower in way.steps:
        first_upper = rows[rows[level] == upper].groupby(child)[when].min().rename("_from")
        later = rows[rows[level] == lower][[child, when, "_loc", "_row"]].join(first_upper, on=child, how="inner")
        later = later[later[when] > later["_from"]]
        first_later = later.sort_values(when).drop_duplicates(child, keep="first")
        found.append(first_later.assign(days=(first_later[when] - first_later["_from"]).dt.days, step=f"{upper} to {lower}"))
    out = pd.concat(found, ignore_index=True)
    return out.assign(_q=quarter_of(out[when]))


def _median_step_down(rows: pd.DataFrame, way: Way) -> tuple[pd.DataFrame, pd.DataFrame]:
    steps = step_downs(rows, way)
    grouped = steps.groupby("_q")["days"]
    detail = steps.groupby(["_q", "step"])["days"].agg(["median", "size"]).reset_index()
    detail["text"] = (detail["step"] + ": median " + detail["median"].round().astype("int64").astype(str)
                      + " days over " + detail["size"].astype(str))
    text = detail.groupby("_q")["text"].agg("; ".join)
    out = pd.DataFrame({"value": grouped.median().astype("float64"), "denominator": grouped.size().astype("float64")})
    return out.assign(detail=text.reindex(out.index)), steps


def _open_at_quarter_end(frame: pd.DataFrame, way: Way, quarters: pd.PeriodIndex) -> tuple[pd.DataFrame, pd.DataFrame]:
    counted, used = {}, []
    for quarter in quarters:
        end = last_day(quarter)
        open_then = frame[(frame[way.date] <= end) & (frame[way.end].isna() | (frame[way.end] > end))]
        counted[quarter] = open_then[way.column].nunique()
        used.append(open_then.assign(_q=quarter))
    out = pd.DataFrame({"value": pd.Series(counted, dtype="float64")})
    out.index = pd.PeriodIndex(out.index, freq=FREQ)
    return out, (pd.concat(used) if used else frame.iloc[0:0].assign(_q=pd.Series(dtype=f"period[{FREQ}]")))


# --------------------------------------------------------------------------- one way, one measure

def _breakdown(rows: pd.DataFrame, way: Way) -> pd.Series:
    """'Police 40; Health 12' per quarter, largest first."""
    if not way.breakdown or rows.empty:
        return pd.Series(dtype="object")
    weight = way.breakdown_by or (way.column if way.compute == "sum" else None)
    grouped = rows.groupby(["_q", way.breakdown])
    sizes = grouped[weight].sum() if weight else grouped.size()
    sizes = sizes[sizes > 0].sort_values(ascending=False, kind="stable")
    if sizes.empty:
        return sizes.groupby(level="_q").apply(
            lambda s: "; ".join(f"{name} {int(v):,}" for (_, name), v in s.head(6).items()))
    # A handful of (quarter, category) totals: the text is put together in plain Python.
    parts: dict[pd.Period, list[str]] = {}
    for (quarter, name), v in sizes.items():
        shown = parts.setdefault(quarter, [])
        if len(shown) < 6:
            shown.append(f"{name} {int(v):,}")
    order = sorted(parts)
    return pd.Series(["; ".join(parts[q]) for q in order], index=pd.PeriodIndex(order, freq=FREQ, name="_q"))


def select_rows(frame: pd.DataFrame, way: Way, quarter: pd.Series | None = None) -> pd.DataFrame:
    """The rows a way counts, each with its quarter: also what `explain` lists.

    `quarter`: each row's quarter, if already known (it is worked out once per table and date).
    """
    mask = matching(frame, way.where, way.where_any)
    if quarter is None:
        rows = frame[mask]
        return rows.assign(_q=quarter_of(rows[way.date])).dropna(subset=["_q"])
    keep = mask & quarter.notna()
    return frame[keep].assign(_q=quarter[keep])


def _ordinals(quarters: pd.Series) -> np.ndarray:
    """Quarters as whole numbers (pandas' period ordinals): cheap to count and to pair."""
    return quarters.array.asi8


def _rows_by_quarter(ordinals: np.ndarray, quarters: pd.PeriodIndex) -> np.ndarray:
    counts = pd.Series(ordinals).value_counts()
    return counts.reindex(quarters.asi8, fill_value=0).to_numpy(dtype="int64")


def _files_by_quarter(ordinals: np.ndarray, locs: np.ndarray, files: dict[int, str],
                      quarters: pd.PeriodIndex) -> list[str]:
    """'a.xlsx; b.csv' per quarter: the files whose rows were used in it."""
    names: dict[int, set[str]] = {}
    places = pd.unique(locs)
    for loc in places.tolist():
        for ordinal in pd.unique(ordinals if len(places) == 1 else ordinals[locs == loc]).tolist():
            names.setdefault(ordinal, set()).add(files[loc])
    return ["; ".join(sorted(names[o])) if o in names else "" for o in quarters.asi8.tolist()]


def compute_way(frame: pd.DataFrame, way: Way, monthly: bool, files: dict[int, str],
                quarter: pd.Series | None = None) -> tuple[pd.DataFrame, pd.PeriodIndex]:
    """Figures for every quarter this table covers (zeros where it covers a quarter but has no rows).

    `quarter`: each row's quarter by the way's date column, if already known.
    """
    needed = way.columns_used() | {"_loc", "_row"}
    frame = frame[[c for c in frame.columns if c in needed]]  # only what the way reads is carried along
    if way.compute == "open_at_quarter_end":
        quarters = snapshot_coverage(frame, way)
        out, used = _open_at_quarter_end(frame[matching(frame, way.where, way.where_any)], way, quarters)
    else:
        quarters = coverage(frame, way, monthly, quarter)
        used = select_rows(frame, way, quarter)
        if way.compute == "median_step_down_days":
            out, used = _median_step_down(used, way)
        else:
            out = COMPUTE[way.compute](used, way)
    out = out.reindex(quarters)
    if way.compute in COUNTING:
        out["value"] = out["value"].fillna(0.0)
        if "secondary" in out:
            out["secondary"] = out["secondary"].fillna(0.0)
    if used.empty:
        out["rows"] = used.groupby("_q").size().reindex(quarters).fillna(0).astype("int64")
        sources = used[["_q", "_loc"]].drop_duplicates().assign(file=lambda d: d["_loc"].map(files))
        out["files"] = sources.groupby("_q")["file"].agg(lambda names: "; ".join(sorted(set(names)))).reindex(quarters).fillna("")
    else:
        ordinals = _ordinals(used["_q"])
        out["rows"] = _rows_by_quarter(ordinals, quarters)
        out["files"] = _files_by_quarter(ordinals, used["_loc"].to_numpy(dtype="int64"), files, quarters)
    if "detail" not in out:
        out["detail"] = _breakdown(used, way).reindex(quarters) if way.breakdown else None
    return out, quarters


def _no_data_reason(measure: Measure, way: Way, out: pd.DataFrame) -> pd.Series:
    if way.compute == "percentage":
        return pd.Series("nothing to take a share of in this quarter", index=out.index)
    if way.compute == "median_step_down_days":
        return pd.Series("no step-downs in this quarter", index=out.index)
    return pd.Series("no figure for this quarter", index=out.index)


def _quarters_of(frames: dict[str, pd.DataFrame], table: str, column: str,
                 cache: dict[tuple[str, str], pd.Series] | None) -> pd.Series | None:
    """Each row's quarter by one date column, worked out once per table and column."""
    if cache is None:
        return None
    if (table, column) not in cache:
        cache[(table, column)] = quarter_of(frames[table][column])
    return cache[(table, column)]


def _measure(measure: Measure, frames: dict[str, pd.DataFrame], contract: Contract, present: dict[str, set[str]],
             files: dict[int, str], quarters: dict[tuple[str, str], pd.Series] | None = None,
             ) -> tuple[pd.DataFrame | None, str, list[dict[str, str]], pd.DataFrame | None]:
    """One measure's figures and every way's figures, each indexed by quarter (None if there are none),
    the reason quarters outside coverage have no data, and warnings."""
    parts, gap_reasons, warnings = [], [], []
    by_way: list[tuple[Way, pd.DataFrame]] = []
    for way in measure.from_:
        table = contract.tables[way.table]
        if way.table not in frames:
            gap_reasons.append(f"no {table.title} in the inputs")
            continue
        lacking = [table.columns[c].header for c in way.columns_used() if c not in present.get(way.table, set())]
        if lacking:
            gap_reasons.append(f"the {table.title} has no '{lacking[0]}' column")
            continue
        quarter = None if way.compute == "open_at_quarter_end" else _quarters_of(frames, way.table, way.date, quarters)
        out, _ = compute_way(frames[way.table], way, table.grain == "monthly", files, quarter)
        if measure.developing:  # quarters before anything was recorded for it are not yet reported
            started = out.index[out["rows"] > 0]
            out = out[out.index >= started.min()] if len(started) else out.iloc[0:0]
        missing = out["value"].isna()
        if len(out):
            out = out.assign(table=way.table, status=np.where(missing, "no_data", "ok"),
                             reason=np.where(missing, _no_data_reason(measure, way, out.iloc[:1]).iloc[0], ""))
        else:
            out = out.assign(table=way.table)
            out["status"] = missing.map({True: "no_data", False: "ok"})
            out["reason"] = _no_data_reason(measure, way, out).where(missing, "")
        by_way.append((way, out))
    taken: set[pd.Period] = set()
    for way, out in by_way:
        fresh = out[~out.index.isin(list(taken))]
        parts.append(fresh)
        taken |= set(fresh.index)
    compared = [(w, o) for w, o in by_way if w.compare]
    for (way_a, a), (way_b, b) in zip(compared, compared[1:]):
        both = a.index.intersection(b.index)
        differ = [q for q in both if a.at[q, "status"] == b.at[q, "status"] == "ok" and a.at[q, "value"] != b.at[q, "value"]]
        for q in differ:
            ta, tb = contract.tables[way_a.table].title, contract.tables[way_b.table].title
            warnings.append(pr.problem(
                "warning", f"Measure {measure.ref}, {label(q)}: the {ta} gives {a.at[q, 'value']:,.0f} but the {tb} "
                f"gives {b.at[q, 'value']:,.0f}. The scorecard uses the {ta}; check which is right.",
                source=measure.ref, check="sources_disagree"))
    alternatives = pd.concat([o[["value", "status", "table"]] for _, o in by_way]) if by_way else None
    values = pd.concat(parts) if parts else None
    if by_way:
        gap = f"the {contract.tables[by_way[0][0].table].title} supplied does not cover this quarter"
    else:
        gap = gap_reasons[0] if gap_reasons else "no data"
    return values, gap, warnings, alternatives


def compute_measure(measure: Measure, frames: dict[str, pd.DataFrame], contract: Contract,
                    present: dict[str, set[str]], files: dict[int, str],
                    quarters: dict[tuple[str, str], pd.Series] | None = None,
                    ) -> tuple[pd.DataFrame, str, list[dict[str, str]], pd.DataFrame]:
    """One measure: the first way that covers a quarter gives its figure; disagreements warn.

    `quarters`: a cache of each table's quarters by date column, shared across measures.
    """
    values, gap, warnings, alternatives = _measure(measure, frames, contract, present, files, quarters)
    alternatives = (alternatives.rename_axis("quarter").reset_index().assign(ref=measure.ref)
                    if alternatives is not None else pd.DataFrame())
    if values is None or values.empty:
        return pd.DataFrame(columns=VALUE_COLUMNS), gap, warnings, alternatives
    return _finish_values(values.assign(ref=measure.ref)), gap, warnings, alternatives


def _finish_values(values: pd.DataFrame) -> pd.DataFrame:
    """Figures indexed by quarter (with their ref) as rows of VALUE_COLUMNS; absent parts None."""
    values = values.rename_axis("quarter").reset_index()
    values = values.assign(**{column: None for column in VALUE_COLUMNS if column not in values})
    return values[VALUE_COLUMNS]


def compute_measures(frames: dict[str, pd.DataFrame], catalogue: Catalogue, contract: Contract,
                     present: dict[str, set[str]], files: dict[int, str]) -> Results:
    """Every measure, every quarter its sources cover."""
    parts, gaps, warnings, others = [], {}, [], []
    quarters: dict[tuple[str, str], pd.Series] = {}
    for measure in catalogue.measures:
        values, gap, found, alternatives = _measure(measure, frames, contract, present, files, quarters)
        if values is not None and len(values):
            parts.append(values.assign(ref=measure.ref))
        if alternatives is not None and len(alternatives):
            others.append(alternatives.assign(ref=measure.ref))
        gaps[measure.ref] = gap
        warnings += found
    # Put together once for all measures (not measure by measure): the same rows, fewer steps.
    values = _finish_values(pd.concat(parts)) if parts else pd.DataFrame(columns=VALUE_COLUMNS)
    for column in ("value", "numerator", "denominator", "secondary"):
        values[column] = pd.to_numeric(values[column].astype("object"), errors="coerce").astype("float64")
    values["rows"] = values["rows"].fillna(0).astype("int64")
    alternatives = (pd.concat(others).rename_axis("quarter").reset_index() if others
                    else pd.DataFrame(columns=["quarter", "value", "status", "table", "ref"]))
    return Results(values, gaps, pr.frame(warnings), alternatives[["ref", "quarter", "table", "value", "status"]])
