"""Given/expect for every BRAG rule, the trend markers and work-plan action ratings."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.config.catalogue import Catalogue, load_catalogue
from pipeline.config.contract import load_contract
from pipeline.quarters import parse_label
from pipeline.stages.rate import rate_actions, rate_measures
from tests.conftest import ROOT

CONTRACT = load_contract(ROOT / "schemas" / "sources.yaml")
CATALOGUE = load_catalogue(ROOT / "schemas" / "kpis.yaml", CONTRACT)
QUARTERS = [parse_label(f"Q{q} {y}") for q, y in
            [(3, "2023/24"), (4, "2023/24"), (1, "2024/25"), (2, "2024/25"), (3, "2024/25"), (4, "2024/25")]]
LAST = QUARTERS[-1]


def rate_one(ref: str, value: float | None, previous: float | None = None, year_ago: float | None = None,
             cases: float = 100, variation: str | None = None, catalogue: Catalogue = CATALOGUE) -> pd.Series:
    """One measure rated in the last quarter; `cases`: the denominator of a share or the children
    behind a median; `variation`: its chart's reading at the end of the quarter, if it has one."""
    def row(quarter: pd.Period, figure: float | None) -> dict[str, object]:
        return {"ref": ref, "quarter": quarter, "value": figure, "denominator": cases,
                "status": "ok" if figure is not None else "no_data", "table": "t", "stand_in": False}
    rows = [row(LAST, value)] + [row(LAST - lag, figure) for lag, figure in ((1, previous), (4, year_ago))
                                 if figure is not None]
    frame = pd.DataFrame(rows).astype({"value": "float64", "denominator": "float64"})
    readings = None if variation is None else pd.DataFrame([{"ref": ref, "quarter": LAST, "variation": variation}])
    out = rate_measures(frame, catalogue, readings=readings)
    return out[out["quarter"] == LAST].iloc[0]


# 4.11: higher is better, target 90, tolerance 5, stretch 98 (from schemas/kpis.yaml)
# 4.7: lower is better (days), target 90, tolerance 30, stretch 60
# 1.3: higher is better, no target, tolerance 30 -> direction of travel
# 2.4: lower is better, no target, tolerance 2 -> direction of travel
TARGETS = [
    ("4.11", 98.0, "Blue"), ("4.11", 99.5, "Blue"), ("4.11", 97.9, "Green"), ("4.11", 90.0, "Green"),
    ("4.11", 89.9, "Amber"), ("4.11", 85.0, "Amber"), ("4.11", 84.9, "Red"), ("4.11", 0.0, "Red"),
    ("4.11", 97.96, "Blue"),  # shown as 98.0%, so rated as 98.0
    ("4.7", 60.0, "Blue"), ("4.7", 45.0, "Blue"), ("4.7", 60.1, "Green"), ("4.7", 90.0, "Green"),
    ("4.7", 90.5, "Amber"), ("4.7", 120.0, "Amber"), ("4.7", 120.1, "Red"),
]


@pytest.mark.parametrize(("ref", "value", "expect"), TARGETS)
def test_ratings_against_targets(ref, value, expect):
    assert rate_one(ref, value)["brag"] == expect


DIRECTION = [
    ("1.3", 101, 100, "Green"), ("1.3", 100, 100, "Amber"), ("1.3", 70, 100, "Amber"), ("1.3", 69, 100, "Red"),
    ("2.4", 9, 10, "Green"), ("2.4", 10, 10, "Amber"), ("2.4", 12, 10, "Amber"), ("2.4", 13, 10, "Red"),
]


@pytest.mark.parametrize(("ref", "value", "previous", "expect"), DIRECTION)
def test_ratings_on_direction_of_travel(ref, value, previous, expect):
    assert rate_one(ref, value, previous)["brag"] == expect


def test_no_previous_quarter_means_no_direction_to_rate():
    assert rate_one("1.3", 100)["brag"] == "Monitor"


def test_monitor_only_measures_and_missing_data():
    assert rate_one("4.1", 12, 10)["brag"] == "Monitor"
    assert rate_one("4.1", None)["brag"] == "No data"
    assert rate_one("4.6", None)["brag"] == "Not yet reported"  # a 'being developed' measure


@pytest.mark.parametrize(("ref", "value", "previous", "year_ago", "short", "long"), [
    ("1.3", 110, 100, 120, "Better", "Worse"),  # higher is better
    ("2.4", 8, 10, 8, "Better", "Same"),  # lower is better
    ("4.1", 5, 7, 3, "Down", "Up"),  # no polarity: just the direction
    ("4.1", 5, None, None, "", ""),
])
def test_trend_markers(ref, value, previous, year_ago, short, long):
    got = rate_one(ref, value, previous, year_ago)
    assert (got["trend_short"], got["trend_long"]) == (short, long)


D = pd.Timestamp
AS_AT = D("2025-09-30")


@pytest.mark.parametrize(("commenced", "target", "achieved", "off", "stated", "expect", "disagrees"), [
    ("2024-07-01", "2025-03-31", "2025-03-01", None, "Blue", "Blue", False),  # achieved
    ("2024-07-01", "2025-12-31", "2025-10-15", None, None, "Green", False),  # achieved after the quarter: not yet
    (None, "2026-03-31", None, None, "Red", "Red", False),  # not commenced
    ("2025-10-01", "2026-03-31", None, None, None, "Red", False),  # commences after the quarter
    ("2024-07-01", "2025-06-30", None, None, "Green", "Amber", True),  # target date passed
    ("2024-07-01", "2025-09-30", None, None, None, "Amber", False),  # due on the day and not achieved
    ("2024-07-01", "2026-03-31", None, True, "Amber", "Amber", False),  # marked off target
    ("2024-07-01", "2026-03-31", None, False, "Green", "Green", False),  # on target
])
def test_action_ratings(commenced, target, achieved, off, stated, expect, disagrees):
    actions = pd.DataFrame({
        "date_commenced": [D(commenced) if commenced else pd.NaT], "target_date": [D(target)],
        "date_achieved": [D(achieved) if achieved else pd.NaT], "off_target": pd.array([off], dtype="boolean"),
        "stated_brag": pd.array([stated], dtype="string"), "remedial_action": pd.array([None], dtype="string")})
    got = rate_actions(actions, AS_AT).iloc[0]
    assert (got["brag"], bool(got["disagrees"])) == (expect, disagrees)
    assert bool(got["needs_remedial"]) == (expect == "Amber")


# ------------------------------------------------------------------ ratings that respect the noise

@pytest.mark.parametrize(("ref", "value", "cases", "expect"), [
    ("4.11", 100.0, 1, "Low numbers"),  # "100% (1 of 1)" is not Blue
    ("4.11", 0.0, 4, "Low numbers"),  # nor "0 of 4" Red
    ("4.11", 100.0, 9, "Low numbers"),
    ("4.11", 100.0, 10, "Blue"),  # the minimum (10 in kpis.yaml) is rated
    ("4.7", 200.0, 3, "Low numbers"),  # a median over three children
    ("4.7", 200.0, 10, "Red"),
])
def test_shares_and_medians_over_too_few_cases_are_not_rated(ref, value, cases, expect):
    got = rate_one(ref, value, cases=cases)
    assert got["brag"] == expect
    assert got["rated_on"] == ("too few cases" if expect == "Low numbers" else "target")


def test_a_count_is_rated_whatever_its_size():
    """Low numbers is for shares and medians: a count of 2 against a count of 1 is still a count."""
    assert rate_one("1.3", 2, 1, cases=float("nan"))["brag"] == "Green"


@pytest.mark.parametrize(("variation", "value", "previous", "expect", "on"), [
    ("Special cause improvement", 50, 100, "Green", "variation"),  # worse this quarter, but the signal decides
    ("Special cause concern", 150, 100, "Red", "variation"),
    ("Common cause", 150, 100, "Amber", "variation"),  # better this quarter, but within the noise
    ("Common cause", 50, 100, "Amber", "variation"),
    ("Too few points", 150, 100, "Green", "direction"),  # too few months: on direction of travel
    ("Too few points", 60, 100, "Red", "direction"),
])
def test_a_measure_without_a_target_is_rated_on_its_variation(variation, value, previous, expect, on):
    got = rate_one("1.3", value, previous, variation=variation)  # 1.3: higher is better, no target
    assert (got["brag"], got["rated_on"]) == (expect, on)


def test_rate_by_direction_in_kpis_yaml_ignores_the_variation(tmp_path):
    text = (ROOT / "schemas" / "kpis.yaml").read_text(encoding="utf-8")
    assert text.count("  rate_by: variation\n") == 1
    (tmp_path / "kpis.yaml").write_text(text.replace("  rate_by: variation\n", "  rate_by: direction\n"),
                                        encoding="utf-8")
    catalogue = load_catalogue(tmp_path / "kpis.yaml", CONTRACT)
    got = rate_one("1.3", 150, 100, variation="Special cause concern", catalogue=catalogue)
    assert (got["brag"], got["rated_on"]) == ("Green", "direction")


def test_a_target_outranks_the_variation():
    assert rate_one("4.11", 80.0, variation="Special cause improvement")["brag"] == "Red"
