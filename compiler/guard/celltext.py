"""Cell text as Excel can hold it."""
from __future__ import annotations

from ..normalise import has_control, strip_control
from .common import EXCEL_CELL_LIMIT

# ---------------------------------------------------------------- cell text
def sanitize_cell_text(text: str, limit: int = EXCEL_CELL_LIMIT) -> tuple[str, bool, bool]:
    """(cleaned, had_control, was_truncated) for a reader that wants both facts at once:
    control characters removed with normalise.strip_control, then the text cut to `limit`
    UTF-16 code units (as Excel counts) with sanitize.cut_utf16."""
    from ..sanitize import cut_utf16

    had_control = has_control(text)
    cleaned = strip_control(text) if had_control else text
    if len(cleaned) <= limit // 2:
        return cleaned, had_control, False
    cut = cut_utf16(cleaned, limit)
    return cut, had_control, len(cut) < len(cleaned)
