"""第7章 資料編: 所管課別事業索引, 再掲・重複統合一覧, 実施箇所明記事業一覧, 個別計画一覧, 予算との対照, 要確認事業,
前年度計画からの変更点."""
from __future__ import annotations

import re

from compiler.models import Origin, Project
from compiler.publish import INTERNAL_SECTIONS

from .base import PROVISIONAL_NOTE, Body, Context, id_cell, joined, mark
from .budget import TITLE as BUDGET, budget_section
from .changes import TITLE as CHANGES, changes_section
from .chapters import actor
from .front import chapter_title
from .ooxml import Col
from .plans import TITLE as PLANS, has_plans, plans_section

INDEX_COLS = (Col("事業ID", 1400, code=True), Col("事業名", 3438), Col("施策", 2600), Col("総合\n計画", 700, "C"),
              Col("強靱化", 700, "C"), Col("総合戦略", 800, "C"))
MERGED_COLS = (Col("事業ID", 1300, code=True), Col("事業名（所管課）", 2400), Col("施策", 600, "C", code=True),
               Col("再掲", 600, "C", code=True), Col("統合した表記の違い", 1900), Col("出典（調書・シート・行）", 2838))
LOCATED_COLS = (Col("事業ID", 1500, code=True), Col("事業名", 2000), Col("所管課", 1300), Col("実施箇所", 1800),
                Col("リスク\nシナリオ", 1000, "C", code=True), Col("事業\n主体", 700, "C"), Col("活用予定の交付金等", 1338))
REVIEW_COLS = (Col("事業ID", 1300, code=True), Col("事業名（所管課）", 2300), Col("確認事項", 3600), Col("出典", 2438))
MERGED, REVIEW = "再掲・重複統合一覧", "要確認事業"
SECTIONS = ("所管課別事業索引", MERGED, "実施箇所明記事業一覧", PLANS, BUDGET, REVIEW, CHANGES)


def printed(ctx: Context, name: str, public: bool = False) -> bool:
    """Whether an edition prints the section: not an internal one in the 公表版; 個別計画一覧 only with a
    ledger, 予算との対照 only when the cycle has 予算事務事業.xlsx."""
    if public and name in INTERNAL_SECTIONS:
        return False
    if name == PLANS:
        return has_plans(ctx)
    return name != BUDGET or ctx.comp.frames.budget_compare is not None


def section_title(ctx: Context, name: str, public: bool = False) -> str:
    """`2　再掲・重複統合一覧`: numbered like the sections of the other chapters, among the sections this
    edition prints."""
    shown = [s for s in SECTIONS if printed(ctx, s, public)]
    return f"{shown.index(name) + 1}　{name}"


def section_heading(body: Body, ctx: Context, name: str) -> None:
    """The section's heading, numbered in each edition the body writes."""
    body.heading(2, section_title(ctx, name), section_title(ctx, name, True) if printed(ctx, name, True) else None)


def appendix_chapter(body: Body, ctx: Context) -> None:
    body.heading(1, chapter_title(7))
    if any(p.id_generated for p in ctx.comp.projects):
        body.para(PROVISIONAL_NOTE, "Legend")
    _index(body, ctx)
    if (shown := body.showing(MERGED)) is not None:
        _merged(shown, ctx)
    _located(body, ctx)
    if has_plans(ctx):
        plans_section(body, ctx, section_title(ctx, PLANS), section_title(ctx, PLANS, True))
    if printed(ctx, BUDGET) and (shown := body.showing(BUDGET)) is not None:
        budget_section(shown, ctx, section_title(ctx, BUDGET))
    if (shown := body.showing(REVIEW)) is not None:
        _review(shown, ctx)
    if (shown := body.showing(CHANGES)) is not None:
        changes_section(shown, ctx, section_title(ctx, CHANGES))


def dept_order(ctx: Context) -> list[str]:
    """課 in 課一覧 order, then any other 課 found in the projects (sorted)."""
    known = list(ctx.master.departments)
    seen = {p.dept for p in ctx.comp.projects}
    return [d for d in known if d in seen] + sorted(seen - set(known))


def _index(body: Body, ctx: Context) -> None:
    section_heading(body, ctx, "所管課別事業索引")
    body.para("本計画に掲載する全ての事業を、所管課別に事業ID順で示します。")
    by_dept: dict[str, list[Project]] = {}
    for p in ctx.comp.projects:
        by_dept.setdefault(p.dept, []).append(p)
    for dept in dept_order(ctx):
        projects = sorted(by_dept[dept], key=lambda p: p.project_id)
        info = ctx.master.departments.get(dept)
        bureau = f"（{info.bureau}）" if info and info.bureau else ""
        body.lead(f"{dept}{bureau}　{len(projects):,}事業")
        body.table(INDEX_COLS, ((id_cell(p), p.name, _measure_cell(ctx, p), mark(p.in_plan),
                                 mark(p.in_resilience), mark(p.in_strategy)) for p in projects))


def _measure_cell(ctx: Context, p: Project) -> str:
    if not p.in_plan or not p.measure_code:
        return ""
    text = ctx.measure_label(p.measure_code)
    if p.relisted_measures:
        text += f"\n（再掲 {joined(p.relisted_measures)}）"
    return text


def book_name(file: str) -> str:
    """The workbook as a department knows it: `0704_河川課.xlsx` → `0704_河川課`."""
    return re.sub(r"\.xls[xm]?$", "", file, flags=re.IGNORECASE)


def sources(origins: tuple[Origin, ...]) -> str:
    """`0704_河川課` then `総合計画 5行・国土強靱化 3行` per workbook, in first-seen order."""
    by_file: dict[str, list[str]] = {}
    for o in origins:
        by_file.setdefault(book_name(o.file), []).append(f"{o.sheet} {o.row}行")
    return "\n".join(f"{file}\n{'・'.join(places)}" for file, places in by_file.items())


def spellings(p: Project) -> str:
    """The distinct spellings merged into the project, when there is more than one."""
    names = list(dict.fromkeys(p.names))
    return "\n".join(names) if len(names) > 1 else ""


def is_merged(p: Project) -> bool:
    """Re-listed, or built from several rows or spellings."""
    return bool(p.relisted_measures) or len(set(p.names)) > 1 or len(p.sources) > 1


def _merged(body: Body, ctx: Context) -> None:
    section_heading(body, ctx, MERGED)
    body.para("複数の施策に掲載（再掲）した事業と、複数の調書・シートの行を一つの事業に統合した事業を示します。"
              "事業名の表記が異なる行を統合した事業は、その表記を併記しています。統合に誤りがないか確認してください。")
    projects = [p for p in ctx.comp.projects if is_merged(p)]
    if not projects:
        body.note("該当する事業はありません。")
        return
    body.table(MERGED_COLS, ((id_cell(p), ((p.name, ""), (f"\n（{p.dept}）", "")), p.measure_code,
                              joined(p.relisted_measures), spellings(p), sources(p.sources))
                             for p in projects))


def _located(body: Body, ctx: Context) -> None:
    section_heading(body, ctx, "実施箇所明記事業一覧")
    resilience = [p for p in ctx.comp.projects if p.in_resilience]
    located = [p for p in resilience if p.location]
    body.para(f"{ctx.master.resilience_name}に位置づける{len(resilience):,}事業のうち、実施箇所を明記した"
              f"{len(located):,}事業を示します。実施箇所が明記された事業は、国の交付金等の重点配分・優先採択の"
              "対象となります。")
    if not located:
        body.note("該当する事業はありません。")
        return
    body.table(LOCATED_COLS, ((id_cell(p), p.name, p.dept, p.location, joined(p.scenarios), actor(p), p.grants)
                              for p in located))


def _review(body: Body, ctx: Context) -> None:
    section_heading(body, ctx, REVIEW)
    flagged = [p for p in ctx.comp.projects if p.needs_review]
    body.para("調書の記載に誤り又は不足があり、所管課への確認を要する事業です。確認のうえ調書を修正し、"
              "再度取りまとめます。該当する調書の位置は「出典」欄に示しています。")
    if not flagged:
        body.note("要確認の事業はありません。")
        return
    body.table(REVIEW_COLS, ((id_cell(p), ((p.name, ""), (f"\n（{p.dept}）", "")), review_text(p.review_reasons),
                              sources(p.sources)) for p in flagged))


# `0801_下水道建設課.xlsx 総合計画!N9: ` — the place, which the 出典 column already gives
_PLACE = re.compile(r"^[^\n:：]*?\.xls[xm]? [^\n:：]*?(?:![A-Z]{1,3}[0-9]+)?: ?", re.IGNORECASE)
_NEGATIVE = re.compile(r"(?<![0-9A-Za-z\-])-([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?![0-9,])")
_ASCII_COLON = re.compile(r"(?<=[^\x00-\x7f]): ?")


def plain(text: str) -> str:
    """A message as a plan prints it: full-width colon (例：1-3), negative amounts as △4,500."""
    text = _NEGATIVE.sub(lambda m: f"△{int(m.group(1).replace(',', '')):,}", text)
    return _ASCII_COLON.sub("：", text)


def review_text(reasons: tuple[str, ...]) -> str:
    """確認事項: one reason a line, without the file and cell each message starts with."""
    lines = [plain(_PLACE.sub("", r)) for r in reasons]
    return "\n".join(f"・{line}" for line in dict.fromkeys(lines)) or "・調書の記載を確認してください。"
