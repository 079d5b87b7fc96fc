"""The lower layer under xlsx/book.py: xlsxwriter's worksheet with a shorter cell path, and its package
written at zlib level 1.  Both rely on xlsxwriter internals, checked against version 3 (FAST_CELLS); with
another version the book is written by xlsxwriter's own code."""
from __future__ import annotations

import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from typing import IO, Iterator, Sequence

import xlsxwriter
import xlsxwriter.workbook
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, CellStringTuple, Worksheet

COMPRESS_LEVEL = 1  # zlib level of the package: 0.25 s less at M than xlsxwriter's default 6, the file a third larger


class FastWorksheet(Worksheet):
    """xlsxwriter's worksheet with a shorter path for the cells a list sheet holds: shared strings,
    numbers and blanks that carry a format.  It writes the same XML as Worksheet._write_cell
    (tests/test_render_xlsx.py compares the two byte for byte) without building and escaping an
    attribute list per cell: a cell reference and a format index hold nothing to escape.
    Any other cell goes to xlsxwriter's own code.  Used with the xlsxwriter versions it was
    checked against only (FAST_CELLS).

    A finished sheet can write its rows out early (`write_out_rows`): their XML goes to an unnamed
    temporary file and the cells are freed, instead of every sheet's cells waiting for
    Workbook.close() (700,000 cell tuples, some 70 MB at M)."""

    _rows_out: IO[str] | None = None  # the rows' XML, once written out
    # the writers without the A1-notation wrapper of the public ones (xlsx/book.py passes numbers)
    put_string = Worksheet._write_string
    put_number = Worksheet._write_number
    put_blank = Worksheet._write_blank

    def put_row(self, row: int, values: Sequence[object], formats: Sequence[Format | None]) -> int:
        """Store one row of a list sheet: values[c] is a shared string (str, already safe and
        within Excel's 32,767 UTF-16 units: sanitize.safe_text), a finite int or float, BLANK (a blank cell
        carrying its format) or None (no cell).  The cells are the ones _write_string,
        _write_number and _write_blank would store, in the same order (so the shared string
        indexes are the same), but the bounds are checked and the used range widened once per
        row: a row within the sheet's bounds has every column within them when it is shorter than
        xls_colmax, and the written columns' lowest and highest widen the range as every one of
        them would.  Returns -1, storing nothing, when the row is out of bounds or the sheet is
        in constant_memory mode: the caller then writes the row through xlsxwriter's writers."""
        if not 0 <= row < self.xls_rowmax or len(values) > self.xls_colmax or self.constant_memory:
            return -1
        if values.count(None) == len(values):
            return 0  # no cell: the row stays absent, as it would cell by cell
        cells = self.table[row]  # refused here once the rows are written out
        sst = self.str_table
        index = sst.string_table
        first = -1
        last = -1
        strings = 0
        for col, value in enumerate(values):
            if value is None:
                continue
            kind = value.__class__
            if kind is str:
                i = index.get(value)
                if i is None:
                    i = index[value] = sst.unique_count
                    sst.unique_count += 1
                strings += 1
                cells[col] = CellStringTuple(i, formats[col])
            elif value is BLANK:
                if formats[col] is None:
                    continue  # xlsxwriter writes no blank cell without a format
                cells[col] = CellBlankTuple(formats[col])
            else:
                cells[col] = CellNumberTuple(value, formats[col])
            if first < 0:
                first = col
            last = col
        sst.count += strings
        if first >= 0:
            self._check_dimensions(row, first)
            self._check_dimensions(row, last)
        return 0

    def _calculate_spans(self) -> None:
        """Worksheet._calculate_spans, from the lowest and highest column each row holds (found in C
        by min and max) rather than from every column of the used range (a クロス表 row holds a few
        marks among 150 columns); only a row holding a column outside the used range is filtered."""
        spans: dict[int, str] = {}
        low: int | None = None
        high = 0
        first, last = self.dim_colmin, self.dim_colmax
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            for cols in (self.table.get(row_num), self.comments.get(row_num)):
                if not cols:
                    continue
                a, b = min(cols), max(cols)
                if a < first or b > last:
                    inside = [c for c in cols if first <= c <= last]
                    if not inside:
                        continue
                    a, b = min(inside), max(inside)
                if low is None:
                    low, high = a, b
                else:
                    low, high = min(low, a), max(high, b)
            if (row_num + 1) % 16 == 0 or row_num == self.dim_rowmax:
                if low is not None:
                    spans[row_num // 16] = f"{low + 1}:{high + 1}"
                    low = None
        self.row_spans = spans

    def _write_rows(self) -> None:
        """Worksheet._write_rows, writing each row's cells in column order from the cells it holds, a row
        as one string (column letters and style indexes looked up once per sheet).  A row without
        row_info on a sheet of default row heights gets its start tag here: it is what _write_row
        writes for it (r and spans only: no style, height, outline, nor Excel 2010 attribute)."""
        self._calculate_spans()
        letters: dict[int, str] = {}
        styles: dict[Format, str] = {}
        fast = not self.constant_memory
        plain = self.default_row_height == self.original_row_height and self.excel_version != 2010
        first, last = self.dim_colmin, self.dim_colmax
        table, row_info, comments, row_spans = self.table, self.row_info, self.comments, self.row_spans
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table.get(row_num)
            info = row_info.get(row_num)
            if not cells:
                if info is not None or row_num in comments:
                    self._write_empty_row(row_num, row_spans.get(row_num // 16), info)
                continue
            span = row_spans.get(row_num // 16)
            number = str(row_num + 1)
            if info is None and plain:
                parts = [f'<row r="{number}" spans="{span}">' if span else f'<row r="{number}">']
            else:
                self._write_row(row_num, span, info)
                parts = []
            for col_num in sorted(cells):
                if not first <= col_num <= last:
                    continue
                cell = cells[col_num]
                kind = cell.__class__
                fmt = cell.format
                if fmt is None or not fast or kind not in _FAST_KINDS:
                    self.fh.write("".join(parts))
                    parts = []
                    Worksheet._write_cell(self, row_num, col_num, cell)
                    continue
                letter = letters.get(col_num)
                if letter is None:
                    letter = letters[col_num] = xl_rowcol_to_cell_fast(0, col_num)[:-1]
                style = styles.get(fmt)
                if style is None:
                    style = styles[fmt] = str(fmt._get_xf_index())
                if kind is CellStringTuple:
                    parts.append(f'<c r="{letter}{number}" s="{style}" t="s"><v>{cell[0]}</v></c>')
                elif kind is CellNumberTuple:
                    parts.append(f'<c r="{letter}{number}" s="{style}"><v>{cell[0]:.16G}</v></c>')
                else:
                    parts.append(f'<c r="{letter}{number}" s="{style}"/>')
            parts.append("</row>")
            self.fh.write("".join(parts))

    # ------------------------------------------------------------ rows written out before close
    def write_out_rows(self) -> None:
        """Write the <sheetData> rows now, in the XML close() would write, and free the cells; a sheet
        holding charts keeps its cells, read-only, for the charts' cached values.  Any later write to
        a cell, row or comment of this sheet raises SheetWrittenOut instead of being lost."""
        if self._rows_out is not None or self.dim_rowmin is None or self.constant_memory:
            return
        out = tempfile.TemporaryFile("w+", encoding="utf-8", dir=self.tmpdir)
        saved, self.fh = self.fh, out
        try:
            self._write_rows()
        except BaseException:
            out.close()
            raise
        finally:
            self.fh = saved
        self._rows_out = out
        kept = {row: _ReadOnlyRow(self.name, cells) for row, cells in self.table.items()} if self.charts else {}
        self.table = _WrittenOut(self.name, kept)

    def _write_sheet_data(self) -> None:
        out = self._rows_out
        if out is None:
            super()._write_sheet_data()
            return
        self._xml_start_tag("sheetData")
        out.seek(0)
        shutil.copyfileobj(out, self.fh, 1 << 20)
        out.close()
        self._rows_out = None
        self._xml_end_tag("sheetData")

    def _refuse_if_written_out(self) -> None:
        if self._rows_out is not None:
            raise SheetWrittenOut(self.name)

    def set_row(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201 - xlsxwriter's signature
        self._refuse_if_written_out()
        return super().set_row(*args, **kwargs)

    def write_comment(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201 - xlsxwriter's signature
        self._refuse_if_written_out()
        return super().write_comment(*args, **kwargs)

    def _get_range_data(self, *args):  # noqa: ANN002, ANN201 - xlsxwriter's signature
        if self._rows_out is not None and not self.charts:
            raise SheetWrittenOut(self.name)  # a chart on another sheet reads cells this one has freed
        return super()._get_range_data(*args)

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


class _Blank:
    """The type of BLANK."""

    def __repr__(self) -> str:
        return "BLANK"


BLANK = _Blank()  # in a row given to put_row: a blank cell that carries its format


class SheetWrittenOut(RuntimeError):
    """A write to a sheet whose rows were already written out (a writer's ordering error)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"sheet {name!r}: its rows were already written out")


class _WrittenOut(dict):
    """The cell table of a sheet whose rows are written out: reading finds the kept cells (or none),
    writing a cell raises (xlsxwriter writes through table[row][col], so the row lookup refuses)."""

    def __init__(self, name: str, kept: dict) -> None:
        super().__init__(kept)
        self.name = name

    def __missing__(self, row: int) -> None:
        raise SheetWrittenOut(self.name)


class _ReadOnlyRow(dict):
    """A kept row of a written-out sheet: readable, not writable."""

    def __init__(self, name: str, cells: dict) -> None:
        super().__init__(cells)
        self.name = name

    def __setitem__(self, col: int, cell: object) -> None:
        raise SheetWrittenOut(self.name)


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
