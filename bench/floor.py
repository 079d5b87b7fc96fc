"""The I/O floor of a compile: the least any compile of this cycle has to do.

    python bench/floor.py CYCLE_DIR --workers 1|2 [--output DIR] [--json FILE]

Reads the four data sheets the compile reads (総合計画・国土強靱化・総合戦略・成果指標; --all-sheets adds
記入要領 and the hidden list sheet, which the compile never reads) of every workbook in CYCLE_DIR/提出
with the fastest reader we have
(python-calamine: `CalamineWorkbook.from_path(p).get_sheet_by_name(s).to_python()`), with
--workers 1 in this process, or with --workers N>1 in a process pool of N forked workers that
send the rows back (as the compile's read stage does), then writes every row once into a
single workbook with xlsxwriter (constant_memory, the writer's fastest mode).  No validation,
no merging, no Word document: a compile can only get close to this, never below it.

The run script times this whole process from the outside (interpreter start included, like
the compile); the JSON written here splits it into read and write.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from python_calamine import CalamineWorkbook

ACCEPTED = (".xlsx", ".xlsm")
DATA_SHEETS = ("総合計画", "国土強靱化", "総合戦略", "成果指標")
ALL_SHEETS = False


def books(cycle: Path) -> list[Path]:
    folder = cycle / "提出"
    return sorted(p for p in folder.iterdir()
                  if p.suffix.lower() in ACCEPTED and not p.name.startswith(("~$", ".")) and p.is_file())


def read_book(path: Path) -> list[tuple[str, list[list[object]]]]:
    wb = CalamineWorkbook.from_path(str(path))
    try:
        return [(name, wb.get_sheet_by_name(name).to_python()) for name in wb.sheet_names
                if ALL_SHEETS or name in DATA_SHEETS]
    finally:
        wb.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cycle", type=Path)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--output", type=Path, default=None, help="folder for floor.xlsx (default: a temp folder)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--all-sheets", action="store_true",
                    help="read 記入要領 and the list sheet too (a padded floor: the compile does not read them)")
    args = ap.parse_args(argv)
    global ALL_SHEETS
    ALL_SHEETS = args.all_sheets

    import xlsxwriter

    t0 = time.perf_counter()
    paths = books(args.cycle)
    if args.workers <= 1:
        results = [read_book(p) for p in paths]
    else:
        with ProcessPoolExecutor(args.workers, mp_context=get_context("fork")) as pool:
            results = list(pool.map(read_book, paths, chunksize=1))
    t1 = time.perf_counter()

    out_dir = args.output
    if out_dir is None:
        import tempfile

        out_dir = Path(tempfile.mkdtemp(prefix="floor-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(out_dir / "floor.xlsx"), {"constant_memory": True, "strings_to_formulas": False,
                                                           "strings_to_urls": False, "nan_inf_to_errors": True})
    ws = wb.add_worksheet("rows")
    r = 0
    cells = 0
    for book in results:
        for _name, rows in book:
            for row in rows:
                ws.write_row(r, 0, row)
                cells += len(row)
                r += 1
    wb.close()
    t2 = time.perf_counter()
    info = {"workers": args.workers, "all_sheets": ALL_SHEETS, "files": len(paths), "rows": r, "cells": cells,
            "read_s": round(t1 - t0, 4), "write_s": round(t2 - t1, 4), "total_s": round(t2 - t0, 4),
            "output_bytes": (out_dir / "floor.xlsx").stat().st_size}
    if args.json:
        args.json.write_text(json.dumps(info), encoding="utf-8")
    else:
        print(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
