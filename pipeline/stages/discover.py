"""Finding the files an officer dropped into inputs/, and fingerprinting them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from pipeline import problems as pr
from pipeline.writing.safe import retrying

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".csv"}
# Files people keep beside their returns: skipped quietly (an info line), not warned about.
QUIET_SUFFIXES = {".md", ".txt", ".ini", ".db", ".lnk", ".url", ".tmp"}


@dataclass(frozen=True)
class InputFile:
    path: Path
    name: str  # relative to the inputs folder, as the officer sees it
    size: int
    modified: datetime
    sha256: str
    copy_of: str = ""  # the earlier file with the same bytes: this one is listed, never read

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def discover_files(inputs: Path) -> tuple[list[InputFile], pd.DataFrame]:
    """Every spreadsheet under `inputs`, in a stable order, and notes on what was skipped.

    Subfolders are searched too (officers file returns by agency); hidden folders are not.
    A file with the same bytes as an earlier one (a return saved or copied twice) is kept in
    the list, marked as a copy, so that it is shown but never read: its rows would count twice.
    """
    found: list[InputFile] = []
    notes: list[dict[str, str]] = []
    by_hash: dict[str, str] = {}  # SHA-256 -> the first file with those bytes
    if not inputs.is_dir():
        notes.append(pr.problem("error", f"The inputs folder {inputs} does not exist.", check="no_inputs"))
        return found, pr.frame(notes)
    for path in sorted(inputs.rglob("*"), key=lambda p: str(p).lower()):
        rel = path.relative_to(inputs)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        name = rel.as_posix()
        if (skipped := _not_a_return(path, name)) is not None:
            notes.append(skipped)
            continue
        try:
            stat = path.stat()
            digest = retrying(lambda: sha256_of(path))  # a virus scanner may hold a new file for a moment
        except OSError as exc:
            notes.append(pr.problem(
                "warning", f"{name}: could not be opened ({exc.strerror}). If it is open in another program, close it and run again.",
                file=name, check="unreadable"))
            continue
        first = by_hash.setdefault(digest, name) if stat.st_size else name  # empty files are reported as empty
        first = "" if first == name else first
        if first:
            notes.append(pr.problem(
                "warning", f"{name}: not read; it is the same file as {first} (identical contents), so its rows "
                "would count twice. Take one of the two out of the inputs folder.",
                file=name, value=first, check="same_file"))
        found.append(InputFile(path, name, stat.st_size, datetime.fromtimestamp(stat.st_mtime), digest, first))
    return found, pr.frame(notes)


def _not_a_return(path: Path, name: str) -> dict[str, str] | None:
    """The note on a file that is not read at all: Excel's lock file, or not a spreadsheet."""
    if path.name.startswith("~$"):
        return pr.problem("info", f"{name}: skipped; it is Excel's lock file, which means that workbook is open "
                          "in Excel.", file=name, check="lock_file")
    suffix = path.suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        return None
    quiet = suffix in QUIET_SUFFIXES or path.name.lower() in {"thumbs.db", "desktop.ini"}
    return pr.problem("info" if quiet else "warning", f"{name}: skipped; only .xlsx, .xlsm, .xls and .csv files are "
                      "read.", file=name, check="not_spreadsheet")
