"""BRAG ratings for measures and work-plan actions, and the two trend markers.

The rules are the catalogue's data (target, tolerance, stretch, polarity, SPC settings, the
minimum number of cases); this module only applies them. Figures are rated as they are shown
(percentages and days to one decimal), so what the reader sees is what was rated. A measure with
a polarity and no target is rated on its variation (pipeline.stages.variation) where it has enough
monthly points, since a quarter-on-quarter change in a small count is mostly chance; a share or a
median over too few cases is not rated at all.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandera.typing import DataFrame

from pipeline.config.catalogue import Catalogue
from pipeline.frames import Figures
from pipeline.rounding import half_away
from pipeline.vocabulary import RatedOn, Rating, Status, Variation

BLUE, GREEN, AMBER, RED = Rating.BLUE, Rating.GREEN, Rating.AMBER, Rating.RED
MONITOR, NO_DATA, NOT_YET, INCOMPLETE = Rating.MONITOR, Rating.NO_DATA, Rating.NOT_YET, Rating.INCOMPLETE
LOW_NUMBERS = Rating.LOW_NUMBERS
# How a quarter was rated (the rated frame's `rated_on`), for the notes and the Definitions sheet.
ON_TARGET, ON_VARIATION, ON_DIRECTION, ON_TOO_FEW_CASES = (
    RatedOn.TARGET.value, RatedOn.VARIATION.value, RatedOn.DIRECTION.value, RatedOn.TOO_FEW_CASES.value)


def rules_frame(catalogue: Catalogue) -> pd.DataFrame:
    return pd.DataFrame([{
        "ref": m.ref, "unit": m.unit, "polarity": m.polarity, "target": m.target, "tolerance": m.tol,
        "stretch": m.stretch, "developing": m.developing, "rate_by": catalogue.spc_of(m).rate_by}
        for m in catalogue.measures]).astype({"target": "float64", "stretch": "float64", "tolerance": "float64"})


def shown(values: pd.Series, units: pd.Series) -> pd.Series:
    """The figure as displayed: whole counts, one decimal for percentages and days (halves up)."""
    return half_away(values.astype("float64"), pd.Series(np.where(units == "count", 0, 1), index=values.index))


def _direction(change: pd.Series, polarity: pd.Series) -> pd.Series:
    """Better / Worse / Same where the measure has a polarity; Up / Down / Same where it has none."""
    up = np.where(polarity == "lower", "Worse", "Better")
    down = np.where(polarity == "lower", "Better", "Worse")
    plain = polarity == "none"
    out = np.select([change > 0, change < 0, change == 0],
                    [np.where(plain, "Up", up), np.where(plain, "Down", down), "Same"], default="")
    return pd.Series(out, index=change.index)


def rule_text(target: float | None, stretch: float | None, tolerance: float, polarity: str, developing: bool,
              rate_by: str = "direction", min_points: int = 15, unit: str = "count", low_numbers: int = 10) -> str:
    """The rating rule in words, for the Definitions sheet."""
    if polarity == "none":
        return "Monitored: not rated (no polarity set). Trend shown as up or down."
    better = "higher" if polarity == "higher" else "lower"
    direction = (f"Green if better; Amber if the same or worse by up to {tolerance:g}; Red if worse by more.")
    few = (f" A figure over fewer than {low_numbers} {'cases' if unit == 'percent' else 'children'} is rated "
           "Low numbers, not rated." if unit in ("percent", "days") else "")
    if target is None and rate_by == "variation":
        return (f"No target: rated on its variation ({better} is better): Green for special cause improvement, "
                "Red for special cause concern, Amber for common cause (no significant change). With fewer than "
                f"{min_points} monthly points, on direction against the previous quarter: {direction}{few}")
    if target is None:
        return f"No target: rated on direction against the previous quarter ({better} is better). {direction}{few}"
    op, miss = (">=", "-") if polarity == "higher" else ("<=", "+")
    text = f"Target {target:g} ({better} is better). "
    if stretch is not None:
        text += f"Blue {op} {stretch:g}; "
    text += f"Green {op} {target:g}; Amber {op} {target:g} {miss} {tolerance:g}; otherwise Red.{few}"
    return text


def _earlier(out: pd.DataFrame, figures: pd.DataFrame, same_source: pd.DataFrame, name: str, lag: int) -> pd.DataFrame:
    """The figure `lag` quarters before each one, from the same source wherever that source has
    one (so that a stand-in figure is compared like with like), else the figure shown then;
    `{name}_mixed` marks a comparison between two different sources, and `{name}_table` and
    `{name}_stand_in` say where the earlier figure came from (the Scorecard shows the year-ago one)."""
    chosen = figures.assign(quarter=figures["quarter"] + lag).rename(
        columns={"shown": name, "table": "_then", "stand_in": "_then_stand_in"})
    same = same_source.assign(quarter=same_source["quarter"] + lag).rename(columns={"shown": "_same"})
    out = out.merge(chosen, on=["ref", "quarter"], how="left").merge(same, on=["ref", "quarter", "table"], how="left")
    mixed = out["_same"].isna() & out[name].notna() & out["_then"].ne(out["table"])
    earlier = out["_same"].astype("float64").combine_first(out[name].astype("float64"))
    own = out["_same"].notna()  # the same source as this quarter's figure
    table = out["table"].where(own, out["_then"]).where(earlier.notna(), "")
    stand_in = out["stand_in"].where(own, out["_then_stand_in"]).fillna(False).astype(bool) & earlier.notna()
    return out.assign(**{name: earlier, f"{name}_mixed": mixed, f"{name}_table": table,
                         f"{name}_stand_in": stand_in}).drop(columns=["_same", "_then", "_then_stand_in"])


def rate_measures(values: DataFrame[Figures], catalogue: Catalogue, alternatives: pd.DataFrame | None = None,
                  readings: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each (measure, quarter) with its previous and year-ago figures, BRAG and trends.

    `alternatives`: every source's figure per measure and quarter (pipeline.stages.measures), so that
    trends compare figures from the same source wherever both quarters have one. `readings`: each
    measure's variation and assurance at the end of each quarter shown (pipeline.stages.variation).
    """
    rules = rules_frame(catalogue)
    out = values.merge(rules, on="ref", how="left")
    if readings is not None:
        out = out.merge(readings, on=["ref", "quarter"], how="left")
    for column, none in (("variation", Variation.TOO_FEW), ("variation_symbol", ""), ("assurance", ""),
                         ("assurance_symbol", "")):  # a measure with no monthly points has no chart
        out[column] = out[column].fillna(none) if column in out else none
    out["shown"] = shown(out["value"], out["unit"])
    ok = out["status"].eq(Status.OK) & out["shown"].notna()
    figures = out.loc[ok, ["ref", "quarter", "shown", "table", "stand_in"]]
    if alternatives is not None and len(alternatives):
        others = alternatives[alternatives["status"].eq(Status.OK)].merge(rules[["ref", "unit"]], on="ref")
        same_source = others.assign(shown=shown(others["value"].astype("float64"), others["unit"]))[
            ["ref", "quarter", "table", "shown"]]
    else:
        same_source = pd.DataFrame(columns=["ref", "quarter", "table", "shown"])
    for name, lag in (("previous", 1), ("year_ago", 4)):
        out = _earlier(out, figures, same_source, name, lag)
    out["brag"], out["rated_on"] = _brag(out, ok, catalogue.low_numbers)
    out["trend_short"] = _direction(out["shown"] - out["previous"], out["polarity"]).where(out["previous"].notna() & ok, "")
    out["trend_long"] = _direction(out["shown"] - out["year_ago"], out["polarity"]).where(out["year_ago"].notna() & ok, "")
    return out


def _brag(out: pd.DataFrame, ok: pd.Series, low_numbers: int) -> tuple[np.ndarray, np.ndarray]:
    """Each quarter's rating, and what it was rated on: its target; else its variation, where it has
    enough monthly points; else its direction on the quarter before. A share or a median over fewer
    than `low_numbers` cases is not rated (Low numbers)."""
    value, target, stretch, tol = out["shown"], out["target"], out["stretch"], out["tolerance"]
    higher, lower, plain = out["polarity"].eq("higher"), out["polarity"].eq("lower"), out["polarity"].eq("none")
    has_target = target.notna()
    met = (higher & (value >= target)) | (lower & (value <= target))
    near = (higher & (value >= target - tol)) | (lower & (value <= target + tol))
    beyond = stretch.notna() & ((higher & (value >= stretch)) | (lower & (value <= stretch)))
    worse_by = pd.Series(np.where(lower, value - out["previous"], out["previous"] - value), index=out.index)
    few_cases = ~plain & out["unit"].isin(["percent", "days"]) & out["denominator"].lt(low_numbers).fillna(False)
    varied = out["rate_by"].eq("variation") & out["variation"].isin([Variation.IMPROVEMENT, Variation.CONCERN,
                                                                      Variation.COMMON])
    rules = [  # (when, rating, rated on), first match wins
        (out["status"].eq(Status.INCOMPLETE), INCOMPLETE, ""), (~ok & out["developing"], NOT_YET, ""),
        (~ok, NO_DATA, ""),
        (few_cases, LOW_NUMBERS, ON_TOO_FEW_CASES), (has_target & beyond, BLUE, ON_TARGET),
        (has_target & met, GREEN, ON_TARGET), (has_target & near, AMBER, ON_TARGET), (has_target, RED, ON_TARGET),
        (plain, MONITOR, ""),
        (varied & out["variation"].eq(Variation.IMPROVEMENT), GREEN, ON_VARIATION),
        (varied & out["variation"].eq(Variation.CONCERN), RED, ON_VARIATION), (varied, AMBER, ON_VARIATION),
        (out["previous"].isna(), MONITOR, ""), (worse_by.lt(0), GREEN, ON_DIRECTION), (worse_by.gt(tol), RED, ON_DIRECTION),
    ]
    when = [rule[0].to_numpy(bool) for rule in rules]
    return (np.select(when, [rule[1] for rule in rules], default=AMBER),
            np.select(when, [rule[2] for rule in rules], default=ON_DIRECTION))


# --------------------------------------------------------------------------- work plan actions

def rate_actions(actions: pd.DataFrame, as_at: pd.Timestamp) -> pd.DataFrame:
    """The seed's key, as at the end of the reporting quarter:
    Blue achieved; Red not commenced; Amber target date passed (or marked off target);
    Green commenced and on target. A stated rating that differs is kept and flagged; `overdue` marks
    an action whose target date has passed without its being achieved."""
    achieved = actions["date_achieved"].notna() & (actions["date_achieved"] <= as_at)
    started = actions["date_commenced"].notna() & (actions["date_commenced"] <= as_at)
    overdue = actions["target_date"].notna() & (actions["target_date"] <= as_at)
    flagged = actions["off_target"].fillna(False).astype(bool)
    computed = np.select([achieved, ~started, overdue | flagged], [BLUE, RED, AMBER], default=GREEN)
    when = lambda s: s.dt.strftime("%d/%m/%Y")  # noqa: E731
    reason = np.select(
        [achieved, ~started, overdue, flagged],
        ["Achieved " + when(actions["date_achieved"]).fillna(""),
         pd.Series("Not yet commenced", index=actions.index),
         "Target date " + when(actions["target_date"]).fillna("") + " has passed",
         pd.Series("Marked off target", index=actions.index)],
        default="Commenced; target date " + when(actions["target_date"]).fillna("not set"))
    out = actions.assign(brag=computed, brag_reason=reason, overdue=overdue & ~achieved)
    stated = out["stated_brag"]
    out["disagrees"] = stated.notna() & stated.ne(out["brag"]).fillna(False).astype(bool)
    remedial = out["remedial_action"].fillna("").str.strip()
    out["needs_remedial"] = out["brag"].eq(AMBER) & remedial.eq("")
    return out
