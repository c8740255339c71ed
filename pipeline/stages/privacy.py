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


def _published_text(pattern: str, unit: str, value: float, numerator: float, denominator: float, secondary: float) -> tuple[str, bool]:
    """The figure's text with small numbers replaced, and whether the main figure was withheld.

    A share is withheld whole when its numerator, its denominator or the difference between
    them is small, since any of those would let the others give a small count away.
    """
    decimals = 1 if unit in ("percent", "days") else 0

    def count(v: object) -> str:
        return "" if v is None or pd.isna(v) else (SUPPRESSED if _small(v) else f"{float(v):,.0f}")

    if unit == "percent":
        left = denominator - numerator if pd.notna(denominator) and pd.notna(numerator) else None
        if _small(numerator) or _small(denominator) or _small(left):
            return SUPPRESSED, True
    if unit == "days" and _small(denominator):
        return SUPPRESSED, True
    withheld = unit == "count" and _small(value)
    parts = {"value": SUPPRESSED if withheld else f"{float(value):,.{decimals}f}", "numerator": count(numerator),
             "denominator": count(denominator), "secondary": count(secondary)}
    return pattern.format(**parts), withheld


def publishable(scorecard: DataFrame[Scorecard], figures: pd.DataFrame, quarters: list[pd.Period],
                catalogue: Catalogue) -> DataFrame[Scorecard]:
    """The scorecard with small numbers suppressed, and no commentary, notes or free text."""
    behind = _figures_behind(scorecard, figures)
    published = [_published_cell(catalogue.measure(ref), shown, value, got)
                 for ref, shown, value, got in zip(scorecard["ref"], scorecard["text"], scorecard["value"], behind)]
    withheld = pd.Series([hidden for _, hidden in published], index=scorecard.index)
    # A trend would give a withheld figure away: both trends go with the reporting quarter's, the
    # short trend with the quarter's before it too.
    now, before = scorecard["quarter"].eq(quarters[-1]), scorecard["quarter"].isin(quarters[-2:])
    hides_long = scorecard["ref"].isin(scorecard.loc[withheld & now, "ref"])
    hides_short = scorecard["ref"].isin(scorecard.loc[withheld & before, "ref"])
    return scorecard.assign(
        text=[text for text, _ in published], value=scorecard["value"].mask(withheld),
        trend_short=scorecard["trend_short"].mask(hides_short, ""),
        trend_long=scorecard["trend_long"].mask(hides_long, ""),
        comment="", comment_author="", notes="", detail="", restated="", needs_commentary=False)


def _figures_behind(scorecard: pd.DataFrame, figures: pd.DataFrame) -> list[dict | None]:
    """The figure (shown, numerator, denominator, secondary) behind each scorecard row, if any."""
    keyed = figures.drop_duplicates(["ref", "quarter"], keep="last").set_index(["ref", "quarter"])
    parts = keyed[["shown", "numerator", "denominator", "secondary"]].to_dict("index")
    return [parts.get((ref, quarter)) for ref, quarter in zip(scorecard["ref"], scorecard["quarter"])]


def _published_cell(measure: Measure, shown: str, value: object, got: dict | None) -> tuple[str, bool]:
    """A quarter's text as published, and whether its figure is withheld; a quarter without a
    figure keeps its word (No data, Incomplete)."""
    if got is None or value is None or pd.isna(value):
        return shown, False
    pattern = measure.display or DEFAULT_DISPLAY[measure.unit]
    return _published_text(pattern, measure.unit, got["shown"], got["numerator"], got["denominator"], got["secondary"])
