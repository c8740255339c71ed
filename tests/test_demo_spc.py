"""The demo shows every reading statistical process control can give (issue 14), each from a story in
its data files (pipeline/tools/demo/data/*.yaml): the reporting quarter has each variation and each
assurance at least once, and the measures given a shift read as their story says."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.vocabulary import Assurance, Variation
from tests.conftest import DemoScorecard, demo_scorecard

VARIATIONS = ["Common cause", "Special cause improvement", "Special cause concern", "Special cause (high)",
              "Special cause (low)", "Too few points"]
ASSURANCES = ["Consistently passes", "Consistently fails", "Hit and miss"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoScorecard:
    return demo_scorecard(tmp_path_factory.mktemp("demo spc"))


@pytest.fixture(scope="module")
def now(demo: DemoScorecard) -> pd.DataFrame:
    """The reporting quarter's row of each measure, by Ref."""
    card = demo.scorecard
    return card[card["quarter"] == demo.quarters[-1]].set_index("ref")


def _points(demo: DemoScorecard, ref: str) -> pd.DataFrame:
    points = demo.charted.points
    return points[points["ref"] == ref].set_index("month")


def test_the_words_are_the_vocabularys() -> None:
    assert sorted(VARIATIONS) == sorted(v.value for v in Variation)
    assert sorted(ASSURANCES) == sorted(a.value for a in Assurance)


def test_the_reporting_quarter_shows_every_variation_and_every_assurance(now: pd.DataFrame) -> None:
    assert set(VARIATIONS) <= set(now["variation"])
    assert set(ASSURANCES) <= set(now["assurance"])


def test_the_new_level_3_e_learning_is_a_sustained_improvement(demo: DemoScorecard, now: pd.DataFrame) -> None:
    # partnership.yaml: CE e-learning level 3 from January 2025
    assert (now.loc["1.4", "variation"], now.loc["1.4", "brag"]) == ("Special cause improvement", "Green")
    points = _points(demo, "1.4")
    since = points.index >= pd.Period("2025-01", "M")
    assert since.sum() == 9 and (points.loc[since, "value"] > points.loc[since, "mean"]).all()
    assert (points.loc[since, "variation"] == "Special cause improvement").all()
    by_quarter = demo.charted.quarters.query("ref == '1.4'").set_index("quarter")["variation"]
    # Common cause before the launch, then special cause improvement at every quarter's end
    assert by_quarter.tolist() == ["Common cause"] + ["Special cause improvement"] * 3


def test_each_other_story_reads_as_it_says(demo: DemoScorecard, now: pd.DataFrame) -> None:
    # social_care.yaml: the referral form of February 2025 records fewer CSE indicators
    assert now.loc["1.1", "variation"] == "Special cause (low)"
    points = _points(demo, "1.1")
    since = points.index >= pd.Period("2025-02", "M")
    assert (points.loc[since, "value"] < points.loc[since, "mean"]).all()
    # police.yaml: September 2025's week of action, above the upper process limit
    assert now.loc["4.9a", "variation"] == "Special cause (high)"
    september = _points(demo, "4.9a").loc[pd.Period("2025-09", "M")]
    assert september["value"] > september["upper_limit"] and september["signal"] == "Beyond a process limit"
    # social_care.yaml: nearly every child offered a return home interview; target 90% below the limits
    assert now.loc["4.11", "assurance"] == "Consistently passes"
    assert _points(demo, "4.11")["lower_limit"].iloc[-1] > 90
    # evolve.yaml: a step down takes two reviews 8 to 12 weeks apart; target 90 days below the limits
    assert (now.loc["4.7", "assurance"], now.loc["4.7", "brag"]) == ("Consistently fails", "Red")
    assert _points(demo, "4.7")["lower_limit"].iloc[-1] > 90
