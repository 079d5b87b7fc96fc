"""The 進行管理 rules: how a KPI's 実績 is read, which target it is measured against, its 進捗率
and its rating (README「進行管理・効果検証の規則」).

    進捗率 = (実績 − 基準) ÷ (目標 − 基準) × 100      望ましい方向が 増加 (減少 is the same ratio: both
                                                  differences turn sign together)
    維持:    実績 ≥ 基準 is met (100 %); below it, 実績 ÷ 基準 × 100

The target is the one written for the evaluated year (`R6目標値`) when given, else the final target
pro-rated by the years elapsed since the base year (基準 + (最終 − 基準) × 経過年数 ÷ 全体年数).
Ratings come from thresholds on the 進捗率 (master sheet `評価基準`; `DEFAULT_CRITERIA` otherwise).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

UP, DOWN, HOLD = "増加", "減少", "維持"
BASIS_YEAR = "当該年度目標"
BASIS_PRORATED = "最終目標を按分"


@dataclass(frozen=True)
class Criteria:
    """Ratings by 進捗率: `steps` (label, lower bound in %) from the highest; a rate below every
    bound is `below`; a KPI that cannot be rated is `unknown`.  `hold_band` (%) is how far under
    its base a 維持 indicator may fall and still rate as the step just under the top (横ばい)."""

    steps: tuple[tuple[str, float, str], ...]  # (label, lower bound %, meaning)
    below: tuple[str, str]  # (label, meaning)
    unknown: tuple[str, str]
    hold_band: float = 10.0

    @property
    def labels(self) -> tuple[str, ...]:
        return (*(s[0] for s in self.steps), self.below[0], self.unknown[0])

    def meanings(self) -> dict[str, str]:
        return {**{s[0]: s[2] for s in self.steps}, self.below[0]: self.below[1], self.unknown[0]: self.unknown[1]}

    def rate(self, percent: float | None) -> str:
        if percent is None:
            return self.unknown[0]
        for label, lower, _ in self.steps:
            if percent >= lower - 1e-9:
                return label
        return self.below[0]


DEFAULT_CRITERIA = Criteria(
    steps=(("S", 100.0, "目標以上"), ("A", 10.0, "基準より改善"), ("B", -10.0, "横ばい（±10%）")),
    below=("C", "悪化"), unknown=("－", "未把握"))
# fills of the ratings in charts (workbook and report), by the rating's place: best first, 未把握 grey
RATING_COLOURS = ("#70AD47", "#A9D18E", "#FFD966", "#F4B183", "#BFBFBF")

_NUMBER = re.compile(r"^(?:約)?([+-]?\d+(?:\.\d+)?)(.*)$")


def read_number(text: object) -> tuple[float | None, str]:
    """`23団体` → (23.0, "団体"); `73.0%` → (73.0, "%"); `1,234` → (1234.0, ""); `△2` → (-2.0, "");
    blank or text without a leading number → (None, text)."""
    s = unicodedata.normalize("NFKC", str(text if text is not None else "")).strip()
    s = re.sub(r"\s+", "", s).replace(",", "")
    if s[:1] in ("△", "▲"):
        s = "-" + s[1:]
    m = _NUMBER.match(s)
    if not m:
        return None, s
    return float(m.group(1)), m.group(2)


def unit_contradicts(suffix: str, unit: str) -> bool:
    """A unit written with the value (`23件`) that is not the KPI's (`団体`)."""
    a = unicodedata.normalize("NFKC", suffix).strip()
    b = unicodedata.normalize("NFKC", unit).strip()
    return bool(a) and bool(b) and not (a.startswith(b) or b.startswith(a))


def direction_of(trend: str, base: float | None, target: float | None) -> str:
    """増加・減少・維持 as written; otherwise inferred from the target against the base ('' when equal/unknown)."""
    t = unicodedata.normalize("NFKC", trend or "").strip()
    for d in (UP, DOWN, HOLD):
        if d in t or (d == UP and t in ("上昇", "↑")) or (d == DOWN and t in ("低下", "↓")):
            return d
    if base is None or target is None or base == target:
        return ""
    return UP if target > base else DOWN


def target_for(year: int, prior: float | None, base: float | None, base_year: int | None,
               final: float | None, final_year: int | None) -> tuple[float | None, str]:
    """(target, basis) for the evaluated year (Reiwa number): the year's own target, else the
    final target pro-rated by the years elapsed; (None, '') when neither can be had."""
    if prior is not None:
        return prior, BASIS_YEAR
    if final is None:
        return None, ""
    if final_year is not None and year >= final_year:
        return final, BASIS_YEAR if year == final_year else BASIS_PRORATED
    if base is None or base_year is None or final_year is None or final_year <= base_year:
        return None, ""
    share = (year - base_year) / (final_year - base_year)
    return base + (final - base) * share, BASIS_PRORATED


def progress_rate(direction: str, base: float | None, target: float | None, actual: float | None) -> float | None:
    """進捗率 in %, or None when it cannot be measured (a blank or non-numeric value, target = base)."""
    if actual is None or base is None:
        return None
    if direction == HOLD:
        if actual >= base:
            return 100.0
        return actual / base * 100 if base else None
    if target is None or target == base or direction == "":
        return None
    sign = 1 if direction == UP else -1
    gap = (target - base) * sign
    if gap <= 0:  # a target on the wrong side of the base: no progress can be measured
        return None
    return (actual - base) * sign / gap * 100


def rating(criteria: Criteria, direction: str, base: float | None, actual: float | None,
           percent: float | None) -> str:
    """The rating of a 進捗率 (a 維持 indicator: met → the top step, within the band under its
    base → the step under the lowest positive one (横ばい), further under → below)."""
    if direction == HOLD and percent is not None and base is not None and actual is not None:
        if actual >= base:
            return criteria.steps[0][0]
        if base and (base - actual) / abs(base) * 100 <= criteria.hold_band:
            return criteria.steps[-1][0] if len(criteria.steps) > 1 else criteria.below[0]
        return criteria.below[0]
    return criteria.rate(percent)
