"""Counted once: a record sent in two files is one record, not two.

Officers drop in last quarter's return beside this quarter's, or a colleague's copy of the same
return. Files with the same bytes are never read twice (pipeline.stages.discover); this stage finds the
same record in two different files:

- the same row in both (the same record key and every value the same): counted once, from the
  file read first, and a warning names both files (a row one file holds twice is two records, so
  the file holding it more often is the one counted: a partial copy never loses one);
- the same record key with different values, where the key holds a reference from the agency's
  system (a crime number, a child's reference): the newer file's row is an update of the older
  one, so it is the one counted, and a warning names both and the columns that differ;
- the same month or log entry (a key of months, dates and names) with different figures: nobody
  can tell which is right, so both are left out as an error naming both cells.

Within one file, a key used twice is the schema check's business (pipeline.stages.validate).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline import problems as pr
from pipeline.config.contract import Contract, Table
from pipeline.stages.discover import InputFile
from pipeline.stages.lineage import rows_phrase
from pipeline.stages.read import Location


@dataclass
class Deduped:
    frames: dict[str, pd.DataFrame]
    problems: pd.DataFrame
    copies: dict[int, int] = field(default_factory=dict)  # location -> rows not counted: the same as another file's
    rejected: dict[int, int] = field(default_factory=dict)  # location -> rows left out: conflicting figures


def _hashes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    return pd.util.hash_pandas_object(frame[columns], index=False).to_numpy()


def _shown(value: object, kind: str) -> str:
    """A key's value as the officer typed it: a month as 'Oct-2024', a date as '01/10/2024'."""
    return value.strftime("%b-%Y") if kind == "month" and isinstance(value, pd.Timestamp) else pr.show_value(value)


def _heading_list(table: Table, columns: list[str]) -> str:
    heads = [table.columns[c].header for c in columns]
    return heads[0] if len(heads) == 1 else ", ".join(heads[:-1]) + " and " + heads[-1]


def drop_repeats(frames: dict[str, pd.DataFrame], locations: list[Location], files: list[InputFile],
                 contract: Contract) -> Deduped:
    """Every table with each record counted once, and what was found."""
    place = {loc.loc: loc for loc in locations}
    newer = {f.name: (f.modified, i) for i, f in enumerate(files)}
    out = Deduped(dict(frames), pr.frame())
    notes: list[dict[str, str]] = []
    for name, frame in frames.items():
        if frame.empty or frame["_file"].nunique() < 2:
            continue
        table = contract.tables[name]
        kept, found = _one_table(frame, table, name, place, newer, out)
        out.frames[name] = kept
        notes += found
    out.problems = pr.frame(notes)
    return out


def _one_table(frame: pd.DataFrame, table: Table, name: str, place: dict[int, Location],
               newer: dict[str, tuple[object, int]], out: Deduped) -> tuple[pd.DataFrame, list[dict[str, str]]]:
    columns = list(table.columns)
    key = table.record_key or columns
    whole = _hashes(frame, columns)
    # A record whose key has a blank part can only be matched by its whole row.
    keyed = np.where(frame[key].isna().any(axis=1).to_numpy(), whole, _hashes(frame, key))
    data = pd.DataFrame({"key": keyed, "whole": whole, "file": frame["_file"].to_numpy(),
                         "loc": frame["_loc"].to_numpy(), "row": frame["_row"].to_numpy()}, index=frame.index)
    shared = data[data.groupby("key")["file"].transform("nunique") > 1]
    if shared.empty:
        return frame, []
    variants = shared.groupby("key")["whole"].transform("nunique")
    same, differ = shared[variants == 1], shared[variants > 1]
    notes: list[dict[str, str]] = []
    # The same row in two files: one file's rows count. A row that one file holds twice (two audits of
    # a service on one day) is two records, so the file holding it most often is the one counted
    # (the first file, where they hold it as often), and each copy is matched with a row of its own.
    same = same.assign(nth=same.groupby(["key", "file"]).cumcount())
    held = same.groupby(["key", "file"]).size().rename("times").reset_index()
    kept = held.sort_values(["key", "times", "file"], ascending=[True, False, True]).drop_duplicates("key")
    copies = same[same["file"] != same["key"].map(kept.set_index("key")["file"])]
    if len(copies):
        twin = same.drop(index=copies.index).set_index(["key", "nth"])
        pair = pd.MultiIndex.from_arrays([copies["key"], copies["nth"]])
        notes += _copy_notes(copies.assign(twin_loc=twin["loc"].reindex(pair).to_numpy(),
                                           twin_row=twin["row"].reindex(pair).to_numpy()), table, name, place)
        _count(out.copies, frame.loc[copies.index, "_loc"])
    dropped = copies.index
    if len(differ):
        if any(table.columns[c].type == "reference" for c in key) and key != columns:
            losers, found = _newer_wins(frame, differ, table, name, key, place, newer)
        else:
            losers, found = _conflicts(frame, differ, table, name, key, place)
            _count(out.rejected, frame.loc[losers, "_loc"])
        dropped = dropped.append(losers)
        notes += found
    return frame.drop(index=dropped), notes


def _count(tally: dict[int, int], locs: pd.Series) -> None:
    for loc, count in locs.value_counts().items():
        tally[int(loc)] = tally.get(int(loc), 0) + int(count)


def _where(place: dict[int, Location], loc: int) -> str:
    return pr.where(place[loc].file, place[loc].sheet)


def _copy_notes(copies: pd.DataFrame, table: Table, name: str, place: dict[int, Location]) -> list[dict[str, str]]:
    """One warning per pair of places, with the rows of each as ranges."""
    notes = []
    for (loc, twin_loc), rows in copies.groupby(["loc", "twin_loc"], sort=True):
        loc, twin_loc = int(loc), int(twin_loc)
        here, there = rows_phrase(rows["row"]), rows_phrase(rows["twin_row"])
        notes.append(pr.problem(
            "warning",
            f"{_where(place, loc)}, {here}: the same records ({table.title}) are in {_where(place, twin_loc)} "
            f"({there}), so they were counted once. If one of the two files is an old copy, take it out of the "
            "inputs folder.",
            file=place[loc].file, sheet=place[loc].sheet, cell=here, source=name,
            value=place[twin_loc].file, check="duplicate_rows"))
    return notes


def _same(a: object, b: object) -> bool:
    """Two cells hold the same value (two blanks are the same)."""
    return (pd.isna(a) and pd.isna(b)) or (not pd.isna(a) and not pd.isna(b) and a == b)


def _differing(frame: pd.DataFrame, a: int, b: int, table: Table) -> list[str]:
    """The contract columns whose values differ between two rows (by index)."""
    return [c for c in table.columns if not _same(frame.at[a, c], frame.at[b, c])]


def _newer_wins(frame: pd.DataFrame, differ: pd.DataFrame, table: Table, name: str, key: list[str],
                place: dict[int, Location], newer: dict[str, tuple[object, int]]) -> tuple[pd.Index, list[dict[str, str]]]:
    """A record updated between two extracts: the newer file's row counts."""
    age = differ["loc"].map(lambda loc: newer[place[int(loc)].file])
    order = differ.assign(age=age).sort_values("age", kind="stable")
    latest = order.groupby("key").tail(1)
    winner = latest.reset_index().set_index("key")  # key -> the newest row (its index) and its location
    losers = order.drop(index=latest.index)
    notes = []
    for (loc, win_loc), rows in losers.assign(win_loc=losers["key"].map(winner["loc"])).groupby(["loc", "win_loc"]):
        loc, win_loc = int(loc), int(win_loc)
        first = rows.index[0]
        changed = [table.columns[c].header for c in _differing(frame, first, winner.at[rows.at[first, "key"], "index"], table)]
        here = rows_phrase(rows["row"])
        notes.append(pr.problem(
            "warning",
            f"{_where(place, loc)}, {here}: the same {_heading_list(table, key)} are in "
            f"{_where(place, win_loc)}, which is the newer file, with different values (e.g. {', '.join(changed[:3])}), "
            f"so the rows from {place[win_loc].file} were counted. If {place[loc].file} is out of date, take it out "
            "of the inputs folder.",
            file=place[loc].file, sheet=place[loc].sheet, cell=here, source=name,
            value=place[win_loc].file, check="updated_rows"))
    return losers.index, notes


def _conflicts(frame: pd.DataFrame, differ: pd.DataFrame, table: Table, name: str, key: list[str],
               place: dict[int, Location]) -> tuple[pd.Index, list[dict[str, str]]]:
    """The same month or entry with two different figures: an error naming both cells."""
    notes = []
    for _, group in differ.sort_values(["file", "row"]).groupby("key", sort=False):
        first = group.index[0]
        for other in group.index[1:]:
            if group.at[other, "whole"] == group.at[first, "whole"]:
                continue
            columns = _differing(frame, first, other, table) or list(table.columns)[:1]
            column = columns[0]
            a, b = place[int(group.at[first, "loc"])], place[int(group.at[other, "loc"])]
            cell_a = f"{a.letters.get(column, '')}{group.at[first, 'row']}"
            cell_b = f"{b.letters.get(column, '')}{group.at[other, 'row']}"
            shown_key = ", ".join(_shown(frame.at[first, k], table.columns[k].type) for k in key
                                  if not table.columns[k].personal and not table.columns[k].free_text)
            header = table.columns[column].header
            kind = table.columns[column].type
            value_a, value_b = _shown(frame.at[first, column], kind), _shown(frame.at[other, column], kind)
            if table.columns[column].personal:
                value_a = value_b = pr.HIDDEN
            notes.append(pr.problem(
                "error",
                f"{pr.where(b.file, b.sheet, cell_b)} ({header}) has '{value_b}', but {pr.where(a.file, a.sheet, cell_a)} "
                f"has '{value_a}' for the same {_heading_list(table, key)}{f' ({shown_key})' if shown_key else ''}; "
                "expected one figure for it. Correct or delete the wrong one.",
                file=b.file, sheet=b.sheet, cell=cell_b, column=header, value=value_b,
                expected=f"the same as {a.file} cell {cell_a}, or only one of the two", source=name,
                check="conflicting_rows"))
    return differ.index, notes
