"""The checks on the figures, as the officer keeps them (schemas/expectations.yaml).

Loaded into strict models like every other configuration file: an unknown key, a Ref that is not
on the scorecard or a table that is not in sources.yaml stops the run naming its line.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from pipeline.config.catalogue import Unit
from pipeline.config.loading import ConfigError, StrictModel, line_of, load_model, yaml_tree

Kind = Literal["completeness", "range", "consistency", "agreement", "plausibility"]
Part = Literal["value", "numerator", "denominator"]


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
        tree = yaml_tree(path)
        lines = [line_of(tree, ("expectations", i)) for i, _, _ in wrong]
        raise ConfigError("\n".join(
            f"{path.name}{f' line {line}' if line else ''}, at expectations.{i}: {what} (in '{check.name}')"
            for line, (i, check, what) in zip(lines, wrong, strict=True)))
    return suite
