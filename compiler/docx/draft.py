"""write_draft: the Word draft 実施計画（案）.docx (DESIGN §5.2).

Sections: cover + 目次 (portrait, no page number) │ 第1–2章 (portrait, pages from 1) │
第3章 (landscape, wide project tables) │ 第4–7章 (portrait).
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import IO

from compiler.models import Compilation

from .appendix import appendix_chapter
from .base import Body, Context
from .chapters import budget_chapter, resilience_chapter, strategy_chapter
from .front import contents, cover, document_title, edition, issuer, overview, system
from .measures import measures_chapter
from .ooxml import section_end, sect_pr
from .package import new_document, save_deterministic


def build_body(comp: Compilation, blank_footer: str, page_footer: str, sink: IO[bytes],
               public: bool = False) -> tuple[str, str]:
    """Write chapters 1–7 to `sink` (UTF-8 XML); return the XML that goes before them (cover and
    目次, which needs the headings) and after them (the last section's properties).  `public`: the
    公表版, without the internal columns and sections (compiler/publish.py)."""
    ctx = Context.of(comp, public)
    chapters = Body(sink, public=public)
    overview(chapters, ctx)
    system(chapters, ctx)
    chapters.raw(section_end(sect_pr(page_footer, restart_numbering=True)))
    measures_chapter(chapters, ctx)
    chapters.raw(section_end(sect_pr(page_footer, landscape=True)))
    resilience_chapter(chapters, ctx)
    strategy_chapter(chapters, ctx)
    budget_chapter(chapters, ctx)
    appendix_chapter(chapters, ctx)
    chapters.close()
    front = cover(comp.master, public) + contents(chapters.headings) + section_end(sect_pr(blank_footer))
    return front, sect_pr(page_footer)


def write_draft(comp: Compilation, path: Path, public: bool = False) -> None:
    """Write 実施計画（案）.docx, or with `public` the 公表版, to `path` (atomically; the same input gives
    the same bytes)."""
    master = comp.master
    document, blank_footer, page_footer = new_document(document_title(master, public), f"{master.city} {issuer(master)}",
                                                       edition(public))
    with tempfile.TemporaryFile() as chapters:
        front, back = build_body(comp, blank_footer, page_footer, chapters, public)
        chapters.seek(0)
        save_deterministic(document, front, chapters, back, Path(path))
