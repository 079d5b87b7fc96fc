"""write_draft: the Word draft 実施計画（案）.docx (DESIGN §5.2).

Sections: cover + 目次 (portrait, no page number) │ 第1–2章 (portrait, pages from 1) │
第3章 (landscape, wide project tables) │ 第4–7章 (portrait).
"""
from __future__ import annotations

from pathlib import Path

from compiler.models import Compilation

from .appendix import appendix_chapter
from .base import Body, Context
from .chapters import budget_chapter, resilience_chapter, strategy_chapter
from .front import contents, cover, document_title, issuer, overview, system
from .measures import measures_chapter
from .ooxml import section_end, sect_pr
from .package import new_document, save_deterministic


def build_body(comp: Compilation, blank_footer: str, page_footer: str) -> str:
    """The whole <w:body> content as XML text."""
    ctx = Context.of(comp)
    chapters = Body()
    overview(chapters, ctx)
    system(chapters, ctx)
    chapters.raw(section_end(sect_pr(page_footer, restart_numbering=True)))
    measures_chapter(chapters, ctx)
    chapters.raw(section_end(sect_pr(page_footer, landscape=True)))
    resilience_chapter(chapters, ctx)
    strategy_chapter(chapters, ctx)
    budget_chapter(chapters, ctx)
    appendix_chapter(chapters, ctx)
    front = cover(comp.master) + contents(chapters.headings) + section_end(sect_pr(blank_footer))
    return front + chapters.xml() + sect_pr(page_footer)


def write_draft(comp: Compilation, path: Path) -> None:
    """Write 実施計画（案）.docx to `path` (atomically; the same input gives the same bytes)."""
    master = comp.master
    document, blank_footer, page_footer = new_document(document_title(master), f"{master.city} {issuer(master)}")
    save_deterministic(document, build_body(comp, blank_footer, page_footer), Path(path))
