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
    """One row per project, in the projects' order (施策, 展開方向, 事業ID).

    Each project's values are taken in one pass over it (then turned into columns): a pass per column
    over 100,000 projects scattered through a large heap cost 0.05 s each in cache misses (2 s at L)."""
    columns = [*_PROJECT_HEAD, *((budget_column(y), INT) for y in master.years),
               *((funding_column(k), INT) for k in FUNDING_KEYS), *_PROJECT_TAIL]
    measures, years = master.measures, master.years
    blank = (None,) * (len(years) + len(FUNDING_KEYS))  # budget and 財源 of a project outside 総合計画
    rows = [_project_values(p, measures, years, blank) for p in projects]
    values = list(zip(*rows)) if rows else [()] * len(columns)
    out = frame({name: (dtype, list(col)) for (name, dtype), col in zip(columns, values)})
    out["計画期間事業費"] = out[[budget_column(y) for y in years]].sum(axis=1, min_count=1).astype(INT)
    return out


_PROJECT_HEAD: tuple[tuple[str, str], ...] = (
    ("事業ID", STR),
    ("仮番号", BOOL),
    ("事業名", STR),
    ("所管課", STR),
    ("総合計画", BOOL),
    ("国土強靱化", BOOL),
    ("総合戦略", BOOL),
    ("掲載計画数", INT),
    ("基本政策", STR),
    ("施策コード", STR),
    ("施策体系内", BOOL),
    ("展開方向コード", STR),
    ("再掲施策コード", STR),
    ("再掲施策数", INT),
    ("新継区分", STR),
    ("重点", BOOL),
    ("国補正予算", BOOL),
    ("事業内容", STR),
    ("会計", STR),
    ("予算区分", STR),
    ("予算説明書頁", STR),
    ("予算事務事業コード", STR),
)
_PROJECT_TAIL: tuple[tuple[str, str], ...] = (
    ("SDGs", STR),
    ("リスクシナリオ", STR),
    ("施策分野", STR),
    ("実施箇所", STR),
    ("事業主体", STR),
    ("開始年度", STR),
    ("終了年度", STR),
    ("全体事業費", INT),
    ("活用予定の交付金等", STR),
    ("基本目標", STR),
    ("具体的施策", STR),
    ("デジタル", BOOL),
    ("備考", STR),
    ("決算見込額", INT),
    ("進捗状況", STR),
    ("実績・成果", STR),
    ("今後の方向性", STR),
    ("要確認", BOOL),
    ("要確認の理由", STR),
    ("表記", STR),
    ("行数", INT),
)


def _project_values(p: Project, measures: dict, years: tuple[str, ...], blank: tuple) -> tuple:
    """A project's values in the order of projects_frame's columns (`blank`: Nones for the budget and 財源
    columns).  Lists and map() rather than generators: this runs once per project."""
    policy = (measures[p.measure_code].policy_code if p.measure_code in measures else UNKNOWN) if p.in_plan else ""
    plan = p.in_plan
    return (
        p.project_id,
        p.id_generated,
        p.name,
        p.dept,
        p.in_plan,
        p.in_resilience,
        p.in_strategy,
        p.in_plan + p.in_resilience + p.in_strategy,  # len(p.plans)
        policy,
        p.measure_code,
        p.in_plan and p.measure_code in measures,
        p.direction_code,
        LIST_SEP.join(p.relisted_measures),
        len(p.relisted_measures),
        p.status,
        p.priority,
        p.supplementary,
        p.content,
        p.account,
        p.budget_kind,
        p.budget_page,
        LIST_SEP.join(p.budget_codes),
        *(([p.budget.get(y) for y in years] + [p.funding.get(k) for k in FUNDING_KEYS]) if plan else blank),
        LIST_SEP.join(map(str, p.sdgs)),
        LIST_SEP.join(p.scenarios),
        p.resilience_field,
        p.location,
        p.actor,
        year_label(p.start_year) if p.start_year is not None else "",
        year_label(p.end_year) if p.end_year is not None else "",
        p.total_cost,
        p.grants,
        LIST_SEP.join(p.goals),
        LIST_SEP.join(p.strategy_measures),
        p.digital,
        p.note,
        p.settled if p.in_plan else None,
        p.progress,
        p.result,
        p.outlook,
        p.needs_review,
        "\n".join(p.review_reasons),
        " / ".join(p.names),
        len(p.sources),
    )


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
