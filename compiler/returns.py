"""返送/<file name> (DESIGN §5.3): each department's own workbook with its problems marked.

For every readable submitted workbook that has problems on cells, a copy is written under the
same name (.xlsm stays .xlsm, macros kept) with
- every problem cell filled (エラー red-ish, 警告 yellow) and a cell comment holding the message(s)
  (several problems on one cell → one comment listing them all; an existing comment is kept and
  our text appended), and
- a first sheet `確認事項` listing every problem of the file, file-level ones included.

Method — why the zip is patched instead of re-saved with openpyxl:
openpyxl load/save drops Excel-2010 extension data validations (`<extLst><x14:dataValidations>`),
which is exactly what Excel writes when a department saves our template: a list whose source is
on another sheet (the 事業ID dropdown pointing at `総合計画`) becomes an x14 validation.  Measured
with openpyxl 3.1.5: "Data Validation extension is not supported and will be removed", and the
saved copy has no dropdown left on that column.  openpyxl would also drop shapes, form controls,
x14 conditional formats and sparklines, and rewrite every style index.

So the copy is made part by part (`xlsx.package.Package`): every zip entry we do not annotate is
copied byte for byte (vbaProject.bin, drawings, x14 extensions, printer settings...).  We rewrite
only styles.xml (new fills and cloned cell formats appended; existing indexes unchanged), the
worksheet parts that hold problem cells (edited with lxml, which preserves namespace prefixes,
`mc:Ignorable` and extLst), their comments/VML parts, workbook.xml (+ rels, content types) for the
new first sheet.  Entries carry fixed timestamps, so the output is byte-stable.
"""
from __future__ import annotations

import logging
import os
from collections import defaultdict
from pathlib import Path

from lxml import etree

from .models import Compilation, SourceFile
from .problems import ERROR, Problem
from .xlsx.annotate import Note, Styles, add_comments, fill_cells
from .xlsx.package import Package, PackageError, split_cell
from .xlsx.review import formats, insert_first_sheet, review_sheet_xml

log = logging.getLogger(__name__)

REVIEW_COLUMNS = ("重要度", "シート", "セル", "項目", "内容", "入力値", "処置")


def returnable(comp: Compilation) -> list[SourceFile]:
    """The readable workbooks with a problem on a cell, by name: those that get a return."""
    with_cells = {p.file for p in comp.problems if p.cell}
    return sorted((f for f in comp.files if f.readable and f.name in with_cells), key=lambda f: f.name)


def write_returns(comp: Compilation, out_dir: Path, only: set[str] | None = None) -> list[Path]:
    """Write an annotated copy of every readable workbook with cell problems (of those named in
    `only`, when given); return the paths written."""
    out_dir = Path(out_dir)
    by_file: dict[str, list[Problem]] = defaultdict(list)
    for p in comp.problems:
        by_file[p.file].append(p)
    written: list[Path] = []
    for source in returnable(comp):
        if only is not None and source.name not in only:
            continue
        problems = by_file[source.name]
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / Path(source.name).name
        try:
            annotate_workbook(source, problems, target)
        except (PackageError, etree.LxmlError) as exc:
            # the compile goes on; the problem list in 検証結果 still tells the department what to fix
            log.warning("%s: 返送用のブックを作成できません（%s）", source.name, exc)
            continue
        written.append(target)
    return written


def annotate_workbook(source: SourceFile, problems: list[Problem], target: Path) -> None:
    """Copy source.path to target with the problems marked (written through a temporary file)."""
    pkg = Package(Path(source.path))
    sheets = pkg.sheet_parts()
    styles = Styles(pkg)
    for sheet_name, cells in _cells_by_sheet(problems).items():
        part = sheets.get(sheet_name)
        if part is None:
            continue
        root = pkg.xml(part)
        fill_cells(root, {rc: _worst(ps) for rc, ps in cells.items()}, styles)
        add_comments(pkg, part, root, [Note(r, c, _comment_text(ps)) for (r, c), ps in sorted(cells.items())])
        pkg.put_xml(part, root)
    rows = [_review_row(p) for p in problems]
    sheet_xml = review_sheet_xml(source.name, rows, [p.severity for p in problems], formats(styles), set(sheets))
    insert_first_sheet(pkg, sheet_xml)
    styles.save()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        pkg.save(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _cells_by_sheet(problems: list[Problem]) -> dict[str, dict[tuple[int, int], list[Problem]]]:
    out: dict[str, dict[tuple[int, int], list[Problem]]] = defaultdict(lambda: defaultdict(list))
    for p in problems:
        pos = split_cell(p.cell) if p.cell and p.sheet else None
        if pos is not None:
            out[p.sheet][pos].append(p)
    return out


def _worst(problems: list[Problem]) -> str:
    return ERROR if any(p.severity == ERROR for p in problems) else problems[0].severity


def _comment_text(problems: list[Problem]) -> str:
    lines = []
    for p in problems:
        value = f"（入力値: {p.value}）" if p.value else ""
        lines.append(f"【{p.severity}】{p.message}{value}")
    return "\n".join(dict.fromkeys(lines))


def _review_row(p: Problem) -> list[str]:
    return [p.severity, p.sheet, p.cell, p.column, p.message, p.value, p.action]
