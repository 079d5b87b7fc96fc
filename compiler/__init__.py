"""一体策定コンパイラ: department workbooks → one integrated implementation plan.

For analysts::

    from compiler import compile_cycle
    comp = compile_cycle("examples/sample-city/R7")
    comp.frames.projects            # one row per project (pandas DataFrame)

`compile_cycle` reads and merges a cycle without writing anything (`compiler.build.build` also
writes the outputs).
"""

__version__ = "0.1.0"
__all__ = ["compile_cycle"]


def __getattr__(name: str):  # the pipeline (and pandas) is imported on first use, not by `import compiler`
    if name in __all__:
        import importlib

        return getattr(importlib.import_module(".build", __name__), name)
    raise AttributeError(f"module 'compiler' has no attribute {name!r}")
