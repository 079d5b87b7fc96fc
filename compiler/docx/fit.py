"""Table columns sized from their content: a code or ID column (Col.code) is made as wide as its
longest unbreakable token at the table's font size (and its header's longest line), and the text
columns give or take the difference in proportion to their widths, so the table keeps its width.

Inside a code column the only break is after 「、」 (or at a space or line break): its hyphens are
written as non-breaking hyphens (ooxml.code_run), so `2-2、8-3` never becomes `2-2、8-` / `3` and
`0301-GF65EDA` never loses its last letter to the next line.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import Iterable, Sequence

FONT_TWIPS = 170  # 8.5 pt: the table text (package._SZ_TABLE)
HALF_TWIPS = 106  # a Latin letter or digit: at most 0.62 em in ＭＳ 明朝 / Noto CJK (conservative)
CELL_MARGINS = 2 * 57  # left + right cell margins (ooxml._CELL_MARGINS)
SLACK = 40  # rounding in the renderer
MIN_TEXT_TWIPS = 4 * FONT_TWIPS + CELL_MARGINS  # a text column keeps room for four characters
# a code cell breaks after these (kept on the line before) and at white space
_BREAKS = re.compile(r"(?<=[、，,・])|\s+")


def char_twips(ch: str) -> int:
    return FONT_TWIPS if unicodedata.east_asian_width(ch) in "WFA" else HALF_TWIPS


def text_twips(text: str) -> int:
    if text.isascii():  # no ASCII character is wide or ambiguous
        return HALF_TWIPS * len(text)
    return sum(char_twips(ch) for ch in text)


def tokens(text: str) -> list[str]:
    """The pieces of a code cell no line break may split."""
    return [t for t in _BREAKS.split(text) if t]


def needed_twips(values: Iterable[str]) -> int:
    """The width a code column needs so that none of `values`' tokens is split."""
    widest = 0
    for value in set(values):  # a column repeats its codes; the widest token does not depend on the order
        for t in tokens(value):
            w = text_twips(t)
            if w > widest:
                widest = w
    return widest + CELL_MARGINS + SLACK


def plain(value: object) -> str:
    """A cell's text (spans joined; a Merged cell's text)."""
    text = getattr(value, "text", value)
    if isinstance(text, tuple):
        return "".join(t for t, _ in text)
    return text if isinstance(text, str) else ""


def fit_columns(cols: Sequence, rows: Sequence, needs: dict | None = None) -> tuple:
    """`cols` with the code columns sized to `rows` and the text columns (left-aligned, not code)
    taking the rest; the total width is unchanged.  When the text columns cannot give enough, the code
    columns share what there is in proportion to their needs.  `needs` keeps each code column's need
    by its label (and its place among the columns so labelled) for another copy of the same table
    that leaves other columns out (the 公表版's)."""
    code = [i for i, c in enumerate(cols) if getattr(c, "code", False)]
    if not code:
        return tuple(cols)
    cells = [getattr(r, "cells", r) for r in rows]
    need = {}
    for i in code:
        label = cols[i].label
        key = (label, sum(1 for c in cols[:i] if c.label == label))
        if needs is not None and key in needs:
            need[i] = needs[key]
            continue
        header = max((text_twips(line) for line in label.split("\n")), default=0) + CELL_MARGINS + SLACK
        need[i] = max(header, needed_twips(plain(r[i]) for r in cells if i < len(r)))
        if needs is not None:
            needs[key] = need[i]
    text = [i for i, c in enumerate(cols) if i not in need and c.align == "L"]
    if not text:
        return tuple(cols)
    total = sum(c.width for c in cols)
    fixed = sum(c.width for i, c in enumerate(cols) if i not in need and i not in text)
    room = total - fixed - len(text) * MIN_TEXT_TWIPS  # what code columns may take at most
    want = sum(need.values())
    if want > room:
        need = {i: max(1, need[i] * room // want) for i in need}
    widths = {i: c.width for i, c in enumerate(cols)}
    widths.update(need)
    left = total - fixed - sum(need.values())  # for the text columns, in proportion to their given widths
    given = sum(cols[i].width for i in text)
    for i in text:
        widths[i] = max(MIN_TEXT_TWIPS, cols[i].width * left // given)
    widest = max(text, key=lambda i: cols[i].width)
    widths[widest] += total - sum(widths.values())
    return tuple(c if c.width == widths[i] else replace(c, width=widths[i]) for i, c in enumerate(cols))
