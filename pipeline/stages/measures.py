"""Computing every measure, per financial quarter, from the rows that passed their checks.

Each computation is a plain vectorised function registered by the name the catalogue uses.
A quarter gets a figure only when its table covers the whole quarter (pipeline.stages.coverage): a
quarter no return covers is "No data" and one a return covers in part is "Incomplete", never a
false zero or a silent partial sum. Every figure keeps its numerator and denominator, the rows
it was computed from (file, sheet and Excel row: its lineage) and the source it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pandera.typing import DataFrame

from pipeline import problems as pr
from pipeline.config.catalogue import Catalogue, Measure, Way
from pipeline.config.contract import Contract
from pipeline.frames import Figures, Problems
from pipeline.quarters import FREQ, label, last_day, name_of
from pipeline.rounding import half_away
from pipeline.stages.coverage import FULL, MONTH, NONE, PARTIAL, Coverage, cover
from pipeline.stages.lineage import COUNTED, DENOMINATOR_ONLY, NUMERATOR
from pipeline.vocabulary import Status

VALUE_COLUMNS = ["ref", "quarter", "value", "numerator", "denominator", "secondary", "rows", "status",
                 "reason", "detail", "table", "files", "stand_in"]
LINEAGE_COLUMNS = ["ref", "quarter", "_loc", "_row", "part"]
COUNTING = {"count", "sum", "distinct_count", "distinct_with_at_least", "count_and_sum"}
OK, NO_FIGURE, INCOMPLETE = Status.OK.value, Status.NO_DATA.value, Status.INCOMPLETE.value
UNCOVERED = "uncovered"  # while choosing between ways: this way does not cover the quarter (then "no_data")
STEP_FROM, STEP_TO = "the higher-level assessment", "the lower-level assessment"


@dataclass
class Results:
    """Figures per measure and quarter, reasons for the quarters without one, and warnings."""

    values: DataFrame[Figures]
    gaps: dict[str, str] = field(default_factory=dict)  # ref -> why quarters outside coverage have no data
    problems: DataFrame[Problems] = field(default_factory=pr.frame)
    alternatives: pd.DataFrame = field(default_factory=pd.DataFrame)  # every source's figure, chosen or not
    lineage: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LINEAGE_COLUMNS))


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


# --------------------------------------------------------------------------- computations
# Each takes the rows that match (with their quarter in `_q`) and the Way, and returns a frame
# indexed by quarter with any of: value, numerator, denominator, secondary; and the rows each
# figure was computed from (`_q`, `_loc`, `_row`, `part`).

def _rows(rows: pd.DataFrame, part: str | pd.Series = COUNTED) -> pd.DataFrame:
    return pd.DataFrame({"_q": rows["_q"], "_loc": rows["_loc"], "_row": rows["_row"], "part": part})


def _count(rows: pd.DataFrame, way: Way) -> tuple[pd.DataFrame, pd.DataFrame]:
    return rows.groupby("_q").size().to_frame("value"), _rows(rows)


def _sum(rows: pd.DataFrame, way: Way) -> tuple[pd.DataFrame, pd.DataFrame]:
    return rows.groupby("_q")[way.column].sum().astype("float64").to_frame("value"), _rows(rows)


def _distinct_count(rows: pd.DataFrame, way: Way) -> tuple[pd.DataFrame, pd.DataFrame]:
    return rows.groupby("_q")[way.column].nunique().to_frame("value"), _rows(rows)


def _distinct_with_at_least(rows: pd.DataFrame, way: Way) -> tuple[pd.DataFrame, pd.DataFrame]:
    per = rows.groupby(["_q", way.column])["_row"].transform("size")
    kept = rows[per >= way.min_rows]
    return kept.groupby("_q")[way.column].nunique().to_frame("value"), _rows(kept)


def _count_and_sum(rows: pd.DataFrame, way: Way) -> tuple[pd.DataFrame, pd.DataFrame]:
    grouped = rows.groupby("_q")
    figures = pd.DataFrame({"value": grouped.size(), "secondary": grouped[way.column].sum().astype("float64")})
    return figures, _rows(rows)


def _percentage(rows: pd.DataFrame, way: Way) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The share of rows matching `numerator`; with `per`, of the column's different values, each
    in the numerator when any of its rows matches (4.11: young people, not episodes)."""
    hit = matching(rows, way.numerator)
    scored = pd.DataFrame({"_q": rows["_q"], "hit": hit})
    if way.per:
        scored = scored.assign(who=rows[way.per]).groupby(["_q", "who"], as_index=False)["hit"].any()
    grouped = scored.groupby("_q")["hit"]
    out = pd.DataFrame({"numerator": grouped.sum().astype("float64"), "denominator": grouped.size().astype("float64")})
    out = out.assign(value=100.0 * out["numerator"] / out["denominator"])
    return out, _rows(rows, pd.Series(np.where(hit, NUMERATOR, DENOMINATOR_ONLY), index=rows.index))


COMPUTE: dict[str, Callable[[pd.DataFrame, Way], tuple[pd.DataFrame, pd.DataFrame]]] = {
    "count": _count, "sum": _sum, "distinct_count": _distinct_count,
    "distinct_with_at_least": _distinct_with_at_least, "count_and_sum": _count_and_sum, "percentage": _percentage,
}


def step_downs(rows: pd.DataFrame, way: Way, freq: str = FREQ) -> pd.DataFrame:
    """Each child's step-downs: from an assessment at one level (their first at it, or with
    step_from: last, their last before the step) to their first later one at the next level down.
    One row per step-down, dated by the later assessment, with both assessments' rows."""
    child, when, level = way.column, way.date, way.level
    found = []
    for upper, lower in way.steps:
        uppers = rows.loc[rows[level] == upper, [child, when, "_loc", "_row"]].sort_values(when, kind="stable")
        starts = uppers.rename(columns={when: "_from", "_loc": "_from_loc", "_row": "_from_row"})
        first_upper = starts.drop_duplicates(child, keep="first")[[child, "_from"]]
        later = rows.loc[rows[level] == lower, [child, when, "_loc", "_row"]].merge(first_upper, on=child, how="inner")
        later = later[later[when] > later["_from"]]
        step = later.sort_values(when, kind="stable").drop_duplicates(child, keep="first").drop(columns="_from")
        pick = starts if way.step_from == "last" else starts.drop_duplicates(child, keep="first")
        step = pd.merge_asof(step.sort_values(when), pick.sort_values("_from"), left_on=when, right_on="_from",
                             by=child, allow_exact_matches=False, direction="backward")
        found.append(step.assign(days=(step[when] - step["_from"]).dt.days, step=f"{upper} to {lower}"))
    out = pd.concat(found, ignore_index=True)
    return out.assign(_q=out[when].dt.to_period(freq))


def _median_step_down(rows: pd.DataFrame, way: Way, freq: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    steps = step_downs(rows, way, freq)
    if steps.empty:
        return pd.DataFrame(columns=["value", "denominator", "detail"]), pd.DataFrame(columns=["_q", "_loc", "_row", "part"])
    grouped = steps.groupby("_q")["days"]
    detail = steps.groupby(["_q", "step"])["days"].agg(["median", "size"]).reset_index()
    detail["text"] = (detail["step"] + ": median " + half_away(detail["median"].astype("float64"), 1).map("{:g}".format)
                      + " days over " + detail["size"].astype(str))
    text = detail.groupby("_q")["text"].agg("; ".join)
    out = pd.DataFrame({"value": grouped.median().astype("float64"), "denominator": grouped.size().astype("float64")})
    used = pd.concat([
        pd.DataFrame({"_q": steps["_q"], "_loc": steps["_loc"], "_row": steps["_row"], "part": STEP_TO}),
        pd.DataFrame({"_q": steps["_q"], "_loc": steps["_from_loc"], "_row": steps["_from_row"], "part": STEP_FROM}),
    ], ignore_index=True)
    return out.assign(detail=text.reindex(out.index)), used


def _open_at_quarter_end(frame: pd.DataFrame, way: Way, quarters: pd.PeriodIndex) -> tuple[pd.DataFrame, pd.DataFrame]:
    counted, used = {}, []
    for quarter in quarters:
        end = last_day(quarter)
        still = frame[way.end].isna() | ((frame[way.end] >= end) if way.open_on_last_day else (frame[way.end] > end))
        open_then = frame[(frame[way.date] <= end) & still]
        counted[quarter] = open_then[way.column].nunique()
        used.append(_rows(open_then.assign(_q=quarter)))
    out = pd.DataFrame({"value": pd.Series(counted, dtype="float64")})
    out.index = pd.PeriodIndex(out.index, freq=quarters.freqstr) if len(quarters) else pd.PeriodIndex([], freq=FREQ)
    return out, (pd.concat(used) if used else pd.DataFrame(columns=["_q", "_loc", "_row", "part"]))


# --------------------------------------------------------------------------- breakdowns

def breakdown_text(sizes: pd.Series, limit: int) -> str:
    """'Police 40; Health 12; Other (3 more) 9', largest first: every category, the smallest
    added up on one Other line when there are more than `limit`, so the lines add up."""
    ordered = sizes[sizes > 0].sort_values(ascending=False, kind="stable")
    lines = [f"{name} {v:,.0f}" for name, v in ordered.iloc[: limit if len(ordered) <= limit else limit - 1].items()]
    if len(ordered) > limit:
        rest = ordered.iloc[limit - 1:]
        lines.append(f"Other ({len(rest)} more) {rest.sum():,.0f}")
    return "; ".join(lines)


def _breakdown(rows: pd.DataFrame, way: Way, limit: int) -> pd.Series:
    """The breakdown text of each quarter."""
    if not way.breakdown or rows.empty:
        return pd.Series(dtype="object")
    weight = way.breakdown_by or (way.column if way.compute == "sum" else None)
    grouped = rows.groupby(["_q", way.breakdown])
    sizes = grouped[weight].sum() if weight else grouped.size()
    texts = {quarter: breakdown_text(part.droplevel("_q"), limit) for quarter, part in sizes.groupby(level="_q")}
    return pd.Series(texts, dtype="object")


# --------------------------------------------------------------------------- one way, one measure

def select_rows(frame: pd.DataFrame, way: Way, quarter: pd.Series | None = None, freq: str = FREQ) -> pd.DataFrame:
    """The rows a way counts, each with its quarter (or month, freq "M").

    `quarter`: each row's quarter, if already known (it is worked out once per table and date).
    """
    mask = matching(frame, way.where, way.where_any)
    if quarter is None:
        rows = frame[mask]
        return rows.assign(_q=rows[way.date].dt.to_period(freq)).dropna(subset=["_q"])
    keep = mask & quarter.notna()
    return frame[keep].assign(_q=quarter[keep])


def _files_by_quarter(used: pd.DataFrame, files: dict[int, str], quarters: pd.PeriodIndex) -> list[str]:
    """'a.xlsx; b.csv' per quarter: the files whose rows were used in it (quarters as whole
    numbers, pandas' period ordinals, so that a million rows cost a few array passes)."""
    if used.empty:
        return [""] * len(quarters)
    ordinals = used["_q"].array.asi8
    locs = used["_loc"].to_numpy(dtype="int64")
    names: dict[int, set[str]] = {}
    places = pd.unique(locs)
    for loc in places.tolist():
        for ordinal in pd.unique(ordinals if len(places) == 1 else ordinals[locs == loc]).tolist():
            names.setdefault(ordinal, set()).add(files[loc])
    return ["; ".join(sorted(names[o])) if o in names else "" for o in quarters.asi8.tolist()]


def compute_way(frame: pd.DataFrame, way: Way, covered: pd.DataFrame, files: dict[int, str],
                quarter: pd.Series | None = None, limit: int = 10, freq: str = FREQ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Figures for every quarter the table covers in whole (0 where it has no rows), `Incomplete`
    for the quarters it covers in part, and the rows behind each figure.

    `covered`: the table's coverage by quarter (pipeline.stages.coverage); `quarter`: each row's quarter
    by the way's date column, if already known. With freq "M", the same for every month (for the SPC
    charts: no breakdowns).
    """
    needed = way.columns_used() | {"_loc", "_row"}
    frame = frame[[c for c in frame.columns if c in needed]]  # only what the way reads is carried along
    if way.compute == "open_at_quarter_end":  # a figure on the quarter's last day: that day must be covered
        status = pd.Series(np.where(covered["at_end"], FULL, NONE), index=covered.index)
        reason = pd.Series([f"no return covers {last_day(q):%d/%m/%Y}, the quarter's last day" for q in covered.index],
                           index=covered.index, dtype="object")
        rows = frame[matching(frame, way.where, way.where_any)]
        out, used = _open_at_quarter_end(rows, way, status.index[status == FULL])
    else:
        status, reason = covered["status"], covered["reason"]
        rows = select_rows(frame, way, quarter, freq)
        out, used = (_median_step_down(rows, way, freq) if way.compute == "median_step_down_days"
                     else COMPUTE[way.compute](rows, way))
    quarters = status.index
    whole = status == FULL
    out = out.reindex(quarters)
    for column in ("value", "numerator", "denominator", "secondary"):  # a figure only where the whole quarter is covered
        if column in out:
            zero_fill = way.compute in COUNTING and column in ("value", "secondary")
            out[column] = (out[column].fillna(0.0) if zero_fill else out[column]).where(whole)  # no rows: 0
    used = used[used["_q"].isin(quarters[whole])]
    counted = pd.Series(used["_q"].array.asi8).value_counts() if len(used) else pd.Series(dtype="int64")
    out["rows"] = counted.reindex(quarters.asi8, fill_value=0).to_numpy(dtype="int64")
    out["files"] = _files_by_quarter(used, files, quarters)
    if "detail" not in out:
        out["detail"] = (_breakdown(rows[rows["_q"].isin(quarters[whole])], way, limit).reindex(quarters)
                         if way.breakdown and freq == FREQ else None)
    empty = whole & out["value"].isna()  # covered, but nothing to work a figure out from
    out["status"] = np.select([status == PARTIAL, status == NONE, empty], [INCOMPLETE, UNCOVERED, NO_FIGURE], OK)
    out["reason"] = np.where(empty, _no_data_reason(way), np.where(whole, "", reason))
    out["table"], out["stand_in"] = way.table, way.stand_in
    return out, used


def _no_data_reason(way: Way) -> str:
    if way.compute == "percentage":
        return "nothing to take a share of in this quarter"
    if way.compute == "median_step_down_days":
        return "no step-downs in this quarter"
    return "no figure for this quarter"


def _quarters_of(frames: dict[str, pd.DataFrame], table: str, column: str,
                 cache: dict[tuple[str, str], pd.Series] | None, freq: str) -> pd.Series | None:
    """Each row's quarter (or month) by one date column, worked out once per table and column."""
    if cache is None:
        return None
    if (table, column) not in cache:
        cache[(table, column)] = frames[table][column].dt.to_period(freq)
    return cache[(table, column)]


def _choose(by_way: list[tuple[Way, pd.DataFrame, pd.DataFrame]]) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    """Each quarter's figure from the first way that covers it in whole; failing that, the first
    that covers it in part (Incomplete); failing that, the first that says why it has none."""
    if len(by_way) == 1:  # one way: nothing to choose between
        _, out, rows = by_way[0]
        return [out], [rows]
    taken: set[pd.Period] = set()
    chosen: dict[int, list[pd.Period]] = {}
    for rank in ((OK, NO_FIGURE), (INCOMPLETE,), (UNCOVERED,)):
        for i, (_, out, _) in enumerate(by_way):
            fresh = [q for q in out.index[out["status"].isin(rank)] if q not in taken]
            chosen.setdefault(i, []).extend(fresh)
            taken.update(fresh)
    values = [out.loc[out.index.isin(chosen[i])] for i, (_, out, _) in enumerate(by_way)]
    lineage = [rows[rows["_q"].isin(chosen[i])] for i, (_, _, rows) in enumerate(by_way)]
    return values, lineage


def _disagreements(measure: Measure, by_way: list[tuple[Way, pd.DataFrame, pd.DataFrame]],
                   contract: Contract) -> list[dict[str, str]]:
    """Where two ways both cover a quarter in whole and differ, a warning names both figures."""
    warnings = []
    compared = [(w, o) for w, o, _ in by_way if w.compare]
    for (way_a, a), (way_b, b) in zip(compared, compared[1:]):
        both = a.index.intersection(b.index)
        differ = [q for q in both if a.at[q, "status"] == b.at[q, "status"] == OK and a.at[q, "value"] != b.at[q, "value"]]
        for q in differ:
            ta, tb = contract.tables[way_a.table].title, contract.tables[way_b.table].title
            warnings.append(pr.problem(
                "warning", f"Measure {measure.ref}, {label(q)}: the {ta} gives {a.at[q, 'value']:,.0f} but the {tb} "
                f"gives {b.at[q, 'value']:,.0f}. The scorecard uses the {ta}; check which is right.",
                source=measure.ref, check="sources_disagree"))
    return warnings


def _not_covered(title: str, covered: pd.DataFrame, freq: str) -> str:
    """Why a quarter (or month) outside the returns has no figure, with what they do cover:
    'no return in the inputs covers this quarter for the Apps seen ...; they cover Q4 2024/25 to Q2 2025/26'."""
    spans = covered.index[covered["status"].ne(NONE)]
    said = (f"; they cover {name_of(spans.min())}" + (f" to {name_of(spans.max())}" if spans.max() != spans.min()
                                                       else " only")) if len(spans) else ""
    return f"no return in the inputs covers this {'month' if freq == MONTH else 'quarter'} for the {title}{said}"


def _measure(measure: Measure, frames: dict[str, pd.DataFrame], contract: Contract, present: dict[str, set[str]],
             files: dict[int, str], coverage: Coverage, limit: int,
             quarters: dict[tuple[str, str], pd.Series] | None = None, freq: str = FREQ) -> dict[str, Any]:
    """One measure's figures (indexed by quarter), every way's figures, the rows behind them, the
    reason quarters outside coverage have no data, and warnings."""
    gap_reasons = []
    by_way: list[tuple[Way, pd.DataFrame, pd.DataFrame]] = []
    for way in measure.from_:
        table = contract.tables[way.table]
        if way.table not in frames:
            gap_reasons.append(f"no {table.title} in the inputs")
            continue
        lacking = [table.columns[c].header for c in way.columns_used() if c not in present.get(way.table, set())]
        if lacking:
            gap_reasons.append(f"the {table.title} has no '{lacking[0]}' column")
            continue
        quarter = None if way.compute == "open_at_quarter_end" else _quarters_of(frames, way.table, way.date, quarters,
                                                                                 freq)
        out, used = compute_way(frames[way.table], way, coverage.of(way.table, freq), files, quarter, limit, freq)
        if measure.developing:  # quarters before anything was recorded for it are not yet reported
            started = out.index[out["rows"] > 0]
            before = out.index < started.min() if len(started) else np.ones(len(out), dtype=bool)
            out.loc[before, ["status", "value"]] = [NO_FIGURE, np.nan]
            out.loc[before, "reason"] = (f"nothing recorded for it before {name_of(started.min())}" if len(started)
                                         else "nothing recorded for it yet")
        by_way.append((way, out, used))
    values, lineage = _choose(by_way)
    if by_way:
        gap = _not_covered(contract.tables[by_way[0][0].table].title, coverage.of(by_way[0][0].table, freq), freq)
    else:
        gap = gap_reasons[0] if gap_reasons else "no data"
    return {"values": values, "gap": gap, "warnings": _disagreements(measure, by_way, contract),
            "alternatives": [o[["value", "status", "table"]] for _, o, _ in by_way], "lineage": lineage}


def compute_measures(frames: dict[str, pd.DataFrame], catalogue: Catalogue, contract: Contract,
                     present: dict[str, set[str]], files: dict[int, str], coverage: Coverage | None = None,
                     freq: str = FREQ) -> Results:
    """Every measure, every quarter its sources cover (`coverage`: worked out from the rows when not
    given); with freq "M", every month (the figures the SPC charts plot; "quarter" then holds the month)."""
    if coverage is None:
        coverage = cover(frames, [], contract, None)[0]
    parts, gaps, warnings, others, traced = [], {}, [], [], []
    quarters: dict[tuple[str, str], pd.Series] = {}
    for measure in catalogue.measures:
        found = _measure(measure, frames, contract, present, files, coverage, catalogue.breakdown_lines, quarters, freq)
        for kind, into in (("values", parts), ("alternatives", others), ("lineage", traced)):
            for frame in found[kind]:
                if len(frame):
                    frame["ref"] = measure.ref
                    into.append(frame)
        gaps[measure.ref] = found["gap"]
        warnings += found["warnings"]
    # Put together once for all measures (not measure by measure): the same rows, fewer steps.
    values = _finish_values(pd.concat(parts)) if parts else pd.DataFrame(columns=VALUE_COLUMNS)
    values["status"] = values["status"].replace(UNCOVERED, NO_FIGURE)
    for column in ("value", "numerator", "denominator", "secondary"):
        values[column] = pd.to_numeric(values[column].astype("object"), errors="coerce").astype("float64")
    values["rows"] = values["rows"].fillna(0).astype("int64")
    values["stand_in"] = values["stand_in"].fillna(False).astype(bool)
    alternatives = (pd.concat(others).rename_axis("quarter").reset_index() if others
                    else pd.DataFrame(columns=["quarter", "value", "status", "table", "ref"]))
    alternatives["status"] = alternatives["status"].replace(UNCOVERED, NO_FIGURE)
    lineage = (pd.concat(traced, ignore_index=True).rename(columns={"_q": "quarter"}) if traced
               else pd.DataFrame(columns=LINEAGE_COLUMNS))
    return Results(values, gaps, pr.frame(warnings), alternatives[["ref", "quarter", "table", "value", "status"]],
                   lineage[LINEAGE_COLUMNS])


def _finish_values(values: pd.DataFrame) -> pd.DataFrame:
    """Figures indexed by quarter (with their ref) as rows of VALUE_COLUMNS; absent parts None."""
    values = values.rename_axis("quarter").reset_index()
    values = values.assign(**{column: None for column in VALUE_COLUMNS if column not in values})
    return values[VALUE_COLUMNS]
