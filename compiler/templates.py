"""`make templates`: one department workbook (調書) per 課 of the master (DESIGN §2.2).

Sheets: 記入要領, 総合計画, 国土強靱化, 総合戦略, 成果指標 and the hidden `リスト` sheet whose
columns back the dropdowns through defined names.  Headers, widths and help texts come from
schema.py; with a previous compile each 課's projects are pre-filled.  Output is byte-stable.
"""
from __future__ import annotations

import datetime as dt
import math
import os
import re
import unicodedata
from dataclasses import dataclass, field as dc_field
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from .models import DATA_SHEETS, SHEET_PLAN, SHEET_RESILIENCE, SHEET_STRATEGY, Department, Master
from .normalise import STATUSES, nfkc, parse_flag, parse_money
from .previous import budget_labels, check_unit, crossref_path, field, read_previous_projects
from .schema import CODE, CODES, FLAG, MONEY, SDGS, STATUS, YEAR, Column, columns_for

GUIDE_SHEET = "記入要領"
LIST_SHEET = "リスト"
INPUT_ROWS = 500  # blank, unlocked rows offered below the header (more when pre-filled)
SPARE_ROWS = 100  # blank rows kept below pre-filled ones
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True}
FIXED_DATE = dt.datetime(2025, 1, 1)
CONTACT = "企画政策課"
FLAG_MARK = "○"
TRENDS = ("増加", "減少", "維持")
LAST_COL = 16_383  # XFD
ACTORS = ("市", "県", "国", "民間")
TEXT_KINDS = {CODE, CODES, SDGS, STATUS, YEAR}  # stored as text ('@') so 1-3 never becomes a date
REQUIRED_FILL, OPTIONAL_FILL = "#F8CBAD", "#DDEBF7"
FREEZE_COLS = {SHEET_PLAN: 2, SHEET_RESILIENCE: 2, SHEET_STRATEGY: 2}  # 事業ID and 事業名 stay visible

# fields carried over from the previous 事業一覧 (matched by the template label; budget years by label too).
# 財源_* are not carried: they describe the first year, which moves on by one.
CARRY = {
    SHEET_PLAN: ("id", "name", "dept", "measure", "direction", "relisted", "content", "account", "budget_kind",
                 "budget_page", "supplementary", "priority", "sdgs", "note"),
    SHEET_RESILIENCE: ("id", "name", "dept", "scenarios", "field", "location", "actor", "start_year", "end_year",
                       "total_cost", "grants"),
    SHEET_STRATEGY: ("id", "name", "dept", "goals", "strategy_measures", "kpi_name", "kpi_unit", "kpi_base",
                     "kpi_base_year", "kpi_target", "kpi_target_year", "digital", "grants"),
}
# 事業一覧 holds a project's KPIs one per line in each KPI column; the 総合戦略 sheet takes one row per KPI
KPI_KEYS = ("kpi_name", "kpi_unit", "kpi_base", "kpi_base_year", "kpi_target", "kpi_target_year")
SDG_NAMES = ("貧困をなくそう", "飢餓をゼロに", "すべての人に健康と福祉を", "質の高い教育をみんなに",
             "ジェンダー平等を実現しよう", "安全な水とトイレを世界中に", "エネルギーをみんなに そしてクリーンに",
             "働きがいも経済成長も", "産業と技術革新の基盤をつくろう", "人や国の不平等をなくそう",
             "住み続けられるまちづくりを", "つくる責任 つかう責任", "気候変動に具体的な対策を", "海の豊かさを守ろう",
             "陸の豊かさも守ろう", "平和と公正をすべての人に", "パートナーシップで目標を達成しよう")


MULTI_CODE_NOTE = "複数該当する場合は「1、3」のように「、」で区切って入力できます（「はい」で続行）。"
FLAG_NOTE = "該当する場合は ○ を選びます。〇・◯ も ○ として読み取ります（「はい」で続行）。"
TREND_NOTE = "増加・減少・維持から選びます。一覧にない書き方も使えます（「はい」で続行）。"


class TemplateWriteError(RuntimeError):
    """xlsxwriter refused a write (negative return code); the message names the sheet and cell."""


@dataclass(frozen=True)
class Choice:
    """One dropdown list: a column of the hidden sheet behind a defined name."""

    name: str  # defined name, e.g. LIST_MEASURE
    title: str  # header of its column on the hidden sheet
    values: tuple[str, ...]
    strict: bool = True  # stop on other values; False = warn, with `note` as the message
    note: str = MULTI_CODE_NOTE


@dataclass(frozen=True)
class Moved:
    """A previous project whose 所管課 is not in the new 課一覧, and the 課 whose workbook took it
    (by the 課コード its 事業ID starts with); `to` is empty when no 課 has that code."""

    project_id: str
    name: str
    dept: str
    to: str = ""


@dataclass
class TemplateRun:
    """What `make templates` wrote, and the previous projects it had to place by their 事業ID."""

    paths: list[Path]
    moved: list[Moved] = dc_field(default_factory=list)  # placed in the workbook of their 課コード

    @property
    def not_carried(self) -> list[Moved]:
        return [m for m in self.moved if not m.to]


def write_templates(master: Master, out_dir: Path, previous: Path | None = None) -> list[Path]:
    """Write `<課コード>_<課>.xlsx` for every 課 of the master into out_dir; return the paths."""
    return make_templates(master, out_dir, previous).paths


def make_templates(master: Master, out_dir: Path, previous: Path | None = None) -> TemplateRun:
    """Write every 課's workbook; with a previous compile, each 課's projects pre-filled.  A project
    whose 所管課 left the 課一覧 goes to the 課 of its 事業ID's 課コード, or is listed as not carried."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    records = read_previous_projects(previous) if previous is not None else []
    if previous is not None:
        check_unit(budget_labels(records), master.unit, crossref_path(previous).name)
    carried, moved = _by_department(records, master)
    paths = []
    for dept in master.departments.values():
        path = out_dir / template_file_name(dept)
        mine = [m for m in moved if m.to == dept.name]
        _write_atomic(path, master, dept, carried.get(dept.name, []), previous is not None, mine)
        paths.append(path)
    return TemplateRun(paths, moved)


def moved_lines(run: TemplateRun) -> list[str]:
    """Console lines on the previous projects whose 所管課 is not in the 課一覧."""
    lines = []
    placed = [m for m in run.moved if m.to]
    if placed:
        lines.append(f"所管課が課一覧にないため、事業IDの課コードで振り分けた事業 {len(placed)} 件（調書で所管課を選び直してもらってください）:")
        lines += [f"  {m.project_id} {m.name}（所管課「{m.dept}」→ {m.to} の調書）" for m in placed]
    if run.not_carried:
        lines.append(f"転記できなかった事業 {len(run.not_carried)} 件（所管課が課一覧になく、事業IDの課コードに当たる課もありません。"
                     "担当の課に直接記入を依頼してください）:")
        lines += [f"  {m.project_id or '（事業IDなし）'} {m.name}（所管課「{m.dept}」）" for m in run.not_carried]
    return lines


def template_file_name(dept: Department) -> str:
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", dept.name)
    return f"{dept.code}_{safe}.xlsx" if dept.code else f"{safe}.xlsx"


def _dept_key(name: str) -> str:
    return re.sub(r"\s+", "", nfkc(name))


def _by_department(records: list[dict[str, str]], master: Master) -> tuple[dict[str, list[dict[str, str]]], list[Moved]]:
    """Previous records by the 課 (master name) whose workbook takes them, and the records placed by
    their 事業ID's 課コード (or not at all) because their 所管課 is not in the 課一覧."""
    by_key = {_dept_key(d): d for d in master.departments}
    by_code = {d.code: d.name for d in master.departments.values() if d.code}
    out: dict[str, list[dict[str, str]]] = {}
    moved: list[Moved] = []
    for rec in records:
        dept = by_key.get(_dept_key(field(rec, "所管課")))
        if dept is None:
            pid = field(rec, "事業ID")
            dept = by_code.get(_dept_code(pid), "")
            moved.append(Moved(pid, field(rec, "事業名"), field(rec, "所管課"), dept))
        if dept:
            out.setdefault(dept, []).append(rec)
    return out, moved


def _dept_code(project_id: str) -> str:
    """The 課コード a 事業ID starts with (`0703-006` → `0703`)."""
    head, sep, _ = nfkc(project_id).strip().partition("-")
    return head if sep else ""


def _write_atomic(path: Path, master: Master, dept: Department, records: list[dict[str, str]], has_previous: bool,
                  moved: list[Moved] | None = None) -> None:
    tmp = path.with_name(f".{path.stem}.tmp.xlsx")
    try:
        _write_workbook(tmp, master, dept, records, has_previous, moved or [])
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _ok(rc: object, sheet: str, row: int, col: int, what: str) -> None:
    """Raise when xlsxwriter refused a call (it returns a negative code and only warns)."""
    if isinstance(rc, int) and rc < 0:
        cell = xl_rowcol_to_cell(row, col)
        raise TemplateWriteError(f"調書のシート「{sheet}」のセル {cell} に書き込めません（xlsxwriter {what} が {rc} を返しました）")


def _write_workbook(path: Path, master: Master, dept: Department, records: list[dict[str, str]], has_previous: bool,
                    moved: list[Moved]) -> None:
    prefill = {sheet: _prefill_rows(master, sheet, records) for sheet in CARRY}
    n_rows = max([INPUT_ROWS] + [len(rows) + SPARE_ROWS for rows in prefill.values()])
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    wb.set_properties({"title": f"{dept.name} 一体策定調書（{master.first_year}）", "author": f"{master.city} {CONTACT}",
                       "company": master.city, "created": FIXED_DATE})
    styles = _Styles(wb)
    guide = wb.add_worksheet(GUIDE_SHEET)
    data = {sheet: wb.add_worksheet(sheet) for sheet in DATA_SHEETS}
    lists = wb.add_worksheet(LIST_SHEET)
    choices = _choices(master, dept)
    _write_lists(wb, lists, choices, styles)
    for sheet, ws in data.items():
        _write_data_sheet(ws, sheet, master, choices, styles, n_rows, prefill.get(sheet, []))
    # projects, not rows: the 総合戦略 sheet has a row per KPI
    counts = {sheet: sum(1 for rec in records if _is_yes(field(rec, sheet))) for sheet in CARRY} if has_previous else None
    _write_guide(guide, master, dept, styles, counts, moved)
    wb.close()


# ------------------------------------------------------------------ styles and lists
class _Styles:
    """xlsxwriter formats, created once per workbook and cached by their options."""

    def __init__(self, wb: Workbook) -> None:
        self._wb = wb
        self._cache: dict[tuple, object] = {}

    def get(self, **props: object) -> object:
        key = tuple(sorted(props.items()))
        if key not in self._cache:
            self._cache[key] = self._wb.add_format({"font_name": "游ゴシック", "font_size": 10, "valign": "top", **props})
        return self._cache[key]

    def header(self, required: bool) -> object:
        return self.get(bold=True, text_wrap=True, border=1, align="center", valign="vcenter", locked=True,
                        bg_color=REQUIRED_FILL if required else OPTIONAL_FILL)

    def body(self, col: Column) -> object:
        props: dict[str, object] = {"locked": False}  # no borders: blank rows must not extend the printed area
        if col.kind in TEXT_KINDS:
            props["num_format"] = "@"
        elif col.kind == MONEY:
            props["num_format"] = "#,##0"
        elif col.kind == FLAG:
            props["align"] = "center"
        if col.width >= 20:
            props["text_wrap"] = True
        return self.get(**props)


def _choices(master: Master, dept: Department) -> dict[str, Choice]:
    depts = (dept.name, *(d for d in master.departments if d != dept.name))  # own 課 first
    return {
        "measure": Choice("LIST_MEASURE", "施策コード", tuple(master.measures)),
        "direction": Choice("LIST_DIRECTION", "展開方向コード", tuple(master.directions)),
        "status": Choice("LIST_STATUS", "新継区分", STATUSES),
        "account": Choice("LIST_ACCOUNT", "会計", master.accounts),
        "dept": Choice("LIST_DEPT", "所管課", depts),
        "goals": Choice("LIST_GOAL", "基本目標", tuple(master.goals), strict=False),
        "flag": Choice("LIST_FLAG", "○", (FLAG_MARK,), strict=False, note=FLAG_NOTE),
        "actor": Choice("LIST_ACTOR", "事業主体", ACTORS),
        "trend": Choice("LIST_TREND", "望ましい方向", TRENDS, strict=False, note=TREND_NOTE),
    }


def _write_lists(wb: Workbook, ws: Worksheet, choices: dict[str, Choice], styles: _Styles) -> None:
    for c, choice in enumerate(choices.values()):
        _ok(ws.write_string(0, c, choice.title, styles.get(bold=True)), LIST_SHEET, 0, c, "write_string")
        _ok(ws.set_column(c, c, 16, styles.get(num_format="@")), LIST_SHEET, 0, c, "set_column")
        for r, value in enumerate(choice.values, start=1):
            _ok(ws.write_string(r, c, value), LIST_SHEET, r, c, "write_string")
        if choice.values:
            first, last = xl_rowcol_to_cell(1, c, True, True), xl_rowcol_to_cell(len(choice.values), c, True, True)
            rc = wb.define_name(choice.name, f"={quote_sheetname(LIST_SHEET)}!{first}:{last}")
            _ok(rc, LIST_SHEET, 1, c, f"define_name {choice.name}")
    ws.protect("", {"format_columns": True})
    ws.hide()


# ------------------------------------------------------------------ data sheets
def _write_data_sheet(ws: Worksheet, sheet: str, master: Master, choices: dict[str, Choice], styles: _Styles,
                      n_rows: int, rows: list[dict[str, object]]) -> None:
    columns = columns_for(sheet, master.years)
    _ok(ws.set_row(0, 36), sheet, 0, 0, "set_row")
    for c, col in enumerate(columns):
        body = styles.body(col)
        _ok(ws.set_column(c, c, col.width, body), sheet, 0, c, "set_column")
        _ok(ws.write_string(0, c, col.label, styles.header(col.required)), sheet, 0, c, "write_string")
        for r in range(1, n_rows + 1):
            value = rows[r - 1].get(col.key) if r <= len(rows) else None
            _write_value(ws, sheet, r, c, value, body)
        _ok(ws.data_validation(1, c, n_rows, c, _validation(sheet, col, choices, n_rows)), sheet, 1, c, "data_validation")
    _unlock_right_of(ws, sheet, len(columns), styles)
    for r, row in enumerate(rows, start=1):  # pre-filled long texts: programs' wrapped rows do not grow
        lines = max([_lines(str(row.get(c.key) or ""), c.width) for c in columns if c.width >= 20] + [1])
        if lines > 1:
            _ok(ws.set_row(r, min(_Guide.LINE_HEIGHT * lines + 2, 120)), sheet, r, 0, "set_row")
    last = len(columns) - 1
    _ok(ws.autofilter(0, 0, n_rows, last), sheet, 0, 0, "autofilter")
    ws.freeze_panes(1, FREEZE_COLS.get(sheet, 1))
    ws.protect("", {"autofilter": True, "sort": True, "format_cells": True, "format_columns": True,
                    "format_rows": True, "insert_rows": True, "delete_rows": True})
    # codes typed as text (事業ID, 1-3, 予算説明書頁) would each show Excel's "number stored as text" triangle
    _ok(ws.ignore_errors({"number_stored_as_text": f"A1:{xl_rowcol_to_cell(n_rows, last)}"}), sheet, 0, 0, "ignore_errors")
    ws.hide_gridlines(0)  # grid lines on screen and on paper
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    _ok(ws.repeat_rows(0), sheet, 0, 0, "repeat_rows")


def _unlock_right_of(ws: Worksheet, sheet: str, first_col: int, styles: _Styles) -> None:
    """Columns right of the table unlocked too: Excel deletes a row of a protected sheet only when
    every cell of the row is unlocked.  xlsxwriter takes a formatted column as part of the used range
    and then visits all 16,384 columns of every row when writing the sheet (20 s a workbook), so the
    sheet's dimension is put back to the table: the <col> entry is written from the column info."""
    width = getattr(ws, "dim_colmax", None)
    _ok(ws.set_column(first_col, LAST_COL, None, styles.get(locked=False)), sheet, 0, first_col, "set_column")
    if isinstance(width, int):
        ws.dim_colmax = width


def _write_value(ws: Worksheet, sheet: str, r: int, c: int, value: object, fmt: object) -> None:
    if value is None or value == "":
        _ok(ws.write_blank(r, c, None, fmt), sheet, r, c, "write_blank")
    elif isinstance(value, (int, float)):
        _ok(ws.write_number(r, c, value, fmt), sheet, r, c, "write_number")
    else:
        _ok(ws.write_string(r, c, str(value), fmt), sheet, r, c, "write_string")


def _validation(sheet: str, col: Column, choices: dict[str, Choice], n_rows: int) -> dict[str, object]:
    title = (col.label + ("（必須）" if col.required else ""))[:32]
    message = col.help
    if col.kind in (CODES, SDGS):
        message += "\n※コードの一覧は「記入要領」シートにあります。"
    base: dict[str, object] = {"input_title": title, "input_message": message[:255]}
    if col.key == "id" and sheet != SHEET_PLAN:
        source = f"={quote_sheetname(SHEET_PLAN)}!$A$2:$A${n_rows + 1}"
        return {**base, "validate": "list", "source": source, "error_type": "information",
                "error_title": "総合計画シートにない事業ID",
                "error_message": "総合計画シートにない事業IDです。総合計画に載らない事業（県・国・民間の事業など）はこのままで構いません。"}
    choice = choices.get("flag" if col.kind == FLAG else col.key)
    if choice is None or not choice.values:
        return {**base, "validate": "any"}
    if choice.strict:
        return {**base, "validate": "list", "source": f"={choice.name}", "error_type": "stop",
                "error_title": "一覧にない値です",
                "error_message": f"「{col.label}」は一覧（▼）から選んでください。一覧にない値が必要な場合は{CONTACT}に相談してください。"}
    return {**base, "validate": "list", "source": f"={choice.name}", "error_type": "warning",
            "error_title": "一覧にない値です",
            "error_message": f"「{col.label}」は一覧（▼）から選びます。{choice.note}"}


def _prefill_rows(master: Master, sheet: str, records: list[dict[str, str]]) -> list[dict[str, object]]:
    """Rows of the previous 事業一覧 that belong on `sheet` (its ○ column), as {field: value};
    on 総合戦略 one row per KPI."""
    columns = columns_for(sheet, master.years)
    keys = CARRY[sheet]
    budgets = budget_labels(records)  # by year, whatever unit the previous compile wrote in its labels
    rows = []
    for rec in records:
        if not _is_yes(field(rec, sheet)):
            continue
        row: dict[str, object] = {}
        for col in columns:
            if col.key in keys:
                row[col.key] = _carry_value(col, field(rec, col.label))
            elif sheet == SHEET_PLAN and col.key.startswith("budget:"):
                label = budgets.get(col.key.removeprefix("budget:"), ("",))[0]
                row[col.key] = _carry_value(col, rec.get(label, ""))
        if sheet == SHEET_PLAN:
            row["status"] = "継続"
        rows.extend(_kpi_rows(row) if sheet == SHEET_STRATEGY else [row])
    return rows


def _kpi_rows(row: dict[str, object]) -> list[dict[str, object]]:
    """A 総合戦略 row whose KPI cells hold one KPI per line, as one row per KPI."""
    lines = {k: str(row.get(k) or "").split("\n") for k in KPI_KEYS}
    n = max(len(v) for v in lines.values())
    if n <= 1:
        return [row]
    return [{**row, **{k: (v[i].strip() if i < len(v) else "") for k, v in lines.items()}} for i in range(n)]


def _carry_value(col: Column, text: str) -> object:
    if col.kind == FLAG:
        return FLAG_MARK if _is_yes(text) else ""
    if col.kind == MONEY and text:
        try:
            return parse_money(text)
        except ValueError:
            return text
    return text


def _is_yes(text: str) -> bool:
    try:
        return parse_flag(text)
    except ValueError:
        return False


# ------------------------------------------------------------------ 記入要領
class _Guide:
    """Writes the instructions sheet top to bottom (column A: labels and codes, B: text, C: notes)."""

    WIDTHS = (22, 70, 18)
    LINE_HEIGHT = 14

    def __init__(self, ws: Worksheet, styles: _Styles) -> None:
        self.ws, self.s, self.row = ws, styles, 0
        for c, w in enumerate(self.WIDTHS):
            _ok(ws.set_column(c, c, w), GUIDE_SHEET, 0, c, "set_column")

    def title(self, text: str) -> None:
        self._text(0, text, self.s.get(bold=True, font_size=14))
        self.row += 1

    def heading(self, text: str) -> None:
        self.row += 1
        self._text(0, f"■ {text}", self.s.get(bold=True, font_size=12, font_color="#1F4E78"))
        self.row += 1

    def para(self, text: str, fmt: object = None) -> None:
        """A paragraph across the sheet's width (merged cells, so its height is set here)."""
        self._height(_lines(text, sum(self.WIDTHS)))
        self._merged(len(self.WIDTHS) - 1, text, fmt or self.s.get(text_wrap=True))
        self.row += 1

    def table(self, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
        for c, text in enumerate(header):
            self._text(c, text, self.s.get(bold=True, border=1, bg_color="#D9D9D9"))
        self.row += 1
        for data in rows:
            if len(data) == 1 and len(header) > 1:  # a group heading across the table
                self._merged(len(header) - 1, data[0], self.s.get(bold=True, bg_color="#F2F2F2", border=1))
            else:
                self._height(max(_lines(text, self.WIDTHS[c]) for c, text in enumerate(data)))
                for c, text in enumerate(data):
                    self._text(c, text, self.s.get(text_wrap=True, border=1))
            self.row += 1

    def _text(self, col: int, text: str, fmt: object) -> None:
        _ok(self.ws.write_string(self.row, col, text, fmt), GUIDE_SHEET, self.row, col, "write_string")

    def _merged(self, last_col: int, text: str, fmt: object) -> None:
        """Text across columns 0..last_col, written as a string (never parsed as a formula)."""
        _ok(self.ws.merge_range(self.row, 0, self.row, last_col, "", fmt), GUIDE_SHEET, self.row, 0, "merge_range")
        self._text(0, text, fmt)

    def _height(self, lines: int) -> None:
        if lines > 1:  # neither Excel nor LibreOffice grows a row for wrapped text written by a program
            _ok(self.ws.set_row(self.row, self.LINE_HEIGHT * lines + 2), GUIDE_SHEET, self.row, 0, "set_row")


def _lines(text: str, width: int) -> int:
    """Estimated printed lines of `text` in a column `width` characters wide (CJK counts double)."""
    total = 0
    for part in text.split("\n"):
        cells = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in part)
        total += max(1, math.ceil(cells / max(width - 2, 1)))
    return total


def _write_guide(ws: Worksheet, master: Master, dept: Department, styles: _Styles, counts: dict[str, int] | None,
                 moved: list[Moved] | None = None) -> None:
    g = _Guide(ws, styles)
    years = master.years
    g.title(f"{master.city} 一体策定調書 記入要領（{dept.name}）")
    g.para(f"対象計画: {master.plan_name} 実施計画（{years[0]}〜{years[-1]}年度）、{master.resilience_name}、{master.strategy_name}")
    g.para(f"所管課: {dept.bureau} {dept.name}（課コード {dept.code}）　金額の単位: {master.unit}")
    g.heading("この調書について")
    g.para("この調書は、総合計画 実施計画・国土強靱化地域計画・総合戦略の３つの計画に載せる事業を、１回でまとめて照会するものです。"
           "同じ事業は、どのシートでも同じ事業名・事業IDで記入してください。")
    g.para("各シートの１行目（見出し）は変更しないでください。列の追加・削除もできません。行が足りないときは行を挿入してください。"
           "使わないシートは削除して構いません。セルを選ぶと記入方法が表示され、▼の付く列は一覧から選べます。")
    g.para("見出しの色: 橙色の列は必須項目、青色の列は任意項目です（該当しない場合は空欄で構いません）。",
           styles.get(text_wrap=True, bold=True))
    if counts is not None:
        g.para(f"前回の計画に載っているこの課の事業を記入済みです（総合計画 {counts[SHEET_PLAN]} 件、国土強靱化 "
               f"{counts[SHEET_RESILIENCE]} 件、総合戦略 {counts[SHEET_STRATEGY]} 件）。新継区分は「継続」としています。"
               f"内容・事業費を今回の計画に合わせて更新し、終了した事業は行を削除してください。{years[-1]}事業費は新たに記入してください。")
    if moved:
        listed = "、".join(f"{m.name}（事業ID {m.project_id}、所管課「{m.dept}」）" for m in moved)
        g.para(f"次の事業は、前回の所管課が現在の課一覧にないため、事業IDの課コード（{dept.code}）からこの課の調書に記入しました: "
               f"{listed}。所管課を一覧から選び直してください（他の課の事業であれば{CONTACT}に連絡してください）。",
               styles.get(text_wrap=True, bold=True))
    g.heading("記入のきまり")
    for text in _rules(master):
        g.para("・" + text)
    g.heading("問い合わせ先")
    g.para(f"記入方法や一覧にないコードについては、{master.city} {CONTACT}（計画担当）までお問い合わせください。")
    for sheet in DATA_SHEETS:
        g.heading(f"「{sheet}」シートの記入方法")
        g.table(("見出し", "記入方法", "必須"), [(c.label, c.help, "必須" if c.required else "") for c in columns_for(sheet, years)])
    _write_code_lists(g, master)
    ws.protect("", {"format_columns": True, "format_rows": True})
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def _rules(master: Master) -> tuple[str, ...]:
    first, last = master.years[0], master.years[-1]
    return (
        f"事業費（{first}〜{last}）: 実施しない年度は空欄、費用をかけずに実施する年度は 0 を記入します。"
        "空欄か 0 かで計画書の実施年度（■印）が決まります。金額は千円単位の数値で記入します。",
        f"財源: 財源_国県支出金・地方債・その他・一般財源は {first} 年度事業費の内訳です。記入する場合は、４つの合計が"
        f"「{first}事業費（千円）」と一致するようにしてください。",
        "再掲: １つの事業を複数の施策に載せるときは、主となる施策の行の「再掲施策コード」に他の施策コードを記入します。"
        "別の行として書く場合は、事業名の末尾に（再掲）を付け（例: 雨水排水施設整備事業（再掲））、事業費は主となる行だけに記入します。",
        "事業IDによるつながり: 同じ事業を「国土強靱化」「総合戦略」シートにも書くときは、「総合計画」シートと同じ事業IDを"
        "▼から選びます。新しい事業は事業IDを空欄にし、どのシートでも同じ事業名・所管課で記入してください（集約時に付番されます）。",
        "コード: 複数のコード（リスクシナリオ、再掲施策コード、SDGs、具体的施策コード）は「、」で区切ります（例: 1-3、2-1）。"
        "使えるコードはこのシートの下の一覧のとおりです。",
        f"○印: 国補正予算・重点・デジタル活用・総合戦略KPIは、該当する場合に ○ を選びます。新継区分は {'・'.join(STATUSES)}、"
        f"事業主体は {'・'.join(ACTORS)}（空欄は市）から選びます。",
        "年度: R7・令和7年度・2025 のいずれかの形で記入します。",
    )


def _write_code_lists(g: _Guide, master: Master) -> None:
    g.heading("施策体系（施策コード・展開方向コード）")
    rows: list[tuple[str, ...]] = []
    for policy in master.policies.values():
        rows.append((f"基本政策 {policy.code}　{policy.name}",))
        for code in policy.measures:
            m = master.measures[code]
            rows.append((m.code, m.name, m.lead_dept))
            rows.extend((d.code, f"　└ {d.name}", "") for d in m.directions)
    g.table(("施策・展開方向コード", "施策名・展開方向名", "主担当課"), rows)
    g.heading("リスクシナリオ（起きてはならない最悪の事態）")
    rows = []
    for goal, text in master.risk_goals.items():
        rows.append((f"目標 {goal}　{text}",))
        rows.extend((s.code, s.text) for s in master.scenarios.values() if s.goal_code == goal)
    rows.extend((s.code, s.text) for s in master.scenarios.values() if s.goal_code not in master.risk_goals)
    g.table(("番号", "起きてはならない最悪の事態"), rows)
    g.heading("総合戦略（基本目標番号・具体的施策コード）")
    rows = []
    for goal in master.goals.values():
        rows.append((f"基本目標 {goal.code}　{goal.name}",))
        rows.extend((m.code, m.name) for m in goal.measures)
    g.table(("具体的施策コード", "具体的施策"), rows)
    g.heading("会計")
    g.para("、".join(master.accounts) or "（計画マスタに会計がありません）")
    g.heading("SDGs（ゴール番号）")
    g.table(("番号", "ゴール"), [(str(i), name) for i, name in enumerate(SDG_NAMES, start=1)])
