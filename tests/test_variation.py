"""The variation stage: each measure's monthly points charted, and read at the end of each quarter.

Expected means and limits are worked out here by hand from the points, not by the SPC module.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline.quarters import columns_for, parse_label
from pipeline.stages.coverage import MONTH
from pipeline.stages.history import MONTH_COLUMNS
from pipeline.stages.variation import chart_measures
from tests.test_measures import CATALOGUE

REPORTING = parse_label("Q2 2025/26")
QUARTERS = columns_for(REPORTING)  # Q3 2024/25 to Q2 2025/26
MONTHS = pd.period_range("2024-01", "2025-09", freq=MONTH)  # 21 months


def series(ref: str, values: list[float], numerators: list[float] | None = None,
           denominators: list[float] | None = None) -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame({"ref": ref, "month": MONTHS[-n:], "value": values,
                         "numerator": numerators or [float("nan")] * n, "denominator": denominators or [float("nan")] * n,
                         "table": "t", "stand_in": False})[MONTH_COLUMNS]


# 1.3 (higher is better, no target): 13 steady months, then 8 well above them.
STEADY = [10, 12, 11, 13] * 3 + [10]
RAISED = STEADY + [20] * 8


@pytest.fixture(scope="module")
def charted():
    shares_n = [200] * 21
    shares_num = [196, 197, 195, 198, 196, 197, 196, 198, 195, 197, 196, 197, 198, 196, 197, 195, 197, 196, 198, 197, 196]
    months = pd.concat([
        series("1.3", RAISED),
        series("4.11", [100 * a / b for a, b in zip(shares_num, shares_n)], shares_num, shares_n),
    ], ignore_index=True)
    return chart_measures(months, CATALOGUE, QUARTERS), shares_num, shares_n


def reading(charted, ref: str, quarter: pd.Period) -> pd.Series:
    read = charted[0].quarters
    return read[(read["ref"] == ref) & (read["quarter"] == quarter)].iloc[0]


def test_an_xmr_chart_has_the_mean_and_limits_worked_out_by_hand(charted):
    points = charted[0].points
    chart = points[points["ref"] == "1.3"]
    assert list(chart["month"]) == list(MONTHS) and list(chart["value"]) == RAISED
    mean = sum(RAISED) / len(RAISED)
    ranges = [abs(b - a) for a, b in zip(RAISED, RAISED[1:])]
    mean_range = sum(ranges) / len(ranges)
    assert chart["mean"].tolist() == pytest.approx([mean] * 21)
    assert chart["upper_limit"].tolist() == pytest.approx([mean + 2.66 * mean_range] * 21)
    assert chart["lower_limit"].tolist() == pytest.approx([mean - 2.66 * mean_range] * 21)
    assert (chart["method"] == "XmR chart").all() and chart["denominator"].isna().all()
    # 20 is above the upper limit (about 18.5): each of the last eight months is beyond it
    assert mean + 2.66 * mean_range < 20
    assert chart["signal"].tolist()[-8:] == ["Beyond a process limit"] * 8
    assert chart["variation"].tolist()[-1] == "Special cause improvement"


def test_the_reporting_quarter_reads_its_latest_point_and_an_earlier_quarter_only_its_own_months(charted):
    now = reading(charted, "1.3", REPORTING)
    assert (now["variation"], now["variation_symbol"], now["points"]) == ("Special cause improvement", "▲", 21)
    assert now["assurance"] == ""  # no target
    # by the end of Q3 2024/25 (December 2024) there were 12 months: too few for limits
    then = reading(charted, "1.3", QUARTERS[0])
    assert (then["variation"], then["variation_symbol"], then["points"]) == ("Too few points", "", 12)


def test_a_p_chart_pools_the_share_and_its_limits_follow_each_months_cases(charted):
    _, numerators, denominators = charted
    chart = charted[0].points[lambda p: p["ref"] == "4.11"]
    pooled = sum(numerators) / sum(denominators)
    error = math.sqrt(pooled * (1 - pooled) / 200)
    assert chart["mean"].tolist() == pytest.approx([100 * pooled] * 21)
    assert chart["lower_limit"].tolist() == pytest.approx([100 * (pooled - 3 * error)] * 21)
    assert chart["upper_limit"].tolist() == pytest.approx([min(100.0, 100 * (pooled + 3 * error))] * 21)
    assert chart["denominator"].tolist() == denominators and (chart["method"] == "p-chart").all()
    assert chart["target"].unique().tolist() == [90.0]
    # the lower limit (about 95.7%) is above the 90% target: it consistently passes
    assert 100 * (pooled - 3 * error) > 90
    now = reading(charted, "4.11", REPORTING)
    assert (now["assurance"], now["assurance_symbol"]) == ("Consistently passes", "√")
    assert now["variation"] == "Common cause"


def test_a_measure_with_no_monthly_points_has_too_few_and_no_chart(charted):
    assert reading(charted, "2.4", REPORTING)["variation"] == "Too few points"
    assert "2.4" not in set(charted[0].points["ref"])


def test_a_chart_with_too_few_points_keeps_its_values_but_no_limits():
    months = series("1.3", [5, 7, 6, 9, 4])
    points = chart_measures(months, CATALOGUE, QUARTERS).points
    assert points["value"].tolist() == [5, 7, 6, 9, 4]
    assert points[["mean", "lower_limit", "upper_limit"]].isna().all().all()
    assert (points["signal"] == "").all() and (points["variation"] == "").all()


def test_a_month_after_the_reporting_quarter_is_never_charted():
    months = series("1.3", RAISED[:-1] + [99])
    months.loc[months.index[-1], "month"] = pd.Period("2025-10", freq=MONTH)  # October: after Q2 2025/26
    points = chart_measures(months, CATALOGUE, QUARTERS).points
    assert points["month"].max() == pd.Period("2025-08", freq=MONTH) and 99 not in points["value"].tolist()
