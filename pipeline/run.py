"""The orchestrator: the quarterly process, top to bottom, as an officer would describe it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from pipeline import problems as pr
from pipeline.config.contract import Contract
from pipeline.config.settings import Config
from pipeline.model import CheckedInputs, Clock, Figures, NothingToReport, Outcome, ScorecardData
from pipeline.paths import Paths
from pipeline.stages.coverage import cover
from pipeline.stages.dedupe import drop_repeats
from pipeline.stages.discover import discover_files
from pipeline.stages.package import InputLimits
from pipeline.stages.read import ReadTables, read_sources
from pipeline.stages.validate import check_sources

HISTORY_FILE = "history.sqlite"


# --------------------------------------------------------------------------- checking

def absent_tables(staged: ReadTables, contract: Contract) -> pd.DataFrame:
    """A warning for each expected table that no file supplied (nor any stand-in for it)."""
    present = set(staged.frames)
    notes = []
    for name, table in contract.tables.items():
        if table.optional or name in present or present & set(table.alternatives):
            continue
        headings = ", ".join(c.header for c in table.columns.values() if c.required)
        notes.append(pr.problem(
            "warning",
            f"No {table.title} found in the inputs (a sheet headed: {headings}). "
            "Its measures will show 'No data'.",
            source=name, check="absent_source"))
    return pr.frame(notes)


def check_inputs(inputs_dir: Path, contract: Contract, today: date, progress: Callable[[str], None] | None = None,
                 allowed: dict[str, dict[str, list[str]]] | None = None, limits: InputLimits | None = None,
                 ) -> CheckedInputs:
    """Find, read and check every input file."""
    clock = Clock()
    files, skipped = discover_files(inputs_dir)
    clock.lap("discover")
    if not files and skipped.empty:
        skipped = pr.frame([pr.problem(
            "error", f"There are no input files in {inputs_dir}. Copy the agencies' returns there "
            "(blank templates: python -m pipeline templates).", check="no_inputs")])
    readable = [f for f in files if not f.copy_of]
    staged = read_sources(readable, contract, progress, limits)
    clock.lap("read")
    checked = check_sources(staged, contract, today, allowed)
    once = drop_repeats(checked.frames, staged.locations, readable, contract)
    coverage, checked.frames, outside = cover(once.frames, staged.locations, contract, today)
    for loc, count in once.rejected.items():
        checked.rejected[loc] = checked.rejected.get(loc, 0) + count
    absent = absent_tables(staged, contract) if files else pr.frame()
    problems = pr.combine(skipped, staged.problems, checked.problems, once.problems, outside, absent)
    clock.lap("check")
    return CheckedInputs(files, staged, checked, problems, clock, coverage)


# --------------------------------------------------------------------------- building

def present_columns(staged: ReadTables) -> dict[str, set[str]]:
    present: dict[str, set[str]] = {}
    for loc in staged.locations:
        present.setdefault(loc.table, set()).update(loc.letters)
    return present


def rows_left_out(inputs: CheckedInputs) -> dict[str, int]:
    by_table: dict[str, int] = {}
    for loc in inputs.staged.locations:
        if inputs.checked.rejected.get(loc.loc):
            by_table[loc.table] = by_table.get(loc.table, 0) + inputs.checked.rejected[loc.loc]
    return by_table


SOURCE_COLUMNS = ["file", "recognised_as", "sheets", "period", "rows_used", "rows_rejected", "rows_not_counted",
                  "sha256", "modified", "size"]


def sources_table(inputs: CheckedInputs, contract: Contract) -> pd.DataFrame:
    """One row per input file: what it was recognised as, the period it covers, and how many rows
    were used, rejected (they failed a check) and not counted (the same record in another file,
    or outside the period the return says it covers). A copy of another file is listed, unread."""
    used: dict[int, int] = {}
    for frame in inputs.checked.frames.values():
        if "_loc" in frame:
            for loc, count in frame["_loc"].value_counts().items():
                used[int(loc)] = used.get(int(loc), 0) + int(count)
    periods = inputs.coverage.periods.set_index("loc") if len(inputs.coverage.periods) else None
    rows = []
    for file in inputs.files:
        locs = [loc for loc in inputs.staged.locations if loc.file == file.name]
        rejected = sum(inputs.checked.rejected.get(loc.loc, 0) for loc in locs)
        counted = sum(used.get(loc.loc, 0) for loc in locs)
        if file.copy_of:
            recognised = f"Not read: the same file as {file.copy_of}"
        else:
            recognised = "; ".join(dict.fromkeys(contract.tables[loc.table].title for loc in locs)) or "Not used"
        rows.append({
            "file": file.name, "recognised_as": recognised,
            "sheets": "; ".join(dict.fromkeys(loc.sheet or "(CSV)" for loc in locs)),
            "period": "; ".join(dict.fromkeys(_period_text(periods, loc.loc) for loc in locs if _period_text(periods, loc.loc))),
            "rows_used": counted, "rows_rejected": rejected,
            "rows_not_counted": sum(loc.rows for loc in locs) - rejected - counted, "sha256": file.sha256,
            "modified": file.modified, "size": file.size,
        })
    return pd.DataFrame(rows, columns=SOURCE_COLUMNS)


def _period_text(periods: pd.DataFrame | None, loc: int) -> str:
    """'01/10/2023 to 30/09/2025', with '(from its rows)' where the return does not say."""
    if periods is None or loc not in periods.index:
        return ""
    period = periods.loc[loc]
    text = f"{period['start']:%d/%m/%Y} to {period['end']:%d/%m/%Y}"
    return text if period["declared"] else f"{text} (from its rows)"


def choose_quarter(asked: pd.Period | None, figures: pd.DataFrame, today: date) -> pd.Period:
    from pipeline.quarters import label, latest_complete

    if asked is not None:
        return asked
    with_data = sorted(set(figures.loc[figures["status"] == "ok", "quarter"]))
    chosen = latest_complete(with_data, today)
    if chosen is None:
        raise NothingToReport("No complete quarter has any data, so there is nothing to report yet. "
                              f"(Quarters with data: {', '.join(label(q) for q in with_data) or 'none'}.)")
    return chosen


def compute_figures(inputs: CheckedInputs, config: Config, history_db: Path, quarter: pd.Period | None,
                    today: date) -> Figures:
    """Every measure from the checked rows, the reporting quarter, and history joined in."""
    from pipeline.quarters import columns_for
    from pipeline.stages.coverage import coverage_problems
    from pipeline.stages.history import load_history, load_lineage, merge_history
    from pipeline.stages.lineage import trace
    from pipeline.stages.measures import compute_measures

    files = {loc.loc: loc.file for loc in inputs.staged.locations}
    results = compute_measures(inputs.checked.frames, config.catalogue, config.contract, present_columns(inputs.staged),
                               files, inputs.coverage)
    history = load_history(history_db)
    reporting = choose_quarter(quarter, pd.concat([results.values, history.assign(status="ok")]), today)
    places = {loc.loc: (loc.file, loc.sheet) for loc in inputs.staged.locations}
    merged = merge_history(results.values, history, reporting, {f.name: f.sha256 for f in inputs.files},
                           trace(results.lineage, places), load_lineage(history_db))
    return Figures(results, merged, reporting, coverage_problems(inputs.coverage, columns_for(reporting), config.contract))


def publishable_data(data: ScorecardData, catalogue) -> ScorecardData:
    """What the publishable copy shows: the scorecard with small numbers suppressed, nothing else
    from the inputs (no work plan, quotes, commentary, file names or problem records)."""
    from dataclasses import replace

    from pipeline.stages.privacy import publishable

    return replace(data, scorecard=publishable(data.scorecard, data.figures, data.quarters, catalogue),
                   actions=pd.DataFrame(), feedback=data.feedback.iloc[0:0], problems=data.problems.iloc[0:0],
                   sources=data.sources.iloc[0:0], expectations=pd.DataFrame(), qa_record=None, publish=True,
                   lineage=pd.DataFrame())


def qa_record_folder(outputs: Path, quarter: pd.Period, when: datetime, demo: bool = False) -> Path:
    """Where great-expectations' Data Docs for a run go: one folder per run, beside the archive."""
    from pipeline.quarters import file_label
    from pipeline.writing.safe import unused_folder

    return unused_folder(outputs / "qa record" / (file_label(quarter) + (" (DEMO)" if demo else ""))
                         / f"{when:%Y-%m-%d %H%M%S}")


def build_scorecard(paths: Paths, config: Config, when: datetime, today: date, quarter: pd.Period | None = None,
                    allow_errors: bool = False, demo: bool = False,
                    progress: Callable[[str], None] | None = None, publish: bool = False,
                    checker=None) -> Outcome:
    """Check the inputs; if they are usable, compute, rate and write the scorecard, then save history.

    The workbook, the input archive and the history are staged and moved into place together
    only when all of them are written, so a run that fails changes none of them.
    """
    from pipeline.stages.checker import Checker

    checker = checker or Checker()  # great-expectations is imported in a worker while the inputs are read
    try:
        return _build(paths, config, when, today, quarter, allow_errors, demo, progress, publish, checker)
    finally:
        checker.close()


def _build(paths: Paths, config: Config, when: datetime, today: date, quarter: pd.Period | None,
           allow_errors: bool, demo: bool, progress: Callable[[str], None] | None, publish: bool,
           checker) -> Outcome:
    from pipeline.config.settings import schema_files
    from pipeline.quarters import columns_for, last_day
    from pipeline.stages.history import save_history
    from pipeline.stages.privacy import feedback_quotes
    from pipeline.stages.quality import expectation_problems
    from pipeline.stages.rate import rate_actions, rate_measures
    from pipeline.stages.scorecard import assemble
    from pipeline.workbook.book import publishable_path, workbook_path, write_workbook
    from pipeline.workbook.error_report import lineage_path, write_lineage
    from pipeline.writing.archive import archive_folder, fill_archive
    from pipeline.writing.faults import check_history, history_errors
    from pipeline.writing.safe import StagedOutputs

    contract, catalogue = config.contract, config.catalogue
    inputs = check_inputs(paths.inputs, contract, today, progress, allowed={"commentary": {"ref": catalogue.refs}},
                          limits=config.settings.input_limits)
    outcome = Outcome(inputs)
    clock = inputs.clock
    if inputs.counts["error"] and not allow_errors:
        return outcome

    frames = inputs.checked.frames
    history_db = paths.outputs / (("demo-" if demo else "") + HISTORY_FILE)
    check_history(history_db, paths.outputs / "archive")
    with history_errors(history_db, paths.outputs / "archive"):
        figures = compute_figures(inputs, config, history_db, quarter, today)
    clock.lap("compute")
    reporting, merged, results = figures.reporting, figures.merged, figures.results
    quarters = columns_for(reporting)
    rated = rate_measures(merged.values, catalogue, results.alternatives)
    scorecard = assemble(rated, catalogue, contract, quarters, results.gaps, frames.get("commentary"), rows_left_out(inputs))
    actions = rate_actions(frames["workplan"], last_day(reporting)) if "workplan" in frames else pd.DataFrame()
    clock.lap("rate")
    target = workbook_path(paths.outputs, config.settings, reporting, demo)
    qa_folder = qa_record_folder(paths.outputs, reporting, when, demo)
    staged = StagedOutputs(paths.outputs, f"{when:%Y-%m-%d %H%M%S}")
    try:
        expectations = staged.add_folder(qa_folder, lambda folder: checker.check(
            rated, scorecard, results.alternatives, quarters, config.expectations, docs_dir=folder))
        clock.lap("qa")
        problems = pr.combine(inputs.problems, results.problems, figures.problems, expectation_problems(expectations))
        inputs.problems = problems
        data = ScorecardData(
            settings=config.settings, qa_map=config.qa_map, reporting=reporting, quarters=quarters, produced=when,
            scorecard=scorecard, figures=rated, actions=actions,
            feedback=feedback_quotes(frames.get("evolve_feedback"), reporting, config.redact_names),
            problems=problems, sources=sources_table(inputs, contract), demo=demo, lineage=merged.lineage,
            expectations=expectations, qa_record=qa_folder.relative_to(paths.outputs) / "index.html",
            charts=catalogue.charts)
        outcome.data = data
        with history_errors(history_db, paths.outputs / "archive"):
            outcome.saved_figures = save_history(history_db, merged, when.isoformat(timespec="seconds"), staged)
        if not demo:
            outcome.archive = archive_folder(paths.outputs, reporting, when)
            staged.add_folder(outcome.archive, lambda folder: fill_archive(
                folder, [f for f in inputs.files if not f.copy_of], schema_files(paths), reporting, when, target.name,
                staged.current(history_db)))
        staged.add(target, lambda path: write_workbook(data, path), fallback=True)
        staged.add(lineage_path(target), lambda path: write_lineage(data, catalogue, path), fallback=True)
        if publish:
            public = publishable_data(data, catalogue)
            staged.add(publishable_path(target), lambda path: write_workbook(public, path), fallback=True)
        clock.lap("write")
        placed = staged.commit()  # QA record, history, archive, then the workbook (which has a fallback name)
    except BaseException:
        staged.discard()
        raise
    clock.lap("write")
    outcome.workbook = placed[target]
    outcome.published = placed.get(publishable_path(target))
    outcome.lineage = placed.get(lineage_path(target))
    outcome.qa_record = placed[qa_folder] / "index.html"
    outcome.moved = [where for intended, where in placed.items() if where != intended]
    return outcome
