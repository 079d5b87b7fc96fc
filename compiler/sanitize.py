"""Text that every writer (xlsx, docx, returned workbooks) can hold safely (DESIGN §7).

XML 1.0 cannot hold most C0 control characters, U+FFFE/U+FFFF or lone surrogates: openpyxl
raises IllegalCharacterError, python-docx ValueError, and a file written around them is corrupt.
An Excel cell holds at most 32,767 characters (counted in UTF-16 code units).
"""
from __future__ import annotations

import math
import re

EXCEL_MAX_CHARS = 32_767
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def safe_text(value: object, limit: int | None = EXCEL_MAX_CHARS) -> str:
    """Any value → text an XML writer can hold.

    None and NaN become ''; characters illegal in XML 1.0 and lone surrogates are removed;
    the result is cut to `limit` UTF-16 code units (Excel's cell limit by default; None = no cut).
    """
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    text = value if isinstance(value, str) else str(value)
    text = ILLEGAL_XML.sub("", text)
    if limit is not None and len(text) > limit // 2:
        text = cut_utf16(text, limit)
    return text


def has_illegal(text: str) -> bool:
    """True when `text` holds a character that safe_text would remove."""
    return bool(ILLEGAL_XML.search(text))


def cut_utf16(text: str, limit: int) -> str:
    """`text` cut so that it takes at most `limit` UTF-16 code units (a pair is never split)."""
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return text[:i]
    return text


def safe_number(value: object) -> float | int | None:
    """A finite int/float, or None for anything else (None, NaN, ±inf, bool, text)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
