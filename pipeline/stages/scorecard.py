"""The scorecard as a table: one row per measure, four labelled quarters, rating and notes."""

from __future__ import annotations

import pandas as pd

from pipeline.config.catalogue import Catalogue, Measure
from pipeline.config.contract import Contract
from pipeline.quarters import label
from pipeline.stages.rate import INCOMPLETE, NO_DATA, NOT_YET, RED, rule_text

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


def target_text(measure: Measure) -> str:
    if measure.target is None:
        return "Direction of travel" if measure.polarity != "none" else "Monitor"
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


def _cell(m: Measure, got: pd.Series | None, gap: str, titles: dict[str, str]) -> dict[str, object]:
    """One quarter of one measure: its figure as shown, or the word and the reason why there is none."""
    cell: dict[str, object] = {"value": None, "text": "", "brag": "", "detail": "", "reason": "", "history": False,
                               "restated": "", "rows_changed": "", "source": ""}
    if got is None or got["status"] != "ok":
        status = INCOMPLETE if got is not None and got["status"] == "incomplete" else (NOT_YET if m.developing else NO_DATA)
        reason = got["reason"] if got is not None and got["reason"] else gap
        return cell | {"text": status, "brag": status, "reason": reason}
    text = display(m, got["shown"], got["numerator"], got["denominator"], got["secondary"])
    cell |= {"value": float(got["shown"]), "brag": got["brag"], "text": text,
             "detail": got["detail"] if isinstance(got.get("detail"), str) else "",
             "history": bool(got.get("from_history", False))}
    if bool(got.get("stand_in", False)):
        own = titles.get(m.from_[0].table, m.source)
        cell |= {"text": f"{text} {STAND_IN}",
                 "source": f"{STAND_IN} From the {titles.get(got['table'], got['table'])}, standing in for the {own}"}
    if pd.notna(got.get("restated_from")):
        cell["restated"] = f"Restated: was {display(m, got['restated_from'], None, None, None).split(' ')[0]}"
        cell["rows_changed"] = got.get("rows_changed") if isinstance(got.get("rows_changed"), str) else ""
    return cell


def assemble(rated: pd.DataFrame, catalogue: Catalogue, contract: Contract, quarters: list[pd.Period],
             gaps: dict[str, str], commentary: pd.DataFrame | None = None,
             rows_left_out: dict[str, int] | None = None) -> pd.DataFrame:
    """One row per catalogue measure, in catalogue order, with every quarter filled or explained."""
    reporting = quarters[-1]
    comments = commentary_for(commentary, reporting).set_index("ref")
    keyed = rated.set_index(["ref", "quarter"])
    titles = {name: table.title for name, table in contract.tables.items()}
    rows_left_out = rows_left_out or {}
    records = []
    for m in catalogue.measures:
        objective = catalogue.objectives[m.objective]
        record: dict[str, object] = {
            "objective": m.objective, "objective_title": objective.title, "lead": objective.lead or "",
            "appendix": objective.appendix,
            "ref": m.ref, "title": m.title, "unit": m.unit, "polarity": m.polarity, "developing": m.developing,
            "target": target_text(m), "rule": rule_text(m.target, m.stretch, m.tol, m.polarity, m.developing),
            "description": m.description, "source": m.source, "choices": " ".join(_choices(m, contract)),
        }
        notes = []
        for i, quarter in enumerate(quarters, start=1):
            got = keyed.loc[(m.ref, quarter)] if (m.ref, quarter) in keyed.index else None
            cell = _cell(m, got, gaps.get(m.ref, "no data"), titles)
            if cell["restated"]:
                notes.append(f"{label(quarter)} {str(cell['restated']).lower()}")
            record |= {f"q{i}_{key}": value for key, value in cell.items()}
            if i == len(quarters):
                current = got is not None and got["status"] == "ok"
                record |= {"brag": cell["brag"], "detail": cell["detail"],
                           "trend_short": got["trend_short"] if current else "",
                           "trend_long": got["trend_long"] if current else ""}
                if current and bool(got.get("previous_mixed", False)):
                    notes.append("short trend compares figures from two different sources")
                if cell["detail"]:
                    notes.append(f"{_breakdown_label(m, contract)}, {label(quarter)}: {cell['detail']}")
        if record["brag"] in (NO_DATA, NOT_YET, INCOMPLETE):
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
