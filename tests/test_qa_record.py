"""The QA record (great-expectations' Data Docs) opens complete on a machine without internet access:
its pages fetch nothing and run no script, and in Chromium with every web address unreachable the
index lists the run's results with a link to them, and that page names each check, whether it
passed, and the measure and quarter of each failure, in plain words."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

from pipeline.quarters import label
from pipeline.stages.quality import check_expectations
from tests.conftest import demo_scorecard

pytestmark = pytest.mark.usefixtures("great_expectations")  # builds scorecards in this process

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "schemas" / "expectations.yaml"
CHECKS = [check["name"] for check in yaml.safe_load(SUITE.read_text(encoding="utf-8"))["expectations"]]
# great-expectations' own words, which an officer should not have to read.
JARGON = ("Batch Markers", "Batch Spec", "Batch Parameters", "pandas_data_fingerprint", "ge_load_time",
          "PandasDataFrame", "Expectation Suite", "Unsuccessful Expectations", "unexpected", "Data Docs",
          "df.filter", "Data asset")
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def browser() -> str:
    """Headless Chromium (Debian's `chromium`; .ci/run installs it). Missing, the test is skipped,
    except in CI, where it must be there."""
    found = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed: .ci/run installs Debian's chromium before the tests")
        pytest.skip("Chromium is not installed, so the QA record is not opened in a browser")
    return found


def opened(page: Path, profile: Path) -> str:
    """The page's document after Chromium has loaded it and run whatever it runs, with the network
    off: every web address goes to a proxy that does not answer (port 9 of this machine)."""
    done = subprocess.run(
        [browser(), "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", f"--user-data-dir={profile}",
         "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def shown(dom: str) -> str:
    """The text a reader sees: no styles, no tags, spaces collapsed."""
    dom = re.sub(r"<style>.*?</style>", " ", dom, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", dom).replace("&amp;", "&").split())


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, str, str]]]:
    """The demo's checks with two figures made wrong, their Data Docs written to a folder as a run
    keeps them; and the (check, measure, quarter) of each failure."""
    demo = demo_scorecard(tmp_path_factory.mktemp("qa"))
    figures = demo.rated.copy()
    wrong = [("4.9a", demo.quarters[1], -3.0), ("2.2", demo.quarters[2], 120.0)]
    for ref, quarter, value in wrong:
        figures.loc[figures["ref"].eq(ref) & figures["quarter"].eq(quarter), "value"] = value
    results, pages = check_expectations(figures, demo.scorecard, demo.alternatives, demo.quarters, SUITE, docs=True)
    failed = results[results["result"].eq("failed")]
    assert {(r, label(q)) for r, q, _ in wrong} <= set(zip(failed["measure"], failed["quarter"]))
    folder = tmp_path_factory.mktemp("qa record") / "Q2 2025-26" / "2026-11-22 090000"
    for name, content in pages.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    return folder, list(zip(failed["expectation"], failed["measure"], failed["quarter"]))


def test_the_record_is_its_pages_alone_and_they_fetch_nothing(record):
    folder, _ = record
    pages = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert pages[:2] == ["expectations/qa.html", "index.html"] and len(pages) == 3  # no fonts or logos beside them
    assert re.fullmatch(r"validations/qa/Q2 2025-26/[0-9T.]+Z/ce-figures\.html", pages[2])
    for name in pages:
        html = (folder / name).read_text(encoding="utf-8")
        assert "<script" not in html, name
        assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//|url\(""", html), name  # nothing from the web
        text = shown(html)
        assert not [word for word in JARGON if word in text], name


def test_offline_the_index_lists_the_results_and_their_page_names_every_check_and_failure(record, tmp_path):
    folder, failed = record
    index = opened(folder / "index.html", tmp_path / "profile")
    links = re.findall(r'<a href="(validations/[^"]+\.html)">', index)
    assert len(links) == 1, "the index lists no result (or more than one)"
    text = shown(index)
    assert "Results Result Checked at Quarter checked" in text and "Failed" in text and "Q2 2025-26" in text
    page = folder / unquote(links[0])
    assert page.is_file()
    results = opened(page, tmp_path / "profile")
    text = shown(results)
    assert "Result: Failed" in text and f"Checks run {len(CHECKS)}" in text
    for check in CHECKS:
        assert check in text, check
    assert text.count("Passed") >= len(CHECKS) - len({check for check, _, _ in failed})
    for check, measure, quarter in failed:
        row = re.search(re.escape(check) + r" \d+ failed: .*?(?= (?:Passed|Failed) |$)", text)
        assert row and f"{measure} {quarter}" in row[0], (check, measure, quarter)
    suite = shown(opened(folder / "expectations" / "qa.html", tmp_path / "profile"))
    assert all(check in suite for check in CHECKS) and "ce_scorecard_data_quality" in suite
