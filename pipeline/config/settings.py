"""The small officer-editable files beside the contract and catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import field_validator

from pipeline.config.catalogue import Catalogue, load_catalogue
from pipeline.config.contract import Contract, load_contract
from pipeline.config.expectations import Suite, load_suite
from pipeline.config.loading import PersonName, StrictModel, load_model
from pipeline.paths import Paths
from pipeline.stages.package import InputLimits

# Windows refuses these as file names, with any extension ('CON.xlsx' too).
WINDOWS_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)),
                              *(f"LPT{n}" for n in range(1, 10))})
# With ' (DEMO)', ' (DRAFT)', ' (officer checks)' and ' (new copy 12)' added, within paths.LONGEST_BELOW_OUTPUTS.
WORKBOOK_NAME_LIMIT = 74


class Settings(StrictModel):
    partnership: str
    protective_marking: str
    published_marking: str = "OFFICIAL"  # the publishable copy's marking (--publish)
    author: str
    # Sends the commentary requests, and is asked for the commentary on a measure with no lead.
    performance_officer: PersonName = "Performance officer"
    workbook_name: str
    input_limits: InputLimits = InputLimits()

    @field_validator("workbook_name")
    @classmethod
    def _has_quarter(cls, value: str) -> str:
        if "{quarter}" not in value or not value.lower().endswith(".xlsx"):
            raise ValueError("must contain {quarter} and end with .xlsx, e.g. 'CE scorecard {quarter}.xlsx'")
        if any(ch in value for ch in '\\/:*?"<>|') or any(ord(ch) < 32 for ch in value):
            raise ValueError('a file name cannot contain any of \\ / : * ? " < > |')
        if value.split(".")[0].strip().upper() in WINDOWS_RESERVED:
            raise ValueError(f"'{value.split('.')[0]}' is a name Windows keeps for a device, so no file can have it")
        if len(value) > WORKBOOK_NAME_LIMIT:
            raise ValueError(f"at most {WORKBOOK_NAME_LIMIT} characters, so that the full path stays short enough "
                             "for Windows")
        return value


class QaItem(StrictModel):
    name: str
    description: str


class QaSection(StrictModel):
    heading: str
    items: list[QaItem]


class QaMap(StrictModel):
    title: str
    introduction: str
    sections: list[QaSection]
    closing: str


@dataclass(frozen=True)
class Config:
    """Everything read from schemas/: loaded once, checked before any input is touched."""

    contract: Contract
    catalogue: Catalogue
    settings: Settings
    qa_map: QaMap
    expectations: Suite
    redact_names: tuple[str, ...] = ()


def load_config(paths: Paths) -> Config:
    contract = load_contract(paths.schema("sources.yaml"))
    catalogue = load_catalogue(paths.schema("kpis.yaml"), contract)
    return Config(
        contract=contract,
        catalogue=catalogue,
        settings=load_model(paths.schema("settings.yaml"), Settings),
        qa_map=load_model(paths.schema("qa_activity_map.yaml"), QaMap),
        expectations=load_suite(paths.schema("expectations.yaml"), catalogue.refs, contract.tables),
        redact_names=load_names(paths.schema("redact_names.txt")),
    )


def load_names(path: Path) -> tuple[str, ...]:
    """One name per line; blank lines and lines starting with # are ignored."""
    if not path.is_file():
        return ()
    lines = (line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


def schema_files(paths: Paths) -> list[Path]:
    names = ("sources.yaml", "kpis.yaml", "settings.yaml", "qa_activity_map.yaml", "redact_names.txt", "expectations.yaml")
    return [p for p in (paths.schema(n) for n in names) if p.is_file()]
