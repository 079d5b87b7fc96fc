"""Fill cells and attach comments inside an existing worksheet part (no openpyxl round trip).

The worksheet XML is edited with lxml, which keeps every namespace prefix and every element we do
not touch (x14 data validations in extLst, conditional formats, protection...).  Styles get new
`xf` records cloned from the cell's own (number format, font, border, protection kept) with a fill.
Comments use the legacy parts Excel still reads: xl/commentsN.xml and a VML drawing.

A department often sends back the returned copy itself.  `Earlier` finds what an earlier return
added and takes it away before the new problems are marked: our fills are colours no built-in Excel
style uses (FILLS), so a cell format with one of them is one of our clones and goes back to the
format it was cloned from (the same record without our fill); our comments are told by their text,
"AUTHOR:" then 【エラー】/【警告】 lines (another program may re-save them without their author), and
are removed with their VML shapes; the text we appended to a department's own comment is cut off.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from lxml import etree

from ..sanitize import safe_text
from .package import (CT_COMMENTS, CT_VML, NS_MAIN, NS_REL, REL_COMMENTS, REL_VML, Package, PackageError,
                      column_letter, q, split_cell)

REL_STYLES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
# light red and light yellow, one step off Excel's built-in 悪い/どちらでもない fills (FFC7CE, FFEB9C):
# a cell format carrying one of these is ours
FILLS = {"エラー": "FFFFC7CD", "警告": "FFFFEB9B"}
AUTHOR = "企画政策課"
OUR_HEAD = f"{AUTHOR}:"  # first line of a comment we wrote, and of the text we append to another
# CT_Worksheet children that must come after legacyDrawing
AFTER_LEGACY = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                "tableParts", "extLst")
VML_NS = ('xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
          'xmlns:x="urn:schemas-microsoft-com:office:excel"')
SHAPETYPE = ('<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
             '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')


def m(tag: str) -> str:
    return q(NS_MAIN, tag)


# ------------------------------------------------------------------ styles
class Styles:
    """The workbook's styles part, extended with fills and the few formats the returns need."""

    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg
        targets = pkg.related("xl/workbook.xml", REL_STYLES)
        if not targets or targets[0][1] not in pkg.parts:
            raise PackageError("スタイル（styles.xml）がありません")
        self.part = targets[0][1]
        self.root = pkg.xml(self.part)
        self.fills = self._section("fills")
        self.fonts = self._section("fonts")
        self.borders = self._section("borders")
        self.xfs = self._section("cellXfs")
        self._fill_ids: dict[str, int] = {}
        self._cache: dict[tuple, int] = {}
        for i, fill in enumerate(self.fills):  # an earlier return's fills are used again
            rgb = fill_rgb(fill)
            if rgb in FILLS.values():
                self._fill_ids.setdefault(rgb, i)

    def _section(self, name: str) -> etree._Element:
        el = self.root.find(m(name))
        if el is None or len(el) == 0:
            raise PackageError(f"styles.xml に {name} がありません")
        return el

    @staticmethod
    def _append(section: etree._Element, el: etree._Element) -> int:
        section.append(el)
        section.set("count", str(len(section)))
        return len(section) - 1

    def fill_id(self, rgb: str) -> int:
        if rgb not in self._fill_ids:
            fill = etree.Element(m("fill"))
            pattern = etree.SubElement(fill, m("patternFill"), patternType="solid")
            etree.SubElement(pattern, m("fgColor"), rgb=rgb)
            etree.SubElement(pattern, m("bgColor"), indexed="64")
            self._fill_ids[rgb] = self._append(self.fills, fill)
        return self._fill_ids[rgb]

    def filled(self, xf_index: int, severity: str) -> int:
        """A copy of cell format `xf_index` with the severity's fill."""
        key = ("filled", xf_index, severity)
        if key not in self._cache:
            base = self.xfs[xf_index] if 0 <= xf_index < len(self.xfs) else self.xfs[0]
            xf = copy.deepcopy(base)
            xf.set("fillId", str(self.fill_id(FILLS.get(severity, FILLS["警告"]))))
            xf.set("applyFill", "1")
            self._cache[key] = self._append(self.xfs, xf)
        return self._cache[key]

    def earlier_clones(self) -> dict[int, int]:
        """{index of a format an earlier return cloned: index of the format it was cloned from}.

        The origin is the first format equal to the clone but for its fill that carries none of
        ours; when there is none (the workbook was saved without it), it is made: the clone without fill."""
        ours = {i for i, fill in enumerate(self.fills) if fill_rgb(fill) in FILLS.values()}
        if not ours:
            return {}
        clones = [i for i, xf in enumerate(self.xfs) if _int(xf.get("fillId")) in ours]
        origins: dict[bytes, int] = {}
        for i, xf in enumerate(self.xfs):
            if _int(xf.get("fillId")) not in ours:
                origins.setdefault(_without_fill(xf), i)
        out: dict[int, int] = {}
        for i in clones:
            key = _without_fill(self.xfs[i])
            if key not in origins:
                base = copy.deepcopy(self.xfs[i])
                base.set("fillId", "0")
                base.attrib.pop("applyFill", None)
                origins[key] = self._append(self.xfs, base)
            out[i] = origins[key]
            rgb = fill_rgb(self.fills[_int(self.xfs[i].get("fillId"))])
            severity = next((sev for sev, ours_rgb in FILLS.items() if ours_rgb == rgb), "")
            if severity:
                self._cache.setdefault(("filled", out[i], severity), i)  # marking that cell again reuses the clone
        return out

    def plain(self, *, bold: bool = False, size: float | None = None, rgb: str | None = None,
              border: bool = False, wrap: bool = False) -> int:
        """A new cell format for the 確認事項 sheet."""
        key = ("plain", bold, size, rgb, border, wrap)
        if key not in self._cache:
            font_id = self._font(bold, size)
            fill_id = self.fill_id(rgb) if rgb else 0
            border_id = self._border() if border else 0
            xf = etree.Element(m("xf"), numFmtId="0", fontId=str(font_id), fillId=str(fill_id),
                               borderId=str(border_id), xfId="0", applyFont="1", applyFill="1", applyBorder="1",
                               applyAlignment="1")
            etree.SubElement(xf, m("alignment"), vertical="top", **({"wrapText": "1"} if wrap else {}))
            self._cache[key] = self._append(self.xfs, xf)
        return self._cache[key]

    def _font(self, bold: bool, size: float | None) -> int:
        """The default font (fonts[0]) made bold and/or resized (CT_Font children come in any order)."""
        key = ("font", bold, size)
        if key not in self._cache:
            font = copy.deepcopy(self.fonts[0])
            old_size = font.find(m("sz"))
            value = str(size) if size else (old_size.get("val") if old_size is not None else "11")
            for child in list(font):
                if child.tag in (m("b"), m("sz")):
                    font.remove(child)
            font.insert(0, etree.Element(m("sz"), val=value))
            if bold:
                font.insert(0, etree.Element(m("b")))
            self._cache[key] = self._append(self.fonts, font)
        return self._cache[key]

    def _border(self) -> int:
        key = ("border",)
        if key not in self._cache:
            border = etree.Element(m("border"))
            for side in ("left", "right", "top", "bottom"):
                el = etree.SubElement(border, m(side), style="thin")
                etree.SubElement(el, m("color"), rgb="FFBFBFBF")
            etree.SubElement(border, m("diagonal"))
            self._cache[key] = self._append(self.borders, border)
        return self._cache[key]

    def save(self) -> None:
        self.pkg.put_xml(self.part, self.root)


def fill_rgb(fill: etree._Element) -> str:
    """The foreground colour of a solid pattern fill ('' for anything else)."""
    pattern = fill.find(m("patternFill"))
    if pattern is None or pattern.get("patternType") != "solid":
        return ""
    fg = pattern.find(m("fgColor"))
    return (fg.get("rgb") or "").upper() if fg is not None else ""


def _without_fill(xf: etree._Element) -> bytes:
    """A cell format as bytes with its fill left out, to find the format a clone was made from."""
    bare = copy.deepcopy(xf)
    for attr in ("fillId", "applyFill"):
        bare.attrib.pop(attr, None)
    return etree.tostring(bare, method="c14n")


def _int(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 0


# ------------------------------------------------------------------ an earlier return
_STYLE_REF = re.compile(rb'\ss="(\d+)"')


class Earlier:
    """What an earlier return of ours left in this workbook: cloned cell formats and comments."""

    def __init__(self, pkg: Package, styles: Styles) -> None:
        self.pkg = pkg
        self.clones = styles.earlier_clones()
        self._clone_refs = {str(i).encode() for i in self.clones}

    def touches(self, part: str) -> bool:
        """Whether the worksheet part holds one of our formats or our comments (a quick look at bytes;
        the part is not even inflated when the styles hold no format of ours)."""
        if self._clone_refs and self._has_clone(self.pkg.parts.get(part, b"")):
            return True
        return self._comments_part(part) is not None

    def clear(self, part: str, sheet: etree._Element) -> None:
        """Put the cells back to their own formats and take our comments away (sheet parsed by the caller)."""
        if self.clones:
            for el in sheet.iter(m("c"), m("row")):
                s = el.get("s")
                if s is not None and s.isdigit() and int(s) in self.clones:
                    el.set("s", str(self.clones[int(s)]))
        comments_part = self._comments_part(part)
        if comments_part is not None:
            removed = _clear_comments(self.pkg, comments_part)
            if removed:
                _remove_vml_shapes(self.pkg, part, sheet, removed)

    def _has_clone(self, data: bytes) -> bool:
        return bool(self._clone_refs) and any(mt.group(1) in self._clone_refs for mt in _STYLE_REF.finditer(data))

    def _comments_part(self, part: str) -> str | None:
        found = self.pkg.related(part, REL_COMMENTS)
        if found and found[0][1] in self.pkg.parts and AUTHOR.encode() in self.pkg.parts[found[0][1]]:
            return found[0][1]
        return None


# our comment text: "企画政策課:" on its own line, then 【エラー】/【警告】 lines (see add_comments);
# recognised by text alone, since another program may re-save the comment without its author
_OURS = re.compile(rf"(?:^|\n){re.escape(OUR_HEAD)}\n【(?:エラー|警告)】")


def _clear_comments(pkg: Package, part: str) -> set[tuple[int, int]]:
    """Remove our comments and the text we appended to others; return the cells whose comment went."""
    root = pkg.xml(part)
    clist = root.find(m("commentList"))
    removed: set[tuple[int, int]] = set()
    for comment in list(clist.iter(m("comment"))) if clist is not None else []:
        texts = list(comment.iter(m("t")))
        found = _OURS.search("".join(t.text or "" for t in texts))
        if found is None:
            continue
        if found.start() == 0:
            pos = split_cell(comment.get("ref", ""))
            comment.getparent().remove(comment)
            if pos is not None:
                removed.add(pos)
        else:
            _cut(texts, found.start())
    pkg.put_xml(part, root)
    return removed


def _cut(texts: list[etree._Element], at: int) -> None:
    """Keep the first `at` characters of a comment whose text is spread over `texts` (<t> elements
    of runs, which another program may have split anywhere)."""
    pos = 0
    for t in texts:
        length = len(t.text or "")
        if pos >= at:
            parent = t.getparent()
            holder = parent if parent.tag == m("r") else t
            holder.getparent().remove(holder)
        elif pos + length > at:
            t.text = (t.text or "")[:at - pos]
        pos += length


_VML_SHAPE = re.compile(r"<v:shape\b.*?</v:shape>", re.S)


def _remove_vml_shapes(pkg: Package, sheet_part: str, sheet: etree._Element, cells: set[tuple[int, int]]) -> None:
    """Remove the note shapes of `cells` (1-based) from the sheet's VML drawing."""
    legacy = sheet.find(m("legacyDrawing"))
    if legacy is None:
        return
    target = dict(pkg.related(sheet_part, REL_VML)).get(legacy.get(q(NS_REL, "id"), ""))
    if not target or target not in pkg.parts:
        return
    wanted = {(r - 1, c - 1) for r, c in cells}

    def keep(mt: re.Match[str]) -> str:
        shape = mt.group(0)
        row, col = re.search(r"<x:Row>\s*(\d+)", shape), re.search(r"<x:Column>\s*(\d+)", shape)
        if 'ObjectType="Note"' in shape and row and col and (int(row.group(1)), int(col.group(1))) in wanted:
            return ""
        return shape

    text = pkg.parts[target].decode("utf-8", errors="replace")
    pkg.parts[target] = _VML_SHAPE.sub(keep, text).encode("utf-8")


# ------------------------------------------------------------------ cells
def fill_cells(sheet: etree._Element, targets: dict[tuple[int, int], str], styles: Styles) -> None:
    """Give every (row, col) cell its severity's fill, creating rows and cells where needed."""
    data = sheet.find(m("sheetData"))
    if data is None:
        raise PackageError("sheetData がありません")
    rows = _Rows(data)
    col_styles = ColumnStyles(sheet)
    for (r, c), severity in sorted(targets.items()):
        row = rows.get(r)
        if row is None:
            row = rows.insert(r)
        mark_cell(row, r, c, severity, col_styles, styles)
    dim = sheet.find(m("dimension"))
    if dim is not None:
        ref = widened_ref(dim.get("ref") or "A1", targets)
        if ref:
            dim.set("ref", ref)


def mark_cell(row: etree._Element, r: int, c: int, severity: str, col_styles: "ColumnStyles",
              styles: Styles) -> None:
    """Fill cell (r, c) of `row` (created when missing) with a copy of its own format — or of the
    row's or the column's — carrying the severity's fill."""
    cell = _find_or_insert_cell(row, r, c)
    if cell.get("s") is not None:
        base = int(cell.get("s") or 0)
    elif row.get("customFormat") in ("1", "true"):
        base = int(row.get("s") or 0)
    else:
        base = col_styles.get(c, 0)
    cell.set("s", str(styles.filled(base, severity)))
    row.attrib.pop("spans", None)


def widened_ref(ref: str, targets: dict[tuple[int, int], str]) -> str | None:
    """A <dimension> ref that also covers the cells we marked (it is a hint, but keep it true);
    None when the ref is not a plain range."""
    corners = [split_cell(part) for part in ref.split(":")]
    if not targets or any(c is None for c in corners):
        return None
    rows = [c[0] for c in corners if c] + [r for r, _ in targets]
    cols = [c[1] for c in corners if c] + [c for _, c in targets]
    return f"{column_letter(min(cols))}{min(rows)}:{column_letter(max(cols))}{max(rows)}"


_NS = {"m": NS_MAIN}


class _Rows:
    """The <row> elements of sheetData by number.  When every row states its number (every
    spreadsheet writer does), a row is found by an XPath query that libxml2 answers without
    building a Python object per row; otherwise the rows are numbered and indexed once."""

    def __init__(self, data: etree._Element) -> None:
        self.data = data
        numbered = not data.xpath("boolean(m:row[not(@r)])", namespaces=_NS)
        self.index = None if numbered else _row_index(data)

    def get(self, r: int) -> etree._Element | None:
        if self.index is not None:
            return self.index.get(r)
        found = self.data.xpath(f"m:row[@r='{r}']", namespaces=_NS)
        return found[0] if found else None

    def insert(self, r: int) -> etree._Element:
        new = etree.Element(m("row"), r=str(r))
        if self.index is not None:
            after = [n for n in self.index if n > r]
            nxt = self.index[min(after)] if after else None
            self.index[r] = new
        else:
            found = self.data.xpath(f"m:row[number(@r) > {r}][1]", namespaces=_NS)
            nxt = found[0] if found else None
        if nxt is not None:
            nxt.addprevious(new)
        else:
            self.data.append(new)
        return new


def _row_index(data: etree._Element) -> dict[int, etree._Element]:
    rows, last = {}, 0
    for row in data.iter(m("row")):
        r = int(row.get("r") or last + 1)
        row.set("r", str(r))
        rows[r], last = row, r
    return rows


def _find_or_insert_cell(row: etree._Element, r: int, c: int) -> etree._Element:
    found = row.xpath(f"m:c[@r='{column_letter(c)}{r}']", namespaces=_NS)
    if found:
        return found[0]
    last = 0
    for cell in row.iter(m("c")):
        pos = split_cell(cell.get("r", "")) if cell.get("r") else None
        col = pos[1] if pos else last + 1
        cell.set("r", f"{column_letter(col)}{r}")
        if col == c:
            return cell
        if col > c:
            new = etree.Element(m("c"), r=f"{column_letter(c)}{r}")
            cell.addprevious(new)
            return new
        last = col
    return etree.SubElement(row, m("c"), r=f"{column_letter(c)}{r}")


class ColumnStyles:
    """The style of each <col> range (a template's last range reaches column 16,384)."""

    def __init__(self, sheet: etree._Element) -> None:
        cols = sheet.find(m("cols"))  # a child of the worksheet: not a walk through every cell
        self.ranges = [(int(col.get("min", "1")), int(col.get("max", "1")), int(col.get("style") or 0))
                       for col in (cols if cols is not None else ()) if col.tag == m("col")
                       and col.get("style") is not None]

    def get(self, c: int, default: int = 0) -> int:
        style = default
        for lo, hi, s in self.ranges:  # a later range wins, as a dict filled in order did
            if lo <= c <= hi:
                style = s
        return style


# ------------------------------------------------------------------ comments
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
