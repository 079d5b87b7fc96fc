"""Reading one part of the zip package: inflated in chunks within a byte cap (a member that
inflates to more than it declares is caught), parts in UTF-16 seen as UTF-8, no DOCTYPE or
ENTITY anywhere, and worksheets followed by the extent scanner (extent.py) on the way."""
from __future__ import annotations

import codecs
import re
import struct
import zipfile
import zlib
from typing import IO, Iterator

from .common import CHUNK_BYTES, D_CORRUPT, D_CRC, MAX_MEMBER_BYTES, PROLOG_BYTES, FileRefused, _mb, _part_label
from .extent import _SheetScanner

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
