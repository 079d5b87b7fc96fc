"""個別計画: the master's ledger as frames, the projects that cite each plan, the plans of each 施策, and the
checks between them (DESIGN §4, §5).  Every output (the 個別計画 sheet, the draft's 「関連する個別計画」 and
個別計画一覧, 公開データ/個別計画.csv) reads these frames.

- plans           one row per ledger plan, in ledger order: its period as 香取市 writes it, 期間満了 (its period
                  ends before or within the new plan's period), 要改定 (期間満了 and not 改定予定), the 施策 it
                  serves (its 関連施策コード, then the 施策 of the projects citing it), those projects and the
                  first year's budget they carry, summed (<NA> when none has an amount)
- plan_citations  one row per reference in a 関連個別計画 cell: 位置 (the project's row in `projects`), 参照 as
                  written, 計画ID (<NA> for a reference the ledger does not hold), whether the ledger links the
                  plan to the project's 施策, and the cell
- plan_measures   (施策コード, 計画ID, 由来): the plans listed under each 施策, in 施策体系 then ledger order
"""
from __future__ import annotations

import pandas as pd

from ..ledger import REVISING, Ledger, PlanRecord, fiscal_year_text, period_text
from ..models import Master, Project
from ..normalise import year_label
from ..problems import Problem, make_problem
from .tables import BOOL, INT, LIST_SEP, STR, budget_column, frame

FROM_LEDGER, FROM_PROJECTS, FROM_BOTH = "台帳", "事業", "台帳・事業"


def first_budget_column(master: Master) -> str:
    return budget_column(master.first_year)


def citations_frame(projects: list[Project], ledger: Ledger) -> pd.DataFrame:
    pos: list[int] = []
    written: list[str] = []
    ids: list[str | None] = []
    linked: list[bool | None] = []
    files: list[str] = []
    sheets: list[str] = []
    cells: list[str] = []
    for i, p in enumerate(projects):
        own = {p.measure_code, *p.relisted_measures} - {""}
        for ref in p.plan_refs:
            for text, plan in ledger.resolve_all(ref.text):
                pos.append(i), written.append(text), files.append(ref.origin.file)
                sheets.append(ref.origin.sheet), cells.append(ref.cell)
                ids.append(plan.plan_id if plan else None)
                linked.append(bool(own & set(plan.measures)) if plan else None)
    return frame({"位置": (INT, pos), "参照": (STR, written), "計画ID": (STR, ids), "施策に関連付け": (BOOL, linked),
                  "ファイル": (STR, files), "シート": (STR, sheets), "セル": (STR, cells)})


def expires(plan: PlanRecord, master: Master) -> bool:
    """The plan's period ends before or within the new plan's period (R7–R9: an end in R9 or earlier)."""
    return plan.end is not None and plan.end <= master.end_year


def plans_frame(master: Master, projects: list[Project], citations: pd.DataFrame) -> pd.DataFrame:
    plans = master.ledger.plans
    budget_col = first_budget_column(master)
    order = {code: i for i, code in enumerate(master.measures)}
    cited: dict[str, list[int]] = {}
    for position, pid in zip(citations["位置"].tolist(), citations["計画ID"].tolist()):
        if pid is not pd.NA and pid is not None and int(position) not in cited.setdefault(str(pid), []):
            cited[str(pid)].append(int(position))
    measures, citing, counts, budgets = [], [], [], []
    for plan in plans:
        ps = [projects[i] for i in cited.get(plan.plan_id, [])]
        extra = [p.measure_code for p in ps if p.measure_code in master.measures and p.measure_code not in plan.measures]
        codes = list(plan.measures) + sorted(set(extra), key=lambda c: order[c])
        measures.append(LIST_SEP.join(codes))
        citing.append(LIST_SEP.join(p.project_id for p in ps))
        counts.append(len(ps))
        amounts = [p.budget.get(master.first_year) for p in ps if p.in_plan]
        written = [a for a in amounts if a is not None]
        budgets.append(sum(written) if written else None)
    return frame({
        "計画ID": (STR, [p.plan_id for p in plans]), "計画名": (STR, [p.name for p in plans]),
        "所管課": (STR, [p.dept for p in plans]), "根拠法令等": (STR, [p.basis for p in plans]),
        "開始年度": (STR, [year_label(p.start) for p in plans]), "終了年度": (STR, [year_label(p.end) for p in plans]),
        "計画期間": (STR, [p.period for p in plans]), "状況": (STR, [p.status for p in plans]),
        "関連施策コード": (STR, [LIST_SEP.join(p.measures) for p in plans]),
        "期間満了": (BOOL, [expires(p, master) for p in plans]),
        "要改定": (BOOL, [expires(p, master) and p.status != REVISING for p in plans]),
        "関連施策": (STR, measures), "引用事業数": (INT, counts), "引用事業": (STR, citing), budget_col: (INT, budgets),
        "行": (INT, [p.row for p in plans]),
    })


def measures_frame(master: Master, projects: list[Project], plans: pd.DataFrame,
                   citations: pd.DataFrame) -> pd.DataFrame:
    """The plans under each 施策: linked by the ledger (台帳), cited by the 施策's projects (事業), or both."""
    ledger_links = {(c, str(pid)) for pid, codes in zip(plans["計画ID"].tolist(), plans["関連施策コード"].tolist())
                    for c in str(codes).split(LIST_SEP) if c}
    cited_links = {(projects[int(i)].measure_code, str(pid))
                   for i, pid in zip(citations["位置"].tolist(), citations["計画ID"].tolist())
                   if pid is not pd.NA and pid is not None}
    rows: list[tuple[str, str, str]] = []
    for code in master.measures:
        for pid in plans["計画ID"].tolist():
            key = (code, str(pid))
            if key in ledger_links or key in cited_links:
                source = FROM_BOTH if key in ledger_links and key in cited_links else \
                    FROM_LEDGER if key in ledger_links else FROM_PROJECTS
                rows.append((code, str(pid), source))
    return frame({"施策コード": (STR, [r[0] for r in rows]), "計画ID": (STR, [r[1] for r in rows]),
                  "由来": (STR, [r[2] for r in rows])})


def plan_frames(master: Master, projects: list[Project]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(plans, plan_citations, plan_measures)."""
    citations = citations_frame(projects, master.ledger)
    plans = plans_frame(master, projects, citations)
    return plans, citations, measures_frame(master, projects, plans, citations)


# ---------------------------------------------------------------- checks
def new_plan_period(master: Master) -> str:
    return period_text(master.start_year, master.end_year)


def checks(master: Master, projects: list[Project], plans: pd.DataFrame, citations: pd.DataFrame) -> list[Problem]:
    """plan-expiring (on the ledger's 終了年度 cell), plan-unknown and plan-measure-unlinked (on the project's
    関連個別計画 cell); the ledger's own row problems come with the master (Ledger.problems)."""
    out: list[Problem] = []
    ledger = master.ledger
    file = master.path.name
    by_id = {p.plan_id: p for p in ledger.plans}
    for pid, due in zip(plans["計画ID"].tolist(), plans["要改定"].tolist()):
        if not due:
            continue
        plan = by_id[str(pid)]
        end = fiscal_year_text(plan.end)  # type: ignore[arg-type]
        detail = (f"{end}で終了しており、本計画の期間（{new_plan_period(master)}）の前に満了しています"
                  if plan.end < master.start_year  # type: ignore[operator]
                  else f"{end}で終了し、本計画の期間（{new_plan_period(master)}）中に満了します")
        out.append(make_problem("plan-expiring", file=file, sheet=ledger.sheet, cell=plan.cell("終了年度"),
                                column="終了年度", value=f"{plan.name}（{plan.plan_id}）", detail=detail))
    for position, text, pid, linked, f, sheet, cell in zip(*(citations[c].tolist() for c in (
            "位置", "参照", "計画ID", "施策に関連付け", "ファイル", "シート", "セル"))):
        p = projects[int(position)]
        if pid is pd.NA or pid is None:
            out.append(make_problem("plan-unknown", file=f, sheet=sheet, cell=cell, column="関連個別計画", value=text))
        elif linked is False and p.measure_code in master.measures:
            plan = by_id[str(pid)]
            own = [p.measure_code, *p.relisted_measures]
            labels = "・".join(master.measures[c].label for c in own if c in master.measures)
            out.append(make_problem("plan-measure-unlinked", file=f, sheet=sheet, cell=cell, column="関連個別計画",
                                    value=f"{plan.name}（{plan.plan_id}）", detail=labels))
    return out

