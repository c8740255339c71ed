"""Privacy: identifiers never repeated, names blanked out of quotes, small numbers suppressed."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import problems as pr
from pipeline.config.catalogue import load_catalogue
from pipeline.config.contract import load_contract
from pipeline.quarters import parse_label
from pipeline.stages.privacy import _published_text, feedback_quotes, publishable, redact
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


def test_the_publishable_scorecard_carries_no_commentary_and_no_hidden_small_numbers():
    q = [parse_label(x) for x in ("Q3 2024/25", "Q4 2024/25", "Q1 2025/26", "Q2 2025/26")]
    figures = pd.DataFrame([{"ref": "4.9a", "quarter": qq, "shown": v, "numerator": None, "denominator": None,
                             "secondary": None} for qq, v in zip(q, [6.0, 3.0, 7.0, 2.0], strict=True)])
    row = {"ref": "4.9a", "trend_short": "Down", "trend_long": "Down", "comment": "Fewer arrests", "comment_author": "DCI",
           "notes": "", "detail": "", "needs_commentary": False}
    for i, v in enumerate([6.0, 3.0, 7.0, 2.0], start=1):
        row |= {f"q{i}_value": v, f"q{i}_text": f"{v:.0f}", f"q{i}_detail": "", f"q{i}_restated": ""}
    out = publishable(pd.DataFrame([row]), figures, q, CATALOGUE).iloc[0]
    assert [out[f"q{i}_text"] for i in range(1, 5)] == ["6", "c", "7", "c"]
    assert [pd.isna(out[f"q{i}_value"]) for i in range(1, 5)] == [False, True, False, True]  # nothing left for a chart
    assert (out["trend_short"], out["comment"], out["comment_author"]) == ("", "", "")
