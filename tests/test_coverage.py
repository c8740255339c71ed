"""Coverage: a quarter is a figure only when its returns cover all of it; never a false zero."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline.check import present_columns
from pipeline.cli import main
from pipeline.config.contract import load_contract
from pipeline.quarters import columns_for, parse_label
from pipeline.stages.coverage import cover, coverage_problems
from pipeline.stages.measures import compute_measures
from pipeline.stages.period import find_period
from pipeline.tools.templates import write_templates
from tests.conftest import ROOT, TODAY, check, copy_demo_inputs, messages, write_xlsx
from tests.test_measures import CATALOGUE, typed

pytestmark = pytest.mark.usefixtures("great_expectations")  # builds scorecards in this process

CONTRACT = load_contract(ROOT / "schemas" / "sources.yaml")
Q2_24, Q3, Q4, Q1, Q2 = (parse_label(x) for x in ("Q2 2024/25", "Q3 2024/25", "Q4 2024/25", "Q1 2025/26", "Q2 2025/26"))
D = pd.Timestamp
ENGAGEMENT = ["Date", "Activity", "Lead agency"]
POLICE = "SYP child exploitation data Q2 2025-26.xlsx"


@pytest.fixture(scope="module")
def demo_inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "inputs"
    copy_demo_inputs(folder)
    return folder


def _drop_months(path: Path, sheets: list[str], months: list[datetime]) -> dict[str, dict[datetime, list]]:
    """Delete the rows of some months from monthly sheets; return every sheet's rows by month, as left."""
    book = openpyxl.load_workbook(path)
    left = {}
    for name in sheets:
        sheet = book[name]
        for row in range(sheet.max_row, 0, -1):
            if sheet.cell(row, 1).value in months:
                sheet.delete_rows(row)
        rows = list(sheet.iter_rows(values_only=True))
        head = next(i for i, r in enumerate(rows) if r and r[0] == "Month")
        left[name] = {r[0]: dict(zip(rows[head], r)) for r in rows[head + 1:] if isinstance(r[0], datetime)}
    book.save(path)
    return left


def test_a_missing_month_makes_its_quarter_incomplete_and_unrated(tmp_path, demo_inputs):
    folder = tmp_path / "inputs"
    shutil.copytree(demo_inputs, folder)
    nov, aug = datetime(2024, 11, 1), datetime(2025, 8, 1)
    left = _drop_months(folder / POLICE, ["Stovewood (monthly)", "Disruption (monthly)"], [nov, aug])
    outputs = tmp_path / "outputs"
    assert main(["--inputs", str(folder), "--outputs", str(outputs), "--today", TODAY.isoformat(), "--quiet"]) == 3
    book = openpyxl.load_workbook(outputs / "CE scorecard Q2 2025-26.xlsx")
    sheet = book["Scorecard"]
    head = [c.value for c in sheet[1]]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2) if r[0].value}
    q3, q4, q2, brag = (head.index(h) for h in ("Q3 2024/25", "Q4 2024/25", "Q2 2025/26", "BRAG"))
    for ref in ("5.2", "4.9a", "4.9g"):  # 5.2 and 4.9g are Monitor measures: not rated either
        assert rows[ref][q3].value == "Incomplete" and "no November 2024" in rows[ref][q3].comment.text
        assert rows[ref][q2].value == "Incomplete" and "no August 2025" in rows[ref][q2].comment.text
        assert rows[ref][brag].value == "Incomplete"
    stovewood = left["Stovewood (monthly)"]
    arrests_q4 = sum(stovewood[datetime(2025, m, 1)]["Arrests"] for m in (1, 2, 3))
    assert rows["5.2"][q4].value == arrests_q4  # the quarters with all three months are untouched
    summary = [[c.value for c in r] for r in book["Summary"].iter_rows()]
    listed = next(i for i, r in enumerate(summary) if r[0] and str(r[0]).startswith("Incomplete figures this quarter"))
    assert summary[listed][0] == "Incomplete figures this quarter (12)"  # 4.9a-h and 5.1-5.4
    assert summary[listed + 2][:3] == ["4.9a", "Number of CSE related arrests", "no August 2025"]
    checks = openpyxl.load_workbook(outputs / "CE scorecard Q2 2025-26 (officer checks).xlsx")
    quality = [r[7] for r in checks["Data quality"].iter_rows(values_only=True)]
    assert any(m and m.startswith(f"The Operation Stovewood monthly counts ({POLICE}, sheet 'Stovewood (monthly)') "
                                  "cover Q3 2024/25 only in part (no November 2024)") for m in quality)


def test_an_annex_a_export_for_fewer_months_is_never_read_as_zero():
    monthly = typed("eh_monthly", [{"month": m, "completed_assessments": 10}
                                   for m in pd.date_range("2024-04-01", "2025-09-01", freq="MS")])
    # Annex A's List 2 was exported for April to September 2025 only
    annex = typed("annex_a_list2", [{"child_ref": str(i), "start_date": D("2025-04-01"), "completion_date": D(d)}
                                    for i, d in enumerate(["2025-04-03"] * 30 + ["2025-08-20"] * 25)])
    r = compute_measures({"eh_monthly": monthly, "annex_a_list2": annex}, CATALOGUE, CONTRACT,
                         {t: set(CONTRACT.tables[t].columns) for t in ("eh_monthly", "annex_a_list2")}, {0: "f.xlsx"})
    from_annex = r.alternatives[(r.alternatives["ref"] == "1.3") & (r.alternatives["table"] == "annex_a_list2")]
    assert sorted(from_annex.loc[from_annex["status"] == "ok", "quarter"]) == [Q1, Q2]  # no 0 for Q3 or Q4
    disagree = r.problems["message"].tolist()
    # compared only where both cover the whole quarter: Q1 (30 against 30 agree), Q2 (30 against 25)
    assert disagree == ["Measure 1.3, Q2 2025/26: the Early Help assessments (monthly counts) gives 30 but the Ofsted "
                        "Annex A List 2 (Early Help assessments) gives 25. The scorecard uses the Early Help "
                        "assessments (monthly counts); check which is right."]


def test_each_annex_a_list_has_its_own_period():
    list2 = typed("annex_a_list2", [{"child_ref": "1", "start_date": D("2025-01-02"), "completion_date": D("2025-01-20")}])
    list7 = typed("annex_a_list7", [{"child_ref": "2", "plan_start_date": D("2023-05-01"), "plan_end_date": D("2024-07-15"),
                                     "latest_category": "Neglect"}]).assign(_loc=1)
    coverage = cover({"annex_a_list2": list2, "annex_a_list7": list7}, [], CONTRACT, None)[0]
    periods = coverage.periods.set_index("table")
    assert (periods.at["annex_a_list2", "start"], periods.at["annex_a_list2", "end"]) == (D("2025-01-01"), D("2025-03-31"))
    # a list of plans open at any time in its period starts at its earliest end date's month
    assert (periods.at["annex_a_list7", "start"], periods.at["annex_a_list7", "end"]) == (D("2024-07-01"), D("2024-09-30"))


def test_quarters_between_two_returns_are_no_data_and_part_of_a_quarter_is_incomplete(tmp_path):
    write_xlsx(tmp_path / "Q1.xlsx", {"Engagement": [["Period covered: 01/04/2025 to 30/06/2025"], [], ENGAGEMENT,
                                                     ["10/04/2025", "Stall", "Police"]]})
    write_xlsx(tmp_path / "Q3 part.xlsx", {"Engagement": [["Period covered", "15/11/2025", "31/12/2025"], [], ENGAGEMENT]})
    result = check(tmp_path, CONTRACT, today=datetime(2026, 2, 1).date())
    r = compute_measures(result.checked.frames, CATALOGUE, CONTRACT, present_columns(result.staged),
                         {0: "Q1.xlsx", 1: "Q3 part.xlsx"}, result.coverage)
    got = r.values[r.values["ref"] == "1.5"].set_index("quarter")
    assert got.at[Q1, "value"] == 1
    assert got.at[Q2, "status"] == "no_data" and got.at[Q2, "reason"].startswith("no return covers this quarter")
    q3 = parse_label("Q3 2025/26")
    assert got.at[q3, "status"] == "incomplete"
    assert got.at[q3, "reason"] == "the returns cover 15/11/2025 to 31/12/2025 of this quarter only"


def test_a_return_that_stops_early_is_warned_about_and_its_next_quarter_is_no_data():
    rows = [("CA-1", "2025-04-10"), ("CA-2", "2025-08-14")]
    frame = typed("csc_complex_abuse", [{"case_ref": c, "date_considered": D(d)} for c, d in rows])
    coverage = cover({"csc_complex_abuse": frame}, [], CONTRACT, None)[0]
    q3 = parse_label("Q3 2025/26")
    warned = coverage_problems(coverage, columns_for(q3), CONTRACT)["message"].tolist()
    assert warned == ["No Complex abuse cases considered rows after 14/08/2025: is the return complete? If it is, fill "
                      "in its period covered (from and to dates), so that Q3 2025/26 shows its true figure, 0 if "
                      "nothing happened; until then its measures show No data for Q3 2025/26."]
    assert q3 not in coverage.of("csc_complex_abuse").index
    assert coverage_problems(coverage, columns_for(Q2), CONTRACT).empty  # its rows reach the reporting quarter


def test_a_sparse_log_covers_to_the_end_of_its_last_quarter_and_from_its_first_month():
    frame = typed("learning_events", [{"event_date": D("2024-10-03"), "event": "Briefing",
                                       "learning_from": "Complex abuse process"}])
    covered = cover({"learning_events": frame}, [], CONTRACT, None)[0].of("learning_events")
    assert covered.at[Q3, "status"] == "full"  # from 1 October, the first day of its first month
    frame = typed("learning_events", [{"event_date": D("2024-11-03"), "event": "Briefing",
                                       "learning_from": "Complex abuse process"}])
    covered = cover({"learning_events": frame}, [], CONTRACT, None)[0].of("learning_events")
    assert covered.at[Q3, "status"] == "partial"  # from 1 November: October is not covered
    assert covered.at[Q3, "reason"] == "the returns cover 01/11/2024 to 31/12/2024 of this quarter only"


def test_rows_outside_the_stated_period_are_not_counted(tmp_path):
    write_xlsx(tmp_path / "log.xlsx", {"Engagement": [["Period covered: 01/04/2025 to 30/06/2025"], [], ENGAGEMENT,
                                                      ["10/04/2025", "Stall", "Police"],
                                                      ["02/07/2025", "Late entry", "Police"]]})
    result = check(tmp_path, CONTRACT, today=datetime(2026, 2, 1).date())
    assert result.checked.frames["engagement"]["activity"].tolist() == ["Stall"]
    assert [m for m in messages(result, "warning") if "outside the period" in m] == [
        "log.xlsx, sheet 'Engagement', row 5: the Date is outside the period the return says it covers (01/04/2025 to "
        "30/06/2025, cell A1), so they were not counted. Correct the dates, or the period covered."]


@pytest.mark.parametrize("rows, expected", [
    ([["Period covered: 1 July 2025 to 30/09/2025"]], ("2025-07-01", "2025-09-30")),
    ([["Period covered", "from", "01/07/2025", "to", "30/09/2025"]], ("2025-07-01", "2025-09-30")),
    ([["Period covered from", "01/07/2025"], ["Period covered to", "30/09/2025"]], ("2025-07-01", "2025-09-30")),
    ([["Period covered from", "2025-07-01 00:00:00"], ["Period covered to", "45930"]], ("2025-07-01", "2025-09-30")),
    ([["Please fill in the period covered by this return: 01/07/2025"]], None),  # a sentence, not the line
])
def test_the_period_covered_line_is_read_as_agencies_write_it(rows, expected):
    head = pd.DataFrame(rows).astype(object).where(pd.DataFrame(rows).notna(), None)
    found = find_period(head)
    if expected is None:
        assert found is None
    else:
        assert (found.start, found.end) == (D(expected[0]), D(expected[1])) and found.cell == "A1"


def test_a_period_covered_with_one_date_is_an_error_naming_its_cell(tmp_path):
    write_xlsx(tmp_path / "log.xlsx", {"Engagement": [["Title"], ["Period covered from", "01/04/2025"], [],
                                                      ENGAGEMENT, ["10/04/2025", "Stall", "Police"]]})
    errors = messages(check(tmp_path, CONTRACT), "error")
    assert errors == ["log.xlsx, sheet 'Engagement', cell A2 ('Period covered from'): the period covered does not have "
                      "both dates; expected two dates, from and to, such as 01/07/2025 and 30/09/2025. Fill in both "
                      "dates, or delete the line to let the pipeline work the period out from the rows."]


def test_the_templates_ask_for_the_period_and_the_reader_takes_it_for_every_sheet(tmp_path):
    write_templates(tmp_path / "blank", CONTRACT)
    path = tmp_path / "blank" / "Partnership return.xlsx"
    book = openpyxl.load_workbook(path)
    readme = book["Read me"]
    labels = {readme.cell(r, 1).value: r for r in range(1, 15)}
    readme.cell(labels["Period covered from"], 2).value = datetime(2025, 7, 1)
    readme.cell(labels["Period covered to"], 2).value = datetime(2025, 9, 30)
    book["Community engagement"].append([datetime(2025, 7, 5), "Stall", "Police"])
    book.save(tmp_path / "inputs.xlsx")
    (tmp_path / "in").mkdir()
    shutil.move(tmp_path / "inputs.xlsx", tmp_path / "in" / "Partnership return.xlsx")
    result = check(tmp_path / "in", CONTRACT)
    periods = {loc.table: loc.period for loc in result.staged.locations}
    assert (periods["engagement"].start, periods["engagement"].end) == (D("2025-07-01"), D("2025-09-30"))
    r = compute_measures(result.checked.frames, CATALOGUE, CONTRACT, present_columns(result.staged),
                         {loc.loc: "x" for loc in result.staged.locations}, result.coverage)
    got = r.values.set_index(["ref", "quarter"])
    assert got.at[("1.5", Q2), "value"] == 1
    assert got.at[("6.2", Q2), "value"] == 0  # a learning events sheet left empty, for a period it covers: 0
