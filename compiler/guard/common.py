"""What every part of the preflight shares: its limits, the refusal and its plain-Japanese
details, a sheet's extent, and how parts are named in messages."""
from __future__ import annotations

import re
from dataclasses import dataclass

# ---------------------------------------------------------------- limits
MAX_FILE_BYTES = 100 * 1024 * 1024  # the .xlsx file itself
MAX_MEMBERS = 10_000  # parts in the zip package
MAX_MEMBER_BYTES = 100 * 1024 * 1024  # one part, uncompressed
MAX_TOTAL_BYTES = 200 * 1024 * 1024  # all parts, uncompressed
MAX_RATIO = 100  # uncompressed / compressed, checked on parts of at least RATIO_MIN_BYTES
RATIO_MIN_BYTES = 8 * 1024 * 1024
MAX_ROWS = 100_000  # furthest row holding a cell (the template has a few hundred at most)
MAX_COLUMNS = 200  # furthest column holding a cell (the template has about 25)
MAX_AREA = 5_000_000  # rows × columns of the used range (what a reader allocates)
MAX_MERGED_CELLS = 100_000  # cells covered by merged ranges, per sheet
MAX_TAG_BYTES = 1024 * 1024  # one XML tag (attributes included)
PROLOG_BYTES = 64 * 1024  # the root element must start within this many bytes
CHUNK_BYTES = 64 * 1024  # streaming read size

EXCEL_CELL_LIMIT = 32_767  # characters (UTF-16 code units) an Excel cell holds

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
WORKBOOK_PART = "xl/workbook.xml"

# details (plain Japanese, inserted into the catalogue's message templates)
D_EMPTY = "空のファイル"
D_CORRUPT = "ファイルが壊れているか、途中までしか保存されていません"
D_CRC = "ファイルの一部が壊れています"
D_OLE_BROKEN = "旧形式の Office ファイルとしても壊れています"
D_ENCRYPTED = "パスワード付き"
D_XLS = "旧形式（.xls）"


class FileRefused(Exception):
    """A file the compiler will not read; `code` is a problems.CATALOGUE code."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}" if self.detail else self.code


@dataclass(frozen=True)
class Extent:
    """How far a worksheet's cells reach (1-based), as calamine would lay them out."""

    max_row: int = 0
    max_col: int = 0

    @property
    def ref(self) -> str:
        return f"A1:{col_letters(self.max_col)}{self.max_row}" if self.max_row else "A1"

    def too_large(self) -> bool:
        return (self.max_row > MAX_ROWS or self.max_col > MAX_COLUMNS
                or self.max_row * self.max_col > MAX_AREA)


def _norm_name(name: str) -> str:
    return name.replace("\\", "/").lstrip("/").lower()


_SHEET_PART = re.compile(r"^xl/(?:worksheets|macrosheets|dialogsheets)/[^/]+\.xml$")


def _is_sheet_part(name: str) -> bool:
    return bool(_SHEET_PART.match(name))


def _part_label(filename: str, sheets: dict[str, str] | None = None) -> str:
    name = _norm_name(filename)
    if sheets and sheets.get(name):
        return f"シート「{sheets[name]}」"
    return "シートの部品" if _is_sheet_part(name) else f"部品 {filename} "


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f} MB" if n >= 1024 * 1024 else f"{n:,} バイト"


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def col_letters(n: int) -> str:
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s
