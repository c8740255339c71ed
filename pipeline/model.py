"""The data passed between the steps of a run: checked inputs, figures, what the outputs show,
and what was written. Every step and the writers import it from here, so none of them needs to
import the step before it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from pandera.typing import DataFrame

from pipeline import problems as pr
from pipeline.config.catalogue import Catalogue, Chart, Spc
from pipeline.frames import Problems, Scorecard
from pipeline.stages.coverage import Coverage
from pipeline.stages.discover import InputFile
from pipeline.stages.read import ReadTables
from pipeline.stages.validate import Checked

if TYPE_CHECKING:
    from pipeline.stages.history import Merged
    from pipeline.stages.measures import Results


class Clock:
    """Seconds spent in each stage, for the run record and the benchmark."""

    def __init__(self) -> None:
        self.stages: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage] = round(self.stages.get(stage, 0.0) + now - self._last, 3)
        self._last = now


class NothingToReport(Exception):
    """No quarter can be reported (no complete quarter has any data); the message says why."""


class QuarterRefused(Exception):
    """The quarter asked for cannot be built (it has not ended, is after today, or has no data); the message says why."""


@dataclass
class Stored:
    """What history.sqlite holds: every figure stored, and the rows behind each."""

    values: pd.DataFrame
    lineage: pd.DataFrame
    months: pd.DataFrame = field(default_factory=pd.DataFrame)  # every monthly point stored (history.MONTH_COLUMNS)


@dataclass
class CheckedInputs:
    """Everything known about this run's inputs once they are read, checked, counted once and
    their coverage known. `checked.frames` hold the rows the measures use."""

    files: list[InputFile]  # every file found, copies of another file included (they are not read)
    staged: ReadTables
    checked: Checked
    problems: DataFrame[Problems]
    clock: Clock = field(default_factory=Clock)
    coverage: Coverage = field(default_factory=Coverage)

    @property
    def counts(self) -> dict[str, int]:
        return pr.counts(self.problems)


@dataclass
class ScorecardData:
    """Everything the workbook shows, computed; the writer only lays it out."""

    settings: object
    qa_map: object
    reporting: pd.Period
    quarters: list[pd.Period]
    produced: datetime
    scorecard: DataFrame[Scorecard]  # long: one row per measure and quarter shown (see Scorecard, below)
    figures: pd.DataFrame  # long: every rated figure per measure and quarter, for charts
    actions: pd.DataFrame  # work plan actions with computed BRAG
    feedback: pd.DataFrame  # redacted quotes for the reporting quarter
    problems: DataFrame[Problems]  # every problem record of the run
    sources: pd.DataFrame  # one row per input file
    demo: bool = False
    lineage: pd.DataFrame = field(default_factory=pd.DataFrame)  # the rows behind each figure (lineage.SUMMARY_COLUMNS)
    expectations: pd.DataFrame = field(default_factory=pd.DataFrame)
    qa_record: Path | None = None  # the Data Docs, relative to the outputs folder
    publish: bool = False  # the publishable copy: small numbers suppressed, no free text
    draft: bool = False  # --draft: every page, the properties and the names say DRAFT
    charts: dict[str, Chart] = field(default_factory=dict)  # Ref -> its table and chart on the Supporting information
    spc: pd.DataFrame = field(default_factory=pd.DataFrame)  # every measure's monthly chart (frames.SpcPoints)
    spc_settings: Spc = field(default_factory=Spc)  # the catalogue's, for every measure (the Definitions explain them)
    low_numbers: int = Catalogue.model_fields["low_numbers"].default  # the catalogue's: fewer cases are not rated
    messages: pd.DataFrame = field(default_factory=pd.DataFrame)  # the Summary's key messages (stages.messages)


@dataclass
class Computed:
    """What compute hands to publish: everything to write, and nothing written yet."""

    data: ScorecardData  # what the workbook shows
    merged: Merged  # the figures joined with history: what saving the history will change
    pages: dict[str, bytes]  # great-expectations' Data Docs (path within the QA record -> content)
    public: ScorecardData | None = None  # the publishable copy, when one was asked for


@dataclass
class Outcome:
    """Where publish put each output."""

    checked: CheckedInputs
    data: ScorecardData | None = None
    workbook: Path | None = None
    moved: list[Path] = field(default_factory=list)  # files open in Excel, so saved under another name
    archive: Path | None = None
    qa_record: Path | None = None  # great-expectations' Data Docs (index.html) for this run
    published: Path | None = None  # the publishable copy, with --publish
    officer_checks: Path | None = None  # the officer's record beside the pack: data quality, sources, lineage, SPC data

    @property
    def locked(self) -> bool:
        return bool(self.moved)


@dataclass
class Figures:
    """Every figure of the run, joined with history, for the reporting quarter chosen."""

    results: Results
    merged: Merged  # figures and the rows behind them, history included
    reporting: pd.Period
    problems: pd.DataFrame  # quarters on the scorecard that returns cover only in part, or not at all
    with_data: list[pd.Period] = field(default_factory=list)  # quarters an input or the history has data for
