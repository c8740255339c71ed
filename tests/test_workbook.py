"""The circulated pack and the officer's checks beside it, read back: sheets, figures against
independent counts of the demo files, BRAG by the rules, colours by rule, charts, sparklines,
print settings, text never a formula, a locked target, and a LibreOffice rendering."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import time
import uuid
import zipfile
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from pathlib import Path, PurePosixPath

import openpyxl
import pandas as pd
import pytest
import yaml

from pipeline.check import check_inputs
from pipeline.compute import compute
from pipeline.config.settings import load_config
from pipeline.paths import Paths
from pipeline.publish import publish
from pipeline.workbook.book import write_officer_checks, write_workbook
from pipeline.writing.history_file import load_stored
from pipeline.writing.locations import Locations
from tests.conftest import ROOT, copy_demo_inputs

pytestmark = [pytest.mark.filterwarnings("ignore:Sparkline Group extension:UserWarning"),
              pytest.mark.usefixtures("great_expectations")]  # builds scorecards in this process

TODAY = date(2026, 11, 22)
PRODUCED = datetime(2026, 11, 22, 9, 0)
Q2_START, Q2_END = datetime(2025, 7, 1), datetime(2025, 9, 30)
QUARTERS = ["Q3 2024/25", "Q4 2024/25", "Q1 2025/26", "Q2 2025/26"]
SHEETS = ["Summary", "Scorecard", "Charts", "Work plan", "Supporting information", "Definitions"]  # the pack, printed
CHART_DATA = "Chart data"  # the pack's hidden sheet, the numbers its charts draw
CHECKS = ["Data quality", "Sources", "Lineage", "SPC data"]  # the officer's checks
HEADERS = ["Ref", "Measure", "Year ago Q2 2024/25", *(h for q in QUARTERS for h in (q, "n", "of")), "Target", "Stretch",
           "Short trend", "Long trend", "Rating last quarter", "BRAG", "Variation", "Assurance"]
PERCENT, COUNT, DAYS, OF = "0.0%", "#,##0", '0.0 "days"', '"of "#,##0'
MARKING = "OFFICIAL-SENSITIVE"


@dataclass
class Demo:
    inputs: Path
    workbook: Path  # the pack
    checks: Path  # the officer's checks beside it
    data: object
    catalogue: object
    qa_record: Path | None = None

    @cached_property
    def book(self) -> openpyxl.Workbook:
        return openpyxl.load_workbook(self.workbook)

    @cached_property
    def checks_book(self) -> openpyxl.Workbook:
        return openpyxl.load_workbook(self.checks)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:
    return build_demo(tmp_path_factory)


def build_demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The demo run as the CLI does it, into temporary folders (tests/test_workbook_spc.py builds its own)."""
    inputs = tmp_path_factory.mktemp("inputs")
    outputs = tmp_path_factory.mktemp("outputs")
    copy_demo_inputs(inputs)
    paths = Paths.resolve(ROOT, inputs, outputs)
    config = load_config(paths)
    checked = check_inputs(paths.inputs, config.contract, TODAY, allowed={"commentary": {"ref": config.catalogue.refs}})
    computed = compute(checked, config, load_stored(Locations(outputs, demo=True).history), PRODUCED, TODAY, demo=True)
    outcome = publish(computed, checked, paths, config, PRODUCED, demo=True)
    assert outcome.workbook is not None and outcome.officer_checks is not None and not outcome.locked
    return Demo(inputs, outcome.workbook, outcome.officer_checks, outcome.data, config.catalogue, outcome.qa_record)


# --------------------------------------------------------------------------- reading helpers

def table(path: Path, sheet: str, first_heading: str) -> pd.DataFrame:
    """A sheet of a demo input read plainly: the row whose first cell is `first_heading` is the header."""
    rows = list(openpyxl.load_workbook(path, data_only=True)[sheet].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and str(r[0]).strip().lower() == first_heading.lower())
    return pd.DataFrame(rows[head + 1:], columns=[str(c).strip() for c in rows[head]]).dropna(how="all")


def in_q2(values: pd.Series) -> pd.Series:
    dates = pd.to_datetime(values, errors="coerce")
    return (dates >= Q2_START) & (dates <= Q2_END)


def scorecard_rows(book: openpyxl.Workbook) -> dict[str, dict[str, object]]:
    """Measure rows keyed by Ref (objective heading rows have an empty first cell), each with the
    lines under it as "Commentary" (the whole line) and "Notes" (after its label), None without."""
    rows = list(book["Scorecard"].iter_rows(values_only=True))
    names = rows[0]
    card: dict[str, dict[str, object]] = {}
    for r in rows[1:]:
        if r and r[0] and r[1] and r[0] != "Key":
            ref = r[0]
            card[ref] = dict(zip(names, r)) | {"Commentary": None, "Notes": None}
        elif r and not r[0] and isinstance(r[1], str) and card and r[1].startswith(("Commentary", "Notes: ")):
            key = "Notes" if r[1].startswith("Notes: ") else "Commentary"
            card[ref][key] = r[1].removeprefix("Notes: ")
    return card


def find(sheet, value: str):
    return next((c for row in sheet.iter_rows() for c in row if c.value == value), None)


def figure_cells(book: openpyxl.Workbook, ref: str, quarter: str) -> tuple:
    """A measure's figure for a quarter on the Scorecard, and the counts beside it (n, of)."""
    sheet = book["Scorecard"]
    col = [c.value for c in sheet[1]].index(quarter) + 1
    row = find(sheet, ref).row
    return sheet.cell(row, col), sheet.cell(row, col + 1), sheet.cell(row, col + 2)


def sheet_parts(path: Path) -> dict[str, str]:
    """Sheet name -> its XML part inside the xlsx, from the workbook's own relationships."""
    with zipfile.ZipFile(path) as z:
        workbook = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    targets = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"', rels))
    targets |= {k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="(rId\d+)"', rels)}
    return {name: "xl/" + targets[rid].lstrip("/").removeprefix("xl/")
            for name, rid in re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="(rId\d+)"', workbook)}


def charts_on(path: Path, sheet: str) -> int:
    """How many charts the sheet's drawing holds."""
    part = PurePosixPath(sheet_parts(path)[sheet])
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        rels = part.parent / "_rels" / (part.name + ".rels")
        if str(rels) not in names:
            return 0
        drawings = re.findall(r'Target="([^"]*drawings/[^"]+)"', z.read(str(rels)).decode())
        count = 0
        for drawing in drawings:
            dpath = PurePosixPath("xl/drawings") / PurePosixPath(drawing).name
            drels = dpath.parent / "_rels" / (dpath.name + ".rels")
            count += len(re.findall(r'charts/chart\d+\.xml', z.read(str(drels)).decode()))
        return count


def kpi(ref: str) -> dict:
    measures = yaml.safe_load((ROOT / "schemas" / "kpis.yaml").read_text(encoding="utf-8"))["measures"]
    return next(m for m in measures if str(m["ref"]) == ref)


def rate_against_target(value: float, rule: dict) -> str:
    """The README's rule for a higher-is-better measure with a target, written out again."""
    value = float(half_up(value))
    if rule["stretch"] is not None and value >= rule["stretch"]:
        return "Blue"
    if value >= rule["target"]:
        return "Green"
    if value >= rule["target"] - rule["tolerance"]:
        return "Amber"
    return "Red"


def all_cells(book: openpyxl.Workbook):
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield sheet.title, cell


# --------------------------------------------------------------------------- naming and layout

def test_the_workbook_is_named_for_its_quarter_and_a_demo_says_so(demo):
    assert demo.workbook.name == "CE scorecard Q2 2025-26 (DEMO).xlsx"
    assert demo.checks == demo.workbook.with_name("CE scorecard Q2 2025-26 (DEMO) (officer checks).xlsx")
    real = Locations(demo.workbook.parent).workbook(demo.data.settings.workbook_name, demo.data.reporting)
    assert real.name == "CE scorecard Q2 2025-26.xlsx"
    assert Locations.officer_checks(real).name == "CE scorecard Q2 2025-26 (officer checks).xlsx"


def test_sheets_are_in_reading_order(demo):
    assert demo.book.sheetnames == [*SHEETS, CHART_DATA]
    assert [s.title for s in demo.book.worksheets if s.sheet_state == "visible"] == SHEETS
    assert demo.book[CHART_DATA].sheet_state == "hidden"  # so it does not print
    assert demo.checks_book.sheetnames == CHECKS
    assert all(s.sheet_state == "visible" for s in demo.checks_book.worksheets)


def test_two_files_each_for_one_audience_and_nothing_in_the_pack_needs_removing(demo):
    """The pack holds only what the partnership reads; the officer's sheets, the file hashes and the
    rows behind each figure are in the officer's checks, and the run wrote no third workbook."""
    assert sorted(p.name for p in demo.workbook.parent.glob("*.xlsx")) == sorted([demo.workbook.name, demo.checks.name])
    assert not set(demo.book.sheetnames) & {"Data quality", "Sources", "SPC data", "Lineage"}
    hashes = {hashlib.sha256(p.read_bytes()).hexdigest() for p in demo.inputs.iterdir()}
    assert len(hashes) == 9

    def text_of(path: Path) -> str:
        with zipfile.ZipFile(path) as z:
            return " ".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith((".xml", ".rels")))

    pack = text_of(demo.workbook)
    assert not re.search(r"sha-?256", pack, re.IGNORECASE)
    assert not [h for h in hashes if h in pack]
    assert "Lineage" not in pack and "'SPC data'" not in pack
    # ... and they are all in the officer's checks
    assert all(h in text_of(demo.checks) for h in hashes)
    assert {c.value for c in demo.checks_book["Sources"][1]} >= {"SHA-256"}
    assert demo.checks_book["Lineage"]["A1"].value == "Ref" and demo.checks_book["Lineage"].max_row > 100


def test_the_packs_chart_data_is_the_spc_data_row_for_row(demo):
    """The hidden sheet the pack's charts draw holds the officer's SPC data numbers, cell for cell."""
    spc = list(demo.checks_book["SPC data"].iter_rows(values_only=True))
    charted = list(demo.book[CHART_DATA].iter_rows(values_only=True))
    head = list(spc[0])
    keep = [head.index(h) for h in ("Ref", "Month", "Value", "Mean", "Lower process limit", "Upper process limit",
                                    "Target")]
    assert len(charted) == len(spc) == len(demo.data.spc) + 1
    assert [tuple(row[i] for i in keep) for row in spc] == charted


def test_scorecard_headers_are_the_quarter_labels_oldest_first(demo):
    sheet = demo.book["Scorecard"]
    assert [c.value for c in sheet[1]][:len(HEADERS)] == HEADERS
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref.startswith("A1:")


def test_measures_are_grouped_under_their_objective_and_lead(demo):
    sheet = demo.book["Scorecard"]
    heading = find(sheet, "Objective 4: Child protection and detection of crime (lead: Steve Chapman)")
    assert heading is not None and heading.column_letter == "B" and sheet.cell(heading.row, 1).value is None
    assert sheet.cell(heading.row + 1, 1).value == "4.1"
    appendix = find(sheet, "Supporting information (Appendix 3)")
    assert appendix is not None and sheet.cell(appendix.row + 1, 1).value == "A1"
    card = scorecard_rows(demo.book)
    assert len(card) == 44 and list(card)[:3] == ["1.1", "1.2", "1.3"]


# --------------------------------------------------------------------------- figures and ratings

def test_referrals_with_a_cse_indicator_match_an_independent_count(demo):
    referrals = pd.read_csv(demo.inputs / "CSC referrals extract.csv", encoding="cp1252")
    dates = pd.to_datetime(referrals["Referral date"], format="%d/%m/%Y")
    expected = int(((dates >= Q2_START) & (dates <= Q2_END) & referrals["CSE indicator"].eq("Y")).sum())
    figure, counted, of = figure_cells(demo.book, "1.1", "Q2 2025/26")
    assert (figure.value, figure.number_format) == (expected, COUNT)
    assert counted.value is None and of.value is None  # a count has no counts behind it


def test_cse_arrests_match_the_police_disruption_sheet(demo):
    disruption = table(demo.inputs / "SYP child exploitation data Q2 2025-26.xlsx", "Disruption (monthly)", "Month")
    expected = int(disruption.loc[in_q2(disruption["Month"]), "CSE arrests"].sum())
    assert scorecard_rows(demo.book)["4.9a"]["Q2 2025/26"] == expected


def return_home_interviews(inputs: Path) -> tuple[int, int]:
    """Young people offered an interview after any of their episodes in Q2, of those who went missing."""
    episodes = table(inputs / "CSC exploitation data Q2 2025-26.xlsx", "Missing episodes", "Child reference")
    mine = episodes[in_q2(episodes["Episode start date"]) & episodes["Missing or away"].ne("Away")]
    offered = mine.groupby("Child reference")["Return home interview offered"].agg(lambda s: s.isin(["Yes", "Y"]).any())
    return int(offered.sum()), len(offered)


def half_up(value: float, places: int = 1) -> Decimal:
    """Rounded as Excel rounds: halves away from zero."""
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def test_a_percentage_is_a_fraction_with_its_numerator_and_denominator_beside_it(demo):
    offered, children = return_home_interviews(demo.inputs)
    share = (Decimal(100 * offered) / Decimal(children)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    figure, counted, of = figure_cells(demo.book, "4.11", "Q2 2025/26")
    assert (figure.value, figure.number_format) == (float(share / 100), PERCENT)  # 0.99 shows 99.0%
    assert (counted.value, counted.number_format) == (offered, COUNT)
    assert (of.value, of.number_format) == (children, OF)  # shows "of 98"


def test_a_median_is_in_days_with_the_children_it_is_taken_over(demo):
    figure, counted, of = figure_cells(demo.book, "4.7", "Q2 2025/26")
    assert isinstance(figure.value, (int, float)) and figure.number_format == DAYS and figure.font.b  # bold: this quarter
    assert counted.value is None and isinstance(of.value, int) and of.number_format == OF
    detail = scorecard_rows(demo.book)["4.7"]["Notes"]  # the steps' own medians and children
    assert sum(int(n) for n in re.findall(r"over (\d+)", detail)) == of.value


NUMBER = r"[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?"
FIGURE_AS_TEXT = re.compile(rf"^{NUMBER}\s*(%|days?)?\s*\u2020?\s*(\(.*\))?$")  # '1,046', '75.0% (12 of 16)'
GLUED = re.compile(rf"^{NUMBER}\s+[a-z ]+,\s*{NUMBER}\s+[a-z ]+$")  # '71 reports, 82 linked offences'


def numbers_stored_as_text(path: Path, sheets: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """Every string cell of the sheets that reads as a number, a percentage or a figure with its
    counts glued on, other than a Ref in a range the sheet tells Excel is text on purpose (a Ref
    such as 4.10 is a name: ignoredErrors numberStoredAsText)."""
    book = openpyxl.load_workbook(path)
    refs = {str(m["ref"]) for m in yaml.safe_load((ROOT / "schemas" / "kpis.yaml").read_text(encoding="utf-8"))["measures"]}
    found = []
    for name in sheets:
        with zipfile.ZipFile(path) as z:
            xml = z.read(sheet_parts(path)[name]).decode()
        allowed = set()
        for sqref in re.findall(r'<ignoredError sqref="([^"]+)" numberStoredAsText="1"', xml):
            for area in sqref.split():
                first_col, first_row, last_col, last_row = openpyxl.utils.cell.range_boundaries(area)
                allowed |= {(r, c) for r in range(first_row, last_row + 1) for c in range(first_col, last_col + 1)}
        for row in book[name].iter_rows():
            for cell in row:
                said = cell.value.strip() if isinstance(cell.value, str) else ""
                if (FIGURE_AS_TEXT.match(said) or GLUED.match(said)) and not (
                        (cell.row, cell.column) in allowed and said in refs):
                    found.append((name, cell.coordinate, said))
    return found


def test_no_figure_is_a_number_stored_as_text(demo):
    assert FIGURE_AS_TEXT.match("75.0% (12 of 16)") and FIGURE_AS_TEXT.match("1,046") and FIGURE_AS_TEXT.match("8 \u2020")
    assert GLUED.match("71 reports, 82 linked offences") and not FIGURE_AS_TEXT.match("4.9a")
    assert numbers_stored_as_text(demo.workbook, ("Scorecard", "Summary", "Supporting information")) == []
    strings = [c for s, c in all_cells(demo.book) if s in ("Scorecard", "Summary") and isinstance(c.value, str)]
    assert len(strings) > 500 and any(FIGURE_AS_TEXT.match(c.value) for c in strings)  # the Refs, allowed


@pytest.mark.parametrize("ref", ["4.11", "4.12"])
def test_brag_follows_the_rule_for_the_figure(demo, ref):
    if ref == "4.11":
        numerator, denominator = return_home_interviews(demo.inputs)
    else:
        audits = table(demo.inputs / "Evolve CE data Q2 2025-26.xlsx", "Case audits", "Audit date")
        mine = audits[in_q2(audits["Audit date"])]
        numerator, denominator = int(mine["Grade"].isin(["Outstanding", "Good"]).sum()), len(mine)
    expected = rate_against_target(100 * numerator / denominator, kpi(ref))
    assert scorecard_rows(demo.book)[ref]["BRAG"] == expected
    if ref == "4.11":
        assert expected == "Blue"  # 99.0% (97 of 98) against target 90, stretch 98, tolerance 5


def test_brag_column_and_quarter_cells_are_coloured_by_rules(demo):
    sheet = demo.book["Scorecard"]
    brag_col = openpyxl.utils.get_column_letter(HEADERS.index("BRAG") + 1)
    rules = {}
    for cf in sheet.conditional_formatting:
        for rule in cf.rules:
            rules.setdefault(str(cf.sqref), []).extend(rule.formula or [])
    words = {'"Blue"', '"Green"', '"Amber"', '"Red"', '"Monitor"', '"No data"', '"Not yet reported"'}
    for column in ("BRAG", "Rating last quarter"):
        letter = openpyxl.utils.get_column_letter(HEADERS.index(column) + 1)
        assert words <= set(next(v for k, v in rules.items() if k.startswith(f"{letter}2:"))), column
    for quarter in QUARTERS:  # each quarter's figure and counts lightly in its rating, from its hidden rating
        first = HEADERS.index(quarter) + 1
        span = f"{openpyxl.utils.get_column_letter(first)}2:{openpyxl.utils.get_column_letter(first + 2)}"
        hidden = openpyxl.utils.get_column_letter([c.value for c in sheet[1]].index(f"Rating {quarter}") + 1)
        assert f'${hidden}2="Red"' in next(v for k, v in rules.items() if k.startswith(span)), quarter
    # No cell carries a BRAG fill of its own: the colour comes from the rules.
    card_rows = [c for c in sheet[brag_col][1:] if c.value in ("Red", "Green")]
    assert card_rows and all(c.fill.fgColor.rgb in (None, "00000000") for c in card_rows)


def test_red_measures_without_commentary_stand_out(demo):
    card = scorecard_rows(demo.book)
    reds = [ref for ref, row in card.items() if row["BRAG"] == "Red"]
    assert reds
    for ref in reds:
        assert card[ref]["Commentary"]  # either the comment or the words "Commentary needed"
    # As in a real quarter, each Red measure has commentary from its lead's service, signed with a role,
    # but for one left without on purpose, so that "Commentary needed" is seen.
    without = [ref for ref in reds if card[ref]["Commentary"].startswith("Commentary needed")]
    assert without == ["2.2"]
    assert card["2.2"]["Commentary"] == "Commentary needed: not yet received from Catherine Hall"  # 2's lead
    assert card["4.7"]["Commentary"].startswith("Commentary (Head of Evolve): ")
    sheet = demo.book["Scorecard"]
    needed = next(c for row in sheet.iter_rows() for c in row if str(c.value).startswith("Commentary needed"))
    assert needed.font.b and needed.fill.fgColor.rgb.endswith("FFC7CE")  # it stands out, in print too
    assert "Early Help Service Manager" in card["1.3"]["Commentary"]  # a team's own comment, unasked


def test_trends_keep_their_word_with_an_arrow(demo):
    card = scorecard_rows(demo.book)
    words = {str(row["Short trend"]).split(" ")[-1] for row in card.values() if row["Short trend"]}
    assert words <= {"Better", "Worse", "Same", "Up", "Down"} and words
    assert card["4.11"]["Short trend"] == "▲ Better"
    assert card["2.4"]["Short trend"] == "▲ Worse"  # lower is better: the number rose


def test_every_note_that_a_quarter_has_no_figure_is_true(demo):
    """The notes say why a quarter has no figure; each is checked against the demo files read plainly
    (4.6's once said its table did not cover a quarter for which 4.5 had figures from that table)."""
    kpis = yaml.safe_load((ROOT / "schemas" / "kpis.yaml").read_text(encoding="utf-8"))
    table_of = {m["ref"]: m["from"][0]["table"] for m in kpis["measures"]}
    sheet = demo.book["Scorecard"]
    cells = {(r[0].value, q): r[i] for r in sheet.iter_rows(min_row=2) if r[0].value and r[1].value
             for q, i in zip(QUARTERS, range(3, 3 + 3 * len(QUARTERS), 3))}
    notes = {key: cell.comment.text for key, cell in cells.items() if cell.comment}
    uncovered = {key for key, note in notes.items() if "no return in the inputs covers this quarter" in note}
    assert ("3.5", "Q3 2024/25") in uncovered
    for ref, quarter in uncovered:  # no measure from the same table has a figure for that quarter
        same_table = [r for r, t in table_of.items() if t == table_of[ref]]
        assert all(cells[(r, quarter)].value in ("No data", "Not yet reported", "Incomplete") for r in same_table)
    # The apps sheet says so too: SYP's apps return starts in January 2025, after Q3 2024/25.
    apps = openpyxl.load_workbook(demo.inputs / "SYP child exploitation data Q2 2025-26.xlsx")["Apps"]
    period = next(str(c.value) for row in apps.iter_rows(max_row=10) for c in row if "Period covered" in str(c.value))
    assert period == "Period covered: 01/01/2025 to 30/09/2025"
    assert "they cover Q4 2024/25 to Q2 2025/26" in notes[("3.5", "Q3 2024/25")]
    # 4.6, CCE risk assessments rated Medium or High: none before Q1 2025/26, and some then.
    risk = table(demo.inputs / "Evolve CE data Q2 2025-26.xlsx", "Risk assessments", "Child reference")
    cce = risk[risk["Exploitation type"].eq("CCE") & risk["Risk level"].isin(["Medium", "High"])]
    first = pd.to_datetime(cce["Assessment date"]).min()
    assert datetime(2025, 4, 1) <= first <= datetime(2025, 6, 30)
    for quarter in ("Q3 2024/25", "Q4 2024/25"):
        assert notes[("4.6", quarter)] == "Not yet reported: nothing recorded for it before Q1 2025/26"


def test_the_year_ago_figure_is_the_one_the_long_trend_compares_with(demo):
    """1.1's same quarter a year earlier counted again from the referrals, and every long trend's
    word agrees with the two figures the row shows."""
    referrals = pd.read_csv(demo.inputs / "CSC referrals extract.csv", encoding="cp1252")
    dates = pd.to_datetime(referrals["Referral date"], format="%d/%m/%Y")
    expected = int(((dates >= datetime(2024, 7, 1)) & (dates <= datetime(2024, 9, 30))
                    & referrals["CSE indicator"].eq("Y")).sum())
    card = scorecard_rows(demo.book)
    assert card["1.1"]["Year ago Q2 2024/25"] == expected
    compared = 0
    for ref, row in card.items():
        then, now, word = row["Year ago Q2 2024/25"], row["Q2 2025/26"], str(row["Long trend"] or "")
        if not word:
            continue
        assert isinstance(then, (int, float)) and isinstance(now, (int, float)), ref
        polarity = kpi(ref)["polarity"]
        rose = "Up" if polarity == "none" else ("Better" if polarity == "higher" else "Worse")
        fell = "Down" if polarity == "none" else ("Worse" if polarity == "higher" else "Better")
        assert word.endswith(rose if now > then else fell if now < then else "Same"), (ref, then, now, word)
        compared += 1
    assert compared > 30


def test_rating_last_quarter_is_the_quarter_before_s_rating(demo):
    """2.2 rated again for Q1 2025/26 from the feedback (Good or above of all), and every measure's
    rating last quarter is its Q1 2025/26 rating."""
    feedback = table(demo.inputs / "Evolve CE data Q2 2025-26.xlsx", "Feedback", "Date received")
    dates = pd.to_datetime(feedback["Date received"])
    q1 = feedback[(dates >= datetime(2025, 4, 1)) & (dates <= datetime(2025, 6, 30))]
    share = 100 * int(q1["Rating"].isin(["Excellent", "Good"]).sum()) / len(q1)
    card = scorecard_rows(demo.book)
    assert card["2.2"]["Rating last quarter"] == rate_against_target(share, kpi("2.2")) == "Green"
    assert card["2.2"]["BRAG"] == "Red"
    assert all(row["Rating last quarter"] == row["Rating Q1 2025/26"] for row in card.values())


def test_the_summary_opens_with_the_key_messages(demo):
    """The first section after the heading: each measure whose rating changed, with both ratings
    (worked out here from the Scorecard's two rating columns) and its figures, and each Red with its lead."""
    sheet = demo.book["Summary"]
    column = [c.value for c in sheet["A"]]
    start = column.index("Key messages: what changed since Q1 2025/26")
    assert start < column.index("Measures by rating, this quarter")
    card = scorecard_rows(demo.book)
    rated = {"Blue", "Green", "Amber", "Red"}
    changed = [ref for ref, row in card.items() if row["BRAG"] != row["Rating last quarter"]
               and {row["BRAG"], row["Rating last quarter"]} & rated]
    assert changed == ["2.2", "4.8", "4.11"]
    topic = column.index(f"Ratings changed since Q1 2025/26 ({len(changed)})")
    said = column[topic + 1:topic + 1 + len(changed)]
    for ref, sentence in zip(changed, said):
        row = card[ref]
        assert sentence.startswith(f"\u2022 {ref} {row['Measure']}: {row['Rating last quarter']} in Q1 2025/26, "
                                   f"{row['BRAG']} in Q2 2025/26"), sentence
    assert "from 93.3% (14 of 15) in Q1 2025/26 to 69.2% (9 of 13) in Q2 2025/26" in said[0]
    assert said[0].endswith("Lead: Catherine Hall.")  # 2.2 is Red: its objective's lead is named
    assert "Lead:" not in said[2]  # 4.11 went to Blue
    signals = column.index("New signals (special cause variation) (2)")
    assert [str(v).split(" ")[1] for v in column[signals + 1:signals + 3]] == ["1.1", "4.9a"]


def test_a_quarter_with_nothing_to_say_says_so(demo, tmp_path):
    path = tmp_path / "quiet.xlsx"
    write_workbook(replace(demo.data, messages=demo.data.messages.iloc[0:0]), path)
    column = [c.value for c in openpyxl.load_workbook(path)["Summary"]["A"]]
    start = column.index("Key messages: what changed since Q1 2025/26")
    assert column[start + 1] == ("No rating changed since Q1 2025/26, and no figure shows a new signal or is "
                                 "incomplete. No figure was restated and no action of the work plan became overdue.")


def test_each_red_and_each_special_cause_concern_is_listed_with_its_lead(demo):
    sheet = demo.book["Summary"]
    card = scorecard_rows(demo.book)
    wanted = [ref for ref, row in card.items() if row["BRAG"] == "Red" or "concern" in str(row["Variation"])]
    title = find(sheet, f"Measures rated Red or with special cause concern this quarter ({len(wanted)})")
    head = [c.value for c in sheet[title.row + 1]]
    assert head[:8] == ["Ref", "Measure", "Figure, Q2 2025/26", "n", "of", "BRAG", "Variation", "Lead"]
    rows = {r[0]: dict(zip(head, r)) for r in sheet.iter_rows(min_row=title.row + 2, max_row=title.row + 1 + len(wanted),
                                                                values_only=True)}
    assert list(rows) == wanted
    objectives = yaml.safe_load((ROOT / "schemas" / "kpis.yaml").read_text(encoding="utf-8"))["objectives"]
    for ref, row in rows.items():
        assert row["Lead"] == (kpi(ref).get("lead") or objectives[kpi(ref)["objective"]]["lead"]), ref
        assert row["Figure, Q2 2025/26"] == card[ref]["Q2 2025/26"] and not isinstance(row["Figure, Q2 2025/26"], str)
    assert rows["2.4"]["Variation"] == "Special cause concern"


def test_restated_and_history_figures_carry_a_comment(demo, tmp_path):
    card = demo.data.scorecard.copy()
    first, second = demo.data.quarters[:2]
    card.loc[card["ref"].eq("1.1") & card["quarter"].eq(first), "history"] = True
    card.loc[card["ref"].eq("1.1") & card["quarter"].eq(second), "restated"] = "Restated: was 6"
    path = tmp_path / "restated.xlsx"
    write_workbook(replace(demo.data, scorecard=card), path)
    sheet = openpyxl.load_workbook(path)["Scorecard"]
    cell = find(sheet, "1.1")
    assert "From stored history" in sheet.cell(cell.row, HEADERS.index(QUARTERS[0]) + 1).comment.text
    assert "Restated: was 6" in sheet.cell(cell.row, HEADERS.index(QUARTERS[1]) + 1).comment.text


def test_a_stand_in_figure_keeps_its_dagger_in_its_format_and_its_source_in_a_note(demo, tmp_path):
    card = demo.data.scorecard.copy()
    where = card["ref"].eq("1.3") & card["quarter"].eq(demo.data.quarters[0])
    note = "\u2020 From the Ofsted Annex A List 2, standing in for the Early Help return"
    card.loc[where, "source_note"] = note
    card.loc[card["ref"].eq("1.3"), "year_ago_note"] = note
    path = tmp_path / "stand-in.xlsx"
    write_workbook(replace(demo.data, scorecard=card), path)
    book = openpyxl.load_workbook(path)
    figure, _, _ = figure_cells(book, "1.3", QUARTERS[0])
    assert figure.value == int(card.loc[where, "value"].iloc[0]) and figure.number_format == '#,##0 "\u2020"'
    assert figure.comment.text == note
    year_ago = book["Scorecard"].cell(figure.row, HEADERS.index("Year ago Q2 2024/25") + 1)
    assert isinstance(year_ago.value, int) and year_ago.number_format.endswith('"\u2020"')
    assert year_ago.comment.text == note
    assert figure_cells(book, "1.3", QUARTERS[1])[0].number_format == COUNT  # the quarters from its own source


def test_a_sparkline_group_draws_each_measure_across_the_quarters(demo):
    part = sheet_parts(demo.workbook)["Scorecard"]
    with zipfile.ZipFile(demo.workbook) as z:
        xml = z.read(part).decode()
    assert "x14:sparklineGroup" in xml
    assert xml.count("<x14:sparkline>") == 44


def test_charts_are_native_on_summary_and_supporting_information(demo):
    with zipfile.ZipFile(demo.workbook) as z:
        charts = [n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
    assert len(charts) == 5 + charts_on(demo.workbook, "Charts")  # the Charts sheet's: tests/test_workbook_spc.py
    assert charts_on(demo.workbook, "Summary") == 1
    assert charts_on(demo.workbook, "Supporting information") == 4


def test_the_supporting_information_draws_the_tables_and_charts_kpis_yaml_gives(demo, tmp_path):
    def kinds(path: Path) -> list[str]:
        """The kinds of chart on the Summary and Supporting information (not the Charts sheet's, from Chart data)."""
        with zipfile.ZipFile(path) as z:
            xml = [z.read(n).decode() for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        return sorted(re.search(r"<c:(\w+)Chart>", x).group(1) for x in xml if "'Chart data'!" not in x)

    assert kinds(demo.workbook) == ["bar", "bar", "bar", "bar", "line"]  # the Summary's, A1-A3, A4
    charts = {ref: chart for ref, chart in demo.data.charts.items() if ref != "A2"}
    a4 = charts["A4"]
    charts["A4"] = a4.model_copy(update={"type": "column", "columns": [
        a4.columns[2].model_copy(update={"heading": "Rate of positive outcomes"})]})
    path = tmp_path / "charts.xlsx"
    write_workbook(replace(demo.data, charts=charts), path)
    assert kinds(path) == ["bar", "bar", "bar", "bar"]
    sheet = openpyxl.load_workbook(path)["Supporting information"]
    titles = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and c.value[:3] in
              ("A1.", "A2.", "A3.", "A4.")]
    assert [t.split(".")[0] for t in titles] == ["A1", "A3", "A4"]
    head = find(sheet, "Rate of positive outcomes")
    assert head is not None and sheet.cell(head.row, 1).value == "Quarter" and sheet.cell(head.row, 3).value is None
    rate = sheet.cell(head.row + 4, 2)
    assert rate.number_format == PERCENT and 0 < rate.value < 1  # the figure in the measure's own unit, a fraction


# --------------------------------------------------------------------------- the other sheets

def test_summary_gives_the_headline(demo):
    sheet = demo.book["Summary"]
    texts = [c.value for s, c in all_cells(demo.book) if s == "Summary"]
    assert "DEMONSTRATION DATA: fictional, not for circulation" in texts
    assert MARKING in texts and "Child Exploitation Delivery Group" in texts
    assert any(str(t).startswith("Q2 2025/26") for t in texts)
    assert sheet.sheet_view.showGridLines is False
    # BRAG counts per objective agree with the Scorecard's own BRAG column.
    card = scorecard_rows(demo.book)
    head = find(sheet, "Objective").row
    statuses = [c.value for c in sheet[head]][2:9]
    objective_4 = find(sheet, "Objective 4").row
    counts = dict(zip(statuses, [c.value for c in sheet[objective_4]][2:9]))
    refs = [r for r in card if r.split(".")[0] == "4"]
    assert counts == {s: sum(card[r]["BRAG"] == s for r in refs) for s in statuses}
    # Each Red measure is listed with its figure and either an author or "Commentary needed".
    reds = {ref for ref, row in card.items() if row["BRAG"] == "Red"}
    listed = {c.value: c.row for c in sheet["A"] if c.value in reds}
    assert set(listed) == reds
    figure, counted, of = figure_cells(demo.book, "2.2", "Q2 2025/26")
    assert [sheet.cell(listed["2.2"], c).value for c in (3, 4, 5)] == [figure.value, counted.value, of.value]
    assert [sheet.cell(listed["2.2"], c).number_format for c in (3, 4, 5)] == [PERCENT, COUNT, OF]
    assert sheet.cell(listed["2.2"], 10).value == "Commentary needed"
    # The data-quality headline: counted from the problems the run found.
    problems = demo.data.problems
    for name, expected in (("Errors", int(problems["severity"].eq("error").sum())),
                           ("Warnings", int(problems["severity"].eq("warning").sum())),
                           ("Sources missing", int(problems["check"].eq("absent_source").sum())),
                           ("Files not used", 0)):
        assert sheet.cell(find(sheet, name).row, 2).value == expected


def test_work_plan_shows_a_stated_rating_that_differs(demo):
    log = table(demo.inputs / "CEDG work plan action log Sep 2025.xlsx", "Actions", "Objective")
    # Independently: stated Green, commenced, not achieved, target date before the quarter's end.
    overdue = log[log["BRAG rating"].eq("Green") & log["Date achieved"].isna() & log["Date commenced"].notna()
                  & (pd.to_datetime(log["Target date"]) <= Q2_END)]
    assert len(overdue) == 1
    ref = str(overdue["Action ref"].iloc[0])
    sheet = demo.book["Work plan"]
    headings = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == ref)
    record = dict(zip(headings, row))
    assert record["Stated BRAG"] == "Green" and record["Computed BRAG"] == "Amber"
    assert "Stated Green but computed Amber" in record["Check"]
    assert "Remedial action expected" in record["Check"]
    date_cell = sheet.cell(find(sheet, ref).row, headings.index("Target date") + 1)
    assert isinstance(date_cell.value, datetime) and date_cell.number_format == "dd/mm/yyyy"
    ranges = {str(cf.sqref) for cf in sheet.conditional_formatting}
    assert any(r.startswith("I2:J") for r in ranges)  # stated and computed BRAG coloured by rule


def test_without_a_work_plan_the_sheet_says_so(demo, tmp_path):
    path = tmp_path / "no plan.xlsx"
    write_workbook(replace(demo.data, actions=pd.DataFrame()), path)
    texts = [c.value for c in openpyxl.load_workbook(path)["Work plan"]["A"] if c.value]
    assert any("No work plan" in t for t in texts)


def test_supporting_information_has_appendix_3(demo):
    sheet = demo.book["Supporting information"]
    texts = [c.value for s, c in all_cells(demo.book) if s == "Supporting information"]
    assert any(str(t).startswith("A2. CCE intelligence reports") for t in texts)
    # Numbered on from the catalogue's A1 to A4, as the README and qa_activity_map.yaml call them.
    headings = [str(c.value) for c in sheet["A"] if c.font and c.font.b and re.match(r"^\w+\. ", str(c.value))]
    assert [h.split(".")[0] for h in headings] == ["A1", "A2", "A3", "A4", "A5", "A6"]
    assert headings[4] == "A5. Quality assurance" and headings[5].startswith("A6. Feedback from children")
    a2 = find(sheet, "A2. CCE intelligence reports and linked offences")
    assert [c.value for c in sheet[a2.row + 1]][:3] == ["Quarter", "Intelligence reports", "Linked offences"]
    q2 = [c.value for c in sheet[a2.row + 5]][:3]
    assert q2[0] == "Q2 2025/26"
    figure, counted, _ = figure_cells(demo.book, "A2", "Q2 2025/26")
    assert (figure.value, counted.value) == (q2[1], q2[2])  # the reports, and the offences linked to them
    for item in ("QATT", "MACE panel", "Professional challenge"):
        assert item in texts
    assert len(demo.data.feedback) and all(q in texts for q in demo.data.feedback["quote"])
    quotes = demo.data.feedback["quote"].tolist()
    assert len(quotes) >= 8 and len(set(quotes)) == len(quotes)  # no quote twice in the quarter


def test_data_quality_lists_every_problem_then_the_expectations(demo, tmp_path):
    sheet = demo.checks_book["Data quality"]
    assert [c.value for c in sheet[1]] == ["Severity", "File", "Sheet", "Cell", "Column", "Found", "Expected", "Message"]
    assert sheet.auto_filter.ref.startswith("A1:H")
    messages = [c.value for c in sheet["H"][1:find(sheet, "Checks on the figures").row - 1] if c.value]
    assert messages == demo.data.problems["message"].tolist()

    expectations = pd.DataFrame({"expectation": ["Referrals are not fewer than 0", "Rates lie between 0 and 100"],
                                 "measure": ["1.1", "4.11"], "quarter": ["Q2 2025/26", "Q1 2025/26"],
                                 "result": ["passed", "failed"], "observed": [31, "104.2"],
                                 "details": ["", "one quarter above 100"], "severity": ["info", "warning"]})
    path = tmp_path / "expectations.xlsx"
    write_officer_checks(replace(demo.data, expectations=expectations), demo.catalogue, path)
    sheet = openpyxl.load_workbook(path)["Data quality"]
    # The printed summary: one line per check, naming the figures that failed.
    summary = find(sheet, "Checks on the figures")
    assert summary.row > len(demo.data.problems) + 1
    lines = {r[1]: r for r in sheet.iter_rows(min_row=summary.row + 2, max_row=summary.row + 3, values_only=True)}
    assert lines["Rates lie between 0 and 100"][:4] == ("failed", "Rates lie between 0 and 100", 1, 1)
    assert lines["Rates lie between 0 and 100"][4] == "4.11 Q1 2025/26: 104.2"
    assert lines["Rates lie between 0 and 100"][7] == "one quarter above 100"
    assert lines["Referrals are not fewer than 0"][:4] == ("passed", "Referrals are not fewer than 0", 1, 0)
    # The full list below it: on screen, sortable (no merged cells), outside the print area.
    title = find(sheet, "Expectations on the measures")
    head_row = title.row + 2
    head = [c.value for c in sheet[head_row]]
    assert [h for h in head if h] == ["Result", "Expectation", "Quarter", "Measure", "Severity", "Observed", "Details"]
    failed = dict(zip(head, [c.value for c in sheet[head_row + 2]]))
    assert failed["Result"] == "failed" and failed["Measure"] == "4.11" and failed["Observed"] == "104.2"
    assert failed["Expectation"] == "Rates lie between 0 and 100" and failed["Quarter"] == "Q1 2025/26"
    assert not [m for m in sheet.merged_cells.ranges if m.min_row >= head_row]
    ranges = {str(cf.sqref) for cf in sheet.conditional_formatting}
    assert f"A{head_row + 1}:A{head_row + 2}" in ranges  # passed / failed coloured by rule
    assert sheet.print_area.endswith(f"$H${summary.row + 3}")


def test_the_demo_run_checks_its_figures_and_keeps_the_data_docs(demo):
    """The run's own expectation results are on the sheet; the plausibility failures are exactly the
    measures whose figure moved beyond the suite's bound from a previous figure big enough to judge
    (worked out here from the Scorecard's hidden numeric columns), and great-expectations' Data Docs
    are on disk."""
    suite = yaml.safe_load((ROOT / "schemas" / "expectations.yaml").read_text(encoding="utf-8"))
    rule = next(e for e in suite["expectations"] if e["kind"] == "plausibility")
    book = demo.book
    card = book["Scorecard"]
    judged, moved = set(), set()
    head = [c.value for c in card[1]]
    before, now = head.index("Value Q1 2025/26"), head.index("Value Q2 2025/26")  # hidden numbers
    for row in card.iter_rows(min_row=2, values_only=True):
        ref, previous, latest = row[0], row[before], row[now]
        if ref and isinstance(previous, (int, float)) and isinstance(latest, (int, float)) \
                and previous >= rule["min_previous"] and previous:
            judged.add(ref)
            if abs(latest - previous) / previous * 100 > rule["bound_percent"]:
                moved.add(ref)
    assert len(judged) > 10
    sheet = demo.checks_book["Data quality"]
    title = find(sheet, "Expectations on the measures")
    head = [c.value for c in sheet[title.row + 2]]
    results = [dict(zip(head, r)) for r in sheet.iter_rows(min_row=title.row + 3, values_only=True) if r[0]]
    assert len(results) == len(demo.data.expectations) > 100
    plausibility = [r for r in results if r["Expectation"] == rule["name"]]
    assert {r["Measure"] for r in plausibility if r["Result"] == "failed"} == moved
    assert {r["Measure"] for r in plausibility if "%)" in r["Observed"]} == judged
    assert all(r["Result"] == "passed" for r in results if r["Expectation"] == "Counts are not negative")
    # Each failure is also a warning in the problem list above, and counted on the Summary.
    messages = [c.value for c in sheet["H"][1:find(sheet, "Checks on the figures").row - 1] if c.value]
    for ref in moved:
        assert any(m.startswith(f"Measure {ref}, Q2 2025/26:") for m in messages)
    summary = book["Summary"]
    failed = sum(r["Result"] == "failed" for r in results)
    assert summary.cell(find(summary, "Figures to check").row, 2).value == failed
    # The QA record: great-expectations' Data Docs, naming the suite and the failed measures.
    assert demo.qa_record is not None and demo.qa_record.name == "index.html" and demo.qa_record.is_file()
    pages = [p.read_text(encoding="utf-8") for p in demo.qa_record.parent.rglob("*.html")]
    assert any("ce_scorecard_data_quality" in page for page in pages)
    assert all(any(ref in page for page in pages) for ref in moved)


def test_sources_lists_every_file_with_its_sha256(demo):
    sheet = demo.checks_book["Sources"]
    headings = [c.value for c in sheet[1]]
    assert headings[:5] == ["File", "Recognised as", "Sheets", "Period covered", "Rows used"]
    assert headings[5:8] == ["Rows rejected", "Rows not counted (in another file, or outside the period)", "SHA-256"]
    rows = {r[0]: dict(zip(headings, r)) for r in sheet.iter_rows(min_row=2, values_only=True) if r[0]}
    files = sorted(p.name for p in demo.inputs.iterdir())
    assert sorted(rows) == files
    for name in files:
        assert rows[name]["SHA-256"] == hashlib.sha256((demo.inputs / name).read_bytes()).hexdigest()
        assert isinstance(rows[name]["Modified"], datetime)


def test_definitions_explain_every_measure_and_the_brag_key(demo):
    sheet = demo.book["Definitions"]
    headings = [c.value for c in sheet[1]]
    assert headings == ["Ref", "Measure", "Definition", "Source", "Unit", "Polarity", "Target", "Tolerance",
                        "BRAG rule", "SPC settings", "Being developed"]
    rows = {r[0]: dict(zip(headings, r)) for r in sheet.iter_rows(min_row=2, values_only=True) if r[0]}
    assert set(scorecard_rows(demo.book)) <= set(rows)
    assert rows["4.11"]["Polarity"] == "Higher is better" and rows["4.11"]["Tolerance"] == "5 points"
    assert rows["4.11"]["BRAG rule"].startswith("Target 90")
    texts = [c.value for s, c in all_cells(demo.book) if s == "Definitions"]
    for word, meaning in (("BLUE", "The task has been completed."), ("GREEN", "The task is on target."),
                          ("AMBER", "The task is off target with remedial action."),
                          ("RED", "Work has yet to be / planned / started / progressed.")):
        assert word in texts and meaning in texts
    assert {"Monitor", "Incomplete", "No data", "Not yet reported"} <= set(texts)
    # The definitions that could be read two ways print the choice kpis.yaml makes
    assert rows["2.4"]["Definition"].endswith("\nChoice: A record that ends on the quarter's last day is not counted "
                                              "as open on that day (open_on_last_day: false).")
    for ref in ("4.7", "4.8"):
        assert "Choice: Each step down is timed from the child's first assessment at the higher level" in rows[ref]["Definition"]
    assert "Choice: Counted per child reference (per: child_ref)" in rows["4.11"]["Definition"]
    assert "Choice" not in rows["4.1"]["Definition"]
    assert any(t and "compare it with the same source's figure for the earlier quarter" in t for t in texts)


def test_text_too_long_for_a_cell_is_cut_with_a_visible_end():
    from pipeline.workbook.layout import CELL_LIMIT, CUT, fit_cell

    cut = fit_cell("x" * 40_000)
    assert len(cut) == CELL_LIMIT and cut.endswith(CUT) and cut.startswith("x" * 1000)
    assert fit_cell("short") == "short"


# --------------------------------------------------------------------------- print and properties

def test_every_sheet_prints_on_a4_landscape_one_page_wide_with_the_marking(demo):
    for sheet in [*demo.book.worksheets, *demo.checks_book.worksheets]:
        setup = sheet.page_setup
        assert setup.orientation == "landscape", sheet.title
        assert int(setup.paperSize) == 9, sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert (setup.fitToWidth or 1) == 1 and int(setup.fitToHeight or 0) in (0, 1), sheet.title  # 1 is the default
        header = " ".join(p.text or "" for p in (sheet.oddHeader.left, sheet.oddHeader.center, sheet.oddHeader.right))
        footer = " ".join(p.text or "" for p in (sheet.oddFooter.left, sheet.oddFooter.center, sheet.oddFooter.right))
        assert MARKING in header and MARKING in footer, sheet.title
        assert "&P" in footer, sheet.title
    for name in ("Scorecard", "Work plan", "Definitions"):
        assert demo.book[name].print_title_rows == "$1:$1", name
    for name in CHECKS:
        assert demo.checks_book[name].print_title_rows == "$1:$1", name


def test_the_header_and_footer_print_the_marking_bold_and_larger_than_their_other_words(demo):
    # LibreOffice scales the header and footer with the sheet: 11 points print at 8 or more on a
    # sheet fitted to 0.76 of its size.
    sheet = demo.book["Summary"]
    for part in (sheet.oddHeader, sheet.oddFooter):
        sides = [p for p in (part.left, part.center, part.right) if MARKING not in (p.text or "")]
        (mark,) = [p for p in (part.left, part.center, part.right) if MARKING in (p.text or "")]
        assert all(int(p.size) >= 11 for p in sides) and int(mark.size) > max(int(p.size) for p in sides)
        assert "Bold" in (mark.font or "")


def test_the_summary_runs_to_more_pages_broken_between_its_sections(demo):
    sheet = demo.book["Summary"]
    assert int(sheet.page_setup.fitToHeight or 0) == 0 and (sheet.page_setup.fitToWidth or 1) == 1  # not squeezed to one page
    breaks = [b.id for b in sheet.row_breaks.brk]  # the last row of each page
    assert breaks
    chart = find(sheet, "All measures").row + 2  # the BRAG chart's row, a blank row under the table's total
    for last in breaks:
        first = sheet.cell(last + 1, 1)  # the next page's first row: a section's title, or the chart's
        assert (first.font.b and first.font.sz >= 12) or last + 1 == chart, (last, first.value)


def test_pages_break_between_sections_that_fit_and_inside_one_that_does_not(tmp_path):
    import xlsxwriter

    from pipeline.workbook.layout import PRINTABLE_HEIGHT, PagedSheet, keep_sections

    book = xlsxwriter.Workbook(str(tmp_path / "paged.xlsx"))
    sheet = book.add_worksheet("Paged", worksheet_class=PagedSheet)
    for row in range(20):
        sheet.set_row(row, 100)
    # Narrow columns print at full size: a page holds four 100-point rows (with the margin kept).
    assert 4 * 100 < PRINTABLE_HEIGHT * 0.95 < 5 * 100
    # Sections of 2, 3 (not fitting after the 2: a new page), 7 (longer than a page: broken after 4) and 1 rows.
    assert keep_sections(sheet, [0, 2, 5, 12], 13, [10] * 5) == [2, 5, 9]
    # The first row repeated on every page takes its room on every page after the first.
    assert keep_sections(sheet, [0, 1, 2, 3, 4, 5, 6, 7], 8, [10] * 5, repeated=1) == [4, 7]
    book.close()


def test_the_work_plan_and_definitions_are_narrow_enough_to_print_their_words_at_8_points():
    from pipeline.workbook import definitions, workplan

    # 176 characters of columns print at about 0.76 of full size when fitted to A4 landscape: 11-point
    # text at 8 points or more.
    assert sum(workplan.WIDTHS) <= 176 and sum(definitions.WIDTHS) <= 176


def test_a_work_plan_page_never_ends_on_an_objectives_heading(demo):
    sheet = demo.book["Work plan"]
    for last in [b.id for b in sheet.row_breaks.brk]:
        assert sheet.cell(last, 1).value and not str(sheet.cell(last, 2).value or "").startswith("Objective"), last


def test_document_properties(demo):
    props = demo.book.properties
    assert props.title == "Child Exploitation Delivery Group scorecard"
    assert props.subject == "Q2 2025/26"
    assert props.creator == demo.data.settings.author
    checks = demo.checks_book.properties
    assert checks.title == "Child Exploitation Delivery Group scorecard: officer's checks"
    assert checks.subject == "Q2 2025/26" and checks.category == MARKING
    assert checks.description == props.description == "DEMONSTRATION DATA: fictional, not for circulation"


# --------------------------------------------------------------------------- text is text

def test_text_beginning_with_equals_is_written_as_text(demo, tmp_path):
    data = demo.data
    quote = "=) thank you so much X for everything"
    feedback = pd.concat([data.feedback, pd.DataFrame([{"date": pd.Timestamp("2025-09-30"), "respondent": "Parent or carer",
                                                        "rating": "Excellent", "quote": quote}])], ignore_index=True)
    actions = data.actions.copy()
    actions["action"] = actions["action"].astype(object)
    actions.loc[actions.index[0], "action"] = '=HYPERLINK("http://example.invalid","click")'
    card = data.scorecard.copy()
    card.loc[card["ref"].eq("1.4"), ["comment", "comment_author"]] = ["+1+1", "@lead"]
    problems = pd.concat([data.problems, pd.DataFrame([{"severity": "error", "file": "=evil.csv", "sheet": "", "cell": "B2",
                                                        "column": "Rating", "value": "=1+1", "expected": "-2",
                                                        "message": "=SUM(A1:A9)", "source": "", "check": ""}])],
                         ignore_index=True)
    sources = pd.concat([data.sources, pd.DataFrame([{"file": "=evil.csv", "recognised_as": "Not used", "sheets": "",
                                                      "rows_used": 0, "rows_rejected": 0, "sha256": "0" * 64,
                                                      "modified": datetime(2025, 10, 1), "size": 1}])], ignore_index=True)
    planted = replace(data, feedback=feedback, actions=actions, scorecard=card, problems=problems, sources=sources)
    path, checks = tmp_path / "planted.xlsx", tmp_path / "planted checks.xlsx"
    write_workbook(planted, path)
    write_officer_checks(planted, demo.catalogue, checks)
    cells = [*all_cells(openpyxl.load_workbook(path)), *all_cells(openpyxl.load_workbook(checks))]
    assert not [(s, c.coordinate, c.value) for s, c in cells if c.data_type == "f"]
    found = {c.value: c.data_type for s, c in cells if isinstance(c.value, str)}
    for text in (quote, '=HYPERLINK("http://example.invalid","click")', "=evil.csv", "=1+1", "=SUM(A1:A9)", "-2"):
        assert found.get(text) == "s", text
    assert found.get("Commentary (@lead): +1+1") == "s"  # the line under 1.4
    assert not [c for _, c in [*all_cells(demo.book), *all_cells(demo.checks_book)] if c.data_type == "f"]  # nor the demo's


# --------------------------------------------------------------------------- safety and speed

def test_tens_of_thousands_of_problems_are_written_quickly(demo, tmp_path):
    many = pd.DataFrame([{"severity": "error", "file": "SYP data.xlsx", "sheet": "Crimes and outcomes", "cell": f"E{i}",
                          "column": "Outcome date", "value": "01/08/2024", "expected": "a date on or after the Date recorded",
                          "message": f"SYP data.xlsx, sheet 'Crimes and outcomes', cell E{i} (Outcome date) has '01/08/2024'.",
                          "source": "police_crimes", "check": "date_order"} for i in range(30_000)])
    started = time.perf_counter()
    path = tmp_path / "many.xlsx"
    write_officer_checks(replace(demo.data, problems=many, expectations=pd.DataFrame()), demo.catalogue, path)
    assert time.perf_counter() - started < 30
    sheet = openpyxl.load_workbook(path, read_only=True)["Data quality"]
    assert sheet.max_row == 30_001


# --------------------------------------------------------------------------- LibreOffice

LEGIBLE = 10.0  # points: a word's box is about 1.3 times its type size, so 8-point type as printed


@dataclass
class Word:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass
class Rendered:
    pdf: Path
    pages: list[tuple[float, list[Word]]]  # each page's height and its words, as pdftotext -bbox gives them

    def sheet_of(self, page: list[Word]) -> str:
        """The sheet a page prints, from its header ('Scorecard, Q2 2025/26' at the top right)."""
        top = " ".join(w.text for w in page if w.y1 < 45)
        return next(name for name in (*SHEETS, *CHECKS) if f"{name}, Q2" in top)


@pytest.fixture(scope="module")
def rendered(demo, tmp_path_factory) -> Rendered:
    """The demo pack as LibreOffice prints it to PDF, its words and their boxes read back with
    pdftotext. Calibri's metric twin Carlito must be installed (.ci/run installs it), or the widths,
    and so the scale each sheet prints at, are not the ones Excel gives."""
    soffice = shutil.which("soffice")
    if soffice is None or not shutil.which("pdftotext"):
        pytest.skip("LibreOffice (soffice) or pdftotext is not installed, so the printed pack is not checked")
    fonts = subprocess.run(["fc-match", "Calibri"], capture_output=True, text=True).stdout if shutil.which("fc-match") else ""
    if "carlito" not in fonts.lower():
        pytest.skip("Carlito (fonts-crosextra-carlito) is not installed, so LibreOffice would print another font's widths")
    folder = tmp_path_factory.mktemp("printed")
    profile = Path("/tmp") / f"lo-profile-{uuid.uuid4().hex}"  # private: no clash with other runs
    source = folder / "scorecard.xlsx"
    shutil.copyfile(demo.workbook, source)
    try:
        subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(folder), str(source)], check=True, capture_output=True, timeout=180)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdf = folder / "scorecard.pdf"
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, timeout=60).stdout
    pages = []
    for n, page in enumerate(re.findall(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', xml, re.S), 1):
        words = [Word(n, *map(float, box), said) for *box, said in
                 re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
                            page[1])]
        pages.append((float(page[0]), words))
    return Rendered(pdf, pages)


def test_libreoffice_renders_the_whole_pack(rendered):
    # Every sheet of the pack prints, and none runs to more pages than it needs; the hidden Chart
    # data, about 1,000 rows, does not print.
    printed = {rendered.sheet_of(words) for _, words in rendered.pages}
    assert printed == set(SHEETS), printed
    assert 8 <= len(rendered.pages) <= 34, len(rendered.pages)
    text = " ".join(w.text for _, words in rendered.pages for w in words)
    for expected in ("Q2 2025/26", "Missing", MARKING, "DEMONSTRATION", "Commentary needed"):
        assert expected in text, expected


def test_every_printed_word_is_at_least_8_point(rendered):
    """Every word of every page, headers and footers included, as printed after fit-to-page scaling."""
    small = [(rendered.sheet_of(words), w.page, w.text, round(w.height, 1)) for _, words in rendered.pages
             for w in words if w.height < LEGIBLE]
    assert not small, small[:20]


def test_the_protective_marking_is_on_every_page_and_as_legible_as_its_body(rendered):
    for height, words in rendered.pages:
        marks = [w for w in words if w.text == MARKING]
        top = [w for w in marks if w.y1 < 60]
        bottom = [w for w in marks if w.y0 > height - 60]
        assert top and bottom, (rendered.sheet_of(words), words[0].page)
        body = sorted(w.height for w in words if 60 < w.y0 < height - 60)
        assert min(w.height for w in top + bottom) >= body[len(body) // 2], (words[0].page, body[len(body) // 2])


def test_the_scorecard_prints_no_empty_column(demo, rendered):
    """Every column of the Scorecard's print area has something below its heading (commentary and
    notes are lines under a measure; the sparklines, which LibreOffice does not draw, lie outside
    it), and every heading prints."""
    sheet = demo.book["Scorecard"]
    last = openpyxl.utils.column_index_from_string(re.search(r":\$([A-Z]+)\$", sheet.print_area).group(1))
    head = [c.value for c in sheet[1]][:last]
    assert head == HEADERS
    key = next(c.row for c in sheet["B"] if c.value == "Key")
    for col in range(1, last + 1):
        filled = [sheet.cell(row, col).value for row in range(2, key) if sheet.cell(row, col).value not in (None, "")]
        assert filled, head[col - 1]
    scorecard = [w.text for _, words in rendered.pages if rendered.sheet_of(words) == "Scorecard" for w in words]
    for heading in ("Ref", "Measure", "Stretch", "BRAG", "Variation", "Assurance"):
        assert heading in scorecard, heading
    # "Four quarters", the sparklines' heading, lies beyond the print area.
    assert ("Four", "quarters") not in set(zip(scorecard, scorecard[1:]))
