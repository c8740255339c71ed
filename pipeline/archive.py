"""Keeping each built run's inputs, with their hashes, so any circulated workbook can be rebuilt."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pandas as pd

from pipeline.discover import InputFile
from pipeline.quarters import file_label, label
from pipeline.safe import unused_folder


def archive_folder(outputs: Path, quarter: pd.Period, when: datetime) -> Path:
    return unused_folder(outputs / "archive" / file_label(quarter) / f"{when:%Y-%m-%d %H%M%S}")


def fill_archive(folder: Path, files: list[InputFile], schemas: list[Path], quarter: pd.Period, when: datetime,
                 workbook_name: str) -> None:
    """Copy the inputs and the schema files used, with a manifest of names, sizes and SHA-256."""
    for file in files:
        target = folder / "inputs" / file.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file.path, target)
    (folder / "schemas").mkdir(parents=True, exist_ok=True)
    for schema in schemas:
        shutil.copy2(schema, folder / "schemas" / schema.name)
    manifest = {
        "quarter": label(quarter), "run": when.isoformat(timespec="seconds"), "workbook": workbook_name,
        "inputs": [{"file": f.name, "sha256": f.sha256, "size": f.size, "modified": f.modified.isoformat(timespec="seconds")}
                   for f in files],
        "rebuild": "python -m pipeline --inputs <this folder>/inputs --quarter \"" + label(quarter) + "\" (with these schemas copied into schemas/)",
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
