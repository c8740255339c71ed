"""`python -m pipeline commentary`: one commentary request workbook per lead, to send out and read back.

Collecting commentary by e-mail and by hand loses comments and chases the wrong people. Each lead
gets one workbook listing their measures that need commentary this quarter (pipeline.stages.commentary:
Red, special cause concern, restated, incomplete) with the four quarters, the rating and the
variation, any comment already received, and a Commentary column to fill in. The workbook is laid
out as the `commentary` table of schemas/sources.yaml, so a returned one dropped into inputs/ is
read like Commentary.xlsx; a measure left without a comment is "no comment yet", never an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_range
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline.quarters import label
from pipeline.stages.commentary import asked
from pipeline.workbook.book import WORKBOOK_OPTIONS
from pipeline.workbook.layout import (
    DEMO_NOTE,
    fit_row,
    marking,
    paragraph,
    print_setup,
    put_text,
    set_widths,
    text,
    title_block,
)
from pipeline.workbook.scorecard import with_symbol
from pipeline.workbook.styles import CELL, Styles, brag_rules, spc_rules
from pipeline.writing.safe import OutputLocked, write_atomically

if TYPE_CHECKING:
    from pipeline.model import ScorecardData
    from pipeline.writing.locations import Locations

SHEET = "Commentary"  # the commentary table's sheet name (sources.yaml), which helps recognise it
# Ref, Quarter, Commentary and Author are the commentary table's headings (sources.yaml); no other
# heading may be one of its aliases ('Measure' is one, for the Ref), or the sheet would be misread.
REF, QUARTER, TITLE, FIRST = 0, 1, 2, 3  # the four quarters' figures from FIRST on
WIDTHS = (6, 10, 26, 10.5, 10.5, 10.5, 10.5, 9, 13, 12, 28, 36, 14)
RATING, VARIATION, WHY, RECEIVED, COMMENT, AUTHOR = range(FIRST + 4, FIRST + 10)
ENTRY = "#FFF2CC"  # the cells the lead fills in, as the return templates show them


@dataclass(frozen=True)
class Request:
    """One lead's request: whom it is for, how many measures it lists, and where it was written."""

    lead: str
    measures: int
    received: int
    path: Path
    locked: bool = False  # the usual file was open in Excel, so this is another name beside it


def write_requests(data: ScorecardData, where: Locations) -> list[Request]:
    """One workbook per lead with measures that need commentary in the reporting quarter, in
    catalogue order of their first measure; none when nothing needs commentary."""
    wanted = asked(data.scorecard, data.reporting, data.settings.performance_officer)
    requests = []
    for lead, measures in wanted.groupby("lead", sort=False):
        target = where.commentary_request(data.reporting, str(lead))
        try:
            path, locked = write_atomically(target, lambda temp: _write(temp, data, str(lead), measures)), False
        except OutputLocked as exc:  # saved beside the one open in Excel
            path, locked = Path(str(exc)), True
        requests.append(Request(str(lead), len(measures), int(measures["received"].sum()), path, locked))
    return requests


def _write(path: Path, data: ScorecardData, lead: str, measures: pd.DataFrame) -> None:
    book = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    quarter, mark = label(data.reporting), marking(data)
    book.set_properties({"title": f"Commentary request {quarter}: {lead}", "subject": quarter,
                         "author": data.settings.author, "company": data.settings.partnership, "category": mark,
                         "comments": DEMO_NOTE if data.demo
                         else f"Commentary request for {quarter}; {mark}"})
    sheet = book.add_worksheet(SHEET)
    set_widths(sheet, WIDTHS)
    st = Styles(book)
    header = _heading(sheet, st, data, lead, len(measures))
    _rows(book, sheet, st, data, header, measures)
    book.close()


def _heading(sheet: Worksheet, st: Styles, data: ScorecardData, lead: str, count: int) -> int:
    """Title, marking, whom it is for and what to do; the heading row's index."""
    quarter, officer, last = label(data.reporting), data.settings.performance_officer, len(WIDTHS) - 1
    row = title_block(sheet, st, data, f"Commentary request, {quarter}", last)
    for name, said in (("For", lead), ("From", f"{officer}, {data.settings.partnership}")):
        sheet.write_string(row, 0, name, st.label)
        put_text(sheet, row, QUARTER, said, st.plain)
        row += 1
    row += 1
    asks = (f"{'This measure needs' if count == 1 else f'These {count} measures need'} commentary for {quarter}: "
            "each is rated Red, a special cause concern, restated or incomplete ('Asked because' says which). In "
            f"the yellow Commentary column, say what explains the figure and what is being done, then return this "
            f"workbook to {officer}. A comment already received is shown for you to confirm or update: leave "
            "Commentary blank to keep it. A measure left blank is read as no comment yet. Please leave the Ref "
            "and Quarter as they are.")
    paragraph(sheet, row, 0, last, asks, st.para, sum(WIDTHS))
    return row + 2


def _rows(book: Workbook, sheet: Worksheet, st: Styles, data: ScorecardData, header: int,
          measures: pd.DataFrame) -> None:
    """The heading row and one row per measure; the Ref as text, so that 4.10 never becomes 4.1."""
    quarter = label(data.reporting)
    ref_text = book.add_format({**CELL, "bold": True, "num_format": "@"})
    entry = book.add_format({**CELL, "text_wrap": True, "bg_color": ENTRY, "locked": False})
    headings = ("Ref", "Quarter", "Measure title", *(label(q) for q in data.quarters), f"Rating ({quarter})",
                f"Variation ({quarter})", "Asked because", "Comment received so far", "Commentary", "Author")
    for col, heading in enumerate(headings):
        sheet.write_string(header, col, heading, st.head)
    fit_row(sheet, header, ((h, WIDTHS[i]) for i, h in enumerate(headings)))
    card = data.scorecard.set_index(["ref", "quarter"])
    row = header
    for m in measures.itertuples(index=False):
        row += 1
        now = card.loc[(m.ref, data.reporting)]
        figures = [text(card.at[(m.ref, q), "text"]) if (m.ref, q) in card.index else "" for q in data.quarters]
        variation = with_symbol(now["variation_symbol"], now["variation"])
        received = m.comment + (f"\n({m.author})" if m.comment and text(m.author) else "")
        sheet.write_string(row, REF, m.ref, ref_text)
        sheet.write_string(row, QUARTER, quarter, st.wrap)
        put_text(sheet, row, TITLE, m.title, st.wrap)
        for i, figure in enumerate(figures):
            put_text(sheet, row, FIRST + i, figure, st.figure_now if i == len(figures) - 1 else st.figure)
        put_text(sheet, row, RATING, now["brag"], st.rating)
        put_text(sheet, row, VARIATION, variation, st.centre)
        put_text(sheet, row, WHY, m.why[:1].upper() + m.why[1:], st.wrap)
        put_text(sheet, row, RECEIVED, received, st.wrap)
        sheet.write_blank(row, COMMENT, None, entry)
        put_text(sheet, row, AUTHOR, m.lead, entry)
        fit_row(sheet, row, ((m.title, WIDTHS[TITLE]), (received, WIDTHS[RECEIVED]), (variation, WIDTHS[VARIATION]),
                             *((f, WIDTHS[FIRST]) for f in figures)), minimum=3)
    brag_rules(sheet, st, header + 1, RATING, row, RATING)
    spc_rules(sheet, st, header + 1, VARIATION, row, VARIATION)
    # The Refs and the figures are text as the Scorecard shows them: no "number stored as text" marks.
    sheet.ignore_errors({"number_stored_as_text": xl_range(header + 1, REF, row, FIRST + len(data.quarters) - 1)})
    sheet.freeze_panes(header + 1, 0)
    print_setup(sheet, data, repeat=False)
    sheet.repeat_rows(header)
    sheet.print_area(0, 0, row, len(WIDTHS) - 1)
