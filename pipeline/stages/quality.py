"""Is this quarter's set of figures believable? great-expectations checks on the merged figures.

pandera has already checked each source's rows; these checks look at the figures once merged,
across measures and quarters: every measure has a figure or a stated reason, counts are not
negative and percentages lie in 0-100, figures that are parts of others are not bigger than them,
the two sources of 1.3 agree, and the reporting quarter has not jumped implausibly. The checks are
data (schemas/expectations.yaml) so that officers can change them; great-expectations runs them in
an ephemeral context and writes its Data Docs as the QA record. Each result becomes a row of the
Data quality sheet, worded for the officer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pipeline.config.expectations import Check, Source, Suite, load_suite
from pipeline.quarters import file_label, label
from pipeline.rounding import half_away
from pipeline.stages.gx import Expectation, Test, validate
from pipeline.vocabulary import Status

if TYPE_CHECKING:  # pandera is not imported in the worker, which waits on its imports
    from pandera.typing import DataFrame

    from pipeline.frames import Problems, Scorecard

COLUMNS = ["expectation", "measure", "quarter", "result", "observed", "details", "severity"]
PASSED, FAILED = "passed", "failed"
_FIGURE, _REASON, _NEITHER = "figure", "reason", "neither"



# --------------------------------------------------------------------------- wording numbers

def _num(values: pd.Series) -> pd.Series:
    """'12', '87.9', '-3': one decimal at most, none for whole numbers; blank when missing."""
    text = half_away(values.astype("float64"), 1).astype(str).str.removesuffix(".0")
    return text.where(values.notna(), "")


def _figure(values: pd.Series, units: pd.Series) -> pd.Series:
    """A figure with its unit, as the scorecard reads: '120%', '45 days', '12'."""
    suffix = np.select([units.eq("percent"), units.eq("days")], ["%", " days"], "")
    return _num(values) + pd.Series(suffix, index=values.index)


def _signed(values: pd.Series) -> pd.Series:
    return pd.Series(np.where(values > 0, "+", ""), index=values.index) + _num(values)


# --------------------------------------------------------------------------- the frame GE validates

def _long(figures: pd.DataFrame, scorecard: DataFrame[Scorecard], quarters: list[pd.Period]) -> pd.DataFrame:
    """One row per measure per quarter shown, quarter by quarter: the scorecard's cell, the figure
    behind it and the previous quarter's figure. Built from the scorecard so that a quarter with no
    figure at all is still a row (completeness needs it)."""
    shown = scorecard[scorecard["quarter"].isin(quarters)].sort_values("quarter", kind="stable")
    cells = shown[["ref", "unit", "quarter", "value", "text", "reason"]].rename(columns={"value": "figure"})
    cells = cells.reset_index(drop=True)
    parts = figures[["ref", "quarter", "value", "numerator", "denominator", "status"]].drop_duplicates(
        ["ref", "quarter"], keep="last")
    previous = parts[["ref", "quarter", "value", "status"]].assign(quarter=parts["quarter"] + 1).rename(
        columns={"value": "prev_value", "status": "prev_status"})
    long = cells.merge(parts, on=["ref", "quarter"], how="left").merge(previous, on=["ref", "quarter"], how="left")
    long["reason"] = long["reason"].fillna("").astype(str).str.strip()
    long["text"] = long["text"].fillna("").astype(str)
    long["ok"] = long["status"].eq(Status.OK)
    long["prev_ok"] = long["prev_status"].eq(Status.OK)
    long["label"] = long["quarter"].map({q: label(q) for q in quarters})
    return long


@dataclass
class _Plan:
    """One check of the suite laid on the long frame: the columns GE validates (blank where the
    check does not judge a row), the rows it reports on, and how each row is worded."""

    number: int
    check: Check
    applies: pd.Series
    columns: dict[str, pd.Series]
    measure: pd.Series
    observed: pd.Series
    test: Test  # how great-expectations checks the columns (pipeline.stages.gx.Expectation)
    options: dict[str, Any]

    def expectation(self) -> Expectation:
        return Expectation(self.number, self.test, self.options, description=self.check.name,
                           notes=f"If it fails: {self.check.details}.", kind=self.check.kind)


def _selected(long: pd.DataFrame, check: Check) -> pd.Series:
    mask = pd.Series(True, index=long.index)
    if check.measures != "all":
        mask &= long["ref"].isin(check.measures)
    if check.units:
        mask &= long["unit"].isin(check.units)
    return mask


def _completeness(n: int, check: Check, long: pd.DataFrame) -> _Plan:
    applies = _selected(long, check)
    has_figure, has_reason = long["figure"].notna(), long["reason"].ne("")
    state = pd.Series(np.select([has_figure, has_reason], [_FIGURE, _REASON], _NEITHER), index=long.index)
    observed = pd.Series(np.select([has_figure, has_reason], [long["text"], "no figure: " + long["reason"]],
                                   "neither a figure nor a reason"), index=long.index)
    column = f"{n:02d} figure or reason"
    return _Plan(n, check, applies, {column: state.astype(object).where(applies, None)},
                 long["ref"], observed, "in_set", {"column": column, "value_set": [_FIGURE, _REASON]})


def _range(n: int, check: Check, long: pd.DataFrame) -> _Plan:
    values = long[check.part]
    applies = _selected(long, check) & long["ok"] & values.notna()
    observed = _figure(values, long["unit"]) if check.part == "value" else f"{check.part} " + _num(values)
    column = f"{n:02d} {check.part}"
    return _Plan(n, check, applies, {column: values.where(applies)}, long["ref"], observed, "between",
                 {"column": column, "min_value": check.min, "max_value": check.max,
                  "strict_min": check.strict_min, "strict_max": check.strict_max})


def _consistency(n: int, check: Check, long: pd.DataFrame) -> _Plan:
    part, limit = check.figure, check.not_more_than
    assert part is not None and limit is not None  # the model requires both for this kind
    mine = long["ref"].eq(part.ref) & long["ok"] & long[part.part].notna()
    theirs = long.loc[long["ref"].eq(limit.ref) & long["ok"]].set_index("quarter")[limit.part]
    bound = long["quarter"].map(theirs).where(mine)
    applies = mine & bound.notna()
    column_a, column_b = f"{n:02d} {part.ref} {part.part}", f"{n:02d} {limit.ref} {limit.part}"
    measure = part.ref if part.ref == limit.ref else f"{part.ref} / {limit.ref}"
    return _Plan(n, check, applies, {column_a: long[part.part].where(applies), column_b: bound.where(applies)},
                 pd.Series(measure, index=long.index), _num(long[part.part]) + " of " + _num(bound),
                 "not_more_than", {"column": column_a, "limit": column_b})


def _by_quarter(alternatives: pd.DataFrame, ref: str, source: Source) -> pd.Series:
    """A source's worked-out figure per quarter, from the first of its tables that has one."""
    rows = alternatives[alternatives["ref"].eq(ref) & alternatives["status"].eq(Status.OK)
                        & alternatives["table"].isin(source.tables)]
    order = rows["table"].map({table: i for i, table in enumerate(source.tables)})
    return rows.assign(order=order).sort_values("order").drop_duplicates("quarter").set_index("quarter")["value"]


def _agreement(n: int, check: Check, long: pd.DataFrame, alternatives: pd.DataFrame) -> _Plan:
    source, against, tolerance = check.source, check.against, check.tolerance_percent
    assert source is not None and against is not None and tolerance is not None  # required for this kind
    mine = long["ref"].eq(check.ref)
    first = long["quarter"].map(_by_quarter(alternatives, str(check.ref), source)).where(mine).astype("float64")
    second = long["quarter"].map(_by_quarter(alternatives, str(check.ref), against)).where(mine).astype("float64")
    applies = first.notna() & second.notna()
    apart = ((second - first) / first.abs().where(first != 0) * 100).fillna(
        pd.Series(np.where(second.eq(0), 0.0, 100.0), index=long.index)).where(applies)
    column = f"{n:02d} {check.ref} difference %"
    observed = (f"{source.name} " + _num(first) + f", {against.name} " + _num(second)
                + " (" + _signed(apart) + "%)")
    return _Plan(n, check, applies, {f"{n:02d} {check.ref} {source.name}": first.where(applies),
                                     f"{n:02d} {check.ref} {against.name}": second.where(applies), column: apart},
                 long["ref"], observed, "between", {"column": column, "min_value": -tolerance, "max_value": tolerance})


def _plausibility(n: int, check: Check, long: pd.DataFrame, reporting: pd.Period) -> _Plan:
    bound = check.bound_percent
    assert bound is not None  # required for this kind
    value, previous = long["value"], long["prev_value"]
    applies = (_selected(long, check) & long["quarter"].eq(reporting) & long["ok"] & long["prev_ok"]
               & value.notna() & previous.notna())
    judged = applies & previous.abs().ge(check.min_previous) & previous.ne(0)
    change = ((value - previous) / previous.abs().where(judged) * 100).where(judged)
    note = np.select([judged, previous.eq(0)],
                     [" (" + _signed(change) + "%)", " (previous was 0: change not judged)"],
                     f" (previous below {check.min_previous:g}: change not judged)")
    observed = ("from " + _figure(previous, long["unit"]) + " to " + _figure(value, long["unit"])
                + pd.Series(note, index=long.index))
    column = f"{n:02d} change on previous quarter %"
    return _Plan(n, check, applies, {column: change}, long["ref"], observed, "between",
                 {"column": column, "min_value": -bound, "max_value": bound})


def _plan(n: int, check: Check, long: pd.DataFrame, alternatives: pd.DataFrame, reporting: pd.Period) -> _Plan:
    if check.kind == "completeness":
        return _completeness(n, check, long)
    if check.kind == "range":
        return _range(n, check, long)
    if check.kind == "consistency":
        return _consistency(n, check, long)
    if check.kind == "agreement":
        return _agreement(n, check, long, alternatives)
    return _plausibility(n, check, long, reporting)


# --------------------------------------------------------------------------- the stage

def check_expectations(figures: pd.DataFrame, scorecard: pd.DataFrame, alternatives: pd.DataFrame,
                       quarters: list[pd.Period], suite: Suite | Path,
                       docs: bool = False) -> tuple[pd.DataFrame, dict[str, bytes]]:
    """Every check of the suite on the merged figures of the four quarters shown, one row per check
    per measure (and quarter), worded for the Data quality sheet; with `docs`, great-expectations'
    Data Docs as files (index.html and its pages) for the QA record. Failures are warnings: the
    scorecard is built regardless, and the officer is told what to look at."""
    config = suite if isinstance(suite, Suite) else load_suite(suite, scorecard["ref"])
    reporting = quarters[-1]
    long = _long(figures, scorecard, quarters)
    alternatives = alternatives.reindex(columns=["ref", "quarter", "table", "value", "status"])
    plans = [_plan(n, check, long, alternatives, reporting) for n, check in enumerate(config.expectations, start=1)]
    frame = pd.concat([long[["ref"]].assign(quarter=long["label"]),
                       pd.DataFrame({name: column for plan in plans for name, column in plan.columns.items()},
                                    index=long.index)], axis=1)
    wrong, pages = validate(frame, [plan.expectation() for plan in plans], config.suite, file_label(reporting), docs)
    order = {ref: i for i, ref in enumerate(scorecard["ref"])}
    pieces = []
    for plan in plans:
        rows = long.loc[plan.applies]
        failed = pd.MultiIndex.from_arrays([rows["ref"], rows["label"]]).isin(list(wrong.get(plan.number, set())))
        pieces.append(pd.DataFrame({
            "expectation": plan.check.name,
            "measure": plan.measure[plan.applies],
            "quarter": rows["label"],
            "result": np.where(failed, FAILED, PASSED),
            "observed": plan.observed[plan.applies],
            "details": np.where(failed, plan.check.details, ""),
            "severity": np.where(failed, "warning", "info"),
            "_check": plan.number,
            "_ref": rows["ref"].map(order),
            "_quarter": rows["quarter"],
        }, index=rows.index))
    if not any(len(piece) for piece in pieces):
        return pd.DataFrame(columns=COLUMNS), pages
    results = pd.concat([piece for piece in pieces if len(piece)], ignore_index=True)
    return results.sort_values(["_check", "_ref", "_quarter"], kind="stable")[COLUMNS].reset_index(drop=True), pages


def failed_count(results: pd.DataFrame | None) -> int:
    """How many check results failed (none when the checks did not run)."""
    return int(results["result"].eq(FAILED).sum()) if results is not None and len(results) else 0


def expectation_problems(results: pd.DataFrame) -> DataFrame[Problems]:
    """Each failed expectation as a warning in the run's problem list, so it is counted, logged
    and sorted with the rest; it points at the measure and quarter, as there is no input cell."""
    from pipeline import problems as pr

    failed = results[results["result"].eq(FAILED)] if len(results) else results
    return pr.frame(
        pr.problem("warning",
                   f"Measure {row.measure}, {row.quarter}: {row.observed}. Expected: "
                   f"{row.expectation[:1].lower()}{row.expectation[1:].rstrip('.')}. "
                   f"What to do: {row.details.rstrip('.')}.",
                   column=f"Measure {row.measure}", value=str(row.observed), expected=row.expectation,
                   sheet=f"Scorecard, {row.quarter}", check="expectation")
        for row in failed.itertuples(index=False))


