"""Build tiny cycles (master + department workbooks) on disk for pipeline tests."""
from __future__ import annotations

from pathlib import Path

import openpyxl

from compiler.models import SHEET_KPI, SHEET_PLAN, SHEET_RESILIENCE, SHEET_STRATEGY
from compiler.schema import columns_for

YEARS = ("R7", "R8", "R9")

MASTER = {
    "基本情報": [("項目", "値"), ("自治体名", "テスト市"), ("総合計画名", "第5次テスト市総合計画"),
                ("強靱化計画名", "テスト市国土強靱化地域計画"), ("総合戦略名", "第2期テスト市総合戦略"),
                ("計画年度", "R7"), ("計画期間終了", "R9"), ("金額単位", "千円")],
    "施策体系": [("基本政策番号", "基本政策名", "施策コード", "施策名", "展開方向コード", "展開方向名", "主担当課"),
              ("1", "子ども・子育て", "1-1", "子育て支援", "1-1-1", "子育て支援の充実", "子ども家庭課"),
              ("3", "安全・安心", "3-1", "防災・減災", "3-1-1", "地域防災力の向上", "防災危機管理課"),
              ("3", "安全・安心", "3-4", "河川・排水", "3-4-1", "雨水排水施設の整備", "河川課"),
              ("3", "安全・安心", "3-4", "河川・排水", "3-4-2", "河川の維持管理", "河川課")],
    "リスクシナリオ": [("目標番号", "事前に備えるべき目標", "リスクシナリオ番号", "起きてはならない最悪の事態"),
                  ("1", "直接死を最大限防ぐ", "1-1", "建築物の倒壊による多数の死傷者の発生"),
                  ("1", "直接死を最大限防ぐ", "1-3", "異常気象等による広域かつ長期的な市街地等の浸水"),
                  ("2", "救助・救急活動が迅速に行われる", "2-1", "生命に関わる物資供給の長期停止")],
    "総合戦略": [("基本目標番号", "基本目標", "具体的施策コード", "具体的施策", "数値目標"),
             ("1", "稼ぐ地域をつくる", "1-1", "地域産業の振興", "市内従業者数 30,000人"),
             ("3", "結婚・出産・子育ての希望をかなえる", "3-1", "切れ目ない子育て支援", "合計特殊出生率 1.45"),
             ("4", "安心なくらしを守る", "4-1", "安全・安心な暮らし", "住み続けたい割合 85%")],
    "課一覧": [("部局", "課", "課コード"), ("総務部", "防災危機管理課", "0101"), ("子ども部", "子ども家庭課", "0301"),
            ("土木部", "河川課", "0501"), ("土木部", "道路課", "0502")],
    "会計": [("会計",), ("一般",), ("下水道",)],
}


def write_master(path: Path, *, drop_sheet: str | None = None, extra_rows: dict | None = None) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet, rows in MASTER.items():
        if sheet == drop_sheet:
            continue
        ws = wb.create_sheet(sheet)
        for r in rows + list((extra_rows or {}).get(sheet, [])):
            ws.append(list(r))
        for row in ws.iter_rows():
            for c in row:
                c.number_format = "@"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def labels(sheet: str) -> dict[str, str]:
    return {c.key: c.label for c in columns_for(sheet, YEARS)}


def write_book(path: Path, sheets: dict[str, list[dict[str, object]]], *, header_row: int = 1,
               title: str | None = None) -> Path:
    """sheets: sheet name -> rows as {field key or label: value}.  Every template column is written."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet, rows in sheets.items():
        ws = wb.create_sheet(sheet)
        cols = columns_for(sheet, YEARS) if sheet in (SHEET_PLAN, SHEET_RESILIENCE, SHEET_STRATEGY, SHEET_KPI) else ()
        header = [c.label for c in cols]
        keymap = {c.key: c.label for c in cols}
        extra = [k for r in rows for k in r if k not in keymap and k not in header]
        for k in extra:
            if k not in header:
                header.append(k)
        if title:
            ws.cell(1, 1, title)
        for j, h in enumerate(header, start=1):
            ws.cell(header_row, j, h)
        for i, r in enumerate(rows, start=header_row + 1):
            for k, v in r.items():
                label = keymap.get(k, k)
                c = ws.cell(i, header.index(label) + 1, v)
                if isinstance(v, str):
                    c.number_format = "@"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def plan_row(name: str, dept: str = "河川課", measure: str = "3-4", **kw: object) -> dict[str, object]:
    row: dict[str, object] = {"name": name, "dept": dept, "measure": measure, "status": "継続",
                              "content": f"{name}を実施する。", "account": "一般"}
    row.update(kw)
    return row


def make_cycle(root: Path, books: dict[str, dict[str, list[dict[str, object]]]], **master_kw: object) -> Path:
    write_master(root / "計画マスタ.xlsx", **master_kw)  # type: ignore[arg-type]
    for name, sheets in books.items():
        write_book(root / "提出" / name, sheets)
    return root
