"""返送/: annotated copies of department workbooks (fills, comments, 確認事項, dropdowns kept)."""
from __future__ import annotations

import re
import shutil
import subprocess
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from lxml import etree

from compiler.models import SourceFile
from compiler.problems import make_problem
from compiler.returns import annotate_workbook, write_returns
from compiler.xlsx.annotate import FILLS
from compiler.xlsx.review import REVIEW_SHEET
from tests.factories import make_compilation

# What Excel writes when a list's source is on another sheet (Excel 2010+ extension format).
X14_VALIDATION = (
    '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1">'
    "<x14:formula1><xm:f>総合計画!$A$2:$A$20</xm:f></x14:formula1><xm:sqref>A2:A20</xm:sqref>"
    "</x14:dataValidation></x14:dataValidations></ext></extLst>")
MC_ROOT = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
           'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
           'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac" '
           'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">')


def make_department_book(path: Path, *, comment: bool = False, vba: bool = False) -> Path:
    """A department workbook as Excel leaves it: list validations (one inline, one x14 to another sheet),
    a protected sheet, an Excel-style root element with mc:Ignorable, optionally a comment of its own."""
    wb = xlsxwriter.Workbook(str(path))
    plan = wb.add_worksheet("総合計画")
    res = wb.add_worksheet("国土強靱化")
    plan.write_row(0, 0, ["事業ID", "事業名", "所管課", "施策コード", "新継区分"])
    plan.write_row(1, 0, ["0501-001", "雨水排水施設整備事業", "河川課", "9-9", "継続"])
    plan.write_row(2, 0, ["0501-002", "河川維持管理事業", "河川課", "3-4", "継続"])
    plan.data_validation(1, 3, 20, 3, {"validate": "list", "source": ["3-4", "3-1"]})
    unlocked = wb.add_format({"locked": False, "bg_color": "#EEEEEE"})
    plan.set_column(4, 4, 10, unlocked)
    plan.protect()
    if comment:
        plan.write_comment(1, 3, "課内メモ: 施策は要相談")
    res.write_row(0, 0, ["事業ID", "事業名", "所管課", "リスクシナリオ", "施策分野", "実施箇所"])
    res.write_row(1, 0, ["0501-001", "雨水排水施設整備事業", "河川課", "1-3"])
    res.activate()
    wb.close()
    patched = path.with_suffix(".patched")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                head, body = data.split(b"<worksheet", 1)
                body = body.split(b">", 1)[1]
                data = head + MC_ROOT.encode() + body.replace(b"</worksheet>", X14_VALIDATION.encode() + b"</worksheet>")
            zout.writestr(info, data)
        if vba:
            zout.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0fake-vba-project")
    patched.replace(path)
    return path


PROBLEMS = [
    make_problem("unknown-measure", file="河川課.xlsx", sheet="総合計画", cell="D2", column="施策コード", value="9-9"),
    make_problem("bad-status", file="河川課.xlsx", sheet="総合計画", cell="D2", column="施策コード", value="=1+2"),
    make_problem("bad-status", file="河川課.xlsx", sheet="総合計画", cell="E3", column="新継区分", value="@SUM(A1)"),
    make_problem("no-location", file="河川課.xlsx", sheet="国土強靱化", cell="F2", column="実施箇所"),
    make_problem("no-location", file="河川課.xlsx", sheet="国土強靱化", cell="H30", column="実施箇所"),
    make_problem("file-same-dept", file="河川課.xlsx", detail="河川課: 河川課.xlsx・河川課2.xlsx"),
]


def load(path: Path) -> openpyxl.Workbook:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path)


def x14_validations(path: Path, sheet_part: str) -> bytes:
    """The sheet's extLst in canonical form (attribute and namespace-declaration order do not matter)."""
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read(sheet_part))
    ext = root.find("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}extLst")
    return b"" if ext is None else etree.tostring(ext, method="c14n")


@pytest.fixture()
def returned(tmp_path: Path) -> tuple[Path, Path]:
    src = make_department_book(tmp_path / "河川課.xlsx")
    out = tmp_path / "返送" / "河川課.xlsx"
    out.parent.mkdir()
    annotate_workbook(SourceFile(src, "河川課.xlsx"), PROBLEMS, out)
    return src, out


def test_openpyxl_would_drop_the_x14_dropdown(tmp_path: Path) -> None:
    """The reason returns patch the zip: a load/save with openpyxl loses the extension validation."""
    src = make_department_book(tmp_path / "a.xlsx")
    assert b"x14:dataValidation " in x14_validations(src, "xl/worksheets/sheet2.xml")
    wb = load(src)
    wb.save(tmp_path / "b.xlsx")
    assert b"x14:dataValidation" not in x14_validations(tmp_path / "b.xlsx", "xl/worksheets/sheet2.xml")


def test_cells_filled_and_commented(returned: tuple[Path, Path]) -> None:
    _, out = returned
    wb = load(out)
    plan, res = wb["総合計画"], wb["国土強靱化"]
    assert plan["D2"].value == "9-9"  # values untouched
    assert plan["D2"].fill.fgColor.rgb == FILLS["エラー"] == "FFFFC7CD"
    assert plan["E3"].fill.fgColor.rgb == FILLS["エラー"]
    assert res["F2"].fill.fgColor.rgb == FILLS["警告"] == "FFFFEB9B" and res["H30"].fill.fgColor.rgb == FILLS["警告"]
    text = plan["D2"].comment.text
    assert "施策コード「9-9」は施策体系にありません" in text and "新継区分「=1+2」" in text  # both problems, one comment
    assert "実施箇所が空欄です" in res["F2"].comment.text
    assert plan["A2"].fill.fgColor.rgb in (None, "00000000") and plan["A2"].comment is None
    assert plan["E3"].protection.locked is False  # the cell's own format is kept under the fill
    assert plan.protection.sheet  # sheet protection kept


def test_review_sheet_first(returned: tuple[Path, Path]) -> None:
    _, out = returned
    wb = load(out)
    assert wb.sheetnames == [REVIEW_SHEET, "総合計画", "国土強靱化"]
    ws = wb[REVIEW_SHEET]
    rows = [r for r in ws.iter_rows(min_row=3, values_only=True)]
    assert rows[0] == ("重要度", "シート", "セル", "項目", "内容", "入力値", "処置")
    assert len(rows) == 1 + len(PROBLEMS)
    assert ("警告", None, None) == rows[-1][:3]  # the file-level problem is listed too
    assert any(r[5] == "=1+2" for r in rows[1:]) and any(r[5] == "@SUM(A1)" for r in rows[1:])
    for sheet in wb:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
    assert [bool(s.sheet_view.tabSelected) for s in wb] == [True, False, False]  # no grouped sheets


def test_dropdowns_survive(returned: tuple[Path, Path]) -> None:
    src, out = returned
    assert x14_validations(out, "xl/worksheets/sheet2.xml") == x14_validations(src, "xl/worksheets/sheet2.xml")
    with zipfile.ZipFile(out) as z:
        sheet2 = z.read("xl/worksheets/sheet2.xml")
    assert b'mc:Ignorable="x14ac"' in sheet2 and b'xmlns:x14ac=' in sheet2
    dv = load(out)["総合計画"].data_validations.dataValidation
    assert [(v.type, v.formula1, str(v.sqref)) for v in dv] == [("list", '"3-4,3-1"', "D2:D21")]


def test_untouched_parts_are_byte_identical(returned: tuple[Path, Path]) -> None:
    src, out = returned
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        changed = {n for n in a.namelist() if a.read(n) != b.read(n)}
        assert changed <= {"xl/styles.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/workbook.xml",
                           "xl/_rels/workbook.xml.rels", "[Content_Types].xml",
                           "xl/worksheets/_rels/sheet1.xml.rels", "xl/worksheets/_rels/sheet2.xml.rels"}
        assert "xl/theme/theme1.xml" not in changed and "docProps/core.xml" not in changed


def test_existing_comment_kept_and_extended(tmp_path: Path) -> None:
    src = make_department_book(tmp_path / "河川課.xlsx", comment=True)
    out = tmp_path / "out.xlsx"
    annotate_workbook(SourceFile(src, "河川課.xlsx"), PROBLEMS, out)
    text = load(out)["総合計画"]["D2"].comment.text
    assert "課内メモ" in text and "施策体系にありません" in text
    assert load(out)["総合計画"]["E3"].comment is not None


def test_xlsm_keeps_macros_and_name(tmp_path: Path) -> None:
    src = make_department_book(tmp_path / "河川課.xlsm", vba=True)
    comp = make_compilation()
    comp.files = [SourceFile(src, "河川課.xlsm")]
    comp.problems = [make_problem("unknown-measure", file="河川課.xlsm", sheet="総合計画", cell="D2",
                                  column="施策コード", value="9-9")]
    written = write_returns(comp, tmp_path / "返送")
    assert [p.name for p in written] == ["河川課.xlsm"]
    with zipfile.ZipFile(written[0]) as z:
        assert z.read("xl/vbaProject.bin") == b"\xd0\xcf\x11\xe0fake-vba-project"


def test_only_workbooks_with_cell_problems(tmp_path: Path) -> None:
    books = {n: make_department_book(tmp_path / n) for n in ("a.xlsx", "b.xlsx", "c.xlsx", "d.xlsx")}
    comp = make_compilation()
    comp.files = [SourceFile(books["a.xlsx"], "a.xlsx"), SourceFile(books["b.xlsx"], "b.xlsx"),
                  SourceFile(books["c.xlsx"], "c.xlsx"), SourceFile(books["d.xlsx"], "d.xlsx", readable=False)]
    comp.problems = [
        make_problem("unknown-measure", file="a.xlsx", sheet="総合計画", cell="D2", column="施策コード", value="9-9"),
        make_problem("file-same-dept", file="b.xlsx", detail="x"),  # file-level only: nothing to mark
        make_problem("file-unreadable", file="d.xlsx", detail="x"),
    ]
    written = write_returns(comp, tmp_path / "返送")
    assert [p.name for p in written] == ["a.xlsx"]
    assert sorted(p.name for p in (tmp_path / "返送").iterdir()) == ["a.xlsx"]
    comp.problems = comp.problems[1:]
    assert write_returns(comp, tmp_path / "empty") == [] and not (tmp_path / "empty").exists()


def test_deterministic(tmp_path: Path) -> None:
    src = make_department_book(tmp_path / "河川課.xlsx")
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    annotate_workbook(SourceFile(src, "河川課.xlsx"), PROBLEMS, a)
    annotate_workbook(SourceFile(src, "河川課.xlsx"), PROBLEMS, b)
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_returned_copy_annotated_again(returned: tuple[Path, Path], tmp_path: Path) -> None:
    """A department re-submits the returned copy: the old 確認事項 is replaced, not duplicated."""
    _, out = returned
    again = tmp_path / "again.xlsx"
    annotate_workbook(SourceFile(out, "河川課.xlsx"), PROBLEMS[:1], again)
    wb = load(again)
    assert wb.sheetnames == [REVIEW_SHEET, "総合計画", "国土強靱化"]
    assert len([r for r in wb[REVIEW_SHEET].iter_rows(min_row=4, values_only=True) if any(r)]) == 1


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_opens_returned_copy(returned: tuple[Path, Path], tmp_path: Path) -> None:
    _, out = returned
    target = tmp_path / "lo"
    cmd = ["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo_profile",
           "--convert-to", "xlsx", "--outdir", str(target), str(out)]
    subprocess.run(cmd, check=True, timeout=180, capture_output=True)
    wb = load(target / "河川課.xlsx")
    assert wb.sheetnames[0] == REVIEW_SHEET
    assert wb["総合計画"]["D2"].comment is not None
    assert wb["国土強靱化"].data_validations.dataValidation  # LibreOffice read the x14 list as a validation


def test_template_workbook_names_follow_their_sheets(tmp_path: Path) -> None:
    """Our own template (protected sheets, hidden list sheet, sheet-scoped names) annotated."""
    from compiler.templates import write_templates
    from tests.factories import make_master

    src = write_templates(make_master(), tmp_path / "tpl")[0]
    problems = [make_problem("unknown-measure", file=src.name, sheet="総合計画", cell="D2", column="施策コード", value="9-9"),
                make_problem("no-location", file=src.name, sheet="国土強靱化", cell="F3", column="実施箇所")]
    out = tmp_path / "out.xlsx"
    annotate_workbook(SourceFile(src, src.name), problems, out)
    before, after = load(src), load(out)
    assert after.sheetnames == [REVIEW_SHEET, *before.sheetnames]
    for name in before.sheetnames:
        assert len(after[name].data_validations.dataValidation) == len(before[name].data_validations.dataValidation)
        assert after[name].sheet_state == before[name].sheet_state
    with zipfile.ZipFile(out) as z:
        wb = etree.fromstring(z.read("xl/workbook.xml"))
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    names = [s.get("name") for s in wb.find("m:sheets", ns)]
    scoped = [(d.get("localSheetId"), d.text) for d in wb.iterfind("m:definedNames/m:definedName", ns)
              if d.get("localSheetId") is not None]
    assert scoped
    for local, formula in scoped:
        assert formula.split("!")[0].strip("'") == names[int(local)]
    link = after[REVIEW_SHEET]["C4"].hyperlink
    assert link is not None and link.location == "'総合計画'!D2"


def test_dimension_covers_new_cells(returned: tuple[Path, Path]) -> None:
    _, out = returned
    with zipfile.ZipFile(out) as z:
        root = etree.fromstring(z.read("xl/worksheets/sheet2.xml"))
    dim = root.find("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}dimension")
    assert dim.get("ref") == "A1:H30"


def patched_copy(src: Path, dst: Path, old: bytes, new: bytes, part: str = "xl/worksheets/sheet1.xml") -> Path:
    """A copy of workbook `src` whose `part` has its first `old` replaced by `new`."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == part:
                data = data.replace(old, new, 1)
            zout.writestr(info, data)
    return dst


def test_unsafe_or_broken_workbook_is_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    good = make_department_book(tmp_path / "good.xlsx")
    evil = patched_copy(good, tmp_path / "evil.xlsx", b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaa">]>')
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    comp = make_compilation()
    comp.files = [SourceFile(p, p.name) for p in (evil, broken, good)]
    comp.problems = [make_problem("unknown-measure", file=p.name, sheet="総合計画", cell="D2", column="施策コード",
                                  value="9-9") for p in (evil, broken, good)]
    written = write_returns(comp, tmp_path / "返送")
    assert [p.name for p in written] == ["good.xlsx"]
    assert "evil.xlsx" in caplog.text and "broken.xlsx" in caplog.text


# ------------------------------------------------------------------ a returned copy sent back
def _xfs_with_our_fill(path: Path) -> int:
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as z:
        styles = etree.fromstring(z.read("xl/styles.xml"))
    fills = styles.xpath("m:fills/m:fill", namespaces=ns)
    ours = {i for i, f in enumerate(fills) if f.xpath("m:patternFill/m:fgColor/@rgb", namespaces=ns)
            and f.xpath("m:patternFill/m:fgColor/@rgb", namespaces=ns)[0] in FILLS.values()}
    return sum(1 for xf in styles.xpath("m:cellXfs/m:xf", namespaces=ns) if int(xf.get("fillId", "0")) in ours)


def _vml_note_cells(path: Path) -> set[tuple[int, int]]:
    import re

    with zipfile.ZipFile(path) as z:
        text = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".vml"))
    return {(int(r), int(c)) for r, c in re.findall(r"<x:Row>(\d+)</x:Row><x:Column>(\d+)</x:Column>", text)}


def test_resubmitted_return_loses_the_earlier_marks(tmp_path: Path) -> None:
    """The department fixed E3 and the 国土強靱化 cells and sends the returned copy back: only D2 is
    marked again, once; its own comment stays; the fixed cells get their own formats back."""
    src = make_department_book(tmp_path / "河川課.xlsx", comment=True)
    first = tmp_path / "返送1.xlsx"
    annotate_workbook(SourceFile(src, "河川課.xlsx"), PROBLEMS, first)
    assert _xfs_with_our_fill(first) == 3  # D2, E3 (error) and the warning cells' format
    second = tmp_path / "返送2.xlsx"
    annotate_workbook(SourceFile(first, "河川課.xlsx"), PROBLEMS[:1], second)
    wb = load(second)
    plan, res = wb["総合計画"], wb["国土強靱化"]
    text = plan["D2"].comment.text
    assert text.count("施策コード「9-9」は施策体系にありません") == 1 and text.count("企画政策課:") == 1
    assert text.startswith("課内メモ: 施策は要相談")  # the department's own comment is kept
    assert "新継区分" not in text  # the E3-related problem of the first return is gone
    assert plan["D2"].fill.fgColor.rgb == FILLS["エラー"]
    # E3 is back to the column's own format: the department's grey fill, unlocked
    assert plan["E3"].fill.fgColor.rgb == "FFEEEEEE" and plan["E3"].protection.locked is False
    assert plan["E3"].comment is None
    for ref in ("F2", "H30"):
        assert res[ref].fill.fgColor.rgb in (None, "00000000") and res[ref].comment is None, ref
    assert _vml_note_cells(second) == {(1, 3)}  # D2's note only; E3's and F2's shapes removed
    assert _xfs_with_our_fill(second) == 3  # the clones are used again, none added
    assert wb.sheetnames == [REVIEW_SHEET, "総合計画", "国土強靱化"]


def test_resubmitted_return_without_problems_on_a_commented_cell(tmp_path: Path) -> None:
    """The text appended to a department's comment goes when its cell has no problem any more."""
    src = make_department_book(tmp_path / "河川課.xlsx", comment=True)
    first = tmp_path / "返送1.xlsx"
    annotate_workbook(SourceFile(src, "河川課.xlsx"), PROBLEMS, first)
    second = tmp_path / "返送2.xlsx"
    annotate_workbook(SourceFile(first, "河川課.xlsx"), [PROBLEMS[2]], second)  # only E3 now
    plan = load(second)["総合計画"]
    assert plan["D2"].comment.text == "課内メモ: 施策は要相談"
    assert plan["D2"].fill.fgColor.rgb in (None, "00000000")
    assert "新継区分「@SUM(A1)」" in plan["E3"].comment.text and plan["E3"].fill.fgColor.rgb == FILLS["エラー"]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_return_saved_by_a_spreadsheet_program_is_cleared(tmp_path: Path) -> None:
    """After another program re-saved the returned copy (styles renumbered, comments and drawings
    rewritten), the marks of the first return are still found and removed."""
    src = make_department_book(tmp_path / "河川課.xlsx")
    first = tmp_path / "first" / "河川課.xlsx"
    annotate_workbook(SourceFile(src, "河川課.xlsx"), PROBLEMS, first)
    cmd = ["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo_profile",
           "--convert-to", "xlsx", "--outdir", str(tmp_path / "saved"), str(first)]
    subprocess.run(cmd, check=True, timeout=180, capture_output=True)
    saved = tmp_path / "saved" / "河川課.xlsx"
    second = tmp_path / "second.xlsx"
    annotate_workbook(SourceFile(saved, "河川課.xlsx"), PROBLEMS[:1], second)
    wb = load(second)
    plan, res = wb["総合計画"], wb["国土強靱化"]
    assert plan["D2"].comment.text.count("施策体系にありません") == 1
    assert plan["E3"].fill.fgColor.rgb != FILLS["エラー"] and plan["E3"].comment is None
    assert res["F2"].fill.fgColor.rgb != FILLS["警告"] and res["F2"].comment is None


# ------------------------------------------------------------------ a return that cannot be made
def _without_styles(path: Path) -> None:
    """The workbook without its styles part: readable, but no cell can be given a fill."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename == "xl/styles.xml":
                continue
            data = zin.read(info)
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = re.sub(rb'<Relationship [^>]*Target="[^"]*styles.xml"/>', b"", data)
            zout.writestr(info, data)
    tmp.replace(path)


def test_a_return_that_cannot_be_made_is_a_problem_and_not_announced(tmp_path: Path) -> None:
    from compiler.build import build
    from tests.builders import make_cycle, plan_row

    root = make_cycle(tmp_path / "cycle", {
        "0501_河川課.xlsx": {"総合計画": [plan_row("雨水排水施設整備事業", measure="9-9")]},
        "0502_道路課.xlsx": {"総合計画": [plan_row("道路改良事業", dept="道路課", measure="9-9")]},
    })
    _without_styles(root / "提出" / "0502_道路課.xlsx")
    out = tmp_path / "out"
    comp = build(root, out, workers=1)
    failed = [p for p in comp.problems if p.code == "return-failed"]
    assert [(p.file, p.severity, p.action, p.cell) for p in failed] == [("0502_道路課.xlsx", "警告", "返送なし", "")]
    assert "返送用の注記" in failed[0].message and "styles.xml" in failed[0].message
    assert sorted(p.name for p in (out / "返送").iterdir()) == ["0501_河川課.xlsx"]
    wb = load(out / "クロスリファレンス.xlsx")
    problems = [r for r in wb["検証結果"].iter_rows(min_row=2, values_only=True)]
    assert any(r[1] == "0502_道路課.xlsx" and r[7] == "返送なし" for r in problems)
    files = {r[0]: r for r in wb["集計"].iter_rows(values_only=True) if r[0] in ("0501_河川課.xlsx", "0502_道路課.xlsx")}
    assert files["0501_河川課.xlsx"][5] == "返送あり" and files["0502_道路課.xlsx"][5] is None


def test_a_sheet_that_breaks_marking_still_gets_its_list(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A worksheet part the pre-render check does not parse (a cell style that is not a number):
    the copy is returned with its 確認事項 sheet, so the 返送 announced in 集計 exists."""
    src = make_department_book(tmp_path / "河川課.xlsx")
    broken = patched_copy(src, tmp_path / "broken.xlsx", b'<c r="D2" t="s">', b'<c r="D2" s="x" t="s">')
    comp = make_compilation()
    comp.files = [SourceFile(broken, "河川課.xlsx")]
    comp.problems = [PROBLEMS[0]]
    from compiler.returns import return_blocker

    assert return_blocker(broken, {"総合計画"}) == ""  # nothing the cheap check can see
    written = write_returns(comp, tmp_path / "返送")
    assert [p.name for p in written] == ["河川課.xlsx"]
    with zipfile.ZipFile(written[0]) as z:
        workbook = z.read("xl/workbook.xml").decode()
        review = next(text for n in z.namelist() if n.startswith("xl/worksheets/sheet")
                      and "確認事項　河川課.xlsx" in (text := z.read(n).decode()))
    assert workbook.index(f'name="{REVIEW_SHEET}"') < workbook.index('name="総合計画"')
    assert "セルの色付け・コメントを付けられなかった" in review and "施策体系にありません" in review
    assert "確認事項シートだけの返送" in caplog.text


def test_review_sheet_filters_and_repeats_its_header_when_printed(returned: tuple[Path, Path]) -> None:
    _, out = returned
    ws = load(out)[REVIEW_SHEET]
    assert ws.auto_filter.ref == f"A3:G{3 + len(PROBLEMS)}"
    assert ws.print_title_rows == "$3:$3"
    with zipfile.ZipFile(out) as z:
        names = etree.fromstring(z.read("xl/workbook.xml")).find(
            "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}definedNames")
    assert sorted((n.get("name"), n.get("localSheetId"), n.text) for n in names) == [
        ("_xlnm.Print_Titles", "0", "'確認事項'!$3:$3"), ("_xlnm._FilterDatabase", "0", f"'確認事項'!$A$3:$G${3 + len(PROBLEMS)}")]


def test_review_rows_follow_the_workbook_order_of_sheets(tmp_path: Path) -> None:
    """確認事項 (and 検証結果) list a file's problems sheet by sheet as the workbook has them."""
    src = make_department_book(tmp_path / "河川課.xlsx")
    problems = sorted([
        make_problem("no-location", file="河川課.xlsx", sheet="国土強靱化", cell="F2", column="実施箇所"),
        make_problem("bad-flag", file="河川課.xlsx", sheet="成果指標", cell="L2", column="総合戦略KPI", value="x"),
        make_problem("bad-flag", file="河川課.xlsx", sheet="総合計画", cell="L5", column="重点", value="x"),
        make_problem("bad-flag", file="河川課.xlsx", sheet="総合戦略", cell="L3", column="デジタル活用", value="x"),
        make_problem("file-same-dept", file="河川課.xlsx", detail="x"),
    ], key=lambda p: p.sort_key())
    assert [p.sheet for p in problems] == ["", "総合計画", "国土強靱化", "総合戦略", "成果指標"]
    out = tmp_path / "out.xlsx"
    annotate_workbook(SourceFile(src, "河川課.xlsx"), problems, out)
    rows = [r[1] for r in load(out)[REVIEW_SHEET].iter_rows(min_row=4, values_only=True)]
    assert rows == [None, "総合計画", "国土強靱化", "総合戦略", "成果指標"]


def test_provisional_ids_are_listed_for_the_department(tmp_path: Path) -> None:
    """A returned workbook lists, in 確認事項, the rows whose project got a provisional 事業ID, at the
    事業ID cell, so the 課 can carry that number (or its own) into the next cycle."""
    name = "0301_子ども家庭課.xlsx"
    book = make_department_book(tmp_path / name)
    comp = make_compilation()
    comp.files = [SourceFile(book, name, columns={"総合計画": {"id": "A"}})]
    comp.problems = [make_problem("unknown-measure", file=name, sheet="総合計画", cell="D2", column="施策コード",
                                  value="9-9")]
    written = write_returns(comp, tmp_path / "返送")
    rows = list(openpyxl.load_workbook(written[0])[REVIEW_SHEET].iter_rows(values_only=True))
    notices = [r for r in rows if r[0] == "お知らせ"]
    assert len(notices) == 1
    severity, sheet, cell, column, message, _, action = notices[0]
    assert (sheet, cell, column, action) == ("総合計画", "A5", "事業ID", "参考")
    assert "仮の番号「0301-G1A2B3C」" in message
