"""Reading an old .xls workbook in a child process, so that a damaged or runaway one cannot take the run down.

An .xls is no zip package, so it cannot be sized up before it is read, as an .xlsx is (package.py):
its own record of how far each sheet reaches (DIMENSIONS) and its cells' addresses are only known to
the reader (calamine, in Rust), which holds a sheet's used range whole. A value at IV65536 asks it
for 1.7 GB; a bogus DIMENSIONS record or a cell at column 16383 for 32 GB, and Rust aborts the
process when an allocation fails. So the grid is read in a process of its own (spawned, the same on
Windows and Linux), allowed at most max_reader_memory_mb of memory on top of what it holds once
started (setrlimit, where the system has it), and sent back sheet by sheet. If the child dies or
says the file is too big, the file is refused with a message and the run carries on.

This module imports nothing but the readers, and pandas never, so the child starts quickly.
"""

from __future__ import annotations

from typing import Any

# What the child sends back for one sheet: (name, kind, batch, errors, columns, merged) where kind is
# 'ok', 'hidden', 'damaged' (batch None), or 'too many cells' (batch None, columns = (rows, width)).
Sheet = tuple[str, str, Any, list[tuple[int, int, str]], list[int], list]


def _limit_memory(memory_mb: float) -> None:
    """Allow this process memory_mb of address space more than it has now (POSIX); elsewhere, nothing."""
    try:
        import resource
    except ImportError:  # Windows: the child may still die, and its death is reported
        return
    base = 0
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            base = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError, IndexError):
        base = 0  # macOS has no /proc, and does not enforce RLIMIT_AS either
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = base + int(memory_mb * (1 << 20))
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    except (ValueError, OSError):
        pass


def read_xls(path: str, memory_mb: float, max_cells: int, merge_rows: int, conn: Any, stderr: str) -> None:
    """The child process: read every sheet of the .xls at `path` and send back ('ok', [Sheet, ...]),
    ('unopenable', reason) or ('too big', reason). What the reader prints as it dies (Rust's
    'memory allocation of ... bytes failed' and a backtrace) goes to the file `stderr`, for the log,
    never to the officer's console."""
    import multiprocessing
    import os

    with open(stderr, "wb") as err:
        os.dup2(err.fileno(), 2)

    multiprocessing.set_start_method(None, force=True)  # as in checker._serve: no named semaphores left behind
    from pipeline.stages.checker import _end_with_parent

    _end_with_parent()
    _limit_memory(memory_mb)
    try:
        reply: tuple[str, Any] = ("ok", _read(path, max_cells, merge_rows))
    except MemoryError as exc:
        reply = ("too big", f"MemoryError {exc}"[:150])
    except _Unopenable as exc:
        reply = ("unopenable", str(exc))
    try:
        conn.send(reply)
    except MemoryError:
        conn.send(("too big", "the sheets read are too big to send back"))
    except OSError:  # the run has gone
        return
    conn.close()


class _Unopenable(Exception):
    pass


def _read(path: str, max_cells: int, merge_rows: int) -> list[Sheet]:
    import fastexcel
    import python_calamine

    try:
        reader = fastexcel.read_excel(path)
    except MemoryError:
        raise
    except Exception as exc:
        raise _Unopenable(_short(exc)) from None
    book = None

    def calamine():
        nonlocal book
        if book is None:
            book = python_calamine.CalamineWorkbook.from_path(path)
        return book

    sheets: list[Sheet] = []
    for name in reader.sheet_names:
        try:
            loaded = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
            if loaded.visible != "visible":
                sheets.append((name, "hidden", None, [], [], []))
                continue
            if loaded.height * loaded.width > max_cells:
                sheets.append((name, "too many cells", None, [], [loaded.height, loaded.width], []))
                continue
            batch, errors = loaded.to_arrow_with_errors()
        except MemoryError:
            raise
        except Exception as exc:
            try:
                hidden = any(meta.name == name and meta.visible != python_calamine.SheetVisibleEnum.Visible
                             for meta in calamine().sheets_metadata)
            except Exception:
                hidden = False
            sheets.append((name, "hidden" if hidden else "damaged", None, [], [], [_short(exc)]))
            continue
        cells = [(*error.position, error.detail) for error in (errors.errors if errors else [])]
        merged: list = []
        if loaded.height <= merge_rows:
            try:
                merged = list(calamine().get_sheet_by_name(name).merged_cell_ranges or [])
            except Exception:
                merged = []  # merged cells are a nicety
        sheets.append((name, "ok", batch, cells, [c.absolute_index for c in loaded.selected_columns], merged))
    return sheets


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:150]
