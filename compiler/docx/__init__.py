"""The Word draft 実施計画（案）.docx, written as WordprocessingML strings (see draft.py)."""
from .draft import write_draft, write_editions

__all__ = ["write_draft", "write_editions"]
