"""Evolve, the child exploitation team: its cohort, risk assessments, case audits and feedback."""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import AfterValidator, Field, field_validator, model_validator

from pipeline.config.loading import StrictModel
from pipeline.tools.demo.loading import every_key, filled_from, load
from pipeline.tools.demo.shared import (
    NAMES,
    PERIOD_END,
    PERIOD_START,
    QUARTERS,
    random_days,
    random_weekdays,
    stream,
)

CCE_TOOL_FROM = pd.Timestamp("2025-04-01")  # the CCE risk measure is "being developed": recorded from here
LEVELS = ["Low", "Medium", "High"]

Respondent = Literal["Child or young person", "Parent or carer"]
Quote = Annotated[str, AfterValidator(filled_from(["worker", "child", "family"]))]


class Quotes(StrictModel):
    excellent_or_good: list[Quote] = Field(alias="excellent or good", min_length=1)
    fair_or_poor: list[Quote] = Field(alias="fair or poor", min_length=1)


class DaysApart(StrictModel):
    fewest: int = Field(ge=1)
    most: int = Field(ge=1)


class RiskReviews(StrictModel):
    days_apart: DaysApart
    step_down: list[Annotated[float, Field(ge=0, le=1)]] = Field(min_length=1)
    step_up: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _possible(self) -> RiskReviews:
        if self.days_apart.fewest > self.days_apart.most:
            days = self.days_apart
            raise ValueError(f"days_apart: fewest ({days.fewest}) is more than most ({days.most})")
        if max(self.step_down) + self.step_up > 1:
            raise ValueError("a chance of stepping down and the chance of stepping up add up to more than 1")
        return self


class EvolveData(StrictModel):
    quotes: Annotated[dict[Respondent, Quotes], every_key(Respondent)]
    formula_like_quote: Quote
    risk_reviews: RiskReviews

    @field_validator("formula_like_quote")
    @classmethod
    def _looks_like_a_formula(cls, quote: str) -> str:
        if not quote.startswith("="):
            raise ValueError("it must start with '=': it is there to show such a quote is kept as text")
        return quote


DATA = load("evolve.yaml", EvolveData)


def evolve_cohort(refs: list[str]) -> pd.DataFrame:
    """The children Evolve works with: their concern and the date of their first assessment.

    A fifth are the caseload carried into October 2023, first reviewed in its first weeks.
    """
    rng = stream("evolve_cohort")
    n = len(refs)
    carried = n // 5
    first = pd.concat([random_weekdays(rng, PERIOD_START, pd.Timestamp("2023-11-15"), carried),
                       random_weekdays(rng, PERIOD_START, pd.Timestamp("2025-08-29"), n - carried)],
                      ignore_index=True)
    concern = rng.choice(["CSE", "CCE", "CSE and CCE"], n, p=[0.55, 0.30, 0.15])
    return pd.DataFrame({"child_ref": refs, "concern": concern, "first": first})


def _risk_journey(rng: np.random.Generator, start: pd.Timestamp,
                  tool_from: pd.Timestamp | None = None) -> list[tuple[pd.Timestamp, str]]:
    """One child's assessments: reviews days_apart apart (data/evolve.yaml's risk_reviews), each
    stepping the risk down with the chance step_down gives that review at the child's current level
    (the first, the second, ...), or sometimes up. The first assessment on a tool that starts at
    `tool_from` is the first at its level: the new tool's reviews start afresh."""
    reviews = DATA.risk_reviews
    level = int(rng.choice(3, p=[0.1, 0.45, 0.45]))
    day, out, at_level, on_tool = start, [], 0, tool_from is None
    while day <= PERIOD_END and len(out) < 14:
        if not on_tool and day >= tool_from:
            at_level, on_tool = 0, True
        out.append((day, LEVELS[level]))
        if (level == 0 and rng.random() < 0.45) or rng.random() < 0.04:
            break  # closed: safe at low risk, or moved away
        day = day + pd.Timedelta(days=int(rng.integers(reviews.days_apart.fewest, reviews.days_apart.most + 1)))
        down = reviews.step_down[min(at_level, len(reviews.step_down) - 1)]
        draw = rng.random()
        moved = max(level - 1, 0) if draw < down else min(level + 1, 2) if draw < down + reviews.step_up else level
        at_level = 0 if moved != level else at_level + 1
        level = moved
    return out


def evolve_risk(cohort: pd.DataFrame) -> pd.DataFrame:
    """Initial assessments and reviews. CSE throughout; CCE only from April 2025, when its tool started."""
    rng = stream("evolve_risk")
    rows = []
    for child, concern, first in cohort[["child_ref", "concern", "first"]].itertuples(index=False):
        for kind in ("CSE", "CCE"):
            if kind in concern:
                journey = _risk_journey(rng, first, CCE_TOOL_FROM if kind == "CCE" else None)
                rows += [(child, day, kind, level) for day, level in journey]
    frame = pd.DataFrame(rows, columns=["child_ref", "assessment_date", "exploitation_type", "risk_level"])
    frame = frame[(frame["exploitation_type"] == "CSE") | (frame["assessment_date"] >= CCE_TOOL_FROM)]
    return frame.sort_values(["assessment_date", "child_ref", "exploitation_type"]).reset_index(drop=True)


def evolve_audits(risk: pd.DataFrame) -> pd.DataFrame:
    """About 40 case audits a quarter, each on a child open to Evolve at the time; mostly graded Good."""
    rng = stream("evolve_audits")
    spans = risk.groupby("child_ref")["assessment_date"].agg(["min", "max"])
    refs = spans.index.to_numpy()
    first, last = spans["min"].to_numpy(), (spans["max"] + pd.Timedelta(days=42)).to_numpy()
    parts = []
    for q in QUARTERS:
        dates = random_weekdays(rng, q.start, q.end, int(rng.integers(36, 45))).sort_values().to_numpy()
        open_now = (first[None, :] <= dates[:, None]) & (dates[:, None] <= last[None, :])
        chosen = [rng.choice(refs[row] if row.any() else refs) for row in open_now]
        parts.append(pd.DataFrame({"audit_date": dates, "child_ref": chosen}))
    frame = pd.concat(parts, ignore_index=True)
    frame["grade"] = rng.choice(["Outstanding", "Good", "Requires improvement", "Inadequate"], len(frame),
                                p=[0.06, 0.70, 0.20, 0.04])
    return frame


def _quotes(rng: np.random.Generator, frame: pd.DataFrame) -> list[str | None]:
    """A quote for each piece of feedback, for the rating given, naming the row's own child, worker
    and (first) family member; no quote twice in a quarter, as real feedback never repeats word for
    word (a row past the quotes of its kind that quarter has none: a rating without words)."""
    decks: dict[tuple[object, str, bool], list[str]] = {}
    said: list[str | None] = []
    quarters = frame["feedback_date"].dt.to_period("Q-MAR")
    for quarter, row in zip(quarters, frame.itertuples(index=False)):
        good = row.rating in ("Excellent", "Good")
        key = (quarter, row.respondent, good)
        if key not in decks:  # the quarter's quotes of this kind, in a random order
            quotes = DATA.quotes[row.respondent]
            choices = quotes.excellent_or_good if good else quotes.fair_or_poor
            decks[key] = [choices[i] for i in rng.permutation(len(choices))]
        family = row.family_names.split(", ")[0] if isinstance(row.family_names, str) else ""
        deck = decks[key]
        said.append(deck.pop().format(worker=row.worker_name, child=row.child_name, family=family) if deck else None)
    return said


def evolve_feedback() -> pd.DataFrame:
    """10-20 pieces of feedback a quarter, mostly Excellent or Good, with names for redaction tests."""
    rng = stream("evolve_feedback")
    parts = [random_days(rng, q.start, q.end, int(rng.integers(10, 21))) for q in QUARTERS]
    frame = pd.DataFrame({"feedback_date": pd.concat(parts).sort_values().to_numpy()})
    n = len(frame)
    frame["respondent"] = rng.choice(["Child or young person", "Parent or carer"], n, p=[0.45, 0.55])
    frame["rating"] = rng.choice(["Excellent", "Good", "Fair", "Poor"], n, p=[0.52, 0.35, 0.10, 0.03])
    frame["child_name"] = rng.choice(NAMES.children, n)
    frame["worker_name"] = rng.choice(NAMES.workers, n)
    family = [", ".join(rng.choice(NAMES.family_members, int(rng.integers(1, 3)), replace=False)) for _ in range(n)]
    frame["family_names"] = np.where(frame["respondent"] == "Parent or carer", family, None)
    frame["quote"] = _quotes(rng, frame)
    frame.loc[rng.random(n) < 0.05, "quote"] = None  # a rating without words
    injected = frame.index[frame["feedback_date"] >= QUARTERS[6].start][2]  # early in Q1 2025/26
    formula_like = DATA.formula_like_quote.format(worker=frame.at[injected, "worker_name"])
    frame.loc[injected, ["rating", "quote"]] = ["Excellent", formula_like]
    frame["share_quote"] = rng.choice(["Yes", "No", None], n, p=[0.85, 0.07, 0.08])
    return frame[["feedback_date", "respondent", "rating", "quote", "child_name", "family_names", "worker_name",
                  "share_quote"]]
