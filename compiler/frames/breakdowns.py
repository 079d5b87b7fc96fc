"""Breakdowns by 施策, risk scenario and 施策×リスクシナリオ, as DataFrames indexed by code."""
from __future__ import annotations

import pandas as pd

from ..models import Master
from .aggregate import plan_budget
from .tables import INT, STR, code_key

MATRIX_LOOSE = ""  # the matrix row of projects outside 総合計画 (国土強靱化・総合戦略 only)


def codes_in_use(master_codes, used) -> list[str]:
    """Master codes in master order, then codes used by projects that the master lacks (sorted)."""
    known = list(master_codes)
    seen = set(known)
    if isinstance(used, pd.Series):
        used = used.tolist()  # Python strings: a Series of strings yields its elements one call each
    extra = sorted({c for c in used if c and c not in seen}, key=code_key)
    return known + extra


def measure_summary(projects: pd.DataFrame, placements: pd.DataFrame, kpis: pd.DataFrame,
                    master: Master) -> pd.DataFrame:
    """Per 施策 (master order, then codes outside the 施策体系): 事業数 (primary), 再掲事業数, of the
    primary ones those also in 国土強靱化 and 総合戦略, and 成果指標数."""
    primary = placements[placements["主たる施策"]]
    own = projects.iloc[primary["位置"].to_numpy()].assign(施策=primary["施策コード"].to_numpy())
    grouped = own.groupby("施策", sort=False)
    out = pd.DataFrame({
        "事業数": grouped.size(),
        "国土強靱化": grouped["国土強靱化"].sum(),
        "総合戦略": grouped["総合戦略"].sum(),
        "再掲事業数": placements[~placements["主たる施策"]].groupby("施策コード", sort=False).size(),
        "成果指標数": kpis.groupby("施策コード", sort=False).size(),
    })
    index = codes_in_use(master.measures, primary["施策コード"])
    out = out.reindex(index).fillna(0).astype(INT).rename_axis("施策コード")
    lead, related = departments(projects, placements, master, index)
    out.insert(0, "主担当課", pd.array(lead, dtype=STR))
    out.insert(1, "関係課", pd.array(related, dtype=STR))
    return out


def departments(projects: pd.DataFrame, placements: pd.DataFrame, master: Master,
                codes: list[str]) -> tuple[list[str], list[str]]:
    """主担当課 and 関係課 of each 施策 of `codes`: 関係課 are the 所管課 of its projects (primary and re-listed)
    other than the 主担当課, in the 課一覧's order (then others by name), joined by 「、」; the master's
    関係課 column, where written, stands instead."""
    rank = {name: i for i, name in enumerate(master.departments)}
    placed = pd.DataFrame({"施策コード": placements["施策コード"].to_numpy(),
                           "所管課": projects["所管課"].to_numpy()[placements["位置"].to_numpy()]})
    by_code = placed.groupby("施策コード", sort=False)["所管課"].unique()
    lead, related = [], []
    for code in codes:
        measure = master.measures.get(code)
        head = measure.lead_dept if measure else ""
        lead.append(head)
        if measure and measure.related_depts:
            related.append(measure.related_depts)
            continue
        depts = {d for d in (by_code.get(code, ())) if d and d != head}
        related.append("、".join(sorted(depts, key=lambda d: (rank.get(d, len(rank)), d))))
    return lead, related


def scenario_summary(projects: pd.DataFrame, scenarios: pd.DataFrame, master: Master) -> pd.DataFrame:
    """Per risk scenario (master order, then codes the master lacks): 対応事業数, 事業費 of the 総合計画
    ones, and how many name their 実施箇所."""
    own = projects.iloc[scenarios["位置"].to_numpy()]
    code = scenarios["リスクシナリオ"].to_numpy()
    located = (own["実施箇所"] != "").to_numpy()
    df = pd.DataFrame({"リスクシナリオ": code, "事業": 1, "明記": located.astype(int),
                       "事業費": plan_budget(own).to_numpy()})
    g = df.groupby("リスクシナリオ", sort=False).sum()
    out = pd.DataFrame({"対応事業数": g["事業"], "事業費": g["事業費"], "実施箇所明記": g["明記"]})
    out["実施箇所未記入"] = out["対応事業数"] - out["実施箇所明記"]
    index = codes_in_use(master.scenarios, scenarios["リスクシナリオ"])
    return out.reindex(index).fillna(0).astype(INT).rename_axis("リスクシナリオ")


def goal_summary(projects: pd.DataFrame, goals: pd.DataFrame, master: Master) -> pd.DataFrame:
    """Per 基本目標: 事業数 and the 事業費 of its 総合計画 projects."""
    own = projects.iloc[goals["位置"].to_numpy()]
    df = pd.DataFrame({"基本目標": goals["基本目標"].to_numpy(), "事業数": 1, "事業費": plan_budget(own).to_numpy()})
    out = df.groupby("基本目標", sort=False).sum()
    index = codes_in_use(master.goals, goals["基本目標"])
    return out.reindex(index).fillna(0).astype(INT).rename_axis("基本目標")


def matrix(projects: pd.DataFrame, placements: pd.DataFrame, scenarios: pd.DataFrame,
           master: Master) -> pd.DataFrame:
    """施策 × リスクシナリオ: how many projects each cell holds.  A project counts under its primary
    and each 再掲 施策; projects outside 総合計画 form the last row (index "")."""
    rows = placements.loc[placements["施策コード"] != MATRIX_LOOSE, ["位置", "施策コード"]]
    loose = pd.DataFrame({"位置": pd.array((~projects["総合計画"]).to_numpy().nonzero()[0], dtype=INT),
                          "施策コード": pd.array([MATRIX_LOOSE] * int((~projects["総合計画"]).sum()), dtype="string")})
    cells = pd.concat([rows, loose], ignore_index=True).merge(scenarios, on="位置")
    table = pd.crosstab(cells["施策コード"], cells["リスクシナリオ"])
    measures = codes_in_use(master.measures, placements.loc[placements["主たる施策"], "施策コード"])
    columns = codes_in_use(master.scenarios, scenarios["リスクシナリオ"])
    return table.reindex(index=measures + [MATRIX_LOOSE], columns=columns, fill_value=0).astype(INT)
