"""個別計画 in the draft: 「関連する個別計画」 under each 施策 (第3章) and the 資料編's 個別計画一覧, with periods
written the way 香取市 writes them: `香取市過疎地域持続的発展計画（2022（令和4）年度～2025（令和7）年度）`.
Both are public information; the 期間満了 column is a review mark the 公表版 leaves out (publish.INTERNAL_COLUMNS)."""
from __future__ import annotations

import pandas as pd

from ..ledger import period_text
from .base import DASH, Body, Context, mark
from .ooxml import Col

TITLE = "個別計画一覧"
RELATED = "関連する個別計画"
EXPIRY = "期間満了"
PLAN_COLS = (Col("計画名", 2100), Col("所管課", 1000), Col("根拠法令等", 2000), Col("計画期間", 1900),
             Col("状況", 800, "C"), Col("関連施策", 838, "C", code=True), Col(EXPIRY, 1000, "C"))


def has_plans(ctx: Context) -> bool:
    """Whether the master's ledger lists any plan (the 資料編 prints 個別計画一覧 only then)."""
    return len(ctx.comp.frames.plans) > 0


def plan_line(name: str, period: str) -> str:
    """`計画名（2022（令和4）年度～2025（令和7）年度）`, or the name alone when the ledger gives no period."""
    return f"{name}（{period}）" if period else name


def measure_plan_lines(ctx: Context, code: str) -> list[str]:
    """The plans listed under a 施策 (frames.plan_measures), in ledger order, as lines of the draft."""
    return ctx.plan_lines.get(code, [])


def plan_lines_by_measure(frames) -> dict[str, list[str]]:  # noqa: ANN001 - compiler.frames.Frames
    """施策コード -> the lines of measure_plan_lines, from one pass over frames.plan_measures."""
    plans = {pid: plan_line(str(name), str(period))
             for pid, name, period in zip(frames.plans["計画ID"], frames.plans["計画名"], frames.plans["計画期間"])}
    out: dict[str, list[str]] = {}
    for code, pid in zip(frames.plan_measures["施策コード"], frames.plan_measures["計画ID"]):
        if isinstance(code, str):
            out.setdefault(code, []).append(plans[pid])
    return out


def related_plans(body: Body, ctx: Context, code: str) -> None:
    """「関連する個別計画」 under a 施策: one line per plan; nothing when the 施策 has none."""
    lines = measure_plan_lines(ctx, code)
    if not lines:
        return
    body.lead(RELATED)
    body.para("\n".join(f"・{line}" for line in lines))


def plans_section(body: Body, ctx: Context, title: str, public_title: str | None = None) -> None:
    """資料編 個別計画一覧: every plan of the ledger; 期間満了 marks those whose period ends by the plan's last year.
    `public_title`: the 公表版's heading when it is numbered otherwise."""
    m = ctx.master
    f = ctx.comp.frames
    body.heading(2, title, public_title)
    body.para(f"本計画の施策に関連する個別計画（{len(f.plans):,}計画）を示します。計画期間は西暦（和暦）年度で示しています。")
    body.table(PLAN_COLS, (_row(r) for _, r in f.plans.iterrows()))
    if (draft := body.internal()) is not None:
        due = int(f.plans["要改定"].sum())
        draft.note(f"期間満了欄の○は、計画期間が本計画の期間（{period_text(m.start_year, m.end_year)}）中又はそれ以前に"
                   f"満了する計画です。このうち状況が改定予定でない{due:,}計画は、改定の予定を所管課に確認してください。")


def _row(r: pd.Series) -> tuple:
    measures = str(r["関連施策"]).replace("、", "\n")
    due = bool(r["要改定"])
    expiry = (("○", "Strong"), ("\n（改定予定なし）", "")) if due else mark(bool(r["期間満了"]))
    return (str(r["計画名"]), str(r["所管課"]) or DASH, str(r["根拠法令等"]) or DASH, str(r["計画期間"]) or DASH,
            str(r["状況"]), measures or DASH, expiry)
