"""A worksheet part marked row by row, without parsing the whole sheet.

A department's sheet holds hundreds of formatted input rows and a return changes a handful of
cells; parsing and re-serialising the whole part cost more than all the rest of a return.
SheetSplice cuts out only the rows it changes, parses each one with lxml as a small fragment
under the sheet's own namespace declarations, makes the same edits as annotate.fill_cells
(annotate.mark_cell), and splices the serialised rows back; every other byte of the part is
copied as it was.  The <dimension> and the <legacyDrawing> of the comments are edited in place,
and so is the print set-up (printsetup.set_print): <sheetPr> at the head of the part, <pageSetup>
among the children after </sheetData>.

It takes the sheets spreadsheet programs write: the main namespace as the default one, the
relationships namespace bound to `r` on the root, every <row> numbered, no control characters.
Anything else raises NotSpliceable, and the caller parses the whole sheet instead.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from .cells import ColumnStyles, mark_cell, widened_ref
from .comments import AFTER_LEGACY
from .package import _PARSER, NS_MAIN, NS_REL, _refuse_dtd
from .printsetup import AFTER_PAGE_SETUP, OWN_PAGE_SETUP, PAGE_SETUP, TRUE
from .styles import Styles, m

_ROOT = re.compile(rb"<worksheet\b([^<>]*)>")
_XMLNS = re.compile(rb'\sxmlns(?::([A-Za-z_][\w.-]*))?="([^"]*)"')
_PREFIXED_CELLS = re.compile(rb":(?:c|row)[\s/>]")  # <x:c …>, <x:row …> (or a lookalike: then parsed whole)
# one pass for both: a prefixed cell or row, or a colon before a print element's name (a necessary
# condition of _PREFIXED_PRINT, which is only searched for when this found one)
_PREFIXED = re.compile(rb":(?:(c|row)|sheetPr|pageSetUpPr|pageSetup)[\s/>]")
# a <row> without its number first: <row>, <row/…, or <row …> whose first attribute is not r="…"
_UNNUMBERED_ROW = re.compile(rb'<row(?:[>/]| (?!r="))')
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_ROW_NUMBER = re.compile(rb'<row r="(\d+)"')
_DIMENSION = re.compile(rb'<dimension ref="([^"<>]*)"\s*/>')
_LEGACY = re.compile(rb'<legacyDrawing\s+r:id="([^"<>]*)"\s*/>')
_WRAPPER_END = b"</worksheet>"
# a print element written with a prefix (or a lookalike): then parsed whole
_PREFIXED_PRINT = re.compile(rb"<[A-Za-z_][\w.-]*:(?:sheetPr|pageSetUpPr|pageSetup)[\s/>]")
_ATTR = re.compile(rb"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_FIT_TO_PAGE = re.compile(rb"""\s+fitToPage\s*=\s*(?:"[^"]*"|'[^']*')""")
FIT_TO_PAGE = b'<pageSetUpPr fitToPage="1"/>'
# a start, end or empty tag, its attribute values quoted (a value may hold '>')
_TAG = re.compile(rb"<(/?)([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)((?:\s+[\w.:-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>")


class NotSpliceable(Exception):
    """The sheet is not written the way SheetSplice expects: parse it whole."""


class SheetSplice:
    """Marks cells of one worksheet part given as bytes; to_bytes() gives the edited part."""

    def __init__(self, data: bytes, part: str) -> None:
        _refuse_dtd(data, part)  # a copy must not pass a DTD on (PackageError, as when parsed)
        root = _ROOT.search(data)
        start = data.find(b"<sheetData")
        if root is None or len(data.translate(None, _CONTROL_BYTES)) != len(data) or start < 0 \
                or data.find(b"<sheetData", start + 1) >= 0:
            raise NotSpliceable("root, control characters or sheetData")
        decls = {(prefix or b""): uri for prefix, uri in _XMLNS.findall(root.group(1))}
        if decls.get(b"") != NS_MAIN.encode() or decls.get(b"r") != NS_REL.encode():
            raise NotSpliceable("namespaces")
        self.decls = b"".join(mt.group(0) for mt in _XMLNS.finditer(root.group(1)))
        self.root_end = root.end()
        if data.startswith(b"<sheetData/>", start):
            raise NotSpliceable("empty sheetData")
        self.rows_start = data.index(b">", start) + 1
        self.rows_end = data.index(b"</sheetData>", self.rows_start)
        # every row numbered, the number its first attribute (as `<row r="` in the rows), and no
        # prefixed cell or row: one pass over the rows and one over the part
        self._prefixed_print = False
        for found in _PREFIXED.finditer(data):
            if found.group(1):
                raise NotSpliceable("row shapes")
            self._prefixed_print = True
        if _UNNUMBERED_ROW.search(data, self.rows_start, self.rows_end):
            raise NotSpliceable("row shapes")
        self.data = data
        self.rows: dict[int, tuple[int, int, etree._Element]] = {}  # number -> (start, end, edited row)
        self.legacy: tuple[int, int, bytes] | None = None  # (start, end, new bytes) of <legacyDrawing>
        self.dimension: tuple[int, int, bytes] | None = None
        self.printing: list[tuple[int, int, bytes]] = []  # (start, end, new bytes) of sheetPr and pageSetup
        # everything that could still refuse the sheet is settled here, before anything is changed
        self._legacy = _LEGACY.search(data, self._suffix())
        if self._legacy is None and data.find(b"<legacyDrawing", self._suffix()) >= 0:
            raise NotSpliceable("legacyDrawing")
        self._legacy_at = self._first_child_of(AFTER_LEGACY)

    # ------------------------------------------------------------ cells
    def fill(self, targets: dict[tuple[int, int], str], styles: Styles) -> None:
        """annotate.fill_cells on the rows of `targets` only."""
        col_styles = ColumnStyles(self._fragment(self._span(b"<cols>", b"</cols>")))
        for (r, c), severity in sorted(targets.items()):
            mark_cell(self._row(r), r, c, severity, col_styles, styles)
        dim = _DIMENSION.search(self.data, 0, self.rows_start)
        if dim is not None:
            ref = widened_ref(dim.group(1).decode("ascii", "replace"), targets)
            if ref:
                self.dimension = (dim.start(1), dim.end(1), ref.encode("ascii"))

    def _row(self, r: int) -> etree._Element:
        if r in self.rows:
            return self.rows[r][2]
        at = self.data.find(b'<row r="%d"' % r, self.rows_start, self.rows_end)
        if at < 0:  # a new row, before the first row further down
            start = end = self._insert_point(r)
            row = etree.SubElement(self._fragment(b""), m("row"), r=str(r))
        else:
            start = at
            tag_end = self.data.index(b">", at)
            end = tag_end + 1 if self.data[tag_end - 1:tag_end] == b"/" else \
                self.data.index(b"</row>", tag_end, self.rows_end) + len(b"</row>")
            found = self._fragment(self.data[start:end])
            if len(found) != 1 or found[0].tag != m("row") or found[0].get("r") != str(r):
                raise NotSpliceable(f"row {r}")
            row = found[0]
        self.rows[r] = (start, end, row)
        return row

    def _insert_point(self, r: int) -> int:
        for mt in _ROW_NUMBER.finditer(self.data, self.rows_start, self.rows_end):
            if int(mt.group(1)) > r:
                return mt.start()
        return self.rows_end

    # ------------------------------------------------------------ legacy drawing (annotate.LegacyDrawing)
    def _suffix(self) -> int:
        return self.rows_end + len(b"</sheetData>")

    def legacy_rid(self) -> str | None:
        return None if self._legacy is None else self._legacy.group(1).decode("utf-8")

    def remove_legacy(self) -> None:
        if self._legacy is not None:
            self.legacy = (self._legacy.start(), self._legacy.end(), b"")

    def insert_legacy(self, rid: str) -> None:
        element = b'<legacyDrawing r:id="%s"/>' % rid.encode("utf-8")
        if self.legacy is not None:  # in the place of the one removed
            self.legacy = (self.legacy[0], self.legacy[1], element)
            return
        self.legacy = (self._legacy_at, self._legacy_at, element)

    def _first_child_of(self, names: tuple[str, ...], prefixed: bool = False) -> int:
        """Where the first child of <worksheet> after sheetData named in `names` (or, with `prefixed`,
        with a prefix: mc:AlternateContent) starts, or where </worksheet> does: what
        annotate._insert_before finds, by following the tags' depth."""
        wanted = {name.encode() for name in names}
        for name, tag in self._top_level():
            if not name or name in wanted or prefixed and b":" in name:
                return tag.start()
        raise NotSpliceable("no </worksheet>")  # not reached: _top_level ends with </worksheet>

    def _top_level(self) -> Iterator[tuple[bytes, re.Match[bytes]]]:
        """The start tags of <worksheet>'s children after sheetData (name, tag), then its end tag (b"", tag)."""
        depth = 0
        pos = self._suffix()
        if self.data.find(b"<!", pos) >= 0 or self.data.find(b"<?", pos) >= 0:
            raise NotSpliceable("comment or instruction after sheetData")
        for tag in _TAG.finditer(self.data, pos):
            closing, name, empty = tag.group(1), tag.group(2), tag.group(4)
            if closing:
                depth -= 1
                if depth < 0:
                    if name != b"worksheet":
                        raise NotSpliceable("tags after sheetData")
                    yield b"", tag
                    return
                continue
            if depth == 0:
                yield name, tag
            if not empty:
                depth += 1
        raise NotSpliceable("no </worksheet>")

    # ------------------------------------------------------------ print set-up (printsetup.set_print)
    def print_setup(self) -> bool:
        """Give the sheet our print set-up; False (nothing changed) when it has its own.  Call it
        before fill(): it may still refuse the sheet."""
        if self._prefixed_print and _PREFIXED_PRINT.search(self.data):
            raise NotSpliceable("prefixed print elements")
        pr = self._sheet_pr()
        if pr is None:
            return False
        setup = self._page_setup()
        if setup is None:
            return False
        self.printing = [pr, setup]
        return True

    def _sheet_pr(self) -> tuple[int, int, bytes] | None:
        """The edit putting fitToPage into <sheetPr> (made the first child when missing); None when
        fitToPage is on already."""
        at = self.data.find(b"<sheetPr", self.root_end, self.rows_start)
        if at < 0:
            return self.root_end, self.root_end, b"<sheetPr>" + FIT_TO_PAGE + b"</sheetPr>"
        tag = _TAG.match(self.data, at)
        if tag is None or tag.group(1) or tag.group(2) != b"sheetPr" or self.data[self.root_end:at].strip():
            raise NotSpliceable("sheetPr")
        if tag.group(4):  # <sheetPr …/>
            return tag.start(), tag.end(), b"<sheetPr" + tag.group(3) + b">" + FIT_TO_PAGE + b"</sheetPr>"
        close = self.data.find(b"</sheetPr>", tag.end(), self.rows_start)
        if close < 0:
            raise NotSpliceable("sheetPr")
        fit_at = self.data.find(b"<pageSetUpPr", tag.end(), close)
        if fit_at < 0:  # pageSetUpPr is the last child of CT_SheetPr
            return close, close, FIT_TO_PAGE
        fit = _TAG.match(self.data, fit_at)
        if fit is None or fit.group(2) != b"pageSetUpPr" or not fit.group(4):
            raise NotSpliceable("pageSetUpPr")
        if _attributes(fit.group(3)).get(b"fitToPage") in {v.encode() for v in TRUE}:
            return None
        return fit.start(), fit.end(), b"<pageSetUpPr" + _FIT_TO_PAGE.sub(b"", fit.group(3)) + b' fitToPage="1"/>'

    def _page_setup(self) -> tuple[int, int, bytes] | None:
        """The edit giving <pageSetup> our attributes (inserted in the schema's order when missing);
        None when the department set an orientation or a fit there."""
        later = {name.encode() for name in AFTER_PAGE_SETUP}
        at = None
        for name, tag in self._top_level():
            if name == b"pageSetup":
                if not tag.group(4):
                    raise NotSpliceable("pageSetup")
                attrs = _attributes(tag.group(3))
                if any(a.encode() in attrs for a in OWN_PAGE_SETUP):
                    return None
                add = b"".join(b' %s="%s"' % (k.encode(), v.encode()) for k, v in PAGE_SETUP if k.encode() not in attrs)
                return tag.start(), tag.end(), b"<pageSetup" + tag.group(3) + add + b"/>"
            if at is None and (not name or name in later or b":" in name):
                at = tag.start()
        assert at is not None  # _top_level ends with </worksheet>
        attrs = b"".join(b' %s="%s"' % (k.encode(), v.encode()) for k, v in PAGE_SETUP)
        return at, at, b"<pageSetup" + attrs + b"/>"

    # ------------------------------------------------------------ assembling
    def to_bytes(self) -> bytes:
        edits: list[tuple[int, int, int, bytes]] = []  # (start, order, end, bytes)
        for r, (start, end, row) in self.rows.items():
            edits.append((start, r, end, self._serialise(row)))
        for edit in (self.dimension, self.legacy):
            if edit is not None:
                edits.append((edit[0], -1, edit[1], edit[2]))
        for edit in self.printing:  # a pageSetup inserted where the legacyDrawing goes comes first
            edits.append((edit[0], -2, edit[1], edit[2]))
        out: list[bytes] = []
        pos = 0
        for start, _order, end, new in sorted(edits):
            out += [self.data[pos:start], new]
            pos = end
        out.append(self.data[pos:])
        return b"".join(out)

    def _fragment(self, xml: bytes) -> etree._Element:
        """`xml` parsed inside a <worksheet> that declares the sheet's namespaces."""
        try:
            return etree.fromstring(b"<worksheet" + self.decls + b">" + xml + _WRAPPER_END, _PARSER)
        except etree.XMLSyntaxError as exc:
            raise NotSpliceable(str(exc)) from exc

    @staticmethod
    def _serialise(row: etree._Element) -> bytes:
        """The row as it sits in its wrapper, so it carries no namespace declarations of its own."""
        text = etree.tostring(row.getparent(), encoding="UTF-8", xml_declaration=False)
        inner = text[text.index(b">") + 1:-len(_WRAPPER_END)]
        return inner

    def _span(self, open_tag: bytes, close_tag: bytes) -> bytes:
        start = self.data.find(open_tag, 0, self.rows_start)
        if start < 0:
            return b""
        return self.data[start:self.data.index(close_tag, start) + len(close_tag)]


def _attributes(text: bytes) -> dict[bytes, bytes]:
    return {mt.group(1): mt.group(2) if mt.group(2) is not None else mt.group(3) for mt in _ATTR.finditer(text)}
