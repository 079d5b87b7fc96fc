"""The preflight's entry point: the file's magic numbers, then its zip package (directory,
declared sizes, sheet names), each XML part then read as a bounded stream (stream.py)."""
from __future__ import annotations

import stat
import struct
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO, Callable

from .common import (
    D_CORRUPT, D_EMPTY, D_ENCRYPTED, D_OLE_BROKEN, D_XLS, MAX_FILE_BYTES, MAX_MEMBER_BYTES, MAX_MEMBERS,
    MAX_RATIO, MAX_TOTAL_BYTES, OLE_MAGIC, PROLOG_BYTES, RATIO_MIN_BYTES, WORKBOOK_PART, ZIP_MAGICS,
    FileRefused, _is_sheet_part, _mb, _norm_name, _part_label,
)
from .stream import _check_prolog, _scan_member, _stream, _utf8_chunks

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


def _is_xml(name: str) -> bool:
    return name.endswith((".xml", ".rels", ".vml"))


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
