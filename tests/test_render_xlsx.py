"""クロスリファレンス.xlsx: extracted content, safety, determinism, and a LibreOffice round trip."""
from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from compiler.models import Candidate, Project
from compiler.problems import make_problem
from compiler.render_xlsx import SHEET_ORDER, write_crossref
from compiler.sanitize import EXCEL_MAX_CHARS, safe_text
from tests.factories import make_compilation, refresh

HOSTILE = ("=1+2", "+cmd|' /C calc'!A0", "-1+2", "@SUM(A1)", "=HYPERLINK(\"http://x\")", "http://example.com")


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    path = tmp_path_factory.mktemp("xref") / "クロスリファレンス.xlsx"
    write_crossref(make_compilation(), path)
    return openpyxl.load_workbook(path)


def rows_of(ws) -> list[tuple]:
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def records(ws, header_row: int = 1) -> list[dict[str, object]]:
    rows = rows_of(ws)
    header = rows[header_row - 1]
    return [dict(zip(header, r)) for r in rows[header_row:] if any(v is not None for v in r)]


def test_sheet_order(book) -> None:
    assert tuple(book.sheetnames) == SHEET_ORDER


def test_project_list_header_and_rows(book) -> None:
    ws = book["事業一覧"]
    header = rows_of(ws)[0]
    for label in ("事業ID", "事業名", "所管課", "施策コード", "施策名", "展開方向コード", "再掲施策コード", "新継区分",
                  "事業内容", "会計", "総合計画", "国土強靱化", "総合戦略", "リスクシナリオ", "実施箇所", "事業主体",
                  "開始年度", "終了年度", "基本目標", "具体的施策コード", "R7事業費（千円）", "R8事業費（千円）",
                  "R9事業費（千円）", "財源_国県支出金（千円）", "重点", "SDGs", "要確認", "要確認理由", "ID自動付番"):
        assert label in header, label
    recs = {r["事業ID"]: r for r in records(ws)}
    assert len(recs) == 4
    p1 = recs["0501-001"]
    assert (p1["総合計画"], p1["国土強靱化"], p1["総合戦略"]) == ("○", "○", None)
    assert p1["再掲施策コード"] == "3-1" and p1["SDGs"] == "11、13" and p1["リスクシナリオ"] == "1-3"
    assert (p1["R7事業費（千円）"], p1["R8事業費（千円）"], p1["R9事業費（千円）"]) == (120000, 150000, 90000)
    assert p1["開始年度"] == "R7" and p1["終了年度"] == "R9" and p1["重点"] == "○"
    assert recs["0101-003"]["リスクシナリオ"] == "1-1、2-1"
    assert recs["0101-003"]["R9事業費（千円）"] is None  # blank year = not carried out
    assert recs["0301-G1A2B3C"]["R7事業費（千円）"] == 0  # 0 = carried out at no cost
    assert recs["0301-G1A2B3C"]["ID自動付番"] == "○" and recs["0301-G1A2B3C"]["要確認"] == "○"
    assert "9-9" in recs["0301-G1A2B3C"]["要確認理由"]
    assert recs["0501-G9F8E7D"]["事業主体"] == "県" and recs["0501-G9F8E7D"]["総合計画"] is None
    assert ws.freeze_panes == "C2" and ws.auto_filter.ref.startswith("A1:")


def test_project_list_says_blank_is_not_zero(book) -> None:
    ws = book["事業一覧"]
    years = [c for c in ws[1] if str(c.value).startswith("R") and "事業費" in str(c.value)]
    assert years and all(c.comment is not None and "空欄" in c.comment.text and "0" in c.comment.text for c in years)


def test_codes_are_text_and_money_numbers(book) -> None:
    ws = book["事業一覧"]
    header = rows_of(ws)[0]
    id_col = header.index("事業ID") + 1
    money_col = header.index("R7事業費（千円）") + 1
    for r in range(2, ws.max_row + 1):
        assert ws.cell(r, id_col).data_type == "s"
        cell = ws.cell(r, money_col)
        if cell.value is not None:
            assert cell.data_type == "n" and cell.number_format == "#,##0"


def test_project_list_round_trips_through_previous_reader(tmp_path: Path) -> None:
    from compiler.previous import field, read_previous_projects

    comp = make_compilation()
    write_crossref(refresh(comp), tmp_path / "クロスリファレンス.xlsx")
    recs = read_previous_projects(tmp_path)
    assert [field(r, "事業ID") for r in recs] == [p.project_id for p in comp.projects]
    assert field(recs[2], "R8事業費(千円)") == "150000"


def test_cross_table_marks(book) -> None:
    ws = book["クロス表"]
    rows = rows_of(ws)
    sub = rows[1]
    by_id = {r[0]: r for r in rows[2:]}
    measure_cols = [i for i, v in enumerate(sub) if v and str(v).startswith(("3-1 ", "3-4 ", "1-1 "))]
    # 0501-001: primary 3-4 (●), re-listed under 3-1 (○)
    p1 = by_id["0501-001"]
    marks = {sub[i].split(" ")[0]: p1[i] for i in measure_cols[:3]}
    assert marks == {"1-1": None, "3-1": "○", "3-4": "●"}
    assert ws.freeze_panes == "D3"
    assert ws.auto_filter.ref.startswith("A2:")
    groups = [v for v in rows[0][3:] if v]
    assert groups[0] == "掲載計画" and groups[-1] == "SDGs" and len(groups) == 5
    sdg_first = rows[0].index("SDGs")
    assert p1[sdg_first + 10] == "●" and p1[sdg_first + 12] == "●"  # SDGs 11 and 13
    assert any(str(r).startswith("D1:") or str(r).startswith("G1:") for r in ws.merged_cells.ranges)


def test_matrix_counts_and_colour_scale(book) -> None:
    ws = book["施策×リスクシナリオ"]
    rows = rows_of(ws)
    codes = list(rows[1][2:])
    by_measure = {r[0]: dict(zip(codes, r[2:])) for r in rows[2:] if r[0]}
    assert by_measure["3-4"]["1-3"] == 1 and by_measure["3-1"]["1-3"] == 1  # re-listed counts under 3-1
    assert by_measure["1-1"]["1-3"] == 0
    rules = [rule for cf in ws.conditional_formatting for rule in cf.rules]
    assert any(rule.type == "colorScale" for rule in rules)


def test_scenario_gap_marked(tmp_path: Path) -> None:
    comp = make_compilation()
    for p in comp.projects:
        p.scenarios = tuple(s for s in p.scenarios if s != "2-1")
    write_crossref(refresh(comp), tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx")["リスクシナリオ別"]
    recs = {r["番号"]: r for r in records(ws)}
    assert recs["2-1"]["対応事業数"] == 0 and recs["2-1"]["状況"] == "対応事業なし"
    status_col = rows_of(ws)[0].index("状況") + 1
    gap_row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 3).value == "2-1")
    assert ws.cell(gap_row, status_col).fill.fgColor.rgb.endswith("FFC7CE")
    assert recs["1-3"]["対応事業数"] == 2 and recs["1-3"]["実施箇所明記の事業数"] == 2
    budget = next(k for k in recs["1-3"] if str(k).startswith("事業費計（R7〜R9"))
    assert recs["1-3"][budget] == 360000


def test_measure_budgets_equal_totals(book) -> None:
    comp = make_compilation()
    recs = records(book["施策別"])
    for code, years in comp.totals.by_measure_year.items():
        rec = next(r for r in recs if r["施策コード"] == code)
        for y, amount in years.items():
            assert rec[f"{y}事業費（千円）"] == amount
    total = next(r for r in recs if r["基本政策名"] == "合計")
    assert [total[f"{y}事業費（千円）"] for y in ("R7", "R8", "R9")] == list(comp.totals.by_year.values())
    policy3 = next(r for r in recs if r["基本政策"] == "3" and r["施策コード"] is None)
    assert policy3["R7事業費（千円）"] == comp.totals.by_policy_year["3"]["R7"]
    assert next(r for r in recs if r["施策コード"] == "3-4")["成果指標数"] == 1
    assert next(r for r in recs if r["施策コード"] == "3-1")["再掲事業数"] == 1
    assert [(r["主担当課"], r["関係課"]) for r in recs if r["施策コード"] == "3-1"] == [("防災危機管理課", "河川課")]


def test_strategy_sheet(book) -> None:
    recs = records(book["総合戦略別"])
    goal4 = next(r for r in recs if r["基本目標番号"] == "4" and r["具体的施策コード"] is None)
    assert goal4["事業数"] == 1 and goal4["KPI数"] == 1 and "自主防災組織の結成率" in goal4["KPI（事業の重要業績評価指標）"]
    assert goal4["事業費計（R7〜R9、千円）"] == 6000


def test_summary_accounting_and_counts(book) -> None:
    comp = make_compilation()
    values = {r[0]: r[1] for r in rows_of(book["集計"]) if r[0]}
    assert values["読込行数"] == comp.rows_read
    assert values["重複統合ログの行数"] == len(comp.merge_log)
    assert values["除外行数"] == comp.rows_excluded
    assert values["行の照合（読込行数 ＝ 統合ログ行数 ＋ 除外行数）"] == "✔ 一致"
    assert values["事業数"] == 4
    assert values["　国土強靱化地域計画に掲載"] == 3 and values["　3計画すべてに掲載"] == 1
    assert values["エラー"] == 1 and values["警告"] == 1 and values["重複候補"] == 1
    total_row = [r for r in rows_of(book["集計"]) if r[0] == "合計"][0]
    assert list(total_row[1:4]) == list(comp.totals.by_year.values())


def test_logs_candidates_problems(book) -> None:
    comp = make_compilation()
    log = records(book["重複統合ログ"])
    assert len(log) == len(comp.merge_log)
    assert log[0]["行"] == comp.merge_log[0].origin.row and log[0]["統合規則"] == comp.merge_log[0].rule
    ws = book["重複候補"]
    assert rows_of(ws)[0][:5] == ("事業名A", "所管課A", "事業名B", "所管課B", "判定")
    cand = records(ws)[0]
    assert cand["判定"] is None and cand["類似度"] == 88.9
    dv = ws.data_validations.dataValidation
    assert any(v.type == "list" and "同一" in (v.formula1 or "") and "E2" in str(v.sqref) for v in dv)
    probs = rows_of(book["検証結果"])
    assert probs[0] == ("重要度", "ファイル", "シート", "セル", "項目", "内容", "入力値", "処置")
    assert [tuple(v if v is not None else "" for v in r) for r in probs[1:]] == [tuple(p.as_row()) for p in comp.problems]
    assert book["検証結果"].cell(2, 1).fill.fgColor.rgb.endswith("FFE4E1")  # エラー row tinted


def test_every_list_sheet_is_frozen_and_printable(book) -> None:
    for name in SHEET_ORDER[1:]:
        ws = book[name]
        assert ws.freeze_panes, name
        assert ws.page_setup.orientation == "landscape" and ws.print_title_rows, name
        if name == "クロス表":  # pages split by 基本政策 at one zoom (test_matrix_prints_by_policy)
            continue
        assert ws.page_setup.paperSize == 9, name
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0, name


def test_matrix_prints_by_policy(tmp_path: Path) -> None:
    """クロス表 on paper: each 基本政策's 施策 start a page, the ID・name・課 columns and the two header rows
    repeat on every page, and every page is printed at a readable zoom (A4, else A3)."""
    from compiler.build import compile_cycle
    from compiler.xlsx.book import PRINT_WIDTH_IN

    comp = compile_cycle(Path(__file__).resolve().parents[1] / "examples" / "sample-city" / "R7", workers=1)
    path = tmp_path / "x.xlsx"
    write_crossref(refresh(comp), path)
    ws = openpyxl.load_workbook(path)["クロス表"]
    assert ws.print_title_rows == "$1:$2" and ws.print_title_cols == "$A:$C"
    assert not (ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage)
    breaks = [b.id for b in ws.col_breaks.brk]  # a page starts at each of these (0-based) columns
    header = [c.value for c in ws[2]]
    starts = {}  # 基本政策 -> first column of its 施策
    for i, text in enumerate(header):
        code = str(text or "").split(" ", 1)[0]
        if i >= 6 and code.count("-") == 1 and code in comp.master.measures:
            starts.setdefault(comp.master.measures[code].policy_code, i)
    assert len(starts) == len(comp.master.policies) >= 5
    first_policy = min(starts.values())
    assert sorted(c for c in starts.values() if c != first_policy) == [b for b in breaks if b <= max(starts.values())]
    pixels = [round(w * 7) for w in _col_widths(path, "クロス表")]  # stored widths include the 5 px padding
    fixed = sum(pixels[:3])
    pages = list(zip([3, *breaks], [*breaks, len(header)]))
    widest = fixed + max(sum(pixels[a:b]) for a, b in pages)
    paper, scale = int(ws.page_setup.paperSize), int(ws.page_setup.scale)
    assert scale >= 60 and widest * scale / 100 <= PRINT_WIDTH_IN[paper] * 96 + 1


def hostile_compilation():
    comp = make_compilation()
    p = comp.projects[0]
    comp.projects[0] = dataclasses.replace(p, name=HOSTILE[0], content=HOSTILE[1], location=HOSTILE[2], note=HOSTILE[3],
                                           dept=HOSTILE[4], review_reasons=(HOSTILE[5],))
    comp.candidates.append(Candidate(HOSTILE[0], HOSTILE[1], HOSTILE[2], HOSTILE[3], 50.0, HOSTILE[4], HOSTILE[5]))
    comp.problems = comp.problems + [make_problem("bad-money", file="a.xlsx", sheet="総合計画", cell="M2",
                                                  column=v, value=v) for v in HOSTILE]
    return comp


def test_no_formula_from_input_text(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    write_crossref(hostile_compilation(), path)
    wb = openpyxl.load_workbook(path)
    seen = set()
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                assert cell.hyperlink is None, (ws.title, cell.coordinate)
                if isinstance(cell.value, str) and cell.value in HOSTILE:
                    seen.add(cell.value)
    assert seen == set(HOSTILE)
    with zipfile.ZipFile(path) as z:
        assert not any(n.startswith("xl/calcChain") for n in z.namelist())
        assert all(b"<f>" not in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_control_characters_nan_and_long_text(tmp_path: Path) -> None:
    comp = make_compilation()
    p: Project = comp.projects[0]
    p.name = "子育て\x00アプリ\x0b運用\ufffe事業\ud800"
    p.content = "あ" * 40000
    p.budget = {"R7": float("nan"), "R8": None, "R9": 1200}  # type: ignore[dict-item]
    path = tmp_path / "x.xlsx"
    write_crossref(refresh(comp), path)
    rec = records(openpyxl.load_workbook(path)["事業一覧"])[0]
    assert rec["事業名"] == "子育てアプリ運用事業"
    assert len(rec["事業内容"]) == EXCEL_MAX_CHARS
    assert rec["R7事業費（千円）"] is None and rec["R9事業費（千円）"] == 1200


def test_safe_text() -> None:
    assert safe_text(None) == "" and safe_text(float("nan")) == ""
    assert safe_text("a\x01b\x1fc\td\ne") == "abc\td\ne"
    assert len(safe_text("😀" * 20000)) == EXCEL_MAX_CHARS // 2  # UTF-16 units, pairs never split
    assert safe_text(12) == "12"


def test_byte_identical(tmp_path: Path) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_crossref(make_compilation(), a)
    write_crossref(make_compilation(), b)
    assert a.read_bytes() == b.read_bytes()
    # and in another process, with another hash seed and time zone
    c = tmp_path / "c.xlsx"
    code = ("from pathlib import Path; from tests.factories import make_compilation; "
            f"from compiler.render_xlsx import write_crossref; write_crossref(make_compilation(), Path({str(c)!r}))")
    env = {**os.environ, "PYTHONHASHSEED": "12345", "TZ": "Asia/Tokyo"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=Path(__file__).resolve().parents[1])
    assert a.read_bytes() == c.read_bytes()
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 31, 0, 0, 0)}


def test_empty_compilation(tmp_path: Path) -> None:
    comp = make_compilation()
    comp.projects, comp.merge_log, comp.candidates, comp.problems, comp.measure_kpis = [], [], [], [], []
    comp.rows_read = 0
    write_crossref(refresh(comp), tmp_path / "x.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "x.xlsx")
    assert tuple(wb.sheetnames) == SHEET_ORDER
    gaps = [r["状況"] for r in records(wb["リスクシナリオ別"])]
    assert gaps and set(gaps) == {"対応事業なし"}


def test_failed_write_leaves_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "x.xlsx"
    write_crossref(make_compilation(), path)
    before = path.read_bytes()
    from compiler.xlsx import logs

    def boom(book, comp):
        raise RuntimeError("boom")
    monkeypatch.setattr("compiler.render_xlsx.WRITERS", (boom,))
    with pytest.raises(RuntimeError):
        write_crossref(make_compilation(), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["x.xlsx"]
    assert logs  # imported module stays usable


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_converts(tmp_path: Path) -> None:
    path = tmp_path / "クロスリファレンス.xlsx"
    write_crossref(hostile_compilation(), path)
    out = tmp_path / "out"
    cmd = ["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo_profile",
           "--convert-to", "pdf", "--outdir", str(out), str(path)]
    subprocess.run(cmd, check=True, timeout=180, capture_output=True)
    pdf = out / "クロスリファレンス.pdf"
    assert pdf.exists() and pdf.stat().st_size > 1000


# ------------------------------------------------------------------ readable print and display details
def _sheet_xml(path: Path, title: str) -> bytes:
    from lxml import etree

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    with zipfile.ZipFile(path) as z:
        wb = etree.fromstring(z.read("xl/workbook.xml"))
        rid = wb.xpath(f"//m:sheet[@name='{title}']/@r:id", namespaces=ns)[0]
        rels = etree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        target = [r.get("Target") for r in rels if r.get("Id") == rid][0]
        return z.read("xl/" + target.lstrip("/").removeprefix("xl/"))


def test_project_list_wraps_long_texts_and_prints_its_core_columns_readably(tmp_path: Path) -> None:
    from compiler.xlsx.book import A4, fit_scale

    comp = make_compilation()
    comp.projects[2].content = "浸水被害を軽減するため、雨水管渠及び調整池を整備する。" * 3
    path = tmp_path / "x.xlsx"
    write_crossref(refresh(comp), path)
    ws = openpyxl.load_workbook(path)["事業一覧"]
    header = rows_of(ws)[0]
    for label in ("事業内容", "実施箇所", "事業名"):
        col = header.index(label) + 1
        cells = [ws.cell(r, col) for r in range(2, ws.max_row + 1) if ws.cell(r, col).value]
        assert cells and all(c.alignment.wrap_text for c in cells), label
    content_col = openpyxl.utils.get_column_letter(header.index("事業内容") + 1)
    assert ws.column_dimensions[content_col].width <= 41
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == comp.projects[2].project_id)
    assert ws.row_dimensions[row].height >= 3 * 14.5  # the long content shows in full
    # the printed columns: ID to 要確認, the three budget years among them, on A4 at a readable scale
    assert ws.print_area == f"'事業一覧'!$A$1:${openpyxl.utils.get_column_letter(header.index('要確認') + 1)}$5"
    printed = header[:header.index("要確認") + 1]
    assert {"事業ID", "事業名", "所管課", "施策コード", "事業内容", "リスクシナリオ", "実施箇所", "基本目標",
            "R7事業費（千円）", "R9事業費（千円）"} <= set(printed)
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    from compiler.xlsx import projects

    widths = [w for w in _col_widths(path, "事業一覧")[:len(printed)]]
    assert fit_scale(widths, A4) >= 60 and projects.PRINTED_LAST == "要確認"


def _col_widths(path: Path, title: str) -> list[float]:
    """Width of every column from the <cols> entries (openpyxl reports only the first of a group)."""
    from lxml import etree

    root = etree.fromstring(_sheet_xml(path, title))
    out: dict[int, float] = {}
    for col in root.iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}col"):
        for c in range(int(col.get("min")), min(int(col.get("max")), 200) + 1):
            out[c] = float(col.get("width"))
    return [out.get(c, 8.43) for c in range(1, max(out) + 1)]


def test_sample_project_list_prints_at_sixty_percent_or_more(tmp_path: Path) -> None:
    from compiler.build import compile_cycle
    from compiler.xlsx.book import PRINT_WIDTH_IN, fit_scale

    comp = compile_cycle(Path(__file__).resolve().parents[1] / "examples" / "sample-city" / "R7", workers=1)
    path = tmp_path / "x.xlsx"
    write_crossref(refresh(comp), path)
    ws = openpyxl.load_workbook(path)["事業一覧"]
    n_printed = rows_of(ws)[0].index("要確認") + 1
    paper = ws.page_setup.paperSize
    assert int(paper) in PRINT_WIDTH_IN and fit_scale(_col_widths(path, "事業一覧")[:n_printed], int(paper)) >= 60


def test_matrix_total_shows_zero_and_unknown_scenario_is_named(tmp_path: Path) -> None:
    comp = make_compilation()
    comp.projects[1].scenarios = ("1-1", "9-9")  # 9-9 is not in the master; 2-1 loses its only project
    path = tmp_path / "x.xlsx"
    write_crossref(refresh(comp), path)
    wb = openpyxl.load_workbook(path)
    rows = rows_of(wb["施策×リスクシナリオ"])
    codes = list(rows[1][2:])
    total = next(r for r in rows if r[0] == "対応事業数（重複なし）")
    totals = dict(zip(codes, total[2:]))
    assert totals["2-1"] == 0 and totals["1-3"] == 2 and totals["9-9"] == 1
    ws = wb["施策×リスクシナリオ"]
    r = next(i for i, row in enumerate(rows, start=1) if row[0] == "対応事業数（重複なし）")
    zero = ws.cell(r, 3 + codes.index("2-1"))
    assert zero.number_format == "#,##0" and zero.fill.fgColor.rgb.endswith("FFC7CE")
    status = {rec["番号"]: rec["状況"] for rec in records(wb["リスクシナリオ別"])}
    assert status["9-9"] == "計画マスタにない番号" and status["2-1"] == "対応事業なし"
    assert status["1-1"] == "実施箇所未記入の事業あり" and status["1-3"] is None


def test_list_sheets_ignore_numbers_stored_as_text(tmp_path: Path) -> None:
    from lxml import etree

    path = tmp_path / "x.xlsx"
    write_crossref(make_compilation(), path)
    for title in SHEET_ORDER[1:]:
        root = etree.fromstring(_sheet_xml(path, title))
        ignored = root.findall(".//{http://schemas.openxmlformats.org/spreadsheetml/2006/main}ignoredError")
        assert ignored and ignored[0].get("numberStoredAsText") == "1" and ignored[0].get("sqref").startswith("A1:"), title


def test_previous_year_sheet_uses_the_master_unit(tmp_path: Path) -> None:
    from compiler.rolling import Comparison, Pair

    comp = make_compilation()
    comp.master = dataclasses.replace(comp.master, unit="百万円")
    p = comp.projects[2]
    comp.previous = Comparison(tmp_path, ("R6", "R7", "R8"), ("R7", "R8"),
                               [Pair(p.project_id, p.name, p.dept, p, {}, "継続", budget={"R7": (100, 120), "R8": (0, 150)})],
                               {"R7": 100, "R8": 0}, {"R7": 120, "R8": 150})
    write_crossref(refresh(comp), tmp_path / "x.xlsx")
    header = rows_of(openpyxl.load_workbook(tmp_path / "x.xlsx")["前年度比較"])[0]
    assert "R7 前年度計画（百万円）" in header and "R8 増減（百万円）" in header
    assert not any("千円" in str(h) for h in header)


def test_fast_cell_writer_writes_what_xlsxwriter_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """FastWorksheet's shortcut gives the same bytes as xlsxwriter's own cell writer, on every sheet."""
    import compiler.xlsx.book as book_module

    comp = make_compilation()
    comp.projects[0].name = "=1+2 <&> \"x\""  # text that xlsxwriter escapes in the shared strings
    parts = {}
    for fast in (True, False):
        monkeypatch.setattr(book_module, "FAST_CELLS", fast)
        path = tmp_path / f"{fast}.xlsx"
        write_crossref(refresh(comp), path)
        with zipfile.ZipFile(path) as z:
            parts[fast] = {n: z.read(n) for n in z.namelist()}
    assert parts[True].keys() == parts[False].keys()
    assert [n for n in parts[True] if parts[True][n] != parts[False][n]] == []
    assert any(b't="s"><v>' in data and b"<v>120000</v>" in data for data in parts[True].values())


def test_the_package_is_deflated_at_level_one(tmp_path: Path) -> None:
    """Every part of the book is deflated at zlib level 1 (what xlsx/fastsheet.py asks of xlsxwriter's
    ZipFile): deflating the part again at that level gives the stored bytes."""
    import zlib

    from compiler.xlsx.fastsheet import COMPRESS_LEVEL

    path = tmp_path / "x.xlsx"
    write_crossref(refresh(make_compilation()), path)
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as z:
        infos = [i for i in z.infolist() if i.file_size > 1000]
        assert infos
        for info in infos:
            assert info.compress_type == zipfile.ZIP_DEFLATED
            start = info.header_offset + 30 + len(info.orig_filename.encode()) + len(info.extra)
            packer = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
            assert raw[start:start + info.compress_size] == packer.compress(z.read(info)) + packer.flush(), info.filename
    import xlsxwriter.workbook

    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile  # put back after close()


def test_finished_sheets_are_written_out_before_close(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each sheet's rows are on disk and its cells freed before the book is packaged; the sheet with
    charts keeps its cells for the charts' cached values (the bytes are xlsxwriter's own: see above)."""
    from compiler.xlsx.book import Book
    from compiler.xlsx.progress import ROLLUP_SHEET

    seen: dict[str, tuple[bool, int]] = {}
    close = Book.close

    def inspecting_close(self: Book) -> None:
        for ws in self.wb.worksheets():
            seen[ws.name] = (ws._rows_out is not None, sum(len(cells) for cells in ws.table.values()))
        close(self)

    monkeypatch.setattr(Book, "close", inspecting_close)
    write_crossref(refresh(make_compilation()), tmp_path / "x.xlsx")
    assert seen["事業一覧"] == (True, 0) and seen["検証結果"] == (True, 0)
    written, kept = seen[ROLLUP_SHEET]
    assert written and kept > 0
    assert all(out for out, _ in seen.values())
    with zipfile.ZipFile(tmp_path / "x.xlsx") as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert charts and all(b"<c:numCache>" in z.read(n) for n in charts)


def test_a_write_to_a_written_out_sheet_is_refused(tmp_path: Path) -> None:
    from compiler.xlsx.book import Book
    from compiler.xlsx.fastsheet import SheetWrittenOut

    book = Book(tmp_path / "x.xlsx", "t", "a", "c")
    sheet = book.sheet("一覧")
    sheet.text(0, 0, "見出し", book.fmt("cell"))
    sheet.number(1, 0, 5, book.fmt("cell", "num"))
    book.write_out()
    for late in (lambda: sheet.text(0, 1, "遅い"), lambda: sheet.text(5, 0, "新しい行"),
                 lambda: sheet.number(1, 1, 1, book.fmt("cell")), lambda: sheet.row_height(1, 30),
                 lambda: sheet.comment(1, 0, "注記")):
        with pytest.raises(SheetWrittenOut):
            late()
    sheet.set_width(0, 20)  # what is written outside the rows still may be
    book.close()
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx")["一覧"]
    assert [ws["A1"].value, ws["A2"].value, ws["B1"].value] == ["見出し", 5, None]
    assert ws.column_dimensions["A"].width == pytest.approx(20, abs=1)
