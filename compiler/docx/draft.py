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


def _chapters(comp: Compilation, chapters: Body, page_footer: str) -> None:
    """Chapters 1–7 into `chapters` (one edition or both, see Body.editions)."""
    ctx = Context.of(comp)
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


def _front(comp: Compilation, headings: list[tuple[int, str]], blank_footer: str, public: bool) -> str:
    """The XML before the chapters: cover and 目次 (which needs the headings)."""
    return cover(comp.master, public) + contents(headings) + section_end(sect_pr(blank_footer))


def build_body(comp: Compilation, blank_footer: str, page_footer: str, sink: IO[bytes],
               public: bool = False) -> tuple[str, str]:
    """Write chapters 1–7 to `sink` (UTF-8 XML); return the XML that goes before them (cover and
    目次, which needs the headings) and after them (the last section's properties).  `public`: the
    公表版, without the internal columns and sections (compiler/publish.py)."""
    chapters = Body(sink, public=public)
    _chapters(comp, chapters, page_footer)
    return _front(comp, chapters.headings, blank_footer, public), sect_pr(page_footer)


def _document(comp: Compilation, public: bool):  # noqa: ANN202 - (python-docx Document, blank footer, page footer)
    master = comp.master
    return new_document(document_title(master, public), f"{master.city} {issuer(master)}", edition(public))


def write_draft(comp: Compilation, path: Path, public: bool = False) -> None:
    """Write 実施計画（案）.docx, or with `public` the 公表版, to `path` (atomically; the same input gives
    the same bytes)."""
    document, blank_footer, page_footer = _document(comp, public)
    with tempfile.TemporaryFile() as chapters:
        front, back = build_body(comp, blank_footer, page_footer, chapters, public)
        chapters.seek(0)
        save_deterministic(document, front, chapters, back, Path(path))


def write_editions(comp: Compilation, draft_path: Path, public_path: Path) -> None:
    """Write 実施計画（案）.docx and its 公表版 in one pass (the same bytes as write_draft gives each):
    the chapters are made once, every fragment both print is written to both, and a table the 公表版
    prints without its internal columns is written twice from the same cells."""
    draft, blank_footer, page_footer = _document(comp, False)
    public, *footers = _document(comp, True)
    if footers != [blank_footer, page_footer]:  # the chapters name the footers: both must call them alike
        write_draft(comp, draft_path)
        write_draft(comp, public_path, public=True)
        return
    with tempfile.TemporaryFile() as draft_chapters, tempfile.TemporaryFile() as public_chapters:
        chapters = Body.editions(draft_chapters, public_chapters)
        _chapters(comp, chapters, page_footer)
        for document, sink, path, is_public in ((draft, draft_chapters, draft_path, False),
                                                (public, public_chapters, public_path, True)):
            sink.seek(0)
            front = _front(comp, chapters.headings_of(is_public), blank_footer, is_public)
            save_deterministic(document, front, sink, sect_pr(page_footer), Path(path))
