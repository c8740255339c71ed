"""The frames passed between stages, as pandera DataFrameModels: what a stage takes and gives.

A stage says which in its signature (`DataFrame[Figures]`), so the next reader knows what it needs
without reading its body; the tests validate the demo's frames against them. Extra columns are
allowed where later stages add their own (rating adds the figure as shown, the previous one and
the BRAG).
"""

from __future__ import annotations

from typing import Annotated, get_args

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipeline.config.catalogue import Polarity, Unit
from pipeline.quarters import FREQ
from pipeline.vocabulary import Assurance, RatedOn, Rating, Signal, Status, Variation


class Problems(pa.DataFrameModel):
    """Every data problem of a run (pipeline.problems), in words an officer reads, pointing at a cell."""

    severity: Series[object] = pa.Field(isin=["error", "warning", "info"])
    file: Series[object]
    sheet: Series[object]
    cell: Series[object]
    column: Series[object]
    value: Series[object]
    expected: Series[object]
    message: Series[object]
    source: Series[object]
    check: Series[object]

    class Config:
        strict = True


class Figures(pa.DataFrameModel):
    """Every figure worked out, one row per measure and quarter (pipeline.stages.measures): its
    value and parts, how many rows it came from and whose files, or why it has none."""

    ref: Series[str]
    quarter: Series[pd.PeriodDtype(freq=FREQ)]  # type: ignore[valid-type]
    value: Series[float] = pa.Field(nullable=True)
    numerator: Series[float] = pa.Field(nullable=True)
    denominator: Series[float] = pa.Field(nullable=True)
    secondary: Series[float] = pa.Field(nullable=True)
    rows: Series[int] = pa.Field(ge=0)
    status: Series[str] = pa.Field(isin=[s.value for s in Status])
    reason: Series[str]
    detail: Series[object] = pa.Field(nullable=True)
    table: Series[str]
    files: Series[str]
    stand_in: Series[bool]

    @pa.dataframe_check
    def one_figure_per_measure_and_quarter(cls, df: pd.DataFrame) -> bool:
        return not df.duplicated(["ref", "quarter"]).any()

    @pa.dataframe_check
    def a_figure_only_when_worked_out(cls, df: pd.DataFrame) -> pd.Series:
        return df["value"].isna() | df["status"].eq(Status.OK)


class Scorecard(pa.DataFrameModel):
    """The scorecard, long: one row per measure and quarter shown, in catalogue order and then
    quarter order (pipeline.stages.scorecard.assemble). The measure's own columns (MEASURE_COLUMNS)
    repeat on each of its rows; the others belong to its quarter. No column names a quarter's
    position: only the writer lays the quarters out side by side."""

    # the measure's own
    objective: Series[str]
    objective_title: Series[str]
    objective_lead: Series[str]
    lead: Series[str]  # who answers for it and is asked for its commentary: its own lead, else its objective's ('' neither)
    appendix: Series[bool]  # its objective is the supporting information (kpis.yaml)
    ref: Series[str]
    title: Series[str]
    unit: Series[str] = pa.Field(isin=get_args(Unit))
    polarity: Series[str] = pa.Field(isin=get_args(Polarity))
    developing: Series[bool]
    target: Series[str]  # in words: '90% (stretch 95%)', 'Variation', 'Direction of travel', 'Monitor'
    target_value: Series[float] = pa.Field(nullable=True)  # the target and stretch as numbers, in the figure's unit
    stretch_value: Series[float] = pa.Field(nullable=True)
    rule: Series[str]  # how it is rated, in words
    spc: Series[str]  # how its monthly figures are charted, in words
    description: Series[str]
    source: Series[str]  # the agency that holds the data
    choices: Series[str]  # the definition's choices, in words
    trend_short: Series[str]  # the reporting quarter's trend on the quarter before ('' when there is none)
    trend_long: Series[str]  # and on the same quarter a year earlier
    year_ago: Series[float] = pa.Field(nullable=True)  # the figure the long trend compares with, as shown
    year_ago_note: Series[str]  # its stand-in source, named, as source_note is
    year_ago_withheld: Series[bool]  # the publishable copy shows it as c
    notes: Series[str]
    comment: Series[str]  # the reporting quarter's commentary and who gave it
    comment_author: Series[str]
    needs_commentary: Series[bool]  # needs commentary (pipeline.stages.commentary) and has none
    # its quarter's
    quarter: Series[Annotated[pd.PeriodDtype, "Q-MAR"]]
    value: Series[float] = pa.Field(nullable=True)  # the figure as shown; blank when there is none (or withheld)
    numerator: Series[float] = pa.Field(nullable=True)  # the counts behind it: a percentage's cases counted,
    denominator: Series[float] = pa.Field(nullable=True)  # its cases in all, or the children a median is taken over,
    secondary: Series[float] = pa.Field(nullable=True)  # the total shown beside a count (count_and_sum: A2's offences)
    withheld: Series[str]  # the publishable copy's parts shown as c: 'value numerator denominator secondary'
    text: Series[str]  # the figure in words ('75.0% (12 of 16)'), or the word for why there is none
    brag: Series[str] = pa.Field(isin=[rating.value for rating in Rating])
    rated_on: Series[str] = pa.Field(isin=["", *(r.value for r in RatedOn)])
    variation: Series[str] = pa.Field(isin=[v.value for v in Variation])  # at the quarter's last month
    variation_symbol: Series[str]  # one that prints: \u25b2 \u25bc a special cause high or low, \u25cf common cause
    assurance: Series[str] = pa.Field(isin=["", *(a.value for a in Assurance)])  # a measure with a target
    assurance_symbol: Series[str]
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


class SpcPoints(pa.DataFrameModel):
    """Every measure's chart, one row per month charted (pipeline.stages.variation): the SPC data
    sheet, and the Charts sheet drawn from it. A chart with too few points has its values alone."""

    ref: Series[str]
    month: Series[Annotated[pd.PeriodDtype, "M"]]
    value: Series[float]
    mean: Series[float] = pa.Field(nullable=True)
    lower_limit: Series[float] = pa.Field(nullable=True)
    upper_limit: Series[float] = pa.Field(nullable=True)
    signal: Series[str] = pa.Field(isin=["", *(s.value for s in Signal)])  # the rule that flagged the point
    variation: Series[str] = pa.Field(isin=["", *(v.value for v in Variation)])  # the point's (its marker's colour)
    denominator: Series[float] = pa.Field(nullable=True)  # a p-chart's cases, which its limits vary with
    target: Series[float] = pa.Field(nullable=True)
    method: Series[str] = pa.Field(isin=["XmR chart", "p-chart"])

    class Config:
        strict = True
        unique = ["ref", "month"]


SCORECARD_COLUMNS = tuple(Scorecard.to_schema().columns)  # in order
MEASURE_COLUMNS = SCORECARD_COLUMNS[: SCORECARD_COLUMNS.index("quarter")]  # the same on each of a measure's rows
