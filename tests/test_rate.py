"""Given/expect for every BRAG rule, the trend markers and work-plan action ratings."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.config.catalogue import load_catalogue
from pipeline.config.contract import load_contract
from pipeline.quarters import parse_label
from pipeline.stages.rate import rate_actions, rate_measures
from tests.conftest import ROOT

CATALOGUE = load_catalogue(ROOT / "schemas" / "kpis.yaml", load_contract(ROOT / "schemas" / "sources.yaml"))
QUARTERS = [parse_label(f"Q{q} {y}") for q, y in
            [(3, "2023/24"), (4, "2023/24"), (1, "2024/25"), (2, "2024/25"), (3, "2024/25"), (4, "2024/25")]]
LAST = QUARTERS[-1]


def rate_one(ref: str, value: float | None, previous: float | None = None, year_ago: float | None = None) -> pd.Series:
    rows = [{"ref": ref, "quarter": LAST, "value": value, "status": "ok" if value is not None else "no_data", "table": "t"}]
    if previous is not None:
        rows.append({"ref": ref, "quarter": LAST - 1, "value": previous, "status": "ok", "table": "t"})
    if year_ago is not None:
        rows.append({"ref": ref, "quarter": LAST - 4, "value": year_ago, "status": "ok", "table": "t"})
    frame = pd.DataFrame(rows).astype({"value": "float64"})
    out = rate_measures(frame, CATALOGUE)
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
