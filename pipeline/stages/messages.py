"""The Summary's key messages: what changed since last quarter, in plain sentences with their
numbers, so that the partnership reads first what moved and who answers for it.

One sentence per measure (or action) for each topic, in catalogue order: ratings that changed
since the quarter before, new special-cause signals, incomplete figures, restated figures and work-plan
actions that became overdue in the quarter. A topic with nothing to say is left out. Each Red
and each special cause concern names its lead.
"""

from __future__ import annotations

import textwrap

import pandas as pd
from pandera.typing import DataFrame

from pipeline.frames import Scorecard
from pipeline.quarters import label, last_day
from pipeline.vocabulary import NO_FIGURE, RATED, Rating, Variation

MESSAGE_COLUMNS = ["topic", "ref", "sentence"]
SPECIAL = (Variation.IMPROVEMENT, Variation.CONCERN, Variation.HIGH, Variation.LOW)
NO_LEAD = "to be confirmed"
READING_BEFORE = {Variation.TOO_FEW: "too few months for a reading"}
ACTION_WORDS = 90  # characters of an action's wording quoted before it is cut


def key_messages(scorecard: DataFrame[Scorecard], quarters: list[pd.Period],
                 actions: pd.DataFrame | None = None) -> pd.DataFrame:
    """The key messages of the reporting quarter (the last of `quarters`) against the one before:
    MESSAGE_COLUMNS, one row per sentence. `actions`: the work plan rated as at the quarter's end
    (pipeline.stages.rate.rate_actions); None leaves the actions out (the publishable copy)."""
    now, before = quarters[-1], quarters[-2]
    pairs = _now_and_before(scorecard, now, before)
    rows = [*_ratings_changed(pairs, now, before), *_new_signals(pairs, now, before), *_incomplete(pairs, now),
            *_restated(scorecard)]
    if actions is not None and not actions.empty:
        rows += _overdue(actions, now, before)
    return pd.DataFrame(rows, columns=MESSAGE_COLUMNS)


def _now_and_before(scorecard: pd.DataFrame, now: pd.Period, before: pd.Period) -> pd.DataFrame:
    """One row per measure: the reporting quarter's columns, and the quarter before's as *_before."""
    mine = scorecard[scorecard["quarter"].eq(now)]
    earlier = scorecard.loc[scorecard["quarter"].eq(before), ["ref", "brag", "variation", "text"]]
    return mine.merge(earlier, on="ref", how="left", suffixes=("", "_before")).fillna(
        {"brag_before": "", "variation_before": Variation.TOO_FEW, "text_before": ""})


def _lead(record: pd.Series) -> str:
    return f" Lead: {record['lead'] or NO_LEAD}."


def _concern(record: pd.Series) -> bool:
    return record["brag"] == Rating.RED or record["variation"] == Variation.CONCERN


def _figure(record: pd.Series, suffix: str = "") -> str:
    """The figure in words ('69.2% (9 of 13)'), or '' for a quarter without one."""
    shown = record["brag" + suffix] not in (*NO_FIGURE, "")
    return str(record["text" + suffix]) if shown else ""


def _ratings_changed(pairs: pd.DataFrame, now: pd.Period, before: pd.Period) -> list[dict[str, str]]:
    """Measures rated differently from the quarter before, where either rating is Blue, Green,
    Amber or Red, with both ratings and both figures."""
    topic = f"Ratings changed since {label(before)}"
    rows = []
    for _, record in pairs.iterrows():
        was, is_ = record["brag_before"], record["brag"]
        if not was or was == is_ or not ({was, is_} & set(RATED)):
            continue
        then, figure = _figure(record, "_before"), _figure(record)
        if then and figure:
            figures = f"from {then} in {label(before)} to {figure} in {label(now)}"
        else:
            figures = f"{then} in {label(before)}" if then else (f"{figure} in {label(now)}" if figure else "")
        target = f", against a target of {record['target']}" if pd.notna(record["target_value"]) else ""
        sentence = (f"{record['ref']} {record['title']}: {was} in {label(before)}, {is_} in {label(now)}"
                    + (f"; {figures}{target}" if figures else "") + "."
                    + (_lead(record) if _concern(record) else ""))
        rows.append({"topic": topic, "ref": record["ref"], "sentence": sentence})
    return rows


def _new_signals(pairs: pd.DataFrame, now: pd.Period, before: pd.Period) -> list[dict[str, str]]:
    """Measures whose monthly chart shows a special cause at the end of the quarter that it did
    not show at the end of the quarter before."""
    topic = "New signals (special cause variation)"
    rows = []
    for _, record in pairs.iterrows():
        said, was = record["variation"], record["variation_before"]
        if said not in SPECIAL or said == was:
            continue
        figure = _figure(record)
        sentence = (f"{record['ref']} {record['title']}: {str(said).lower()} at the end of {label(now)}"
                    + (f" ({figure} in the quarter)" if figure else "")
                    + f"; at the end of {label(before)}, {READING_BEFORE.get(was, str(was).lower())}."
                    + (_lead(record) if _concern(record) else ""))
        rows.append({"topic": topic, "ref": record["ref"], "sentence": sentence})
    return rows


def _incomplete(pairs: pd.DataFrame, now: pd.Period) -> list[dict[str, str]]:
    """Figures of the quarter its returns cover only in part, and what is missing."""
    topic = f"Incomplete figures for {label(now)}"
    return [{"topic": topic, "ref": record["ref"],
             "sentence": f"{record['ref']} {record['title']}: not rated, as the returns cover only part of the "
                         f"quarter" + (f" ({record['reason']})." if record["reason"] else ".")}
            for _, record in pairs[pairs["brag"].eq(Rating.INCOMPLETE)].iterrows()]


def _restated(scorecard: pd.DataFrame) -> list[dict[str, str]]:
    """Past quarters whose figure changed since it was last reported, old and new."""
    rows = []
    for _, record in scorecard[scorecard["restated"].ne("")].iterrows():
        restated = str(record["restated"])
        rows.append({"topic": "Restated figures", "ref": record["ref"],
                     "sentence": f"{record['ref']} {record['title']}: the {label(record['quarter'])} figure is now "
                                 f"{record['text']} ({restated[:1].lower() + restated[1:]})."})
    return rows


def _overdue(actions: pd.DataFrame, now: pd.Period, before: pd.Period) -> list[dict[str, str]]:
    """Work-plan actions whose target date passed in the quarter without their being achieved."""
    topic = f"Actions overdue since {label(before)}"
    became = actions[actions["overdue"] & actions["target_date"].gt(last_day(before))]
    rows = []
    for record in became.itertuples(index=False):
        words = textwrap.shorten(str(record.action), ACTION_WORDS, placeholder=" ...")
        lead = record.lead if isinstance(record.lead, str) and record.lead else NO_LEAD
        rows.append({"topic": topic, "ref": str(record.action_ref),
                     "sentence": f"Action {record.action_ref} ({words}): its target date, "
                                 f"{record.target_date:%d/%m/%Y}, passed in {label(now)} and it is not yet "
                                 f"achieved. Lead: {lead}."})
    return rows
