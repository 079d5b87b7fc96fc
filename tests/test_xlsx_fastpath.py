"""The shortcuts of xlsx/book.py and xlsx/fastsheet.py against what they stand for: safe_text, and
xlsxwriter's own cell writers and row XML (on sheets the クロスリファレンス book does not make)."""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Callable

import pytest
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from compiler.sanitize import EXCEL_MAX_CHARS, ILLEGAL_XML, safe_text
from compiler.xlsx.book import SHORT_TEXT, Book, Col, XlsxWriteError
from compiler.xlsx.fastsheet import BLANK, FAST_CELLS, FastWorksheet

pytestmark = pytest.mark.skipif(not FAST_CELLS, reason="the fast path is off with this xlsxwriter")


def test_printable_short_text_is_left_as_it_is_by_safe_text() -> None:
    """Sheet.text and Sheet.rows skip safe_text for short text that str.isprintable() passes."""
    printable_but_illegal = [hex(i) for i in range(0x110000) if ILLEGAL_XML.match(chr(i)) and chr(i).isprintable()]
    assert printable_but_illegal == []
    assert SHORT_TEXT <= EXCEL_MAX_CHARS // 2
    for text in ("事業" * (SHORT_TEXT // 2), "x" * SHORT_TEXT, "a b", "🎌" * 100):
        assert text.isprintable() and safe_text(text) == text
    assert not "全角\u3000空白".isprintable() and not "改\n行".isprintable()  # these go through safe_text


def _two_sheets(tmp_path: Path) -> tuple[Workbook, Worksheet, FastWorksheet]:
    wb = Workbook(str(tmp_path / "x.xlsx"))
    return wb, wb.add_worksheet("a"), wb.add_worksheet("b", worksheet_class=FastWorksheet)


def test_put_row_stores_what_the_cell_writers_store(tmp_path: Path) -> None:
    wb, plain, fast = _two_sheets(tmp_path)
    f = wb.add_format({"bold": True})
    rows = [(3, ["a", None, 1.5, BLANK, "b", "a", 7]), (5, [None, None, None]), (6, [None, BLANK, "c", None]),
            (9, [None, None, None, None, None, "a"])]
    for row, values in rows:
        for col, value in enumerate(values):
            if value is BLANK:
                plain.write_blank(row, col, None, f)
            elif isinstance(value, str):
                plain.write_string(row, col, value, f)
            elif value is not None:
                plain.write_number(row, col, value, f)
    strings = wb.str_table.string_table.copy(), wb.str_table.count, wb.str_table.unique_count
    wb.str_table.string_table.clear()
    wb.str_table.count = wb.str_table.unique_count = 0
    for row, values in rows:
        assert fast.put_row(row, values, [f] * len(values)) == 0
    assert (wb.str_table.string_table, wb.str_table.count, wb.str_table.unique_count) == strings
    assert {r: dict(cells) for r, cells in fast.table.items()} == {r: dict(cells) for r, cells in plain.table.items()}
    assert 5 not in fast.table
    dims = ("dim_rowmin", "dim_rowmax", "dim_colmin", "dim_colmax")
    assert [getattr(fast, d) for d in dims] == [getattr(plain, d) for d in dims] == [3, 9, 0, 6]
    assert fast.put_row(1, [BLANK], [None]) == 0 and not fast.table.get(1)  # no format: no cell
    assert fast.put_row(fast.xls_rowmax, ["x"], [f]) == -1 and fast.dim_rowmax == 9
    wb.close()


def test_a_row_out_of_bounds_is_refused_naming_its_cell(tmp_path: Path) -> None:
    book = Book(tmp_path / "x.xlsx", title="t", author="a", company="c")
    sheet = book.sheet("s")
    with pytest.raises(XlsxWriteError, match="A1048577"):
        sheet.rows(1_048_576, [Col("a"), Col("b", "num")], [["x", 1]])
    book.close()


def _sheet_xml(tmp_path: Path, name: str, worksheet_class: type[Worksheet] | None,
               fill: Callable[[Workbook, Worksheet], None]) -> bytes:
    path = tmp_path / f"{name}.xlsx"
    wb = Workbook(str(path))
    ws = wb.add_worksheet("s", worksheet_class=worksheet_class)
    fill(wb, ws)
    if isinstance(ws, FastWorksheet):
        ws.write_out_rows()
    wb.close()
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml")


def _sparse(wb: Workbook, ws: Worksheet) -> None:
    f = wb.add_format({"bold": True})
    ws.write_string(0, 3, "head", f)
    ws.write_string(1, 0, "no format")  # a cell without a format: xlsxwriter's own writer
    ws.write_number(1, 5, 2.25, f)
    ws.write_formula(2, 1, "=1+1", f)
    ws.write_blank(17, 2, None, f)
    ws.set_row(18, 30)
    ws.write_comment(20, 7, "note")
    ws.write_string(40, 0, "far", f)
    ws.set_row(41, None, f)


@pytest.mark.parametrize("heights", ["default", "set_default_row"])
def test_fast_rows_are_xlsxwriters_rows(tmp_path: Path, heights: str) -> None:
    """Sparse rows, rows with heights or formats only, a comment alone in its row, cells without a format,
    a formula, and a sheet whose default row height was changed (every row then carries its height)."""
    def fill(wb: Workbook, ws: Worksheet) -> None:
        if heights == "set_default_row":
            ws.set_default_row(20)
        _sparse(wb, ws)

    assert _sheet_xml(tmp_path, "fast", FastWorksheet, fill) == _sheet_xml(tmp_path, "plain", None, fill)
