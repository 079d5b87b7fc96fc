"""Cell comments in the legacy parts Excel still reads: xl/commentsN.xml and a VML drawing.

A cell that has a comment already gets our text appended to it ("AUTHOR:" on its own line first).
The worksheet's <legacyDrawing> is edited through LegacyDrawing, on a parsed sheet (_TreeDrawing)
or on bytes (splice.SheetSplice).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from lxml import etree

from ..sanitize import safe_text
from .package import CT_COMMENTS, CT_VML, NS_MAIN, NS_REL, REL_COMMENTS, REL_VML, Package, PackageError, \
    column_letter, q, split_cell
from .styles import m

AUTHOR = "企画政策課"
OUR_HEAD = f"{AUTHOR}:"  # first line of a comment we wrote, and of the text we append to another
# CT_Worksheet children that must come after legacyDrawing
AFTER_LEGACY = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                "tableParts", "extLst")
VML_NS = ('xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
          'xmlns:x="urn:schemas-microsoft-com:office:excel"')
SHAPETYPE = ('<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
             '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')


@dataclass
class Note:
    row: int  # 1-based
    col: int
    text: str


def add_comments(pkg: Package, sheet_part: str, sheet: "etree._Element | LegacyDrawing", notes: list[Note]) -> None:
    """Attach `notes` as cell comments (merged with a comment the cell already has)."""
    if not notes:
        return
    existing = pkg.related(sheet_part, REL_COMMENTS)
    if existing and existing[0][1] in pkg.parts:
        comments_part = existing[0][1]
        root = pkg.xml(comments_part)
    else:
        comments_part = pkg.unused_name("xl/comments{n}.xml")
        root = etree.Element(m("comments"), nsmap={None: NS_MAIN})
        etree.SubElement(root, m("authors"))
        etree.SubElement(root, m("commentList"))
        pkg.add_rel(sheet_part, REL_COMMENTS, comments_part)
        pkg.add_override(comments_part, CT_COMMENTS)
    author_id = _author_id(root)
    clist = root.find(m("commentList"))
    if clist is None:
        clist = etree.SubElement(root, m("commentList"))
    by_ref = {el.get("ref"): el for el in clist.iter(m("comment"))}
    new_shapes = []
    for note in notes:
        ref = f"{column_letter(note.col)}{note.row}"
        if ref in by_ref:
            text = by_ref[ref].find(m("text"))
            if text is None:
                text = etree.SubElement(by_ref[ref], m("text"))
            _runs(text, f"\n{AUTHOR}:\n{note.text}")
            continue
        comment = etree.SubElement(clist, m("comment"), ref=ref, authorId=str(author_id))
        _runs(etree.SubElement(comment, m("text")), f"{AUTHOR}:\n{note.text}", bold_head=True)
        new_shapes.append(note)
    _sort_comments(clist)
    pkg.put_xml(comments_part, root)
    if new_shapes:
        _add_vml(pkg, sheet_part, sheet, new_shapes)


def _author_id(root: etree._Element) -> int:
    authors = root.find(m("authors"))
    if authors is None:
        authors = etree.Element(m("authors"))
        root.insert(0, authors)
    names = [a.text or "" for a in authors.iter(m("author"))]
    if AUTHOR in names:
        return names.index(AUTHOR)
    etree.SubElement(authors, m("author")).text = AUTHOR
    return len(names)


def _runs(text_el: etree._Element, body: str, bold_head: bool = False) -> None:
    head, _, rest = body.partition("\n")
    parts = [(head + "\n", bold_head), (rest, False)] if bold_head else [(body, False)]
    for content, bold in parts:
        run = etree.SubElement(text_el, m("r"))
        rpr = etree.SubElement(run, m("rPr"))
        if bold:
            etree.SubElement(rpr, m("b"))
        etree.SubElement(rpr, m("sz"), val="9")
        etree.SubElement(rpr, m("rFont"), val="游ゴシック")
        t = etree.SubElement(run, m("t"))
        t.text = safe_text(content)
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def _sort_comments(clist: etree._Element) -> None:
    items = list(clist)
    items.sort(key=lambda el: (split_cell(el.get("ref", "")) or (0, 0)) if el.tag == m("comment") else (0, 0))
    for el in items:
        clist.append(el)


def _add_vml(pkg: Package, sheet_part: str, sheet: "etree._Element | LegacyDrawing", notes: list[Note]) -> None:
    block = _next_vml_block(pkg)
    shapes = "".join(_shape(block * 1024 + i + 1, n) for i, n in enumerate(notes[:1023]))
    blocks = [block]
    for start in range(1023, len(notes), 1023):  # more than 1,023 notes: one more id block each
        blocks.append(block + len(blocks))
        shapes += "".join(_shape(blocks[-1] * 1024 + i + 1, n) for i, n in enumerate(notes[start:start + 1023]))
    drawing = sheet if isinstance(sheet, LegacyDrawing) else _TreeDrawing(sheet)
    rid = drawing.legacy_rid()
    if rid is not None:
        target = dict(pkg.related(sheet_part, REL_VML)).get(rid)
        if target and target in pkg.parts:
            pkg.parts[target] = _append_vml(pkg.parts[target], shapes, blocks)
            return
        drawing.remove_legacy()
    part = pkg.unused_name("xl/drawings/vmlDrawing{n}.vml")
    idmap = ",".join(str(b) for b in blocks)
    pkg.parts[part] = (f'<xml {VML_NS}><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{idmap}"/>'
                       f"</o:shapelayout>{SHAPETYPE}{shapes}</xml>").encode("utf-8")
    pkg.add_default("vml", CT_VML)
    drawing.insert_legacy(pkg.add_rel(sheet_part, REL_VML, part))


@runtime_checkable
class LegacyDrawing(Protocol):
    """A worksheet's <legacyDrawing> (the VML drawing holding its note shapes), parsed or spliced."""

    def legacy_rid(self) -> str | None: ...

    def remove_legacy(self) -> None: ...

    def insert_legacy(self, rid: str) -> None: ...


class _TreeDrawing:
    """LegacyDrawing of a worksheet parsed whole (splice.SheetSplice does the same on bytes)."""

    def __init__(self, sheet: etree._Element) -> None:
        self.sheet = sheet

    def legacy_rid(self) -> str | None:
        el = self.sheet.find(m("legacyDrawing"))
        return None if el is None else el.get(q(NS_REL, "id"), "")

    def remove_legacy(self) -> None:
        el = self.sheet.find(m("legacyDrawing"))
        if el is not None:
            self.sheet.remove(el)

    def insert_legacy(self, rid: str) -> None:
        el = etree.Element(m("legacyDrawing"))
        el.set(q(NS_REL, "id"), rid)
        _insert_before(self.sheet, el, AFTER_LEGACY)


def _next_vml_block(pkg: Package) -> int:
    used = 0
    for name in pkg.parts:
        if name.lower().endswith(".vml"):
            data = pkg.parts[name]
            for mt in re.finditer(rb"_x0000_s(\d+)", data):
                used = max(used, int(mt.group(1)) // 1024)
            for mt in re.finditer(rb'o:idmap[^>]*data="([0-9, ]*)"', data):
                for b in mt.group(1).split(b","):
                    if b.strip().isdigit():
                        used = max(used, int(b))
    return used + 1


def _append_vml(data: bytes, shapes: str, blocks: list[int]) -> bytes:
    text = data.decode("utf-8", errors="replace")
    if 'id="_x0000_t202"' not in text:
        shapes = SHAPETYPE + shapes
    add = ",".join(str(b) for b in blocks)
    text, n = re.subn(r'(o:idmap[^>]*data=")([^"]*)(")', lambda mt: f"{mt.group(1)}{mt.group(2)},{add}{mt.group(3)}",
                      text, count=1)
    end = text.rfind("</xml>")
    if end < 0:
        raise PackageError("VML 描画の形式が不明です")
    return (text[:end] + shapes + text[end:]).encode("utf-8")


def _shape(shape_id: int, note: Note) -> str:
    r, c = note.row - 1, note.col - 1
    lines = sum(1 + len(line) // 22 for line in note.text.split("\n")) + 1
    height = min(lines + 1, 24)
    anchor = f"{c + 1}, 15, {max(r - 1, 0)}, 10, {c + 5}, 15, {max(r - 1, 0) + height}, 4"
    return (f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;margin-left:80pt;'
            f'margin-top:2pt;width:260pt;height:{14 * height}pt;z-index:{shape_id % 1024};visibility:hidden" '
            'fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill>"
            f"<x:Row>{r}</x:Row><x:Column>{c}</x:Column></x:ClientData></v:shape>")


def _insert_before(parent: etree._Element, el: etree._Element, later: tuple[str, ...]) -> None:
    names = {m(n) for n in later}
    for child in parent:
        if child.tag in names:
            child.addprevious(el)
            return
    parent.append(el)
