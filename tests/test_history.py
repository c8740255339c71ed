"""History: idempotent re-runs, restatements, filling old quarters, and failed saves."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pandas as pd
import pytest

from pipeline.quarters import parse_label
from pipeline.stages.history import merge_history
from pipeline.writing import history_file
from pipeline.writing.history_file import load_history, save_history

Q1, Q2, Q3 = (parse_label(x) for x in ("Q1 2025/26", "Q2 2025/26", "Q3 2025/26"))
HASHES = {"police.xlsx": "a" * 64, "police v2.xlsx": "b" * 64}


def figures(rows: list[tuple[str, pd.Period, float]], files: str = "police.xlsx") -> pd.DataFrame:
    return pd.DataFrame([{
        "ref": ref, "quarter": q, "value": v, "numerator": None, "denominator": None, "secondary": None, "rows": 3,
        "status": "ok", "reason": "", "detail": None, "table": "police_disruption", "files": files, "stand_in": False}
        for ref, q, v in rows]
    ).astype({"numerator": "float64", "denominator": "float64", "secondary": "float64"})


def stored(db) -> list[tuple]:
    with closing(sqlite3.connect(db)) as con:
        return con.execute("SELECT ref, quarter, value, files FROM measure_values ORDER BY ref, quarter").fetchall()


def restatements(db) -> list[tuple]:
    with closing(sqlite3.connect(db)) as con:
        return con.execute("SELECT ref, quarter_label, old_value, new_value FROM restatements").fetchall()


def run(db, current: pd.DataFrame, reporting=Q2, when="2025-10-06T09:00:00"):
    merged = merge_history(current, load_history(db), reporting, HASHES)
    return merged, save_history(db, merged, when)


def test_first_run_stores_every_figure_with_its_files_and_hashes(tmp_path):
    db = tmp_path / "history.sqlite"
    merged, saved = run(db, figures([("4.9a", Q1, 6), ("4.9a", Q2, 4)]))
    assert saved == 2
    assert stored(db) == [("4.9a", "2026Q1", 6.0, '{"police.xlsx": "' + "a" * 64 + '"}'),
                          ("4.9a", "2026Q2", 4.0, '{"police.xlsx": "' + "a" * 64 + '"}')]


def test_re_running_the_same_inputs_changes_nothing(tmp_path):
    db = tmp_path / "history.sqlite"
    current = figures([("4.9a", Q1, 6), ("4.9a", Q2, 4)])
    run(db, current)
    before = db.read_bytes()
    merged, saved = run(db, current, when="2025-10-07T09:00:00")
    assert saved == 0 and merged.inserts.empty and merged.updates.empty
    assert db.read_bytes() == before
    assert len(stored(db)) == 2


def test_a_changed_past_quarter_is_a_restatement_and_is_marked(tmp_path):
    db = tmp_path / "history.sqlite"
    run(db, figures([("4.9a", Q1, 6), ("4.9a", Q2, 4)]))
    merged, _ = run(db, figures([("4.9a", Q1, 7), ("4.9a", Q2, 4), ("4.9a", Q3, 2)], "police v2.xlsx"), reporting=Q3)
    assert restatements(db) == [("4.9a", "Q1 2025/26", 6.0, 7.0)]
    marked = merged.values.set_index(["ref", "quarter"])
    assert marked.loc[("4.9a", Q1), "restated_from"] == 6.0
    assert pd.isna(marked.loc[("4.9a", Q2), "restated_from"])
    assert ("4.9a", "2026Q1", 7.0, '{"police v2.xlsx": "' + "b" * 64 + '"}') in stored(db)
    # The mark stays on later runs, read back from the stored restatement.
    again = merge_history(figures([("4.9a", Q3, 2)]), load_history(db), Q3, HASHES).values.set_index(["ref", "quarter"])
    assert again.loc[("4.9a", Q1), "restated_from"] == 6.0


def test_a_change_to_the_reporting_quarter_itself_is_not_a_restatement(tmp_path):
    db = tmp_path / "history.sqlite"
    run(db, figures([("4.9a", Q2, 4)]))
    run(db, figures([("4.9a", Q2, 5)]))
    assert restatements(db) == []
    assert stored(db)[0][2] == 5.0


def test_history_fills_quarters_the_inputs_no_longer_cover(tmp_path):
    db = tmp_path / "history.sqlite"
    run(db, figures([("4.9a", Q1, 6), ("4.9a", Q2, 4)]))
    merged, _ = run(db, figures([("4.9a", Q3, 2)]), reporting=Q3)
    values = merged.values.set_index(["ref", "quarter"])
    assert values.loc[("4.9a", Q1), "value"] == 6.0 and bool(values.loc[("4.9a", Q1), "from_history"])
    assert values.loc[("4.9a", Q3), "value"] == 2.0 and not bool(values.loc[("4.9a", Q3), "from_history"])


def test_current_no_data_does_not_overwrite_history(tmp_path):
    db = tmp_path / "history.sqlite"
    run(db, figures([("4.11", Q1, 90.0)]))
    gap = figures([("4.11", Q1, float("nan"))]).assign(status="no_data", reason="nothing to take a share of")
    merged, saved = run(db, gap)
    assert saved == 0 and stored(db)[0][2] == 90.0
    assert merged.values.set_index(["ref", "quarter"]).loc[("4.11", Q1), "value"] == 90.0


def test_a_failed_save_leaves_the_history_byte_for_byte(tmp_path, monkeypatch):
    db = tmp_path / "history.sqlite"
    run(db, figures([("4.9a", Q1, 6)]))
    before = db.read_bytes()
    real_label = history_file.label
    calls = {"n": 0}

    def failing_label(q):
        calls["n"] += 1
        if calls["n"] > 1:
            raise RuntimeError("disk full")
        return real_label(q)

    monkeypatch.setattr(history_file, "label", failing_label)
    with pytest.raises(RuntimeError):
        run(db, figures([("4.9a", Q1, 7), ("4.9a", Q2, 4)]))
    assert db.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["history.sqlite"]  # no temporary file left behind


def test_a_history_from_the_first_version_is_brought_up_to_date(tmp_path):
    db = tmp_path / "history.sqlite"
    with closing(sqlite3.connect(db)) as con:  # the first version's tables, without the rows behind each figure
        con.executescript("""
            CREATE TABLE measure_values (ref TEXT NOT NULL, quarter TEXT NOT NULL, quarter_label TEXT NOT NULL,
                value REAL NOT NULL, numerator REAL, denominator REAL, secondary REAL, rows INTEGER, detail TEXT,
                source_table TEXT, files TEXT, recorded_at TEXT NOT NULL, PRIMARY KEY (ref, quarter));
            CREATE TABLE restatements (id INTEGER PRIMARY KEY AUTOINCREMENT, ref TEXT NOT NULL, quarter TEXT NOT NULL,
                quarter_label TEXT NOT NULL, old_value REAL NOT NULL, new_value REAL NOT NULL, old_files TEXT,
                new_files TEXT, restated_at TEXT NOT NULL);
            INSERT INTO measure_values VALUES ('4.9a', '2026Q1', 'Q1 2025/26', 6, NULL, NULL, NULL, 3, NULL,
                'police_disruption', '{}', '2025-07-06T09:00:00');
        """)
    merged, saved = run(db, figures([("4.9a", Q1, 7)]))  # a restatement, saved with the new columns
    assert saved == 1 and restatements(db) == [("4.9a", "Q1 2025/26", 6.0, 7.0)]
    with closing(sqlite3.connect(db)) as con:
        assert con.execute("SELECT stand_in FROM measure_values").fetchall() == [(0,)]
        assert con.execute("SELECT rows_changed FROM restatements").fetchall() == [(None,)]
