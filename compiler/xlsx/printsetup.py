"""Print set-up of a department's data sheets in its returned copy (DESIGN §5.3).

A template sheet printed as it comes spreads its 20-odd columns over a stack of portrait pages.
In the returned copy every data sheet the compile read is set to print A4 landscape, one page
wide (as many pages tall as it takes), with its header row repeated on every page:
`<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>`, `<pageSetup paperSize="9" orientation="landscape"
fitToWidth="1" fitToHeight="0"/>` and a sheet-scoped `_xlnm.Print_Titles`.  A sheet whose department
chose its own (a pageSetup with an orientation or a fit, fit-to-page on, a print area or print
titles) keeps it untouched.

This module holds the whole-sheet (lxml) edit and the workbook's defined names; splice.SheetSplice
makes the same edit on bytes.
"""
from __future__ import annotations

from lxml import etree

from ..models import DATA_SHEETS
from ..schema import label_key
from .comments import AFTER_LEGACY
from .package import NS_MAIN, Package, q
from .review import WORKBOOK_ORDER, quote_sheet
from .styles import m

# the attributes we give <pageSetup>; a paperSize the department set is kept
PAGE_SETUP = (("paperSize", "9"), ("orientation", "landscape"), ("fitToWidth", "1"), ("fitToHeight", "0"))
# a <pageSetup> with one of these is the department's own choice
OWN_PAGE_SETUP = ("orientation", "fitToWidth", "fitToHeight")
TRUE = ("1", "true")
# CT_Worksheet children that must come after pageSetup
AFTER_PAGE_SETUP = ("headerFooter", "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors",
                    "smartTags", "drawing", "legacyDrawing", *AFTER_LEGACY)
OWN_NAMES = ("_xlnm.Print_Area", "_xlnm.Print_Titles")


def print_targets(pkg: Package, header_rows: dict[str, int]) -> dict[str, int]:
    """{sheet name: header row (0: none found)} of the workbook's data sheets that get our print
    set-up: the first sheet of each template name, as the reader takes them, less those with a
    print area or print titles of their own.  `header_rows` is SourceFile.header_rows (by template name)."""
    wb = pkg.xml("xl/workbook.xml")
    sheets = wb.find(m("sheets"))
    names = [s.get("name", "") for s in (sheets if sheets is not None else ()) if s.tag == m("sheet")]
    own: set[int] = set()
    for dn in wb.iterfind(f"{m('definedNames')}/{m('definedName')}"):
        local = dn.get("localSheetId") or ""
        if dn.get("name") in OWN_NAMES and local.isdigit():
            own.add(int(local))
    template = {label_key(s): s for s in DATA_SHEETS}
    parts = pkg.sheet_parts()
    out: dict[str, int] = {}
    seen: set[str] = set()
    for position, name in enumerate(names):
        canonical = template.get(label_key(name))
        if canonical is None or canonical in seen or name not in parts:
            continue
        seen.add(canonical)
        if position not in own:
            out[name] = header_rows.get(canonical, 0)
    return out


def add_print_titles(pkg: Package, titles: dict[str, int]) -> None:
    """A sheet-scoped _xlnm.Print_Titles (its header row on every page) for each {sheet: row}.
    Called before 確認事項 is put first: insert_first_sheet shifts the names with their sheets."""
    titles = {name: row for name, row in titles.items() if row > 0}
    if not titles:
        return
    wb = pkg.xml("xl/workbook.xml")
    sheets = wb.find(m("sheets"))
    positions = {s.get("name", ""): i for i, s in enumerate(s for s in sheets if s.tag == m("sheet"))}
    names = wb.find(m("definedNames"))
    if names is None:
        names = etree.Element(m("definedNames"))
        rank = {m(n): i for i, n in enumerate(WORKBOOK_ORDER)}
        later = next((c for c in wb if rank.get(c.tag, len(rank)) > rank[names.tag]), None)
        if later is not None:
            later.addprevious(names)
        else:
            wb.append(names)
    for name, row in sorted(titles.items(), key=lambda item: positions[item[0]]):
        dn = etree.SubElement(names, m("definedName"), name="_xlnm.Print_Titles", localSheetId=str(positions[name]))
        dn.text = f"{quote_sheet(name)}!${row}:${row}"
    pkg.put_xml("xl/workbook.xml", wb)


def has_own_setup(sheet: etree._Element) -> bool:
    """Whether the department set the sheet's printing itself (a parsed worksheet)."""
    setup = sheet.find(m("pageSetup"))
    if setup is not None and any(setup.get(a) is not None for a in OWN_PAGE_SETUP):
        return True
    pr = sheet.find(f"{m('sheetPr')}/{m('pageSetUpPr')}")
    return pr is not None and pr.get("fitToPage") in TRUE


def set_print(sheet: etree._Element) -> bool:
    """Give a parsed worksheet our print set-up; False (nothing changed) when it has its own."""
    if has_own_setup(sheet):
        return False
    pr = sheet.find(m("sheetPr"))
    if pr is None:
        pr = etree.Element(m("sheetPr"))
    sheet.insert(0, pr)  # the first child of <worksheet> (moved there when it was not)
    fit = pr.find(m("pageSetUpPr"))
    if fit is None:
        fit = etree.SubElement(pr, m("pageSetUpPr"))  # the last of CT_SheetPr (tabColor, outlinePr, pageSetUpPr)
    fit.set("fitToPage", "1")
    setup = sheet.find(m("pageSetup"))
    if setup is None:
        setup = etree.Element(m("pageSetup"))
        _insert_before_later(sheet, setup)
    for name, value in PAGE_SETUP:
        if name != "paperSize" or setup.get(name) is None:
            setup.set(name, value)
    return True


def _insert_before_later(sheet: etree._Element, el: etree._Element) -> None:
    """Before the first child that comes after pageSetup in CT_Worksheet, or before an element of
    another namespace at that level (mc:AlternateContent, which wraps controls or oleObjects)."""
    later = {m(n) for n in AFTER_PAGE_SETUP}
    for child in sheet:
        if not isinstance(child.tag, str):
            continue
        if child.tag in later or not child.tag.startswith(q(NS_MAIN, "")):
            child.addprevious(el)
            return
    sheet.append(el)
