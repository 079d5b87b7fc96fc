"""一体策定コンパイラ: department workbooks → one integrated implementation plan."""

__version__ = "0.1.0"
