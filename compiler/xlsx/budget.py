"""予算対照 (one row per 総合計画 project: its 予算事務事業, the plan's and the budget's first-year figures,
the かい離) and 計画外の予算 (the 予算事務事業 no plan project carries, with 款・項 subtotals).  Written
when the cycle has 予算事務事業.xlsx; every figure comes from frames/budget.py."""
from __future__ import annotations

import pandas as pd

from ..budget import thousand
from ..models import Compilation
from .book import Book, Col, Sheet
from .progress import records

COMPARE_SHEET = "予算対照"
UNLINKED_SHEET = "計画外の予算"


def write_budget(book: Book, comp: Compilation) -> None:
    f = comp.frames
    if f.budget_compare is None or f.budget_items is None:
        return
    _compare(book, comp, f.budget_compare)
    _unlinked(book, comp, f.budget_items)


def _compare(book: Book, comp: Compilation, df: pd.DataFrame) -> Sheet:
    year, unit = comp.master.first_year, comp.master.unit
    settings = comp.master.budget_settings
    sheet = book.sheet(COMPARE_SHEET)
    columns = [Col("事業ID", "code", 10, 14), Col("事業名", "wrap", 16, 32), Col("所管課", "text", 8, 16),
               Col("施策コード", "code", 6, 8), Col("予算区分", "text", 6, 8), Col("予算事務事業コード", "wrap", 12, 22),
               Col(f"{year}計画額（{unit}）", "num", 10, 14), Col(f"{year}予算額（{unit}）", "num", 10, 14),
               Col("共有する予算事務事業", "wrap", 10, 30), Col("対照単位", "wrap", 8, 24),
               Col(f"対照単位の計画額（{unit}）", "num", 10, 14), Col(f"対照単位の予算額（{unit}）", "num", 10, 14),
               Col(f"かい離（{unit}）", "num", 9, 12), Col("かい離率（%）", "score", 7, 9), Col("要確認", "wrap", 12, 36)]
    # かい離あり is shown by the fill of the row (要確認 says why)
    names = ("事業ID", "事業名", "所管課", "施策コード", "予算区分", "予算事務事業コード", "計画額", "予算額",
             "共有する予算事務事業", "対照単位", "対照単位の計画額", "対照単位の予算額", "かい離", "かい離率", "要確認")
    rows = [list(v) for v in records(df, names)]
    styles = [("warning",) if attention else () for attention in df["要確認"].tolist()]
    last = sheet.table(columns, rows, styles, freeze_cols=2)
    notes = (
        f"予算額は予算事務事業.xlsx の当初予算額（{settings.unit}単位で読み込み、{unit}未満を四捨五入）。",
        "予算事務事業を共有する事業は「対照単位」にまとめ、共有する事務事業の額を一度だけ数えて計画額の計と対照します"
        "（予算額の欄では、共有する事務事業の額は最初の事業の行にだけ計上します）。",
        f"かい離 ＝ 計画額 − 予算額。許容範囲（{settings.rate:g}% かつ {settings.amount:,}{unit}）を超えるものの行と、確認を要する行を黄色で示します。",
    )
    for i, text in enumerate(notes):
        sheet.text(last + 2 + i, 1, text, book.fmt("note"), measure=False)
    return sheet


def _unlinked(book: Book, comp: Compilation, items: pd.DataFrame) -> Sheet:
    unit = comp.master.unit
    sheet = book.sheet(UNLINKED_SHEET)
    columns = [Col("款", "text", 8, 14), Col("項", "text", 8, 16), Col("予算事務事業コード", "code", 10, 14),
               Col("事務事業名", "wrap", 16, 40), Col("所管課", "text", 8, 16), Col("会計", "text", 8, 20),
               Col("目", "text", 8, 16), Col(f"当初予算額（{unit}）", "num", 10, 14), Col("行", "int", 5, 6)]
    out = items.loc[~items["計画内"]].sort_values("行", kind="stable")  # the export's order, 款・項 as they come
    rows: list[list[object]] = []
    styles: list[tuple[str, ...]] = []
    for (kan, kou), group in out.groupby(["款", "項"], sort=False, dropna=False):
        for values in records(group, ("款", "項", "予算事務事業コード", "事務事業名", "所管課", "会計", "目", "予算額", "行")):
            rows.append(list(values))
            styles.append(())
        rows.append([kan, f"{kou}　計", "", f"{len(group):,} 事務事業", "", "", "", _sum(group), None])
        styles.append(("total",))
    rows.append(["合計", "", "", f"{len(out):,} 事務事業", "", "", "", _sum(out), None])
    styles.append(("total",))
    last = sheet.table(columns, rows, styles, freeze_cols=3)
    sheet.text(last + 2, 1, "どの事業の予算事務事業コードにも記入されていない予算事務事業です。計画に掲載すべき事業がないか確認してください。"
               "「行」は予算事務事業.xlsx の行番号です。", book.fmt("note"), measure=False)
    return sheet


def _sum(df: pd.DataFrame) -> int:
    """The 千円 total of the items, from their 円 (rounded once, at the end)."""
    return thousand(int(df["当初予算額（円）"].fillna(0).sum())) or 0
