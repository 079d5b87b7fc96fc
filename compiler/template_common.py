"""What the department workbook writers share: xlsxwriter formats, the check on xlsxwriter's return
codes, and the constants both the data sheets and the 記入要領 use."""
from __future__ import annotations

import math
import unicodedata

from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook

from .schema import CODE, CODES, FLAG, MONEY, SDGS, STATUS, YEAR, Column

GUIDE_SHEET = "記入要領"
LIST_SHEET = "リスト"
CONTACT = "企画政策課"
ACTORS = ("市", "県", "国", "民間")
TEXT_KINDS = {CODE, CODES, SDGS, STATUS, YEAR}  # stored as text ('@') so 1-3 never becomes a date
REQUIRED_FILL, OPTIONAL_FILL = "#F8CBAD", "#DDEBF7"
LINE_HEIGHT = 14  # points per printed line of 10-point text

class TemplateWriteError(RuntimeError):
    """xlsxwriter refused a write (negative return code); the message names the sheet and cell."""



def ok(rc: object, sheet: str, row: int, col: int, what: str) -> None:
    """Raise when xlsxwriter refused a call (it returns a negative code and only warns)."""
    if isinstance(rc, int) and rc < 0:
        cell = xl_rowcol_to_cell(row, col)
        raise TemplateWriteError(f"調書のシート「{sheet}」のセル {cell} に書き込めません（xlsxwriter {what} が {rc} を返しました）")


class Styles:
    """xlsxwriter formats, created once per workbook and cached by their options."""

    def __init__(self, wb: Workbook) -> None:
        self._wb = wb
        self._cache: dict[tuple, object] = {}

    def get(self, **props: object) -> object:
        key = tuple(sorted(props.items()))
        if key not in self._cache:
            self._cache[key] = self._wb.add_format({"font_name": "游ゴシック", "font_size": 10, "valign": "top", **props})
        return self._cache[key]

    def header(self, required: bool) -> object:
        return self.get(bold=True, text_wrap=True, border=1, align="center", valign="vcenter", locked=True,
                        bg_color=REQUIRED_FILL if required else OPTIONAL_FILL)

    def body(self, col: Column) -> object:
        props: dict[str, object] = {"locked": False}  # no borders: blank rows must not extend the printed area
        if col.kind in TEXT_KINDS:
            props["num_format"] = "@"
        elif col.kind == MONEY:
            props["num_format"] = "#,##0"
        elif col.kind == FLAG:
            props["align"] = "center"
        if col.width >= 20:
            props["text_wrap"] = True
        return self.get(**props)


def lines(text: str, width: int) -> int:
    """Estimated printed lines of `text` in a column `width` characters wide (CJK counts double)."""
    total = 0
    for part in text.split("\n"):
        cells = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in part)
        total += max(1, math.ceil(cells / max(width - 2, 1)))
    return total
