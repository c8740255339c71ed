"""The words the scorecard uses and the codes a run ends with, defined once.

Rating, the writer, the checks and the publishable copy all take them from here, so a word is
never typed twice and a change of wording is one edit.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Rating(StrEnum):
    """What a measure's quarter is rated, as the Scorecard shows it."""

    BLUE = "Blue"
    GREEN = "Green"
    AMBER = "Amber"
    RED = "Red"
    MONITOR = "Monitor"  # no polarity: shown, not rated
    INCOMPLETE = "Incomplete"  # the returns cover only part of the quarter
    NO_DATA = "No data"  # no return covers the quarter
    NOT_YET = "Not yet reported"  # a measure still being developed
    LOW_NUMBERS = "Low numbers"  # a share or a median over too few cases to rate: shown, not rated


RATED = (Rating.BLUE, Rating.GREEN, Rating.AMBER, Rating.RED)  # the work plan's BRAG
NO_FIGURE = (Rating.INCOMPLETE, Rating.NO_DATA, Rating.NOT_YET)  # a quarter shown without a figure


class RatedOn(StrEnum):
    """How a quarter was rated (the rated frame's and the scorecard's `rated_on`; '' when it was not)."""

    TARGET = "target"
    VARIATION = "variation"
    DIRECTION = "direction"  # direction of travel against the quarter before
    TOO_FEW_CASES = "too few cases"


class Status(StrEnum):
    """Whether a figure was worked out for a quarter (the figures frame's `status`)."""

    OK = "ok"
    NO_DATA = "no_data"  # no return covers it, or nothing to work it out from
    INCOMPLETE = "incomplete"  # its returns cover only part of the quarter


class Signal(StrEnum):
    """The Making Data Count rule that flagged a point, in precedence order (a point several rules
    flag shows the first)."""

    BEYOND_LIMIT = "Beyond a process limit"
    TREND = "Run rising or falling"
    TWO_OF_THREE = "Two of three near a process limit"
    SHIFT = "Run on one side of the mean"


class Variation(StrEnum):
    """What a measure's latest point says (Making Data Count's variation icon, in words)."""

    COMMON = "Common cause"
    IMPROVEMENT = "Special cause improvement"
    CONCERN = "Special cause concern"
    HIGH = "Special cause (high)"  # a measure with no polarity
    LOW = "Special cause (low)"
    TOO_FEW = "Too few points"  # no icon


class Assurance(StrEnum):
    """Whether a measure's process meets its target (Making Data Count's assurance icon, in words)."""

    PASSES = "Consistently passes"
    FAILS = "Consistently fails"
    HIT_AND_MISS = "Hit and miss"  # the target is inside the process limits


# Symbols that print in every font a council PC has (Windows Glyph List 4): the icons, in black and white.
UP, DOWN, STEADY = "\u25b2", "\u25bc", "\u25cf"  # a special cause high or low; common cause
ASSURANCE_SYMBOLS = {Assurance.PASSES: "\u221a", Assurance.FAILS: "\u00d7", Assurance.HIT_AND_MISS: "\u2248"}


class Exit(IntEnum):
    """How a run ended, as its exit code (Task Scheduler's Last Run Result)."""

    OK = 0  # done, no problems
    BUG = 1  # an unexpected error: Python's own code (a traceback is shown)
    USAGE = 2  # the command line was wrong
    WARNINGS = 3  # built, with warnings worth reading
    INPUT_ERRORS = 4  # the inputs have errors: nothing was built
    CONFIG = 5  # a configuration file in schemas/ is wrong
    LOCKED = 6  # the output is open in Excel, or another run is in progress
    MACHINE = 7  # the computer could not do it: disk full, damaged history, outputs path too long for Windows
