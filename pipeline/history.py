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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.quarters import FREQ, label
from pipeline.safe import Staged, write_atomically

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
    restated_at TEXT NOT NULL
);
"""
FIGURES = ["value", "numerator", "denominator", "secondary"]


@dataclass
class Merged:
    """This run's figures joined with history, and what saving would change."""

    values: pd.DataFrame  # current figures, plus history for quarters the inputs no longer cover
    inserts: pd.DataFrame  # new (ref, quarter) figures
    updates: pd.DataFrame  # changed figures (restated when the quarter is before the reporting one)


def load_history(db: Path) -> pd.DataFrame:
    columns = ["ref", "quarter", "value", "numerator", "denominator", "secondary", "rows", "detail",
               "source_table", "files", "recorded_at"]
    restated = ["ref", "quarter", "old_value", "new_value", "restated_at"]
    if not db.exists():
        return pd.DataFrame(columns=columns + ["restated_from", "restated_at"])
    with closing(sqlite3.connect(db)) as con:
        con.executescript(SCHEMA)
        stored = pd.read_sql_query(f"SELECT {', '.join(columns)} FROM measure_values", con)
        changes = pd.read_sql_query(f"SELECT {', '.join(restated)} FROM restatements ORDER BY id", con)
    stored["quarter"] = pd.PeriodIndex(stored["quarter"], freq=FREQ) if len(stored) else pd.Series(dtype=f"period[{FREQ}]")
    latest = changes.drop_duplicates(["ref", "quarter"], keep="last").rename(columns={"old_value": "restated_from"})
    if len(latest):
        latest["quarter"] = pd.PeriodIndex(latest["quarter"], freq=FREQ)
        stored = stored.merge(latest[["ref", "quarter", "restated_from", "restated_at"]], on=["ref", "quarter"], how="left")
    else:
        stored = stored.assign(restated_from=np.nan, restated_at=None)
    return stored


def _same(a: pd.DataFrame, b: pd.DataFrame) -> pd.Series:
    """Figures equal to storage precision (NaN equals NaN)."""
    same = pd.Series(True, index=a.index)
    for column in FIGURES:
        x, y = a[column].astype("float64").round(9), b[column].astype("float64").round(9)
        same &= (x == y) | (x.isna() & y.isna())
    return same


def merge_history(current: pd.DataFrame, history: pd.DataFrame, reporting: pd.Period, file_hashes: dict[str, str]) -> Merged:
    """Current figures win; history fills what the inputs no longer cover."""
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

    values = current.copy()
    values["from_history"] = False
    values = values.merge(history[["ref", "quarter", "restated_from", "restated_at"]] if len(history) else
                          pd.DataFrame(columns=["ref", "quarter", "restated_from", "restated_at"]),
                          on=["ref", "quarter"], how="left")
    # This run's restatements are marked now, before they are saved.
    if len(updates):
        now = updates[updates["restated"]][["ref", "quarter", "old_value"]]
        values = values.merge(now, on=["ref", "quarter"], how="left")
        values["restated_from"] = values["old_value"].combine_first(values["restated_from"])
        values = values.drop(columns="old_value")
    have = set(zip(ok["ref"], ok["quarter"]))
    fill = history[[(r, q) not in have for r, q in zip(history["ref"], history["quarter"])]] if len(history) else history
    if len(fill):
        fill = fill.assign(status="ok", reason="", table=fill["source_table"], from_history=True,
                           files=fill["files"].map(lambda j: "; ".join(json.loads(j)) if j else ""))
        values = values[[(r, q) not in set(zip(fill["ref"], fill["quarter"])) for r, q in zip(values["ref"], values["quarter"])]]
        values = pd.concat([values, fill[[c for c in values.columns if c in fill.columns]]], ignore_index=True)
    return Merged(values, inserts, updates)


def save_history(db: Path, merged: Merged, run_time: str, staged: Staged | None = None) -> int:
    """Apply inserts, updates and restatements; nothing at all if no figure changed.

    The changes are made to a copy that then replaces the file in one step, so a failure at
    any point leaves the stored history byte for byte as it was.
    """
    if merged.inserts.empty and merged.updates.empty:
        return 0
    rows = pd.concat([merged.inserts, merged.updates], ignore_index=True)
    restated = merged.updates[merged.updates["restated"]] if len(merged.updates) else merged.updates

    def write(copy: Path) -> None:
        if db.exists():
            shutil.copyfile(db, copy)
        with closing(sqlite3.connect(copy)) as con:
            con.executescript(SCHEMA)
            with con:
                con.executemany(
                    "INSERT OR REPLACE INTO measure_values (ref, quarter, quarter_label, value, numerator, denominator, "
                    "secondary, rows, detail, source_table, files, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    [(r.ref, str(r.quarter), label(r.quarter), float(r.value), _num(r.numerator), _num(r.denominator),
                      _num(r.secondary), int(r.rows), r.detail if isinstance(r.detail, str) else None, r.table,
                      r.files_json, run_time) for r in rows.itertuples(index=False)])
                con.executemany(
                    "INSERT INTO restatements (ref, quarter, quarter_label, old_value, new_value, old_files, new_files, "
                    "restated_at) VALUES (?,?,?,?,?,?,?,?)",
                    [(r.ref, str(r.quarter), label(r.quarter), float(r.old_value), float(r.value), r.old_files,
                      r.files_json, run_time) for r in restated.itertuples(index=False)])

    if staged is not None:
        staged.add(db, write)  # moved into place with the run's other outputs
    else:
        write_atomically(db, write)
    return len(rows)


def _num(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
