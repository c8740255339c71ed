"""Which rows of which files made each figure: kept so that anyone can trace a figure by hand.

Rows are named by file, sheet and Excel row number only, never by a child's reference or name.
Long lists of rows are written as ranges, as a person would: 'rows 5-40, 42, 57-60'.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

# The rows behind one figure, grouped by where they came from, as the history, the lineage
# workbook and `python -m pipeline explain` show them.
SUMMARY_COLUMNS = ["ref", "quarter", "file", "sheet", "part", "rows", "row_count"]
COUNTED = "counted"  # the part of a figure most rows are in; percentages also have the two below
NUMERATOR, DENOMINATOR_ONLY = "in the numerator", "in the denominator only"


def row_ranges(rows: Iterable[int]) -> str:
    """'5-40, 42, 57-60' for the rows 5 to 40, 42 and 57 to 60."""
    ordered = sorted(set(int(r) for r in rows))
    runs: list[str] = []
    start = previous = None
    for row in [*ordered, None]:
        if row is not None and previous is not None and row == previous + 1:
            previous = row
            continue
        if start is not None:
            runs.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = row
    return ", ".join(runs)


def rows_phrase(rows: Iterable[int]) -> str:
    """'row 5' or 'rows 5-40, 42', as a sentence says it."""
    text = row_ranges(rows)
    return f"row {text}" if text.isdigit() else f"rows {text}"


def expand_ranges(text: str) -> set[int]:
    """The rows that `row_ranges` wrote ('5-7, 9' -> {5, 6, 7, 9})."""
    rows: set[int] = set()
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        first, _, last = part.partition("-")
        rows.update(range(int(first), int(last or first) + 1))
    return rows


def summarise(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One line per group of `keys`: its rows as ranges (`rows`) and how many (`row_count`).

    Worked out on whole columns: the groups become whole numbers (so a sort is of numbers, not of
    texts), and a run of rows starts where the group changes or a row does not follow the one
    before it, so a figure made of a million rows costs one sort.
    """
    if rows.empty:
        return pd.DataFrame(columns=[*keys, "rows", "row_count"])
    groups = rows.groupby(keys, sort=True, dropna=False).ngroup().to_numpy()
    numbers = rows["_row"].to_numpy(dtype="int64")
    order = np.lexsort((numbers, groups))
    groups, numbers = groups[order], numbers[order]
    fresh = np.r_[True, (groups[1:] != groups[:-1]) | (numbers[1:] != numbers[:-1])]  # a row listed twice counts once
    groups, numbers = groups[fresh], numbers[fresh]
    starts = np.r_[True, (groups[1:] != groups[:-1]) | (numbers[1:] != numbers[:-1] + 1)]
    first = numbers[starts]
    last = np.maximum.reduceat(numbers, np.flatnonzero(starts))
    text = np.where(first == last, first.astype(str), np.char.add(np.char.add(first.astype(str), "-"), last.astype(str)))
    joined = pd.Series(text).groupby(groups[starts]).agg(", ".join)
    counted = np.bincount(groups)
    heads = rows[keys].iloc[order[fresh]].drop_duplicates(keys).reset_index(drop=True)
    present = np.unique(groups)
    return heads.assign(rows=joined.reindex(present).to_numpy(), row_count=counted[present])


def trace(lineage: pd.DataFrame, places: dict[int, tuple[str, str]]) -> pd.DataFrame:
    """The rows behind each figure (ref, quarter, _loc, _row, part), grouped by file and sheet
    as SUMMARY_COLUMNS; `places`: location -> (file, sheet)."""
    where = pd.DataFrame([(loc, file, sheet) for loc, (file, sheet) in places.items()], columns=["_loc", "file", "sheet"])
    rows = lineage.assign(_loc=lineage["_loc"].astype("int64")).merge(where, on="_loc", how="left")
    return summarise(rows, ["ref", "quarter", "file", "sheet", "part"])[SUMMARY_COLUMNS]
