"""`個別計画`: the master's ledger of sectoral plans with their period (as 香取市 writes it), the 期間満了 mark,
the 施策 each serves, the projects citing it and the first year's budget they carry (frames.plans); below,
the references in 関連個別計画 that the ledger does not hold."""
from __future__ import annotations

import pandas as pd

from ..frames.plans import first_budget_column
from ..models import Compilation
from .book import Book, Col, Sheet
from .common import mark, year_label

PLAN_SHEET = "個別計画"
NOT_IN_LEDGER = "台帳にない計画"
NO_LEDGER = "計画マスタに「個別計画」シートがないため、台帳はありません。"


def write_plans(book: Book, comp: Compilation) -> Sheet:
    m = comp.master
    f = comp.frames
    sheet = book.sheet(PLAN_SHEET)
    columns = [Col("計画ID", "code", 6, 10), Col("計画名", "wrap", 20, 40), Col("所管課", "wrap", 8, 14),
               Col("根拠法令等", "wrap", 12, 30), Col("計画期間", "wrap", 16, 36), Col("開始年度", "code", 6, 8),
               Col("終了年度", "code", 6, 8), Col("状況", "mark", 7, 9), Col("期間満了", "mark", 6, 8),
               Col("関連施策", "wrap", 16, 36), Col("引用事業数", "int", 6, 8), Col("引用事業", "wrap", 20, 48),
               Col(year_label(m, m.first_year), "num", 11, 14)]
    projects = comp.projects
    names = {code: f"{code} {measure.name}" for code, measure in m.measures.items()}
    rows: list[list[object]] = []
    styles: list[tuple[str, ...]] = []
    plans = f.plans
    budget_col = first_budget_column(m)
    for _, r in plans.iterrows():
        citing = [projects[int(i)] for i in _positions(f.plan_citations, r["計画ID"])]
        rows.append([r["計画ID"], r["計画名"], r["所管課"], r["根拠法令等"], r["計画期間"], r["開始年度"], r["終了年度"],
                     r["状況"], mark(bool(r["期間満了"])),
                     "\n".join(names.get(c, c) for c in str(r["関連施策"]).split("、") if c),
                     int(r["引用事業数"]), "\n".join(f"{p.project_id} {p.name}" for p in citing),
                     None if r[budget_col] is pd.NA else int(r[budget_col])])
        styles.append(("warning",) if bool(r["要改定"]) else ())
    unknown = f.plan_citations[f.plan_citations["計画ID"].isna()]
    for text in dict.fromkeys(unknown["参照"].tolist()):
        positions = dict.fromkeys(int(i) for i in unknown.loc[unknown["参照"] == text, "位置"].tolist())
        citing = [projects[i] for i in positions]
        amounts = [p.budget.get(m.first_year) for p in citing if p.budget.get(m.first_year) is not None]
        rows.append(["", text, "", "", "", "", "", NOT_IN_LEDGER, "", "", len(citing),
                     "\n".join(f"{p.project_id} {p.name}" for p in citing), sum(amounts) if amounts else None])
        styles.append(("warning",))
    sheet.table(columns, rows, styles, freeze_cols=2)
    sheet.comment(0, 8, f"計画期間が本計画の期間（{m.years[0]}～{m.years[-1]}）の終了までに満了する計画に ○ を付けています。"
                        "状況が「改定予定」でない計画は色付けし、検証結果に警告を出しています。")
    sheet.comment(0, 9, "計画マスタの関連施策コードの施策と、この計画を関連個別計画に記入した事業の施策です。")
    sheet.comment(0, 12, "この計画を関連個別計画に記入した事業の初年度の事業費の合計です（再掲は重複計上しません）。")
    if not m.ledger.present:
        sheet.comment(0, 1, NO_LEDGER)
    return sheet


def _positions(citations: pd.DataFrame, plan_id: object) -> list[int]:
    hit = citations.loc[citations["計画ID"].eq(plan_id).fillna(False).astype(bool), "位置"].tolist()
    return list(dict.fromkeys(int(i) for i in hit))
