"""Only real quarters are built: one that has not ended is refused with the day it ends (unless
--draft, which marks every page DRAFT), one after today is refused, and one that no input or
history has data for is refused with the quarters that have. Each through the command line, as
an officer runs it, with a small referrals extract dated in the quarters the test needs."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from pipeline.cli import main
from pipeline.quarters import parse_label, spans

pytestmark = [pytest.mark.filterwarnings("ignore:Sparkline Group extension:UserWarning"),
              pytest.mark.usefixtures("great_expectations")]  # builds scorecards in this process

TODAY = date(2025, 11, 15)  # in Q3 2025/26 (October to December 2025), which has not ended
HEADINGS = "Referral ID,Child reference,Referral date,CSE indicator,CCE indicator"
MARKING = "OFFICIAL-SENSITIVE"


def referrals(folder: Path, first: date, last: date) -> Path:
    """A referrals extract with one referral a day from `first` to `last`, every third with a CSE indicator."""
    folder.mkdir(parents=True, exist_ok=True)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    rows = [f"R{n:05d},C{n:05d},{day:%d/%m/%Y},{'Y' if n % 3 == 0 else 'N'},N" for n, day in enumerate(days)]
    (folder / "Referrals.csv").write_text("\n".join([HEADINGS, *rows]) + "\n", encoding="utf-8")
    return folder


def run(inputs: Path, outputs: Path, *more: str, today: date = TODAY) -> int:
    return main(["--inputs", str(inputs), "--outputs", str(outputs), "--today", today.isoformat(), *more])


def workbooks(outputs: Path) -> list[str]:
    return sorted(p.name for p in outputs.rglob("*.xlsx")) if outputs.is_dir() else []


def last_run(outputs: Path) -> dict:
    return json.loads((outputs / "last-run.json").read_text(encoding="utf-8"))


@pytest.fixture
def inputs(tmp_path) -> Path:
    """Referrals from 1 July to 14 November 2025: Q2 2025/26 and the first half of Q3."""
    return referrals(tmp_path / "inputs", date(2025, 7, 1), TODAY - timedelta(days=1))


def said(capsys: pytest.CaptureFixture) -> str:
    out = capsys.readouterr()
    return " ".join((out.out + out.err).split())  # the console wraps long lines


def test_a_quarter_that_has_not_ended_is_refused_with_the_day_it_ends(inputs, tmp_path, capsys):
    outputs = tmp_path / "outputs"
    assert run(inputs, outputs, "--quarter", "Q3 2025/26") == 2
    assert ("Nothing was built. Q3 2025/26 has not ended: it ends on 31/12/2025. Build it once it has, or add "
            "--draft for a draft.") in said(capsys)
    assert workbooks(outputs) == []
    assert (last_run(outputs)["status"], last_run(outputs)["exit_code"]) == ("usage", 2)
    # On its last day it has still not ended; the day after, it has (and is built).
    assert run(inputs, tmp_path / "on the day", "--quarter", "Q3 2025/26", today=date(2025, 12, 31)) == 2
    assert "it ends on 31/12/2025" in said(capsys)


def test_a_quarter_after_today_is_refused_even_as_a_draft(inputs, tmp_path, capsys):
    outputs = tmp_path / "outputs"
    for more in ([], ["--draft"]):
        assert run(inputs, outputs, "--quarter", "Q3 2030/31", *more) == 2
        assert ("Nothing was built. Q3 2030/31 has not begun: it runs from 01/10/2030 to 31/12/2030, and today is "
                "15/11/2025. The latest quarter that has ended is Q2 2025/26.") in said(capsys)
        assert workbooks(outputs) == []


def test_a_quarter_with_no_data_is_refused_listing_the_quarters_that_have_data(inputs, tmp_path, capsys):
    outputs = tmp_path / "outputs"
    assert run(inputs, outputs, "--quarter", "Q1 2015/16") == 2
    # The extract runs from July (Q2 2025/26) to November 2025 (Q3 2025/26)
    assert ("Nothing was built. There is no data for Q1 2015/16 in any input or in the history. Quarters with data: "
            "Q2 2025/26 to Q3 2025/26.") in said(capsys)
    assert workbooks(outputs) == []
    assert last_run(outputs)["status"] == "usage"


def test_the_quarters_in_the_history_count_as_data(inputs, tmp_path, capsys):
    """Once Q2 2025/26 is built its figures are in the history, so with its rows gone from the
    inputs it can still be built, and a quarter neither has is refused with both listed."""
    outputs = tmp_path / "outputs"
    assert run(inputs, outputs, "--quarter", "Q2 2025/26", "--quiet") == 3  # warnings: the other agencies' returns
    october = referrals(tmp_path / "from October", date(2025, 10, 1), TODAY - timedelta(days=1))  # no Q2 rows
    capsys.readouterr()
    assert run(october, outputs, "--quarter", "Q4 2024/25") == 2
    assert "There is no data for Q4 2024/25 in any input or in the history. Quarters with data: Q2 2025/26 to " \
           "Q3 2025/26." in said(capsys)
    assert run(october, outputs, "--quarter", "Q2 2025/26", "--quiet") == 3


def test_without_a_quarter_only_one_that_has_ended_is_chosen(tmp_path, capsys):
    inputs = referrals(tmp_path / "inputs", date(2025, 10, 1), TODAY - timedelta(days=1))  # Q3 2025/26 only
    outputs = tmp_path / "outputs"
    assert run(inputs, outputs) == 4
    assert ("Nothing was built: No quarter that has ended has any data, so there is nothing to report yet. "
            "Quarters with data: Q3 2025/26.") in said(capsys)
    assert workbooks(outputs) == []


def test_a_draft_is_built_and_every_page_of_both_workbooks_says_draft(inputs, tmp_path, capsys):
    outputs = tmp_path / "outputs"
    assert run(inputs, outputs, "--quarter", "Q3 2025/26", "--draft", "--publish") == 3  # warnings: other returns
    pack = outputs / "CE scorecard Q3 2025-26 (DRAFT).xlsx"
    checks = outputs / "CE scorecard Q3 2025-26 (DRAFT) (officer checks).xlsx"
    public = outputs / "CE scorecard Q3 2025-26 (DRAFT) (PUBLISHABLE).xlsx"
    assert sorted(p.name for p in (pack, checks, public)) == [n for n in workbooks(outputs) if "DRAFT" in n]
    assert not [n for n in workbooks(outputs) if n.startswith("CE scorecard") and "DRAFT" not in n]
    assert f"Draft scorecard for Q3 2025/26: {pack}" in said(capsys)
    for path in (pack, checks, public):
        book = openpyxl.load_workbook(path)
        for sheet in book.worksheets:
            header = " ".join(p.text or "" for p in (sheet.oddHeader.left, sheet.oddHeader.center, sheet.oddHeader.right))
            footer = " ".join(p.text or "" for p in (sheet.oddFooter.left, sheet.oddFooter.center, sheet.oddFooter.right))
            for where in (header, footer):
                assert "DRAFT" in where and ("OFFICIAL" if path == public else MARKING) in where, (path.name, sheet.title)
        props = book.properties
        assert props.title.endswith("(DRAFT)") and "DRAFT" in props.keywords, path.name
        assert props.description.startswith("DRAFT: "), path.name
    # Q2 2025/26 has its figure; the quarter so far is Incomplete (its returns cannot cover the days to come).
    card = {r[0]: r for r in openpyxl.load_workbook(pack)["Scorecard"].iter_rows(values_only=True) if r[0]}
    head = card["Ref"]
    cse = sum(1 for n in range((date(2025, 10, 1) - date(2025, 7, 1)).days) if n % 3 == 0)  # July to September
    assert int(str(card["1.1"][head.index("Q2 2025/26")]).replace(",", "")) == cse
    assert card["1.1"][head.index("Q3 2025/26")] == "Incomplete"


def test_quarters_with_data_are_listed_as_runs():
    quarters = [parse_label(q) for q in ("Q1 2024/25", "Q3 2020/21", "Q2 2024/25", "Q4 2024/25", "Q3 2024/25",
                                         "Q1 2020/21", "Q2 2024/25")]
    assert spans(quarters) == "Q1 2020/21, Q3 2020/21, Q1 2024/25 to Q4 2024/25"
    assert spans([]) == ""
