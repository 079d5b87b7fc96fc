"""The rolling plan: compare this cycle's projects with the previous compile's 事業一覧.

Projects are matched by 事業ID.  A project whose ID is new but whose 所管課 and match key
equal those of a previous project that disappeared is a probable renumbering: it is paired
with that project (so its budget is compared) and reported as a warning.  When the new ID was
generated because the 事業ID cell was left blank, the warning asks for the previous ID instead.

A previous 事業一覧 that gives one 事業ID to several rows cannot be compared by ID (one row
would be dropped and the budget differences would no longer add up): it is refused with a
PreviousError naming the rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd

from .models import SHEET_PLAN, Compilation, Project
from .normalise import clean_text, match_key, parse_money, split_codes
from .previous import (HEADER_SEARCH_ROWS, PROJECT_SHEET, PreviousError, budget_labels, check_unit, crossref_path,
                       field as rec_field, read_previous_projects)
from .problems import Problem, make_problem
from .schema import label_key
from .validate import dept_key

TRACKED = (  # (label, project attribute, is a code list)
    ("事業名", "name", False), ("所管課", "dept", False), ("施策コード", "measure_code", False),
    ("リスクシナリオ", "scenarios", True), ("基本目標", "goals", True), ("実施箇所", "location", False),
)


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Pair:
    """A project of this cycle and its previous record (either may be missing)."""

    project_id: str
    name: str
    dept: str
    current: Project | None
    previous: dict[str, str] | None
    status: str  # 新規 / 終了 / 継続 / 番号変更
    changes: list[Change] = field(default_factory=list)
    budget: dict[str, tuple[int, int]] = field(default_factory=dict)  # overlapping year -> (previous, current)
    previous_id: str = ""
    previous_budgeted: frozenset[str] = frozenset()  # overlapping years the previous plan gave a budget (cell filled)

    def diff(self, year: str) -> int:
        before, after = self.budget.get(year, (0, 0))
        return after - before


@dataclass
class Comparison:
    source: Path
    previous_years: tuple[str, ...]
    overlap_years: tuple[str, ...]
    pairs: list[Pair]
    previous_totals: dict[str, int]
    current_totals: dict[str, int]
    problems: list[Problem] = field(default_factory=list)
    planned: dict[str, int | None] = field(default_factory=dict)  # 事業ID -> the previous plan's amount for
    # the evaluated year (R6 when this plan starts R7), for projects of both years; None = left blank

    def by_status(self, status: str) -> list[Pair]:
        return [p for p in self.pairs if p.status == status]

    @property
    def changed(self) -> list[Pair]:
        return [p for p in self.pairs if p.status in ("継続", "番号変更") and (p.changes or any(p.diff(y) for y in self.overlap_years))]

    def counts(self) -> dict[str, int]:
        """新規, 終了, 継続（変更あり）, 番号変更: disjoint counts for summaries."""
        changed = [p for p in self.changed if p.status == "継続"]
        return {"新規": len(self.by_status("新規")), "終了": len(self.by_status("終了")),
                "継続（変更あり）": len(changed), "番号変更": len(self.by_status("番号変更"))}

    def largest_budget_changes(self, n: int = 10) -> list[Pair]:
        scored = [p for p in self.pairs if any(p.diff(y) for y in self.overlap_years)]
        return sorted(scored, key=lambda p: (-abs(sum(p.diff(y) for y in self.overlap_years)), p.project_id))[:n]


def _prev_budget(rec: dict[str, str], label: str) -> int:
    try:
        return parse_money(rec.get(label, "")) or 0
    except ValueError:
        return 0


def _budgeted(rec: dict[str, str] | None, labels: dict[str, str]) -> frozenset[str]:
    if rec is None or not _in_plan(rec):
        return frozenset()
    return frozenset(y for y, label in labels.items() if rec.get(label, "").strip())


def _in_plan(rec: dict[str, str]) -> bool:
    return bool(rec_field(rec, "総合計画").strip())


def _changes(p: Project, rec: dict[str, str]) -> list[Change]:
    out = []
    for label, attr, is_list in TRACKED:
        now = getattr(p, attr)
        before = rec_field(rec, label)
        if is_list:
            a, b = tuple(sorted(split_codes(before))), tuple(sorted(now))
            if a != b:
                out.append(Change(label, "、".join(a), "、".join(b)))
        elif (before or "").strip() != (now or "").strip():
            out.append(Change(label, before, now))
    return out


def compare_with_previous(comp: Compilation, previous: Path) -> Comparison:
    path = crossref_path(previous)
    records = read_previous_projects(path)
    columns = budget_labels(records)
    check_unit(columns, comp.master.unit, path.name)
    prev_years = tuple(columns)
    overlap = tuple(y for y in comp.master.years if y in prev_years)
    labels = {y: columns[y][0] for y in overlap}
    prev_by_id = _by_id(records, path)
    matched = match_previous(comp.projects, prev_by_id)
    pairs: list[Pair] = []
    problems: list[Problem] = []
    matched_prev: set[str] = set()
    for p, (status, prev_id) in zip(comp.projects, matched):
        rec = prev_by_id.get(prev_id) if prev_id else None
        if status == "番号変更":
            problems.append(_renumbering(comp, p, prev_id))
        if rec is not None:
            matched_prev.add(prev_id)
        pair = Pair(p.project_id, p.name, p.dept, p, rec, status, previous_id=prev_id)
        if rec is not None:
            pair.changes = _changes(p, rec)
        pair.budget = {y: ((_prev_budget(rec, labels[y]) if rec is not None and _in_plan(rec) else 0),
                           (p.budget.get(y) or 0) if p.in_plan else 0) for y in overlap}
        pair.previous_budgeted = _budgeted(rec, labels)
        pairs.append(pair)
        problems += _status_warnings(comp, p, status, prev_id)
    for pid, rec in sorted(prev_by_id.items()):
        if pid in matched_prev:
            continue
        pairs.append(Pair(pid, rec_field(rec, "事業名"), rec_field(rec, "所管課"), None, rec, "終了",
                          budget={y: (_prev_budget(rec, labels[y]) if _in_plan(rec) else 0, 0) for y in overlap},
                          previous_id=pid, previous_budgeted=_budgeted(rec, labels)))
    planned = _planned(pairs, columns.get(comp.master.evaluated_year, ("",))[0])
    problems += [_gone(pair) for pair in pairs if pair.status == "終了" and pair.previous and _in_plan(pair.previous)]
    prev_totals = {y: sum(_prev_budget(r, labels[y]) for r in records if _in_plan(r)) for y in overlap}
    cur_totals = {y: comp.totals.by_year.get(y, 0) for y in overlap}
    order = {"新規": 0, "番号変更": 1, "継続": 2, "終了": 3}
    pairs.sort(key=lambda x: (order[x.status], x.project_id))
    return Comparison(path, prev_years, overlap, pairs, prev_totals, cur_totals, problems, planned)


def _planned(pairs: list[Pair], label: str) -> dict[str, int | None]:
    """What the previous plan gave each continuing project for the evaluated year (its first year)."""
    out: dict[str, int | None] = {}
    for pair in pairs:
        if pair.current is None or pair.previous is None or not label or not _in_plan(pair.previous):
            continue
        try:
            out[pair.project_id] = parse_money(pair.previous.get(label, ""))
        except ValueError:
            out[pair.project_id] = None
    return out


def _gone(pair: Pair) -> Problem:
    """A project of the previous plan that no workbook carries now: nobody said what became of it."""
    return make_problem("previous-gone-no-direction", value=pair.name, detail=f"{pair.project_id}・{pair.dept}")


def match_previous(projects: list[Project], prev_by_id: dict[str, dict[str, str]]) -> list[tuple[str, str]]:
    """(status, previous 事業ID) of each project: a merge over 事業ID (継続 where both years have it), then,
    for the IDs only this year has, a merge over 所管課 + match key with the IDs only the previous year
    has (番号変更: a probable renumbering; each previous project pairs with the first such project)."""
    key_cols = ["所管課キー", "照合キー"]
    cur = pd.DataFrame({"事業ID": [p.project_id for p in projects], "所管課キー": [dept_key(p.dept) for p in projects],
                        "照合キー": [p.match_key for p in projects]}, dtype="string")
    prev = pd.DataFrame({"事業ID": list(prev_by_id),
                         "所管課キー": [dept_key(rec_field(r, "所管課")) for r in prev_by_id.values()],
                         "照合キー": [match_key(rec_field(r, "事業名")) for r in prev_by_id.values()]}, dtype="string")
    both = cur.merge(prev[["事業ID"]], on="事業ID", how="outer", indicator=True, sort=False)
    vanished = prev[prev["事業ID"].isin(both.loc[both["_merge"] == "right_only", "事業ID"])]
    vanished = vanished.drop_duplicates(key_cols, keep="last").rename(columns={"事業ID": "前年度事業ID"})
    status = pd.Series("新規", index=cur.index, dtype="string")
    previous = pd.Series("", index=cur.index, dtype="string")
    kept = cur["事業ID"].isin(prev["事業ID"])
    status[kept], previous[kept] = "継続", cur.loc[kept, "事業ID"]
    new = cur[~kept].reset_index().merge(vanished, on=key_cols, how="inner", sort=False)
    new = new.sort_values("index", kind="stable").drop_duplicates("前年度事業ID", keep="first")
    status[new["index"].to_numpy()] = "番号変更"
    previous[new["index"].to_numpy()] = new["前年度事業ID"].to_numpy()
    return list(zip(status.tolist(), previous.tolist()))


def comparison_frame(cmp: Comparison) -> pd.DataFrame:
    """One row per pair (this year's project and/or its previous record), with the budgets of the
    overlapping years and the tracked fields that changed."""
    pairs = cmp.pairs
    cols: dict[str, pd.api.extensions.ExtensionArray] = {
        "状態": pd.array([p.status for p in pairs], dtype="string"),
        "事業ID": pd.array([p.project_id for p in pairs], dtype="string"),
        "前年度事業ID": pd.array([p.previous_id for p in pairs], dtype="string"),
        "事業名": pd.array([p.name for p in pairs], dtype="string"),
        "所管課": pd.array([p.dept for p in pairs], dtype="string"),
    }
    for y in cmp.overlap_years:
        cols[f"{y}前年度計画"] = pd.array([p.budget[y][0] for p in pairs], dtype="Int64")
        cols[f"{y}本計画"] = pd.array([p.budget[y][1] for p in pairs], dtype="Int64")
        cols[f"{y}増減"] = pd.array([p.diff(y) for p in pairs], dtype="Int64")
    cols["変更項目"] = pd.array(["、".join(c.label for c in p.changes) for p in pairs], dtype="string")
    return pd.DataFrame(cols)


def _by_id(records: list[dict[str, str]], path: Path) -> dict[str, dict[str, str]]:
    """The previous records by 事業ID; an ID on more than one row, or a row without one, is refused
    (PreviousError): such a row matches no project, yet its budget is in the previous totals."""
    groups: dict[str, list[dict[str, str]]] = {}
    for rec in records:
        groups.setdefault(rec_field(rec, "事業ID"), []).append(rec)
    if "" in groups:
        raise PreviousError(_blank_id_message(path))
    duplicated = sorted(pid for pid, recs in groups.items() if len(recs) > 1)
    if duplicated:
        raise PreviousError(_duplicate_id_message(path, duplicated))
    return {pid: recs[0] for pid, recs in groups.items()}


MAX_NAMED_DUPLICATES = 5


def _duplicate_id_message(path: Path, duplicated: list[str]) -> str:
    rows = _id_rows(path)
    named = [f"事業ID「{pid}」が {'・'.join(str(r) for r in rows.get(pid, []))} 行目" for pid in duplicated]
    more = f" ほか {len(named) - MAX_NAMED_DUPLICATES} 件" if len(named) > MAX_NAMED_DUPLICATES else ""
    return (f"{path.name} シート「{PROJECT_SHEET}」で同じ事業IDが複数の行にあります（"
            f"{'、'.join(named[:MAX_NAMED_DUPLICATES])}{more}）。事業IDで前年度の事業と対応付けられないため比較できません。"
            "重複した行を削除するか、前年度の集約をやり直してから比較してください。")


def _blank_id_message(path: Path) -> str:
    rows = _id_rows(path).get("", [])
    shown = "・".join(str(r) for r in rows[:MAX_NAMED_DUPLICATES]) + (f" ほか {len(rows) - MAX_NAMED_DUPLICATES} 行"
                                                                   if len(rows) > MAX_NAMED_DUPLICATES else "")
    return (f"{path.name} シート「{PROJECT_SHEET}」の {shown} 行目に事業IDがありません。事業IDで前年度の事業と対応付けられないため"
            "比較できません。事業IDを記入するか、前年度の集約をやり直してから比較してください。")


def _id_rows(path: Path) -> dict[str, list[int]]:
    """Excel row numbers of each 事業ID on the previous 事業一覧, rows with other values but no ID
    under "" (read again, for the message only)."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = [tuple(r) for r in wb[PROJECT_SHEET].iter_rows(values_only=True)]
    finally:
        wb.close()
    key = label_key("事業ID")
    for h, head in enumerate(rows[:HEADER_SEARCH_ROWS]):
        labels = [label_key(v) for v in head]
        if key in labels:
            col = labels.index(key)
            found: dict[str, list[int]] = {}
            for r, data in enumerate(rows[h + 1:], start=h + 2):
                pid = clean_text(data[col]) if col < len(data) else ""
                if pid or any(clean_text(v) for v in data):
                    found.setdefault(pid, []).append(r)
            return found
    return {}


def _renumbering(comp: Compilation, p: Project, previous_id: str) -> Problem:
    """A probable renumbering; when the ID was generated for a blank cell, ask for the previous ID."""
    code = "renumbering-blank-id" if p.id_generated else "probable-renumbering"
    return _problem(comp, p, code, "id", detail=previous_id, value=p.project_id)


def _status_warnings(comp: Compilation, p: Project, status: str, previous_id: str) -> list[Problem]:
    if not p.in_plan or not p.status:
        return []
    if status == "新規" and p.status in ("継続", "拡充"):
        return [_problem(comp, p, "status-continuing-not-in-previous", "status", value=p.status)]
    if status in ("継続", "番号変更") and p.status == "新規":
        return [_problem(comp, p, "status-new-in-previous", "status", value=p.status,
                         detail=f"前年度の事業ID {previous_id}")]
    return []


def _problem(comp: Compilation, p: Project, code: str, key: str, **kw: object) -> Problem:
    origin = next((o for o in p.sources if o.sheet == SHEET_PLAN), p.sources[0] if p.sources else None)
    cell, column = "", {"status": "新継区分", "id": "事業ID"}.get(key, "")
    if origin is not None:
        letters = next((f.columns.get(origin.sheet, {}) for f in comp.files if f.name == origin.file), {})
        cell = f"{letters.get(key, 'A')}{origin.row}"
    return make_problem(code, file=origin.file if origin else "", sheet=origin.sheet if origin else "",
                        cell=cell, column=column, **kw)  # type: ignore[arg-type]
