"""Writing files so that a failure never leaves a half-written or lost file behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


class OutputLocked(Exception):
    """The target is open in another program (Excel locks the workbooks it has open)."""


def write_atomically(target: Path, write: Callable[[Path], None]) -> Path:
    """Write through `write(temp_path)` beside the target, then move it into place in one step.

    If the target is locked (open in Excel) the new file is kept under a clearly named
    alternative and OutputLocked is raised with its path, so the run's work is not lost.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix, dir=target.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        write(temp)
        try:
            os.replace(temp, target)
        except PermissionError:
            alternative = _alternative(target)
            os.replace(temp, alternative)
            raise OutputLocked(str(alternative)) from None
    finally:
        if temp.exists():
            temp.unlink()
    return target


def _alternative(target: Path) -> Path:
    for n in range(1, 1000):
        candidate = target.with_name(f"{target.stem} (new copy {n}){target.suffix}")
        if not candidate.exists():
            return candidate
    raise OutputLocked(f"{target} is locked and no alternative name is free")
