"""The scorecard as a table, long: one row per measure and quarter shown (pipeline.model.Scorecard),
each quarter's figure or the reason there is none, with the measure's rating rule, trends, notes
and commentary."""

from __future__ import annotations

import pandas as pd
from pandera.typing import DataFrame

from pipeline.config.catalogue import Catalogue, Measure, Spc
from pipeline.config.contract import Contract
from pipeline.frames import SCORECARD_COLUMNS, Scorecard
from pipeline.quarters import label
from pipeline.stages.commentary import reasons
from pipeline.stages.rate import (
    INCOMPLETE,
    NO_DATA,
    NOT_YET,
    ON_DIRECTION,
    ON_TOO_FEW_CASES,
    ON_VARIATION,
    rule_text,
)
from pipeline.stages.variation import METHOD_NAMES
from pipeline.vocabulary import NO_FIGURE, Status, Variation

READINGS = ("variation", "variation_symbol", "assurance", "assurance_symbol")  # pipeline.stages.variation's
STAND_IN = "\u2020"  # the dagger after a figure from a stand-in source, keyed on the Scorecard

DEFAULT_DISPLAY = {
    "count": "{value}",
    "percent": "{value}% ({numerator} of {denominator})",
    "days": "{value} days (median of {denominator})",
}


def _number(value: object, decimals: int) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{float(value):,.{decimals}f}"


def display(measure: Measure, value: float, numerator: float, denominator: float, secondary: float) -> str:
    """A figure as the reader sees it: '87.5% (35 of 40)', '45 days (median of 12)'."""
    pattern = measure.display or DEFAULT_DISPLAY[measure.unit]
    decimals = 1 if measure.unit in ("percent", "days") else 0
    return pattern.format(value=_number(value, decimals), numerator=_number(numerator, 0),
                          denominator=_number(denominator, 0), secondary=_number(secondary, 0))


def target_text(measure: Measure, rate_by: str = "direction") -> str:
    if measure.target is None and measure.polarity == "none":
        return "Monitor"
    if measure.target is None:
        return "Variation" if rate_by == "variation" else "Direction of travel"
    unit = "%" if measure.unit == "percent" else (" days" if measure.unit == "days" else "")
    text = f"{measure.target:g}{unit}"
    return text + (f" (stretch {measure.stretch:g}{unit})" if measure.stretch is not None else "")


def _choices(m: Measure, contract: Contract) -> list[str]:
    """The definition's choices in words (kpis.yaml), once each."""
    said: list[str] = []
    for way in m.from_:
        headers = {name: column.header for name, column in contract.tables[way.table].columns.items()}
        said += [c for c in way.choices(headers) if c not in said]
    return said


def _breakdown_label(m: Measure, contract: Contract) -> str:
    """'By agency' for a measure broken down by a column; 'Detail' for the steps of a median."""
    way = next((w for w in m.from_ if w.breakdown), None)
    if way is None:
        return "Detail"
    return f"By {contract.tables[way.table].columns[way.breakdown].header.lower()}"


def commentary_for(commentary: pd.DataFrame | None, reporting: pd.Period) -> pd.DataFrame:
    """This quarter's comments, one per measure."""
    if commentary is None or commentary.empty:
        return pd.DataFrame(columns=["ref", "comment", "author"])
    mine = commentary[commentary["quarter"] == label(reporting)]
    return mine[["ref", "comment", "author"]].drop_duplicates("ref", keep="last")


def _stand_in_note(m: Measure, table: str, titles: dict[str, str]) -> str:
    """'† From the Ofsted Annex A ..., standing in for the Early Help return': a figure's stand-in source."""
    own, used = titles.get(m.from_[0].table, m.source), titles.get(table, table)
    return f"{STAND_IN} From the {used}, standing in for the {own}"


def _part(got: pd.Series, name: str) -> float | None:
    value = got.get(name)
    return None if value is None or pd.isna(value) else float(value)


def _cell(m: Measure, got: pd.Series | None, gap: str, titles: dict[str, str]) -> dict[str, object]:
    """One quarter of one measure: its figure as shown with the counts behind it, or the word and
    the reason why there is none."""
    cell: dict[str, object] = {"value": None, "numerator": None, "denominator": None, "secondary": None,
                               "withheld": "", "text": "", "brag": "", "rated_on": "", "detail": "", "reason": "",
                               "history": False, "restated": "", "rows_changed": "", "source_note": ""}
    cell |= {c: got[c] if got is not None else (Variation.TOO_FEW if c == "variation" else "") for c in READINGS}
    if got is None or got["status"] != Status.OK:
        partly = got is not None and got["status"] == Status.INCOMPLETE
        status = INCOMPLETE if partly else (NOT_YET if m.developing else NO_DATA)
        reason = got["reason"] if got is not None and got["reason"] else gap
        return cell | {"text": status, "brag": status, "reason": reason if isinstance(reason, str) else ""}
    text = display(m, got["shown"], got["numerator"], got["denominator"], got["secondary"])
    cell |= {"value": float(got["shown"]), "brag": got["brag"], "rated_on": got["rated_on"], "text": text,
             "detail": got["detail"] if isinstance(got.get("detail"), str) else "",
             "history": bool(got.get("from_history", False))}
    cell |= {part: _part(got, part) for part in ("numerator", "denominator", "secondary")}
    if bool(got.get("stand_in", False)):
        cell |= {"text": f"{text} {STAND_IN}", "source_note": _stand_in_note(m, got["table"], titles)}
    if pd.notna(got.get("restated_from")):
        cell["restated"] = f"Restated: was {display(m, got['restated_from'], None, None, None).split(' ')[0]}"
        cell["rows_changed"] = got.get("rows_changed") if isinstance(got.get("rows_changed"), str) else ""
    return cell


def spc_text(spc: Spc, unit: str) -> str:
    """How the measure's monthly figures are charted, in words, for the Definitions sheet."""
    method = spc.chart_method(unit)
    limits = ("; ".join(f"limits from {b.from_} to {b.to}" if b.to else f"limits from {b.from_} on"
                        for b in spc.baselines) or "limits from every month")
    how = ("the mean \u00b1 2.66 \u00d7 the mean moving range" if method == "xmr"
           else "the pooled share \u00b1 3 standard errors at each month's number of cases")
    return (f"{METHOD_NAMES[method]} ({how}); {limits}"
            + ("; outlying moving ranges screened out" if spc.screen_moving_ranges else "")
            + f"; signals: a point beyond a limit, {spc.shift_length} in a row on one side of the mean, "
            f"{spc.trend_length} in a row rising or falling, two of three near a limit; at least "
            f"{spc.min_points} months for a variation.")


def _about(m: Measure, catalogue: Catalogue, contract: Contract) -> dict[str, object]:
    """The measure as the catalogue defines it, with its objective."""
    objective, spc = catalogue.objectives[m.objective], catalogue.spc_of(m)
    return {"objective": m.objective, "objective_title": objective.title, "objective_lead": objective.lead or "",
            "lead": catalogue.lead_of(m) or "", "appendix": objective.appendix, "ref": m.ref, "title": m.title,
            "unit": m.unit, "polarity": m.polarity, "developing": m.developing, "target": target_text(m, spc.rate_by),
            "target_value": m.target, "stretch_value": m.stretch,
            "rule": rule_text(m.target, m.stretch, m.tol, m.polarity, m.developing, spc.rate_by, spc.min_points,
                              m.unit, catalogue.low_numbers),
            "spc": spc_text(spc, m.unit), "description": m.description,
            "source": m.source, "choices": " ".join(_choices(m, contract))}


def _current(got: pd.Series | None) -> bool:
    """Whether the reporting quarter has a figure."""
    return got is not None and got["status"] == Status.OK


def _notes(m: Measure, contract: Contract, quarters: list[pd.Period], cells: list[dict[str, object]],
           got: pd.Series | None, left_out: int) -> str:
    """Why the reporting quarter has no figure; restatements; a trend across two sources; the
    breakdown; rows its source lost to failed checks."""
    notes = [f"{label(q)} {str(cell['restated']).lower()}" for q, cell in zip(quarters, cells) if cell["restated"]]
    now = cells[-1]
    if now["rated_on"] == ON_VARIATION:
        notes.insert(0, "Rated on its variation: " + ("no significant change" if now["variation"] == Variation.COMMON
                                                      else str(now["variation"]).lower()))
    if now["rated_on"] == ON_DIRECTION and got["rate_by"] == "variation":  # rated_on comes from `got`
        notes.insert(0, "Rated on direction of travel: too few monthly points for its variation")
    if now["rated_on"] == ON_TOO_FEW_CASES:
        cases = "children" if m.unit == "days" else "cases"
        notes.insert(0, f"Low numbers: {got['denominator']:,.0f} {cases}, too few to rate")
    if _current(got):
        mixed = [trend for trend, column in (("short", "previous_mixed"), ("long", "year_ago_mixed"))
                 if bool(got.get(column, False))]
        if mixed:
            trends = " and ".join(mixed) + (" trends compare" if len(mixed) > 1 else " trend compares")
            notes.append(f"{trends} figures from two different sources")
    if now["detail"]:
        notes.append(f"{_breakdown_label(m, contract)}, {label(quarters[-1])}: {now['detail']}")
    if now["brag"] in NO_FIGURE:
        notes.insert(0, f"{now['brag']}: {now['reason']}")
    if left_out:
        notes.append(f"{left_out:,} row(s) of its source failed checks and were left out")
    return "; ".join(notes)


def _commentary(comments: pd.DataFrame, ref: str, cells: list[dict[str, object]]) -> dict[str, object]:
    """The reporting quarter's comment and its author, and whether the measure still needs one."""
    comment = comments.at[ref, "comment"] if ref in comments.index else ""
    author = comments.at[ref, "author"] if ref in comments.index else ""
    wanted = reasons(cells[-1]["brag"], cells[-1]["variation"], any(cell["restated"] for cell in cells))
    return {"comment": comment, "comment_author": author if isinstance(author, str) else "",
            "needs_commentary": bool(wanted) and not comment}


def assemble(rated: pd.DataFrame, catalogue: Catalogue, contract: Contract, quarters: list[pd.Period],
             gaps: dict[str, str], commentary: pd.DataFrame | None = None,
             rows_left_out: dict[str, int] | None = None) -> DataFrame[Scorecard]:
    """One row per catalogue measure and quarter shown, in catalogue order: every quarter filled or
    explained, and the measure's own columns (definition, trends, notes, commentary) on each."""
    keyed = rated.set_index(["ref", "quarter"])
    comments = commentary_for(commentary, quarters[-1]).set_index("ref")
    titles = {name: table.title for name, table in contract.tables.items()}
    rows_left_out = rows_left_out or {}
    rows = []
    for m in catalogue.measures:
        got = [keyed.loc[(m.ref, q)] if (m.ref, q) in keyed.index else None for q in quarters]
        cells = [_cell(m, g, gaps.get(m.ref, "no data"), titles) | {"quarter": q} for g, q in zip(got, quarters)]
        now = got[-1]
        left_out = sum(rows_left_out.get(table, 0) for table in {way.table for way in m.from_})
        measure = _about(m, catalogue, contract) | {
            "trend_short": now["trend_short"] if _current(now) else "",
            "trend_long": now["trend_long"] if _current(now) else "",
            **_year_ago(m, now, titles),
            "notes": _notes(m, contract, quarters, cells, now, left_out),
        } | _commentary(comments, m.ref, cells)
        rows += [measure | cell for cell in cells]
    numbers = ("target_value", "stretch_value", "year_ago", "value", "numerator", "denominator", "secondary")
    return pd.DataFrame(rows, columns=list(SCORECARD_COLUMNS)).astype(dict.fromkeys(numbers, "float64"))


def _year_ago(m: Measure, now: pd.Series | None, titles: dict[str, str]) -> dict[str, object]:
    """The figure the reporting quarter's long trend compares with (the same quarter a year
    earlier, from the same source where it has one), so that the page shows it."""
    figure = None if now is None else now.get("year_ago")
    if figure is None or pd.isna(figure):
        return {"year_ago": None, "year_ago_note": "", "year_ago_withheld": False}
    stand_in = bool(now.get("year_ago_stand_in", False))
    return {"year_ago": float(figure), "year_ago_withheld": False,
            "year_ago_note": _stand_in_note(m, now["year_ago_table"], titles) if stand_in else ""}
