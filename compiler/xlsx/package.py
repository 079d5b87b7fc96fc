"""An xlsx/xlsm package edited part by part: every part we do not touch is copied byte for byte.

Used for the annotated returns: a department's workbook keeps its dropdowns (including the
Excel-2010 `x14` extension validations that openpyxl drops), macros, images and anything else
we do not understand, because we only rewrite the parts we annotate.
"""
from __future__ import annotations

import functools
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import MutableMapping
from pathlib import Path
from typing import IO, Iterator

from lxml import etree

from compiler.sheetxml import column_letter  # noqa: F401  (used by annotate)

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_WORKSHEET = f"{NS_REL}/worksheet"
REL_COMMENTS = f"{NS_REL}/comments"
REL_VML = f"{NS_REL}/vmlDrawing"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
MAX_PART_BYTES = 200 * 1024 * 1024  # the reader's guard has passed the file; this is a last fence
COMPRESS_LEVEL = 1  # zlib level for the returned copies: twice as fast as 6, files about a quarter larger


class PackageError(Exception):
    """The workbook's package cannot be annotated (missing or unsafe parts)."""


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          remove_blank_text=False)


_XML_ILLEGAL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _refuse_dtd(data: bytes, part: str) -> None:
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data:
        raise PackageError(f"{part}: DTD/エンティティ宣言を含むため処理しません")


def parse_xml(data: bytes, part: str) -> etree._Element:
    _refuse_dtd(data, part)
    # control characters make the XML illegal; removing them (safe byte-wise in UTF-8) also
    # cleans the returned copy, which is what the department must fix anyway
    if _XML_ILLEGAL_BYTES.search(data):
        data = _XML_ILLEGAL_BYTES.sub(b"", data)
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise PackageError(f"{part}: XML を解析できません（{exc}）") from exc


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


class _Parts(MutableMapping):
    """The parts of a package by name, in their original order (new ones appended), each
    inflated only when first read: a workbook's big worksheets are not inflated to look at its
    styles, and a return inflates what it copies once."""

    def __init__(self, path: Path) -> None:
        self.infos: dict[str, zipfile.ZipInfo] = {}
        self.data: dict[str, bytes] = {}
        try:
            # the file is small (the reader's preflight capped it): held whole, no handle kept open
            self.raw = Path(path).read_bytes()
            self.zip = zipfile.ZipFile(io.BytesIO(self.raw))
            for info in self.zip.infolist():
                if info.is_dir():
                    continue
                if info.file_size > MAX_PART_BYTES:
                    raise PackageError(f"{info.filename}: 大きすぎます")
                self.infos[info.filename] = info
        except (zipfile.BadZipFile, OSError) as exc:
            raise PackageError(f"zip として開けません（{exc}）") from exc
        self.order = list(self.infos)

    def _inflate(self, names: list[str]) -> None:
        try:
            for name in names:
                self.data[name] = self._read(name)
        except (zipfile.BadZipFile, OSError, KeyError, zlib.error) as exc:
            raise PackageError(f"zip として開けません（{exc}）") from exc

    def _read(self, name: str) -> bytes:
        """A part's bytes: a stored or deflated member straight from the zip's bytes (what zipfile
        does, less its file object), its CRC checked; others through zipfile."""
        raw = self._member(name)
        if raw is None:
            return self.zip.read(self.infos[name])
        method, crc, size, data = raw
        if method == zipfile.ZIP_DEFLATED:
            data = zlib.decompress(data, -15, max(size, 1))
        if len(data) != size or zlib.crc32(data) != crc:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {name!r}")
        return data

    def head(self, name: str, size: int) -> bytes:
        """The first `size` bytes of a part, inflating no more than that when it is not read yet."""
        if name in self.data:
            return self.data[name][:size]
        try:
            raw = self._member(name)
            if raw is None:
                with self.zip.open(self.infos[name]) as fh:
                    return fh.read(size)
            method, _, _, data = raw
            return zlib.decompressobj(-15).decompress(data, size) if method == zipfile.ZIP_DEFLATED else data[:size]
        except (zipfile.BadZipFile, OSError, zlib.error) as exc:
            raise PackageError(f"zip として開けません（{exc}）") from exc

    def raw_member(self, name: str) -> tuple[int, int, int, bytes] | None:
        """(method, crc, size, compressed bytes) of a part as it lies in the source zip, when it was
        never read or replaced and is stored or deflated; None otherwise."""
        return None if name in self.data else self._member(name)

    def _member(self, name: str) -> tuple[int, int, int, bytes] | None:
        """raw_member of the source zip's member, read or not."""
        info = self.infos.get(name)
        if info is None or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return None
        at = info.header_offset
        head = self.raw[at:at + 30]
        if len(head) < 30 or head[:4] != b"PK\x03\x04" or info.flag_bits & 0x1:
            return None
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        start = at + 30 + name_len + extra_len
        data = self.raw[start:start + info.compress_size]
        if len(data) != info.compress_size:
            return None
        return info.compress_type, info.CRC, info.file_size, data

    def __getitem__(self, name: str) -> bytes:
        if name not in self.data:
            if name not in self.infos:
                raise KeyError(name)
            self._inflate([name])
        return self.data[name]

    def __setitem__(self, name: str, data: bytes) -> None:
        if name not in self.data and name not in self.infos:
            self.order.append(name)
        self.data[name] = data

    def __delitem__(self, name: str) -> None:
        raise TypeError("parts are never removed from a package")

    def __contains__(self, name: object) -> bool:
        return name in self.data or name in self.infos

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.order))

    def __len__(self) -> int:
        return len(self.order)

    def items(self):  # type: ignore[override]  # every part, inflated in one pass over the zip
        self._inflate([n for n in self.order if n not in self.data])
        return [(n, self.data[n]) for n in self.order]


class _ZipWriter:
    """A zip archive written entry by entry with fixed dates: deflated data, or a member copied
    still compressed from another zip (zipfile cannot copy without inflating).  Sizes stay within
    the 32-bit fields: the reader's preflight caps a part at 100 MB and a package at 200 MB."""

    _DOS_DATE = ((FIXED_TIME[0] - 1980) << 9) | (FIXED_TIME[1] << 5) | FIXED_TIME[2]
    _DOS_TIME = (FIXED_TIME[3] << 11) | (FIXED_TIME[4] << 5) | (FIXED_TIME[5] // 2)

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.central: list[bytes] = []
        self.offset = 0

    def deflate(self, name: str, data: bytes) -> None:
        packer = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
        self.copy(name, zipfile.ZIP_DEFLATED, zlib.crc32(data), len(data), packer.compress(data) + packer.flush())

    def copy(self, name: str, method: int, crc: int, size: int, data: bytes) -> None:
        encoded = name.encode("utf-8")
        flags = 0 if name.isascii() else 0x800  # bit 11: the name is UTF-8
        fields = (20, flags, method, self._DOS_TIME, self._DOS_DATE, crc, len(data), size, len(encoded))
        self.out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", *fields, 0) + encoded)
        self.out.write(data)
        self.central.append(struct.pack("<4sBBHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 3, *fields, 0, 0, 0, 0,
                                        0o600 << 16, self.offset) + encoded)
        self.offset += 30 + len(encoded) + len(data)

    def close(self) -> None:
        directory = b"".join(self.central)
        self.out.write(directory)
        n = len(self.central)
        self.out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, n, n, len(directory), self.offset, 0))


class Package:
    """The parts of a zip package in their original order; new parts are appended."""

    def __init__(self, path: Path) -> None:
        self.parts = _Parts(path)
        # what was read from a relationships part or workbook.xml, with the bytes it was read from:
        # valid while the part holds those very bytes (a part changes only by being replaced)
        self._rels: dict[str, tuple[bytes, list[tuple[str | None, str, str]]]] = {}
        self._sheets: tuple[bytes, bytes | None, int, dict[str, str]] | None = None
        if "[Content_Types].xml" not in self.parts or "xl/workbook.xml" not in self.parts:
            raise PackageError("Excel ブックの構成（[Content_Types].xml, xl/workbook.xml）がありません")

    # ------------------------------------------------------------ parts
    def xml(self, name: str) -> etree._Element:
        if name not in self.parts:
            raise PackageError(f"{name} がありません")
        return parse_xml(self.parts[name], name)

    def refuse_dtds(self) -> None:
        """Raise when any XML part declares a DTD or entities (a copy must not pass them on)."""
        for name, data in self.parts.items():
            if name.lower().endswith((".xml", ".rels", ".vml")):
                _refuse_dtd(data, name)

    def put_xml(self, name: str, root: etree._Element) -> None:
        self.parts[name] = to_bytes(root)

    def unused_name(self, pattern: str) -> str:
        """`pattern` with {n} replaced by the first number not in use, e.g. xl/comments{n}.xml."""
        n = 1
        lowered = {p.lower() for p in self.parts}
        while pattern.format(n=n).lower() in lowered:
            n += 1
        return pattern.format(n=n)

    def save(self, path: Path) -> None:
        """Write deterministically: original order, fixed timestamps.  A part never read is copied as
        it lies in the source (still compressed: the unmarked sheets of a return are not inflated
        and deflated again); the others are deflated."""
        with open(path, "wb") as out:
            writer = _ZipWriter(out)
            for name in self.parts:
                raw = self.parts.raw_member(name)
                if raw is not None:
                    writer.copy(name, *raw)
                else:
                    writer.deflate(name, self.parts[name])
            writer.close()

    # ------------------------------------------------------------ content types
    def add_override(self, part: str, content_type: str) -> None:
        root = self.xml("[Content_Types].xml")
        name = "/" + part
        for el in root.iter(q(NS_CT, "Override")):
            if el.get("PartName", "").lower() == name.lower():
                return
        etree.SubElement(root, q(NS_CT, "Override"), PartName=name, ContentType=content_type)
        self.put_xml("[Content_Types].xml", root)

    def add_default(self, extension: str, content_type: str) -> None:
        root = self.xml("[Content_Types].xml")
        for el in root.iter(q(NS_CT, "Default")):
            if el.get("Extension", "").lower() == extension.lower():
                return
        el = etree.Element(q(NS_CT, "Default"), Extension=extension, ContentType=content_type)
        root.insert(0, el)
        self.put_xml("[Content_Types].xml", root)

    # ------------------------------------------------------------ relationships
    @staticmethod
    @functools.lru_cache(maxsize=4096)  # a handful of names, asked for again at every relationship look-up
    def rels_name(part: str) -> str:
        folder, base = posixpath.split(part)
        return posixpath.join(folder, "_rels", base + ".rels")

    def rels(self, part: str) -> etree._Element:
        name = self.rels_name(part)
        if name in self.parts:
            return self.xml(name)
        return etree.Element(q(NS_PKG_REL, "Relationships"), nsmap={None: NS_PKG_REL})

    def related(self, part: str, rel_type: str) -> list[tuple[str, str]]:
        """(rId, target part) of `part`'s relationships of one type."""
        name = self.rels_name(part)
        if name not in self.parts:
            return []
        data = self.parts[name]
        known = self._rels.get(name)
        if known is None or known[0] is not data:
            rels = [(el.get("Type"), el.get("Id", ""), resolve(part, el.get("Target", "")))
                    for el in self.xml(name).iter(q(NS_PKG_REL, "Relationship")) if el.get("TargetMode") != "External"]
            known = self._rels[name] = (data, rels)  # one part's relationships: rels_name(part) is that part's alone
        return [(rid, target) for kind, rid, target in known[1] if kind == rel_type]

    def add_rel(self, part: str, rel_type: str, target_part: str) -> str:
        root = self.rels(part)
        ids = {el.get("Id") for el in root.iter(q(NS_PKG_REL, "Relationship"))}
        n = 1
        while f"rIdA{n}" in ids:
            n += 1
        rid = f"rIdA{n}"
        target = posixpath.relpath(target_part, posixpath.dirname(part))
        etree.SubElement(root, q(NS_PKG_REL, "Relationship"), Id=rid, Type=rel_type, Target=target)
        self.put_xml(self.rels_name(part), root)
        return rid

    # ------------------------------------------------------------ sheets
    def sheet_parts(self) -> dict[str, str]:
        """Sheet name -> worksheet part, in workbook order."""
        wb_data = self.parts["xl/workbook.xml"]
        rels_name = self.rels_name("xl/workbook.xml")
        rels_data = self.parts[rels_name] if rels_name in self.parts else None
        known = self._sheets  # parts are never removed: one more part may be a sheet's target
        if known is not None and known[0] is wb_data and known[1] is rels_data and known[2] == len(self.parts):
            return dict(known[3])
        out = self._sheet_parts()
        self._sheets = (wb_data, rels_data, len(self.parts), dict(out))
        return out

    def _sheet_parts(self) -> dict[str, str]:
        wb = self.xml("xl/workbook.xml")
        targets = {rid: target for rid, target in self.related("xl/workbook.xml", REL_WORKSHEET)}
        out = {}
        for s in wb.iter(q(NS_MAIN, "sheet")):
            target = targets.get(s.get(q(NS_REL, "id"), ""))
            if target and target in self.parts:
                out[s.get("name", "")] = target
        return out


def resolve(source_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


def split_cell(ref: str) -> tuple[int, int] | None:
    """'D5' -> (row 5, column 4), 1-based; None for anything that is not one cell."""
    m = _CELL.match(ref.strip())
    if not m:
        return None
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    row = int(m.group(2))
    if not (1 <= row <= 1_048_576 and 1 <= col <= 16_384):
        return None
    return row, col



