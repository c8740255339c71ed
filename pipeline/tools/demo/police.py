"""South Yorkshire Police: intelligence reports, crimes and outcomes, disruption, apps, Operation Stovewood."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field, ValidationInfo, field_validator

from pipeline.config.loading import StrictModel
from pipeline.tools.demo.loading import add_up_to_one, load
from pipeline.tools.demo.shared import MONTHS, PERIOD_END, QUARTERS, Month, random_days, stream

APPS_FROM = pd.Timestamp("2025-01-01")  # SYP app data is "being explored": the last three quarters only

# Home Office outcome types 1-22 (19 is no longer used); about a quarter end in 1-8 (charge, caution...).
OUTCOME_WEIGHTS = {1: 14, 2: 1, 3: 3, 4: 0.5, 5: 0.5, 6: 1, 7: 0.2, 8: 2, 9: 1, 10: 1, 11: 0.5, 12: 0.5, 13: 0.5,
                   14: 20, 15: 18, 16: 15, 17: 0.5, 18: 8, 20: 3, 21: 3, 22: 2}


class App(StrictModel):
    share: float
    cse_share: float = Field(ge=0, le=1)


class Operation(StrictModel):
    name: str
    month: Month
    adds: dict[str, int] = Field(min_length=1)  # to a police_disruption column, on top of the month's usual


class PoliceData(StrictModel):
    apps: dict[str, App]
    disruption_means: dict[str, float] = Field(min_length=1)
    operations: list[Operation]

    @field_validator("apps")
    @classmethod
    def _shares_add_up(cls, apps: dict[str, App]) -> dict[str, App]:
        add_up_to_one({name: app.share for name, app in apps.items()})
        return apps

    @field_validator("operations")
    @classmethod
    def _add_to_known_columns(cls, operations: list[Operation], info: ValidationInfo) -> list[Operation]:
        if "disruption_means" in info.data:  # else disruption_means has its own error
            for operation in operations:
                unknown = sorted(set(operation.adds) - set(info.data["disruption_means"]))
                if unknown:
                    raise ValueError(f"{operation.name!r} adds to {', '.join(unknown)}: not in disruption_means")
        return operations


DATA = load("police.yaml", PoliceData)


def police_intelligence() -> pd.DataFrame:
    """120-180 intelligence reports a quarter, CSE and CCE mixed (supporting charts A2, A3)."""
    rng = stream("police_intelligence")
    dates = pd.concat([random_days(rng, q.start, q.end, int(rng.integers(120, 181))) for q in QUARTERS])
    frame = pd.DataFrame({"report_date": dates.sort_values().to_numpy()})
    n = len(frame)
    frame["exploitation_type"] = rng.choice(["CSE", "CCE"], n, p=[0.44, 0.56])
    frame["linked_offences"] = rng.choice(5, n, p=[0.42, 0.27, 0.16, 0.10, 0.05])
    year = frame["report_date"].dt.year % 100
    serial = pd.Series(rng.integers(3, 40, n)).groupby(year.to_numpy()).cumsum() + 1_000
    frame.insert(0, "report_ref", [f"INT/{y:02d}/{s:06d}" for y, s in zip(year, serial)])
    return frame


def police_crimes() -> pd.DataFrame:
    """40-70 crimes a quarter; older crimes mostly have an outcome, recent ones are often still open."""
    rng = stream("police_crimes")
    dates = pd.concat([random_days(rng, q.start, q.end, int(rng.integers(40, 71))) for q in QUARTERS])
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
    """Monthly arrests, prosecutions, convictions, abduction notices and orders: small counts, with
    what an operation added in its month on top."""
    rng = stream("police_disruption")
    n = len(MONTHS)
    frame = pd.DataFrame({"month": MONTHS})
    for column, mean in DATA.disruption_means.items():
        frame[column] = np.minimum(rng.poisson(mean, n), 10)
    for operation in DATA.operations:
        at = frame["month"] == pd.Timestamp(operation.month)
        for column, extra in operation.adds.items():
            frame.loc[at, column] += extra
    return frame


def police_apps() -> pd.DataFrame:
    """4-8 apps a month from January 2025 (the measure is "being explored"), CSE and/or CCE per app."""
    rng = stream("police_apps")
    apps = DATA.apps
    rows = []
    for month in MONTHS[MONTHS >= APPS_FROM]:
        chosen = rng.choice(list(apps), int(rng.integers(4, 9)), replace=False, p=[a.share for a in apps.values()])
        for app in sorted(chosen):
            share = apps[app].cse_share
            kinds = ["CSE", "CCE"] if rng.random() < 0.3 else [("CSE" if rng.random() < share else "CCE")]
            for kind in kinds:
                rows.append({"month": month, "app_name": app, "exploitation_type": kind,
                             "reports": int(rng.integers(1, 13))})
    return pd.DataFrame(rows)


def stovewood() -> pd.DataFrame:
    """Operation Stovewood's monthly counts: sub-operations 0-2, arrests 0-6, prosecutions 0-4, convictions 0-3."""
    rng = stream("stovewood")
    n = len(MONTHS)
    return pd.DataFrame({
        "month": MONTHS,
        "sub_operations": rng.choice(3, n, p=[0.6, 0.3, 0.1]),
        "arrests": np.minimum(rng.poisson(2.0, n), 6),
        "prosecutions": np.minimum(rng.poisson(1.2, n), 4),
        "convictions": np.minimum(rng.poisson(0.8, n), 3),
    })
