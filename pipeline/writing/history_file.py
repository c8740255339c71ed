"""The history file: every figure ever reported, per measure and quarter, in SQLite under outputs/.

Saving is one transaction on a copy that replaces the file in one step, so a failure at any
point leaves the stored history byte for byte as it was; a run that changes no figure writes
nothing. An older file is brought up to date when opened.
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.model import Stored
from pipeline.quarters import FREQ, label
from pipeline.stages.coverage import MONTH
from pipeline.stages.history import MONTH_COLUMNS, Merged
from pipeline.stages.lineage import SUMMARY_COLUMNS
from pipeline.writing.faults import BUSY_SECONDS, others_kept_out
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
CREATE TABLE IF NOT EXISTS monthly_values (   -- the monthly figures the SPC charts plot (whole months only)
    ref TEXT NOT NULL,
    month TEXT NOT NULL,            -- e.g. 2025-09
    value REAL NOT NULL,
    numerator REAL,
    denominator REAL,
    source_table TEXT,
    stand_in INTEGER NOT NULL DEFAULT 0,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (ref, month)
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

def load_stored(db: Path) -> Stored:
    return Stored(load_history(db), load_lineage(db), load_months(db))


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


def save_history(db: Path, merged: Merged, run_time: str, staged: StagedOutputs | None = None) -> int:
    """Apply inserts, updates, restatements, the rows behind them and the monthly points; nothing
    at all if nothing changed. Returns how many quarterly figures were stored.

    The changes are made to a copy that then replaces the file in one step, so a failure at
    any point leaves the stored history byte for byte as it was.
    """
    if merged.inserts.empty and merged.updates.empty and not merged.lineage_keys and merged.month_writes.empty:
        return 0
    rows = pd.concat([f for f in (merged.inserts, merged.updates) if len(f)], ignore_index=True) \
        if len(merged.inserts) or len(merged.updates) else merged.inserts

    def write(copy: Path) -> None:
        if db.exists():
            with closing(sqlite3.connect(db, timeout=BUSY_SECONDS)) as source, others_kept_out(source):
                shutil.copyfile(db, copy)  # no other program has begun changing it since the run read it
        with closing(sqlite3.connect(copy)) as con:
            _migrate(con)
            with con:
                _store_figures(con, rows, merged.updates, run_time)
                _store_rows(con, merged, run_time)
                _store_months(con, merged.month_writes, run_time)

    if staged is not None:
        staged.add(db, write)  # moved into place with the run's other outputs
    else:
        write_atomically(db, write)
    return len(rows)


def _store_figures(con: sqlite3.Connection, rows: pd.DataFrame, updates: pd.DataFrame, run_time: str) -> None:
    """The quarterly figures new or changed, and a record of each restatement."""
    con.executemany(
        "INSERT OR REPLACE INTO measure_values (ref, quarter, quarter_label, value, numerator, denominator, "
        "secondary, rows, detail, source_table, files, recorded_at, stand_in) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(r.ref, str(r.quarter), label(r.quarter), float(r.value), _num(r.numerator), _num(r.denominator),
          _num(r.secondary), int(r.rows), r.detail if isinstance(r.detail, str) else None, r.table,
          r.files_json, run_time, int(bool(r.stand_in))) for r in rows.itertuples(index=False)])
    restated = updates[updates["restated"]] if len(updates) else updates
    con.executemany(
        "INSERT INTO restatements (ref, quarter, quarter_label, old_value, new_value, old_files, new_files, "
        "restated_at, rows_changed) VALUES (?,?,?,?,?,?,?,?,?)",
        [(r.ref, str(r.quarter), label(r.quarter), float(r.old_value), float(r.value), r.old_files,
          r.files_json, run_time, r.rows_changed or None) for r in restated.itertuples(index=False)])


def _store_rows(con: sqlite3.Connection, merged: Merged, run_time: str) -> None:
    """The rows behind each figure whose rows changed, in place of those stored with it."""
    con.executemany("DELETE FROM figure_rows WHERE ref = ? AND quarter = ?",
                    [(ref, str(quarter)) for ref, quarter in merged.lineage_keys])
    con.executemany(
        "INSERT INTO figure_rows (ref, quarter, file, sheet, part, rows, row_count, recorded_at) "
        "VALUES (?,?,?,?,?,?,?,?)",
        [(r.ref, str(r.quarter), r.file, r.sheet, r.part, r.rows, int(r.row_count), run_time)
         for r in merged.lineage_writes.itertuples(index=False)])


def _store_months(con: sqlite3.Connection, months: pd.DataFrame, run_time: str) -> None:
    """Monthly points new or changed (a changed month is replaced: its quarter's restatement is the record)."""
    con.executemany(
        "INSERT OR REPLACE INTO monthly_values (ref, month, value, numerator, denominator, source_table, stand_in, "
        "recorded_at) VALUES (?,?,?,?,?,?,?,?)",
        [(r.ref, str(r.month), float(r.value), _num(r.numerator), _num(r.denominator), r.table, int(bool(r.stand_in)),
          run_time) for r in months.itertuples(index=False)])


def load_months(db: Path) -> pd.DataFrame:
    """Every stored monthly point (MONTH_COLUMNS)."""
    if not db.exists():
        return _no_months()
    with closing(sqlite3.connect(db)) as con:
        _migrate(con)
        stored = pd.read_sql_query("SELECT ref, month, value, numerator, denominator, source_table AS \"table\", "
                                   "stand_in FROM monthly_values", con)
    if stored.empty:
        return _no_months()
    return stored.assign(month=pd.PeriodIndex(stored["month"], freq=MONTH), stand_in=stored["stand_in"].astype(bool))


def _no_months() -> pd.DataFrame:
    return pd.DataFrame({"ref": pd.Series(dtype="object"), "month": pd.Series(dtype=f"period[{MONTH}]"),
                         **{c: pd.Series(dtype="float64") for c in ("value", "numerator", "denominator")},
                         "table": pd.Series(dtype="object"), "stand_in": pd.Series(dtype="bool")})[MONTH_COLUMNS]


def _num(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
