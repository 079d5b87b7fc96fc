"""返送/: the department's data sheets print A4 landscape, one page wide, their header row on every page."""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from lxml import etree

from compiler.models import SourceFile
from compiler.returns import annotate_workbook
from compiler.xlsx.package import parse_xml
from compiler.xlsx.printsetup import set_print
from compiler.xlsx.review import REVIEW_SHEET
from compiler.xlsx.splice import NotSpliceable, SheetSplice
from tests.test_returns import MC_ROOT, PROBLEMS, load, make_department_book, patched_copy

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS = {"m": MAIN}
HEADERS = {"総合計画": 1, "国土強靱化": 1}
PLAN, RES = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"
# CT_Worksheet children in schema order (those a test sheet may hold)
ORDER = ("sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetProtection", "autoFilter",
         "mergeCells", "conditionalFormatting", "dataValidations", "hyperlinks", "printOptions", "pageMargins",
         "pageSetup", "headerFooter", "rowBreaks", "colBreaks", "ignoredErrors", "drawing", "legacyDrawing",
         "legacyDrawingHF", "picture", "oleObjects", "AlternateContent", "controls", "tableParts", "extLst")


def annotate(src: Path, out: Path, problems=PROBLEMS, header_rows=HEADERS) -> Path:
    annotate_workbook(SourceFile(src, "河川課.xlsx", header_rows=dict(header_rows)), problems, out)
    return out


def part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read(name)


def children(xml: bytes) -> list[str]:
    return [etree.QName(c).localname for c in etree.fromstring(xml) if isinstance(c.tag, str)]


def assert_schema_order(xml: bytes) -> None:
    names = children(xml)
    assert names[0] == "sheetPr"
    ranks = [ORDER.index(n) for n in names]
    assert ranks == sorted(ranks), names
    assert names.count("pageSetup") == 1 and names.count("sheetPr") == 1
    pr = [etree.QName(c).localname for c in etree.fromstring(xml).find("m:sheetPr", NS)]
    assert pr == [n for n in ("tabColor", "outlinePr", "pageSetUpPr") if n in pr], pr


def assert_ours(ws) -> None:
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == "9"
    assert str(ws.page_setup.fitToWidth) == "1" and str(ws.page_setup.fitToHeight) == "0"
    assert ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage


def print_titles(path: Path) -> list[tuple[str, str]]:
    """(sheet the name is scoped to, formula) of every _xlnm.Print_Titles."""
    wb = etree.fromstring(part(path, "xl/workbook.xml"))
    sheets = [s.get("name") for s in wb.find("m:sheets", NS)]
    return sorted((sheets[int(d.get("localSheetId"))], d.text) for d in wb.iterfind("m:definedNames/m:definedName", NS)
                  if d.get("name") == "_xlnm.Print_Titles")


# ------------------------------------------------------------------ the returned workbook
def test_data_sheets_and_review_print_landscape_one_page_wide(tmp_path: Path) -> None:
    src = make_department_book(tmp_path / "河川課.xlsx")
    out = annotate(src, tmp_path / "out.xlsx")
    wb = load(out)
    for name in (REVIEW_SHEET, "総合計画", "国土強靱化"):
        assert_ours(wb[name])
    assert wb["総合計画"].print_title_rows == "$1:$1" and wb["国土強靱化"].print_title_rows == "$1:$1"
    assert wb[REVIEW_SHEET].print_title_rows == "$3:$3"
    assert print_titles(out) == sorted([("国土強靱化", "'国土強靱化'!$1:$1"), ("総合計画", "'総合計画'!$1:$1"),
                                        (REVIEW_SHEET, f"'{REVIEW_SHEET}'!$3:$3")])
    for name in (PLAN, RES):
        assert_schema_order(part(out, name))
    # the x14 validation of the spliced 国土強靱化 is still the sheet's last child, after pageSetup
    assert children(part(out, RES))[-4:] == ["pageMargins", "pageSetup", "legacyDrawing", "extLst"]


def test_the_header_row_the_compile_found_is_repeated(tmp_path: Path) -> None:
    src = make_department_book(tmp_path / "河川課.xlsx")
    out = annotate(src, tmp_path / "out.xlsx", header_rows={"総合計画": 3})  # no header found on 国土強靱化
    wb = load(out)
    assert wb["総合計画"].print_title_rows == "$3:$3"
    assert wb["国土強靱化"].print_title_rows is None
    assert_ours(wb["国土強靱化"])  # still fitted and landscape


def test_a_data_sheet_without_problems_and_other_sheets(tmp_path: Path) -> None:
    """A data sheet with nothing to mark gets the set-up too; a sheet the compile does not read is copied."""
    src = tmp_path / "河川課.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    wb.add_worksheet("記入要領").write(0, 0, "記入要領")
    plan = wb.add_worksheet("総合計画")
    plan.write_row(0, 0, ["事業ID", "事業名", "所管課", "施策コード"])
    plan.write_row(1, 0, ["0501-001", "雨水排水施設整備事業", "河川課", "9-9"])
    kpi = wb.add_worksheet("成果指標")
    kpi.write_row(0, 0, ["KPI名", "単位"])
    wb.close()
    out = annotate(src, tmp_path / "out.xlsx", problems=PROBLEMS[:1], header_rows={"総合計画": 1, "成果指標": 1})
    book = load(out)
    assert_ours(book["総合計画"])
    assert_ours(book["成果指標"])  # nothing marked on it
    assert book["成果指標"].print_title_rows == "$1:$1"
    # 記入要領 untouched (but for its tab, no longer selected now that 確認事項 is first)
    unselected = part(src, "xl/worksheets/sheet1.xml").replace(b' tabSelected="1"', b"")
    assert part(out, "xl/worksheets/sheet1.xml") == unselected
    assert book["記入要領"].page_setup.orientation is None


@pytest.mark.parametrize("own", [
    b'<pageSetup paperSize="9" orientation="portrait" fitToWidth="2" fitToHeight="0"/>',
    b'<pageSetup fitToWidth="2"/>',
])
def test_a_department_s_own_page_setup_is_kept(tmp_path: Path, own: bytes) -> None:
    src = make_department_book(tmp_path / "河川課.xlsx")
    margins = re.search(rb"<pageMargins [^>]*/>", part(src, PLAN)).group(0)
    src = patched_copy(src, tmp_path / "own.xlsx", margins, margins + own, PLAN)
    SheetSplice(part(src, PLAN), PLAN)  # the marked sheet is spliced
    out = annotate(src, tmp_path / "out.xlsx")
    wb = load(out)
    plan = wb["総合計画"]
    assert str(plan.page_setup.fitToWidth) == "2" and plan.page_setup.orientation in ("portrait", None)
    assert plan.sheet_properties.pageSetUpPr is None or not plan.sheet_properties.pageSetUpPr.fitToPage
    assert plan.print_title_rows is None  # not given titles either
    assert part(out, PLAN).count(b"<pageSetup ") == 1
    assert plan["D2"].comment is not None  # still marked
    assert_ours(wb["国土強靱化"])  # the other sheet gets ours


def test_own_print_titles_or_area_are_kept(tmp_path: Path) -> None:
    src = make_department_book(tmp_path / "河川課.xlsx")
    names = (b"<definedNames><definedName name=\"_xlnm.Print_Area\" localSheetId=\"1\">'\xe5\x9b\xbd\xe5\x9c\x9f"
             b"\xe5\xbc\xb7\xe9\x9d\xad\xe5\x8c\x96'!$A$1:$F$9</definedName></definedNames>")
    src = patched_copy(src, tmp_path / "area.xlsx", b"</sheets>", b"</sheets>" + names, "xl/workbook.xml")
    out = annotate(src, tmp_path / "out.xlsx")
    wb = load(out)
    assert wb["国土強靱化"].print_area == "'国土強靱化'!$A$1:$F$9"
    assert wb["国土強靱化"].page_setup.orientation is None and wb["国土強靱化"].print_title_rows is None
    assert_ours(wb["総合計画"])
    assert print_titles(out) == sorted([("総合計画", "'総合計画'!$1:$1"), (REVIEW_SHEET, f"'{REVIEW_SHEET}'!$3:$3")])


def test_a_returned_copy_sent_back_keeps_one_set_up(tmp_path: Path) -> None:
    src = make_department_book(tmp_path / "河川課.xlsx")
    first = annotate(src, tmp_path / "first.xlsx")
    second = annotate(first, tmp_path / "second.xlsx", problems=PROBLEMS[:1])
    assert print_titles(second) == print_titles(first)
    for name in (PLAN, RES):
        assert part(second, name).count(b"<pageSetup ") == 1 and part(second, name).count(b"<pageSetUpPr") == 1
    assert_ours(load(second)["国土強靱化"])


def test_deterministic_with_print_set_up(tmp_path: Path) -> None:
    src = make_department_book(tmp_path / "河川課.xlsx")
    a, b = annotate(src, tmp_path / "a.xlsx"), annotate(src, tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes() and b"<pageSetup " in part(a, PLAN)


# ------------------------------------------------------------------ spliced and whole-sheet paths
def rich_book(path: Path) -> Path:
    """A department sheet with a tab colour, outline settings, a header/footer, a chart (drawing) and a
    note (legacyDrawing): children that must come around the new sheetPr and pageSetup."""
    wb = xlsxwriter.Workbook(str(path))
    plan = wb.add_worksheet("総合計画")
    plan.write_row(0, 0, ["事業ID", "事業名", "所管課", "施策コード"])
    for r in range(1, 40):
        plan.write_row(r, 0, [f"0501-{r:03}", "河川維持管理事業", "河川課", "3-4"])
    plan.set_tab_color("#FF0000")
    plan.outline_settings(True, False, True, False)
    plan.set_header("&C実施計画調書")
    plan.write_comment(5, 1, "課内メモ")
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "=総合計画!$A$2:$A$5"})
    plan.insert_chart("F2", chart)
    wb.close()
    return path


def test_spliced_and_whole_sheet_edits_agree_in_schema_order(tmp_path: Path) -> None:
    src = rich_book(tmp_path / "河川課.xlsx")
    spliced = annotate(src, tmp_path / "spliced.xlsx", problems=PROBLEMS[:1], header_rows={"総合計画": 1})
    # a comment after sheetData: SheetSplice refuses the sheet, so it is parsed whole
    whole_src = patched_copy(src, tmp_path / "whole_src.xlsx", b"</sheetData>", b"</sheetData><!-- x -->")
    with pytest.raises(NotSpliceable):
        SheetSplice(part(whole_src, PLAN), PLAN).print_setup()
    whole = annotate(whole_src, tmp_path / "whole.xlsx", problems=PROBLEMS[:1], header_rows={"総合計画": 1})
    for out in (spliced, whole):
        xml = part(out, PLAN)
        assert_schema_order(xml)
        names = children(xml)
        assert {"headerFooter", "drawing", "legacyDrawing"} <= set(names)
        assert names.index("pageSetup") < names.index("headerFooter") < names.index("drawing")
        pr = etree.fromstring(xml).find("m:sheetPr", NS)
        assert [etree.QName(c).localname for c in pr] == ["tabColor", "outlinePr", "pageSetUpPr"]
        assert pr.find("m:outlinePr", NS).get("summaryBelow") == "0"  # the department's settings kept
        ws = load(out)["総合計画"]
        assert_ours(ws)
        assert ws.print_title_rows == "$1:$1" and ws.oddHeader.center.text == "実施計画調書"
        assert ws["B6"].comment is not None and ws["D2"].comment is not None
    canon = [etree.tostring(parse_xml(part(o, PLAN), PLAN), method="c14n").replace(b"<!-- x -->", b"")
             for o in (spliced, whole)]
    assert canon[0] == canon[1]


SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + MC_ROOT)
ROWS = '<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'
CONTROLS = ('<mc:AlternateContent><mc:Choice Requires="x14"><controls><control shapeId="1025" r:id="rId3"/>'
            '</controls></mc:Choice></mc:AlternateContent>')


@pytest.mark.parametrize("before, after, expected", [
    # nothing at all: sheetPr first, pageSetup at the end
    ('<dimension ref="A1"/>', "", ["sheetPr", "dimension", "sheetData", "pageSetup"]),
    # an empty sheetPr, printOptions and margins before, header/footer and breaks after
    ('<sheetPr codeName="Sheet1"/><dimension ref="A1"/>',
     '<printOptions gridLines="1"/><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
     'footer="0.3"/><headerFooter><oddFooter>&amp;P</oddFooter></headerFooter><rowBreaks count="1"><brk id="5"/>'
     '</rowBreaks>',
     ["sheetPr", "dimension", "sheetData", "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks"]),
    # a sheetPr with tabColor and outlinePr; a legacy drawing and controls inside mc:AlternateContent
    ('<sheetPr><tabColor rgb="FFFF0000"/><outlinePr summaryBelow="0"/></sheetPr>',
     '<legacyDrawing r:id="rId1"/>' + CONTROLS,
     ["sheetPr", "sheetData", "pageSetup", "legacyDrawing", "AlternateContent"]),
    # controls without a legacy drawing before them: pageSetup still goes ahead of mc:AlternateContent
    ("", CONTROLS + '<tableParts count="0"/>', ["sheetPr", "sheetData", "pageSetup", "AlternateContent", "tableParts"]),
    # a pageSetUpPr of its own without fitToPage, and a pageSetup without orientation or fit
    ('<sheetPr><pageSetUpPr autoPageBreaks="0"/></sheetPr>',
     '<pageSetup paperSize="8" horizontalDpi="300"/><drawing r:id="rId2"/>',
     ["sheetPr", "sheetData", "pageSetup", "drawing"]),
])
def test_spliced_print_set_up_equals_the_whole_sheet_one(before: str, after: str, expected: list[str]) -> None:
    xml = (SHEET_HEAD + before + ROWS + after + "</worksheet>").encode()
    spliced = SheetSplice(xml, PLAN)
    assert spliced.print_setup()
    out = spliced.to_bytes()
    root = parse_xml(xml, PLAN)
    assert set_print(root)
    assert etree.tostring(etree.fromstring(out), method="c14n") == etree.tostring(root, method="c14n")
    assert children(out) == expected
    assert_schema_order(out)
    tree = etree.fromstring(out)
    fit = tree.find("m:sheetPr/m:pageSetUpPr", NS)
    assert fit.get("fitToPage") == "1"
    setup = tree.find("m:pageSetup", NS)
    assert (setup.get("orientation"), setup.get("fitToWidth"), setup.get("fitToHeight")) == ("landscape", "1", "0")
    if "autoPageBreaks" in before:
        assert fit.get("autoPageBreaks") == "0"
        assert setup.get("paperSize") == "8" and setup.get("horizontalDpi") == "300"
    else:
        assert setup.get("paperSize") == "9"
    if "codeName" in before:
        assert tree.find("m:sheetPr", NS).get("codeName") == "Sheet1"
    assert ROWS.encode() in out and out.startswith(SHEET_HEAD.encode())


@pytest.mark.parametrize("own", [
    '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' + ROWS,
    ROWS + '<pageSetup orientation="portrait"/>',
    ROWS + '<pageSetup paperSize="9" fitToWidth="2" fitToHeight="0"/>',
])
def test_a_sheet_with_its_own_set_up_is_not_changed(own: str) -> None:
    xml = (SHEET_HEAD + own + "</worksheet>").encode()
    spliced = SheetSplice(xml, PLAN)
    assert not spliced.print_setup()
    assert spliced.to_bytes() == xml
    root = parse_xml(xml, PLAN)
    before = etree.tostring(root)
    assert not set_print(root) and etree.tostring(root) == before


# ------------------------------------------------------------------ as printed
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice or poppler not installed")
def test_printed_landscape_one_page_wide_with_the_header_on_every_page(tmp_path: Path) -> None:
    src = tmp_path / "河川課.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    plan = wb.add_worksheet("総合計画")
    plan.write_row(0, 0, ["事業ID", "事業名", "所管課", "施策コード", *[f"項目{i}" for i in range(20)]])
    for r in range(1, 120):
        plan.write_row(r, 0, [f"0501-{r:03}", "河川維持管理事業", "河川課", "3-4", *["あいうえお"] * 20])
    wb.close()
    out = annotate(src, tmp_path / "out.xlsx", problems=PROBLEMS[:1], header_rows={"総合計画": 1})
    cmd = ["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo_profile",
           "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), str(out)]
    subprocess.run(cmd, check=True, timeout=180, capture_output=True)
    pdf = tmp_path / "pdf" / "out.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert "841.89 x 595.3" in info  # A4 landscape
    assert 2 <= pages <= 5  # 確認事項 and a few pages of 24 columns fitted to the width (not 20+)
    for page in range(2, pages + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                              check=True, capture_output=True, text=True).stdout
        first = next(line for line in text.splitlines() if line.strip())
        assert "事業ID" in first and "項目19" in first, (page, first)


def test_a_copy_whose_cells_cannot_be_marked_still_prints_so(tmp_path: Path) -> None:
    """The copy returned with its 確認事項 sheet only (a cell style that is not a number) keeps the set-up."""
    from compiler.returns import write_returns
    from tests.factories import make_compilation

    src = make_department_book(tmp_path / "河川課.xlsx")
    broken = patched_copy(src, tmp_path / "broken.xlsx", b'<c r="D2" t="s">', b'<c r="D2" s="x" t="s">')
    comp = make_compilation()
    comp.files = [SourceFile(broken, "河川課.xlsx", header_rows=dict(HEADERS))]
    comp.problems = [PROBLEMS[0]]
    out, = write_returns(comp, tmp_path / "返送")
    for name in (PLAN, RES):  # read as XML: openpyxl refuses the broken style the department left
        root = etree.fromstring(part(out, name))
        assert root.find("m:sheetPr/m:pageSetUpPr", NS).get("fitToPage") == "1"
        assert root.find("m:pageSetup", NS).attrib == {"paperSize": "9", "orientation": "landscape",
                                                      "fitToWidth": "1", "fitToHeight": "0"}
        assert_schema_order(part(out, name))
    assert ("総合計画", "'総合計画'!$1:$1") in print_titles(out) and ("国土強靱化", "'国土強靱化'!$1:$1") in print_titles(out)
