"""The compiled cycle as tables: one DataFrame per kind of record, built once from the typed records.

Dtype discipline: codes, IDs, names and years are `string`; amounts are nullable integers
(`Int64`, 千円: <NA> is a cell left blank, 0 is a zero the department wrote); flags are
`boolean`.  Nothing is inferred from cell text: every column is built with its dtype named.
"""
from __future__ import annotations

from typing import Iterable

import pandas as pd

from ..models import FUNDING_KEYS, Candidate, Master, MeasureKpi, MergeLogEntry, Origin, Project
from ..normalise import year_label

STR, INT, BOOL = "string", "Int64", "boolean"
UNKNOWN = "不明"  # 基本政策/施策 of a budget whose 施策コード is not in the 施策体系
LIST_SEP = "、"


def code_key(code: str) -> tuple:
    """Sort key of a code such as 1-3, 10-2 or 3-4-1 (numbers as numbers)."""
    parts = []
    for part in code.replace("-", " ").split():
        parts.append((0, int(part), "") if part.isdigit() else (1, 0, part))
    return tuple(parts)


def budget_column(year: str) -> str:
    return f"{year}事業費"


def funding_column(key: str) -> str:
    return f"財源:{key}"


def frame(columns: dict[str, tuple[str, list]]) -> pd.DataFrame:
    """A DataFrame from {name: (dtype, values)}, each column built with its dtype (no inference)."""
    return pd.DataFrame({name: pd.array(values, dtype=dtype) for name, (dtype, values) in columns.items()})


def projects_frame(projects: list[Project], master: Master) -> pd.DataFrame:
    """One row per project, in the projects' order (施策, 展開方向, 事業ID)."""
    ps = projects
    measures = master.measures
    policy = [(measures[p.measure_code].policy_code if p.measure_code in measures else UNKNOWN) if p.in_plan else ""
              for p in ps]
    cols: dict[str, tuple[str, list]] = {
        "事業ID": (STR, [p.project_id for p in ps]),
        "仮番号": (BOOL, [p.id_generated for p in ps]),
        "事業名": (STR, [p.name for p in ps]),
        "所管課": (STR, [p.dept for p in ps]),
        "総合計画": (BOOL, [p.in_plan for p in ps]),
        "国土強靱化": (BOOL, [p.in_resilience for p in ps]),
        "総合戦略": (BOOL, [p.in_strategy for p in ps]),
        "掲載計画数": (INT, [len(p.plans) for p in ps]),
        "基本政策": (STR, policy),
        "施策コード": (STR, [p.measure_code for p in ps]),
        "施策体系内": (BOOL, [p.in_plan and p.measure_code in measures for p in ps]),
        "展開方向コード": (STR, [p.direction_code for p in ps]),
        "再掲施策コード": (STR, [LIST_SEP.join(p.relisted_measures) for p in ps]),
        "再掲施策数": (INT, [len(p.relisted_measures) for p in ps]),
        "新継区分": (STR, [p.status for p in ps]),
        "重点": (BOOL, [p.priority for p in ps]),
        "国補正予算": (BOOL, [p.supplementary for p in ps]),
        "事業内容": (STR, [p.content for p in ps]),
        "会計": (STR, [p.account for p in ps]),
        "予算区分": (STR, [p.budget_kind for p in ps]),
        "予算説明書頁": (STR, [p.budget_page for p in ps]),
        "予算事務事業コード": (STR, [LIST_SEP.join(p.budget_codes) for p in ps]),
    }
    for y in master.years:
        cols[budget_column(y)] = (INT, [p.budget.get(y) if p.in_plan else None for p in ps])
    for k in FUNDING_KEYS:
        cols[funding_column(k)] = (INT, [p.funding.get(k) if p.in_plan else None for p in ps])
    cols |= {
        "SDGs": (STR, [LIST_SEP.join(str(g) for g in p.sdgs) for p in ps]),
        "リスクシナリオ": (STR, [LIST_SEP.join(p.scenarios) for p in ps]),
        "施策分野": (STR, [p.resilience_field for p in ps]),
        "実施箇所": (STR, [p.location for p in ps]),
        "事業主体": (STR, [p.actor for p in ps]),
        "開始年度": (STR, [year_label(p.start_year) if p.start_year is not None else "" for p in ps]),
        "終了年度": (STR, [year_label(p.end_year) if p.end_year is not None else "" for p in ps]),
        "全体事業費": (INT, [p.total_cost for p in ps]),
        "活用予定の交付金等": (STR, [p.grants for p in ps]),
        "基本目標": (STR, [LIST_SEP.join(p.goals) for p in ps]),
        "具体的施策": (STR, [LIST_SEP.join(p.strategy_measures) for p in ps]),
        "デジタル": (BOOL, [p.digital for p in ps]),
        "備考": (STR, [p.note for p in ps]),
        "決算見込額": (INT, [p.settled if p.in_plan else None for p in ps]),
        "進捗状況": (STR, [p.progress for p in ps]),
        "実績・成果": (STR, [p.result for p in ps]),
        "今後の方向性": (STR, [p.outlook for p in ps]),
        "要確認": (BOOL, [p.needs_review for p in ps]),
        "要確認の理由": (STR, ["\n".join(p.review_reasons) for p in ps]),
        "表記": (STR, [" / ".join(p.names) for p in ps]),
        "行数": (INT, [len(p.sources) for p in ps]),
    }
    out = frame(cols)
    years = [budget_column(y) for y in master.years]
    out["計画期間事業費"] = out[years].sum(axis=1, min_count=1).astype(INT)
    return out


def placements_frame(projects: list[Project]) -> pd.DataFrame:
    """Where each 総合計画 project is printed: its primary 施策 and every 再掲 施策 (one row each)."""
    pos: list[int] = []
    codes: list[str] = []
    primary: list[bool] = []
    for i, p in enumerate(projects):
        if not p.in_plan:
            continue
        pos.append(i), codes.append(p.measure_code), primary.append(True)
        for code in dict.fromkeys(p.relisted_measures):
            if code != p.measure_code:
                pos.append(i), codes.append(code), primary.append(False)
    return frame({"位置": (INT, pos), "施策コード": (STR, codes), "主たる施策": (BOOL, primary)})


def memberships_frame(projects: list[Project], attr: str, label: str) -> pd.DataFrame:
    """(project position, code) for a code list of the projects: 'scenarios', 'goals', 'strategy_measures'."""
    pos: list[int] = []
    codes: list[str] = []
    for i, p in enumerate(projects):
        for code in dict.fromkeys(getattr(p, attr)):
            pos.append(i), codes.append(code)
    return frame({"位置": (INT, pos), label: (STR, codes)})


def origin_columns(origins: Iterable[Origin]) -> dict[str, tuple[str, list]]:
    origins = list(origins)
    return {"ファイル": (STR, [o.file for o in origins]), "シート": (STR, [o.sheet for o in origins]),
            "行": (INT, [o.row for o in origins])}


def rows_frame(log: list[MergeLogEntry]) -> pd.DataFrame:
    """Every input row that became part of a project, with the rule that put it there."""
    return frame(origin_columns(e.origin for e in log) | {
        "入力事業名": (STR, [e.input_name for e in log]), "所管課": (STR, [e.dept for e in log]),
        "事業ID": (STR, [e.project_id for e in log]), "統合規則": (STR, [e.rule for e in log])})


def excluded_frame(excluded: list[Origin]) -> pd.DataFrame:
    return frame(origin_columns(excluded))


def kpis_frame(kpis: list[MeasureKpi]) -> pd.DataFrame:
    """The 成果指標 rows (KPIs of a 施策), targets of the plan's years as text, as written."""
    years = sorted({y for k in kpis for y in k.targets})
    cols = origin_columns(k.origin for k in kpis) | {
        "施策コード": (STR, [k.measure_code for k in kpis]), "指標名": (STR, [k.name for k in kpis]),
        "単位": (STR, [k.unit for k in kpis]), "基準値": (STR, [k.base for k in kpis]),
        "基準年度": (STR, [k.base_year for k in kpis]), "望ましい方向": (STR, [k.direction for k in kpis])}
    for y in years:
        cols[f"{y}目標値"] = (STR, [k.targets.get(y, "") for k in kpis])
    cols |= {"最終目標値": (STR, [k.final_target for k in kpis]), "最終目標年度": (STR, [k.final_year for k in kpis]),
             "出典": (STR, [k.source for k in kpis]), "総合戦略KPI": (BOOL, [k.strategy_kpi for k in kpis]),
             "所管課": (STR, [k.dept for k in kpis])}
    return frame(cols)


def candidates_frame(candidates: list[Candidate]) -> pd.DataFrame:
    cs = candidates
    return frame({"事業名A": (STR, [c.name_a for c in cs]), "所管課A": (STR, [c.dept_a for c in cs]),
                  "出所A": (STR, [c.source_a for c in cs]), "事業名B": (STR, [c.name_b for c in cs]),
                  "所管課B": (STR, [c.dept_b for c in cs]), "出所B": (STR, [c.source_b for c in cs]),
                  "類似度": ("Float64", [c.score for c in cs]), "理由": (STR, [c.reason for c in cs])})


def problems_frame(problems: list) -> pd.DataFrame:
    """The 検証結果 rows (list[problems.Problem]), in their sorted order."""
    ps = problems
    return frame({"重要度": (STR, [p.severity for p in ps]), "コード": (STR, [p.code for p in ps]),
                  "ファイル": (STR, [p.file for p in ps]), "シート": (STR, [p.sheet for p in ps]),
                  "セル": (STR, [p.cell for p in ps]), "項目": (STR, [p.column for p in ps]),
                  "内容": (STR, [p.message for p in ps]), "入力値": (STR, [p.value for p in ps]),
                  "処置": (STR, [p.action for p in ps])})
