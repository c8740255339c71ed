"""The orchestrator: the quarterly process, top to bottom, as an officer would describe it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from pipeline import problems as pr
from pipeline.contract import Contract
from pipeline.discover import InputFile, discover_files
from pipeline.package import InputLimits
from pipeline.paths import Paths
from pipeline.read import Staged, read_sources
from pipeline.settings import Config
from pipeline.validate import Checked, check_sources

HISTORY_FILE = "history.sqlite"


class Clock:
    """Seconds spent in each stage, for the run record and the benchmark."""

    def __init__(self) -> None:
        self.stages: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage] = round(self.stages.get(stage, 0.0) + now - self._last, 3)
        self._last = now


class NothingToReport(Exception):
    """No quarter can be reported (no complete quarter has any data); the message says why."""


@dataclass
class CheckedInputs:
    """Everything known about this run's inputs once they are read and checked."""

    files: list[InputFile]
    staged: Staged
    checked: Checked
    problems: pd.DataFrame
    clock: Clock = field(default_factory=Clock)

    @property
    def counts(self) -> dict[str, int]:
        return pr.counts(self.problems)


@dataclass
class ScorecardData:
    """Everything the workbook shows, computed; the writer only lays it out."""

    settings: object
    qa_map: object
    reporting: pd.Period
    quarters: list[pd.Period]
    produced: datetime
    scorecard: pd.DataFrame  # one row per measure (see scorecard.assemble)
    figures: pd.DataFrame  # long: every rated figure per measure and quarter, for charts
    actions: pd.DataFrame  # work plan actions with computed BRAG
    feedback: pd.DataFrame  # redacted quotes for the reporting quarter
    problems: pd.DataFrame  # every problem record of the run
    sources: pd.DataFrame  # one row per input file
    demo: bool = False
    expectations: pd.DataFrame = field(default_factory=pd.DataFrame)
    qa_record: Path | None = None  # the Data Docs, relative to the outputs folder
    publish: bool = False  # the publishable copy: small numbers suppressed, no free text


@dataclass
class Outcome:
    checked: CheckedInputs
    data: ScorecardData | None = None
    workbook: Path | None = None
    moved: list[Path] = field(default_factory=list)  # files open in Excel, so saved under another name
    archive: Path | None = None
    qa_record: Path | None = None  # great-expectations' Data Docs (index.html) for this run
    published: Path | None = None  # the publishable copy, with --publish
    saved_figures: int = 0

    @property
    def locked(self) -> bool:
        return bool(self.moved)


# --------------------------------------------------------------------------- checking

def absent_tables(staged: Staged, contract: Contract) -> pd.DataFrame:
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
    staged = read_sources(files, contract, progress, limits)
    clock.lap("read")
    checked = check_sources(staged, contract, today, allowed)
    absent = absent_tables(staged, contract) if files else pr.frame()
    problems = pr.combine(skipped, staged.problems, checked.problems, absent)
    clock.lap("check")
    return CheckedInputs(files, staged, checked, problems, clock)


# --------------------------------------------------------------------------- building

def present_columns(staged: Staged) -> dict[str, set[str]]:
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


def sources_table(inputs: CheckedInputs, contract: Contract) -> pd.DataFrame:
    """One row per input file: what it was recognised as and how many rows were used."""
    rows = []
    for file in inputs.files:
        locs = [loc for loc in inputs.staged.locations if loc.file == file.name]
        rejected = sum(inputs.checked.rejected.get(loc.loc, 0) for loc in locs)
        read = sum(loc.rows for loc in locs)
        rows.append({
            "file": file.name,
            "recognised_as": "; ".join(dict.fromkeys(contract.tables[loc.table].title for loc in locs)) or "Not used",
            "sheets": "; ".join(dict.fromkeys(loc.sheet or "(CSV)" for loc in locs)),
            "rows_used": read - rejected, "rows_rejected": rejected, "sha256": file.sha256,
            "modified": file.modified, "size": file.size,
        })
    return pd.DataFrame(rows, columns=["file", "recognised_as", "sheets", "rows_used", "rows_rejected", "sha256", "modified", "size"])


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


def publishable_data(data: ScorecardData, catalogue) -> ScorecardData:
    """What the publishable copy shows: the scorecard with small numbers suppressed, nothing else
    from the inputs (no work plan, quotes, commentary, file names or problem records)."""
    from dataclasses import replace

    from pipeline.privacy import publishable

    return replace(data, scorecard=publishable(data.scorecard, data.figures, data.quarters, catalogue),
                   actions=pd.DataFrame(), feedback=data.feedback.iloc[0:0], problems=data.problems.iloc[0:0],
                   sources=data.sources.iloc[0:0], expectations=pd.DataFrame(), qa_record=None, publish=True)


def qa_record_folder(outputs: Path, quarter: pd.Period, when: datetime, demo: bool = False) -> Path:
    """Where great-expectations' Data Docs for a run go: one folder per run, beside the archive."""
    from pipeline.quarters import file_label
    from pipeline.safe import unused_folder

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
    from pipeline.checker import Checker

    checker = checker or Checker()  # great-expectations is imported in a worker while the inputs are read
    try:
        return _build(paths, config, when, today, quarter, allow_errors, demo, progress, publish, checker)
    finally:
        checker.close()


def _build(paths: Paths, config: Config, when: datetime, today: date, quarter: pd.Period | None,
           allow_errors: bool, demo: bool, progress: Callable[[str], None] | None, publish: bool,
           checker) -> Outcome:
    from pipeline.archive import archive_folder, fill_archive
    from pipeline.faults import check_history, history_errors
    from pipeline.history import load_history, merge_history, save_history
    from pipeline.measures import compute_measures
    from pipeline.privacy import feedback_quotes
    from pipeline.quality import expectation_problems
    from pipeline.quarters import columns_for, last_day
    from pipeline.rate import rate_actions, rate_measures
    from pipeline.safe import Staged
    from pipeline.scorecard import assemble
    from pipeline.settings import schema_files
    from pipeline.workbook import publishable_path, workbook_path, write_workbook

    contract, catalogue = config.contract, config.catalogue
    inputs = check_inputs(paths.inputs, contract, today, progress, allowed={"commentary": {"ref": catalogue.refs}},
                          limits=config.settings.input_limits)
    outcome = Outcome(inputs)
    clock = inputs.clock
    if inputs.counts["error"] and not allow_errors:
        return outcome

    frames = inputs.checked.frames
    files = {loc.loc: loc.file for loc in inputs.staged.locations}
    results = compute_measures(frames, catalogue, contract, present_columns(inputs.staged), files)
    clock.lap("compute")
    history_db = paths.outputs / (("demo-" if demo else "") + HISTORY_FILE)
    check_history(history_db, paths.outputs / "archive")
    with history_errors(history_db, paths.outputs / "archive"):
        history = load_history(history_db)
    reporting = choose_quarter(quarter, pd.concat([results.values, history.assign(status="ok")]), today)
    quarters = columns_for(reporting)
    merged = merge_history(results.values, history, reporting, {f.name: f.sha256 for f in inputs.files})
    clock.lap("history")
    rated = rate_measures(merged.values, catalogue)
    scorecard = assemble(rated, catalogue, quarters, results.gaps, frames.get("commentary"), rows_left_out(inputs))
    actions = rate_actions(frames["workplan"], last_day(reporting)) if "workplan" in frames else pd.DataFrame()
    clock.lap("rate")
    target = workbook_path(paths.outputs, config.settings, reporting, demo)
    qa_folder = qa_record_folder(paths.outputs, reporting, when, demo)
    staged = Staged(paths.outputs, f"{when:%Y-%m-%d %H%M%S}")
    try:
        expectations = staged.add_folder(qa_folder, lambda folder: checker.check(
            rated, scorecard, results.alternatives, quarters, config.expectations, docs_dir=folder))
        clock.lap("qa")
        problems = pr.combine(inputs.problems, results.problems, expectation_problems(expectations))
        inputs.problems = problems
        data = ScorecardData(
            settings=config.settings, qa_map=config.qa_map, reporting=reporting, quarters=quarters, produced=when,
            scorecard=scorecard, figures=rated, actions=actions,
            feedback=feedback_quotes(frames.get("evolve_feedback"), reporting, config.redact_names),
            problems=problems, sources=sources_table(inputs, contract), demo=demo, expectations=expectations,
            qa_record=qa_folder.relative_to(paths.outputs) / "index.html")
        outcome.data = data
        with history_errors(history_db, paths.outputs / "archive"):
            outcome.saved_figures = save_history(history_db, merged, when.isoformat(timespec="seconds"), staged)
        if not demo:
            outcome.archive = archive_folder(paths.outputs, reporting, when)
            staged.add_folder(outcome.archive, lambda folder: fill_archive(
                folder, inputs.files, schema_files(paths), reporting, when, target.name, staged.current(history_db)))
        staged.add(target, lambda path: write_workbook(data, path), fallback=True)
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
    outcome.qa_record = placed[qa_folder] / "index.html"
    outcome.moved = [where for intended, where in placed.items() if where != intended]
    return outcome
