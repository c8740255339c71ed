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

import io
import logging
import os
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import Field, field_validator, model_validator

from pipeline.config.catalogue import Unit
from pipeline.config.loading import ConfigError, StrictModel, load_model
from pipeline.quarters import file_label, label
from pipeline.rounding import half_away

if TYPE_CHECKING:
    from pandera.typing import DataFrame

    from pipeline.model import Scorecard

COLUMNS = ["expectation", "measure", "quarter", "result", "observed", "details", "severity"]
PASSED, FAILED = "passed", "failed"
DOCS_SITE = "qa_record"
# Data Docs name their pages validations/<suite>/<run>/<time>/<source>-<asset>.html: short names
# keep every page within paths.LONGEST_BELOW_OUTPUTS of the outputs folder (the suite's own name
# from expectations.yaml is shown as its notes).
DOCS_SUITE, DOCS_SOURCE, DOCS_ASSET = "qa", "ce", "figures"
_FIGURE, _REASON, _NEITHER = "figure", "reason", "neither"

Kind = Literal["completeness", "range", "consistency", "agreement", "plausibility"]
Part = Literal["value", "numerator", "denominator"]


# --------------------------------------------------------------------------- the suite as data

def _quoted(value: Any) -> Any:
    """A Ref typed as a number would lose its meaning (4.10 reads as 4.1), so it must be quoted."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(f'write the Ref in quotes, e.g. "{value}" (4.10 without quotes reads as 4.1)')
    return value


class FigurePart(StrictModel):
    """One figure of a measure: its value, or the numerator or denominator of a percentage."""

    ref: str
    part: Part = "value"

    @field_validator("ref", mode="before")
    @classmethod
    def _ref_quoted(cls, value: Any) -> Any:
        return _quoted(value)


class Source(StrictModel):
    """One source of a measure, as the officer knows it, and the tables (sources.yaml) it is read from."""

    name: str = Field(min_length=1)
    tables: list[str] = Field(min_length=1)


_COMMON = {"name", "kind", "details"}
_KEYS: dict[str, tuple[set[str], set[str]]] = {  # kind: (keys it needs, keys it may have)
    "completeness": (set(), {"measures"}),
    "range": (set(), {"measures", "units", "part", "min", "max", "strict_min", "strict_max"}),
    "consistency": ({"figure", "not_more_than"}, set()),
    "agreement": ({"ref", "source", "against", "tolerance_percent"}, set()),
    "plausibility": ({"bound_percent"}, {"measures", "units", "min_previous"}),
}


class Check(StrictModel):
    """One expectation of the suite; which keys apply depends on its kind (see expectations.yaml)."""

    name: str = Field(min_length=1)
    kind: Kind
    details: str = Field(min_length=1)
    measures: Literal["all"] | list[str] = "all"
    units: list[Unit] | None = None
    part: Part = "value"
    min: float | None = None
    max: float | None = None
    strict_min: bool = False
    strict_max: bool = False
    figure: FigurePart | None = None
    not_more_than: FigurePart | None = None
    ref: str | None = None
    source: Source | None = None
    against: Source | None = None
    tolerance_percent: float | None = Field(default=None, ge=0)
    bound_percent: float | None = Field(default=None, gt=0)
    min_previous: float = Field(default=0, ge=0)

    @field_validator("measures", mode="before")
    @classmethod
    def _measures_quoted(cls, value: Any) -> Any:
        return [_quoted(v) for v in value] if isinstance(value, list) else value

    @field_validator("ref", mode="before")
    @classmethod
    def _ref_quoted(cls, value: Any) -> Any:
        return _quoted(value)

    @model_validator(mode="after")
    def _keys_for_kind(self) -> Check:
        needed, allowed = _KEYS[self.kind]
        stray = sorted(self.model_fields_set - _COMMON - needed - allowed)
        if stray:
            raise ValueError(f"{', '.join(stray)} cannot be used with kind '{self.kind}'")
        missing = sorted(key for key in needed if getattr(self, key) is None)
        if missing:
            raise ValueError(f"kind '{self.kind}' needs {', '.join(missing)}")
        if self.kind == "range" and self.min is None and self.max is None:
            raise ValueError("kind 'range' needs min or max (or both)")
        if self.measures == []:
            raise ValueError("measures lists no Ref: list at least one, or write all")
        if self.kind == "consistency" and self.figure == self.not_more_than:
            raise ValueError("figure and not_more_than are the same figure")
        if self.kind == "agreement" and self.source and self.against and self.source.name == self.against.name:
            raise ValueError("source and against need different names (they label the two figures)")
        return self

    def refs(self) -> list[str]:
        """Every measure Ref this check names."""
        named = [] if self.measures == "all" else list(self.measures)
        named += [p.ref for p in (self.figure, self.not_more_than) if p is not None]
        return named + ([self.ref] if self.ref else [])


class Suite(StrictModel):
    version: int
    suite: str
    expectations: list[Check] = Field(min_length=1)

    @field_validator("suite")
    @classmethod
    def _file_safe(cls, value: str) -> str:
        if not value or not all(ch.isalnum() or ch in "_-" for ch in value):
            raise ValueError("use letters, digits, _ and - only (it names folders of the Data Docs)")
        return value


def _item_lines(path: Path) -> list[int]:
    """The line each entry of `expectations:` starts on (read again only when there is an error)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    root = yaml.compose(path.read_text(encoding="utf-8-sig"), Loader=loader)
    for key, value in root.value if isinstance(root, yaml.MappingNode) else []:
        if key.value == "expectations" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def load_suite(path: Path, refs: Iterable[str], tables: Iterable[str] | None = None) -> Suite:
    """Read expectations.yaml; a Ref that is not a measure on the scorecard, or a table that is not
    in sources.yaml, stops with its line."""
    suite = load_model(path, Suite)
    known = set(refs)
    wrong = [(i, check, f"there is no measure '{ref}' in kpis.yaml")
             for i, check in enumerate(suite.expectations) for ref in dict.fromkeys(check.refs()) if ref not in known]
    if tables is not None:
        contract = set(tables)
        wrong += [(i, check, f"there is no table '{table}' in sources.yaml")
                  for i, check in enumerate(suite.expectations)
                  for source in (check.source, check.against) if source is not None
                  for table in source.tables if table not in contract]
    if wrong:
        lines = _item_lines(path)
        raise ConfigError("\n".join(
            f"{path.name}{f' line {lines[i]}' if i < len(lines) else ''}, at expectations.{i}: "
            f"{what} (in '{check.name}')" for i, check, what in wrong))
    return suite


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
    long["ok"] = long["status"].eq("ok")
    long["prev_ok"] = long["prev_status"].eq("ok")
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
    expectation: Callable[..., Any]  # (gx.expectations, **common keyword arguments) -> Expectation


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
                 long["ref"], observed,
                 lambda gxe, **common: gxe.ExpectColumnValuesToBeInSet(
                     column=column, value_set=[_FIGURE, _REASON], **common))


def _range(n: int, check: Check, long: pd.DataFrame) -> _Plan:
    values = long[check.part]
    applies = _selected(long, check) & long["ok"] & values.notna()
    observed = _figure(values, long["unit"]) if check.part == "value" else f"{check.part} " + _num(values)
    column = f"{n:02d} {check.part}"
    return _Plan(n, check, applies, {column: values.where(applies)}, long["ref"], observed,
                 lambda gxe, **common: gxe.ExpectColumnValuesToBeBetween(
                     column=column, min_value=check.min, max_value=check.max,
                     strict_min=check.strict_min, strict_max=check.strict_max, **common))


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
                 lambda gxe, **common: gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                     column_A=column_b, column_B=column_a, or_equal=True,
                     ignore_row_if="either_value_is_missing", **common))


def _by_quarter(alternatives: pd.DataFrame, ref: str, source: Source) -> pd.Series:
    """A source's worked-out figure per quarter, from the first of its tables that has one."""
    rows = alternatives[alternatives["ref"].eq(ref) & alternatives["status"].eq("ok")
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
                 long["ref"], observed,
                 lambda gxe, **common: gxe.ExpectColumnValuesToBeBetween(
                     column=column, min_value=-tolerance, max_value=tolerance, **common))


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
    return _Plan(n, check, applies, {column: change}, long["ref"], observed,
                 lambda gxe, **common: gxe.ExpectColumnValuesToBeBetween(
                     column=column, min_value=-bound, max_value=bound, **common))


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


# --------------------------------------------------------------------------- running great-expectations

@contextmanager
def _quiet() -> Iterator[None]:
    """great-expectations' log lines, warnings, progress bars and prints stay off the officer's
    console: its loggers go to a null handler at ERROR, and anything it writes is discarded."""
    family = logging.getLogger("great_expectations")
    loggers = [family] + [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
                          if name.startswith("great_expectations.")]
    levels = [(logger, logger.level) for logger in loggers]
    handlers, propagate = family.handlers[:], family.propagate
    family.handlers, family.propagate = [logging.NullHandler()], False
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    sink = io.StringIO()
    try:
        with warnings.catch_warnings(), redirect_stdout(sink), redirect_stderr(sink):
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in levels:
            logger.setLevel(level)
        family.handlers, family.propagate = handlers, propagate


def _docs_sites(docs_dir: Path | None) -> dict[str, dict[str, Any]]:
    """A local folder of HTML (no temporary site, nothing under the working directory)."""
    if docs_dir is None:
        return {}
    return {DOCS_SITE: {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir.resolve())},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }}


def _raised(info: dict[str, Any] | None) -> str | None:
    """The message of an exception GE caught while checking (its info is flat, or one per metric)."""
    if not info:
        return None
    if "raised_exception" in info:
        return str(info.get("exception_message")) if info["raised_exception"] else None
    return next((message for part in info.values() if isinstance(part, dict)
                 for message in [_raised(part)] if message), None)


def _validate(frame: pd.DataFrame, plans: list[_Plan], suite_name: str, run_name: str,
              docs_dir: Path | None) -> dict[int, set[tuple[str, str]]]:
    """Run the suite on the frame in an ephemeral context: the (Ref, quarter) each check found wrong.
    Unexpected rows are named by Ref and quarter, so the Data Docs name them too."""
    os.environ["GX_ANALYTICS_ENABLED"] = "False"  # read when great-expectations is imported
    with _quiet():
        import great_expectations as gx
        import great_expectations.expectations as gxe
        from great_expectations.checkpoint import UpdateDataDocsAction
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        context = gx.get_context(mode="ephemeral", project_config=DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
            data_docs_sites=_docs_sites(docs_dir)))
        batch = (context.data_sources.add_pandas(DOCS_SOURCE).add_dataframe_asset(DOCS_ASSET)
                 .add_batch_definition_whole_dataframe("four_quarters"))
        suite = context.suites.add(gx.ExpectationSuite(name=DOCS_SUITE, notes=suite_name))
        for plan in plans:
            suite.add_expectation(plan.expectation(
                gxe, description=plan.check.name, notes=f"If it fails: {plan.check.details}.", severity="warning",
                meta={"check": plan.number, "kind": plan.check.kind}))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{DOCS_SUITE} figures", data=batch, suite=suite))
        actions = [UpdateDataDocsAction(name="data_docs", site_names=[DOCS_SITE])] if docs_dir else []
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=f"{DOCS_SUITE} checkpoint", validation_definitions=[definition], actions=actions,
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["ref", "quarter"]}))
        outcome = checkpoint.run(batch_parameters={"dataframe": frame},
                                 run_id=RunIdentifier(run_name=run_name, run_time=datetime.now(timezone.utc)))
    wrong: dict[int, set[tuple[str, str]]] = {}
    for validation in outcome.run_results.values():
        for result in validation.results:
            number = int(result.expectation_config.meta["check"])
            problem = _raised(result.exception_info)
            if problem:
                raise RuntimeError(f"great-expectations could not run check {number} of the suite: {problem}")
            found = result.result.get("unexpected_index_list") or []
            wrong[number] = {(str(row["ref"]), str(row["quarter"])) for row in found}
    return wrong


# --------------------------------------------------------------------------- the stage

def check_expectations(figures: pd.DataFrame, scorecard: pd.DataFrame, alternatives: pd.DataFrame,
                       quarters: list[pd.Period], suite: Suite | Path, docs_dir: Path | None = None) -> pd.DataFrame:
    """Every check of the suite on the merged figures of the four quarters shown, one row per check
    per measure (and quarter), worded for the Data quality sheet. Failures are warnings: the
    scorecard is built regardless, and the officer is told what to look at. With `docs_dir`,
    great-expectations' Data Docs are written there (docs_dir/index.html) as the QA record."""
    config = suite if isinstance(suite, Suite) else load_suite(suite, scorecard["ref"])
    reporting = quarters[-1]
    long = _long(figures, scorecard, quarters)
    alternatives = alternatives.reindex(columns=["ref", "quarter", "table", "value", "status"])
    plans = [_plan(n, check, long, alternatives, reporting) for n, check in enumerate(config.expectations, start=1)]
    frame = pd.concat([long[["ref"]].assign(quarter=long["label"]),
                       pd.DataFrame({name: column for plan in plans for name, column in plan.columns.items()},
                                    index=long.index)], axis=1)
    wrong = _validate(frame, plans, config.suite, file_label(reporting), docs_dir)
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
        return pd.DataFrame(columns=COLUMNS)
    results = pd.concat([piece for piece in pieces if len(piece)], ignore_index=True)
    return results.sort_values(["_check", "_ref", "_quarter"], kind="stable")[COLUMNS].reset_index(drop=True)


def failed_count(results: pd.DataFrame | None) -> int:
    """How many check results failed (none when the checks did not run)."""
    return int(results["result"].eq(FAILED).sum()) if results is not None and len(results) else 0


def expectation_problems(results: pd.DataFrame) -> pd.DataFrame:
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


# --------------------------------------------------------------------------- importing it early

def import_great_expectations() -> None:
    """Import it offline (no analytics) and quietly: its import prints warnings of its own."""
    os.environ["GX_ANALYTICS_ENABLED"] = "False"  # read when great-expectations is imported
    with _quiet():
        import great_expectations  # noqa: F401
