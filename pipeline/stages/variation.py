"""Variation and assurance: each measure's monthly points charted (pipeline.stages.spc) and read.

A measure is charted on every whole month the inputs and history give up to the end of the
reporting quarter, by its SPC settings (kpis.yaml). Each quarter shown gets the variation and
assurance as they stood at its last month, so that a quarter's rating never uses a later month.
A chart with fewer points than its settings ask for has no mean, limits or signals: "Too few points".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandera.typing import DataFrame

from pipeline.config.catalogue import Catalogue, Measure, Spc
from pipeline.frames import SpcPoints
from pipeline.stages.coverage import MONTH
from pipeline.stages.spc import SpcSettings, assurance, chart_measure, point_variation, variation
from pipeline.vocabulary import ASSURANCE_SYMBOLS, DOWN, STEADY, UP, Variation

QUARTER_COLUMNS = ["ref", "quarter", "variation", "variation_symbol", "assurance", "assurance_symbol", "points"]
METHOD_NAMES = {"xmr": "XmR chart", "p": "p-chart"}


@dataclass
class Charted:
    """Every measure's chart, and what it said at the end of each quarter shown."""

    points: DataFrame[SpcPoints]
    quarters: pd.DataFrame  # QUARTER_COLUMNS: one row per measure and quarter shown


def settings_for(spc: Spc, unit: str) -> SpcSettings:
    return SpcSettings(min_points=spc.min_points, shift_length=spc.shift_length, trend_length=spc.trend_length,
                       baselines=tuple((b.from_, b.to) for b in spc.baselines), method=spc.chart_method(unit),
                       screen_moving_ranges=spc.screen_moving_ranges)


def chart_measures(months: pd.DataFrame, catalogue: Catalogue, quarters: list[pd.Period]) -> Charted:
    """Each measure's chart up to the reporting quarter (the last of `quarters`), and its variation
    and assurance at the end of each quarter shown. `months`: every monthly point (history.MONTH_COLUMNS)."""
    by_ref = _series(months)
    points, read = [], []
    for measure in catalogue.measures:
        settings = settings_for(catalogue.spc_of(measure), measure.unit)
        series = by_ref.get(measure.ref)
        for quarter in quarters:
            chart = _chart(series, settings, quarter)
            reading = _reading(chart, measure, settings)
            read.append({"ref": measure.ref, "quarter": quarter, **reading})
            if quarter == quarters[-1] and chart is not None:
                points.append(_points(chart, measure, reading["variation"] != Variation.TOO_FEW, settings.method))
    return Charted(_points_frame(points), pd.DataFrame(read, columns=QUARTER_COLUMNS))


def _series(months: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each measure's points indexed by month, in month order (sliced once per quarter shown)."""
    if months.empty:
        return {}
    ordered = months.sort_values(["ref", "month"]).set_index("month")[["ref", "value", "numerator", "denominator"]]
    return {ref: group.drop(columns="ref") for ref, group in ordered.groupby("ref", sort=False)}


def _chart(series: pd.DataFrame | None, settings: SpcSettings, quarter: pd.Period) -> pd.DataFrame | None:
    """The chart of the months up to the quarter's last month, or None with no point by then."""
    if series is None:
        return None
    upto = int(np.searchsorted(series.index.asi8, quarter.asfreq(MONTH, "end").ordinal, side="right"))
    return chart_measure(series.iloc[:upto], settings) if upto else None


def _reading(chart: pd.DataFrame | None, measure: Measure, settings: SpcSettings) -> dict[str, object]:
    """The variation and assurance of the chart's latest point, with the symbols that print."""
    points = 0 if chart is None else int(chart["value"].notna().sum())
    if chart is None:
        return {"variation": Variation.TOO_FEW, "variation_symbol": "", "assurance": "", "assurance_symbol": "",
                "points": points}
    said = variation(chart, measure.polarity, settings.min_points)
    sure = assurance(chart, measure.target, measure.polarity, settings.min_points)
    return {"variation": said, "variation_symbol": _symbol(said, chart, measure.polarity),
            "assurance": sure, "assurance_symbol": ASSURANCE_SYMBOLS.get(sure, ""), "points": points}


def _symbol(said: str, chart: pd.DataFrame, polarity: str) -> str:
    """▲ or ▼ for a special cause (the latest point unusually high or low), ● for common cause."""
    if said == Variation.TOO_FEW:
        return ""
    if said == Variation.COMMON:
        return STEADY
    if said in (Variation.HIGH, Variation.LOW):
        return UP if said == Variation.HIGH else DOWN
    return UP if (said == Variation.IMPROVEMENT) == (polarity == "higher") else DOWN


def _points(chart: pd.DataFrame, measure: Measure, enough: bool, method: str) -> dict[str, object]:
    """The chart's columns for the SPC data sheet; with too few points, the values alone."""
    drawn = chart["value"].notna().to_numpy()
    column = lambda name: chart[name].to_numpy()[drawn]  # noqa: E731
    limits = ("mean", "lower_limit", "upper_limit")
    return {
        "ref": np.full(int(drawn.sum()), measure.ref, dtype=object), "month": chart.index[drawn],
        "value": column("value"), **{c: column(c) if enough else np.nan for c in limits},
        "signal": column("signal") if enough else "",
        "variation": point_variation(chart, measure.polarity).to_numpy()[drawn] if enough else "",
        "denominator": column("denominator") if "denominator" in chart else np.nan,
        "target": np.nan if measure.target is None else float(measure.target), "method": METHOD_NAMES[method]}


def _points_frame(points: list[dict[str, object]]) -> pd.DataFrame:
    columns = list(SpcPoints.to_schema().columns)
    if not points:
        return pd.DataFrame({c: pd.Series(dtype=f"period[{MONTH}]" if c == "month" else "object") for c in columns})
    out = pd.concat([pd.DataFrame(p) for p in points], ignore_index=True)
    floats = ["value", "mean", "lower_limit", "upper_limit", "denominator", "target"]
    return out.astype({c: "float64" for c in floats}).astype({"signal": "str", "variation": "str"})[columns]
