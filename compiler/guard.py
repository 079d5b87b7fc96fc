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
"""
from __future__ import annotations

import codecs
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path, PurePosixPath
from typing import IO, Callable, Iterator

from .normalise import has_control, strip_control

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


# ---------------------------------------------------------------- entry point
def check_package(path: Path, *, strict: bool = False,
                  keep: Callable[[str], bool] | None = None) -> dict[str, bytes]:
    """Raise FileRefused when `path` must not be handed to a parser; when it may, return the XML
    of the worksheets whose sheet name `keep` accepts ({sheet name: UTF-8 bytes}; none without
    `keep`), read in the same pass, so a caller that needs them does not inflate them again.

    The default fits python-calamine, which skips empty (formatting-only) cells and ignores
    <dimension>.  Pass strict=True before opening a file with openpyxl (the master,
    重複判定.xlsx): empty cells and the <dimension> then count as well."""
    path = Path(path)
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise FileRefused("file-unreadable", "通常のファイルではありません")
        if st.st_size == 0:
            raise FileRefused("file-unreadable", D_EMPTY)
        if st.st_size > MAX_FILE_BYTES:
            raise FileRefused("file-too-large", f"ファイルサイズ {_mb(st.st_size)}")
        with path.open("rb") as f:
            head = f.read(8)
            if head.startswith(OLE_MAGIC):
                raise _classify_ole(f)
            if not head.startswith(ZIP_MAGICS):
                raise FileRefused("file-not-xlsx", _sniff(head + f.read(4088)))
            f.seek(0)
            return _check_zip(f, strict, keep)
    except OSError as exc:
        raise FileRefused("file-unreadable", f"ファイルを開けません（{type(exc).__name__}）") from exc


# ---------------------------------------------------------------- not a zip
def _classify_ole(f: IO[bytes]) -> FileRefused:
    """An OLE compound file: an encrypted OOXML workbook, an old .xls, or something else."""
    import olefile  # a dependency of msoffcrypto-tool

    f.seek(0)
    try:
        ole = olefile.OleFileIO(f)
        try:
            streams = {"/".join(s).lower() for s in ole.listdir(streams=True, storages=False)}
        finally:
            ole.close()
    except Exception:  # noqa: BLE001 - any failure of the OLE parser means a broken file
        return FileRefused("file-unreadable", D_OLE_BROKEN)
    if {"encryptioninfo", "encryptedpackage"} & streams:
        return FileRefused("file-encrypted", D_ENCRYPTED)
    if {"workbook", "book"} & streams:
        return FileRefused("file-encrypted", D_ENCRYPTED) if _xls_encrypted(f) else FileRefused("file-xls", D_XLS)
    if "worddocument" in streams:
        return FileRefused("file-not-xlsx", "中身は旧形式の Word 文書です")
    if "powerpoint document" in streams:
        return FileRefused("file-not-xlsx", "中身は旧形式の PowerPoint 文書です")
    return FileRefused("file-not-xlsx", "中身は Excel 以外の旧形式 Office ファイルです")


def _xls_encrypted(f: IO[bytes]) -> bool:
    """A .xls with a password to open carries a FilePass record; msoffcrypto finds it."""
    try:
        import msoffcrypto

        f.seek(0)
        return bool(msoffcrypto.OfficeFile(f).is_encrypted())
    except Exception:  # noqa: BLE001 - an unreadable .xls is still a .xls
        return False


def _sniff(head: bytes) -> str:
    """What a non-zip, non-OLE file looks like, for the message."""
    if head.startswith(b"%PDF"):
        return "中身は PDF ファイルです"
    if head[:4] in (b"\x89PNG", b"GIF8") or head.startswith(b"\xff\xd8\xff"):
        return "中身は画像ファイルです"
    if head.startswith((b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        return "中身は圧縮ファイルです"
    text = _decode_text(head)
    if text is None:
        return "形式を判別できません"
    low = text.lstrip("\ufeff \t\r\n").lower()
    if low.startswith(("<!doctype html", "<html")) or "<html" in low[:512]:
        return "中身は HTML ファイルです"
    if low.startswith("<?xml") or low.startswith("<"):
        return "中身は XML ファイルです"
    return "中身はテキストファイル（CSV など）です"


def _decode_text(head: bytes) -> str | None:
    for enc in ("utf-8", "cp932", "utf-16"):
        try:
            text = head.decode(enc)
        except UnicodeDecodeError:
            # the sample may end inside a multibyte character
            try:
                text = head[:-3].decode(enc)
            except UnicodeDecodeError:
                continue
        if not any(ch in text for ch in "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10"):
            return text
    return None


# ---------------------------------------------------------------- the zip package
def _check_zip(f: IO[bytes], strict: bool, keep: Callable[[str], bool] | None) -> dict[str, bytes]:
    entries = _eocd_entries(f)
    if entries > MAX_MEMBERS:
        raise FileRefused("file-too-large", f"ブック内の部品が {entries:,} 個")
    f.seek(0)
    try:
        z = zipfile.ZipFile(f)
    except Exception as exc:  # noqa: BLE001 - BadZipFile, NotImplementedError("zip file version"), struct.error ...
        raise FileRefused("file-unreadable", D_CORRUPT) from exc
    with z:
        infos = z.infolist()
        if len(infos) > MAX_MEMBERS:
            raise FileRefused("file-too-large", f"ブック内の部品が {len(infos):,} 個")
        if any(i.flag_bits & 0x1 for i in infos):  # zip-level passwords
            raise FileRefused("file-encrypted", D_ENCRYPTED)
        names = {_norm_name(i.filename): i for i in infos}
        if WORKBOOK_PART not in names:
            raise FileRefused("file-not-xlsx", _what_zip(names))
        sheets = _sheet_names(z, f, names)  # two small parts, each read with its own cap
        _check_directory(infos, sheets)
        total = 0
        kept: dict[str, bytes] = {}
        for info in infos:
            name = _norm_name(info.filename)
            if info.is_dir() or not (_is_xml(name) or name in sheets):
                continue  # images, vbaProject.bin ...: declared sizes were checked, no parser reads them as XML
            sheet = sheets.get(name)
            is_sheet = sheet is not None or _is_sheet_part(name)
            sink: list[bytes] | None = [] if sheet is not None and keep is not None and keep(sheet) else None
            total += _scan_member(z, f, info, sheet or info.filename, is_sheet=is_sheet, strict=strict,
                                  budget=MAX_TOTAL_BYTES - total, sink=sink)
            if sink is not None:
                kept[sheet] = b"".join(sink)
        return kept


def _eocd_entries(f: IO[bytes]) -> int:
    """Entry count from the end-of-central-directory record, read before zipfile builds
    one object per entry (0 when the record is not found: zipfile will judge)."""
    f.seek(0, 2)
    size = f.tell()
    f.seek(max(0, size - 66_000))
    tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return 0
    count = struct.unpack("<H", tail[at + 10: at + 12])[0]
    return 0 if count == 0xFFFF else count  # 0xFFFF: the real count is in the zip64 record


def _check_directory(infos: list[zipfile.ZipInfo], sheets: dict[str, str]) -> None:
    """Declared sizes only: nothing is inflated here."""
    total = 0
    for info in infos:
        size = info.file_size
        total += size
        if size > MAX_MEMBER_BYTES:
            raise FileRefused("file-too-large", f"{_part_label(info.filename, sheets)}が展開すると {_mb(size)}")
        if size >= RATIO_MIN_BYTES and size > MAX_RATIO * max(info.compress_size, 1):
            ratio = size // max(info.compress_size, 1)
            raise FileRefused("file-too-large",
                              f"{_part_label(info.filename, sheets)}の圧縮率が異常です（{ratio:,} 倍）")
    if total > MAX_TOTAL_BYTES:
        raise FileRefused("file-too-large", f"展開後の合計 {_mb(total)}")


def _what_zip(names: dict[str, zipfile.ZipInfo]) -> str:
    if "xl/workbook.bin" in names:
        return "中身はバイナリ形式（.xlsb）のブックです"
    if "word/document.xml" in names:
        return "中身は Word 文書です"
    if "ppt/presentation.xml" in names:
        return "中身は PowerPoint 文書です"
    if "mimetype" in names or "content.xml" in names:
        return "中身は OpenDocument 形式（.ods など）です"
    return "Excel ブックの部品（xl/workbook.xml）がない ZIP ファイルです"


def _norm_name(name: str) -> str:
    return name.replace("\\", "/").lstrip("/").lower()


def _is_xml(name: str) -> bool:
    return name.endswith((".xml", ".rels", ".vml"))


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


# ---------------------------------------------------------------- sheet names
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MAX_INDEX_PART_BYTES = 16 * 1024 * 1024  # workbook.xml and its rels


def _sheet_names(z: zipfile.ZipFile, f: IO[bytes], names: dict[str, zipfile.ZipInfo]) -> dict[str, str]:
    """Normalised part name -> sheet name, for messages.  Each part's prolog is checked before
    defusedxml parses it."""
    from defusedxml import ElementTree as ET

    rels_info = names.get("xl/_rels/workbook.xml.rels")
    if rels_info is None:
        return {}
    try:
        wb = ET.fromstring(_read_small(z, f, names[WORKBOOK_PART]))
        rels = ET.fromstring(_read_small(z, f, rels_info))
    except FileRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - ParseError, defusedxml's refusals
        raise FileRefused("file-unreadable", "ブックの構成（workbook.xml）が壊れています") from exc
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_NS_PKG}Relationship")}
    out: dict[str, str] = {}
    for s in wb.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(s.get(f"{_NS_REL}id"), "")
        if target:
            part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            out[_norm_name(part)] = s.get("name", "")
    return out


def _read_small(z: zipfile.ZipFile, f: IO[bytes], info: zipfile.ZipInfo) -> bytes:
    if info.file_size > MAX_INDEX_PART_BYTES:
        raise FileRefused("file-too-large", f"部品 {info.filename} が {_mb(info.file_size)}")
    data = b"".join(_stream(z, f, info, MAX_INDEX_PART_BYTES))
    head = b"".join(_utf8_chunks(iter([data[: 2 * PROLOG_BYTES]])))  # UTF-16 seen as UTF-8
    _check_prolog(head[:PROLOG_BYTES], info.filename, final=True)
    return data  # parsed as written: expat reads the declared encoding itself


# ---------------------------------------------------------------- streaming a part
def _stream(z: zipfile.ZipFile, f: IO[bytes], info: zipfile.ZipInfo, cap: int) -> Iterator[bytes]:
    """Inflate one member in chunks, never more than `cap` bytes.  Stored and deflated members
    (all Excel writes) are inflated here from the raw bytes, so a member that inflates to more
    than it declares is caught; other methods go through zipfile, which stops at the declared size."""
    if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        yield from _raw_stream(f, info, cap)
        return
    got = 0
    try:
        with z.open(info) as fh:
            while chunk := fh.read(CHUNK_BYTES):
                got += len(chunk)
                if got > cap:
                    raise FileRefused("file-too-large", f"{_part_label(info.filename)}が {_mb(cap)} を超えます")
                yield chunk
    except FileRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - BadZipFile, NotImplementedError, lzma/bz2 errors
        raise FileRefused("file-unreadable", D_CRC if "CRC" in str(exc) else D_CORRUPT) from exc


def _raw_stream(f: IO[bytes], info: zipfile.ZipInfo, cap: int) -> Iterator[bytes]:
    f.seek(info.header_offset)
    header = f.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise FileRefused("file-unreadable", D_CORRUPT)
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    pos = info.header_offset + 30 + name_len + extra_len
    left = info.compress_size
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    got = 0
    crc = 0
    while True:
        if inflater is not None and inflater.unconsumed_tail:
            raw = inflater.unconsumed_tail
        else:
            if left <= 0:
                break
            f.seek(pos)
            raw = f.read(min(CHUNK_BYTES, left))
            if not raw:
                raise FileRefused("file-unreadable", D_CORRUPT)
            pos += len(raw)
            left -= len(raw)
        try:
            out = inflater.decompress(raw, CHUNK_BYTES) if inflater is not None else raw
        except zlib.error as exc:
            raise FileRefused("file-unreadable", D_CORRUPT) from exc
        if out:
            got += len(out)
            if got > cap or got > info.file_size:
                if got > cap:
                    raise FileRefused("file-too-large", f"{_part_label(info.filename)}が {_mb(cap)} を超えます")
                raise FileRefused("file-unreadable", D_CRC)  # inflates to more than it declares
            crc = zlib.crc32(out, crc)
            yield out
        if inflater is not None and inflater.eof:
            break
    if (inflater is not None and not inflater.eof) or got != info.file_size or crc != info.CRC:
        raise FileRefused("file-unreadable", D_CRC)


def _utf8_chunks(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Parts written in UTF-16 are scanned as UTF-8, so the byte patterns below see them."""
    first = next(chunks, b"")
    if not (first.startswith((b"\xff\xfe", b"\xfe\xff")) or first[:2] in (b"<\x00", b"\x00<")):
        if first:
            yield first
        yield from chunks
        return
    enc = "utf-16" if first.startswith((b"\xff\xfe", b"\xfe\xff")) else (
        "utf-16-le" if first[:1] == b"<" else "utf-16-be")
    dec = codecs.getincrementaldecoder(enc)(errors="replace")
    yield dec.decode(first).encode("utf-8")
    for chunk in chunks:
        yield dec.decode(chunk).encode("utf-8")
    yield dec.decode(b"", final=True).encode("utf-8")


_ROOT_START = re.compile(rb"<[A-Za-z_]")
_DECL = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)


def _check_prolog(head: bytes, part: str, *, final: bool) -> bool:
    """No DOCTYPE (hence no ENTITY) before the root element, and the root element starts
    within PROLOG_BYTES.  Returns True once the prolog has been seen whole."""
    m = _ROOT_START.search(head)
    prolog = head[: m.start()] if m else head
    if _DECL.search(prolog):
        raise FileRefused("file-unsafe", f"XML の文書型宣言（DOCTYPE）を含む部品 {part}")
    if m is None and len(head) >= PROLOG_BYTES:
        raise FileRefused("file-unsafe", f"XML の先頭部分が異常な部品 {part}")
    return m is not None or final


def _scan_member(z: zipfile.ZipFile, f: IO[bytes], info: zipfile.ZipInfo, label: str, *,
                 is_sheet: bool, strict: bool, budget: int, sink: list[bytes] | None = None) -> int:
    """Read one XML part as a stream: its prolog, declarations anywhere, and for worksheets the
    extent of their cells and merged ranges.  Returns the bytes inflated; the (UTF-8) chunks
    also go to `sink` when one is given."""
    cap = min(MAX_MEMBER_BYTES, max(budget, 0))
    scanner = _SheetScanner(label, strict) if is_sheet else None
    head = b""
    prolog_done = False
    tail = b""
    got = 0
    for chunk in _utf8_chunks(_stream(z, f, info, cap)):
        got += len(chunk)
        if not prolog_done:
            head += chunk[: PROLOG_BYTES - len(head)]
            prolog_done = _check_prolog(head, info.filename, final=False)
        window = tail + chunk
        if b"!" in window and _DECL.search(window):  # memchr for a '!' first: most parts have none
            raise FileRefused("file-unsafe", f"XML の文書型宣言（DOCTYPE）を含む部品 {info.filename}")
        tail = window[-16:]
        if scanner is not None:
            scanner.feed(chunk)
        if sink is not None:
            sink.append(chunk)
    if not prolog_done:
        _check_prolog(head, info.filename, final=True)
    if scanner is not None:
        scanner.close()
    return got


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


# ---------------------------------------------------------------- cell text
def sanitize_cell_text(text: str, limit: int = EXCEL_CELL_LIMIT) -> tuple[str, bool, bool]:
    """(cleaned, had_control, was_truncated) for a reader that wants both facts at once:
    control characters removed with normalise.strip_control, then the text cut to `limit`
    UTF-16 code units (as Excel counts) with sanitize.cut_utf16."""
    from .sanitize import cut_utf16

    had_control = has_control(text)
    cleaned = strip_control(text) if had_control else text
    if len(cleaned) <= limit // 2:
        return cleaned, had_control, False
    cut = cut_utf16(cleaned, limit)
    return cut, had_control, len(cut) < len(cleaned)
