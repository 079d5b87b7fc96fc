"""What `make templates --previous` carries over from the previous compile into each 課's workbook:
its projects from 事業一覧 (shifted by year, the evaluated year's amount as the starting 決算見込額) and its
成果指標 from 成果指標一覧 (targets by year, results left blank).  Values are text as read; amounts and
○ marks are turned back into what the template cells hold."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .models import SHEET_KPI, SHEET_PLAN, SHEET_RESILIENCE, SHEET_STRATEGY, Master
from .normalise import nfkc, parse_flag, parse_money
from .previous import (budget_labels, check_unit, crossref_path, field, read_previous_indicators,
                       read_previous_projects)
from .schema import FLAG, MONEY, Column, columns_for

FLAG_MARK = "○"
SETTLED = "settled"  # the 総合計画 column of the evaluated year's 決算見込額

# fields carried over from the previous 事業一覧 (matched by the template label; budget years by label too).
# 財源_* are not carried: they describe the first year, which moves on by one.
CARRY = {
    SHEET_PLAN: ("id", "name", "dept", "measure", "direction", "relisted", "content", "account", "budget_kind",
                 "budget_page", "supplementary", "priority", "sdgs", "note", "plans", "budget_codes"),
    SHEET_RESILIENCE: ("id", "name", "dept", "scenarios", "field", "location", "actor", "start_year", "end_year",
                       "total_cost", "grants"),
    SHEET_STRATEGY: ("id", "name", "dept", "goals", "strategy_measures", "kpi_name", "kpi_unit", "kpi_base",
                     "kpi_base_year", "kpi_target", "kpi_target_year", "digital", "grants"),
}
# 成果指標 columns carried from the previous 成果指標一覧 (by label: a year's target keeps its year); the
# results are not: they are what the department types now
INDICATOR_SKIP = ("actual", "actual_kind")
# 事業一覧 holds a project's KPIs one per line in each KPI column; the 総合戦略 sheet takes one row per KPI
KPI_KEYS = ("kpi_name", "kpi_unit", "kpi_base", "kpi_base_year", "kpi_target", "kpi_target_year")


@dataclass(frozen=True)
class Moved:
    """A previous project whose 所管課 is not in the new 課一覧, and the 課 whose workbook took it
    (by the 課コード its 事業ID starts with); `to` is empty when no 課 has that code."""

    project_id: str
    name: str
    dept: str
    to: str = ""


@dataclass(frozen=True)
class Carried:
    """What a 課's workbook takes over from the previous compile."""

    projects: list[dict[str, str]]  # rows of 事業一覧
    indicators: list[dict[str, str]]  # rows of 成果指標一覧


NOTHING = Carried([], [])


@dataclass
class Previous:
    """The previous compile's rows, by the 課 whose workbook takes them."""

    by_dept: dict[str, Carried]
    moved: list[Moved]  # projects placed by their 事業ID's 課コード (or not at all)
    lost_indicators: list[Moved]  # 成果指標 no 課 of the 課一覧 could take


def read_previous(master: Master, previous: Path | None) -> Previous:
    """The previous compile's projects and 成果指標 by 課 (nothing without `previous`); PreviousError when it
    cannot be read or its amounts are in another unit."""
    if previous is None:
        return Previous({}, [], [])
    records = read_previous_projects(previous)
    check_unit(budget_labels(records), master.unit, crossref_path(previous).name)
    projects, moved = _by_department(records, master)
    indicators, lost = _indicators_by_department(read_previous_indicators(previous), master)
    by_dept = {d: Carried(projects.get(d, []), indicators.get(d, [])) for d in {*projects, *indicators}}
    return Previous(by_dept, moved, lost)


def _dept_key(name: str) -> str:
    return re.sub(r"\s+", "", nfkc(name))


def _by_department(records: list[dict[str, str]], master: Master) -> tuple[dict[str, list[dict[str, str]]], list[Moved]]:
    """Previous records by the 課 (master name) whose workbook takes them, and the records placed by
    their 事業ID's 課コード (or not at all) because their 所管課 is not in the 課一覧."""
    by_key = {_dept_key(d): d for d in master.departments}
    by_code = {d.code: d.name for d in master.departments.values() if d.code}
    out: dict[str, list[dict[str, str]]] = {}
    moved: list[Moved] = []
    for rec in records:
        dept = by_key.get(_dept_key(field(rec, "所管課")))
        if dept is None:
            pid = field(rec, "事業ID")
            dept = by_code.get(_dept_code(pid), "")
            moved.append(Moved(pid, field(rec, "事業名"), field(rec, "所管課"), dept))
        if dept:
            out.setdefault(dept, []).append(rec)
    return out, moved


def _indicators_by_department(records: list[dict[str, str]], master: Master
                              ) -> tuple[dict[str, list[dict[str, str]]], list[Moved]]:
    """Previous 成果指標 by the 課 whose workbook takes them: their 所管課, else the 施策's 主担当課; the rest
    are listed (as Moved with the 施策コード in place of a 事業ID)."""
    by_key = {_dept_key(d): d for d in master.departments}
    out: dict[str, list[dict[str, str]]] = {}
    lost: list[Moved] = []
    for rec in records:
        measure = master.measures.get(nfkc(field(rec, "施策コード")).strip())
        dept = by_key.get(_dept_key(field(rec, "所管課"))) or by_key.get(_dept_key(measure.lead_dept if measure else ""))
        if dept:
            out.setdefault(dept, []).append(rec)
        else:
            lost.append(Moved(field(rec, "施策コード"), field(rec, "指標名"), field(rec, "所管課")))
    return out, lost


def _dept_code(project_id: str) -> str:
    """The 課コード a 事業ID starts with (`0703-006` → `0703`)."""
    head, sep, _ = nfkc(project_id).strip().partition("-")
    return head if sep else ""


def prefill_rows(master: Master, sheet: str, records: list[dict[str, str]]) -> list[dict[str, object]]:
    """Rows of the previous 事業一覧 that belong on `sheet` (its ○ column), as {field: value};
    on 総合戦略 one row per KPI."""
    columns = columns_for(sheet, master.years)
    keys = CARRY[sheet]
    budgets = budget_labels(records)  # by year, whatever unit the previous compile wrote in its labels
    rows = []
    for rec in records:
        if not is_yes(field(rec, sheet)):
            continue
        row: dict[str, object] = {}
        for col in columns:
            if col.key in keys:
                row[col.key] = _carry_value(col, field(rec, col.label))
            elif sheet == SHEET_PLAN and col.key.startswith("budget:"):
                label = budgets.get(col.key.removeprefix("budget:"), ("",))[0]
                row[col.key] = _carry_value(col, rec.get(label, ""))
            elif sheet == SHEET_PLAN and col.key == SETTLED:  # starts as what the previous plan gave that year
                label = budgets.get(master.evaluated_year, ("",))[0]
                row[col.key] = _carry_value(col, rec.get(label, ""))
        if sheet == SHEET_PLAN:
            row["status"] = "継続"
        rows.extend(_kpi_rows(row) if sheet == SHEET_STRATEGY else [row])
    return rows


def prefill_indicators(master: Master, records: list[dict[str, str]]) -> list[dict[str, object]]:
    """Rows of the previous 成果指標一覧 for the 成果指標 sheet: every column by its label (a year's target
    lands under the same year, the evaluated year's under `R6目標値`), the results left blank."""
    columns = [c for c in columns_for(SHEET_KPI, master.years) if c.key not in INDICATOR_SKIP]
    return [{c.key: _carry_value(c, field(rec, c.label)) for c in columns} for rec in records]


def _kpi_rows(row: dict[str, object]) -> list[dict[str, object]]:
    """A 総合戦略 row whose KPI cells hold one KPI per line, as one row per KPI."""
    lines = {k: str(row.get(k) or "").split("\n") for k in KPI_KEYS}
    n = max(len(v) for v in lines.values())
    if n <= 1:
        return [row]
    return [{**row, **{k: (v[i].strip() if i < len(v) else "") for k, v in lines.items()}} for i in range(n)]


def _carry_value(col: Column, text: str) -> object:
    if col.kind == FLAG:
        return FLAG_MARK if is_yes(text) else ""
    if col.kind == MONEY and text:
        try:
            return parse_money(text)
        except ValueError:
            return text
    return text


def is_yes(text: str) -> bool:
    try:
        return parse_flag(text)
    except ValueError:
        return False
