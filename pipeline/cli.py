"""The command line: `python -m pipeline [run|validate|explain|commentary|templates|schedule] [options]`.

Known problems end with one clear line and a documented exit code; only a real bug shows
a traceback. Every run appends to outputs/logs/pipeline.log and writes outputs/last-run.json,
so a scheduled run that failed can be noticed.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.vocabulary import Exit

if TYPE_CHECKING:  # imported when used, so that --help and the tools start at once
    import logging

    import pandas as pd

    from pipeline.config.settings import Config
    from pipeline.console import Console
    from pipeline.model import CheckedInputs, Outcome, ScorecardData, Stored
    from pipeline.paths import Paths
    from pipeline.writing.runlog import RunRecord

EXIT_OK, EXIT_BUG, EXIT_USAGE, EXIT_WARNINGS = Exit.OK, Exit.BUG, Exit.USAGE, Exit.WARNINGS
EXIT_INPUT_ERRORS, EXIT_CONFIG, EXIT_LOCKED, EXIT_MACHINE = Exit.INPUT_ERRORS, Exit.CONFIG, Exit.LOCKED, Exit.MACHINE

LOGGED_PROBLEMS = 1000  # problems written to the log one by one; the error report lists every one

EXIT_CODES_HELP = """exit codes:
  0  done, no problems
  1  unexpected error (a bug: please report it with the text shown)
  2  the command line was wrong, or the quarter asked for cannot be built (it has not ended,
     is after today, or no input or history has data for it)
  3  done, with warnings (see the summary and the error report)
  4  the inputs have errors: nothing was built (see the error report)
  5  a configuration file in schemas/ is wrong
  6  the output is locked (open in Excel), the history is held by another program, or another run is in progress
  7  the computer could not do it: the disk is full, the history database is damaged, or the
     outputs folder's path is too long for Windows (the message says what to do)

every run appends to outputs/logs/pipeline.log and writes outputs/last-run.json.
"""


def _quarter(text: str) -> pd.Period:
    from pipeline.quarters import parse_label

    try:
        return parse_label(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Build the Child Exploitation Delivery Group's quarterly scorecard from the agencies' returns.",
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", default="run",
                        choices=["run", "validate", "explain", "commentary", "templates", "schedule"],
                        help="run (default): check the inputs and build the scorecard; validate: check the inputs "
                             "only; explain REF QUARTER: list the rows behind one figure; commentary: write one "
                             "commentary request workbook per measure lead; templates: write blank return "
                             "templates; schedule: print the command that registers the quarterly Windows "
                             "scheduled task")
    parser.add_argument("words", nargs="*", metavar="ARG",
                        help='for \'templates\': the folder to write them to; for \'explain\': the Ref and the '
                             'quarter, e.g. explain 4.10 "Q2 2025/26"')
    parser.add_argument("--demo", action="store_true",
                        help="use the bundled demo inputs (also written to outputs/demo-inputs/)")
    parser.add_argument("--quarter", metavar='"Q3 2024/25"',
                        help="the quarter to report (default: the latest complete quarter that has data)")
    parser.add_argument("--draft", action="store_true",
                        help="build a quarter that has not ended yet, every page marked DRAFT")
    parser.add_argument("--inputs", type=Path, help="folder of input files (default: inputs/)")
    parser.add_argument("--outputs", type=Path, help="folder for the scorecard and reports (default: outputs/)")
    parser.add_argument("--home", type=Path, help="the project folder (default: found from the working folder)")
    parser.add_argument("--publish", action="store_true",
                        help="also write a publishable copy: counts of 1 to 4 shown as c, no commentary or free text")
    parser.add_argument("--allow-errors", action="store_true",
                        help="build even when some rows have errors (those rows are left out and flagged)")
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument("--quiet", action="store_true", help="print only the final line (for scheduled runs)")
    loudness.add_argument("--verbose", action="store_true", help="also list each file read and every note")
    parser.add_argument("--today", type=date.fromisoformat, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    from pipeline.console import tolerate_any_console

    tolerate_any_console()
    parser = build_parser()
    args = parser.parse_args(argv)
    args.checker = None
    if args.command in ("run", "commentary"):  # start importing great-expectations now, beside the rest of the run
        from pipeline.stages.checker import Checker

        args.checker = Checker()
    try:
        return _main(parser, args)
    finally:
        if args.checker is not None:
            args.checker.close()


def _words(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """The positional words each command takes: a folder for templates, a Ref and a quarter for explain."""
    args.folder = args.ref = None
    words = list(args.words)
    if args.command == "explain":
        if len(words) != 2:
            parser.error('explain needs a Ref and a quarter, e.g. explain 4.10 "Q2 2025/26"')
        args.ref, quarter = words
        try:
            args.quarter = _quarter(quarter)
        except argparse.ArgumentTypeError as exc:
            parser.error(f"explain: {exc}")
    elif args.command == "templates" and len(words) <= 1:
        args.folder = Path(words[0]) if words else None
    elif words:
        parser.error(f"'{args.command}' takes no other words (found: {' '.join(words)})")


def _main(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.quarter is not None:  # read here, not by argparse, so pandas loads after the worker starts
        try:
            args.quarter = _quarter(args.quarter)
        except argparse.ArgumentTypeError as exc:
            parser.error(f"argument --quarter: {exc}")
    _words(parser, args)
    from pipeline.console import Console
    from pipeline.paths import Paths, not_a_project

    console = Console(args.quiet, args.verbose)
    paths = Paths.resolve(args.home, args.inputs, args.outputs)
    refused = not_a_project(paths, args.command, writes_elsewhere=(args.command == "templates" and args.folder)
                            or (args.command != "schedule" and args.outputs is not None))
    if refused:
        console.problem(refused)
        return EXIT_USAGE
    if not paths.given and not Path.cwd().resolve().is_relative_to(paths.home):  # none at or above the working folder
        console.say(f"Project folder: {paths.home} (the folder this pipeline runs from, as the working folder is in "
                    "no project folder; to use another, name it with --home)")
    if args.command in ("schedule", "templates"):
        return _tool_command(args, paths, console)
    return _logged_run(args, paths, console)


def _logged_run(args: argparse.Namespace, paths: Paths, console: Console) -> int:
    """A run that leaves its trail: a log line at its start and end, and last-run.json."""
    from pipeline.writing.faults import describe
    from pipeline.writing.runlog import RunRecord, close_log, open_log

    started = datetime.now()
    record = RunRecord(started.isoformat(timespec="seconds"), args.command + (" --demo" if args.demo else ""),
                       str(paths.home), str(paths.inputs), str(paths.outputs))
    try:
        log = open_log(paths.outputs)
    except OSError as exc:
        fault = describe(exc, paths.outputs)
        console.problem(fault.message if fault and fault.code == EXIT_MACHINE else f"Cannot write to the outputs "
                        f"folder {paths.outputs}: {exc.strerror}. Check it exists and you may write there.")
        return fault.code if fault and fault.code == EXIT_MACHINE else EXIT_LOCKED
    log.info("run started: %s (home %s, inputs %s, outputs %s)", record.command, paths.home, paths.inputs, paths.outputs)
    try:
        code = _guarded(args, paths, console, record, log, started)
    except BaseException:
        _finish(paths, record, log)
        close_log()
        raise
    record.exit_code = code
    log.info("run ended: %s, exit code %s%s", record.status, code, f" ({record.message})" if record.message else "")
    _finish(paths, record, log)
    close_log()
    return code


def _guarded(args: argparse.Namespace, paths: Paths, console: Console, record: RunRecord, log: logging.Logger,
             started: datetime) -> int:
    """The run under the lock, with every known kind of failure turned into one line and its code."""
    from pipeline.config.loading import ConfigError
    from pipeline.model import NothingToReport, QuarterRefused
    from pipeline.paths import path_too_long
    from pipeline.writing.faults import describe
    from pipeline.writing.runlog import start_run
    from pipeline.writing.safe import OutputLocked, RunInProgress, RunLock

    known = {ConfigError: ("config_error", EXIT_CONFIG, "Configuration problem, nothing was built:\n{}"),
             RunInProgress: ("busy", EXIT_LOCKED, "Not run: {}. Wait for it to finish and run again."),
             NothingToReport: ("input_errors", EXIT_INPUT_ERRORS, "Nothing was built: {}"),
             QuarterRefused: ("usage", EXIT_USAGE, "Nothing was built. {}"),
             OutputLocked: ("locked", EXIT_LOCKED, "Nothing was changed: {} is open in another program or cannot be "
                                                   "written. Close it and run again.")}
    try:
        too_long = path_too_long(paths.outputs)
        if too_long:
            record.status, record.message = "path_too_long", too_long
            console.problem(too_long)
            return EXIT_MACHINE
        with RunLock(paths.outputs):
            for note in start_run(paths.outputs, record, log):  # what a killed run left is tidied first
                console.detail(note)
            return _run(args, paths, console, record, log, started)
    except tuple(known) as exc:
        status, code, words = next(v for k, v in known.items() if isinstance(exc, k))
        record.status, record.message = status, str(exc) if status != "locked" else f"cannot write {exc}"
        console.problem(words.format(exc))
        return code
    except BaseException as exc:
        fault = describe(exc, paths.outputs)
        if fault is None:
            record.status, record.exit_code = "failed", EXIT_BUG
            record.message = f"unexpected error: {type(exc).__name__}: {exc}"
            log.exception("run failed with an unexpected error")
            raise
        log.info("what the computer said: %s: %s", type(exc).__name__, exc)
        record.status, record.message = fault.status, fault.message
        console.problem(fault.message)
        return fault.code


def _finish(paths: Paths, record: RunRecord, log: logging.Logger) -> None:
    from pipeline.writing.runlog import write_last_run

    try:
        write_last_run(paths.outputs, record)
    except OSError as exc:
        log.error("could not write last-run.json: %s", exc)


def _tool_command(args: argparse.Namespace, paths: Paths, console: Console) -> int:
    """schedule and templates: no inputs read, no run recorded."""
    from pipeline.config.loading import ConfigError
    from pipeline.writing.faults import describe

    try:
        if args.command == "schedule":
            from pipeline.tools.schedule import instructions

            print(instructions(paths.home))
            return EXIT_OK
        return _templates(args, paths, console)
    except ConfigError as exc:
        console.problem(f"Configuration problem:\n{exc}")
        return EXIT_CONFIG
    except OSError as exc:
        fault = describe(exc, args.folder or paths.outputs)
        if fault is None:
            raise
        console.problem(fault.message)
        return fault.code


def _templates(args: argparse.Namespace, paths: Paths, console: Console) -> int:
    from pipeline.config.contract import load_contract
    from pipeline.tools.templates import write_templates

    folder = (args.folder or paths.outputs / "templates").resolve()
    written = write_templates(folder, load_contract(paths.schema("sources.yaml")))
    for intended, path in written.items():
        if path != intended:
            console.say(f"{intended} already exists, so it was left as it is and the new template was written "
                        f"as {path.name}.")
    console.result(f"Wrote {len(written)} blank templates to {folder}")
    return EXIT_OK


def _run(args: argparse.Namespace, paths: Paths, console: Console, record: RunRecord, log: logging.Logger,
         started: datetime) -> int:
    """The run, top to bottom: load the configuration, check the inputs, compute, publish, report."""
    from dataclasses import replace

    from pipeline.check import check_inputs
    from pipeline.compute import check_quarter, compute
    from pipeline.config.settings import load_config
    from pipeline.publish import publish

    today = args.today or started.date()
    if args.command == "run" and args.quarter is not None:
        check_quarter(args.quarter, today, args.draft)  # before anything is read
    config = load_config(paths)
    if args.demo:
        paths = _demo_inputs(paths, console)
    inputs = check_inputs(paths.inputs, config.contract, today, _progress(paths, console),
                          allowed={"commentary": {"ref": config.catalogue.refs}}, limits=config.settings.input_limits)
    console.end_progress()
    if args.command == "explain":
        return _explain(args, paths, config, inputs, console, record, today)
    if args.command == "validate" or (inputs.counts["error"] and not args.allow_errors):
        _report_inputs(args, paths, inputs, console, record, log, started)
        return _report_unbuilt(args.command, inputs, console, record)
    computed = compute(inputs, config, _stored_history(paths, args.demo), started, today, args.quarter, args.demo,
                       args.publish, args.checker, args.draft)
    inputs = replace(inputs, problems=computed.data.problems)  # the figures' problems too, for the report
    if args.command == "commentary":
        return _commentary(computed.data, paths, inputs, console, record, args.demo)
    outcome = publish(computed, inputs, paths, config, started, args.demo)
    _report_inputs(args, paths, inputs, console, record, log, started)
    return _report_built(outcome, inputs, console, record)


def _demo_inputs(paths: Paths, console: Console) -> Paths:
    """The bundled fictional returns, written to outputs/demo-inputs/ for the run to read."""
    from pipeline.paths import Paths
    from pipeline.tools.demo import write_demo_inputs

    demo_inputs = paths.outputs / "demo-inputs"
    write_demo_inputs(demo_inputs)
    console.say(f"Demo inputs written to {demo_inputs}")
    return Paths(paths.home, demo_inputs, paths.outputs, paths.given)


def _progress(paths: Paths, console: Console) -> Callable[[str], None]:
    """'Reading 3 of 9: SYP data.xlsx' as each file is read."""
    total = sum(1 for p in paths.inputs.rglob("*") if p.is_file()) if paths.inputs.is_dir() else 0
    seen = iter(range(1, total + 1))
    return lambda name: console.progress(next(seen, total), total, name)


def _stored_history(paths: Paths, demo: bool) -> Stored:
    """history.sqlite as it stands: refused, never replaced, if it is damaged or held."""
    from pipeline.writing.faults import check_history, history_errors
    from pipeline.writing.history_file import load_stored
    from pipeline.writing.locations import Locations

    where = Locations(paths.outputs, demo)
    check_history(where.history, where.archives)
    with history_errors(where.history, where.archives):
        return load_stored(where.history)


def _explain(args: argparse.Namespace, paths: Paths, config: Config, inputs: CheckedInputs, console: Console,
             record: RunRecord, today: date) -> int:
    """The rows behind one figure, from the inputs (and history, for quarters they no longer cover)."""
    from pipeline.compute import compute_figures
    from pipeline.quarters import label
    from pipeline.tools.explain import explain_lines

    if args.ref not in config.catalogue.refs:
        console.problem(f"There is no measure '{args.ref}' on the scorecard. Refs are: {', '.join(config.catalogue.refs)}.")
        record.status, record.message = "usage", f"unknown Ref {args.ref}"
        return EXIT_USAGE
    figures = compute_figures(inputs, config, _stored_history(paths, args.demo), args.quarter, today)
    for line in explain_lines(figures.merged.values, figures.merged.lineage, config.catalogue, figures.results.gaps,
                              args.ref, args.quarter):
        console.result(line)
    if inputs.counts["error"]:
        console.say(f"Note: {inputs.counts['error']} problem(s) in the inputs; rows with errors are not counted "
                    "(python -m pipeline validate lists them).")
    record.status, record.quarter = "explained", label(args.quarter)
    return EXIT_OK


def _commentary(data: ScorecardData, paths: Paths, inputs: CheckedInputs, console: Console, record: RunRecord,
                demo: bool) -> int:
    """The reporting quarter's commentary requests, one workbook per lead, and where they went."""
    from pipeline.quarters import label
    from pipeline.tools.commentary import write_requests
    from pipeline.writing.locations import Locations

    quarter = label(data.reporting)
    record.status, record.quarter = "requested", quarter
    requests = write_requests(data, Locations(paths.outputs, demo))
    if inputs.counts["warning"]:
        console.say(f"Note: {inputs.counts['warning']} warning(s) on the inputs (python -m pipeline validate lists "
                    "them).")
    if not requests:
        console.result(f"No measure needs commentary for {quarter} (none is Red, a special cause concern, restated "
                       "or incomplete), so no request was written.")
        return EXIT_OK
    for request in requests:
        console.say(f"{request.lead}: {request.measures} measure(s), {request.received} with a comment already "
                    f"received: {request.path.name}")
        if request.locked:
            console.say(f"  The usual file is open in Excel, so this one was saved as {request.path.name}.")
    console.result(f"Wrote {len(requests)} commentary request(s) for {quarter} to {requests[0].path.parent}. Send "
                   "each to its lead, and put the returned workbooks in the inputs folder.")
    return EXIT_LOCKED if any(request.locked for request in requests) else EXIT_OK


def _summary(inputs: CheckedInputs) -> str:
    counts = inputs.counts
    rows = sum(len(f) for f in inputs.staged.frames.values())
    return f"{len(inputs.files)} file(s), {rows:,} row(s) read: {counts['error']} error(s), {counts['warning']} warning(s)"


def _report_inputs(args: argparse.Namespace, paths: Paths, inputs: CheckedInputs, console: Console, record: RunRecord,
                   log: logging.Logger, started: datetime) -> None:
    """What the inputs held: the log's lines, the problems on the console, and the error report."""
    from pipeline import problems as pr
    from pipeline.publish import publish_error_report

    counts = inputs.counts
    record.files_read, record.rows_read, record.counts = len(inputs.files), sum(
        len(f) for f in inputs.staged.frames.values()), counts
    record.seconds = dict(inputs.clock.stages)
    for file in inputs.files:
        log.info("input %s sha256 %s (%d bytes)", file.name, file.sha256, file.size)
    logged = inputs.problems.loc[inputs.problems["severity"] != "info", "message"]
    for message in logged.iloc[:LOGGED_PROBLEMS]:
        log.warning(message)
    if len(logged) > LOGGED_PROBLEMS:  # the error report has them all
        log.warning("... and %d more problems, listed in the error report", len(logged) - LOGGED_PROBLEMS)
    shown = inputs.problems if args.verbose else inputs.problems[inputs.problems["severity"] != "info"]
    if len(shown):
        console.say(pr.console_table(shown))
    if len(inputs.problems):
        report = publish_error_report(inputs.problems, paths.outputs, started)
        record.error_report = str(report)
        console.say(f"{'Error report' if counts['error'] or counts['warning'] else 'Notes on rows and sheets skipped'}: {report}")


def _report_unbuilt(command: str, inputs: CheckedInputs, console: Console, record: RunRecord) -> int:
    """validate's last line, or why nothing was built."""
    counts = inputs.counts
    if command == "validate":
        record.status = "input_errors" if counts["error"] else "checked"
        console.result(f"Checked {_summary(inputs)}.")
        return EXIT_INPUT_ERRORS if counts["error"] else (EXIT_WARNINGS if counts["warning"] else EXIT_OK)
    record.status = "input_errors"
    console.result(f"Nothing was built: {_summary(inputs)}. Correct the cells listed (see the error report), "
                   "or run with --allow-errors to build without the failing rows.")
    return EXIT_INPUT_ERRORS


def _report_built(outcome: Outcome, inputs: CheckedInputs, console: Console, record: RunRecord) -> int:
    """Where everything went, and the run's last line."""
    from pipeline.quarters import label
    from pipeline.stages.quality import failed_count

    data = outcome.data
    record.quarter, record.workbook = label(data.reporting), str(outcome.workbook)
    built = f"Draft scorecard for {record.quarter}" if data.draft else f"Scorecard for {record.quarter}"
    record.archive, record.qa_record = str(outcome.archive or ""), str(outcome.qa_record or "")
    record.published, record.officer_checks = str(outcome.published or ""), str(outcome.officer_checks or "")
    console.say(f"Checks on the figures: {failed_count(data.expectations)} of {len(data.expectations)} "
                f"need a look (see Data quality in the officer's checks). QA record: {outcome.qa_record}")
    console.say(f"Officer's checks, not for circulation (data quality, sources, the rows behind each figure, the "
                f"charts' numbers): {outcome.officer_checks}")
    if outcome.published:
        console.say(f"Publishable copy: {outcome.published}")
    summary = _summary(inputs)
    if outcome.locked:
        record.status = "locked"
        record.message = "a workbook was open in Excel; the new one was saved under another name"
        console.result(f"{built} built, but the usual file is open in Excel, so it was saved as "
                       f"{' and '.join(str(p) for p in outcome.moved)}. {summary}.")
        return EXIT_LOCKED
    warned = inputs.counts["warning"] or inputs.counts["error"]
    record.status = "built_with_warnings" if warned else "built"
    ready = built if data.draft else f"{built}, to circulate"
    console.result(f"{ready}: {outcome.workbook} ({summary}; {console.seconds:.1f} s).")
    return EXIT_WARNINGS if warned else EXIT_OK
