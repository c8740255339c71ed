"""The KPI catalogue (schemas/kpis.yaml): every measure, how it is computed and rated."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from pipeline.config.contract import Contract
from pipeline.config.loading import ConfigError, StrictModel, load_model

Compute = Literal["count", "sum", "distinct_count", "distinct_with_at_least", "count_and_sum", "percentage",
                  "median_step_down_days", "open_at_quarter_end"]
Polarity = Literal["higher", "lower", "none"]
Unit = Literal["count", "percent", "days"]

Part = Literal["shown", "numerator", "denominator", "secondary"]
# The counts behind a figure, and the ways of computing that give them.
PART_OF = {"numerator": {"percentage"}, "denominator": {"percentage", "median_step_down_days"},
           "secondary": {"count_and_sum"}}

NEEDS_COLUMN = {"sum", "distinct_count", "distinct_with_at_least", "count_and_sum", "median_step_down_days",
                "open_at_quarter_end"}


class Way(StrictModel):
    """One way of computing a measure from one table."""

    table: str
    compute: Compute
    date: str
    end: str | None = None
    column: str | None = None
    where: dict[str, Any] = Field(default_factory=dict)
    where_any: dict[str, Any] = Field(default_factory=dict)
    numerator: dict[str, Any] = Field(default_factory=dict)
    min_rows: int | None = Field(default=None, ge=1)
    level: str | None = None
    steps: list[tuple[str, str]] = Field(default_factory=list)
    breakdown: str | None = None
    breakdown_by: str | None = None
    compare: bool = True  # warn where this way and the one before it both cover a quarter and differ
    stand_in: bool = False  # counts the measure another way than its own source: marked where it is used
    # Definitions that can be read two ways, stated as choices (see kpis.yaml and `choices`).
    per: str | None = None  # percentage: a share of different values of this column, not of rows
    open_on_last_day: bool = False  # open_at_quarter_end: a record ending on the quarter's last day is open then
    step_from: Literal["first", "last"] = "first"  # median_step_down_days: timed from which higher assessment

    @model_validator(mode="after")
    def _keys_for_compute(self) -> Way:
        misplaced = [key for key, compute in (("per", "percentage"), ("open_on_last_day", "open_at_quarter_end"),
                                              ("step_from", "median_step_down_days"))
                     if key in self.model_fields_set and self.compute != compute]
        if misplaced:
            raise ValueError(f"{', '.join(misplaced)} cannot be used with compute '{self.compute}'")
        wanted = []
        if self.compute in NEEDS_COLUMN and not self.column:
            wanted.append("column")
        if self.compute == "distinct_with_at_least" and self.min_rows is None:
            wanted.append("min_rows")
        if self.compute == "percentage" and not self.numerator:
            wanted.append("numerator")
        if self.compute == "median_step_down_days" and not (self.level and self.steps):
            wanted.append("level and steps")
        if self.compute == "open_at_quarter_end" and not self.end:
            wanted.append("end")
        if wanted:
            raise ValueError(f"compute '{self.compute}' needs {', '.join(wanted)}")
        return self

    def columns_used(self) -> set[str]:
        named = {self.date, self.end, self.column, self.level, self.breakdown, self.breakdown_by, self.per}
        named |= set(self.where) | set(self.where_any) | set(self.numerator)
        return {c for c in named if c}


    def choices(self, headers: dict[str, str]) -> list[str]:
        """The definition's choices in words, for the Definitions sheet (`headers`: column -> heading)."""
        if self.compute == "percentage":
            if self.per:
                what = headers.get(self.per, self.per).lower()
                return [f"Counted per {what} (per: {self.per}): each {what} counts once, and in the numerator when "
                        "any of its rows in the quarter matches. Without 'per', every row counts."]
            return ["Counted per row (per: null): every row counts once."] if "per" in self.model_fields_set else []
        if self.compute == "open_at_quarter_end":
            return [f"A record that ends on the quarter's last day {'is' if self.open_on_last_day else 'is not'} counted "
                    f"as open on that day (open_on_last_day: {str(self.open_on_last_day).lower()})."]
        if self.compute == "median_step_down_days":
            which = {"first": "first assessment at the higher level",
                     "last": "last assessment at the higher level before the step down"}[self.step_from]
            return [f"Each step down is timed from the child's {which} (step_from: {self.step_from}; the other choice "
                    f"is {'last' if self.step_from == 'first' else 'first'})."]
        return []


class ChartColumn(StrictModel):
    """One column of a supporting measure's table: which part of its figure, and under what heading."""

    figure: Part
    heading: str = Field(min_length=1)
    plot: bool  # drawn on the chart, or shown in the table only


class Chart(StrictModel):
    """A supporting measure's small table and chart, on the Supporting information sheet."""

    type: Literal["column", "line"]
    columns: list[ChartColumn] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_part_once_and_one_plotted(self) -> Chart:
        parts = [c.figure for c in self.columns]
        twice = sorted({part for part in parts if parts.count(part) > 1})
        if twice:
            raise ValueError(f"the table lists {', '.join(twice)} more than once")
        if not any(c.plot for c in self.columns):
            raise ValueError("the chart plots nothing: set plot: true on at least one column")
        return self


def check_month(text: str) -> str:
    """A month written YYYY-MM, as the officer types it (2024-04 for April 2024)."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise ValueError(f"'{text}' is not a month written as year-month, e.g. 2024-04 for April 2024")
    return text


Month = Annotated[str, AfterValidator(check_month)]


class Baseline(StrictModel):
    """Months the process limits are worked out from: from one month to another (or to the end)."""

    from_: Month = Field(alias="from")
    to: Month | None = None

    @model_validator(mode="after")
    def _in_order(self) -> Baseline:
        if self.to is not None and self.to < self.from_:
            raise ValueError(f"the baseline ends ({self.to}) before it starts ({self.from_})")
        return self


class Spc(StrictModel):
    """How a measure's monthly figures are charted and read (statistical process control, as NHS
    England's Making Data Count does). The catalogue's `spc` sets them for every measure; a
    measure's own `spc` changes any of them for that measure alone."""

    method: Literal["xmr", "p"] | None = None  # None: a p-chart for a percentage, an XmR chart otherwise
    min_points: int = Field(default=15, ge=2, le=120)  # fewer points: "Too few points", no variation
    shift_length: int = Field(default=7, ge=2, le=30)  # points in a row on one side of the mean
    trend_length: int = Field(default=6, ge=2, le=30)  # points in a row each higher (or lower) than the last
    screen_moving_ranges: bool = False  # leave out moving ranges above 3.267 x their mean (MDC's tools do not)
    baselines: list[Baseline] = Field(default_factory=list)  # none: the limits come from every month
    rate_by: Literal["variation", "direction"] = "variation"  # a measure with a polarity and no target

    @model_validator(mode="after")
    def _baselines_in_order(self) -> Spc:
        for before, after in zip(self.baselines, self.baselines[1:]):
            if before.to is None or after.from_ <= before.to:
                raise ValueError(f"the baselines overlap: one from {after.from_} starts before the one from "
                                 f"{before.from_} ends; list them in month order, each with a 'to' but the last")
        return self

    def chart_method(self, unit: str) -> str:
        return self.method or ("p" if unit == "percent" else "xmr")


class Measure(StrictModel):
    ref: str
    objective: str
    title: str
    source: str
    description: str
    unit: Unit
    polarity: Polarity
    target: float | None
    tolerance: float | None = Field(ge=0)
    stretch: float | None
    developing: bool
    from_: list[Way] = Field(alias="from", min_length=1)
    display: str | None = None  # how a figure reads, e.g. "{value} reports, {secondary} linked offences"
    chart: Chart | None = None  # the appendix's measures: their table and chart on the Supporting information
    spc: dict[str, Any] = Field(default_factory=dict)  # this measure's own SPC settings (see Spc), checked below

    @model_validator(mode="after")
    def _chart_parts_exist(self) -> Measure:
        for column in self.chart.columns if self.chart else []:
            wanted = PART_OF.get(column.figure)
            if wanted and any(way.compute not in wanted for way in self.from_):
                raise ValueError(f"the chart's {column.figure} column needs compute {' or '.join(sorted(wanted))}, "
                                 f"which gives a {column.figure}; this measure is computed by "
                                 f"{', '.join(way.compute for way in self.from_)}")
        return self

    @model_validator(mode="after")
    def _rating_makes_sense(self) -> Measure:
        if self.target is not None and self.polarity == "none":
            raise ValueError("a target needs a polarity (higher or lower)")
        if self.stretch is not None:
            if self.target is None:
                raise ValueError("a stretch target needs a target")
            if (self.polarity == "higher" and self.stretch < self.target) or (self.polarity == "lower" and self.stretch > self.target):
                raise ValueError("the stretch target is on the wrong side of the target for its polarity")
        return self

    @property
    def tol(self) -> float:
        return self.tolerance or 0.0


class Objective(StrictModel):
    title: str
    lead: str | None
    appendix: bool = False  # the supporting information (the seed's Appendix 3): its measures each have a chart


class Catalogue(StrictModel):
    version: int
    breakdown_lines: int = Field(default=10, ge=2, le=50)  # a breakdown's categories; the rest are "Other"
    low_numbers: int = Field(default=10, ge=1)  # a share or median over fewer cases is shown but not rated
    spc: Spc = Field(default_factory=Spc)  # every measure's SPC settings, unless its own spc says otherwise
    objectives: dict[str, Objective]
    measures: list[Measure]

    @model_validator(mode="after")
    def _spc_settings_valid(self) -> Catalogue:
        """A measure's own spc: each key one of Spc's, valid with the catalogue's for the rest (the
        errors point at the measure's line)."""
        wrong: list[InitErrorDetails] = []
        for i, m in enumerate(self.measures):
            try:
                chosen = self.spc_of(m)
            except ValidationError as error:  # re-raised at the measure, of the same types, for their words
                wrong += [InitErrorDetails(type=e["type"], loc=("measures", i, "spc", *e["loc"]), input=e["input"],
                                           **({"ctx": e["ctx"]} if "ctx" in e else {})) for e in error.errors()]
                continue
            if chosen.method == "p" and m.unit != "percent":
                message = f"a p-chart charts a percentage; measure {m.ref} is a {m.unit}"
                wrong.append(InitErrorDetails(type=PydanticCustomError("value_error", message),
                                              loc=("measures", i, "spc", "method"), input=chosen.method))
        if wrong:
            raise ValidationError.from_exception_data("Catalogue", wrong)
        return self

    def spc_of(self, measure: Measure) -> Spc:
        """The measure's SPC settings: the catalogue's, with its own on top."""
        return Spc.model_validate({**self.spc.model_dump(by_alias=True, exclude_unset=True), **measure.spc})

    @model_validator(mode="after")
    def _refs_unique_and_objectives_known(self) -> Catalogue:
        seen: set[str] = set()
        for m in self.measures:
            if m.ref in seen:
                raise ValueError(f"the Ref {m.ref} is listed twice")
            seen.add(m.ref)
            if m.objective not in self.objectives:
                raise ValueError(f"measure {m.ref} names objective '{m.objective}', which is not listed")
        return self

    @model_validator(mode="after")
    def _charts_exactly_in_the_appendix(self) -> Catalogue:
        """Each measure of the appendix has a chart, and no other measure has one. The errors point
        at the measure (a model's own check has no place in the file otherwise)."""
        wrong = []
        for i, m in enumerate(self.measures):
            appendix = m.objective in self.objectives and self.objectives[m.objective].appendix
            if appendix and m.chart is None:
                wrong.append(((i,), f"measure {m.ref} is in objective {m.objective}, the appendix (appendix: true), "
                                    "so it needs a chart: its table and chart on the Supporting information sheet"))
            elif not appendix and m.chart is not None:
                wrong.append(((i, "chart"), f"measure {m.ref} has a chart, but only the measures of an objective with "
                                            "appendix: true are shown on the Supporting information sheet"))
        if wrong:
            raise ValidationError.from_exception_data("Catalogue", [
                InitErrorDetails(type=PydanticCustomError("value_error", message), loc=("measures", *where), input=None)
                for where, message in wrong])
        return self

    @property
    def refs(self) -> list[str]:
        return [m.ref for m in self.measures]

    def measure(self, ref: str) -> Measure:
        return next(m for m in self.measures if m.ref == ref)

    def lead_of(self, measure: Measure) -> str:
        """Who answers for the measure (named beside each Red and each special cause concern): its
        objective's lead ('' when none is set). The one place a measure's own lead would go."""
        return self.objectives[measure.objective].lead or ""

    @property
    def charts(self) -> dict[str, Chart]:
        """Ref -> the Supporting information's table and chart, for each measure that has one, in order."""
        return {m.ref: m.chart for m in self.measures if m.chart is not None}


def _condition_problems(ref: str, key: str, table: str, contract: Contract, conditions: dict[str, Any]) -> list[str]:
    problems = []
    columns = contract.tables[table].columns
    for name, condition in conditions.items():
        if name not in columns:
            problems.append(f"measure {ref}, {key}: table '{table}' has no column '{name}'")
            continue
        col = columns[name]
        values = condition.get("not", []) if isinstance(condition, dict) else condition
        if isinstance(condition, dict) and set(condition) - {"not", "min", "max"}:
            problems.append(f"measure {ref}, {key}.{name}: only 'not', 'min' and 'max' may be used here")
        listed = values if isinstance(values, list) else [values]
        if col.type == "code":
            unknown = [str(v) for v in listed if v not in (col.values or [])]
            if unknown:
                problems.append(f"measure {ref}, {key}.{name}: {', '.join(unknown)} is not one of {', '.join(col.values or [])}")
        if col.type == "yesno" and not all(isinstance(v, bool) for v in listed):
            problems.append(f"measure {ref}, {key}.{name}: use true or false for a Yes/No column")
    return problems


def check_against(catalogue: Catalogue, contract: Contract, path: Path) -> None:
    """Every table, column and coded value a measure names must exist in the input contract."""
    problems = []
    for m in catalogue.measures:
        for way in m.from_:
            if way.table not in contract.tables:
                problems.append(f"measure {m.ref}: there is no table '{way.table}' in sources.yaml")
                continue
            columns = contract.tables[way.table].columns
            for name in sorted(way.columns_used() - set(where_keys(way))):
                if name not in columns:
                    problems.append(f"measure {m.ref}: table '{way.table}' has no column '{name}'")
            for key in ("where", "where_any", "numerator"):
                problems += _condition_problems(m.ref, key, way.table, contract, getattr(way, key))
            if way.steps and way.level in columns:
                allowed = columns[way.level].values or []
                bad = sorted({lv for step in way.steps for lv in step if lv not in allowed})
                if bad:
                    problems.append(f"measure {m.ref}, steps: {', '.join(bad)} is not one of {', '.join(allowed)}")
    if problems:
        raise ConfigError("\n".join(f"{path.name}: {p}" for p in problems))


def where_keys(way: Way) -> list[str]:
    return [*way.where, *way.where_any, *way.numerator]


def load_catalogue(path: Path, contract: Contract) -> Catalogue:
    catalogue = load_model(path, Catalogue)
    check_against(catalogue, contract, path)
    return catalogue
