"""Keeping children's identities out of everything the pipeline writes.

Quotes from children and families are carried with names replaced as the seed does:
the worker becomes X, the child XX, family members Y, and any name on the officer's list
(schemas/redact_names.txt) ****. Nothing else from a child's record is ever copied out.
"""

from __future__ import annotations

import re

import pandas as pd
from pandera.typing import DataFrame

from pipeline.config.catalogue import Catalogue, Measure
from pipeline.frames import Scorecard
from pipeline.stages.scorecard import DEFAULT_DISPLAY

WORKER, CHILD, FAMILY, LISTED = "X", "XX", "Y", "****"


def _names(cell: object) -> list[str]:
    if not isinstance(cell, str):
        return []
    return [n.strip() for n in re.split(r"[,;/&]|\band\b", cell) if len(n.strip()) >= 2]


def redact(text: str, replacements: list[tuple[str, str]]) -> str:
    """Replace each name (whole words, any case, with a possessive 's) by its mark."""
    for name, mark in sorted(replacements, key=lambda p: -len(p[0])):
        text = re.sub(rf"(?<![\w]){re.escape(name)}(?![\w])", mark, text, flags=re.IGNORECASE)
    return text


def feedback_quotes(feedback: pd.DataFrame | None, reporting: pd.Period, listed: tuple[str, ...] = ()) -> pd.DataFrame:
    """The reporting quarter's quotes that may be shared, with names blanked out."""
    columns = ["date", "respondent", "rating", "quote"]
    if feedback is None or feedback.empty:
        return pd.DataFrame(columns=columns)
    mine = feedback[(feedback["feedback_date"].dt.to_period("Q-MAR") == reporting) & feedback["quote"].notna()]
    mine = mine[mine["share_quote"].fillna(True).astype(bool)]
    quotes = []
    for record in mine.itertuples(index=False):  # a few dozen quotes a quarter, each with its own names
        replacements = [(n, WORKER) for n in _names(record.worker_name)]
        replacements += [(n, CHILD) for n in _names(record.child_name)]
        replacements += [(n, FAMILY) for n in _names(record.family_names)]
        replacements += [(n, LISTED) for n in listed]
        quotes.append(redact(record.quote, replacements))
    return pd.DataFrame({"date": mine["feedback_date"].to_numpy(), "respondent": mine["respondent"].to_numpy(),
                         "rating": mine["rating"].to_numpy(), "quote": quotes}, columns=columns)


# --------------------------------------------------------------------------- the publishable copy

SUPPRESSED = "c"
SMALL = range(1, 5)  # counts from 1 to 4 are not published, as in DfE statistics


def _small(value: object) -> bool:
    return value is not None and not pd.isna(value) and float(value) in SMALL


PARTS = ("value", "numerator", "denominator", "secondary")


def withheld_parts(unit: str, value: float, numerator: float, denominator: float, secondary: float) -> tuple[str, ...]:
    """The parts of a figure the publishable copy shows as c.

    A share is withheld whole when its numerator, its denominator or the difference between
    them is small, since any of those would let the others give a small count away; a median
    over a few children is withheld with its count of them.
    """
    if unit == "percent":
        left = denominator - numerator if pd.notna(denominator) and pd.notna(numerator) else None
        if _small(numerator) or _small(denominator) or _small(left):
            return ("value", "numerator", "denominator")
    if unit == "days" and _small(denominator):
        return ("value", "denominator")
    figures = dict(zip(PARTS, (value if unit == "count" else None, numerator, denominator, secondary)))
    return tuple(part for part, figure in figures.items() if _small(figure))


def _published_text(pattern: str, unit: str, value: float, numerator: float, denominator: float, secondary: float) -> tuple[str, bool]:
    """The figure's text with small numbers replaced, and whether the main figure was withheld."""
    withheld = withheld_parts(unit, value, numerator, denominator, secondary)
    if unit != "count" and "value" in withheld:
        return SUPPRESSED, True
    decimals = 1 if unit in ("percent", "days") else 0

    def count(part: str, v: object) -> str:
        return "" if v is None or pd.isna(v) else (SUPPRESSED if part in withheld else f"{float(v):,.0f}")

    parts = {"value": SUPPRESSED if "value" in withheld else f"{float(value):,.{decimals}f}",
             "numerator": count("numerator", numerator), "denominator": count("denominator", denominator),
             "secondary": count("secondary", secondary)}
    return pattern.format(**parts), "value" in withheld


def publishable(scorecard: DataFrame[Scorecard], figures: pd.DataFrame, quarters: list[pd.Period],
                catalogue: Catalogue) -> DataFrame[Scorecard]:
    """The scorecard with small numbers suppressed, and no commentary, notes or free text."""
    behind = _behind(figures)
    published = [_published_cell(catalogue.measure(ref), shown, value, behind.get((ref, quarter)))
                 for ref, quarter, shown, value in zip(scorecard["ref"], scorecard["quarter"], scorecard["text"],
                                                       scorecard["value"])]
    parts = pd.Series([hidden for _, hidden in published], index=scorecard.index)
    withheld = parts.map(lambda hidden: "value" in hidden)
    year_ago = scorecard["ref"].map(_year_ago_withheld(scorecard, behind, quarters[-1] - 4, catalogue))
    # A trend would give a withheld figure away: both trends go with the reporting quarter's, the
    # short trend with the quarter's before it too, the long with the year-ago figure.
    now, before = scorecard["quarter"].eq(quarters[-1]), scorecard["quarter"].isin(quarters[-2:])
    hides_long = scorecard["ref"].isin(scorecard.loc[withheld & now, "ref"]) | year_ago
    hides_short = scorecard["ref"].isin(scorecard.loc[withheld & before, "ref"])
    masked = {part: scorecard[part].mask(parts.map(lambda hidden, p=part: p in hidden)) for part in PARTS}
    return scorecard.assign(
        text=[text for text, _ in published], **masked, withheld=parts.map(" ".join),
        year_ago=scorecard["year_ago"].mask(year_ago), year_ago_withheld=year_ago,
        trend_short=scorecard["trend_short"].mask(hides_short, ""),
        trend_long=scorecard["trend_long"].mask(hides_long, ""),
        comment="", comment_author="", notes="", detail="", restated="", needs_commentary=False)


def _behind(figures: pd.DataFrame) -> dict[tuple[str, pd.Period], dict]:
    """The figure (shown, numerator, denominator, secondary) of each measure and quarter."""
    keyed = figures.drop_duplicates(["ref", "quarter"], keep="last").set_index(["ref", "quarter"])
    return keyed[["shown", "numerator", "denominator", "secondary"]].to_dict("index")


def _year_ago_withheld(scorecard: pd.DataFrame, behind: dict[tuple[str, pd.Period], dict], year_ago: pd.Period,
                       catalogue: Catalogue) -> dict[str, bool]:
    """Ref -> whether its year-ago figure is shown as c: by the same rule as a quarter's own, with
    the counts behind that quarter's figure where it is the one compared with (a share or a median
    whose counts are not known is withheld)."""
    hidden = {}
    for ref, figure in scorecard.drop_duplicates("ref")[["ref", "year_ago"]].itertuples(index=False):
        unit, got = catalogue.measure(ref).unit, behind.get((ref, year_ago))
        if pd.isna(figure):
            hidden[ref] = False
        elif got is None or got["shown"] != figure:
            hidden[ref] = unit != "count" or _small(figure)
        else:
            hidden[ref] = "value" in withheld_parts(unit, figure, got["numerator"], got["denominator"], got["secondary"])
    return hidden


def _published_cell(measure: Measure, shown: str, value: object, got: dict | None) -> tuple[str, tuple[str, ...]]:
    """A quarter's text as published, and the parts of its figure withheld; a quarter without a
    figure keeps its word (No data, Incomplete)."""
    if got is None or value is None or pd.isna(value):
        return shown, ()
    pattern = measure.display or DEFAULT_DISPLAY[measure.unit]
    figure = (got["shown"], got["numerator"], got["denominator"], got["secondary"])
    return _published_text(pattern, measure.unit, *figure)[0], withheld_parts(measure.unit, *figure)
