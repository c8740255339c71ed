"""Children's social care: referrals, strategy meetings, child protection plans, complex abuse, missing episodes."""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import AfterValidator, Field, field_validator

from pipeline.config.loading import StrictModel
from pipeline.tools.demo.loading import Shares, SharesOrBlank, every_key, load
from pipeline.tools.demo.shared import PERIOD_END, PERIOD_START, QUARTERS, Month, pick, random_weekdays, stream

Indicator = Literal["CSE", "CCE"]
Share = Annotated[float, Field(ge=0, le=1)]


def _from_the_start(shares: dict[str, float]) -> dict[str, float]:
    """Shares from a month on: the first from the period's first month, the rest in month order."""
    months = list(shares)
    if not months or months[0] != f"{PERIOD_START:%Y-%m}":
        raise ValueError(f"the first share must be from {PERIOD_START:%Y-%m}, the period's first month")
    if months != sorted(months):
        raise ValueError("the months must be in order")
    return shares


class SocialCareData(StrictModel):
    referral_sources: Shares
    cp_categories: Shares
    complex_abuse_decisions: SharesOrBlank
    indicators: Annotated[dict[Indicator, Annotated[dict[Month, Share], AfterValidator(_from_the_start)]],
                          every_key(Indicator)]
    rhi_offered: dict[str, Share]

    @field_validator("rhi_offered")
    @classmethod
    def _every_quarter(cls, rates: dict[str, float]) -> dict[str, float]:
        labels = [q.label for q in QUARTERS]
        if list(rates) != labels:
            raise ValueError(f"give one share for each quarter, {labels[0]} to {labels[-1]}, in order")
        return rates


DATA = load("social_care.yaml", SocialCareData)


def csc_referrals(refs: list[str]) -> pd.DataFrame:
    """900-1100 referrals a quarter; CSE an indicator on about 3% (fewer since February 2025), CCE on about 2.5%."""
    rng = stream("csc_referrals")
    days = pd.date_range(PERIOD_START, PERIOD_END)
    weight = np.where(days.day_of_week < 5, 1.0, 0.25)  # fewer referrals arrive at weekends
    parts = []
    for q in QUARTERS:
        inside = (days >= q.start) & (days <= q.end)
        parts.append(rng.choice(days[inside], int(rng.integers(900, 1101)), p=weight[inside] / weight[inside].sum()))
    frame = pd.DataFrame({"referral_date": np.sort(np.concatenate(parts))})
    n = len(frame)
    frame.insert(0, "referral_ref", [f"R{x}" for x in 4_100_000 + np.cumsum(rng.integers(1, 6, n))])
    frame.insert(1, "child_ref", rng.choice(refs, n))
    frame["referral_source"] = pick(rng, DATA.referral_sources, n)
    for kind in ("CSE", "CCE"):
        frame[f"{kind.lower()}_indicator"] = np.where(rng.random(n) < _share_on(frame["referral_date"], kind), "Y", "N")
    return frame


def _share_on(days: pd.Series, kind: str) -> np.ndarray:
    """The share of referrals recorded with the indicator on each day (the data file's, from a month on)."""
    shares = DATA.indicators[kind]
    starts = pd.DatetimeIndex([pd.Timestamp(month) for month in shares])
    return np.array(list(shares.values()))[starts.searchsorted(days, side="right") - 1]


def csc_strategy(cohort: pd.DataFrame, refs: list[str]) -> pd.DataFrame:
    """15-30 strategy meetings a quarter for each of CSE and CCE; about 40% progress to S47."""
    rng = stream("csc_strategy")
    parts = []
    for q in QUARTERS:
        for kind in ("CSE", "CCE"):
            known = cohort.loc[cohort["concern"].str.contains(kind), "child_ref"].to_numpy()
            pool = np.concatenate([known, refs])
            n = int(rng.integers(15, 31))
            parts.append(pd.DataFrame({"child_ref": rng.choice(pool, n, replace=False),
                                       "meeting_date": random_weekdays(rng, q.start, q.end, n).to_numpy(),
                                       "exploitation_type": kind}))
    frame = pd.concat(parts, ignore_index=True).sort_values(["meeting_date", "exploitation_type"], kind="stable")
    frame["progressed_to_s47"] = np.where(rng.random(len(frame)) < 0.4, "Yes", "No")
    return frame.reset_index(drop=True)


def csc_cp_plans(refs: list[str]) -> pd.DataFrame:
    """About 300 child protection plans started in the period; those still open have no end date."""
    rng = stream("csc_cp_plans")
    n = 300
    start = random_weekdays(rng, PERIOD_START, PERIOD_END - pd.Timedelta(days=7), n)
    start = start.sort_values().reset_index(drop=True)
    length = np.clip(rng.lognormal(np.log(260), 0.5, n), 35, 720).round().astype(int)
    end = start + pd.to_timedelta(length, unit="D")
    category = pick(rng, DATA.cp_categories, n)
    cse = np.where(category == "Sexual abuse", rng.random(n) < 0.5, rng.random(n) < 0.10)
    return pd.DataFrame({
        "child_ref": rng.choice(refs, n, replace=False),
        "plan_start_date": start,
        "plan_end_date": end.where(end <= PERIOD_END),
        "latest_category": category,
        "linked_to_cse": np.where(cse, "Yes", "No"),
    })


def csc_complex_abuse() -> pd.DataFrame:
    """0-3 cases considered under the complex abuse procedure a quarter."""
    rng = stream("csc_complex_abuse")
    dates = pd.concat([random_weekdays(rng, q.start, q.end, int(rng.choice(4, p=[0.2, 0.4, 0.3, 0.1])))
                       for q in QUARTERS]).sort_values().reset_index(drop=True)
    year = dates.dt.year
    number = year.groupby(year).cumcount() + 1
    return pd.DataFrame({
        "case_ref": [f"CA-{y}-{k:02d}" for y, k in zip(year, number)],
        "date_considered": dates,
        "decision": pick(rng, DATA.complex_abuse_decisions, len(dates)),
    })


def _quarter_episodes(rng: np.random.Generator, pool: np.ndarray, propensity: np.ndarray, i: int) -> pd.DataFrame:
    """Quarter i's episodes: which children went missing, how often, and after which an interview was offered."""
    q = QUARTERS[i]
    n_children = int(rng.integers(108, 122)) - 2 * i  # the cohort shrinks a little over time
    children = rng.choice(pool, n_children, replace=False, p=propensity / propensity.sum())
    counts = rng.choice([1, 2], n_children, p=[0.65, 0.35])
    frequent = rng.choice(n_children, int(rng.integers(11, 18)), replace=False)
    counts[frequent] = rng.integers(3, 15, len(frequent))  # a few children go missing again and again
    days = pd.date_range(q.start, q.end)
    episodes = pd.concat([pd.DataFrame({"child_ref": child, "episode_start": rng.choice(days, k, replace=False)})
                          for child, k in zip(children, counts)], ignore_index=True)
    kind = rng.choice(["Missing", "Away", None], len(episodes), p=[0.88, 0.08, 0.04])  # blank means Missing
    counted = np.flatnonzero(kind != "Away")  # interviews follow missing episodes, not "away" ones
    offered = np.zeros(len(episodes), dtype=bool)
    offered[rng.permutation(counted)[:round(DATA.rhi_offered[q.label] * len(counted))]] = True
    return episodes.assign(episode_type=kind, rhi_offered=offered)


def csc_missing(cohort: pd.DataFrame, refs: list[str]) -> pd.DataFrame:
    """200-300 missing episodes a quarter from about 100 children, a few of them with 3 or more.

    Return home interviews are offered after a set share of the missing (not "away") episodes
    each quarter, and accepted after most of those offered.
    """
    rng = stream("csc_missing")
    pool = np.concatenate([cohort["child_ref"].to_numpy()[:80], np.asarray(refs[:270])])
    propensity = rng.gamma(1.5, 1.0, len(pool))
    quarters = [_quarter_episodes(rng, pool, propensity, i) for i in range(len(QUARTERS))]
    frame = pd.concat(quarters, ignore_index=True).sort_values(["episode_start", "child_ref"]).reset_index(drop=True)
    n = len(frame)
    length = rng.choice([0, 1, 2, 3, 5], n, p=[0.45, 0.35, 0.10, 0.07, 0.03])
    end = frame["episode_start"] + pd.to_timedelta(length, unit="D")
    still_missing = frame.index >= n - 2  # the last two episodes of the period are still open
    frame["episode_end"] = end.where((end <= PERIOD_END) & ~still_missing)
    accepted = rng.random(n) < 0.8
    frame["rhi_accepted"] = np.where(frame["rhi_offered"], np.where(accepted, "Yes", "No"), None)
    frame["rhi_offered"] = np.where(frame["rhi_offered"], "Yes", "No")
    return frame[["child_ref", "episode_start", "episode_end", "episode_type", "rhi_offered", "rhi_accepted"]]
