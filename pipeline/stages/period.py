"""The period a return says it covers: a "Period covered" line with a from and a to date.

A return that says which days it covers lets a quarter with nothing to report show 0, and a
quarter it does not cover show "No data", instead of either being guessed from its rows. The
line may sit above a table's heading row (for that table) or on a sheet of its own, such as a
template's "Read me" (for every table in the file). It may be written as one cell
("Period covered: 01/07/2025 to 30/09/2025"), as a label followed by two date cells, or as
two labelled rows ("Period covered from" / "Period covered to"), each followed by its date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
from xlsxwriter.utility import xl_rowcol_to_cell

from pipeline.config.contract import normalise
from pipeline.stages.cast import parse_dates

LABEL = "period covered"
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?: \d{1,2}:\d{2}:\d{2})?|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
                   r"|\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3,9},?\s+\d{4}|^\s*\d{5}(?:\.0+)?\s*$")
EXAMPLE = "two dates, from and to, such as 01/07/2025 and 30/09/2025"


@dataclass(frozen=True)
class Period:
    """What a return says it covers, and the cell that says so (e.g. 'A2')."""

    start: pd.Timestamp | None
    end: pd.Timestamp | None
    cell: str
    found: str  # the label as written (for messages)

    @property
    def complete(self) -> bool:
        return self.start is not None and self.end is not None and self.start <= self.end


def _dates_in(text: str) -> list[pd.Timestamp]:
    tokens = [t.strip() for t in _DATE.findall(text)]
    parsed = parse_dates(pd.Series(tokens, dtype="string")) if tokens else pd.Series(dtype="datetime64[ns]")
    return [pd.Timestamp(d) for d in parsed if pd.notna(d)]


def _role(label: str) -> str:
    """'from', 'to' or 'both': which end of the period a labelled line gives."""
    rest = normalise(_DATE.sub(" ", label)).split(LABEL, 1)[-1].split()
    if "from" in rest and "to" not in rest:
        return "from"
    if rest[:1] == ["to"]:
        return "to"
    return "both"


def find_period(head: pd.DataFrame, before_row: int | None = None) -> Period | None:
    """The "Period covered" statement in the first rows of a sheet (above `before_row`, the
    0-based heading row, if given), or None if the sheet has none. Only a cell that starts with
    the words counts, so a sentence that mentions a period covered is not taken for one."""
    start = end = None
    cell = found = ""
    above = head if before_row is None else head.loc[head.index < before_row]
    for r, values in zip(above.index, above.to_numpy(dtype=object).tolist()):
        for c, value in enumerate(values):
            # a cheap look at the first letters first: most cells are not the line
            if not (isinstance(value, str) and value.lstrip()[:6].lower() == "period"
                    and normalise(value).startswith(LABEL)):
                continue
            cell = cell or xl_rowcol_to_cell(int(r), int(head.columns[c]))
            found = value.strip()[:120] if not found else found
            own = _dates_in(value)
            dates = own + [d for v in values[c + 1:] if isinstance(v, str) for d in _dates_in(v)]
            role = "both" if len(own) > 1 else _role(value)
            if role == "from" and dates:
                start = dates[0]
            elif role == "to" and dates:
                end = dates[0]
            elif role == "both":
                start = dates[0] if dates else start
                end = dates[1] if len(dates) > 1 else end
            break
    if not cell:
        return None
    return Period(start, end, cell, found)
