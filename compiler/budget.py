"""予算事務事業.xlsx: the budget's 予算事務事業 as the city's 財務会計 system exports them (DESIGN §2.5).

The export's column labels differ between vendors: the master's optional sheet `予算列の対応`
maps them onto the fields below and declares the unit of the amount (円 or 千円); without it the
labels are the field names themselves and the amount is in 千円.  Amounts are kept in 円, so a
円 export loses nothing: totals are summed in 円 and shown in 千円 (rounded half up) at the end.

The file is optional.  A file that cannot be read, or rows that cannot be used, are reported
(file, sheet, cell) and the compile goes on: a row is either an item or listed as not used.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .guard import FileRefused, check_package
from .isolate import Pending, start_isolated
from .normalise import MAX_MONEY, clean_text, norm_code, parse_money
from .problems import Problem, Report
from .schema import label_key
from .sheetxml import column_letter

BUDGET_FILE = "予算事務事業.xlsx"
MAPPING_SHEET = "予算列の対応"
MAPPING_LABELS = ("項目", "列見出し", "単位")
YEN, THOUSAND = "円", "千円"
UNITS = {YEN: 1, THOUSAND: 1000}
# field -> whether the export must have it
FIELDS = {"コード": True, "事務事業名": True, "所管課": False, "会計": False, "款": False, "項": False, "目": False,
          "当初予算額": True}
AMOUNT = "当初予算額"
# 基本情報 items: when |plan − budget| exceeds both, the かい離 is listed
TOLERANCE_RATE_KEY = "予算かい離の許容率（%）"
TOLERANCE_AMOUNT_KEY = "予算かい離の許容額（千円）"
DEFAULT_TOLERANCE = (10.0, 1000)


class MappingError(ValueError):
    """The master's 予算列の対応 cannot be used (the message names the sheet and row)."""


@dataclass(frozen=True)
class BudgetSettings:
    labels: dict[str, str]  # field -> the export's column label
    unit: str  # 円 / 千円: the unit of the export's amount column
    rate: float  # tolerance in % of the budget figure
    amount: int  # tolerance in 千円

    @property
    def factor(self) -> int:
        return UNITS[self.unit]


def default_settings(first_year: str) -> BudgetSettings:
    labels = {f: f for f in FIELDS} | {AMOUNT: f"{first_year}{AMOUNT}"}
    return BudgetSettings(labels, THOUSAND, *DEFAULT_TOLERANCE)


def read_settings(mapping: list[tuple[int, dict[str, str]]] | None, info: dict[str, str], first_year: str,
                  where: str) -> BudgetSettings:
    """The settings from the master: `mapping` are the rows of 予算列の対応 (None without the sheet),
    `info` the 基本情報 items.  Raises MappingError naming the row."""
    base = default_settings(first_year)
    labels, unit = dict(base.labels), base.unit
    for r, rec in mapping or ():
        name = label_key(rec["項目"]).removeprefix(first_year)
        if name not in FIELDS:
            raise MappingError(f"{where} シート「{MAPPING_SHEET}」{r} 行目: 項目「{rec['項目']}」は対応できる項目"
                               f"（{'・'.join(FIELDS)}）ではありません。")
        if not rec["列見出し"]:
            raise MappingError(f"{where} シート「{MAPPING_SHEET}」{r} 行目: 項目「{name}」の列見出しがありません。")
        labels[name] = rec["列見出し"]
        if name == AMOUNT and rec["単位"]:
            unit = label_key(rec["単位"]).strip("()（）")
            if unit not in UNITS:
                raise MappingError(f"{where} シート「{MAPPING_SHEET}」{r} 行目: 単位「{rec['単位']}」には対応していません。"
                                   "「円」か「千円」と記入してください。")
    rate, amount = base.rate, base.amount
    for key, default in ((TOLERANCE_RATE_KEY, rate), (TOLERANCE_AMOUNT_KEY, amount)):
        text = info.get(key, "")
        if not text:
            continue
        try:
            value = float(text.replace(",", "").removesuffix("%").removesuffix("％"))
        except ValueError:
            raise MappingError(f"{where} シート「基本情報」: 項目「{key}」の値「{text}」を数値として読み取れません。") from None
        if value < 0:
            raise MappingError(f"{where} シート「基本情報」: 項目「{key}」は 0 以上にしてください。")
        if key == TOLERANCE_RATE_KEY:
            rate = value
        else:
            amount = int(value)
    return BudgetSettings(labels, unit, rate, amount)


@dataclass(frozen=True)
class BudgetItem:
    code: str
    name: str
    dept: str
    account: str
    kan: str  # 款
    kou: str  # 項
    moku: str  # 目
    yen: int | None  # 当初予算額 in 円 (None: blank)
    row: int  # the Excel row of the export


@dataclass
class BudgetBook:
    file: str
    sheet: str
    items: list[BudgetItem] = field(default_factory=list)
    rows_read: int = 0
    rows_unused: int = 0
    settings: BudgetSettings | None = None

    def by_code(self) -> dict[str, BudgetItem]:
        return {i.code: i for i in self.items}


def read_budget(path: Path, settings: BudgetSettings, report: Report) -> BudgetBook | None:
    """The items of the export at `path`, or None when there is no such file or it cannot be read
    (reported).  Rows without a code, with a repeated code or an unreadable amount are reported."""
    reading = start_budget_read(path, settings)
    try:
        return reading.finish(report)
    finally:
        reading.close()


@dataclass
class BudgetRead:
    """The export being read in a child process (start_budget_read); finish() gives its items."""

    path: Path
    pending: Pending[tuple[BudgetBook | None, list[Problem]]] | None

    def close(self) -> None:
        """Stop the child when finish() was never called (the compile failed before)."""
        if self.pending is not None:
            self.pending.close()

    def finish(self, report: Report) -> BudgetBook | None:
        """The items read, their problems added to `report` (None: no export, or not one to use)."""
        if self.pending is None:
            return None
        try:
            book, problems = self.pending.result()
        except FileRefused as exc:
            report.add("budget-unreadable", file=self.path.name, detail=exc.detail)
            return None
        report.extend(problems)
        return book


def start_budget_read(path: Path, settings: BudgetSettings) -> BudgetRead:
    """Start reading the export at `path` (calamine, in a child process as for the 課's workbooks), so
    that it is read while the compile goes on; nothing is started when there is no such file.
    The child reads the items too: only they and their problems come back, not every cell."""
    path = Path(path)
    return BudgetRead(path, start_isolated(_read_export, path, settings) if path.is_file() else None)


def _read_export(path: Path, settings: BudgetSettings) -> tuple[BudgetBook | None, list[Problem]]:
    """The export's items and the problems found reading them (runs in the child process)."""
    report = Report()
    for title, rows in _sheet_grids(path):
        header = _header(rows, settings)
        if header is not None:
            return _items(path.name, title, rows, *header, settings, report), report.problems
    wanted = "・".join(settings.labels[f] for f, required in FIELDS.items() if required)
    report.add("budget-no-header", file=path.name, detail=wanted)
    return None, report.problems


def _sheet_grids(path: Path) -> list[tuple[str, list[list[object]]]]:
    """Every sheet of the workbook as rows of values; FileRefused when the preflight refuses the file
    or calamine cannot read it."""
    from python_calamine import CalamineWorkbook

    from .read import cell_value

    check_package(path)
    try:
        wb = CalamineWorkbook.from_path(str(path))
        try:  # laid out from A1, so a row's index is its Excel row
            return [(title, [[cell_value(v) for v in row]
                             for row in wb.get_sheet_by_name(title).to_python(skip_empty_area=False)])
                    for title in wb.sheet_names]
        finally:
            wb.close()
    except Exception as exc:  # noqa: BLE001 - any reader failure is one message
        raise FileRefused("file-unreadable", f"Excel の内容を解釈できません: {type(exc).__name__}") from exc


def _header(rows: list[tuple], settings: BudgetSettings) -> tuple[int, dict[str, int]] | None:
    """(header row index, field -> column index) from the first 10 rows holding every required label."""
    for h, row in enumerate(rows[:10]):
        keys = [label_key(v) for v in row]
        index = {f: keys.index(label_key(settings.labels[f])) for f in FIELDS
                 if label_key(settings.labels[f]) in keys}
        if all(f in index for f, required in FIELDS.items() if required):
            return h, index
    return None


def _items(name: str, sheet: str, rows: list[tuple], h: int, index: dict[str, int], settings: BudgetSettings,
           report: Report) -> BudgetBook:
    book = BudgetBook(name, sheet, settings=settings)
    seen: dict[str, int] = {}

    def cell(f: str, r: int) -> str:
        return f"{column_letter(index[f] + 1)}{r}"

    for r, data in enumerate(rows[h + 1:], start=h + 2):
        raw = {f: data[i] if i < len(data) else None for f, i in index.items()}
        text = {f: clean_text(v) for f, v in raw.items()}
        if not any(text.values()):
            continue
        book.rows_read += 1
        code = norm_code(text["コード"])
        where = {"file": name, "sheet": sheet}
        if not code:
            report.add("budget-row-no-code", **where, cell=cell("コード", r), column=settings.labels["コード"],
                       value=text["事務事業名"] or "（名称なし）")
            book.rows_unused += 1
            continue
        if code in seen:
            report.add("budget-duplicate-code", **where, cell=cell("コード", r), column=settings.labels["コード"],
                       value=code, detail=f"{seen[code]} 行目")
            book.rows_unused += 1
            continue
        seen[code] = r
        try:
            amount = parse_money(raw[AMOUNT])
        except ValueError:
            amount = None
            report.add("budget-bad-amount", **where, cell=cell(AMOUNT, r), column=settings.labels[AMOUNT],
                       value=text[AMOUNT], detail=settings.unit)
        if amount is not None and not 0 <= amount * settings.factor <= MAX_MONEY * 1000:  # negative, or above 1兆千円
            report.add("budget-bad-amount", **where, cell=cell(AMOUNT, r), column=settings.labels[AMOUNT],
                       value=text[AMOUNT], detail=settings.unit)
            amount = None
        book.items.append(BudgetItem(
            code=code, name=text["事務事業名"], dept=text.get("所管課", ""), account=text.get("会計", ""),
            kan=text.get("款", ""), kou=text.get("項", ""), moku=text.get("目", ""),
            yen=None if amount is None else amount * settings.factor, row=r))
    return book


def thousand(yen: int | None) -> int | None:
    """円 → 千円, rounded half up (the way the budget book prints 千円)."""
    if yen is None:
        return None
    return (yen + 500) // 1000 if yen >= 0 else -((-yen + 500) // 1000)
