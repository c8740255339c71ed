"""Compute everything the outputs show, from the checked inputs, the configuration, the stored
history and the quarter asked for. No file is written: publishing is the next step's business.

The stages, in order: every measure from the rows (keeping the rows behind each figure), the
reporting quarter, history joined in, BRAG ratings and trends, the scorecard and the work plan,
the quotes, and the checks on the figures (great-expectations, in its worker process).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pandas as pd

from pipeline import problems as pr
from pipeline.check import present_columns, rows_left_out, sources_table
from pipeline.config.settings import Config
from pipeline.model import CheckedInputs, Computed, Figures, NothingToReport, QuarterRefused, ScorecardData, Stored
from pipeline.quarters import FREQ, columns_for, first_day, label, last_day, latest_complete, spans
from pipeline.stages.checker import Checker
from pipeline.stages.coverage import MONTH, coverage_problems
from pipeline.stages.history import merge_history, merge_months
from pipeline.stages.lineage import trace
from pipeline.stages.measures import compute_measures
from pipeline.stages.messages import key_messages
from pipeline.stages.privacy import feedback_quotes, publishable
from pipeline.stages.quality import expectation_problems
from pipeline.stages.rate import rate_actions, rate_measures
from pipeline.stages.scorecard import assemble
from pipeline.stages.variation import chart_measures
from pipeline.vocabulary import Status


def check_quarter(asked: pd.Period, today: date, draft: bool = False) -> None:
    """Refuse a quarter after today, and one that has not ended unless a draft is asked for; known
    before any input is read."""
    first, last = first_day(asked).date(), last_day(asked).date()
    if first > today:
        ended = pd.Period(today, FREQ) - 1
        raise QuarterRefused(f"{label(asked)} has not begun: it runs from {first:%d/%m/%Y} to {last:%d/%m/%Y}, and "
                             f"today is {today:%d/%m/%Y}. The latest quarter that has ended is {label(ended)}.")
    if last >= today and not draft:
        raise QuarterRefused(f"{label(asked)} has not ended: it ends on {last:%d/%m/%Y}. Build it once it has, "
                             "or add --draft for a draft.")


def quarters_with_data(figures: pd.DataFrame) -> list[pd.Period]:
    """Every quarter with a figure, or with rows that cover it in part (Incomplete: a quarter so far)."""
    return sorted(set(figures.loc[figures["status"].isin([Status.OK, Status.INCOMPLETE]), "quarter"]))


def choose_quarter(asked: pd.Period | None, figures: pd.DataFrame, today: date) -> pd.Period:
    """The quarter asked for, or the latest that has ended and has any figure."""
    if asked is not None:
        return asked
    chosen = latest_complete(sorted(set(figures.loc[figures["status"] == Status.OK, "quarter"])), today)
    if chosen is None:
        raise NothingToReport("No quarter that has ended has any data, so there is nothing to report yet. "
                              f"Quarters with data: {spans(quarters_with_data(figures)) or 'none'}.")
    return chosen


def compute_figures(inputs: CheckedInputs, config: Config, stored: Stored, quarter: pd.Period | None,
                    today: date) -> Figures:
    """Every measure from the checked rows, the reporting quarter, and history joined in."""
    files = {loc.loc: loc.file for loc in inputs.staged.locations}
    given = (inputs.checked.frames, config.catalogue, config.contract, present_columns(inputs.staged), files,
             inputs.coverage)
    results = compute_measures(*given)
    every = pd.concat([results.values, stored.values.assign(status=Status.OK)])
    reporting = choose_quarter(quarter, every, today)
    places = {loc.loc: (loc.file, loc.sheet) for loc in inputs.staged.locations}
    merged = merge_history(results.values, stored.values, reporting, {f.name: f.sha256 for f in inputs.files},
                           trace(results.lineage, places), stored.lineage)
    monthly = compute_measures(*given, MONTH)  # the same rows by month, for the SPC charts
    merged.months, merged.month_writes = merge_months(monthly.values, stored.months)
    return Figures(results, merged, reporting, coverage_problems(inputs.coverage, columns_for(reporting), config.contract),
                   quarters_with_data(every))


def publishable_data(data: ScorecardData, config: Config) -> ScorecardData:
    """What the publishable copy shows: the scorecard with small numbers suppressed, nothing else
    from the inputs (no work plan, quotes, commentary, file names or problem records)."""
    scorecard = publishable(data.scorecard, data.figures, data.quarters, config.catalogue)
    return replace(data, scorecard=scorecard, messages=key_messages(scorecard, data.quarters), actions=pd.DataFrame(),
                   feedback=data.feedback.iloc[0:0], problems=data.problems.iloc[0:0], sources=data.sources.iloc[0:0],
                   expectations=pd.DataFrame(), qa_record=None, publish=True, lineage=pd.DataFrame())


def compute(inputs: CheckedInputs, config: Config, stored: Stored, when: datetime, today: date,
            quarter: pd.Period | None = None, demo: bool = False, publish: bool = False,
            checker: Checker | None = None, draft: bool = False) -> Computed:
    """Everything the pack, its publishable copy, the officer's checks, the history and the QA
    record will show. `checker` runs the checks on the figures (a worker started with the run);
    `draft` marks the workbooks DRAFT. `inputs` is not changed: the run's problems, the inputs' and the
    figures', come back in the data's."""
    clock = inputs.clock
    figures = compute_figures(inputs, config, stored, quarter, today)
    if figures.reporting not in figures.with_data:  # a quarter asked for that nothing has a figure for
        raise QuarterRefused(f"There is no data for {label(figures.reporting)} in any input or in the history. "
                             f"Quarters with data: {spans(figures.with_data) or 'none'}.")
    clock.lap("compute")
    reporting, quarters, frames = figures.reporting, columns_for(figures.reporting), inputs.checked.frames
    charted = chart_measures(figures.merged.months, config.catalogue, quarters)
    rated = rate_measures(figures.merged.values, config.catalogue, figures.results.alternatives, charted.quarters)
    scorecard = assemble(rated, config.catalogue, config.contract, quarters, figures.results.gaps,
                         frames.get("commentary"), rows_left_out(inputs))
    actions = rate_actions(frames["workplan"], last_day(reporting)) if "workplan" in frames else pd.DataFrame()
    clock.lap("rate")
    expectations, pages = (checker or Checker(worker=False)).check(
        rated, scorecard, figures.results.alternatives, quarters, config.expectations, docs=True)
    clock.lap("qa")
    problems = pr.combine(inputs.problems, figures.results.problems, figures.problems,
                          expectation_problems(expectations))
    data = ScorecardData(
        settings=config.settings, qa_map=config.qa_map, reporting=reporting, quarters=quarters, produced=when,
        scorecard=scorecard, figures=rated, actions=actions,
        feedback=feedback_quotes(frames.get("evolve_feedback"), reporting, config.redact_names),
        problems=problems, sources=sources_table(inputs, config.contract), demo=demo, draft=draft,
        lineage=figures.merged.lineage, expectations=expectations, charts=config.catalogue.charts, spc=charted.points,
        spc_settings=config.catalogue.spc, low_numbers=config.catalogue.low_numbers,
        messages=key_messages(scorecard, quarters, actions))
    return Computed(data, figures.merged, pages, publishable_data(data, config) if publish else None)
