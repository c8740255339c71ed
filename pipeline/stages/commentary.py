"""Which measures need commentary this quarter, who is asked for it, and what has come back.

A measure needs commentary when the partnership will want it explained: rated Red, a special cause
concern, a figure restated, or a figure its returns cover only in part (Incomplete). One definition
serves the Scorecard's "Commentary needed", the commentary requests (`python -m pipeline commentary`)
and the Summary's "Commentary: 3 of 5 received".
"""

from __future__ import annotations

import pandas as pd

from pipeline.vocabulary import Rating, Variation

RED, CONCERN, RESTATED, INCOMPLETE = "Red", "special cause concern", "restated", "incomplete"
ASKED_COLUMNS = ["ref", "title", "lead", "why", "comment", "author", "received"]


def reasons(brag: object, variation: object, restated: bool) -> list[str]:
    """Why a measure needs commentary this quarter, in words; none: it does not."""
    return [word for word, why in ((RED, brag == Rating.RED), (CONCERN, variation == Variation.CONCERN),
                                   (RESTATED, restated), (INCOMPLETE, brag == Rating.INCOMPLETE)) if why]


def asked(scorecard: pd.DataFrame, reporting: pd.Period, officer: str) -> pd.DataFrame:
    """One row per measure that needs commentary in the reporting quarter, in catalogue order: its
    lead (the performance officer where kpis.yaml names none), why it is asked, and the comment
    received, if any (ASKED_COLUMNS)."""
    rows = []
    for ref, measure in scorecard.groupby("ref", sort=False):
        now = measure[measure["quarter"].eq(reporting)]
        if now.empty:
            continue
        first = now.iloc[0]
        why = reasons(first["brag"], first["variation"], bool(measure["restated"].ne("").any()))
        if why:
            comment = first["comment"] if isinstance(first["comment"], str) else ""
            rows.append({"ref": ref, "title": first["title"], "lead": first["lead"] or officer,
                         "why": "; ".join(why), "comment": comment, "author": first["comment_author"],
                         "received": bool(comment.strip())})
    return pd.DataFrame(rows, columns=ASKED_COLUMNS).astype({"received": bool})
