"""Benchmark: the pipeline end to end beside the floor and the naive path (issue 7).

    python benchmarks/bench.py                       # 100k and 1M rows, medians of 5 (1M: 2)
    python benchmarks/bench.py --quick               # a fast smoke run (20k rows, once, no BENCHMARKS.md)
    python benchmarks/bench.py --sizes 100000 --repeats 5

For each size it generates (once; cached under benchmarks/.data/, which git ignores) a full
set of agency returns scaled up from the demo data, written in exactly the layout of
`pipeline.tools.demo.write_demo_inputs`, then measures, each in a fresh process:

- the pipeline, end to end: `python -m pipeline --inputs DIR --outputs TMP --quarter ... --quiet`
  (wall time, peak memory, and the seconds per stage the run records in last-run.json);
- the floor: importing the libraries a run needs, reading every sheet of the same inputs with
  fastexcel (the CSV with pandas' pyarrow engine), and writing the workbook the pipeline
  produced, cell for cell, with xlsxwriter;
- the same floor without the great-expectations import (the pipeline imports it in a worker
  process, beside reading): the bare minimum, so that the pipeline's own cost is seen beside it;
- the naive path: reading the same inputs with pandas `read_excel(engine="openpyxl")`;
- `python -m pipeline --help`;
- for reference, the import time of pandas + pandera alone, and with great-expectations.

Peak memory is the run's resident memory at its highest: the larger of the biggest process's own
maximum (os.wait4: Linux, macOS) and the sum over the process and its children (the pipeline's
great-expectations worker) sampled every 0.1 s from /proc (Linux); on Windows it is shown as n/a.

It prints a table and writes BENCHMARKS.md at the repository root (keeping any notes written by
hand below the marker line at its end). Not a test: pytest only collects tests/. It needs the test
extra (`pip install -e ".[test]"`): the naive path reads with openpyxl, which the pipeline does not use.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import pickle
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTES_MARK = "<!-- Hand-written notes below this line are kept when benchmarks/bench.py rewrites this file. -->"
DATA = REPO / "benchmarks" / ".data"
QUARTER = "Q2 2025/26"
TODAY = "2026-11-22"
GENERATOR_VERSION = 1  # bump when the generated inputs change

# Tables with one row per record: these grow with the size of the partnership. Monthly returns,
# the partnership's own logs, the work plan and the commentary stay the size they are.
SCALED = ["police_intelligence", "police_crimes", "evolve_risk", "evolve_audits", "evolve_feedback", "csc_referrals",
          "csc_strategy", "csc_cp_plans", "csc_missing", "annex_list1", "annex_list2", "annex_list3", "annex_list7"]
# Reference columns made distinct in each copy: insert the copy number before the serial.
SERIAL_REFS = {"police_intelligence": ["report_ref"], "police_crimes": ["crime_ref"], "csc_referrals": ["referral_ref"]}
CHILD_REF = "child_ref"
ANNEX_ID = "Child Unique ID"
ANNEX_ID_STEP = 100_000_000  # demo Annex A IDs are below 20,000,000
# What a run imports, and so what the floor imports. openpyxl is not among them: the pipeline does not use it
# (only the tests and the naive path below do). The floor is measured with great-expectations and without it.
IMPORTS = ["pandas", "pandera.pandas", "fastexcel", "xlsxwriter"]
GE_IMPORT = "great_expectations"
PACKAGES = ["pandas", "numpy", "pyarrow", "pandera", "great_expectations", "fastexcel", "python-calamine",
            "xlsxwriter", "openpyxl"]


# --------------------------------------------------------------------------- generating inputs

def scaled_tables(total_rows: int):
    """The demo tables with the record-level ones repeated until all tables hold ~total_rows rows.

    Each copy gets its own child references, Annex A IDs and police/CSC references (so that
    uniqueness holds and children are distinct), keeps its dates (so rows spread over the
    same eight quarters), and is consistent across tables (copy k of a child is the same
    child in every table). A last, partial copy is a fixed random sample of rows.
    """
    import numpy as np
    import pandas as pd

    from pipeline.tools import demo

    base = demo.demo_tables()
    fixed = sum(len(frame) for name, frame in base.items() if name not in SCALED)
    scalable = sum(len(base[name]) for name in SCALED)
    factor = max((total_rows - fixed) / scalable, 1.0)
    rng = np.random.default_rng(demo.SEED)
    out = dict(base)
    for name in SCALED:
        frame = base[name]
        wanted = round(len(frame) * factor)
        parts = []
        for k in range(math.ceil(wanted / len(frame))):
            part = frame if (k + 1) * len(frame) <= wanted else frame.iloc[
                np.sort(rng.choice(len(frame), wanted - k * len(frame), replace=False))]
            parts.append(_copy(name, part, k))
        scaled = pd.concat(parts, ignore_index=True)
        dates = [c for c in scaled.columns if pd.api.types.is_datetime64_any_dtype(scaled[c])]
        order = dates[1] if name.startswith("annex") and len(dates) > 1 else dates[0]  # Annex A: not date of birth
        out[name] = scaled.sort_values(order, kind="stable").reset_index(drop=True)
    return out


def _copy(name: str, frame, k: int):
    if k == 0:
        return frame
    frame = frame.copy()
    if CHILD_REF in frame:
        frame[CHILD_REF] = frame[CHILD_REF].str.replace(r"^CE", f"CE{k:03d}", regex=True)
    for column in SERIAL_REFS.get(name, []):
        frame[column] = frame[column].str.replace(r"(\d{6,})", rf"{k:03d}\1", n=1, regex=True)
    if ANNEX_ID in frame:
        frame[ANNEX_ID] = frame[ANNEX_ID] + k * ANNEX_ID_STEP
    return frame


def _fast_workbook_class():
    """The demo's workbook writer, streaming (constant_memory) and writing whole columns at a time.

    The cells are what `pipeline.tools.demo.files._write_cell` writes (dates as date-formatted serial
    numbers, exactly what xlsxwriter's write_datetime stores), so the files differ only in
    holding their strings inline, as any streamed xlsx does.
    """
    import numpy as np
    import pandas as pd
    import xlsxwriter

    from pipeline.tools.demo import files as demo

    class FastWorkbook(demo._Workbook):
        def __init__(self, path: Path, title: str) -> None:
            self.book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                                        "strings_to_urls": False, "constant_memory": True})
            self.book.set_properties({"title": title, "author": "Demo data", "comments": demo.FICTION_NOTE,
                                      "created": demo.CREATED})
            self._formats = {}

        def rows(self, sheet, frame, row, column_formats, dates):
            """Column by column into lists first: much faster than a row of Python objects at a time."""
            columns = [_column_cells(sheet, frame.iloc[:, i], column_formats[i], dates) for i in range(frame.shape[1])]
            for r in range(len(frame)):
                row += 1
                for col, (values, write, fmt) in enumerate(columns):
                    value = values[r]
                    if value is not None:
                        write(row, col, value, fmt)
            return row

    def _column_cells(sheet, series, number_format, dates):
        """(values with None for blanks, writer, format) for one column."""
        blank = series.isna().to_numpy()
        if pd.api.types.is_datetime64_any_dtype(series):
            serial = ((series - pd.Timestamp("1899-12-30")) / pd.Timedelta(days=1)).to_numpy(dtype="float64",
                                                                                          na_value=np.nan)
            values = [None if b else v for v, b in zip(serial.tolist(), blank)]
            return values, sheet.write_number, number_format or dates
        if pd.api.types.is_bool_dtype(series):
            values = [None if b else ("Yes" if v else "No") for v, b in zip(series.tolist(), blank)]
            return values, sheet.write_string, number_format
        if pd.api.types.is_numeric_dtype(series):
            values = [None if b else v for v, b in zip(series.astype("object").tolist(), blank)]
            return values, sheet.write_number, number_format
        values = [None if b else v for v, b in zip(series.astype("object").tolist(), blank)]
        if all(isinstance(v, str) for v in values if v is not None):
            return values, sheet.write_string, number_format
        # Mixed column: let the demo's own cell writer decide, value by value.
        return values, lambda r, c, v, f: demo._write_cell(sheet, r, c, v, f, dates), number_format

    return FastWorkbook


def _generator_key() -> str:
    import inspect

    from pipeline.tools import demo

    digest = hashlib.sha256(f"v{GENERATOR_VERSION}".encode())
    demo = REPO / "pipeline" / "tools" / "demo"
    for path in (*sorted(demo.glob("*.py")), *sorted(demo.glob("data/*.yaml")), REPO / "schemas" / "sources.yaml"):
        digest.update(path.read_bytes())
    for function in (scaled_tables, _copy, _fast_workbook_class):
        digest.update(inspect.getsource(function).encode())
    return digest.hexdigest()[:16]


def ensure_inputs(total_rows: int) -> tuple[Path, dict]:
    """The cached inputs for this size, generated if missing or made by another generator."""
    folder = DATA / f"inputs-{total_rows}"
    marker = folder / ".complete.json"
    key = _generator_key()
    if marker.exists():
        info = json.loads(marker.read_text())
        if info.get("key") == key:
            return folder, info
    if folder.exists():
        shutil.rmtree(folder)
    print(f"Generating inputs for {total_rows:,} rows in {folder} (cached for later runs) ...", flush=True)
    started = time.perf_counter()
    from pipeline.tools.demo import files as demo

    tables = scaled_tables(total_rows)
    saved = demo.demo_tables, demo._Workbook
    demo.demo_tables, demo._Workbook = (lambda: tables), _fast_workbook_class()
    try:
        paths = demo.write_demo_inputs(folder)
    finally:
        demo.demo_tables, demo._Workbook = saved
    info = {"key": key, "rows": int(sum(len(f) for f in tables.values())),
            "scaled_rows": int(sum(len(tables[n]) for n in SCALED)),
            "by_table": {name: len(frame) for name, frame in tables.items()},
            "bytes": sum(p.stat().st_size for p in paths), "files": len(paths),
            "seconds": round(time.perf_counter() - started, 1)}
    marker.write_text(json.dumps(info, indent=1))  # a dot-file: the pipeline skips hidden files
    print(f"  {info['rows']:,} rows in {info['files']} files, {info['bytes'] / 1e6:.1f} MB, "
          f"{info['seconds']} s", flush=True)
    return folder, info


# --------------------------------------------------------------------------- measuring

@dataclass
class Sample:
    seconds: float
    peak_mb: float | None
    code: int
    extra: dict = field(default_factory=dict)


def timed(command: list[str], cwd: Path = REPO, env: dict | None = None) -> Sample:
    """Run a command in a fresh process: its wall time and peak resident memory.

    Peak memory is the larger of the biggest single process's maximum (os.wait4) and the sum over
    the process and its children (the pipeline's great-expectations worker), sampled every 0.1 s.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler = _TreeSampler(proc.pid)
    if hasattr(os, "wait4"):
        out, err = _drain(proc)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        scale = 1024 if sys.platform != "darwin" else 1  # ru_maxrss: KiB on Linux, bytes on macOS
        peak = max(usage.ru_maxrss * scale, sampler.stop()) / 2**20
    else:
        out, err = proc.communicate()
        seconds = time.perf_counter() - started
        sampled = sampler.stop()
        peak = sampled / 2**20 if sampled else None
    extra = {"stdout": out.decode(errors="replace"), "stderr": err.decode(errors="replace"),
             "processes": sampler.processes}  # the most processes seen at once (0: not sampled)
    return Sample(seconds, peak, proc.returncode, extra)


class _TreeSampler:
    """Samples the resident memory of a process and all its descendants (Linux /proc; else nothing),
    and the most processes it had at once (the pipeline's great-expectations worker makes two)."""

    def __init__(self, pid: int, every: float = 0.1) -> None:
        import threading

        self.pid, self.every, self.peak, self.processes = pid, every, 0, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        if Path("/proc/self/status").exists():
            self._thread.start()

    def _run(self) -> None:
        while not self._done.is_set():
            try:
                self.peak = max(self.peak, self._tree_bytes())
            except OSError:
                pass
            self._done.wait(self.every)

    def _tree_bytes(self) -> int:
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                    parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
                except (OSError, ValueError):
                    continue
        tree, frontier = {self.pid}, [self.pid]
        while frontier:
            parent = frontier.pop()
            children = [p for p, pp in parents.items() if pp == parent and p not in tree]
            tree.update(children)
            frontier.extend(children)
        self.processes = max(self.processes, len(tree))
        total = 0
        for pid in tree:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
            except OSError:
                continue
        return total

    def stop(self) -> int:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()
        return self.peak


def _drain(proc: subprocess.Popen) -> tuple[bytes, bytes]:
    """Read both pipes to the end without reaping the process (so wait4 can report its usage)."""
    import threading

    chunks: dict[str, bytes] = {}

    def read(name: str, stream) -> None:
        chunks[name] = stream.read()

    threads = [threading.Thread(target=read, args=(n, s)) for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    proc.stdout.close()
    proc.stderr.close()
    return chunks["out"], chunks["err"]


def run_pipeline(inputs: Path) -> tuple[Sample, Path]:
    outputs = Path(tempfile.mkdtemp(prefix="bench-out-", dir=DATA))
    sample = timed([sys.executable, "-m", "pipeline", "--inputs", str(inputs), "--outputs", str(outputs),
                    "--quarter", QUARTER, "--today", TODAY, "--quiet"])
    if sample.code not in (0, 3):  # 3: built, with warnings
        raise SystemExit(f"The pipeline failed (exit {sample.code}):\n{sample.extra['stdout']}\n{sample.extra['stderr']}")
    record = json.loads((outputs / "last-run.json").read_text(encoding="utf-8"))
    sample.extra.update(stages=record.get("seconds", {}), rows_read=record.get("rows_read"),
                        status=record.get("status"), workbook=record.get("workbook"))
    return sample, outputs


def workbook_cells(workbook: Path, into: Path) -> Path:
    """Every sheet of the pipeline's workbook as rows of Python values, pickled for the floor to write."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(workbook))
    sheets = [(name, book.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in book.sheet_names]
    with into.open("wb") as handle:
        pickle.dump(sheets, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return into


def floor_main(inputs: Path, cells: Path, target: Path, with_ge: bool = True) -> None:
    """(In a fresh process.) Import what a run needs (great-expectations too, unless told not to),
    read every input, write the workbook."""
    started = time.perf_counter()
    import importlib

    for name in IMPORTS + ([GE_IMPORT] if with_ge else []):
        importlib.import_module(name)
    import fastexcel
    import pandas as pd
    import xlsxwriter

    imported = time.perf_counter()
    rows = 0
    for path in sorted(p for p in inputs.rglob("*") if p.is_file() and not p.name.startswith(".")):
        if path.suffix.lower() == ".csv":
            rows += len(pd.read_csv(path, encoding="cp1252", engine="pyarrow"))
        else:
            reader = fastexcel.read_excel(path)
            for name in reader.sheet_names:
                rows += reader.load_sheet(name, header_row=None).to_arrow().num_rows
    read = time.perf_counter()
    with cells.open("rb") as handle:
        sheets = pickle.load(handle)
    loaded = time.perf_counter()
    book = xlsxwriter.Workbook(str(target), {"strings_to_formulas": False, "strings_to_urls": False,
                                             "strings_to_numbers": False})
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    for name, grid in sheets:
        sheet = book.add_worksheet(name)
        for r, values in enumerate(grid):
            for c, value in enumerate(values):
                if value == "" or value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(r, c, value)
                elif isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                elif isinstance(value, (int, float)):
                    sheet.write_number(r, c, value)
                elif hasattr(value, "year"):
                    sheet.write_datetime(r, c, value, date_format)
                else:
                    sheet.write_string(r, c, str(value))
    book.close()
    done = time.perf_counter()
    print(json.dumps({"import": imported - started, "read": read - imported, "unpickle": loaded - read,
                      "write": done - loaded, "rows": rows}))


def naive_main(inputs: Path) -> None:
    """(In a fresh process.) Read every input with pandas: openpyxl for workbooks, the C parser for CSV."""
    started = time.perf_counter()
    import pandas as pd

    imported = time.perf_counter()
    rows = 0
    for path in sorted(p for p in inputs.rglob("*") if p.is_file() and not p.name.startswith(".")):
        if path.suffix.lower() == ".csv":
            rows += len(pd.read_csv(path, encoding="cp1252", dtype=str))
        else:
            for frame in pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl").values():
                rows += len(frame)
    print(json.dumps({"import": imported - started, "read": time.perf_counter() - imported, "rows": rows}))


def run_floor(inputs: Path, cells: Path, with_ge: bool = True) -> Sample:
    target = Path(tempfile.mkdtemp(prefix="bench-floor-", dir=DATA)) / "floor.xlsx"
    sample = timed([sys.executable, str(Path(__file__).resolve()), "_floor", str(inputs), str(cells), str(target),
                    *([] if with_ge else ["--without-ge"])])
    if sample.code:
        raise SystemExit(f"The floor run failed:\n{sample.extra['stderr']}")
    phases = json.loads(sample.extra["stdout"].strip().splitlines()[-1])
    sample.seconds -= phases["unpickle"]  # loading the copied cells stands in for computing them: not counted
    sample.extra["phases"] = phases
    shutil.rmtree(target.parent, ignore_errors=True)
    return sample


def run_naive(inputs: Path) -> Sample:
    sample = timed([sys.executable, str(Path(__file__).resolve()), "_naive", str(inputs)])
    if sample.code:
        raise SystemExit(f"The naive run failed:\n{sample.extra['stderr']}")
    sample.extra["phases"] = json.loads(sample.extra["stdout"].strip().splitlines()[-1])
    return sample


# --------------------------------------------------------------------------- reporting

def import_seconds(modules: list[str], after: list[str] = (), repeats: int = 3) -> float:
    """Median seconds a fresh interpreter spends importing `modules` (with `after` already imported)."""
    code = "; ".join([*(f"import {m}" for m in after), "import time", "t = time.perf_counter()",
                      *(f"import {m}" for m in modules), "print(time.perf_counter() - t)"])
    return med([float(timed([sys.executable, "-c", code]).extra["stdout"].strip()) for _ in range(repeats)])


def machine() -> dict[str, str]:
    from importlib import metadata

    info = {"Platform": platform.platform(), "CPU": platform.processor() or platform.machine(),
            "Cores": str(os.cpu_count()), "Python": platform.python_version()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["CPU"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["RAM"] = f"{int(line.split()[1]) / 2**20:.1f} GiB"
                break
    except OSError:
        info.setdefault("RAM", "n/a")
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    info["Packages"] = ", ".join(versions)
    return info


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def mb(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:,.0f} MB"


def secs(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.2f} s"


@dataclass
class SizeResult:
    size: int
    info: dict
    pipeline: list[Sample]
    floor: list[Sample]
    bare: list[Sample]  # the floor without the great-expectations import
    naive: list[Sample]

    def median(self, which: str, what: str = "seconds") -> float:
        samples = getattr(self, which)
        values = [getattr(s, what) for s in samples if getattr(s, what) is not None]
        return med(values) if values else float("nan")

    def stages(self) -> dict[str, float]:
        names = list(dict.fromkeys(k for s in self.pipeline for k in s.extra["stages"]))
        return {n: med([s.extra["stages"].get(n, 0.0) for s in self.pipeline]) for n in names}


def targets(results: list[SizeResult], help_seconds: float) -> list[tuple[str, str, str]]:
    by_size = {r.size: r for r in results}
    small, large = by_size.get(100_000), by_size.get(1_000_000)
    out = []
    if small:
        ratio = small.median("pipeline") / small.median("floor")
        out.append(("End to end within 1.5x of the floor at 100k rows",
                    f"{small.median('pipeline'):.2f} s vs floor {small.median('floor'):.2f} s = {ratio:.2f}x",
                    "met" if ratio <= 1.5 else "NOT MET"))
        bare = small.median("bare")
        out.append(("For reference, no target: end to end beside the floor without great-expectations at 100k rows",
                    f"{small.median('pipeline'):.2f} s vs {bare:.2f} s = {small.median('pipeline') / bare:.2f}x "
                    f"(great-expectations adds {small.median('floor') - bare:.2f} s to the floor)", "n/a"))
    else:
        out.append(("End to end within 1.5x of the floor at 100k rows", "not measured (100k not run)", "n/a"))
    if large:
        t, peak = large.median("pipeline"), large.median("pipeline", "peak_mb")
        out.append(("1M rows under 60 s", f"{t:.2f} s", "met" if t < 60 else "NOT MET"))
        out.append(("1M rows under 2 GB peak memory", mb(peak),
                    "n/a" if math.isnan(peak) else ("met" if peak < 2048 else "NOT MET")))
    else:
        out.append(("1M rows under 60 s and 2 GB", "not measured (1M not run)", "n/a"))
    if small and large:
        growth = large.median("pipeline") / small.median("pipeline")
        rows = large.info["rows"] / small.info["rows"]
        out.append(("10x rows, at most 12x time", f"{rows:.1f}x rows took {growth:.1f}x the time",
                    "met" if growth <= 12 * rows / 10 else "NOT MET"))
    else:
        out.append(("10x rows, at most 12x time", "not measured (needs 100k and 1M)", "n/a"))
    out.append(("`python -m pipeline --help` under 0.5 s", f"{help_seconds:.2f} s",
                "met" if help_seconds < 0.5 else "NOT MET"))
    return out


def floor_phases(result: SizeResult) -> dict[str, float]:
    """The floors' phases (medians): the import with and without great-expectations; reading the inputs and
    writing the workbook, the same work in both floors, over both floors' runs."""
    both = result.floor + result.bare
    return {"import": med([s.extra["phases"]["import"] for s in result.floor]),
            "import_bare": med([s.extra["phases"]["import"] for s in result.bare]),
            "read": med([s.extra["phases"]["read"] for s in both]),
            "write": med([s.extra["phases"]["write"] for s in both])}


def breakdown(result: SizeResult, imports: dict[str, float]) -> list[str]:
    """Where the end-to-end time goes beside the floors', at one size (a rough split, in words)."""
    stages = result.stages()
    total, floor, bare = result.median("pipeline"), result.median("floor"), result.median("bare")
    phases = floor_phases(result)
    base = imports.get("pandas + pandera", float("nan"))
    ge_import = imports.get("great_expectations, after those", float("nan"))
    own = {name: stages.get(name, 0.0) for name in ("read", "check", "compute")}
    lines = [f"At {result.info['rows']:,} rows the pipeline took {total:.2f} s, the floor {floor:.2f} s "
             f"({total / floor:.2f}x) and the floor without great-expectations {bare:.2f} s ({total / bare:.2f}x). "
             f"The floor is mostly imports: {phases['import']:.2f} s inside the process ({phases['import_bare']:.2f} s "
             f"without great-expectations), then {phases['read']:.2f} s to read the inputs and {phases['write']:.2f} s "
             f"to write the workbook; interpreter start-up and exit (which is slow once great-expectations is loaded) "
             f"make up the rest. Importing great-expectations, and exiting with it loaded, costs the floor "
             f"{floor - bare:.2f} s."]
    if "qa" in stages and not math.isnan(ge_import):
        if imports.get("worker"):
            lines.append(
                f"The pipeline imports pandas and pandera before its first stage (about {base:.2f} s). "
                f"great-expectations (about {ge_import:.2f} s to import) is imported in a worker process started "
                f"with the run, so that import overlaps reading, checking and computing; the `qa` stage "
                f"({stages['qa']:.2f} s) is whatever is left of it, then the suite and the Data Docs.")
        elif imports.get("worker") is False:
            lines.append(
                f"The pipeline imports pandas and pandera before its first stage (about {base:.2f} s) and "
                f"great-expectations (about {ge_import:.2f} s) inside the `qa` stage ({stages['qa']:.2f} s), so that "
                f"stage spends about {max(stages['qa'] - ge_import, 0):.2f} s running the suite and writing the "
                f"Data Docs.")
    lines.append(
        f"Beyond the floor without great-expectations the pipeline spends {total - bare:.2f} s of its own. "
        f"Reading, checking and computing take {sum(own.values()):.2f} s together "
        f"({', '.join(f'{k} {v:.2f} s' for k, v in own.items())}), against the floor's {phases['read']:.2f} s read; "
        f"the `qa` stage takes {stages.get('qa', 0.0):.2f} s and writing the workbook (and staging the outputs) "
        f"{stages.get('write', 0.0):.2f} s.")
    return lines


def render(results: list[SizeResult], help_samples: list[Sample], args: argparse.Namespace, ge_note: str) -> str:
    help_seconds = med([s.seconds for s in help_samples])
    lines = ["| Rows (generated / read by the run) | Input files | Pipeline end to end | Pipeline peak memory | "
             "Floor | Floor peak memory | Floor without great-expectations | Its peak memory | Pipeline / floor | "
             "Pipeline / floor without great-expectations | Naive read (pandas + openpyxl) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        rows_read = r.pipeline[0].extra.get("rows_read")
        naive = (f"{r.median('naive'):.2f} s (x{len(r.naive)})" if r.naive else "skipped")
        lines.append(
            f"| {r.info['rows']:,} / {rows_read:,} | {r.info['bytes'] / 1e6:.1f} MB | {secs(r.median('pipeline'))} "
            f"(x{len(r.pipeline)}) | {mb(r.median('pipeline', 'peak_mb'))} | {secs(r.median('floor'))} "
            f"(x{len(r.floor)}) | {mb(r.median('floor', 'peak_mb'))} | {secs(r.median('bare'))} (x{len(r.bare)}) | "
            f"{mb(r.median('bare', 'peak_mb'))} | {r.median('pipeline') / r.median('floor'):.2f}x | "
            f"{r.median('pipeline') / r.median('bare'):.2f}x | {naive} |")
    stage_names = list(dict.fromkeys(n for r in results for n in r.stages()))
    stage_lines = ["| Rows | " + " | ".join(stage_names) + " | sum of stages | start-up and the rest |",
                   "|---|" + "---|" * (len(stage_names) + 2)]
    for r in results:
        st = r.stages()
        total = sum(st.values())
        stage_lines.append(f"| {r.info['rows']:,} | " + " | ".join(f"{st.get(n, 0):.2f}" for n in stage_names)
                           + f" | {total:.2f} | {r.median('pipeline') - total:.2f} |")
    floor_lines = ["| Rows | import | import without great-expectations | read inputs | write workbook | "
                   "Naive: import | Naive: read |", "|---|---|---|---|---|---|---|"]
    for r in results:
        ph = floor_phases(r)
        nv = ({k: med([s.extra["phases"][k] for s in r.naive]) for k in ("import", "read")} if r.naive else None)
        floor_lines.append(f"| {r.info['rows']:,} | {ph['import']:.2f} | {ph['import_bare']:.2f} | {ph['read']:.2f} | "
                           f"{ph['write']:.2f} | "
                           + (f"{nv['import']:.2f} | {nv['read']:.2f} |" if nv else "skipped | skipped |"))
    target_lines = ["| Target | Measured | Result |", "|---|---|---|"]
    target_lines += [f"| {a} | {b} | {c} |" for a, b, c in targets(results, help_seconds)]
    table_lines = ["| Table | " + " | ".join(f"{r.size:,}" for r in results) + " |",
                   "|---|" + "---|" * len(results)]
    for name in results[0].info["by_table"]:
        table_lines.append(f"| {name} | " + " | ".join(f"{r.info['by_table'].get(name, 0):,}" for r in results) + " |")
    info = machine()
    command = "python benchmarks/bench.py" + ("" if args.default_run else " " + " ".join(args.argv))
    return "\n".join([
        "# Benchmarks",
        "",
        "How fast the pipeline builds the scorecard, beside the floor (what any program must spend to import the",
        "libraries, read the same inputs with the fastest reader and write the same workbook), the same floor",
        "without the great-expectations import (so that the pipeline's own cost shows beside the bare minimum) and",
        "the naive path (pandas `read_excel` on openpyxl). Issue 7 sets the targets; issue 13 added the second floor.",
        "",
        f"Reproduce with `{command}` from the repository root (generated inputs are cached in `benchmarks/.data/`).",
        f"Measured {datetime.now():%Y-%m-%d %H:%M} on:",
        "",
        *[f"- {k}: {v}" for k, v in info.items()],
        f"- Pipeline: commit {_commit()}{ge_note}",
        "",
        "## Targets",
        "",
        *target_lines,
        "",
        "## Figures",
        "",
        f"Wall times are medians of the runs shown (xN), each in a fresh process; peak memory is the run's",
        "resident memory at its highest, the pipeline's great-expectations worker process included. "
        "`python -m pipeline --help`: "
        f"{help_seconds:.2f} s (median of {len(help_samples)}).",
        "",
        *lines,
        "",
        "Pipeline, seconds per stage (medians, from `last-run.json`); the rest is interpreter start-up, imports,",
        "loading the configuration, and writing the log and error report:",
        "",
        *stage_lines,
        "",
        "Floors and naive path, seconds per phase (medians; reading and writing are the same work in both floors,",
        "so those are medians over both floors' runs):",
        "",
        *floor_lines,
        "",
        "Import time alone (inside a fresh interpreter, median of 3): "
        + "; ".join(f"{k}: {v:.2f} s" for k, v in args.imports.items()) + ".",
        "",
        "## Where the time goes",
        "",
        *[line for r in results for line in (*breakdown(r, {**args.imports, "worker": args.worker}), "")],
        "## Method",
        "",
        "- Inputs: `pipeline.tools.demo.demo_tables()` scaled up. The record-level tables (police intelligence and crimes,",
        "  Evolve risk assessments, audits and feedback, CSC referrals, strategy meetings, CP plans and missing",
        "  episodes, Annex A lists) are repeated with distinct child references, Annex A IDs and police/CSC",
        "  references, keeping their dates (so the rows spread over the same eight quarters); monthly returns, the",
        "  partnership's logs, the work plan and the commentary keep their size. The files are written in the",
        "  layout of `pipeline.tools.demo.write_demo_inputs` (same names, sheets, title rows, totals row, cp1252 CSV),",
        "  streamed by xlsxwriter (`constant_memory`, so strings are stored inline). Annex A List 2 grows with",
        "  the other record tables while the monthly Early Help counts do not, so each run warns that the two",
        "  disagree (four warnings: exit code 3, as a real run with warnings). Rows per table:",
        "",
        *table_lines,
        "",
        f"- Pipeline: `python -m pipeline --inputs DIR --outputs FRESH_DIR --quarter \"{QUARTER}\" --today {TODAY}"
        " --quiet`, a fresh outputs folder per run (no history carried over; the run archives its inputs).",
        "- Floor: a fresh process imports " + ", ".join(f"`{m}`" for m in IMPORTS) + f" and `{GE_IMPORT}`, reads every",
        "  sheet of every input with fastexcel (`load_sheet(header_row=None).to_arrow()`) and the CSV with",
        "  `pandas.read_csv(engine=\"pyarrow\")`, then writes, with xlsxwriter, every cell of the workbook the",
        "  pipeline produced (read beforehand with python-calamine; loading those cells is not counted).",
        f"- Floor without great-expectations: the same, without importing `{GE_IMPORT}`. The pipeline imports it in a",
        "  worker process while it reads, so the pipeline's time less this floor is what the pipeline itself spends:",
        "  reading, checking, computing, waiting for the worker, the checks on the figures and the Data Docs.",
        "  Neither floor imports openpyxl (until issue 13 the floor did): the pipeline does not use it.",
        "- Naive: a fresh process imports pandas and reads every sheet with `read_excel(sheet_name=None,"
        " engine=\"openpyxl\")`",
        f"  and the CSV with `read_csv`. {args.naive_note}",
        "- Each repeat runs the pipeline, then the two floors, then the naive path, so that all four see the same",
        "  load; on a shared two-core machine single figures still move by 10-20% from one run of the script",
        "  to the next, so compare medians.",
        "- The generated workbooks keep their text inline (xlsxwriter's streaming mode); Excel itself writes a",
        "  shared-strings table, which fastexcel parses once per file. That cost falls on the floor and the",
        "  pipeline alike.",
        "",
    ])


def _commit() -> str:
    try:
        head = subprocess.run(["git", "log", "-1", "--format=%h %s"], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "pipeline"], cwd=REPO,
                               capture_output=True, text=True).stdout.strip()
        return f"`{head[:100]}`" + (" (with uncommitted changes in pipeline/)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_floor"]:
        floor_main(Path(argv[1]), Path(argv[2]), Path(argv[3]), with_ge="--without-ge" not in argv[4:])
        return 0
    if argv[:1] == ["_naive"]:
        naive_main(Path(argv[1]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000], help="total rows per input set")
    parser.add_argument("--repeats", type=int, default=5,
                        help="runs per measurement (median taken); default 5: the machines are noisy")
    parser.add_argument("--large-repeats", type=int, default=2,
                        help="runs per measurement for sizes of 500k rows or more; default 2")
    parser.add_argument("--naive", choices=["all", "once-large", "skip-large", "none"], default="once-large",
                        help="the naive path: every repeat; once at 500k rows or more (default); "
                             "not at all at 500k or more; never")
    parser.add_argument("--quick", action="store_true", help="smoke run: 20k rows, once, no BENCHMARKS.md")
    parser.add_argument("--markdown", type=Path, help="where to write the report (default BENCHMARKS.md; "
                                                      "none with --quick)")
    args = parser.parse_args(argv)
    args.argv = argv
    args.default_run = not argv
    if args.quick:
        args.sizes, args.repeats, args.large_repeats = [20_000], 1, 1
    markdown = args.markdown or (None if args.quick else REPO / "BENCHMARKS.md")
    args.naive_note = {"all": "Every repeat.", "once-large": "At 500k rows or more it runs once (it is slow).",
                       "skip-large": "Skipped at 500k rows or more.", "none": "Not run."}[args.naive]

    DATA.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(REPO))  # the pipeline in this checkout, whatever is installed
    results = []
    for size in args.sizes:
        inputs, info = ensure_inputs(size)
        large = size >= 500_000
        repeats = args.large_repeats if large else args.repeats
        pipeline_runs, floor_runs, bare_runs, naive_runs = [], [], [], []
        cells = None
        for i in range(repeats):
            sample, outputs = run_pipeline(inputs)
            pipeline_runs.append(sample)
            if cells is None:
                cells = workbook_cells(Path(sample.extra["workbook"]), DATA / f"cells-{size}.pickle")
            shutil.rmtree(outputs, ignore_errors=True)
            floor_runs.append(run_floor(inputs, cells))
            bare_runs.append(run_floor(inputs, cells, with_ge=False))
            naive_wanted = {"all": True, "once-large": not large or i == 0, "skip-large": not large,
                            "none": False}[args.naive]
            if naive_wanted:
                naive_runs.append(run_naive(inputs))
            print(f"  {size:,} rows, run {i + 1}/{repeats}: pipeline {sample.seconds:.2f} s "
                  f"({mb(sample.peak_mb)}), floor {floor_runs[-1].seconds:.2f} s ({mb(floor_runs[-1].peak_mb)}), "
                  f"without great-expectations {bare_runs[-1].seconds:.2f} s ({mb(bare_runs[-1].peak_mb)})"
                  + (f", naive {naive_runs[-1].seconds:.2f} s" if naive_wanted else ""), flush=True)
        results.append(SizeResult(size, info, pipeline_runs, floor_runs, bare_runs, naive_runs))
    help_samples = [timed([sys.executable, "-m", "pipeline", "--help"]) for _ in range(5)]
    args.imports = {"pandas + pandera": import_seconds(["pandas", "pandera.pandas"]),
                    "great_expectations, after those": import_seconds(["great_expectations"],
                                                                      after=["pandas", "pandera.pandas"])}
    # The great-expectations worker, seen as a second process in the run's tree (None: not sampled here).
    seen = max((s.extra.get("processes", 0) for r in results for s in r.pipeline), default=0)
    args.worker = seen > 1 if seen else None
    ge_note = ""
    if results:
        wired = any("qa" in s.extra["stages"] for r in results for s in r.pipeline)
        ge_note = ("; the great-expectations checks run in every build (stage `qa`)" if wired
                   else "; the great-expectations checks are NOT part of the run at this commit")
    report = render(results, help_samples, args, ge_note)
    print()
    print(report)
    if markdown:
        kept = ""
        if markdown.exists():
            old = markdown.read_text(encoding="utf-8")
            kept = old[old.index(NOTES_MARK) + len(NOTES_MARK):] if NOTES_MARK in old else ""
        markdown.write_text(report + "\n" + NOTES_MARK + (kept or "\n"), encoding="utf-8")
        print(f"Written to {markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
