"""The bad-input corpus: builders that write one hostile or awkward file each, built by code.

Every builder takes a directory, writes one file into it and returns a `Case`: the file's
name, what the preflight (compiler.guard.check_package) must say about it, and the exact
problems (code, sheet, cell) a compile must report for that file — nothing more, nothing less.

Row-level cases each use their own 課 (see EXTRA_DEPARTMENTS, added to the test master) so
that no two files belong to one 課 by accident (that is a case of its own: file-same-dept).
"""
from __future__ import annotations

import datetime as dt
import io
import re
import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import openpyxl

from compiler.models import SHEET_PLAN, SHEET_RESILIENCE
from compiler.schema import columns_for
from compiler.validate import letter
from tests.builders import YEARS, plan_row, write_book, write_master

ERROR = "エラー"
WARNING = "警告"


@dataclass(frozen=True)
class Expected:
    code: str
    sheet: str = ""
    cell: str = ""
    severity: str = ERROR
    column: str = ""  # 検証結果's 項目: the column label, blank for file-level problems


@dataclass(frozen=True)
class Case:
    name: str  # short id for test ids
    file: str  # file name inside the directory
    preflight: str | None  # code check_package raises; None: the package is acceptable
    problems: tuple[Expected, ...] = ()  # exactly what a compile reports for this file
    rows: tuple[tuple[str, int], ...] = ()  # (sheet, Excel row) of rows that must reach a project
    excluded: tuple[tuple[str, int], ...] = ()  # (sheet, Excel row) of rows read but excluded
    checks: dict[str, object] = field(default_factory=dict)  # extra facts about the projects
    skipped: bool = False  # the file is skipped silently (lock files)


Builder = Callable[[Path], Case]


# ---------------------------------------------------------------- helpers



def cell(sheet: str, key: str, row: int) -> str:
    """A1 cell of field `key` in a workbook written by tests.builders.write_book."""
    keys = [c.key for c in columns_for(sheet, YEARS)]
    return f"{letter(keys.index(key))}{row}"


def good_rows(name: str, dept: str, n: int = 2) -> dict[str, list[dict[str, object]]]:
    """Rows that validate without any problem against tests.builders.MASTER."""
    return {
        SHEET_PLAN: [plan_row(f"{name}{i}事業", dept=dept, **{"budget:R7": 1000 * i, "budget:R8": 500})
                     for i in range(1, n + 1)],
        SHEET_RESILIENCE: [{"name": f"{name}1事業", "dept": dept, "scenarios": "1-3", "location": "中央地区"}],
    }


def good_workbook(d: Path, file: str = "0501_河川課.xlsx", dept: str = "河川課", n: int = 2) -> Case:
    write_book(d / file, good_rows(dept, dept, n))
    rows = tuple((SHEET_PLAN, r) for r in range(2, n + 2)) + ((SHEET_RESILIENCE, 2),)
    return Case("good", file, None, rows=rows)


def _book_bytes(sheets: dict[str, list[dict[str, object]]], **kw: object) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_book(Path(tmp) / "book.xlsx", sheets, **kw)  # type: ignore[arg-type]
        return path.read_bytes()


def _replace_text(data: bytes, old: bytes, new: bytes) -> bytes:
    """Replace bytes in every XML member (openpyxl may write strings inline or shared)."""
    names = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.endswith(".xml")]
    return _rezip(data, {n: (lambda x: x.replace(old, new)) for n in names})


def _rezip(data: bytes, patches: dict[str, Callable[[bytes], bytes]] | None = None,
           add: dict[str, bytes] | None = None) -> bytes:
    """Rewrite an xlsx: patch members by name, add members."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            fn = (patches or {}).get(info.filename)
            z.writestr(info.filename, fn(body) if fn else body)
        for name, body in (add or {}).items():
            z.writestr(name, body)
    return out.getvalue()


def _sheet_part(data: bytes, sheet: str) -> str:
    """Part name of a sheet in a workbook written by openpyxl (sheets in order)."""
    names = openpyxl.load_workbook(io.BytesIO(data), read_only=True).sheetnames
    return f"xl/worksheets/sheet{names.index(sheet) + 1}.xml"


def _replace_cell(xml: bytes, ref: str, new: bytes) -> bytes:
    pat = re.compile(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', re.S)
    assert pat.search(xml), ref
    return pat.sub(lambda _m: new, xml, count=1)


def _with_shared_strings(data: bytes, sst: bytes) -> bytes:
    """Add xl/sharedStrings.xml (and its relationship and content type) to a workbook."""
    def rels(body: bytes) -> bytes:
        return body.replace(b"</Relationships>",
                            b'<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                            b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')

    def types(body: bytes) -> bytes:
        return body.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')

    return _rezip(data, {"xl/_rels/workbook.xml.rels": rels, "[Content_Types].xml": types},
                  {"xl/sharedStrings.xml": sst})


# ---------------------------------------------------------------- raw zip writer (for bombs)
def write_raw_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> None:
    """members: (name, deflated bytes, crc32, declared uncompressed size).  Written by hand so
    the declared size can be anything and huge members never pass through memory inflated."""
    central = b""
    with path.open("wb") as f:
        for name, data, crc, size in members:
            offset = f.tell()
            raw = name.encode()
            f.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0x800, 8, 0, 0x21, crc, len(data), size, len(raw), 0))
            f.write(raw)
            f.write(data)
            central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0x800, 8, 0, 0x21, crc, len(data), size,
                                   len(raw), 0, 0, 0, 0, 0, offset) + raw
        start = f.tell()
        f.write(central)
        f.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), start, 0))


def _deflate(data: bytes) -> tuple[bytes, int, int]:
    co = zlib.compressobj(6, zlib.DEFLATED, -15)
    return co.compress(data) + co.flush(), zlib.crc32(data), len(data)


_CT = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       b'<Default Extension="xml" ContentType="application/xml"/>'
       b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
       b"</Types>")
_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
         b"</Relationships>")
_WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
       '<sheet name="総合計画" sheetId="1" r:id="rId1"/></sheets></workbook>').encode()
_WB_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            b"</Relationships>")
_SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               b"<sheetData>")
_SHEET_TAIL = b"</sheetData></worksheet>"


def _package_with_sheet(path: Path, sheet: tuple[bytes, int, int]) -> None:
    write_raw_zip(path, [("[Content_Types].xml", *_deflate(_CT)), ("_rels/.rels", *_deflate(_RELS)),
                         ("xl/workbook.xml", *_deflate(_WB)), ("xl/_rels/workbook.xml.rels", *_deflate(_WB_RELS)),
                         ("xl/worksheets/sheet1.xml", *sheet)])


def bomb_stream(megabytes: int) -> tuple[bytes, int, int]:
    """A worksheet part of `megabytes` MiB (white space inside <sheetData>), deflated without
    ever holding it inflated: one 1 MiB block is compressed once after a full flush and its
    bytes repeated.  Returns (deflated, crc32, size)."""
    block = b" " * (1024 * 1024)
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = co.compress(_SHEET_HEAD) + co.flush(zlib.Z_FULL_FLUSH)
    body = co.compress(block) + co.flush(zlib.Z_FULL_FLUSH)
    tail = co.compress(_SHEET_TAIL) + co.flush(zlib.Z_FINISH)
    crc = zlib.crc32(_SHEET_HEAD)
    for _ in range(megabytes):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(_SHEET_TAIL, crc)
    size = len(_SHEET_HEAD) + megabytes * len(block) + len(_SHEET_TAIL)
    return head + body * megabytes + tail, crc, size


# ---------------------------------------------------------------- minimal OLE (.xls)
def ole_file(streams: dict[str, bytes]) -> bytes:
    """A minimal valid OLE compound file (v3, 512-byte sectors) holding `streams`, each padded
    to at least 4096 bytes so no mini stream is needed.  Enough for olefile and msoffcrypto."""
    sector = 512
    end, free, fat_sect = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    names = list(streams)
    datas = [streams[n].ljust(4096, b"\0") for n in names]
    datas = [d.ljust(-(-len(d) // sector) * sector, b"\0") for d in datas]
    n_dir_entries = 1 + len(names)
    dir_sectors = -(-n_dir_entries * 128 // sector)
    data_sectors = sum(len(d) // sector for d in datas)
    fat = [fat_sect]  # sector 0: the FAT itself
    fat += [i + 1 for i in range(1, dir_sectors)] + [end]  # directory chain from sector 1
    starts = []
    nxt = 1 + dir_sectors
    for d in datas:
        count = len(d) // sector
        starts.append(nxt)
        fat += [nxt + i + 1 for i in range(count - 1)] + [end]
        nxt += count
    assert len(fat) <= sector // 4, "too many sectors for one FAT sector"
    fat += [free] * (sector // 4 - len(fat))

    def entry(name: str, kind: int, start: int, size: int, child: int = free, right: int = free) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0" if name else b""
        return (raw.ljust(64, b"\0") + struct.pack("<HBBLLL", len(raw), kind, 1, free, right, child)
                + b"\0" * 16 + b"\0" * 4 + b"\0" * 16 + struct.pack("<LLL", start, size, 0))

    entries = [entry("Root Entry", 5, end, 0, child=1 if names else free)]
    for i, (name, d) in enumerate(zip(names, datas)):
        entries.append(entry(name, 2, starts[i], len(streams[name].ljust(4096, b"\0")),
                             right=i + 2 if i + 1 < len(names) else free))
    directory = b"".join(entries).ljust(dir_sectors * sector, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<LLLLLLLLL", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<L", 0) + struct.pack("<L", free) * 108)
    assert len(header) == 512
    return header + struct.pack(f"<{sector // 4}L", *fat) + directory + b"".join(datas)


def biff8_workbook_stream() -> bytes:
    """BOF (workbook globals, BIFF8) + EOF: what an old .xls's Workbook stream starts with."""
    bof = struct.pack("<HHHHHHLL", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06)
    eof = struct.pack("<HH", 0x000A, 0)
    return bof + eof


# ---------------------------------------------------------------- file-level cases
def empty_file(d: Path) -> Case:
    f = "0101_空のファイル.xlsx"
    (d / f).write_bytes(b"")
    return Case("empty", f, "file-unreadable", (Expected("file-unreadable"),))


def text_renamed(d: Path) -> Case:
    f = "0102_テキスト.xlsx"
    (d / f).write_bytes("事業名,所管課,施策コード\n雨水排水施設整備事業,河川課,3-4\n".encode("cp932"))
    return Case("text-renamed", f, "file-not-xlsx", (Expected("file-not-xlsx"),))


def xls_renamed(d: Path) -> Case:
    f = "0103_旧形式.xlsx"
    (d / f).write_bytes(ole_file({"Workbook": biff8_workbook_stream()}))
    return Case("xls-renamed", f, "file-xls", (Expected("file-xls"),))


def encrypted_workbook(d: Path) -> Case:
    from msoffcrypto.format.ooxml import OOXMLFile

    f = "0104_パスワード付き.xlsx"
    plain = _book_bytes(good_rows("暗号", "河川課"))
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt("himitsu", out)
    (d / f).write_bytes(out.getvalue())
    return Case("encrypted", f, "file-encrypted", (Expected("file-encrypted"),))


def truncated_zip(d: Path) -> Case:
    f = "0105_途中まで.xlsx"
    data = _book_bytes(good_rows("途中", "河川課"))
    (d / f).write_bytes(data[: len(data) // 2])
    return Case("truncated-zip", f, "file-unreadable", (Expected("file-unreadable"),))


def corrupt_member(d: Path) -> Case:
    """The zip directory is intact, but bytes inside the sheet's deflate stream are flipped."""
    f = "0106_壊れた部品.xlsx"
    data = bytearray(_book_bytes(good_rows("破損", "河川課")))
    z = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 20, start + min(info.compress_size, 200) - 10):
        data[i] ^= 0x5A
    (d / f).write_bytes(bytes(data))
    return Case("corrupt-member", f, "file-unreadable", (Expected("file-unreadable"),))


def word_renamed(d: Path) -> Case:
    f = "0107_Word文書.xlsx"
    with zipfile.ZipFile(d / f, "w") as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("word/document.xml", b'<?xml version="1.0"?><w:document xmlns:w="urn:x"/>')
    return Case("docx-renamed", f, "file-not-xlsx", (Expected("file-not-xlsx"),))


def billion_laughs(d: Path) -> Case:
    f = "0108_実体爆弾.xlsx"
    ents = "".join(f'<!ENTITY lol{i} "{"&lol%d;" % (i - 1) * 10}">' for i in range(1, 10))
    sst = (f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sst [<!ENTITY lol0 "lol">{ents}]>\n'
           '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
           "<si><t>&lol9;</t></si></sst>").encode()
    (d / f).write_bytes(_with_shared_strings(_book_bytes(good_rows("爆弾", "河川課")), sst))
    return Case("billion-laughs", f, "file-unsafe", (Expected("file-unsafe"),))


def external_entity(d: Path) -> Case:
    f = "0109_外部実体.xlsx"
    sst = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
           b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
           b"<si><t>&xxe;</t></si></sst>")
    (d / f).write_bytes(_with_shared_strings(_book_bytes(good_rows("外部", "河川課")), sst))
    return Case("xxe", f, "file-unsafe", (Expected("file-unsafe"),))


BOMB_MB = 512


def zip_bomb(d: Path) -> Case:
    """A worksheet that inflates to 512 MiB, about 0.5 MB on disk."""
    f = "0110_ZIP爆弾.xlsx"
    _package_with_sheet(d / f, bomb_stream(BOMB_MB))
    return Case("zip-bomb", f, "file-too-large", (Expected("file-too-large"),))


def lying_sizes(d: Path) -> Case:
    """The directory says the sheet is 2 KB; its deflate stream goes on for 64 MiB."""
    f = "0111_サイズ偽装.xlsx"
    data, crc, _size = bomb_stream(64)
    _package_with_sheet(d / f, (data, crc, 2048))
    return Case("lying-sizes", f, "file-unreadable", (Expected("file-unreadable"),))


def far_cell(d: Path) -> Case:
    """Cells at A1 and XFD1048576: calamine would try to allocate ~550 GB and abort."""
    f = "0112_最終セル.xlsx"
    data = _book_bytes(good_rows("最終", "河川課"))
    part = _sheet_part(data, SHEET_PLAN)
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    (d / f).write_bytes(_rezip(data, {part: lambda x: x.replace(b"</sheetData>", far)}))
    return Case("far-cell", f, "file-too-large", (Expected("file-too-large"),))


def huge_merge(d: Path) -> Case:
    """A merged range over the whole sheet (openpyxl would create a billion MergedCells)."""
    f = "0113_全体結合.xlsx"
    data = _book_bytes(good_rows("結合", "河川課"))
    part = _sheet_part(data, SHEET_PLAN)
    merge = b'</sheetData><mergeCells count="1"><mergeCell ref="A20:XFD1048576"/></mergeCells>'
    (d / f).write_bytes(_rezip(data, {part: lambda x: x.replace(b"</sheetData>", merge)}))
    return Case("huge-merge", f, "file-too-large", (Expected("file-too-large"),))


def no_template_sheet(d: Path) -> Case:
    f = "0114_様式外.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "集計表"
    wb.active.append(["事業", "金額"])
    wb.active.append(["何か", 100])
    wb.save(d / f)
    return Case("no-template-sheet", f, None, (Expected("file-no-template-sheet"),))


def lock_file(d: Path) -> Case:
    f = "~$0501_河川課.xlsx"
    (d / f).write_bytes(b"\x0bOwner name" + b"\0" * 150)
    return Case("lock-file", f, "file-not-xlsx", skipped=True)


FILE_CASES: tuple[Builder, ...] = (
    empty_file, text_renamed, xls_renamed, encrypted_workbook, truncated_zip, corrupt_member, word_renamed,
    billion_laughs, external_entity, zip_bomb, lying_sizes, far_cell, huge_merge,
)


# ---------------------------------------------------------------- row-level cases
# one 課 per case, added to the test master's 課一覧
EXTRA_DEPARTMENTS = {
    "header-renamed": "見出し課", "column-missing": "列欠落課", "title-above-header": "表題課",
    "merged-data": "結合課", "hidden-rows": "非表示課", "formula-no-value": "数式課", "div0": "エラー値課",
    "text-numbers": "全角課", "bad-amounts": "金額課", "date-in-year": "日付課", "long-text": "長文課",
    "control-chars": "制御課", "formula-text": "数式文字課",
}


def master_extra_rows() -> dict[str, list[tuple[str, str, str]]]:
    return {"課一覧": [("検証部", dept, f"9{i:03d}") for i, dept in enumerate(EXTRA_DEPARTMENTS.values())]}


def _dept(case: str) -> str:
    return EXTRA_DEPARTMENTS[case]


def _plan_rows(case: str, n: int = 2, **first: object) -> list[dict[str, object]]:
    rows = [plan_row(f"{_dept(case)}事業{i}", dept=_dept(case)) for i in range(1, n + 1)]
    rows[0].update(first)
    return rows


def _plan_case(name: str, file: str, problems: tuple[Expected, ...] = (), n: int = 2, first_row: int = 2,
               **checks: object) -> Case:
    return Case(name, file, None, problems, rows=tuple((SHEET_PLAN, r) for r in range(first_row, first_row + n)),
                checks=dict(checks))


def header_renamed(d: Path) -> Case:
    """事業内容 renamed 内容: a required column is missing (one error for the sheet) and 内容 is an
    unknown column; the rows still have 事業名 and 所管課, so they reach projects (要確認)."""
    f = "0201_見出し変更.xlsx"
    write_book(d / f, {SHEET_PLAN: _plan_rows("header-renamed")})
    wb = openpyxl.load_workbook(d / f)
    ws = wb[SHEET_PLAN]
    for c in ws[1]:
        if c.value == "事業内容":
            c.value = "内容"
    wb.save(d / f)
    unknown = cell(SHEET_PLAN, "content", 1)
    return Case("header-renamed", f, None, (Expected("sheet-missing-column", SHEET_PLAN, "A1", column="事業内容"),
                                            Expected("sheet-unknown-column", SHEET_PLAN, unknown, WARNING, "内容")),
                rows=((SHEET_PLAN, 2), (SHEET_PLAN, 3)))


def column_missing(d: Path) -> Case:
    """The 所管課 column deleted from 国土強靱化."""
    f = "0202_列削除.xlsx"
    dept = _dept("column-missing")
    write_book(d / f, {SHEET_RESILIENCE: [{"name": "列欠落事業", "dept": dept, "scenarios": "1-3", "location": "東地区"}]})
    wb = openpyxl.load_workbook(d / f)
    ws = wb[SHEET_RESILIENCE]
    ws.delete_cols([c.value for c in ws[1]].index("所管課") + 1)
    wb.save(d / f)
    return Case("column-missing", f, None, (Expected("sheet-missing-column", SHEET_RESILIENCE, "A1", column="所管課"),),
                excluded=((SHEET_RESILIENCE, 2),))


def title_above_header(d: Path) -> Case:
    """A merged title on row 1, the header on row 3."""
    f = "0203_表題付き.xlsx"
    write_book(d / f, {SHEET_PLAN: _plan_rows("title-above-header")}, header_row=3,
               title="令和7年度 実施計画調書（表題課）")
    wb = openpyxl.load_workbook(d / f)
    wb[SHEET_PLAN].merge_cells("A1:H1")
    wb.save(d / f)
    return _plan_case("title-above-header", f, first_row=4)


def merged_data(d: Path) -> Case:
    """所管課 merged over two data rows: both rows get it."""
    f = "0204_セル結合.xlsx"
    rows = _plan_rows("merged-data")
    rows[1]["dept"] = None
    write_book(d / f, {SHEET_PLAN: rows})
    wb = openpyxl.load_workbook(d / f)
    col = cell(SHEET_PLAN, "dept", 2)[0]
    wb[SHEET_PLAN].merge_cells(f"{col}2:{col}3")
    wb.save(d / f)
    return _plan_case("merged-data", f, depts=(_dept("merged-data"),) * 2)


def hidden_rows(d: Path) -> Case:
    f = "0205_非表示行.xlsx"
    write_book(d / f, {SHEET_PLAN: _plan_rows("hidden-rows", 3)})
    wb = openpyxl.load_workbook(d / f)
    wb[SHEET_PLAN].row_dimensions[3].hidden = True
    wb.save(d / f)
    return _plan_case("hidden-rows", f, (Expected("sheet-hidden-rows", SHEET_PLAN, "A3", WARNING),), n=3)


def formula_no_value(d: Path) -> Case:
    """openpyxl writes formulas without a cached value."""
    f = "0206_数式.xlsx"
    write_book(d / f, {SHEET_PLAN: _plan_rows("formula-no-value", **{"budget:R7": "=1000+234"})})
    return _plan_case("formula-no-value", f,
                      (Expected("formula-no-value", SHEET_PLAN, cell(SHEET_PLAN, "budget:R7", 2), WARNING,
                                "R7事業費（千円）"),))


def div0(d: Path) -> Case:
    """A cell holding the error value #DIV/0! (written as raw XML)."""
    f = "0207_エラー値.xlsx"
    data = _book_bytes({SHEET_PLAN: _plan_rows("div0", **{"budget:R7": 1})})
    ref = cell(SHEET_PLAN, "budget:R7", 2)
    new = f'<c r="{ref}" t="e"><f>1/0</f><v>#DIV/0!</v></c>'.encode()
    (d / f).write_bytes(_rezip(data, {_sheet_part(data, SHEET_PLAN): lambda x: _replace_cell(x, ref, new)}))
    return _plan_case("div0", f, (Expected("formula-error", SHEET_PLAN, ref, column="R7事業費（千円）"),))


def text_numbers(d: Path) -> Case:
    """Amounts typed as text with full-width digits, a full-width comma and 千円."""
    f = "0208_全角数字.xlsx"
    write_book(d / f, {SHEET_PLAN: _plan_rows("text-numbers", **{"budget:R7": "１２，０００千円", "budget:R8": "１,２３４"})})
    return _plan_case("text-numbers", f, budget={f"{_dept('text-numbers')}事業1": {"R7": 12000, "R8": 1234}})


def bad_amounts(d: Path) -> Case:
    f = "0209_負の金額.xlsx"
    write_book(d / f, {SHEET_PLAN: _plan_rows("bad-amounts", **{"budget:R7": -500, "budget:R8": 1e15})})
    return _plan_case("bad-amounts", f, (Expected("negative-money", SHEET_PLAN, cell(SHEET_PLAN, "budget:R7", 2),
                                                  column="R7事業費（千円）"),
                                         Expected("absurd-money", SHEET_PLAN, cell(SHEET_PLAN, "budget:R8", 2),
                                                  column="R8事業費（千円）")),
                      review=(f"{_dept('bad-amounts')}事業1",))


def date_in_year(d: Path) -> Case:
    f = "0210_日付の年度.xlsx"
    dept = _dept("date-in-year")
    write_book(d / f, {SHEET_RESILIENCE: [{"name": "日付事業", "dept": dept, "scenarios": "1-3", "location": "西地区",
                                          "start_year": dt.datetime(2025, 4, 1), "end_year": "R9"}]})
    return Case("date-in-year", f, None,
                (Expected("date-in-year", SHEET_RESILIENCE, cell(SHEET_RESILIENCE, "start_year", 2), WARNING,
                          "開始年度"),),
                rows=((SHEET_RESILIENCE, 2),), checks={"start_year": {"日付事業": 7}})


LONG_TEXT_CHARS = 40_000


def long_text(d: Path) -> Case:
    """A 事業内容 of 40,000 characters (openpyxl would cut it to 32,767: the sheet XML is patched)."""
    f = "0211_長文.xlsx"
    data = _book_bytes({SHEET_PLAN: _plan_rows("long-text", content="LONGPLACEHOLDER")})
    (d / f).write_bytes(_replace_text(data, b"LONGPLACEHOLDER", ("あ" * LONG_TEXT_CHARS).encode()))
    return _plan_case("long-text", f, (Expected("text-too-long", SHEET_PLAN, cell(SHEET_PLAN, "content", 2), WARNING,
                                                "事業内容"),))


CONTROL_NAME = "雨水\x01排水\x1f施設"


def control_chars(d: Path) -> Case:
    """Control characters inside a name (openpyxl refuses them: the sheet XML is patched)."""
    f = "0212_制御文字.xlsx"
    data = _book_bytes({SHEET_PLAN: _plan_rows("control-chars", name="CTRLPLACEHOLDER", content="内容")})
    (d / f).write_bytes(_replace_text(data, b"CTRLPLACEHOLDER", CONTROL_NAME.encode()))
    return _plan_case("control-chars", f,
                      (Expected("control-chars", SHEET_PLAN, cell(SHEET_PLAN, "name", 2), WARNING, "事業名"),),
                      names=("雨水排水施設",))


FORMULA_TEXTS = ("=SUM(A1:A9)事業", "+81事業", "-1事業", "@事業")


def formula_text(d: Path) -> Case:
    """Names that start like formulas stay text."""
    f = "0213_数式風の文字.xlsx"
    dept = _dept("formula-text")
    write_book(d / f, {SHEET_PLAN: [plan_row(f"NAME{i}", dept=dept) for i in range(len(FORMULA_TEXTS))]})
    wb = openpyxl.load_workbook(d / f)
    ws = wb[SHEET_PLAN]
    for i, text in enumerate(FORMULA_TEXTS):
        c = ws[cell(SHEET_PLAN, "name", i + 2)]
        c.value = text
        c.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    wb.save(d / f)
    return _plan_case("formula-text", f, n=len(FORMULA_TEXTS), names=FORMULA_TEXTS)


def same_department(d: Path) -> Case:
    """A second workbook from 河川課 (the good workbook 0501_河川課.xlsx is the first)."""
    f = "0502_河川課_追加分.xlsx"
    write_book(d / f, {SHEET_PLAN: [plan_row("追加の河川事業", dept="河川課")]})
    return Case("same-department", f, None, (Expected("file-same-dept", severity=WARNING),), rows=((SHEET_PLAN, 2),))


ROW_CASES: tuple[Builder, ...] = (
    header_renamed, column_missing, title_above_header, merged_data, hidden_rows, formula_no_value, div0,
    text_numbers, bad_amounts, date_in_year, long_text, control_chars, formula_text,
)

OTHER_CASES: tuple[Builder, ...] = (no_template_sheet, lock_file, same_department)

ALL_CASES: tuple[Builder, ...] = FILE_CASES + ROW_CASES + OTHER_CASES


def build_all(d: Path, builders: tuple[Builder, ...] = ALL_CASES) -> list[Case]:
    d.mkdir(parents=True, exist_ok=True)
    return [b(d) for b in builders]


# ---------------------------------------------------------------- masters that cannot be used
def master_missing_sheet(d: Path) -> Path:
    """計画マスタ without its 会計 sheet: load_master raises MasterError, the CLI exits 2."""
    return write_master(d / "計画マスタ.xlsx", drop_sheet="会計")


def master_duplicate_code(d: Path) -> Path:
    """展開方向コード 3-4-1 twice in 施策体系."""
    extra = {"施策体系": [("3", "安全・安心", "3-4", "河川・排水", "3-4-1", "重複した展開方向", "河川課")]}
    return write_master(d / "計画マスタ.xlsx", extra_rows=extra)


def master_duplicate_dept_code(d: Path) -> Path:
    """課コード 0501 used by two 課."""
    return write_master(d / "計画マスタ.xlsx", extra_rows={"課一覧": [("土木部", "下水道課", "0501")]})


MASTER_CASES: tuple[Callable[[Path], Path], ...] = (master_missing_sheet, master_duplicate_code,
                                                    master_duplicate_dept_code)

# what the planning division reads on stderr for each unusable master (the sheet and the cell)
MASTER_MESSAGES: dict[str, str] = {
    "master_missing_sheet": "計画マスタ.xlsx: シート「会計」がありません",
    "master_duplicate_code": "シート「施策体系」セル E6: コード「3-4-1」が重複しています",
    "master_duplicate_dept_code": "シート「課一覧」セル C6: コード「0501」が重複しています",
}
