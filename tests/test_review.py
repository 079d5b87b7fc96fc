"""確認事項's worksheet XML, written as text, against the same tree built and serialised with lxml."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st
from lxml import etree

from compiler.sanitize import safe_text
from compiler.sheetxml import column_letter
from compiler.xlsx.book import wrapped_lines
from compiler.xlsx.package import NS_MAIN, NS_REL
from compiler.xlsx.review import (COLUMNS, HEADER_ROW, LEAD, LEAD_UNMARKED, Formats, filter_range, quote_sheet,
                                  review_sheet_xml)

FMT = Formats(title=11, lead=12, header=13, body=14, error=15, warning=16)
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def m(tag: str) -> str:
    return f"{{{NS_MAIN}}}{tag}"


def _row(data: etree._Element, r: int, values: list, style: int, height: float | None = None) -> None:
    row = etree.SubElement(data, m("row"), r=str(r))
    if height:
        row.set("ht", f"{height:g}")
        row.set("customHeight", "1")
    for c, value in enumerate(values, start=1):
        cell = etree.SubElement(row, m("c"), r=f"{column_letter(c)}{r}", s=str(style))
        text = safe_text(value)
        if text:
            cell.set("t", "inlineStr")
            t = etree.SubElement(etree.SubElement(cell, m("is")), m("t"))
            t.text = text
            t.set(XML_SPACE, "preserve")


def built_with_lxml(file_name: str, rows: list[list], severities: list[str], fmt: Formats,
                    sheets: set[str] = frozenset(), marked: bool = True) -> bytes:
    """The sheet as review_sheet_xml built it element by element before it wrote text."""
    ws = etree.Element(m("worksheet"), nsmap={None: NS_MAIN, "r": NS_REL})
    pr = etree.SubElement(ws, m("sheetPr"))
    etree.SubElement(pr, m("tabColor"), rgb="FFC00000")
    etree.SubElement(pr, m("pageSetUpPr"), fitToPage="1")
    last = HEADER_ROW + len(rows)
    etree.SubElement(ws, m("dimension"), ref=f"A1:{column_letter(len(COLUMNS))}{last}")
    views = etree.SubElement(ws, m("sheetViews"))
    view = etree.SubElement(views, m("sheetView"), tabSelected="1", workbookViewId="0")
    top = f"A{HEADER_ROW + 1}"
    etree.SubElement(view, m("pane"), ySplit=str(HEADER_ROW), topLeftCell=top, activePane="bottomLeft", state="frozen")
    etree.SubElement(view, m("selection"), pane="bottomLeft", activeCell=top, sqref=top)
    etree.SubElement(ws, m("sheetFormatPr"), defaultRowHeight="18")
    cols = etree.SubElement(ws, m("cols"))
    for i, (_, width) in enumerate(COLUMNS, start=1):
        etree.SubElement(cols, m("col"), min=str(i), max=str(i), width=str(width), customWidth="1")
    data = etree.SubElement(ws, m("sheetData"))
    _row(data, 1, [f"確認事項　{file_name}"], fmt.title, height=24)
    _row(data, 2, [LEAD if marked else LEAD_UNMARKED], fmt.lead)
    _row(data, HEADER_ROW, [label for label, _ in COLUMNS], fmt.header, height=20)
    for i, (values, severity) in enumerate(zip(rows, severities), start=HEADER_ROW + 1):
        style = fmt.error if severity == "エラー" else fmt.warning if severity == "警告" else fmt.body
        lines = max(wrapped_lines(safe_text(v), w) for v, (_, w) in zip(values, COLUMNS))
        _row(data, i, values, style, height=max(18, 14.5 * lines + 4))
    etree.SubElement(ws, m("autoFilter"), ref=filter_range(len(rows)))
    links = [(HEADER_ROW + i, v[1], v[2]) for i, v in enumerate(rows, start=1) if v[1] in sheets and v[2]]
    if links:
        hyperlinks = etree.SubElement(ws, m("hyperlinks"))
        for r, sheet, cell in links:
            etree.SubElement(hyperlinks, m("hyperlink"), ref=f"C{r}", location=f"{quote_sheet(sheet)}!{cell}",
                             display=cell)
    etree.SubElement(ws, m("pageMargins"), left="0.4", right="0.4", top="0.6", bottom="0.6", header="0.3", footer="0.3")
    etree.SubElement(ws, m("pageSetup"), paperSize="9", orientation="landscape", fitToWidth="1", fitToHeight="0")
    return etree.tostring(ws, xml_declaration=True, encoding="UTF-8", standalone=True)


SHEETS = {"総合計画", "国土&強靱化", "O'Brien \"課\""}
ROWS = [
    ["エラー", "総合計画", "B5", "事業名", "1行目\n2行目\r\n3行目\tタブ", "<&>\"'", "除外"],
    ["警告", "国土&強靱化", "$C$7", "実施箇所", "]]> で終わる", None, "要確認"],
    ["お知らせ", "O'Brien \"課\"", "A12", "事業ID", "仮の番号" * 40, 12.5, "参考"],
    ["警告", "記入要領", "A1", "", "", "", ""],  # a sheet that is not linked, empty values
    ["エラー", "総合計画", "", "項目", "制御文字\x01\x0bと\ufffe", float("nan"), "除外"],  # no cell: no link
]


@pytest.mark.parametrize("marked", [True, False])
def test_written_as_lxml_serialises_the_tree(marked: bool) -> None:
    severities = [r[0] for r in ROWS]
    expected = built_with_lxml("a&b <課>.xlsx", ROWS, severities, FMT, SHEETS, marked=marked)
    assert review_sheet_xml("a&b <課>.xlsx", ROWS, severities, FMT, SHEETS, marked=marked) == expected


def test_no_rows() -> None:
    assert review_sheet_xml("x.xlsx", [], [], FMT) == built_with_lxml("x.xlsx", [], [], FMT)


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["エラー", "警告", "お知らせ"]), st.sampled_from(sorted(SHEETS) + ["x"]),
                          st.sampled_from(["", "A1", "AB500"]), text, text, text, text), max_size=6), text)
def test_any_text_is_written_as_lxml_writes_it(rows: list[tuple], file_name: str) -> None:
    rows = [list(r) for r in rows]
    severities = [r[0] for r in rows]
    assert review_sheet_xml(file_name, rows, severities, FMT, SHEETS) == \
        built_with_lxml(file_name, rows, severities, FMT, SHEETS)


def test_a_sheet_name_lxml_refuses_is_refused() -> None:
    """lxml raises ValueError for an attribute holding a control character; so does the text writer
    (the return is then written unmarked, as before)."""
    sheets = {"bad\x01name"}
    rows = [["エラー", "bad\x01name", "A1", "", "", "", ""]]
    with pytest.raises(ValueError):
        built_with_lxml("x.xlsx", rows, ["エラー"], FMT, sheets)
    with pytest.raises(ValueError):
        review_sheet_xml("x.xlsx", rows, ["エラー"], FMT, sheets)
