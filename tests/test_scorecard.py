"""The scorecard frame (pipeline.stages.scorecard.assemble): long, one row per measure and quarter
shown, and held to its contract, pipeline.model.Scorecard, as is the publishable copy made from it."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pytest

from pipeline.frames import MEASURE_COLUMNS, SCORECARD_COLUMNS, Scorecard
from pipeline.quarters import parse_label
from pipeline.stages.privacy import publishable
from tests.conftest import demo_scorecard

REPORTING = parse_label("Q2 2025/26")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    demo = demo_scorecard(tmp_path_factory.mktemp("scorecard"))
    return demo.scorecard, demo.rated, demo.quarters, demo.config.catalogue


def test_the_demo_scorecard_keeps_its_contract(built):
    card, rated, quarters, catalogue = built
    Scorecard.validate(card, lazy=True)
    Scorecard.validate(publishable(card, rated, quarters, catalogue), lazy=True)


def test_it_is_long_one_row_per_measure_and_quarter_in_catalogue_order(built):
    card, _, quarters, catalogue = built
    assert list(card.columns) == list(SCORECARD_COLUMNS)
    assert not [c for c in card.columns if c[:1] == "q" and c[1:2].isdigit()]  # no column names a quarter's place
    assert list(zip(card["ref"], card["quarter"])) == [(m.ref, q) for m in catalogue.measures for q in quarters]
    assert card.groupby("ref")[list(MEASURE_COLUMNS)].nunique().le(1).all(axis=None)


def test_each_quarter_carries_its_own_figure_and_rating(built):
    card, rated, quarters, _ = built
    cells = card.set_index(["ref", "quarter"])
    figures = rated.set_index(["ref", "quarter"])
    ok = figures[figures["status"].eq("ok") & figures.index.get_level_values("quarter").isin(quarters)]
    assert len(ok) > 100
    assert cells.loc[ok.index, "value"].tolist() == ok["shown"].tolist()
    assert cells.loc[ok.index, "brag"].tolist() == ok["brag"].tolist()
    now = card[card["quarter"].eq(REPORTING)].set_index("ref")
    assert now.loc[now["brag"].eq("Red"), "needs_commentary"].any()  # 1.4 is Red with no comment in the demo
    assert set(card.loc[card["appendix"], "ref"]) == {"A1", "A2", "A3", "A4"}


def _failures(frame: pd.DataFrame) -> set[str]:
    with pytest.raises(pa.errors.SchemaErrors) as raised:
        Scorecard.validate(frame, lazy=True)
    return {str(check) for check in raised.value.failure_cases["check"]}


@pytest.mark.parametrize(("spoil", "caught"), [
    (lambda card: card.assign(q1_value=card["value"]), "column_in_schema"),  # a wide column is refused
    (lambda card: pd.concat([card, card.iloc[:1]], ignore_index=True), "multiple_fields_uniqueness"),
    (lambda card: card.assign(brag=card["brag"].replace({"Red": "Rouge"})), "isin"),
    (lambda card: card.assign(title=card["title"].mask(card.index == 1, "another title")), "measure_columns_repeat"),
    (lambda card: card.assign(quarter=card["quarter"].astype(str)), "dtype"),
])
def test_a_frame_that_breaks_the_contract_is_caught(built, spoil, caught):
    card = built[0]
    assert any(caught in failure for failure in _failures(spoil(card.copy()))), _failures(spoil(card.copy()))
