"""The workbook's styles part, extended with the fills and cell formats a return needs.

Our fills are colours no built-in Excel style uses (FILLS): a cell format carrying one is a clone we
made (xlsx.earlier finds them when a department sends a returned copy back).
"""
from __future__ import annotations

import copy
import functools

from lxml import etree

from .package import NS_MAIN, Package, PackageError, q

REL_STYLES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
# light red and light yellow, one step off Excel's built-in 悪い/どちらでもない fills (FFC7CE, FFEB9C):
# a cell format carrying one of these is ours
FILLS = {"エラー": "FFFFC7CD", "警告": "FFFFEB9B"}


@functools.lru_cache(maxsize=256)
def m(tag: str) -> str:
    return q(NS_MAIN, tag)


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
