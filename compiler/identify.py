"""Identify stage: which input rows are one project (DESIGN §3), in rule order.

1. 重複判定.xlsx decisions (同一 merges, 別 keeps apart and overrides rules 2–3);
2. the same non-empty 事業ID;
3. the same 所管課 and match key — unless both sides carry different explicit 事業IDs
   (a row without an ID that matches several such projects by name joins none of them);
4. otherwise separate (similar names go to the candidate list, never merged).

Groups are built with a union–find over rows in a stable order (file, sheet, row), so the
result does not depend on the order in which files were found.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd

from .decisions import Decision
from .models import InputRow, Master, SHEET_PLAN, SHEET_RESILIENCE, SHEET_STRATEGY
from .normalise import match_key
from .problems import Report
from .validate import dept_key

RULE_DECISION = "判定指定"
RULE_ID = "事業ID一致"
RULE_NAME = "名称一致"
RULE_SINGLE = "単独"
SHEET_ORDER = {SHEET_PLAN: 0, SHEET_RESILIENCE: 1, SHEET_STRATEGY: 2}


def row_order(row: InputRow) -> tuple:
    return (row.origin.file, SHEET_ORDER.get(row.origin.sheet, 9), row.origin.row)


@dataclass
class Group:
    rows: list[InputRow]
    rules: dict[int, str] = field(default_factory=dict)  # index in rows -> rule


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.apart: dict[int, set[int]] = {}  # root -> roots it must never join

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int, ids: list[set[str]] | None = None) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if rb in self.apart.get(ra, set()):
            return False
        if ids is not None and ids[ra] and ids[rb] and ids[ra] != ids[rb]:
            return False  # two explicit, different 事業IDs are two projects
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        merged = self.apart.pop(ra, set()) | self.apart.pop(rb, set())
        if merged:
            self.apart[ra] = merged
            for other in merged:
                self.apart[other] = {ra if x in (ra, rb) else x for x in self.apart.get(other, set())}
        if ids is not None:
            ids[ra] = ids[ra] | ids[rb]
        return True

    def keep_apart(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.apart.setdefault(ra, set()).add(rb)
            self.apart.setdefault(rb, set()).add(ra)


def group_rows(rows: list[InputRow], decisions: list[Decision], report: Report,
               decision_file: str = "重複判定.xlsx") -> list[Group]:
    rows = sorted(rows, key=row_order)
    n = len(rows)
    uf = _UnionFind(n)
    keys = identity_frame(rows)
    side_of = list(zip(keys["所管課キー"].tolist(), keys["照合キー"].tolist()))
    sides = _members(side_of)
    by_id = _members(keys["事業ID"].tolist(), skip="")
    decided: dict[int, str] = {}
    # rule 1: decisions. 別 first, so that no later rule can cross it.
    for d in sorted(decisions, key=lambda d: d.row):
        a, b = sides.get(d.a, []), sides.get(d.b, [])
        if not a or not b:
            report.add("decision-unmatched", file=decision_file, sheet="", cell=f"A{d.row}", value=d.label)
            continue
        if not d.same:
            for i in a:
                for j in b:
                    uf.keep_apart(i, j)
    for d in sorted(decisions, key=lambda d: d.row):
        a, b = sides.get(d.a, []), sides.get(d.b, [])
        if d.same and a and b:
            for i in a + b:
                if uf.union(a[0], i):
                    decided[i] = RULE_DECISION
    # rule 2: same 事業ID
    ids = [{str(v)} if (v := r.values.get("id")) else set() for r in rows]  # r.get("id"), without the call
    for rid, members in by_id.items():
        for i in members[1:]:
            if not uf.union(members[0], i):  # a 別 decision keeps rows with this ID apart
                r = rows[i]
                report.add("id-kept-apart", file=r.origin.file, sheet=r.origin.sheet, cell=r.cell("id"),
                           column="事業ID", value=rid, detail=decision_file)
    # roots' explicit IDs (after rule 1 and 2 unions)
    root_ids: list[set[str]] = [set() for _ in range(n)]
    for i in range(n):
        root_ids[uf.find(i)] |= ids[i]
    # rule 3: same 所管課 and match key, side by side in key order (never in file order)
    for side in sorted(k for k, members in sides.items() if len(members) > 1):
        _merge_side(sides[side], rows, uf, root_ids, report)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(uf.find(i), []).append(i)
    out: list[Group] = []
    for members in groups.values():
        g = Group([rows[i] for i in members])
        if len(members) > 1:
            id_count: dict[str, int] = {}
            side_count: dict[tuple[str, str], int] = {}
            for i in members:
                if ids[i]:
                    id_count[next(iter(ids[i]))] = id_count.get(next(iter(ids[i])), 0) + 1
                key = side_of[i]
                side_count[key] = side_count.get(key, 0) + 1
            for k, i in enumerate(members):
                if ids[i] and id_count[next(iter(ids[i]))] > 1:
                    g.rules[k] = RULE_ID
                elif side_count[side_of[i]] > 1:
                    g.rules[k] = RULE_NAME
                else:
                    g.rules[k] = decided.get(i, RULE_DECISION)
        else:
            g.rules[0] = RULE_SINGLE
        out.append(g)
    return out


def identity_frame(rows: list[InputRow]) -> pd.DataFrame:
    """The identity keys of every row (in the stable order): 事業ID, 所管課 key and match key, computed
    once (match_key is the costly part of this stage)."""
    return pd.DataFrame({"事業ID": [str(r.get("id", "")) for r in rows],
                         "所管課キー": [dept_key(str(r.get("dept", ""))) for r in rows],
                         "照合キー": [match_key(r.raw_name) for r in rows]}, dtype="string")


def _members(keys: list, skip: object = None) -> dict:
    """{key: positions of its rows (row numbers in the stable order), ascending}, keys in order of first
    appearance; rows whose key is `skip` are left out.  A dict of lists: most keys have one or two rows,
    where a groupby's per-group arrays cost ten times as much."""
    out: dict = {}
    for i, k in enumerate(keys):
        if k != skip:
            members = out.get(k)
            if members is None:
                out[k] = [i]
            else:
                members.append(i)
    return out


def _merge_side(members: list[int], rows: list[InputRow], uf: _UnionFind, root_ids: list[set[str]],
                report: Report) -> None:
    """Rule 3 for the rows of one (所管課, match key).

    Rows whose groups carry one explicit 事業ID (or none) become one project.  Groups with
    different explicit IDs stay apart; a row without an ID that matches several of them by
    name alone cannot be placed: it is kept out of all of them, with a warning, so that the
    result does not depend on which of them happens to come first."""
    if len(members) < 2:
        return
    roots = sorted({uf.find(i) for i in members})
    with_id = [r for r in roots if root_ids[r]]
    distinct = {frozenset(root_ids[r]) for r in with_id}
    if len(distinct) <= 1:
        for i in members[1:]:
            uf.union(members[0], i, root_ids)
        return
    for i in members:
        if not root_ids[uf.find(i)]:
            _warn_ambiguous(rows[i], sorted(set().union(*distinct)), report)
    free = [i for i in members if not root_ids[uf.find(i)]]  # rows without an ID merge with each other
    for i in free[1:]:
        uf.union(free[0], i, root_ids)


def _warn_ambiguous(row: InputRow, ids: list[str], report: Report) -> None:
    report.add("ambiguous-name-match", file=row.origin.file, sheet=row.origin.sheet, cell=row.cell("id"),
               column="事業ID", value=row.raw_name, detail="・".join(ids))


def generated_id(master: Master, dept: str, key: str) -> str:
    """A 事業ID for a project without one: stable, from 所管課 and match key."""
    d = master.departments.get(dept)
    prefix = d.code if d and d.code else "X"
    digest = hashlib.sha1(f"{dept_key(dept)}\x00{key}".encode("utf-8")).hexdigest()[:6].upper()
    return f"{prefix}-G{digest}"
