"""Merge stage: a group of rows → one Project (DESIGN §3, field ownership and 再掲).

Each field comes from the sheet that owns it: 施策/budget/content from 総合計画, risk
scenarios/location/period from 国土強靱化, goals/KPIs from 総合戦略.  Code lists are united.
Where two rows of the same sheet disagree on a scalar, the first in the stable order wins
and a warning names both cells.  Budget comes from the primary 総合計画 row only.
"""
from __future__ import annotations

from functools import lru_cache

from .identify import RULE_DECISION, SHEET_ORDER, Group, generated_id, row_order
from .ledger import split_refs
from .models import (_year_labels, FUNDING_KEYS, SHEET_PLAN, SHEET_RESILIENCE, SHEET_STRATEGY, InputRow, Master,
                     MergeLogEntry, PlanRef, Project, ProjectKpi)
from .normalise import display_name, match_key, year_label
from .problems import ERROR, Report
from .validate import dept_key

PLAN_SCALARS = ("status", "content", "account", "budget_kind", "budget_page", "direction")
RES_SCALARS = ("location", "actor", "start_year", "end_year", "total_cost", "field", "grants")


_BLANK = (None, "", ())


def _first(rows: list[InputRow], key: str, report: Report, label: str) -> object:
    """The first non-blank value; a different later value is a conflict warning."""
    if len(rows) == 1:  # most projects have one row per sheet: nothing to compare
        v = rows[0].values.get(key)
        return None if v in _BLANK else v
    chosen: InputRow | None = None
    for r in rows:
        v = r.values.get(key)
        if v in _BLANK:
            continue
        if chosen is None:
            chosen = r
        elif v != chosen.values.get(key):
            first = _show(chosen.values.get(key), key)
            report.add("conflict", file=r.origin.file, sheet=r.origin.sheet, cell=r.cell(key), column=label,
                       value=first, detail=f"{chosen.origin.file} {chosen.origin.sheet}!{chosen.cell(key)}「{first}」"
                                           f" と {r.origin.file} {r.origin.sheet}!{r.cell(key)}「{_show(v, key)}」")
    return None if chosen is None else chosen.values.get(key)


_YEAR_KEYS = ("start_year", "end_year")


def _show(v: object, key: str = "") -> str:
    if key in _YEAR_KEYS and isinstance(v, int):
        return year_label(v)  # 7 → R7
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    if isinstance(v, tuple):
        return "、".join(str(x) for x in v)
    return str(v)


def _any(rows: list[InputRow], key: str) -> bool:
    """Whether any of the rows has a true value for key."""
    for r in rows:
        if r.values.get(key):
            return True
    return False


def _union(rows: list[InputRow], key: str) -> tuple:
    out: list = []
    for r in rows:
        for code in r.values.get(key) or ():
            if code not in out:
                out.append(code)
    return tuple(out)


LABELS = {"status": "新継区分", "content": "事業内容", "account": "会計", "budget_kind": "予算区分",
          "budget_page": "予算説明書頁", "direction": "展開方向コード", "location": "実施箇所", "actor": "事業主体",
          "start_year": "開始年度", "end_year": "終了年度", "total_cost": "全体事業費（千円）", "field": "施策分野",
          "grants": "活用予定の交付金等", "measure": "施策コード", "settled": "決算見込額（千円）",
          "progress": "進捗状況", "result": "実績・成果", "outlook": "今後の方向性"}


def build_project(group: Group, master: Master, report: Report, problem_index: dict) -> Project:
    single = len(group.rows) == 1  # half the projects: nothing to order, compare or warn about
    rows = group.rows if single else sorted(group.rows, key=row_order)
    plan, res, strat = _by_sheet(rows)
    primaries = [r for r in plan if not r.values.get("relist")]
    if plan and not primaries:
        report.add("relist-no-primary", file=plan[0].origin.file, sheet=SHEET_PLAN, cell=plan[0].cell("name"),
                   column="事業名", value=plan[0].raw_name, detail=plan[0].raw_name)
        primaries = [min(plan, key=_lead_order)]
    if len(primaries) > 1:
        primaries = sorted(primaries, key=_lead_order)
    primary = primaries[0] if plan else None
    lead = primary or (rows[0] if len(rows) == 1 else min(rows, key=_lead_order))
    name = display_name(lead.raw_name)
    dept = str(lead.values.get("dept", ""))
    key = match_key(lead.raw_name)
    p = Project(project_id="", id_generated=False, name=name, dept=dept, match_key=key)
    p.in_plan, p.in_resilience, p.in_strategy = bool(plan), bool(res), bool(strat)
    if primary is not None:
        _fill_plan(p, primary, primaries, plan, master, report)
    if res:
        _fill_resilience(p, res, report)
    if strat:
        _fill_strategy(p, strat)
    if not single:
        decided = {group.rows[i].origin for i, rule in group.rules.items() if rule == RULE_DECISION}
        for same_sheet in (primaries, res, strat):
            _warn_other_names([r for r in same_sheet if r.origin not in decided], report)
    ids = [str(lead.values["id"])] if lead.values.get("id") else sorted({str(r.values["id"]) for r in rows
                                                                         if r.values.get("id")})
    if ids:
        p.project_id = ids[0]
    else:
        p.project_id, p.id_generated = generated_id(master, dept, key), True
    depts = () if single or p.id_generated else sorted({str(r.values.get("dept", "")) for r in rows
                                                         if r.values.get("id") == p.project_id})
    if len(depts) > 1:
        report.add("id-conflict", file=lead.origin.file, sheet=lead.origin.sheet, cell=lead.cell("id"),
                   column="事業ID", value=p.project_id, detail="・".join(depts))
    p.sources = tuple(r.origin for r in rows)
    p.names = tuple(dict.fromkeys(r.raw_name for r in rows))
    reasons = []
    for r in rows:
        for label in r.values.get("missing_columns") or ():
            reasons.append(f"{r.origin.file} {r.origin.sheet}: 必須の列「{label}」がありません")
        if r.has_error:
            for prob in problem_index.get(r.origin, ()):
                if prob.severity == ERROR:
                    reasons.append(f"{r.origin.file} {r.origin.sheet}!{prob.cell}: {prob.message}")
    p.needs_review = any(r.has_error for r in rows)
    p.review_reasons = tuple(dict.fromkeys(reasons))
    return p


def _by_sheet(rows: list[InputRow]) -> tuple[list[InputRow], list[InputRow], list[InputRow]]:
    """The rows of 総合計画, 国土強靱化 and 総合戦略 (rows of any other sheet are left out), in the rows' order."""
    out: dict[str, list[InputRow]] = {SHEET_PLAN: [], SHEET_RESILIENCE: [], SHEET_STRATEGY: []}
    for r in rows:
        same = out.get(r.origin.sheet)
        if same is not None:
            same.append(r)
    return out[SHEET_PLAN], out[SHEET_RESILIENCE], out[SHEET_STRATEGY]


@lru_cache(maxsize=64)
def _budget_keys(start_year: int, end_year: int) -> tuple[tuple[str, str], ...]:
    """(year label, its budget field) for the plan's years: made once, not per project; the labels are
    Master.years' own strings (the keys of every project's budget)."""
    return tuple((y, f"budget:{y}") for y in _year_labels(start_year, end_year))


_FUND_FIELDS = tuple((k, f"fund:{k}") for k in FUNDING_KEYS)


def _warn_other_names(rows: list[InputRow], report: Report) -> None:
    """Rows of one sheet that share a 事業ID but are named differently (not mere spelling
    variants): the first name is used, a warning names both cells.  Rows a reviewer merged in
    重複判定.xlsx are left out: that decision already says they are one project."""
    if len(rows) < 2:
        return
    first, key = rows[0], match_key(rows[0].raw_name)
    for r in rows[1:]:
        if match_key(r.raw_name) != key:
            report.add("conflict", file=r.origin.file, sheet=r.origin.sheet, cell=r.cell("name"), column="事業名",
                       value=first.raw_name, detail=f"{first.origin.file} {first.origin.sheet}!{first.cell('name')}"
                                                    f"「{first.raw_name}」 と {r.origin.file} {r.origin.sheet}!"
                                                    f"{r.cell('name')}「{r.raw_name}」")


def _lead_order(row: InputRow) -> tuple:
    """Which row names the project: decided by content first (sheet, 所管課, match key), so
    that the name, 所管課 and generated 事業ID do not depend on file names or row order
    when rows with different names are one project; the stable order breaks ties."""
    return (SHEET_ORDER.get(row.sheet, 9), dept_key(str(row.values.get("dept", ""))), match_key(row.raw_name),
            row_order(row))


def _fill_plan(p: Project, primary: InputRow, primaries: list[InputRow], plan: list[InputRow],
               master: Master, report: Report) -> None:
    v = primary.values
    budget_keys = _budget_keys(master.start_year, master.end_year)
    p.measure_code = str(v.get("measure") or "")
    for other in primaries[1:]:
        om = other.values.get("measure")
        if om and om != p.measure_code:
            report.add("conflict", file=other.origin.file, sheet=SHEET_PLAN, cell=other.cell("measure"),
                       column="施策コード", value=p.measure_code,
                       detail=f"{primary.origin.file} {SHEET_PLAN}!{primary.cell('measure')}「{p.measure_code}」 と "
                              f"{other.origin.file} {SHEET_PLAN}!{other.cell('measure')}「{om}」。後者は再掲として扱います")
        for y, field in budget_keys:
            a, b = v.get(field), other.values.get(field)
            if b is not None and a != b:
                report.add("conflict", file=other.origin.file, sheet=SHEET_PLAN, cell=other.cell(f"budget:{y}"),
                           column=f"{y}事業費（千円）", value=_show(a),
                           detail=f"{primary.origin.file} {SHEET_PLAN}!{primary.cell(f'budget:{y}')}「{_show(a)}」 と "
                                  f"{other.origin.file} {SHEET_PLAN}!{other.cell(f'budget:{y}')}「{_show(b)}」。主たる行の額を採用します")
    relisted: list[str] = []
    for r in plan:
        codes = ([r.values.get("measure")] if r is not primary else []) + list(r.values.get("relisted") or ())
        for c in codes:
            if c and c != p.measure_code and c not in relisted:
                relisted.append(str(c))
    p.relisted_measures = tuple(sorted(relisted, key=_code_sort))
    ordered = [primary] + [r for r in primaries if r is not primary]
    p.status = str(_first(ordered, "status", report, LABELS["status"]) or "")
    p.content = str(_first(ordered, "content", report, LABELS["content"]) or "")
    p.account = str(_first(ordered, "account", report, LABELS["account"]) or "")
    p.budget_kind = str(_first(ordered, "budget_kind", report, LABELS["budget_kind"]) or "")
    p.budget_page = str(_first(ordered, "budget_page", report, LABELS["budget_page"]) or "")
    p.direction_code = str(v.get("direction") or "")
    p.supplementary = _any(plan, "supplementary")
    p.priority = _any(plan, "priority")
    p.budget = {y: v.get(field) for y, field in budget_keys}  # type: ignore[misc]
    p.funding = {k: v.get(field) for k, field in _FUND_FIELDS}  # type: ignore[misc]
    p.sdgs = tuple(sorted(set(_union(plan, "sdgs"))))
    p.note = "／".join(dict.fromkeys(str(r.values.get("note")) for r in plan if r.values.get("note")))
    settled = _first(ordered, "settled", report, LABELS["settled"])  # a 再掲 row may leave the results blank
    p.settled = settled if isinstance(settled, int) else None
    p.progress, p.result, p.outlook = (str(_first(ordered, k, report, LABELS[k]) or "")
                                       for k in ("progress", "result", "outlook"))
    p.plan_origin, p.plan_letters = primary.origin, primary.columns
    rows = [primary] + [r for r in plan if r is not primary]  # each code and reference at the first cell naming it
    for r in rows:
        for code in r.values.get("budget_codes") or ():
            p.budget_code_cells.setdefault(str(code), (r.origin.file, r.origin.sheet, r.cell("budget_codes")))
    p.budget_codes = tuple(p.budget_code_cells)
    p.plan_refs = _plan_refs(rows)


def _plan_refs(rows: list[InputRow]) -> tuple[PlanRef, ...]:
    """関連個別計画 of the project's 総合計画 rows, primary first, each reference once (the first cell citing it)."""
    out: dict[str, PlanRef] = {}
    for r in rows:
        cited = r.values.get("plans")
        if cited is None or cited == "":  # most rows cite none
            continue
        for text in split_refs(cited):
            out.setdefault(text, PlanRef(text, r.origin, r.cell("plans")))
    return tuple(out.values())


def _fill_resilience(p: Project, res: list[InputRow], report: Report) -> None:
    p.scenarios = tuple(sorted(_union(res, "scenarios"), key=_code_sort))
    p.location = str(_first(res, "location", report, LABELS["location"]) or "")
    p.actor = str(_first(res, "actor", report, LABELS["actor"]) or "市")
    p.start_year = _first(res, "start_year", report, LABELS["start_year"])  # type: ignore[assignment]
    p.end_year = _first(res, "end_year", report, LABELS["end_year"])  # type: ignore[assignment]
    p.total_cost = _first(res, "total_cost", report, LABELS["total_cost"])  # type: ignore[assignment]
    p.resilience_field = str(_first(res, "field", report, LABELS["field"]) or "")
    p.grants = str(_first(res, "grants", report, LABELS["grants"]) or "")


def _fill_strategy(p: Project, strat: list[InputRow]) -> None:
    p.goals = tuple(sorted(_union(strat, "goals"), key=_code_sort))
    p.strategy_measures = tuple(sorted(_union(strat, "strategy_measures"), key=_code_sort))
    p.digital = _any(strat, "digital")
    kpis: list[ProjectKpi] = []
    for r in strat:
        v = r.values
        if not v.get("kpi_name"):
            continue
        k = ProjectKpi(str(v.get("kpi_name")), str(v.get("kpi_unit") or ""), str(v.get("kpi_base") or ""),
                       year_label(v.get("kpi_base_year") if isinstance(v.get("kpi_base_year"), int) else None),
                       str(v.get("kpi_target") or ""),
                       year_label(v.get("kpi_target_year") if isinstance(v.get("kpi_target_year"), int) else None),
                       (v.get("goals") or ("",))[0], str(v.get("kpi_actual") or ""),
                       str(v.get("kpi_actual_kind") or ""), r.origin)
        if k not in kpis:
            kpis.append(k)
    p.kpis = tuple(kpis)
    if not p.grants:
        p.grants = "／".join(dict.fromkeys(str(r.values.get("grants")) for r in strat if r.values.get("grants")))


@lru_cache(maxsize=4096, typed=True)  # the same codes recur on every project
def _code_sort(code: str) -> tuple:
    return tuple((0, int(x), "") if x.isdigit() else (1, 0, x) for x in str(code).split("-"))


def merge_log(group: Group, project: Project) -> list[MergeLogEntry]:
    return [MergeLogEntry(r.origin, r.raw_name, str(r.values.get("dept", "")), project.project_id, group.rules[i])
            for i, r in enumerate(group.rows)]


def dedupe_generated_ids(projects: list[Project]) -> None:
    """Make every 事業ID unique.  Two projects can share one when a 別 decision keeps rows with
    the same explicit ID apart, or when a generated ID equals another project's ID.  An explicit
    ID is kept before a generated one; the others get `-2`, `-3`, ... (stably, by content),
    skipping any suffix that is already some project's ID."""
    seen: dict[str, list[Project]] = {}
    for p in projects:
        seen.setdefault(p.project_id, []).append(p)
    taken = set(seen)
    for pid in sorted(seen):
        ps = seen[pid]
        if len(ps) < 2:
            continue
        ordered = sorted(ps, key=lambda p: (p.id_generated, dept_key(p.dept), p.match_key,
                                            tuple(sorted(p.names)), p.plans, p.sources))
        n = 1
        for p in ordered[1:]:
            n += 1
            while f"{pid}-{n}" in taken:
                n += 1
            p.project_id = f"{pid}-{n}"
            taken.add(p.project_id)
