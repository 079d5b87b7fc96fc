"""Small helpers the sheet writers share: code lists, marks, labels and per-project lookups."""
from __future__ import annotations

from typing import Iterable

from ..frames.breakdowns import codes_in_use  # noqa: F401  (re-exported for the sheets)
from ..frames.tables import code_key  # noqa: F401
from ..models import Compilation, Master, Project
from .book import display_width

JOIN = "、"
YES = "○"
PRIMARY = "●"
RELISTED = "○"
OFF_MASTER = "（体系外）"
SDG_NAMES = ("貧困をなくそう", "飢餓をゼロに", "すべての人に健康と福祉を", "質の高い教育をみんなに",
             "ジェンダー平等を実現しよう", "安全な水とトイレを世界中に", "エネルギーをみんなに そしてクリーンに",
             "働きがいも経済成長も", "産業と技術革新の基盤をつくろう", "人や国の不平等をなくそう",
             "住み続けられるまちづくりを", "つくる責任 つかう責任", "気候変動に具体的な対策を", "海の豊かさを守ろう",
             "陸の豊かさも守ろう", "平和と公正をすべての人に", "パートナーシップで目標を達成しよう")


def joined(values: Iterable[object]) -> str:
    return JOIN.join(str(v) for v in values if v not in (None, ""))


def mark(flag: bool) -> str:
    return YES if flag else ""


def short(text: str, width: int) -> str:
    """`text` cut to at most `width` half-width units, with … when cut."""
    if display_width(text) <= width:
        return text
    out, used = "", 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - 2:
            break
        out, used = out + ch, used + w
    return out + "…"


def period_label(master: Master) -> str:
    years = master.years
    return years[0] if len(years) == 1 else f"{years[0]}〜{years[-1]}"


def budget_label(master: Master) -> str:
    return f"事業費計（{period_label(master)}、{master.unit}）"


def year_label(master: Master, year: str) -> str:
    return f"{year}事業費（{master.unit}）"


def plan_total(projects: Iterable[Project]) -> int:
    """計画期間 total of the plan budgets (a project counted once per list)."""
    return sum(p.budget_total() for p in projects if p.in_plan)
