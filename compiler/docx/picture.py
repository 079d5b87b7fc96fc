"""Pictures in a Word document built from XML fragments: the image becomes a part of the python-docx
document (its relationship id goes into the fragment), the fragment is an inline drawing."""
from __future__ import annotations

import io

from docx.document import Document as DocumentObject
from docx.oxml.shape import CT_Inline
from docx.shared import Cm
from lxml import etree

from .base import Body
from . import charts
from .charts import Chart

NO_FONT = "（図は、日本語を表示できるフォントが見つからないため省略しました。）"


class Figures:
    """Numbered figures (図1, 図2, …) of one document; each call adds a caption and the picture."""

    def __init__(self, document: DocumentObject) -> None:
        self.document = document
        self.count = 0

    def add(self, body: Body, chart: Chart | None) -> None:
        """Caption and picture, or the note that the charts need a Japanese font (no chart, no data: nothing)."""
        if chart is None:
            if charts.japanese_font() is None:
                body.note(NO_FONT)
            return
        self.count += 1
        body.lead(f"図{self.count}　{chart.title}")
        body.raw(self._picture(chart))

    def _picture(self, chart: Chart) -> str:
        rid, _ = self.document.part.get_or_add_image(io.BytesIO(chart.png))
        inline = CT_Inline.new_pic_inline(self.count, rid, f"chart{self.count}.png", Cm(chart.width_cm),
                                          Cm(chart.height_cm))
        inline.docPr.set("descr", chart.title)
        drawing = etree.tostring(inline, encoding="unicode")
        return ('<w:p><w:pPr><w:spacing w:before="60" w:after="120"/><w:jc w:val="center"/></w:pPr>'
                f"<w:r><w:drawing>{drawing}</w:drawing></w:r></w:p>")
