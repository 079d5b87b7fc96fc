"""A tiny 計画マスタ.xlsx with every sheet of DESIGN §2.1, built with openpyxl for tests.

Import `write_master` (plain function) or use the `master_path` fixture by importing it into a test module.
Codes are written as text cells, as a planning division would type them in a text-formatted column.
"""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

CITY = "テスト市"
DEPARTMENTS = (("総務部", "防災危機管理課", "0301"), ("土木部", "河川課", "0501"), ("子ども部", "子ども家庭課", "0201"))
MEASURE_ROWS = (
    ("1", "子ども・子育て", "1-1", "子育て支援", "1-1-1", "子育て支援の充実", "子ども家庭課"),
    ("3", "安全・安心", "3-1", "防災・減災", "3-1-1", "地域防災力の向上", "防災危機管理課"),
    ("3", "安全・安心", "3-1", "防災・減災", "3-1-2", "災害情報の伝達", "防災危機管理課"),
    ("3", "安全・安心", "3-4", "河川・排水", "3-4-1", "雨水排水施設の整備", "河川課"),
    ("3", "安全・安心", "3-5", "消防・救急", "", "", "防災危機管理課"),
)
SCENARIO_ROWS = (
    ("1", "直接死を最大限防ぐ", "1-1", "建築物や不特定多数が集まる施設の倒壊による多数の死傷者の発生"),
    ("1", "直接死を最大限防ぐ", "1-3", "異常気象等による広域かつ長期的な市街地等の浸水"),
    ("2", "救助・救急、医療活動が迅速に行われる", "2-1", "生命に関わる物資・エネルギー供給の停止"),
)
GOAL_ROWS = (
    ("1", "しごとをつくり安心して働けるようにする", "1-1", "地域産業の振興", "市内事業所数 3,000"),
    ("2", "結婚・出産・子育ての希望をかなえる", "2-1", "子育て世代への切れ目ない支援", "合計特殊出生率 1.45"),
    ("2", "結婚・出産・子育ての希望をかなえる", "2-2", "子育てのデジタル化", ""),
)
ACCOUNTS = ("一般", "下水道", "国民健康保険")


def write_master(path: Path, start: str = "R8", end: str = "R10") -> Path:
    """Write the master workbook to `path` (a file or a directory → 計画マスタ.xlsx) and return its path."""
    path = Path(path)
    if path.is_dir():
        path = path / "計画マスタ.xlsx"
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    info = [("自治体名", CITY), ("総合計画名", "第5次テスト市総合計画"), ("強靱化計画名", "テスト市国土強靱化地域計画"),
            ("総合戦略名", "第2期テスト市総合戦略"), ("計画年度", start), ("計画期間終了", end), ("金額単位", "千円")]
    _sheet(wb, "基本情報", ("項目", "値"), info)
    _sheet(wb, "施策体系", ("基本政策番号", "基本政策名", "施策コード", "施策名", "展開方向コード", "展開方向名", "主担当課"), MEASURE_ROWS)
    _sheet(wb, "リスクシナリオ", ("目標番号", "事前に備えるべき目標", "リスクシナリオ番号", "起きてはならない最悪の事態"), SCENARIO_ROWS)
    _sheet(wb, "総合戦略", ("基本目標番号", "基本目標", "具体的施策コード", "具体的施策", "数値目標"), GOAL_ROWS)
    _sheet(wb, "課一覧", ("部局", "課", "課コード"), DEPARTMENTS)
    _sheet(wb, "会計", ("会計",), [(a,) for a in ACCOUNTS])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _sheet(wb: openpyxl.Workbook, name: str, header: tuple[str, ...], rows) -> None:
    ws = wb.create_sheet(name)
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    for row in ws.iter_rows():
        for cell in row:
            cell.number_format = "@"


@pytest.fixture
def master_path(tmp_path: Path) -> Path:
    return write_master(tmp_path / "master" / "計画マスタ.xlsx")
