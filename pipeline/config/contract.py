"""The input contract (schemas/sources.yaml): what each agency table looks like."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from pipeline.config.loading import StrictModel, load_model

ColumnType = Literal[
    "text", "reference", "date", "month", "integer", "code", "yesno", "quarter", "number_in_text"
]

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_CODE_PREFIX = re.compile(r"^\s*[a-z]{1,2}\)\s*", re.IGNORECASE)


def normalise(text: object) -> str:
    """Lower case, punctuation and runs of spaces folded: how headings and codes are compared."""
    folded = unicodedata.normalize("NFKC", str(text)).lower().replace("&", " and ")
    return _NON_ALNUM.sub(" ", folded).strip()


def header_key(text: object) -> str:
    """Word order ignored too, so 'Arrests (CSE)' matches 'CSE arrests'."""
    return " ".join(sorted(normalise(text).split()))


def code_key(text: object) -> str:
    """A coded value as councils' systems write it: 'b) Female' is 'female'."""
    return normalise(_CODE_PREFIX.sub("", str(text)))


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


class Column(StrictModel):
    header: str
    type: ColumnType
    required: bool = True
    blank_ok: bool = False
    unique: bool = False
    values: list[str] | None = None
    synonyms: dict[str, str] = Field(default_factory=dict)
    min: int | None = None
    max: int | None = None
    future_ok: bool = False
    personal: bool = False
    free_text: bool = False
    aliases: list[str] = Field(default_factory=list)
    note: str = ""
    example: str = ""

    @field_validator("example", mode="before")
    @classmethod
    def _example_text(cls, value: Any) -> str:
        return _as_text(value)

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases_text(cls, value: Any) -> Any:
        return [_as_text(v) for v in value] if isinstance(value, list) else value

    @field_validator("synonyms", mode="before")
    @classmethod
    def _synonyms_text(cls, value: Any) -> Any:
        return {_as_text(k): _as_text(v) for k, v in value.items()} if isinstance(value, dict) else value

    @model_validator(mode="after")
    def _coherent(self) -> Column:
        if self.type == "code" and not self.values:
            raise ValueError("a code column needs its list of 'values'")
        if self.type != "code" and (self.values or self.synonyms):
            raise ValueError("only a column of type 'code' can have 'values' or 'synonyms'")
        unknown = sorted(set(self.synonyms.values()) - set(self.values or []))
        if unknown:
            raise ValueError(f"synonyms point at values that are not in 'values': {', '.join(unknown)}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("'min' is larger than 'max'")
        if self.type == "integer" and self.max is None:
            raise ValueError("a whole-number column needs 'max': the largest believable value for one cell "
                             "(a value above it is refused as an input error)")
        return self

    @cached_property
    def match_keys(self) -> frozenset[str]:
        """Every heading that names this column, folded for matching."""
        return frozenset(header_key(h) for h in [self.header, *self.aliases] if normalise(h))

    @cached_property
    def code_map(self) -> dict[str, str]:
        """Folded spelling -> the value as the contract writes it."""
        mapping = {code_key(v): v for v in self.values or []}
        mapping.update({code_key(k): v for k, v in self.synonyms.items()})
        return mapping


class Rule(StrictModel):
    rule: Literal["not_before", "together", "only_if_yes"]
    column: str
    other: str


class Table(StrictModel):
    template: str | None
    title: str
    sheet: str
    description: str
    grain: Literal["record", "monthly"] = "record"
    date_column: str | None = None
    unique_together: list[str] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)
    sheet_names: list[str] = Field(default_factory=list)
    signature: list[str] = Field(default_factory=list)
    optional: bool = False  # no warning when no file supplies it
    alternatives: list[str] = Field(default_factory=list)  # other tables that can stand in for it
    same_record: list[str] = Field(default_factory=list)  # what identifies a record sent in two files
    end_column: str | None = None  # the table lists records open at any time in its period
    # A row with any of these blank is not written yet (a commentary request's row with no comment):
    # it is skipped with a note, never an error.
    skip_rows_without: list[str] = Field(default_factory=list)
    columns: dict[str, Column]

    @model_validator(mode="after")
    def _columns_exist(self) -> Table:
        named = [c for c in (self.date_column, self.end_column) if c]
        named += self.unique_together + self.same_record + self.skip_rows_without
        named += [c for r in self.rules for c in (r.column, r.other)]
        missing = sorted({c for c in named if c not in self.columns})
        if missing:
            raise ValueError(f"names columns that the table does not have: {', '.join(missing)}")
        return self

    @cached_property
    def signature_keys(self) -> frozenset[str]:
        return frozenset(header_key(h) for h in self.signature)

    @cached_property
    def sheet_name_keys(self) -> frozenset[str]:
        return frozenset(header_key(h) for h in self.sheet_names)

    @property
    def required_columns(self) -> list[str]:
        return [name for name, col in self.columns.items() if col.required]

    @property
    def record_key(self) -> list[str]:
        """The columns that make two rows the same record (empty: the whole row)."""
        if self.same_record:
            return list(self.same_record)
        unique = [name for name, col in self.columns.items() if col.unique]
        return unique[:1] or list(self.unique_together)


class Template(StrictModel):
    title: str
    file: str
    from_: str = Field(alias="from")


class ContractSettings(StrictModel):
    earliest_date: date
    header_search_rows: int = Field(ge=5, le=1000)


class Contract(StrictModel):
    version: int
    settings: ContractSettings
    templates: dict[str, Template]
    tables: dict[str, Table]

    @model_validator(mode="after")
    def _templates_exist(self) -> Contract:
        for name, table in self.tables.items():
            if table.template is not None and table.template not in self.templates:
                raise ValueError(f"table '{name}' names a template '{table.template}' that is not listed")
            unknown = [t for t in table.alternatives if t not in self.tables]
            if unknown:
                raise ValueError(f"table '{name}' lists alternatives that are not tables: {', '.join(unknown)}")
        return self

    def tables_for(self, template: str) -> dict[str, Table]:
        return {n: t for n, t in self.tables.items() if t.template == template}


def load_contract(path: Path) -> Contract:
    return load_model(path, Contract)
