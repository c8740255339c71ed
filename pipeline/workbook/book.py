"""The circulated workbook: one per run, named for its quarter, laid out to be read and printed.

Sheets, in order: Summary, Scorecard, Charts (each rated measure's monthly SPC chart), Work plan,
Supporting information (the seed's Appendix 3), Data quality, Sources, SPC data (the numbers the
charts draw) and Definitions, one module each. Everything shown arrives computed in
`ScorecardData` (pipeline.model, by pipeline.compute); the sheets only lay it out, with the
formats of pipeline.workbook.styles and the helpers of pipeline.workbook.layout.

The publishable copy (`data.publish`) has Summary, Scorecard and Definitions only: no text from
the inputs, and no Charts or SPC data, whose monthly figures are often small numbers (1 to 4) that
the copy suppresses in its quarterly figures.

Three rules hold throughout, because the workbook is circulated to partners:
- every format is defined once (`Styles`) and BRAG colours come from conditional-format rules,
  so a rating typed over in Excel recolours itself and LibreOffice shows the same colours;
- every string that came from an input (actions, evidence, quotes, comments, file names,
  messages, values found) is written as a string cell (`layout.put_text`), and the workbook is
  opened with strings_to_formulas/urls/numbers off, so text beginning with '=' never becomes a formula;
- no cell holds a formula at all: totals are computed here and written as numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import xlsxwriter

from pipeline.quarters import label
from pipeline.workbook.charts import write_charts
from pipeline.workbook.data_quality import write_data_quality
from pipeline.workbook.definitions import write_definitions
from pipeline.workbook.layout import marking
from pipeline.workbook.scorecard import write_scorecard
from pipeline.workbook.sources import write_sources
from pipeline.workbook.spc_data import write_spc_data
from pipeline.workbook.styles import Styles
from pipeline.workbook.summary import write_summary
from pipeline.workbook.supporting import write_supporting
from pipeline.workbook.workplan import write_workplan

if TYPE_CHECKING:
    from pipeline.model import ScorecardData

WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
SHEETS = (write_summary, write_scorecard, write_charts, write_workplan, write_supporting, write_data_quality,
          write_sources, write_spc_data, write_definitions)
PUBLISHED = (write_summary, write_scorecard, write_definitions)  # the publishable copy: see above


def write_workbook(data: ScorecardData, path: Path) -> None:
    """Every sheet, in reading order, with the document's properties (the run stages it and moves it
    into place, under another name if the workbook is open in Excel)."""
    book = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    quarter, mark = label(data.reporting), marking(data)
    book.set_properties({
        "title": f"{data.settings.partnership} scorecard",
        "subject": quarter,
        "author": data.settings.author,
        "company": data.settings.partnership,
        "category": mark,
        "keywords": f"{mark}, scorecard, {quarter}",
        "comments": "DEMONSTRATION DATA: fictional, not for circulation" if data.demo
        else f"Quarterly scorecard for {quarter}{' (publishable copy)' if data.publish else ''}; {mark}",
        "created": data.produced,
    })
    st = Styles(book)
    for write_sheet in PUBLISHED if data.publish else SHEETS:
        write_sheet(book, st, data)
    book.close()
