"""Privacy: identifiers never repeated, names blanked out of quotes, small numbers suppressed."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import problems as pr
from pipeline.config.catalogue import load_catalogue
from pipeline.config.contract import load_contract
from pipeline.quarters import parse_label
from pipeline.stages.privacy import _published_text, feedback_quotes, publishable, redact, withheld_parts
from tests.conftest import ROOT

CONTRACT = load_contract(ROOT / "schemas" / "sources.yaml")
CATALOGUE = load_catalogue(ROOT / "schemas" / "kpis.yaml", CONTRACT)


def test_a_problem_on_a_personal_column_points_at_the_cell_without_repeating_the_value():
    findings = pd.DataFrame([{"_loc": 0, "_row": 7, "column": "child_ref", "value": "CE104233", "expected": "a value used once only",
                              "check": "unique", "severity": "error", "index": 0}])
    locations = pd.DataFrame([{"loc": 0, "file": "evolve.xlsx", "sheet": "Risk", "table": "evolve_risk",
                               "letters": {"child_ref": "B"}, "headings": {"child_ref": "Child reference"}}])
    located = pr.locate(findings, locations, frozenset({("evolve_risk", "child_ref")}))
    record = located.iloc[0]
    assert (record["cell"], record["value"]) == ("B7", pr.HIDDEN)
    assert "CE104233" not in " ".join(located.astype(str).to_numpy().ravel())
    assert record["message"] == "evolve.xlsx, sheet 'Risk', cell B7 (Child reference) has a value that is not right; expected a value used once only."


@pytest.mark.parametrize(("text", "replacements", "expect"), [
    ("Chris always rang back", [("Chris", "X")], "X always rang back"),
    ("chris and CHRIS", [("Chris", "X")], "X and X"),
    ("Sam's worker helped Sam", [("Sam", "XX")], "XX's worker helped XX"),
    ("Samantha is not Sam", [("Sam", "XX")], "Samantha is not XX"),  # whole words only
    ("Jo Anne and Jo", [("Jo", "Y"), ("Jo Anne", "Y")], "Y and Y"),  # longer names first
    ("At Ashgrove Academy they listened", [("Ashgrove Academy", "****")], "At **** they listened"),
])
def test_redaction(text, replacements, expect):
    assert redact(text, replacements) == expect


def test_feedback_quotes_use_the_records_names_and_the_officers_list_and_respect_consent():
    q2 = parse_label("Q2 2025/26")
    feedback = pd.DataFrame({
        "feedback_date": pd.to_datetime(["2025-07-01", "2025-08-01", "2025-09-01", "2025-04-01"]),
        "respondent": ["Parent or carer", "Child or young person", "Parent or carer", "Parent or carer"],
        "rating": ["Excellent", "Good", "Good", "Good"],
        "quote": ["Chris never gave up on Sam, Jo says so too", "I told Sam's teacher at Ashgrove Academy", "Private", "Old quarter"],
        "child_name": ["Sam", "Sam", None, None], "family_names": ["Jo, Alex", None, None, None],
        "worker_name": ["Chris", None, None, None],
        "share_quote": pd.array([None, True, False, True], dtype="boolean"),
    })
    quotes = feedback_quotes(feedback, q2, ("Ashgrove Academy",))
    assert quotes["quote"].tolist() == ["X never gave up on XX, Y says so too", "I told XX's teacher at ****"]


PERCENT, COUNT, DAYS = "{value}% ({numerator} of {denominator})", "{value}", "{value} days (median of {denominator})"


@pytest.mark.parametrize(("pattern", "unit", "value", "num", "den", "sec", "expect"), [
    (COUNT, "count", 0, None, None, None, ("0", False)),
    (COUNT, "count", 1, None, None, None, ("c", True)),
    (COUNT, "count", 4, None, None, None, ("c", True)),
    (COUNT, "count", 5, None, None, None, ("5", False)),
    (PERCENT, "percent", 50.0, 10, 20, None, ("50.0% (10 of 20)", False)),
    (PERCENT, "percent", 20.0, 2, 10, None, ("c", True)),  # small numerator
    (PERCENT, "percent", 75.0, 3, 4, None, ("c", True)),  # small denominator
    (PERCENT, "percent", 93.0, 40, 43, None, ("c", True)),  # 3 not offered could be worked out
    (PERCENT, "percent", 100.0, 40, 40, None, ("100.0% (40 of 40)", False)),  # nobody left out: nothing small
    (DAYS, "days", 45.0, None, 3, None, ("c", True)),  # a median of three children's durations
    (DAYS, "days", 45.0, None, 13, None, ("45.0 days (median of 13)", False)),
    ("{value} reports, {secondary} linked offences", "count", 12, None, None, 2, ("12 reports, c linked offences", False)),
])
def test_small_numbers_are_suppressed_with_anything_that_would_give_them_away(pattern, unit, value, num, den, sec, expect):
    assert _published_text(pattern, unit, value, num, den, sec) == expect


def _card(values: list[float | None], year_ago: float | None = None,
          **measure: object) -> tuple[pd.DataFrame, pd.DataFrame, list[pd.Period]]:
    """A long scorecard of 4.9a (a count) over four quarters with the figure a year before the
    last, and the figures behind it."""
    q = [parse_label(x) for x in ("Q3 2024/25", "Q4 2024/25", "Q1 2025/26", "Q2 2025/26")]
    figures = pd.DataFrame([{"ref": "4.9a", "quarter": qq, "shown": v, "numerator": None, "denominator": None,
                             "secondary": None} for qq, v in zip([q[0] - 1, *q], [year_ago, *values], strict=True)
                            if v is not None])
    own = {"trend_short": "Down", "trend_long": "Down", "comment": "Fewer arrests", "comment_author": "DCI",
           "notes": "Police 2", "needs_commentary": False, "year_ago": year_ago, "year_ago_withheld": False} | measure
    card = pd.DataFrame([own | {"ref": "4.9a", "quarter": qq, "value": v, "numerator": None, "denominator": None,
                                "secondary": None, "withheld": "", "text": "No data" if v is None else f"{v:.0f}",
                                "detail": "Police 2", "restated": ""} for qq, v in zip(q, values, strict=True)])
    return card, figures, q


def test_the_publishable_scorecard_carries_no_commentary_and_no_hidden_small_numbers():
    card, figures, q = _card([6.0, 3.0, 7.0, 2.0])
    out = publishable(card, figures, q, CATALOGUE)
    assert out["text"].tolist() == ["6", "c", "7", "c"]
    assert out["value"].isna().tolist() == [False, True, False, True]  # nothing left for a chart
    assert out["withheld"].tolist() == ["", "value", "", "value"]  # the Scorecard writes c in their place
    assert (out[["trend_short", "trend_long", "comment", "comment_author", "notes", "detail"]] == "").all(axis=None)
    assert card["text"].tolist() == ["6", "3", "7", "2"]  # the scorecard it was made from is left as it was


def test_a_trend_is_withheld_with_a_figure_it_would_give_away():
    # 3 in the quarter before the reporting one: the short trend (7 against 3) would give it away, the long would not
    card, figures, q = _card([6.0, None, 3.0, 7.0])
    out = publishable(card, figures, q, CATALOGUE)
    assert out["text"].tolist() == ["6", "No data", "c", "7"]
    assert set(out["trend_short"]) == {""} and set(out["trend_long"]) == {"Down"}


def test_the_year_ago_figure_is_withheld_when_small_and_the_long_trend_with_it():
    card, figures, q = _card([6.0, 7.0, 8.0, 9.0], year_ago=3.0)
    out = publishable(card, figures, q, CATALOGUE)
    assert out["year_ago_withheld"].all() and out["year_ago"].isna().all()
    assert set(out["trend_long"]) == {""} and set(out["trend_short"]) == {"Down"}
    shown = publishable(*_card([6.0, 7.0, 8.0, 9.0], year_ago=12.0)[:2], q, CATALOGUE)
    assert not shown["year_ago_withheld"].any() and set(shown["year_ago"]) == {12.0}


@pytest.mark.parametrize(("unit", "value", "num", "den", "sec", "expect"), [
    ("percent", 50.0, 10, 20, None, ()),
    ("percent", 20.0, 2, 10, None, ("value", "numerator", "denominator")),  # the whole share
    ("percent", 93.0, 40, 43, None, ("value", "numerator", "denominator")),  # 3 left out could be worked out
    ("days", 45.0, None, 3, None, ("value", "denominator")),  # the median and its few children
    ("days", 45.0, None, 13, None, ()),
    ("count", 12, None, None, 2, ("secondary",)),  # 12 reports, c linked offences
    ("count", 3, None, None, 20, ("value",)),
])
def test_each_count_behind_a_figure_is_withheld_as_the_text_is(unit, value, num, den, sec, expect):
    assert withheld_parts(unit, value, num, den, sec) == expect
