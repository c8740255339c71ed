"""Coverage: which quarters (and months) each source table speaks for, fully, in part, or not at all.

A quarter with no rows is 0 only if a return covers it; a quarter that no return covers is
"No data"; a quarter a return covers in part is "Incomplete" (its figure would be a partial sum).
So coverage is worked out from what the returns cover, never from where their rows happen to be:

- monthly returns cover the months they have a row for: a quarter is covered when all three of
  its months are there;
- record-level returns and exports cover the period they say they cover ("Period covered",
  pipeline.stages.period); one that does not say covers from the first day of the month of its
  earliest date to the last day of the quarter of its latest date. Several files of one table
  cover the days any of them covers. A table that lists every record open at any time in its
  period (child protection plans) starts its period at its earliest end date, since its
  earliest start date may be years before.

No day after yesterday is covered: today's rows may still be coming.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from pandera.typing import DataFrame

from pipeline import problems as pr
from pipeline.config.contract import Contract, Table
from pipeline.frames import Problems
from pipeline.quarters import FREQ, first_day, label, last_day
from pipeline.stages.lineage import rows_phrase
from pipeline.stages.read import Location

FULL, PARTIAL, NONE = "full", "partial", "none"
PERIOD_COLUMNS = ["table", "loc", "start", "end", "declared", "latest"]
QUARTER_COLUMNS = ["table", "quarter", "status", "at_end", "reason"]
MONTH = "M"  # the months of the SPC charts, covered by the same rules as quarters


@dataclass
class Coverage:
    """For each table, the period each of its files covers, and each quarter's and month's coverage."""

    periods: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PERIOD_COLUMNS))
    quarters: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=QUARTER_COLUMNS))
    places: dict[str, list[str]] = field(default_factory=dict)  # table -> "file, sheet 'X'" it was read from
    months: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=QUARTER_COLUMNS))  # "quarter" holds the month
    _by_table: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    def of(self, table: str, freq: str = FREQ) -> pd.DataFrame:
        """One table's quarters (or months, freq "M"), indexed by period: status, at_end (its last
        day is covered), reason."""
        if (table, freq) not in self._by_table:
            every = self.months if freq == MONTH else self.quarters
            mine = every[every["table"] == table]
            self._by_table[(table, freq)] = mine.set_index(pd.PeriodIndex(mine["quarter"], freq=freq))[
                ["status", "at_end", "reason"]]
        return self._by_table[(table, freq)]


def _day(value: pd.Timestamp) -> str:
    return f"{value:%d/%m/%Y}"


def _month_names(months: list[pd.Period]) -> str:
    names = [f"{m:%B %Y}" for m in months]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _monthly(table: str, dates: pd.Series, today: date | None, freq: str = FREQ) -> list[dict[str, object]]:
    """A monthly return's quarters (or months): covered where it has a row for every month."""
    months = set(dates.dropna().dt.to_period(MONTH))
    months = {m for m in months if today is None or m.end_time.date() < today}
    if not months:
        return []
    out = []
    for period in pd.period_range(pd.Period(min(months).start_time, freq), pd.Period(max(months).start_time, freq),
                                  freq=freq):
        own = pd.period_range(period.start_time, period.end_time, freq=MONTH)
        missing = [m for m in own if m not in months]
        status = FULL if not missing else (NONE if len(missing) == len(own) else PARTIAL)
        out.append({"table": table, "quarter": period, "status": status, "at_end": not missing,
                    "reason": "" if not missing else f"no {_month_names(missing)}"})
    return out


def _inferred(table: Table, rows: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp] | None:
    """(start, end, latest date) of a return that does not say what it covers."""
    starts = rows[table.date_column].dropna()
    if starts.empty:
        return None
    ends = rows[table.end_column].dropna() if table.end_column else pd.Series(dtype="datetime64[ns]")
    latest = max(starts.max(), ends.max()) if len(ends) else starts.max()
    earliest = (ends.min() if len(ends) else latest) if table.end_column else starts.min()
    return earliest.to_period("M").start_time, last_day(pd.Period(latest, FREQ)), latest


def _outside(table: Table, rows: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """Rows a return holds from outside the period it says it covers."""
    when = rows[table.date_column]
    if table.end_column:  # a record open at any time in the period: started before its end, ended after its start
        ended = rows[table.end_column]
        return ((when > end) | (ended.notna() & (ended < start))).fillna(False).astype(bool)
    return ((when < start) | (when > end)).fillna(False).astype(bool)


def _union(spans: list[tuple[pd.Timestamp, pd.Timestamp]]) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    merged: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + pd.Timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _record_periods(name: str, spans: list[tuple[pd.Timestamp, pd.Timestamp]], freq: str = FREQ,
                    ) -> list[dict[str, object]]:
    """The quarters (or months) the days a table's returns cover make up: whole, in part, or not at all."""
    covered = _union(spans)
    if not covered:
        return []
    said = " and ".join(f"{_day(s)} to {_day(e)}" for s, e in covered)
    word = "month" if freq == MONTH else "quarter"
    out = []
    for quarter in pd.period_range(pd.Period(covered[0][0], freq), pd.Period(covered[-1][1], freq), freq=freq):
        begin, finish = first_day(quarter), last_day(quarter)
        inside = [(max(s, begin), min(e, finish)) for s, e in covered if s <= finish and e >= begin]
        days = sum((e - s).days + 1 for s, e in inside)
        status = FULL if days == (finish - begin).days + 1 else (PARTIAL if days else NONE)
        reason = {FULL: "",
                  PARTIAL: "the returns cover " + " and ".join(f"{_day(s)} to {_day(e)}" for s, e in inside)
                           + f" of this {word} only",
                  NONE: f"no return covers this {word} (they cover {said})"}[status]
        out.append({"table": name, "quarter": quarter, "status": status,
                    "at_end": any(s <= finish <= e for s, e in covered), "reason": reason})
    return out


def cover(frames: dict[str, pd.DataFrame], locations: list[Location], contract: Contract,
          today: date | None) -> tuple[Coverage, dict[str, pd.DataFrame], pd.DataFrame]:
    """What each table covers; the frames without rows from outside a return's stated period;
    and what was found (rows outside, a period that runs past today). Without `today`, no day
    is too late (rows of unknown places, as in tests, are taken to say nothing of their period)."""
    yesterday = pd.Timestamp(today) - pd.Timedelta(days=1) if today else pd.Timestamp.max.normalize()
    place = {loc.loc: loc for loc in locations}
    periods, quarters, months, notes = [], [], [], []
    kept = dict(frames)
    for name, frame in frames.items():
        table = contract.tables[name]
        if not table.date_column:
            continue
        if table.grain == "monthly":
            quarters += _monthly(name, frame[table.date_column], today)
            months += _monthly(name, frame[table.date_column], today, MONTH)
            continue
        spans, drop = [], []
        groups = {int(loc): rows for loc, rows in frame.groupby("_loc", sort=True)}
        # A return that states its period covers it even with no rows at all: its quarters are 0.
        for loc in sorted(set(groups) | {where.loc for where in locations if where.table == name}):
            rows = groups.get(loc, frame.iloc[0:0])
            where = place.get(loc)
            said = where.period if where else None
            if said is not None and said.complete:
                outside = _outside(table, rows, said.start, said.end)
                if outside.any():
                    drop.append(rows.index[outside.to_numpy()])
                    notes.append(_outside_note(where, table, name, rows.loc[outside, "_row"], said.start, said.end))
                start, end, latest = said.start, said.end, rows[table.date_column].max() if len(rows) else pd.NaT
                if end > yesterday:
                    notes.append(_late_note(where, name, end, yesterday))
            else:
                found = _inferred(table, rows)
                if found is None:
                    continue
                start, end, latest = found
            end = min(end, yesterday)
            periods.append({"table": name, "loc": loc, "start": start, "end": end,
                            "declared": said is not None and said.complete, "latest": latest})
            if start <= end:
                spans.append((start, end))
        if drop:
            kept[name] = frame.drop(index=drop[0].append(drop[1:]))
        quarters += _record_periods(name, spans)
        months += _record_periods(name, spans, MONTH)
    places: dict[str, list[str]] = {}
    for where in locations:
        places.setdefault(where.table, []).append(pr.where(where.file, where.sheet))
    coverage = Coverage(pd.DataFrame(periods, columns=PERIOD_COLUMNS), pd.DataFrame(quarters, columns=QUARTER_COLUMNS),
                        places, pd.DataFrame(months, columns=QUARTER_COLUMNS))
    return coverage, kept, pr.frame(notes)


def _outside_note(where: Location, table: Table, name: str, rows: pd.Series, start: pd.Timestamp,
                  end: pd.Timestamp) -> dict[str, str]:
    listed = rows_phrase(rows)
    heading = table.columns[table.date_column].header
    return pr.problem(
        "warning", f"{pr.where(where.file, where.sheet)}, {listed}: the {heading} is outside the period the "
        f"return says it covers ({_day(start)} to {_day(end)}, cell {where.period.cell}), so they were not "
        "counted. Correct the dates, or the period covered.",
        file=where.file, sheet=where.sheet, cell=listed, column=heading, source=name, check="outside_period")


def _late_note(where: Location, name: str, end: pd.Timestamp, yesterday: pd.Timestamp) -> dict[str, str]:
    return pr.problem(
        "warning", f"{pr.where(where.file, where.sheet, where.period.cell)}: the period covered runs to {_day(end)}, "
        f"after today; only the days up to {_day(yesterday)} are taken as covered. Check the date.",
        file=where.file, sheet=where.sheet, cell=where.period.cell, value=_day(end), source=name, check="period_covered")


def coverage_problems(coverage: Coverage, quarters: list[pd.Period], contract: Contract) -> DataFrame[Problems]:
    """Warnings for the quarters on the scorecard: each one a table covers only in part (its
    figures show Incomplete), and each table whose rows stop before the reporting quarter, so
    that a month left out or a return cut short is noticed rather than read as 'No data'."""
    reporting = quarters[-1]
    begin = first_day(reporting)
    notes = []
    periods = coverage.periods
    for name in dict.fromkeys(coverage.quarters["table"]):
        table = contract.tables[name]
        mine = coverage.of(name)
        for quarter in [q for q in quarters if q in mine.index and mine.at[q, "status"] == PARTIAL]:
            read = "; ".join(coverage.places.get(name, []))
            notes.append(pr.problem(
                "warning", f"The {table.title}{f' ({read})' if read else ''} cover {label(quarter)} only in part "
                f"({mine.at[quarter, 'reason']}), so the measures worked out from them show Incomplete for "
                f"{label(quarter)}. Add what is missing to the return, or send the return that has it.",
                source=name, sheet=f"Scorecard, {label(quarter)}", check="incomplete_quarter"))
        if reporting in mine.index and mine.at[reporting, "status"] != NONE:
            continue
        if table.grain == "monthly":
            covered = mine.index[mine["status"] != NONE]
            if len(covered) and covered.max() < reporting:
                notes.append(pr.problem(
                    "warning", f"The {table.title} stop before {label(reporting)} (the latest quarter with any month "
                    f"is {label(covered.max())}), so its measures show No data for {label(reporting)}. Is the "
                    "latest return missing?", source=name, check="return_stops"))
            continue
        own = periods[periods["table"] == name]
        if own.empty or own["end"].max() >= begin or own["declared"].any():
            continue
        latest = own["latest"].max()
        notes.append(pr.problem(
            "warning", f"No {table.title} rows after {_day(latest)}: is the return complete? If it is, fill in its "
            f"period covered (from and to dates), so that {label(reporting)} shows its true figure, 0 if nothing "
            f"happened; until then its measures show No data for {label(reporting)}.",
            source=name, value=_day(latest), check="return_stops"))
    return pr.frame(notes)
