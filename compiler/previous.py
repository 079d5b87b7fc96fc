"""Reading a previous compile's `事業一覧` (クロスリファレンス.xlsx, DESIGN §5.1).

Used by `make templates --previous` (pre-filled department workbooks) and by the rolling-plan
comparison.  Every value comes back as text: codes such as `0301-012` or `1-3` must never become
numbers or dates, so cells are read with openpyxl and converted here, not guessed by pandas.
"""
from __future__ import annotations

import re
from pathlib import Path

from .normalise import clean_text, strip_control
from .schema import label_key

CROSSREF_FILE = "クロスリファレンス.xlsx"
PROJECT_SHEET = "事業一覧"
INDICATOR_SHEET = "成果指標一覧"
PROJECT_KEYS = ("事業ID", "事業名", "所管課")  # the header row is the one holding these labels
INDICATOR_KEYS = ("施策コード", "指標名", "所管課")
HEADER_SEARCH_ROWS = 10


class PreviousError(Exception):
    """The previous compile cannot be read; the message is for the planning division."""


def crossref_path(path: Path) -> Path:
    """A workbook path, or a directory holding クロスリファレンス.xlsx."""
    path = Path(path)
    if path.is_dir():
        path = path / CROSSREF_FILE
    if not path.is_file():
        raise PreviousError(f"前回の集約結果が見つかりません: {path}（{CROSSREF_FILE} またはそのフォルダを指定してください）")
    return path


def read_previous_projects(path: Path) -> list[dict[str, str]]:
    """One dict per project row of `事業一覧`, keyed by the header label as written, values as text."""
    return _read_sheet(crossref_path(path), PROJECT_SHEET, PROJECT_KEYS, required=True)


def read_previous_indicators(path: Path) -> list[dict[str, str]]:
    """One dict per row of `成果指標一覧` (the 施策's 成果指標 with their targets), values as text; none
    when the previous compile predates that sheet."""
    return _read_sheet(crossref_path(path), INDICATOR_SHEET, INDICATOR_KEYS, required=False)


def _read_sheet(book: Path, sheet: str, keys: tuple[str, ...], required: bool) -> list[dict[str, str]]:
    import openpyxl  # imported when used: not on the start-up path of every compile (see build.LATER_STAGES)

    try:
        wb = openpyxl.load_workbook(book, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any reader failure is one message
        raise PreviousError(f"{book.name} を読み込めません（{type(exc).__name__}）。") from exc
    try:
        if sheet not in wb.sheetnames:
            if not required:
                return []
            raise PreviousError(f"{book.name} にシート「{sheet}」がありません。")
        rows = [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()
    return _records(rows, book.name, sheet, keys)


def _records(rows: list[tuple[object, ...]], name: str, sheet: str, keys: tuple[str, ...]) -> list[dict[str, str]]:
    header_at = _header_index(rows, keys)
    if header_at is None:
        raise PreviousError(f"{name} シート「{sheet}」: 見出し行（{'・'.join(keys)}）が見つかりません。")
    labels = [clean_text(v) for v in rows[header_at]]
    columns = [(i, lab) for i, lab in enumerate(labels) if lab]
    seen: set[str] = set()
    unique = []
    for i, lab in columns:  # a repeated label: the first column wins
        if lab not in seen:
            seen.add(lab)
            unique.append((i, lab))
    out: list[dict[str, str]] = []
    for data in rows[header_at + 1:]:
        rec = {lab: cell_text(data[i]) if i < len(data) else "" for i, lab in unique}
        if any(rec.values()):
            out.append(rec)
    return out


_BUDGET_LABEL = re.compile(r"^(R\d+)事業費\((.+)\)$")  # R8事業費（千円） after label_key (NFKC)


def budget_labels(records: list[dict[str, str]]) -> dict[str, tuple[str, str]]:
    """{year: (label as written, unit)} of the yearly budget columns (R8事業費（千円）), whatever
    the unit the previous compile wrote them in (its master's 金額単位)."""
    out: dict[str, tuple[str, str]] = {}
    for lab in records[0] if records else ():
        m = _BUDGET_LABEL.match(label_key(lab))
        if m:
            out.setdefault(m.group(1), (lab, m.group(2)))
    return out


def check_unit(labels: dict[str, tuple[str, str]], unit: str, name: str) -> None:
    """Refuse a previous 事業一覧 whose amounts are in another unit than this plan's (PreviousError):
    compared as they stand, 千円 against 円 would be off by a thousand."""
    units = sorted({u for _, u in labels.values()})
    if units and units != [label_key(unit)]:
        raise PreviousError(f"{name} シート「{PROJECT_SHEET}」の事業費の単位（{'・'.join(units)}）が、計画マスタの金額単位"
                            f"（{unit}）と異なるため比較できません。同じ単位で集約し直した前年度の出力を指定してください。")


def cell_text(value: object) -> str:
    """A cell as text (clean_text), except that a cell of several lines keeps its blank lines:
    事業一覧's KPI columns hold one KPI per line, so `\nR9` (no year for the first KPI) must not
    lose its first line."""
    if isinstance(value, str) and "\n" in value.strip(" \t\u3000"):
        lines = [strip_control(line).strip() for line in value.replace("\r\n", "\n").split("\n")]
        return "\n".join(lines) if any(lines) else ""
    return clean_text(value)


def _header_index(rows: list[tuple[object, ...]], keys: tuple[str, ...]) -> int | None:
    wanted = {label_key(x) for x in keys}
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if wanted <= {label_key(v) for v in row}:
            return i
    return None


def field(record: dict[str, str], label: str) -> str:
    """A record's value for `label`, matched like template headers (NFKC, no white space)."""
    if label in record:
        return record[label]
    key = label_key(label)
    for lab, value in record.items():
        if label_key(lab) == key:
            return value
    return ""
