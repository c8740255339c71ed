"""Recognising a sheet by its heading row: which table of the contract it holds, and where.

Headings are matched cell by cell against every alias in sources.yaml, wherever the heading row is
among the sheet's first rows and whatever its columns are called: a row names a table when it has
the table's required headings (and signature, if it has one).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from pipeline.config.contract import Contract, Table
from pipeline.config.contract import header_key as _header_key

header_key = lru_cache(maxsize=1 << 16)(_header_key)  # the same cell texts recur on every sheet


@dataclass(frozen=True)
class Match:
    """A heading row found on a sheet for one table of the contract, and how well it names the table."""

    table: str
    row: int  # absolute 0-based index of the heading row
    columns: dict[str, int]  # contract column -> absolute column index
    headings: dict[str, str]
    score: float
    recognised: bool
    missing: list[str]  # headings of required columns (or signature) not found
    duplicates: dict[str, list[int]]


def _cell_keys(head: pd.DataFrame) -> dict[int, dict[int, set[str]]]:
    """For each row, the heading keys each cell could stand for.

    A heading may sit under a merged group label ("Arrests" over "CSE" and "CCE"), so each
    cell is also read together with the label above it, carried across from the left.
    """
    columns = [int(c) for c in head.columns]
    grid = head.to_numpy(dtype=object).tolist()
    out: dict[int, dict[int, set[str]]] = {}
    previous: list[object] | None = None
    for r, cells in zip(head.index, grid, strict=True):
        carried, label = [], None
        for value in previous or []:
            label = value if isinstance(value, str) and value.strip() else label
            carried.append(label)
        row_keys: dict[int, set[str]] = {}
        for i, value in enumerate(cells):
            keys: set[str] = set()
            if isinstance(value, str) and value.strip():
                keys.add(header_key(value))
                if previous is not None and carried[i] is not None:
                    keys.add(header_key(f"{carried[i]} {value}"))
            elif previous is not None and isinstance(previous[i], str) and previous[i].strip():
                keys.add(header_key(previous[i]))
            keys.discard("")
            if keys:
                row_keys[columns[i]] = keys
        out[int(r)] = row_keys
        previous = cells
    return out


def _text_of(head: pd.DataFrame, r: int, c: int) -> str:
    value = head.at[r, c] if (r in head.index and c in head.columns) else None
    return str(value).strip() if isinstance(value, str) else ""


_INDEXES: dict[int, tuple[Contract, dict[str, list[tuple[str, str]]]]] = {}


def _heading_index(contract: Contract) -> dict[str, list[tuple[str, str]]]:
    """Heading key -> every (table, column) it can name: so a row is matched cell by cell."""
    cached = _INDEXES.get(id(contract))
    if cached is not None and cached[0] is contract:
        return cached[1]
    index: dict[str, list[tuple[str, str]]] = {}
    for name, table in contract.tables.items():
        for col_name, col in table.columns.items():
            for key in col.match_keys:
                index.setdefault(key, []).append((name, col_name))
    _INDEXES[id(contract)] = (contract, index)
    return index


def match_sheet(head: pd.DataFrame, sheet: str, contract: Contract) -> Match | None:
    """The best (table, heading row) for this sheet: recognised if any, else the closest."""
    if head.empty:
        return None
    index = _heading_index(contract)
    sheet_key = header_key(sheet) if sheet else ""
    best: Match | None = None
    for r, row in _cell_keys(head).items():
        known = {c: keys for c, keys in row.items() if any(k in index for k in keys)}
        if len(known) < 2:  # a data row, a title or a note: not a heading row
            continue
        candidates = {table for keys in known.values() for key in keys for table, _ in index.get(key, ())}
        for name in candidates:
            candidate = _match_row(head, r, row, name, contract.tables[name], sheet_key)
            if best is None or (candidate.recognised, candidate.score) > (best.recognised, best.score):
                best = candidate
    return best


def _match_row(head: pd.DataFrame, r: int, row: dict[int, set[str]], name: str, table: Table, sheet_key: str) -> Match:
    used: set[int] = set()
    columns: dict[str, int] = {}
    duplicates: dict[str, list[int]] = {}
    for col_name, col in table.columns.items():
        hits = [c for c, keys in row.items() if keys & col.match_keys and c not in used]
        if hits:
            columns[col_name] = hits[0]
            used.add(hits[0])
            if len(hits) > 1:
                duplicates[col_name] = hits
    all_keys = set().union(*row.values()) if row else set()
    signature_found = [k for k in table.signature_keys if k in all_keys]
    missing = [table.columns[c].header for c in table.required_columns if c not in columns]
    missing += [s for s in table.signature if header_key(s) not in all_keys]
    required = len(table.required_columns) + len(table.signature_keys)
    found_required = required - len(missing)
    score = len(columns) + len(signature_found) + (1 if sheet_key and sheet_key in table.sheet_name_keys else 0)
    # Closeness for an unrecognised sheet: the share of required headings found.
    score = score if not missing else found_required / max(required, 1)
    headings = {c: _text_of(head, r, i) or table.columns[c].header for c, i in columns.items()}
    return Match(name, r, columns, headings, score, not missing, missing, duplicates)
