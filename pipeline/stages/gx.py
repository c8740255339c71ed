"""great-expectations, in one place: a frame of figures and a list of expectations in; which rows
each found wrong, and the Data Docs, out.

Everything else in the pipeline speaks of expectations as plain data (`Expectation`), so a
change of great-expectations' API is a change to this module alone (and to pipeline.stages.gx_docs,
which lays out its pages). It runs in an ephemeral context (nothing is written under the working
folder), offline and quietly; the Data Docs are written to a temporary folder and handed back as
files, for the run to keep with its outputs.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import pandas as pd

DOCS_SITE = "qa_record"
# Data Docs name their pages validations/<suite>/<run>/<time>/<source>-<asset>.html: short names
# keep every page within paths.LONGEST_BELOW_OUTPUTS of the outputs folder (the suite's own name
# from expectations.yaml is shown as its notes).
DOCS_SUITE, DOCS_SOURCE, DOCS_ASSET = "qa", "ce", "figures"
DOCS_VIEWS = "pipeline.stages.gx_docs"  # the page views great-expectations loads by name
# great-expectations copies its fonts, logos and styles (4 MB) beside the pages; the offline pages
# use none of them (their styles are written into each page), so the record keeps only the pages.
DOCS_ASSETS = "static/"

Test = Literal["in_set", "between", "not_more_than"]


@dataclass(frozen=True)
class Expectation:
    """One expectation on the frame's columns, as data.

    in_set: `column` holds only `value_set`; between: `column` lies within `min_value`/`max_value`
    (`strict_min`, `strict_max`); not_more_than: `column` is not more than `limit` (a column).
    """

    number: int  # its place in the suite (results are keyed by it)
    test: Test
    options: dict[str, Any]
    description: str
    notes: str
    kind: str  # the suite's own kind of check (completeness, range, ...), kept in the Data Docs
    meta: dict[str, Any] = field(default_factory=dict)


Wrong = dict[int, set[tuple[str, str]]]  # check number -> the (Ref, quarter) rows it found wrong


@contextmanager
def _quiet() -> Iterator[None]:
    """great-expectations' log lines, warnings, progress bars and prints stay off the officer's
    console: its loggers go to a null handler at ERROR, and anything it writes is discarded."""
    family = logging.getLogger("great_expectations")
    loggers = [family] + [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
                          if name.startswith("great_expectations.")]
    levels = [(logger, logger.level) for logger in loggers]
    handlers, propagate = family.handlers[:], family.propagate
    family.handlers, family.propagate = [logging.NullHandler()], False
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    sink = io.StringIO()
    try:
        with warnings.catch_warnings(), redirect_stdout(sink), redirect_stderr(sink):
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in levels:
            logger.setLevel(level)
        family.handlers, family.propagate = handlers, propagate


def import_great_expectations() -> None:
    """Import it offline (no analytics) and quietly: its import prints warnings of its own."""
    os.environ["GX_ANALYTICS_ENABLED"] = "False"  # read when great-expectations is imported
    with _quiet():
        import great_expectations  # noqa: F401


def _docs_sites(docs_dir: Path | None) -> dict[str, dict[str, Any]]:
    """A local folder of HTML (no temporary site, nothing under the working directory), laid out by
    pipeline.stages.gx_docs so that every page opens complete offline, in plain words."""
    if docs_dir is None:
        return {}
    page = {"module_name": DOCS_VIEWS, "class_name": "OfflinePageView"}
    return {DOCS_SITE: {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir.resolve())},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder",
                               "view": {"module_name": DOCS_VIEWS, "class_name": "OfflineIndexPageView"}},
        "site_section_builders": {"expectations": {"view": page}, "validations": {"view": page}},
    }}


def _raised(info: dict[str, Any] | None) -> str | None:
    """The message of an exception GE caught while checking (its info is flat, or one per metric)."""
    if not info:
        return None
    if "raised_exception" in info:
        return str(info.get("exception_message")) if info["raised_exception"] else None
    return next((message for part in info.values() if isinstance(part, dict)
                 for message in [_raised(part)] if message), None)


def _expectation(gxe: Any, spec: Expectation) -> Any:
    """The great-expectations object for a spec."""
    common = {"description": spec.description, "notes": spec.notes, "severity": "warning",
              "meta": {"check": spec.number, "kind": spec.kind, **spec.meta}}
    options = spec.options
    if spec.test == "in_set":
        return gxe.ExpectColumnValuesToBeInSet(column=options["column"], value_set=options["value_set"], **common)
    if spec.test == "between":
        return gxe.ExpectColumnValuesToBeBetween(
            column=options["column"], min_value=options.get("min_value"), max_value=options.get("max_value"),
            strict_min=options.get("strict_min", False), strict_max=options.get("strict_max", False), **common)
    return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=options["limit"], column_B=options["column"], or_equal=True,
        ignore_row_if="either_value_is_missing", **common)


def _checkpoint(frame: pd.DataFrame, specs: list[Expectation], notes: str, run_name: str,
                docs_dir: Path | None) -> Any:
    """Run the expectations in an ephemeral context; the checkpoint's outcome."""
    os.environ["GX_ANALYTICS_ENABLED"] = "False"  # read when great-expectations is imported
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    context = gx.get_context(mode="ephemeral", project_config=DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        data_docs_sites=_docs_sites(docs_dir)))
    batch = (context.data_sources.add_pandas(DOCS_SOURCE).add_dataframe_asset(DOCS_ASSET)
             .add_batch_definition_whole_dataframe("four_quarters"))
    suite = context.suites.add(gx.ExpectationSuite(name=DOCS_SUITE, notes=notes))
    for spec in specs:
        suite.add_expectation(_expectation(gxe, spec))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{DOCS_SUITE} figures", data=batch, suite=suite))
    actions = [UpdateDataDocsAction(name="data_docs", site_names=[DOCS_SITE])] if docs_dir else []
    checkpoint = context.checkpoints.add(gx.Checkpoint(
        name=f"{DOCS_SUITE} checkpoint", validation_definitions=[definition], actions=actions,
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["ref", "quarter"]}))
    return checkpoint.run(batch_parameters={"dataframe": frame},
                          run_id=gx.RunIdentifier(run_name=run_name, run_time=datetime.now(timezone.utc)))


def _wrong(outcome: Any) -> Wrong:
    wrong: Wrong = {}
    for validation in outcome.run_results.values():
        for result in validation.results:
            number = int(result.expectation_config.meta["check"])
            problem = _raised(result.exception_info)
            if problem:
                raise RuntimeError(f"great-expectations could not run check {number} of the suite: {problem}")
            found = result.result.get("unexpected_index_list") or []
            wrong[number] = {(str(row["ref"]), str(row["quarter"])) for row in found}
    return wrong


def validate(frame: pd.DataFrame, specs: list[Expectation], notes: str, run_name: str,
             docs: bool = False) -> tuple[Wrong, dict[str, bytes]]:
    """Check the frame (its `ref` and `quarter` columns name each row): the rows each expectation
    found wrong, and with `docs` the Data Docs as files (path within the site -> bytes)."""
    with tempfile.TemporaryDirectory(prefix="ce-qa-") as folder, _quiet():
        site = Path(folder) if docs else None
        wrong = _wrong(_checkpoint(frame, specs, notes, run_name, site))
        pages = {path.relative_to(site).as_posix(): path.read_bytes() for path in sorted(site.rglob("*"))
                 if path.is_file() and not path.relative_to(site).as_posix().startswith(DOCS_ASSETS)} if site else {}
    return wrong, pages
