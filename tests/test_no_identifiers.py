"""No child identifier leaves the inputs: every output is scanned for every identifier in the demo."""

from __future__ import annotations

import re
import sqlite3
import zipfile
from contextlib import closing
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline.cli import main
from tests.conftest import TODAY

pytestmark = pytest.mark.usefixtures("great_expectations")  # builds scorecards in this process

# Headings under which the demo inputs hold identifiers (children's references, names, dates of birth).
IDENTIFYING = {"child reference", "child unique id", "child", "date of birth",
               "child's first name (for redaction only)", "family members' names (for redaction only)",
               "worker's name (for redaction only)", "allocated worker"}
# Copies of the inputs themselves, which hold identifiers by design (see the README's personal data section).
INPUT_COPIES = {"demo-inputs", "archive"}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    outputs = tmp_path_factory.mktemp("outputs")
    assert main(["--demo", "--publish", "--outputs", str(outputs), "--today", TODAY.isoformat(), "--quiet"]) == 0
    return outputs


def identifiers(inputs: Path) -> set[str]:
    """Read independently of the pipeline: every value under an identifying heading."""
    found: set[str] = set()

    def take(heading: object, value: object) -> None:
        if value is None or str(heading).strip().lower() not in IDENTIFYING:
            return
        if isinstance(value, datetime):
            if value < datetime(2023, 10, 1):  # dates of birth; later dates also occur as event dates
                found.update({value.strftime("%d/%m/%Y"), value.strftime("%Y-%m-%d")})
            return
        for part in re.split(r"[,;]", str(value)):
            if len(part.strip()) >= 3:
                found.add(part.strip())

    for path in inputs.iterdir():
        if path.suffix == ".csv":
            frame = pd.read_csv(path, encoding="cp1252", dtype=str)
            for heading in frame.columns:
                for value in frame[heading].dropna():
                    take(heading, value)
            continue
        for sheet in openpyxl.load_workbook(path, read_only=True).worksheets:
            rows = list(sheet.iter_rows(values_only=True))
            head = next((i for i, r in enumerate(rows) if r and any(str(c).strip().lower() in IDENTIFYING for c in r if c)), None)
            if head is None:
                continue
            for row in rows[head + 1:]:
                for heading, value in zip(rows[head], row):
                    take(heading, value)
    return found


def output_texts(outputs: Path) -> dict[Path, str]:
    """Every output's text: workbook cells and their XML (comments, charts), logs, JSON, HTML, SQLite."""
    texts = {}
    for path in outputs.rglob("*"):
        if not path.is_file() or INPUT_COPIES & set(path.relative_to(outputs).parts):
            continue
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                texts[path] = " ".join(archive.read(n).decode("utf-8", "ignore") for n in archive.namelist())
        elif path.suffix == ".sqlite":
            with closing(sqlite3.connect(path)) as con:
                tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
                texts[path] = " ".join(str(row) for t in tables for row in con.execute(f"SELECT * FROM {t}"))
        else:
            texts[path] = path.read_bytes().decode("utf-8", "ignore")
    return texts


def test_the_demo_inputs_do_hold_identifiers(run):
    found = identifiers(run / "demo-inputs")
    assert sum(1 for v in found if v.startswith("CE")) > 300  # Evolve, social care and referral children
    assert any(re.fullmatch(r"\d{6,8}", v) for v in found)  # Annex A child IDs
    assert any(re.fullmatch(r"\d{2}/\d{2}/\d{4}", v) for v in found)  # dates of birth
    assert any(v.isalpha() for v in found)  # first names used for redaction


def leaks(found: set[str], texts: dict[Path, str]) -> list[tuple[str, str]]:
    token = re.compile(r"\w+(?:[/-]\w+)*")
    out = []
    for path, text in texts.items():
        tokens = set(token.findall(text))
        for value in found:
            if " " in value:  # a name of several words: look for it whole
                if re.search(rf"(?<![\w]){re.escape(value)}(?![\w])", text):
                    out.append((value, path.name))
            elif value in tokens:
                out.append((value, path.name))
    return out


def test_no_output_contains_any_identifier(run):
    texts = output_texts(run)
    assert any(p.suffix == ".xlsx" for p in texts) and any(p.name == "pipeline.log" for p in texts)
    assert any("PUBLISHABLE" in p.name for p in texts) and any(p.suffix == ".html" for p in texts)  # Data Docs
    assert any(p.name.endswith("(officer checks).xlsx") for p in texts)  # the rows behind each figure, by number only
    assert leaks(identifiers(run / "demo-inputs"), texts) == []


def test_the_scan_would_catch_a_leak(run):
    found = identifiers(run / "demo-inputs")
    child = sorted(v for v in found if v.startswith("CE"))[0]
    planted = {Path("pipeline.log"): f"row 12 has {child}; expected"}
    assert leaks(found, planted) == [(child, "pipeline.log")]
