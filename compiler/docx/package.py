"""The .docx package around the body: styles, fonts, settings, footers, core properties,
and a deterministic save (fixed dates in core.xml and in the zip entries).
"""
from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
import zipfile
from typing import IO
from pathlib import Path

import docx
from docx.document import Document as DocumentObject
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import qn

from .ooxml import R_NS, TABLE_BORDERS, W_NS, page_number_paragraph

MINCHO = "ＭＳ 明朝"  # body; LibreOffice substitutes IPAex明朝 / Noto Serif CJK JP on Linux
GOTHIC = "ＭＳ ゴシック"  # headings
FIXED_TIME = dt.datetime(2025, 1, 1, 0, 0, 0)
ZIP_TIME = (2025, 1, 1, 0, 0, 0)

_NS = f'xmlns:w="{W_NS}" xmlns:r="{R_NS}"'


def _fonts(face: str) -> str:
    return f'<w:rFonts w:ascii="{face}" w:eastAsia="{face}" w:hAnsi="{face}" w:cs="{face}"/>'


def _style(kind: str, style_id: str, name: str, body: str, *, based_on: str = "Normal",
           custom: bool = True, meta: str = "") -> str:
    """A w:style; `meta` holds the elements the schema puts between basedOn and qFormat (next, uiPriority)."""
    flag = ' w:customStyle="1"' if custom else (' w:default="1"' if style_id == "Normal" else "")
    base = f'<w:basedOn w:val="{based_on}"/>' if based_on else ""
    return (f'<w:style {_NS} w:type="{kind}"{flag} w:styleId="{style_id}"><w:name w:val="{name}"/>'
            f'{base}{meta}<w:qFormat/>{body}</w:style>')


def _heading(level: int, size: int, ppr: str) -> str:
    return _style("paragraph", f"Heading{level}", f"heading {level}",
                  f'<w:pPr><w:keepNext/><w:keepLines/>{ppr}<w:outlineLvl w:val="{level - 1}"/></w:pPr>'
                  f'<w:rPr>{_fonts(GOTHIC)}<w:b/><w:bCs/><w:color w:val="000000"/>'
                  f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>', custom=False,
                  meta='<w:next w:val="Normal"/><w:uiPriority w:val="9"/>')


def _para_style(style_id: str, name: str, ppr: str, rpr: str, *, based_on: str = "Normal",
                custom: bool = True) -> str:
    return _style("paragraph", style_id, name, f"<w:pPr>{ppr}</w:pPr><w:rPr>{rpr}</w:rPr>", based_on=based_on,
                  custom=custom)


_TABLE_PPR = '<w:snapToGrid w:val="0"/><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>'
_SZ_TABLE = '<w:sz w:val="17"/><w:szCs w:val="17"/>'  # 8.5 pt


def _style_definitions() -> list[str]:
    """Styles the body refers to; replaces the template's versions of the same ids."""
    return [
        _style("paragraph", "Normal", "Normal",
               '<w:pPr><w:spacing w:before="0" w:after="0" w:line="300" w:lineRule="auto"/><w:jc w:val="both"/></w:pPr>'
               f'<w:rPr>{_fonts(MINCHO)}<w:sz w:val="21"/><w:szCs w:val="21"/></w:rPr>', based_on="", custom=False),
        _heading(1, 32, '<w:pageBreakBefore/><w:pBdr><w:bottom w:val="single" w:sz="12" w:space="4" '
                        'w:color="000000"/></w:pBdr><w:spacing w:before="0" w:after="360"/>'),
        _heading(2, 26, '<w:spacing w:before="360" w:after="160"/>'),
        _heading(3, 23, '<w:spacing w:before="240" w:after="120"/>'),
        _para_style("BodyJa", "本文", '<w:spacing w:after="120"/><w:ind w:firstLineChars="100" w:firstLine="210"/>', ""),
        _para_style("Lead", "見出し文", '<w:keepNext/><w:spacing w:before="200" w:after="80"/>',
                    f'{_fonts(GOTHIC)}<w:b/><w:sz w:val="21"/>'),
        _para_style("Legend", "凡例", '<w:spacing w:after="120"/><w:jc w:val="left"/>', '<w:sz w:val="17"/><w:szCs w:val="17"/>'),
        _para_style("UnitNote", "単位", '<w:keepNext/><w:spacing w:before="60" w:after="20"/><w:jc w:val="right"/>',
                    '<w:sz w:val="17"/><w:szCs w:val="17"/>'),
        _para_style("Note", "注記", '<w:spacing w:before="40" w:after="160"/>', '<w:sz w:val="17"/><w:szCs w:val="17"/>'),
        _para_style("TableText", "表本文", f'{_TABLE_PPR}<w:jc w:val="left"/>', _SZ_TABLE),
        _para_style("TableCenter", "表中央", f'{_TABLE_PPR}<w:jc w:val="center"/>', _SZ_TABLE, based_on="TableText"),
        _para_style("TableNum", "表数値", f'{_TABLE_PPR}<w:jc w:val="right"/>', _SZ_TABLE, based_on="TableText"),
        _para_style("TableHeading", "表見出し", f'<w:keepNext/>{_TABLE_PPR}<w:jc w:val="center"/>',
                    f'{_fonts(GOTHIC)}{_SZ_TABLE}', based_on="TableText"),
        _para_style("TableGap", "表区切り", '<w:spacing w:before="0" w:after="0" w:line="120" w:lineRule="exact"/>',
                    '<w:sz w:val="4"/>'),
        _para_style("CoverTitle", "表紙題", '<w:spacing w:before="240" w:after="240"/><w:jc w:val="center"/>',
                    f'{_fonts(GOTHIC)}<w:b/><w:sz w:val="52"/><w:szCs w:val="52"/>'),
        _para_style("CoverText", "表紙本文", '<w:spacing w:before="60" w:after="60"/><w:jc w:val="center"/>',
                    '<w:sz w:val="28"/><w:szCs w:val="28"/>'),
        _para_style("TocTitle", "目次見出し", '<w:pageBreakBefore/><w:spacing w:after="360"/><w:jc w:val="center"/>',
                    f'{_fonts(GOTHIC)}<w:b/><w:sz w:val="32"/><w:szCs w:val="32"/>'),
        _para_style("TOC1", "toc 1", '<w:spacing w:before="120" w:after="40"/>', f'{_fonts(GOTHIC)}<w:b/>',
                    custom=False),
        _para_style("TOC2", "toc 2", '<w:spacing w:after="20"/><w:ind w:left="420"/>', "", custom=False),
        _para_style("TOC3", "toc 3", '<w:spacing w:after="0"/><w:ind w:left="840"/>',
                    '<w:sz w:val="19"/><w:szCs w:val="19"/>', custom=False),
        _style("character", "IdText", "事業ID", '<w:rPr><w:color w:val="404040"/><w:sz w:val="14"/>'
                                                '<w:szCs w:val="14"/></w:rPr>', based_on=""),
        _style("character", "Strong", "Strong", f'<w:rPr>{_fonts(GOTHIC)}<w:b/><w:bCs/></w:rPr>', based_on="",
               custom=False),
        _style("table", "PlanTable", "計画表",
               '<w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
               f'<w:rPr>{_fonts(MINCHO)}{_SZ_TABLE}</w:rPr>'
               f'<w:tblPr>{TABLE_BORDERS}</w:tblPr>', based_on="TableNormal"),
    ]


def _set_fonts(styles_el) -> None:
    """docDefaults get the 明朝 face for every script, and no *Theme attribute survives anywhere."""
    defaults = styles_el.find(qn("w:docDefaults"))
    rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    old = rpr.find(qn("w:rFonts"))
    new = parse_xml(f"<w:rFonts {_NS} "
                    f'w:ascii="{MINCHO}" w:eastAsia="{MINCHO}" w:hAnsi="{MINCHO}" w:cs="{MINCHO}"/>')
    rpr.replace(old, new)
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:val"), "ja-JP")
        lang.set(qn("w:eastAsia"), "ja-JP")
    sz = rpr.find(qn("w:sz"))
    if sz is not None:
        sz.set(qn("w:val"), "21")
    ppr = defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}")
    spacing = ppr.find(qn("w:spacing")) if ppr is not None else None
    if spacing is not None:
        spacing.set(qn("w:after"), "0")
        spacing.set(qn("w:line"), "240")
    theme_attrs = [qn(f"w:{a}") for a in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")]
    for fonts in styles_el.iter(qn("w:rFonts")):
        had_theme = any(fonts.get(a) is not None for a in theme_attrs)
        for a in theme_attrs:
            fonts.attrib.pop(a, None)
        if had_theme and fonts.get(qn("w:eastAsia")) is None:
            for a in ("ascii", "eastAsia", "hAnsi", "cs"):
                fonts.set(qn(f"w:{a}"), MINCHO)


def _install_styles(document: DocumentObject) -> None:
    styles_el = document.styles.element
    _set_fonts(styles_el)
    for xml in _style_definitions():
        new = parse_xml(xml)
        style_id = new.get(qn("w:styleId"))
        old = next((s for s in styles_el.findall(qn("w:style")) if s.get(qn("w:styleId")) == style_id), None)
        if old is not None:
            styles_el.replace(old, new)
        else:
            styles_el.append(new)


def _fix_settings(document: DocumentObject) -> None:
    """updateFields (Word refreshes the TOC and page numbers on open) placed where the schema wants it."""
    settings = document.settings.element
    update = parse_xml(f'<w:updateFields {_NS} w:val="true"/>')
    after_it = [qn(f"w:{n}") for n in ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars",
                                        "rsids")]
    anchor = next((child for child in settings if child.tag in after_it), None)
    if anchor is not None:
        anchor.addprevious(update)
    else:
        settings.append(update)
    for child in list(settings):
        if child.tag == qn("w:themeFontLang"):
            child.set(qn("w:eastAsia"), "ja-JP")
        if child.tag == qn("w:defaultTabStop"):
            child.set(qn("w:val"), "840")


def _add_footer(document: DocumentObject, paragraph_xml: str) -> str:
    part, rid = document.part.add_footer_part()
    ftr = part.element
    for child in list(ftr):
        ftr.remove(child)
    for child in parse_xml(f"<w:ftr {_NS}>{paragraph_xml}</w:ftr>"):
        ftr.append(child)
    return rid


def _drop_template_leftovers(document: DocumentObject) -> None:
    """The template's preview picture (an unrelated page in file browsers) and its Word 2010
    stylesWithEffects copy (theme fonts, 438 KB) are not part of the draft."""
    pkg_rels = document.part.package.rels
    for rid, rel in list(pkg_rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del pkg_rels[rid]
    doc_rels = document.part.rels
    for rid, rel in list(doc_rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            del doc_rels[rid]


def new_document(title: str, author: str, subject: str = "実施計画（案）") -> tuple[DocumentObject, str, str]:
    """A python-docx Document set up for a Japanese A4 plan; returns it and the footer rIds
    (blank footer for the cover, page-number footer for the rest)."""
    document = docx.Document()
    _install_styles(document)
    _fix_settings(document)
    _drop_template_leftovers(document)
    blank = _add_footer(document, '<w:p><w:pPr><w:pStyle w:val="Footer"/></w:pPr></w:p>')
    numbered = _add_footer(document, page_number_paragraph())
    core = document.core_properties
    core.title = title
    core.author = author
    core.last_modified_by = author
    core.subject = subject
    core.comments = ""
    core.keywords = ""
    core.category = ""
    core.revision = 1
    core.created = FIXED_TIME
    core.modified = FIXED_TIME
    core.last_printed = FIXED_TIME
    return document, blank, numbered


def save_deterministic(document: DocumentObject, front_xml: str, chapters: IO[bytes], back_xml: str,
                       path: Path) -> None:
    """Save with the given <w:body> content and fixed zip timestamps, via a temporary file renamed
    into place.  The body is front_xml, then the bytes of `chapters` (UTF-8 XML) copied in blocks,
    then back_xml, spliced into word/document.xml as is: parsing tens of megabytes into
    python-docx's tree costs far more than the rest, and streaming keeps memory flat."""
    buffer = io.BytesIO()
    document.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".~", suffix=".docx", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # like every other output (mkstemp creates 0600)
        with os.fdopen(fd, "wb") as out:
            _rezip(buffer.getvalue(), out, front_xml, chapters, back_xml)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


BLOCK_BYTES = 1 << 20


def _write_document_xml(dst: zipfile.ZipFile, info: zipfile.ZipInfo, template: bytes, front_xml: str,
                        chapters: IO[bytes], back_xml: str) -> None:
    start = template.index(b"<w:body>") + len(b"<w:body>")
    end = template.rindex(b"</w:body>")
    with dst.open(info, "w") as out:
        out.write(template[:start])
        out.write(front_xml.encode("utf-8"))
        while block := chapters.read(BLOCK_BYTES):
            out.write(block)
        out.write(back_xml.encode("utf-8"))
        out.write(template[end:])


BODY_LEVEL = 1  # zlib level of word/document.xml: 2.5 times as fast as 6 on a large draft, a third larger
PART_LEVEL = 6


def _rezip(data: bytes, out, front_xml: str, chapters: IO[bytes], back_xml: str) -> None:
    # the archive's level is the one ZipFile.open(…, "w") uses: the body's; the small parts say theirs
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=BODY_LEVEL) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            if item.filename == "word/document.xml":
                _write_document_xml(dst, info, src.read(item.filename), front_xml, chapters, back_xml)
            else:
                dst.writestr(info, src.read(item.filename), compresslevel=PART_LEVEL)
