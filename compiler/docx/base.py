"""What every chapter writer shares: the body being built, the indexes over the projects,
and the way figures and periods are written in a Japanese plan."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from compiler.models import Compilation, Master, Project
from compiler.normalise import year_label

from .ooxml import Col, Content, Row, paragraph, table

WAVE = "〜"
NO_PROJECT = "対応する事業が登録されていません"


class Body:
    """The document body as XML fragments, plus the headings seen (for the 目次)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.headings: list[tuple[int, str]] = []

    def heading(self, level: int, text: str) -> None:
        self.headings.append((level, text))
        self.parts.append(paragraph(text, f"Heading{level}"))

    def para(self, content: Content, style: str = "BodyJa", **kwargs: object) -> None:
        self.parts.append(paragraph(content, style, **kwargs))  # type: ignore[arg-type]

    def lead(self, text: str) -> None:
        """A small bold heading that is not in the outline (e.g. a 展開方向 above its table)."""
        self.parts.append(paragraph(text, "Lead"))

    def unit(self, text: str = "（単位：千円）") -> None:
        self.parts.append(paragraph(text, "UnitNote"))

    def note(self, text: str) -> None:
        self.parts.append(paragraph(text, "Note"))

    def table(self, cols: Sequence[Col], rows: Iterable[Row]) -> None:
        self.parts.append(table(cols, rows))

    def raw(self, xml: str) -> None:
        self.parts.append(xml)

    def xml(self) -> str:
        return "".join(self.parts)


@dataclass
class Context:
    """The compilation with the look-ups the chapters need, built once."""

    comp: Compilation
    by_measure: dict[str, list[Project]] = field(default_factory=dict)  # primary 施策 (総合計画 rows)
    relisted: dict[str, list[Project]] = field(default_factory=dict)  # 再掲 施策 -> projects
    by_scenario: dict[str, list[Project]] = field(default_factory=dict)
    by_goal: dict[str, list[Project]] = field(default_factory=dict)

    @classmethod
    def of(cls, comp: Compilation) -> "Context":
        ctx = cls(comp)
        by_measure: defaultdict[str, list[Project]] = defaultdict(list)
        relisted: defaultdict[str, list[Project]] = defaultdict(list)
        by_scenario: defaultdict[str, list[Project]] = defaultdict(list)
        by_goal: defaultdict[str, list[Project]] = defaultdict(list)
        for p in comp.projects:
            if p.in_plan:
                by_measure[p.measure_code].append(p)
                for code in dict.fromkeys(p.relisted_measures):
                    if code != p.measure_code:
                        relisted[code].append(p)
            for code in dict.fromkeys(p.scenarios):
                by_scenario[code].append(p)
            for code in dict.fromkeys(p.goals):
                by_goal[code].append(p)
        ctx.by_measure, ctx.relisted = dict(by_measure), dict(relisted)
        ctx.by_scenario, ctx.by_goal = dict(by_scenario), dict(by_goal)
        return ctx

    @property
    def master(self) -> Master:
        return self.comp.master

    @property
    def years(self) -> tuple[str, ...]:
        return self.comp.master.years

    def measure_label(self, code: str) -> str:
        m = self.master.measures.get(code)
        return m.label if m else code


# ---------------------------------------------------------------- wording
def reiwa(year: int) -> str:
    """7 → 令和7年度 (1 → 令和元年度)."""
    return f"令和{'元' if year == 1 else year}年度"


def plan_period(master: Master) -> str:
    return f"{reiwa(master.start_year)}{WAVE}{reiwa(master.end_year)}"


def money(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def period(start: int | None, end: int | None) -> str:
    """事業期間 as `R7〜R9`, `R7` (one year), `R7〜`, `〜R9` or ''."""
    if start is None and end is None:
        return ""
    if start == end:
        return year_label(start)
    return f"{year_label(start)}{WAVE}{year_label(end)}"


def project_cost(p: Project) -> int | None:
    """全体事業費 when given, else the plan-period budget (None when no year is filled)."""
    if p.total_cost is not None:
        return p.total_cost
    values = [v for v in p.budget.values() if v is not None]
    return sum(values) if values else None


def mark(flag: bool, yes: str = "○", no: str = "") -> str:
    return yes if flag else no


def joined(codes: Sequence[str]) -> str:
    return "、".join(codes)


def name_with_dept(p: Project, *, relist: bool = False, with_id: bool = True) -> tuple[tuple[str, str], ...]:
    """事業名（所管課）cell: ◎ for 重点, （再掲）, the 所管課 on a second line, the ID small below."""
    spans: list[tuple[str, str]] = []
    if p.priority and not relist:
        spans.append(("◎", "Strong"))
    spans.append((p.name + ("（再掲）" if relist else ""), ""))
    spans.append((f"\n（{p.dept}）", ""))
    if with_id:
        spans.append((f"\n{p.project_id}", "IdText"))
        if p.needs_review and not relist:
            spans.append(("　要確認", "IdText"))
    return tuple(spans)

