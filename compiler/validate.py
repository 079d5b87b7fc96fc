"""Validate stage: raw rows → normalised InputRows and MeasureKpis, every problem collected.

Lazy validation: a row is checked completely and all its problems are recorded; a row is
only excluded when it has no 事業名 or no 所管課 (it cannot be placed in any project).
"""
from __future__ import annotations

import datetime as _dt
import functools
import re
from dataclasses import dataclass, field

from . import normalise as N
from .models import (SHEET_KPI, SHEET_PLAN, SHEET_RESILIENCE, SHEET_STRATEGY, DATA_SHEETS,
                     FUNDING_KEYS, InputRow, Master, MeasureKpi, Origin, SourceFile)
from .problems import ACTION_REVIEW, ERROR, Report
from .read import RawRow, RawSheet, RawWorkbook
from .ratings import read_number, unit_contradicts
from .schema import (ACTUAL_KINDS, CODE, CODES, FLAG, MONEY, OUTLOOKS, PROGRESS, SDGS, STATUS, TEXT, YEAR, Column,
                     columns_for)
from .sheetxml import column_letter

NAME_LIMIT = 200
TEXT_LIMIT = 4000
_WS = re.compile(r"\s+")


def letter(col0: int) -> str:
    """0-based column → Excel letters."""
    return column_letter(col0 + 1)


@functools.lru_cache(maxsize=4096)
def dept_key(name: str) -> str:
    """所管課 as compared across rows and with the master: NFKC, white space removed."""
    return _WS.sub("", N.nfkc(name))


def account_key(name: str) -> str:
    """会計 as compared with the master: `一般会計` `一般 ` `下水道事業会計` match `一般` `下水道事業`."""
    key = dept_key(name)
    return key.removesuffix("会計") or key


# a row is placed in a project by these two fields; a sheet without either column cannot be read
_PLACING_KEYS = ("name", "dept")
_MISSING_EXCLUDED = "このシートの行は取り込んでいません。"
_MISSING_KEPT = "このシートの行は取り込みましたが、すべて要確認としています。"


@dataclass
class Validated:
    files: list[SourceFile] = field(default_factory=list)
    rows: list[InputRow] = field(default_factory=list)  # project-sheet rows that reach a project
    kpis: list[MeasureKpi] = field(default_factory=list)
    rows_read: int = 0  # non-blank rows of the three project sheets
    excluded: list[Origin] = field(default_factory=list)
    kpi_rows_read: int = 0
    kpi_excluded: list[Origin] = field(default_factory=list)


class _RowCheck:
    """Collects the problems of one row, remembering whether any is an error."""

    def __init__(self, report: Report, file: str, sheet: str, row: int, cols: dict[str, int],
                 labels: dict[str, str], letters: dict[str, str] | None = None) -> None:
        self.report, self.file, self.sheet, self.row = report, file, sheet, row
        self.cols, self.labels = cols, labels
        # field key -> column letter, computed once per sheet by the caller
        self.letters = letters if letters is not None else {k: letter(c) for k, c in cols.items()}
        self.has_error = False
        self.bad: set[str] = set()  # field keys with an error on this row

    def cell(self, key: str) -> str:
        col = self.letters.get(key)
        return f"{col}{self.row}" if col is not None else f"A{self.row}"

    def add(self, code: str, key: str = "", value: object = "", detail: object = "", cell: str = "") -> None:
        p = self.report.add(code, file=self.file, sheet=self.sheet, cell=cell or self.cell(key),
                            column=self.labels.get(key, ""), value=value, detail=detail)
        if p.severity == ERROR and p.action != "除外":
            self.has_error = True
            if key:
                self.bad.add(key)


def _date_as_code(value: object) -> str:
    """Excel turned `1-3` into 3 January: give the code back."""
    assert isinstance(value, (_dt.date, _dt.datetime))
    return f"{value.month}-{value.day}"


# what _parse returns for a blank cell (None), per kind: the same values the parsers give,
# without running them (about half the cells of a real sheet are blank)
_BLANK = {TEXT: "", CODE: "", CODES: (), SDGS: (), MONEY: None, FLAG: False, YEAR: None, STATUS: ""}


def _parse(col: Column, raw: object, chk: _RowCheck) -> object:
    if raw is None and col.kind in _BLANK:
        return _BLANK[col.kind]
    key = col.key
    kind = col.kind
    if isinstance(raw, str):
        control = N.has_control(raw)
        if control:
            chk.add("control-chars", key, value=raw[:40])  # shown with the characters as symbols
        limit = NAME_LIMIT if key in ("name", "dept") else TEXT_LIMIT
        if len(raw) > limit:
            chk.add("text-too-long", key, value=raw[:30], detail=limit)
            raw = raw[:limit]
        if kind == TEXT and not control:
            return raw.strip()  # what clean_text gives for text without control characters
    try:
        if kind == TEXT:
            return N.clean_text(raw)
        if kind == CODE:
            if isinstance(raw, (_dt.date, _dt.datetime)):
                code = _date_as_code(raw)
                chk.add("date-in-code", key, value=N.clean_text(raw), detail=code)
                return code
            code = N.norm_id(raw) if key == "id" else N.norm_code(raw)
            return "" if N.is_dash_only(code) else code
        if kind == CODES:
            if isinstance(raw, (_dt.date, _dt.datetime)):
                code = _date_as_code(raw)
                chk.add("date-in-code", key, value=N.clean_text(raw), detail=code)
                return (code,)
            codes = tuple(c for c in N.split_codes(raw) if not N.is_dash_only(c))
            bad = [c for c in codes if not N.is_code(_strip_goal_prefix(c) if key == "goals" else c)]
            if bad:
                chk.add("bad-code", key, value=N.clean_text(raw))
                codes = tuple(c for c in codes if c not in bad)
            return tuple(_strip_goal_prefix(c) for c in codes) if key == "goals" else codes
        if kind == SDGS:
            return N.parse_sdgs(raw)
        if kind == MONEY:
            amount = N.parse_money(raw)
            if amount is not None and amount < 0:
                chk.add("negative-money", key, value=N.clean_text(raw))
                return None
            if amount is not None and amount > N.MAX_MONEY:
                chk.add("absurd-money", key, value=N.clean_text(raw))
                return None
            return amount
        if kind == FLAG:
            return N.parse_flag(raw)
        if kind == YEAR:
            year, was_date = N.parse_year(raw)
            if was_date:
                chk.add("date-in-year", key, value=N.clean_text(raw))
            return year
        if kind == STATUS:
            return N.parse_status(raw)
    except ValueError:
        code = {SDGS: "bad-sdg", MONEY: "bad-money", FLAG: "bad-flag", YEAR: "bad-year",
                STATUS: "bad-status"}.get(kind, "bad-code")
        chk.add(code, key, value=N.clean_text(raw))
        return False if kind == FLAG else None
    raise AssertionError(kind)


_CHOICE_ALIASES = {"計画通り": "計画どおり", "概ね計画通り": "概ね計画どおり", "おおむね計画どおり": "概ね計画どおり",
                   "おおむね計画通り": "概ね計画どおり", "休止": "休止・廃止", "廃止": "休止・廃止", "休廃止": "休止・廃止",
                   "見込": "見込み", "確定": "実績"}


def choice(text: str, options: tuple[str, ...]) -> str | None:
    """A dropdown value as written (NFKC, white space removed, common spellings), None when it is none of `options`."""
    key = _WS.sub("", N.nfkc(text)).replace("･", "・")
    key = _CHOICE_ALIASES.get(key, key)
    return key if key in options else None


def _choose(v: dict[str, object], chk: "_RowCheck", key: str, options: tuple[str, ...]) -> None:
    """A dropdown column: its value becomes the listed spelling, or blank with a bad-choice error."""
    text = str(v.get(key) or "")
    if text:
        canonical = choice(text, options)
        if canonical is None:
            chk.add("bad-choice", key, value=text, detail="・".join(options))
        v[key] = canonical or ""


def _strip_goal_prefix(code: str) -> str:
    return code.removeprefix("基本目標").removeprefix("目標")


def _parse_row(raw: RawRow, columns: tuple[Column, ...], chk: _RowCheck) -> dict[str, object]:
    given = raw.values
    values: dict[str, object] = {}
    for col in columns:
        key = col.key
        if key in given:
            value = given[key]
            values[key] = _BLANK[col.kind] if value is None else _parse(col, value, chk)
    return values


class _Validator:
    def __init__(self, master: Master, report: Report) -> None:
        self.master = master
        self.report = report
        self.depts = {dept_key(d): d for d in master.departments}
        self.accounts = {account_key(a): a for a in reversed(master.accounts)}
        self.first_year_money = frozenset([f"budget:{master.first_year}", *(f"fund:{k}" for k in FUNDING_KEYS)])
        self._file_depts: dict[str, str] = {}  # file name -> 課 it belongs to (KPI rows)

    # ------------------------------------------------------------------ files
    def book(self, book: RawWorkbook, out: Validated) -> None:
        src = SourceFile(book.path, book.name, readable=book.refused is None, return_blocker=book.return_blocker)
        out.files.append(src)
        if book.refused:
            code, detail = book.refused
            self.report.add(code, file=book.name, detail=detail)
            return
        if not book.sheets:
            src.readable = False
            self.report.add("file-no-template-sheet", file=book.name)
            return
        src.sheets = tuple(s for s in DATA_SHEETS if s in book.sheets)
        for name in src.sheets:
            self.sheet(book.name, book.sheets[name], src, out)

    def sheet(self, file: str, sheet: RawSheet, src: SourceFile, out: Validated) -> None:
        name = sheet.name
        columns = columns_for(name, self.master.years)
        labels = {c.key: c.label for c in columns}
        is_kpi = name == SHEET_KPI
        origins = [Origin(file, name, r.row) for r in sheet.rows]
        if is_kpi:
            out.kpi_rows_read += len(origins)
        else:
            out.rows_read += len(origins)
        src.rows_read += len(origins)
        placing = {labels[k] for k in _PLACING_KEYS if k in labels}
        unplaceable = sheet.header_row == 0 or bool(placing & set(sheet.missing_required))
        for label in sheet.missing_required:
            self.report.add("sheet-missing-column", file=file, sheet=name, cell=f"A{sheet.header_row or 1}",
                            column=label, detail=_MISSING_EXCLUDED if unplaceable else _MISSING_KEPT,
                            action=None if unplaceable else ACTION_REVIEW)
        if unplaceable:
            if sheet.header_row == 0:
                self.report.add("sheet-no-header", file=file, sheet=name, cell="A1", detail=len(origins))
            (out.kpi_excluded if is_kpi else out.excluded).extend(origins)
            return
        missing = tuple(sheet.missing_required)
        src.header_rows[name] = sheet.header_row
        src.columns[name] = {k: letter(c) for k, c in sheet.columns.items()}
        for label, c in sheet.unknown_columns:
            self.report.add("sheet-unknown-column", file=file, sheet=name, cell=f"{letter(c)}{sheet.header_row}",
                            column=label, detail=label, value=label)
        for label, c in sheet.duplicate_columns:
            self.report.add("sheet-duplicate-column", file=file, sheet=name, cell=f"{letter(c)}{sheet.header_row}",
                            column=label, detail=label, value=label)
        if sheet.hidden_rows:
            rows = "、".join(str(r) for r in sheet.hidden_rows[:20]) + ("…" if len(sheet.hidden_rows) > 20 else "")
            self.report.add("sheet-hidden-rows", file=file, sheet=name, cell=f"A{sheet.hidden_rows[0]}",
                            detail=f"{rows} 行目")
        formula_rows: dict[int, list[tuple[int, str]]] = {}
        for (r, c), f in sheet.formulas_without_value.items():
            formula_rows.setdefault(r, []).append((c, f))
        error_rows: dict[int, list[tuple[int, str]]] = {}
        for (r, c), t in sheet.error_cells.items():
            error_rows.setdefault(r, []).append((c, t))
        col_label = {c: labels[k] for k, c in sheet.columns.items()}
        letters = src.columns[name]
        for raw, origin in zip(sheet.rows, origins):
            chk = _RowCheck(self.report, file, name, raw.row, sheet.columns, labels, letters)
            for c, f in sorted(formula_rows.get(raw.row, [])):
                self.report.add("formula-no-value", file=file, sheet=name, cell=f"{letter(c)}{raw.row}", column=col_label.get(c, ""), value=f)
            for c, t in sorted(error_rows.get(raw.row, [])):
                self.report.add("formula-error", file=file, sheet=name, cell=f"{letter(c)}{raw.row}",
                                column=col_label.get(c, ""), value=t)
                chk.has_error = True
            values = _parse_row(raw, columns, chk)
            if missing:  # the sheet-level error stands for every row: each is flagged 要確認
                values["missing_columns"] = missing
                chk.has_error = True
            if is_kpi:
                self.kpi_row(values, origin, chk, out)
            else:
                self.project_row(name, values, origin, chk, out)

    # ------------------------------------------------------------------ rows
    def project_row(self, sheet: str, v: dict[str, object], origin: Origin, chk: _RowCheck, out: Validated) -> None:
        name = str(v.get("name") or "")
        dept = str(v.get("dept") or "")
        if not name:
            chk.add("row-no-name", "name")
            out.excluded.append(origin)
            return
        if not dept:
            chk.add("row-no-dept", "dept")
            out.excluded.append(origin)
            return
        rid = str(v.get("id") or "")
        if N.is_placeholder_id(rid):
            chk.add("id-placeholder", "id", value=rid)
            v["id"] = ""
        canonical = self.depts.get(dept_key(dept))
        if canonical is None:
            chk.add("unknown-dept", "dept", value=dept)
        else:
            v["dept"] = canonical
        if sheet == SHEET_PLAN:
            self.plan_row(v, chk)
        elif sheet == SHEET_RESILIENCE:
            self.resilience_row(v, chk)
        elif sheet == SHEET_STRATEGY:
            self.strategy_row(v, chk)
        v["relist"] = N.is_relisted_name(name)
        row = InputRow(origin, v, chk.letters, raw_name=name, has_error=chk.has_error)
        out.rows.append(row)

    def _required(self, v: dict[str, object], chk: _RowCheck, keys: tuple[str, ...]) -> None:
        for key in keys:
            if v.get(key) in (None, "", ()) and key in chk.cols:
                chk.add("required-blank", key)

    def plan_row(self, v: dict[str, object], chk: _RowCheck) -> None:
        m = self.master
        self._required(v, chk, ("measure", "status", "content", "account"))
        measure = str(v.get("measure") or "")
        if measure and measure not in m.measures:
            chk.add("unknown-measure", "measure", value=measure)
        direction = str(v.get("direction") or "")
        if direction:
            d = m.directions.get(direction)
            if d is None:
                chk.add("unknown-direction", "direction", value=direction)
            elif measure in m.measures and d.measure_code != measure:
                chk.add("direction-mismatch", "direction", value=direction, detail=measure)
        for code in v.get("relisted") or ():
            if code not in m.measures:
                chk.add("unknown-measure", "relisted", value=code)
        account = str(v.get("account") or "")
        if account and m.accounts:
            canonical = account if account in m.accounts else self.accounts.get(account_key(account))
            if canonical is None:
                chk.add("unknown-account", "account", value=account)
            else:
                v["account"] = canonical
        self.evaluation(v, chk)
        first = m.first_year
        funds = [v.get(f"fund:{k}") for k in FUNDING_KEYS]
        filled = [f for f in funds if isinstance(f, int)]
        budget = v.get(f"budget:{first}")
        if chk.bad and not chk.bad.isdisjoint(self.first_year_money):
            return  # an unreadable amount is already an error; a sum would only repeat it
        if filled:
            if budget is None:
                chk.add("funding-without-budget", f"budget:{first}")
            elif sum(filled) != budget:
                chk.add("funding-mismatch", f"budget:{first}", value=f"{budget:,}", detail=f"{sum(filled):,}")

    def evaluation(self, v: dict[str, object], chk: _RowCheck) -> None:
        """The evaluated year's columns of a 総合計画 row (進捗状況, 今後の方向性, 決算見込額)."""
        _choose(v, chk, "progress", PROGRESS)
        _choose(v, chk, "outlook", OUTLOOKS)
        status, outlook = str(v.get("status") or ""), str(v.get("outlook") or "")
        if status == "新規" and (v.get("progress") or v.get("settled") is not None):
            chk.add("progress-on-new", "progress" if v.get("progress") else "settled",
                    value=str(v.get("progress") or v.get("settled")), detail=self.master.evaluated_year)
        later = [y for y in self.master.years if v.get(f"budget:{y}") is not None]
        if outlook in ("休止・廃止", "完了") and later:
            chk.add("outlook-with-budget", "outlook", value=outlook, detail="・".join(later))
        settled, first = v.get("settled"), v.get(f"budget:{self.master.first_year}")
        unit = self.master.unit
        if isinstance(settled, int) and isinstance(first, int):
            if outlook == "拡充" and first < settled:
                chk.add("outlook-expand-lower", "outlook", value=outlook, detail=f"{first:,}{unit} < {settled:,}{unit}")
            if outlook == "縮小" and first > settled:
                chk.add("outlook-shrink-higher", "outlook", value=outlook, detail=f"{first:,}{unit} > {settled:,}{unit}")

    def actual(self, v: dict[str, object], chk: _RowCheck, keys: tuple[str, str, str], targets: tuple[object, ...]) -> None:
        """A KPI's 実績値 (keys: actual, its kind, the unit): a number, with its unit if any."""
        actual_key, kind_key, unit_key = keys
        text = str(v.get(actual_key) or "")
        _choose(v, chk, kind_key, ACTUAL_KINDS)
        if not text:
            return
        value, suffix = read_number(text)
        if value is None:
            if any(read_number(t)[0] is not None for t in targets):
                chk.add("kpi-actual-not-number", actual_key, value=text)
        elif unit_contradicts(suffix, str(v.get(unit_key) or "")):
            chk.add("kpi-unit-mismatch", actual_key, value=text, detail=str(v.get(unit_key)))

    def resilience_row(self, v: dict[str, object], chk: _RowCheck) -> None:
        self._required(v, chk, ("scenarios",))
        for code in v.get("scenarios") or ():
            if code not in self.master.scenarios:
                chk.add("unknown-scenario", "scenarios", value=code)
        if not v.get("location"):
            chk.add("no-location", "location")
        start, end = v.get("start_year"), v.get("end_year")
        if isinstance(start, int) and isinstance(end, int) and start > end:
            chk.add("year-order", "start_year", value=f"{N.year_label(start)} > {N.year_label(end)}")

    def strategy_row(self, v: dict[str, object], chk: _RowCheck) -> None:
        self._required(v, chk, ("goals",))
        for code in v.get("goals") or ():
            if code not in self.master.goals:
                chk.add("unknown-goal", "goals", value=code, detail="・".join(self.master.goals))
        for code in v.get("strategy_measures") or ():
            if code not in self.master.strategy_measures:
                chk.add("unknown-strategy-measure", "strategy_measures", value=code)
        self.actual(v, chk, ("kpi_actual", "kpi_actual_kind", "kpi_unit"), (v.get("kpi_target"), v.get("kpi_base")))
        if v.get("kpi_actual") and not v.get("kpi_name"):
            chk.add("kpi-actual-without-kpi", "kpi_actual", value=str(v.get("kpi_actual")))

    def kpi_row(self, v: dict[str, object], origin: Origin, chk: _RowCheck, out: Validated) -> None:
        name = str(v.get("name") or "")
        if not name:
            chk.add("kpi-blank", "name")
            out.kpi_excluded.append(origin)
            return
        self._required(v, chk, ("measure", "unit"))
        measure = str(v.get("measure") or "")
        if measure and measure not in self.master.measures:
            chk.add("unknown-measure", "measure", value=measure)
        self.actual(v, chk, ("actual", "actual_kind", "unit"),
                    (v.get("prior_target"), v.get("final_target"), v.get("base")))
        text = lambda k: N.clean_text(v.get(k))  # noqa: E731
        year = lambda k: N.year_label(v.get(k) if isinstance(v.get(k), int) else None)  # noqa: E731
        out.kpis.append(MeasureKpi(
            origin=origin, name=name, measure_code=measure, unit=text("unit"), base=text("base"),
            base_year=year("base_year"), targets={y: text(f"target:{y}") for y in self.master.years},
            final_target=text("final_target"), final_year=year("final_year"), source=text("source"),
            strategy_kpi=bool(v.get("strategy_kpi")), direction=text("trend"),
            dept=self._dept_of_file(origin.file), prior_target=text("prior_target"), actual=text("actual"),
            actual_kind=text("actual_kind")))

    def _dept_of_file(self, file: str) -> str:
        if file not in self._file_depts:
            self._file_depts[file] = _dept_of_file(file, self.master)
        return self._file_depts[file]


def _dept_of_file(file: str, master: Master) -> str:
    for d in master.departments.values():
        if d.name in file or (d.code and file.startswith(d.code)):
            return d.name
    return ""


def validate(books: list[RawWorkbook], master: Master, report: Report) -> Validated:
    out = Validated()
    v = _Validator(master, report)
    for book in books:
        v.book(book, out)
    return out
