"""Charts people can read, read back from the workbook's own chart XML (xl/charts/chart*.xml): every
axis has a title, every word is large enough to print at 8 points or more, the Summary chart gives each rating a look of its own that greyscale print keeps
apart, a measure with a target has its target line, and no data label has a neighbour it could
overlap."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline.vocabulary import RATED, Rating
from pipeline.workbook.book import write_workbook
from tests.test_workbook import Demo, build_demo
from tests.test_workbook_spc import rated_refs, sheet_charts

pytestmark = [pytest.mark.filterwarnings("ignore:Sparkline Group extension:UserWarning"),
              pytest.mark.usefixtures("great_expectations")]  # builds scorecards in this process

NS = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
      "a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
SHEETS = ("Summary", "Supporting information", "Charts")
AXES = ("c:catAx", "c:dateAx", "c:valAx")
GREY_APART = 40  # of 255: two solid fills whose greys differ less print alike


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:
    return build_demo(tmp_path_factory)


# --------------------------------------------------------------------------- reading chart XML

def charts(path: Path, sheet: str) -> list[ET.Element]:
    """The sheet's charts, parsed, in the order they were inserted."""
    return [ET.fromstring(xml) for xml in sheet_charts(path, sheet)[1]]


def words(element: ET.Element | None) -> str:
    return "".join(t.text or "" for t in element.iter(f"{{{NS['a']}}}t")) if element is not None else ""


def series(chart: ET.Element) -> list[tuple[str, str, ET.Element]]:
    """Each series of the chart: the kind of chart it is drawn in (bar, line), its name, its XML."""
    out = []
    for plot in chart.find("c:chart/c:plotArea", NS):
        kind = plot.tag.rsplit("}", 1)[1].removesuffix("Chart")
        for ser in plot.findall("c:ser", NS):
            name = ser.find("c:tx/c:v", NS)
            if name is None:
                name = ser.find("c:tx/c:strRef/c:strCache/c:pt/c:v", NS)
            out.append((kind, name.text if name is not None else "", ser))
    return out


def look(ser: ET.Element) -> tuple[str, str, str]:
    """How a series is filled: ('solid', colour, '') or (pattern, foreground, background)."""
    solid = ser.find("c:spPr/a:solidFill/a:srgbClr", NS)
    if solid is not None:
        return "solid", solid.get("val"), ""
    pattern = ser.find("c:spPr/a:pattFill", NS)
    assert pattern is not None, "a series with neither a solid fill nor a pattern"
    return (pattern.get("prst"), pattern.find("a:fgClr/a:srgbClr", NS).get("val"),
            pattern.find("a:bgClr/a:srgbClr", NS).get("val"))


def grey(colour: str) -> float:
    """The colour's lightness in greyscale print (ITU-R BT.601 luma, 0-255)."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (0, 2, 4))
    return 0.299 * r + 0.587 * g + 0.114 * b


def apart_in_greyscale(one: tuple[str, str, str], other: tuple[str, str, str]) -> bool:
    """Two fills tell apart without colour: different patterns, or solids of clearly different greys."""
    if one[0] != other[0]:
        return True
    if one[0] == "solid":
        return abs(grey(one[1]) - grey(other[1])) >= GREY_APART
    return abs(grey(one[2]) - grey(other[2])) >= GREY_APART


def labelled_points(ser: ET.Element, points: int) -> list[int]:
    """The points of a series whose value is written on the chart."""
    labels = ser.find("c:dLbls", NS)
    if labels is None or labels.find("c:showVal", NS) is None:
        return []
    deleted = {int(d.find("c:idx", NS).get("val")) for d in labels.findall("c:dLbl", NS)
               if d.find("c:delete", NS) is not None}
    return [i for i in range(points) if i not in deleted]


def points_of(ser: ET.Element) -> int:
    return int(ser.find("c:val/c:numRef/c:numCache/c:ptCount", NS).get("val"))


# --------------------------------------------------------------------------- the tests

# The smallest type on each sheet's charts: the sheet's scale as printed (about 0.78, 0.89 and 0.95)
# times it is at least 8 points.
SMALLEST = {"Summary": 11, "Supporting information": 10, "Charts": 9}


def test_every_word_of_every_chart_prints_at_8_points_or_more(demo):
    for sheet in SHEETS:
        for chart in charts(demo.workbook, sheet):
            parts = [chart.find("c:chart/c:title", NS), chart.find("c:chart/c:legend", NS),
                     *(axis.find(part, NS) for name in AXES for axis in chart.find("c:chart/c:plotArea", NS).findall(name, NS)
                       for part in ("c:title", "c:txPr")),
                     *chart.findall(".//c:dLbls/c:txPr", NS)]
            for part in (p for p in parts if p is not None):
                sizes = [int(e.get("sz")) for e in part.iter() if e.get("sz")]
                assert sizes and min(sizes) >= SMALLEST[sheet] * 100, (sheet, words(chart.find("c:chart/c:title", NS)),
                                                                      part.tag, sizes)


def test_every_axis_of_every_chart_has_a_title(demo):
    drawn = {sheet: charts(demo.workbook, sheet) for sheet in SHEETS}
    assert [len(drawn["Summary"]), len(drawn["Supporting information"])] == [1, 4] and len(drawn["Charts"]) > 6
    for sheet, found in drawn.items():
        for chart in found:
            title = words(chart.find("c:chart/c:title", NS))
            axes = [axis for name in AXES for axis in chart.find("c:chart/c:plotArea", NS).findall(name, NS)]
            assert len(axes) == 2, (sheet, title)
            named = [words(axis.find("c:title", NS)) for axis in axes]
            assert all(named), (sheet, title, named)
    summary = drawn["Summary"][0]
    assert [words(summary.find(f"c:chart/c:plotArea/{a}/c:title", NS)) for a in ("c:catAx", "c:valAx")] == \
        ["Objective", "Measures"]
    a4 = drawn["Supporting information"][3]
    assert words(a4.find("c:chart/c:plotArea/c:valAx/c:title", NS)) == "Positive outcome rate (%)"


def test_the_summary_chart_gives_each_rating_a_look_of_its_own_that_greyscale_keeps(demo):
    (chart,) = charts(demo.workbook, "Summary")
    looks = {Rating(name): look(ser) for _, name, ser in series(chart)}
    assert list(looks) == list(Rating)
    assert len(set(looks.values())) == len(Rating)  # on screen, no two alike
    for word in (w for w in Rating if w not in RATED):  # the words that were three near-identical greys, and the others
        for other in Rating:
            if other != word:
                assert apart_in_greyscale(looks[word], looks[other]), (word, other, looks[word], looks[other])
    for word in RATED:  # the BRAG colours themselves, as the cells show them
        assert looks[word][0] == "solid"
    assert looks[Rating.AMBER] != looks[Rating.INCOMPLETE]


def test_a_measure_with_a_target_has_its_target_line(demo, tmp_path):
    # The Charts sheet: a Target series exactly for the measures with a target.
    targets = dict(zip(demo.data.figures["ref"], demo.data.figures["target"]))
    refs = rated_refs(demo.data)
    found = charts(demo.workbook, "Charts")
    assert len(found) == len(refs)
    with_target = [ref for ref in refs if pd.notna(targets[ref])]
    assert with_target
    for ref, chart in zip(refs, found):
        names = [name for _, name, _ in series(chart)]
        assert ("Target" in names) == (ref in with_target), (ref, names)
    # The Supporting information: the demo's measures have none, so no line; given one, a column
    # chart and a line chart each draw it, named with its figure, from cells beside the quarters.
    for chart in charts(demo.workbook, "Supporting information"):
        assert not any(name.startswith("Target") for _, name, _ in series(chart))
    figures = demo.data.figures.copy()
    figures.loc[figures["ref"].eq("A1"), "target"] = 12.0
    figures.loc[figures["ref"].eq("A4"), "target"] = 40.0
    path = tmp_path / "targets.xlsx"
    write_workbook(replace(demo.data, figures=figures), path)
    a1, a2, _, a4 = charts(path, "Supporting information")
    sheet = openpyxl.load_workbook(path)["Supporting information"]
    for chart, kind, name, value in ((a1, "bar", "Target 12", 12), (a4, "line", "Target 40%", 0.4)):  # a share as the table holds it
        drawn = {n: (k, s) for k, n, s in series(chart)}
        assert drawn[name][0] == "line" and next(iter(drawn.values()))[0] == kind
        cells = drawn[name][1].find("c:val/c:numRef/c:f", NS).text
        column, first, last = re.fullmatch(r"'Supporting information'!\$([A-Z]+)\$(\d+):\$\1\$(\d+)", cells).groups()
        assert [sheet[f"{column}{row}"].value for row in range(int(first), int(last) + 1)] == [value] * 4
        assert sheet.column_dimensions[column].hidden  # outside the print area, and not in the reader's way
        assert chart.find("c:chart/c:plotVisOnly", NS) is None  # "plot visible cells only" off: the hidden are drawn
    assert not any(name.startswith("Target") for _, name, _ in series(a2))
    assert a2.find("c:chart/c:plotVisOnly", NS).get("val") == "1"


def test_no_data_label_has_a_neighbour_it_could_overlap(demo, tmp_path):
    """Values are written over the columns of a chart of two series at most with no line across
    them, or beside the last point of a chart's only line; nowhere else."""
    figures = demo.data.figures.copy()
    figures.loc[figures["ref"].eq("A1"), "target"] = 12.0
    path = tmp_path / "targets.xlsx"
    write_workbook(replace(demo.data, figures=figures), path)
    checked = 0
    for workbook in (demo.workbook, path):
        for sheet in SHEETS:
            for chart in charts(workbook, sheet):
                drawn = series(chart)
                title = words(chart.find("c:chart/c:title", NS))
                labelled = [(kind, labelled_points(ser, points_of(ser)), points_of(ser)) for kind, _, ser in drawn]
                labelled = [(kind, shown, points) for kind, shown, points in labelled if shown]
                if sheet != "Supporting information":
                    assert not labelled, (sheet, title)
                    continue
                kinds = [kind for kind, _, _ in drawn]
                if kinds[0] == "bar":
                    if "line" in kinds or len(drawn) > 2:
                        assert not labelled, title
                    else:
                        assert len(labelled) == len(drawn), title
                else:
                    plotted = [kind for kind, name, _ in drawn if not name.startswith("Target")]
                    assert len(plotted) == 1 and len(labelled) == 1, title
                    assert labelled[0][1] == [labelled[0][2] - 1], title  # the last point alone
                checked += bool(labelled)
    assert checked >= 7  # A1-A4 in the demo; A2-A4 with A1's target (A1 then has none)
