"""Keeping children's identities out of everything the pipeline writes.

Quotes from children and families are carried with names replaced as the seed does:
the worker becomes X, the child XX, family members Y. Names come from the feedback record
itself; nothing else from a child's record is ever copied out.
"""

from __future__ import annotations

import re

import pandas as pd

WORKER, CHILD, FAMILY = "X", "XX", "Y"


def _names(cell: object) -> list[str]:
    if not isinstance(cell, str):
        return []
    return [n.strip() for n in re.split(r"[,;/&]|\band\b", cell) if len(n.strip()) >= 2]


def redact(text: str, replacements: list[tuple[str, str]]) -> str:
    """Replace each name (whole words, any case, with a possessive 's) by its mark."""
    for name, mark in sorted(replacements, key=lambda p: -len(p[0])):
        text = re.sub(rf"(?<![\w]){re.escape(name)}(?![\w])", mark, text, flags=re.IGNORECASE)
    return text


def feedback_quotes(feedback: pd.DataFrame | None, reporting: pd.Period) -> pd.DataFrame:
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
        quotes.append(redact(record.quote, replacements))
    return pd.DataFrame({"date": mine["feedback_date"].to_numpy(), "respondent": mine["respondent"].to_numpy(),
                         "rating": mine["rating"].to_numpy(), "quote": quotes}, columns=columns)
