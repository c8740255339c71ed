"""The straightforward pandas version of pipeline.stages.spc, kept as a test oracle for the fast one.

This is the module as it was before it was rewritten in numpy for speed (in small pandas steps a
chart took 6-9 ms), unchanged below this paragraph, so that tests/test_spc_oracle.py can check the
fast charts and words against it on random series. Change a rule in both, or in neither.

Statistical process control in the manner of NHS England's Making Data Count (MDC).

One monthly series in, one chart out: the centre line, the process limits and the two-sigma lines,
and the point each MDC rule flags; then the variation and assurance words for the icons. XmR limits
are the mean plus and minus 2.66 times the mean moving range; shares with small monthly
denominators can use a p-chart instead. docs/spc.md gives the source of every rule choice; the
words are pipeline.vocabulary's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from pipeline.config.catalogue import Polarity
from pipeline.vocabulary import Assurance, Signal, Variation

BEYOND_LIMIT, TREND, TWO_OF_THREE, SHIFT = Signal.BEYOND_LIMIT, Signal.TREND, Signal.TWO_OF_THREE, Signal.SHIFT
COMMON, IMPROVEMENT, CONCERN = Variation.COMMON, Variation.IMPROVEMENT, Variation.CONCERN
HIGH, LOW, TOO_FEW = Variation.HIGH, Variation.LOW, Variation.TOO_FEW
PASSES, FAILS, HIT_AND_MISS = Assurance.PASSES, Assurance.FAILS, Assurance.HIT_AND_MISS

LIMIT = 2.66  # 3 / d2, d2 = 1.128 for moving ranges of two points
NEAR = 2 * LIMIT / 3  # the two-sigma line
SCREEN = 3.267  # D4 for ranges of two: a moving range at or above 3.267 x the mean is an outlier

Month = pd.Period | str


@dataclass(frozen=True)
class SpcSettings:
    """One measure's SPC settings.

    baselines: (first, last) months the limits are computed from. Each pair starts a period whose
    limits are carried to the next pair's first month: one pair fixes the limits, a second
    recalculates them after a known change. last None runs to the end of the period; no pairs means
    one period whose limits come from every point. method: "xmr" on the monthly values, or "p" on
    the monthly numerators and denominators.
    """

    min_points: int = 15
    shift_length: int = 7
    trend_length: int = 6
    baselines: tuple[tuple[Month, Month | None], ...] = ()
    method: Literal["xmr", "p"] = "xmr"
    screen_moving_ranges: bool = False

    def __post_init__(self) -> None:
        if self.method not in ("xmr", "p"):
            raise ValueError(f"SPC method must be 'xmr' or 'p', not {self.method!r}")
        if min(self.shift_length, self.trend_length, self.min_points) < 2:
            raise ValueError("SPC run lengths and the minimum number of points must be at least 2")
        starts, ends = _bounds(self.baselines)
        if (ends < starts).any() or (ends[:-1] >= starts[1:]).any():
            raise ValueError(f"SPC baselines must be in month order and must not overlap: {self.baselines}")


def _bounds(baselines: tuple[tuple[Month, Month | None], ...]) -> tuple[np.ndarray, np.ndarray]:
    """Each baseline's first and last month as ordinals; an open last month runs on for ever."""
    def ordinal(month: Month | None) -> int:
        return np.iinfo("int64").max if month is None else pd.Period(month, freq="M").ordinal
    return (np.array([ordinal(first) for first, _ in baselines], dtype="int64"),
            np.array([ordinal(last) for _, last in baselines], dtype="int64"))


def _monthly(data: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    """The data on an unbroken run of months: a month absent from the index becomes a missing point."""
    index = data.index if isinstance(data.index, pd.PeriodIndex) else pd.DatetimeIndex(data.index).to_period("M")
    data = data.set_axis(index.asfreq("M")).sort_index().astype("float64")
    return data.reindex(pd.period_range(data.index[0], data.index[-1], freq="M", name="month"))


def _periods(months: pd.PeriodIndex, settings: SpcSettings) -> tuple[pd.Series, pd.Series]:
    """Each month's period (0, 1, ...) and whether it is in that period's baseline."""
    ordinal = months.asi8
    if not settings.baselines:
        return pd.Series(0, index=months), pd.Series(True, index=months)
    starts, ends = _bounds(settings.baselines)
    period = np.maximum(np.searchsorted(starts, ordinal, side="right") - 1, 0)
    in_baseline = (ordinal >= starts[period]) & (ordinal <= ends[period])
    return pd.Series(period, index=months), pd.Series(in_baseline, index=months)


def _moving_range(value: pd.Series, period: pd.Series) -> pd.Series:
    """|this month - last month|; none after a missing month or at the start of a period."""
    return value.diff().abs().where(period.eq(period.shift()))


def xmr(values: pd.Series, settings: SpcSettings = SpcSettings()) -> pd.DataFrame:
    """An XmR chart of one series indexed by month: each period's mean and mean moving range come
    from its baseline months only, and the limits they give are carried across the period."""
    value = _monthly(values)
    period, baseline = _periods(value.index, settings)
    moving_range = _moving_range(value, period)
    base_range = moving_range.where(baseline & baseline.shift(fill_value=False))
    mean = value.where(baseline).groupby(period).transform("mean")
    mean_range = base_range.groupby(period).transform("mean")
    if settings.screen_moving_ranges:
        mean_range = base_range.where(base_range < SCREEN * mean_range).groupby(period).transform("mean")
    chart = pd.DataFrame({
        "value": value, "mean": mean, "moving_range": moving_range,
        "lower_limit": mean - LIMIT * mean_range, "upper_limit": mean + LIMIT * mean_range,
        "lower_2sigma": mean - NEAR * mean_range, "upper_2sigma": mean + NEAR * mean_range, "period": period})
    return _signals(chart, settings)


def p_chart(numerators: pd.Series, denominators: pd.Series, settings: SpcSettings = SpcSettings()) -> pd.DataFrame:
    """A p-chart of monthly shares, in percent: the centre is the baseline months' pooled share and
    each month's limits are 3 standard errors at its own denominator, clipped to 0-100%."""
    counts = _monthly(pd.DataFrame({"numerator": numerators, "denominator": denominators}))
    point = counts["denominator"].gt(0) & counts["numerator"].notna()
    numerator, denominator = counts["numerator"].where(point), counts["denominator"].where(point)
    period, baseline = _periods(counts.index, settings)
    pooled = (numerator.where(baseline).groupby(period).transform("sum")
              / denominator.where(baseline).groupby(period).transform("sum"))
    error = np.sqrt(pooled * (1 - pooled) / denominator)
    value = 100 * numerator / denominator
    chart = pd.DataFrame({
        "value": value, "denominator": denominator, "mean": 100 * pooled,
        "moving_range": _moving_range(value, period),
        "lower_limit": (100 * (pooled - 3 * error)).clip(0, 100),
        "upper_limit": (100 * (pooled + 3 * error)).clip(0, 100),
        "lower_2sigma": (100 * (pooled - 2 * error)).clip(0, 100),
        "upper_2sigma": (100 * (pooled + 2 * error)).clip(0, 100), "period": period})
    return _signals(chart, settings)


def chart_measure(monthly: pd.DataFrame, settings: SpcSettings = SpcSettings()) -> pd.DataFrame:
    """The measure's chart by its method: XmR on the monthly values, or a p-chart on its counts."""
    if settings.method == "p":
        return p_chart(monthly["numerator"], monthly["denominator"], settings)
    return xmr(monthly["value"], settings)


def _run_length(labels: pd.Series, period: pd.Series) -> pd.Series:
    """How long the run of equal labels each point sits in is (a new period starts a new run)."""
    run = (labels.ne(labels.shift()) | period.ne(period.shift())).cumsum()
    return labels.groupby(run).transform("size")


def _signals(chart: pd.DataFrame, settings: SpcSettings) -> pd.DataFrame:
    """Each point's signal, and whether a rule finds it unusually high and/or unusually low.

    A point on the mean is on neither side and a missing month is no point, so both end a run; an
    equal step ends a rising or falling run. Every point of a qualifying run is flagged; of two in
    three, only the points beyond two sigma (those beyond a process limit count too).
    """
    value, period = chart["value"], chart["period"]
    side = np.sign(value - chart["mean"]).fillna(0)
    beyond = value.gt(chart["upper_limit"]) | value.lt(chart["lower_limit"])
    shift = side.ne(0) & _run_length(side, period).ge(settings.shift_length)

    step = np.sign(value.diff()).where(period.eq(period.shift())).fillna(0)
    qualifying = _run_length(step, period).ge(settings.trend_length - 1)
    rising_step, falling_step = step.eq(1) & qualifying, step.eq(-1) & qualifying
    rising = rising_step | rising_step.shift(-1, fill_value=False)
    falling = falling_step | falling_step.shift(-1, fill_value=False)
    # a point ending one run and starting the other takes the later run's direction
    trend = pd.Series(np.select([rising & falling, rising, falling], [step.shift(-1), 1, -1], 0), index=value.index)

    near = value.gt(chart["upper_2sigma"]) | value.lt(chart["lower_2sigma"])
    window = (side.ne(0) & side.eq(side.shift(1)) & side.eq(side.shift(2)) & period.eq(period.shift(2))
              & near.astype(int).rolling(3).sum().ge(2))
    two = near & (window | window.shift(-1, fill_value=False) | window.shift(-2, fill_value=False))

    by_side = beyond | two | shift
    return chart.assign(
        signal=np.select([beyond, trend.ne(0), two, shift], [BEYOND_LIMIT, TREND, TWO_OF_THREE, SHIFT], ""),
        high=(by_side & side.gt(0)) | trend.gt(0), low=(by_side & side.lt(0)) | trend.lt(0))


def point_variation(chart: pd.DataFrame, polarity: Polarity) -> pd.Series:
    """Each point's variation (the colour MDC gives its dot). Where rules disagree on a point,
    improvement is shown, as MDC's own tool does; with no polarity the signal shown decides."""
    high, low = chart["high"], chart["low"]
    if polarity == "none":
        # rules disagree only where a trend runs against the side of the mean: the trend is shown
        # unless the point is beyond a process limit
        above = chart["value"] > chart["mean"]
        shown_high = np.where(chart["signal"].eq(BEYOND_LIMIT), above, ~above)
        high, low = high & (~low | shown_high), low & (~high | ~shown_high)
        words = np.select([high, low], [HIGH, LOW], COMMON)
    else:
        good, bad = (high, low) if polarity == "higher" else (low, high)
        words = np.select([good, bad], [IMPROVEMENT, CONCERN], COMMON)
    return pd.Series(words, index=chart.index)


def _latest(chart: pd.DataFrame, min_points: int) -> pd.Series | None:
    """The most recent point, or None where its period has fewer than min_points points."""
    points = chart[chart["value"].notna()]
    if points.empty or points["period"].eq(points["period"].iloc[-1]).sum() < min_points:
        return None
    return points.iloc[-1]


def variation(chart: pd.DataFrame, polarity: Polarity, min_points: int = SpcSettings.min_points) -> str:
    """The variation icon's words, judged on the most recent point as MDC's icons are."""
    latest = _latest(chart, min_points)
    if latest is None:
        return TOO_FEW
    return point_variation(chart.loc[[latest.name]], polarity).iloc[0]


def assurance(chart: pd.DataFrame, target: float | None, polarity: Polarity,
              min_points: int = SpcSettings.min_points) -> str:
    """The assurance icon's words: where the target sits against the latest point's limits.
    Empty with no target, no polarity or too few points."""
    latest = _latest(chart, min_points)
    if target is None or pd.isna(target) or polarity == "none" or latest is None or pd.isna(latest["upper_limit"]):
        return ""
    if target > latest["upper_limit"]:
        return FAILS if polarity == "higher" else PASSES
    if target < latest["lower_limit"]:
        return PASSES if polarity == "higher" else FAILS
    return HIT_AND_MISS
