"""Given/expect for the source schemas: good rows pass, each kind of bad cell is named."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pipeline.config.contract import Contract, load_contract
from pipeline.stages.validate import check_table
from tests.conftest import ROOT, TODAY

CONTRACT = load_contract(ROOT / "schemas" / "sources.yaml")
EARLIEST = CONTRACT.settings.earliest_date
TEMPLATED = [name for name, t in CONTRACT.tables.items() if t.template]


def staged(rows: list[dict[str, str]]) -> pd.DataFrame:
    """Rows as the reader stages them: text cells, a location and an Excel row number."""
    frame = pd.DataFrame(rows).astype("object")
    return frame.assign(_loc=0, _row=range(2, 2 + len(frame)))


def example_row(contract: Contract, table: str) -> dict[str, str]:
    return {name: col.example for name, col in contract.tables[table].columns.items()}


def run(table: str, rows: list[dict[str, str]], today: date = TODAY) -> tuple[pd.DataFrame, pd.DataFrame]:
    return check_table(table, staged(rows), CONTRACT.tables[table], today, EARLIEST)


@pytest.mark.parametrize("table", TEMPLATED)
def test_the_templates_example_row_passes(table):
    good, findings = run(table, [example_row(CONTRACT, table)])
    assert findings.empty, findings.to_dict("records")
    assert len(good) == 1


IMPOSSIBLE = {"date": "31/02/2025", "month": "Smarch 2025", "integer": "-3", "number_in_text": "99",
              "code": "Not a real value", "yesno": "Perhaps", "quarter": "Q9 2025"}


def _cases() -> list[tuple[str, str]]:
    return [(t, c) for t in TEMPLATED for c, col in CONTRACT.tables[t].columns.items() if col.type in IMPOSSIBLE]


@pytest.mark.parametrize(("table", "column"), _cases())
def test_an_impossible_value_in_any_typed_column_is_named(table, column):
    row = example_row(CONTRACT, table) | {column: IMPOSSIBLE[CONTRACT.tables[table].columns[column].type]}
    good, findings = run(table, [row])
    assert good.empty
    assert findings[["_row", "column"]].values.tolist() == [[2, column]]
    assert findings["value"].iloc[0] == row[column]


@pytest.mark.parametrize("table", TEMPLATED)
def test_a_blank_required_cell_is_named(table):
    required = [c for c, col in CONTRACT.tables[table].columns.items() if not col.blank_ok]
    row = example_row(CONTRACT, table) | {required[0]: ""}
    _, findings = run(table, [row])
    assert findings[["column", "check"]].values.tolist() == [[required[0], "not_nullable"]]


GIVEN_EXPECT = [
    # (table, changes to the example row, column named, words in the expectation)
    ("police_intelligence", {"linked_offences": "-1"}, "linked_offences", "a whole number from 0 to 100"),
    ("police_intelligence", {"report_date": "01/01/2027"}, "report_date", "cannot be in the future"),
    ("police_intelligence", {"report_date": "01/01/1999"}, "report_date", "a date from 01/01/2005"),
    ("police_crimes", {"outcome_date": "01/08/2024"}, "outcome_date", "on or after the Date recorded (02/09/2024)"),
    ("police_crimes", {"outcome_date": ""}, "outcome_date", "both filled in, or both blank"),
    ("police_crimes", {"outcome_type": "23"}, "outcome_type", "a whole number from 1 to 22"),
    ("csc_missing", {"rhi_offered": "No", "rhi_accepted": "Yes"}, "rhi_accepted", "No or blank, because Return home interview offered is not Yes"),
    ("csc_missing", {"episode_end": "17/10/2024"}, "episode_end", "on or after the Episode start date (18/10/2024)"),
    ("csc_cp_plans", {"plan_end_date": "01/07/2024"}, "plan_end_date", "on or after the Plan start date"),
    ("workplan", {"date_achieved": "01/06/2024"}, "date_achieved", "on or after the Date commenced (01/07/2024)"),
    ("workplan", {"objective": "Objective 7"}, "objective", "a whole number from 1 to 6"),
    ("evolve_risk", {"risk_level": "Very high"}, "risk_level", "one of: Low, Medium, High"),
    ("commentary", {"quarter": "Q3 2024"}, "quarter", "a quarter such as Q3 2024/25"),
]


@pytest.mark.parametrize(("table", "changes", "column", "words"), GIVEN_EXPECT)
def test_given_expect(table, changes, column, words):
    row = example_row(CONTRACT, table) | changes
    _, findings = run(table, [row])
    named = findings[findings["column"] == column]
    assert len(named) == 1, findings.to_dict("records")
    assert words in named["expected"].iloc[0]


def test_future_target_dates_are_allowed_in_the_work_plan():
    row = example_row(CONTRACT, "workplan") | {"target_date": "31/03/2028"}
    good, findings = run("workplan", [row])
    assert findings.empty and len(good) == 1


def test_repeated_references_point_back_at_the_first_use():
    first = example_row(CONTRACT, "police_crimes")
    second = first | {"recorded_date": "03/09/2024", "outcome_type": "", "outcome_date": ""}
    good, findings = run("police_crimes", [first, second, first | {"crime_ref": "OTHER"}])
    assert findings[["_row", "column"]].values.tolist() == [[3, "crime_ref"]]
    assert "already used in row 2" in findings["expected"].iloc[0]
    assert good["_row"].tolist() == [2, 4]


def test_repeated_combinations_are_refused_once_and_blank_keys_are_not_repeats():
    row = example_row(CONTRACT, "evolve_risk")
    good, findings = run("evolve_risk", [row, row, row | {"exploitation_type": "CCE"}])
    assert findings["_row"].tolist() == [3]
    assert "only one row for each Child reference, Assessment date and Exploitation type (this repeats row 2)" in findings["expected"].iloc[0]
    plans = [example_row(CONTRACT, "workplan") | {"action_ref": ""}, example_row(CONTRACT, "workplan") | {"action_ref": ""}]
    _, findings = run("workplan", plans)
    assert findings.empty  # blank optional references are not duplicates of each other


def test_an_unreadable_cell_is_reported_once_not_again_as_blank():
    row = example_row(CONTRACT, "evolve_risk") | {"assessment_date": "sometime in October"}
    _, findings = run("evolve_risk", [row])
    assert findings[["column", "check"]].values.tolist() == [["assessment_date", "type"]]


def test_every_count_column_has_an_upper_bound_and_a_value_beyond_it_names_its_cell():
    unbounded = [(t, c) for t, table in CONTRACT.tables.items() for c, col in table.columns.items()
                 if col.type == "integer" and col.max is None]
    assert unbounded == []
    month = {**example_row(CONTRACT, "police_disruption"), "cse_arrests": "1,000,000,000,000"}
    good, found = run("police_disruption", [month])
    assert good.empty
    assert found[["column", "check", "expected"]].values.tolist() == [["cse_arrests", "range", "a whole number from 0 to 500"]]
    too_big = {**month, "cse_arrests": "99999999999999999999"}  # beyond what a number can hold exactly
    assert run("police_disruption", [too_big])[1][["column", "expected"]].values.tolist() == [
        ["cse_arrests", "a whole number from 0 to 500"]]


def test_a_count_column_without_a_bound_is_refused_in_the_contract(tmp_path):
    from pipeline.config.loading import ConfigError

    text = (ROOT / "schemas" / "sources.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "sources.yaml"
    broken.write_text(text.replace("        min: 0\n        max: 500\n", "        min: 0\n", 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sources\.yaml line \d+, at tables\.police_disruption\.columns\.cse_arrests: "
                                          r"a whole-number column needs 'max'"):
        load_contract(broken)


def test_text_longer_than_an_excel_cell_is_a_warning_naming_the_cell():
    long = "x" * 40_000
    row = {**example_row(CONTRACT, "workplan"), "evidence": long}
    good, found = run("workplan", [row])
    assert len(good) == 1  # kept: the scorecard shows it cut, with a mark
    assert found[["column", "check", "severity"]].values.tolist() == [["evidence", "too_long", "warning"]]
    assert found["expected"].iloc[0] == ("at most 32,767 characters, as an Excel cell holds (it has 40,000): the "
                                         "scorecard shows the start of it, marked as cut")
