"""What the officer sees at the command line: progress on long work and a final summary."""

from __future__ import annotations

import sys
import time


class Console:
    """Quiet prints only the one-line result; verbose adds a line per file read."""

    def __init__(self, quiet: bool = False, verbose: bool = False) -> None:
        self.quiet, self.verbose = quiet, verbose
        self.live = sys.stderr.isatty() and not quiet
        self._started = time.perf_counter()
        self._progress_shown = False

    def say(self, text: str) -> None:
        if not self.quiet:
            print(text, flush=True)

    def detail(self, text: str) -> None:
        if self.verbose:
            print(text, flush=True)

    def result(self, text: str) -> None:
        """The last line: printed even when quiet, so a scheduled run leaves one line behind."""
        self.end_progress()
        print(text, flush=True)

    def problem(self, text: str) -> None:
        self.end_progress()
        print(text, file=sys.stderr, flush=True)

    def progress(self, done: int, total: int, name: str) -> None:
        """'Reading 3 of 9: SYP data.xlsx' on one updating line (or one line each when verbose)."""
        if self.verbose:
            print(f"Reading {done} of {total}: {name}", flush=True)
        elif self.live:
            line = f"\rReading {done} of {total}: {name}"[:100]
            print(line.ljust(100), end="", file=sys.stderr, flush=True)
            self._progress_shown = True

    def end_progress(self) -> None:
        if self._progress_shown:
            print("\r" + " " * 100 + "\r", end="", file=sys.stderr, flush=True)
            self._progress_shown = False

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self._started
