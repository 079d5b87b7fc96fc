"""What calamine does not tell: formulas without a cached value, error cells, hidden rows.

A bounded regex scan of a worksheet's XML part; the package has already passed the guard's
size checks, so reading a part whole is safe.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from defusedxml import ElementTree as ET

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"

_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_ATTR_R = re.compile(rb'\br="([A-Z]+)(\d+)"')
_ATTR_T = re.compile(rb'\bt="(\w+)"')
_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*>(.*?)</(?:\w+:)?v>", re.S)


def column_letter(col: int) -> str:
    """1-based column number → Excel letters (1 → A, 27 → AA)."""
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


@dataclass
class SheetExtras:
    hidden_rows: set[int] = field(default_factory=set)  # 1-based
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # (row0, col0) -> formula, no cached value
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row0, col0) -> '#DIV/0!'


class SheetParts:
    """Maps sheet names to their XML parts inside the package."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.parts: dict[str, str] = {}
        try:
            with zipfile.ZipFile(path) as z:
                wb = ET.fromstring(z.read("xl/workbook.xml"))
                rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        except (KeyError, zipfile.BadZipFile, ET.ParseError, OSError):
            return
        targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_NS_PKG}Relationship")}
        for s in wb.iter(f"{_NS_MAIN}sheet"):
            target = targets.get(s.get(f"{_NS_REL}id"), "")
            if not target:
                continue
            part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            self.parts[s.get("name", "")] = part

    def scan(self, sheet_name: str) -> SheetExtras:
        part = self.parts.get(sheet_name)
        if not part:
            return SheetExtras()
        try:
            with zipfile.ZipFile(self.path) as z:
                data = z.read(part)
        except (KeyError, zipfile.BadZipFile, OSError):
            return SheetExtras()
        return scan_xml(data)


def scan_xml(data: bytes) -> SheetExtras:
    extras = SheetExtras()
    if b"hidden=" in data:
        for m in _ROW_TAG.finditer(data):
            attrs = m.group(1)
            if _HIDDEN.search(attrs):
                r = re.search(rb'\br="(\d+)"', attrs)
                if r:
                    extras.hidden_rows.add(int(r.group(1)))
    if b"<f" not in data and b't="e"' not in data:
        return extras
    for m in _CELL.finditer(data):
        attrs, inner = m.group(1), m.group(2) or b""
        ref = _ATTR_R.search(attrs)
        if not ref:
            continue
        key = (int(ref.group(2)) - 1, col_index(ref.group(1).decode()))
        t = _ATTR_T.search(attrs)
        value = _VALUE.search(inner)
        if t and t.group(1) == b"e":
            extras.errors[key] = (value.group(1) if value else b"#ERROR").decode("utf-8", "replace")
            continue
        f = _FORMULA.search(inner)
        if f and (value is None or value.group(1) == b""):
            text = (f.group(1) or b"").decode("utf-8", "replace")
            extras.formulas[key] = "=" + text if text else "=（共有数式）"
    return extras
