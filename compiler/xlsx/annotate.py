"""Fill cells and attach comments inside an existing worksheet part (no openpyxl round trip).

The worksheet XML is edited with lxml, which keeps every namespace prefix and every element we do
not touch (x14 data validations in extLst, conditional formats, protection...), or spliced row by
row (xlsx.splice).  This module gathers the pieces, each in its own module:
- xlsx.styles: the styles part; new `xf` records cloned from the cell's own (number format, font,
  border, protection kept) with a fill (FILLS), and the formats of the 確認事項 sheet;
- xlsx.cells: the problem cells filled in a parsed sheet (fill_cells, mark_cell);
- xlsx.comments: comments in the legacy parts Excel still reads, xl/commentsN.xml and a VML drawing;
- xlsx.earlier: what an earlier return added (a department often sends back the returned copy
  itself), taken away before the new problems are marked.
"""
from __future__ import annotations

from .cells import ColumnStyles, fill_cells, mark_cell, widened_ref
from .comments import (AFTER_LEGACY, AUTHOR, OUR_HEAD, SHAPETYPE, VML_NS, LegacyDrawing, Note, add_comments)
from .earlier import Earlier
from .styles import FILLS, REL_STYLES, Styles, fill_rgb, m

__all__ = ["AFTER_LEGACY", "AUTHOR", "FILLS", "OUR_HEAD", "REL_STYLES", "SHAPETYPE", "VML_NS", "ColumnStyles",
           "Earlier", "LegacyDrawing", "Note", "Styles", "add_comments", "fill_cells", "fill_rgb", "m", "mark_cell",
           "widened_ref"]
