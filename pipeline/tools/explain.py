"""`python -m pipeline explain REF QUARTER`: the rows behind one figure, file by file.

So that anyone can check a figure by hand: each line names a file and sheet and the Excel rows
that were counted, as ranges; the last line says how many rows from how many files. Rows are
named by number only, never by a child's reference or name.
"""

from __future__ import annotations

import pandas as pd

from pipeline import problems as pr
from pipeline.config.catalogue import Catalogue
from pipeline.quarters import label
from pipeline.stages.lineage import COUNTED, DENOMINATOR_ONLY, NUMERATOR, expand_ranges
from pipeline.stages.measures import STEP_FROM, STEP_TO
from pipeline.stages.rate import INCOMPLETE, NO_DATA, NOT_YET, shown
from pipeline.stages.scorecard import STAND_IN, display
from pipeline.vocabulary import Status

PART_ORDER = {COUNTED: 0, NUMERATOR: 1, DENOMINATOR_ONLY: 2, STEP_FROM: 3, STEP_TO: 4}


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _figure_line(catalogue: Catalogue, ref: str, quarter: pd.Period, got: pd.Series | None, gap: str) -> str:
    measure = catalogue.measure(ref)
    head = f"{ref} {measure.title}, {label(quarter)}"
    if got is None or got["status"] != Status.OK:
        word = INCOMPLETE if got is not None and got["status"] == Status.INCOMPLETE else (
            NOT_YET if measure.developing else NO_DATA)
        reason = got["reason"] if got is not None and got["reason"] else gap
        return f"{head}: {word} ({reason})"
    value = shown(pd.Series([got["value"]]), pd.Series([measure.unit])).iloc[0]
    text = display(measure, value, got["numerator"], got["denominator"], got["secondary"])
    return f"{head}: {text}{f' {STAND_IN}' if bool(got.get('stand_in', False)) else ''}"


def explain_lines(values: pd.DataFrame, lineage: pd.DataFrame, catalogue: Catalogue, gaps: dict[str, str],
                  ref: str, quarter: pd.Period) -> list[str]:
    """What `explain` prints: the figure, one line per file, sheet (and part) with its rows, and
    'N rows from M files'. `values` and `lineage`: this run's figures and their rows, history included."""
    mine = values[(values["ref"] == ref) & (values["quarter"] == quarter)]
    got = mine.iloc[0] if len(mine) else None
    lines = [_figure_line(catalogue, ref, quarter, got, gaps.get(ref, "no data"))]
    if got is not None and bool(got.get("from_history", False)):
        lines.append("From stored history: the files below are no longer in the inputs folder.")
    if got is not None and pd.notna(got.get("restated_from")):
        changed = got.get("rows_changed") if isinstance(got.get("rows_changed"), str) else ""
        lines.append(f"Restated: was {got['restated_from']:g}" + (f" ({changed})" if changed else "") + ".")
    ok = got is not None and got["status"] == Status.OK
    rows = lineage[(lineage["ref"] == ref) & (lineage["quarter"] == quarter)] if ok and len(lineage) else lineage.iloc[0:0]
    counted: set[tuple[str, str, int]] = set()
    order = rows.assign(_part=rows["part"].map(PART_ORDER).fillna(len(PART_ORDER)))
    for line in order.sort_values(["file", "sheet", "_part"]).itertuples(index=False):
        part = "" if line.part == COUNTED else f", {line.part}"
        lines.append(f"  {pr.where(line.file, line.sheet)}: rows {line.rows} ({_plural(int(line.row_count), 'row')}{part})")
        counted |= {(line.file, line.sheet, r) for r in expand_ranges(line.rows)}
    files = {file for file, _, _ in counted}
    lines.append(f"{_plural(len(counted), 'row')} from {_plural(len(files), 'file')}")
    return lines
