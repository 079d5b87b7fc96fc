"""Every total, count and breakdown the outputs print, computed once from the frames.

The Word draft and the workbook both read these, so they cannot disagree.  Budget is counted
for 総合計画 projects only and once per project (a 再掲 places a project under another 施策
without counting its budget again); a year left blank counts as nothing.
"""
from __future__ import annotations

import pandas as pd

from ..models import FUNDING_KEYS, Master, Totals
from .tables import INT, UNKNOWN, budget_column, frame, funding_column

UNSPECIFIED = "未記入"  # first-year budget without (or beyond) a 財源 breakdown
UNPLACED = "（施策体系にない施策コードの事業）"  # the budget row of such projects, in the draft and the 集計 alike


def _year_sums(df: pd.DataFrame, years: tuple[str, ...]) -> pd.DataFrame:
    return df[[budget_column(y) for y in years]].fillna(0).astype("int64").set_axis(list(years), axis=1)


def _keyed(sums: pd.DataFrame, keys: list[str], years: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """{key: {year: 千円}}: every key of `keys` (zeros where nothing), then keys found beyond them."""
    extra = [k for k in sums.index if k not in set(keys)]
    full = sums.reindex(keys + extra, fill_value=0)
    return {k: {y: int(full.at[k, y]) for y in years} for k in full.index}


def totals(projects: pd.DataFrame, master: Master) -> tuple[Totals, pd.DataFrame]:
    """The plan's budget by year, 基本政策, 施策 and 財源, as `Totals` (the renderers' view) and as
    one long frame (区分, キー, 年度, 金額) for analysis and export."""
    years = master.years
    plan = projects[projects["総合計画"]]
    amounts = _year_sums(plan, years)
    mcode = plan["施策コード"].where(plan["施策体系内"], UNKNOWN)
    by_year = {y: int(amounts[y].sum()) for y in years}
    by_policy = _keyed(amounts.groupby(plan["基本政策"].to_numpy(), sort=False).sum(), list(master.policies), years)
    by_measure = _keyed(amounts.groupby(mcode.to_numpy(), sort=False).sum(), list(master.measures), years)
    by_funding = funding(plan, master)
    t = Totals(by_year, by_policy, by_measure, by_funding)
    return t, _totals_long(t)


def funding(plan: pd.DataFrame, master: Master) -> dict[str, int]:
    """First-year budget by 財源; a project without any 財源 figure, or whose figures do not add up to
    its budget, puts the rest under 未記入."""
    funds = plan[[funding_column(k) for k in FUNDING_KEYS]]
    given = funds.notna().any(axis=1)
    filled = funds.fillna(0).sum(axis=1).where(given, 0)
    first = plan[budget_column(master.first_year)].fillna(0)
    out = {k: int(funds[funding_column(k)].fillna(0).sum()) for k in FUNDING_KEYS}
    out[UNSPECIFIED] = int((first - filled).sum())
    return out


def _totals_long(t: Totals) -> pd.DataFrame:
    kinds: list[str] = []
    keys: list[str] = []
    years: list[str] = []
    values: list[int] = []
    for kind, table in (("基本政策", t.by_policy_year), ("施策", t.by_measure_year), ("全体", {"計": t.by_year})):
        for key, by in table.items():
            for y, v in by.items():
                kinds.append(kind), keys.append(key), years.append(y), values.append(v)
    for key, v in t.by_funding.items():
        kinds.append("財源"), keys.append(key), years.append(""), values.append(v)
    return frame({"区分": ("string", kinds), "キー": ("string", keys), "年度": ("string", years), "金額": (INT, values)})


def counts(projects: pd.DataFrame, merged_rows: int) -> dict[str, int]:
    """Project counts the summaries print (集計 sheet, 第1章, the console)."""
    p = projects
    plan, res, strat = p["総合計画"], p["国土強靱化"], p["総合戦略"]
    n_plans = p["掲載計画数"]
    relisted = p["再掲施策数"] > 0
    return {k: int(v) for k, v in {
        "事業": len(p), "総合計画": plan.sum(), "国土強靱化": res.sum(), "総合戦略": strat.sum(),
        "2計画": (n_plans == 2).sum(), "3計画": (n_plans == 3).sum(), "複数計画": (n_plans >= 2).sum(),
        "新規": (plan & (p["新継区分"] == "新規")).sum(), "重点": p["重点"].sum(),
        "再掲あり": relisted.sum(), "総合計画で再掲あり": (plan & relisted).sum(),
        "実施箇所明記": (res & (p["実施箇所"] != "")).sum(), "実施箇所未記入": (res & (p["実施箇所"] == "")).sum(),
        "国土強靱化のみ": (~plan & res).sum(), "総合戦略のみ": (~plan & ~res & strat).sum(),
        "施策体系外": (plan & ~p["施策体系内"]).sum(), "仮番号": p["仮番号"].sum(), "要確認": p["要確認"].sum(),
        "再掲数": p["再掲施策数"].sum(),
        "統合行": merged_rows,
    }.items()}


def plan_budget(projects: pd.DataFrame) -> pd.Series:
    """Each project's plan-period budget as counted in totals (0 for projects outside 総合計画)."""
    return projects["計画期間事業費"].fillna(0).astype("int64").where(projects["総合計画"], 0)
