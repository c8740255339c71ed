"""Monthly series for the SPC charts: the same coverage rules as quarters, and kept in history."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from pipeline.stages.coverage import MONTH
from pipeline.stages.history import Merged, merge_months
from pipeline.stages.measures import compute_measures
from pipeline.writing.history_file import load_months, save_history
from tests.conftest import check, write_xlsx
from tests.test_coverage import CONTRACT, ENGAGEMENT
from tests.test_measures import CATALOGUE, typed

D = pd.Timestamp
M = lambda text: pd.Period(text, freq=MONTH)  # noqa: E731


def monthly(frames: dict[str, pd.DataFrame], coverage=None) -> pd.DataFrame:
    present = {t: set(CONTRACT.tables[t].columns) for t in frames}
    result = compute_measures(frames, CATALOGUE, CONTRACT, present, {0: "f.xlsx"}, coverage, MONTH)
    return result.values.rename(columns={"quarter": "month"})


def by_month(values: pd.DataFrame, ref: str, column: str = "value") -> dict[pd.Period, object]:
    rows = values[values["ref"] == ref]
    return dict(zip(rows["month"], rows[column]))


def test_a_monthly_return_gives_one_point_per_month_it_has_and_none_for_a_month_it_lacks():
    counts = {"2024-10-01": 3, "2024-11-01": 0, "2025-01-01": 5}  # no December
    rows = [{"month": D(m), "cse_arrests": n, "cce_arrests": 1, "cse_prosecutions": 0, "cce_prosecutions": 0,
             "cse_convictions": 0, "cce_convictions": 0, "abduction_notices": 0, "disruptive_orders": 0}
            for m, n in counts.items()]
    got = by_month(monthly({"police_disruption": typed("police_disruption", rows)}), "4.9a")
    assert {m: v for m, v in got.items() if pd.notna(v)} == {M("2024-10"): 3, M("2024-11"): 0, M("2025-01"): 5}
    assert M("2024-12") not in got or pd.isna(got[M("2024-12")])  # never a false zero for December


def test_dated_rows_are_counted_in_their_own_month_and_an_empty_covered_month_is_zero():
    days = ["2025-04-03", "2025-04-28", "2025-06-10"]  # none in May
    frame = typed("csc_complex_abuse", [{"case_ref": f"CA-{i}", "date_considered": D(d)} for i, d in enumerate(days)])
    got = by_month(monthly({"csc_complex_abuse": frame}), "6.1")
    assert got == {M("2025-04"): 2, M("2025-05"): 0, M("2025-06"): 1}


def test_a_month_only_partly_inside_the_period_covered_is_not_a_point(tmp_path):
    write_xlsx(tmp_path / "engagement.xlsx", {"Engagement": [
        ["Period covered", "15/04/2025", "30/06/2025"], [], ENGAGEMENT,
        ["20/04/2025", "Stall", "Police"], ["02/05/2025", "Talk", "Police"], ["03/05/2025", "Talk", "Health"]]})
    result = check(tmp_path, CONTRACT, today=datetime(2025, 10, 1).date())
    values = monthly(result.checked.frames, result.coverage)
    got = by_month(values, "1.5", "status")
    assert got[M("2025-04")] == "incomplete"  # 15 to 30 April only: not a point on the chart
    assert by_month(values, "1.5")[M("2025-05")] == 2 and by_month(values, "1.5")[M("2025-06")] == 0
    points, _ = merge_months(values.rename(columns={"month": "quarter"}), load_months(tmp_path / "none.sqlite"))
    assert set(points.loc[points["ref"] == "1.5", "month"]) == {M("2025-05"), M("2025-06")}


# ------------------------------------------------------------------------------------ history

def points(ref: str, values: dict[str, float], table: str = "engagement") -> pd.DataFrame:
    """This run's monthly figures as compute_measures gives them (the month in "quarter")."""
    return pd.DataFrame([{"ref": ref, "quarter": M(m), "value": v, "numerator": None, "denominator": None,
                          "status": "ok", "table": table, "stand_in": False} for m, v in values.items()]
                        ).astype({"numerator": "float64", "denominator": "float64"})


def run(db, current: pd.DataFrame, when: str = "2025-10-06T09:00:00") -> tuple[pd.DataFrame, pd.DataFrame, int]:
    months, writes = merge_months(current, load_months(db))
    save_history(db, Merged(values=pd.DataFrame(), inserts=pd.DataFrame(), updates=pd.DataFrame(),
                            months=months, month_writes=writes), when)
    return months, writes, len(writes)


@pytest.fixture
def db(tmp_path):
    return tmp_path / "history.sqlite"


def test_monthly_points_are_stored_and_fill_the_months_the_inputs_no_longer_cover(db):
    run(db, points("1.5", {"2025-04": 3, "2025-05": 1, "2025-06": 4}))
    stored = load_months(db)
    assert dict(zip(stored["month"], stored["value"])) == {M("2025-04"): 3, M("2025-05"): 1, M("2025-06"): 4}
    # next quarter's return covers July to September only: April to June come from history
    months, writes, _ = run(db, points("1.5", {"2025-07": 2, "2025-08": 0, "2025-09": 5}))
    series = months[months["ref"] == "1.5"]
    assert list(series["month"]) == [M(f"2025-{m:02d}") for m in range(4, 10)]
    assert list(series["value"]) == [3, 1, 4, 2, 0, 5]
    assert list(writes["month"]) == [M("2025-07"), M("2025-08"), M("2025-09")]  # only the new months are written


def test_re_running_the_same_inputs_writes_no_monthly_point(db):
    current = points("1.5", {"2025-04": 3, "2025-05": 1})
    run(db, current)
    before = db.read_bytes()
    _, writes, _ = run(db, current, when="2025-10-07T09:00:00")
    assert writes.empty
    assert db.read_bytes() == before


def test_a_corrected_month_replaces_the_stored_point(db):
    run(db, points("1.5", {"2025-04": 3, "2025-05": 1}))
    _, writes, _ = run(db, points("1.5", {"2025-04": 3, "2025-05": 2}))
    assert list(writes["month"]) == [M("2025-05")]
    stored = load_months(db)
    assert dict(zip(stored["month"], stored["value"])) == {M("2025-04"): 3, M("2025-05"): 2}


def test_an_incomplete_or_empty_month_is_never_stored_as_a_point(db):
    current = points("1.5", {"2025-04": 3, "2025-05": float("nan")})
    current.loc[1, "status"] = "incomplete"
    run(db, current)
    assert list(load_months(db)["month"]) == [M("2025-04")]
