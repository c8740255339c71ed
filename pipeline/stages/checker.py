"""great-expectations takes seconds to import, so a worker process imports it while the run
reads and checks its inputs, and then runs the checks on the figures (pipeline.stages.quality,
which runs them through pipeline.stages.gx) and sends back the results and the Data Docs.

This module imports nothing heavy itself, so the command line can start the worker before it
loads pandas or anything else.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from pipeline.config.expectations import Suite


def _serve(conn: Any) -> None:
    """The worker process: import great-expectations straight away (it takes seconds), then run
    the one check it is sent and send back the results or the error."""
    import multiprocessing

    # A spawned process makes 'spawn' its own default, and libraries that create locks as they are
    # imported (tqdm) then leave named semaphores that Python warns about on the console when the
    # worker is stopped; the platform's usual default (fork on Linux) does not name them.
    multiprocessing.set_start_method(None, force=True)
    _end_with_parent()
    from pipeline.stages.gx import import_great_expectations
    from pipeline.stages.quality import check_expectations

    import_great_expectations()
    try:
        job = conn.recv()
    except (EOFError, OSError):
        return
    try:
        reply: tuple[str, Any] = ("ok", check_expectations(*job))
    except Exception as error:  # sent back and raised in the run, as if it had happened there
        reply = ("error", error)
    try:
        try:
            conn.send(reply)
        except OSError:
            raise
        except Exception as error:  # the error itself would not pickle
            conn.send(("error", RuntimeError(f"{type(reply[1]).__name__}: {reply[1]} ({error})")))
    except OSError:  # the run has gone (a closed pipe): there is no one left to tell
        return
    conn.close()


def _end_with_parent() -> None:
    """A run killed outright (kill -9, Task Scheduler's time limit) takes its worker with it at once,
    rather than leaving it to finish importing and find the pipe closed."""
    import multiprocessing
    import os
    import threading
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="end-with-parent").start()


class Checker:
    """Runs check_expectations in a worker process started when the run starts, so that
    great-expectations' slow import overlaps reading and checking the inputs instead of following
    them. If the worker cannot start or dies, the checks run in this process instead; so they do
    when great-expectations is already imported here (worker=None), as nothing is left to hide."""

    def __init__(self, worker: bool | None = None) -> None:
        self._process = None
        self._conn = None
        if worker is False or (worker is None and "great_expectations" in sys.modules):
            return
        try:
            import multiprocessing

            context = multiprocessing.get_context("spawn")  # the same on Windows and Linux
            self._conn, child = context.Pipe()
            self._process = context.Process(target=_serve, args=(child,), daemon=True, name="ce-scorecard-checks")
            self._process.start()
            child.close()
        except (OSError, RuntimeError, ValueError):
            self.close()

    def check(self, figures: pd.DataFrame, scorecard: pd.DataFrame, alternatives: pd.DataFrame,
              quarters: list[pd.Period], suite: Suite | Path, docs: bool = False) -> tuple[pd.DataFrame, dict[str, bytes]]:
        """The results of the checks on the figures, and with `docs` the Data Docs' files."""
        job = (figures, scorecard, alternatives, quarters, suite, docs)
        if self._conn is not None:
            try:
                self._conn.send(job)
                status, value = self._conn.recv()
            except (EOFError, OSError):
                status, value = "gone", None
            finally:
                self.close()
            if status == "ok":
                return value
            if status == "error":
                raise value
        from pipeline.stages.quality import check_expectations

        return check_expectations(*job)

    def close(self) -> None:
        """Stop the worker (a run that ends early does not wait for its import)."""
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
        if self._process is not None:
            self._process.join(timeout=10)
        if self._conn is not None:
            self._conn.close()
        self._process = self._conn = None
