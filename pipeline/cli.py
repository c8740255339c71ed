"""The command line: `python -m pipeline [run|validate|templates] [options]`.

Known problems end with one clear line and a documented exit code; only a real bug shows
a traceback.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path

EXIT_OK = 0
EXIT_BUG = 1  # Python's own code for an unexpected error (a traceback is shown)
EXIT_USAGE = 2  # the command line itself was wrong
EXIT_WARNINGS = 3  # built, but with warnings worth reading
EXIT_INPUT_ERRORS = 4  # the inputs have errors: nothing was built
EXIT_CONFIG = 5  # a configuration file (schemas/*.yaml) is wrong
EXIT_LOCKED = 6  # the output is open in Excel, or another run is in progress

EXIT_CODES_HELP = """exit codes:
  0  done, no problems
  1  unexpected error (a bug: please report it with the text shown)
  2  the command line was wrong
  3  done, with warnings (see the summary and the error report)
  4  the inputs have errors: nothing was built (see the error report)
  5  a configuration file in schemas/ is wrong
  6  the output is locked (open in Excel) or another run is in progress
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Build the Child Exploitation Delivery Group's quarterly scorecard from the agencies' returns.",
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", default="run", choices=["run", "validate", "templates"],
                        help="run (default): check the inputs and build the scorecard; validate: check the "
                             "inputs only; templates: write blank return templates")
    parser.add_argument("folder", nargs="?", type=Path, help="for 'templates': the folder to write them to")
    parser.add_argument("--demo", action="store_true",
                        help="use the bundled demo inputs (also written to outputs/demo-inputs/)")
    parser.add_argument("--inputs", type=Path, help="folder of input files (default: inputs/)")
    parser.add_argument("--outputs", type=Path, help="folder for the scorecard and reports (default: outputs/)")
    parser.add_argument("--home", type=Path, help="the project folder (default: found from the working folder)")
    parser.add_argument("--allow-errors", action="store_true",
                        help="build even when some rows have errors (those rows are left out and flagged)")
    parser.add_argument("--quarter", type=_quarter, metavar='"Q3 2024/25"',
                        help="the quarter to report (default: the latest complete quarter that has data)")
    parser.add_argument("--today", type=date.fromisoformat, help=argparse.SUPPRESS)
    return parser


def _quarter(text: str):
    from pipeline.quarters import parse_label

    try:
        return parse_label(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from pipeline.config import ConfigError

    try:
        return _dispatch(args)
    except ConfigError as exc:
        print(f"Configuration problem, nothing was built:\n{exc}", file=sys.stderr)
        return EXIT_CONFIG


def _dispatch(args: argparse.Namespace) -> int:
    from pipeline import problems as pr
    from pipeline.paths import Paths
    from pipeline.report import write_error_report
    from pipeline.run import NothingToReport, build_scorecard, check_inputs
    from pipeline.settings import load_config

    paths = Paths.resolve(args.home, args.inputs, args.outputs)
    config = load_config(paths)
    if args.command == "templates":
        from pipeline.templates import write_templates

        folder = (args.folder or paths.outputs / "templates").resolve()
        written = write_templates(folder, config.contract)
        print(f"Wrote {len(written)} blank templates to {folder}")
        return EXIT_OK
    if args.demo:
        from pipeline.demo import write_demo_inputs

        demo_inputs = paths.outputs / "demo-inputs"
        write_demo_inputs(demo_inputs)
        paths = Paths(paths.home, demo_inputs, paths.outputs)
        print(f"Demo inputs written to {demo_inputs}")
    started = datetime.now()
    today = args.today or started.date()
    if args.command == "validate":
        inputs = check_inputs(paths.inputs, config.contract, today, allowed={"commentary": {"ref": config.catalogue.refs}})
        outcome = None
    else:
        try:
            outcome = build_scorecard(paths, config, started, today, args.quarter, args.allow_errors, args.demo)
        except NothingToReport as exc:
            print(f"Nothing was built: {exc}")
            return EXIT_INPUT_ERRORS
        inputs = outcome.checked
    counts = inputs.counts
    rows = sum(len(f) for f in inputs.staged.frames.values())
    print(f"Read {len(inputs.files)} file(s), {rows:,} row(s): {counts['error']} error(s), {counts['warning']} warning(s).")
    shown = inputs.problems[inputs.problems["severity"] != "info"]
    if len(shown):
        print(pr.console_table(shown))
    if len(inputs.problems):
        report = write_error_report(inputs.problems, paths.outputs, started)
        print(f"{'Error report' if len(shown) else 'Notes on rows and sheets skipped'}: {report}")
    if counts["error"] and (outcome is None or outcome.data is None):
        if args.command != "validate":
            print("Inputs have errors: nothing was built. Correct the cells listed above, or run with "
                  "--allow-errors to build without the failing rows.")
        return EXIT_INPUT_ERRORS
    if outcome is not None and outcome.workbook:
        if outcome.locked:
            print(f"The scorecard is open in Excel, so it was saved as {outcome.workbook}")
            return EXIT_LOCKED
        from pipeline.quarters import label

        print(f"Scorecard for {label(outcome.data.reporting)} written to {outcome.workbook}")
    return EXIT_WARNINGS if counts["warning"] or counts["error"] else EXIT_OK
