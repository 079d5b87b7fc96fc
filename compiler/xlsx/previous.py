"""前年度比較: this cycle against the previous compile (the rolling plan)."""
from __future__ import annotations

from compiler.rolling import Comparison, Pair

from .book import Book, Col, Sheet

PREVIOUS_SHEET = "前年度比較"
STATUS_STYLE = {"新規": (), "終了": ("warning",), "番号変更": ("error",), "継続": ()}


def _percent(before: int, after: int) -> float | None:
    return round((after - before) / before * 100, 1) if before else None


def _row(cmp: Comparison, p: Pair) -> list[object]:
    changes = "\n".join(f"{c.label}: {c.before or '（空欄）'} → {c.after or '（空欄）'}" for c in p.changes)
    row: list[object] = [p.status, p.project_id, p.previous_id if p.previous_id != p.project_id else "", p.name,
                         p.dept, "、".join(c.label for c in p.changes), changes]
    for y in cmp.overlap_years:
        before, after = p.budget.get(y, (0, 0))
        row += [before, after, after - before, _percent(before, after)]
    return row


def write_previous_sheet(book: Book, comp) -> Sheet | None:
    cmp = comp.previous
    if not isinstance(cmp, Comparison):
        return None
    sheet = book.sheet(PREVIOUS_SHEET)
    columns = [Col("区分", "text", 6, 8), Col("事業ID", "code", 10, 14), Col("前年度事業ID", "code", 10, 14),
               Col("事業名", "text", 16, 36), Col("所管課", "text", 8, 16), Col("変更項目", "text", 8, 24),
               Col("変更内容", "wrap", 16, 48)]
    unit = comp.master.unit
    for y in cmp.overlap_years:
        columns += [Col(f"{y} 前年度計画（{unit}）", "num", 10, 14), Col(f"{y} 本計画（{unit}）", "num", 10, 14),
                    Col(f"{y} 増減（{unit}）", "num", 10, 14), Col(f"{y} 増減率（%）", "score", 8, 10)]
    listed = [p for p in cmp.pairs
              if p.status != "継続" or p.changes or any(p.diff(y) for y in cmp.overlap_years)]
    rows = [_row(cmp, p) for p in listed]
    styles = [STATUS_STYLE[p.status] for p in listed]
    last = sheet.table(columns, rows, styles, freeze_cols=2)
    # the differences of the listed rows add up to the difference of the totals (unchanged rows add 0)
    r = last + 2
    total_fmt = book.fmt("cell", "total")
    num_fmt = book.fmt("cell", "num", "total")
    sheet.text(r, 3, "計画全体（前年度計画 → 本計画）", total_fmt, measure=False)
    sheet.text(r + 1, 3, "上記の増減の合計", total_fmt, measure=False)
    for i, y in enumerate(cmp.overlap_years):
        c = 7 + 4 * i
        before, after = cmp.previous_totals[y], cmp.current_totals[y]
        sheet.number(r, c, before, num_fmt)
        sheet.number(r, c + 1, after, num_fmt)
        sheet.number(r, c + 2, after - before, num_fmt)
        sheet.number(r + 1, c + 2, sum(p.diff(y) for p in listed), num_fmt)
    return sheet
