"""The demo run, end to end: the workbook's figures against independent counts of the demo files."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from pipeline.cli import main
from tests.conftest import ROOT
from tests.test_workbook import numbers_stored_as_text

pytestmark = pytest.mark.usefixtures("great_expectations")  # builds scorecards in this process

TODAY = "2026-11-22"
WORKBOOK = "CE scorecard Q2 2025-26 (DEMO).xlsx"
PUBLISHABLE = "CE scorecard Q2 2025-26 (DEMO) (PUBLISHABLE).xlsx"
Q2_START, Q2_END = datetime(2025, 7, 1), datetime(2025, 9, 30)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    outputs = tmp_path_factory.mktemp("outputs")
    assert main(["--demo", "--publish", "--outputs", str(outputs), "--today", TODAY]) == 0
    return outputs


QUARTERS = ("Q3 2024/25", "Q4 2024/25", "Q1 2025/26", "Q2 2025/26")


def scorecard(outputs: Path, name: str = WORKBOOK) -> dict[str, dict[str, object]]:
    """Measure rows by Ref; each quarter's counts beside its figure as '<quarter> n' and '<quarter> of'."""
    sheet = openpyxl.load_workbook(outputs / name)["Scorecard"]
    rows = list(sheet.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "Ref")
    names = list(rows[head])
    for q in QUARTERS:
        at = names.index(q)
        names[at + 1:at + 3] = [f"{q} n", f"{q} of"]
    return {r[0]: dict(zip(names, r)) for r in rows[head + 1:] if r and r[0] and r[1] and r[0] != "Key"}


def table(path: Path, sheet: str, first_heading: str) -> pd.DataFrame:
    """A sheet's table read plainly: the row whose first cell is `first_heading` is the header."""
    rows = list(openpyxl.load_workbook(path, data_only=True)[sheet].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and str(r[0]).strip().lower() == first_heading.lower())
    frame = pd.DataFrame(rows[head + 1:], columns=[str(c).strip() for c in rows[head]])
    return frame.dropna(how="all")


def in_q2(values: pd.Series) -> pd.Series:
    dates = pd.to_datetime(values, errors="coerce")
    return (dates >= Q2_START) & (dates <= Q2_END)


def test_every_measure_has_four_labelled_quarters_with_a_figure_or_reason_and_a_rating(demo):
    card = scorecard(demo)
    assert list(next(iter(card.values())))[3:15:3] == list(QUARTERS)
    assert len(card) == 44
    for ref, row in card.items():
        for q in QUARTERS:
            assert row[q] is not None and row[q] != "", (ref, q)
        assert row["BRAG"] in {"Blue", "Green", "Amber", "Red", "Monitor", "No data", "Not yet reported",
                              "Low numbers"}


def test_referrals_with_a_cse_indicator_match_an_independent_count(demo):
    referrals = pd.read_csv(demo / "demo-inputs" / "CSC referrals extract.csv", encoding="cp1252")
    dates = pd.to_datetime(referrals["Referral date"], format="%d/%m/%Y")
    expected = int(((dates >= Q2_START) & (dates <= Q2_END) & referrals["CSE indicator"].eq("Y")).sum())
    assert scorecard(demo)["1.1"]["Q2 2025/26"] == expected


def test_police_figures_match_independent_counts(demo):
    police = demo / "demo-inputs" / "SYP child exploitation data Q2 2025-26.xlsx"
    disruption = table(police, "Disruption (monthly)", "Month")
    cse_arrests = int(disruption.loc[in_q2(disruption["Month"]), "CSE arrests"].sum())
    intel = table(police, "Intelligence reports", "Intel ref")
    cce = intel[in_q2(intel["Date submitted"]) & intel["Exploitation type"].eq("CCE")]
    card = scorecard(demo)
    assert card["4.9a"]["Q2 2025/26"] == cse_arrests
    assert (card["A2"]["Q2 2025/26"], card["A2"]["Q2 2025/26 n"]) == (len(cce), int(cce["Number of linked offences"].sum()))


def test_return_home_interviews_offered_match_an_independent_count(demo):
    episodes = table(demo / "demo-inputs" / "CSC exploitation data Q2 2025-26.xlsx", "Missing episodes", "Child reference")
    mine = episodes[in_q2(episodes["Episode start date"]) & episodes["Missing or away"].ne("Away")]
    # 4.11 counts young people (kpis.yaml, per: child_ref): a child is offered when any episode was
    children = mine.groupby("Child reference")["Return home interview offered"].agg(lambda s: s.isin(["Yes", "Y"]).any())
    offered, went_missing = int(children.sum()), len(children)
    share = (Decimal(100 * offered) / Decimal(went_missing)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    card = scorecard(demo)
    assert [card["4.11"][f"Q2 2025/26{part}"] for part in ("", " n", " of")] == [float(share / 100), offered, went_missing]
    assert card["4.10"]["Q2 2025/26"] == mine["Child reference"].nunique()


def test_children_on_plans_linked_to_sexual_abuse_or_cse_on_the_last_day(demo):
    plans = table(demo / "demo-inputs" / "CSC exploitation data Q2 2025-26.xlsx", "Child protection plans", "Child reference")
    start = pd.to_datetime(plans["Plan start date"])
    end = pd.to_datetime(plans["Plan end date"])
    open_then = (start <= Q2_END) & (end.isna() | (end > Q2_END))
    linked = plans["Latest category of abuse"].eq("Sexual abuse") | plans["Linked to CSE"].isin(["Yes", "Y"])
    assert scorecard(demo)["2.4"]["Q2 2025/26"] == plans.loc[open_then & linked, "Child reference"].nunique()


def test_early_help_completions_are_the_monthly_counts_summed(demo):
    monthly = table(demo / "demo-inputs" / "Early Help completed assessments Oct 2023 - Sep 2025.xlsx", "Monthly counts", "Month")
    months = pd.to_datetime(monthly["Month"])
    q4 = monthly.loc[(months >= "2025-01-01") & (months <= "2025-03-31"), "Completed assessments"].sum()
    assert scorecard(demo)["1.3"]["Q4 2024/25"] == int(q4)


def test_rerunning_the_demo_changes_no_stored_figure(demo, tmp_path):
    db = demo / "demo-history.sqlite"
    before = db.read_bytes()
    assert main(["--demo", "--outputs", str(demo), "--today", TODAY]) == 0
    assert db.read_bytes() == before


# --------------------------------------------------------------------------- the publishable copy

def small(n: object) -> bool:
    return isinstance(n, (int, float)) and 1 <= n <= 4


def test_the_publishable_copy_suppresses_small_numbers_and_anything_that_reveals_them(demo):
    """Every figure of the full workbook is checked here against the DfE rule, worked out from
    its own cells (the figure, its n and its of): a plain count 1-4, or a share whose numerator,
    denominator or difference is 1-4, or a median over 1-4 children, must read 'c' in the
    publishable copy with the counts that give it away; every other figure and count is published
    as it stands, a number. A year-ago count of 1-4 reads 'c' too."""
    full = scorecard(demo)
    book = openpyxl.load_workbook(demo / PUBLISHABLE)
    assert book.sheetnames == ["Summary", "Scorecard", "Definitions"]
    public = scorecard(demo, PUBLISHABLE)
    assert set(public) == set(full)
    units = {m["ref"]: m["unit"] for m in yaml.safe_load((ROOT / "schemas" / "kpis.yaml").read_text(encoding="utf-8"))
             ["measures"]}
    suppressed = 0
    for ref, row in full.items():
        for q in QUARTERS:
            figure, n, of = row[q], row[f"{q} n"], row[f"{q} of"]
            if units[ref] == "percent" and figure is not None and not isinstance(figure, str):
                hidden = [q, f"{q} n", f"{q} of"] if any(small(c) for c in (n, of, of - n)) else []
            elif units[ref] == "days" and small(of):
                hidden = [q, f"{q} of"]
            else:
                hidden = [column for column, value in ((q, figure), (f"{q} n", n)) if small(value)]
            for column in (q, f"{q} n", f"{q} of"):
                assert public[ref][column] == ("c" if column in hidden else row[column]), (ref, column, row[column])
            suppressed += bool(hidden)
        year_ago = row["Year ago Q2 2024/25"]
        if units[ref] == "count":
            assert public[ref]["Year ago Q2 2024/25"] == ("c" if small(year_ago) else year_ago), ref
    assert suppressed > 10  # the demo has small numbers, so the rule is exercised
    assert numbers_stored_as_text(demo / PUBLISHABLE, ("Scorecard", "Summary")) == []


def test_the_publishable_copy_carries_no_commentary_notes_or_input_text(demo):
    full = openpyxl.load_workbook(demo / WORKBOOK)
    # Text both copies carry (headings, keys, definitions) is not private; everything else long
    # enough to be recognised on the Work plan and Supporting information sheets is, and so are
    # the Scorecard's Commentary and Notes.
    shared = " | ".join(str(v) for name in ("Scorecard", "Definitions") for row in full[name].iter_rows(values_only=True)
                        for v in row if isinstance(v, str))
    private = {v for name in ("Work plan", "Supporting information") for row in full[name].iter_rows(values_only=True)
               for v in row if isinstance(v, str) and len(v) > 25 and v not in shared}
    under = [row[1] for row in full["Scorecard"].iter_rows(min_row=2, values_only=True)  # the lines under a measure
             if not row[0] and isinstance(row[1], str) and row[1].startswith(("Commentary", "Notes: "))]
    assert any(line.startswith("Notes: ") for line in under) and any(line.startswith("Commentary (") for line in under)
    private.update(line.split(": ", 1)[1] for line in under if not line.startswith("Commentary needed"))
    assert len(private) > 20
    book = openpyxl.load_workbook(demo / PUBLISHABLE)
    found = {str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None}
    leaked = {text for text in private for value in found if text in value}
    assert not leaked
    sheet = book["Scorecard"]
    assert not any(str(c.value).startswith(("Commentary", "Notes: ")) for c in sheet["B"])  # no lines under a measure
    assert "OFFICIAL" in sheet.oddHeader.center.text and "SENSITIVE" not in sheet.oddHeader.center.text
    assert book.properties.category == "OFFICIAL"
