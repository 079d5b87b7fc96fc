"""資料編「予算との対照」: how the plan's projects and the budget's 予算事務事業 relate (the summary, then
the comparison units whose plan and budget figures disagree).  Printed when the cycle has
予算事務事業.xlsx; the figures come from frames/budget.py."""
from __future__ import annotations

import pandas as pd

from .base import PROVISIONAL, Body, Context, money
from .ooxml import Col, TotalRow

TITLE = "予算との対照"
SUMMARY_COLS = (Col("区分", 5238), Col("予算事務事業数", 2000, "R"), Col("当初予算額（千円）", 2400, "R"))
GAP_COLS = (Col("事業ID", 1300, code=True), Col("事業名（所管課）", 2738), Col("予算事務\n事業コード", 1300, code=True),
            Col("計画額", 1100, "R"), Col("予算額", 1100, "R"), Col("かい離", 1100, "R"), Col("かい離率", 1000, "R"))


def _rate(value: object) -> str:
    if value is None or value is pd.NA:
        return ""
    v = float(value)  # type: ignore[arg-type]
    return f"△{-v:.1f}%" if v < 0 else f"{v:.1f}%"


def _signed(value: object) -> str:
    if value is None or value is pd.NA:
        return ""
    v = int(value)  # type: ignore[call-overload]
    return f"△{-v:,}" if v < 0 else f"{v:,}"


def budget_section(body: Body, ctx: Context, title: str) -> None:
    f, m = ctx.comp.frames, ctx.master
    c = f.budget_counts
    body.heading(2, title)
    share = c["一般会計に占める割合"]
    body.para(
        f"{m.first_year}年度当初予算の予算事務事業{c['予算事務事業数']:,}件と、本計画の事業{c['計画事業数']:,}件"
        f"（うち予算事務事業コードの記入があるもの{c['コード記入事業数']:,}件）を対照しました。"
        f"計画の事業に紐づく予算事務事業は{c['計画内の予算事務事業数']:,}件、計画外のものは{c['計画外の予算事務事業数']:,}件です。"
        + (f"一般会計の当初予算額のうち{share:.1f}%を本計画の事業が計上しています。" if share is not None else ""))
    body.unit()
    items = f.budget_items
    linked, unlinked = items.loc[items["計画内"]], items.loc[~items["計画内"]]
    body.table(SUMMARY_COLS, (
        ("計画の事業に紐づく予算事務事業", f"{len(linked):,}", money(c["計画内の予算額"])),
        ("計画外の予算事務事業", f"{len(unlinked):,}", money((c["予算額の計"] or 0) - (c["計画内の予算額"] or 0))),
        TotalRow(("計", f"{len(items):,}", money(c["予算額の計"]))),
    ), keep_together=True)
    settings = m.budget_settings
    body.para(f"計画額（{m.first_year}事業費）と予算額（当初予算額）の差が{settings.rate:g}%かつ{settings.amount:,}千円を"
              "超える事業を示します。予算事務事業を複数の事業が共有する場合は、その事業の計で対照しています。")
    gaps = f.budget_compare.loc[f.budget_compare["かい離あり"]]
    if gaps.empty:
        body.note("かい離のある事業はありません。")
        return
    body.unit()
    provisional = {p.project_id for p in ctx.comp.projects if p.id_generated}
    rows = []
    for unit, group in gaps.groupby(gaps["対照単位"].where(gaps["対照単位"] != "", gaps["事業ID"]), sort=False):
        first = group.iloc[0]
        names = "\n".join(f"{n}（{d}）" for n, d in zip(group["事業名"], group["所管課"]))
        codes = "\n".join(dict.fromkeys(c for cs in group["予算事務事業コード"] for c in str(cs).split("、") if c))
        ids = "\n".join(f"{i}\n{PROVISIONAL}" if i in provisional else i for i in group["事業ID"])
        rows.append((ids, names, codes, money(_int(first["対照単位の計画額"])),
                     money(_int(first["対照単位の予算額"])), _signed(first["かい離"]), _rate(first["かい離率"])))
    body.table(GAP_COLS, rows)


def _int(value: object) -> int | None:
    return None if value is None or value is pd.NA else int(value)  # type: ignore[call-overload]
