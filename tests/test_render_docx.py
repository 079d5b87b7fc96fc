"""Golden checks on the extracted content and the XML of 実施計画（案）.docx.

Run as a script for a timing of a large draft (not asserted):
    .venv/bin/python -m tests.test_render_docx 20000
"""
from __future__ import annotations

import dataclasses
import re
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from compiler.docx.appendix import review_text
from compiler.docx.base import figure, figures
from compiler.docx.measures import direction_label
from compiler.models import Compilation, MeasureKpi, Origin, Project, Scenario, Totals
from compiler.render_docx import write_draft
from compiler.rolling import Change, Comparison, Pair
from tests.factories import make_compilation, refresh

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
CHAPTERS = ["計画の概要", "施策体系", "施策別主要事業", "国土強靱化 リスクシナリオ別の対応事業",
            "総合戦略 基本目標別の事業", "事業費の見通し", "資料編"]


# ---------------------------------------------------------------- extraction
@dataclass
class Item:
    kind: str  # "p" or "table"
    style: str = ""
    text: str = ""
    rows: list[list[str]] = dataclasses.field(default_factory=list)
    header_rows: int = 0


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


def _para_text(p: etree._Element) -> str:
    out: list[str] = []
    for el in p.iter(_w("t"), _w("br"), _w("instrText"), _w("noBreakHyphen")):
        if el.tag == _w("t"):
            out.append(el.text or "")
        elif el.tag == _w("noBreakHyphen"):
            out.append("-")
        elif el.tag == _w("br") and el.get(_w("type")) != "page":
            out.append("\n")
    return "".join(out)


def _cell_text(tc: etree._Element) -> str:
    return "\n".join(_para_text(p) for p in tc.findall(_w("p")))


def extract(path: Path) -> list[Item]:
    """Body paragraphs (style id, text) and tables (cell texts, header row count) in order."""
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    items: list[Item] = []
    for el in root.find("w:body", NS):
        if el.tag == _w("p"):
            style = el.find("w:pPr/w:pStyle", NS)
            items.append(Item("p", style.get(_w("val")) if style is not None else "", _para_text(el)))
        elif el.tag == _w("tbl"):
            rows = el.findall("w:tr", NS)
            header = sum(1 for r in rows if r.find("w:trPr/w:tblHeader", NS) is not None)
            items.append(Item("table", rows=[[_cell_text(tc) for tc in r.findall("w:tc", NS)] for r in rows],
                              header_rows=header))
    return items


def headings(items: list[Item]) -> list[tuple[int, str]]:
    return [(int(i.style[-1]), i.text) for i in items if i.kind == "p" and re.fullmatch(r"Heading[1-3]", i.style)]


def section(items: list[Item], start: str, level: int) -> list[Item]:
    """Items after the heading `start` (of `level`) up to the next heading of that level or above."""
    out: list[Item] | None = None
    for item in items:
        is_heading = item.kind == "p" and re.fullmatch(r"Heading[1-3]", item.style)
        if out is None:
            if is_heading and int(item.style[-1]) == level and item.text == start:
                out = []
            continue
        if is_heading and int(item.style[-1]) <= level:
            break
        out.append(item)
    assert out is not None, f"heading {start!r} not found"
    return out


def chapter(items: list[Item], number: int) -> list[Item]:
    return section(items, f"第{number}章　{CHAPTERS[number - 1]}", 1)


def body_rows(items: list[Item]) -> list[list[str]]:
    return [row for item in items if item.kind == "table" for row in item.rows[item.header_rows:]]


def flat(text: str) -> str:
    return text.replace("\n", "")


def xml_of(path: Path, member: str) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read(member))


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def comp() -> Compilation:
    c = make_compilation()
    # an uncovered scenario: a gap the 脆弱性評価 must face
    c.master.scenarios["2-2"] = Scenario("2-2", "自衛隊、警察、消防等の被災等による救助・救急活動等の絶対的不足", "2",
                                         "救助・救急、医療活動が迅速に行われる")
    return refresh(c)


@pytest.fixture(scope="module")
def draft(comp: Compilation, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("draft") / "実施計画（案）.docx"
    write_draft(refresh(comp), path)
    return path


@pytest.fixture(scope="module")
def items(draft: Path) -> list[Item]:
    return extract(draft)


# ---------------------------------------------------------------- structure
def test_seven_chapters_in_order_as_heading1(items: list[Item]) -> None:
    h1 = [text for level, text in headings(items) if level == 1]
    assert h1 == [f"第{n}章　{name}" for n, name in enumerate(CHAPTERS, 1)]


def test_nested_headings(items: list[Item]) -> None:
    hs = headings(items)
    assert (2, "基本政策3 安全・安心") in hs
    assert hs.index((3, "3-1 防災・減災")) < hs.index((3, "3-4 河川・排水"))
    assert hs.index((2, "基本政策3 安全・安心")) < hs.index((3, "3-4 河川・排水"))
    assert (2, "目標1 直接死を最大限防ぐ") in hs
    assert (3, "1-3 異常気象等による広域かつ長期的な市街地等の浸水") in hs
    assert (2, "基本目標4 魅力的な地域をつくり安心なくらしを守る") in hs
    appendix = [text for level, text in headings([i for i in chapter(items, 7)]) if level == 2]
    assert appendix == ["1　所管課別事業索引", "2　再掲・重複統合一覧", "3　実施箇所明記事業一覧", "4　要確認事業"]


def test_cover_and_overview_wording(items: list[Item]) -> None:
    front = [i.text for i in items[:40] if i.kind == "p"]
    assert "令和7年度 実施計画（案）" in front
    assert "令和7年3月" in front  # 策定年月: the March before the first year
    assert any("令和7年度〜令和9年度" in t for t in front)
    for name in ("第5次サンプル市総合計画", "サンプル市国土強靱化地域計画", "第2期サンプル市デジタル田園都市構想総合戦略",
                 "サンプル市", "企画政策課"):
        assert any(name in t for t in front), name
    text = "".join(i.text for i in chapter(items, 1) if i.kind == "p")
    assert "本計画は、第5次サンプル市総合計画に掲げる施策を具体化し" in text
    assert "令和7年度から令和9年度までの3年間" in text
    assert "本計画には4事業を掲載しています" in text


def test_system_table_counts(items: list[Item]) -> None:
    rows = body_rows(chapter(items, 2))
    by_measure = {r[1]: r[3:] for r in rows}
    assert [r[0] for r in rows[1:3]] == ["3 安全・安心", ""]  # one merged 基本政策 cell beside its 施策
    assert by_measure["3-4 河川・排水"] == ["1", "0", "1", "0"]
    assert by_measure["3-1 防災・減災"] == ["1", "1", "1", "1"]
    assert rows[-1][0] == "合計" and rows[-1][3:] == ["3", "1", "2", "2"]


# ---------------------------------------------------------------- 第3章
PROJECT_HEADER = ["予算説明書", "国補正予算", "新継区分", "事業名（所管課）", "内容", "会計", "予算区分", "実施年度",
                  "強靱化", "総合戦略"]


def test_project_table_header_two_levels(items: list[Item]) -> None:
    table = next(i for i in section(items, "3-4 河川・排水", 3) if i.kind == "table" and len(i.rows[0]) >= 10)
    assert table.header_rows == 2
    assert [flat(c) for c in table.rows[0]] == PROJECT_HEADER
    assert table.rows[1][7:10] == ["R7", "R8", "R9"]


def test_measure_kpi_table(items: list[Item]) -> None:
    kpi = next(i for i in section(items, "3-4 河川・排水", 3) if i.kind == "table")
    assert [flat(c) for c in kpi.rows[0]] == ["指標名", "単位", "基準値（基準年度）", "目標値", "最終目標値（年度）",
                                              "出典", "総合戦略KPI"]
    assert kpi.rows[2] == ["浸水被害件数", "件", "12（R5）", "10", "8", "6", "5（R11）", "河川課調べ", "★"]


def test_rows_of_measure_3_4(items: list[Item]) -> None:
    part = section(items, "3-4 河川・排水", 3)
    leads = [i.text for i in part if i.kind == "p" and i.style == "Lead"]
    assert leads[1:] == ["【展開方向1】雨水排水施設の整備"]
    rows = body_rows(part)
    project_rows = [r for r in rows if len(r) == 12]
    assert len(project_rows) == 1
    row = project_rows[0]
    assert row[:3] == ["P112", "○", "継続"]
    assert row[3] == "◎雨水排水施設整備事業\n（河川課）"  # no 事業ID in the chapters
    assert row[4] == "浸水被害を軽減するため、雨水管渠及び調整池を整備する。"
    assert row[5:] == ["下水道", "当初", "■", "■", "■", "1-3", ""]


def test_relisted_row_under_3_1(items: list[Item]) -> None:
    rows = [r for r in body_rows(section(items, "3-1 防災・減災", 3)) if len(r) == 12]
    relist = [r for r in rows if "（再掲）" in r[3]]
    assert len(relist) == 1
    row = relist[0]
    assert row[3] == "雨水排水施設整備事業（再掲）\n（河川課）"
    assert row[4] == "施策3-4「河川・排水」に掲載（事業費は同施策に計上）"
    # the legend's rule: 「－」 for items not entered, blank for the mark columns (国補正予算 ○, ■) and code lists
    assert row[:3] == ["－", "", "－"] and row[5:7] == ["－", "－"]
    assert row[7:] == ["■", "■", "■", "1-3", ""]  # the years it is carried out, as in its own row
    legend = next(i.text for i in items if i.kind == "p" and i.style == "Legend" and "【表の見方】" in i.text)
    assert "－：記入のない項目" in legend and "空欄：該当なし" in legend
    own = [r for r in rows if r[3] == "自主防災組織育成事業\n（防災危機管理課）"][0]
    assert own[2] == "拡充" and own[7:] == ["■", "■", "", "1-1、2-1", "4"]


def test_each_measure_names_its_lead_and_related_departments(items: list[Item]) -> None:
    """関係課 come from the projects under the 施策 (re-listed ones included), not typed by anyone."""
    def line(code_and_name: str) -> str:
        return next(i.text for i in section(items, code_and_name, 3) if i.kind == "p" and i.text.startswith("【主担当課】"))

    assert line("3-1 防災・減災") == "【主担当課】防災危機管理課　【関係課】河川課"
    assert line("3-4 河川・排水") == "【主担当課】河川課　【関係課】－"


def test_year_mark_for_zero_budget(items: list[Item]) -> None:
    row = [r for r in body_rows(section(items, "1-1 子育て支援", 3)) if len(r) == 12][0]
    assert row[7:10] == ["■", "■", "■"]  # R7 = 0 千円 is still carried out
    assert row[11] == "3"


def test_every_plan_project_in_full_once_plus_relisted_rows(comp: Compilation, items: list[Item]) -> None:
    rows = [r for r in body_rows(chapter(items, 3)) if len(r) == 12]
    for p in comp.projects:
        mine = [r for r in rows if r[3].lstrip("◎").replace("（再掲）", "") == f"{p.name}\n（{p.dept}）"]
        full = [r for r in mine if "（再掲）" not in r[3]]
        relisted = [r for r in mine if "（再掲）" in r[3]]
        assert len(full) == (1 if p.in_plan else 0), p.project_id
        assert len(relisted) == len(p.relisted_measures), p.project_id


def test_every_project_in_index_once(comp: Compilation, items: list[Item]) -> None:
    rows = body_rows(section(items, "1　所管課別事業索引", 2))
    ids = [r[0].split("\n")[0] for r in rows]
    assert sorted(ids) == sorted(p.project_id for p in comp.projects)


def test_provisional_ids_are_marked_and_explained(comp: Compilation, items: list[Item]) -> None:
    """An ID the compile assigned is printed with （仮） on its own line, and 資料編 says what to do."""
    from compiler.docx.base import PROVISIONAL_NOTE

    cells = {r[0] for r in body_rows(section(items, "1　所管課別事業索引", 2))}
    generated = [p.project_id for p in comp.projects if p.id_generated]
    assert generated and all(f"{pid}\n（仮）" in cells for pid in generated)
    assert all(p.project_id in cells for p in comp.projects if not p.id_generated)
    assert PROVISIONAL_NOTE in [i.text for i in chapter(items, 7) if i.kind == "p"]


# ---------------------------------------------------------------- 第4章
def test_resilience_rows(items: list[Item]) -> None:
    rows = body_rows(section(items, "1-3 異常気象等による広域かつ長期的な市街地等の浸水", 3))
    assert rows[0] == ["雨水排水施設整備事業", "河川課", "中央排水区", "R7〜R9", "360,000", "市"]
    assert rows[1] == ["県管理河川の河道掘削", "河川課", "一級河川サンプル川", "R6〜R10", "", "県"]
    # no total_cost: the plan-period budget marked ※, and 事業主体 defaults to 市
    rows = body_rows(section(items, "1-1 建築物や不特定多数が集まる施設の倒壊により、多数の死傷者が発生", 3))
    assert rows == [["自主防災組織育成事業", "防災危機管理課", "", "", "※6,000", "市"]]
    header = next(i for i in chapter(items, 4) if i.kind == "table" and i.rows[0][0] == "事業名").rows[0]
    assert header[4] == "全体事業費\n（千円）"
    assert any("計画期間（R7〜R9）の事業費の合計を「※」を付けて" in i.text for i in chapter(items, 4) if i.kind == "p")


def test_uncovered_scenario_says_so(items: list[Item]) -> None:
    part = section(items, "2-2 自衛隊、警察、消防等の被災等による救助・救急活動等の絶対的不足", 3)
    assert [i.text for i in part] == ["対応する事業が登録されていません。"]
    summary = body_rows(chapter(items, 4)[:4])
    assert ["2-2", "自衛隊、警察、消防等の被災等による救助・救急活動等の絶対的不足", "0", "0", "対応事業なし"] in summary


# ---------------------------------------------------------------- 第5章
def test_strategy_goal(items: list[Item]) -> None:
    part = section(items, "基本目標4 魅力的な地域をつくり安心なくらしを守る", 2)
    tables = [i for i in part if i.kind == "table"]
    assert tables[0].rows == [["数値目標"], ["住み続けたい市民の割合 85%"]]
    assert tables[1].rows[1] == ["自主防災組織育成事業", "自主防災組織の結成率", "%", "72（R5）", "85（R9）"]
    assert tables[2].rows[1][0] == "自主防災組織育成事業\n（防災危機管理課）"
    assert tables[2].rows[1][1:4] == ["4-1", "3-1 防災・減災", "6,000"]


# ---------------------------------------------------------------- 第6章
def test_budget_tables_match_totals(comp: Compilation, items: list[Item]) -> None:
    t: Totals = comp.totals
    years = comp.master.years
    tables = [i for i in chapter(items, 6) if i.kind == "table"]
    policy, measure, funding = tables
    assert policy.rows[0] == ["基本政策", *years, "計"]
    money = lambda v: f"{v:,}"  # noqa: E731
    for row in policy.rows[1:-1]:
        code = row[0].split(" ")[0]
        assert row[1:4] == [money(t.by_policy_year[code][y]) for y in years]
        assert row[4] == money(sum(t.by_policy_year[code].values()))
    assert policy.rows[-1] == ["合計", *(money(t.by_year[y]) for y in years), money(sum(t.by_year.values()))]
    assert measure.rows[-1] == policy.rows[-1]
    assert {r[0].split(" ")[0]: r[1:4] for r in measure.rows[1:-1]}["3-4"] == ["120,000", "150,000", "90,000"]
    got = {r[0]: r[1] for r in funding.rows[1:]}
    for key, value in t.by_funding.items():
        assert got[key] == money(value)
    assert got["合計"] == money(sum(t.by_funding.values()))


# ---------------------------------------------------------------- 第7章
def test_merged_list_shows_relisting_and_sources(items: list[Item]) -> None:
    rows = body_rows(section(items, "2　再掲・重複統合一覧", 2))
    assert [r[0] for r in rows] == ["0501-001"]
    assert rows[0][2:4] == ["3-4", "3-1"]
    assert rows[0][4] == ""  # one spelling only
    assert rows[0][5] == "0501_河川課\n総合計画 2行・国土強靱化 2行"


def test_merged_list_shows_the_spellings(tmp_path: Path) -> None:
    c = make_compilation()
    p = c.project("0101-003")
    p.names = ("自主防災組織育成事業", "自主防災組織 育成事業（再掲）", "自主防災組織育成事業")
    p.sources = (Origin("0101_防災危機管理課.xlsx", "総合計画", 3), Origin("0101_防災危機管理課.xlsx", "総合戦略", 4),
                 Origin("0199_危機管理室.xlsx", "国土強靱化", 7))
    path = tmp_path / "d.docx"
    write_draft(refresh(c), path)
    rows = {r[0]: r for r in body_rows(section(extract(path), "2　再掲・重複統合一覧", 2))}
    assert rows["0101-003"][4] == "自主防災組織育成事業\n自主防災組織 育成事業（再掲）"
    assert rows["0101-003"][5] == ("0101_防災危機管理課\n総合計画 3行・総合戦略 4行\n"
                                   "0199_危機管理室\n国土強靱化 7行")


def test_located_list(items: list[Item]) -> None:
    rows = body_rows(section(items, "3　実施箇所明記事業一覧", 2))
    assert [(r[0], r[3]) for r in rows] == [("0501-001", "中央排水区"), ("0501-G9F8E7D\n（仮）", "一級河川サンプル川")]


def test_flagged_projects_in_review_list(comp: Compilation, items: list[Item]) -> None:
    rows = body_rows(section(items, "4　要確認事業", 2))
    assert [r[0].split("\n")[0] for r in rows] == [p.project_id for p in comp.projects if p.needs_review]
    assert rows[0][2] == "・施策コード「9-9」は施策体系にありません。"
    assert rows[0][3] == "0301_子ども家庭課\n総合計画 5行"


# ---------------------------------------------------------------- XML
def test_fonts_set_for_east_asian_text(draft: Path) -> None:
    styles = xml_of(draft, "word/styles.xml")
    default = styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:rFonts", NS)
    assert default.get(_w("eastAsia")) == "ＭＳ 明朝"
    assert styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS).get(_w("eastAsia")) == "ja-JP"
    by_id = {s.get(_w("styleId")): s for s in styles.findall("w:style", NS)}
    for style_id, face in (("Normal", "ＭＳ 明朝"), ("Heading1", "ＭＳ ゴシック"), ("Heading2", "ＭＳ ゴシック"),
                           ("Heading3", "ＭＳ ゴシック"), ("TableHeading", "ＭＳ ゴシック"), ("PlanTable", "ＭＳ 明朝")):
        fonts = by_id[style_id].find("w:rPr/w:rFonts", NS)
        assert fonts.get(_w("eastAsia")) == face, style_id
    for fonts in styles.iter(_w("rFonts")):
        assert not [a for a in fonts.attrib if "Theme" in a or a.endswith("cstheme")], fonts.attrib


def test_table_rows_repeat_header_and_do_not_split(draft: Path) -> None:
    root = xml_of(draft, "word/document.xml")
    tables = root.findall(".//w:tbl", NS)
    assert tables
    for tbl in tables:
        rows = tbl.findall("w:tr", NS)
        assert rows[0].find("w:trPr/w:tblHeader", NS) is not None
        assert all(r.find("w:trPr/w:cantSplit", NS) is not None for r in rows)
        assert tbl.find("w:tblPr/w:tblLayout", NS).get(_w("type")) == "fixed"


def test_a4_portrait_and_landscape_sections(draft: Path) -> None:
    root = xml_of(draft, "word/document.xml")
    sizes = [(int(s.get(_w("w"))), int(s.get(_w("h"))), s.get(_w("orient"))) for s in root.iter(_w("pgSz"))]
    assert sizes == [(11906, 16838, None), (11906, 16838, None), (16838, 11906, "landscape"), (11906, 16838, None)]
    # the landscape section is the one holding 第3章
    body = list(root.find("w:body", NS))
    ch3 = next(i for i, el in enumerate(body) if _para_text(el) == "第3章　施策別主要事業"
               and el.find("w:pPr/w:pStyle", NS).get(_w("val")) == "Heading1")
    closing = next(el for el in body[ch3:] if el.find("w:pPr/w:sectPr", NS) is not None)
    assert closing.find("w:pPr/w:sectPr/w:pgSz", NS).get(_w("orient")) == "landscape"


def test_tables_fit_their_pages(draft: Path) -> None:
    assert_tables_fit(draft)


def test_tables_fit_a_five_year_window(tmp_path: Path) -> None:
    c = make_compilation()
    c.master.end_year = 11
    path = tmp_path / "d.docx"
    write_draft(refresh(c), path)
    assert_tables_fit(path)
    header = [i for i in extract(path) if i.kind == "table" and len(i.rows[0]) == 10][0]
    assert header.rows[1][7:12] == ["R7", "R8", "R9", "R10", "R11"]


def assert_tables_fit(path: Path) -> None:
    """Every table's columns add up to the text width of the section holding it (9638 twips on a
    portrait page, 14570 on a landscape one): no table sticks out or stops short of the margin."""
    root = xml_of(path, "word/document.xml")
    pending: list[int] = []
    checked = 0
    for el in root.find("w:body", NS):
        if el.tag == _w("tbl"):
            pending.append(sum(int(g.get(_w("w"))) for g in el.findall("w:tblGrid/w:gridCol", NS)))
            continue
        sect = el if el.tag == _w("sectPr") else el.find("w:pPr/w:sectPr", NS)
        if sect is None:
            continue
        size, margins = sect.find("w:pgSz", NS), sect.find("w:pgMar", NS)
        text_width = int(size.get(_w("w"))) - int(margins.get(_w("left"))) - int(margins.get(_w("right")))
        assert all(width == text_width for width in pending), (pending, text_width)
        checked += len(pending)
        pending = []
    assert checked == len(root.findall(".//w:tbl", NS))


# Child order of the WordprocessingML schema (ECMA-376 wml.xsd) for the elements the draft writes:
# Word refuses files whose elements are out of order, LibreOffice does not, so check it here.
SCHEMA_ORDER = {
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd "
           "tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
           "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
           "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof "
           "snapToGrid vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd fitText "
           "vertAlign rtl cs em lang eastAsianLayout specVanish oMath",
    "tcPr": "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText vAlign hideMark",
    "tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc tblCellSpacing "
             "tblInd tblBorders shd tblLayout tblCellMar tblLook",
    "sectPr": "headerReference footerReference footnotePr endnotePr type pgSz pgMar paperSrc pgBorders lnNumType "
              "pgNumType cols formProt vAlign noEndnote titlePg textDirection bidi rtlGutter docGrid",
    "style": "name aliases basedOn next link autoRedefine hidden uiPriority semiHidden unhideWhenUsed qFormat "
             "locked personal personalCompose personalReply rsid pPr rPr tblPr trPr tcPr tblStylePr",
    "tbl": "tblPr tblGrid tr",
    "tc": "tcPr p tbl",
    "settings": "zoom proofState defaultTabStop characterSpacingControl savePreviewPicture updateFields "
                "hdrShapeDefaults footnotePr endnotePr compat docVars rsids mathPr themeFontLang clrSchemeMapping "
                "doNotAutoCompressPictures shapeDefaults decimalSymbol listSeparator",
}


def test_elements_in_schema_order(draft: Path) -> None:
    order = {_w(parent): {name: i for i, name in enumerate(children.split())}
             for parent, children in SCHEMA_ORDER.items()}
    for member in ("word/document.xml", "word/styles.xml", "word/settings.xml"):
        for parent in xml_of(draft, member).iter(*order):
            ranks = order[parent.tag]
            seen = [etree.QName(c).localname for c in parent if etree.QName(c).namespace == W]
            if parent.tag in (_w("pPr"), _w("rPr"), _w("tcPr"), _w("tblPr"), _w("sectPr"), _w("style")):
                assert all(name in ranks for name in seen), (member, parent.tag, seen)
            known = [ranks[name] for name in seen if name in ranks]
            assert known == sorted(known), (member, etree.QName(parent).localname, seen)


def test_fields_and_settings(draft: Path) -> None:
    settings = xml_of(draft, "word/settings.xml")
    assert settings.find("w:updateFields", NS).get(_w("val")) == "true"
    document = xml_of(draft, "word/document.xml")
    instructions = [t.text.strip() for t in document.iter(_w("instrText"))]
    assert 'TOC \\o "1-2" \\h \\z \\u' in instructions
    with zipfile.ZipFile(draft) as z:
        footers = [etree.fromstring(z.read(n)) for n in z.namelist() if n.startswith("word/footer")]
    page = [f for f in footers if any(t.text.strip() == "PAGE" for t in f.iter(_w("instrText")))]
    assert len(page) == 1
    assert "".join(t.text for t in page[0].iter(_w("t"))) == "- 1 -"


def test_same_input_same_bytes(comp: Compilation, tmp_path: Path) -> None:
    a, b = tmp_path / "a.docx", tmp_path / "b.docx"
    write_draft(refresh(comp), a)
    write_draft(refresh(comp), b)
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(2025, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
        assert "thumbnail" not in " ".join(z.namelist())
    assert "2025-01-01T00:00:00Z" in core and "サンプル市 令和7年度 実施計画（案）" in core


def test_control_characters_are_removed(tmp_path: Path) -> None:
    c = make_compilation()
    p = c.projects[0]
    p.name = "制御\x07文字\x1f事業\ud800"
    p.content = "改行\r\nあり\x0bタブ\tあり<&>"
    path = tmp_path / "d.docx"
    write_draft(refresh(c), path)
    rows = [r for r in body_rows(chapter(extract(path), 3)) if len(r) == 12 and r[3].startswith("制御文字事業\n")]
    assert rows[0][3] == f"制御文字事業\n（{p.dept}）"
    assert rows[0][4] == "改行\nありタブ あり<&>"


# ---------------------------------------------------------------- reading like a plan
def all_text(part: list[Item]) -> str:
    return "\n".join(i.text if i.kind == "p" else "\n".join(c for row in i.rows for c in row) for i in part)


def test_project_ids_only_in_the_appendix(comp: Compilation, items: list[Item]) -> None:
    chapters = all_text([i for n in (3, 4, 5, 6) for i in chapter(items, n)])
    for p in comp.projects:
        assert p.project_id not in chapters, p.project_id
    assert "要確認" not in all_text(chapter(items, 3))
    appendix = all_text(chapter(items, 7))
    assert all(p.project_id in appendix for p in comp.projects)


def test_summary_starts_with_the_distinct_count(items: list[Item]) -> None:
    summary = [i for i in section(items, "4　掲載事業の概要", 2) if i.kind == "table"][0]
    assert summary.rows[1] == ["掲載事業数（実数）", "4"]
    assert not any(row[0].startswith("合計") or "（合計）" in row[0] for row in summary.rows)


def test_legend_one_item_a_line(items: list[Item]) -> None:
    legend = next(i for i in chapter(items, 3) if i.style == "Legend").text.split("\n")
    assert legend[0] == "【表の見方】"
    assert "■：事業を実施する年度" in legend and "◎：重点事業" in legend


def test_direction_leads_are_numbered_within_the_measure() -> None:
    measure = make_compilation().master.measures["3-4"]
    assert direction_label(measure, 2, "3-4-2", "河川の維持管理") == "【展開方向2】河川の維持管理"
    assert direction_label(measure, 3, "X-9", "その他の整備") == "【展開方向3】その他の整備"


def test_units_stated_once(items: list[Item]) -> None:
    """A table under a （単位：千円） line does not repeat the unit in its header."""
    checked = 0
    for before, item in zip(items, items[1:]):
        if item.kind == "table" and before.kind == "p" and before.style == "UnitNote":
            header = [c for row in item.rows[:item.header_rows] for c in row]
            assert not any("千円" in c for c in header), header
            checked += 1
    assert checked >= 3


def test_figures_are_written_alike() -> None:
    assert figures(["93.8", "93", "92.5", "92"]) == ["93.8", "93.0", "92.5", "92.0"]
    assert figures(["412000", "410500", "", "400000"]) == ["412,000", "410,500", "", "400,000"]
    assert figures(["1.28", "1.3", "未定"]) == ["1.28", "1.30", "未定"]
    assert figures(["73.0%", "12"]) == ["73.0%", "12"]  # text is left as it is
    assert figure("１２３４") == "1,234" and figure("999") == "999" and figure("-1500") == "-1,500"


def test_kpi_rows_in_the_draft(tmp_path: Path) -> None:
    c = make_compilation()
    origin = Origin("0501_河川課.xlsx", "成果指標", 3)
    c.measure_kpis += [
        MeasureKpi(origin, "雨水管渠の整備延長", "3-4", "m", "412000", "R5", {"R7": "410500", "R8": "409000", "R9": "407000"},
                   "400000", "R16", "河川課調べ", False, "", "河川課"),
        MeasureKpi(origin, "浸水対策の満足度", "3-4", "%", "92", "R5", {"R7": "92.5", "R8": "93", "R9": "93.8"},
                   "95", "R11", "市民意識調査", False, "", "河川課"),
    ]
    path = tmp_path / "d.docx"
    write_draft(refresh(c), path)
    kpi = next(i for i in section(extract(path), "3-4 河川・排水", 3) if i.kind == "table")
    rows = {r[0]: r[2:7] for r in kpi.rows[kpi.header_rows:]}
    assert rows["雨水管渠の整備延長"] == ["412,000（R5）", "410,500", "409,000", "407,000", "400,000（R16）"]
    assert rows["浸水対策の満足度"] == ["92.0（R5）", "92.5", "93.0", "93.8", "95.0（R11）"]
    assert rows["浸水被害件数"] == ["12（R5）", "10", "8", "6", "5（R11）"]


def test_review_reasons_read_as_plain_text() -> None:
    reasons = ("0801_下水道建設課.xlsx 総合計画!N9: 「R8事業費（千円）」に負の金額「-4500」があります。",
               "0706_建築住宅課.xlsx 国土強靱化!D3: リスクシナリオ「1-7」はリスクシナリオ一覧にありません。番号（例: 1-3）を確認してください。",
               "道路建設課_R7実施計画調書.xlsx 総合計画: 必須の列「事業名」がありません",
               "施策コード「9-9」は施策体系にありません。")
    assert review_text(reasons).split("\n") == [
        "・「R8事業費（千円）」に負の金額「△4,500」があります。",
        "・リスクシナリオ「1-7」はリスクシナリオ一覧にありません。番号（例：1-3）を確認してください。",
        "・必須の列「事業名」がありません",
        "・施策コード「9-9」は施策体系にありません。"]
    assert review_text(()) == "・調書の記載を確認してください。"


def test_unplaced_budget_is_labelled_in_words(tmp_path: Path) -> None:
    c = make_compilation()
    c.project("0301-G1A2B3C").measure_code = "9-9"  # not in the 施策体系: its budget has no 施策 to go under
    path = tmp_path / "d.docx"
    write_draft(refresh(c), path)
    labels = [r[0] for r in body_rows(chapter(extract(path), 6))]
    assert labels.count("（施策体系にない施策コードの事業）") == 2  # the 集計 sheet's wording
    assert "不明" not in labels


def previous_plan(c: Compilation) -> Comparison:
    """A comparison with a continuing, a new and an ended project over R7–R8."""
    p1, p3 = c.project("0501-001"), c.project("0301-G1A2B3C")
    record = lambda pid, r7, r8: {"事業ID": pid, "総合計画": "○", "R7事業費（千円）": r7, "R8事業費（千円）": r8}  # noqa: E731
    pairs = [
        Pair(p3.project_id, p3.name, p3.dept, p3, None, "新規", budget={"R7": (0, 0), "R8": (0, 1200)}),
        Pair(p1.project_id, p1.name, p1.dept, p1, record(p1.project_id, "100000", "150000"), "継続",
             changes=[Change("施策コード", "3-1", "3-4")], budget={"R7": (100000, 120000), "R8": (150000, 150000)},
             previous_budgeted=frozenset({"R7", "R8"})),
        Pair("0401-009", "旧庁舎解体事業", "資産管理課", None, record("0401-009", "5000", ""), "終了",
             budget={"R7": (5000, 0), "R8": (0, 0)}, previous_budgeted=frozenset({"R7"})),
    ]
    return Comparison(Path("R6/クロスリファレンス.xlsx"), ("R6", "R7", "R8"), ("R7", "R8"), pairs,
                      {"R7": 105000, "R8": 150000}, {"R7": 123000, "R8": 154200})


def test_changes_one_row_per_project(tmp_path: Path) -> None:
    c = make_compilation()
    c.previous = previous_plan(c)
    path = tmp_path / "d.docx"
    write_draft(refresh(c), path)
    items = extract(path)
    part = section(items, "5　前年度計画からの変更点", 2)
    at = next(n for n, i in enumerate(part) if i.text == "事業費の増減が大きい事業")
    assert part[at + 1].style == "UnitNote"
    table = part[at + 2]
    assert table.header_rows == 2
    assert table.rows[0] == ["事業名（所管課）", "区分", "R7", "R8"]
    assert table.rows[1][2:] == ["前年度\n計画", "本計画", "増減"] * 2
    rows = {r[0].split("\n")[0]: r[1:] for r in table.rows[2:]}
    assert len(table.rows) - 2 == len(rows) == 3
    assert rows["雨水排水施設整備事業"] == ["継続", "100,000", "120,000", "+20,000", "150,000", "150,000", "0"]
    assert rows["子育て応援アプリ運用事業"] == ["新規", "－", "0", "0", "－", "1,200", "+1,200"]
    assert rows["旧庁舎解体事業"] == ["終了", "5,000", "－", "△5,000", "－", "－", "－"]
    changed = body_rows(part)
    # 変更内容 says what changed, as the workbook's 前年度比較 does: items, then amounts by year
    assert ["0501-001", "雨水排水施設整備事業", "河川課", "施策コード：3-1→3-4\nR7事業費：100,000→120,000（+20,000）"] in changed
    assert ["0401-009", "旧庁舎解体事業", "資産管理課", "終了\n前年度計画の事業費：R7 5,000（千円）"] in changed
    new = next(r for r in changed if r[0] == "0301-G1A2B3C\n（仮）")
    assert new[3].startswith("新規\n施策：") and "事業費：" in new[3]


# ---------------------------------------------------------------- pagination
def _styles_with_keep_next(draft: Path) -> set[str]:
    styles = xml_of(draft, "word/styles.xml")
    return {s.get(_w("styleId")) for s in styles.findall("w:style", NS) if s.find("w:pPr/w:keepNext", NS) is not None}


def _keeps_next(p: etree._Element, keep_styles: set[str]) -> bool:
    style = p.find("w:pPr/w:pStyle", NS)
    return p.find("w:pPr/w:keepNext", NS) is not None or (style is not None and style.get(_w("val")) in keep_styles)


def test_line_above_a_table_stays_with_it(draft: Path) -> None:
    """A heading, lead, unit, note or paragraph right above a table is kept on the table's page."""
    keep_styles = _styles_with_keep_next(draft)
    body = list(xml_of(draft, "word/document.xml").find("w:body", NS))
    checked = 0
    for before, el in zip(body, body[1:]):
        if el.tag != _w("tbl") or before.tag != _w("p"):
            continue
        style = before.find("w:pPr/w:pStyle", NS)
        if style is not None and style.get(_w("val")) == "TableGap":
            continue  # the gap between the parts of a split table
        assert _keeps_next(before, keep_styles), _para_text(before)
        checked += 1
    assert checked == len([el for el in body if el.tag == _w("tbl")])
    assert {"BodyJa", "Note"}.isdisjoint(keep_styles)  # text not above a table flows freely


def test_tables_break_between_rows(draft: Path) -> None:
    """Body rows carry no keepNext (which made whole tables jump pages), except in a few short summary
    tables kept together; the header row stays with the first body row."""
    keep_styles = _styles_with_keep_next(draft)
    assert "TableHeading" in keep_styles
    kept = 0
    for tbl in xml_of(draft, "word/document.xml").iter(_w("tbl")):
        rows = tbl.findall("w:tr", NS)
        body = [r for r in rows if r.find("w:trPr/w:tblHeader", NS) is None]
        keeping = [r for r in body if r.find(".//w:pPr/w:keepNext", NS) is not None]
        if keeping:
            kept += 1
            assert len(body) <= 15 and body[-1] not in keeping
            assert len(tbl.findall("w:tblGrid/w:gridCol", NS)) < 10  # never a project table
    assert 0 < kept <= 6


def test_toc_lists_two_levels_and_its_note_is_part_of_the_field(draft: Path) -> None:
    body = list(xml_of(draft, "word/document.xml").find("w:body", NS))
    begin = next(i for i, el in enumerate(body) if el.find(".//w:fldChar[@w:fldCharType='begin']", NS) is not None)
    end = next(i for i, el in enumerate(body) if el.find(".//w:fldChar[@w:fldCharType='end']", NS) is not None)
    field = body[begin:end + 1]
    styles = [el.find("w:pPr/w:pStyle", NS).get(_w("val")) for el in field]
    assert set(styles[:-1]) == {"TOC1", "TOC2"}
    assert styles[-1] == "Note" and "ページ番号" in _para_text(field[-1])
    assert "".join(t.text for t in field[0].iter(_w("instrText"))).strip().startswith('TOC \\o "1-2"')
    assert [_para_text(el) for el in field[:-1]] == [text for level, text in headings(extract(draft)) if level <= 2]
    assert not any("ページ番号" in _para_text(el) for el in body[end + 1:end + 3])


# ---------------------------------------------------------------- scale
def synthetic(n: int) -> Compilation:
    """`n` projects spread over the factory's master: every sheet, 再掲, scenarios, goals."""
    base = make_compilation()
    m = base.master
    measures = list(m.measures.values())
    scenarios = list(m.scenarios)
    goals = list(m.goals)
    depts = list(m.departments)
    projects: list[Project] = []
    for i in range(n):
        meas = measures[i % len(measures)]
        direction = meas.directions[i % len(meas.directions)].code if meas.directions and i % 7 else ""
        dept = depts[i % len(depts)]
        projects.append(Project(
            f"{i:06d}", False, f"合成事業{i}号（{meas.name}）", dept, f"合成事業{i}号", in_plan=i % 10 != 9,
            in_resilience=i % 3 == 0, in_strategy=i % 4 == 0, measure_code=meas.code if i % 10 != 9 else "",
            direction_code=direction, relisted_measures=(measures[(i + 1) % len(measures)].code,) if i % 11 == 0 else (),
            status="継続", content="市民の安全・安心を確保するため、施設を計画的に整備・更新します。" * (1 + i % 2),
            account="一般", budget_kind="政策", budget_page=str(100 + i % 300), priority=i % 13 == 0,
            budget={"R7": 1000 + i, "R8": None if i % 5 == 0 else 2000, "R9": 0},
            scenarios=(scenarios[i % len(scenarios)],) if i % 3 == 0 else (),
            location=f"第{i % 40}地区" if i % 6 == 0 else "", goals=(goals[i % len(goals)],) if i % 4 == 0 else (),
            needs_review=i % 97 == 0, review_reasons=("金額が読めません。",) if i % 97 == 0 else (),
            sources=(Origin(f"{dept}.xlsx", "総合計画", 2 + i),), names=(f"合成事業{i}号",)))
    return dataclasses.replace(base, projects=projects)


def test_long_tables_are_split_with_repeated_headers(tmp_path: Path) -> None:
    comp = synthetic(2000)
    path = tmp_path / "big.docx"
    write_draft(refresh(comp), path)
    items = extract(path)
    tables = [i for i in items if i.kind == "table"]
    assert all(len(t.rows) - t.header_rows <= 300 for t in tables)
    assert all(t.header_rows >= 1 for t in tables)
    rows = [r for r in body_rows(chapter(items, 3)) if len(r) == 12]
    full = [r for r in rows if "（再掲）" not in r[3]]
    assert len(full) == sum(1 for p in comp.projects if p.in_plan)
    assert len(body_rows(section(items, "1　所管課別事業索引", 2))) == 2000


def main(argv: list[str]) -> None:
    """Print how long a draft of N synthetic projects takes (a look, not a test)."""
    n = int(argv[0]) if argv else 20000
    out = Path(argv[1]) if len(argv) > 1 else Path("/tmp/draft_bench.docx")
    comp = synthetic(n)
    start = time.perf_counter()
    write_draft(refresh(comp), out)
    elapsed = time.perf_counter() - start
    sys.stdout.write(f"{n} projects: {elapsed:.2f} s, {out.stat().st_size / 1e6:.1f} MB -> {out}\n")


if __name__ == "__main__":
    main(sys.argv[1:])
