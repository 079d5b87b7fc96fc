"""資料編: 前年度計画からの変更点 (the rolling plan), written only when a previous compile is given."""
from __future__ import annotations

from compiler.rolling import Comparison, Pair

from .base import DASH, Body, Context, id_cell, money
from .ooxml import PORTRAIT_WIDTH, Col

MAX_LISTED = 15
COUNT_COLS = (Col("区分", 2400), Col("事業数", 1300, "R"), Col("説明", 5938))
BUDGET_COLS = (Col("年度", 1600, "C"), Col("前年度計画", 2600, "R"), Col("本計画", 2600, "R"), Col("増減", 2838, "R"))
LIST_COLS = (Col("事業ID", 1400, code=True), Col("事業名", 3400), Col("所管課", 1300), Col("変更内容", 3538))
STATUS_WIDTH = 700


def change_columns(years: tuple[str, ...]) -> tuple[Col, ...]:
    """事業名（所管課）, 区分, then 前年度計画 / 本計画 / 増減 under each overlapping year."""
    name = 2400 if len(years) <= 2 else 2000
    each = (PORTRAIT_WIDTH - name - STATUS_WIDTH) // (3 * len(years))
    name = PORTRAIT_WIDTH - STATUS_WIDTH - each * 3 * len(years)
    cols = [Col("事業名（所管課）", name), Col("区分", STATUS_WIDTH, "C")]
    for y in years:
        cols += [Col("前年度\n計画", each, "R", y), Col("本計画", each, "R", y), Col("増減", each, "R", y)]
    return tuple(cols)


def signed(n: int) -> str:
    return f"+{n:,}" if n > 0 else (f"△{-n:,}" if n < 0 else "0")


TITLE = "前年度計画からの変更点"


def changes_section(body: Body, ctx: Context, title: str = TITLE) -> None:
    cmp = ctx.comp.previous
    if not isinstance(cmp, Comparison):
        return
    body.heading(2, title)
    new, ended = cmp.by_status("新規"), cmp.by_status("終了")
    renumbered = cmp.by_status("番号変更")
    changed = [p for p in cmp.changed if p.changes]
    body.para(f"前年度計画（{'・'.join(cmp.previous_years[:1])}〜{cmp.previous_years[-1] if cmp.previous_years else ''}）"
              f"と比較すると、新たに{len(new):,}事業を計上し、{len(ended):,}事業が計画から外れました。"
              f"継続する事業のうち{len(changed):,}事業で施策・リスクシナリオ・基本目標・所管課・事業名・実施箇所の"
              "いずれかに変更があります。事業費は、計画期間が重なる年度について事業ごとに比較しています。")
    body.table(COUNT_COLS, [
        ("新規", f"{len(new):,}", "前年度計画に事業IDがない事業"),
        ("終了", f"{len(ended):,}", "前年度計画にあり、本計画にない事業"),
        ("継続（内容の変更あり）", f"{len(changed):,}", "施策・リスクシナリオ・基本目標・所管課・事業名・実施箇所の変更"),
        ("事業IDの変更の可能性", f"{len(renumbered):,}", "所管課と事業名が同じで事業IDが異なる事業（確認が必要）"),
    ], keep_together=True)
    if cmp.overlap_years:
        body.lead("計画期間が重なる年度の事業費")
        body.unit()
        rows: list = [(y, money(cmp.previous_totals[y]), money(cmp.current_totals[y]),
                       signed(cmp.current_totals[y] - cmp.previous_totals[y])) for y in cmp.overlap_years]
        body.table(BUDGET_COLS, rows)
        _largest(body, cmp)
    unit = ctx.master.unit
    _listing(body, "計画から外れた事業", ended, lambda p: ended_text(p, cmp.overlap_years, unit))
    _listing(body, "新たに計上した事業", new, lambda p: new_text(p, ctx.years, unit))
    _listing(body, "内容に変更のあった主な事業", changed, lambda p: changed_text(p, cmp.overlap_years, unit))
    if renumbered:
        _listing(body, "事業IDが変わった可能性のある事業", renumbered, lambda p: f"前年度の事業ID {p.previous_id}")


def _amounts(pairs: list[tuple[str, int]], unit: str) -> str:
    return "・".join(f"{y} {v:,}" for y, v in pairs) + f"（{unit}）"


def ended_text(p: Pair, overlap: tuple[str, ...], unit: str) -> str:
    """What the plan loses: the 施策 and the previous plan's amounts for the years both plans cover."""
    prev = p.previous or {}
    lines = ["終了"]
    if prev.get("施策コード"):
        lines.append(f"施策：{prev['施策コード']}")
    amounts = [(y, p.budget[y][0]) for y in overlap if y in p.previous_budgeted and y in p.budget]
    if amounts:
        lines.append(f"前年度計画の事業費：{_amounts(amounts, unit)}")
    return "\n".join(lines)


def new_text(p: Pair, years: tuple[str, ...], unit: str) -> str:
    """What the plan gains: the 施策 and the amounts by year."""
    now = p.current
    lines = ["新規"]
    if now is not None and now.in_plan:
        if now.measure_code:
            lines.append(f"施策：{now.measure_code}")
        amounts = [(y, now.budget[y]) for y in years if now.budget.get(y) is not None]
        if amounts:
            lines.append(f"事業費：{_amounts(amounts, unit)}")  # type: ignore[arg-type]
    return "\n".join(lines)


def changed_text(p: Pair, overlap: tuple[str, ...], unit: str) -> str:
    """Each changed item (before → after), then each overlapping year whose amount changed."""
    lines = [f"{c.label}：{c.before or '（空欄）'}→{c.after or '（空欄）'}" for c in p.changes]
    lines += [f"{y}事業費：{money(p.budget[y][0])}→{money(p.budget[y][1])}（{signed(p.diff(y))}）"
              for y in overlap if p.diff(y)]
    return "\n".join(lines) or "－"


def _largest(body: Body, cmp: Comparison) -> None:
    largest = cmp.largest_budget_changes(MAX_LISTED)
    if not largest:
        return
    years = cmp.overlap_years
    body.lead("事業費の増減が大きい事業")
    body.unit()
    rows: list = []
    for p in largest:
        cells: list = [((p.name, ""), (f"\n（{p.dept}）", ""), (f"\n{p.project_id}", "IdText")), p.status]
        for y in years:
            before, after = p.budget.get(y, (0, 0))
            had, has = _had_budget(p, y), _has_budget(p, y)
            cells += [money(before) if had else DASH, money(after) if has else DASH,
                      signed(after - before) if had or has else DASH]
        rows.append(tuple(cells))
    body.table(change_columns(years), rows)


def _had_budget(p: Pair, year: str) -> bool:
    """The previous plan counted a budget for `year` (a 総合計画 project with the year filled)."""
    return year in p.previous_budgeted


def _has_budget(p: Pair, year: str) -> bool:
    now = p.current
    return now is not None and now.in_plan and now.budget.get(year) is not None


def _listing(body: Body, title: str, pairs: list[Pair], describe) -> None:  # type: ignore[no-untyped-def]
    if not pairs:
        return
    body.lead(f"{title}（{len(pairs):,}事業）")
    body.table(LIST_COLS, ((id_cell(p.current) if p.current is not None else p.project_id, p.name, p.dept, describe(p))
                           for p in pairs))
