"""第4章 国土強靱化, 第5章 総合戦略 and 第6章 事業費の見通し (portrait pages)."""
from __future__ import annotations

from compiler.frames.aggregate import UNPLACED
from compiler.models import FUNDING_KEYS, BasicGoal, Project, ProjectKpi, Scenario
from compiler.frames.tables import UNKNOWN

from .base import NO_PROJECT, WAVE, Body, Context, figures, joined, mark, money, period, reiwa, result_cell
from .front import chapter_title
from .ooxml import PORTRAIT_WIDTH, Col, TotalRow

UNFILLED = "未記入"
GAP = "対応事業なし"
UNKNOWN_MEASURE = UNPLACED  # the budget of projects whose 施策コード is not in the 施策体系 (listed at the end of 第3章)
PLAN_PERIOD_MARK = "※"


# ---------------------------------------------------------------- 第4章
RESILIENCE_COLS = (Col("事業名", 3000), Col("所管課", 1400), Col("実施箇所", 2000), Col("事業期間", 1000, "C"),
                   Col("全体事業費\n（千円）", 1400, "R"), Col("事業主体", 838, "C"))


def _plan_period_cost(p: Project) -> int | None:
    values = [v for v in p.budget.values() if v is not None]
    return sum(values) if values else None


def cost_cell(p: Project) -> str:
    """全体事業費; without one, the plan-period budget marked ※ (explained above the tables)."""
    if p.total_cost is not None:
        return money(p.total_cost)
    cost = _plan_period_cost(p)
    return "" if cost is None else f"{PLAN_PERIOD_MARK}{money(cost)}"


def scenario_groups(ctx: Context) -> list[tuple[str, str, list[Scenario]]]:
    """(目標番号, 事前に備えるべき目標, scenarios) in master order."""
    groups: dict[str, list[Scenario]] = {}
    for s in ctx.master.scenarios.values():
        groups.setdefault(s.goal_code, []).append(s)
    return [(code, ctx.master.risk_goals.get(code) or scenarios[0].goal_text, scenarios)
            for code, scenarios in groups.items()]


def resilience_chapter(body: Body, ctx: Context) -> None:
    m = ctx.master
    body.heading(1, chapter_title(4))
    body.para(f"{m.resilience_name}で設定した「事前に備えるべき目標」と「起きてはならない最悪の事態」"
              "（リスクシナリオ）ごとに、対応する事業を示します。対応する事業のないリスクシナリオは、"
              "脆弱性評価において対応方策を検討する必要があります。")
    text = "各事業の事業費は、事業期間全体の事業費（全体事業費）です。"
    if any(p.total_cost is None and _plan_period_cost(p) is not None for p in ctx.comp.projects if p.in_resilience):
        text += (f"全体事業費の記入がない事業は、計画期間（{plan_years(ctx)}）の事業費の合計を"
                 f"「{PLAN_PERIOD_MARK}」を付けて示しています。")
    body.para(text)
    body.lead("リスクシナリオ別の対応状況")
    rows: list = []
    summary = ctx.comp.frames.by_scenario
    for _code, _goal, scenarios in scenario_groups(ctx):
        for s in scenarios:
            n, located = (int(v) for v in summary.loc[s.code, ["対応事業数", "実施箇所明記"]])
            gap = () if n else ((GAP, "Strong"),)
            rows.append((s.code, s.text, f"{n:,}", f"{located:,}", gap))
    body.table((Col("番号", 700, "C", code=True), Col("起きてはならない最悪の事態", 5338), Col("対応事業数", 1100, "R"),
                Col("うち実施箇所\n明記", 1200, "R"), Col("備考", 1300, "C")), rows)
    for code, goal, scenarios in scenario_groups(ctx):
        body.heading(2, f"目標{code} {goal}")
        for s in scenarios:
            _scenario(body, ctx, s)


def _scenario(body: Body, ctx: Context, s: Scenario) -> None:
    body.heading(3, f"{s.code} {s.text}")
    projects = ctx.by_scenario.get(s.code, [])
    if not projects:
        body.para(f"{NO_PROJECT}。", "BodyJa")
        return
    located = int(ctx.comp.frames.by_scenario.at[s.code, "実施箇所明記"])
    body.note(f"対応事業 {len(projects):,}事業（うち実施箇所を明記 {located:,}事業）")
    body.table(RESILIENCE_COLS, ((p.name, p.dept, p.location, period(p.start_year, p.end_year),
                                  cost_cell(p), actor(p)) for p in projects))


def plan_years(ctx: Context) -> str:
    years = ctx.years
    return f"{years[0]}{WAVE}{years[-1]}" if len(years) > 1 else years[0]


def actor(p: Project) -> str:
    """事業主体; a 国土強靱化 project without one is the city's own (DESIGN §2.2)."""
    return p.actor or ("市" if p.in_resilience else "")


# ---------------------------------------------------------------- 第5章
KPI_COLS = (Col("事業名", 2900), Col("KPI", 3438), Col("単位", 700, "C"), Col("基準値\n（年度）", 1300, "R"),
            Col("目標値\n（年度）", 1300, "R"))
STRATEGY_COLS = (Col("事業名（所管課）", 2900), Col("具体的\n施策", 900, "C", code=True), Col("総合計画の施策", 2700),
                 Col("計画期間の\n事業費（千円）", 1638, "R"), Col("デジタル\n活用", 800, "C"), Col("強靱化", 700, "C", code=True))


def strategy_chapter(body: Body, ctx: Context) -> None:
    m = ctx.master
    body.heading(1, chapter_title(5))
    body.para(f"{m.strategy_name}の基本目標ごとに、数値目標、重要業績評価指標（KPI）及び位置づける事業を示します。")
    for goal in m.goals.values():
        _goal(body, ctx, goal)


def _value_year(value: str, year: str) -> str:
    return f"{value}（{year}）" if value and year else value


def kpi_columns(evaluated: str) -> tuple[Col, ...]:
    """KPI_COLS; with `evaluated` (R6) that year's 実績 and 評価 beside the target (taken from the KPI name's width)."""
    if not evaluated:
        return KPI_COLS
    name, kpi, *rest = KPI_COLS
    return (name, Col(kpi.label, kpi.width - 1300), *rest, Col(f"{evaluated}実績\n（評価）", 1300, "R"))


def _kpi_row(p: Project, k: ProjectKpi, result: tuple[str, str] | None = None) -> tuple:
    base, target = figures([k.base, k.target])
    shown = (result_cell(result),) if result is not None else ()
    return (p.name, k.name, k.unit, _value_year(base, k.base_year), _value_year(target, k.target_year), *shown)


def _goal(body: Body, ctx: Context, goal: BasicGoal) -> None:
    body.heading(2, f"基本目標{goal.code} {goal.name}")
    body.table((Col("数値目標", PORTRAIT_WIDTH),), [(goal.target or "（未設定）",)])
    if goal.measures:
        body.note("具体的施策：" + "　".join(f"{sm.code} {sm.name}" for sm in goal.measures))
    projects = ctx.by_goal.get(goal.code, [])
    kpis = [(p, k) for p in projects for k in p.kpis if k.goal in ("", goal.code)]
    body.lead("重要業績評価指標（KPI）")
    if kpis:
        results = ctx.kpi_results
        body.table(kpi_columns(ctx.master.evaluated_year if results else ""),
                   (_kpi_row(p, k, results.get(id(k), ("", ctx.master.criteria.unknown[0])) if results else None)
                    for p, k in kpis))
    else:
        body.note("KPIは登録されていません。")
    body.lead("主な事業")
    if not projects:
        body.note("この基本目標に位置づける事業は登録されていません。")
        return
    body.table(STRATEGY_COLS, ((f"{p.name}\n（{p.dept}）",
                                joined(p.strategy_measures), ctx.measure_label(p.measure_code) if p.in_plan else "",
                                money(_plan_period_cost(p)), mark(p.digital), joined(p.scenarios)) for p in projects))


# ---------------------------------------------------------------- 第6章
def budget_chapter(body: Body, ctx: Context) -> None:
    m = ctx.master
    totals = ctx.comp.totals
    years = ctx.years
    body.heading(1, chapter_title(6))
    body.para("計画期間における主要事業の事業費の見通しは、次のとおりです。他の施策に再掲する事業の事業費は、"
              "主たる施策にのみ計上し、重複して計上していません。")
    year_w = min(1500, (PORTRAIT_WIDTH - 2400) // (len(years) + 1))  # narrower when the window is long
    first_w = PORTRAIT_WIDTH - year_w * (len(years) + 1)
    body.heading(2, "1　基本政策別の事業費")
    body.unit()
    policy_rows: list = []
    labels = {code: f"{code} {p.name}" for code, p in m.policies.items()}
    keys = list(m.policies) + sorted(k for k in totals.by_policy_year if k not in m.policies)
    for code in keys:
        values = totals.by_policy_year.get(code, {})
        policy_rows.append((labels.get(code) or _unplaced_label(code), *_year_cells(values, years)))
    policy_rows.append(TotalRow(("合計", *_year_cells(totals.by_year, years))))
    body.table((Col("基本政策", first_w), *(Col(y, year_w, "R") for y in years), Col("計", year_w, "R")), policy_rows,
               keep_together=True)
    body.heading(2, "2　施策別の事業費")
    body.unit()
    measure_rows: list = []
    mkeys = list(m.measures) + sorted(k for k in totals.by_measure_year if k not in m.measures)
    for code in mkeys:
        label = m.measures[code].label if code in m.measures else _unplaced_label(code)
        measure_rows.append((label, *_year_cells(totals.by_measure_year.get(code, {}), years)))
    measure_rows.append(TotalRow(("合計", *_year_cells(totals.by_year, years))))
    body.table((Col("施策", first_w), *(Col(y, year_w, "R") for y in years), Col("計", year_w, "R")), measure_rows)
    _funding(body, ctx)


def _unplaced_label(code: str) -> str:
    """The row of budgets the 施策体系 does not place (totals files them under UNKNOWN)."""
    return UNKNOWN_MEASURE if code in (UNKNOWN, "") else code


def _year_cells(values: dict[str, int], years: tuple[str, ...]) -> tuple[str, ...]:
    amounts = [values.get(y, 0) or 0 for y in years]
    return (*(money(a) for a in amounts), money(sum(amounts)))


def _funding(body: Body, ctx: Context) -> None:
    by_funding = ctx.comp.totals.by_funding
    first = ctx.master.start_year
    body.heading(2, f"3　財源内訳（{reiwa(first)}）")
    body.para(f"{reiwa(first)}の事業費の財源内訳は、次のとおりです。財源の記入がない事業の事業費は"
              f"「{UNFILLED}」に計上しています。")
    body.unit()
    keys = [k for k in FUNDING_KEYS] + [UNFILLED] + sorted(k for k in by_funding if k not in FUNDING_KEYS
                                                         and k != UNFILLED)
    total = sum(by_funding.values())
    rows: list = []
    for key in keys:
        if key not in by_funding and key not in FUNDING_KEYS:
            continue
        value = by_funding.get(key, 0)
        share = f"{value * 100 / total:.1f}%" if total else "-"
        rows.append((key, money(value), share))
    rows.append(TotalRow(("合計", money(total), "100.0%" if total else "-")))
    body.table((Col("財源", 3638), Col(f"{ctx.years[0]}事業費", 3000, "R"), Col("構成比", 3000, "R")), rows,
               keep_together=True)
