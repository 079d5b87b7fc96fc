"""What an earlier return of ours left in a workbook a department sent back, taken away before the
new problems are marked: our cloned cell formats go back to the formats they were cloned from, our
comments (told by their text, "AUTHOR:" then 【エラー】/【警告】 lines: another program may re-save
them without their author) are removed with their VML shapes, and the text we appended to a
department's own comment is cut off.
"""
from __future__ import annotations

import re

from lxml import etree

from .comments import AUTHOR, OUR_HEAD
from .package import NS_REL, REL_COMMENTS, REL_VML, Package, q, split_cell
from .styles import Styles, m

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
