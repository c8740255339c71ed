"""The frames passed between stages, as pandera DataFrameModels: what a stage takes and gives.

A stage says which in its signature (`DataFrame[Figures]`), so the next reader knows what it needs
without reading its body; the tests validate the demo's frames against them. Extra columns are
allowed where later stages add their own (rating adds the figure as shown, the previous one and
the BRAG).
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipeline.quarters import FREQ
from pipeline.vocabulary import Status


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
