"""The two workbooks of a run, each for one audience, named for its quarter and laid out to be read and printed.

The pack, circulated to the partnership: Summary, Scorecard, Charts (each rated measure's monthly
SPC chart), Work plan, Supporting information (the seed's Appendix 3) and Definitions, with a
hidden Chart data sheet that the charts draw (a chart can only draw cells of its own workbook).
Nothing in it needs removing before it is sent.

The officer's checks, kept beside it and never circulated: Data quality, Sources (every file
read, with its SHA-256), Lineage (the rows behind each figure) and SPC data (the numbers every
chart draws).

One module per sheet. Everything shown arrives computed in `ScorecardData` (pipeline.model, by
pipeline.compute); the sheets only lay it out, with the formats of pipeline.workbook.styles and
the helpers of pipeline.workbook.layout.

The publishable copy (`data.publish`) has Summary, Scorecard and Definitions only: no text from
the inputs, and no Charts or their numbers, whose monthly figures are often small numbers (1 to
4) that the copy suppresses in its quarterly figures.

Three rules hold throughout, because the pack is circulated to partners:
- every format is defined once (`Styles`) and BRAG colours come from conditional-format rules,
  so a rating typed over in Excel recolours itself and LibreOffice shows the same colours;
- every string that came from an input (actions, evidence, quotes, comments, file names,
  messages, values found) is written as a string cell (`layout.put_text`), and the workbooks are
  opened with strings_to_formulas/urls/numbers off, so text beginning with '=' never becomes a formula;
- no cell holds a formula at all: totals are computed here and written as numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import xlsxwriter

from pipeline.quarters import label
from pipeline.workbook.chart_data import write_chart_data
from pipeline.workbook.charts import write_charts
from pipeline.workbook.data_quality import write_data_quality
from pipeline.workbook.definitions import write_definitions
from pipeline.workbook.layout import DEMO_NOTE, DRAFT, marking
from pipeline.workbook.lineage import write_lineage
from pipeline.workbook.scorecard import write_scorecard
from pipeline.workbook.sources import write_sources
from pipeline.workbook.spc_data import write_spc_data
from pipeline.workbook.styles import Styles
from pipeline.workbook.summary import write_summary
from pipeline.workbook.supporting import write_supporting
from pipeline.workbook.workplan import write_workplan

if TYPE_CHECKING:
    from pipeline.config.catalogue import Catalogue
    from pipeline.model import ScorecardData

WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
SHEETS = (write_summary, write_scorecard, write_charts, write_workplan, write_supporting, write_definitions,
          write_chart_data)
PUBLISHED = (write_summary, write_scorecard, write_definitions)  # the publishable copy: see above


def _properties(book: xlsxwriter.Workbook, data: ScorecardData, title: str, comments: str) -> None:
    """The document's properties, which say DEMO and DRAFT as its pages do."""
    quarter, mark = label(data.reporting), marking(data)
    draft = f"{DRAFT}: " if data.draft else ""
    book.set_properties({
        "title": title + (f" ({DRAFT})" if data.draft else ""),
        "subject": quarter,
        "author": data.settings.author,
        "company": data.settings.partnership,
        "category": mark,
        "keywords": f"{mark}, scorecard, {quarter}" + (f", {DRAFT}" if data.draft else ""),
        "comments": draft + (DEMO_NOTE if data.demo else comments),
        "created": data.produced,
    })


def write_workbook(data: ScorecardData, path: Path) -> None:
    """The pack (or, with data.publish, the publishable copy): every sheet in reading order (the run
    stages it and moves it into place, under another name if the workbook is open in Excel)."""
    book = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    quarter, mark = label(data.reporting), marking(data)
    _properties(book, data, f"{data.settings.partnership} scorecard",
                f"Quarterly scorecard for {quarter}{' (publishable copy)' if data.publish else ''}; {mark}")
    st = Styles(book)
    for write_sheet in PUBLISHED if data.publish else SHEETS:
        write_sheet(book, st, data)
    book.close()


def write_officer_checks(data: ScorecardData, catalogue: Catalogue, path: Path) -> None:
    """The officer's record beside the pack. Every sheet is written row after row, so the workbook
    is streamed (constant_memory): tens of thousands of problems or lineage lines need little memory."""
    book = xlsxwriter.Workbook(str(path), {**WORKBOOK_OPTIONS, "constant_memory": True})
    _properties(book, data, f"{data.settings.partnership} scorecard: officer's checks",
                f"The performance officer's record beside the scorecard for {label(data.reporting)}: data quality, "
                "sources, the rows behind each figure and the charts' numbers. Not for circulation.")
    st = Styles(book)
    write_data_quality(book, st, data)
    write_sources(book, st, data)
    write_lineage(book, st, data, catalogue)
    write_spc_data(book, st, data)
    book.close()
