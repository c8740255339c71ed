"""The demo run, end to end: the workbook's figures against independent counts of the demo files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline.cli import main

TODAY = "2026-11-22"
Q2_START, Q2_END = datetime(2025, 7, 1), datetime(2025, 9, 30)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    outputs = tmp_path_factory.mktemp("outputs")
    assert main(["--demo", "--outputs", str(outputs), "--today", TODAY]) == 0
    return outputs


def scorecard(outputs: Path) -> dict[str, dict[str, object]]:
    book = openpyxl.load_workbook(next(outputs.glob("CE scorecard Q2 2025-26*.xlsx")))
    sheet = book["Scorecard"]
    rows = list(sheet.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "Ref")
    names = rows[head]
    return {r[0]: dict(zip(names, r)) for r in rows[head + 1:] if r and r[0]}


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
    assert list(next(iter(card.values())))[2:6] == ["Q3 2024/25", "Q4 2024/25", "Q1 2025/26", "Q2 2025/26"]
    assert len(card) == 44
    for ref, row in card.items():
        for q in ("Q3 2024/25", "Q4 2024/25", "Q1 2025/26", "Q2 2025/26"):
            assert row[q], (ref, q)
        assert row["BRAG"] in {"Blue", "Green", "Amber", "Red", "Monitor", "No data", "Not yet reported"}


def test_referrals_with_a_cse_indicator_match_an_independent_count(demo):
    referrals = pd.read_csv(demo / "demo-inputs" / "CSC referrals extract.csv", encoding="cp1252")
    dates = pd.to_datetime(referrals["Referral date"], format="%d/%m/%Y")
    expected = int(((dates >= Q2_START) & (dates <= Q2_END) & referrals["CSE indicator"].eq("Y")).sum())
    assert scorecard(demo)["1.1"]["Q2 2025/26"] == str(expected)


def test_police_figures_match_independent_counts(demo):
    police = demo / "demo-inputs" / "SYP child exploitation data Q2 2025-26.xlsx"
    disruption = table(police, "Disruption (monthly)", "Month")
    cse_arrests = int(disruption.loc[in_q2(disruption["Month"]), "CSE arrests"].sum())
    intel = table(police, "Intelligence reports", "Intel ref")
    cce = intel[in_q2(intel["Date submitted"]) & intel["Exploitation type"].eq("CCE")]
    card = scorecard(demo)
    assert card["4.9a"]["Q2 2025/26"] == str(cse_arrests)
    assert card["A2"]["Q2 2025/26"] == f"{len(cce)} reports, {int(cce['Number of linked offences'].sum())} linked offences"


def test_return_home_interviews_offered_match_an_independent_count(demo):
    episodes = table(demo / "demo-inputs" / "CSC exploitation data Q2 2025-26.xlsx", "Missing episodes", "Child reference")
    mine = episodes[in_q2(episodes["Episode start date"]) & episodes["Missing or away"].ne("Away")]
    offered = int(mine["Return home interview offered"].isin(["Yes", "Y"]).sum())
    assert scorecard(demo)["4.11"]["Q2 2025/26"] == f"{100 * offered / len(mine):.1f}% ({offered} of {len(mine)})"
    assert scorecard(demo)["4.10"]["Q2 2025/26"] == str(mine["Child reference"].nunique())


def test_children_on_plans_linked_to_sexual_abuse_or_cse_on_the_last_day(demo):
    plans = table(demo / "demo-inputs" / "CSC exploitation data Q2 2025-26.xlsx", "Child protection plans", "Child reference")
    start = pd.to_datetime(plans["Plan start date"])
    end = pd.to_datetime(plans["Plan end date"])
    open_then = (start <= Q2_END) & (end.isna() | (end > Q2_END))
    linked = plans["Latest category of abuse"].eq("Sexual abuse") | plans["Linked to CSE"].isin(["Yes", "Y"])
    assert scorecard(demo)["2.4"]["Q2 2025/26"] == str(plans.loc[open_then & linked, "Child reference"].nunique())


def test_early_help_completions_are_the_monthly_counts_summed(demo):
    monthly = table(demo / "demo-inputs" / "Early Help completed assessments Oct 2023 - Sep 2025.xlsx", "Monthly counts", "Month")
    months = pd.to_datetime(monthly["Month"])
    q4 = monthly.loc[(months >= "2025-01-01") & (months <= "2025-03-31"), "Completed assessments"].sum()
    assert scorecard(demo)["1.3"]["Q4 2024/25"] == f"{int(q4):,}"


def test_rerunning_the_demo_changes_no_stored_figure(demo, tmp_path):
    db = demo / "demo-history.sqlite"
    before = db.read_bytes()
    assert main(["--demo", "--outputs", str(demo), "--today", TODAY]) == 0
    assert db.read_bytes() == before
