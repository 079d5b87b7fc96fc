"""What every chapter writer shares: the body being built, the indexes over the projects,
and the way figures and periods are written in a Japanese plan."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import cached_property
from decimal import Decimal
from typing import IO, Iterable, Sequence

import pandas as pd

from compiler.models import Compilation, Master, Project
from compiler.normalise import year_label
from compiler.publish import INTERNAL_SECTIONS, is_internal

from .ooxml import Col, Content, Row, Shared, TotalRow, keep_with_next, paragraph, table

WAVE = "〜"
DASH = "－"  # a cell with nothing to state (流山市's table prints a dash)
NO_PROJECT = "対応する事業が登録されていません"


class _Out:
    """One document being written: where its fragments go, the paragraph held back, the headings seen."""

    __slots__ = ("sink", "parts", "held", "headings", "public")

    def __init__(self, sink: IO[bytes] | None, public: bool) -> None:
        self.sink = sink
        self.parts: list[str] = []
        self.held = ""
        self.headings: list[tuple[int, str]] = []
        self.public = public

    def write(self, xml: str, data: bytes | None = None) -> None:
        if self.sink is not None:
            self.sink.write(xml.encode("utf-8") if data is None else data)
        else:
            self.parts.append(xml)


class Body:
    """The document body as XML fragments, plus the headings seen (for the 目次).

    With a `sink`, fragments are written to it as UTF-8 as soon as they are made, so a draft of
    tens of thousands of projects never sits in memory whole; without one they are kept (xml()).
    The last paragraph is held back until the next fragment arrives: a paragraph followed by a
    table gets keepNext, so a note or lead never stays alone at the foot of a page.  close()
    writes what is held.

    Body.editions() writes the draft and its 公表版 in one pass: every fragment is made once and
    goes to both, a table with internal columns is written twice from the same cells, and what
    only one edition prints goes through the views showing() / internal() / each() give."""

    def __init__(self, sink: IO[bytes] | None = None, *, public: bool = False) -> None:
        self._outs: tuple[_Out, ...] = (_Out(sink, public),)

    @classmethod
    def editions(cls, draft: IO[bytes], public: IO[bytes]) -> "Body":
        """A body written to two sinks at once: the draft and the 公表版."""
        body = cls.__new__(cls)
        body._outs = (_Out(draft, False), _Out(public, True))
        return body

    def _view(self, outs: tuple[_Out, ...]) -> "Body | None":
        if not outs:
            return None
        if len(outs) == len(self._outs):
            return self
        view = Body.__new__(Body)
        view._outs = outs
        return view

    @property
    def public(self) -> bool:
        """Whether everything written here goes to the 公表版 (tables leave out publish.INTERNAL_COLUMNS)."""
        return all(o.public for o in self._outs)

    @property
    def headings(self) -> list[tuple[int, str]]:
        """The headings of the (first) document."""
        return self._outs[0].headings

    def headings_of(self, public: bool) -> list[tuple[int, str]]:
        return next(o.headings for o in self._outs if o.public == public)

    def showing(self, section: str) -> "Body | None":
        """This body for the editions that print `section` (the 公表版 leaves publish.INTERNAL_SECTIONS
        out), or None when none does."""
        if section not in INTERNAL_SECTIONS:
            return self
        return self.internal()

    def internal(self) -> "Body | None":
        """This body for the draft only (what the 公表版 leaves out), or None when it writes only the 公表版."""
        return self._view(tuple(o for o in self._outs if not o.public))

    def each(self) -> list["Body"]:
        """One view per edition written here, for what differs between them (e.g. a section's number)."""
        if len(self._outs) == 1:
            return [self]
        return [self._view((o,)) for o in self._outs]  # type: ignore[misc]

    def _add(self, xml: str, *, hold: bool = False) -> None:
        data = None
        for out in self._outs:
            if out.held:
                out.write(out.held)
                out.held = ""
            if hold:
                out.held = xml
            elif xml:
                if data is None and out.sink is not None and len(self._outs) > 1:
                    data = xml.encode("utf-8")
                out.write(xml, data)

    def close(self) -> None:
        """Write the paragraph held back (call once the last fragment is added)."""
        self._add("")

    def heading(self, level: int, text: str, public_text: str | None = None) -> None:
        """A heading; `public_text` is the 公表版's when it differs (a section numbered among fewer)."""
        if public_text is not None and public_text != text:
            if len(self._outs) > 1:
                for view in self.each():
                    view.heading(level, public_text if view.public else text)
                return
            if self.public:
                text = public_text
        for out in self._outs:
            out.headings.append((level, text))
        self._add(paragraph(text, f"Heading{level}"))

    def para(self, content: Content, style: str = "BodyJa", **kwargs: object) -> None:
        self._add(paragraph(content, style, **kwargs), hold=True)  # type: ignore[arg-type]

    def lead(self, text: str) -> None:
        """A small bold heading that is not in the outline (e.g. a 展開方向 above its table)."""
        self._add(paragraph(text, "Lead"))

    def unit(self, text: str = "（単位：千円）") -> None:
        self._add(paragraph(text, "UnitNote"))

    def note(self, text: str) -> None:
        self._add(paragraph(text, "Note"), hold=True)

    def table(self, cols: Sequence[Col], rows: Iterable[Row], *, keep_together: bool = False) -> None:
        for out in self._outs:
            if out.held:
                out.held = keep_with_next(out.held)
        cut = any(is_internal(c.label) for c in cols)
        if not cut or len({o.public for o in self._outs}) == 1:
            if cut and self.public:
                cols, rows = public_columns(cols, rows)
            self._add(table(cols, rows, keep_together=keep_together))
            return
        # both editions, and the 公表版 leaves columns out: the same cells, written twice
        rows = list(rows)
        shared = Shared()
        draft = table(cols, rows, keep_together=keep_together, shared=shared)
        public = table(*public_columns(cols, rows), keep_together=keep_together, shared=shared)
        del shared
        for view in self.each():
            view._add(public if view.public else draft)

    def raw(self, xml: str) -> None:
        self._add(xml)

    def xml(self) -> str:
        self.close()
        return "".join(self._outs[0].parts)


def public_columns(cols: Sequence[Col], rows: Iterable[Row]) -> tuple[tuple[Col, ...], Iterable[Row]]:
    """The table without its internal columns; the widest remaining column takes their width, so the
    table keeps the page's width."""
    keep = [i for i, c in enumerate(cols) if not is_internal(c.label)]
    freed = sum(c.width for i, c in enumerate(cols) if i not in keep)
    widest = max(keep, key=lambda i: cols[i].width)
    out = tuple(replace(cols[i], width=cols[i].width + freed) if i == widest else cols[i] for i in keep)

    def cut(row: Row) -> Row:
        if isinstance(row, TotalRow):
            return TotalRow(tuple(row.cells[i] for i in keep))
        return tuple(row[i] for i in keep)

    return out, (cut(r) for r in rows)


@dataclass
class Context:
    """The compilation with the look-ups the chapters need (comp.index, built once); which edition
    prints what is the body's business (Body.showing)."""

    comp: Compilation

    @classmethod
    def of(cls, comp: Compilation) -> "Context":
        return cls(comp)

    @property
    def by_measure(self) -> dict[str, list[Project]]:
        """Primary 施策 -> its 総合計画 projects."""
        return self.comp.index.by_measure

    @property
    def relisted(self) -> dict[str, list[Project]]:
        """再掲 施策 -> projects re-listed under it."""
        return self.comp.index.relisted

    @property
    def by_scenario(self) -> dict[str, list[Project]]:
        return self.comp.index.by_scenario

    @property
    def by_goal(self) -> dict[str, list[Project]]:
        return self.comp.index.by_goal

    @property
    def master(self) -> Master:
        return self.comp.master

    @property
    def years(self) -> tuple[str, ...]:
        return self.comp.master.years

    @cached_property
    def kpi_results(self) -> dict[int, tuple[str, str]]:
        """id(MeasureKpi or ProjectKpi) -> (実績値, 評価) when the survey brought results back, else empty.
        frames.kpi_progress lists the 成果指標 in the order of comp.measure_kpis, then each project's KPIs."""
        f = self.comp.frames
        if not f.surveyed or f.kpi_progress is None:
            return {}
        kpis = [*self.comp.measure_kpis, *(k for p in self.comp.projects for k in p.kpis)]
        rows = f.kpi_progress
        values = [None if v is pd.NA else f"{float(v):g}" for v in rows["実績値"].tolist()]
        return {id(k): (value if value is not None else str(written), str(label))
                for k, value, written, label in zip(kpis, values, rows["実績値（記入）"], rows["評価"], strict=True)}

    @cached_property
    def plan_lines(self) -> dict[str, list[str]]:
        """施策コード -> its 関連する個別計画 as lines (plans.measure_plan_lines)."""
        from .plans import plan_lines_by_measure

        return plan_lines_by_measure(self.comp.frames)

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


PROVISIONAL = "（仮）"
PROVISIONAL_NOTE = ("事業IDの（仮）は、調書に事業IDがなく、取りまとめの際に仮の番号を付けた事業です。"
                    "所管課は、次回の調書でこの番号を記入するか、正式な番号に置き換えてください。")


def id_cell(p: Project) -> str:
    """The 事業ID as printed: a provisional one (assigned by the compile) marked （仮） on its own line."""
    return f"{p.project_id}\n{PROVISIONAL}" if p.id_generated else p.project_id


def mark(flag: bool, yes: str = "○", no: str = "") -> str:
    return yes if flag else no


def joined(codes: Sequence[str]) -> str:
    return "、".join(codes)


def result_cell(result: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    """A KPI's 実績 and its 評価 in one cell: `46` over `（S）`."""
    written, label = result
    return ((figure(written) if written else DASH, ""), (f"\n（{label}）", "Strong"))


def name_with_dept(p: Project, *, relist: bool = False) -> tuple[tuple[str, str], ...]:
    """事業名（所管課）cell: ◎ for 重点, （再掲）, the 所管課 on a second line.  The 事業ID is an
    internal key: the chapters leave it out, the 資料編 shows it."""
    spans: list[tuple[str, str]] = []
    if p.priority and not relist:
        spans.append(("◎", "Strong"))
    spans.append((p.name + ("（再掲）" if relist else ""), ""))
    spans.append((f"\n（{p.dept}）", ""))
    return tuple(spans)


# ---------------------------------------------------------------- figures
_NUMBER = re.compile(r"([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?")


def _number(value: str) -> re.Match[str] | None:
    return _NUMBER.fullmatch(unicodedata.normalize("NFKC", value).strip()) if value else None


def figure(value: str, decimals: int | None = None) -> str:
    """A figure as a plan prints it: `412000` → `412,000`, with `decimals` places when given
    (`93` → `93.0`); text that is not a plain number (`73.0%`, `未定`) is left as is."""
    m = _number(value)
    if m is None:
        return value
    sign, whole, frac = m.groups()
    places = len(frac or "") if decimals is None else decimals
    number = Decimal(f"{whole.replace(',', '')}.{frac or '0'}")
    return f"{'-' if sign == '-' else ''}{number:,.{places}f}"


def figures(values: Sequence[str]) -> list[str]:
    """The figures of one KPI row written alike: the same number of decimals throughout
    (93.8 / 93.0 / 92.5), thousands separators from 1,000."""
    places = max((len(m.group(3) or "") for v in values if (m := _number(v))), default=0)
    return [figure(v, places) for v in values]
