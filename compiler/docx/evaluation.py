"""The chapters of 効果検証報告書（案） after the overview: 施策の評価, 総合戦略の効果検証, 国土強靱化の
進捗 and 資料編.  They print the progress frames as they are; nothing is computed here but wording."""
from __future__ import annotations

from typing import Iterable

import pandas as pd

from compiler.frames.tables import code_key
from compiler.models import Compilation
from compiler.schema import PROGRESS

from .base import DASH, Body, reiwa
from .ooxml import PORTRAIT_WIDTH, Col

LATE = ("遅れ", "未着手", "中止")
ENDING = ("縮小", "統合", "休止・廃止", "完了")
UNKNOWN_NAME = "（施策体系にない施策コード）"


# ---------------------------------------------------------------- wording of figures
def _na(v: object) -> object:
    return None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v


def count(v: object) -> str:
    v = _na(v)
    return DASH if v is None else f"{int(v):,}"  # type: ignore[call-overload]


def percent(v: object) -> str:
    v = _na(v)
    return DASH if v is None else f"{float(v):,.1f}%"  # type: ignore[arg-type]


def num(v: object) -> str:
    """A KPI figure: whole numbers without decimals (1,234), others to one place (43.3)."""
    v = _na(v)
    if v is None:
        return DASH
    f = float(v)  # type: ignore[arg-type]
    return f"{f:,.0f}" if f == int(f) else f"{f:,.1f}"


def _with_year(value: str, year: object) -> str:
    year = _na(year)
    return f"{value}\n（{year}）" if year and value != DASH else value


def _records(df: pd.DataFrame) -> Iterable[dict]:
    return df.to_dict("records")


def _name(r: dict) -> tuple[tuple[str, str], ...]:
    return ((str(r["事業名"]), ""), (f"\n（{r['所管課']}）", ""))


# ---------------------------------------------------------------- 第2章 施策の評価
KPI_COLS = (Col("指標名", PORTRAIT_WIDTH - 6600), Col("単位", 700, "C"), Col("基準値\n（年度）", 1200, "R"),
            Col("目標値", 1100, "R"), Col("実績値", 1100, "R"), Col("進捗率", 1000, "R"), Col("評価", 600, "C"),
            Col("目標の\n根拠", 900, "C"))
PROJECT_COLS = (Col("事業名（所管課）", PORTRAIT_WIDTH - 5900), Col("計画額", 1100, "R"), Col("決算見込額", 1100, "R"),
                Col("執行率", 900, "R"), Col("進捗状況", 1500, "C"), Col("今後の\n方向性", 1300, "C"))
BASIS_SHORT = {"当該年度目標": "当該年度", "最終目標を按分": "按分"}


def kpi_row(r: dict) -> tuple:
    actual = num(r["実績値"]) if _na(r["実績値"]) is not None else (str(r["実績値（記入）"]) or DASH)
    if r["実績区分"] == "見込み" and actual != DASH:
        actual += "\n（見込み）"
    return (str(r["指標名"]), str(r["単位"]) or DASH, _with_year(num(r["基準値"]), r["基準年度"]), num(r["目標値"]),
            actual, percent(r["進捗率"]), ((str(r["評価"]), "Strong"),), BASIS_SHORT.get(str(r["目標の根拠"]), DASH))


def project_row(r: dict) -> tuple:
    return (_name(r), count(r["計画額"]), count(r["決算見込額"]), percent(r["執行率"]), str(r["進捗状況"]) or "未記入",
            str(r["今後の方向性"]) or "未記入")


def _rating_cols(labels: tuple[str, ...], first: str) -> tuple[Col, ...]:
    w = 620
    return (Col(first, PORTRAIT_WIDTH - w * len(labels) - 900 - 2 * 1000), *(Col(x, w, "R", "成果指標の評価") for x in labels),
            Col("事業数", 900, "R"), Col("遅れ等", 1000, "R"), Col("執行率", 1000, "R"))


def measures(body: Body, comp: Compilation, title: str) -> None:
    m, f = comp.master, comp.frames
    labels = m.criteria.labels
    ev = reiwa(m.start_year - 1)
    body.heading(1, title)
    body.para(f"{m.plan_name}の施策ごとに、成果指標の{ev}実績と評価、施策を構成する事業の進捗状況を示します。"
              f"金額の単位は{m.unit}です。")
    kpis = f.kpi_progress[f.kpi_progress["区分"] == "成果指標"]
    projects = f.progress
    by_measure = f.by_measure_progress
    kpis_of, projects_of = _by_code(kpis), _by_code(projects)
    for policy_code, row in f.by_policy_progress.iterrows():
        policy = m.policies.get(policy_code)
        codes = _codes_of(policy_code, list(policy.measures) if policy else [], projects, kpis)
        body.heading(2, f"基本政策{policy_code} {policy.name}" if policy else f"基本政策{policy_code} {UNKNOWN_NAME}")
        body.lead("施策別の評価")
        body.table(_rating_cols(labels, "施策"),
                   [(_measure_label(comp, c), *(count(by_measure.at[c, f"評価:{x}"]) for x in labels),
                     count(_projects_in(by_measure, c)), count(sum(int(by_measure.at[c, f"進捗:{s}"]) for s in LATE)),
                     percent(by_measure.at[c, "執行率"])) for c in codes if c in by_measure.index])
        for code in codes:
            _measure(body, comp, code, kpis_of.get(code, []), projects_of.get(code, []))


def _by_code(df: pd.DataFrame) -> dict[str, list[dict]]:
    """The rows of `df` as records, by 施策コード (in the frame's order): one pass instead of a filter per 施策."""
    out: dict[str, list[dict]] = {}
    for r in _records(df):
        out.setdefault(r["施策コード"], []).append(r)
    return out


def _codes_of(policy_code: str, known: list[str], projects: pd.DataFrame, kpis: pd.DataFrame) -> list[str]:
    """The 施策 of a 基本政策 in master order, then the codes its projects and KPIs name that the 施策体系 does
    not hold (a KPI's 基本政策 is its code's first part, as in the roll-up)."""
    named = set(projects.loc[projects["基本政策"] == policy_code, "施策コード"])
    named |= {c for c in kpis["施策コード"] if c.split("-")[0] == policy_code}
    return known + sorted(named - set(known), key=code_key)


def _projects_in(table: pd.DataFrame, code: str) -> int:
    return sum(int(table.at[code, f"進捗:{s}"]) for s in (*PROGRESS, "未記入"))


def _measure_label(comp: Compilation, code: str) -> str:
    measure = comp.master.measures.get(code)
    return measure.label if measure else f"{code} {UNKNOWN_NAME}"


def _measure(body: Body, comp: Compilation, code: str, kpis: list[dict], projects: list[dict]) -> None:
    if not kpis and not projects:
        return
    body.heading(3, _measure_label(comp, code))
    body.lead("成果指標")
    if kpis:
        body.table(KPI_COLS, (kpi_row(r) for r in kpis))
    else:
        body.note("成果指標は登録されていません。")
    body.lead("事業の進捗")
    if projects:
        body.table(PROJECT_COLS, (project_row(r) for r in projects))
    else:
        body.note("前年度から継続する事業はありません。")


# ---------------------------------------------------------------- 第3章 総合戦略
STRATEGY_COLS = (Col("KPI（事業名）", PORTRAIT_WIDTH - 6400), Col("基準値\n（年度）", 1200, "R"),
                 Col("目標値\n（年度）", 1200, "R"), Col("実績値", 1100, "R"), Col("進捗率", 1000, "R"),
                 Col("評価", 600, "C"), Col("所管課", 1300, "C"))


def strategy(body: Body, comp: Compilation, title: str) -> None:
    m, f = comp.master, comp.frames
    labels = m.criteria.labels
    body.heading(1, title)
    body.para(f"{m.strategy_name}の基本目標ごとに、事業の重要業績評価指標（KPI）の{reiwa(m.start_year - 1)}実績と評価を示します。")
    goals = f.by_goal_progress
    body.lead("基本目標別の評価")
    w = 700
    body.table((Col("基本目標", PORTRAIT_WIDTH - w * len(labels) - 1000), *(Col(x, w, "R", "KPI の評価") for x in labels),
                Col("KPI数", 1000, "R")),
               [(_goal_label(comp, g), *(count(goals.at[g, f"評価:{x}"]) for x in labels), count(goals.at[g, "KPI数"]))
                for g in goals.index])
    kpis = f.kpi_progress[f.kpi_progress["区分"] == "総合戦略"]
    names = dict(zip(f.projects["事業ID"], f.projects["事業名"]))
    for g in goals.index:
        body.heading(2, _goal_label(comp, g))
        goal = m.goals.get(g)
        if goal is not None and goal.target:
            body.note(f"数値目標：{goal.target}")
        rows = kpis[kpis["基本目標"] == g]
        if not len(rows):
            body.note("KPI を設定した事業は登録されていません。")
            continue
        body.table(STRATEGY_COLS, (_strategy_row(r, names) for r in _records(rows)))


def _goal_label(comp: Compilation, code: str) -> str:
    goal = comp.master.goals.get(code)
    return f"基本目標{code} {goal.name}" if goal else f"基本目標{code}（総合戦略にない番号）"


def _strategy_row(r: dict, names: dict) -> tuple:
    base, target, actual, rate, label, _ = kpi_row(r)[2:]
    kpi = f"{r['指標名']}（{r['単位']}）" if r["単位"] else str(r["指標名"])
    return (((kpi, ""), (f"\n{names.get(r['事業ID'], '')}", "")), base, _with_year(target, r["最終目標年度"])
            if r["目標の根拠"] != "当該年度目標" else target, actual, rate, label, str(r["所管課"]))


# ---------------------------------------------------------------- 第4章 国土強靱化
def resilience(body: Body, comp: Compilation, title: str) -> None:
    m, f = comp.master, comp.frames
    table = f.by_scenario_progress
    body.heading(1, title)
    body.para(f"{m.resilience_name}のリスクシナリオごとに、対応する事業の{reiwa(m.start_year - 1)}の進捗状況と執行率を"
              "示します。前年度から継続する事業がないリスクシナリオは「－」です。")
    w = 760
    cols = (Col("番号", 600, "C", code=True), Col("起きてはならない最悪の事態", PORTRAIT_WIDTH - 600 - 900 * 2 - w * 3 - 1000),
            Col("事業数", 900, "R"), Col("計画どおり", w, "R", "進捗状況"), Col("遅れ等", w, "R", "進捗状況"),
            Col("未記入", w, "R", "進捗状況"), Col("執行率", 1000, "R"), Col("実施箇所\n明記", 900, "R"))
    located = f.by_scenario["実施箇所明記"]
    rows = []
    for code in table.index:
        s = m.scenarios.get(code)
        r = table.loc[code]
        on_plan = int(r["進捗:計画どおり"]) + int(r["進捗:概ね計画どおり"]) + int(r.get("進捗:完了", 0))
        late = sum(int(r[f"進捗:{x}"]) for x in LATE)
        n = int(r["事業数"])
        rows.append((code, s.text if s else "（リスクシナリオ一覧にない番号）", count(n) if n else DASH,
                     count(on_plan) if n else DASH, count(late) if n else DASH, count(int(r["進捗:未記入"])) if n else DASH,
                     percent(r["執行率"]), count(located.get(code))))
    body.table(cols, rows)
    body.note("計画どおり：「計画どおり」「概ね計画どおり」「完了」の事業数。遅れ等：「遅れ」「未着手」「中止」の事業数。"
              "実施箇所明記：リスクシナリオに対応する事業のうち実施箇所を記入した事業数（新規を含む。実施計画（案）第4章の対応状況と同じ数）。")


# ---------------------------------------------------------------- 第5章 資料編
def appendix(body: Body, comp: Compilation, title: str) -> None:
    f = comp.frames
    p = f.progress
    body.heading(1, title)
    body.heading(2, "1　進捗に遅れ等がある事業")
    late = p[p["進捗状況"].isin(LATE)]
    cols = (Col("事業名（所管課）", 3000), Col("施策", 800, "C", code=True), Col("進捗状況", 1000, "C"),
            Col("実績・成果", PORTRAIT_WIDTH - 6000), Col("今後の\n方向性", 1200, "C"))
    _list(body, late, cols, lambda r: (_name(r), str(r["施策コード"]), str(r["進捗状況"]), str(r["実績・成果"]) or DASH,
                                       str(r["今後の方向性"]) or "未記入"), "該当する事業はありません。")
    body.heading(2, "2　見直しを予定する事業（今後の方向性が縮小・統合・休止・廃止・完了）")
    ending = p[p["今後の方向性"].isin(ENDING)]
    _list(body, ending, cols, lambda r: (_name(r), str(r["施策コード"]), str(r["進捗状況"]) or "未記入",
                                         str(r["実績・成果"]) or DASH, str(r["今後の方向性"])), "該当する事業はありません。")
    body.heading(2, "3　記入の確認が必要な事業")
    missing = p[p["要確認"] != ""]
    _list(body, missing, (Col("事業ID", 1300, "C", code=True), Col("事業名（所管課）", 3600), Col("確認事項", PORTRAIT_WIDTH - 4900)),
          lambda r: (str(r["事業ID"]), _name(r), str(r["要確認"]).replace("、", "\n")), "該当する事業はありません。")
    body.heading(2, "4　評価できなかった指標")
    k = f.kpi_progress
    unrated = k[k["評価できない理由"] != ""]
    _list(body, unrated, (Col("区分", 1100, "C"), Col("指標名", PORTRAIT_WIDTH - 5700), Col("所管課", 1700),
                          Col("理由", 2900)),
          lambda r: (str(r["区分"]), str(r["指標名"]), str(r["所管課"]), str(r["評価できない理由"])),
          "すべての指標を評価しました。")


def _list(body: Body, df: pd.DataFrame, cols: tuple[Col, ...], row, empty: str) -> None:  # noqa: ANN001
    if not len(df):
        body.para(empty)
        return
    body.note(f"{len(df):,}件")
    body.table(cols, (row(r) for r in _records(df)))
