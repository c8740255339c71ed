"""What a build produces, captured so that a change meant to leave behaviour alone can prove it.

Two builds are captured: the demo (with its publishable copy) and the real public sample files
(Annex A and an SSDA903 missing table). For every workbook written, every sheet's cell values,
number formats, comments, merged ranges, conditional formats, print settings and charts; and
every line the run printed. Times of the run and of the files (which differ from run to run)
and the temporary folders are replaced by placeholders.

`python -m tests.snapshot --update` writes tests/snapshots/*.json.gz from the code as it is.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import re
import shutil
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = ROOT / "tests" / "snapshots"
TODAY = "2026-11-22"
BUILDS = {
    "demo": ["--demo", "--publish"],
    "realdata": [],
}
_RUN_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{6}(?: \(\d+\))?")
_CLOCK = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}")
_SECONDS = re.compile(r"\d+\.\d s\)")
RECENT = datetime(2026, 11, 1)  # later datetimes are the run's own time or a file's: they change every run


def _text(value: str, outputs: Path) -> str:
    value = value.replace(str(outputs), "<outputs>")
    value = _RUN_TIME.sub("<run time>", value)
    value = _SECONDS.sub("<seconds>)", value)
    return _CLOCK.sub("<clock>", value)


def _value(value: object, outputs: Path) -> object:
    if isinstance(value, datetime):
        return "<now>" if value >= RECENT else value.isoformat()
    if isinstance(value, str):
        return _text(value, outputs)
    return value


def _rules(sheet) -> list:
    out = []
    for ranges, rules in sheet.conditional_formatting._cf_rules.items():
        for rule in rules:
            fill = rule.dxf.fill if rule.dxf is not None else None
            font = rule.dxf.font if rule.dxf is not None else None
            out.append([str(ranges.sqref), rule.type, rule.operator, list(rule.formula or []), rule.text,
                        fill.fgColor.rgb if fill is not None and fill.fgColor is not None else None,
                        fill.bgColor.rgb if fill is not None and fill.bgColor is not None else None,
                        font.color.rgb if font is not None and font.color is not None else None,
                        bool(font.b) if font is not None else None])
    return sorted(out, key=json.dumps)


def _sheet(sheet, outputs: Path) -> dict:
    cells = []
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None and cell.number_format == "General" and cell.comment is None:
                continue
            cells.append([cell.coordinate, _value(cell.value, outputs), cell.number_format,
                          _text(cell.comment.text, outputs) if cell.comment else None])
    setup = sheet.page_setup
    return {
        "cells": cells,
        "merged": sorted(str(r) for r in sheet.merged_cells.ranges),
        "conditional": _rules(sheet),
        "print": [setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight, sheet.print_area,
                  _text(sheet.oddHeader.left.text or "", outputs), _text(sheet.oddHeader.center.text or "", outputs),
                  _text(sheet.oddHeader.right.text or "", outputs), _text(sheet.oddFooter.left.text or "", outputs),
                  _text(sheet.oddFooter.center.text or "", outputs), _text(sheet.oddFooter.right.text or "", outputs),
                  sheet.sheet_state, str(sheet.freeze_panes)],
        "columns": sorted([k, d.width, bool(d.hidden)] for k, d in sheet.column_dimensions.items()),
    }


def _charts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as package:
        return [re.sub(r">\s+<", "><", package.read(name).decode("utf-8"))
                for name in sorted(package.namelist()) if name.startswith("xl/charts/chart")]


def workbook(path: Path, outputs: Path) -> dict:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl does not keep sparklines; their cells are captured
        book = openpyxl.load_workbook(path)
    return {"sheets": {sheet.title: _sheet(sheet, outputs) for sheet in book.worksheets}, "charts": _charts(path)}


def build(kind: str, folder: Path) -> dict:
    """Run one build into `folder` and capture everything it produced."""
    from pipeline.cli import main

    outputs = folder / "outputs"
    args = ["--outputs", str(outputs), "--today", TODAY, *BUILDS[kind]]
    if kind == "realdata":
        inputs = folder / "inputs"
        inputs.mkdir(parents=True)
        shutil.copy(ROOT / "tests" / "realdata" / "annex_a" / "Annex_A_sample_liia-tools.xlsx", inputs)
        shutil.copy(ROOT / "tests" / "realdata" / "ssda903_missing_fake_d2i.csv", inputs)
        args += ["--inputs", str(inputs)]
    said = io.StringIO()
    with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
        code = main(args)
    books = sorted(p for p in outputs.rglob("*.xlsx") if "demo-inputs" not in p.parts and "archive" not in p.parts)
    return {"exit code": code, "said": [_text(line, outputs) for line in said.getvalue().splitlines()],
            "workbooks": {_text(str(p.relative_to(outputs)), outputs): workbook(p, outputs) for p in books}}


def path_of(kind: str) -> Path:
    return SNAPSHOTS / f"{kind}.json.gz"


def load(kind: str) -> dict:
    with gzip.open(path_of(kind), "rt", encoding="utf-8") as handle:
        return json.load(handle)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="write tests/snapshots/ from the code as it is")
    if not parser.parse_args().update:
        parser.error("say --update to write the snapshots")
    SNAPSHOTS.mkdir(exist_ok=True)
    for kind in BUILDS:
        with tempfile.TemporaryDirectory() as folder:
            captured = build(kind, Path(folder))
        with gzip.GzipFile(path_of(kind), "wb", mtime=0) as handle:
            handle.write(json.dumps(captured, indent=0, sort_keys=True, default=str).encode("utf-8"))
        print(f"{path_of(kind).relative_to(ROOT)}: {len(captured['workbooks'])} workbooks")


if __name__ == "__main__":
    main()
