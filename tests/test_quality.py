"""The great-expectations checks on the merged figures: they pass on the demo, catch each kind of
implausible figure with its measure and quarter, write Data Docs, and stay quiet and offline."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from pipeline.config.expectations import load_suite
from pipeline.config.loading import ConfigError
from pipeline.quarters import label
from pipeline.stages.checker import Checker
from pipeline.stages.gx import _raised
from pipeline.stages.quality import COLUMNS, check_expectations
from tests.conftest import demo_scorecard

pytestmark = pytest.mark.usefixtures("great_expectations")  # builds scorecards in this process

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "schemas" / "expectations.yaml"
TODAY = date(2026, 11, 22)

COMPLETE = "Each measure has a figure or a stated reason"
COUNTS = "Counts are not negative"
PERCENTAGES = "Percentages are between 0 and 100"
DENOMINATORS = "Percentages have a denominator above zero"
CSE_S47 = "CSE strategy meetings progressing to S47 are not more than CSE strategy meetings"
CCE_S47 = "CCE strategy meetings progressing to S47 are not more than CCE strategy meetings"
RHI = "Young people offered a return home interview are not more than young people who went missing"
AGREE = "The Annex A and Early Help figures for completed Early Help assessments agree"
CHANGE = "The change on the previous quarter is within 50%"


@dataclass
class Demo:
    figures: pd.DataFrame
    scorecard: pd.DataFrame
    alternatives: pd.DataFrame
    quarters: list[pd.Period]
    refs: list[str]

    def run(self, figures: pd.DataFrame | None = None, scorecard: pd.DataFrame | None = None,
            alternatives: pd.DataFrame | None = None, suite: Path = SUITE) -> pd.DataFrame:
        return self.checked(figures, scorecard, alternatives, suite)[0]

    def checked(self, figures: pd.DataFrame | None = None, scorecard: pd.DataFrame | None = None,
                alternatives: pd.DataFrame | None = None, suite: Path = SUITE,
                docs: bool = False) -> tuple[pd.DataFrame, dict[str, bytes]]:
        return check_expectations(self.figures.copy() if figures is None else figures,
                                  self.scorecard.copy() if scorecard is None else scorecard,
                                  self.alternatives.copy() if alternatives is None else alternatives,
                                  self.quarters, suite, docs)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    built = demo_scorecard(tmp_path_factory.mktemp("quality"))
    return Demo(built.rated, built.scorecard, built.alternatives, built.quarters, built.config.catalogue.refs)


@pytest.fixture(scope="module")
def baseline(demo: Demo) -> pd.DataFrame:
    return demo.run()


def failures(results: pd.DataFrame, expectation: str) -> pd.DataFrame:
    return results[(results["expectation"] == expectation) & (results["result"] == "failed")]


def set_figure(figures: pd.DataFrame, ref: str, quarter: pd.Period, **values: float) -> pd.DataFrame:
    at = (figures["ref"] == ref) & (figures["quarter"] == quarter)
    assert at.sum() == 1, (ref, quarter)
    for column, value in values.items():
        figures.loc[at, column] = value
    return figures


def figure(figures: pd.DataFrame, ref: str, quarter: pd.Period, column: str = "value") -> float:
    return float(figures.loc[(figures["ref"] == ref) & (figures["quarter"] == quarter), column].iloc[0])


# --------------------------------------------------------------------------- Data Docs, quiet, offline
# First in the file, so that great-expectations is imported (for this process) inside this test.

def test_data_docs_written_quietly_offline_and_nothing_in_working_folder(
        demo: Demo, tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a network connection was attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    capfd.readouterr()

    results, pages = demo.checked(docs=True)

    out, err = capfd.readouterr()
    assert out == "" and err == "", f"printed during the call: {out!r} {err!r}"
    assert list(results.columns) == COLUMNS
    assert "index.html" in pages
    validations = [name for name in pages if name.startswith("validations/qa/") and name.endswith(".html")]
    assert len(validations) == 1
    page = pages[validations[0]].decode("utf-8")
    assert CSE_S47 in page and "Q2 2025-26" in page  # the plain-words name, and the run named by quarter
    suite_page = pages["expectations/qa.html"].decode("utf-8")
    assert "ce_scorecard_data_quality" in suite_page  # the suite's name from expectations.yaml, as its notes
    assert list(work.iterdir()) == [], "great-expectations left files (a gx folder?) in the working folder"
    assert os.environ.get("GX_ANALYTICS_ENABLED") == "False"
    # its loggers are as they were: nothing of ours is left attached
    assert logging.getLogger("great_expectations").propagate


def test_great_expectations_chatter_is_kept_off_the_console(
        demo: Demo, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever great-expectations says while it runs (log lines, warnings, prints, progress bars)
    does not reach the console, and the officer's own logging is as it was afterwards."""
    import warnings

    from great_expectations.checkpoint.checkpoint import Checkpoint
    from tqdm import tqdm

    original = Checkpoint.run

    def chatty(self: Checkpoint, *args: object, **kwargs: object) -> object:
        logging.getLogger("great_expectations.checkpoint.checkpoint").warning("a GE warning line")
        logging.getLogger("great_expectations").error("a GE error line")
        warnings.warn("a GE warning", UserWarning, stacklevel=1)
        print("a GE print")
        print("a GE print to stderr", file=sys.stderr)
        for _ in tqdm(range(3), desc="Calculating Metrics"):
            pass
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Checkpoint, "run", chatty)
    capfd.readouterr()
    results = demo.run()
    out, err = capfd.readouterr()
    assert out == "" and err == "", f"printed during the call: {out!r} {err!r}"
    assert not results.empty
    assert logging.getLogger("great_expectations").propagate


def test_fresh_process_prints_nothing_and_import_is_lazy(demo: Demo, tmp_path: Path) -> None:
    """In a new interpreter (so great-expectations' own import is inside the call) nothing reaches
    stdout or stderr, and importing the stage does not import great-expectations."""
    frames = tmp_path / "frames"
    frames.mkdir()
    demo.figures.to_pickle(frames / "figures.pkl")
    demo.scorecard.to_pickle(frames / "scorecard.pkl")
    demo.alternatives.to_pickle(frames / "alternatives.pkl")
    script = f"""
import sys
from pathlib import Path
import pandas as pd
from pipeline.stages.quality import check_expectations
from pipeline.quarters import columns_for, parse_label

assert "great_expectations" not in sys.modules, "imported too early"
folder = Path({str(frames)!r})
results, pages = check_expectations(pd.read_pickle(folder / "figures.pkl"), pd.read_pickle(folder / "scorecard.pkl"),
                                    pd.read_pickle(folder / "alternatives.pkl"), columns_for(parse_label("Q2 2025/26")),
                                    Path({str(SUITE)!r}), docs=True)
assert len(results) > 0
(folder / "index.html").write_bytes(pages["index.html"])
"""
    env = {k: v for k, v in os.environ.items() if k != "GX_ANALYTICS_ENABLED"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""
    assert (frames / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames"]  # nothing left in the working folder


# --------------------------------------------------------------------------- the demo is believable

def test_demo_passes_completeness_ranges_consistency_and_agreement(demo: Demo, baseline: pd.DataFrame) -> None:
    assert list(baseline.columns) == COLUMNS
    strict = baseline[baseline["expectation"] != CHANGE]
    assert not strict.empty
    assert (strict["result"] == "passed").all(), strict[strict["result"] == "failed"].to_string()
    assert set(baseline["result"]) <= {"passed", "failed"}
    assert (baseline.loc[baseline["result"] == "passed", "severity"] == "info").all()
    assert (baseline.loc[baseline["result"] == "failed", "severity"] == "warning").all()
    labels = [label(q) for q in demo.quarters]
    assert set(baseline["quarter"]) == set(labels)

    # completeness looks at every measure in every quarter shown
    complete = baseline[baseline["expectation"] == COMPLETE]
    assert len(complete) == len(demo.scorecard) == demo.scorecard["ref"].nunique() * 4

    # the property really holds in the figures: 4.3 <= 4.1 and 4.11's numerator <= denominator
    for quarter in demo.quarters:
        assert figure(demo.figures, "4.3", quarter) <= figure(demo.figures, "4.1", quarter)
        assert figure(demo.figures, "4.11", quarter, "numerator") <= figure(demo.figures, "4.11", quarter, "denominator")
    cse = baseline[baseline["expectation"] == CSE_S47]
    assert cse["measure"].tolist() == ["4.3 / 4.1"] * 4 and cse["quarter"].tolist() == labels
    first = demo.quarters[0]
    assert cse["observed"].iloc[0] == f"{figure(demo.figures, '4.3', first):.0f} of {figure(demo.figures, '4.1', first):.0f}"
    assert len(baseline[baseline["expectation"] == CCE_S47]) == 4
    assert baseline.loc[baseline["expectation"] == RHI, "measure"].tolist() == ["4.11"] * 4

    # 1.3 is compared in each quarter where Early Help and Annex A List 2 both have a figure
    both = demo.alternatives[(demo.alternatives["ref"] == "1.3") & demo.alternatives["quarter"].isin(demo.quarters)]
    assert both.groupby("quarter")["table"].nunique().eq(2).sum() == len(baseline[baseline["expectation"] == AGREE])

    # plausibility is judged only for the reporting quarter
    assert set(baseline.loc[baseline["expectation"] == CHANGE, "quarter"]) == {labels[-1]}


def test_small_previous_figures_are_not_judged(demo: Demo, baseline: pd.DataFrame) -> None:
    reporting, previous = demo.quarters[-1], demo.quarters[-2]
    row = baseline[(baseline["expectation"] == CHANGE) & (baseline["measure"] == "3.3")].iloc[0]
    assert figure(demo.figures, "3.3", previous) < 20
    assert row["result"] == "passed" and "not judged" in row["observed"]

    figures = set_figure(demo.figures.copy(), "6.1", previous, value=1)
    figures = set_figure(figures, "6.1", reporting, value=2)
    row = demo.run(figures=figures).query("expectation == @CHANGE and measure == '6.1'").iloc[0]
    assert row["result"] == "passed"
    assert row["observed"] == "from 1 to 2 (previous below 20: change not judged)"


# --------------------------------------------------------------------------- each kind fails when it should

def test_negative_count(demo: Demo) -> None:
    quarter = demo.quarters[1]
    results = demo.run(figures=set_figure(demo.figures.copy(), "4.9a", quarter, value=-3))
    failed = failures(results, COUNTS)
    assert len(failed) == 1
    row = failed.iloc[0]
    assert (row["measure"], row["quarter"], row["observed"]) == ("4.9a", label(quarter), "-3")
    assert row["severity"] == "warning" and row["details"]


def test_percentage_over_100(demo: Demo) -> None:
    quarter = demo.quarters[2]
    results = demo.run(figures=set_figure(demo.figures.copy(), "2.2", quarter, value=120.0))
    row = failures(results, PERCENTAGES).squeeze()
    assert (row["measure"], row["quarter"], row["observed"]) == ("2.2", label(quarter), "120%")


def test_zero_denominator(demo: Demo) -> None:
    quarter = demo.quarters[0]
    results = demo.run(figures=set_figure(demo.figures.copy(), "4.12", quarter, denominator=0))
    row = failures(results, DENOMINATORS).squeeze()
    assert (row["measure"], row["quarter"], row["observed"]) == ("4.12", label(quarter), "denominator 0")


def test_s47_more_than_strategy_meetings(demo: Demo) -> None:
    quarter = demo.quarters[1]
    meetings = figure(demo.figures, "4.1", quarter)
    results = demo.run(figures=set_figure(demo.figures.copy(), "4.3", quarter, value=meetings + 5))
    failed = failures(results, CSE_S47)
    assert len(failed) == 1
    row = failed.iloc[0]
    assert (row["measure"], row["quarter"]) == ("4.3 / 4.1", label(quarter))
    assert row["observed"] == f"{meetings + 5:.0f} of {meetings:.0f}"
    assert failures(results, CCE_S47).empty


def test_return_home_interviews_more_than_episodes(demo: Demo) -> None:
    quarter = demo.quarters[2]
    episodes = figure(demo.figures, "4.11", quarter, "denominator")
    results = demo.run(figures=set_figure(demo.figures.copy(), "4.11", quarter, numerator=episodes + 10))
    row = failures(results, RHI).squeeze()
    assert (row["measure"], row["quarter"]) == ("4.11", label(quarter))
    assert row["observed"] == f"{episodes + 10:.0f} of {episodes:.0f}"


def test_annex_a_differs_from_early_help(demo: Demo) -> None:
    quarter = demo.quarters[1]
    alternatives = demo.alternatives.copy()
    early_help = alternatives[(alternatives["ref"] == "1.3") & (alternatives["quarter"] == quarter)
                              & alternatives["table"].isin(["eh_monthly", "eh_assessments"])]["value"].iloc[0]
    annex = (alternatives["ref"] == "1.3") & (alternatives["quarter"] == quarter) & (alternatives["table"] == "annex_a_list2")
    alternatives.loc[annex, "value"] = early_help * 1.2
    results = demo.run(alternatives=alternatives)
    failed = failures(results, AGREE)
    assert len(failed) == 1
    row = failed.iloc[0]
    assert (row["measure"], row["quarter"]) == ("1.3", label(quarter))
    assert row["observed"].startswith(f"Early Help {early_help:.0f}, Annex A ") and row["observed"].endswith("(+20%)")

    # within the tolerance (5%) it passes
    alternatives.loc[annex, "value"] = early_help * 1.04
    assert failures(demo.run(alternatives=alternatives), AGREE).empty


def test_jump_on_previous_quarter_is_flagged(demo: Demo, baseline: pd.DataFrame) -> None:
    reporting, previous = demo.quarters[-1], demo.quarters[-2]
    before = figure(demo.figures, "1.2", previous)
    assert before >= 20  # changes are judged only from a previous figure of 20 (expectations.yaml)
    assert not (failures(baseline, CHANGE)["measure"] == "1.2").any()
    results = demo.run(figures=set_figure(demo.figures.copy(), "1.2", reporting, value=before * 4))
    row = failures(results, CHANGE).query("measure == '1.2'").squeeze()
    assert row["quarter"] == label(reporting)
    assert row["details"] == "check this figure"
    assert row["observed"] == f"from {before:.0f} to {before * 4:.0f} (+300%)"


def test_neither_figure_nor_reason(demo: Demo) -> None:
    scorecard = demo.scorecard.copy()
    at = scorecard["ref"].eq("1.4") & scorecard["quarter"].eq(demo.quarters[1])
    scorecard.loc[at, "value"] = None
    scorecard.loc[at, "reason"] = ""
    results = demo.run(scorecard=scorecard)
    failed = failures(results, COMPLETE)
    assert len(failed) == 1
    row = failed.iloc[0]
    assert (row["measure"], row["quarter"], row["observed"]) == ("1.4", label(demo.quarters[1]), "neither a figure nor a reason")

    # a stated reason is enough
    scorecard.loc[at, "reason"] = "the training return did not cover this quarter"
    assert failures(demo.run(scorecard=scorecard), COMPLETE).empty


# --------------------------------------------------------------------------- the suite file

def test_shipped_suite_names_only_catalogue_measures(demo: Demo) -> None:
    suite = load_suite(SUITE, demo.refs)
    kinds = {check.kind for check in suite.expectations}
    assert kinds == {"completeness", "range", "consistency", "agreement", "plausibility"}


def broken(tmp_path: Path, old: str, new: str) -> Path:
    text = SUITE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "expectations.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if text in line)


def test_unknown_key_names_it_and_its_line(demo: Demo, tmp_path: Path) -> None:
    path = broken(tmp_path, "    tolerance_percent: 5", "    tolerence_percent: 5")
    with pytest.raises(ConfigError) as caught:
        demo.run(suite=path)
    message = str(caught.value)
    assert "expectations.yaml" in message and "tolerence_percent" in message
    assert f"line {line_of(path, 'tolerence_percent')}" in message


def test_unknown_measure_names_it_and_its_line(demo: Demo, tmp_path: Path) -> None:
    path = broken(tmp_path, 'not_more_than: {ref: "4.1", part: value}', 'not_more_than: {ref: "4.99", part: value}')
    with pytest.raises(ConfigError) as caught:
        demo.run(suite=path)
    message = str(caught.value)
    assert "'4.99'" in message and CSE_S47 in message
    entry = line_of(path, f"- name: {CSE_S47}")
    assert f"line {entry}" in message


def test_a_table_not_in_the_contract_is_refused_when_the_run_loads_its_settings(tmp_path: Path) -> None:
    """load_config checks the suite against sources.yaml before any input is read (exit code 5)."""
    from pipeline.cli import EXIT_CONFIG, main

    home = tmp_path / "home"
    (home / "schemas").mkdir(parents=True)
    text = SUITE.read_text(encoding="utf-8").replace("tables: [annex_a_list2]", "tables: [annex_a_list_2]")
    (home / "schemas" / "expectations.yaml").write_text(text, encoding="utf-8")
    (home / "inputs").mkdir()
    code = main(["--home", str(home), "--quiet", "--today", "2026-11-22"])
    assert code == EXIT_CONFIG
    record = json.loads((home / "outputs" / "last-run.json").read_text(encoding="utf-8"))
    assert "no table 'annex_a_list_2' in sources.yaml" in record["message"]
    assert f"line {line_of(home / 'schemas' / 'expectations.yaml', '- name: The Annex A')}" in record["message"]


def test_key_of_another_kind_and_unquoted_ref_are_refused(demo: Demo, tmp_path: Path) -> None:
    path = broken(tmp_path, "    bound_percent: 50", "    bound_percent: 50\n    tolerance_percent: 5")
    with pytest.raises(ConfigError, match="tolerance_percent cannot be used with kind 'plausibility'"):
        load_suite(path, demo.refs)
    path = broken(tmp_path, 'ref: "1.3"', "ref: 1.3")
    with pytest.raises(ConfigError, match="in quotes"):
        load_suite(path, demo.refs)


def test_officer_can_tighten_a_bound(demo: Demo, baseline: pd.DataFrame, tmp_path: Path) -> None:
    results = demo.run(suite=broken(tmp_path, "    bound_percent: 50", "    bound_percent: 5"))
    assert len(failures(results, CHANGE)) > len(failures(baseline, CHANGE))


def test_exception_inside_great_expectations_is_reported() -> None:
    assert _raised({"raised_exception": False, "exception_message": None}) is None
    assert _raised({"metric id": {"raised_exception": True, "exception_message": "no such column"}}) == "no such column"
    assert _raised(None) is None


# --------------------------------------------------------------------------- the worker process

def test_the_worker_gives_the_same_results_and_writes_the_docs(demo: Demo, baseline: pd.DataFrame,
                                                              tmp_path: Path) -> None:
    checker = Checker(worker=True)
    assert checker._process is not None
    try:
        results, pages = checker.check(demo.figures.copy(), demo.scorecard.copy(), demo.alternatives.copy(),
                                       demo.quarters, SUITE, docs=True)
    finally:
        checker.close()
    pd.testing.assert_frame_equal(results, baseline)
    assert pages["index.html"].startswith(b"<!DOCTYPE html>") or b"<html" in pages["index.html"]


def test_an_error_in_the_worker_is_raised_in_the_run(demo: Demo, tmp_path: Path) -> None:
    path = broken(tmp_path, "    tolerance_percent: 5", "    tolerence_percent: 5")
    checker = Checker(worker=True)
    try:
        with pytest.raises(ConfigError, match="tolerence_percent"):
            checker.check(demo.figures.copy(), demo.scorecard.copy(), demo.alternatives.copy(), demo.quarters, path)
    finally:
        checker.close()


def test_without_a_worker_the_checks_run_here(demo: Demo, baseline: pd.DataFrame, monkeypatch) -> None:
    import multiprocessing

    def refuse(*args, **kwargs):
        raise OSError("no processes here")

    monkeypatch.setattr(multiprocessing, "get_context", refuse)
    checker = Checker(worker=True)
    assert checker._process is None
    results, pages = checker.check(demo.figures.copy(), demo.scorecard.copy(), demo.alternatives.copy(), demo.quarters,
                                   SUITE)
    pd.testing.assert_frame_equal(results, baseline)
    assert pages == {}  # no Data Docs unless they are asked for


def test_a_worker_that_dies_is_replaced_by_checking_here(demo: Demo, baseline: pd.DataFrame) -> None:
    checker = Checker(worker=True)
    checker._process.kill()
    checker._process.join()
    results, pages = checker.check(demo.figures.copy(), demo.scorecard.copy(), demo.alternatives.copy(), demo.quarters,
                                   SUITE)
    pd.testing.assert_frame_equal(results, baseline)
    assert pages == {}  # no Data Docs unless they are asked for
