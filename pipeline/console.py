"""What the officer sees at the command line: progress on long work and a final summary.

Text from the inputs reaches the console, the log and the error report, so control characters in
it are shown escaped (an escape sequence in a cell could clear the screen or fake a line), and a
console that cannot show a character (cp1252 under Task Scheduler) gets a '?' instead of an error.
"""

from __future__ import annotations

import re
import sys
import time

# C0 and C1 controls (ESC starts terminal sequences; CSI is U+009B), and the invisible marks that
# reorder text on screen. Newlines and tabs are kept where a message is laid out in lines.
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
_IN_LINES = re.compile(f"[{_CONTROLS}]")
_IN_A_LINE = re.compile(f"[{_CONTROLS}\n\t]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, lines: bool = True) -> str:
    """The text with control characters written out as \\x1b (newlines and tabs kept if `lines`)."""
    if text.isprintable():
        return text
    return (_IN_LINES if lines else _IN_A_LINE).sub(_escaped, text)


def tolerate_any_console() -> None:
    """Never fail on a character the console's encoding lacks: show '?' in its place."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")


class Console:
    """Quiet prints only the one-line result; verbose adds a line per file read."""

    def __init__(self, quiet: bool = False, verbose: bool = False) -> None:
        self.quiet, self.verbose = quiet, verbose
        self.live = sys.stderr.isatty() and not quiet
        self._started = time.perf_counter()
        self._progress_shown = False

    def say(self, text: str) -> None:
        if not self.quiet:
            print(printable(text), flush=True)

    def detail(self, text: str) -> None:
        if self.verbose:
            print(printable(text), flush=True)

    def result(self, text: str) -> None:
        """The last line: printed even when quiet, so a scheduled run leaves one line behind."""
        self.end_progress()
        print(printable(text), flush=True)

    def problem(self, text: str) -> None:
        self.end_progress()
        print(printable(text), file=sys.stderr, flush=True)

    def progress(self, done: int, total: int, name: str) -> None:
        """'Reading 3 of 9: SYP data.xlsx' on one updating line (or one line each when verbose)."""
        name = printable(name, lines=False)
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
