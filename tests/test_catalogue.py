"""The KPI catalogue as data: every Ref, and strict loading with errors that say what to fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.config.catalogue import load_catalogue
from pipeline.config.contract import load_contract
from pipeline.config.loading import ConfigError
from tests.conftest import ROOT

# Every Ref in KPI_CATALOGUE.md, in its order.
REFS = ["1.1", "1.2", "1.3", "1.4", "1.5", "2.1", "2.2", "2.3", "2.4", "2.5", "3.1", "3.2", "3.3", "3.4", "3.5",
        "4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7", "4.8", "4.9a", "4.9b", "4.9c", "4.9d", "4.9e", "4.9f",
        "4.9g", "4.9h", "4.10", "4.11", "4.12", "5.1", "5.2", "5.3", "5.4", "6.1", "6.2", "A1", "A2", "A3", "A4"]
CONTRACT = load_contract(ROOT / "schemas" / "sources.yaml")
KPIS = (ROOT / "schemas" / "kpis.yaml").read_text(encoding="utf-8")


def test_every_ref_of_the_catalogue_is_there_in_order():
    catalogue = load_catalogue(ROOT / "schemas" / "kpis.yaml", CONTRACT)
    assert catalogue.refs == REFS


def test_the_seed_s_developing_measures_are_flagged_and_polarities_follow_the_seed():
    catalogue = load_catalogue(ROOT / "schemas" / "kpis.yaml", CONTRACT)
    assert sorted(m.ref for m in catalogue.measures if m.developing) == ["3.5", "4.6", "4.8"]
    polarity = {m.ref: m.polarity for m in catalogue.measures}
    assert [polarity[r] for r in ("1.3", "2.4", "4.7", "4.10", "4.11", "4.1")] == ["higher", "lower", "lower", "lower", "higher", "none"]


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    assert old in KPIS
    path = tmp_path / "kpis.yaml"
    path.write_text(KPIS.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(("old", "new", "words"), [
    ("    target: 90\n    tolerance: 5\n", "    target: 90\n    tolerence: 5\n", "unknown key 'tolerence'"),
    ("    stretch: 98\n", "", "the key 'stretch' is missing"),
    ("compute: percentage, date: episode_start", "compute: percent_of, date: episode_start", "compute"),
    ("numerator: {rhi_offered: true}", "numerator: {rhi_offerd: true}", "has no column 'rhi_offerd'"),
    ("where: {learning_from: [Complex abuse process]}", "where: {learning_from: [Complex abuse]}", "Complex abuse is not one of"),
    ("table: stovewood, compute: sum, date: month, column: arrests}", "table: stovewod, compute: sum, date: month, column: arrests}", "no table 'stovewod'"),
    ("    polarity: higher\n    target: 80\n", "    polarity: none\n    target: 80\n", "a target needs a polarity"),
])
def test_a_mistake_stops_the_run_naming_the_entry_key_and_line(tmp_path, old, new, words):
    with pytest.raises(ConfigError) as err:
        load_catalogue(_broken(tmp_path, old, new), CONTRACT)
    message = str(err.value)
    assert words in message
    assert "kpis.yaml" in message
    if "unknown key" in words or "missing" in words:
        assert re.search(r"line \d+, at measures\.\d+", message)


def test_a_wrong_list_of_refs_in_a_where_of_yes_no_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="use true or false"):
        load_catalogue(_broken(tmp_path, "where: {cse_indicator: true}", "where: {cse_indicator: [Yes]}"), CONTRACT)


def test_readme_carries_the_two_quick_start_commands_and_every_heading():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install . && python -m pipeline --demo" in readme
    assert 'pip install ".[test]" && pytest' in readme
    for table in CONTRACT.tables.values():
        for column in table.columns.values():
            assert column.header in readme, column.header
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install ".[test]" && pytest' in ci


def test_a_choice_on_the_wrong_kind_of_measure_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="per cannot be used with compute 'count'"):
        load_catalogue(_broken(tmp_path, "where: {cse_indicator: true}", "where: {cse_indicator: true}, per: child_ref"),
                       CONTRACT)


A1_CHART = "    chart:\n      type: column\n      columns:\n        - {figure: shown, heading: Children, plot: true}\n"


def test_the_appendix_measures_carry_their_tables_and_charts():
    catalogue = load_catalogue(ROOT / "schemas" / "kpis.yaml", CONTRACT)
    assert [o for o, objective in catalogue.objectives.items() if objective.appendix] == ["A"]
    assert list(catalogue.charts) == ["A1", "A2", "A3", "A4"]
    a4 = catalogue.charts["A4"]
    assert a4.type == "line"
    assert [(c.figure, c.plot) for c in a4.columns] == [("numerator", False), ("denominator", False), ("shown", True)]


@pytest.mark.parametrize(("old", "new", "words", "named"), [
    ("      type: line\n", "      type: pie\n", "at measures.43.chart.type: Input should be 'column' or 'line'",
     "type: pie"),
    ("{figure: shown, heading: Children, plot: true}", "{figure: shwn, heading: Children, plot: true}",
     "at measures.40.chart.columns.0.figure: Input should be 'shown', 'numerator', 'denominator' or 'secondary'",
     "figure: shwn"),
    ("{figure: shown, heading: Children, plot: true}", "{figure: shown, heading: Children}",
     "at measures.40.chart.columns.0.plot: the key 'plot' is missing", "heading: Children}"),
    ("{figure: shown, heading: Children, plot: true}", "{figure: shown, heading: Children, plot: false}",
     "at measures.40.chart: the chart plots nothing", "chart:"),
    ("{figure: shown, heading: Children, plot: true}", "{figure: secondary, heading: Children, plot: true}",
     "at measures.40: the chart's secondary column needs compute count_and_sum", 'ref: "A1"'),
    (A1_CHART, "", "at measures.40: measure A1 is in objective A, the appendix (appendix: true), so it needs a chart",
     'ref: "A1"'),
    ("lead: null, appendix: true}", "lead: null}", "at measures.40.chart: measure A1 has a chart, but only the measures",
     "chart:"),
])
def test_a_mistake_in_the_appendix_charts_stops_the_run_naming_the_line(tmp_path, old, new, words, named):
    path = _broken(tmp_path, old, new)
    with pytest.raises(ConfigError) as err:
        load_catalogue(path, CONTRACT)
    found = re.search(rf"kpis\.yaml line (\d+), {re.escape(words)}", str(err.value))
    assert found, str(err.value)
    assert named in path.read_text(encoding="utf-8").splitlines()[int(found.group(1)) - 1]


SPC_AT_1_3 = "    target: null\n    tolerance: 30\n"  # 1.3's lines, where its own spc settings go


@pytest.mark.parametrize(("old", "new", "words", "where"), [
    (SPC_AT_1_3, SPC_AT_1_3 + "    spc: {min_point: 12}\n", "unknown key 'min_point'", r"line 15\d, at measures\.2\.spc"),
    (SPC_AT_1_3, SPC_AT_1_3 + "    spc: {method: p}\n", "a p-chart charts a percentage; measure 1.3 is a count",
     r"line 15\d, at measures\.2\.spc\.method"),
    (SPC_AT_1_3, SPC_AT_1_3 + "    spc: {method: cusum}\n", "'xmr' or 'p'", r"line 15\d, at measures\.2\.spc"),
    (SPC_AT_1_3, SPC_AT_1_3 + "    spc: {rate_by: luck}\n", "'variation' or 'direction'", r"measures\.2\.spc"),
    ("  baselines: []\n", "  baselines: [{from: 2024-04, to: 2025-03}, {from: 2025-01}]\n", "the baselines overlap",
     r"line \d+, at spc"),
    ("  baselines: []\n", "  baselines: [{from: 2025-04, to: 2024-03}]\n", "ends (2024-03) before it starts (2025-04)",
     r"at spc\.baselines\.0"),
    ("  baselines: []\n", "  baselines: [{from: April 2024}]\n", "is not a month written as year-month, e.g. 2024-04",
     r"at spc\.baselines\.0\.from"),
    ("  min_points: 15\n", "  min_points: 1\n", "greater than or equal to 2", r"at spc\.min_points"),
    ("low_numbers: 10\n", "low_numbers: 0\n", "greater than or equal to 1", r"at low_numbers"),
])
def test_a_mistake_in_the_spc_settings_stops_the_run_naming_the_line(tmp_path, old, new, words, where):
    with pytest.raises(ConfigError) as err:
        load_catalogue(_broken(tmp_path, old, new), CONTRACT)
    message = str(err.value)
    assert words in message and re.search(where, message), message


def test_a_measure_s_own_spc_settings_change_only_that_measure(tmp_path):
    catalogue = load_catalogue(_broken(tmp_path, SPC_AT_1_3, SPC_AT_1_3 + "    spc: {min_points: 12, rate_by: direction}\n"),
                               CONTRACT)
    one_three, four_eleven = (next(m for m in catalogue.measures if m.ref == r) for r in ("1.3", "4.11"))
    assert (catalogue.spc_of(one_three).min_points, catalogue.spc_of(one_three).rate_by) == (12, "direction")
    assert catalogue.spc_of(one_three).shift_length == 7  # the rest from the catalogue's spc
    assert (catalogue.spc_of(four_eleven).min_points, catalogue.spc_of(four_eleven).chart_method("percent")) == (15, "p")


def test_a_measure_s_commentary_lead_is_its_own_else_its_objective_s(tmp_path):
    catalogue = load_catalogue(_broken(tmp_path, SPC_AT_1_3, SPC_AT_1_3 + "    lead: Early Help Service Manager\n"),
                               CONTRACT)
    leads = {m.ref: catalogue.lead_of(m) for m in catalogue.measures}
    assert leads["1.3"] == "Early Help Service Manager"  # its own
    assert leads["1.1"] is None  # objective 1 names no lead: the performance officer is asked
    assert (leads["2.2"], leads["4.10"], leads["6.1"], leads["A1"]) == ("Catherine Hall", "Steve Chapman",
                                                                        "Rebecca Wall", None)


@pytest.mark.parametrize(("new", "words"), [
    ("    lead: Head of Service (CSC/Early Help)\n", "cannot contain any of"),
    ("    lead: '  '\n", "is blank"),
])
def test_a_lead_that_cannot_name_a_file_is_refused_naming_the_line(tmp_path, new, words):
    with pytest.raises(ConfigError) as err:
        load_catalogue(_broken(tmp_path, SPC_AT_1_3, SPC_AT_1_3 + new), CONTRACT)
    message = str(err.value)
    assert words in message and re.search(r"kpis\.yaml line \d+, at measures\.2\.lead", message), message
