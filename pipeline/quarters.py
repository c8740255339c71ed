"""UK financial-year quarters (Q1 Apr-Jun ... Q4 Jan-Mar), from pandas' fiscal periods.

pandas' 'Q-MAR' periods are quarters of a year ending in March, so no date arithmetic is
written by hand here: Period('2024-10-15', 'Q-MAR') is Q3 of the year 2024/25.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

FREQ = "Q-MAR"
_LABEL = re.compile(r"^\s*Q\s*([1-4])\s+(\d{4})\s*[/\-]\s*(\d{2}|\d{4})\s*$", re.IGNORECASE)


def label(quarter: pd.Period) -> str:
    """'Q3 2024/25' for October-December 2024."""
    return f"Q{quarter.quarter} {quarter.qyear - 1}/{quarter.qyear % 100:02d}"


def name_of(period: pd.Period) -> str:
    """A quarter's label, or a month's name ('September 2025')."""
    return label(period) if period.freqstr == FREQ else f"{period:%B %Y}"


def file_label(quarter: pd.Period) -> str:
    """The same, safe in a file name: 'Q3 2024-25'."""
    return label(quarter).replace("/", "-")


def parse_label(text: str) -> pd.Period:
    """'Q3 2024/25' (or 'Q3 2024-25') back to its period; ValueError if it is not a quarter."""
    found = _LABEL.match(text or "")
    if not found:
        raise ValueError(f"'{text}' is not a quarter such as Q3 2024/25")
    q, first, second = int(found.group(1)), int(found.group(2)), int(found.group(3))
    if second % 100 != (first + 1) % 100:
        raise ValueError(f"'{text}': the years must run on, as in 2024/25")
    return pd.Period(year=first + 1, quarter=q, freq=FREQ)


def first_day(quarter: pd.Period) -> pd.Timestamp:
    return quarter.start_time.normalize()


def last_day(quarter: pd.Period) -> pd.Timestamp:
    return quarter.end_time.normalize()


def columns_for(reporting: pd.Period, count: int = 4) -> list[pd.Period]:
    """The reporting quarter and the ones before it, oldest first."""
    return [reporting - i for i in range(count - 1, -1, -1)]


def latest_complete(quarters: list[pd.Period], today: date) -> pd.Period | None:
    """The latest quarter that has ended by `today` among those that have data."""
    ended = [q for q in quarters if last_day(q).date() < today]
    return max(ended) if ended else None


def spans(quarters: list[pd.Period]) -> str:
    """Quarters as a reader lists them: runs of consecutive quarters as 'Q2 2023/24 to Q2 2025/26'."""
    runs: list[list[pd.Period]] = []
    for quarter in sorted(set(quarters)):
        if runs and quarter == runs[-1][-1] + 1:
            runs[-1].append(quarter)
        else:
            runs.append([quarter])
    return ", ".join(label(run[0]) if len(run) == 1 else f"{label(run[0])} to {label(run[-1])}" for run in runs)
