"""compiler.guard.check_package on the hostile corpus: the expected refusal, never a crash,
and the normal workbook (and our own templates) pass in a few milliseconds."""
from __future__ import annotations

import io
import pickle
import statistics
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler import guard
from compiler.guard import FileRefused, check_package, sanitize_cell_text
from compiler.models import SHEET_PLAN
from compiler.problems import CATALOGUE
from tests.builders import plan_row, write_book
from tests.hostile import corpus

PREFLIGHT_CASES = corpus.FILE_CASES + corpus.ROW_CASES + corpus.OTHER_CASES


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.fixture(scope="module")
def normal_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A department workbook like the sample: 60 projects, 20 resilience rows."""
    path = tmp_path_factory.mktemp("normal") / "0501_河川課.xlsx"
    plan = [plan_row(f"河川事業{i}", **{"budget:R7": 1000 + i, "budget:R8": 900, "budget:R9": 800,
                                      "note": "備考" * 10}) for i in range(60)]
    res = [{"name": f"河川事業{i}", "dept": "河川課", "scenarios": "1-3", "location": "中央地区"} for i in range(20)]
    return write_book(path, {SHEET_PLAN: plan, "国土強靱化": res})


def refusal(path: Path) -> FileRefused | None:
    try:
        check_package(path)
    except FileRefused as exc:
        return exc
    return None


# ---------------------------------------------------------------- the corpus
@pytest.mark.parametrize("builder", PREFLIGHT_CASES, ids=lambda b: b.__name__)
def test_corpus_file_gets_expected_preflight(builder, corpus_dir: Path) -> None:
    case = builder(corpus_dir)
    t0 = time.perf_counter()
    exc = refusal(corpus_dir / case.file)
    elapsed = time.perf_counter() - t0
    assert (exc.code if exc else None) == case.preflight, exc
    if exc is not None:
        assert exc.code in CATALOGUE
        assert exc.detail and len(exc.detail) < 120
        CATALOGUE[exc.code].template.format(detail=exc.detail, column="", value="")  # fits the template
    assert elapsed < 1.0  # the zip bomb is judged from its directory, never inflated


def test_zip_bomb_is_refused_by_its_declared_size(corpus_dir: Path) -> None:
    case = corpus.zip_bomb(corpus_dir)
    path = corpus_dir / case.file
    assert path.stat().st_size < 1024 * 1024  # 512 MiB inside
    t0 = time.perf_counter()
    exc = refusal(path)
    assert exc is not None and exc.code == "file-too-large"
    assert exc.detail == "シート「総合計画」が展開すると 512 MB"
    assert time.perf_counter() - t0 < 0.1


def test_compression_ratio_alone_refuses_a_member_under_the_size_cap(tmp_path: Path) -> None:
    path = tmp_path / "ratio.xlsx"
    corpus._package_with_sheet(path, corpus.bomb_stream(64))  # 64 MiB: under MAX_MEMBER_BYTES
    exc = refusal(path)
    assert exc is not None and exc.code == "file-too-large" and "圧縮率" in exc.detail


def test_far_cell_detail_names_sheet_and_extent(corpus_dir: Path) -> None:
    exc = refusal(corpus_dir / corpus.far_cell(corpus_dir).file)
    assert exc is not None and exc.detail == "シート「総合計画」の範囲 A1:XFD1048576"


def test_encrypted_message(corpus_dir: Path) -> None:
    exc = refusal(corpus_dir / corpus.encrypted_workbook(corpus_dir).file)
    assert exc is not None and exc.code == "file-encrypted"
    assert CATALOGUE[exc.code].template.startswith("パスワード付きのため読めません")


# ---------------------------------------------------------------- the normal case
def test_normal_workbook_passes_in_a_few_milliseconds(normal_book: Path) -> None:
    check_package(normal_book)  # imports, caches
    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        check_package(normal_book)
        times.append(time.perf_counter() - t0)
    assert statistics.median(times) < 0.02, times  # measured ~1.5 ms on the 2-core machine


def test_our_own_templates_pass(tmp_path: Path) -> None:
    from compiler.master import load_master
    from compiler.templates import write_templates
    from tests.builders import write_master

    master = load_master(write_master(tmp_path / "計画マスタ.xlsx"))
    paths = write_templates(master, tmp_path / "templates")
    assert paths
    for p in paths:
        check_package(p)


def test_sample_cycle_passes() -> None:
    submit = Path(__file__).resolve().parents[2] / "examples" / "sample-city" / "R7" / "提出"
    books = sorted(p for p in submit.glob("*.xls*") if not p.name.startswith(("~$", "."))) if submit.is_dir() else []
    if not books:
        pytest.skip("no sample cycle yet")
    for p in books:
        check_package(p)


def test_legit_large_sheet_passes(tmp_path: Path) -> None:
    """3,000 rows × 22 columns: far from the limits, and still quick."""
    rows = [plan_row(f"事業{i}", **{"budget:R7": i}) for i in range(3000)]
    path = write_book(tmp_path / "big.xlsx", {SHEET_PLAN: rows})
    t0 = time.perf_counter()
    check_package(path)
    assert time.perf_counter() - t0 < 1.0


# ---------------------------------------------------------------- evasions
def _sheet_package(tmp_path: Path, sheet_xml: bytes, name: str = "s.xlsx") -> Path:
    path = tmp_path / name
    corpus._package_with_sheet(path, corpus._deflate(sheet_xml))
    return path


def _sheet(body: bytes, before: bytes = b"") -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?>' + before
            + b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            + body + b"</sheetData></worksheet>")


def test_minimal_package_passes(tmp_path: Path) -> None:
    check_package(_sheet_package(tmp_path, _sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>')))


@pytest.mark.parametrize("body, extent", [
    (b'<row r="1048576"><c t="inlineStr"><is><t>x</t></is></c></row>', "A1:A1048576"),  # cell without r=
    (b'<row r="2">' + b"<c><v>1</v></c>" * 201 + b"</row>", "A1:GS2"),  # 201 cells without r=
    (b'<x:row r="1"><x:c r="XFD1"><x:v>1</x:v></x:c></x:row>', "A1:XFD1"),  # prefixed tags
    (b"<row r='9'><c s='1' r='A200000'><v>1</v></c></row>", "A1:A200000"),  # single quotes, r not first
    (b'<row r="1"><c foo="a>b" r="ZZ1"><v>1</v></c></row>', "A1:ZZ1"),  # '>' inside an attribute value
    (b'<row r="1"><c foo=\' r="A1"\' r="ZZ1"><v>1</v></c></row>', "A1:ZZ1"),  # a fake r= inside a value
    (b'<row r="1"><c r="ZZ1" foo="/>"><v>1</v></c></row>', "A1:ZZ1"),  # looks self-closing, is not
    (b'<row r="3000"><c r="GR3000"><v>1</v></c></row>', "A1:GR3000"),  # 200 columns × 3,000 rows is allowed …
])
def test_extent_evasions_are_caught(tmp_path: Path, body: bytes, extent: str) -> None:
    exc = refusal(_sheet_package(tmp_path, _sheet(body)))
    if extent == "A1:GR3000":
        assert exc is None  # … since it is within MAX_COLUMNS, MAX_ROWS and MAX_AREA
        return
    assert exc is not None and exc.code == "file-too-large", exc
    assert extent in exc.detail


def test_dimension_and_empty_cells_count_only_when_strict(tmp_path: Path) -> None:
    """calamine ignores <dimension> and formatting-only cells; openpyxl (master, 重複判定) does not."""
    lying = _sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>').replace(
        b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>')
    styled = _sheet(b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576" s="1"/></row>')
    libreoffice = _sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>').replace(
        b"<sheetData>", b'<dimension ref="1:49"/><sheetData>')
    for i, xml in enumerate((lying, styled)):
        path = _sheet_package(tmp_path, xml, f"{i}.xlsx")
        assert refusal(path) is None
        exc = refusal_strict(path)
        assert exc is not None and exc.code == "file-too-large" and "A1:XFD1048576" in exc.detail
    assert refusal_strict(_sheet_package(tmp_path, libreoffice, "lo.xlsx")) is None


def refusal_strict(path: Path) -> FileRefused | None:
    try:
        check_package(path, strict=True)
    except FileRefused as exc:
        return exc
    return None


def test_utf16_sheet_is_scanned_too(tmp_path: Path) -> None:
    xml = _sheet(b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>').replace(b"UTF-8", b"UTF-16")
    exc = refusal(_sheet_package(tmp_path, xml.decode().encode("utf-16")))
    assert exc is not None and exc.code == "file-too-large"


@pytest.mark.parametrize("prolog", [
    b"<!DOCTYPE worksheet>",
    b"<!-- " + b"x" * 70_000 + b" --><!DOCTYPE w [<!ENTITY a 'b'>]>",  # a long comment before the DOCTYPE
    b" " * 70_000,  # the root element does not start within PROLOG_BYTES
    b"<!doctype worksheet>",
])
def test_doctype_anywhere_in_the_prolog_is_refused(tmp_path: Path, prolog: bytes) -> None:
    exc = refusal(_sheet_package(tmp_path, _sheet(b"", before=prolog)))
    assert exc is not None and exc.code == "file-unsafe"


def test_scanner_sees_a_tag_split_at_any_chunk_boundary() -> None:
    xml = _sheet(b'<row r="1"><c r="A1"/></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    at = xml.index(b"<row r=\"1048576\"")
    for cut in range(at - 2, at + 40):
        scanner = guard._SheetScanner("総合計画")
        with pytest.raises(FileRefused):
            scanner.feed(xml[:cut])
            scanner.feed(xml[cut:])
            scanner.close()


def test_a_sheet_part_without_xml_extension_is_scanned(tmp_path: Path) -> None:
    """calamine follows the workbook's relationships, whatever the part is called."""
    path = tmp_path / "renamed.xlsx"
    sheet = _sheet(b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    rels = corpus._WB_RELS.replace(b"worksheets/sheet1.xml", b"worksheets/data.bin")
    corpus.write_raw_zip(path, [("[Content_Types].xml", *corpus._deflate(corpus._CT)),
                                ("_rels/.rels", *corpus._deflate(corpus._RELS)),
                                ("xl/workbook.xml", *corpus._deflate(corpus._WB)),
                                ("xl/_rels/workbook.xml.rels", *corpus._deflate(rels)),
                                ("xl/worksheets/data.bin", *corpus._deflate(sheet))])
    exc = refusal(path)
    assert exc is not None and exc.detail == "シート「総合計画」の範囲 A1:XFD1048576"


def test_zip_level_password_is_encrypted(tmp_path: Path, small_book: bytes) -> None:
    raw = bytearray(small_book)
    z = zipfile.ZipFile(io.BytesIO(small_book))
    for info in z.infolist():  # set the "encrypted" flag in every local and central header
        struct_at = info.header_offset + 6
        raw[struct_at] |= 1
    central = bytes(raw).find(b"PK\x01\x02")
    while central >= 0:
        raw[central + 8] |= 1
        central = bytes(raw).find(b"PK\x01\x02", central + 4)
    path = tmp_path / "zipcrypto.xlsx"
    path.write_bytes(bytes(raw))
    exc = refusal(path)
    assert exc is not None and exc.code == "file-encrypted"


def test_xlsb_and_ods_are_named(tmp_path: Path) -> None:
    for member, words in (("xl/workbook.bin", ".xlsb"), ("mimetype", "OpenDocument")):
        path = tmp_path / f"x{len(words)}.xlsx"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr(member, b"x")
        exc = refusal(path)
        assert exc is not None and exc.code == "file-not-xlsx" and words in exc.detail


def test_not_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "dir.xlsx").mkdir()
    exc = refusal(tmp_path / "dir.xlsx")
    assert exc is not None and exc.code == "file-unreadable"


# ---------------------------------------------------------------- never a crash
@pytest.fixture(scope="module")
def small_book(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("small") / "b.xlsx"
    return write_book(path, corpus.good_rows("河川", "河川課")).read_bytes()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_packages_never_crash(small_book: bytes, tmp_path: Path, data: st.DataObject) -> None:
    raw = bytearray(small_book)
    for _ in range(data.draw(st.integers(1, 8))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    path = tmp_path / "m.xlsx"
    path.write_bytes(bytes(raw))
    exc = refusal(path)  # anything but FileRefused propagates and fails the test
    assert exc is None or exc.code in CATALOGUE


_XML_NOISE = st.sampled_from(list(b'<>"\'/=: rcowvAXZ019&!?-') + [0, 0xFF])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mangled_xml_parts_never_crash(small_book: bytes, tmp_path: Path, data: st.DataObject) -> None:
    """Noise inside the inflated XML (what the scanner reads), zipped again properly."""
    src = zipfile.ZipFile(io.BytesIO(small_book))
    parts = {n: src.read(n) for n in src.namelist()}
    name = data.draw(st.sampled_from(sorted(n for n in parts if n.endswith((".xml", ".rels")))))
    xml = bytearray(parts[name])
    for _ in range(data.draw(st.integers(1, 12))):
        i = data.draw(st.integers(0, len(xml)))
        xml[i:i + data.draw(st.integers(0, 4))] = bytes(data.draw(st.lists(_XML_NOISE, max_size=5)))
    parts[name] = bytes(xml)
    path = tmp_path / "x.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, body in parts.items():
            z.writestr(n, body)
    exc = refusal(path)
    assert exc is None or exc.code in CATALOGUE


def test_every_truncation_is_refused_cleanly(small_book: bytes, tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    for n in range(0, len(small_book), 97):
        path.write_bytes(small_book[:n])
        exc = refusal(path)
        assert exc is not None and exc.code in ("file-unreadable", "file-not-xlsx"), (n, exc)


# ---------------------------------------------------------------- small API
def test_file_refused_pickles() -> None:
    exc = pickle.loads(pickle.dumps(FileRefused("file-xls", "旧形式（.xls）")))
    assert (exc.code, exc.detail) == ("file-xls", "旧形式（.xls）")


def test_sanitize_cell_text() -> None:
    assert sanitize_cell_text("雨水\x01排水\x1f") == ("雨水排水", True, False)
    assert sanitize_cell_text("普通の文字\n改行\tタブ") == ("普通の文字\n改行\tタブ", False, False)
    text, had, cut = sanitize_cell_text("𠮷" * 20_000)  # 2 UTF-16 units each
    assert (len(text), had, cut) == (16_383, False, True)
    assert sanitize_cell_text("あ" * 40_000, limit=4000) == ("あ" * 4000, False, True)


def test_missing_file_is_refused_not_raised() -> None:
    exc = refusal(Path("/nonexistent/x.xlsx"))
    assert exc is not None and exc.code == "file-unreadable"


@pytest.mark.parametrize("far_cell, refused", [
    (b'<c r="B150000" s="2" t="s"><v>1</v></c>', True),  # holds a value: calamine would lay it out
    (b'<c r="B150000" s="2"/>', False),  # formatting only: calamine skips it
])
def test_filled_and_formatting_only_cells_at_every_chunk_boundary(far_cell: bytes, refused: bool) -> None:
    """The quick path finds filled cells by their `</c>`: a start tag and its `</c>` may arrive
    in different chunks, and the verdict must not depend on where the stream was cut."""
    xml = _sheet(b'<row r="1"><c r="A1" s="1"/><c r="B1" t="s"><v>0</v></c></row>'
                 b'<row r="150000">' + far_cell + b'<c r="C150000" s="2"/></row>')
    at = xml.index(b'<row r="150000"')
    for cut in range(at - 5, at + len(far_cell) + 30):
        scanner = guard._SheetScanner("総合計画")
        try:
            scanner.feed(xml[:cut])
            scanner.feed(xml[cut:])
            scanner.close()
        except FileRefused as exc:
            assert refused and "A1:B150000" in exc.detail, (cut, exc)
        else:
            assert not refused, cut
            assert (scanner.max_row, scanner.max_col) == (1, 2), cut


@pytest.mark.parametrize("chunk, quick", [
    (b'<cols><col min="1" max="3"/></cols><sheetData><row r="1"><c r="A1"><v>1</v></c></row>', True),
    (b'<row r="1"><c r="A1"><v>1</v></c></row><conditionalFormatting><cfRule type="x"/>', True),
    (b'<row r="1"><c r="A1"><v>1</v></c></row><rowBreaks count="1"/>', True),
    (b'<row r="1"><c s="1" r="A1"><v>1</v></c></row>', False),  # r= not first: walked
    (b'<row r="1"><c><v>1</v></c></row>', False),  # no r=
    (b'<row><c r="A1"><v>1</v></c></row>', False),
    (b'<row r="1"><c\tr="A1"><v>1</v></c></row>', False),  # a tag name ended by a tab
    (b'<row\nr="1"><c r="A1"><v>1</v></c></row>', False),
    (b'<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>', False),  # prefixed
    (b'<row r="1"><c r="a1"><v>1</v></c></row>', False),  # not a plain reference
])
def test_quick_path_takes_only_the_plain_shape(chunk: bytes, quick: bool) -> None:
    """Other tags beginning with <c or <row (cols, cfRule, rowBreaks) keep the quick path; any
    cell or row tag in another shape sends the chunk to the careful walk."""
    assert guard._SheetScanner("総合計画")._quick(chunk) is quick


def test_a_far_cell_beside_other_c_tags_is_refused(tmp_path: Path) -> None:
    xml = _sheet(b'<row r="1"><c r="A1"><v>1</v></c></row><row r="150000"><c r="B150000"><v>1</v></c></row>',
                 ).replace(b"<sheetData>", b'<cols><col min="1" max="2" width="9"/></cols><sheetData>')
    exc = refusal(_sheet_package(tmp_path, xml))
    assert exc is not None and exc.code == "file-too-large" and "A1:B150000" in exc.detail
