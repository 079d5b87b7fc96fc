"""重複判定.xlsx: reviewer decisions on duplicate candidates (DESIGN §2.3)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .guard import FileRefused, check_package
from .normalise import clean_text, match_key, nfkc
from .problems import Report
from .schema import label_key
from .sheetxml import column_letter
from .validate import dept_key

DECISION_FILE = "重複判定.xlsx"
SAME, APART = "同一", "別"
HEADERS = ("事業名A", "所管課A", "事業名B", "所管課B", "判定")


@dataclass(frozen=True)
class Decision:
    a: tuple[str, str]  # (dept key, match key)
    b: tuple[str, str]
    same: bool
    row: int
    label: str  # "5 行目（事業名A／事業名B）" for messages
    written: tuple[str, str, str, str] = ("", "", "", "")  # 事業名A, 所管課A, 事業名B, 所管課B as written

    @property
    def verdict(self) -> str:
        return SAME if self.same else APART


def side(name: str, dept: str) -> tuple[str, str]:
    return (dept_key(dept), match_key(name))


def _letter(col0: int) -> str:
    return column_letter(col0 + 1)


def load_decisions(path: Path, report: Report) -> list[Decision]:
    if not path.is_file():
        return []
    try:
        check_package(path, strict=True)
    except FileRefused as exc:
        report.add(exc.code, file=path.name, detail=exc.detail)
        return []
    import openpyxl  # imported when used: not on the start-up path of every compile (see build.LATER_STAGES)

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001
        report.add("file-unreadable", file=path.name, detail=type(exc).__name__)
        return []
    try:
        ws = wb["重複候補"] if "重複候補" in wb.sheetnames else wb.worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
    finally:
        wb.close()
    wanted = [label_key(h) for h in HEADERS]
    out: list[Decision] = []
    for h, row in enumerate(rows[:10]):
        keys = [label_key(v) for v in row]
        if all(w in keys for w in wanted):
            idx = [keys.index(w) for w in wanted]
            for r, data in enumerate(rows[h + 1:], start=h + 2):
                cells = [clean_text(data[i]) if i < len(data) else "" for i in idx]
                name_a, dept_a, name_b, dept_b, verdict = cells
                if not any(cells):
                    continue
                verdict = nfkc(verdict).strip()
                if verdict == "":
                    continue  # not decided yet
                if verdict not in (SAME, APART):
                    report.add("decision-bad", file=path.name, sheet=ws.title, cell=f"E{r}", column="判定",
                               value=verdict)
                    continue
                if not (name_a and dept_a and name_b and dept_b):
                    blank = HEADERS[cells.index("")]
                    report.add("decision-incomplete", file=path.name, sheet=ws.title,
                               cell=f"{_letter(idx[cells.index('')])}{r}", column=blank, value=verdict)
                    continue
                out.append(Decision(side(name_a, dept_a), side(name_b, dept_b), verdict == SAME, r,
                                    f"{r} 行目（{name_a}／{name_b}）", (name_a, dept_a, name_b, dept_b)))
            return out
    report.add("decision-bad", file=path.name, sheet=ws.title, cell="A1", column="見出し",
               value="・".join(HEADERS) + " の見出しがありません")
    return out
