"""Given/expect for the SPC module: a published series worked by hand, each MDC rule, the words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.stages.spc import (
    BEYOND_LIMIT,
    COMMON,
    CONCERN,
    FAILS,
    HIGH,
    HIT_AND_MISS,
    IMPROVEMENT,
    LOW,
    PASSES,
    SHIFT,
    TOO_FEW,
    TREND,
    TWO_OF_THREE,
    SpcSettings,
    assurance,
    chart_measure,
    p_chart,
    variation,
    xmr,
)

approx = pytest.approx


def monthly(values: list[float], start: str = "2024-01") -> pd.Series:
    return pd.Series(values, index=pd.period_range(start, periods=len(values), freq="M"), dtype="float64")


# ------------------------------------------------------------------ a published series, by hand

# NHSRplotthedots' vignette "Deviations from Excel defaults" (vignettes/deviations.Rmd) charts this
# series to show its outlier screening against the Making Data Count Excel tool, which does not screen.
PUBLISHED = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
# sum = 1 + 2 + 1 + 2 + 10 + (seven 1s + six 2s = 19) = 35, over 18 points
MEAN = 35 / 18  # 1.9444
# moving ranges: |2-1| |1-2| |2-1| |10-2| |1-10|, then twelve |2-1| or |1-2|
MOVING_RANGES = [np.nan, 1, 1, 1, 8, 9] + [1] * 12
MEAN_RANGE = (1 + 1 + 1 + 8 + 9 + 12 * 1) / 17  # 32 / 17 = 1.8824


def test_published_series_as_the_mdc_excel_tool_charts_it():
    index = pd.date_range("2021-03-01", periods=18, freq="MS")  # month starts are taken as months
    chart = xmr(pd.Series(PUBLISHED, index=index, dtype="float64"))
    assert chart.index[0] == pd.Period("2021-03", freq="M")
    assert chart["mean"].tolist() == approx([MEAN] * 18)
    assert chart["moving_range"].tolist() == approx(MOVING_RANGES, nan_ok=True)
    # limits: 35/18 +- 2.66 x 32/17 = 1.9444 +- 5.0071
    assert chart["upper_limit"].iloc[0] == approx(1.944444 + 5.007059, abs=1e-5)  # 6.9515
    assert chart["lower_limit"].iloc[0] == approx(1.944444 - 5.007059, abs=1e-5)  # -3.0626
    # two sigma: 35/18 +- (2/3 x 2.66) x 32/17 = 1.9444 +- 3.3380
    assert chart["upper_2sigma"].iloc[0] == approx(5.282484, abs=1e-5)
    assert chart["lower_2sigma"].iloc[0] == approx(-1.393595, abs=1e-5)
    assert chart["signal"].tolist() == [""] * 4 + [BEYOND_LIMIT] + [""] * 13
    assert variation(chart, "higher") == COMMON  # the latest point, 1, is common cause


def test_published_series_with_moving_ranges_screened_as_nhsrplotthedots_does():
    chart = xmr(monthly(PUBLISHED), SpcSettings(screen_moving_ranges=True))
    # 3.267 x 32/17 = 6.1496: the ranges 8 and 9 are left out, the other fifteen are all 1
    assert chart["mean"].iloc[0] == approx(MEAN)  # the mean itself is not screened
    assert chart["upper_limit"].iloc[0] == approx(MEAN + 2.66 * 1)  # 4.6044
    assert chart["lower_limit"].iloc[0] == approx(MEAN - 2.66 * 1)  # -0.7156
    assert chart["moving_range"].tolist() == approx(MOVING_RANGES, nan_ok=True)  # still shown
    assert chart["signal"].tolist() == [""] * 4 + [BEYOND_LIMIT] + [""] * 13


# ------------------------------------------------------------------ the rules

# Eight baseline months fix the limits for the points after them: mean 11, every moving range 2, so
# the limits are 11 +- 2.66 x 2 = 5.68 and 16.32, and two sigma 11 +- (2/3 x 2.66) x 2 = 7.4533 and 14.5467.
BASE = [12, 10] * 4  # ends below the mean, so a run after it starts afresh
FIXED = (("2024-01", "2024-08"),)


def after_baseline(tail: list[float]) -> list[str]:
    chart = xmr(monthly(BASE + tail), SpcSettings(baselines=FIXED))
    return chart["signal"].iloc[len(BASE):].tolist()


def test_baseline_limits_are_carried_forward():
    chart = xmr(monthly(BASE + [20, 22, 20]), SpcSettings(baselines=FIXED))
    assert chart["mean"].tolist() == approx([11] * 11)
    assert chart["upper_limit"].tolist() == approx([16.32] * 11)
    assert chart["lower_limit"].tolist() == approx([5.68] * 11)
    assert chart["upper_2sigma"].tolist() == approx([14.546667] * 11)
    assert chart["lower_2sigma"].tolist() == approx([7.453333] * 11)
    assert chart["moving_range"].iloc[8:].tolist() == [10, 2, 2]  # shown, but not in the mean moving range


@pytest.mark.parametrize(("tail", "expect"), [
    ([17, 11, 5], [BEYOND_LIMIT, "", BEYOND_LIMIT]),  # above 16.32, on the mean, below 5.68
    ([16.32, 5.68], ["", ""]),  # on a limit is not beyond it
    ([12] * 7, [SHIFT] * 7),
    ([12] * 6, [""] * 6),
    ([12, 12, 12, 11, 12, 12, 12, 12], [""] * 8),  # the point on the mean ends the run: 3 then 4
    ([12, 12, 12, 11] + [12] * 7, [""] * 4 + [SHIFT] * 7),
    ([9, 9.5, 10, 10.5, 11.5, 12], [TREND] * 6),  # six rising (from 9, after the baseline's 10)
    ([9.5, 10, 10.5, 11.5, 12], [""] * 5),  # five rising
    ([13, 12.5, 12, 11.5, 10.5, 10], [TREND] * 6),  # six falling
    ([9, 9.5, 10, 10, 10.5, 11.5, 12], [""] * 7),  # the equal step ends the run: 3 then 4 rising
    ([15, 12, 15], [TWO_OF_THREE, "", TWO_OF_THREE]),  # 15 > 14.5467; all three above the mean
    ([15, 10, 15], ["", "", ""]),  # the middle point is below the mean
    ([15, 7], ["", ""]),  # beyond two sigma, but on opposite sides
    ([17, 15, 12], [BEYOND_LIMIT, TWO_OF_THREE, ""]),  # a point beyond the limit counts as beyond two sigma
])
def test_rules(tail, expect):
    assert after_baseline(tail) == expect


def test_a_run_below_the_mean_takes_in_the_baseline_months_before_it():
    chart = xmr(monthly(BASE + [9.5] * 6), SpcSettings(baselines=FIXED))
    assert chart["signal"].tolist() == [""] * 7 + [SHIFT] * 7  # the baseline's last 10 is the run's first point
    assert chart["low"].iloc[7:].all() and not chart["high"].any()


@pytest.mark.parametrize(("tail", "expect"), [
    ([12, 12, 12, 17, 12, 12, 12], [SHIFT] * 3 + [BEYOND_LIMIT] + [SHIFT] * 3),
    ([11.5, 12, 12.5, 13, 13.5, 14, 12], [TREND] * 6 + [SHIFT]),  # rising from the baseline's 10, all above
    ([12, 12, 15, 15, 12, 12, 12], [SHIFT] * 2 + [TWO_OF_THREE] * 2 + [SHIFT] * 3),
    ([9, 10, 11, 12, 13, 17], [TREND] * 5 + [BEYOND_LIMIT]),
])
def test_precedence_beyond_limit_then_trend_then_two_of_three_then_run(tail, expect):
    assert after_baseline(tail) == expect


def test_missing_months_are_not_points_and_end_runs():
    months = pd.PeriodIndex(["2024-09", "2024-10", "2024-11", "2025-01", "2025-02", "2025-03", "2025-04"], freq="M")
    tail = pd.Series(12.0, index=months)  # December is absent: seven 12s, but not seven months running
    chart = xmr(pd.concat([monthly(BASE), tail]), SpcSettings(baselines=FIXED))
    assert np.isnan(chart.loc[pd.Period("2024-12", freq="M"), "value"])
    assert chart["signal"].eq("").all()
    assert chart["moving_range"].iloc[8:].tolist() == approx([2, 0, 0, np.nan, np.nan, 0, 0, 0], nan_ok=True)


def test_a_rebase_recalculates_the_limits_from_the_new_period():
    settings = SpcSettings(baselines=(("2024-01", "2024-08"), ("2024-09", None)))
    chart = xmr(monthly(BASE + [20, 22, 20, 22, 24]), settings)
    # new period: mean (20 + 22 + 20 + 22 + 24) / 5 = 21.6; moving ranges 2, 2, 2, 2 -> 21.6 +- 5.32
    assert chart["period"].tolist() == [0] * 8 + [1] * 5
    assert chart["mean"].tolist() == approx([11] * 8 + [21.6] * 5)
    assert chart["upper_limit"].tolist() == approx([16.32] * 8 + [26.92] * 5)
    assert chart["lower_limit"].tolist() == approx([5.68] * 8 + [16.28] * 5)
    assert np.isnan(chart["moving_range"].iloc[8])  # no range across the change
    assert chart["signal"].eq("").all()
    # 13 points in all, but the limits in force rest on a period of 5
    assert variation(chart, "higher", min_points=10) == TOO_FEW


# ------------------------------------------------------------------ the words

@pytest.mark.parametrize(("last", "polarity", "expect"), [
    (17, "higher", IMPROVEMENT), (17, "lower", CONCERN), (17, "none", HIGH),
    (5, "higher", CONCERN), (5, "lower", IMPROVEMENT), (5, "none", LOW),
    (11.5, "higher", COMMON), (11.5, "lower", COMMON), (11.5, "none", COMMON),
])
def test_variation_is_judged_on_the_latest_point(last, polarity, expect):
    chart = xmr(monthly(BASE + [12, 10] * 3 + [last]), SpcSettings(baselines=FIXED))  # 15 points
    assert variation(chart, polarity) == expect


@pytest.mark.parametrize(("polarity", "expect"), [("higher", IMPROVEMENT), ("lower", IMPROVEMENT), ("none", LOW)])
def test_rules_that_disagree_show_improvement(polarity, expect):
    # seven points above the mean (a run: high) that fall all the way (a trend: low)
    tail = [14, 13.5, 13, 12.5, 12, 11.5, 11.2]
    chart = xmr(monthly(BASE + tail), SpcSettings(baselines=FIXED))
    assert chart["signal"].iloc[8:].tolist() == [TREND] * 7
    assert variation(chart, polarity) == expect  # with no polarity, the trend shown decides


def test_too_few_points():
    chart = xmr(monthly(BASE + [12, 10] * 3), SpcSettings(baselines=FIXED))  # 14 points
    assert variation(chart, "higher") == TOO_FEW
    assert assurance(chart, 20, "higher") == ""
    assert variation(chart, "higher", min_points=14) == COMMON


@pytest.mark.parametrize(("target", "polarity", "expect"), [
    (20, "higher", FAILS), (20, "lower", PASSES),  # target above the upper limit, 16.32
    (2, "higher", PASSES), (2, "lower", FAILS),  # below the lower limit, 5.68
    (11, "higher", HIT_AND_MISS), (11, "lower", HIT_AND_MISS),
    (None, "higher", ""), (20, "none", ""),
])
def test_assurance(target, polarity, expect):
    chart = xmr(monthly(BASE + [12, 10] * 3 + [11]), SpcSettings(baselines=FIXED))
    assert assurance(chart, target, polarity) == expect


# ------------------------------------------------------------------ p-chart

def test_p_chart_limits_vary_with_each_months_denominator():
    numerators = monthly([12, 3, 1, 1, 6, 24, 0])
    denominators = monthly([48, 12, 3, 2, 27, 48, 0])  # the last month has no cases: not a point
    chart = p_chart(numerators, denominators, SpcSettings(baselines=(("2024-01", "2024-05"),)))
    # centre: (12 + 3 + 1 + 1 + 6) / (48 + 12 + 3 + 2 + 27) = 23 / 92 = 25%
    # one standard error sqrt(0.25 x 0.75 / n): n = 48 -> 1/16, 12 -> 1/8, 3 -> 1/4, 2 -> sqrt(3/32), 27 -> 1/12
    assert chart["mean"].iloc[:6].tolist() == approx([25] * 6)
    assert chart["value"].tolist() == approx([25, 25, 100 / 3, 50, 600 / 27, 50, np.nan], nan_ok=True)
    assert chart["denominator"].tolist() == approx([48, 12, 3, 2, 27, 48, np.nan], nan_ok=True)
    # 25 +- 300/16 = 6.25, 43.75; 25 +- 300/8 -> 0 (from -12.5), 62.5; 25 +- 75 -> 0, 100;
    # 25 +- 300 x sqrt(3/32) = 25 +- 91.86 -> 0, 100 (from 116.86); 25 +- 300/12 = 0, 50
    assert chart["lower_limit"].tolist() == approx([6.25, 0, 0, 0, 0, 6.25, np.nan], nan_ok=True)
    assert chart["upper_limit"].tolist() == approx([43.75, 62.5, 100, 100, 50, 43.75, np.nan], nan_ok=True)
    # two sigma: 25 +- 200/16 = 12.5, 37.5; 25 +- 25 = 0, 50; 25 +- 50 -> 0, 75;
    # 25 +- 200 x sqrt(3/32) = 25 +- 61.24 -> 0, 86.24; 25 +- 200/12 = 8.33, 41.67
    assert chart["lower_2sigma"].tolist() == approx([12.5, 0, 0, 0, 25 - 200 / 12, 12.5, np.nan], nan_ok=True)
    assert chart["upper_2sigma"].tolist() == approx([37.5, 50, 75, 86.237244, 25 + 200 / 12, 37.5, np.nan],
                                                     nan_ok=True)
    assert chart["signal"].tolist() == [""] * 5 + [BEYOND_LIMIT, ""]  # 50% against 43.75% at n = 48
    assert assurance(chart, 50, "higher", min_points=6) == FAILS  # against the latest point's limits


def test_the_method_chooses_the_chart():
    monthly_figures = pd.DataFrame({"value": [25.0, 50.0], "numerator": [1.0, 2.0], "denominator": [4.0, 4.0]},
                                   index=pd.period_range("2024-01", periods=2, freq="M"))
    p = chart_measure(monthly_figures, SpcSettings(method="p"))
    assert p["mean"].tolist() == approx([37.5, 37.5])  # 3 / 8
    assert "denominator" in p and "denominator" not in chart_measure(monthly_figures)


@pytest.mark.parametrize("settings", [
    {"baselines": (("2024-06", "2024-01"),)},
    {"baselines": (("2024-01", "2024-06"), ("2024-05", None))},
    {"baselines": (("2024-06", None), ("2024-01", None))},
    {"method": "laney"},
    {"trend_length": 1},
])
def test_bad_settings_stop_at_once(settings):
    with pytest.raises(ValueError):
        SpcSettings(**settings)
