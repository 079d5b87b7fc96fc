"""SheetSplice against the whole-sheet path: the same marks, and every other byte untouched."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from compiler.xlsx.annotate import Note, Styles, add_comments, fill_cells
from compiler.xlsx.package import Package, PackageError, parse_xml, to_bytes
from compiler.xlsx.splice import NotSpliceable, SheetSplice
from tests.test_returns import make_department_book

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
ROOT = (f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac" '
        'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">')
PART = "xl/worksheets/sheet1.xml"

SHEET = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + ROOT
    + '<dimension ref="A1:E4"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
    '<cols><col min="1" max="2" width="12" customWidth="1"/><col min="3" max="16384" width="9" style="1"/></cols>'
    '<sheetData>'
    '<row r="1" spans="1:5" x14ac:dyDescent="0.25"><c r="A1" t="s"><v>0</v></c><c r="B1" s="1"/>'
    '<c r="E1" s="1"/></row>\n'
    '<row r="2" spans="1:5" s="1" customFormat="1"><c r="A2"><v>1</v></c><c r="D2" s="1"><v>9</v></c></row>\n'
    '<row r="4" spans="1:5"><c r="A4" s="1" t="s"><v>1</v></c></row>'
    '</sheetData>'
    '<conditionalFormatting sqref="A1:A9"><cfRule type="expression" priority="1"><formula>A1&gt;0</formula>'
    '<extLst><ext uri="{B025F937-C7B1-47D3-B67F-A62EFF666E3E}"><x14ac:id>{0}</x14ac:id></ext></extLst></cfRule>'
    '</conditionalFormatting>'
    '<dataValidations count="1"><dataValidation type="list" sqref="D2:D9"><formula1>"a,b"</formula1>'
    '</dataValidation></dataValidations>'
    '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}"/></extLst></worksheet>'
).encode()

TARGETS = {
    (1, 1): "警告",  # a cell that exists, no format of its own
    (1, 3): "エラー",  # a missing cell between B1 and E1: the column's format
    (2, 4): "エラー",  # a cell with a format of its own
    (2, 2): "警告",  # a missing cell in a row with a custom format: the row's format
    (3, 2): "警告",  # a missing row between 2 and 4
    (7, 1): "エラー",  # a missing row after the last
}


def packages(tmp_path: Path, sheet: bytes) -> tuple[Package, Package]:
    """Two copies of one department workbook whose first sheet is `sheet`."""
    book = make_department_book(tmp_path / "b.xlsx")
    out = []
    for _ in range(2):
        pkg = Package(book)
        pkg.parts[PART] = sheet
        out.append(pkg)
    return out[0], out[1]


def mark_both(tmp_path: Path, sheet: bytes, notes: list[Note]) -> tuple[Package, bytes, Package, bytes]:
    whole_pkg, splice_pkg = packages(tmp_path, sheet)
    root = parse_xml(sheet, PART)
    fill_cells(root, TARGETS, Styles(whole_pkg))
    add_comments(whole_pkg, PART, root, notes)
    spliced = SheetSplice(sheet, PART)
    spliced.fill(TARGETS, Styles(splice_pkg))
    add_comments(splice_pkg, PART, spliced, notes)
    return whole_pkg, to_bytes(root), splice_pkg, spliced.to_bytes()


def canonical(xml: bytes) -> bytes:
    return etree.tostring(etree.fromstring(xml), method="c14n")


NOTES = [Note(1, 1, "【警告】事業ID"), Note(3, 2, "【警告】x")]


def test_spliced_marks_equal_the_whole_sheet_edit(tmp_path: Path) -> None:
    whole_pkg, whole, splice_pkg, spliced = mark_both(tmp_path, SHEET, NOTES)
    assert canonical(spliced) == canonical(whole)
    # the legacy drawing went before the sheet's own extLst, not into the one nested in a cfRule
    assert b'</dataValidations><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" ' \
           b'footer="0.3"/><legacyDrawing r:id="' in spliced
    assert whole_pkg.parts["xl/styles.xml"] == splice_pkg.parts["xl/styles.xml"] or \
        canonical(whole_pkg.parts["xl/styles.xml"]) == canonical(splice_pkg.parts["xl/styles.xml"])
    for name in whole_pkg.parts:
        if name.endswith((".rels", ".vml")) or "comments" in name:
            assert whole_pkg.parts[name] == splice_pkg.parts[name], name


def test_rows_not_marked_are_copied_byte_for_byte(tmp_path: Path) -> None:
    *_, spliced = mark_both(tmp_path, SHEET, NOTES)
    untouched = b'<row r="4" spans="1:5"><c r="A4" s="1" t="s"><v>1</v></c></row>'
    assert untouched in SHEET and untouched in spliced
    before, after = SHEET.split(b"<sheetData>")[0], spliced.split(b"<sheetData>")[0]
    assert before.replace(b'ref="A1:E4"', b'ref="A1:E7"') == after  # only the dimension changed there
    assert spliced.count(b"<row ") == SHEET.count(b"<row ") + 2
    assert b' x14ac:dyDescent="0.25"' in spliced and b"spans" in spliced  # kept where the row is not marked


def test_an_existing_drawing_is_extended(tmp_path: Path) -> None:
    sheet = SHEET.replace(b"<extLst><ext uri=\"{CCE6", b'<legacyDrawing r:id="rId9"/><extLst><ext uri="{CCE6')
    whole_pkg, whole, splice_pkg, spliced = mark_both(tmp_path, sheet, NOTES)
    assert canonical(spliced) == canonical(whole)
    assert spliced.count(b"<legacyDrawing") == 1


@pytest.mark.parametrize("change", [
    (b"<row r=\"4\" ", b"<row "),  # a row without its number
    (b'xmlns:r="' + REL.encode() + b'"', b""),  # r: not bound on the root
    (b"<sheetData>", b"<sheetData><x:row xmlns:x=\"" + MAIN.encode() + b"\" r=\"9\"/>"),  # a prefixed row
    (b"<v>9</v>", b"<v>9\x01</v>"),  # a control character
])
def test_unusual_sheets_are_parsed_whole(change: tuple[bytes, bytes]) -> None:
    with pytest.raises(NotSpliceable):
        SheetSplice(SHEET.replace(*change, 1), PART)


def test_a_dtd_is_refused_as_when_parsed() -> None:
    with pytest.raises(PackageError):
        SheetSplice(SHEET.replace(b"?>\n", b'?>\n<!DOCTYPE x [<!ENTITY a "a">]>', 1), PART)


@pytest.mark.parametrize("change", [
    (b'<row r="4" ', b"<row>"),  # <row> without attributes
    (b'<row r="4" spans="1:5">', b'<row spans="1:5" r="4">'),  # the number not the first attribute
    (b"</sheetData>", b'<row r="9"/></sheetData>'.replace(b' r="9"', b"")),  # <row/>
    (b"<sheetViews>", b"<sheetViews><sheetData/>"),  # a second sheetData
    (b'<c r="A4" s="1" t="s">', b'<x:c xmlns:x="' + MAIN.encode() + b'" r="A4" s="1" t="s">'),  # a prefixed cell
])
def test_rows_and_cells_not_written_the_usual_way_are_parsed_whole(change: tuple[bytes, bytes]) -> None:
    changed = SHEET.replace(*change, 1)
    assert changed != SHEET
    with pytest.raises(NotSpliceable):
        SheetSplice(changed, PART)


def test_a_row_tag_outside_sheet_data_or_a_numbered_row_is_no_reason_to_parse_whole() -> None:
    sheet = SHEET.replace(b"<pageMargins", b'<rowBreaks count="1"><brk id="2"/></rowBreaks><pageMargins', 1)
    SheetSplice(sheet, PART)


def test_a_prefixed_print_element_refuses_only_the_print_set_up() -> None:
    prefixed = SHEET.replace(b"<dimension", b'<m:sheetPr xmlns:m="' + MAIN.encode() + b'"/><dimension', 1)
    sheet = SheetSplice(prefixed, PART)  # cells can still be marked
    with pytest.raises(NotSpliceable):
        sheet.print_setup()


def test_a_print_element_name_after_a_colon_in_text_is_no_prefix() -> None:
    """Only a tag `<p:pageSetup` is a prefixed print element: a formula's text holding ':pageSetup '
    leaves the print set-up to the splice."""
    text = SHEET.replace(b"<formula>A1&gt;0</formula>", b"<formula>X:pageSetup /A1:sheetPr&gt;0</formula>", 1)
    sheet = SheetSplice(text, PART)
    assert sheet.print_setup()
    out = sheet.to_bytes()
    assert b'<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>' in out
    assert b"X:pageSetup /A1:sheetPr" in out
