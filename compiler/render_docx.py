"""Render the Word draft 実施計画（案）.docx (DESIGN §5.2); the work is in the compiler.docx package."""
from compiler.docx import write_draft, write_editions

__all__ = ["write_draft", "write_editions"]
