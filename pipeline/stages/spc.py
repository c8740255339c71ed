"""Statistical process control in the manner of NHS England's Making Data Count (MDC).

One monthly series in, one chart out: the centre line, the process limits and the two-sigma lines,
and the point each MDC rule flags; then the variation and assurance words for the icons. XmR limits
are the mean plus and minus 2.66 times the mean moving range; shares with small monthly
denominators can use a p-chart instead. docs/spc.md gives the source of every rule choice; the
words are pipeline.vocabulary's.

A chart is worked on numpy arrays and made a frame once, at the end: the pipeline draws one per
measure, and in small pandas steps each took 6-9 ms. tests/spc_oracle.py keeps that plainer
version, and tests/test_spc_oracle.py holds this one to it on random series.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from pipeline.config.catalogue import Polarity
from pipeline.vocabulary import Assurance, Signal, Variation

BEYOND_LIMIT, TREND, TWO_OF_THREE, SHIFT = Signal.BEYOND_LIMIT, Signal.TREND, Signal.TWO_OF_THREE, Signal.SHIFT
COMMON, IMPROVEMENT, CONCERN = Variation.COMMON, Variation.IMPROVEMENT, Variation.CONCERN
HIGH, LOW, TOO_FEW = Variation.HIGH, Variation.LOW, Variation.TOO_FEW
PASSES, FAILS, HIT_AND_MISS = Assurance.PASSES, Assurance.FAILS, Assurance.HIT_AND_MISS
SIGNALS = np.array([BEYOND_LIMIT, TREND, TWO_OF_THREE, SHIFT, ""])  # in precedence order, then none

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
        starts, ends = self._bounds
        if (ends < starts).any() or (ends[:-1] >= starts[1:]).any():
            raise ValueError(f"SPC baselines must be in month order and must not overlap: {self.baselines}")

    @cached_property
    def _bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Each baseline's first and last month as ordinals; an open last month runs on for ever.
        Worked out once, not for every chart: reading a month costs more than the rest of a chart."""
        def ordinal(month: Month | None) -> int:
            return np.iinfo("int64").max if month is None else pd.Period(month, freq="M").ordinal
        return (np.array([ordinal(first) for first, _ in self.baselines], dtype="int64"),
                np.array([ordinal(last) for _, last in self.baselines], dtype="int64"))


def _floats(series: pd.Series) -> np.ndarray:
    """The series' values as floats, a missing value as NaN."""
    return (series if series.dtype == "float64" else series.astype("float64")).to_numpy()


def _monthly(index: pd.Index, *columns: np.ndarray) -> tuple[pd.PeriodIndex, list[np.ndarray]]:
    """The columns (one value per label of index) on an unbroken run of months: a month absent from
    the index becomes a missing point. The errors are the ones pandas' reindex gave."""
    months = index if isinstance(index, pd.PeriodIndex) else pd.DatetimeIndex(index).to_period("M")
    if months.hasnans:
        raise ValueError("start and end must not be NaT")
    ordinal = (months if months.freqstr == "M" else months.asfreq("M")).asi8
    in_order = np.sort(ordinal)
    if (in_order[1:] == in_order[:-1]).any():
        raise ValueError("cannot reindex on an axis with duplicate labels")
    first, last = in_order[0], in_order[-1]
    monthly = []
    for column in columns:
        monthly.append(np.full(last - first + 1, np.nan))
        monthly[-1][ordinal - first] = column
    return pd.PeriodIndex.from_ordinals(np.arange(first, last + 1), freq="M", name="month"), monthly


def _periods(ordinal: np.ndarray, settings: SpcSettings) -> tuple[np.ndarray, np.ndarray]:
    """Each month's period (0, 1, ...) and whether it is in that period's baseline."""
    if not settings.baselines:
        return np.zeros(len(ordinal), dtype="int64"), np.ones(len(ordinal), dtype=bool)
    starts, ends = settings._bounds
    period = np.maximum(np.searchsorted(starts, ordinal, side="right") - 1, 0)
    return period, (ordinal >= starts[period]) & (ordinal <= ends[period])


def _follows(period: np.ndarray) -> np.ndarray:
    """Whether the month before is in the same period (not for a period's first month)."""
    return np.concatenate([[False], period[1:] == period[:-1]])


def _change(value: np.ndarray) -> np.ndarray:
    """This month's value less last month's; none for the first month."""
    with np.errstate(invalid="ignore"):
        return np.concatenate([[np.nan], value[1:] - value[:-1]])


def _per_period(values: np.ndarray, period: np.ndarray, follows: np.ndarray,
                how: Literal["sum", "mean"]) -> np.ndarray:
    """Each month's period's sum or mean of the values present (a period with none sums to 0 and has
    no mean).

    Added up as pandas' groupby adds them, to the last bit, since a point exactly on the mean is on
    neither side and the signals hang on that bit: pandas 3.1 adds with np.add.reduceat when no
    value is missing and with a compensated sum otherwise.
    """
    starts = np.flatnonzero(~follows)
    present = ~np.isnan(values)
    if present.all():
        totals = np.add.reduceat(values, starts)
    else:
        totals = np.array([_compensated(part[~np.isnan(part)], how) for part in np.split(values, starts[1:])])
    if how == "mean":
        with np.errstate(invalid="ignore"):
            totals = totals / np.add.reduceat(present, starts, dtype="int64")
    return totals[period - period[0]]


def _compensated(values: np.ndarray, how: Literal["sum", "mean"]) -> float:
    """The values' Kahan sum as pandas' group_sum and group_mean work it: both restart the
    compensation when it is no number, group_sum also when it is infinite."""
    total = compensation = 0.0
    for value in values.tolist():
        y = value - compensation
        t = total + y
        compensation = t - total - y
        if math.isnan(compensation) or (how == "sum" and math.isinf(compensation)):
            compensation = 0.0
        total = t
    return total


def _moving_range(value: np.ndarray, follows: np.ndarray) -> np.ndarray:
    """|this month - last month|; none after a missing month or at the start of a period."""
    return np.where(follows, np.abs(_change(value)), np.nan)


def xmr(values: pd.Series, settings: SpcSettings = SpcSettings()) -> pd.DataFrame:
    """An XmR chart of one series indexed by month: each period's mean and mean moving range come
    from its baseline months only, and the limits they give are carried across the period."""
    months, (value,) = _monthly(values.index, _floats(values))
    period, baseline = _periods(months.asi8, settings)
    follows = _follows(period)
    moving_range = _moving_range(value, follows)
    both_in_baseline = baseline & np.concatenate([[False], baseline[:-1]])
    base_range = np.where(both_in_baseline, moving_range, np.nan)
    mean = _per_period(np.where(baseline, value, np.nan), period, follows, "mean")
    mean_range = _per_period(base_range, period, follows, "mean")
    if settings.screen_moving_ranges:
        screened = np.where(base_range < SCREEN * mean_range, base_range, np.nan)
        mean_range = _per_period(screened, period, follows, "mean")
    return _chart(months, {
        "value": value, "mean": mean, "moving_range": moving_range,
        "lower_limit": mean - LIMIT * mean_range, "upper_limit": mean + LIMIT * mean_range,
        "lower_2sigma": mean - NEAR * mean_range, "upper_2sigma": mean + NEAR * mean_range}, period, follows, settings)


def p_chart(numerators: pd.Series, denominators: pd.Series, settings: SpcSettings = SpcSettings()) -> pd.DataFrame:
    """A p-chart of monthly shares, in percent: the centre is the baseline months' pooled share and
    each month's limits are 3 standard errors at its own denominator, clipped to 0-100%."""
    if not numerators.index.equals(denominators.index):  # both on all the months of either, as a frame is
        counts = pd.DataFrame({"numerator": numerators, "denominator": denominators})
        numerators, denominators = counts["numerator"], counts["denominator"]
    months, (numerator, denominator) = _monthly(numerators.index, _floats(numerators), _floats(denominators))
    point = (denominator > 0) & ~np.isnan(numerator)
    numerator, denominator = np.where(point, numerator, np.nan), np.where(point, denominator, np.nan)
    period, baseline = _periods(months.asi8, settings)
    follows = _follows(period)
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (_per_period(np.where(baseline, numerator, np.nan), period, follows, "sum")
                  / _per_period(np.where(baseline, denominator, np.nan), period, follows, "sum"))
        variance = pooled * (1 - pooled) / denominator
        value = 100 * numerator / denominator
    error = np.sqrt(variance)  # warns where a pooled share is beyond 0-100%, as it did in pandas
    return _chart(months, {
        "value": value, "denominator": denominator, "mean": 100 * pooled,
        "moving_range": _moving_range(value, follows),
        "lower_limit": np.clip(100 * (pooled - 3 * error), 0, 100),
        "upper_limit": np.clip(100 * (pooled + 3 * error), 0, 100),
        "lower_2sigma": np.clip(100 * (pooled - 2 * error), 0, 100),
        "upper_2sigma": np.clip(100 * (pooled + 2 * error), 0, 100)}, period, follows, settings)


def chart_measure(monthly: pd.DataFrame, settings: SpcSettings = SpcSettings()) -> pd.DataFrame:
    """The measure's chart by its method: XmR on the monthly values, or a p-chart on its counts."""
    if settings.method == "p":
        return p_chart(monthly["numerator"], monthly["denominator"], settings)
    return xmr(monthly["value"], settings)


def _run_length(labels: np.ndarray, follows: np.ndarray) -> np.ndarray:
    """How long the run of equal labels each point sits in is (a new period starts a new run)."""
    starts = ~follows
    starts[1:] |= labels[1:] != labels[:-1]
    run = np.cumsum(starts) - 1
    return np.bincount(run)[run]


def _ahead(flags: np.ndarray, by: int = 1) -> np.ndarray:
    """Whether the point `by` months on is flagged (none is past the end)."""
    ahead = np.zeros_like(flags)
    ahead[:len(flags) - by] = flags[by:]
    return ahead


def _chart(months: pd.PeriodIndex, columns: dict[str, np.ndarray], period: np.ndarray, follows: np.ndarray,
           settings: SpcSettings) -> pd.DataFrame:
    """The chart, made a frame once: the columns, the period, each point's signal, and whether a
    rule finds it unusually high and/or unusually low.

    A point on the mean is on neither side and a missing month is no point, so both end a run; an
    equal step ends a rising or falling run. Every point of a qualifying run is flagged; of two in
    three, only the points beyond two sigma (those beyond a process limit count too).
    """
    value = columns["value"]
    with np.errstate(invalid="ignore"):
        side = np.sign(value - columns["mean"])
    step = np.sign(_change(value))
    side[np.isnan(side)] = 0
    step[np.isnan(step) | ~follows] = 0
    beyond = (value > columns["upper_limit"]) | (value < columns["lower_limit"])
    shift = (side != 0) & (_run_length(side, follows) >= settings.shift_length)

    qualifying = _run_length(step, follows) >= settings.trend_length - 1
    rising_step, falling_step = (step == 1) & qualifying, (step == -1) & qualifying
    # a point ending one run and starting the other takes the later run's direction
    rising = _ahead(rising_step) | (rising_step & ~_ahead(falling_step))
    falling = _ahead(falling_step) | (falling_step & ~_ahead(rising_step))

    near = (value > columns["upper_2sigma"]) | (value < columns["lower_2sigma"])
    window = np.zeros(len(value), dtype=bool)
    window[2:] = ((side[2:] != 0) & (side[2:] == side[1:-1]) & (side[2:] == side[:-2]) & (period[2:] == period[:-2])
                  & (near[2:].astype(int) + near[1:-1] + near[:-2] >= 2))
    two = near & (window | _ahead(window) | _ahead(window, 2))

    by_side = beyond | two | shift
    return pd.DataFrame({
        **columns, "period": period,
        "signal": SIGNALS[np.argmax([beyond, rising | falling, two, shift, np.ones_like(beyond)], axis=0)],
        "high": (by_side & (side > 0)) | rising, "low": (by_side & (side < 0)) | falling}, index=months)


def point_variation(chart: pd.DataFrame, polarity: Polarity) -> pd.Series:
    """Each point's variation (the colour MDC gives its dot). Where rules disagree on a point,
    improvement is shown, as MDC's own tool does; with no polarity the signal shown decides."""
    return pd.Series(_variation(chart, polarity, slice(None)), index=chart.index)


def _variation(chart: pd.DataFrame, polarity: Polarity, rows: slice) -> np.ndarray:
    """The variation of the chart's rows, worked on their arrays so one point costs little."""
    high, low = chart["high"].to_numpy()[rows], chart["low"].to_numpy()[rows]
    if polarity == "none":
        # rules disagree only where a trend runs against the side of the mean: the trend is shown
        # unless the point is beyond a process limit
        above = chart["value"].to_numpy()[rows] > chart["mean"].to_numpy()[rows]
        shown_high = np.where(chart["signal"].to_numpy()[rows] == BEYOND_LIMIT, above, ~above)
        high, low = high & (~low | shown_high), low & (~high | ~shown_high)
        return np.select([high, low], [HIGH, LOW], COMMON)
    good, bad = (high, low) if polarity == "higher" else (low, high)
    return np.select([good, bad], [IMPROVEMENT, CONCERN], COMMON)


def _latest(chart: pd.DataFrame, min_points: int) -> int | None:
    """Where the most recent point is, or None where its period has fewer than min_points points."""
    points = np.flatnonzero(~np.isnan(chart["value"].to_numpy()))
    if not len(points):
        return None
    period = chart["period"].to_numpy()[points]
    return int(points[-1]) if np.count_nonzero(period == period[-1]) >= min_points else None


def variation(chart: pd.DataFrame, polarity: Polarity, min_points: int = SpcSettings.min_points) -> str:
    """The variation icon's words, judged on the most recent point as MDC's icons are."""
    latest = _latest(chart, min_points)
    if latest is None:
        return TOO_FEW
    return str(_variation(chart, polarity, slice(latest, latest + 1))[0])


def assurance(chart: pd.DataFrame, target: float | None, polarity: Polarity,
              min_points: int = SpcSettings.min_points) -> str:
    """The assurance icon's words: where the target sits against the latest point's limits.
    Empty with no target, no polarity or too few points."""
    latest = _latest(chart, min_points)
    if target is None or pd.isna(target) or polarity == "none" or latest is None:
        return ""
    lower, upper = chart["lower_limit"].iat[latest], chart["upper_limit"].iat[latest]
    if pd.isna(upper):
        return ""
    if target > upper:
        return FAILS if polarity == "higher" else PASSES
    if target < lower:
        return PASSES if polarity == "higher" else FAILS
    return HIT_AND_MISS
