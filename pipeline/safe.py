"""Writing files so that a failure never leaves a half-written or lost file behind.

Every output is written to a temporary file beside its target and moved into place in one
step. A run stages all its outputs first and moves them only once everything has worked,
so a run that fails leaves every earlier file as it was. A lock file held open by the run
keeps two runs from writing at once; the operating system drops it if a run dies.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

try:  # Windows
    import msvcrt
except ImportError:  # everywhere else
    msvcrt = None
    import fcntl


class OutputLocked(Exception):
    """The target is open in another program (Excel locks the workbooks it has open)."""


class RunInProgress(Exception):
    """Another run holds the lock on this outputs folder."""


def _temp_beside(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix, dir=target.parent)
    os.close(handle)
    return Path(name)


def unused_folder(folder: Path) -> Path:
    """The folder, or 'folder (2)', '(3)'... if a run in the same second already made it."""
    candidate, n = folder, 1
    while candidate.exists():
        n += 1
        candidate = folder.with_name(f"{folder.name} ({n})")
    return candidate


def alternative_name(target: Path) -> Path:
    """'CE scorecard Q2 2025-26 (new copy 1).xlsx': clearly not the one open in Excel."""
    for n in range(1, 1000):
        candidate = target.with_name(f"{target.stem} (new copy {n}){target.suffix}")
        if not candidate.exists():
            return candidate
    raise OutputLocked(f"{target} is locked and no alternative name is free")


def _move(temp: Path, target: Path, fallback: bool) -> Path:
    try:
        os.replace(temp, target)
        return target
    except PermissionError:
        if not fallback:
            raise
        alternative = alternative_name(target)
        os.replace(temp, alternative)
        return alternative


def write_atomically(target: Path, write: Callable[[Path], None]) -> Path:
    """Write through `write(temp_path)`, then move into place.

    If the target is locked (open in Excel) the new file is kept under a clearly named
    alternative and OutputLocked is raised with its path, so the run's work is not lost.
    """
    temp = _temp_beside(target)
    try:
        write(temp)
        placed = _move(temp, target, fallback=True)
    finally:
        if temp.exists():
            temp.unlink()
    if placed != target:
        raise OutputLocked(str(placed))
    return target


@dataclass
class Staged:
    """Outputs written to temporary files, waiting to be moved into place together."""

    pending: list[tuple[Path, Path, bool]] = field(default_factory=list)  # (temp, target, may use another name)
    placed: dict[Path, Path] = field(default_factory=dict)  # target -> where it ended up

    def add(self, target: Path, write: Callable[[Path], None], fallback: bool = False) -> None:
        temp = _temp_beside(target)
        self.pending.append((temp, target, fallback))
        write(temp)

    def add_folder(self, target: Path, fill: Callable[[Path], T]) -> T:
        """A new folder, filled under a temporary name and renamed into place on commit; returns
        what `fill` returns."""
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        self.pending.append((temp, target, False))
        return fill(temp)

    def commit(self) -> dict[Path, Path]:
        """Move every staged file into place (a locked workbook goes under another name)."""
        for temp, target, fallback in self.pending:
            self.placed[target] = _move(temp, target, fallback)
        self.pending.clear()
        return self.placed

    def discard(self) -> None:
        for temp, _, _ in self.pending:
            if temp.is_dir():
                shutil.rmtree(temp, ignore_errors=True)
            elif temp.exists():
                temp.unlink()
        self.pending.clear()


class RunLock:
    """Held for the whole run; a second run on the same outputs folder is refused."""

    def __init__(self, outputs: Path) -> None:
        self.path = outputs / ".pipeline.lock"
        self.handle = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 - held open for the run
        try:
            if msvcrt is not None:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise RunInProgress(f"another run is using {self.path.parent} (lock file {self.path.name})") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {datetime.now():%Y-%m-%d %H:%M:%S}\n")
        handle.flush()
        self.handle = handle
        return self

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            if msvcrt is not None:
                try:
                    self.handle.seek(0)
                    msvcrt.locking(self.handle.fileno(), msvcrt.LK_UNLCK, 1)
                except OSError:
                    pass
            self.handle.close()  # the file stays: removing it would let two runs race for a new one
            self.handle = None
