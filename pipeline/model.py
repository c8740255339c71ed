"""The data passed between the steps of a run: checked inputs, figures, what the outputs show,
and what was written. Every step and the writers import it from here, so none of them needs to
import the step before it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, get_args

import pandas as pd
import pandera.pandas as pa
from pandera.typing import DataFrame, Series

from pipeline import problems as pr
from pipeline.config.catalogue import Chart, Polarity, Unit
from pipeline.stages.coverage import Coverage
from pipeline.stages.discover import InputFile
from pipeline.stages.read import ReadTables
from pipeline.stages.validate import Checked
from pipeline.vocabulary import Rating

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


@dataclass
class CheckedInputs:
    """Everything known about this run's inputs once they are read, checked, counted once and
    their coverage known. `checked.frames` hold the rows the measures use."""

    files: list[InputFile]  # every file found, copies of another file included (they are not read)
    staged: ReadTables
    checked: Checked
    problems: pd.DataFrame
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
    problems: pd.DataFrame  # every problem record of the run
    sources: pd.DataFrame  # one row per input file
    demo: bool = False
    lineage: pd.DataFrame = field(default_factory=pd.DataFrame)  # the rows behind each figure (lineage.SUMMARY_COLUMNS)
    expectations: pd.DataFrame = field(default_factory=pd.DataFrame)
    qa_record: Path | None = None  # the Data Docs, relative to the outputs folder
    publish: bool = False  # the publishable copy: small numbers suppressed, no free text
    charts: dict[str, Chart] = field(default_factory=dict)  # Ref -> its table and chart on the Supporting information


@dataclass
class Outcome:
    checked: CheckedInputs
    data: ScorecardData | None = None
    workbook: Path | None = None
    moved: list[Path] = field(default_factory=list)  # files open in Excel, so saved under another name
    archive: Path | None = None
    qa_record: Path | None = None  # great-expectations' Data Docs (index.html) for this run
    published: Path | None = None  # the publishable copy, with --publish
    lineage: Path | None = None  # the officer's workbook of the rows behind each figure
    saved_figures: int = 0

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


# --------------------------------------------------------------------------- the scorecard frame

class Scorecard(pa.DataFrameModel):
    """The scorecard, long: one row per measure and quarter shown, in catalogue order and then
    quarter order (pipeline.stages.scorecard.assemble). The measure's own columns (MEASURE_COLUMNS)
    repeat on each of its rows; the others belong to its quarter. No column names a quarter's
    position: only the writer lays the quarters out side by side."""

    # the measure's own
    objective: Series[str]
    objective_title: Series[str]
    lead: Series[str]
    appendix: Series[bool]  # its objective is the supporting information (kpis.yaml)
    ref: Series[str]
    title: Series[str]
    unit: Series[str] = pa.Field(isin=get_args(Unit))
    polarity: Series[str] = pa.Field(isin=get_args(Polarity))
    developing: Series[bool]
    target: Series[str]  # in words: '90% (stretch 95%)', 'Direction of travel', 'Monitor'
    rule: Series[str]  # how it is rated, in words
    description: Series[str]
    source: Series[str]  # the agency that holds the data
    choices: Series[str]  # the definition's choices, in words
    trend_short: Series[str]  # the reporting quarter's trend on the quarter before ('' when there is none)
    trend_long: Series[str]  # and on the same quarter a year earlier
    notes: Series[str]
    comment: Series[str]  # the reporting quarter's commentary and who gave it
    comment_author: Series[str]
    needs_commentary: Series[bool]  # rated Red in the reporting quarter, with no commentary
    # its quarter's
    quarter: Series[Annotated[pd.PeriodDtype, "Q-MAR"]]
    value: Series[float] = pa.Field(nullable=True)  # the figure as shown; blank when there is none (or withheld)
    text: Series[str]  # the figure as the reader sees it, or the word for why there is none
    brag: Series[str] = pa.Field(isin=[rating.value for rating in Rating])
    detail: Series[str]  # its breakdown, or the steps of a median
    reason: Series[str]  # why there is no figure
    history: Series[bool]  # the figure came from stored history
    restated: Series[str]  # 'Restated: was 6'
    rows_changed: Series[str]  # what changed in the rows behind a restated figure
    source_note: Series[str]  # a stand-in source, named: '\u2020 From the ..., standing in for the ...'

    class Config:
        strict = True
        unique = ["ref", "quarter"]

    @pa.dataframe_check
    def measure_columns_repeat(cls, frame: pd.DataFrame) -> bool:
        """A measure's own columns hold the same on each of its rows."""
        return bool(frame.groupby("ref")[list(MEASURE_COLUMNS)].nunique(dropna=False).le(1).all(axis=None))


SCORECARD_COLUMNS = tuple(Scorecard.to_schema().columns)  # in order
MEASURE_COLUMNS = SCORECARD_COLUMNS[: SCORECARD_COLUMNS.index("quarter")]  # the same on each of a measure's rows
