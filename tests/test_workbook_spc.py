"""The statistical process control, read back: the officer's SPC data sheet's means and limits
worked out again by hand from its own values, the Scorecard's variation and assurance, the
Summary's counts of them, the pack's Charts sheet's native charts drawn from its own hidden Chart
data sheet (the SPC data's numbers) and printed six to a page, the Definitions' words from the
catalogue's settings, and neither charts nor their numbers in the publishable copy."""

from __future__ import annotations

import math
import re
import zipfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path, PurePosixPath

import openpyxl
import pytest

from pipeline.compute import publishable_data
from pipeline.config.catalogue import Spc
from pipeline.config.settings import load_config
from pipeline.paths import Paths
from pipeline.workbook.book import write_workbook
from pipeline.workbook.styles import SPC_GREY, SPC_MARKER
from tests.conftest import ROOT
from tests.test_workbook import Demo, build_demo, find, scorecard_rows, sheet_parts

pytestmark = [pytest.mark.filterwarnings("ignore:Sparkline Group extension:UserWarning"),
              pytest.mark.usefixtures("great_expectations")]  # builds scorecards in this process

SPC_HEADERS = ["Ref", "Month", "Value", "Mean", "Lower process limit", "Upper process limit", "Signal", "Denominator",
               "Target", "Method"]
SYMBOLS = ("\u25b2", "\u25bc", "\u25cf", "\u221a", "\u00d7", "\u2248")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:
    return build_demo(tmp_path_factory)


# --------------------------------------------------------------------------- reading helpers

def spc_rows(book: openpyxl.Workbook) -> list[dict[str, object]]:
    rows = list(book["SPC data"].iter_rows(values_only=True))
    assert list(rows[0]) == SPC_HEADERS
    return [dict(zip(SPC_HEADERS, r)) for r in rows[1:]]


def of(rows: list[dict[str, object]], ref: str) -> list[dict[str, object]]:
    return [r for r in rows if r["Ref"] == ref]


def words(cell: object) -> str:
    """A Variation or Assurance cell's words, without the symbol before them."""
    said = str(cell or "")
    return said.split(" ", 1)[1] if said[:1] in SYMBOLS else said


def sheet_charts(path: Path, sheet: str) -> tuple[str, list[str]]:
    """The sheet's drawing XML and its charts' XML, in the order they were inserted."""
    part = PurePosixPath(sheet_parts(path)[sheet])
    with zipfile.ZipFile(path) as z:
        rels = z.read(str(part.parent / "_rels" / (part.name + ".rels"))).decode()
        drawing = PurePosixPath("xl/drawings") / PurePosixPath(re.search(r'Target="([^"]*drawings/[^"]+)"', rels)[1]).name
        drels = z.read(str(drawing.parent / "_rels" / (drawing.name + ".rels"))).decode()
        targets = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="[^"]*?(charts/chart\d+\.xml)"', drels))
        xml = z.read(str(drawing)).decode()
        order = re.findall(r'r:id="(rId\d+)"', xml)
        return xml, [z.read(f"xl/{targets[rid]}").decode() for rid in order]


def rated_refs(data) -> list[str]:
    """The measures with a polarity and points, in catalogue order: one chart each."""
    card = data.scorecard.drop_duplicates("ref")
    charted = set(data.spc["ref"])
    return [ref for ref, polarity in zip(card["ref"], card["polarity"]) if polarity != "none" and ref in charted]


# --------------------------------------------------------------------------- SPC data

def test_spc_data_has_one_row_per_point_as_numbers_and_dates(demo):
    sheet = demo.checks_book["SPC data"]
    rows = spc_rows(demo.checks_book)
    assert len(rows) == len(demo.data.spc)
    assert [r["Ref"] for r in rows] == demo.data.spc["ref"].tolist()
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:J{len(rows) + 1}"
    assert sheet.page_setup.orientation == "landscape" and (sheet.page_setup.fitToWidth or 1) == 1
    first = {c.column_letter: c for c in sheet[2]}
    assert isinstance(first["B"].value, datetime) and first["B"].number_format == "mmm yyyy"
    assert first["D"].number_format == first["E"].number_format == first["F"].number_format == "0.00"
    units = dict(zip(demo.data.scorecard["ref"], demo.data.scorecard["unit"]))
    formats = {units[c.offset(0, -2).value]: c.number_format for c in sheet["C"][1:]}
    assert formats == {"count": "#,##0", "percent": "0.0", "days": "0.0"}
    for r in rows:
        assert isinstance(r["Value"], (int, float)) and r["Signal"] != ""
        assert (r["Denominator"] is not None) == (r["Method"] == "p-chart"), r
    assert any(r["Signal"] for r in rows) and any(r["Signal"] is None for r in rows)


def test_an_xmr_charts_mean_and_limits_are_its_values_mean_and_moving_ranges(demo):
    points = of(spc_rows(demo.checks_book), "1.3")
    assert points[0]["Method"] == "XmR chart" and len(points) >= 15
    months = [(r["Month"].year, r["Month"].month) for r in points]
    assert all((y * 12 + m) - (y0 * 12 + m0) == 1 for (y0, m0), (y, m) in zip(months, months[1:]))  # no gap
    values = [r["Value"] for r in points]
    mean = sum(values) / len(values)
    moving = sum(abs(b - a) for a, b in zip(values, values[1:])) / (len(values) - 1)
    for r in points:  # no baselines in the demo: one mean and one pair of limits for every point
        assert r["Mean"] == pytest.approx(mean, abs=0.005)
        assert r["Lower process limit"] == pytest.approx(mean - 2.66 * moving, abs=0.005)
        assert r["Upper process limit"] == pytest.approx(mean + 2.66 * moving, abs=0.005)


def test_a_p_charts_limits_come_from_the_pooled_share_at_each_months_denominator(demo):
    points = of(spc_rows(demo.checks_book), "4.11")
    assert points[0]["Method"] == "p-chart" and len(points) >= 15
    numerators = [round(r["Value"] / 100 * r["Denominator"]) for r in points]
    share = sum(numerators) / sum(r["Denominator"] for r in points)
    assert len({r["Denominator"] for r in points}) > 1  # the limits vary with it
    for r in points:
        error = math.sqrt(share * (1 - share) / r["Denominator"])
        assert r["Mean"] == pytest.approx(100 * share, abs=0.005)
        assert r["Lower process limit"] == pytest.approx(max(0.0, 100 * (share - 3 * error)), abs=0.005)
        assert r["Upper process limit"] == pytest.approx(min(100.0, 100 * (share + 3 * error)), abs=0.005)


# --------------------------------------------------------------------------- Scorecard and Summary

def test_the_scorecard_shows_variation_and_assurance_beside_brag_with_their_symbols(demo):
    head = [c.value for c in demo.book["Scorecard"][1]]
    assert head[head.index("BRAG") + 1: head.index("BRAG") + 3] == ["Variation", "Assurance"]
    card = scorecard_rows(demo.book)
    frame = demo.data.scorecard[demo.data.scorecard["quarter"].eq(demo.data.reporting)].set_index("ref")
    for ref in frame.index:
        m = frame.loc[ref]
        assert card[ref]["Variation"] == f"{m['variation_symbol']} {m['variation']}".strip(), ref
        assert (card[ref]["Assurance"] or "") == f"{m['assurance_symbol']} {m['assurance']}".strip(), ref
    assert card["2.4"]["Variation"] == "\u25b2 Special cause concern"  # lower is better, and it is high
    assert card["4.11"]["Assurance"] == "\u221a Consistently passes"  # the lower limit is above the target
    assert card["2.2"]["Assurance"] == "\u2248 Hit and miss"
    assert {card[ref]["Variation"] for ref in ("4.8", "4.6")} == {"Too few points"}  # no symbol
    assert card["4.8"]["Assurance"] is None


def test_low_numbers_is_coloured_and_in_every_key(demo):
    sheet = demo.book["Scorecard"]
    brag = openpyxl.utils.get_column_letter([c.value for c in sheet[1]].index("BRAG") + 1)
    rules = {str(cf.sqref): [f for rule in cf.rules for f in rule.formula or []] for cf in sheet.conditional_formatting}
    assert '"Low numbers"' in next(v for k, v in rules.items() if k.startswith(f"{brag}2:"))
    assert scorecard_rows(demo.book)["2.1"]["BRAG"] == "Low numbers"
    for name in ("Scorecard", "Definitions"):
        assert find(demo.book[name], "Low numbers") is not None, name
    summary = demo.book["Summary"]
    head = find(summary, "Objective").row
    total = next(c for c in summary[head] if c.value == "Total")
    assert "Low numbers" in [c.value for c in summary[head]]
    last = re.search(r":\$([A-Z]+)\$\d+$", summary.print_area)[1]
    assert openpyxl.utils.column_index_from_string(last) >= total.column  # the whole table prints


def test_the_summary_counts_variation_and_assurance_as_the_scorecard_shows_them(demo):
    sheet = demo.book["Summary"]
    title = find(sheet, "Measures by variation and assurance, this quarter")
    head = [c.value for c in sheet[title.row + 2]]
    card = scorecard_rows(demo.book).values()
    for name, rated in (("Rated", True), ("Monitored", False)):
        row = next(r for r in sheet.iter_rows(min_row=title.row + 3, values_only=True) if r[0] == name)
        counts = dict(zip(head, row))
        mine = [m for m in card if (m["Target"] != "Monitor") == rated]
        for word in ("Special cause improvement", "Special cause concern", "Common cause", "Special cause (high)",
                     "Special cause (low)", "Too few points"):
            assert counts[word] == sum(words(m["Variation"]) == word for m in mine), (name, word)
        for word in ("Consistently passes", "Consistently fails", "Hit and miss"):
            expected = sum(words(m["Assurance"]) == word for m in mine)
            assert counts[word] == (expected if rated else None), (name, word)
        assert counts["Total"] == len(mine)
    assert counts["Common cause"] > 0  # the monitored measures: the demo exercises the count


# --------------------------------------------------------------------------- Charts

def test_each_rated_measure_has_a_native_chart_drawn_from_the_packs_chart_data(demo):
    """Each chart's values are cells of the pack's own hidden Chart data sheet, whose rows are the
    officer's SPC data rows (tests/test_workbook.py checks them cell for cell)."""
    refs = rated_refs(demo.data)
    _, charts = sheet_charts(demo.workbook, "Charts")
    assert len(charts) == len(refs) > 6
    rows = spc_rows(demo.checks_book)
    for ref, xml in zip(refs, charts):
        title = "".join(re.findall(r"<a:t>([^<]*)</a:t>", re.search(r"<c:title>.*?</c:title>", xml, re.S)[0]))
        assert title.startswith(f"{ref} "), title
        assert "<c:lineChart>" in xml and re.search(r"<c:valAx>.*<c:title>.*</c:valAx>", xml, re.S)
        ranges = re.findall(r"<c:f>([^<]*)</c:f>", xml)
        assert ranges and all(f.startswith("'Chart data'!$") for f in ranges), ranges
        first, last = map(int, re.fullmatch(r"'Chart data'!\$C\$(\d+):\$C\$(\d+)", ranges[1]).groups())  # the values
        assert {r["Ref"] for r in rows[first - 2: last - 1]} == {ref} and last - first + 1 == len(of(rows, ref))
        few = of(rows, ref)[0]["Mean"] is None
        assert ("too few points for process limits" in title) == few
        assert xml.count("<c:ser>") == (1 if few else 4) + (of(rows, ref)[0]["Target"] is not None)
    assert any(of(rows, ref)[0]["Mean"] is None for ref in refs)  # the demo has a chart with too few points


def test_a_flagged_point_is_marked_in_its_variations_colour(demo):
    refs = rated_refs(demo.data)
    _, charts = sheet_charts(demo.workbook, "Charts")
    spc = demo.data.spc
    checked = 0
    for ref, xml in zip(refs, charts):
        points = spc[spc["ref"].eq(ref)].reset_index(drop=True)
        values = re.search(r"<c:ser>.*?</c:ser>", xml, re.S)[0]  # the monthly figures come first
        marked = dict(re.findall(r'<c:dPt><c:idx val="(\d+)"/><c:marker><c:spPr><a:solidFill><a:srgbClr val="(\w+)"',
                                 values))
        flagged = points.index[points["signal"].ne("")]
        assert sorted(map(int, marked)) == list(flagged), ref
        for i in flagged:
            assert "#" + marked[str(i)] == SPC_MARKER.get(points.loc[i, "variation"], SPC_GREY), (ref, i)
            checked += 1
    assert checked > 0


def test_charts_print_six_to_a_landscape_a4_page(demo):
    xml, charts = sheet_charts(demo.workbook, "Charts")
    anchors = re.findall(r"<xdr:from><xdr:col>(\d+)</xdr:col>.*?<xdr:row>(\d+)</xdr:row>.*?</xdr:from>"
                         r"<xdr:to><xdr:col>(\d+)</xdr:col>.*?<xdr:row>(\d+)</xdr:row>", xml, re.S)
    assert len(anchors) == len(charts)
    for i, (col, row, to_col, to_row) in enumerate(anchors):
        assert (int(col), int(row)) == (2 * (i % 2), 1 + i // 2)  # two across, under the heading row
        assert int(to_row) == int(row) and int(to_col) == int(col) + 1  # inside its own row: no page cuts it
    sheet = demo.book["Charts"]
    chart_rows = math.ceil(len(charts) / 2)
    breaks = [b.id for b in sheet.row_breaks.brk]
    assert breaks == list(range(4, chart_rows + 1, 3))  # after rows 2-4, 5-7, ... (row 1 is the heading)
    setup = sheet.page_setup
    assert setup.orientation == "landscape" and int(setup.paperSize) == 9 and (setup.fitToWidth or 1) == 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$1:$1"
    assert "How to read the charts" in sheet["A1"].value


def test_the_publishable_copy_has_no_charts_or_their_numbers(demo, tmp_path):
    config = load_config(Paths.resolve(ROOT, demo.inputs, tmp_path))
    path = tmp_path / "public.xlsx"
    write_workbook(publishable_data(demo.data, config), path)
    assert openpyxl.load_workbook(path).sheetnames == ["Summary", "Scorecard", "Definitions"]
    with zipfile.ZipFile(path) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/")]
    assert not any("SPC data" in xml or "Chart data" in xml for xml in charts)


# --------------------------------------------------------------------------- Definitions

def test_definitions_give_each_measures_spc_settings_and_the_rules_from_the_catalogue(demo, tmp_path):
    sheet = demo.book["Definitions"]
    head = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(head, r)) for r in sheet.iter_rows(min_row=2, values_only=True) if r[0]}
    frame = demo.data.scorecard.drop_duplicates("ref").set_index("ref")
    for ref in frame.index:
        assert rows[ref]["SPC settings"] == frame.loc[ref, "spc"] and rows[ref]["BRAG rule"] == frame.loc[ref, "rule"]
    path = tmp_path / "settings.xlsx"
    write_workbook(replace(demo.data, spc_settings=Spc(min_points=18, shift_length=8, trend_length=7), low_numbers=5),
                   path)
    texts = " ".join(str(c.value) for row in openpyxl.load_workbook(path)["Definitions"].iter_rows() for c in row
                     if isinstance(c.value, str))
    for said in ("one of 8 or more in a row on one side of the mean", "one of 7 or more in a row each higher",
                 "at least 18 monthly points", "fewer than 5 cases", "2.66", "pooled share",
                 "a month with few cases has wider limits", "two of three months in a row are beyond two-sigma",
                 "exactly on the mean counts on neither side and ends a run", "equal to the one before ends",
                 "Too few points", "\u2248 Hit and miss", "rated on their variation"):
        assert said in texts, said
