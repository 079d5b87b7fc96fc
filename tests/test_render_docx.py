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

from compiler.models import Compilation, Origin, Project, Scenario, Totals
from compiler.render_docx import write_draft
from tests.factories import make_compilation

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
    for el in p.iter(_w("t"), _w("br"), _w("instrText")):
        if el.tag == _w("t"):
            out.append(el.text or "")
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
    return c


@pytest.fixture(scope="module")
def draft(comp: Compilation, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("draft") / "実施計画（案）.docx"
    write_draft(comp, path)
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
    assert appendix == ["所管課別事業索引", "再掲・重複統合一覧", "実施箇所明記事業一覧", "要確認事業"]


def test_cover_and_overview_wording(items: list[Item]) -> None:
    front = [i.text for i in items[:40] if i.kind == "p"]
    assert "令和7年度 実施計画（案）" in front
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
    assert "3-4-1 雨水排水施設の整備" in leads
    rows = body_rows(part)
    project_rows = [r for r in rows if len(r) == 12]
    assert len(project_rows) == 1
    row = project_rows[0]
    assert row[:3] == ["P112", "○", "継続"]
    assert row[3].startswith("◎雨水排水施設整備事業\n（河川課）\n0501-001")
    assert row[4] == "浸水被害を軽減するため、雨水管渠及び調整池を整備する。"
    assert row[5:] == ["下水道", "当初", "■", "■", "■", "1-3", ""]


def test_relisted_row_under_3_1(items: list[Item]) -> None:
    rows = [r for r in body_rows(section(items, "3-1 防災・減災", 3)) if len(r) == 12]
    relist = [r for r in rows if "（再掲）" in r[3]]
    assert len(relist) == 1
    row = relist[0]
    assert row[3].startswith("雨水排水施設整備事業（再掲）\n（河川課）")
    assert row[4] == "→ 施策3-4に掲載"
    assert row[7:10] == ["", "", ""]
    own = [r for r in rows if "0101-003" in r[3]][0]
    assert own[2] == "拡充" and own[7:] == ["■", "■", "", "1-1、2-1", "4"]


def test_year_mark_for_zero_budget(items: list[Item]) -> None:
    row = [r for r in body_rows(section(items, "1-1 子育て支援", 3)) if len(r) == 12][0]
    assert row[7:10] == ["■", "■", "■"]  # R7 = 0 千円 is still carried out
    assert row[11] == "3"


def test_every_plan_project_in_full_once_plus_relisted_rows(comp: Compilation, items: list[Item]) -> None:
    rows = [r for r in body_rows(chapter(items, 3)) if len(r) == 12]
    for p in comp.projects:
        mine = [r for r in rows if f"\n{p.project_id}" in r[3]]
        full = [r for r in mine if "（再掲）" not in r[3]]
        relisted = [r for r in mine if "（再掲）" in r[3]]
        assert len(full) == (1 if p.in_plan else 0), p.project_id
        assert len(relisted) == len(p.relisted_measures), p.project_id


def test_every_project_in_index_once(comp: Compilation, items: list[Item]) -> None:
    rows = body_rows(section(items, "所管課別事業索引", 2))
    ids = [r[0] for r in rows]
    assert sorted(ids) == sorted(p.project_id for p in comp.projects)


# ---------------------------------------------------------------- 第4章
def test_resilience_rows(items: list[Item]) -> None:
    rows = body_rows(section(items, "1-3 異常気象等による広域かつ長期的な市街地等の浸水", 3))
    assert rows[0] == ["雨水排水施設整備事業\n0501-001", "河川課", "中央排水区", "R7〜R9", "360,000", "市"]
    assert rows[1] == ["県管理河川の河道掘削\n0501-G9F8E7D", "河川課", "一級河川サンプル川", "R6〜R10", "", "県"]
    # no total_cost: the plan-period budget, and 事業主体 defaults to 市
    rows = body_rows(section(items, "1-1 建築物や不特定多数が集まる施設の倒壊により、多数の死傷者が発生", 3))
    assert rows == [["自主防災組織育成事業\n0101-003", "防災危機管理課", "", "", "6,000", "市"]]


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
    assert tables[1].rows[1] == ["自主防災組織育成事業\n0101-003", "自主防災組織の結成率", "%", "72（R5）", "85（R9）"]
    assert tables[2].rows[1][0].startswith("自主防災組織育成事業\n（防災危機管理課）")
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
    rows = body_rows(section(items, "再掲・重複統合一覧", 2))
    assert [r[0] for r in rows] == ["0501-001"]
    assert rows[0][2:4] == ["3-4", "3-1"]
    assert rows[0][4] == ""  # one spelling only
    assert rows[0][5] == "0501_河川課.xlsx\n総合計画 2行・国土強靱化 2行"


def test_merged_list_shows_the_spellings(tmp_path: Path) -> None:
    c = make_compilation()
    p = c.project("0101-003")
    p.names = ("自主防災組織育成事業", "自主防災組織 育成事業（再掲）", "自主防災組織育成事業")
    p.sources = (Origin("0101_防災危機管理課.xlsx", "総合計画", 3), Origin("0101_防災危機管理課.xlsx", "総合戦略", 4),
                 Origin("0199_危機管理室.xlsx", "国土強靱化", 7))
    path = tmp_path / "d.docx"
    write_draft(c, path)
    rows = {r[0]: r for r in body_rows(section(extract(path), "再掲・重複統合一覧", 2))}
    assert rows["0101-003"][4] == "自主防災組織育成事業\n自主防災組織 育成事業（再掲）"
    assert rows["0101-003"][5] == ("0101_防災危機管理課.xlsx\n総合計画 3行・総合戦略 4行\n"
                                   "0199_危機管理室.xlsx\n国土強靱化 7行")


def test_located_list(items: list[Item]) -> None:
    rows = body_rows(section(items, "実施箇所明記事業一覧", 2))
    assert [(r[0], r[3]) for r in rows] == [("0501-001", "中央排水区"), ("0501-G9F8E7D", "一級河川サンプル川")]


def test_flagged_projects_in_review_list(comp: Compilation, items: list[Item]) -> None:
    rows = body_rows(section(items, "要確認事業", 2))
    assert [r[0] for r in rows] == [p.project_id for p in comp.projects if p.needs_review]
    assert rows[0][2] == "・施策コード「9-9」は施策体系にありません。"
    assert rows[0][3] == "0301_子ども家庭課.xlsx\n総合計画 5行"


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
    write_draft(c, path)
    assert_tables_fit(path)
    header = [i for i in extract(path) if i.kind == "table" and len(i.rows[0]) == 10][0]
    assert header.rows[1][7:12] == ["R7", "R8", "R9", "R10", "R11"]


def assert_tables_fit(path: Path) -> None:
    """Every table's columns add up to at most the text width of the section holding it."""
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
        assert all(width <= text_width for width in pending), (pending, text_width)
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
    assert 'TOC \\o "1-3" \\h \\z \\u' in instructions
    with zipfile.ZipFile(draft) as z:
        footers = [etree.fromstring(z.read(n)) for n in z.namelist() if n.startswith("word/footer")]
    page = [f for f in footers if any(t.text.strip() == "PAGE" for t in f.iter(_w("instrText")))]
    assert len(page) == 1
    assert "".join(t.text for t in page[0].iter(_w("t"))) == "- 1 -"


def test_same_input_same_bytes(comp: Compilation, tmp_path: Path) -> None:
    a, b = tmp_path / "a.docx", tmp_path / "b.docx"
    write_draft(comp, a)
    write_draft(comp, b)
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
    write_draft(c, path)
    rows = [r for r in body_rows(chapter(extract(path), 3)) if len(r) == 12 and p.project_id in r[3]]
    assert rows[0][3].startswith("制御文字事業\n")
    assert rows[0][4] == "改行\nありタブ あり<&>"


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
    write_draft(comp, path)
    items = extract(path)
    tables = [i for i in items if i.kind == "table"]
    assert all(len(t.rows) - t.header_rows <= 300 for t in tables)
    assert all(t.header_rows >= 1 for t in tables)
    rows = [r for r in body_rows(chapter(items, 3)) if len(r) == 12]
    full = [r for r in rows if "（再掲）" not in r[3]]
    assert len(full) == sum(1 for p in comp.projects if p.in_plan)
    assert len(body_rows(section(items, "所管課別事業索引", 2))) == 2000


def main(argv: list[str]) -> None:
    """Print how long a draft of N synthetic projects takes (a look, not a test)."""
    n = int(argv[0]) if argv else 20000
    out = Path(argv[1]) if len(argv) > 1 else Path("/tmp/draft_bench.docx")
    comp = synthetic(n)
    start = time.perf_counter()
    write_draft(comp, out)
    elapsed = time.perf_counter() - start
    sys.stdout.write(f"{n} projects: {elapsed:.2f} s, {out.stat().st_size / 1e6:.1f} MB -> {out}\n")


if __name__ == "__main__":
    main(sys.argv[1:])
