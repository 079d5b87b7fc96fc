"""Read stage: find the department workbooks and turn each template sheet into raw rows.

Each workbook is parsed by python-calamine in a worker process (a hostile file can abort
a native reader; see guard/), after a cheap preflight of the zip package.  The worker
returns plain data: for every template sheet, the header row it found, the column of each
field, and the non-blank data rows with their raw cell values.  Nothing is normalised here.
"""
from __future__ import annotations

import datetime as _dt
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from . import sheetxml
from .guard import FileRefused, check_package
from .isolate import imap_isolated
from .models import DATA_SHEETS, Master
from .normalise import clean_text
from .schema import Column, columns_for, label_key

log = logging.getLogger(__name__)

HEADER_SEARCH_ROWS = 10
ACCEPTED_SUFFIXES = (".xlsx", ".xlsm")
READ_TIMEOUT_S = 120.0  # one workbook; a hanging reader fails its own file only
READ_MEMORY_MB = 2048


@dataclass
class RawRow:
    row: int  # 1-based Excel row
    values: dict[str, object]  # field key -> raw cell value (None when blank)


@dataclass
class RawSheet:
    name: str
    header_row: int = 0  # 1-based; 0 when no header was found
    columns: dict[str, int] = field(default_factory=dict)  # field key -> 0-based column
    unknown_columns: list[tuple[str, int]] = field(default_factory=list)  # (label, column)
    duplicate_columns: list[tuple[str, int]] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)  # labels
    rows: list[RawRow] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)
    formulas_without_value: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col0) -> formula
    error_cells: dict[tuple[int, int], str] = field(default_factory=dict)


@dataclass
class RawWorkbook:
    name: str
    path: Path
    sheets: dict[str, RawSheet] = field(default_factory=dict)
    refused: tuple[str, str] | None = None  # (problem code, detail)
    return_blocker: str = ""  # why no annotated copy can be made of it ('' when one can)


OS_FILES = {"thumbs.db", "ehthumbs.db", "desktop.ini"}  # written by Windows Explorer, like macOS's .DS_Store


def discover(submit_dir: Path) -> tuple[list[Path], list[tuple[Path, str, str]]]:
    """Files of 提出/: (workbooks to read, [(path, code, detail)] refused by name)."""
    books: list[Path] = []
    refused: list[tuple[Path, str, str]] = []
    if not submit_dir.is_dir():
        return books, refused
    for path in sorted(submit_dir.iterdir(), key=lambda p: p.name):
        if path.name.startswith("~$") or path.name.startswith(".") or path.name.lower() in OS_FILES:
            continue
        suffix = path.suffix.lower()
        if path.is_dir():
            if suffix in ACCEPTED_SUFFIXES or suffix == ".xls":
                refused.append((path, "file-folder", "フォルダ"))
            continue
        if suffix in ACCEPTED_SUFFIXES:
            books.append(path)
        elif suffix == ".xls":
            refused.append((path, "file-xls", path.suffix))
        else:
            refused.append((path, "file-unknown-type", path.suffix or "拡張子なし"))
    return books, refused


def cell_value(v: object) -> object:
    """calamine value → None for blanks, text stripped of nothing (validation cleans it)."""
    if v is None or v == "":
        return None
    if isinstance(v, _dt.time):
        return v.isoformat()
    if isinstance(v, _dt.timedelta):
        return str(v)
    return v


def _fill_merged(grid: list[list[object]], merged: list) -> None:
    """Every cell of a merged range gets the value of its top-left cell (grid laid out from A1)."""
    for (sr, sc), (er, ec) in merged:
        if sr < 0 or sc < 0 or sr >= len(grid):
            continue
        top = grid[sr][sc] if sc < len(grid[sr]) else None
        if top is None:
            continue
        for r in range(sr, min(er, len(grid) - 1) + 1):
            row = grid[r]
            for c in range(sc, min(ec, len(row) - 1) + 1):
                if row[c] is None:
                    row[c] = top


_LABEL_KEYS: dict[str, str] = {}  # label_key of texts seen in this process (labels, repeated values)
_LABEL_KEYS_MAX = 20_000


def _label_key(value: object) -> str:
    """schema.label_key, remembered for texts: the same labels and names recur in every workbook."""
    if type(value) is not str:
        return label_key(value)
    key = _LABEL_KEYS.get(value)
    if key is None:
        if len(_LABEL_KEYS) >= _LABEL_KEYS_MAX:
            _LABEL_KEYS.clear()
        key = _LABEL_KEYS[value] = label_key(value)
    return key


def find_header(grid: list[list[object]], columns: tuple[Column, ...]) -> tuple[int, dict[str, int], list, list]:
    """Best header row among the first rows: (row index or -1, key->col, unknown, duplicates)."""
    by_label = {_label_key(c.label): c.key for c in columns}
    best = (-1, 0)
    keyed: list[list[str | None]] = []  # label_key of every cell of the rows searched (None: blank)
    for r, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        keys = [None if v is None else _label_key(v) for v in row]
        keyed.append(keys)
        hits = {by_label[k] for k in keys if k in by_label}
        if len(hits) > best[1]:
            best = (r, len(hits))
    r, hits = best
    name_keys = {"name"}
    if r < 0 or hits < 2:
        return -1, {}, [], []
    cols: dict[str, int] = {}
    unknown: list[tuple[str, int]] = []
    dups: list[tuple[str, int]] = []
    keys = keyed[r]
    for c, v in enumerate(grid[r]):
        if v is None:
            continue
        text = clean_text(v)
        if text == "":
            continue
        key = by_label.get(keys[c])
        if key is None:
            unknown.append((text, c))
        elif key in cols:
            dups.append((text, c))
        else:
            cols[key] = c
    if not name_keys & cols.keys() and hits < 3:
        return -1, {}, [], []
    return r, cols, unknown, dups


def _sheet_rows(grid: list[list[object]], header: int, cols: dict[str, int],
                unknown: list[tuple[str, int]]) -> list[RawRow]:
    used = sorted(set(cols.values()) | {c for _, c in unknown})
    out: list[RawRow] = []
    for r in range(header + 1, len(grid)):
        row = grid[r]
        if not any(row[c] is not None and clean_text(row[c]) != "" for c in used if c < len(row)):
            continue
        values = {k: (row[c] if c < len(row) else None) for k, c in cols.items()}
        out.append(RawRow(r + 1, values))
    return out


def read_workbook(path: Path, years: tuple[str, ...]) -> RawWorkbook:
    """Parse one workbook (runs inside a worker process)."""
    from python_calamine import CalamineWorkbook

    book = RawWorkbook(path.name, path)
    template_names = {label_key(s): s for s in DATA_SHEETS}
    try:
        # the preflight inflates every part anyway: it keeps the template sheets' XML for sheetxml
        sheet_xml = check_package(path, keep=lambda name: label_key(name) in template_names)
    except FileRefused as exc:
        book.refused = (exc.code, exc.detail)
        return book
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - one message per unreadable file
        book.refused = ("file-unreadable", f"Excel の内容を解釈できません: {type(exc).__name__}")
        return book
    template_sheets: list[str] = []
    try:
        for sheet_name in wb.sheet_names:
            canonical = template_names.get(label_key(sheet_name))
            if canonical is None or canonical in book.sheets:
                continue  # not a template sheet (記入要領, lists, notes ...): ignored
            # hidden template sheets are still read: a department may hide a sheet it filled
            sheet = wb.get_sheet_by_name(sheet_name)
            extras = sheetxml.scan_xml(sheet_xml[sheet_name]) if sheet_name in sheet_xml else sheetxml.SheetExtras()
            book.sheets[canonical] = _read_sheet(sheet, canonical, years, extras)
            template_sheets.append(sheet_name)
    except Exception as exc:  # noqa: BLE001
        book.sheets.clear()
        book.refused = ("file-unreadable", f"シートの内容を解釈できません: {type(exc).__name__}")
    finally:
        wb.close()
    if book.sheets:
        # whether a copy of it can be annotated for its return, learned while the file is at hand
        from .returns import return_blocker

        book.return_blocker = return_blocker(path, frozenset(template_sheets))
    return book


def _read_sheet(sheet, canonical: str, years: tuple[str, ...], extras: sheetxml.SheetExtras) -> RawSheet:
    raw = RawSheet(canonical)
    # skip_empty_area=False lays the sheet out from A1 (grid[0][0] is A1 even when the first
    # used cell is further down or right), so grid indexes are the sheet's own rows and columns
    grid = [[cell_value(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
    _fill_merged(grid, sheet.merged_cell_ranges or [])
    for (r, c) in extras.errors:
        if r < len(grid) and c < len(grid[r]):
            grid[r][c] = None
    columns = columns_for(canonical, years)
    header, cols, unknown, dups = find_header(grid, columns)
    if header < 0:
        raw.rows = [RawRow(i + 1, {}) for i, row in enumerate(grid) if any(v is not None for v in row)]
        return raw
    raw.header_row = header + 1
    raw.columns, raw.unknown_columns, raw.duplicate_columns = cols, unknown, dups
    raw.missing_required = [c.label for c in columns if c.required and c.key not in cols]
    raw.rows = _sheet_rows(grid, header, cols, unknown)
    data_rows = {rr.row for rr in raw.rows}
    raw.hidden_rows = sorted(r for r in extras.hidden_rows if r in data_rows)
    wanted_cols = set(cols.values())
    raw.formulas_without_value = {(r, c): f for (r, c), f in extras.formulas.items()
                                  if r + 1 > raw.header_row and c in wanted_cols}
    raw.error_cells = {(r + 1, c): t for (r, c), t in extras.errors.items()
                       if r + 1 > raw.header_row and c in wanted_cols}
    # rows made only of formulas without values or error cells still count as non-blank rows
    extra_rows = {r + 1 for (r, _c) in list(extras.formulas) + list(extras.errors)
                  if r + 1 > raw.header_row} - data_rows
    for r in sorted(extra_rows):
        raw.rows.append(RawRow(r, {k: None for k in cols}))
    raw.rows.sort(key=lambda rr: rr.row)
    raw.formulas_without_value = {(r + 1, c): f for (r, c), f in raw.formulas_without_value.items()}
    return raw


def read_each(paths: list[Path], master: Master, workers: int | None = None) -> Iterator[RawWorkbook]:
    """Read every workbook in parallel worker processes, giving each in the order of `paths` as
    soon as it is read (the caller validates one while the workers read the next ones)."""
    if not paths:
        return
    workers = workers or min(len(paths), os.cpu_count() or 1, 4)
    results = imap_isolated(read_workbook, [(p, master.years) for p in paths], workers=workers,
                            timeout=READ_TIMEOUT_S, memory_mb=READ_MEMORY_MB)
    for p, r in zip(paths, results):
        yield RawWorkbook(p.name, p, refused=(r.code, r.detail)) if isinstance(r, FileRefused) else r


def read_all(paths: list[Path], master: Master, workers: int | None = None) -> list[RawWorkbook]:
    """Every workbook read (see read_each); order of the result = order of paths."""
    return list(read_each(paths, master, workers))
