"""How far a worksheet's cells and merged ranges reach, followed tag by tag in the part's
stream, as a reader would lay the cells out."""
from __future__ import annotations

import re
from operator import itemgetter

from .common import MAX_MERGED_CELLS, MAX_TAG_BYTES, Extent, FileRefused, _col_number

# ---------------------------------------------------------------- worksheet extent
_PFX = rb"<(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix
_ATTR = rb"\s+[\w.:-]+\s*=\s*(?:\"[^\"]*\"|'[^']*')"
_TAG = re.compile(_PFX + rb"(row|c)(?=[\s/>])((?:[^<>\"']|\"[^\"]*\"|'[^']*')*)>")
_ATTR_ITEM = re.compile(rb"([\w.:-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_PLAIN_REF = re.compile(rb"\$?([A-Za-z]*)\$?(\d*)")
_REF_TAG = re.compile(_PFX + rb"(dimension|mergeCell)(?:" + _ATTR + rb")*?\s+ref\s*=\s*[\"']([^\"']*)[\"']")
_REF = re.compile(r"^\$?([A-Za-z]{0,3})\$?(\d{0,7})$")
_QUICK_CELL = re.compile(rb'<c r="([A-Z]{1,3})(\d{1,7})"')
_QUICK_ROW = re.compile(rb'<row r="(\d{1,7})"')
_PREFIXED = re.compile(rb":(?:c|row)")  # a prefixed <x:c> or <x:row>: walk
_OTHER_C = re.compile(rb'<c(?! r=")')  # <cols>, <cfRule> … or a cell tag in another shape
_OTHER_ROW = re.compile(rb'<row(?! r=")')
# a cell or row tag not in the quick shape: its name ended by white space, '>' or '/' but no r=
# right after it, or ended by a tab or line break: walk
_ODD_SHAPE = re.compile(rb'<(?:c|row)(?:[\t\n\r]|(?=[ />])(?! r="))')


class _SheetScanner:
    """Follows the <row>/<c> tags of a worksheet part as a reader lays cells out (a cell
    without r= sits right of the previous one, in the current row) and refuses as soon as
    the cells or the merged ranges reach too far.

    Empty cells (`<c r="…" s="3"/>`: formatting only) and <dimension> are ignored unless
    `strict`: python-calamine skips both (measured with 0.9.1), while openpyxl materialises
    empty cells and, in read_only mode, trusts <dimension> to size its rows."""

    def __init__(self, sheet: str, strict: bool = False) -> None:
        self.sheet = sheet
        self.strict = strict
        self.row = 0  # current row (1-based), for cells without r=
        self.col = 0  # column of the previous cell in the current row
        self.max_row = 0
        self.max_col = 0
        self.merged = 0
        self.buf = b""

    def feed(self, chunk: bytes) -> None:
        data = self.buf + chunk
        cut = data.rfind(b"<")  # attribute values cannot hold '<': every tag before it is whole
        if cut < 0:
            self.buf = b""
            return
        self._scan(data[:cut])
        self.buf = data[cut:]
        if len(self.buf) > MAX_TAG_BYTES:
            raise FileRefused("file-too-large", f"{self._where()}に異常に長い XML 要素があります")

    def close(self) -> None:
        self._scan(self.buf)
        self.buf = b""

    def _where(self) -> str:
        return f"シートの部品 {self.sheet} " if "/" in self.sheet else f"シート「{self.sheet}」"

    def _scan(self, data: bytes) -> None:
        if b"<" not in data:
            return
        if b"mergeCell" in data or (self.strict and b"dimension" in data):
            self._refs(data)
        if not self._quick(data):
            self._walk(data)

    def _quick(self, data: bytes) -> bool:
        """The shape every spreadsheet writer uses (`<c r="B2" …>`, `<row r="2" …>`, no
        prefixes): a few searches prove it, and only the cells that hold something are
        looked at one by one (a template's hundreds of formatting-only input rows are not).
        Returns False when the careful walk is needed: other shapes, or a chunk that may
        reach too far (the walk then judges cell by cell)."""
        if _PREFIXED.search(data):
            return False
        if (_OTHER_C.search(data) or _OTHER_ROW.search(data)) and _ODD_SHAPE.search(data):
            # other tags begin with <c or <row here (cols, cfRule, rowBreaks…): fine, unless a
            # cell or row tag has another shape (no r= first, or its name ended by a tab or newline)
            return False
        last = None
        last_start = data.rfind(b'<c r="')
        if last_start >= 0:
            last = _QUICK_CELL.match(data, last_start)
            if last is None:
                return False
        if self.strict:
            cells = _QUICK_CELL.findall(data)
            if len(cells) != data.count(b'<c r="'):
                return False  # an r= that is not a plain reference
        else:
            cells = self._filled_cells(data)
            if cells is None:
                return False  # an r= that is not a plain reference
            if last is not None and last_start > data.rfind(b"</c>"):
                cells.append(last.groups())  # closed in the next chunk (or formatting only): counted now
        if cells:
            top = max(map(int, set(map(itemgetter(1), cells))))
            right = max(_col_number(c.decode()) for c in set(map(itemgetter(0), cells)))
            if Extent(max(top, self.max_row), max(right, self.max_col)).too_large():
                return False
            self.max_row, self.max_col = max(top, self.max_row), max(right, self.max_col)
        if last is not None:
            self.col = _col_number(last.group(1).decode())
        row_start = data.rfind(b'<row r="')
        if row_start >= 0:
            last_row = _QUICK_ROW.match(data, row_start)
            if last_row is None:
                return False
            self.row = int(last_row.group(1))
        return True

    @staticmethod
    def _filled_cells(data: bytes) -> list[tuple[bytes, bytes]] | None:
        """(letters, digits) of every cell closed by `</c>` in this chunk, i.e. not `<c …/>`: its
        start tag is the last `<c r="` before the `</c>` (no '<' can occur inside a tag or in
        escaped text).  A `</c>` whose start tag was in the previous chunk is skipped: that chunk
        counted it already (see _quick and _walk).  None when a reference is not plain."""
        out: list[tuple[bytes, bytes]] = []
        end = data.find(b"</c>")
        while end >= 0:
            start = data.rfind(b'<c r="', 0, end)
            if start >= 0:
                m = _QUICK_CELL.match(data, start)
                if m is None:
                    return None
                out.append(m.groups())
            end = data.find(b"</c>", end + 4)
        return out

    def _walk(self, data: bytes) -> None:
        row, col = self.row, self.col
        for m in _TAG.finditer(data):
            attrs = m.group(2)
            letters, digits = _attr_r(attrs)
            if m.group(1) == b"row":
                row = int(digits) if digits else row + 1
                col = 0
                continue
            if digits:
                row = int(digits)
            col = _col_number(letters.decode()) if letters else col + 1
            if (row > self.max_row or col > self.max_col) and (self.strict or not attrs.rstrip().endswith(b"/")):
                self._reach(row, col)
        self.row, self.col = row, col

    def _reach(self, row: int, col: int) -> None:
        self.max_row, self.max_col = max(self.max_row, row), max(self.max_col, col)
        ext = Extent(self.max_row, self.max_col)
        if ext.too_large():
            raise FileRefused("file-too-large", f"{self._where()}の範囲 {ext.ref}")

    def _refs(self, data: bytes) -> None:
        for m in _REF_TAG.finditer(data):
            ref = m.group(2).decode("ascii", "replace")
            (r1, c1), (r2, c2) = _ref_corners(ref)
            ext = Extent(max(r1, r2), max(c1, c2))
            if m.group(1) == b"dimension":
                if self.strict and ext.too_large():
                    raise FileRefused("file-too-large", f"{self._where()}の範囲 {ref}")
                continue
            self.merged += (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1)
            if ext.too_large() or self.merged > MAX_MERGED_CELLS:
                raise FileRefused("file-too-large", f"{self._where()}の結合セル {ref} が大きすぎます")


def _attr_r(attrs: bytes) -> tuple[bytes, bytes]:
    """(letters, digits) of the r= attribute among `attrs`, read attribute by attribute so a
    value that merely contains ' r="A1"' is not taken for it; (b"", b"") when absent."""
    for name, dq, sq in _ATTR_ITEM.findall(attrs):
        if name == b"r":
            m = _PLAIN_REF.fullmatch(dq or sq)
            return (m.group(1), m.group(2)) if m else (b"", b"")
    return (b"", b"")


def _ref_corners(ref: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """'A1:XFD1048576' -> ((1, 1), (1048576, 16384)).  A part that is missing or unreadable
    counts as 0 (LibreOffice writes dimensions like '1:49')."""
    a, _, b = ref.partition(":")
    return _cell(a), _cell(b or a)


def _cell(ref: str) -> tuple[int, int]:
    m = _REF.match(ref.strip())
    if m is None:
        return (0, 0)
    letters, digits = m.groups()
    return (int(digits) if digits else 0, _col_number(letters) if letters else 0)
