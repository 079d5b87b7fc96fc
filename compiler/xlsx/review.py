"""The `確認事項` sheet put first in a returned workbook: every problem of the file, in plain rows.

Written as raw worksheet XML with inline strings (the shared-string table is not touched) and
inserted as the first sheet: defined names that point at sheets by position (localSheetId) are
shifted, and the other sheets lose their "selected" state so no sheets end up grouped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from ..sanitize import has_illegal, safe_text
from .styles import Styles, m
from .book import wrapped_lines
from ..sheetxml import column_letter
from .package import CT_WORKSHEET, NS_MAIN, NS_REL, REL_WORKSHEET, Package, PackageError, q

REVIEW_SHEET = "確認事項"
COLUMNS = (("重要度", 8), ("シート", 12), ("セル", 7), ("項目", 16), ("内容", 64), ("入力値", 18), ("処置", 10))
HEADER_ROW = 3
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
WORKBOOK_ORDER = ("fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets",
                  "functionGroups", "externalReferences", "definedNames")


@dataclass(frozen=True)
class Formats:
    title: int
    lead: int
    header: int
    body: int
    error: int
    warning: int


def formats(styles: Styles) -> Formats:
    return Formats(
        title=styles.plain(bold=True, size=14), lead=styles.plain(wrap=False),
        header=styles.plain(bold=True, rgb="FFDDEBF7", border=True, wrap=True),
        body=styles.plain(border=True, wrap=True), error=styles.plain(border=True, wrap=True, rgb="FFFFE4E1"),
        warning=styles.plain(border=True, wrap=True, rgb="FFFFF2CC"))


LEAD = ("企画政策課で集約した結果です。色の付いたセル（赤: エラー、黄: 警告）にコメントを付けています。"
        "内容を確認・修正し、このブックを再提出してください（このシートは削除しなくて構いません）。")
LEAD_UNMARKED = ("企画政策課で集約した結果です。このブックにはセルの色付け・コメントを付けられなかったため、"
                 "下の一覧のシートとセルを確認・修正し、このブックを再提出してください（このシートは削除しなくて構いません）。")


def review_sheet_xml(file_name: str, rows: list[list[str]], severities: list[str], fmt: Formats,
                     sheets: set[str] | frozenset[str] = frozenset(), marked: bool = True) -> bytes:
    """The worksheet XML of 確認事項 (rows are 重要度, シート, セル, 項目, 内容, 入力値, 処置).
    A セル of one of `sheets` links to that cell.  `marked`: whether the cells were filled and commented.
    The header row gets an autofilter here; insert_first_sheet adds the print titles and the filter's name.

    Written as text, the bytes lxml gives the same tree (tests/test_review.py builds it with lxml):
    element by element it cost more than the rest of the sheet's return together."""
    last = HEADER_ROW + len(rows)
    top = f"A{HEADER_ROW + 1}"
    out = [_DECLARATION, f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}"><sheetPr><tabColor rgb="FFC00000"/>'
           f'<pageSetUpPr fitToPage="1"/></sheetPr><dimension ref="A1:{column_letter(len(COLUMNS))}{last}"/>'
           f'<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="{HEADER_ROW}" topLeftCell="{top}" '
           f'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>'
           '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="18"/><cols>']
    out += [f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>' for i, (_, width) in enumerate(COLUMNS, start=1)]
    out.append("</cols><sheetData>")
    _row(out, 1, [f"確認事項　{file_name}"], fmt.title, height=24)
    _row(out, 2, [LEAD if marked else LEAD_UNMARKED], fmt.lead)
    _row(out, HEADER_ROW, [label for label, _ in COLUMNS], fmt.header, height=20)
    lines_of: dict[tuple[str, int], int] = {}  # many values repeat (重要度, シート, 項目, 処置, a message)
    for i, (values, severity) in enumerate(zip(rows, severities), start=HEADER_ROW + 1):
        style = fmt.error if severity == "エラー" else fmt.warning if severity == "警告" else fmt.body
        texts = [safe_text(v) for v in values]
        lines = 0
        for text, (_, width) in zip(texts, COLUMNS):
            n = lines_of.get((text, width))
            if n is None:
                n = lines_of[(text, width)] = wrapped_lines(text, width)
            lines = max(lines, n)
        _row(out, i, texts, style, height=max(18, 14.5 * lines + 4), safe=True)
    out.append(f'</sheetData><autoFilter ref="{filter_range(len(rows))}"/>')
    links = [(HEADER_ROW + i, v[1], v[2]) for i, v in enumerate(rows, start=1) if v[1] in sheets and v[2]]
    if links:
        out.append("<hyperlinks>")
        for r, sheet, cell in links:
            out.append(f'<hyperlink ref="C{r}" location="{_attr(f"{quote_sheet(sheet)}!{cell}")}" '
                       f'display="{_attr(cell)}"/>')
        out.append("</hyperlinks>")
    out.append('<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
               '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/></worksheet>')
    return "".join(out).encode("utf-8")


_DECLARATION = "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"  # as lxml writes it
# how libxml2 escapes text and attribute values (a text keeps its line breaks and tabs)
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;",
                               "\t": "&#9;"})


def _attr(value: str) -> str:
    if has_illegal(value):  # lxml refuses such a value (ValueError: the return then goes unmarked)
        raise ValueError("All strings must be XML compatible")
    return value.translate(_ATTR_ESCAPES)


def filter_range(n_rows: int) -> str:
    """The autofilter's range: the header row and the problem rows."""
    return f"A{HEADER_ROW}:{column_letter(len(COLUMNS))}{HEADER_ROW + max(n_rows, 1)}"


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _row(out: list[str], r: int, values: list[str], style: int, height: float | None = None,
         safe: bool = False) -> None:
    """One <row> of inline strings appended to `out` (`safe`: the values went through safe_text)."""
    out.append(f'<row r="{r}" ht="{height:g}" customHeight="1">' if height else f'<row r="{r}">')
    for c, value in enumerate(values, start=1):
        text = value if safe else safe_text(value)
        ref = f"{_LETTERS[c] if c < len(_LETTERS) else column_letter(c)}{r}"
        if text:
            out.append(f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">'
                       f'{text.translate(_TEXT_ESCAPES)}</t></is></c>')
        else:
            out.append(f'<c r="{ref}" s="{style}"/>')
    out.append("</row>")


_LETTERS = ["", *(column_letter(c) for c in range(1, len(COLUMNS) + 1))]


def insert_first_sheet(pkg: Package, sheet_xml: bytes) -> None:
    """Add 確認事項 as the first sheet (replacing one left by an earlier return), select it, and
    give it its print titles (the header row on every page) and its filter's defined name."""
    _insert_first_sheet(pkg, sheet_xml)
    wb = pkg.xml("xl/workbook.xml")
    _sheet_names(wb, _filter_ref(sheet_xml))
    pkg.put_xml("xl/workbook.xml", wb)


def _filter_ref(sheet_xml: bytes) -> str:
    found = re.search(rb'<autoFilter ref="([A-Z0-9:]+)"', sheet_xml)
    return found.group(1).decode() if found else f"A{HEADER_ROW}:{column_letter(len(COLUMNS))}{HEADER_ROW + 1}"


def _sheet_names(wb: etree._Element, filter_ref: str) -> None:
    """_xlnm.Print_Titles and _xlnm._FilterDatabase of the first sheet (replacing earlier ones)."""
    names = wb.find(m("definedNames"))
    if names is None:
        names = etree.Element(m("definedNames"))
        _insert_in_order(wb, names)
    for dn in list(names):
        if dn.get("localSheetId") == "0" and dn.get("name") in ("_xlnm.Print_Titles", "_xlnm._FilterDatabase"):
            names.remove(dn)
    sheet = quote_sheet(REVIEW_SHEET)
    absolute = re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", filter_ref)
    for name, ref, hidden in (("_xlnm._FilterDatabase", f"{sheet}!{absolute}", True),
                              ("_xlnm.Print_Titles", f"{sheet}!${HEADER_ROW}:${HEADER_ROW}", False)):
        dn = etree.SubElement(names, m("definedName"), name=name, localSheetId="0")
        if hidden:
            dn.set("hidden", "1")
        dn.text = ref


def _insert_first_sheet(pkg: Package, sheet_xml: bytes) -> None:
    wb = pkg.xml("xl/workbook.xml")
    sheets = wb.find(m("sheets"))
    if sheets is None:
        raise PackageError("workbook.xml に sheets がありません")
    old = next((s for s in sheets if s.get("name") == REVIEW_SHEET), None)
    if old is not None:
        part = dict(pkg.related("xl/workbook.xml", REL_WORKSHEET)).get(old.get(q(NS_REL, "id"), ""))
        if part:
            pkg.parts[part] = sheet_xml
            _move_to_front(wb, sheets, old)
            _select_only(pkg, part)
            pkg.put_xml("xl/workbook.xml", wb)
            return
        sheets.remove(old)
    part = pkg.unused_name("xl/worksheets/sheet{n}.xml")
    pkg.parts[part] = sheet_xml
    pkg.add_override(part, CT_WORKSHEET)
    rid = pkg.add_rel("xl/workbook.xml", REL_WORKSHEET, part)
    ids = [int(s.get("sheetId", "0")) for s in sheets if (s.get("sheetId") or "").isdigit()]
    new = etree.Element(m("sheet"), name=REVIEW_SHEET, sheetId=str(max(ids, default=0) + 1))
    new.set(q(NS_REL, "id"), rid)
    sheets.insert(0, new)
    _shift_local_names(wb, old_position=None)
    _front_view(wb)
    _select_only(pkg, part)
    pkg.put_xml("xl/workbook.xml", wb)


def _move_to_front(wb: etree._Element, sheets: etree._Element, sheet: etree._Element) -> None:
    position = list(sheets).index(sheet)
    if position == 0:
        _front_view(wb)
        return
    sheets.remove(sheet)
    sheets.insert(0, sheet)
    _shift_local_names(wb, old_position=position)
    _front_view(wb)


def _shift_local_names(wb: etree._Element, old_position: int | None) -> None:
    """Sheet-scoped defined names follow their sheets when one sheet moves to the front."""
    names = wb.find(m("definedNames"))
    if names is None:
        return
    for dn in names:
        local = dn.get("localSheetId")
        if local is None or not local.isdigit():
            continue
        n = int(local)
        if old_position is None or n < old_position:
            dn.set("localSheetId", str(n + 1))
        elif n == old_position:
            dn.set("localSheetId", "0")


def _front_view(wb: etree._Element) -> None:
    views = wb.find(m("bookViews"))
    if views is None:
        views = etree.Element(m("bookViews"))
        _insert_in_order(wb, views)
        etree.SubElement(views, m("workbookView"))
    for view in views:
        view.set("activeTab", "0")
        view.set("firstSheet", "0")


def _insert_in_order(wb: etree._Element, el: etree._Element) -> None:
    rank = {m(n): i for i, n in enumerate(WORKBOOK_ORDER)}
    mine = rank[el.tag]
    for child in wb:
        if rank.get(child.tag, len(rank)) > mine:
            child.addprevious(el)
            return
    wb.append(el)


_TAB_SELECTED = re.compile(rb'\stabSelected="(?:1|true)"')


def _select_only(pkg: Package, part: str) -> None:
    """Only the new first sheet is selected: two selected tabs would open as a sheet group."""
    for name in pkg.sheet_parts().values():
        if name != part and _TAB_SELECTED.search(pkg.parts.head(name, 8192)):
            head, tail = pkg.parts[name][:8192], pkg.parts[name][8192:]
            pkg.parts[name] = _TAB_SELECTED.sub(b"", head, count=1) + tail
