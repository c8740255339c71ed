"""History: this run's figures joined with every figure stored before (pipeline.writing.history_file).

Past quarters keep their columns after their raw files leave inputs/. A figure that
changes for a past quarter is a restatement: the old and new values, when, and which rows
changed, are kept and the scorecard marks it. Merging says what saving would change, and a
run whose figures are all unchanged changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pandera.typing import DataFrame

from pipeline.frames import Figures
from pipeline.stages.lineage import SUMMARY_COLUMNS, expand_ranges, rows_phrase
from pipeline.vocabulary import Status

FIGURES = ["value", "numerator", "denominator", "secondary"]
MONTH_COLUMNS = ["ref", "month", "value", "numerator", "denominator", "table", "stand_in"]  # a monthly point


@dataclass
class Merged:
    """This run's figures joined with history, and what saving would change."""

    values: pd.DataFrame  # current figures, plus history for quarters the inputs no longer cover
    inserts: pd.DataFrame  # new (ref, quarter) figures
    updates: pd.DataFrame  # changed figures (restated when the quarter is before the reporting one)
    lineage: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SUMMARY_COLUMNS))  # rows behind `values`
    lineage_writes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SUMMARY_COLUMNS))  # to store
    lineage_keys: list[tuple[str, pd.Period]] = field(default_factory=list)  # (ref, quarter) whose rows are replaced
    months: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MONTH_COLUMNS))  # every monthly point
    month_writes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MONTH_COLUMNS))  # new or changed


def _fingerprints(lineage: pd.DataFrame) -> pd.Series:
    """(ref, quarter) -> one text for all its rows, to tell whether the rows behind a figure changed."""
    if lineage.empty:
        return pd.Series(dtype="object")
    lines = lineage.sort_values(["file", "sheet", "part"]).assign(
        line=lambda d: d["file"] + "|" + d["sheet"] + "|" + d["part"] + "|" + d["rows"])
    return lines.groupby(["ref", "quarter"])["line"].agg("\n".join)


def rows_changed(old: pd.DataFrame, new: pd.DataFrame) -> str:
    """What changed in the rows behind a figure: 'now counted: a.xlsx, sheet 'S', rows 7-8; no longer
    counted: ...' (old and new: one figure's lineage lines)."""
    def rows_by_place(lines: pd.DataFrame) -> dict[tuple[str, str], set[int]]:
        found: dict[tuple[str, str], set[int]] = {}
        for line in lines.itertuples(index=False):
            found.setdefault((line.file, line.sheet), set()).update(expand_ranges(line.rows))
        return found

    before, after = rows_by_place(old), rows_by_place(new)
    parts = []
    for words, first, second in (("now counted", after, before), ("no longer counted", before, after)):
        places = [f"{file}{f', sheet {sheet!r}' if sheet else ''}, {rows_phrase(rows - second.get((file, sheet), set()))}"
                  for (file, sheet), rows in sorted(first.items()) if rows - second.get((file, sheet), set())]
        if places:
            parts.append(f"{words}: " + "; ".join(places))
    return "; ".join(parts)


def _same(a: pd.DataFrame, b: pd.DataFrame, columns: list[str] = FIGURES) -> pd.Series:
    """Figures equal to storage precision (NaN equals NaN)."""
    same = pd.Series(True, index=a.index)
    for column in columns:
        x, y = a[column].astype("float64").round(9), b[column].astype("float64").round(9)
        same &= (x == y) | (x.isna() & y.isna())
    return same


def merge_history(current: DataFrame[Figures], history: pd.DataFrame, reporting: pd.Period, file_hashes: dict[str, str],
                  lineage: pd.DataFrame | None = None, stored_lineage: pd.DataFrame | None = None) -> Merged:
    """Current figures win; history fills what the inputs no longer cover, with the rows it stored.

    `lineage` / `stored_lineage`: the rows behind this run's figures and behind the stored ones
    (SUMMARY_COLUMNS); a figure whose value is unchanged but whose rows are (a renamed file) has
    its rows stored again, and a restatement records which rows changed.
    """
    lineage = lineage if lineage is not None else pd.DataFrame(columns=SUMMARY_COLUMNS)
    stored_lineage = stored_lineage if stored_lineage is not None else pd.DataFrame(columns=SUMMARY_COLUMNS)
    ok = current[current["status"] == Status.OK].copy()
    ok["files_json"] = ok["files"].fillna("").map(lambda names: json.dumps(
        {n: file_hashes.get(n, "") for n in names.split("; ") if n}, sort_keys=True))
    keyed = ok.set_index(["ref", "quarter"])
    inserts, updates = _changes(keyed, history, reporting, lineage, stored_lineage)
    values = _mark_restatements(current, history, updates)
    values, kept_lineage = _fill_from_history(values, ok, history, lineage, stored_lineage)
    rewrite = _rows_to_store_again(keyed.index, lineage, stored_lineage)
    lineage_writes = lineage[_keys_in(lineage, rewrite)] if len(lineage) else lineage
    return Merged(values, inserts, updates, kept_lineage, lineage_writes, list(rewrite))


def _changes(keyed: pd.DataFrame, history: pd.DataFrame, reporting: pd.Period, lineage: pd.DataFrame,
             stored_lineage: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Figures new to history, and those whose value changed (a restatement if before the reporting quarter)."""
    stored = history.set_index(["ref", "quarter"])
    common = keyed.index.intersection(stored.index)
    changed = common[~_same(keyed.loc[common, FIGURES], stored.loc[common, FIGURES]).to_numpy()] if len(common) else common
    inserts = keyed.loc[keyed.index.difference(stored.index)].reset_index()
    updates = keyed.loc[changed].assign(
        old_value=stored.loc[changed, "value"].to_numpy(), old_files=stored.loc[changed, "files"].to_numpy()).reset_index()
    updates["restated"] = updates["quarter"] < reporting
    updates["rows_changed"] = [
        rows_changed(_lines(stored_lineage, r, q), _lines(lineage, r, q)) if restated else ""
        for r, q, restated in zip(updates["ref"], updates["quarter"], updates["restated"])]
    return inserts, updates


def _mark_restatements(current: pd.DataFrame, history: pd.DataFrame, updates: pd.DataFrame) -> pd.DataFrame:
    """Each figure with its stored restatement marks; this run's restatements are marked now, before they are saved."""
    marks = ["ref", "quarter", "restated_from", "restated_at", "rows_changed"]
    values = current.assign(from_history=False).merge(history.reindex(columns=marks), on=["ref", "quarter"], how="left")
    if not len(updates):
        return values
    now = updates[updates["restated"]][["ref", "quarter", "old_value", "rows_changed"]].rename(
        columns={"rows_changed": "now_changed"})
    values = values.merge(now, on=["ref", "quarter"], how="left")
    values["restated_from"] = values["old_value"].combine_first(values["restated_from"])
    values["rows_changed"] = values["now_changed"].combine_first(values["rows_changed"])
    return values.drop(columns=["old_value", "now_changed"])


def _fill_from_history(values: pd.DataFrame, ok: pd.DataFrame, history: pd.DataFrame, lineage: pd.DataFrame,
                       stored_lineage: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stored figures for every measure and quarter the inputs no longer give, with the rows stored behind them."""
    fill = history[~_keys_in(history, pd.MultiIndex.from_frame(ok[["ref", "quarter"]]))] if len(history) else history
    if not len(fill):
        return values, lineage
    fill = fill.assign(status=Status.OK.value, reason="", table=fill["source_table"], from_history=True,
                       stand_in=fill["stand_in"].fillna(0).astype(bool),
                       files=fill["files"].map(lambda j: "; ".join(json.loads(j)) if j else ""))
    filled = pd.MultiIndex.from_frame(fill[["ref", "quarter"]])
    values = pd.concat([values[~_keys_in(values, filled)], fill[[c for c in values.columns if c in fill.columns]]],
                       ignore_index=True)
    from_store = stored_lineage[_keys_in(stored_lineage, filled)] if len(stored_lineage) else stored_lineage
    return values, pd.concat([lineage, from_store], ignore_index=True) if len(from_store) else lineage


def _rows_to_store_again(keys: pd.MultiIndex, lineage: pd.DataFrame, stored_lineage: pd.DataFrame) -> pd.MultiIndex:
    """Every current figure whose rows differ from those stored with it (a renamed file, a corrected row)."""
    if not len(keys):
        return keys
    new_prints, old_prints = _fingerprints(lineage), _fingerprints(stored_lineage)
    differs = new_prints.reindex(keys).fillna("").to_numpy() != old_prints.reindex(keys).fillna("").to_numpy()
    return keys[differs]


def _keys_in(frame: pd.DataFrame, keys: pd.MultiIndex, period: str = "quarter") -> np.ndarray:
    return pd.MultiIndex.from_frame(frame[["ref", period]]).isin(keys)


def merge_months(current: pd.DataFrame, stored: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every monthly point: this run's (months its returns cover in whole; an incomplete month is
    not a point), and the stored ones for the months the inputs no longer cover. And which of this
    run's are new or changed, to store. `current`: the monthly figures (pipeline.stages.measures,
    freq "M"), their month in "quarter"."""
    ok = current[current["status"].eq(Status.OK) & current["value"].notna()].rename(columns={"quarter": "month"})
    ok = ok.assign(stand_in=ok["stand_in"].astype(bool))[MONTH_COLUMNS]
    if stored.empty:
        return ok.sort_values(["ref", "month"], ignore_index=True), ok.reset_index(drop=True)
    kept = stored[~_keys_in(stored, pd.MultiIndex.from_frame(ok[["ref", "month"]]), "month")]
    months = pd.concat([frame for frame in (ok, kept) if len(frame)], ignore_index=True) if len(kept) else ok
    before = ok.merge(stored, on=["ref", "month"], how="left", suffixes=("", "_stored"), indicator=True)
    was = before[["value_stored", "numerator_stored", "denominator_stored"]].set_axis(
        ["value", "numerator", "denominator"], axis=1)
    changed = before["_merge"].eq("left_only").to_numpy() | ~_same(before, was, ["value", "numerator", "denominator"]).to_numpy()
    return months.sort_values(["ref", "month"], ignore_index=True), ok[changed].reset_index(drop=True)


def _lines(lineage: pd.DataFrame, ref: str, quarter: pd.Period) -> pd.DataFrame:
    return lineage[(lineage["ref"] == ref) & (lineage["quarter"] == quarter)] if len(lineage) else lineage
