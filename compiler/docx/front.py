"""Cover, 目次, 第1章 計画の概要 and 第2章 施策体系."""
from __future__ import annotations

from compiler.models import Master, Project

from .base import Body, Context, money, plan_period, reiwa
from .ooxml import Col, Merged, TotalRow, paragraph, toc_field

ISSUER = "企画政策課"
CHAPTERS = ("計画の概要", "施策体系", "施策別主要事業", "国土強靱化 リスクシナリオ別の対応事業",
            "総合戦略 基本目標別の事業", "事業費の見通し", "資料編")


def chapter_title(number: int) -> str:
    """`第3章　施策別主要事業` (number is 1-based)."""
    return f"第{number}章　{CHAPTERS[number - 1]}"


def issuer(master: Master) -> str:
    """The issuing division, with its 部局 when the master's 課一覧 knows it."""
    dept = master.departments.get(ISSUER)
    return f"{dept.bureau}　{ISSUER}" if dept and dept.bureau else ISSUER


def document_title(master: Master, public: bool = False) -> str:
    return f"{master.city} {reiwa(master.start_year)} {edition(public)}"


def edition(public: bool) -> str:
    """実施計画（案） for review; the 公表版 drops the 案."""
    return "実施計画" if public else "実施計画（案）"


def drafted(master: Master) -> str:
    """策定年月: the March before the first year of the plan (R7 → 令和7年3月)."""
    year = master.start_year
    return "平成31年3月" if year == 1 else f"令和{year}年3月"


def cover(master: Master, public: bool = False) -> str:
    """The cover page (the 目次 title that follows starts a new page)."""
    blank = paragraph("", "CoverText")
    parts = [blank] * 5
    parts += [paragraph(master.plan_name, "CoverText"),
              paragraph(f"{reiwa(master.start_year)} {edition(public)}", "CoverTitle"),
              paragraph(f"（{plan_period(master)}）", "CoverText"),
              blank, blank,
              paragraph("本計画は、次の計画を包含し一体的に策定するものです。", "CoverText"),
              paragraph(master.resilience_name, "CoverText"),
              paragraph(master.strategy_name, "CoverText")]
    parts += [blank] * 5
    parts += [paragraph(drafted(master), "CoverText"), paragraph(master.city, "CoverTitle"),
              paragraph(issuer(master), "CoverText")]
    return "".join(parts)


def contents(headings: list[tuple[int, str]]) -> str:
    """目次: a TOC field whose cached entries are the headings (Word adds page numbers on open)."""
    return (paragraph("目　次", "TocTitle")
            + toc_field(headings, "（目次は Word で開くと更新されます）",
                        "※ページ番号は、目次を更新すると表示されます。"))


# ---------------------------------------------------------------- 第1章
def overview(body: Body, ctx: Context) -> None:
    m = ctx.master
    projects = ctx.comp.projects
    years = len(m.years)
    body.heading(1, chapter_title(1))
    body.heading(2, "1　計画の位置づけ")
    body.para(f"本計画は、{m.plan_name}に掲げる施策を具体化し、効果的かつ効率的に推進するため、"
              f"今後{years}年間に取り組む主要な事業とその事業費の見通しを明らかにするものです。")
    body.para(f"あわせて、{m.resilience_name}及び{m.strategy_name}に位置づける事業を本計画に包含し、"
              "三つの計画を一体的に策定しています。各事業には、対応する国土強靱化のリスクシナリオ"
              "（起きてはならない最悪の事態）の番号と、総合戦略の基本目標の番号を併記しています。")
    body.heading(2, "2　計画期間")
    body.para(f"本計画の計画期間は、{reiwa(m.start_year)}から{reiwa(m.end_year)}までの{years}年間とします。"
              "社会経済情勢や財政状況の変化に対応するため、毎年度見直しを行うローリング方式により策定します。")
    body.heading(2, "3　一体的に策定する計画")
    body.para("本計画は、次の三つの計画を一体的に策定するものです。各課からの調書を一つの様式で照会し、"
              "同一の事業を一つにまとめて掲載しています。")
    counts = ctx.comp.frames.counts
    n_plan, n_res, n_str = counts["総合計画"], counts["国土強靱化"], counts["総合戦略"]
    cols = (Col("計画", 3700), Col("本計画での掲載", 4938), Col("掲載事業数", 1000, "R"))
    body.table(cols, [
        (m.plan_name, "第3章 施策別主要事業", f"{n_plan:,}"),
        (m.resilience_name, "第4章 リスクシナリオ別の対応事業（各事業の「強靱化」欄）", f"{n_res:,}"),
        (m.strategy_name, "第5章 基本目標別の事業（各事業の「総合戦略」欄）", f"{n_str:,}"),
    ], keep_together=True)
    body.heading(2, "4　掲載事業の概要")
    _summary(body, ctx, projects)


def _summary(body: Body, ctx: Context, projects: list[Project]) -> None:
    counts = ctx.comp.frames.counts
    multi = counts["複数計画"]
    body.para(f"本計画には{len(projects):,}事業を掲載しています。このうち、二つ以上の計画に位置づけられている事業は"
              f"{multi:,}事業です。")
    totals = ctx.comp.totals
    by_year = "、".join(f"{reiwa(int(y[1:]))} {money(totals.by_year.get(y, 0))}千円" for y in ctx.years)
    grand = sum(totals.by_year.get(y, 0) for y in ctx.years)
    body.para(f"計画期間の事業費は、総額{money(grand)}千円（{by_year}）を見込んでいます。"
              "他の施策に再掲する事業の事業費は、主たる施策にのみ計上しています。")
    rows = [
        ("総合計画（施策別主要事業）", counts["総合計画"]),
        ("　うち新規事業", counts["新規"]),
        ("　うち重点事業（◎）", counts["重点"]),
        ("　うち他の施策に再掲する事業", counts["総合計画で再掲あり"]),
        ("国土強靱化地域計画", counts["国土強靱化"]),
        ("　うち実施箇所を明記した事業", counts["実施箇所明記"]),
        ("総合戦略", counts["総合戦略"]),
        ("二つ以上の計画に位置づけられた事業", multi),
    ]
    review = ("要確認事業（資料編）", counts["要確認"])  # in the editions that print the 要確認事業
    cols = (Col("区分", 6438), Col("事業数", 3200, "R"))
    for view in body.each():
        shown = rows + [review] if view.showing("要確認事業") is not None else rows
        view.table(cols, [TotalRow(("掲載事業数（実数）", f"{len(projects):,}"))] + [(label, f"{n:,}") for label, n in shown],
                   keep_together=True)
    if (draft := body.showing("要確認事業")) is not None:
        draft.note("※本書は、各課から提出された調書を取りまとめた案です。調書の記載に確認を要する事業は、"
                   "資料編「要確認事業」に掲げています。")


# ---------------------------------------------------------------- 第2章
def system(body: Body, ctx: Context) -> None:
    m = ctx.master
    body.heading(1, chapter_title(2))
    body.para(f"{m.plan_name}の施策体系と、各施策に掲載する事業の数を計画別に示します。"
              "事業数は主たる施策で数え、他の施策への再掲は「再掲」欄に示します。")
    group = "掲載事業数"
    cols = (Col("基本政策", 1600), Col("施策", 2900), Col("主担当課", 1850),
            Col("総合計画", 850, "R", group), Col("再掲", 600, "R", group), Col("国土強靱化", 1000, "R", group),
            Col("総合戦略", 838, "R", group))
    rows: list = []
    sums = [0, 0, 0, 0]
    summary = ctx.comp.frames.by_measure[list(SYSTEM_COUNTS)]
    for policy in m.policies.values():
        first = True
        for code in policy.measures:
            measure = m.measures.get(code)
            if measure is None:
                continue
            counts = [int(n) for n in summary.loc[code]]
            sums = [a + b for a, b in zip(sums, counts)]
            rows.append((Merged(f"{policy.code} {policy.name}", first), measure.label, measure.lead_dept,
                         *(f"{n:,}" for n in counts)))
            first = False
    rows.append(TotalRow(("合計", "", "", *(f"{n:,}" for n in sums))))
    body.table(cols, rows)
    _unplaced(body, ctx)


SYSTEM_COUNTS = ("事業数", "再掲事業数", "国土強靱化", "総合戦略")  # the 第2章 columns, from frames.by_measure


def _unplaced(body: Body, ctx: Context) -> None:
    counts = ctx.comp.frames.counts
    res_only, str_only, unknown = counts["国土強靱化のみ"], counts["総合戦略のみ"], counts["施策体系外"]
    if res_only:
        body.note(f"※総合計画に位置づけのない国土強靱化の事業（県・国・民間等の事業を含む）：{res_only:,}事業（第4章に掲載）")
    if str_only:
        body.note(f"※総合計画に位置づけのない総合戦略の事業：{str_only:,}事業（第5章に掲載）")
    if unknown and (draft := body.internal()) is not None:
        draft.note(f"※施策コードが施策体系にない事業：{unknown:,}事業（第3章末尾及び資料編「要確認事業」に掲載）")

