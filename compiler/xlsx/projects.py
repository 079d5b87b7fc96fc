"""`事業一覧` (one row per project; read back by the next cycle) and `クロス表` (the matrix)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..models import FUNDING_KEYS, SHEET_PLAN, SHEET_RESILIENCE, SHEET_STRATEGY, Compilation, Master, Project
from ..normalise import year_label as reiwa_label
from .book import A3, A4, MIN_PRINT_SCALE, PRINT_WIDTH_IN, Book, Col, Sheet, column_pixels, fit_scale
from .common import (OFF_MASTER, PRIMARY, RELISTED, SDG_NAMES, codes_in_use, joined, mark, short,
                     year_label)

PROJECT_SHEET = "事業一覧"
CROSS_SHEET = "クロス表"


# ------------------------------------------------------------------ 事業一覧
def project_columns(master: Master) -> list[Col]:
    """Header labels of 事業一覧.  `compiler/previous.py` and the templates read them back by label.

    The columns up to 要確認 are the printed ones (PRINTED); the details follow."""
    return [
        # widths chosen so that the headers break between words (総合/計画, 新継/区分) and the
        # printed columns fit A4 landscape at 60 % or more
        Col("事業ID", "code", 10, 14), Col("事業名", "wrap", 16, 28), Col("所管課", "wrap", 8, 13),
        Col("施策コード", "code", 9, 9), Col("新継区分", "mark", 4.5, 4.5), Col("事業内容", "wrap", 20, 40),
        Col(SHEET_PLAN, "mark", 4.5, 4.5), Col(SHEET_RESILIENCE, "mark", 4.5, 4.5),
        Col(SHEET_STRATEGY, "mark", 4.5, 4.5), Col("リスクシナリオ", "code", 8, 12), Col("実施箇所", "wrap", 8, 24),
        Col("基本目標", "code", 6, 6), *(Col(year_label(master, y), "num", 9, 13) for y in master.years),
        Col("要確認", "mark", 6, 6),
        # details (not printed)
        Col("施策名", "text", 8, 24), Col("展開方向コード", "code", 8, 10), Col("再掲施策コード", "code", 8, 16),
        Col("会計", "text", 6, 14), Col("事業主体", "mark", 6, 8), Col("開始年度", "code", 6, 8),
        Col("終了年度", "code", 6, 8), Col("具体的施策コード", "code", 8, 14),
        *(Col(f"財源_{k}（{master.unit}）", "num", 9, 14) for k in FUNDING_KEYS),
        Col("重点", "mark", 5, 6), Col("SDGs", "code", 6, 14), Col("要確認理由", "text", 10, 60),
        Col("ID自動付番", "mark", 6, 8),
        # carried to the next cycle's templates as well
        Col("予算区分", "text", 6, 10), Col("予算説明書頁", "code", 6, 10), Col("国補正予算", "mark", 6, 8),
        Col("予算事務事業コード", "code", 8, 24),
        Col("施策分野", "text", 8, 16), Col(f"全体事業費（{master.unit}）", "num", 9, 14),
        Col("活用予定の交付金等", "text", 10, 30), Col("デジタル活用", "mark", 6, 8),
        Col("KPI名", "wrap", 10, 30), Col("KPI単位", "wrap", 6, 8), Col("KPI基準値", "wrap", 6, 10),
        Col("KPI基準年度", "wrap", 6, 10), Col("KPI目標値", "wrap", 6, 10), Col("KPI目標年度", "wrap", 6, 10),
        Col("備考", "text", 8, 30), Col("関連個別計画", "text", 10, 30),
    ]


PRINTED_LAST = "要確認"  # the printed columns end here


def project_row(p: Project, master: Master) -> list[object]:
    measure = master.measures.get(p.measure_code)
    kpi_lines: Callable[[Callable], str] = lambda get: "\n".join(get(k) for k in p.kpis)  # noqa: E731
    return [
        p.project_id, p.name, p.dept, p.measure_code, p.status, p.content,
        mark(p.in_plan), mark(p.in_resilience), mark(p.in_strategy),
        joined(p.scenarios), p.location, joined(p.goals),
        *(p.budget.get(y) for y in master.years),
        mark(p.needs_review),
        measure.name if measure else "", p.direction_code, joined(p.relisted_measures), p.account, p.actor,
        reiwa_label(p.start_year), reiwa_label(p.end_year), joined(p.strategy_measures),
        *(p.funding.get(k) for k in FUNDING_KEYS),
        mark(p.priority), joined(p.sdgs), " / ".join(p.review_reasons), mark(p.id_generated),
        p.budget_kind, p.budget_page, mark(p.supplementary), joined(p.budget_codes), p.resilience_field, p.total_cost, p.grants,
        mark(p.digital),
        kpi_lines(lambda k: k.name), kpi_lines(lambda k: k.unit), kpi_lines(lambda k: k.base),
        kpi_lines(lambda k: k.base_year), kpi_lines(lambda k: k.target), kpi_lines(lambda k: k.target_year),
        p.note, joined(r.text for r in p.plan_refs),
    ]


def write_projects(book: Book, comp: Compilation) -> Sheet:
    sheet = book.sheet(PROJECT_SHEET)
    columns = project_columns(comp.master)
    rows = [project_row(p, comp.master) for p in comp.projects]
    styles = [("warning",) if p.needs_review else () for p in comp.projects]
    sheet.table(columns, rows, styles, freeze_cols=2)
    year_labels = {year_label(comp.master, y) for y in comp.master.years}
    for c, col in enumerate(columns):  # the department's distinction, kept: blank ≠ 0
        if col.label in year_labels:
            sheet.comment(0, c, BLANK_NOTE)
    _print_core(sheet, columns, len(rows))
    return sheet


BLANK_NOTE = "空欄：調書に記入なし（その年度は実施しない）\n0：費用をかけずに実施する年度（調書の記入どおり）"



def _print_core(sheet: Sheet, columns: list[Col], n_rows: int) -> None:
    """Print the core columns (ID to 要確認) one page wide: on A4 when that keeps the text at
    MIN_PRINT_SCALE or more, else on A3 (all 45 columns on one A4 width would print at 40 %)."""
    core = next(i for i, c in enumerate(columns) if c.label == PRINTED_LAST)
    sheet.check(sheet.ws.print_area(0, 0, max(n_rows, 1), core), 0, core, "print_area")
    widths = [sheet.col_widths.get(c, 8.43) for c in range(core + 1)]
    paper = A4 if fit_scale(widths, A4) >= MIN_PRINT_SCALE else A3
    sheet.ws.set_paper(paper)


# ------------------------------------------------------------------ クロス表
@dataclass(frozen=True)
class Group:
    """A column group of the matrix: its title, per column a header and a full text, and the
    marks of a project as {column offset within the group: mark}."""

    title: str
    headers: tuple[str, ...]
    notes: tuple[str, ...]
    marks: Callable[[Project], dict[int, str]]


VERTICAL_CHARS = 30  # characters shown in a vertical sub-header (30 × 12.5 pt stays under Excel's 409 pt row); the full text goes into a comment


def _measure_marks(codes: list[str]) -> Callable[[Project], dict[int, str]]:
    at = {code: i for i, code in enumerate(codes)}

    def marks(p: Project) -> dict[int, str]:
        if not p.in_plan:
            return {}
        out = {at[c]: RELISTED for c in p.relisted_measures if c in at}
        if p.measure_code in at:
            out[at[p.measure_code]] = PRIMARY
        return out
    return marks


def _member_marks(attr: str, codes: list) -> Callable[[Project], dict[int, str]]:
    at = {code: i for i, code in enumerate(codes)}
    return lambda p: {at[c]: PRIMARY for c in getattr(p, attr) if c in at}


def _plan_marks(p: Project) -> dict[int, str]:
    return {i: PRIMARY for i, flag in enumerate((p.in_plan, p.in_resilience, p.in_strategy)) if flag}


def cross_groups(comp: Compilation) -> list[Group]:
    m = comp.master
    measures = codes_in_use(m.measures, (p.measure_code for p in comp.projects if p.in_plan))
    measures = codes_in_use(measures, (c for p in comp.projects for c in p.relisted_measures))
    scenarios = codes_in_use(m.scenarios, (c for p in comp.projects for c in p.scenarios))
    goals = codes_in_use(m.goals, (c for p in comp.projects for c in p.goals))

    def label(code: str, name: str | None) -> str:
        return f"{code} {name}" if name is not None else f"{code}{OFF_MASTER}"

    m_labels = tuple(label(c, m.measures[c].name if c in m.measures else None) for c in measures)
    s_labels = tuple(label(c, m.scenarios[c].text if c in m.scenarios else None) for c in scenarios)
    g_labels = tuple(label(c, m.goals[c].name if c in m.goals else None) for c in goals)
    sdg_labels = tuple(f"{i} {n}" for i, n in enumerate(SDG_NAMES, 1))
    return [
        Group("掲載計画", (SHEET_PLAN, SHEET_RESILIENCE, SHEET_STRATEGY), (m.plan_name, m.resilience_name, m.strategy_name),
              _plan_marks),
        Group(f"施策（{PRIMARY}主 {RELISTED}再掲）", m_labels, m_labels, _measure_marks(measures)),
        Group("リスクシナリオ", s_labels, s_labels, _member_marks("scenarios", scenarios)),
        Group("基本目標", g_labels, g_labels, _member_marks("goals", goals)),
        Group("SDGs", sdg_labels, sdg_labels, _member_marks("sdgs", list(range(1, 18)))),
    ]


FIXED = (Col("事業ID", "code", 10, 16), Col("事業名", "text", 16, 36), Col("所管課", "text", 8, 16))
MARK_WIDTH = 3.6


def write_cross(book: Book, comp: Compilation) -> Sheet:
    """The matrix.  Plain rows hold only their marks (a grid of thin borders comes from one
    conditional format), which keeps 20,000 projects × 150 columns fast; 要確認 rows are tinted whole."""
    sheet = book.sheet(CROSS_SHEET)
    groups = cross_groups(comp)
    first_cols = _cross_header(sheet, groups)
    last_col = first_cols[-1] + len(groups[-1].headers) - 1
    rules = set(first_cols)
    fixed_fmts = {extra: (book.fmt("cell", "code", *extra), book.fmt("cell", *extra))
                  for extra in ((), ("warning",))}
    mark_fmts = {(extra, rule): book.fmt("cell", "mark", *(("left_rule",) if rule else ()), *extra)
                 for extra in ((), ("warning",)) for rule in (False, True)}
    for r, p in enumerate(comp.projects, start=2):
        extra = ("warning",) if p.needs_review else ()
        code_fmt, text_fmt = fixed_fmts[extra]
        sheet.text(r, 0, p.project_id, code_fmt)
        sheet.text(r, 1, p.name, text_fmt)
        sheet.text(r, 2, p.dept, text_fmt)
        marks = {first + i: value for group, first in zip(groups, first_cols) for i, value in group.marks(p).items()}
        columns = range(len(FIXED), last_col + 1) if extra else sorted(marks)
        for c in columns:
            sheet.text(r, c, marks.get(c, ""), mark_fmts[(extra, c in rules)], measure=False)
    last_row = 1 + len(comp.projects)
    if comp.projects:
        sheet.grid(2, len(FIXED), last_row, last_col)
    sheet.fit_columns(FIXED)
    sheet.set_width(len(FIXED), MARK_WIDTH, last_col)
    sheet.list_setup(1, last_row, last_col, freeze_cols=len(FIXED), first_header_row=0)
    _print_pages(sheet, comp, groups, first_cols)
    return sheet


def page_segments(comp: Compilation, groups: list[Group], first_cols: list[int]) -> list[tuple[int, int, bool]]:
    """The matrix's column runs that print together, as (first column, last column, starts a page): the plans
    with the first 基本政策's 施策, each further 基本政策's 施策 on a page of its own, then each goal's risk
    scenarios, the 基本目標 and the SDGs (these packed onto pages as they fit)."""
    m = comp.master
    out: list[tuple[int, int, bool]] = []
    plans, measures, scenarios = first_cols[0], first_cols[1], first_cols[2]

    def runs(first: int, keys: list[str], new_page: bool) -> list[tuple[int, int, bool]]:
        spans: list[tuple[int, int, bool]] = []
        for i, key in enumerate(keys):
            if i and key == keys[i - 1]:
                spans[-1] = (spans[-1][0], first + i, spans[-1][2])
            else:
                spans.append((first + i, first + i, new_page))
        return spans

    codes = [h.split(" ", 1)[0].removesuffix(OFF_MASTER) for h in groups[1].headers]
    policy = [m.measures[c].policy_code if c in m.measures else "" for c in codes]
    by_policy = runs(measures, policy, True)
    if by_policy:
        by_policy[0] = (plans, by_policy[0][1], True)
    else:
        by_policy = [(plans, measures - 1, True)]
    out += by_policy
    goal = [h.split(" ", 1)[0].split("-")[0] for h in groups[2].headers]
    out += runs(scenarios, goal, False)
    for g, first in zip(groups[3:], first_cols[3:]):
        if g.headers:
            out.append((first, first + len(g.headers) - 1, False))
    return out


def _print_pages(sheet: Sheet, comp: Compilation, groups: list[Group], first_cols: list[int]) -> None:
    """Print the matrix as pages of whole column runs (page_segments) behind the repeated 事業ID・事業名・所管課
    columns and header rows, at one zoom for all pages: A4 landscape when that zoom is readable, else A3."""
    fixed = sum(column_pixels(sheet.col_widths.get(c, 8.43)) for c in range(len(FIXED)))
    mark = column_pixels(MARK_WIDTH)
    pages: list[list[int]] = []  # [first column, last column]
    for first, last, new_page in page_segments(comp, groups, first_cols):
        if pages and not new_page and (last - pages[-1][0] + 1) * mark + fixed <= _capacity(A4, MIN_PRINT_SCALE):
            pages[-1][1] = last
        else:
            pages.append([first, last])
    widest = fixed + max(((b - a + 1) * mark for a, b in pages), default=0)
    paper = A4 if _capacity(A4, 100) * 100 // widest >= MIN_PRINT_SCALE else A3
    ws = sheet.ws
    ws.set_paper(paper)
    ws.set_print_scale(max(10, min(100, _capacity(paper, 100) * 100 // widest)))
    ws.set_v_pagebreaks([a for a, _ in pages[1:]])
    sheet.check(ws.repeat_columns(0, len(FIXED) - 1), 0, 0, "repeat_columns")


def _capacity(paper: int, scale: int) -> int:
    """Pixels of columns one landscape page holds at `scale` %."""
    return int(PRINT_WIDTH_IN[paper] * 96 * 100 / scale)


def _cross_header(sheet: Sheet, groups: list[Group]) -> list[int]:
    """Two header rows: fixed labels merged down, group titles merged across, vertical sub-headers.
    Returns the first column of every group."""
    book = sheet.book
    head = book.fmt("header")
    for c, col in enumerate(FIXED):
        sheet.merge(0, c, 1, c, col.label, head)
        sheet.widths[c] = 0
    first_cols, c = [], len(FIXED)
    longest = 0
    for group in groups:
        first_cols.append(c)
        n = len(group.headers)
        sheet.merge(0, c, 0, c + n - 1, group.title if n > 1 else short(group.title, 8), book.fmt("group_header", "left_rule"))
        for i, (text, note) in enumerate(zip(group.headers, group.notes)):
            shown = short(text, VERTICAL_CHARS)
            rule = ("left_rule",) if i == 0 else ()
            sheet.text(1, c + i, shown, book.fmt("header", "vertical", *rule), measure=False)
            if shown != note:
                sheet.comment(1, c + i, note)
            longest = max(longest, len(shown))
        c += n
    sheet.row_height(0, 44)
    sheet.row_height(1, 12.5 * longest + 10)
    return first_cols
