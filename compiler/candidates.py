"""Duplicate candidates: pairs of projects a person should look at (never merged here).

Blocking keeps it linear in practice: names are compared only within a 所管課, a 施策 or a
risk scenario, with rapidfuzz's vectorised `cdist` (fuzz.ratio on match keys, which scores
Japanese names without spaces sensibly) and a score cutoff.  Identical match keys in
different 課 are listed too.  Pairs already decided in 重複判定.xlsx are left out.

Two 課 under one 施策 run many projects that differ by one word (東公園 / 西公園, 改修 / 更新:
ratio 80–89), and one project entered by two 課 keeps nearly its name, so a pair across 課
needs OTHER_DEPT_CUTOFF; within one 課, SCORE_CUTOFF.  Without this a city of 100,000 projects
got 115,000 pairs of different 課 under the same 施策, more than anyone can review.
"""
from __future__ import annotations

import bisect
from collections import defaultdict
from typing import Iterator

import numpy as np
from rapidfuzz import fuzz, process

from .decisions import Decision
from .models import Candidate, Project
from .validate import dept_key

SCORE_CUTOFF = 80
OTHER_DEPT_CUTOFF = 90
MAX_BLOCK = 4000  # a block larger than this is split by the first character of the key
STRIP = 256  # rows scored per rapidfuzz call (see _similar_pairs)
THREADED_PAIRS = 50_000  # below this many pairs per call, starting threads costs more than it saves


def _source(p: Project) -> str:
    o = p.sources[0]
    return f"{o.file} {o.sheet} {o.row}行"


def _blocks(projects: list[Project]) -> dict[tuple[str, str], list[int]]:
    blocks: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, p in enumerate(projects):
        blocks[("所管課", p.dept)].append(i)
        for code in ((p.measure_code,) if p.measure_code else ()) + p.relisted_measures:
            blocks[("施策", code)].append(i)
        for code in p.scenarios:
            blocks[("リスクシナリオ", code)].append(i)
    return blocks


_REASON = {"所管課": "同一課の類似名称", "施策": "同一施策の類似名称", "リスクシナリオ": "同一リスクシナリオの類似名称"}


def find_candidates(projects: list[Project], decisions: list[Decision]) -> list[Candidate]:
    keys = [p.match_key for p in projects]
    decided = {frozenset((d.a, d.b)) for d in decisions}
    best: dict[tuple[int, int], tuple[float, str]] = {}

    def offer(i: int, j: int, score: float, reason: str, override: bool = False) -> None:
        a, b = (i, j) if (projects[i].project_id, i) < (projects[j].project_id, j) else (j, i)
        if (a, b) not in best or score > best[(a, b)][0] or (override and score >= best[(a, b)][0]):
            best[(a, b)] = (score, reason)

    for (kind, _code), members in sorted(_blocks(projects).items()):
        if len(members) < 2:
            continue
        for chunk in _split(members, keys):
            block_keys = [keys[i] for i in chunk]
            # a 施策 or scenario block only adds pairs across 課: those of one 課 come from its 所管課 block
            cutoff = SCORE_CUTOFF if kind == "所管課" else OTHER_DEPT_CUTOFF
            for r, c in _similar_pairs(block_keys, cutoff):
                i, j = chunk[r], chunk[c]
                score = float(fuzz.ratio(keys[i], keys[j]))
                same_dept = projects[i].dept == projects[j].dept
                if not same_dept and score < OTHER_DEPT_CUTOFF:
                    continue
                if keys[i] == keys[j] and same_dept:
                    both_ids = not (projects[i].id_generated or projects[j].id_generated)
                    reason = "同一課の同一名称（事業IDが異なる）" if both_ids else "同一課の同一名称（事業IDの記入が必要）"
                else:
                    reason = _REASON[kind]
                offer(i, j, score, reason)
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, k in enumerate(keys):
        by_key[k].append(i)
    for members in by_key.values():
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                i, j = members[x], members[y]
                if projects[i].dept != projects[j].dept:
                    offer(i, j, 100.0, "他課の同一名称", override=True)  # the more telling reason
    out: list[Candidate] = []
    for (i, j), (score, reason) in best.items():
        a, b = projects[i], projects[j]
        if decided and frozenset(((dept_key(a.dept), a.match_key), (dept_key(b.dept), b.match_key))) in decided:
            continue
        out.append(Candidate(a.name, a.dept, b.name, b.dept, round(score, 1), _source(a), _source(b), reason))
    out.sort(key=lambda c: (-c.score, c.dept_a, c.name_a, c.dept_b, c.name_b, c.source_a, c.source_b))
    return out


def _similar_pairs(block_keys: list[str], cutoff: int) -> Iterator[tuple[int, int]]:
    """(r, c) of the keys whose fuzz.ratio reaches `cutoff` (each pair once, in no set order).

    fuzz.ratio is 200·LCS/(la+lb) with LCS ≤ the shorter length, so a pair can only reach the
    cutoff when the longer key is at most 200/cutoff − 1 times the shorter (1.22 at 90).  The keys
    are sorted by length and a strip of STRIP keys is scored only against the keys from its first
    one up to that length: about a third of the square on a large block of Japanese names, with
    rapidfuzz's threads on all cores when a strip is large."""
    n = len(block_keys)
    order = sorted(range(n), key=lambda i: len(block_keys[i]))
    keys = [block_keys[i] for i in order]
    lengths = [len(k) for k in keys]
    stretch = 200 / cutoff - 1
    for top in range(0, n, STRIP):
        bottom = min(top + STRIP, n)
        end = bisect.bisect_right(lengths, int(lengths[bottom - 1] * stretch), lo=bottom)
        rows_keys, cols_keys = keys[top:bottom], keys[top:end]
        threads = -1 if len(rows_keys) * len(cols_keys) >= THREADED_PAIRS else 1
        scores = process.cdist(rows_keys, cols_keys, scorer=fuzz.ratio, score_cutoff=cutoff,
                               dtype=np.uint8, workers=threads)
        rows, cols = np.nonzero(np.triu(scores, k=1))
        for r, c in zip(rows.tolist(), cols.tolist()):
            yield order[top + r], order[top + c]


def _split(members: list[int], keys: list[str]) -> list[list[int]]:
    if len(members) <= MAX_BLOCK:
        return [members]
    parts: dict[str, list[int]] = defaultdict(list)
    for i in members:
        parts[keys[i][:1]].append(i)
    return [p for _, p in sorted(parts.items())]
