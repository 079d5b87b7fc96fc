"""クロスリファレンス.xlsx (DESIGN §5.1): every sheet a planning division cross-checks the three plans with.

Sheets, in order: 集計, 事業一覧, クロス表, 施策×リスクシナリオ, リスクシナリオ別, 総合戦略別, 施策別, 個別計画,
[前年度比較 — only with a previous compile], 成果指標一覧, 進行管理, 成果指標の達成状況, 進行管理の集計,
[予算対照, 計画外の予算 — only with 予算事務事業.xlsx], 重複統合ログ, 重複候補, 検証結果.
The sheet writers live in `compiler/xlsx/`; this module orders them and writes atomically.

Safety (§7): the workbook never parses text (strings_to_formulas/urls off, write_string for all
text), illegal XML characters are stripped and text cut to Excel's cell limit (sanitize.safe_text),
NaN/None are written as blank cells, and any refused write raises XlsxWriteError.
Deterministic: fixed creation date and fixed zip entry timestamps (see xlsx/book.py).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from .models import Compilation
from .xlsx.previous import write_previous_sheet
from .xlsx.book import Book, XlsxWriteError
from .xlsx.budget import write_budget
from .xlsx.breakdowns import write_indicators, write_matrix, write_measures, write_scenarios, write_strategy
from .xlsx.logs import write_candidates, write_merge_log, write_problems
from .xlsx.plans import write_plans
from .xlsx.progress import write_progress
from .xlsx.projects import write_cross, write_projects
from .xlsx.summary import write_summary

__all__ = ["write_crossref", "XlsxWriteError", "SHEET_ORDER", "PREVIOUS_SHEET"]

PREVIOUS_SHEET = "前年度比較"
BUDGET_SHEETS = ("予算対照", "計画外の予算")  # after 進行管理の集計, with 予算事務事業.xlsx only
SHEET_ORDER = ("集計", "事業一覧", "クロス表", "施策×リスクシナリオ", "リスクシナリオ別", "総合戦略別", "施策別",
               "個別計画", "成果指標一覧", "進行管理", "成果指標の達成状況", "進行管理の集計", "重複統合ログ", "重複候補", "検証結果")

SheetWriter = Callable[[Book, Compilation], object]


def _write_previous(wb: Book, comp: Compilation) -> None:
    """Hook for the rolling plan: the `前年度比較` sheet, placed after 施策別 and 個別計画.

    `wb` is the `xlsx.book.Book` being written (its xlsxwriter Workbook is `wb.wb`; use
    `wb.sheet(PREVIOUS_SHEET)` and `Sheet.table(...)` for a checked, styled list sheet).
    Does nothing when the compile has no previous cycle (`comp.previous is None`).
    """
    write_previous_sheet(wb, comp)


WRITERS: tuple[SheetWriter, ...] = (
    write_summary, write_projects, write_cross, write_matrix, write_scenarios, write_strategy, write_measures,
    write_plans, _write_previous, write_indicators, write_progress, write_budget, write_merge_log, write_candidates,
    write_problems,
)


def write_crossref(comp: Compilation, path: Path) -> None:
    """Write クロスリファレンス.xlsx to `path` (through a temporary file in the same folder)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    m = comp.master
    try:
        book = Book(tmp, title=f"{m.city} 一体策定 クロスリファレンス（{m.first_year}）",
                    author=f"{m.city} 企画政策課", company=m.city)
        for writer in WRITERS:
            writer(book, comp)
            book.write_out()  # each writer finishes its sheets: their rows go to disk, their cells are freed
        book.close()
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
