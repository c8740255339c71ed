"""History: every figure ever reported, per measure and quarter, in SQLite under outputs/.

Past quarters keep their columns after their raw files leave inputs/. A figure that
changes for a past quarter is a restatement: the old and new values, when, and which files,
are kept and the scorecard marks it. Saving is one transaction, and a run whose figures are
all unchanged writes nothing, so re-running the same inputs changes nothing.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pandera.typing import DataFrame

from pipeline.frames import Figures
from pipeline.quarters import FREQ, label
from pipeline.stages.lineage import SUMMARY_COLUMNS, expand_ranges, rows_phrase
from pipeline.writing.safe import StagedOutputs, write_atomically

SCHEMA = """
CREATE TABLE IF NOT EXISTS measure_values (
    ref TEXT NOT NULL,
    quarter TEXT NOT NULL,          -- e.g. 2025Q3 (pandas Q-MAR period: Q3 of 2024/25)
    quarter_label TEXT NOT NULL,    -- e.g. Q3 2024/25
    value REAL NOT NULL,
    numerator REAL,
    denominator REAL,
    secondary REAL,
    rows INTEGER,
    detail TEXT,
    source_table TEXT,
    files TEXT,                     -- JSON: {file name: SHA-256}
    recorded_at TEXT NOT NULL,      -- the run that recorded this figure
    stand_in INTEGER NOT NULL DEFAULT 0,  -- 1: from a stand-in source (e.g. Annex A for the Early Help return)
    PRIMARY KEY (ref, quarter)
);
CREATE TABLE IF NOT EXISTS restatements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ref TEXT NOT NULL,
    quarter TEXT NOT NULL,
    quarter_label TEXT NOT NULL,
    old_value REAL NOT NULL,
    new_value REAL NOT NULL,
    old_files TEXT,
    new_files TEXT,
    restated_at TEXT NOT NULL,
    rows_changed TEXT               -- the rows behind the figure that changed: now counted / no longer counted
);
CREATE TABLE IF NOT EXISTS figure_rows (   -- the rows each stored figure was computed from
    ref TEXT NOT NULL,
    quarter TEXT NOT NULL,
    file TEXT NOT NULL,
    sheet TEXT NOT NULL,
    part TEXT NOT NULL,             -- counted, or for a percentage: in the numerator / in the denominator only
    rows TEXT NOT NULL,             -- Excel row numbers as ranges: 5-40, 42, 57-60
    row_count INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (ref, quarter, file, sheet, part)
);
"""
# Columns added since the first version: an older history.sqlite is brought up to date when opened.
ADDED_COLUMNS = (("restatements", "rows_changed", "TEXT"), ("measure_values", "stand_in", "INTEGER NOT NULL DEFAULT 0"))
FIGURES = ["value", "numerator", "denominator", "secondary"]


@dataclass
class Merged:
    """This run's figures joined with history, and what saving would change."""

    values: pd.DataFrame  # current figures, plus history for quarters the inputs no longer cover
    inserts: pd.DataFrame  # new (ref, quarter) figures
    updates: pd.DataFrame  # changed figures (restated when the quarter is before the reporting one)
    lineage: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SUMMARY_COLUMNS))  # rows behind `values`
    lineage_writes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SUMMARY_COLUMNS))  # to store
    lineage_keys: list[tuple[str, pd.Period]] = field(default_factory=list)  # (ref, quarter) whose rows are replaced


@dataclass
class Stored:
    """What history.sqlite holds: every figure stored, and the rows behind each."""

    values: pd.DataFrame
    lineage: pd.DataFrame


def load_stored(db: Path) -> Stored:
    return Stored(load_history(db), load_lineage(db))


def _migrate(con: sqlite3.Connection) -> None:
    con.executescript(SCHEMA)
    for table, column, kind in ADDED_COLUMNS:
        if column not in {row[1] for row in con.execute(f"PRAGMA table_info({table})")}:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


def load_history(db: Path) -> pd.DataFrame:
    columns = ["ref", "quarter", "value", "numerator", "denominator", "secondary", "rows", "detail",
               "source_table", "files", "recorded_at", "stand_in"]
    restated = ["ref", "quarter", "old_value", "new_value", "restated_at", "rows_changed"]
    if not db.exists():
        return pd.DataFrame(columns=columns + ["restated_from", "restated_at", "rows_changed"])
    with closing(sqlite3.connect(db)) as con:
        _migrate(con)
        stored = pd.read_sql_query(f"SELECT {', '.join(columns)} FROM measure_values", con)
        changes = pd.read_sql_query(f"SELECT {', '.join(restated)} FROM restatements ORDER BY id", con)
    stored["quarter"] = pd.PeriodIndex(stored["quarter"], freq=FREQ) if len(stored) else pd.Series(dtype=f"period[{FREQ}]")
    latest = changes.drop_duplicates(["ref", "quarter"], keep="last").rename(columns={"old_value": "restated_from"})
    if len(latest):
        latest["quarter"] = pd.PeriodIndex(latest["quarter"], freq=FREQ)
        stored = stored.merge(latest[["ref", "quarter", "restated_from", "restated_at", "rows_changed"]],
                              on=["ref", "quarter"], how="left")
    else:
        stored = stored.assign(restated_from=np.nan, restated_at=None, rows_changed=None)
    return stored


def load_lineage(db: Path) -> pd.DataFrame:
    """The rows behind every stored figure (SUMMARY_COLUMNS)."""
    if not db.exists():
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    with closing(sqlite3.connect(db)) as con:
        _migrate(con)
        stored = pd.read_sql_query(f"SELECT {', '.join(SUMMARY_COLUMNS)} FROM figure_rows", con)
    stored["quarter"] = pd.PeriodIndex(stored["quarter"], freq=FREQ) if len(stored) else pd.Series(dtype=f"period[{FREQ}]")
    return stored


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


def _same(a: pd.DataFrame, b: pd.DataFrame) -> pd.Series:
    """Figures equal to storage precision (NaN equals NaN)."""
    same = pd.Series(True, index=a.index)
    for column in FIGURES:
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
    ok = current[current["status"] == "ok"].copy()
    ok["files_json"] = ok["files"].fillna("").map(lambda names: json.dumps(
        {n: file_hashes.get(n, "") for n in names.split("; ") if n}, sort_keys=True))
    keyed = ok.set_index(["ref", "quarter"])
    stored = history.set_index(["ref", "quarter"]) if len(history) else history.set_index(["ref", "quarter"])
    common = keyed.index.intersection(stored.index)
    changed_idx = common[~_same(keyed.loc[common, FIGURES], stored.loc[common, FIGURES]).to_numpy()] if len(common) else common
    new_idx = keyed.index.difference(stored.index)
    inserts = keyed.loc[new_idx].reset_index()
    updates = keyed.loc[changed_idx].assign(
        old_value=stored.loc[changed_idx, "value"].to_numpy(), old_files=stored.loc[changed_idx, "files"].to_numpy()).reset_index()
    updates["restated"] = updates["quarter"] < reporting

    marks = ["ref", "quarter", "restated_from", "restated_at", "rows_changed"]
    values = current.copy()
    values["from_history"] = False
    values = values.merge(history.reindex(columns=marks) if len(history) else pd.DataFrame(columns=marks),
                          on=["ref", "quarter"], how="left")
    # The rows behind each figure: which changed for a restatement, and which need storing again.
    new_prints, old_prints = _fingerprints(lineage), _fingerprints(stored_lineage)
    if len(updates):
        updates["rows_changed"] = [
            rows_changed(_lines(stored_lineage, r, q), _lines(lineage, r, q)) if restated else ""
            for r, q, restated in zip(updates["ref"], updates["quarter"], updates["restated"])]
        # This run's restatements are marked now, before they are saved.
        now = updates[updates["restated"]][["ref", "quarter", "old_value", "rows_changed"]].rename(
            columns={"rows_changed": "now_changed"})
        values = values.merge(now, on=["ref", "quarter"], how="left")
        values["restated_from"] = values["old_value"].combine_first(values["restated_from"])
        values["rows_changed"] = values["now_changed"].combine_first(values["rows_changed"])
        values = values.drop(columns=["old_value", "now_changed"])
    have = pd.MultiIndex.from_frame(ok[["ref", "quarter"]]) if len(ok) else pd.MultiIndex.from_tuples([], names=["ref", "quarter"])
    fill = history[~pd.MultiIndex.from_frame(history[["ref", "quarter"]]).isin(have)] if len(history) else history
    kept_lineage = lineage
    if len(fill):
        fill = fill.assign(status="ok", reason="", table=fill["source_table"], from_history=True,
                           stand_in=fill["stand_in"].fillna(0).astype(bool),
                           files=fill["files"].map(lambda j: "; ".join(json.loads(j)) if j else ""))
        filled = pd.MultiIndex.from_frame(fill[["ref", "quarter"]])
        values = values[~pd.MultiIndex.from_frame(values[["ref", "quarter"]]).isin(filled)]
        values = pd.concat([values, fill[[c for c in values.columns if c in fill.columns]]], ignore_index=True)
        from_store = stored_lineage[pd.MultiIndex.from_frame(stored_lineage[["ref", "quarter"]]).isin(filled)] \
            if len(stored_lineage) else stored_lineage
        kept_lineage = pd.concat([lineage, from_store], ignore_index=True) if len(from_store) else lineage
    # Rows are stored again for every current figure whose rows differ from those stored with it.
    keys = keyed.index
    differs = new_prints.reindex(keys).fillna("").to_numpy() != old_prints.reindex(keys).fillna("").to_numpy()
    rewrite = keys[differs] if len(keys) else keys
    lineage_writes = lineage[pd.MultiIndex.from_frame(lineage[["ref", "quarter"]]).isin(rewrite)] if len(lineage) \
        else lineage
    return Merged(values, inserts, updates, kept_lineage, lineage_writes, list(rewrite))


def _lines(lineage: pd.DataFrame, ref: str, quarter: pd.Period) -> pd.DataFrame:
    return lineage[(lineage["ref"] == ref) & (lineage["quarter"] == quarter)] if len(lineage) else lineage


def save_history(db: Path, merged: Merged, run_time: str, staged: StagedOutputs | None = None) -> int:
    """Apply inserts, updates and restatements; nothing at all if no figure changed.

    The changes are made to a copy that then replaces the file in one step, so a failure at
    any point leaves the stored history byte for byte as it was.
    """
    if merged.inserts.empty and merged.updates.empty and not merged.lineage_keys:
        return 0
    rows = pd.concat([f for f in (merged.inserts, merged.updates) if len(f)], ignore_index=True) \
        if len(merged.inserts) or len(merged.updates) else merged.inserts
    restated = merged.updates[merged.updates["restated"]] if len(merged.updates) else merged.updates
    traced = merged.lineage_writes

    def write(copy: Path) -> None:
        if db.exists():
            shutil.copyfile(db, copy)
        with closing(sqlite3.connect(copy)) as con:
            _migrate(con)
            with con:
                con.executemany(
                    "INSERT OR REPLACE INTO measure_values (ref, quarter, quarter_label, value, numerator, denominator, "
                    "secondary, rows, detail, source_table, files, recorded_at, stand_in) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [(r.ref, str(r.quarter), label(r.quarter), float(r.value), _num(r.numerator), _num(r.denominator),
                      _num(r.secondary), int(r.rows), r.detail if isinstance(r.detail, str) else None, r.table,
                      r.files_json, run_time, int(bool(r.stand_in))) for r in rows.itertuples(index=False)])
                con.executemany(
                    "INSERT INTO restatements (ref, quarter, quarter_label, old_value, new_value, old_files, new_files, "
                    "restated_at, rows_changed) VALUES (?,?,?,?,?,?,?,?,?)",
                    [(r.ref, str(r.quarter), label(r.quarter), float(r.old_value), float(r.value), r.old_files,
                      r.files_json, run_time, r.rows_changed or None) for r in restated.itertuples(index=False)])
                con.executemany("DELETE FROM figure_rows WHERE ref = ? AND quarter = ?",
                                [(ref, str(quarter)) for ref, quarter in merged.lineage_keys])
                con.executemany(
                    "INSERT INTO figure_rows (ref, quarter, file, sheet, part, rows, row_count, recorded_at) "
                    "VALUES (?,?,?,?,?,?,?,?)",
                    [(r.ref, str(r.quarter), r.file, r.sheet, r.part, r.rows, int(r.row_count), run_time)
                     for r in traced.itertuples(index=False)])

    if staged is not None:
        staged.add(db, write)  # moved into place with the run's other outputs
    else:
        write_atomically(db, write)
    return len(rows)


def _num(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
