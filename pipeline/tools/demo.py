"""A complete, clearly fictional set of agency returns, for demonstrations and tests.

`write_demo_inputs(folder)` writes the files a performance officer would find in the
inputs folder at the end of Q2 2025/26: one workbook (or CSV) per agency, shaped the way
each agency really sends it (title rows above police extracts, a cp1252 CSV from children's
social care, an Ofsted Annex A export from Early Help, upper-case headings on a hand-made
partnership sheet). Every value passes the input contract (schemas/sources.yaml), whose
headings are used so that the demo cannot drift from what the pipeline reads.

Nothing here is real: children are references such as CE104233, workers and family members
are first names from a fixed list, and work plan leads are roles. The data covers the eight
quarters Q3 2023/24 to Q2 2025/26 (1 Oct 2023 to 30 Sep 2025).

The output is deterministic: every table draws from its own random stream (a fixed seed plus
the table's name), and workbooks carry a fixed creation date, so every run writes the same
bytes.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from types import TracebackType

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pipeline.config.contract import Contract, load_contract
from pipeline.paths import default_schemas

SEED = 20251006
PERIOD_START = pd.Timestamp("2023-10-01")
PERIOD_END = pd.Timestamp("2025-09-30")
CCE_TOOL_FROM = pd.Timestamp("2025-04-01")  # the CCE risk measure is "being developed": recorded from here
APPS_FROM = pd.Timestamp("2025-01-01")  # SYP app data is "being explored": the last three quarters only
ANNEX_A_FROM = pd.Timestamp("2024-10-01")  # Annex A covers the 12 months to the end of the period
CREATED = datetime(2025, 10, 6, 9, 0, 0)  # fixed workbook creation date: same bytes every run

DATE_FORMAT = "dd/mm/yyyy"
MONTH_FORMAT = "mmm-yy"
ANNEX_DATE_FORMAT = 14  # Excel's built-in short date, as the real Annex A export uses
FICTION_NOTE = "Fictional demonstration data. No real child, family member or worker is named."

POLICE_TITLE = "South Yorkshire Police - Rotherham district: child exploitation data, extracted 06/10/2025"

FILES = {
    "police": "SYP child exploitation data Q2 2025-26.xlsx",
    "evolve": "Evolve CE data Q2 2025-26.xlsx",
    "referrals": "CSC referrals extract.csv",
    "social_care": "CSC exploitation data Q2 2025-26.xlsx",
    "early_help": "Early Help completed assessments Oct 2023 - Sep 2025.xlsx",
    "annex_a": "Annex A 2025.xlsx",
    "partnership": "Partnership return \u2013 Q2 2025-26.xlsx",
    "workplan": "CEDG work plan action log Sep 2025.xlsx",
    "commentary": "Scorecard commentary Q2 2025-26.xlsx",
}

# Made-up first names, used only in the "(for redaction only)" columns and in the quotes.
# None is a first name of anyone named in the seed documents.
WORKER_NAMES = ["Chris", "Jo", "Robin", "Kerry", "Dale", "Shona", "Priya", "Marcus", "Leanne", "Imran", "Gemma",
                "Tariq"]
CHILD_NAMES = ["Kayla", "Tyler", "Jade", "Reece", "Mia", "Callum", "Leah", "Bradley", "Skye", "Kian", "Demi",
               "Ellis", "Ruby", "Zain", "Paige", "Connor"]
FAMILY_NAMES = ["Donna", "Lisa", "Wayne", "Nadia", "Gary", "Tracey", "Asif", "Michelle", "Darren", "Yasmin"]

# The real Annex A headings, exactly as the Ofsted sample export has them (List 10 keeps its trailing space).
ANNEX_A_HEADINGS: dict[str, list[str]] = {
    "List 1": ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age", "Date of Contact", "Contact Source"],
    "List 2": ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age", "Assessment start date",
               "Assessment completion date", "Organisation completing assessment"],
    "List 3": ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age", "Date of Referral", "Referral Source",
               "Referral NFA?", "Number of Referrals in Last 12 Months", "Allocated Team", "Allocated Worker"],
    "List 4": ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age", "Does the Child have a Disability",
               "Continuous Assessment Start Date", "Child Seen During Continuous Assessment",
               "Continuous Assessment Date of Authorisation",
               "Was the child assessed as requiring LA children's social care support?", "Allocated Team",
               "Allocated Worker"],
    "List 5": ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age", "Does the Child have a Disability",
               "Strategy discussion initiating Section 47 Enquiry Start Date",
               "Was an Initial Child Protection Conference deemed unnecessary?",
               "Date of Initial Child Protection Conference",
               "Did the Initial Child Protection Conference Result in a Child Protection Plan",
               "Number of Section 47 Enquiries in the last 12 months", "Number of ICPCs in the last 12 months",
               "Allocated Team", "Allocated Worker"],
    "List 6": ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age", "Does the Child have a Disability",
               "CIN Start Date", "Primary Need Code", "Date Child Was Last Seen", "CIN Closure Date",
               "Reason for Closure", "Case Status", "Allocated Team", "Allocated Worker"],
    "List 7": ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age", "Does the Child have a Disability",
               "Child Protection Plan Start Date", "Initial Category of Abuse", "Latest Category of Abuse",
               "Date of the Last Statutory Visit", "Was the Child Seen Alone?", "Date of latest review conference",
               "Child Protection Plan End Date",
               "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)",
               "Number of Previous Child Protection Plans", "Allocated Team", "Allocated Worker"],
    "List 8": ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age",
               "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N))",
               "Does the Child have a Disability", "Date Started to be Looked After", "Child's Category of Need",
               "Is this a second or subsequent period of being a Looked After Child within the last 12 months (Y/N)",
               "Start date of current legal status", "Child's Legal Status", "Date of Latest Statutory Review",
               "Date of Last Social Work Visit", "What is the permanence plan for this child?",
               "Date of Last IRO Visit / Contact to the Child", "Date of Last Health Assessment",
               "Date of Last Dental Check", "Number of Placements in the Last 12 months",
               "Date Ceased to be Looked After", "Reason Ceased to be Looked After",
               "Start Date of Most Recent Placement", "Placement Type", "Placement Provider", "Placement postcode",
               "URN of Placement", "Placement Location", "LA of Placement",
               "Number of Episodes the Child has been \u2018Missing\u2019 from their Placement in the last 12 months",
               "Number of Episodes the Child has been \u2018Absent\u2019 from their Placement in the last 12 months",
               "Was the child offered a Return Interview after their last missing episode (Y/N)?",
               "Did the child accept a Return Interview after their last missing episode (Y/N)?",
               "Allocated Team", "Allocated Worker"],
    "List 9": ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age", "Does the Child have a Disability",
               "Allocated Team", "Allocated Worker", "Eligibility Category", "LA in Touch", "Type of Accommodation",
               "Suitability of Accommodation", "Activity Status"],
    "List 10": ["Child Unique ID", "Family identifier", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
                "Does the Child have a Disability", "Date the Child Entered Care",
                "Date of Decision that Child Should be Placed for Adoption", "Date of Placement Order",
                "Date of Matching Child and Prospective Adopters", "Date Placed for Adoption",
                "Date of Adoption Order ", "Date of Decision that Child Should No Longer be Placed for Adoption",
                "Reason Why Child No Longer Placed for Adoption",
                "Date the child was placed for fostering in FFA or concurrent planning placement"],
    "List 11": ["Individual adopter identifier", "Family identifier", "Gender", "Ethnicity", "Disability",
                "Is the (prospective) adopter fostering for adoption?", "Date enquiry received",
                "Date Stage 1 started", "Date Stage 1 ended", "Date Stage 2 started", "Date Stage 2 ended",
                "Date application submitted", "Date application approved", "Date adopter matched with child(ren)",
                "Date child/children placed with adopter(s)", "No. of children placed", "Date of Adoption Order",
                "Date of leaving adoption process", "Reason for leaving adoption process"],
}

GENDERS = (["a) Male", "b) Female", "c) Not stated/recorded", "Female"], [0.49, 0.48, 0.02, 0.01])
ETHNICITIES = (["a) WBRI", "k) APKN", "d) WOTH", "e) WROM", "f) MWBC", "r) OOTH", "o) BAFR", "l) ABAN", "s) NOBT"],
               [0.78, 0.07, 0.03, 0.02, 0.02, 0.02, 0.01, 0.01, 0.04])


# --------------------------------------------------------------------------- calendar and randomness

@dataclass(frozen=True)
class Quarter:
    """A UK financial-year quarter (Q1 = Apr-Jun), labelled as the scorecard labels it."""

    label: str  # e.g. "Q3 2023/24"
    start: pd.Timestamp
    end: pd.Timestamp


def _quarters() -> list[Quarter]:
    """The eight quarters of the period, oldest first."""
    out = []
    for i in range(8):
        start = PERIOD_START + pd.DateOffset(months=3 * i)
        end = start + pd.DateOffset(months=3) - pd.Timedelta(days=1)
        number = {4: 1, 7: 2, 10: 3, 1: 4}[start.month]
        first_year = start.year if start.month >= 4 else start.year - 1
        out.append(Quarter(f"Q{number} {first_year}/{(first_year + 1) % 100:02d}", start, end))
    return out


QUARTERS = _quarters()
MONTHS = pd.date_range(PERIOD_START, PERIOD_END, freq="MS")


def _rng(name: str) -> np.random.Generator:
    """A random stream per table, so that changing one table never reshuffles another."""
    return np.random.default_rng([SEED, zlib.crc32(name.encode())])


def _days(rng: np.random.Generator, start: pd.Timestamp, end: pd.Timestamp, n: int) -> pd.Series:
    """n random calendar days from start to end inclusive."""
    offsets = rng.integers(0, (end - start).days + 1, n)
    return pd.Series(start + pd.to_timedelta(offsets, unit="D"))


def _weekdays(rng: np.random.Generator, start: pd.Timestamp, end: pd.Timestamp, n: int) -> pd.Series:
    """n random working days (meetings, audits and assessments happen on weekdays)."""
    return pd.Series(rng.choice(pd.bdate_range(start, end), n))


def _month_end(month: pd.Timestamp) -> pd.Timestamp:
    return month + pd.offsets.MonthEnd(0)


def _progress(day: pd.Timestamp) -> float:
    """0 at the start of the period, 1 at its end: for gentle trends."""
    return (day - PERIOD_START).days / (PERIOD_END - PERIOD_START).days


def _unique_numbers(rng: np.random.Generator, low: int, high: int, n: int) -> np.ndarray:
    """n distinct whole numbers in [low, high)."""
    return rng.choice(high - low, n, replace=False) + low


def child_refs(n: int) -> list[str]:
    """Distinct child references "CE" + six digits: easy to find in a text scan for leaks."""
    return [f"CE{x}" for x in _unique_numbers(_rng("children"), 100_000, 1_000_000, n)]


@cache
def _contract() -> Contract:
    return load_contract(default_schemas() / "sources.yaml")


def _headed(frame: pd.DataFrame, table: str, rename: dict[str, str] | None = None) -> pd.DataFrame:
    """Contract column names -> the contract's headings (or a given alias); other columns kept as they are."""
    columns = _contract().tables[table].columns
    names = {c: columns[c].header for c in frame.columns if c in columns}
    names.update(rename or {})
    return frame.rename(columns=names)


# --------------------------------------------------------------------------- police

def police_intelligence() -> pd.DataFrame:
    """120-180 intelligence reports a quarter, CSE and CCE mixed (supporting charts A2, A3)."""
    rng = _rng("police_intelligence")
    dates = pd.concat([_days(rng, q.start, q.end, int(rng.integers(120, 181))) for q in QUARTERS])
    frame = pd.DataFrame({"report_date": dates.sort_values().to_numpy()})
    n = len(frame)
    frame["exploitation_type"] = rng.choice(["CSE", "CCE"], n, p=[0.44, 0.56])
    frame["linked_offences"] = rng.choice(5, n, p=[0.42, 0.27, 0.16, 0.10, 0.05])
    year = frame["report_date"].dt.year % 100
    serial = pd.Series(rng.integers(3, 40, n)).groupby(year.to_numpy()).cumsum() + 1_000
    frame.insert(0, "report_ref", [f"INT/{y:02d}/{s:06d}" for y, s in zip(year, serial)])
    return frame


# Home Office outcome types 1-22 (19 is no longer used); about a quarter end in 1-8 (charge, caution...).
OUTCOME_WEIGHTS = {1: 14, 2: 1, 3: 3, 4: 0.5, 5: 0.5, 6: 1, 7: 0.2, 8: 2, 9: 1, 10: 1, 11: 0.5, 12: 0.5, 13: 0.5,
                   14: 20, 15: 18, 16: 15, 17: 0.5, 18: 8, 20: 3, 21: 3, 22: 2}


def police_crimes() -> pd.DataFrame:
    """40-70 crimes a quarter; older crimes mostly have an outcome, recent ones are often still open."""
    rng = _rng("police_crimes")
    dates = pd.concat([_days(rng, q.start, q.end, int(rng.integers(40, 71))) for q in QUARTERS])
    frame = pd.DataFrame({"recorded_date": dates.sort_values().to_numpy()})
    n = len(frame)
    frame["exploitation_type"] = rng.choice(["CSE", "CCE"], n, p=[0.45, 0.55])
    types = np.array(list(OUTCOME_WEIGHTS))
    weights = np.array(list(OUTCOME_WEIGHTS.values()))
    outcome = rng.choice(types, n, p=weights / weights.sum())
    delay = np.maximum(1, rng.lognormal(np.log(110), 0.8, n).round()).astype(int)
    outcome_date = frame["recorded_date"] + pd.to_timedelta(delay, unit="D")
    closed = (outcome_date <= PERIOD_END).to_numpy() & (rng.random(n) > 0.04)
    frame["outcome_type"] = pd.Series(outcome).where(closed).astype("Int64")
    frame["outcome_date"] = outcome_date.where(closed)
    year = frame["recorded_date"].dt.year % 100
    serial = pd.Series(rng.integers(40, 900, n)).groupby(year.to_numpy()).cumsum() + 100_000
    frame.insert(0, "crime_ref", [f"14/{s:06d}/{y:02d}" for y, s in zip(year, serial)])
    return frame


def police_disruption() -> pd.DataFrame:
    """Monthly arrests, prosecutions, convictions, abduction notices and orders: small counts."""
    rng = _rng("police_disruption")
    n = len(MONTHS)
    means = {"cse_arrests": 2.5, "cce_arrests": 4.5, "cse_prosecutions": 1.2, "cce_prosecutions": 2.2,
             "cse_convictions": 0.8, "cce_convictions": 1.4, "abduction_notices": 1.5, "disruptive_orders": 0.7}
    frame = pd.DataFrame({"month": MONTHS})
    for column, mean in means.items():
        frame[column] = np.minimum(rng.poisson(mean, n), 10)
    return frame


APPS = {"Snapchat": 0.24, "Instagram": 0.16, "WhatsApp": 0.15, "TikTok": 0.13, "Telegram": 0.10,
        "Facebook Messenger": 0.08, "Discord": 0.06, "Signal": 0.04, "X (Twitter)": 0.02, "Roblox": 0.02}
APP_CSE_SHARE = {"Snapchat": 0.7, "Instagram": 0.7, "TikTok": 0.7, "Discord": 0.6, "Roblox": 0.9,
                 "WhatsApp": 0.3, "Telegram": 0.2, "Signal": 0.2, "Facebook Messenger": 0.5, "X (Twitter)": 0.5}


def police_apps() -> pd.DataFrame:
    """4-8 apps a month from January 2025 (the measure is "being explored"), CSE and/or CCE per app."""
    rng = _rng("police_apps")
    rows = []
    for month in MONTHS[MONTHS >= APPS_FROM]:
        chosen = rng.choice(list(APPS), int(rng.integers(4, 9)), replace=False, p=list(APPS.values()))
        for app in sorted(chosen):
            share = APP_CSE_SHARE[app]
            kinds = ["CSE", "CCE"] if rng.random() < 0.3 else [("CSE" if rng.random() < share else "CCE")]
            for kind in kinds:
                rows.append({"month": month, "app_name": app, "exploitation_type": kind,
                             "reports": int(rng.integers(1, 13))})
    return pd.DataFrame(rows)


def stovewood() -> pd.DataFrame:
    """Operation Stovewood's monthly counts: sub-operations 0-2, arrests 0-6, prosecutions 0-4, convictions 0-3."""
    rng = _rng("stovewood")
    n = len(MONTHS)
    return pd.DataFrame({
        "month": MONTHS,
        "sub_operations": rng.choice(3, n, p=[0.6, 0.3, 0.1]),
        "arrests": np.minimum(rng.poisson(2.0, n), 6),
        "prosecutions": np.minimum(rng.poisson(1.2, n), 4),
        "convictions": np.minimum(rng.poisson(0.8, n), 3),
    })


# --------------------------------------------------------------------------- Evolve

LEVELS = ["Low", "Medium", "High"]


def evolve_cohort(refs: list[str]) -> pd.DataFrame:
    """The children Evolve works with: their concern and the date of their first assessment.

    A fifth are the caseload carried into October 2023, first reviewed in its first weeks.
    """
    rng = _rng("evolve_cohort")
    n = len(refs)
    carried = n // 5
    first = pd.concat([_weekdays(rng, PERIOD_START, pd.Timestamp("2023-11-15"), carried),
                       _weekdays(rng, PERIOD_START, pd.Timestamp("2025-08-29"), n - carried)], ignore_index=True)
    concern = rng.choice(["CSE", "CCE", "CSE and CCE"], n, p=[0.55, 0.30, 0.15])
    return pd.DataFrame({"child_ref": refs, "concern": concern, "first": first})


def _risk_journey(rng: np.random.Generator, start: pd.Timestamp) -> list[tuple[pd.Timestamp, str]]:
    """One child's assessments: reviews every 6-12 weeks, usually stepping down, sometimes up.

    Stepping down gets a little likelier over the period, so the time to step down falls.
    """
    level = int(rng.choice(3, p=[0.1, 0.45, 0.45]))
    day, out = start, []
    while day <= PERIOD_END and len(out) < 14:
        out.append((day, LEVELS[level]))
        if (level == 0 and rng.random() < 0.45) or rng.random() < 0.04:
            break  # closed: safe at low risk, or moved away
        day = day + pd.Timedelta(days=int(rng.integers(42, 85)))
        down = 0.28 + 0.14 * _progress(day)
        draw = rng.random()
        if draw < down:
            level = max(level - 1, 0)
        elif draw < down + 0.06:
            level = min(level + 1, 2)
    return out


def evolve_risk(cohort: pd.DataFrame) -> pd.DataFrame:
    """Initial assessments and reviews. CSE throughout; CCE only from April 2025, when its tool started."""
    rng = _rng("evolve_risk")
    rows = []
    for child, concern, first in cohort[["child_ref", "concern", "first"]].itertuples(index=False):
        for kind in ("CSE", "CCE"):
            if kind in concern:
                rows += [(child, day, kind, level) for day, level in _risk_journey(rng, first)]
    frame = pd.DataFrame(rows, columns=["child_ref", "assessment_date", "exploitation_type", "risk_level"])
    frame = frame[(frame["exploitation_type"] == "CSE") | (frame["assessment_date"] >= CCE_TOOL_FROM)]
    return frame.sort_values(["assessment_date", "child_ref", "exploitation_type"]).reset_index(drop=True)


def evolve_audits(risk: pd.DataFrame) -> pd.DataFrame:
    """About 40 case audits a quarter, each on a child open to Evolve at the time; mostly graded Good."""
    rng = _rng("evolve_audits")
    spans = risk.groupby("child_ref")["assessment_date"].agg(["min", "max"])
    refs = spans.index.to_numpy()
    first, last = spans["min"].to_numpy(), (spans["max"] + pd.Timedelta(days=42)).to_numpy()
    parts = []
    for q in QUARTERS:
        dates = _weekdays(rng, q.start, q.end, int(rng.integers(36, 45))).sort_values().to_numpy()
        open_now = (first[None, :] <= dates[:, None]) & (dates[:, None] <= last[None, :])
        chosen = [rng.choice(refs[row] if row.any() else refs) for row in open_now]
        parts.append(pd.DataFrame({"audit_date": dates, "child_ref": chosen}))
    frame = pd.concat(parts, ignore_index=True)
    frame["grade"] = rng.choice(["Outstanding", "Good", "Requires improvement", "Inadequate"], len(frame),
                                p=[0.06, 0.70, 0.20, 0.04])
    return frame


# Quotes modelled on the seed's appendix. {worker}, {child} and {family} are filled from the
# name columns, so that the pipeline's redaction has something to blank out.
QUOTES = {
    ("Child or young person", True): [
        "{worker} always picked up the phone when I rang, and if they didn't, {worker} got back to me straight away.",
        "I felt I could be honest with {worker}. If I feel unsafe now I know who I can speak to.",
        "{worker} helped me see that the most important person to me is me.",
        "Talking to {worker} helped with my social battery, because it runs flat really quick.",
        "{worker} listened to me all the time and I enjoyed the work we did a lot.",
        "Thank you for all the help you've given me {worker}, I appreciate it a lot.",
    ],
    ("Parent or carer", True): [
        "{worker} went above and beyond for us as a family. {worker} didn't give up on {child} and {child} has "
        "actually opened up to them.",
        "Helped {child} to open up more to us as a family, and helped us understand how {child} is feeling.",
        "{worker} was always at the end of the phone when I needed advice, and pointed me and {family} in the "
        "right direction.",
        "{worker} kept in contact with me and {family} even when we were off the caseload, to make sure we were ok.",
        "{worker} is the best worker {child} has ever had and I'm so grateful we were given them.",
    ],
    ("Child or young person", False): [
        "{worker} was ok, we had a good relationship but I didn't like changing workers.",
        "Sometimes I had to wait a few days for {worker} to ring me back.",
    ],
    ("Parent or carer", False): [
        "It took a while before anyone got back to me, but {worker} did help {child} in the end.",
        "{child} had three different workers and had to tell the story every time.",
    ],
}
INJECTION_QUOTE = "=) thank you so much {worker} for everything"  # starts with "=": must stay text


def evolve_feedback() -> pd.DataFrame:
    """10-20 pieces of feedback a quarter, mostly Excellent or Good, with names for redaction tests."""
    rng = _rng("evolve_feedback")
    parts = [_days(rng, q.start, q.end, int(rng.integers(10, 21))) for q in QUARTERS]
    frame = pd.DataFrame({"feedback_date": pd.concat(parts).sort_values().to_numpy()})
    n = len(frame)
    frame["respondent"] = rng.choice(["Child or young person", "Parent or carer"], n, p=[0.45, 0.55])
    frame["rating"] = rng.choice(["Excellent", "Good", "Fair", "Poor"], n, p=[0.52, 0.35, 0.10, 0.03])
    frame["child_name"] = rng.choice(CHILD_NAMES, n)
    frame["worker_name"] = rng.choice(WORKER_NAMES, n)
    family = [", ".join(rng.choice(FAMILY_NAMES, int(rng.integers(1, 3)), replace=False)) for _ in range(n)]
    frame["family_names"] = np.where(frame["respondent"] == "Parent or carer", family, None)
    quotes = []
    for who, rating, child, worker, names in frame[
            ["respondent", "rating", "child_name", "worker_name", "family_names"]].itertuples(index=False):
        choices = QUOTES[(who, rating in ("Excellent", "Good"))]
        template = choices[int(rng.integers(len(choices)))]
        first_family = names.split(", ")[0] if isinstance(names, str) else ""
        quotes.append(template.format(worker=worker, child=child, family=first_family))
    frame["quote"] = quotes
    frame.loc[rng.random(n) < 0.05, "quote"] = None  # a rating without words
    injected = frame.index[frame["feedback_date"] >= QUARTERS[6].start][2]  # early in Q1 2025/26
    frame.loc[injected, ["rating", "quote"]] = ["Excellent",
                                                INJECTION_QUOTE.format(worker=frame.at[injected, "worker_name"])]
    frame["share_quote"] = rng.choice(["Yes", "No", None], n, p=[0.85, 0.07, 0.08])
    return frame[["feedback_date", "respondent", "rating", "quote", "child_name", "family_names", "worker_name",
                  "share_quote"]]


# --------------------------------------------------------------------------- children's social care

REFERRAL_SOURCES = {"Police \u2013 MASH": 0.28, "School \u2013 DSL": 0.20, "Health \u2013 GP": 0.07,
                    "Health \u2013 A&E": 0.06, "Early Help \u2013 locality": 0.08, "Family member": 0.10,
                    "Anonymous": 0.04, "Other LA": 0.05, "Housing": 0.04, "Self": 0.02, "Other": 0.06}


def csc_referrals(refs: list[str]) -> pd.DataFrame:
    """900-1100 referrals a quarter; CSE an indicator on about 3%, CCE on about 2.5%."""
    rng = _rng("csc_referrals")
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
    frame["referral_source"] = rng.choice(list(REFERRAL_SOURCES), n, p=list(REFERRAL_SOURCES.values()))
    frame["cse_indicator"] = np.where(rng.random(n) < 0.03, "Y", "N")
    frame["cce_indicator"] = np.where(rng.random(n) < 0.025, "Y", "N")
    return frame


def csc_strategy(cohort: pd.DataFrame, refs: list[str]) -> pd.DataFrame:
    """15-30 strategy meetings a quarter for each of CSE and CCE; about 40% progress to S47."""
    rng = _rng("csc_strategy")
    parts = []
    for q in QUARTERS:
        for kind in ("CSE", "CCE"):
            known = cohort.loc[cohort["concern"].str.contains(kind), "child_ref"].to_numpy()
            pool = np.concatenate([known, refs])
            n = int(rng.integers(15, 31))
            parts.append(pd.DataFrame({"child_ref": rng.choice(pool, n, replace=False),
                                       "meeting_date": _weekdays(rng, q.start, q.end, n).to_numpy(),
                                       "exploitation_type": kind}))
    frame = pd.concat(parts, ignore_index=True).sort_values(["meeting_date", "exploitation_type"], kind="stable")
    frame["progressed_to_s47"] = np.where(rng.random(len(frame)) < 0.4, "Yes", "No")
    return frame.reset_index(drop=True)


CP_CATEGORIES = {"Neglect": 0.40, "Emotional abuse": 0.24, "Physical abuse": 0.11, "Sexual abuse": 0.15,
                 "Multiple": 0.10}


def csc_cp_plans(refs: list[str]) -> pd.DataFrame:
    """About 300 child protection plans started in the period; those still open have no end date."""
    rng = _rng("csc_cp_plans")
    n = 300
    start = _weekdays(rng, PERIOD_START, PERIOD_END - pd.Timedelta(days=7), n).sort_values().reset_index(drop=True)
    length = np.clip(rng.lognormal(np.log(260), 0.5, n), 35, 720).round().astype(int)
    end = start + pd.to_timedelta(length, unit="D")
    category = rng.choice(list(CP_CATEGORIES), n, p=list(CP_CATEGORIES.values()))
    cse = np.where(category == "Sexual abuse", rng.random(n) < 0.5, rng.random(n) < 0.10)
    return pd.DataFrame({
        "child_ref": rng.choice(refs, n, replace=False),
        "plan_start_date": start,
        "plan_end_date": end.where(end <= PERIOD_END),
        "latest_category": category,
        "linked_to_cse": np.where(cse, "Yes", "No"),
    })


COMPLEX_DECISIONS = ["Complex abuse investigation opened", "Managed under single-child procedures",
                     "Joint investigation with SYP under Section 47",
                     "No further action under complex abuse procedures", None]


def csc_complex_abuse() -> pd.DataFrame:
    """0-3 cases considered under the complex abuse procedure a quarter."""
    rng = _rng("csc_complex_abuse")
    dates = pd.concat([_weekdays(rng, q.start, q.end, int(rng.choice(4, p=[0.2, 0.4, 0.3, 0.1])))
                       for q in QUARTERS]).sort_values().reset_index(drop=True)
    year = dates.dt.year
    number = year.groupby(year).cumcount() + 1
    return pd.DataFrame({
        "case_ref": [f"CA-{y}-{k:02d}" for y, k in zip(year, number)],
        "date_considered": dates,
        "decision": rng.choice(COMPLEX_DECISIONS, len(dates), p=[0.35, 0.25, 0.2, 0.15, 0.05]),
    })


RHI_OFFERED_RATE = [0.90, 0.87, 0.92, 0.93, 0.88, 0.91, 0.86, 0.95]  # one per quarter, 85-97%


def csc_missing(cohort: pd.DataFrame, refs: list[str]) -> pd.DataFrame:
    """200-300 missing episodes a quarter from about 100 children, a few of them with 3 or more.

    Return home interviews are offered after a set share of the missing (not "away") episodes
    each quarter, and accepted after most of those offered.
    """
    rng = _rng("csc_missing")
    pool = np.concatenate([cohort["child_ref"].to_numpy()[:80], np.asarray(refs[:270])])
    propensity = rng.gamma(1.5, 1.0, len(pool))
    quarters = []
    for i, q in enumerate(QUARTERS):
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
        offered[rng.permutation(counted)[:round(RHI_OFFERED_RATE[i] * len(counted))]] = True
        quarters.append(episodes.assign(episode_type=kind, rhi_offered=offered))
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


# --------------------------------------------------------------------------- Early Help and Annex A

def eh_monthly() -> pd.DataFrame:
    """180-260 completed Early Help assessments a month, rising slowly, lower in August and December."""
    rng = _rng("eh_monthly")
    trend = 200 + 30 * np.linspace(0, 1, len(MONTHS))
    season = np.select([MONTHS.month == 8, MONTHS.month == 12, MONTHS.month.isin([3, 10])], [-25, -18, 12], 0)
    counts = np.clip(np.round(trend + season + rng.normal(0, 9, len(MONTHS))), 180, 260).astype(int)
    return pd.DataFrame({"month": MONTHS, "completed_assessments": counts})


def _annex_people(rng: np.random.Generator, ids: np.ndarray, min_age: float, max_age: float) -> pd.DataFrame:
    """The five columns every Annex A list opens with: ID, gender, ethnicity, date of birth, age."""
    n = len(ids)
    age = rng.uniform(min_age, max_age, n)
    birth = PERIOD_END - pd.to_timedelta((age * 365.25).round(), unit="D")
    return pd.DataFrame({
        "Child Unique ID": ids,
        "Gender": rng.choice(GENDERS[0], n, p=GENDERS[1]),
        "Ethnicity": rng.choice(ETHNICITIES[0], n, p=ETHNICITIES[1]),
        "Date of Birth": birth,
        "Age": ((PERIOD_END - birth).days / 365.25).round(2),
    })


EH_ORGANISATIONS = {"Early Help Locality 1": 0.22, "Early Help Locality 2": 0.22, "Early Help Locality 3": 0.2,
                    "Early Help Service": 0.12, "Top Town Academy": 0.08, "Health visiting team": 0.08,
                    "School nursing": 0.05, "Youth service": 0.03}


def annex_list2(monthly: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    """Annex A List 2 for Oct 2024 - Sep 2025: each month's completions equal the monthly counts.

    A few assessments started in September are still in progress (no completion date).
    """
    rng = _rng("annex_list2")
    months = monthly[monthly["month"] >= ANNEX_A_FROM]
    completed = pd.concat([_weekdays(rng, m, _month_end(m), count) for m, count in
                           months[["month", "completed_assessments"]].itertuples(index=False)]).to_numpy()
    since = (pd.DatetimeIndex(completed) - ANNEX_A_FROM).days.to_numpy()
    took = np.floor(rng.random(len(completed)) * (np.minimum(45, since) + 1)).astype(int)
    open_starts = _weekdays(rng, pd.Timestamp("2025-09-01"), PERIOD_END, 14).to_numpy()
    frame = pd.DataFrame({
        "Assessment start date": np.concatenate([completed - took.astype("timedelta64[D]"), open_starts]),
        "Assessment completion date": np.concatenate([completed, np.full(len(open_starts), np.datetime64("NaT"))]),
    }).sort_values(["Assessment start date", "Assessment completion date"]).reset_index(drop=True)
    people = _annex_people(rng, ids[:len(frame)], 1.2, 17.9)  # all born before the year began
    frame["Organisation completing assessment"] = rng.choice(list(EH_ORGANISATIONS), len(frame),
                                                             p=list(EH_ORGANISATIONS.values()))
    return pd.concat([people, frame], axis=1)[ANNEX_A_HEADINGS["List 2"]]


TEAMS = ["Locality 1 Unit 1", "Locality 1 Unit 2", "Locality 2 Unit 1", "Locality 2 Unit 2", "Locality 3 Unit 1"]


def _worker(rng: np.random.Generator, n: int) -> list[str]:
    """Allocated workers as the export writes them: first name, non-breaking space, initial."""
    letters = list("ABCDFGHJKLMNPRSTW")
    return [f"{w}\u00a0{rng.choice(letters)}." for w in rng.choice(WORKER_NAMES, n)]


def annex_list7(plans: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    """Annex A List 7: the same plans as the social care sheet, those open at any time Oct 2024 - Sep 2025.

    The export has no CSE flag, so "Multiple" is spelt the DfE way and a few cells hold "#N/A" text.
    """
    rng = _rng("annex_list7")
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
    out["Allocated Team"] = rng.choice(TEAMS, n)
    out["Allocated Worker"] = _worker(rng, n)
    missing_team = rng.choice(n, 3, replace=False)
    out.loc[missing_team, ["Allocated Team", "Allocated Worker"]] = "#N/A"
    return out[ANNEX_A_HEADINGS["List 7"]]


CONTACT_SOURCES = ["q) 6: Police", "e) 2A: Schools", "j) 3D: Health services", "b) 1B: Individual"]


def annex_list1(ids: np.ndarray) -> pd.DataFrame:
    """A few contacts, so that List 1 looks like a real export rather than an empty shell."""
    rng = _rng("annex_list1")
    out = _annex_people(rng, ids, 0.5, 17.5)
    out["Date of Contact"] = _weekdays(rng, pd.Timestamp("2025-09-22"), PERIOD_END, len(ids)).sort_values().to_numpy()
    out["Contact Source"] = rng.choice(CONTACT_SOURCES, len(ids))
    return out[ANNEX_A_HEADINGS["List 1"]]


def annex_list3(ids: np.ndarray) -> pd.DataFrame:
    """A few referrals for List 3."""
    rng = _rng("annex_list3")
    n = len(ids)
    out = _annex_people(rng, ids, 0.5, 17.5)
    out["Date of Referral"] = _weekdays(rng, pd.Timestamp("2025-09-22"), PERIOD_END, n).sort_values().to_numpy()
    out["Referral Source"] = rng.choice(CONTACT_SOURCES, n)
    out["Referral NFA?"] = rng.choice(["No", "Yes"], n, p=[0.8, 0.2])
    out["Number of Referrals in Last 12 Months"] = rng.choice(3, n, p=[0.6, 0.3, 0.1])
    out["Allocated Team"] = "Multi Agency Safeguarding Hub"
    out["Allocated Worker"] = _worker(rng, n)
    return out[ANNEX_A_HEADINGS["List 3"]]


# --------------------------------------------------------------------------- partnership return

AGENCIES = ["Police", "Children's social care", "Evolve", "Early Help", "Health", "Education", "Youth justice",
            "Voluntary sector", "Other"]
E_LEARNING = {"CE e-learning level 1": (0.9, 5, 40), "CE e-learning level 2": (0.7, 3, 25),
              "CE e-learning level 3": (0.4, 1, 12)}  # chance an agency has completions in a month, range
SESSIONS = {"CE face-to-face": (1, 3), "Rotherham Family Approach": (1, 2), "Lessons learned": (1, 1),
            "Technology and exploitation": (1, 2), "Other": (0, 1)}  # sessions a quarter


def training() -> pd.DataFrame:
    """Staff trained by agency and course: monthly e-learning completions, and taught sessions."""
    rng = _rng("training")
    rows = []
    for month in MONTHS:
        for course, (chance, low, high) in E_LEARNING.items():
            for agency in AGENCIES:
                if rng.random() < chance:
                    rows.append((_month_end(month), agency, course, int(rng.integers(low, high + 1))))
    for i, q in enumerate(QUARTERS):
        for course, (low, high) in SESSIONS.items():
            sessions = max(int(rng.integers(low, high + 1)), 1 if course == "Other" and i % 2 == 0 else 0)
            for day in _weekdays(rng, q.start, q.end, sessions):
                for agency in rng.choice(AGENCIES[:-1], int(rng.integers(3, 7)), replace=False):
                    rows.append((day, agency, course, int(rng.integers(1, 9))))
    frame = pd.DataFrame(rows, columns=["course_date", "agency", "course_type", "attendees"])
    return frame.sort_values(["course_date", "course_type", "agency"], kind="stable").reset_index(drop=True)


ACTIVITIES = [
    ("See Something, Say Something stall, town centre market", "Police"),
    ("Assembly on healthy relationships and online safety, secondary school", "Education"),
    ("Child exploitation awareness briefing for taxi and private hire drivers", "Other"),
    ("Night-time economy venue visits: hotel and licensed premises awareness", "Police"),
    ("Parent and carer workshop: spotting the signs of exploitation", "Early Help"),
    ("Community radio interview on county lines", "Police"),
    ("Faith and community centre information session", "Voluntary sector"),
    ("Youth club drop-in on grooming and online safety", "Evolve"),
    ("GP practice staff briefing on exploitation indicators", "Health"),
    ("Leaflet drop and door-knocking with neighbourhood team", "Police"),
    ("Summer holiday safety roadshow, parks and leisure centres", "Youth justice"),
    ("Shopping centre security staff briefing", "Children's social care"),
]


def engagement() -> pd.DataFrame:
    """3-10 community awareness and engagement activities a quarter."""
    rng = _rng("engagement")
    parts = []
    for q in QUARTERS:
        n = int(rng.integers(3, 11))
        picks = rng.choice(len(ACTIVITIES), n, replace=False)
        parts.append(pd.DataFrame({"activity_date": _days(rng, q.start, q.end, n).to_numpy(),
                                   "activity": [ACTIVITIES[k][0] for k in picks],
                                   "agency": [ACTIVITIES[k][1] for k in picks]}))
    frame = pd.concat(parts).sort_values("activity_date").reset_index(drop=True)
    reach = rng.integers(10, 300, len(frame)).astype(float)
    frame["reach"] = pd.array(np.where(rng.random(len(frame)) < 0.2, np.nan, reach), dtype="Int64")
    return frame


THERAPEUTIC = {"CAMHS trauma pathway": {"CSE": 2.5, "CCE": 1.2},
               "RDASH child exploitation therapeutic service": {"CSE": 2.0, "CCE": 1.8},
               "Trusted relationships project": {"CSE": 1.5, "CCE": 1.0}}


def therapeutic() -> pd.DataFrame:
    """Young people offered a therapeutic service, per service, exploitation type and month."""
    rng = _rng("therapeutic")
    rows = [(month, service, kind, int(min(rng.poisson(mean), 8)))
            for month in MONTHS for service, kinds in THERAPEUTIC.items() for kind, mean in kinds.items()]
    return pd.DataFrame(rows, columns=["month", "service", "exploitation_type", "young_people"])


COMMISSIONED = ["Trusted relationships project", "Survivors' counselling service", "Missing and return home service",
                "Independent child trafficking guardian service", "Parent support for exploitation"]
COMMISSIONED_GRADES = {"Outstanding": 0.08, "Good": 0.42, "Achieved": 0.2, "Requires improvement": 0.18,
                       "Not achieved": 0.08, "Inadequate": 0.04}


def commissioned_audits() -> pd.DataFrame:
    """3-8 audits of commissioned services a quarter, with mixed grades."""
    rng = _rng("commissioned_audits")
    dates = pd.concat([_weekdays(rng, q.start, q.end, int(rng.integers(3, 9))) for q in QUARTERS])
    n = len(dates)
    return pd.DataFrame({
        "audit_date": dates.sort_values().to_numpy(),
        "service": rng.choice(COMMISSIONED, n),
        "grade": rng.choice(list(COMMISSIONED_GRADES), n, p=list(COMMISSIONED_GRADES.values())),
    })


AUDIT_THEMES = {"CSE": 0.2, "CCE": 0.18, "CSE and CCE": 0.14, "Missing": 0.18, "Honour-based violence": 0.08,
                "Forced marriage": 0.06, "Radicalisation": 0.08, "Other": 0.08}


def partnership_audits() -> pd.DataFrame:
    """4-10 single or multi-agency audits a quarter across the themes."""
    rng = _rng("partnership_audits")
    dates = pd.concat([_weekdays(rng, q.start, q.end, int(rng.integers(4, 11))) for q in QUARTERS])
    n = len(dates)
    agency = rng.choice(AGENCIES[:7], n)
    return pd.DataFrame({
        "audit_date": dates.sort_values().to_numpy(),
        "audit_type": rng.choice(["Single agency", "Multi-agency"], n, p=[0.55, 0.45]),
        "theme": rng.choice(list(AUDIT_THEMES), n, p=list(AUDIT_THEMES.values())),
        "agency": np.where(rng.random(n) < 0.15, None, agency),
    })


LEARNING_EVENTS = {"Complex abuse process": ["Learning from a complex abuse review: practitioner briefing",
                                             "Complex abuse procedure: lessons learned workshop"],
                   "Other review or audit": ["Learning from the multi-agency exploitation audit",
                                             "Rapid review learning briefing: missing children",
                                             "Seven-minute briefing: contextual safeguarding"]}


def learning_events() -> pd.DataFrame:
    """0-3 learning events a quarter, some on lessons from the complex abuse process."""
    rng = _rng("learning_events")
    rows = []
    for q in QUARTERS:
        for day in sorted(_weekdays(rng, q.start, q.end, int(rng.choice(4, p=[0.15, 0.4, 0.3, 0.15])))):
            source = "Complex abuse process" if rng.random() < 0.4 else "Other review or audit"
            titles = LEARNING_EVENTS[source]
            attending = int(rng.integers(15, 80)) if rng.random() < 0.85 else None
            rows.append((day, titles[int(rng.integers(len(titles)))], source, attending))
    frame = pd.DataFrame(rows, columns=["event_date", "event", "learning_from", "attendees"])
    frame["attendees"] = frame["attendees"].astype("Int64")
    return frame


# --------------------------------------------------------------------------- work plan and commentary

# (objective, ref, action, lead, commenced, target, achieved, evidence, remedial, off target, stated BRAG),
# as at 30 Sep 2025. Paraphrased from the seed's actions; leads are roles.
WORKPLAN = [
    (1, "1.1", "Borough-wide awareness campaign on CSE and CCE with partners, families, schools and communities, "
     "including 'See Something, Say Something'", "Safeguarding Partnership Business Manager",
     "02/10/2023", "31/03/2025", "14/03/2025", "Comms plan agreed; staff accessing CE e-learning levels 1-3, by "
     "agency", None, "No", "Blue"),
    (1, "1.2", "Promote the Early Help assessment as a key tool for early identification and intervention, with "
     "an ongoing learning offer on the EHA", "Early Help Service Manager", "06/11/2023", "31/03/2026", None,
     "Number of completed Early Help assessments has increased (1.3)", None, "No", "Green"),
    (1, "1.3", "Develop a child exploitation competency framework for practitioners across the partnership "
     "workforce", "Partnership Learning and Development Manager", "08/01/2024", "31/03/2025", None,
     "Draft framework circulated to agencies for comment", "Framework to be signed off at the January 2026 "
     "CEDG; training leads to map their courses against it", "Yes", "Amber"),
    (1, "1.4", "Use partnership data, including intelligence, to target intervention in communities and disrupt "
     "CSE and CCE", "DCI Public Protection", "01/10/2023", "31/03/2026", None,
     "CSE profile, CCE tracker and scorecard including SYP disruption activity", None, "No", "Green"),
    (2, "2.1", "A clear multi-agency map of services for young people at risk of or experiencing exploitation, "
     "including the CAMHS trauma pathway", "Head of Commissioning", "04/12/2023", "30/09/2024", "27/09/2024",
     "Map of services published on the partnership website", None, "No", "Blue"),
    (2, "2.2", "Independent check and challenge of services: evaluation of the trusted relationships project and "
     "quality assurance of commissioned services", "Head of Commissioning", "01/04/2024", "30/06/2025", None,
     "Audit tool agreed; % of commissioned service audits good or above (2.1)", None, None, "Green"),
    (2, "2.3", "Bespoke therapeutic support for survivors of exploitation, recognising the long-term impact of "
     "trauma", "CAMHS Service Manager", "03/06/2024", "31/03/2026", None,
     "Young people offered a therapeutic service (2.3); service user feedback (2.2)", None, "No", "Green"),
    (2, "2.4", "Embed the Rotherham Family Approach across the partnership and review the child protection "
     "process in line with contextual safeguarding", "Head of Service, Safeguarding and Quality Assurance",
     "05/02/2024", "31/03/2025", None, "Professionals trained in the Rotherham Family Approach (2.5); CP plans "
     "linked to sexual abuse or CSE (2.4)", "Review delayed by the move to the new case management system; "
     "revised plan to the December 2025 CEDG", "Yes", "Amber"),
    (3, "3.1", "Multi-agency training offer reflects practice and research, with a bi-annual child exploitation "
     "learning and sharing event for single-agency training leads", "Partnership Learning and Development "
     "Manager", "01/11/2023", "31/10/2024", "17/10/2024", "Child Exploitation Education Safeguarding Forum held "
     "twice a year", None, "No", "Blue"),
    (3, "3.2", "Review the learning offer and share lessons learned from reviews and audits",
     "Partnership Learning and Development Manager", "01/07/2024", "31/03/2026", None,
     "Staff accessing lessons learned training (3.1); single and multi-agency audits (3.2, 3.3)", None, "No",
     "Green"),
    (3, "3.3", "Work with families and practitioners to improve community resources on technology and "
     "exploitation", "DCI Public Protection", "02/09/2024", "31/12/2025", None,
     "Practitioners attending technology and exploitation training (3.4); SYP app data (3.5)",
     "Only one session held so far this year; two extra sessions booked for November 2025 with the online "
     "safety lead", "Yes", "Amber"),
    (3, "3.4", "Partnership review of the education offer to young people on CSE and CCE, healthy relationships "
     "and keeping safe online", "Head of Education Safeguarding", None, "31/03/2026", None, None, None, None,
     "Red"),
    (4, "4.1", "Review the Evolve risk assessment and the CSE and CCE toolkit so that practice is trauma-informed "
     "and does not blame victims", "Head of Evolve", "09/10/2023", "31/03/2025", "31/03/2025",
     "Revised risk assessment in use, with CCE assessments recorded from April 2025 (4.6, 4.8)", None, "No",
     "Blue"),
    (4, "4.2", "Evidence that children at risk of exploitation receive interventions that reduce risk in a timely "
     "way: single and multi-agency audit", "Evolve Team Manager", "01/10/2023", "31/03/2026", None,
     "Time to step down from high to medium and medium to low risk (4.7); audits graded good or better (4.12)",
     None, "No", "Green"),
    (4, "4.3", "Evidence effective prosecution and disruption of child exploitation related crime in the borough",
     "DCI Public Protection", "01/10/2023", "31/03/2026", None, "SYP data set: arrests, prosecutions, "
     "convictions, abduction notices and disruptive orders (4.9a-h)", None, "No", "Green"),
    (4, "4.4", "Ongoing collection of feedback from children and families, considering the impact of practice",
     "Evolve Team Manager", "05/02/2024", "31/12/2024", None, "Feedback gathered by Evolve; not yet by every "
     "agency", "Feedback form agreed with Youth Justice and Early Help, in use from October 2025", "Yes", "Amber"),
    (5, "5.1", "Review and refine the pathways for sharing and recording information about people who pose a "
     "risk, known to Operation Stovewood", "Operation Stovewood Senior Investigating Officer", "01/10/2023",
     "31/03/2026", None, "Stovewood sub-operations, arrests, prosecutions and convictions (5.1-5.4)", None,
     "No", "Green"),
    (5, "5.2", "Embed the learning from Operation Stovewood into current and future practice, engaging survivors "
     "and communities", "Stovewood Partnership Lead", "04/03/2024", "31/03/2025", "10/03/2025",
     "Learning briefing delivered to partners; survivor engagement plan agreed", None, "No", "Blue"),
    (6, "6.1", "Effective and visible complex abuse processes that all practitioners understand",
     "Head of Service, Safeguarding and Quality Assurance", "01/11/2023", "30/06/2024", "28/06/2024",
     "Complex abuse procedure revised and published; cases considered (6.1)", None, "No", "Blue"),
    (6, "6.2", "Make sure the partnership learns from every complex abuse process",
     "Safeguarding Partnership Business Manager", "03/06/2024", "31/03/2026", None,
     "Learning events on lessons from the complex abuse process (6.2)", None, "No", "Green"),
]
WORKPLAN_COLUMNS = ["objective", "action_ref", "action", "lead", "date_commenced", "target_date", "date_achieved",
                    "evidence", "remedial_action", "off_target", "stated_brag"]


def workplan() -> pd.DataFrame:
    """The action log as at 30 Sep 2025: achieved, on target, overdue, not started, and one mis-rated."""
    frame = pd.DataFrame(WORKPLAN, columns=WORKPLAN_COLUMNS)
    for column in ("date_commenced", "target_date", "date_achieved"):
        frame[column] = pd.to_datetime(frame[column], format="%d/%m/%Y")
    return frame


def _pct(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def commentary(missing: pd.DataFrame, plans: pd.DataFrame, monthly: pd.DataFrame) -> pd.DataFrame:
    """Comments for Q2 and Q1 2025/26, quoting figures worked out from the demo data itself."""
    q1, q2 = QUARTERS[6], QUARTERS[7]
    missing = missing[missing["episode_type"].ne("Away")]  # as the contract says, away episodes are not counted

    def in_quarter(frame: pd.DataFrame, column: str, q: Quarter) -> pd.DataFrame:
        return frame[(frame[column] >= q.start) & (frame[column] <= q.end)]

    rhi = {q.label: _pct((in_quarter(missing, "episode_start", q)["rhi_offered"] == "Yes").sum(),
                         len(in_quarter(missing, "episode_start", q))) for q in (q1, q2)}
    eh = {q.label: int(in_quarter(monthly, "month", q)["completed_assessments"].sum())
          for q in (QUARTERS[3], q1, q2)}
    q2_missing = in_quarter(missing, "episode_start", q2)
    per_child = q2_missing.groupby("child_ref").size()
    ended = plans["plan_end_date"]
    open_end = plans[(plans["plan_start_date"] <= q2.end) & (ended.isna() | (ended > q2.end))]
    linked = open_end[(open_end["latest_category"] == "Sexual abuse") | (open_end["linked_to_cse"] == "Yes")]
    rows = [
        ("4.11", q2.label, f"Return home interviews were offered after {rhi[q2.label]}% of episodes, up from "
         f"{rhi[q1.label]}% last quarter, now that the two new return home workers are in post.",
         "Missing and Return Home Team Manager"),
        ("4.10", q2.label, f"{len(per_child)} children went missing in the quarter ({len(q2_missing)} episodes). "
         f"{int((per_child >= 3).sum())} had three or more episodes; each is reviewed at the MACE panel.",
         "Head of Evolve"),
        ("2.4", q2.label, f"{len(linked)} children were on a child protection plan linked to sexual abuse or CSE "
         "at 30 September 2025. Each plan is reviewed against the contextual safeguarding approach.",
         "Head of Service, Safeguarding and Quality Assurance"),
        ("1.3", q2.label, f"{eh[q2.label]} Early Help assessments were completed, against {eh[QUARTERS[3].label]} "
         "in the same quarter last year. August is always lower because of the school holidays.",
         "Early Help Service Manager"),
        ("4.6", q2.label, "CCE risk assessments have been recorded on the revised tool since April 2025, so there is "
         "no comparison with earlier quarters yet.", "Head of Evolve"),
        ("4.11", q1.label, f"Return home interviews were offered after {rhi[q1.label]}% of episodes. Fewer were "
         "offered in May while the team was two workers short.", "Missing and Return Home Team Manager"),
        ("1.3", q1.label, f"{eh[q1.label]} Early Help assessments were completed in the quarter.",
         "Early Help Service Manager"),
        ("4.6", q1.label, "First quarter of CCE risk assessments on the revised Evolve tool.", "Head of Evolve"),
    ]
    return pd.DataFrame(rows, columns=["ref", "quarter", "comment", "author"])


# --------------------------------------------------------------------------- writing

class _Workbook:
    """An xlsxwriter workbook with fixed properties, so that every run writes the same bytes.

    Strings are never turned into formulas, numbers or links: a quote such as "=) thanks" is
    written as the text the person typed.
    """

    def __init__(self, path: Path, title: str) -> None:
        self.book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                                    "strings_to_urls": False})
        self.book.set_properties({"title": title, "author": "Demo data", "comments": FICTION_NOTE,
                                  "created": CREATED})
        self._formats: dict[tuple, Format] = {}

    def __enter__(self) -> _Workbook:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.book.close()

    def fmt(self, **properties: object) -> Format:
        key = tuple(sorted(properties.items()))
        if key not in self._formats:
            self._formats[key] = self.book.add_format(dict(properties))
        return self._formats[key]

    def sheet(self, name: str, frame: pd.DataFrame, *, titles: tuple[str, ...] = (), total: str | None = None,
              date_format: str | int = DATE_FORMAT, formats: dict[str, str | int] | None = None,
              period: str | None = None) -> None:
        """Title rows (each followed by a blank row), the period the sheet covers as `period` says
        ("one cell", "label and dates" or "two rows"), a bold header row, the data, and optionally a Total row."""
        sheet = self.book.add_worksheet(name)
        row = 0
        for title in titles:
            sheet.write_string(row, 0, title, self.fmt(bold=True, font_size=12))
            row += 2
        if period is not None:
            row = self.period(sheet, row, period)
        header = self.fmt(bold=True, text_wrap=True, valign="top", bottom=1)
        column_formats = []
        for col, heading in enumerate(frame.columns):
            sheet.write_string(row, col, str(heading), header)
            number_format = (formats or {}).get(heading)
            column_formats.append(self.fmt(num_format=number_format) if number_format is not None else None)
            sheet.set_column(col, col, min(max(len(str(heading)) + 2, 12), 45))
        first_data_row = row + 1
        row = self.rows(sheet, frame, row, column_formats, self.fmt(num_format=date_format))
        if total is not None:
            row += 1
            sheet.write_string(row, 0, total, self.fmt(bold=True))
            for col in range(1, frame.shape[1]):
                sheet.write_number(row, col, int(pd.to_numeric(frame.iloc[:, col]).sum()), self.fmt(bold=True))
        sheet.freeze_panes(first_data_row, 0)

    def period(self, sheet: Worksheet, row: int, layout: str) -> int:
        """The 'Period covered' line in one of the ways agencies write it; the next free row."""
        start, end = PERIOD_START.to_pydatetime(), PERIOD_END.to_pydatetime()
        dates = self.fmt(num_format=DATE_FORMAT, bold=True)
        if layout == "one cell":
            sheet.write_string(row, 0, f"Period covered: {start:%d/%m/%Y} to {end:%d/%m/%Y}", self.fmt(italic=True))
            return row + 2
        if layout == "label and dates":
            sheet.write_string(row, 0, "Period covered", self.fmt(bold=True))
            sheet.write_datetime(row, 1, start, dates)
            sheet.write_datetime(row, 2, end, dates)
            return row + 2
        sheet.write_string(row, 0, "Period covered from", self.fmt(bold=True))  # two rows, each with its date
        sheet.write_datetime(row, 1, start, dates)
        sheet.write_string(row + 1, 0, "Period covered to", self.fmt(bold=True))
        sheet.write_datetime(row + 1, 1, end, dates)
        return row + 3

    def rows(self, sheet: Worksheet, frame: pd.DataFrame, row: int, column_formats: list[Format | None],
             dates: Format) -> int:
        """The data rows below the header row `row`; the last row written."""
        for values in frame.itertuples(index=False):
            row += 1
            for col, value in enumerate(values):
                _write_cell(sheet, row, col, value, column_formats[col], dates)
        return row


def _write_cell(sheet: Worksheet, row: int, col: int, value: object, number_format: Format | None,
                dates: Format) -> None:
    """One cell, as Excel would hold it: a real date, a number, or text. Blanks stay empty."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return
    if isinstance(value, (datetime, date, np.datetime64)):
        stamp = pd.Timestamp(value).to_pydatetime()
        sheet.write_datetime(row, col, stamp, number_format or dates)
    elif isinstance(value, (bool, np.bool_)):
        sheet.write_string(row, col, "Yes" if value else "No", number_format)
    elif isinstance(value, (int, float, np.integer, np.floating)):
        sheet.write_number(row, col, value.item() if isinstance(value, np.generic) else value, number_format)
    else:
        sheet.write_string(row, col, str(value), number_format)


MONTH = {"Month": MONTH_FORMAT}


def demo_tables() -> dict[str, pd.DataFrame]:
    """Every demo table, keyed by its contract name, with contract column names (Annex A lists keep their own).

    Built in one place because the sources share children and must agree with each other:
    Annex A List 2 matches the monthly Early Help counts, List 7 holds the same plans as the
    social care sheet, and the commentary quotes figures from the tables.
    """
    refs = child_refs(8_000)
    evolve_refs, others = refs[:345], refs[345:]
    cohort = evolve_cohort(evolve_refs)
    risk = evolve_risk(cohort)
    missing = csc_missing(cohort, others[:400])
    plans = csc_cp_plans(others[400:1200])
    monthly = eh_monthly()
    annex_ids = _unique_numbers(_rng("annex_ids"), 1_000_000, 20_000_000, 4_000)
    return {
        "police_intelligence": police_intelligence(),
        "police_crimes": police_crimes(),
        "police_disruption": police_disruption(),
        "police_apps": police_apps(),
        "stovewood": stovewood(),
        "evolve_risk": risk,
        "evolve_audits": evolve_audits(risk),
        "evolve_feedback": evolve_feedback(),
        "csc_referrals": csc_referrals(others[400:]),
        "csc_strategy": csc_strategy(cohort, others[1200:2000]),
        "csc_cp_plans": plans,
        "csc_complex_abuse": csc_complex_abuse(),
        "csc_missing": missing,
        "eh_monthly": monthly,
        "annex_list1": annex_list1(annex_ids[3_500:3_506]),
        "annex_list2": annex_list2(monthly, annex_ids[:3_200]),
        "annex_list3": annex_list3(annex_ids[3_506:3_512]),
        "annex_list7": annex_list7(plans, annex_ids[3_200:3_500]),
        "training": training(),
        "engagement": engagement(),
        "therapeutic": therapeutic(),
        "commissioned_audits": commissioned_audits(),
        "partnership_audits": partnership_audits(),
        "learning_events": learning_events(),
        "workplan": workplan(),
        "commentary": commentary(missing, plans, monthly),
    }


def _sheet_name(table: str) -> str:
    return _contract().tables[table].sheet


def _write_police(path: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """SYP's extract: a title row and a blank row above every table, and a Total row under the disruption counts.

    Two headings use the contract's aliases ("Intel ref", "Crime number"), as SYP's system names them.
    """
    aliases = {"police_intelligence": {"report_ref": "Intel ref"}, "police_crimes": {"crime_ref": "Crime number"}}
    with _Workbook(path, "SYP child exploitation data") as book:
        for table in ("police_intelligence", "police_crimes", "police_disruption", "police_apps", "stovewood"):
            book.sheet(_sheet_name(table), _headed(tables[table], table, aliases.get(table)), titles=(POLICE_TITLE,),
                       total="Total" if table == "police_disruption" else None, formats=MONTH, period="one cell")
    return path


def _write_tables(path: Path, title: str, tables: dict[str, pd.DataFrame], names: list[str],
                  period: str | None = None) -> Path:
    """A workbook with one sheet per contract table, named and headed as the contract says."""
    with _Workbook(path, title) as book:
        for table in names:
            book.sheet(_sheet_name(table), _headed(tables[table], table), formats=MONTH, period=period)
    return path


def _write_referrals_csv(path: Path, referrals: pd.DataFrame) -> Path:
    """The social care system's CSV export: Windows-1252 (en dashes in the source), CRLF, dd/mm/yyyy text dates."""
    frame = referrals.assign(referral_date=referrals["referral_date"].dt.strftime("%d/%m/%Y"))
    frame = _headed(frame, "csc_referrals", {"referral_source": "Referral source"})
    frame.to_csv(path, index=False, encoding="cp1252", lineterminator="\r\n")
    return path


def _write_annex_a(path: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """The Ofsted Annex A export: all eleven lists with their real headings, short dates, whole-number IDs.

    Lists 1, 2, 3 and 7 have rows; the others carry their headings only.
    """
    with _Workbook(path, "Annex A") as book:
        for name, headings in ANNEX_A_HEADINGS.items():
            key = "annex_list" + name.split()[1]
            frame = tables[key] if key in tables else pd.DataFrame(columns=headings)
            book.sheet(name, frame, date_format=ANNEX_DATE_FORMAT, formats={"Child Unique ID": "0", "Age": "0"})
    return path


def _write_partnership(path: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """The hand-made partnership return; its Training sheet has upper-case headings and numbers typed as text."""
    train = _headed(tables["training"], "training")
    attending = _contract().tables["training"].columns["attendees"].header
    train[attending] = train[attending].astype(str)
    train.columns = [c.upper() for c in train.columns]
    with _Workbook(path, "Partnership return") as book:
        book.sheet(_sheet_name("training"), train, period="one cell")
        for table in ("engagement", "therapeutic", "commissioned_audits", "partnership_audits", "learning_events"):
            book.sheet(_sheet_name(table), _headed(tables[table], table), formats=MONTH, period="one cell")
    return path


def write_demo_inputs(folder: Path) -> list[Path]:
    """Write the full set of fictional agency returns into `folder` (created if need be); return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables = demo_tables()
    return [
        _write_police(folder / FILES["police"], tables),
        _write_tables(folder / FILES["evolve"], "Evolve child exploitation data", tables,
                      ["evolve_risk", "evolve_audits", "evolve_feedback"], period="label and dates"),
        _write_referrals_csv(folder / FILES["referrals"], tables["csc_referrals"]),
        _write_tables(folder / FILES["social_care"], "Children's social care exploitation data", tables,
                      ["csc_strategy", "csc_cp_plans", "csc_complex_abuse", "csc_missing"], period="two rows"),
        _write_tables(folder / FILES["early_help"], "Early Help completed assessments", tables, ["eh_monthly"]),
        _write_annex_a(folder / FILES["annex_a"], tables),
        _write_partnership(folder / FILES["partnership"], tables),
        _write_tables(folder / FILES["workplan"], "CEDG work plan", tables, ["workplan"]),
        _write_tables(folder / FILES["commentary"], "Scorecard commentary", tables, ["commentary"]),
    ]
