"""Traceable to rows: explain, the Lineage sheet of the officer's checks, stored lineage, restatements, and breakdowns."""

from __future__ import annotations

import re
import shutil
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from pipeline.cli import main
from pipeline.config.catalogue import load_catalogue
from pipeline.config.contract import load_contract
from pipeline.stages.lineage import expand_ranges, row_ranges, summarise
from tests.conftest import ROOT, TODAY

pytestmark = pytest.mark.usefixtures("great_expectations")  # builds scorecards in this process

CONTRACT = load_contract(ROOT / "schemas" / "sources.yaml")
CATALOGUE = load_catalogue(ROOT / "schemas" / "kpis.yaml", CONTRACT)
CSC = "CSC exploitation data Q2 2025-26.xlsx"
Q2_START, Q2_END = datetime(2025, 7, 1), datetime(2025, 9, 30)
LINE = re.compile(r"^  (?P<file>.+?)(?:, sheet '(?P<sheet>[^']+)')?: rows (?P<rows>[\d, -]+) \((?P<count>[\d,]+) rows?"
                  r"(?:, (?P<part>[^)]+))?\)$")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    outputs = tmp_path_factory.mktemp("lineage") / "outputs"
    assert main(["--demo", "--outputs", str(outputs), "--today", TODAY.isoformat(), "--quiet"]) == 0
    return outputs


def explain(outputs: Path, ref: str, quarter: str, capsys, *extra: str) -> list[str]:
    capsys.readouterr()
    assert main(["explain", ref, quarter, "--demo", "--outputs", str(outputs), "--today", TODAY.isoformat(),
                 "--quiet", *extra]) == 0
    return capsys.readouterr().out.splitlines()


def listed(lines: list[str]) -> list[dict[str, str]]:
    found = [LINE.match(line) for line in lines[1:-1]]
    assert all(found), lines
    return [m.groupdict() for m in found]


def sheet_rows(path: Path, sheet: str, heading: str) -> tuple[list[str], dict[int, tuple]]:
    """Every row of a sheet by its Excel row number, read with openpyxl, and the heading row's names."""
    rows = list(openpyxl.load_workbook(path, data_only=True)[sheet].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == heading)
    return list(rows[head]), {i + 1: r for i, r in enumerate(rows) if i > head}


def scorecard(outputs: Path) -> dict[str, dict[str, object]]:
    rows = list(openpyxl.load_workbook(outputs / "CE scorecard Q2 2025-26 (DEMO).xlsx")["Scorecard"].iter_rows(values_only=True))
    return {r[0]: dict(zip(rows[0], r)) for r in rows[1:] if r and r[0]}


def test_explain_lists_the_rows_of_a_count_and_they_are_the_figure(built, capsys):
    lines = explain(built, "4.1", "Q2 2025/26", capsys)
    figure = int(scorecard(built)["4.1"]["Q2 2025/26"])
    assert lines[0] == f"4.1 Number of strategy meetings held in relation to CSE, Q2 2025/26: {figure}"
    assert lines[-1] == f"{figure} rows from 1 file"
    (only,) = listed(lines)
    assert (only["file"], only["sheet"]) == (CSC, "Strategy meetings")
    names, rows = sheet_rows(built / "demo-inputs" / CSC, "Strategy meetings", "Child reference")
    at = {n: i for i, n in enumerate(names)}
    chosen = expand_ranges(only["rows"])
    assert len(chosen) == figure == int(only["count"])
    # every row listed is a CSE meeting in the quarter, and no such row is left out
    wanted = {n for n, r in rows.items() if r[at["Exploitation type"]] == "CSE"
              and Q2_START <= r[at["Strategy meeting date"]] <= Q2_END}
    assert chosen == wanted


def test_explain_the_missing_cohort_lists_episodes_whose_children_are_the_figure(built, capsys):
    lines = explain(built, "4.10", "Q2 2025/26", capsys)
    (only,) = listed(lines)
    names, rows = sheet_rows(built / "demo-inputs" / CSC, "Missing episodes", "Child reference")
    at = {n: i for i, n in enumerate(names)}
    episodes = [rows[n] for n in expand_ranges(only["rows"])]
    assert all(Q2_START <= e[at["Episode start date"]] <= Q2_END and e[at["Missing or away"]] != "Away" for e in episodes)
    children = {e[at["Child reference"]] for e in episodes}
    assert len(children) == int(scorecard(built)["4.10"]["Q2 2025/26"])
    assert lines[-1] == f"{len(episodes)} rows from 1 file"
    assert not any("CE" in line and re.search(r"\bCE\d+", line) for line in lines)  # no child's reference printed


def test_explain_a_percentage_keeps_its_numerator_rows_apart(built, capsys):
    parts = {line["part"]: line for line in listed(explain(built, "4.12", "Q2 2025/26", capsys))}
    sheet = openpyxl.load_workbook(built / "CE scorecard Q2 2025-26 (DEMO).xlsx")["Scorecard"]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "4.12")
    figure = [c.value for c in sheet[1]].index("Q2 2025/26")
    share, numerator, denominator = row[figure:figure + 3]  # the figure, then its n and of
    assert share == round(numerator / denominator, 3)
    assert int(parts["in the numerator"]["count"]) == numerator
    assert int(parts["in the numerator"]["count"]) + int(parts["in the denominator only"]["count"]) == denominator


def test_explain_a_figure_with_no_data_says_why(built, capsys):
    lines = explain(built, "4.6", "Q3 2024/25", capsys)
    assert lines == ["4.6 Number of medium or high risk CCE assessments, Q3 2024/25: Not yet reported (nothing "
                     "recorded for it before Q1 2025/26)", "0 rows from 0 files"]


def test_an_unknown_ref_is_refused_with_the_refs_listed(built, capsys):
    assert main(["explain", "4.99", "Q2 2025/26", "--demo", "--outputs", str(built), "--today", TODAY.isoformat()]) == 2
    assert "There is no measure '4.99' on the scorecard. Refs are: 1.1, 1.2" in capsys.readouterr().err


def test_the_officer_checks_list_the_rows_of_every_figure(built):
    book = openpyxl.load_workbook(built / "CE scorecard Q2 2025-26 (DEMO) (officer checks).xlsx", read_only=True)
    rows = list(book["Lineage"].iter_rows(values_only=True))
    assert rows[0] == ("Ref", "Measure", "Quarter", "Figure", "File", "Sheet", "Counted as",
                       "Excel rows (5-40 means rows 5 to 40)", "Rows")
    traced = {(r[0], r[2]) for r in rows[1:]}
    card = scorecard(built)
    for ref, cells in card.items():
        for quarter in ("Q3 2024/25", "Q4 2024/25", "Q1 2025/26", "Q2 2025/26"):
            if cells[quarter] not in ("No data", "Not yet reported", "Incomplete"):
                assert (ref, quarter) in traced, (ref, quarter)
    mine = [r for r in rows[1:] if r[0] == "4.1" and r[2] == "Q2 2025/26"]
    assert len(mine) == 1 and mine[0][4:6] == (CSC, "Strategy meetings") and mine[0][8] == int(card["4.1"]["Q2 2025/26"])


def test_history_keeps_the_rows_and_explain_uses_them_once_the_files_are_gone(built, tmp_path, capsys):
    outputs = tmp_path / "outputs"
    shutil.copytree(built, outputs)
    with closing(sqlite3.connect(outputs / "demo-history.sqlite")) as con:
        stored = con.execute("SELECT file, sheet, rows FROM figure_rows WHERE ref = '4.1' AND quarter = '2026Q2'").fetchall()
    before = explain(built, "4.1", "Q2 2025/26", capsys)
    assert stored == [(CSC, "Strategy meetings", listed(before)[0]["rows"])]
    empty = tmp_path / "empty"
    empty.mkdir()
    capsys.readouterr()
    assert main(["explain", "4.1", "Q2 2025/26", "--inputs", str(empty), "--outputs", str(outputs),
                 "--today", TODAY.isoformat(), "--quiet"]) == 0
    # Without --demo the run reads history.sqlite: copy the demo's history there to stand for last quarter's
    shutil.copy(outputs / "demo-history.sqlite", outputs / "history.sqlite")
    capsys.readouterr()
    assert main(["explain", "4.1", "Q2 2025/26", "--inputs", str(empty), "--outputs", str(outputs),
                 "--today", TODAY.isoformat(), "--quiet"]) == 0
    after = capsys.readouterr().out.splitlines()
    assert after[0] == before[0]
    assert after[1] == "From stored history: the files below are no longer in the inputs folder."
    assert after[2:] == before[1:]


def test_a_restated_figure_names_the_rows_that_changed(built, tmp_path, capsys):
    outputs = tmp_path / "outputs"
    shutil.copytree(built, outputs)
    inputs = tmp_path / "inputs"
    shutil.copytree(built / "demo-inputs", inputs)
    book = openpyxl.load_workbook(inputs / CSC)
    sheet = book["Strategy meetings"]
    names, rows = sheet_rows(inputs / CSC, "Strategy meetings", "Child reference")
    at = {n: i for i, n in enumerate(names)}
    q1 = [n for n, r in rows.items() if r[at["Exploitation type"]] == "CSE"
          and datetime(2025, 4, 1) <= r[at["Strategy meeting date"]] <= datetime(2025, 6, 30)]
    changed = q1[0]
    sheet.cell(changed, at["Exploitation type"] + 1).value = "CCE"  # one Q1 meeting was recorded under the wrong type
    book.save(inputs / CSC)
    shutil.copy(outputs / "demo-history.sqlite", outputs / "history.sqlite")
    assert main(["--inputs", str(inputs), "--outputs", str(outputs), "--today", TODAY.isoformat(), "--quiet"]) == 0
    card = openpyxl.load_workbook(outputs / "CE scorecard Q2 2025-26.xlsx")["Scorecard"]
    head = [c.value for c in card[1]]
    row = next(r for r in card.iter_rows(min_row=2) if r[0].value == "4.1")
    cell = row[head.index("Q1 2025/26")]
    assert cell.value == len(q1) - 1
    assert cell.comment.text.startswith(f"Restated: was {len(q1)} (no longer counted: {CSC}, sheet 'Strategy meetings', "
                                        f"row {changed})")
    other = next(r for r in card.iter_rows(min_row=2) if r[0].value == "4.2")[head.index("Q1 2025/26")]
    assert f"now counted: {CSC}, sheet 'Strategy meetings', row {changed}" in other.comment.text


def test_every_breakdown_of_the_demo_lists_every_category_and_adds_up(built):
    book = openpyxl.load_workbook(built / "CE scorecard Q2 2025-26 (DEMO).xlsx")
    sheet = book["Scorecard"]
    head = [c.value for c in sheet[1]]
    quarters = [h for h in head if h and re.fullmatch(r"Q\d \d{4}/\d{2}", str(h))]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2) if r[0].value}
    checked = 0
    for measure in CATALOGUE.measures:
        way = measure.from_[0]
        if not way.breakdown:
            continue
        for quarter in quarters:
            cell = rows[measure.ref][head.index(quarter)]
            if cell.comment is None or not str(cell.value).replace(",", "").isdigit():
                continue
            text = cell.comment.text.splitlines()[-1]
            parts = [re.fullmatch(r"(?P<name>.+?)(?: \((?P<more>\d+) more\))? (?P<n>[\d,]+)", p) for p in text.split("; ")]
            assert all(parts), text
            figure = int(str(cell.value).replace(",", ""))
            if way.compute == "distinct_count":  # 3.5: the apps named, plus those on the Other line, are the figure
                assert sum(int(p["more"] or 1) for p in parts) == figure, (measure.ref, quarter, text)
            else:
                assert sum(int(p["n"].replace(",", "")) for p in parts) == figure, (measure.ref, quarter, text)
            checked += 1
    assert checked >= 28  # 1.4, 2.3, 2.5, 3.1 to 3.4 in four quarters, and 3.5 in those it has
    under = sheet.cell(rows["1.4"][0].row + 2, 2).value  # 1.4's commentary line, then its notes line
    assert under.startswith("Notes: ") and "By agency, Q2 2025/26: " in under  # on paper too, not only in a comment


def test_row_ranges_are_written_as_a_person_would():
    assert row_ranges([57, 5, 6, 7, 42, 58, 59, 60]) == "5-7, 42, 57-60"
    assert expand_ranges("5-7, 42, 57-60") == {5, 6, 7, 42, 57, 58, 59, 60}
    import pandas as pd

    rows = pd.DataFrame({"ref": ["a"] * 5 + ["b"], "file": ["x", "x", "y", "x", "x", "x"], "_row": [5, 6, 3, 8, 6, 2]})
    assert summarise(rows, ["ref", "file"]).values.tolist() == [["a", "x", "5-6, 8", 3], ["a", "y", "3", 1],
                                                                  ["b", "x", "2", 1]]
