"""The measure leads' commentary (data/commentary.yaml), quoting figures worked out from the demo data."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from pydantic import AfterValidator, field_validator

from pipeline.config.loading import StrictModel
from pipeline.tools.demo.loading import filled_from, load
from pipeline.tools.demo.shared import QUARTERS, Quarter

FIGURES = ["rhi_offered", "rhi_offered_before", "children_missing", "missing_episodes", "children_missing_3_or_more",
           "children_on_cse_plans", "eh_assessments", "eh_assessments_year_before"]
COMMENTABLE = [q.label for q in QUARTERS[4:]]  # each figure has a quarter before and a year before to compare


class Comment(StrictModel):
    ref: str
    quarter: str
    comment: Annotated[str, AfterValidator(filled_from(FIGURES))]
    author: str

    @field_validator("quarter")
    @classmethod
    def _commentable(cls, quarter: str) -> str:
        if quarter not in COMMENTABLE:
            raise ValueError(f"the quarter must be one of {', '.join(COMMENTABLE)}")
        return quarter


class Commentary(StrictModel):
    comments: list[Comment]


COMMENTS = load("commentary.yaml", Commentary).comments


def _in_quarter(frame: pd.DataFrame, column: str, q: Quarter) -> pd.DataFrame:
    return frame[(frame[column] >= q.start) & (frame[column] <= q.end)]


def _pct(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _rhi_offered(missing: pd.DataFrame, q: Quarter) -> int:
    episodes = _in_quarter(missing, "episode_start", q)
    return _pct((episodes["rhi_offered"] == "Yes").sum(), len(episodes))


def _eh_assessments(monthly: pd.DataFrame, q: Quarter) -> int:
    return int(_in_quarter(monthly, "month", q)["completed_assessments"].sum())


def _figures(i: int, missing: pd.DataFrame, plans: pd.DataFrame, monthly: pd.DataFrame) -> dict[str, int]:
    """The figures for quarter i, by the names the comments use."""
    q = QUARTERS[i]
    episodes = _in_quarter(missing, "episode_start", q)
    per_child = episodes.groupby("child_ref").size()
    ended = plans["plan_end_date"]
    open_end = plans[(plans["plan_start_date"] <= q.end) & (ended.isna() | (ended > q.end))]
    linked = open_end[(open_end["latest_category"] == "Sexual abuse") | (open_end["linked_to_cse"] == "Yes")]
    return {
        "rhi_offered": _rhi_offered(missing, q),
        "rhi_offered_before": _rhi_offered(missing, QUARTERS[i - 1]),
        "children_missing": len(per_child),
        "missing_episodes": len(episodes),
        "children_missing_3_or_more": int((per_child >= 3).sum()),
        "children_on_cse_plans": len(linked),
        "eh_assessments": _eh_assessments(monthly, q),
        "eh_assessments_year_before": _eh_assessments(monthly, QUARTERS[i - 4]),
    }


def commentary(missing: pd.DataFrame, plans: pd.DataFrame, monthly: pd.DataFrame) -> pd.DataFrame:
    """The comments with their figures filled in, so that they agree with the tables."""
    missing = missing[missing["episode_type"].ne("Away")]  # as the contract says, away episodes are not counted
    labels = [q.label for q in QUARTERS]
    figures = {label: _figures(labels.index(label), missing, plans, monthly) for label in {c.quarter for c in COMMENTS}}
    rows = [(c.ref, c.quarter, c.comment.format(**figures[c.quarter]), c.author) for c in COMMENTS]
    return pd.DataFrame(rows, columns=["ref", "quarter", "comment", "author"])
