"""Ofsted's Annex A export: List 2 (Early Help assessments), List 7 (child protection plans), Lists 1 and 3."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from pipeline.config.loading import StrictModel
from pipeline.tools.demo.loading import Shares, load
from pipeline.tools.demo.shared import NAMES, PERIOD_END, month_end, pick, random_weekdays, stream

ANNEX_A_FROM = pd.Timestamp("2024-10-01")  # Annex A covers the 12 months to the end of the period
LISTS = [f"List {i}" for i in range(1, 12)]


class AnnexAData(StrictModel):
    genders: Shares
    ethnicities: Shares
    organisations: Shares
    teams: list[str] = Field(min_length=1)
    contact_sources: list[str] = Field(min_length=1)
    headings: dict[str, list[str]]

    @field_validator("headings")
    @classmethod
    def _every_list_in_order(cls, headings: dict[str, list[str]]) -> dict[str, list[str]]:
        if list(headings) != LISTS:
            raise ValueError(f"the lists must be {LISTS[0]} to {LISTS[-1]}, in that order")
        return headings


DATA = load("annex_a.yaml", AnnexAData)
HEADINGS = DATA.headings


def _annex_people(rng: np.random.Generator, ids: np.ndarray, min_age: float, max_age: float) -> pd.DataFrame:
    """The five columns every Annex A list opens with: ID, gender, ethnicity, date of birth, age."""
    n = len(ids)
    age = rng.uniform(min_age, max_age, n)
    birth = PERIOD_END - pd.to_timedelta((age * 365.25).round(), unit="D")
    return pd.DataFrame({
        "Child Unique ID": ids,
        "Gender": pick(rng, DATA.genders, n),
        "Ethnicity": pick(rng, DATA.ethnicities, n),
        "Date of Birth": birth,
        "Age": ((PERIOD_END - birth).days / 365.25).round(2),
    })


def annex_list2(monthly: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    """Annex A List 2 for Oct 2024 - Sep 2025: each month's completions equal the monthly counts.

    A few assessments started in September are still in progress (no completion date).
    """
    rng = stream("annex_list2")
    months = monthly[monthly["month"] >= ANNEX_A_FROM]
    completed = pd.concat([random_weekdays(rng, m, month_end(m), count) for m, count in
                           months[["month", "completed_assessments"]].itertuples(index=False)]).to_numpy()
    since = (pd.DatetimeIndex(completed) - ANNEX_A_FROM).days.to_numpy()
    took = np.floor(rng.random(len(completed)) * (np.minimum(45, since) + 1)).astype(int)
    open_starts = random_weekdays(rng, pd.Timestamp("2025-09-01"), PERIOD_END, 14).to_numpy()
    frame = pd.DataFrame({
        "Assessment start date": np.concatenate([completed - took.astype("timedelta64[D]"), open_starts]),
        "Assessment completion date": np.concatenate([completed, np.full(len(open_starts), np.datetime64("NaT"))]),
    }).sort_values(["Assessment start date", "Assessment completion date"]).reset_index(drop=True)
    people = _annex_people(rng, ids[:len(frame)], 1.2, 17.9)  # all born before the year began
    frame["Organisation completing assessment"] = pick(rng, DATA.organisations, len(frame))
    return pd.concat([people, frame], axis=1)[HEADINGS["List 2"]]


def _worker(rng: np.random.Generator, n: int) -> list[str]:
    """Allocated workers as the export writes them: first name, non-breaking space, initial."""
    letters = list(NAMES.initials)
    return [f"{w}\u00a0{rng.choice(letters)}." for w in rng.choice(NAMES.workers, n)]


def annex_list7(plans: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    """Annex A List 7: the same plans as the social care sheet, those open at any time Oct 2024 - Sep 2025.

    The export has no CSE flag, so "Multiple" is spelt the DfE way and a few cells hold "#N/A" text.
    """
    rng = stream("annex_list7")
    open_in_year = plans["plan_end_date"].isna() | (plans["plan_end_date"] >= ANNEX_A_FROM)
    chosen = plans[open_in_year].reset_index(drop=True)
    n = len(chosen)
    out = _annex_people(rng, ids[:n], 0.5, 17.5)
    start, end = chosen["plan_start_date"], chosen["plan_end_date"]
    older = (chosen["latest_category"] == "Sexual abuse") | (chosen["linked_to_cse"] == "Yes")
    age_at_start = np.where(older, rng.uniform(12, 17.5, n), rng.uniform(0.2, 16, n))
    birth = start - pd.to_timedelta((age_at_start * 365.25).round(), unit="D")
    out["Date of Birth"] = birth
    out["Age"] = ((PERIOD_END - birth).dt.days / 365.25).round(2)
    out.loc[older, "Gender"] = rng.choice(["a) Male", "b) Female"], int(older.sum()), p=[0.2, 0.8])
    out["Does the Child have a Disability"] = rng.choice(["a) Yes", "b) No"], n, p=[0.08, 0.92])
    out["Child Protection Plan Start Date"] = start
    latest = chosen["latest_category"].replace({"Multiple": "Multiple/not recommended"})
    changed = rng.random(n) < 0.15
    out["Initial Category of Abuse"] = latest.where(~changed, rng.choice(["Neglect", "Emotional abuse"], n))
    out["Latest Category of Abuse"] = latest
    last_day = end.fillna(PERIOD_END)
    lived = (last_day - start).dt.days.to_numpy()
    out["Date of the Last Statutory Visit"] = last_day - pd.to_timedelta(
        np.floor(rng.random(n) * np.minimum(lived, 10)), unit="D")
    out["Was the Child Seen Alone?"] = rng.choice(["a) Yes", "b) No"], n, p=[0.7, 0.3])
    reviews = lived // 91  # a review conference three months in, then every six months
    review_at = np.where(reviews >= 1, 91 + 182 * ((lived - 91) // 182).clip(min=0), 0)
    out["Date of latest review conference"] = (start + pd.to_timedelta(review_at, unit="D")).where(reviews >= 1)
    out["Child Protection Plan End Date"] = end
    out["Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)"] = (
        rng.choice(["a) Yes", "b) No"], n, p=[0.04, 0.96]))
    out["Number of Previous Child Protection Plans"] = rng.choice(3, n, p=[0.7, 0.22, 0.08])
    out["Allocated Team"] = rng.choice(DATA.teams, n)
    out["Allocated Worker"] = _worker(rng, n)
    missing_team = rng.choice(n, 3, replace=False)
    out.loc[missing_team, ["Allocated Team", "Allocated Worker"]] = "#N/A"
    return out[HEADINGS["List 7"]]


def annex_list1(ids: np.ndarray) -> pd.DataFrame:
    """A few contacts, so that List 1 looks like a real export rather than an empty shell."""
    rng = stream("annex_list1")
    n = len(ids)
    out = _annex_people(rng, ids, 0.5, 17.5)
    out["Date of Contact"] = random_weekdays(rng, pd.Timestamp("2025-09-22"), PERIOD_END, n).sort_values().to_numpy()
    out["Contact Source"] = rng.choice(DATA.contact_sources, n)
    return out[HEADINGS["List 1"]]


def annex_list3(ids: np.ndarray) -> pd.DataFrame:
    """A few referrals for List 3."""
    rng = stream("annex_list3")
    n = len(ids)
    out = _annex_people(rng, ids, 0.5, 17.5)
    out["Date of Referral"] = random_weekdays(rng, pd.Timestamp("2025-09-22"), PERIOD_END, n).sort_values().to_numpy()
    out["Referral Source"] = rng.choice(DATA.contact_sources, n)
    out["Referral NFA?"] = rng.choice(["No", "Yes"], n, p=[0.8, 0.2])
    out["Number of Referrals in Last 12 Months"] = rng.choice(3, n, p=[0.6, 0.3, 0.1])
    out["Allocated Team"] = "Multi Agency Safeguarding Hub"
    out["Allocated Worker"] = _worker(rng, n)
    return out[HEADINGS["List 3"]]
