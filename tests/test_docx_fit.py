"""Codes and IDs fit their columns in the written draft: every code-shaped token of every table cell is
narrower than its cell at the table's font size, and a code column's hyphens do not break; the table
width is kept when the columns are resized."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from compiler.build import DRAFT_FILE, PUBLIC_FILE, build
from compiler.docx.fit import CELL_MARGINS, fit_columns, text_twips, tokens
from compiler.docx.ooxml import Col, table

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample-city"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CODE = re.compile(r"[0-9A-Z]+(?:-[0-9A-Z]+)+")
ONLY_CODES = re.compile(r"(?:[0-9A-Z]+(?:-[0-9A-Z]+)+(?:（仮）)?[、\n]*)+")  # an ID, risk codes, 施策 …


@pytest.fixture(scope="module")
def drafts(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fit")
    build(SAMPLE / "R6", tmp / "R6", workers=1)
    build(SAMPLE / "R7", tmp / "R7", previous=tmp / "R6", workers=1)
    return tmp / "R7" / DRAFT_FILE, tmp / "R7" / PUBLIC_FILE


def _cells(path: Path):
    """(width in twips, text, the cell element) of every table cell."""
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    for tc in root.iter(f"{W}tc"):
        width = int(tc.find(f"{W}tcPr/{W}tcW").get(f"{W}w"))
        parts = []
        for el in tc.iter(f"{W}t", f"{W}br", f"{W}noBreakHyphen", f"{W}p"):
            if el.tag == f"{W}t":
                parts.append(el.text or "")
            elif el.tag == f"{W}noBreakHyphen":
                parts.append("-")
            elif el.tag == f"{W}br" or (el.tag == f"{W}p" and parts):
                parts.append("\n")
        yield width, "".join(parts), tc


@pytest.mark.parametrize("which", [0, 1])
def test_every_code_and_id_fits_its_cell(drafts, which) -> None:
    checked, too_wide = 0, []
    for width, text, _ in _cells(drafts[which]):
        for line in text.split("\n"):
            for token in CODE.findall(line):
                checked += 1
                if text_twips(token) + CELL_MARGINS > width:
                    too_wide.append((token, width))
    assert checked > 500  # IDs of the 資料編, risk codes, 具体的施策 …
    assert not too_wide, too_wide[:10]


def test_code_lists_break_only_after_the_comma(drafts) -> None:
    """In a cell holding only codes, no plain hyphen is left for the line breaker."""
    seen = 0
    for _, text, tc in _cells(drafts[0]):
        if text and ONLY_CODES.fullmatch(text):
            seen += 1
            raw = "".join(t.text or "" for t in tc.iter(f"{W}t"))
            assert "-" not in raw, text
    assert seen > 100


def test_fit_keeps_the_width_and_gives_code_columns_their_longest_token() -> None:
    cols = (Col("事業ID", 600, code=True), Col("事業名", 3000), Col("施策", 2000, "C", code=True), Col("額", 1000, "R"))
    rows = [("0301-GF65EDA\n（仮）", "ある事業", "2-2、8-3"), ("1-1", "別の事業", "1-3")]
    fitted = fit_columns(cols, rows)
    assert sum(c.width for c in fitted) == sum(c.width for c in cols)
    assert fitted[0].width >= text_twips("0301-GF65EDA") + CELL_MARGINS
    assert fitted[2].width < 2000 and fitted[2].width >= text_twips("2-2、") + CELL_MARGINS  # breaks after 、
    assert fitted[3].width == 1000  # numbers keep their width
    assert tokens("2-2、8-3") == ["2-2、", "8-3"]
    xml = table(cols, rows)
    assert "2<w:noBreakHyphen/>" not in xml  # the hyphen ends the text run ...
    assert '2</w:t><w:noBreakHyphen/><w:t xml:space="preserve">2' in xml  # ... and a non-breaking one follows
    assert "ある事業" in xml and "0301" in xml
