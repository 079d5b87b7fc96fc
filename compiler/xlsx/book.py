"""A thin, safe layer over xlsxwriter shared by every sheet of クロスリファレンス.xlsx.

- Every write goes through `Sheet`: text is sanitised and written with write_string (so `=cmd|…`,
  `+1`, `-x`, `@SUM` stay text), numbers must be finite, None/NaN become blank cells, and a
  negative return code from xlsxwriter raises `XlsxWriteError` naming the sheet and cell.
- Formats are built from named style fragments and cached.
- Column widths follow the widest value written (East Asian wide characters count as 2).
- Each sheet's XML is streamed to a temporary file beside the workbook (not kept in memory: at
  150,000 projects that held some 500 MB), and xlsxwriter stamps every zip entry 1980-01-31
  00:00 (local time in, local time out: the same in every time zone) in a file created
  with mode 0600; with a fixed creation date the file is byte-identical from run to run.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterable, Sequence

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..sanitize import EXCEL_MAX_CHARS, safe_number, safe_text
from .measure import A3, A4, PRINT_WIDTH_IN, column_pixels, display_width, fit_scale, wrapped_lines  # noqa: F401
from .fastsheet import BLANK, FAST_CELLS, FastWorksheet, package_at_level_one

FONT = "游ゴシック"
FIXED_DATE = datetime(2025, 1, 1)
WORKBOOK_OPTIONS: dict[str, object] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": True,
    "default_format_properties": {"font_name": FONT, "font_size": 10, "font_charset": 128, "font_family": 3,
                                  "font_scheme": "none"},  # the font named, not the theme's (Calibri/ＭＳ Ｐゴシック)
}
MIN_PRINT_SCALE = 60  # % below which a printed list is hard to read
LINE_HEIGHT = 14.5  # points per line of 10 pt 游ゴシック
MAX_ROW_HEIGHT = 409  # Excel's limit
BORDER_GREY = "#BFBFBF"
HEADER_FILL = "#DDEBF7"

# named style fragments; a format is the union of the fragments asked for, in order
STYLES: dict[str, dict[str, object]] = {
    "cell": {"border": 1, "border_color": BORDER_GREY, "valign": "top"},
    "header": {"bold": True, "bg_color": HEADER_FILL, "border": 1, "text_wrap": True, "align": "center",
               "valign": "vcenter"},
    "group_header": {"bold": True, "bg_color": "#BDD7EE", "border": 1, "align": "center", "valign": "vcenter",
                     "text_wrap": True},
    "vertical": {"rotation": 270, "valign": "top", "text_wrap": False},
    "text": {},
    "code": {"num_format": "@"},
    "wrap": {"text_wrap": True},
    "mark": {"align": "center"},
    "num": {"num_format": "#,##0"},
    "int": {"num_format": "0"},
    "score": {"num_format": "0.0"},
    "zero_blank": {"num_format": '#,##0;-#,##0;""', "align": "center"},
    "error": {"bg_color": "#FFE4E1"},
    "warning": {"bg_color": "#FFF2CC"},
    "gap": {"bg_color": "#FFC7CE", "font_color": "#9C0006", "bold": True},
    "ok": {"font_color": "#006100"},
    "ng": {"font_color": "#9C0006", "bold": True},
    "group": {"bold": True, "bg_color": "#F2F2F2"},
    "total": {"bold": True, "bg_color": "#E2EFDA", "top": 2},
    "title": {"bold": True, "font_size": 14},
    "subtitle": {"font_color": "#404040"},
    "section": {"bold": True, "font_size": 11, "font_color": "#1F4E78"},
    "note": {"font_color": "#595959", "italic": True},
    "label": {"bg_color": "#F2F2F2"},
    "left_rule": {"left": 2},
    "grid": {"border": 1, "border_color": BORDER_GREY},
}

KIND_STYLES: dict[str, tuple[str, ...]] = {
    "text": ("text",), "code": ("code",), "wrap": ("wrap",), "mark": ("mark",), "num": ("num",),
    "int": ("int",), "score": ("score",), "count": ("zero_blank",),
}
NUMERIC_KINDS = {"num", "int", "score", "count"}
# text this short that str.isprintable() passes is what safe_text returns unchanged: every character
# sanitize.ILLEGAL_XML removes (C0 controls, U+FFFE/U+FFFF, surrogates) is unprintable, and safe_text
# cuts only text longer than half of Excel's cell limit (tests/test_render_xlsx.py checks both)
SHORT_TEXT = EXCEL_MAX_CHARS // 2


class XlsxWriteError(RuntimeError):
    """xlsxwriter refused a write (negative return code); the message names sheet and cell."""


@dataclass(frozen=True)
class Col:
    """A column of a list sheet: header label, value kind (see KIND_STYLES) and width bounds."""

    label: str
    kind: str = "text"
    min_width: float = 6
    max_width: float = 40


def header_text(text: str) -> str:
    """Text for a header or footer: `&` is xlsxwriter's control character."""
    return safe_text(text, 200).replace("&", "&&")


class Book:
    """The workbook being written, its cached formats and its sheets."""

    def __init__(self, path: Path, title: str, author: str, company: str) -> None:
        # xlsxwriter mutates the options it is given (default_format_properties): pass a fresh copy
        options = {**copy.deepcopy(WORKBOOK_OPTIONS), "tmpdir": str(Path(path).parent)}
        self.wb = Workbook(str(path), options)
        self.wb.set_properties({"title": safe_text(title, 255), "author": safe_text(author, 255),
                                "company": safe_text(company, 255), "created": FIXED_DATE})
        self.header_left = title
        self._formats: dict[tuple[str, ...], Format] = {}

    def fmt(self, *names: str) -> Format:
        key = tuple(n for n in names if n)
        if key not in self._formats:
            props: dict[str, object] = {}
            for name in key:
                props.update(STYLES[name])
            self._formats[key] = self.wb.add_format(props)
        return self._formats[key]

    def sheet(self, name: str) -> "Sheet":
        return Sheet(self, name)

    def write_out(self) -> None:
        """Write out the rows of every sheet so far (their writers are done) and free their cells."""
        for ws in self.wb.worksheets():
            if isinstance(ws, FastWorksheet):
                ws.write_out_rows()

    def close(self) -> None:
        with package_at_level_one(enabled=FAST_CELLS):
            self.wb.close()
        # the Workbook holds bound methods of itself, so only the cyclic collector frees it: at M it
        # traversed 700,000 written cells for 0.24 s; emptied here, they go by reference counting
        for ws in self.wb.worksheets():
            ws.table.clear()
            ws.row_info.clear()


class Sheet:
    """One worksheet: checked writes, width tracking and the list-sheet set-up."""

    def __init__(self, book: Book, name: str) -> None:
        self.book = book
        self.name = name
        self.ws: Worksheet = book.wb.add_worksheet(name, worksheet_class=FastWorksheet if FAST_CELLS else None)
        self.widths: dict[int, float] = {}  # widest value written per column (half-width units)
        self.col_widths: dict[int, float] = {}  # widths set on the sheet
        self.wraps: dict[int, list[tuple[int, str]]] = {}  # row -> wrapped texts, for row heights
        ws = self.ws
        fast = isinstance(ws, FastWorksheet)
        self._string = ws.put_string if fast else ws.write_string
        self._number = ws.put_number if fast else ws.write_number
        self._blank = ws.put_blank if fast else ws.write_blank

    # ------------------------------------------------------------ checked writes
    def check(self, rc: object, row: int, col: int, what: str) -> None:
        if isinstance(rc, int) and rc < 0:
            cell = xl_rowcol_to_cell(row, col)
            raise XlsxWriteError(f"シート「{self.name}」のセル {cell} に書き込めません（xlsxwriter {what} が {rc} を返しました）")

    def _measure(self, col: int, width: float) -> None:
        if width > self.widths.get(col, 0):
            self.widths[col] = width

    def text(self, row: int, col: int, value: object, fmt: Format | None = None, measure: bool = True,
             merged: bool = False) -> None:
        if value.__class__ is str and len(value) <= SHORT_TEXT and value.isprintable():
            text = value  # what safe_text returns for it (see SHORT_TEXT)
        else:
            text = safe_text(value)
        if text == "":
            self.blank(row, col, fmt)
            return
        rc = self._string(row, col, text, fmt)
        if rc:
            self.check(rc, row, col, "write_string")
        if measure:
            self._measure(col, display_width(text))
        if fmt is not None and fmt.text_wrap and not fmt.rotation and not merged:
            self.wraps.setdefault(row, []).append((col, text))

    def number(self, row: int, col: int, value: object, fmt: Format | None = None) -> None:
        number = safe_number(value)
        if number is None:
            self.blank(row, col, fmt)
            return
        self.check(self._number(row, col, number, fmt), row, col, "write_number")
        self._measure(col, len(f"{number:,.0f}") + 1)

    def blank(self, row: int, col: int, fmt: Format | None = None) -> None:
        if fmt is not None:
            self.check(self._blank(row, col, None, fmt), row, col, "write_blank")

    def value(self, row: int, col: int, value: object, kind: str, fmt: Format | None = None) -> None:
        """Numbers for numeric kinds (text that is not a number stays text), text otherwise."""
        if kind in NUMERIC_KINDS and safe_number(value) is not None:
            self.number(row, col, value, fmt)
        else:
            self.text(row, col, value, fmt)

    def merge(self, first_row: int, first_col: int, last_row: int, last_col: int, value: object, fmt: Format) -> None:
        """A merged range holding text (the text is written with write_string, never parsed)."""
        if (first_row, first_col) == (last_row, last_col):
            self.text(first_row, first_col, value, fmt, measure=False, merged=True)
            return
        rc = self.ws.merge_range(first_row, first_col, last_row, last_col, "", fmt)
        self.check(rc, first_row, first_col, "merge_range")
        self.text(first_row, first_col, value, fmt, measure=False, merged=True)

    def row_height(self, row: int, height: float) -> None:
        self.check(self.ws.set_row(row, min(MAX_ROW_HEIGHT, height)), row, 0, "set_row")

    def comment(self, row: int, col: int, text: str) -> None:
        rc = self.ws.write_comment(row, col, safe_text(text), {"x_scale": 2, "y_scale": 1.5})
        self.check(rc, row, col, "write_comment")

    # ------------------------------------------------------------ tables
    def header(self, row: int, columns: Sequence[Col], fmt: Format | None = None) -> None:
        fmt = fmt or self.book.fmt("header")
        for c, column in enumerate(columns):
            self.text(row, c, column.label, fmt, measure=False)
            # a header wraps: it needs room for its longest word-ish chunk, not the whole label
            self._measure(c, min(display_width(column.label), max(column.min_width, 12)))

    def rows(self, first_row: int, columns: Sequence[Col], rows: Iterable[Sequence[object]],
             styles: Iterable[Sequence[str]] | None = None) -> int:
        """Write data rows from first_row; `styles` gives extra style names per row.  Returns rows written.

        The hot loop of every large sheet: formats are resolved once per style, each row's cells
        are stored at once (FastWorksheet.put_row) and a column stops being measured once it
        reaches its maximum width (fit_columns caps it there).  A blank cell is only written in a
        row with extra styles (its fill must show); elsewhere it stays absent and `grid` draws
        its borders (see table())."""
        book = self.book
        put_row = self.ws.put_row if isinstance(self.ws, FastWorksheet) else None
        style_iter = iter(styles) if styles is not None else None
        formats: dict[tuple[str, ...], list[Format]] = {}
        n_cols = len(columns)
        numeric = [col.kind in NUMERIC_KINDS for col in columns]
        wrapped = [col.kind == "wrap" for col in columns]
        enough = [(col.max_width - 2) / 1.1 for col in columns]
        widths = self.widths
        n = 0
        for n, values in enumerate(rows, start=1):
            extra = tuple(next(style_iter)) if style_iter is not None else ()
            fmts = formats.get(extra)
            if fmts is None:
                fmts = formats[extra] = [book.fmt("cell", *KIND_STYLES[col.kind], *extra) for col in columns]
            r = first_row + n - 1
            given = len(values)
            cells: list[object] = [None] * n_cols
            for c in range(n_cols):
                value = values[c] if c < given else None
                if value is None:
                    if extra:
                        cells[c] = BLANK
                    continue
                kind = value.__class__
                if kind is str and len(value) <= SHORT_TEXT and value.isprintable():
                    text = value  # what safe_text returns for it (see SHORT_TEXT)
                elif numeric[c] and kind in (int, float) and safe_number(value) is not None:
                    cells[c] = value
                    known = widths.get(c, 0)
                    if known < enough[c]:
                        width = len(f"{value:,.0f}") + 1
                        if width > known:
                            widths[c] = width
                    continue
                else:
                    text = safe_text(value)
                if text == "":
                    if extra:
                        cells[c] = BLANK
                    continue
                cells[c] = text
                known = widths.get(c, 0)
                if 2 * len(text) > known and known < enough[c]:
                    width = display_width(text)
                    if width > known:
                        widths[c] = width
                if wrapped[c]:
                    self.wraps.setdefault(r, []).append((c, text))
            if put_row is None or put_row(r, cells, fmts) < 0:
                self._put_checked(r, cells, fmts)
        return n

    def _put_checked(self, row: int, cells: Sequence[object], fmts: Sequence[Format]) -> None:
        """A row of `rows` through xlsxwriter's public writers, a refusal raised naming its cell
        (any worksheet class; and a row FastWorksheet.put_row left to them)."""
        for col, value in enumerate(cells):
            if value is None:
                continue
            if value is BLANK:
                self.check(self.ws.write_blank(row, col, None, fmts[col]), row, col, "write_blank")
            elif value.__class__ is str:
                self.check(self.ws.write_string(row, col, value, fmts[col]), row, col, "write_string")
            else:
                self.check(self.ws.write_number(row, col, value, fmts[col]), row, col, "write_number")

    def table(self, columns: Sequence[Col], rows: Iterable[Sequence[object]],
              styles: Iterable[Sequence[str]] | None = None, *, header_row: int = 0,
              freeze_cols: int = 0) -> int:
        """A list sheet: header at header_row, data below, widths, frozen header, autofilter, print set-up.
        Returns the 0-based index of the last row written."""
        self.header(header_row, columns)
        n = self.rows(header_row + 1, columns, rows, styles)
        last = header_row + max(n, 0)
        if n:
            self.grid(header_row + 1, 0, last, len(columns) - 1)
        self.fit_columns(columns)
        self.fit_rows()
        self.list_setup(header_row, last, len(columns) - 1, freeze_cols)
        return last

    def grid(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        """Thin grey borders on every cell of the range, written or not, from one conditional format."""
        rc = self.ws.conditional_format(first_row, first_col, last_row, last_col, {
            "type": "formula", "criteria": "TRUE", "format": self.book.fmt("grid")})
        self.check(rc, first_row, first_col, "conditional_format")

    def fit_columns(self, columns: Sequence[Col], first_col: int = 0) -> None:
        for i, column in enumerate(columns):
            c = first_col + i
            width = max(column.min_width, min(column.max_width, self.widths.get(c, 0) * 1.1 + 2))
            self.set_width(c, round(width, 1))

    def set_width(self, first_col: int, width: float, last_col: int | None = None) -> None:
        last_col = first_col if last_col is None else last_col
        self.check(self.ws.set_column(first_col, last_col, width), 0, first_col, "set_column")
        for c in range(first_col, last_col + 1):
            self.col_widths[c] = width

    def fit_rows(self) -> None:
        """Explicit heights for rows holding wrapped text (LibreOffice keeps the default height otherwise)."""
        for row, items in sorted(self.wraps.items()):
            lines = max(wrapped_lines(text, self.col_widths.get(col, 8.43)) for col, text in items)
            if lines > 1:
                self.row_height(row, round(LINE_HEIGHT * lines + 4, 1))

    def list_setup(self, header_row: int, last_row: int, last_col: int, freeze_cols: int = 0,
                   first_header_row: int | None = None) -> None:
        """Frozen header, autofilter on the header row, A4 landscape one page wide, header rows repeated;
        no "number stored as text" triangles (codes such as 1-3 or 0501-001 are text on purpose)."""
        self.ws.freeze_panes(header_row + 1, freeze_cols)
        self.check(self.ws.autofilter(header_row, 0, max(last_row, header_row), last_col), header_row, 0, "autofilter")
        used = f"A1:{xl_rowcol_to_cell(max(last_row, header_row), last_col)}"
        self.check(self.ws.ignore_errors({"number_stored_as_text": used}), 0, 0, "ignore_errors")
        self.print_setup(first_header_row if first_header_row is not None else header_row, header_row)

    def print_setup(self, repeat_first: int | None = None, repeat_last: int | None = None) -> None:
        ws = self.ws
        ws.set_paper(A4)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_header(f"&L&8{header_text(self.book.header_left)}&R&8&A")
        ws.set_footer("&C&8&P / &N")
        if repeat_first is not None:
            self.check(ws.repeat_rows(repeat_first, repeat_last), repeat_first, 0, "repeat_rows")
