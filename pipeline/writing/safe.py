"""Writing files so that a failure, or a run killed at any moment, never leaves a half-written
or lost file behind, nor a stray copy of an input.

A single file (the error report, last-run.json) is written to a temporary file beside its
target and moved into place in one step. A build stages all its outputs in one folder,
outputs/staging/<run>/, and then commits them: it writes a manifest of the moves, makes them,
and deletes the manifest. The next run (or any command that takes the lock) finds what a killed
run left there: with no manifest the run died while writing, and its staged files are removed;
with a manifest it died while moving, and the moves are finished. Either way the outputs are the
earlier ones or the complete new set, never a mixture.

A lock file keeps two runs from writing at once; the operating system drops it if a run dies.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from filelock import FileLock, Timeout

T = TypeVar("T")

STAGING = "staging"  # outputs/staging/<run>/: everything a build writes, until it is committed
MANIFEST = "commit.json"
PARTIAL = ".partial-"  # the prefix of a single file being written beside its target
# A virus scanner, OneDrive or the search indexer holds a newly written file for a moment:
# try again over a few seconds before concluding that the file is open in Excel.
RETRY_DELAYS = (0.25, 0.5, 1.0, 2.0)
# Temporary names made by earlier versions (tempfile's 8 random characters after the name).
_OLD_TEMP = re.compile(r"^\..+-[a-z0-9_]{8}(\.[A-Za-z]+)?$")


class OutputLocked(Exception):
    """The target is open in another program (Excel locks the workbooks it has open)."""


class RunInProgress(Exception):
    """Another run holds the lock on this outputs folder."""


def retrying(action: Callable[[], T]) -> T:
    """`action()`, tried again while it meets a PermissionError, for a few seconds in all."""
    for delay in RETRY_DELAYS:
        try:
            return action()
        except PermissionError:
            time.sleep(delay)
    return action()


def _temp_beside(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f"{PARTIAL}{target.stem}-", suffix=target.suffix, dir=target.parent)
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
        retrying(lambda: os.replace(temp, target))
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
class StagedOutputs:
    """A build's outputs, written under outputs/staging/<run>/ and moved into place together."""

    outputs: Path
    run: str = field(default_factory=lambda: f"{datetime.now():%Y-%m-%d %H%M%S}")
    pending: list[tuple[Path, Path, bool]] = field(default_factory=list)  # (staged, target, may use another name)
    placed: dict[Path, Path] = field(default_factory=dict)  # target -> where it ended up
    resumed: bool = False  # finishing a killed run's commit: its manifest stays until the moves are made

    def __post_init__(self) -> None:
        self.folder = unused_folder(self.outputs / STAGING / self.run)

    def _next(self, suffix: str = "") -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / f"{len(self.pending) + 1}{suffix}"

    def add(self, target: Path, write: Callable[[Path], None], fallback: bool = False) -> None:
        staged = self._next(target.suffix)
        self.pending.append((staged, target, fallback))
        write(staged)

    def add_folder(self, target: Path, fill: Callable[[Path], T]) -> T:
        """A new folder, filled in the staging folder and moved into place on commit; returns
        what `fill` returns."""
        staged = self._next()
        staged.mkdir()
        self.pending.append((staged, target, False))
        return fill(staged)

    def current(self, target: Path) -> Path:
        """Where the target's newest content is: its staged copy if one waits, else the target."""
        return next((staged for staged, intended, _ in self.pending if intended == target), target)

    def commit(self) -> dict[Path, Path]:
        """Move every staged output into place (a locked workbook goes under another name).

        The manifest is written first, so that a run killed while moving is finished by the next;
        a move that fails puts back what was moved, so the earlier outputs stay as they were.
        """
        moves = [{"staged": staged.name, "target": os.path.relpath(target, self.outputs), "fallback": fallback}
                 for staged, target, fallback in self.pending]
        manifest = self.folder / MANIFEST
        text = json.dumps({"run": self.run, "moves": moves}, indent=1, ensure_ascii=False)
        write_atomically(manifest, lambda p: p.write_text(text, encoding="utf-8"))
        done: list[tuple[Path, Path, Path | None]] = []  # (staged, placed, the earlier file kept aside)
        try:
            for staged, target, fallback in self.pending:
                done.append(_place(staged, target, fallback))
                self.placed[target] = done[-1][1]
        except BaseException:
            for staged, placed, earlier in reversed(done):
                os.replace(placed, staged)
                if earlier is not None:
                    os.replace(earlier, placed)
            if not self.resumed:
                manifest.unlink()
            raise
        self.pending.clear()
        manifest.unlink()
        _remove(self.folder)
        return self.placed

    def discard(self) -> None:
        self.pending.clear()
        _remove(self.folder)


def _place(staged: Path, target: Path, fallback: bool) -> tuple[Path, Path, Path | None]:
    """Move a staged output to its target, keeping the earlier file aside in the staging folder
    until the commit is done; a locked target is left alone and, with `fallback`, the new file
    takes another name."""
    earlier = None
    if staged.is_dir():
        target = unused_folder(target)
    elif target.exists():
        earlier = staged.with_name(f"{staged.name}.earlier")
        try:
            retrying(lambda: os.replace(target, earlier))
        except PermissionError:
            if not fallback:
                raise
            target, earlier = alternative_name(target), None
    target.parent.mkdir(parents=True, exist_ok=True)
    retrying(lambda: os.replace(staged, target))
    return staged, target, earlier


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    try:
        folder.parent.rmdir()  # outputs/staging itself, once no run uses it
    except OSError:
        pass


def _count_files(path: Path) -> int:
    return sum(1 for p in path.rglob("*") if p.is_file()) if path.is_dir() else int(path.exists())


def recover(outputs: Path) -> list[str]:
    """Finish or undo what a killed run left in outputs/: one line for the log per thing done.

    Called with the run lock held, so no other run can be using what it finds.
    """
    notes: list[str] = []
    staging = outputs / STAGING
    for folder in sorted(staging.iterdir()) if staging.is_dir() else []:
        manifest = folder / MANIFEST
        if manifest.is_file():
            notes += _finish_commit(outputs, folder, json.loads(manifest.read_text(encoding="utf-8")))
        elif left := _count_files(folder):
            copies = sum(_count_files(inputs) for inputs in folder.glob("*/inputs"))
            notes.append(f"removed the staged files of a run that was stopped before it finished "
                         f"({folder.relative_to(outputs)}: {left} file(s), {copies} of them copies of input files)")
        _remove(folder)
    for leftover in _old_temporaries(outputs):
        notes.append(f"removed a partly written file left by a run that was stopped: {leftover.relative_to(outputs)} "
                     f"({_count_files(leftover)} file(s))")
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
    return notes


def _finish_commit(outputs: Path, folder: Path, manifest: dict) -> list[str]:
    """The moves a killed run had not made yet, made now: its outputs become the complete set."""
    staged = StagedOutputs(outputs, manifest["run"], resumed=True)
    staged.folder = folder
    staged.pending = [(folder / move["staged"], outputs / move["target"], move["fallback"])
                      for move in manifest["moves"] if (folder / move["staged"]).exists()]
    placed = staged.commit()
    return [f"finished moving into place the outputs of a run that was stopped while doing so: "
            f"{where.relative_to(outputs)}" for where in placed.values()]


def _old_temporaries(outputs: Path) -> list[Path]:
    """Partly written files, and the hidden staging folders of earlier versions, in the folders
    where runs write (outputs/, its reports and logs, each quarter's archive and QA record)."""
    places = [outputs, outputs / "error reports", outputs / "logs"]
    for parent in ("archive", "qa record"):
        places += [q for q in (outputs / parent).iterdir() if q.is_dir()] if (outputs / parent).is_dir() else []
    found = []
    for place in places:
        for path in place.iterdir() if place.is_dir() else []:
            if path.name.startswith(PARTIAL) or _OLD_TEMP.match(path.name):
                found.append(path)
    return found


class RunLock:
    """Held for the whole run; a second run on the same outputs folder is refused."""

    def __init__(self, outputs: Path) -> None:
        self.path = outputs / ".pipeline.lock"
        self.lock = FileLock(str(self.path), timeout=0)

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.lock.acquire()
        except Timeout:
            raise RunInProgress(f"another run is using {self.path.parent} (lock file {self.path.name})") from None
        return self

    def __exit__(self, *exc: object) -> None:
        self.lock.release()
