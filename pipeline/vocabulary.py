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


RATED = (Rating.BLUE, Rating.GREEN, Rating.AMBER, Rating.RED)  # the work plan's BRAG
NOT_RATED = (Rating.MONITOR, Rating.INCOMPLETE, Rating.NO_DATA, Rating.NOT_YET)
NO_FIGURE = (Rating.INCOMPLETE, Rating.NO_DATA, Rating.NOT_YET)  # a quarter shown without a figure


class Status(StrEnum):
    """Whether a figure was worked out for a quarter (the figures frame's `status`)."""

    OK = "ok"
    NO_DATA = "no_data"  # no return covers it, or nothing to work it out from
    INCOMPLETE = "incomplete"  # its returns cover only part of the quarter


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
