"""Shared fixtures: the real contract, and small workbooks written in code."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline.check import check_inputs
from pipeline.compute import compute_figures
from pipeline.config.contract import Contract, load_contract
from pipeline.config.settings import Config, load_config
from pipeline.model import CheckedInputs, Stored
from pipeline.paths import Paths
from pipeline.quarters import columns_for, parse_label
from pipeline.stages.gx import import_great_expectations
from pipeline.stages.rate import rate_measures
from pipeline.stages.scorecard import assemble
from pipeline.stages.variation import Charted, chart_measures
from pipeline.tools.demo import write_demo_inputs
from pipeline.writing.history_file import load_history, load_lineage

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REALDATA_CANDIDATES = [ROOT / "tests" / "realdata", SHARED / "realdata"]
TODAY = date(2026, 11, 22)


@pytest.fixture(scope="session")
def great_expectations() -> None:
    """For test files that build scorecards in this process (they say so with
    `pytestmark = pytest.mark.usefixtures("great_expectations")`): great-expectations is imported
    here once, so their runs check the figures here instead of each starting a worker process to
    import it again (pipeline.stages.checker). Other test files never import it."""
    import_great_expectations()


def realdata() -> Path:
    """The real public sample files (a copy is kept under tests/realdata for CI)."""
    for folder in REALDATA_CANDIDATES:
        if folder.is_dir():
            return folder
    pytest.skip("real sample files are not available")


@pytest.fixture(scope="session")
def contract() -> Contract:
    return load_contract(ROOT / "schemas" / "sources.yaml")


@functools.cache
def _demo_inputs() -> Path:
    """The demo inputs, written once per test session (writing them takes about a second)."""
    folder = Path(tempfile.mkdtemp(prefix="ce-demo-inputs-"))
    atexit.register(shutil.rmtree, folder, True)
    write_demo_inputs(folder)
    return folder


def copy_demo_inputs(folder: Path) -> Path:
    """A fresh copy of the demo inputs in `folder`, for a test to change as it likes."""
    shutil.copytree(_demo_inputs(), folder, dirs_exist_ok=True)
    return folder


@dataclass
class DemoScorecard:
    """The demo inputs taken through the real stages, as a run would, up to the scorecard."""

    config: Config
    rated: pd.DataFrame  # the figures, joined with an empty history and rated
    alternatives: pd.DataFrame
    scorecard: pd.DataFrame
    quarters: list[pd.Period]
    charted: Charted  # every measure's monthly chart, and its variation and assurance each quarter


def demo_scorecard(base: Path, reporting: str = "Q2 2025/26") -> DemoScorecard:
    copy_demo_inputs(base / "in")
    paths = Paths.resolve(None, base / "in", base / "out")
    config = load_config(paths)
    inputs = check_inputs(paths.inputs, config.contract, TODAY)
    none = base / "no history.sqlite"
    figures = compute_figures(inputs, config, Stored(load_history(none), load_lineage(none)), parse_label(reporting), TODAY)
    quarters = columns_for(figures.reporting)
    charted = chart_measures(figures.merged.months, config.catalogue, quarters)
    rated = rate_measures(figures.merged.values, config.catalogue, figures.results.alternatives, charted.quarters)
    scorecard = assemble(rated, config.catalogue, config.contract, quarters, figures.results.gaps,
                         inputs.checked.frames.get("commentary"))
    return DemoScorecard(config, rated, figures.results.alternatives, scorecard, quarters, charted)


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]], merged: dict[str, list[str]] | None = None,
               hidden: tuple[str, ...] = ()) -> Path:
    """A workbook whose cells are exactly the given rows (None leaves a cell empty)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(r, c, value)
        for cells in (merged or {}).get(name, []):
            sheet.merge_cells(cells)
        if name in hidden:
            sheet.sheet_state = "hidden"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def check(folder: Path, contract: Contract, today: date = TODAY) -> CheckedInputs:
    return check_inputs(folder, contract, today)


def messages(result: CheckedInputs, severity: str | None = None) -> list[str]:
    found = result.problems
    if severity:
        found = found[found["severity"] == severity]
    return found["message"].tolist()


def open_in_excel(monkeypatch: pytest.MonkeyPatch, *targets: Path) -> None:
    """Make each of `targets` behave as a workbook open in Excel: Windows refuses to move or replace
    it (and the pipeline's retries, for a file held only for a moment, are not waited for)."""
    import os

    from pipeline.writing import safe

    real_replace = os.replace

    def refuse(src, dst):
        if {Path(src), Path(dst)} & set(targets):
            raise PermissionError(13, "The process cannot access the file", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(safe.os, "replace", refuse)
    monkeypatch.setattr(safe, "RETRY_DELAYS", (0,))
