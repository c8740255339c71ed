"""The commentary round: `python -m pipeline commentary` writes one request per lead with the right
measures (worked out here from the demo scorecard frame and kpis.yaml, not by the package), a request
sent back with some comments and some blanks is read as commentary without an error, the Summary
counts what came back and names who is still to reply, and a Ref such as 4.10 stays 4.10."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from pipeline.check import check_inputs
from pipeline.cli import main
from pipeline.compute import compute
from pipeline.config.settings import load_config
from pipeline.paths import Paths
from pipeline.tools.commentary import write_requests
from pipeline.workbook.book import write_workbook
from pipeline.writing.history_file import load_stored
from pipeline.writing.locations import Locations
from tests.conftest import ROOT, copy_demo_inputs, open_in_excel

pytestmark = [pytest.mark.filterwarnings("ignore:Sparkline Group extension:UserWarning"),
              pytest.mark.usefixtures("great_expectations")]  # builds scorecards in this process

TODAY = date(2026, 11, 22)
QUARTER, FILE_QUARTER = "Q2 2025/26", "Q2 2025-26"
QUARTERS = ["Q3 2024/25", "Q4 2024/25", "Q1 2025/26", "Q2 2025/26"]
KPIS = yaml.safe_load((ROOT / "schemas" / "kpis.yaml").read_text(encoding="utf-8"))
OFFICER = yaml.safe_load((ROOT / "schemas" / "settings.yaml").read_text(encoding="utf-8"))["performance_officer"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's inputs and what a build computes from them (nothing written)."""
    inputs = copy_demo_inputs(tmp_path_factory.mktemp("inputs"))
    outputs = tmp_path_factory.mktemp("outputs")
    config = load_config(Paths.resolve(ROOT, inputs, outputs))
    checked = check_inputs(inputs, config.contract, TODAY, allowed={"commentary": {"ref": config.catalogue.refs}})
    computed = compute(checked, config, load_stored(Locations(outputs).history), datetime(2026, 11, 22, 9), TODAY)
    return inputs, computed.data


@pytest.fixture(scope="module")
def sent(tmp_path_factory) -> Path:
    """The command as an officer runs it, on the demo inputs: the folder of requests it wrote."""
    inputs = copy_demo_inputs(tmp_path_factory.mktemp("inputs"))
    outputs = tmp_path_factory.mktemp("outputs")
    assert main(["commentary", "--inputs", str(inputs), "--outputs", str(outputs), "--home", str(ROOT),
                 "--today", TODAY.isoformat(), "--quiet"]) == 0
    return outputs / "commentary requests" / FILE_QUARTER


def lead_of(ref: str) -> str:
    """The measure's lead as kpis.yaml and settings.yaml say, read here as plain YAML."""
    measure = next(m for m in KPIS["measures"] if m["ref"] == ref)
    return measure.get("lead") or KPIS["objectives"][measure["objective"]]["lead"] or OFFICER


def needing(card: pd.DataFrame) -> dict[str, list[str]]:
    """Lead -> the Refs that need commentary in Q2 2025/26, from the scorecard frame's columns."""
    now = card[card["quarter"].astype(str).eq("2026Q2")]
    restated = set(card.loc[card["restated"].ne(""), "ref"])
    wanted = now[now["brag"].isin(["Red", "Incomplete"]) | now["variation"].eq("Special cause concern")
                 | now["ref"].isin(restated)]
    out: dict[str, list[str]] = {}
    for ref in wanted["ref"]:
        out.setdefault(lead_of(ref), []).append(ref)
    return out


def request_rows(path: Path) -> tuple[openpyxl.worksheet.worksheet.Worksheet, int, list[str], list[tuple]]:
    """The request's sheet, its heading row number, its headings and its measure rows."""
    sheet = openpyxl.load_workbook(path)["Commentary"]
    rows = list(sheet.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[0] == "Ref")
    return sheet, head + 1, list(rows[head]), [r for r in rows[head + 1:] if r[0]]


def test_the_command_writes_one_request_per_lead_with_that_lead_s_measures(sent, demo):
    card = demo[1].scorecard
    expected = needing(card)
    assert sum(map(len, expected.values())) >= 3 and len(expected) >= 2  # the demo asks more than one lead
    assert sorted(p.name for p in sent.iterdir()) == sorted(f"Commentary request {FILE_QUARTER} - {lead}.xlsx"
                                                            for lead in expected)
    now = card[card["quarter"].astype(str).eq("2026Q2")].set_index("ref")
    for lead, refs in expected.items():
        _, _, headings, rows = request_rows(sent / f"Commentary request {FILE_QUARTER} - {lead}.xlsx")
        assert headings[:7] == ["Ref", "Quarter", "Measure title", *QUARTERS]
        assert [r[0] for r in rows] == refs
        for row in rows:
            record = dict(zip(headings, row))
            mine = card[card["ref"].eq(record["Ref"])]
            shown = mine.set_index(mine["quarter"].astype(str))["text"]
            assert [record[q] for q in QUARTERS] == shown.loc[["2025Q3", "2025Q4", "2026Q1", "2026Q2"]].tolist()
            assert record["Quarter"] == QUARTER
            assert record[f"Rating ({QUARTER})"] == now.at[record["Ref"], "brag"]
            assert now.at[record["Ref"], "variation"] in record[f"Variation ({QUARTER})"]
            comment = now.at[record["Ref"], "comment"]
            assert (record["Comment received so far"] or "").startswith(comment) and (comment or not record[
                "Comment received so far"])
            assert record["Commentary"] is None and record["Author"] == lead
    received = [bool(now.at[ref, "comment"]) for refs in expected.values() for ref in refs]
    assert any(received) and not all(received)  # some to confirm, some still to write


def test_a_measure_with_no_lead_goes_to_the_performance_officer(demo, tmp_path):
    _, data = demo
    card = data.scorecard.copy()
    card.loc[card["ref"].eq("1.3") & card["quarter"].eq(data.reporting), "brag"] = "Red"  # objective 1: no lead
    written = write_requests(replace(data, scorecard=card), Locations(tmp_path))
    mine = next(r for r in written if r.lead == OFFICER)
    assert mine.path.name == f"Commentary request {FILE_QUARTER} - {OFFICER}.xlsx"
    assert [r[0] for r in request_rows(mine.path)[3]] == ["1.3"]


@pytest.fixture(scope="module")
def returned(demo, tmp_path_factory):
    """Steve Chapman's request with 4.10 and 4.12 made Red too, sent back with 4.10 and 4.12 filled
    in and 4.7 and 4.8 left blank, in a copy of the demo inputs; and those inputs checked."""
    inputs, data = demo
    card = data.scorecard.copy()
    card.loc[card["ref"].isin(["4.10", "4.12"]) & card["quarter"].eq(data.reporting), "brag"] = "Red"
    written = write_requests(replace(data, scorecard=card), Locations(tmp_path_factory.mktemp("outputs")))
    request = next(r.path for r in written if r.lead == "Steve Chapman")
    book = openpyxl.load_workbook(request)
    sheet, head, headings, _ = request_rows(request)
    sheet = book["Commentary"]
    said = {"4.10": "Fewer children went missing after the summer term's work in schools.",
            "4.12": "Audit grades held up while two auditors were on leave."}
    for row in sheet.iter_rows(min_row=head + 1):
        if row[0].value in said:
            row[headings.index("Commentary")].value = said[row[0].value]
    folder = copy_demo_inputs(tmp_path_factory.mktemp("inputs"))
    back = folder / "Steve Chapman's reply.xlsx"
    book.save(back)
    later = time.time() + 60
    os.utime(back, (later, later))  # sent back after the other returns were saved
    config = load_config(Paths.resolve(ROOT, folder, tmp_path_factory.mktemp("out")))
    checked = check_inputs(folder, config.contract, TODAY, allowed={"commentary": {"ref": config.catalogue.refs}})
    return request, said, checked, data


def test_a_returned_request_with_blanks_is_read_as_commentary_without_an_error(returned):
    request, said, checked, data = returned
    problems = checked.problems
    assert not problems["severity"].eq("error").any(), problems.loc[problems["severity"].eq("error"), "message"]
    mine = problems[problems["file"].eq("Steve Chapman's reply.xlsx")]
    assert mine["check"].tolist().count("not_written_yet") == 1  # one note for the blank rows, at info level
    assert set(mine.loc[mine["check"].eq("not_written_yet"), "severity"]) == {"info"}
    assert not mine["check"].eq("no_rows").any()
    comments = checked.checked.frames["commentary"]
    now = comments[comments["quarter"].eq(QUARTER)].set_index("ref")
    assert {ref: now.at[ref, "comment"] for ref in said} == said
    assert set(now.loc[list(said), "author"]) == {"Steve Chapman"}
    before = data.scorecard[data.scorecard["quarter"].eq(data.reporting)].set_index("ref")
    for ref in ("4.7", "4.8"):  # left blank: the comment received earlier still counts
        assert now.at[ref, "comment"] == before.at[ref, "comment"] and now.at[ref, "comment"]


def test_a_ref_such_as_4_10_stays_text_in_the_request(returned):
    request = returned[0]
    sheet, head, _, rows = request_rows(request)
    assert "4.10" in [r[0] for r in rows]
    cell = next(c for c in sheet["A"][head:] if c.value == "4.10")
    assert cell.data_type == "s" and cell.number_format == "@"


def summary_lines(path: Path) -> list[str]:
    return [str(c.value) for row in openpyxl.load_workbook(path)["Summary"].iter_rows() for c in row
            if isinstance(c.value, str)]


def test_the_summary_counts_the_commentary_received_and_names_who_is_still_to_reply(demo, tmp_path):
    _, data = demo
    for gone in ((), ("4.7",)):  # as the demo has it; and with Steve Chapman's 4.7 comment not yet in
        card = data.scorecard.copy()
        card.loc[card["ref"].isin(gone), ["comment", "comment_author"]] = ""
        expected = needing(card)
        now = card[card["quarter"].eq(data.reporting)].set_index("ref")
        asked = [ref for refs in expected.values() for ref in refs]
        received = [ref for ref in asked if now.at[ref, "comment"]]
        waiting = {lead: [r for r in refs if r not in received] for lead, refs in expected.items()}
        path = tmp_path / f"without {len(gone)}.xlsx"
        write_workbook(replace(data, scorecard=card), path)
        lines = summary_lines(path)
        assert f"Commentary: {len(received)} of {len(asked)} received" in lines
        assert "Still to reply: " + "; ".join(f"{lead} ({', '.join(refs)})" for lead, refs in waiting.items()
                                              if refs) in lines
    assert len(received) < len(asked) - 1  # the second pass left two to reply


def test_the_summary_says_when_no_commentary_is_needed(demo, tmp_path):
    _, data = demo
    card = data.scorecard.copy()
    card["brag"] = card["brag"].replace({"Red": "Amber", "Incomplete": "Amber"})
    card["variation"] = card["variation"].replace({"Special cause concern": "Common cause"})
    write_workbook(replace(data, scorecard=card), tmp_path / "none.xlsx")
    assert any(line.startswith("Commentary: none needed this quarter") for line in summary_lines(tmp_path / "none.xlsx"))
    assert write_requests(replace(data, scorecard=card), Locations(tmp_path)) == []


def test_a_request_sent_back_untouched_is_no_comment_yet_not_a_warning(returned, tmp_path):
    request = returned[0]
    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / request.name).write_bytes(request.read_bytes())
    config = load_config(Paths.resolve(ROOT, folder, tmp_path / "out"))
    checked = check_inputs(folder, config.contract, TODAY, allowed={"commentary": {"ref": config.catalogue.refs}})
    mine = checked.problems[checked.problems["file"].eq(request.name)]
    assert mine["severity"].tolist() == ["info"] and mine["check"].tolist() == ["not_written_yet"]
    assert "left out: their 'Commentary' is blank" in mine["message"].iloc[0]
    assert checked.checked.frames["commentary"].empty


def test_a_request_open_in_excel_is_left_alone_and_the_new_one_saved_beside_it(demo, tmp_path, monkeypatch):
    _, data = demo
    where = Locations(tmp_path)
    held = where.commentary_request(data.reporting, "Steve Chapman")
    held.parent.mkdir(parents=True)
    held.write_bytes(b"the lead's copy, open in Excel")
    open_in_excel(monkeypatch, held)
    written = {r.lead: r for r in write_requests(data, where)}
    assert written["Steve Chapman"].locked and held.read_bytes() == b"the lead's copy, open in Excel"
    assert written["Steve Chapman"].path.name == f"Commentary request {FILE_QUARTER} - Steve Chapman (new copy 1).xlsx"
    assert not written["Catherine Hall"].locked and written["Catherine Hall"].path.is_file()
