"""計画マスタ.xlsx as a planning division types it: numbers where codes are digits, a title above the
header, a blank first column, a date for the plan year.  It loads as the all-text master does."""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import openpyxl

from compiler.master import load_master
from tests.master_fixture import write_master


def _retype(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str) and cell.value.isdigit() and not cell.value.startswith("0"):
                    cell.value = int(cell.value)
                    cell.number_format = "General"
        ws.insert_rows(1)
        ws.insert_cols(1)
        ws["B1"] = f"{ws.title}（令和7年4月1日現在）"
        ws["A1"] = dt.date(2025, 4, 1)
    wb.save(path)


def test_numbers_titles_and_dates_load_as_the_text_master(tmp_path: Path) -> None:
    text = load_master(write_master(tmp_path / "a" / "計画マスタ.xlsx"))
    typed_path = write_master(tmp_path / "b" / "計画マスタ.xlsx")
    _retype(typed_path)
    ws = openpyxl.load_workbook(typed_path)["施策体系"]
    assert all(isinstance(ws.cell(r, 2).value, (int, float)) for r in range(3, 8))  # the codes are numbers now
    typed = load_master(typed_path)
    assert typed.years == text.years == ("R8", "R9", "R10")
    assert dataclasses.replace(typed, path=text.path) == text


def test_the_start_up_path_imports_no_heavy_library() -> None:
    """Until the 課's workbooks are being read, a compile imports neither openpyxl (nor numpy behind it) nor
    pandas: the read workers start that much sooner, and those imports happen while they read
    (build.LATER_STAGES)."""
    import subprocess
    import sys

    code = ("import sys, compiler.cli, compiler.build, compiler.master, compiler.read; "
            "print(sorted(m for m in ('openpyxl', 'numpy', 'pandas', 'lxml') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_sheet_that_cannot_be_parsed_is_a_message_naming_it(tmp_path: Path, monkeypatch) -> None:
    """calamine failing on one sheet (here: asked for one it lacks) is a MasterError naming the file and sheet."""
    import pytest

    from compiler import master as master_module

    path = write_master(tmp_path / "a" / "計画マスタ.xlsx")
    real = master_module._Sheets.rows
    monkeypatch.setattr(master_module._Sheets, "rows", lambda self, sheet: real(self, sheet) if sheet != "課一覧"
                        else real(self, "存在しないシート"))
    with pytest.raises(master_module.MasterError, match="計画マスタ.xlsx シート「存在しないシート」を読み込めません"):
        load_master(path)
