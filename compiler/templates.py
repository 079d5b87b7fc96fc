"""`make templates`: one department workbook (調書) per 課 of the master (DESIGN §2.2).

Sheets: 記入要領, 総合計画, 国土強靱化, 総合戦略, 成果指標 and the hidden `リスト` sheet whose
columns back the dropdowns through defined names.  Headers, widths and help texts come from
schema.py; with a previous compile each 課's projects are pre-filled.  Output is byte-stable.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field as dc_field
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from .models import DATA_SHEETS, SHEET_KPI, SHEET_PLAN, SHEET_RESILIENCE, SHEET_STRATEGY, Department, Master
from .normalise import STATUSES
from .previous import field
from .schema import ACTUAL_KINDS, CODES, FLAG, OUTLOOKS, PROGRESS, SDGS, Column, columns_for
from .template_common import (ACTORS, CONTACT, GUIDE_SHEET, LINE_HEIGHT, LIST_SHEET, Styles, TemplateWriteError, lines,
                              ok)
from .template_carry import (CARRY, FLAG_MARK, NOTHING, SETTLED, Carried, Moved, is_yes, prefill_indicators, prefill_rows,
                             read_previous)
from .template_guide import write_guide

INPUT_ROWS = 500  # blank, unlocked rows offered below the header (more when pre-filled)
SPARE_ROWS = 100  # blank rows kept below pre-filled ones
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True}
FIXED_DATE = dt.datetime(2025, 1, 1)
TRENDS = ("増加", "減少", "維持")
LAST_COL = 16_383  # XFD
FREEZE_COLS = {SHEET_PLAN: 2, SHEET_RESILIENCE: 2, SHEET_STRATEGY: 2}  # 事業ID and 事業名 stay visible


MULTI_CODE_NOTE = "複数該当する場合は「1、3」のように「、」で区切って入力できます（「はい」で続行）。"
FLAG_NOTE = "該当する場合は ○ を選びます。〇・◯ も ○ として読み取ります（「はい」で続行）。"
TREND_NOTE = "増加・減少・維持から選びます。一覧にない書き方も使えます（「はい」で続行）。"


@dataclass(frozen=True)
class Choice:
    """One dropdown list: a column of the hidden sheet behind a defined name."""

    name: str  # defined name, e.g. LIST_MEASURE
    title: str  # header of its column on the hidden sheet
    values: tuple[str, ...]
    strict: bool = True  # stop on other values; False = warn, with `note` as the message
    note: str = MULTI_CODE_NOTE


@dataclass
class TemplateRun:
    """What `make templates` wrote, and the previous projects it had to place by their 事業ID."""

    paths: list[Path]
    moved: list[Moved] = dc_field(default_factory=list)  # placed in the workbook of their 課コード
    lost_indicators: list[Moved] = dc_field(default_factory=list)  # 成果指標 no 課 of the 課一覧 could take

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
    prev = read_previous(master, previous)
    paths = []
    for dept in master.departments.values():
        path = out_dir / template_file_name(dept)
        mine = [m for m in prev.moved if m.to == dept.name]
        _write_atomic(path, master, dept, prev.by_dept.get(dept.name, NOTHING), previous is not None, mine)
        paths.append(path)
    return TemplateRun(paths, prev.moved, prev.lost_indicators)


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
    if run.lost_indicators:
        lines.append(f"転記できなかった成果指標 {len(run.lost_indicators)} 件（所管課も施策の主担当課も課一覧にありません。"
                     "担当の課に直接記入を依頼してください）:")
        lines += [f"  {m.name}（施策 {m.project_id}、所管課「{m.dept}」）" for m in run.lost_indicators]
    return lines


def template_file_name(dept: Department) -> str:
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", dept.name)
    return f"{dept.code}_{safe}.xlsx" if dept.code else f"{safe}.xlsx"


def _write_atomic(path: Path, master: Master, dept: Department, carried: Carried, has_previous: bool,
                  moved: list[Moved] | None = None) -> None:
    tmp = path.with_name(f".{path.stem}.tmp.xlsx")
    try:
        _write_workbook(tmp, master, dept, carried, has_previous, moved or [])
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _write_workbook(path: Path, master: Master, dept: Department, carried: Carried, has_previous: bool,
                    moved: list[Moved]) -> None:
    records = carried.projects
    prefill = {sheet: prefill_rows(master, sheet, records) for sheet in CARRY}
    prefill[SHEET_KPI] = prefill_indicators(master, carried.indicators)
    n_rows = max([INPUT_ROWS] + [len(rows) + SPARE_ROWS for rows in prefill.values()])
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    wb.set_properties({"title": f"{dept.name} 一体策定調書（{master.first_year}）", "author": f"{master.city} {CONTACT}",
                       "company": master.city, "created": FIXED_DATE})
    styles = Styles(wb)
    guide = wb.add_worksheet(GUIDE_SHEET)
    data = {sheet: wb.add_worksheet(sheet) for sheet in DATA_SHEETS}
    lists = wb.add_worksheet(LIST_SHEET)
    choices = _choices(master, dept)
    _write_lists(wb, lists, choices, styles)
    for sheet, ws in data.items():
        _write_data_sheet(ws, sheet, master, choices, styles, n_rows, prefill.get(sheet, []))
    # projects, not rows: the 総合戦略 sheet has a row per KPI
    counts = None
    if has_previous:
        counts = {sheet: sum(1 for rec in records if is_yes(field(rec, sheet))) for sheet in CARRY}
        counts[SHEET_KPI] = len(prefill[SHEET_KPI])
        counts[SETTLED] = sum(1 for row in prefill[SHEET_PLAN] if row.get(SETTLED) not in (None, ""))
    write_guide(guide, master, dept, styles, counts, moved)
    wb.close()


# ------------------------------------------------------------------ styles and lists
SHARED_LISTS = {"kpi_actual_kind": "actual_kind"}  # columns of other sheets that use the same list


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
        "progress": Choice("LIST_PROGRESS", "進捗状況", PROGRESS),
        "outlook": Choice("LIST_OUTLOOK", "今後の方向性", OUTLOOKS),
        "actual_kind": Choice("LIST_ACTUAL_KIND", "実績区分", ACTUAL_KINDS),
    }


def _write_lists(wb: Workbook, ws: Worksheet, choices: dict[str, Choice], styles: Styles) -> None:
    for c, choice in enumerate(choices.values()):
        ok(ws.write_string(0, c, choice.title, styles.get(bold=True)), LIST_SHEET, 0, c, "write_string")
        ok(ws.set_column(c, c, 16, styles.get(num_format="@")), LIST_SHEET, 0, c, "set_column")
        for r, value in enumerate(choice.values, start=1):
            ok(ws.write_string(r, c, value), LIST_SHEET, r, c, "write_string")
        if choice.values:
            first, last = xl_rowcol_to_cell(1, c, True, True), xl_rowcol_to_cell(len(choice.values), c, True, True)
            rc = wb.define_name(choice.name, f"={quote_sheetname(LIST_SHEET)}!{first}:{last}")
            ok(rc, LIST_SHEET, 1, c, f"define_name {choice.name}")
    ws.protect("", {"format_columns": True})
    ws.hide()


# ------------------------------------------------------------------ data sheets
def _write_data_sheet(ws: Worksheet, sheet: str, master: Master, choices: dict[str, Choice], styles: Styles,
                      n_rows: int, rows: list[dict[str, object]]) -> None:
    columns = columns_for(sheet, master.years)
    ok(ws.set_row(0, 36), sheet, 0, 0, "set_row")
    for c, col in enumerate(columns):
        body = styles.body(col)
        ok(ws.set_column(c, c, col.width, body), sheet, 0, c, "set_column")
        ok(ws.write_string(0, c, col.label, styles.header(col.required)), sheet, 0, c, "write_string")
        for r in range(1, n_rows + 1):
            value = rows[r - 1].get(col.key) if r <= len(rows) else None
            _write_value(ws, sheet, r, c, value, body)
        ok(ws.data_validation(1, c, n_rows, c, _validation(sheet, col, choices, n_rows)), sheet, 1, c, "data_validation")
    _unlock_right_of(ws, sheet, len(columns), styles)
    for r, row in enumerate(rows, start=1):  # pre-filled long texts: programs' wrapped rows do not grow
        n = max([lines(str(row.get(c.key) or ""), c.width) for c in columns if c.width >= 20] + [1])
        if n > 1:
            ok(ws.set_row(r, min(LINE_HEIGHT * n + 2, 120)), sheet, r, 0, "set_row")
    last = len(columns) - 1
    ok(ws.autofilter(0, 0, n_rows, last), sheet, 0, 0, "autofilter")
    ws.freeze_panes(1, FREEZE_COLS.get(sheet, 1))
    ws.protect("", {"autofilter": True, "sort": True, "format_cells": True, "format_columns": True,
                    "format_rows": True, "insert_rows": True, "delete_rows": True})
    # codes typed as text (事業ID, 1-3, 予算説明書頁) would each show Excel's "number stored as text" triangle
    ok(ws.ignore_errors({"number_stored_as_text": f"A1:{xl_rowcol_to_cell(n_rows, last)}"}), sheet, 0, 0, "ignore_errors")
    ws.hide_gridlines(0)  # grid lines on screen and on paper
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ok(ws.repeat_rows(0), sheet, 0, 0, "repeat_rows")


def _unlock_right_of(ws: Worksheet, sheet: str, first_col: int, styles: Styles) -> None:
    """Columns right of the table unlocked too: Excel deletes a row of a protected sheet only when
    every cell of the row is unlocked.  xlsxwriter takes a formatted column as part of the used range
    and then visits all 16,384 columns of every row when writing the sheet (20 s a workbook), so the
    sheet's dimension is put back to the table: the <col> entry is written from the column info."""
    width = getattr(ws, "dim_colmax", None)
    ok(ws.set_column(first_col, LAST_COL, None, styles.get(locked=False)), sheet, 0, first_col, "set_column")
    if isinstance(width, int):
        ws.dim_colmax = width


def _write_value(ws: Worksheet, sheet: str, r: int, c: int, value: object, fmt: object) -> None:
    if value is None or value == "":
        ok(ws.write_blank(r, c, None, fmt), sheet, r, c, "write_blank")
    elif isinstance(value, (int, float)):
        ok(ws.write_number(r, c, value, fmt), sheet, r, c, "write_number")
    else:
        ok(ws.write_string(r, c, str(value), fmt), sheet, r, c, "write_string")


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
    choice = choices.get("flag" if col.kind == FLAG else SHARED_LISTS.get(col.key, col.key))
    if choice is None or not choice.values:
        return {**base, "validate": "any"}
    if choice.strict:
        return {**base, "validate": "list", "source": f"={choice.name}", "error_type": "stop",
                "error_title": "一覧にない値です",
                "error_message": f"「{col.label}」は一覧（▼）から選んでください。一覧にない値が必要な場合は{CONTACT}に相談してください。"}
    return {**base, "validate": "list", "source": f"={choice.name}", "error_type": "warning",
            "error_title": "一覧にない値です",
            "error_message": f"「{col.label}」は一覧（▼）から選びます。{choice.note}"}



__all__ = ["GUIDE_SHEET", "INPUT_ROWS", "LIST_SHEET", "TemplateWriteError", "make_templates", "moved_lines",
           "template_file_name", "write_templates"]
