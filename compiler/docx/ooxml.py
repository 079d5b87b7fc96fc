"""WordprocessingML written as strings.

The draft holds tens of thousands of table rows; python-docx objects per cell are far too slow
(`table.cell()` is quadratic), so every paragraph and table of the body is written here as
escaped XML text and spliced into word/document.xml as is (package.py).  Formatting comes from
the styles defined in package.py, which keeps each cell short.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence, Union

from compiler.sanitize import safe_text

from .fit import fit_columns

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# page geometry in twips (1 mm = 56.7 twips); A4 = 210 × 297 mm
A4_SHORT = 11906
A4_LONG = 16838
MARGIN = 1134  # 20 mm
PORTRAIT_WIDTH = A4_SHORT - 2 * MARGIN  # 9638
LANDSCAPE_WIDTH = A4_LONG - 2 * MARGIN  # 14570

_NEWLINES = re.compile("\r\n?")


def esc(value: object) -> str:
    """Sanitised and XML-escaped text (safe inside elements and double-quoted attributes)."""
    text = safe_text(value, None)
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    return text


# what esc() or run() would change: characters XML cannot hold (sanitize.ILLEGAL_XML), markup, line breaks
# and tabs; text without any of them is written as it is
_SPECIAL = re.compile('[\x00-\x1f&<>"\ufffe\uffff\ud800-\udfff]')


def run(text: object, rpr: str = "") -> str:
    """One run; line breaks in the text become <w:br/>, tabs become spaces."""
    if text.__class__ is str and _SPECIAL.search(text) is None:  # type: ignore[arg-type]
        return f'<w:r>{rpr}<w:t xml:space="preserve">{text}</w:t></w:r>'
    body = esc(text)
    if "\r" in body:
        body = _NEWLINES.sub("\n", body)
    if "\t" in body:
        body = body.replace("\t", " ")
    if "\n" in body:
        body = body.replace("\n", '</w:t><w:br/><w:t xml:space="preserve">')
    return f'<w:r>{rpr}<w:t xml:space="preserve">{body}</w:t></w:r>'


_NB_HYPHEN = '</w:t><w:noBreakHyphen/><w:t xml:space="preserve">'


_CODE_HYPHEN = re.compile(r"(?<=[0-9A-Z])-(?=[0-9A-Z])")  # inside 1-3, 3-4-1, 0301-GF65EDA


def code_run(text: str) -> str:
    """A run whose codes (1-3, 0301-GF65EDA) do not break at their hyphens (Word's non-breaking hyphen);
    other hyphens (−120, a dash in prose) stay as written."""
    body = run(text)
    return _CODE_HYPHEN.sub(_NB_HYPHEN, body) if "-" in text else body


def char_style(style_id: str) -> str:
    return f'<w:rPr><w:rStyle w:val="{style_id}"/></w:rPr>' if style_id else ""


# A cell or paragraph holds plain text or spans of (text, character style id).
Spans = tuple[tuple[str, str], ...]
Content = Union[str, Spans]


_RPR = {"": ""}  # character style id -> its rPr (char_style), filled as styles are met


def runs(content: Content) -> str:
    if isinstance(content, str):
        return run(content) if content else ""
    out = []
    for text, style in content:
        if text:
            rpr = _RPR.get(style)
            if rpr is None:
                rpr = _RPR[style] = char_style(style)
            out.append(run(text, rpr))
    return "".join(out)


def paragraph(content: Content = "", style: str = "", *, jc: str = "", keep_next: bool = False,
              extra_ppr: str = "") -> str:
    ppr = ""
    if style:
        ppr += f'<w:pStyle w:val="{style}"/>'
    if keep_next:
        ppr += "<w:keepNext/>"
    ppr += extra_ppr
    if jc:
        ppr += f'<w:jc w:val="{jc}"/>'
    head = f"<w:p><w:pPr>{ppr}</w:pPr>" if ppr else "<w:p>"
    return f"{head}{runs(content)}</w:p>"


# ---------------------------------------------------------------- fields
def field_runs(instruction: str, result: str = "", rpr: str = "") -> str:
    """A complex field (fldChar begin/separate/end) with a cached result."""
    return (f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r>{rpr}<w:instrText xml:space="preserve"> {esc(instruction)} </w:instrText></w:r>'
            f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>'
            f'{run(result, rpr) if result else ""}'
            f'<w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>')


def page_number_paragraph() -> str:
    """Centred `- 1 -` footer paragraph holding a PAGE field."""
    return ('<w:p><w:pPr><w:pStyle w:val="Footer"/><w:jc w:val="center"/></w:pPr>'
            f'{run("- ")}{field_runs("PAGE", "1")}{run(" -")}</w:p>')


TOC_LEVELS = 2  # chapters and their sections; the 施策 and risk scenarios would fill pages


def toc_field(entries: Sequence[tuple[int, str]], placeholder: str, note: str = "") -> str:
    """A TOC field whose cached result lists the headings up to TOC_LEVELS (Word and LibreOffice
    replace it, with page numbers, when the field is updated).  `note` is the result's last
    paragraph, so it disappears with the update."""
    begin = ('<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
             f'<w:r><w:instrText xml:space="preserve"> TOC \\o "1-{TOC_LEVELS}" \\h \\z \\u </w:instrText></w:r>'
             '<w:r><w:fldChar w:fldCharType="separate"/></w:r>')
    end = '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    paras = [(f"TOC{level}", text) for level, text in entries if 1 <= level <= TOC_LEVELS] or [("TOC1", placeholder)]
    if note:
        paras.append(("Note", note))
    out: list[str] = []
    last = len(paras) - 1
    for i, (style, text) in enumerate(paras):
        head = begin if i == 0 else ""
        tail = end if i == last else ""
        out.append(f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{head}{run(text)}{tail}</w:p>')
    return "".join(out)


# ---------------------------------------------------------------- sections
def sect_pr(footer_rid: str, *, landscape: bool = False, restart_numbering: bool = False) -> str:
    if landscape:
        size = f'<w:pgSz w:w="{A4_LONG}" w:h="{A4_SHORT}" w:orient="landscape"/>'
    else:
        size = f'<w:pgSz w:w="{A4_SHORT}" w:h="{A4_LONG}"/>'
    numbering = '<w:pgNumType w:start="1"/>' if restart_numbering else ""
    return (f'<w:sectPr><w:footerReference w:type="default" r:id="{footer_rid}"/>'
            f'<w:type w:val="nextPage"/>{size}'
            f'<w:pgMar w:top="{MARGIN}" w:right="{MARGIN}" w:bottom="{MARGIN}" w:left="{MARGIN}" '
            f'w:header="567" w:footer="510" w:gutter="0"/>{numbering}'
            '<w:cols w:space="425"/><w:docGrid w:linePitch="360"/></w:sectPr>')


def section_end(sect: str) -> str:
    """The paragraph that closes a section (its sectPr describes the pages before it)."""
    return f'<w:p><w:pPr><w:spacing w:before="0" w:after="0"/>{sect}</w:pPr></w:p>'


# ---------------------------------------------------------------- tables
@dataclass(frozen=True)
class Col:
    label: str
    width: int  # twips
    align: str = "L"  # L(eft) / C(entre) / R(ight)
    group: str = ""  # consecutive columns sharing a group get a spanning top header cell
    code: bool = False  # codes and IDs: sized to the longest, breaking only after 「、」 (docx/fit.py)


@dataclass(frozen=True)
class TotalRow:
    """A bold, shaded row (合計)."""

    cells: tuple[Content, ...]


@dataclass(frozen=True)
class Merged:
    """A cell merged vertically with its neighbours: `first` starts the merge and holds the text,
    the cells below continue it (e.g. one 基本政策 beside its 施策)."""

    text: str = ""
    first: bool = False


Row = Union[Sequence[Union[Content, Merged]], TotalRow]

_ALIGN_STYLE = {"L": "TableText", "C": "TableCenter", "R": "TableNum"}
HEADER_FILL = "D9D9D9"
TOTAL_FILL = "F2F2F2"
MAX_ROWS = 300  # longer tables are split into several, each with its header

TABLE_BORDERS = ('<w:tblBorders>'
            '<w:top w:val="single" w:sz="8" w:space="0" w:color="000000"/>'
            '<w:left w:val="single" w:sz="8" w:space="0" w:color="000000"/>'
            '<w:bottom w:val="single" w:sz="8" w:space="0" w:color="000000"/>'
            '<w:right w:val="single" w:sz="8" w:space="0" w:color="000000"/>'
            '<w:insideH w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
            '<w:insideV w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
            '</w:tblBorders>')
_CELL_MARGINS = ('<w:tblCellMar><w:top w:w="23" w:type="dxa"/><w:left w:w="57" w:type="dxa"/>'
                 '<w:bottom w:w="23" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>')
_ROW = "<w:tr><w:trPr><w:cantSplit/></w:trPr>"
_HEADER_ROW = "<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>"
_SPLIT_GAP = '<w:p><w:pPr><w:pStyle w:val="TableGap"/></w:pPr></w:p>'


def _tc(width: int, style: str, content: Content, *, fill: str = "", span: int = 1, vmerge: str = "",
        bold: bool = False) -> str:
    pr = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if span > 1:
        pr += f'<w:gridSpan w:val="{span}"/>'
    if vmerge == "restart":
        pr += '<w:vMerge w:val="restart"/>'
    elif vmerge:
        pr += "<w:vMerge/>"
    if fill:
        pr += f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>'
    pr += '<w:vAlign w:val="center"/>'
    body = runs(content)
    if bold and body:
        body = body.replace("<w:r><w:t ", "<w:r><w:rPr><w:b/></w:rPr><w:t ")
    return f'<w:tc><w:tcPr>{pr}</w:tcPr><w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{body}</w:p></w:tc>'


def _header(cols: Sequence[Col]) -> str:
    if not any(c.group for c in cols):
        cells = "".join(_tc(c.width, "TableHeading", c.label, fill=HEADER_FILL) for c in cols)
        return f"{_HEADER_ROW}{cells}</w:tr>"
    top: list[str] = []
    bottom: list[str] = []
    i = 0
    while i < len(cols):
        c = cols[i]
        if not c.group:
            top.append(_tc(c.width, "TableHeading", c.label, fill=HEADER_FILL, vmerge="restart"))
            bottom.append(_tc(c.width, "TableHeading", "", fill=HEADER_FILL, vmerge="continue"))
            i += 1
            continue
        j = i
        while j < len(cols) and cols[j].group == c.group:
            bottom.append(_tc(cols[j].width, "TableHeading", cols[j].label, fill=HEADER_FILL))
            j += 1
        top.append(_tc(sum(x.width for x in cols[i:j]), "TableHeading", c.group, fill=HEADER_FILL, span=j - i))
        i = j
    return f"{_HEADER_ROW}{''.join(top)}</w:tr>{_HEADER_ROW}{''.join(bottom)}</w:tr>"


_CELL_END = "</w:p></w:tc>"
CACHED_CELL_CHARS = 40  # a text cell up to this long is written once per column of a table (■, ○, 一般, 1-3, …)


class _RowWriter:
    """Pre-computes each column's cell prefix so a body row is a handful of string joins; the
    short texts a column repeats (■, －, 一般, a 課) are written once per table and reused."""

    def __init__(self, cols: Sequence[Col], written: dict | None = None) -> None:
        self.cols = tuple(cols)
        self.written = written  # value -> its runs, shared with the other edition's copy of the table
        self.prefix = tuple(
            f'<w:tc><w:tcPr><w:tcW w:w="{c.width}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>'
            f'<w:p><w:pPr><w:pStyle w:val="{_ALIGN_STYLE[c.align]}"/></w:pPr>'
            for c in cols)
        self.merged = tuple(
            tuple(p.replace('<w:vAlign', f'<w:vMerge{kind}/><w:vAlign') for kind in (' w:val="restart"', ""))
            for p in self.prefix)
        # per column: short text -> the whole cell
        self.cells: tuple[dict[str, str], ...] = tuple({"": f"{p}{_CELL_END}"} for p in self.prefix)

    def row(self, row: Row) -> str:
        if isinstance(row, TotalRow):
            cells = "".join(_tc(c.width, _ALIGN_STYLE[c.align], v, fill=TOTAL_FILL, bold=True)
                            for c, v in zip(self.cols, row.cells))
            return f"{_ROW}{cells}</w:tr>"
        parts = [_ROW]
        known = self.cells
        for i, value in enumerate(row):
            if value.__class__ is str:
                cell = known[i].get(value)  # type: ignore[call-overload]
                if cell is None:
                    cell = f"{self.prefix[i]}{self.content(value)}{_CELL_END}"
                    if len(value) <= CACHED_CELL_CHARS:
                        known[i][value] = cell  # type: ignore[index]
                parts.append(cell)
                continue
            if value.__class__ is Merged:
                parts.append(self.merged[i][0 if value.first else 1])
                value = value.text if value.first else ""
            else:
                parts.append(self.prefix[i])
            if value:
                parts.append(self.content(value))
            parts.append(_CELL_END)
        parts.append("</w:tr>")
        return "".join(parts)

    def content(self, value: Content) -> str:
        """A cell's runs (codes with non-breaking hyphens)."""
        written = self.written
        if written is not None and (value.__class__ is str or value.__class__ is tuple):
            xml = written.get(value)
            if xml is None:
                xml = written[value] = code_run(value) if isinstance(value, str) and "-" in value else runs(value)
            return xml
        if isinstance(value, str):
            return code_run(value) if "-" in value else run(value)
        return runs(value)


KEEP_TOGETHER_MAX = 15  # `keep_together` is honoured up to this many body rows


@dataclass
class Shared:
    """What the copies of one table in two editions have in common: each cell's runs (by value) and
    each code column's width (fit.fit_columns)."""

    runs: dict = field(default_factory=dict)
    needs: dict = field(default_factory=dict)


def table(cols: Sequence[Col], rows: Iterable[Row], *, max_rows: int = MAX_ROWS, keep_together: bool = False,
          shared: Shared | None = None) -> str:
    """A bordered table with a repeated, shaded header; split every `max_rows` body rows.
    Rows never split across pages, and the header (TableHeading, keepNext) stays with the first
    body row; otherwise a table breaks between rows wherever the page ends, so pages are not left
    half empty.  `keep_together` keeps a short summary table on one page (keepNext on every row
    but the last); it is for tables followed by text, not by another table, which it would drag
    along.  `shared`: what another edition's copy of the table has already worked out."""
    if any(c.code for c in cols):
        rows = list(rows)
        cols = fit_columns(cols, rows, shared.needs if shared is not None else None)
    writer = _RowWriter(cols, shared.runs if shared is not None else None)
    width = sum(c.width for c in cols)
    grid = "".join(f'<w:gridCol w:w="{c.width}"/>' for c in cols)
    head = (f'<w:tbl><w:tblPr><w:tblStyle w:val="PlanTable"/><w:tblW w:w="{width}" w:type="dxa"/>'
            f'<w:tblInd w:w="0" w:type="dxa"/>{TABLE_BORDERS}<w:tblLayout w:type="fixed"/>{_CELL_MARGINS}'
            f'<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" '
            f'w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{_header(cols)}')
    chunks: list[str] = [head]
    count = 0
    for row in rows:
        if count == max_rows:
            chunks.append(f"</w:tbl>{_SPLIT_GAP}{head}")
            count = 0
        chunks.append(writer.row(row))
        count += 1
    if keep_together and len(chunks) <= KEEP_TOGETHER_MAX + 1:
        chunks[1:-1] = [c.replace('"/></w:pPr>', '"/><w:keepNext/></w:pPr>') for c in chunks[1:-1]]
    chunks.append("</w:tbl>")
    return "".join(chunks)


_PSTYLE = re.compile(r'<w:pStyle w:val="[^"]*"/>')


def keep_with_next(paragraph_xml: str) -> str:
    """The paragraph with keepNext set (a line that belongs above the table that follows it);
    anything that is not a paragraph is returned as is."""
    with_ppr = "<w:p><w:pPr>"
    if paragraph_xml.startswith(with_ppr):
        end = paragraph_xml.index("</w:pPr>")
        ppr = paragraph_xml[len(with_ppr):end]
        if "<w:keepNext/>" in ppr:
            return paragraph_xml
        style = _PSTYLE.match(ppr)
        cut = style.end() if style else 0
        return f"{with_ppr}{ppr[:cut]}<w:keepNext/>{ppr[cut:]}{paragraph_xml[end:]}"
    if paragraph_xml.startswith("<w:p>"):
        return f"<w:p><w:pPr><w:keepNext/></w:pPr>{paragraph_xml[len('<w:p>'):]}"
    return paragraph_xml
