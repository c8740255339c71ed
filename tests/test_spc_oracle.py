"""The fast SPC module against the straightforward pandas version it replaced (tests/spc_oracle.py):
a few hundred random series, each charted by both, must give the same frame and the same words."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pipeline.stages import spc
from tests import spc_oracle as oracle

SEED = 20261201
CASES = 300
POLARITIES = ("higher", "lower", "none")


def random_values(rng: np.random.Generator, n: int) -> np.ndarray:
    """Values of one kind: ties and repeats, points exactly on the mean, runs and equal steps,
    decimals whose sums are inexact, and flat lines (whose limits close up on the mean)."""
    kind = rng.choice(["integers", "few", "normal", "decimals", "flat", "symmetric", "steps"])
    if kind == "integers":
        return rng.integers(0, 10, n).astype(float)
    if kind == "few":
        return rng.choice([10.0, 11.0, 12.0], n)
    if kind == "normal":
        return rng.normal(50, 10, n)
    if kind == "decimals":
        return np.round(rng.normal(50, 5, n), 1)
    if kind == "flat":
        values = np.full(n, rng.choice([0.1, 12.34, 7.0, 33.3]))
        values[rng.random(n) < 0.1] += 1
        return values
    if kind == "symmetric":  # m - d and m + d in pairs, and m itself: the mean is m, exactly
        half = rng.integers(1, 5, (n + 1) // 2)
        values = np.concatenate([11 - half, 11 + half])[rng.permutation(2 * len(half))][:n].astype(float)
        values[rng.random(n) < 0.2] = 11.0
        return values
    return 20 + np.cumsum(rng.choice([-1.0, 0.0, 1.0, 1.0], n))


def random_index(rng: np.random.Generator, months: pd.PeriodIndex) -> pd.Index:
    """Months, or dates within them (taken as their months)."""
    if rng.random() < 0.7:
        return months
    return months.to_timestamp() + pd.to_timedelta(rng.integers(0, 28, len(months)), unit="D")


def random_baselines(rng: np.random.Generator, first: int, n: int) -> tuple[tuple[Any, Any], ...]:
    """None, one or two baselines, some starting before the series or ending after it, some open."""
    def month(ordinal: int) -> Any:
        period = pd.Period(ordinal=ordinal, freq="M")
        return period if rng.random() < 0.5 else str(period)

    pairs = []
    start = first + int(rng.integers(-3, n + 2))
    for _ in range(int(rng.choice([0, 1, 1, 2, 2]))):
        if rng.random() < 0.25:
            pairs.append((month(start), None))
            break
        end = start + int(rng.integers(0, 12))
        pairs.append((month(start), month(end)))
        start = end + int(rng.integers(1, 8))
    return tuple(pairs)


def random_case(case: int) -> dict[str, Any]:
    """One case's series (an XmR series or a p-chart's counts), settings and draw of the target."""
    rng = np.random.default_rng([SEED, case])
    n = int(rng.integers(1, 41))
    first = pd.Period("2019-01", freq="M").ordinal + int(rng.integers(0, 72))
    months = pd.PeriodIndex.from_ordinals(np.arange(first, first + n), freq="M")
    keep = rng.random(n) >= rng.choice([0, 0, 0.1, 0.3])  # missing months: gaps in the index
    keep[rng.integers(n)] = True
    order = rng.permutation(keep.sum()) if rng.random() < 0.2 else np.arange(keep.sum())
    index = random_index(rng, months[keep])[order]

    def series(values: np.ndarray) -> pd.Series:
        values = values.copy()
        values[rng.random(n) < rng.choice([0, 0, 0.1])] = np.nan
        return pd.Series(values[keep][order], index=index)

    method = str(rng.choice(["xmr", "p"]))
    settings = {
        "baselines": random_baselines(rng, first, n), "method": method,
        "screen_moving_ranges": bool(rng.random() < 0.5), "min_points": int(rng.integers(2, 20)),
        "shift_length": int(rng.integers(2, 10)), "trend_length": int(rng.integers(2, 9))}
    if method == "xmr":
        data = {"value": series(random_values(rng, n))}
    else:
        low, high = [(0, 60), (0, 4), (200, 300)][rng.integers(3)]  # zero denominators, tiny ones, large ones
        denominators = rng.integers(low, high, n)
        numerators = np.floor(denominators * rng.random(n) ** rng.choice([0.5, 1, 3]))
        if rng.random() < 0.1:  # a data error: more cases than the denominator
            numerators[rng.integers(n)] = denominators.max() + 1
        data = {"numerator": series(numerators), "denominator": series(denominators.astype(float))}
    return {"data": data, "settings": settings, "target_draw": rng.random(3)}


def run(call: Callable[[], Any]) -> tuple[Any, list[str]]:
    """What the call returns and the warnings it gives."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, sorted({f"{w.category.__name__}: {w.message}" for w in caught})


def chart_both(data: dict[str, pd.Series], settings: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The fast chart and the oracle's, which must be the same frame with the same warnings."""
    fast_settings, slow_settings = spc.SpcSettings(**settings), oracle.SpcSettings(**settings)
    if settings["method"] == "xmr":
        fast, fast_warnings = run(lambda: spc.xmr(data["value"], fast_settings))
        slow, slow_warnings = run(lambda: oracle.xmr(data["value"], slow_settings))
    else:
        fast, fast_warnings = run(lambda: spc.p_chart(data["numerator"], data["denominator"], fast_settings))
        slow, slow_warnings = run(lambda: oracle.p_chart(data["numerator"], data["denominator"], slow_settings))
    assert fast_warnings == slow_warnings
    pd.testing.assert_frame_equal(fast, slow, check_exact=False, rtol=1e-12, atol=0)
    return fast, slow


def target_for(chart: pd.DataFrame, draw: np.ndarray) -> float | None:
    """No target, a missing one, one on the latest point's limit, or one anywhere near the data."""
    if draw[0] < 0.1:
        return None
    if draw[0] < 0.15:
        return np.nan
    limits = chart[["lower_limit", "upper_limit"]].iloc[-1]
    if draw[0] < 0.3 and limits.notna().all():
        return float(limits.iloc[int(draw[1] < 0.5)])
    values = chart["value"].dropna()
    low, high = (values.min(), values.max()) if len(values) else (0.0, 1.0)
    return float(low - 1 + (high - low + 2) * draw[2])


def icons(module: Any, chart: pd.DataFrame, target: float | None, polarity: str,
          min_points: int | None) -> list[tuple[str, type]]:
    """The variation and assurance icons' words, and their types."""
    by = {} if min_points is None else {"min_points": min_points}
    words = module.variation(chart, polarity, **by), module.assurance(chart, target, polarity, **by)
    return [(word, type(word)) for word in words]


@pytest.mark.parametrize("case", range(CASES))
def test_the_fast_module_charts_and_words_as_the_straightforward_one(case):
    given = random_case(case)
    fast, slow = chart_both(given["data"], given["settings"])
    target = target_for(slow, given["target_draw"])
    for polarity in POLARITIES:
        pd.testing.assert_series_equal(spc.point_variation(fast, polarity), oracle.point_variation(slow, polarity))
        for min_points in (given["settings"]["min_points"], None):
            assert icons(spc, fast, target, polarity, min_points) == icons(oracle, slow, target, polarity, min_points)


def monthly(values: list[float]) -> pd.Series:
    return pd.Series(values, index=pd.period_range("2024-01", periods=len(values), freq="M"), dtype="float64")


FLAT = [0.1] * 24  # its mean is 0.1 or a bit off it, by how the sum is added up; its limits close up on it


@pytest.mark.parametrize(("data", "settings"), [
    ({"value": monthly(FLAT)}, {}),  # no value missing: pandas adds up with np.add.reduceat
    ({"value": monthly(FLAT[:5] + [np.nan] + FLAT[6:])}, {}),  # one missing: a compensated sum
    ({"value": monthly([12.34] * 20)}, {"baselines": (("2024-01", "2024-12"),)}),
    ({"value": monthly([1e308, 1e308, 1e308, np.nan, 1.0])}, {}),  # sums past the largest float
    ({"value": monthly([1.0, np.inf, 2.0, np.inf, -np.inf, 3.0])}, {}),
    ({"value": monthly([5.0])}, {}),
    ({"value": monthly([np.nan, np.nan])}, {}),
    ({"numerator": monthly([1, 2, 3, 4]), "denominator": monthly([1e308, 1e308, 1e308, np.nan])}, {"method": "p"}),
    ({"numerator": monthly([5, 9, 1, 2]), "denominator": monthly([2, 3, 4, 0])}, {"method": "p"}),  # beyond 100%
    ({"numerator": monthly([-5, 1, 1, 2]), "denominator": monthly([2, 3, 4, 2])}, {"method": "p"}),  # below 0%
], ids=["flat", "flat with a gap", "flat with a baseline", "overflow", "infinite", "one point", "no point",
        "overflowing denominators", "shares beyond 100%", "shares below 0%"])
def test_edge_series_chart_as_in_the_straightforward_one(data, settings):
    chart_both(data, {"method": "xmr"} | settings)


def test_chart_measure_and_counts_on_different_months_as_the_straightforward_one():
    months = pd.period_range("2024-01", periods=20, freq="M")
    numerators = pd.Series(np.arange(20.0) % 7, index=months)
    denominators = pd.Series(np.arange(20.0) % 5 + 4, index=months).iloc[3:].sample(frac=1, random_state=1)
    chart_both({"numerator": numerators, "denominator": denominators}, {"method": "p"})
    figures = pd.DataFrame({"value": numerators * 2, "numerator": numerators, "denominator": numerators + 3})
    for method in ("xmr", "p"):
        pd.testing.assert_frame_equal(spc.chart_measure(figures, spc.SpcSettings(method=method)),
                                      oracle.chart_measure(figures, oracle.SpcSettings(method=method)))


@pytest.mark.parametrize("index", [
    pd.PeriodIndex(["2024-01", "2024-03", "2024-01"], freq="M"),  # a month twice
    pd.DatetimeIndex(["2024-01-05", "2024-01-20", "2024-02-01"]),  # two dates in one month
    pd.PeriodIndex(["2024-01", None, "2024-03"], freq="M"),
    pd.DatetimeIndex(["2024-01-01", None, "2024-03-01"]),
    pd.PeriodIndex([], freq="M"),
], ids=["month twice", "dates in one month", "no month", "no date", "empty"])
def test_bad_months_fail_as_in_the_straightforward_one(index):
    values = pd.Series(np.ones(len(index)), index=index)
    failures = []
    for module in (spc, oracle):
        with pytest.raises(Exception) as failure:
            module.xmr(values)
        failures.append((failure.type, str(failure.value)))
    assert failures[0] == failures[1]
