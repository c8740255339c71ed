"""What every agency's fiction shares: the period, its quarters, random streams, children, names."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import BeforeValidator

from pipeline.config.catalogue import check_month
from pipeline.config.loading import StrictModel
from pipeline.tools.demo.loading import load

SEED = 20251006
PERIOD_START = pd.Timestamp("2023-10-01")
PERIOD_END = pd.Timestamp("2025-09-30")


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


def _month_of_the_period(month: object) -> str:
    """A month as the data files write it, 2025-01 for January 2025 (as kpis.yaml does), in the period."""
    check_month(str(month))
    if not PERIOD_START <= pd.Timestamp(str(month)) <= PERIOD_END:
        raise ValueError(f"{month} is not a month of the demo's period, {PERIOD_START:%Y-%m} to {PERIOD_END:%Y-%m}")
    return str(month)


Month = Annotated[str, BeforeValidator(_month_of_the_period)]


class Names(StrictModel):
    workers: list[str]
    children: list[str]
    family_members: list[str]
    initials: str


NAMES = load("names.yaml", Names)


def stream(name: str) -> np.random.Generator:
    """A random stream per table, so that changing one table never reshuffles another."""
    return np.random.default_rng([SEED, zlib.crc32(name.encode())])


def pick(rng: np.random.Generator, shares: Mapping[Any, float], n: int) -> np.ndarray:
    """n values drawn with the shares a data file gives them."""
    return rng.choice(list(shares), n, p=list(shares.values()))


def random_days(rng: np.random.Generator, start: pd.Timestamp, end: pd.Timestamp, n: int) -> pd.Series:
    """n random calendar days from start to end inclusive."""
    offsets = rng.integers(0, (end - start).days + 1, n)
    return pd.Series(start + pd.to_timedelta(offsets, unit="D"))


def random_weekdays(rng: np.random.Generator, start: pd.Timestamp, end: pd.Timestamp, n: int) -> pd.Series:
    """n random working days (meetings, audits and assessments happen on weekdays)."""
    return pd.Series(rng.choice(pd.bdate_range(start, end), n))


def month_end(month: pd.Timestamp) -> pd.Timestamp:
    return month + pd.offsets.MonthEnd(0)


def unique_numbers(rng: np.random.Generator, low: int, high: int, n: int) -> np.ndarray:
    """n distinct whole numbers in [low, high)."""
    return rng.choice(high - low, n, replace=False) + low


def child_refs(n: int) -> list[str]:
    """Distinct child references "CE" + six digits: easy to find in a text scan for leaks."""
    return [f"CE{x}" for x in unique_numbers(stream("children"), 100_000, 1_000_000, n)]
