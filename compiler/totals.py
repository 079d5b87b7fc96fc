"""Budget totals every output shares, so the Word draft and the workbook agree to the yen.

Only the primary 総合計画 row of a project carries budget, so a re-listed project is counted
once; a year left blank counts as nothing.
"""
from __future__ import annotations

from .models import FUNDING_KEYS, Master, Project, Totals

UNKNOWN = "不明"
UNSPECIFIED = "未記入"


def compute_totals(projects: list[Project], master: Master) -> Totals:
    years = master.years
    by_year = {y: 0 for y in years}
    by_policy = {code: {y: 0 for y in years} for code in master.policies}
    by_measure = {code: {y: 0 for y in years} for code in master.measures}
    by_funding = {k: 0 for k in FUNDING_KEYS} | {UNSPECIFIED: 0}
    first = master.first_year
    for p in projects:
        if not p.in_plan:
            continue
        measure = master.measures.get(p.measure_code)
        policy = measure.policy_code if measure else UNKNOWN
        mcode = p.measure_code if measure else UNKNOWN
        for y in years:
            amount = p.budget.get(y) or 0
            by_year[y] += amount
            by_policy.setdefault(policy, {yy: 0 for yy in years})[y] += amount
            by_measure.setdefault(mcode, {yy: 0 for yy in years})[y] += amount
        first_amount = p.budget.get(first) or 0
        funds = {k: p.funding.get(k) for k in FUNDING_KEYS}
        if any(isinstance(v, int) for v in funds.values()):
            filled = 0
            for k, v in funds.items():
                by_funding[k] += v or 0
                filled += v or 0
            by_funding[UNSPECIFIED] += first_amount - filled  # ≠ 0 only where 財源 does not add up
        else:
            by_funding[UNSPECIFIED] += first_amount
    return Totals(by_year, by_policy, by_measure, by_funding)
