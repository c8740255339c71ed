"""The one line that registers the quarterly Windows scheduled task."""

from __future__ import annotations

import sys
from pathlib import Path

TASK_NAME = "CE scorecard"


def schtasks_command(home: Path, python: str | None = None, day: int = 10, time: str = "07:00") -> str:
    """A quarterly task: the 10th of January, April, July and October, in the project folder.

    Task Scheduler starts programs in C:\\Windows\\System32, so the project folder is passed
    with --home rather than left to the working directory.
    """
    python = python or sys.executable
    run = f'\\"{python}\\" -m pipeline --home \\"{home}\\" --quiet'
    return (f'schtasks /Create /F /TN "{TASK_NAME}" /SC MONTHLY /M JAN,APR,JUL,OCT /D {day} /ST {time} '
            f'/TR "{run}"')


def instructions(home: Path, python: str | None = None) -> str:
    command = schtasks_command(home, python)
    return "\n".join([
        "To build the scorecard automatically each quarter (10th of Jan, Apr, Jul and Oct at 07:00),",
        "run this once in a Command Prompt (as the user whose files it reads):",
        "",
        command,
        "",
        "How a failure shows up:",
        f"  - {home / 'outputs' / 'last-run.json'} says what happened (status, exit code, workbook, counts);",
        f"  - {home / 'outputs' / 'logs' / 'pipeline.log'} has every run's details;",
        "  - Task Scheduler's 'Last Run Result' shows the exit code: 0x0 done, 0x3 done with warnings,",
        "    0x4 input errors (nothing built), 0x5 configuration error, 0x6 output locked or run in progress,",
        "    0x7 the computer could not do it (disk full, damaged history, path too long), 0x1 unexpected error.",
        f'To remove the task: schtasks /Delete /TN "{TASK_NAME}" /F',
    ])
