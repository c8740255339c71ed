"""The machine's faults, not the inputs': a full disk, a history database that is damaged or held
by another program, a file held open. Each becomes one line saying what happened and what to do,
a status for last-run.json and a documented exit code; the technical detail goes to the log.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline.vocabulary import Exit

_NO_ROOM = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_WINDOWS_NO_ROOM = {39, 112}  # ERROR_HANDLE_DISK_FULL, ERROR_DISK_FULL
_SQLITE_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED
_SQLITE_DAMAGED = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB
_SQLITE_FULL = 13
BUSY_SECONDS = 3  # how long to wait for another program to let go of the history before saying so


class HistoryUnusable(Exception):
    """The history database cannot be used as it is; `locked` says whether it is only held."""

    def __init__(self, message: str, locked: bool) -> None:
        super().__init__(message)
        self.locked = locked


@dataclass(frozen=True)
class Fault:
    status: str  # for last-run.json
    code: int
    message: str  # the one line the officer reads


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _no_room(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.Error):
        return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) == _SQLITE_FULL
    return isinstance(exc, OSError) and (exc.errno in _NO_ROOM or getattr(exc, "winerror", None) in _WINDOWS_NO_ROOM)


def describe(exc: BaseException, outputs: Path) -> Fault | None:
    """The fault behind `exc` in plain words, or None if it is not one of the machine's (a bug)."""
    for cause in _causes(exc):
        if isinstance(cause, HistoryUnusable):
            return Fault("locked" if cause.locked else "history_damaged", Exit.LOCKED if cause.locked else Exit.MACHINE,
                         str(cause))
        if _no_room(cause):
            return Fault("disk_full", Exit.MACHINE,
                         f"There is no room left to write to {outputs} (the disk, or your share of it, is full). "
                         "The run stopped and every earlier file was left as it was. Free some space and run again.")
    for cause in _causes(exc):
        if isinstance(cause, PermissionError):
            where = cause.filename or outputs
            return Fault("locked", Exit.LOCKED,
                         f"Nothing was changed: {where} is open in another program (Excel, or a program that "
                         "keeps copies such as OneDrive or a virus scanner) or cannot be written. Close it and "
                         "run again.")
    return None


def _sqlite_code(exc: sqlite3.Error) -> int:
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF


@contextmanager
def history_errors(db: Path, archive: Path) -> Iterator[None]:
    """Turn SQLite's errors about the history database into HistoryUnusable, in plain words."""
    try:
        yield
    except sqlite3.Error as exc:
        code = _sqlite_code(exc)
        if code in _SQLITE_BUSY:
            raise HistoryUnusable(
                f"The history database {db} is in use by another program (someone may have it open, for example "
                "in DB Browser for SQLite). Nothing was built. Close that program and run again.", locked=True) from exc
        if code in _SQLITE_DAMAGED:
            raise HistoryUnusable(damaged_message(db, archive), locked=False) from exc
        raise


def damaged_message(db: Path, archive: Path) -> str:
    copies = sorted(archive.glob("*/*/history.sqlite"), key=lambda p: p.stat().st_mtime) if archive.is_dir() else []
    restore = (f"copy the one the last built run kept in the archive, {copies[-1]}, over it" if copies
               else "put back a copy from a backup")
    return (f"The history database {db} is damaged, so nothing was built and it was left as it is. To carry on, "
            f"{restore}; or, to start the history again, move the damaged file out of {db.parent} (past quarters "
            "then need their inputs in inputs/ again).")


def check_history(db: Path, archive: Path) -> None:
    """Refuse a damaged history before it is read or copied: it is never silently replaced. Refuse
    one that another program is changing, too (others_kept_out)."""
    if not db.exists():
        return
    if db.stat().st_size == 0:  # SQLite takes it for a new database, but a run never leaves one empty: it was emptied
        raise HistoryUnusable(damaged_message(db, archive), locked=False)
    with history_errors(db, archive), closing(sqlite3.connect(db, timeout=BUSY_SECONDS)) as con:
        verdict = con.execute("PRAGMA quick_check").fetchone()
        if verdict is not None and verdict[0] == "ok":
            with others_kept_out(con):
                pass  # only to find out that no other program has changes under way
    if verdict is None or verdict[0] != "ok":
        raise HistoryUnusable(damaged_message(db, archive), locked=False)


@contextmanager
def others_kept_out(con: sqlite3.Connection) -> Iterator[None]:
    """No other program can change the history while the block runs; SQLite's 'database is locked'
    (after BUSY_SECONDS) if one has changes under way. Reading does not notice them (an edit in DB
    Browser before 'Write Changes'), but a run's new history replaces the file, and the changes that
    program saved afterwards would be lost with the file they went into."""
    con.execute("BEGIN IMMEDIATE")  # the write lock, which only one connection can hold
    try:
        yield
    finally:
        con.rollback()
