"""The Summary's key messages (pipeline.stages.messages): given a scorecard and a work plan, the
sentences expected, each written out here in full."""

from __future__ import annotations

import pandas as pd

from pipeline.quarters import parse_label
from pipeline.stages.messages import MESSAGE_COLUMNS, key_messages
from pipeline.stages.rate import rate_actions

Q1, Q2 = parse_label("Q1 2025/26"), parse_label("Q2 2025/26")
QUARTERS = [parse_label("Q3 2024/25"), parse_label("Q4 2024/25"), Q1, Q2]


def measure(ref: str, title: str, q1: dict, q2: dict, lead: str = "Steve Chapman", target: str = "Monitor",
            target_value: float | None = None) -> list[dict]:
    """A measure's rows of a long scorecard for Q1 and Q2 2025/26 (the columns the messages read)."""
    own = {"ref": ref, "title": title, "lead": lead, "target": target, "target_value": target_value}
    blank = {"brag": "Monitor", "variation": "Common cause", "text": "", "reason": "", "restated": ""}
    return [own | blank | {"quarter": Q1} | q1, own | blank | {"quarter": Q2} | q2]


def card(*measures: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([row for rows in measures for row in rows])


def sentences(frame: pd.DataFrame, topic: str) -> list[str]:
    return frame.loc[frame["topic"].eq(topic), "sentence"].tolist()


def test_a_rating_that_changed_is_said_with_both_ratings_figures_target_and_the_lead_of_a_red():
    scorecard = card(
        measure("2.2", "Service user feedback", {"brag": "Green", "text": "93.3% (14 of 15)"},
                {"brag": "Red", "text": "69.2% (9 of 13)"}, lead="Catherine Hall", target="85% (stretch 95%)",
                target_value=85.0),
        measure("4.11", "Return home interviews offered", {"brag": "Green", "text": "95.8% (91 of 95)"},
                {"brag": "Blue", "text": "99.0% (97 of 98)"}, target="90% (stretch 98%)", target_value=90.0),
        measure("4.12", "Audits good or better", {"brag": "Green", "text": "80.0% (8 of 10)"},
                {"brag": "Green", "text": "81.0% (17 of 21)"}, target="70%", target_value=70.0),  # unchanged
        measure("4.8", "Time to step down, CCE", {"brag": "Not yet reported", "text": "Not yet reported"},
                {"brag": "Red", "text": "134.0 days (median of 15)"}, target="90 days", target_value=90.0),
        measure("3.5", "Apps", {"brag": "Not yet reported", "text": "Not yet reported"},
                {"brag": "Monitor", "text": "8"}),  # neither is a BRAG rating
    )
    said = sentences(key_messages(scorecard, QUARTERS), "Ratings changed since Q1 2025/26")
    assert said == [
        "2.2 Service user feedback: Green in Q1 2025/26, Red in Q2 2025/26; from 93.3% (14 of 15) in Q1 2025/26 "
        "to 69.2% (9 of 13) in Q2 2025/26, against a target of 85% (stretch 95%). Lead: Catherine Hall.",
        "4.11 Return home interviews offered: Green in Q1 2025/26, Blue in Q2 2025/26; from 95.8% (91 of 95) in "
        "Q1 2025/26 to 99.0% (97 of 98) in Q2 2025/26, against a target of 90% (stretch 98%).",
        "4.8 Time to step down, CCE: Not yet reported in Q1 2025/26, Red in Q2 2025/26; 134.0 days (median of 15) "
        "in Q2 2025/26, against a target of 90 days. Lead: Steve Chapman.",
    ]


def test_a_new_special_cause_is_said_once_and_a_concern_names_its_lead():
    scorecard = card(
        measure("2.4", "Children on a plan", {"variation": "Common cause", "text": "24", "brag": "Amber"},
                {"variation": "Special cause concern", "text": "26", "brag": "Red"}, lead="Catherine Hall"),
        measure("4.9a", "CSE arrests", {"variation": "Too few points", "text": "8"},
                {"variation": "Special cause (high)", "text": "13"}),
        measure("1.4", "Staff trained", {"variation": "Special cause improvement", "text": "1,716"},
                {"variation": "Special cause improvement", "text": "1,676"}),  # not new
        measure("1.1", "Referrals", {"variation": "Special cause (high)", "text": "30"},
                {"variation": "Special cause concern", "text": "16"}, lead=""),  # another special cause: new
    )
    said = sentences(key_messages(scorecard, QUARTERS), "New signals (special cause variation)")
    assert said == [
        "2.4 Children on a plan: special cause concern at the end of Q2 2025/26 (26 in the quarter); at the end of "
        "Q1 2025/26, common cause. Lead: Catherine Hall.",
        "4.9a CSE arrests: special cause (high) at the end of Q2 2025/26 (13 in the quarter); at the end of "
        "Q1 2025/26, too few months for a reading.",
        "1.1 Referrals: special cause concern at the end of Q2 2025/26 (16 in the quarter); at the end of "
        "Q1 2025/26, special cause (high). Lead: to be confirmed.",
    ]


def test_incomplete_and_restated_figures_are_said_with_what_is_missing_and_both_figures():
    scorecard = card(
        measure("5.2", "Stovewood arrests", {"text": "6"},
                {"brag": "Incomplete", "text": "Incomplete", "reason": "no August 2025"}),
        measure("4.9a", "CSE arrests", {"text": "7", "restated": "Restated: was 6"}, {"text": "13"}),
    )
    messages = key_messages(scorecard, QUARTERS)
    assert list(messages.columns) == MESSAGE_COLUMNS
    assert sentences(messages, "Incomplete figures for Q2 2025/26") == [
        "5.2 Stovewood arrests: not rated, as the returns cover only part of the quarter (no August 2025)."]
    assert sentences(messages, "Restated figures") == [
        "4.9a CSE arrests: the Q1 2025/26 figure is now 7 (restated: was 6)."]
    assert messages["ref"].tolist() == ["5.2", "4.9a"]


def test_an_action_is_said_once_in_the_quarter_its_target_date_passed_unachieved():
    def action(ref: str, target: str, achieved: str | None = None) -> dict:
        return {"objective": 2, "action_ref": ref, "action": f"Action {ref} wording " + "and more " * 12,
                "lead": "Head of Commissioning", "date_commenced": pd.Timestamp("2024-04-01"),
                "target_date": pd.Timestamp(target), "date_achieved": pd.Timestamp(achieved) if achieved else pd.NaT,
                "off_target": False, "stated_brag": None, "remedial_action": None}
    actions = pd.DataFrame([action("2.2", "2025-06-30"),  # overdue since Q1: not new
                            action("2.3", "2025-08-31"),  # became overdue in Q2
                            action("2.4", "2025-09-30", achieved="2025-09-30"),  # achieved on the day
                            action("2.5", "2025-12-31")])  # not due yet
    rated = rate_actions(actions, pd.Timestamp("2025-09-30"))
    quiet = card(measure("4.1", "Strategy meetings", {"text": "23"}, {"text": "23"}))
    said = sentences(key_messages(quiet, QUARTERS, rated), "Actions overdue since Q1 2025/26")
    assert said == ["Action 2.3 (Action 2.3 wording and more and more and more and more and more and more and more "
                    "and ...): its target date, 31/08/2025, passed in Q2 2025/26 and it is not yet achieved. "
                    "Lead: Head of Commissioning."]
    assert key_messages(quiet, QUARTERS, None).empty  # the publishable copy has no work plan


def test_nothing_changed_says_nothing():
    scorecard = card(measure("4.1", "Strategy meetings", {"text": "23"}, {"text": "23"}))
    assert key_messages(scorecard, QUARTERS).empty
