"""Preflight of a submitted workbook, before any parser touches it (DESIGN §2, §7).

`check_package(path)` looks at the file's bytes and its zip package only: magic numbers,
the zip directory, and each XML part read as a bounded stream.  It refuses with
`FileRefused(code, detail)`, `code` being a catalogue code of problems.py and `detail` a short
plain-Japanese text for the message template:

- empty file, corrupt or truncated zip, CRC errors, members larger than they declare
  → file-unreadable
- OLE files: password-protected workbooks → file-encrypted, old .xls → file-xls
- text, HTML, PDF, Word... renamed .xlsx, zips without xl/workbook.xml → file-not-xlsx
- zip bombs (declared sizes, compression ratio), sheets whose cells reach past MAX_ROWS /
  MAX_COLUMNS (the A1 + XFD1048576 sheet that aborts calamine), huge merged ranges
  → file-too-large
- DOCTYPE / ENTITY declarations in any XML part (billion laughs, XXE) → file-unsafe

Nothing is inflated without a byte cap, and no XML is parsed before its prolog was checked.
A normal department workbook costs a few milliseconds.

The package's modules: `package` (the file and its zip package: check_package), `stream`
(inflating one part within its caps, its prolog and declarations), `extent` (how far a
worksheet's cells reach), `common` (limits, FileRefused, Extent, part names) and `celltext`.
"""
from .celltext import sanitize_cell_text
from .common import (
    CHUNK_BYTES, EXCEL_CELL_LIMIT, MAX_AREA, MAX_COLUMNS, MAX_FILE_BYTES, MAX_MEMBER_BYTES, MAX_MEMBERS,
    MAX_MERGED_CELLS, MAX_RATIO, MAX_ROWS, MAX_TAG_BYTES, MAX_TOTAL_BYTES, PROLOG_BYTES, RATIO_MIN_BYTES,
    Extent, FileRefused, col_letters,
)
from .extent import _SheetScanner
from .package import MAX_INDEX_PART_BYTES, check_package

__all__ = [
    "CHUNK_BYTES", "EXCEL_CELL_LIMIT", "MAX_AREA", "MAX_COLUMNS", "MAX_FILE_BYTES", "MAX_INDEX_PART_BYTES",
    "MAX_MEMBER_BYTES", "MAX_MEMBERS", "MAX_MERGED_CELLS", "MAX_RATIO", "MAX_ROWS", "MAX_TAG_BYTES",
    "MAX_TOTAL_BYTES", "PROLOG_BYTES", "RATIO_MIN_BYTES", "Extent", "FileRefused", "_SheetScanner",
    "check_package", "col_letters", "sanitize_cell_text",
]
