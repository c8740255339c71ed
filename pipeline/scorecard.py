"""The scorecard as a table: one row per measure, four labelled quarters, rating and notes."""

from __future__ import annotations

import pandas as pd

from pipeline.catalogue import Catalogue, Measure
from pipeline.quarters import label
from pipeline.rate import NO_DATA, NOT_YET, RED, rule_text

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


def target_text(measure: Measure) -> str:
    if measure.target is None:
        return "Direction of travel" if measure.polarity != "none" else "Monitor"
    unit = "%" if measure.unit == "percent" else (" days" if measure.unit == "days" else "")
    text = f"{measure.target:g}{unit}"
    return text + (f" (stretch {measure.stretch:g}{unit})" if measure.stretch is not None else "")


def commentary_for(commentary: pd.DataFrame | None, reporting: pd.Period) -> pd.DataFrame:
    """This quarter's comments, one per measure."""
    if commentary is None or commentary.empty:
        return pd.DataFrame(columns=["ref", "comment", "author"])
    mine = commentary[commentary["quarter"] == label(reporting)]
    return mine[["ref", "comment", "author"]].drop_duplicates("ref", keep="last")


def assemble(rated: pd.DataFrame, catalogue: Catalogue, quarters: list[pd.Period], gaps: dict[str, str],
             commentary: pd.DataFrame | None = None, rows_left_out: dict[str, int] | None = None) -> pd.DataFrame:
    """One row per catalogue measure, in catalogue order, with every quarter filled or explained."""
    reporting = quarters[-1]
    comments = commentary_for(commentary, reporting).set_index("ref")
    keyed = rated.set_index(["ref", "quarter"])
    rows_left_out = rows_left_out or {}
    records = []
    for m in catalogue.measures:
        objective = catalogue.objectives[m.objective]
        record: dict[str, object] = {
            "objective": m.objective, "objective_title": objective.title, "lead": objective.lead or "",
            "ref": m.ref, "title": m.title, "unit": m.unit, "polarity": m.polarity, "developing": m.developing,
            "target": target_text(m), "rule": rule_text(m.target, m.stretch, m.tol, m.polarity, m.developing),
            "description": m.description, "source": m.source,
        }
        notes = []
        for i, quarter in enumerate(quarters, start=1):
            got = keyed.loc[(m.ref, quarter)] if (m.ref, quarter) in keyed.index else None
            cell = {"value": None, "text": "", "brag": "", "detail": "", "reason": "", "history": False, "restated": ""}
            if got is not None and got["status"] == "ok":
                cell |= {"value": float(got["shown"]), "brag": got["brag"],
                         "text": display(m, got["shown"], got["numerator"], got["denominator"], got["secondary"]),
                         "detail": got["detail"] if isinstance(got.get("detail"), str) else "",
                         "history": bool(got.get("from_history", False))}
                if pd.notna(got.get("restated_from")):
                    cell["restated"] = f"Restated: was {display(m, got['restated_from'], None, None, None).split(' ')[0]}"
                    notes.append(f"{label(quarter)} {cell['restated'].lower()}")
            else:
                status = NOT_YET if m.developing else NO_DATA
                reason = got["reason"] if got is not None and got["reason"] else gaps.get(m.ref, "no data")
                cell |= {"text": status, "brag": status, "reason": reason}
            record |= {f"q{i}_{key}": value for key, value in cell.items()}
            if i == len(quarters):
                current = got is not None and got["status"] == "ok"
                record |= {"brag": cell["brag"], "detail": cell["detail"],
                           "trend_short": got["trend_short"] if current else "",
                           "trend_long": got["trend_long"] if current else ""}
        if record["brag"] in (NO_DATA, NOT_YET):
            notes.insert(0, f"{record['brag']}: {record[f'q{len(quarters)}_reason']}")
        tables = {w.table for w in m.from_}
        left_out = sum(rows_left_out.get(t, 0) for t in tables)
        if left_out:
            notes.append(f"{left_out:,} row(s) of its source failed checks and were left out")
        record["notes"] = "; ".join(notes)
        record["comment"] = comments.at[m.ref, "comment"] if m.ref in comments.index else ""
        record["comment_author"] = comments.at[m.ref, "author"] if m.ref in comments.index else ""
        record["needs_commentary"] = record["brag"] == RED and not record["comment"]
        records.append(record)
    return pd.DataFrame(records)
