"""The workbook's fixed wording that more than one sheet uses, written once."""

from __future__ import annotations

from pipeline.vocabulary import Rating

COMMENTARY_NEEDED = "Commentary needed"

# The seed work plan's key to BRAG ratings of actions, word for word.
ACTION_KEY = (
    (Rating.BLUE, "The task has been completed."),
    (Rating.GREEN, "The task is on target."),
    (Rating.AMBER, "The task is off target with remedial action."),
    (Rating.RED, "Work has yet to be / planned / started / progressed."),
)


def status_meanings(low_numbers: int) -> tuple[tuple[str, str], ...]:
    """What each rating that is not Blue, Green, Amber or Red means; `low_numbers` is the
    catalogue's fewest cases a share or a median is rated on."""
    return (
        (Rating.MONITOR, "The measure has no polarity (neither higher nor lower is better): it is shown for "
                         "information and its trend as up or down, but it is not rated."),
        (Rating.LOW_NUMBERS, f"A share or a median worked out over fewer than {low_numbers} cases (children, for a "
                             "median): the figure is shown, but so few cases say too little for it to be rated."),
        (Rating.INCOMPLETE, "The returns cover only part of the quarter (the cell comment says what is missing, "
                            "e.g. no November 2024), so no figure is shown and the measure is not rated for it."),
        (Rating.NO_DATA, "No return covers the quarter (the cell comment and Notes give the reason). It is never "
                         "shown as a zero."),
        (Rating.NOT_YET, "The measure is still being developed and has no data for the quarter yet."),
    )


SUPPRESSED_MEANING = ("Not published: a count from 1 to 4, or a figure from which one could be worked out "
                      "(a percentage whose numerator, denominator or their difference is 1 to 4; a median over "
                      "1 to 4 children), as in DfE statistics.")

APPENDIX = "Appendix 3"  # the seed's name for the supporting information


def objective_heading(objective: str, title: str, lead: str, appendix: bool) -> str:
    """'Objective 2: Support to victims and survivors (lead: ...)'; the appendix by its title."""
    if appendix:
        return title or f"Supporting information ({APPENDIX})"
    heading = f"Objective {objective}: {title}" if title else f"Objective {objective}"
    return heading + (f" (lead: {lead})" if lead else "")
