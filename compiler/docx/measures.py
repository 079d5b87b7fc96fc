"""第3章 施策別主要事業: per 基本政策 → 施策, its 成果指標 and per 展開方向 the project table
with 流山市's columns (landscape pages)."""
from __future__ import annotations

from typing import Iterable

from compiler.models import Measure, MeasureKpi, Project

from .base import DASH, Body, Context, figures, joined, mark, name_with_dept, result_cell
from .front import chapter_title
from .ooxml import LANDSCAPE_WIDTH, Col
from .plans import related_plans

YEAR_WIDTH = 480
NAME_WIDTH = 3100
OTHER_DIRECTION = "【その他】"
UNKNOWN_SECTION = "施策が特定できない事業"
LEGEND = ("【表の見方】",
          "■：事業を実施する年度",
          "◎：重点事業",
          "国補正予算欄の○：国の補正予算を活用する事業",
          "強靱化：対応するリスクシナリオ（起きてはならない最悪の事態）の番号（第4章参照）",
          "総合戦略：対応する基本目標の番号（第5章参照）",
          "（再掲）：他の施策に掲載している事業（事業費は掲載先の施策に計上）",
          f"{DASH}：記入のない項目（予算説明書・新継区分・会計・予算区分）　空欄：該当なし（■・○の欄、強靱化・総合戦略の番号）")


def project_columns(years: tuple[str, ...]) -> tuple[Col, ...]:
    fixed = 700 + 700 + 600 + NAME_WIDTH + 700 + 700 + YEAR_WIDTH * len(years) + 1000 + 800
    return (Col("予算\n説明書", 700, "C"), Col("国補正\n予算", 700, "C"), Col("新継\n区分", 600, "C"),
            Col("事業名（所管課）", NAME_WIDTH), Col("内容", LANDSCAPE_WIDTH - fixed), Col("会計", 700, "C"),
            Col("予算\n区分", 700, "C"), *(Col(y, YEAR_WIDTH, "C", "実施年度") for y in years),
            Col("強靱化", 1000, "C", code=True), Col("総合戦略", 800, "C", code=True))


RESULT_WIDTH = 1500


def kpi_columns(years: tuple[str, ...], evaluated: str = "") -> tuple[Col, ...]:
    """The 成果指標 table; with `evaluated` (R6) a column for that year's 実績 and its 評価 before the targets."""
    year_w = min(1100, 4400 // max(len(years), 1))
    source_w = 1770 if evaluated else 2270
    fixed = 800 + 1600 + year_w * len(years) + 1600 + source_w + 1200 + (RESULT_WIDTH if evaluated else 0)
    result = (Col(f"{evaluated}実績\n（評価）", RESULT_WIDTH, "R"),) if evaluated else ()
    return (Col("指標名", LANDSCAPE_WIDTH - fixed), Col("単位", 800, "C"), Col("基準値\n（基準年度）", 1600, "R"),
            *result, *(Col(y, year_w, "R", "目標値") for y in years), Col("最終目標値\n（年度）", 1600, "R"),
            Col("出典", source_w), Col("総合戦略KPI", 1200, "C"))


def _page(text: str) -> str:
    text = text.strip()
    if not text:
        return DASH
    return f"P{text}" if text.isdigit() else text


def _years_marked(p: Project, years: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(mark(p.budget.get(y) is not None, "■") for y in years)


def project_row(p: Project, years: tuple[str, ...]) -> tuple:
    """The full row of a project under its primary 施策."""
    return (_page(p.budget_page), mark(p.supplementary, "○"), p.status or DASH, name_with_dept(p), p.content,
            p.account or DASH, p.budget_kind or DASH, *_years_marked(p, years), joined(p.scenarios), joined(p.goals))


def relist_row(p: Project, years: tuple[str, ...], primary: Measure | None) -> tuple:
    """A （再掲） row under another 施策: points to the primary one (whose table counts the budget)."""
    where = f"施策{primary.code}「{primary.name}」" if primary else f"施策{p.measure_code}"
    return (DASH, "", DASH, name_with_dept(p, relist=True), f"{where}に掲載（事業費は同施策に計上）", DASH, DASH,
            *_years_marked(p, years), joined(p.scenarios), joined(p.goals))


def _with_value_year(value: str, year: str) -> str:
    if value and year:
        return f"{value}（{year}）"
    return value or (f"（{year}）" if year else "")


def kpi_row(k: MeasureKpi, years: tuple[str, ...], result: tuple[str, str] | None = None) -> tuple:
    """指標名, 単位, 基準値（年度）, [実績（評価）], the yearly targets, 最終目標値（年度）, 出典, ★: the
    figures of the row written alike (412,000 / 1.30 / 1.35)."""
    base, *targets, final = figures([k.base, *(k.targets.get(y, "") for y in years), k.final_target])
    shown = (result_cell(result),) if result is not None else ()
    return (k.name, k.unit, _with_value_year(base, k.base_year), *shown, *targets,
            _with_value_year(final, k.final_year), k.source, mark(k.strategy_kpi, "★"))


def measures_chapter(body: Body, ctx: Context) -> None:
    m = ctx.master
    body.heading(1, chapter_title(3))
    body.para(f"{m.plan_name}の施策ごとに、成果指標と、展開方向別の主要事業を示します。")
    body.para("\n".join(LEGEND), "Legend")
    kpis_by_measure = ctx.comp.index.kpis_by_measure
    for policy in m.policies.values():
        body.heading(2, f"基本政策{policy.code} {policy.name}")
        for code in policy.measures:
            measure = m.measures.get(code)
            if measure is not None:
                _measure(body, ctx, measure, kpis_by_measure.get(code, []))
    _unknown_measures(body, ctx)


def _measure(body: Body, ctx: Context, measure: Measure, kpis: list[MeasureKpi]) -> None:
    years = ctx.years
    body.heading(3, measure.label)
    body.para(departments_line(ctx, measure.code), "Legend")
    related_plans(body, ctx, measure.code)
    body.lead("主な成果指標")
    if kpis:
        results = ctx.kpi_results
        evaluated = ctx.master.evaluated_year if results else ""
        body.table(kpi_columns(years, evaluated), (kpi_row(k, years, results.get(id(k)) if results else None)
                                                   for k in kpis))
    else:
        body.note("成果指標は登録されていません。")
    own = ctx.by_measure.get(measure.code, [])
    relisted = ctx.relisted.get(measure.code, [])
    if not own and not relisted:
        body.lead("主要事業")
        body.note("この施策に掲載する事業は登録されていません。")
        return
    cols = project_columns(years)
    for label, projects in _by_direction(measure, own):
        body.lead(label)
        body.table(cols, (project_row(p, years) for p in projects))
    if relisted:
        body.lead("再掲事業（他の施策に掲載している関連事業）")
        body.table(cols, (relist_row(p, years, ctx.master.measures.get(p.measure_code)) for p in relisted))


def departments_line(ctx: Context, code: str) -> str:
    """`【主担当課】防災危機管理課　【関係課】河川課、道路管理課`, as 香取市's 施策 pages name them (its ■ is
    this draft's mark of a year with budget, hence the brackets), from frames.by_measure."""
    row = ctx.comp.frames.by_measure.loc[code]
    return f"【主担当課】{row['主担当課'] or DASH}　【関係課】{row['関係課'] or DASH}"


def direction_label(measure: Measure, index: int, code: str, name: str) -> str:
    """`【展開方向1】雨水排水施設の整備`: numbered within the 施策 (3-4-1 is the first of 3-4)."""
    number = code[len(measure.code) + 1:] if code.startswith(f"{measure.code}-") else ""
    return f"【展開方向{number if number.isdigit() else index}】{name}"


def _by_direction(measure: Measure, projects: list[Project]) -> Iterable[tuple[str, list[Project]]]:
    """Projects grouped by 展開方向 in master order; those without one (or an unknown one) under その他."""
    if not measure.directions:
        if projects:
            yield "主要事業", projects
        return
    known = {d.code for d in measure.directions}
    for i, d in enumerate(measure.directions, 1):
        group = [p for p in projects if p.direction_code == d.code]
        if group:
            yield direction_label(measure, i, d.code, d.name), group
    rest = [p for p in projects if p.direction_code not in known]
    if rest:
        yield OTHER_DIRECTION, rest


def _unknown_measures(body: Body, ctx: Context) -> None:
    """総合計画 projects whose 施策コード is not in the 施策体系: kept, never dropped."""
    codes = [c for c in ctx.by_measure if c not in ctx.master.measures]
    shown = body.showing(UNKNOWN_SECTION)
    if not codes or shown is None:
        return
    body = shown
    body.heading(2, UNKNOWN_SECTION)
    body.para("施策コードが未記入又は施策体系にない事業です。所管課に施策を確認のうえ、該当する施策に掲載します。")
    years = ctx.years
    cols = project_columns(years)
    for code in sorted(codes):
        body.lead(f"施策コード「{code}」" if code else "施策コード未記入")
        body.table(cols, (project_row(p, years) for p in ctx.by_measure[code]))
