"""The lower layer under xlsx/book.py: xlsxwriter's worksheet with a shorter cell path, and its package
written at zlib level 1.  Both rely on xlsxwriter internals, checked against version 3 (FAST_CELLS); with
another version the book is written by xlsxwriter's own code."""
from __future__ import annotations

import zipfile
from contextlib import contextmanager
from typing import Iterator

import xlsxwriter
import xlsxwriter.workbook
from xlsxwriter.utility import xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, CellStringTuple, Worksheet

COMPRESS_LEVEL = 1  # zlib level of the package: 0.25 s less at M than xlsxwriter's default 6, the file a third larger


class FastWorksheet(Worksheet):
    """xlsxwriter's worksheet with a shorter path for the cells a list sheet holds: shared strings,
    numbers and blanks that carry a format.  It writes the same XML as Worksheet._write_cell
    (tests/test_render_xlsx.py compares the two byte for byte) without building and escaping an
    attribute list per cell: a cell reference and a format index hold nothing to escape.
    Any other cell goes to xlsxwriter's own code.  Used with the xlsxwriter versions it was
    checked against only (FAST_CELLS)."""

    def _calculate_spans(self) -> None:
        """Worksheet._calculate_spans, visiting the cells each row holds rather than every column
        of the used range (a クロス表 row holds a few marks among 150 columns)."""
        spans: dict[int, str] = {}
        low: int | None = None
        high = 0
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            for cols in (self.table.get(row_num), self.comments.get(row_num)):
                for col_num in cols or ():
                    if self.dim_colmin <= col_num <= self.dim_colmax:
                        if low is None:
                            low = high = col_num
                        else:
                            low, high = min(low, col_num), max(high, col_num)
            if (row_num + 1) % 16 == 0 or row_num == self.dim_rowmax:
                if low is not None:
                    spans[row_num // 16] = f"{low + 1}:{high + 1}"
                    low = None
        self.row_spans = spans

    def _write_rows(self) -> None:
        """Worksheet._write_rows, writing each row's cells in column order from the cells it holds, a row's
        cells as one string (column letters and style indexes looked up once per sheet)."""
        self._calculate_spans()
        letters: dict[int, str] = {}
        styles: dict[int, int] = {}
        fast = not self.constant_memory
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = self.table.get(row_num)
            info = self.row_info.get(row_num)
            if not (cells or info is not None or row_num in self.comments):
                continue
            span = self.row_spans.get(row_num // 16)
            if not cells:
                self._write_empty_row(row_num, span, info)
                continue
            if info is None:
                self._write_row(row_num, span)
            else:
                self._write_row(row_num, span, info)
            number = str(row_num + 1)
            parts: list[str] = []
            for col_num in sorted(cells):
                if not self.dim_colmin <= col_num <= self.dim_colmax:
                    continue
                cell = cells[col_num]
                kind = cell.__class__
                fmt = cell.format
                if fmt is None or not fast or kind not in _FAST_KINDS:
                    if parts:
                        self.fh.write("".join(parts))
                        parts = []
                    Worksheet._write_cell(self, row_num, col_num, cell)
                    continue
                letter = letters.get(col_num)
                if letter is None:
                    letter = letters[col_num] = xl_rowcol_to_cell_fast(0, col_num)[:-1]
                style = styles.get(id(fmt))
                if style is None:
                    style = styles[id(fmt)] = fmt._get_xf_index()
                if kind is CellStringTuple:
                    parts.append(f'<c r="{letter}{number}" s="{style}" t="s"><v>{cell.string}</v></c>')
                elif kind is CellNumberTuple:
                    parts.append(f'<c r="{letter}{number}" s="{style}"><v>{cell.number:.16G}</v></c>')
                else:
                    parts.append(f'<c r="{letter}{number}" s="{style}"/>')
            if parts:
                self.fh.write("".join(parts))
            self._xml_end_tag("row")

    def _write_cell(self, row: int, col: int, cell) -> None:  # noqa: ANN001 - xlsxwriter's cell tuples
        kind = cell.__class__
        fmt = cell.format
        if fmt is None or self.constant_memory or kind not in _FAST_KINDS:
            super()._write_cell(row, col, cell)
            return
        ref = xl_rowcol_to_cell_fast(row, col)
        style = fmt._get_xf_index()
        if kind is CellStringTuple:
            self.fh.write(f'<c r="{ref}" s="{style}" t="s"><v>{cell.string}</v></c>')
        elif kind is CellNumberTuple:
            self.fh.write(f'<c r="{ref}" s="{style}"><v>{cell.number:.16G}</v></c>')
        else:
            self.fh.write(f'<c r="{ref}" s="{style}"/>')


_FAST_KINDS = (CellStringTuple, CellNumberTuple, CellBlankTuple)
FAST_CELLS = xlsxwriter.__version__.split(".")[:1] == ["3"]  # the internals FastWorksheet relies on


class _LevelOneZip(zipfile.ZipFile):
    """The ZipFile xlsxwriter packages with, deflating at COMPRESS_LEVEL."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - zipfile.ZipFile's own
        kwargs.setdefault("compresslevel", COMPRESS_LEVEL)
        super().__init__(*args, **kwargs)


@contextmanager
def package_at_level_one(enabled: bool = True) -> Iterator[None]:
    """While the block runs, xlsxwriter's Workbook.close() packages at COMPRESS_LEVEL (it opens its
    ZipFile without a level; the name is looked up in xlsxwriter.workbook when close() runs)."""
    module = xlsxwriter.workbook
    saved = getattr(module, "ZipFile", None)
    if not enabled or saved is not zipfile.ZipFile:
        yield
        return
    module.ZipFile = _LevelOneZip
    try:
        yield
    finally:
        module.ZipFile = saved
