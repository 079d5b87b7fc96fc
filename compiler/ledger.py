"""計画マスタ.xlsx sheet `個別計画` → Ledger: the city's sectoral plans (個別計画) with their period, the
施策 they serve and their 状況, each record keeping its Excel row (DESIGN §2.1).

The sheet is optional.  Unlike the rest of the master, a bad ledger never stops the run: every bad row is
a warning naming its cell (compiler/problems.py `ledger-*`) and a ledger that cannot be read at all is one
`ledger-unusable` warning, the compile going on without it.  How the ledger meets the projects (periods
that run out, references in 関連個別計画) is computed in compiler/frames/plans.py.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable

from .normalise import clean_text, norm_code, parse_year, split_codes
from .problems import Problem, make_problem
from .sheetxml import column_letter

LEDGER_SHEET = "個別計画"
LEDGER_LABELS = ("計画ID", "計画名", "所管課", "根拠法令等", "開始年度", "終了年度", "関連施策コード", "状況")
DRAFTED, REVISING, PLANNED = "策定済", "改定予定", "策定予定"
STATUSES = (DRAFTED, REVISING, PLANNED)
_STATUS_ALIASES = {"策定済み": DRAFTED, "済": DRAFTED, "策定": DRAFTED, "策定済": DRAFTED,
                   "改定予定": REVISING, "改訂予定": REVISING, "改定": REVISING, "改訂": REVISING, "改定中": REVISING,
                   "改訂中": REVISING, "見直し予定": REVISING, "策定予定": PLANNED, "策定中": PLANNED, "未策定": PLANNED}
WAVE = "～"  # the full-width wave 香取市 writes between the years of a period
_WS = re.compile(r"\s+")
_REF_SPLIT = re.compile(r"[,、，;；/／\n]+")  # separators that never occur inside a plan's name
_REF_SUBSPLIT = re.compile(r"[・･\s]+")  # separate IDs too, but also found inside names (子ども・子育て)


@dataclass(frozen=True)
class PlanRecord:
    """One row of the ledger.  Years are Reiwa numbers (4 for R4 = 2022; 0 and below are 平成)."""

    plan_id: str
    name: str
    dept: str
    basis: str  # 根拠法令等
    start: int | None
    end: int | None
    measures: tuple[str, ...]  # 関連施策コード that the 施策体系 holds
    status: str  # 策定済 / 改定予定 / 策定予定
    row: int  # Excel row on the 個別計画 sheet
    letters: dict[str, str] = field(default_factory=dict, compare=False, hash=False)  # label -> column letter

    def cell(self, label: str) -> str:
        return f"{self.letters.get(label, 'A')}{self.row}"

    @property
    def period(self) -> str:
        return period_text(self.start, self.end)


@dataclass
class Ledger:
    """The 個別計画 of the master (empty when the sheet is absent or unusable) and the warnings its rows gave."""

    plans: tuple[PlanRecord, ...] = ()
    problems: tuple[Problem, ...] = ()
    present: bool = False  # the master has a 個別計画 sheet (even one that could not be used)
    sheet: str = LEDGER_SHEET  # the sheet's name as the master spells it

    def __post_init__(self) -> None:
        self._by_id = {id_key(p.plan_id): p for p in self.plans}
        self._by_name: dict[str, PlanRecord] = {}
        for p in self.plans:
            self._by_name.setdefault(name_key(p.name), p)

    def resolve(self, text: str) -> PlanRecord | None:
        """The plan a reference names: its 計画ID (`P01`, `ｐ０１`) or its name (spacing and width aside)."""
        return self._by_id.get(id_key(text)) or self._by_name.get(name_key(text))

    def resolve_all(self, text: str) -> list[tuple[str, PlanRecord | None]]:
        """(reference as written, plan or None) for one part of a 関連個別計画 cell: the part itself when it names a
        plan, else its pieces split on ・ and spaces when every piece does (`P01・P03`), else the part, unknown."""
        plan = self.resolve(text)
        if plan is not None:
            return [(text, plan)]
        pieces = [p for p in _REF_SUBSPLIT.split(text) if p]
        if len(pieces) > 1:
            found = [self.resolve(p) for p in pieces]
            if all(found):
                return list(zip(pieces, found))
        return [(text, None)]


def id_key(text: str) -> str:
    return norm_code(text)


def name_key(text: str) -> str:
    return _WS.sub("", unicodedata.normalize("NFKC", text))


def split_refs(value: object) -> tuple[str, ...]:
    """A 関連個別計画 cell → its references as written (`P01、香取市地域福祉計画` → two), order kept, no repeats."""
    out: list[str] = []
    for part in _REF_SPLIT.split(clean_text(value)):
        part = part.strip()
        if part and part not in out and part.strip("-－―ー") != "":
            out.append(part)
    return tuple(out)


# ---------------------------------------------------------------- wording (香取市's way of writing a period)
def fiscal_year_text(reiwa: int) -> str:
    """4 → `2022（令和4）年度`; 1 → `2019（令和元）年度`; 0 → `2018（平成30）年度`."""
    western = reiwa + 2018
    era = f"令和{'元' if reiwa == 1 else reiwa}" if reiwa >= 1 else f"平成{'元' if reiwa == -29 else reiwa + 30}"
    return f"{western}（{era}）年度"


def period_text(start: int | None, end: int | None) -> str:
    """`2022（令和4）年度～2025（令和7）年度`; one side missing: `2022（令和4）年度～` or `～2025（令和7）年度`."""
    if start is None and end is None:
        return ""
    if start == end:
        return fiscal_year_text(start)  # type: ignore[arg-type]
    return f"{fiscal_year_text(start) if start is not None else ''}{WAVE}{fiscal_year_text(end) if end is not None else ''}"


# ---------------------------------------------------------------- reading
def read_ledger(sheets: dict[str, list[tuple]], file: str, measures: Iterable[str]) -> Ledger:
    """The ledger from the master's sheets ({sheet name: rows of cell values}); `measures` are the 施策体系's codes."""
    name = next((s for s in sheets if name_key(s) == LEDGER_SHEET), None)
    if name is None:
        return Ledger()
    try:
        return _parse(sheets[name], file, name, set(measures))
    except Exception as exc:  # noqa: BLE001 - a ledger that cannot be read is reported, never fatal
        return Ledger(problems=(make_problem("ledger-unusable", file=file, sheet=name, detail=type(exc).__name__),),
                      present=True, sheet=name)


def _parse(rows: list[tuple], file: str, sheet: str, measures: set[str]) -> Ledger:
    header = None
    for h, row in enumerate(rows[:10]):
        keys = [name_key(clean_text(v)).replace("※", "") for v in row]
        if "計画ID" in keys and "計画名" in keys:
            header = h, keys
            break
    if header is None:
        return _unusable(file, sheet, "先頭10行に「計画ID」「計画名」の見出しがありません")
    h, keys = header
    missing = [lab for lab in LEDGER_LABELS if lab not in keys]
    if missing:
        return _unusable(file, sheet, f"見出し「{'」「'.join(missing)}」がありません", f"A{h + 1}")
    index = {lab: keys.index(lab) for lab in LEDGER_LABELS}
    letters = {lab: column_letter(i + 1) for lab, i in index.items()}
    problems: list[Problem] = []
    plans: list[PlanRecord] = []
    seen: dict[str, int] = {}

    def warn(code: str, label: str, r: int, value: object = "", detail: object = "") -> None:
        problems.append(make_problem(code, file=file, sheet=sheet, cell=f"{letters[label]}{r}", column=label,
                                     value=value, detail=detail))

    for r, data in enumerate(rows[h + 1:], start=h + 2):
        raw = {lab: (data[i] if i < len(data) else None) for lab, i in index.items()}
        text = {lab: clean_text(v) for lab, v in raw.items()}
        if not any(text.values()):
            continue
        pid, title = norm_code(text["計画ID"]), text["計画名"]
        if not pid:
            warn("ledger-no-id", "計画ID", r, value=title)
            continue
        if not title:
            warn("ledger-no-name", "計画名", r, value=pid)
            continue
        if id_key(pid) in seen:
            warn("ledger-duplicate-id", "計画ID", r, value=pid, detail=f"{letters['計画ID']}{seen[id_key(pid)]} と同じ")
            continue
        seen[id_key(pid)] = r
        years: dict[str, int | None] = {}
        for label in ("開始年度", "終了年度"):
            try:
                years[label], _ = parse_year(raw[label])
            except ValueError:
                warn("ledger-bad-year", label, r, value=text[label], detail=title)
                years[label] = None
        start, end = years["開始年度"], years["終了年度"]
        if start is not None and end is not None and start > end:
            warn("ledger-year-order", "開始年度", r, value=text["開始年度"], detail=title)
            start = None
        codes = []
        for code in split_codes(text["関連施策コード"]):
            if code in measures:
                codes.append(code)
            elif code.strip("-"):
                warn("ledger-unknown-measure", "関連施策コード", r, value=code, detail=title)
        status = _STATUS_ALIASES.get(name_key(text["状況"]), "") if text["状況"] else DRAFTED
        if not status:
            warn("ledger-bad-status", "状況", r, value=text["状況"], detail=title)
            status = DRAFTED
        plans.append(PlanRecord(pid, title, text["所管課"], text["根拠法令等"], start, end, tuple(codes), status, r,
                                letters))
    return Ledger(tuple(plans), tuple(problems), present=True, sheet=sheet)


def _unusable(file: str, sheet: str, detail: str, cell: str = "") -> Ledger:
    return Ledger(problems=(make_problem("ledger-unusable", file=file, sheet=sheet, cell=cell, detail=detail),),
                  present=True, sheet=sheet)
