"""Keeping each built run's inputs, with their hashes, so any circulated workbook can be rebuilt."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pandas as pd

from pipeline.quarters import label
from pipeline.stages.discover import InputFile

# 'archive/Q2 2025-26/2026-11-22 070001 (2)/inputs/' is at most 50 characters: with names of at
# most 64, every archived file stays within paths.LONGEST_BELOW_OUTPUTS of the outputs folder.
NAME_LIMIT = 64


def archived_names(files: list[InputFile]) -> dict[str, str]:
    """Each input's name inside the archive: as in inputs/ when short enough, else shortened
    (the manifest keeps the name it had), so that no archived path is too long for Windows."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for n, file in enumerate(files, start=1):
        name = file.name
        if len(name) > NAME_LIMIT or name.lower() in taken:
            suffix = Path(name).suffix
            stem = Path(name).stem
            name = f"{stem[:NAME_LIMIT - len(suffix) - 6].rstrip(' .')} ({n}){suffix}"
        names[file.name] = name
        taken.add(name.lower())
    return names


def fill_archive(folder: Path, files: list[InputFile], schemas: list[Path], quarter: pd.Period, when: datetime,
                 workbook_name: str, history: Path | None = None) -> None:
    """Copy the inputs, the schema files used and the history as this run leaves it, with a
    manifest of names, sizes and SHA-256."""
    names = archived_names(files)
    for file in files:
        target = folder / "inputs" / names[file.name]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file.path, target)
    (folder / "schemas").mkdir(parents=True, exist_ok=True)
    for schema in schemas:
        shutil.copy2(schema, folder / "schemas" / schema.name)
    if history is not None and history.is_file():
        shutil.copy2(history, folder / "history.sqlite")
    manifest = {
        "quarter": label(quarter), "run": when.isoformat(timespec="seconds"), "workbook": workbook_name,
        "inputs": [{"file": f.name, "archived_as": names[f.name], "sha256": f.sha256, "size": f.size,
                    "modified": f.modified.isoformat(timespec="seconds")} for f in files],
        "rebuild": "python -m pipeline --inputs <this folder>/inputs --quarter \"" + label(quarter) + "\" (with these schemas copied into schemas/)",
        "history": "history.sqlite here is the history as this run left it: copy it to outputs/ to restore it",
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
