"""予算事務事業との対照 (frames): which budget items carry which plan project, the items no plan
project carries, and where the plan's first-year figure and the budget's disagree.

A comparison unit (対照単位) is a set of plan projects joined by the items they share: one plan
project may span several items and several projects may share one item, so the plan and the
budget are compared over the whole unit, each item's amount counted once.  Amounts are summed in
円 and shown in 千円 (budget.thousand).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..budget import BudgetBook, BudgetItem, thousand
from ..models import Compilation, Project
from ..problems import Problem, make_problem
from ..validate import dept_key

POLICY_KIND = "政策"  # 予算区分 of the projects that must name their 予算事務事業
GENERAL_ACCOUNT = "一般"  # an account whose name holds this is the general account (一般会計)
SEP = "、"


@dataclass
class BudgetFrames:
    compare: pd.DataFrame  # one row per 総合計画 project (予算対照)
    items: pd.DataFrame  # one row per 予算事務事業 of the export (計画外の予算: those not linked)
    counts: dict[str, int | float | None]


def _units(plan: list[Project], known: dict[str, BudgetItem]) -> list[int]:
    """For each project of `plan`, the index of its comparison unit's first project."""
    parent = list(range(len(plan)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_user: dict[str, int] = {}
    for i, p in enumerate(plan):
        for code in p.budget_codes:
            if code in known:
                j = first_user.setdefault(code, i)
                a, b = root(i), root(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    return [root(i) for i in range(len(plan))]


def budget_frames(comp: Compilation, book: BudgetBook) -> tuple[BudgetFrames, list[Problem]]:
    m = comp.master
    settings = book.settings
    year = m.first_year
    known = book.by_code()
    plan = [p for p in comp.projects if p.in_plan]
    users: dict[str, list[str]] = {}
    for p in plan:
        for code in p.budget_codes:
            if code in known:
                users.setdefault(code, []).append(p.project_id)
    unit_of = _units(plan, known)
    members: dict[int, list[int]] = {}
    for i, u in enumerate(unit_of):
        members.setdefault(u, []).append(i)

    def planned(p: Project) -> int:
        return p.budget.get(year) or 0

    unit_plan = {u: sum(planned(plan[i]) for i in ix) for u, ix in members.items()}
    unit_codes = {u: list(dict.fromkeys(c for i in ix for c in plan[i].budget_codes if c in known))
                  for u, ix in members.items()}
    unit_yen = {u: sum(known[c].yen or 0 for c in codes) for u, codes in unit_codes.items()}

    problems: list[Problem] = []
    gap_units: set[int] = set()
    for u, codes in unit_codes.items():
        if codes and _is_gap(unit_plan[u] * 1000 - unit_yen[u], unit_yen[u], settings.rate, settings.amount):
            gap_units.add(u)
    rows = []
    for i, p in enumerate(plan):
        u = unit_of[i]
        reasons = []
        unknown = [c for c in p.budget_codes if c not in known]
        for c in unknown:
            file, sheet, cell = p.budget_code_cells[c]
            problems.append(make_problem("budget-code-unknown", file=file, sheet=sheet, cell=cell,
                                         column="予算事務事業コード", value=c))
        if unknown:
            reasons.append(f"予算事務事業にないコード（{SEP.join(unknown)}）")
        if not p.budget_codes and p.budget_kind == POLICY_KIND and planned(p) > 0 and p.plan_origin is not None:
            o = p.plan_origin
            letter = p.plan_letters.get("budget_codes") or p.plan_letters.get("name", "A")
            problems.append(make_problem("budget-code-missing", file=o.file, sheet=o.sheet, cell=f"{letter}{o.row}",
                                         column="予算事務事業コード"))
            reasons.append("予算事務事業コードが未記入")
        for c in p.budget_codes:
            item = known.get(c)
            if item is not None and item.dept and p.dept in m.departments and dept_key(item.dept) != dept_key(p.dept):
                file, sheet, cell = p.budget_code_cells[c]
                problems.append(make_problem("budget-dept-mismatch", file=file, sheet=sheet, cell=cell,
                                             column="予算事務事業コード", value=f"{c} {item.name}", detail=item.dept))
                reasons.append(f"所管課の異なる予算事務事業（{c} {item.dept}）")
        diff = thousand(unit_plan[u] * 1000 - unit_yen[u]) if unit_codes[u] else None
        rate = (unit_plan[u] * 1000 - unit_yen[u]) * 100 / unit_yen[u] if unit_codes[u] and unit_yen[u] else None
        if u in gap_units:
            reasons.append("計画額と予算額のかい離")
            if i == u:
                problems.append(_gap_problem(p, year, unit_plan[u], unit_yen[u], diff, rate,
                                             [plan[j].project_id for j in members[u]], m.unit))
        linked = [c for c in p.budget_codes if c in known]
        shared = [f"{c}（{'・'.join(users[c])}）" for c in linked if len(users[c]) > 1]
        own = [c for c in linked if users[c][0] == p.project_id]  # a shared item's amount shows on its first user
        rows.append((p.project_id, p.name, p.dept, p.measure_code, p.budget_kind, SEP.join(p.budget_codes),
                     p.budget.get(year), thousand(sum(known[c].yen or 0 for c in own)) if linked else None,
                     SEP.join(shared), "・".join(plan[j].project_id for j in members[u]) if len(members[u]) > 1 else "",
                     unit_plan[u] if unit_codes[u] else None, thousand(unit_yen[u]) if unit_codes[u] else None,
                     diff, None if rate is None else round(rate, 1), u in gap_units, "\n".join(reasons)))
    compare = _typed_frame(rows, COMPARE_COLUMNS)
    items = _items_frame(book, users)
    return BudgetFrames(compare, items, _counts(plan, book, users, compare, len(gap_units))), problems


COMPARE_COLUMNS = {
    "事業ID": "string", "事業名": "string", "所管課": "string", "施策コード": "string", "予算区分": "string",
    "予算事務事業コード": "string", "計画額": "Int64", "予算額": "Int64", "共有する予算事務事業": "string",
    "対照単位": "string", "対照単位の計画額": "Int64", "対照単位の予算額": "Int64", "かい離": "Int64",
    "かい離率": "Float64", "かい離あり": "bool", "要確認": "string",
}
ITEM_COLUMNS = {
    "予算事務事業コード": "string", "事務事業名": "string", "所管課": "string", "会計": "string", "款": "string",
    "項": "string", "目": "string", "当初予算額（円）": "Int64", "予算額": "Int64", "事業ID": "string",
    "計画内": "bool", "行": "Int64",
}


def _is_gap(diff_yen: int, budget_yen: int, rate: float, amount: int) -> bool:
    """Off by more than both tolerances: `amount` 千円 and `rate` % of the budget figure."""
    over_amount = abs(diff_yen) > amount * 1000
    over_rate = budget_yen == 0 or abs(diff_yen) * 100 > rate * budget_yen
    return over_amount and over_rate


def _gap_problem(p: Project, year: str, plan_sum: int, budget_yen: int, diff: int | None, rate: float | None,
                 unit: list[str], money_unit: str) -> Problem:
    o = p.plan_origin
    letter = p.plan_letters.get(f"budget:{year}", "A")
    detail = f"{thousand(budget_yen):,}{money_unit}、差 {diff:+,}{money_unit}"
    if rate is not None:
        detail += f"、{rate:+.1f}%"
    if len(unit) > 1:
        detail += f"。予算事務事業を共有する {'・'.join(unit)} の計で対照"
    column = f"{year}事業費（{money_unit}）" if len(unit) == 1 else f"{year}事業費の計"
    return make_problem("budget-gap", file=o.file if o else "", sheet=o.sheet if o else "",
                        cell=f"{letter}{o.row}" if o else "", column=column, value=f"{plan_sum:,}", detail=detail)


def _items_frame(book: BudgetBook, users: dict[str, list[str]]) -> pd.DataFrame:
    rows = [(i.code, i.name, i.dept, i.account, i.kan, i.kou, i.moku, i.yen, thousand(i.yen),
             "・".join(users.get(i.code, ())), i.code in users, i.row) for i in book.items]
    return _typed_frame(rows, ITEM_COLUMNS)


def _typed_frame(rows: list[tuple], columns: dict[str, str]) -> pd.DataFrame:
    """rows → a DataFrame with the named dtypes, each column built as such (no object columns to convert)."""
    values = list(zip(*rows)) if rows else [()] * len(columns)
    return pd.DataFrame({name: np.array(col, dtype=bool) if dtype == "bool" else pd.array(list(col), dtype=dtype)
                         for (name, dtype), col in zip(columns.items(), values)})


def is_general(account: str) -> bool:
    return GENERAL_ACCOUNT in account


def _counts(plan: list[Project], book: BudgetBook, users: dict[str, list[str]], compare: pd.DataFrame,
            gaps: int) -> dict[str, int | float | None]:
    linked = [i for i in book.items if i.code in users]
    general = [i for i in book.items if is_general(i.account)]
    general_yen = sum(i.yen or 0 for i in general)
    general_linked_yen = sum(i.yen or 0 for i in general if i.code in users)
    return {
        "計画事業数": len(plan),
        "コード記入事業数": sum(1 for p in plan if p.budget_codes),
        "対照できた事業数": int(compare["対照単位の予算額"].notna().sum()),
        "予算事務事業数": len(book.items),
        "計画内の予算事務事業数": len(linked),
        "計画外の予算事務事業数": len(book.items) - len(linked),
        "共有する予算事務事業数": sum(1 for c in users.values() if len(c) > 1),
        "予算額の計": thousand(sum(i.yen or 0 for i in book.items)),
        "計画内の予算額": thousand(sum(i.yen or 0 for i in linked)),
        "一般会計の予算額": thousand(general_yen),
        "一般会計のうち計画内": thousand(general_linked_yen),
        "一般会計に占める割合": round(general_linked_yen * 100 / general_yen, 1) if general_yen else None,
        "かい離": gaps,
        "読み込んだ行": book.rows_read,
        "使わなかった行": book.rows_unused,
    }
