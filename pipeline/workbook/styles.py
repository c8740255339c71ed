"""Every colour and cell format of the pack and the officer's checks, defined once.

BRAG colours are given by conditional-format rules (`brag_rules`), never cell by cell, so a
rating typed over in Excel recolours itself and LibreOffice shows the same colours. Variation and
assurance are coloured the same way (`spc_rules`), in Making Data Count's colours.
"""

from __future__ import annotations

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline.vocabulary import RATED, Assurance, Rating, Variation

# The strong colour of each rated word and of Incomplete, in the BRAG cells. In cells the other
# not-rated words share one grey, so they read alike.
FILL = {Rating.BLUE: "#1F5FAD", Rating.GREEN: "#2E7D32", Rating.AMBER: "#FFC000", Rating.RED: "#C00000",
        Rating.INCOMPLETE: "#F4B183"}
FONT = {Rating.BLUE: "#FFFFFF", Rating.GREEN: "#FFFFFF", Rating.AMBER: "#000000", Rating.RED: "#FFFFFF"}
# The light shade of each quarter's cell on the Scorecard, in that quarter's rating.
LIGHT = {Rating.BLUE: "#DDEBF7", Rating.GREEN: "#E2EFDA", Rating.AMBER: "#FFF2CC", Rating.RED: "#F8CBAD",
         Rating.INCOMPLETE: "#FBE5D6", Rating.NO_DATA: "#F2F2F2", Rating.NOT_YET: "#F2F2F2",
         Rating.LOW_NUMBERS: "#EDEDF7"}
GREY_FILL = "#D9D9D9"
NAVY = "#1F3864"
WHITE = "#FFFFFF"
BLACK = "#000000"
HEAD_FILL = "#DDE4EE"
GRIDLINES = "#E0E0E0"  # charts' gridlines
SERIES_COLOURS = ("#1F5FAD", "#ED7D31", "#2E7D32")  # the Supporting information's charts
# Each rating's look on the Summary chart. The rated words are solid in their BRAG colours, Monitor
# (shown, not rated) is left white, and each other not-rated word has a pattern of its own
# (Incomplete's and Low numbers' on their cell colours), so that Monitor, No data and Not yet
# reported differ from each other and from the BRAG colours in greyscale print as well as on
# screen. Dark edges keep the light parts apart.
RATING_CHART: dict[Rating, dict[str, object]] = {
    **{word: {"fill": {"color": FILL[word]}} for word in RATED},
    Rating.MONITOR: {"fill": {"color": WHITE}},
    Rating.INCOMPLETE: {"pattern": {"pattern": "wide_downward_diagonal", "fg_color": "#843C0C",
                                    "bg_color": FILL[Rating.INCOMPLETE]}},
    Rating.NO_DATA: {"pattern": {"pattern": "dashed_horizontal", "fg_color": BLACK, "bg_color": WHITE}},
    Rating.NOT_YET: {"pattern": {"pattern": "dashed_vertical", "fg_color": BLACK, "bg_color": WHITE}},
    Rating.LOW_NUMBERS: {"pattern": {"pattern": "dotted_grid", "fg_color": "#3F3F8F", "bg_color": "#C9C9E6"}},
}
RATING_CHART_EDGE = "#404040"

# Making Data Count's colours: a flagged point's marker on the Charts sheet, by its variation
# (any other point is grey), and light shades of them for the Scorecard's variation and assurance
# cells, light enough to print in greyscale behind their words.
SPC_MARKER = {Variation.IMPROVEMENT: "#289DE0", Variation.CONCERN: "#FAB428", Variation.HIGH: "#7030A0",
              Variation.LOW: "#7030A0"}
SPC_GREY = "#A6A6A6"
SPC_LIGHT = {Variation.IMPROVEMENT: "#D4EBF9", Variation.CONCERN: "#FEEFD4", Variation.COMMON: "#EDEDED",
             Variation.HIGH: "#E5D9F0", Variation.LOW: "#E5D9F0", Assurance.PASSES: "#D4EBF9",
             Assurance.FAILS: "#FEEFD4", Assurance.HIT_AND_MISS: "#EDEDED"}
# The Charts sheet's lines, told apart in greyscale by weight, markers and dash; a point with no
# signal is a hollow grey dot, so that a flagged one (filled in its colour) stands out in greyscale too.
SPC_LINES = {
    "value": {"color": "#595959", "width": 1.5},
    "mean": {"color": BLACK, "width": 1},
    "limit": {"color": "#7F7F7F", "width": 1, "dash_type": "dash"},
    "target": {"color": FILL[Rating.RED], "width": 1.25, "dash_type": "long_dash_dot"},
}
SPC_POINT = {"type": "circle", "size": 5, "fill": {"color": WHITE}, "border": {"color": SPC_GREY}}

# How a figure reads, by its measure's unit: a number Excel can sum, sort and chart (a percentage is
# stored as a fraction: 0.75 reads 75.0%), with the stand-in marker in the format, not the value.
NUMBER_FORMATS = {"count": "#,##0", "percent": "0.0%", "days": '0.0 "days"'}
STAND_IN_FORMATS = {"count": '#,##0 "\u2020"', "percent": '0.0% "\u2020"', "days": '0.0 "days \u2020"'}
PERCENT_AXIS = "0%"  # a chart's axis of percentages, in whole points
# The counts beside a figure: a percentage's cases counted and all its cases ('12', 'of 16').
COUNTED_FORMAT, OF_FORMAT = "#,##0", '"of "#,##0'

# The formats the error report and the commentary requests share with the workbooks.
CELL = {"valign": "top", "border": 1, "border_color": "#BFBFBF"}  # a table's cell
ATTENTION = {"bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE"}  # what needs doing, in Excel's "bad" colours
HEAD = {"bold": True, "bg_color": HEAD_FILL, "border": 1, "text_wrap": True, "valign": "top"}
WRAP = {"valign": "top", "text_wrap": True}


class Styles:
    """Every format of the workbook, created once and reused by every sheet."""

    def __init__(self, book: Workbook) -> None:
        add = book.add_format
        cell = CELL
        self.title = add({"bold": True, "font_size": 16, "font_color": NAVY})
        self.subtitle = add({"bold": True, "font_size": 12, "font_color": NAVY})
        self.banner = add({"bold": True, "font_size": 14, "font_color": WHITE, "bg_color": FILL[Rating.RED],
                           "align": "center", "valign": "vcenter", "text_wrap": True})
        self.marking = add({"bold": True, "font_size": 12, "font_color": FILL[Rating.RED]})
        self.label = add({"bold": True, "valign": "top"})
        self.plain = add({"valign": "top"})
        self.para = add(WRAP)
        self.italic = add({"italic": True, "valign": "top", "font_color": "#595959"})
        self.count_left = add({"bold": True, "valign": "top", "align": "left", "num_format": "#,##0"})
        self.when = add({"valign": "top", "align": "left", "num_format": "dd/mm/yyyy hh:mm"})
        self.head = add(HEAD)
        self.head_centre = add({**HEAD, "align": "center"})
        self.group = add({"bold": True, "font_color": WHITE, "bg_color": NAVY, "valign": "vcenter"})
        self.section = add({"bold": True, "font_color": NAVY, "bg_color": HEAD_FILL, "valign": "vcenter"})
        self.ref = add({**cell, "bold": True})
        self.name = add({**cell, "bold": True, "text_wrap": True})
        self.wrap = add({**cell, "text_wrap": True})
        self.centre = add({**cell, "text_wrap": True, "align": "center"})
        self.figure = add({**cell, "text_wrap": True, "align": "center"})
        self.figure_now = add({**cell, "text_wrap": True, "align": "center", "bold": True})
        self.rating = add({**cell, "align": "center", "bold": True, "text_wrap": True})
        self.small = add({**cell, "text_wrap": True, "font_size": 8})
        self.needed = add({**cell, "text_wrap": True, **ATTENTION})  # a Scorecard's "Commentary needed" line
        self.count = add({**cell, "num_format": "#,##0"})
        self.count_bold = add({**cell, "num_format": "#,##0", "bold": True, "top": 2})
        self.label_bold = add({**cell, "bold": True, "top": 2})
        # A figure in its unit, keyed by (unit, the reporting quarter's (bold), from a stand-in source).
        self.figures = {(unit, now, marked): add({**cell, "align": "center", "bold": now,
                                                  "num_format": (STAND_IN_FORMATS if marked else NUMBER_FORMATS)[unit]})
                        for unit in NUMBER_FORMATS for now in (False, True) for marked in (False, True)}
        self.counted = add({**cell, "num_format": COUNTED_FORMAT, "align": "right"})
        self.of = add({**cell, "num_format": OF_FORMAT, "align": "left"})
        self.date = add({**cell, "num_format": "dd/mm/yyyy", "align": "left"})
        self.month = add({**cell, "num_format": "mmm yyyy", "align": "left"})
        self.one_place = add({**cell, "num_format": "0.0"})
        self.two_places = add({**cell, "num_format": "0.00"})
        self.datetime = add({**cell, "num_format": "dd/mm/yyyy hh:mm", "align": "left"})
        # Conditional-format formats: strong BRAG, light BRAG for quarter cells, and highlights.
        self.brag = {word: add({"bg_color": FILL[word] if word in (*RATED, Rating.INCOMPLETE) else GREY_FILL,
                                "font_color": FONT.get(word, BLACK)}) for word in Rating}
        self.light = {word: add({"bg_color": colour}) for word, colour in LIGHT.items()}
        self.spc_light = {word: add({"bg_color": colour}) for word, colour in SPC_LIGHT.items()}
        self.better = add({"font_color": FILL[Rating.GREEN], "bold": True})
        self.worse = add({"font_color": FILL[Rating.RED], "bold": True})
        self.attention = add(ATTENTION)
        self.flag = add({"bold": True, "font_color": "#7F6000", "bg_color": "#FFEB9C"})
        self.good = add({"font_color": "#006100", "bg_color": "#C6EFCE"})


def brag_rules(sheet: Worksheet, st: Styles, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
    """Colour BRAG words by rule, so the colour follows the text wherever it is."""
    if last_row < first_row:
        return
    for word in Rating:
        sheet.conditional_format(first_row, first_col, last_row, last_col,
                                 {"type": "cell", "criteria": "==", "value": f'"{word}"', "format": st.brag[word]})


def word_rules(sheet: Worksheet, first_row: int, col: int, last_row: int, formats: dict[str, object]) -> None:
    """Colour a column's cells that hold exactly one of the given words (e.g. failed, passed)."""
    for word, fmt in formats.items():
        sheet.conditional_format(first_row, col, last_row, col,
                                 {"type": "cell", "criteria": "==", "value": f'"{word}"', "format": fmt})


def spc_rules(sheet: Worksheet, st: Styles, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
    """Shade variation and assurance cells by rule, from the words they hold (after any symbol)."""
    if last_row < first_row:
        return
    for word, fmt in st.spc_light.items():
        sheet.conditional_format(first_row, first_col, last_row, last_col,
                                 {"type": "text", "criteria": "containing", "value": str(word), "format": fmt})
