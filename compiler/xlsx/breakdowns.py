"""Summary tables: 施策×リスクシナリオ, リスクシナリオ別, 総合戦略別, 施策別."""
from __future__ import annotations

from ..frames.breakdowns import MATRIX_LOOSE
from ..models import Compilation, Project
from .book import Book, Col, Sheet
from .common import OFF_MASTER, budget_label, code_key, codes_in_use, joined, plan_total, year_label

MATRIX_SHEET = "施策×リスクシナリオ"
SCENARIO_SHEET = "リスクシナリオ別"
STRATEGY_SHEET = "総合戦略別"
MEASURE_SHEET = "施策別"
INDICATOR_SHEET = "成果指標一覧"
GAP = "対応事業なし"
NO_LOCATION = "実施箇所未記入の事業あり"
NOT_IN_MASTER = "計画マスタにない番号"
NO_MEASURE = "（施策なし：国土強靱化・総合戦略のみ）"
UNKNOWN_MEASURE = "（施策体系にない施策コード）"
UNKNOWN_KEY = "不明"  # totals.py files budgets of unknown 施策 under this key
NO_STRATEGY_MEASURE = "（具体的施策の指定なし）"
SCENARIO_FIGURES = ("対応事業数", "事業費", "実施箇所明記", "実施箇所未記入")


# ------------------------------------------------------------------ 施策×リスクシナリオ
def write_matrix(book: Book, comp: Compilation) -> Sheet:
    """Projects per (施策, scenario); a project counts under its primary and its re-listed 施策."""
    m = comp.master
    sheet = book.sheet(MATRIX_SHEET)
    matrix = comp.frames.matrix
    scenarios = list(matrix.columns)
    head = book.fmt("header")
    fixed = (Col("施策コード", "code", 8, 10), Col("施策名", "text", 14, 30))
    for c, col in enumerate(fixed):
        sheet.merge(0, c, 1, c, col.label, head)
    first = len(fixed)
    sheet.merge(0, first, 0, first + len(scenarios) - 1, "リスクシナリオ（起きてはならない最悪の事態）　※数字は事業数",
                book.fmt("group_header"))
    for i, code in enumerate(scenarios):
        text = f"{code} {m.scenarios[code].text}" if code in m.scenarios else f"{code}{OFF_MASTER}"
        sheet.text(1, first + i, code, head, measure=False)
        sheet.comment(1, first + i, text)
    count_fmt = book.fmt("cell", "zero_blank")
    for r, (code, counts) in enumerate(zip(matrix.index, matrix.to_numpy().tolist()), start=2):
        name = NO_MEASURE if code == MATRIX_LOOSE else m.measures[code].name if code in m.measures else OFF_MASTER
        sheet.text(r, 0, code, book.fmt("cell", "code"))
        sheet.text(r, 1, name, book.fmt("cell"))
        for i, n in enumerate(counts):
            sheet.number(r, first + i, n, count_fmt)
    total_row = 2 + len(matrix.index)
    sheet.merge(total_row, 0, total_row, 1, "対応事業数（重複なし）", book.fmt("cell", "total"))
    per_scenario = comp.frames.by_scenario["対応事業数"]
    for i, s in enumerate(scenarios):
        n = int(per_scenario.get(s, 0))
        # the total shows 0 (a gap in the 脆弱性評価), where the counts above leave 0 blank
        sheet.number(total_row, first + i, n, book.fmt("cell", "num", "mark", "total", "gap" if n == 0 else ""))
    if scenarios:
        last_col = first + len(scenarios) - 1
        rc = sheet.ws.conditional_format(2, first, total_row - 1, last_col, {
            "type": "3_color_scale", "min_color": "#FFFFFF", "mid_color": "#FFE699", "max_color": "#F4B183"})
        sheet.check(rc, 2, first, "conditional_format")
        sheet.set_width(first, 5.5, last_col)
    sheet.fit_columns(fixed)
    sheet.row_height(1, 20)
    sheet.list_setup(1, total_row - 1, first + max(len(scenarios), 1) - 1, freeze_cols=len(fixed), first_header_row=0)
    return sheet


# ------------------------------------------------------------------ リスクシナリオ別
def write_scenarios(book: Book, comp: Compilation) -> Sheet:
    m = comp.master
    sheet = book.sheet(SCENARIO_SHEET)
    columns = [Col("目標番号", "code", 6, 8), Col("事前に備えるべき目標", "wrap", 14, 28), Col("番号", "code", 6, 8),
               Col("起きてはならない最悪の事態", "wrap", 24, 50), Col("対応事業数", "int", 7, 10),
               Col(budget_label(m), "num", 12, 16), Col("実施箇所明記の事業数", "int", 8, 12),
               Col("実施箇所未記入の事業数", "int", 8, 12), Col("状況", "text", 12, 22)]
    rows, styles = [], []
    summary = comp.frames.by_scenario
    for code, n, budget, located, unlocated in zip(summary.index, *(summary[c].tolist() for c in SCENARIO_FIGURES)):
        s = m.scenarios.get(code)
        status, style = _scenario_status(n, unlocated) if s else (NOT_IN_MASTER, ("warning",))
        rows.append([s.goal_code if s else "", s.goal_text if s else "", code, s.text if s else OFF_MASTER,
                     n, budget, located, unlocated, status])
        styles.append(style)
    sheet.table(columns, rows, styles, freeze_cols=4)
    sheet.comment(0, 5, f"総合計画に載る事業の{m.first_year}〜{m.years[-1]}年度事業費の合計です。"
                        "複数のシナリオに対応する事業は、それぞれのシナリオで計上しています。")
    return sheet


def _scenario_status(n_projects: int, n_without_location: int) -> tuple[str, tuple[str, ...]]:
    if n_projects == 0:
        return GAP, ("gap",)
    if n_without_location:
        return NO_LOCATION, ("warning",)
    return "", ()


# ------------------------------------------------------------------ 総合戦略別
def write_strategy(book: Book, comp: Compilation) -> Sheet:
    m = comp.master
    sheet = book.sheet(STRATEGY_SHEET)
    columns = [Col("基本目標番号", "code", 6, 8), Col("基本目標", "wrap", 16, 30), Col("具体的施策コード", "code", 8, 10),
               Col("具体的施策", "wrap", 16, 30), Col("数値目標", "wrap", 12, 24), Col("事業数", "int", 6, 8),
               Col("KPI数", "int", 6, 8), Col("KPI（事業の重要業績評価指標）", "wrap", 20, 44),
               Col(budget_label(m), "num", 12, 16)]
    rows: list[list[object]] = []
    styles: list[tuple[str, ...]] = []
    by_goal = comp.frames.by_goal
    for code, n, budget in zip(by_goal.index, by_goal["事業数"].tolist(), by_goal["事業費"].tolist()):
        goal = m.goals.get(code)
        name = goal.name if goal else OFF_MASTER
        projects = comp.index.by_goal.get(code, [])
        kpis = _kpi_names(projects, code)
        rows.append([code, name, "", "（基本目標計）", goal.target if goal else "", n, len(kpis), "\n".join(kpis), budget])
        styles.append(("group",))
        sm_codes = [s.code for s in goal.measures] if goal else []
        sm_codes = codes_in_use(sm_codes, (c for p in projects for c in p.strategy_measures
                                           if c not in m.strategy_measures or m.strategy_measures[c].goal_code == code))
        for sm in sm_codes:
            sm_name = m.strategy_measures[sm].name if sm in m.strategy_measures else OFF_MASTER
            rows.append(_strategy_row(code, name, sm, sm_name, "", [p for p in projects if sm in p.strategy_measures], code))
            styles.append(())
        loose = [p for p in projects if not set(p.strategy_measures) & set(sm_codes)]
        if loose:
            rows.append(_strategy_row(code, name, "", NO_STRATEGY_MEASURE, "", loose, code))
            styles.append(("warning",))
    sheet.table(columns, rows, styles, freeze_cols=2)
    return sheet


def _kpi_names(projects: list[Project], goal: str) -> list[str]:
    return list(dict.fromkeys(k.name for p in projects for k in p.kpis if k.goal in ("", goal) and k.name))


def _strategy_row(code: str, name: str, sm: str, sm_name: str, target: str, projects: list[Project],
                  goal: str) -> list[object]:
    kpis = _kpi_names(projects, goal)
    return [code, name, sm, sm_name, target, len(projects), len(kpis), "\n".join(kpis), plan_total(projects)]


# ------------------------------------------------------------------ 施策別
def write_measures(book: Book, comp: Compilation) -> Sheet:
    """Per 基本政策 and 施策 in master order; budgets come from comp.totals (re-listed counted once)."""
    m = comp.master
    sheet = book.sheet(MEASURE_SHEET)
    years = m.years
    columns = [Col("基本政策", "code", 6, 8), Col("基本政策名", "text", 12, 32), Col("施策コード", "code", 6, 10),
               Col("施策名", "text", 14, 30), Col("主担当課", "text", 8, 16), Col("関係課", "wrap", 10, 30),
               Col("事業数", "int", 6, 8),
               Col("再掲事業数", "int", 6, 8), *(Col(year_label(m, y), "num", 11, 14) for y in years),
               Col(budget_label(m), "num", 12, 16), Col("成果指標数", "int", 6, 8)]
    rows: list[list[object]] = []
    styles: list[tuple[str, ...]] = []
    totals, counts = comp.totals, comp.frames.counts
    summary = comp.frames.by_measure
    for policy in m.policies.values():
        budget = totals.by_policy_year.get(policy.code, {})
        part = summary.loc[list(policy.measures)]
        rows.append([policy.code, policy.name, "", "（基本政策計）", "", "", int(part["事業数"].sum()),
                     int(part["再掲事業数"].sum()), *_years(budget, years), int(part["成果指標数"].sum())])
        styles.append(("group",))
        for code in policy.measures:
            measure, n = m.measures[code], summary.loc[code]
            rows.append([policy.code, policy.name, code, measure.name, measure.lead_dept, n["関係課"], int(n["事業数"]),
                         int(n["再掲事業数"]), *_years(totals.by_measure_year.get(code, {}), years), int(n["成果指標数"])])
            styles.append(())
    if counts["施策体系外"] or UNKNOWN_KEY in totals.by_measure_year:
        codes = joined(sorted(set(comp.frames.unplaced_codes()), key=code_key))
        rows.append(["", "", codes, UNKNOWN_MEASURE, "", "", counts["施策体系外"], 0,
                     *_years(totals.by_measure_year.get(UNKNOWN_KEY, {}), years), 0])
        styles.append(("warning",))
    rows.append(["", "合計", "", "（再掲は重複計上しない）", "", "", counts["総合計画"], counts["再掲数"],
                 *_years(totals.by_year, years), len(comp.frames.kpis)])
    styles.append(("total",))
    sheet.table(columns, rows, styles, freeze_cols=4)
    sheet.comment(0, 5, "この施策に事業（再掲を含む）を載せている課のうち、主担当課以外の課です。計画マスタの施策体系に「関係課」の列があれば、その記入を優先します。")
    sheet.comment(0, 7, "他の施策から再掲されている事業の数です。事業費は主たる施策でのみ計上しています。")
    return sheet


def _years(budget: dict[str, int], years: tuple[str, ...]) -> list[int]:
    values = [int(budget.get(y, 0) or 0) for y in years]
    return [*values, sum(values)]


# ------------------------------------------------------------------ 成果指標一覧
def write_indicators(book: Book, comp: Compilation) -> Sheet:
    """Every 成果指標 row as the departments wrote it, in 施策 order: the list a planning division checks
    the targets with, and what `make templates --previous` pre-fills the next cycle's 成果指標 sheets from."""
    m = comp.master
    sheet = book.sheet(INDICATOR_SHEET)
    kpis = comp.frames.kpis
    targets = [f"{y}目標値" for y in m.years]
    columns = [Col("施策コード", "code", 6, 10), Col("施策名", "text", 12, 24), Col("指標名", "text", 16, 36),
               Col("単位", "text", 4, 8), Col("望ましい方向", "text", 6, 8), Col("基準値", "code", 6, 10),
               Col("基準年度", "code", 6, 8), *(Col(t, "code", 6, 10) for t in targets), Col("最終目標値", "code", 6, 10),
               Col("最終目標年度", "code", 6, 8), Col("出典", "text", 8, 20), Col("総合戦略KPI", "text", 6, 8),
               Col("所管課", "text", 8, 16), Col("出所", "text", 16, 36)]
    order = {code: i for i, code in enumerate(m.measures)}
    rows = []
    for _, k in sorted(kpis.iterrows(), key=lambda r: (order.get(r[1]["施策コード"], len(order)), r[0])):
        measure = m.measures.get(k["施策コード"])
        rows.append([k["施策コード"], measure.name if measure else UNKNOWN_MEASURE, k["指標名"], k["単位"],
                     k["望ましい方向"], k["基準値"], k["基準年度"], *(k.get(t, "") for t in targets), k["最終目標値"],
                     k["最終目標年度"], k["出典"], "○" if k["総合戦略KPI"] else "", k["所管課"],
                     f"{k['ファイル']} {k['シート']} {k['行']}行"])
    sheet.table(columns, rows, freeze_cols=3)
    return sheet
