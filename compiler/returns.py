"""返送/<file name> (DESIGN §5.3): each department's own workbook with its problems marked.

For every readable submitted workbook that has problems on cells, a copy is written under the
same name (.xlsm stays .xlsm, macros kept) with
- every problem cell filled (エラー red-ish, 警告 yellow) and a cell comment holding the message(s)
  (several problems on one cell → one comment listing them all; an existing comment is kept and
  our text appended), and
- a first sheet `確認事項` listing every problem of the file, file-level ones included;
- the data sheets set to print A4 landscape, one page wide, the header row on every page, unless
  the department set up their printing itself (xlsx.printsetup).

A department may send the returned copy itself back: what our earlier return added (fills,
comments, text appended to the department's comments) is removed first (xlsx.annotate.Earlier).

Whether a return can be written is decided by the compile (check_returns), before anything is
rendered: the returns are written in worker processes beside クロスリファレンス.xlsx, which could
not learn of a failure any more.  A workbook whose package cannot be annotated gets a
`return-failed` problem (検証結果, 集計's 返送 column left blank) and no copy.  Should marking
its cells still fail while rendering (a worksheet part the check only looked at), the copy is
written with its 確認事項 sheet alone, so every return 集計 announces exists.

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

import html
import logging
import os
import re
from collections import defaultdict
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from lxml import etree

from .models import Compilation, SourceFile
from .problems import ERROR, RETURN_FAILED, Problem, make_problem
from .sanitize import EXCEL_MAX_CHARS, cut_utf16
from .xlsx.annotate import Earlier, Note, Styles, add_comments, fill_cells
from .xlsx.package import REL_COMMENTS, REL_VML, Package, PackageError, split_cell
from .xlsx.printsetup import add_print_titles, print_targets, set_print
from .xlsx.review import REVIEW_SHEET, formats, insert_first_sheet, review_sheet_xml
from .xlsx.splice import NotSpliceable, SheetSplice

log = logging.getLogger(__name__)

REVIEW_COLUMNS = ("重要度", "シート", "セル", "項目", "内容", "入力値", "処置")
# what a broken or unexpected part raises while a copy is annotated (the file itself passed the reader)
ANNOTATION_ERRORS = (PackageError, etree.LxmlError, ValueError, KeyError, IndexError)


def returnable(comp: Compilation) -> list[SourceFile]:
    """The readable workbooks with a problem on a cell, by name: those that get a return
    (less those whose return was found impossible when the compile checked them)."""
    with_cells = {p.file for p in comp.problems if p.cell}
    failed = {p.file for p in comp.problems if p.code == RETURN_FAILED}
    return sorted((f for f in comp.files if f.readable and f.name in with_cells and f.name not in failed),
                  key=lambda f: f.name)


# ------------------------------------------------------------------ deciding before rendering
def check_returns(comp: Compilation) -> list[Problem]:
    """A `return-failed` problem for every workbook due a return whose package cannot be annotated.

    Decided by the compile, before anything is rendered: the returns are written in parallel with
    クロスリファレンス.xlsx, so a failure found while writing could reach neither 検証結果 nor 集計's
    返送 column.  Each workbook was checked by the reader (return_blocker, run in the read worker
    while the file was at hand), for every template sheet it has."""
    return [make_problem(RETURN_FAILED, file=f.name, detail=f.return_blocker)
            for f in returnable(comp) if f.return_blocker]


def return_blocker(path: Path, sheets: frozenset[str] | set[str]) -> str:
    """Why the workbook at `path` cannot get an annotated copy with cells marked on `sheets` ('' when
    it can).  It reads the small parts annotating needs (package, styles, workbook, content types,
    comments, drawings); the worksheets are not inflated: the reader's preflight refused any DTD in
    them, and one that still cannot be marked gets a copy with its 確認事項 sheet only (write_returns)."""
    try:
        pkg = Package(path)
        Styles(pkg)
        pkg.xml("[Content_Types].xml")
        parts = pkg.sheet_parts()
        for name in sorted(sheets):
            part = parts.get(name)
            if part is None:
                continue  # a sheet the workbook lacks is not marked (its problems are listed in 確認事項)
            for _, related in pkg.related(part, REL_COMMENTS):
                if related in pkg.parts:
                    pkg.xml(related)
            for _, related in pkg.related(part, REL_VML):
                if related in pkg.parts and b"</xml>" not in pkg.parts[related]:
                    raise PackageError(f"{related}: VML 描画の形式が不明です")
    except ANNOTATION_ERRORS as exc:
        return str(exc) or type(exc).__name__
    return ""


# ------------------------------------------------------------------ writing
def write_returns(comp: Compilation, out_dir: Path, only: set[str] | None = None) -> list[Path]:
    """Write an annotated copy of every readable workbook with cell problems (of those named in
    `only`, when given); return the paths written.

    A copy whose cells cannot be marked after all (a worksheet part the check did not parse) is
    written with its 確認事項 sheet only, so the 返送 the 集計 sheet announces always exists."""
    out_dir = Path(out_dir)
    by_file: dict[str, list[Problem]] = defaultdict(list)
    for p in comp.problems:
        by_file[p.file].append(p)
    written: list[Path] = []
    provisional = provisional_ids(comp, only)
    for source in returnable(comp):
        if only is not None and source.name not in only:
            continue
        problems = by_file[source.name]
        notices = provisional[source.name]
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / Path(source.name).name
        try:
            annotate_workbook(source, problems, target, notices=notices)
        except ANNOTATION_ERRORS as exc:
            log.warning("%s: セルに印を付けられないため、確認事項シートだけの返送にします（%s）", source.name, exc)
            try:
                annotate_workbook(source, problems, target, mark_cells=False, notices=notices)
            except ANNOTATION_ERRORS as again:
                log.error("%s: 返送用のブックを作成できません（%s）", source.name, again)
                continue
        written.append(target)
    return written


NOTICE = "お知らせ"


def provisional_ids(comp: Compilation, only: set[str] | None = None) -> dict[str, list[list[str]]]:
    """By workbook, 確認事項 rows (as _review_row's) for its rows whose project got a provisional 事業ID:
    the 課 writes that number (or its own) in the next cycle, so the project keeps one ID."""
    files = {f.name: f for f in comp.files}
    out: dict[str, list[list[str]]] = defaultdict(list)
    for p in comp.projects:
        if not p.id_generated:
            continue
        for o in p.sources:
            if only is not None and o.file not in only or o.file not in files:
                continue
            column = files[o.file].columns.get(o.sheet, {}).get("id", "")
            out[o.file].append([NOTICE, o.sheet, o.cell(column) if column else "", "事業ID",
                                f"事業IDが空欄のため、集約の際に仮の番号「{p.project_id}」を付けました（{p.name}）。"
                                "次回の調書ではこの番号を記入するか、正式な番号に置き換えてください。", "", "参考"])
    for rows in out.values():
        rows.sort(key=lambda r: (r[1], int("".join(ch for ch in r[2] if ch.isdigit()) or 0)))
    return out


def annotate_workbook(source: SourceFile, problems: list[Problem], target: Path, mark_cells: bool = True,
                      notices: list[list[str]] | None = None) -> None:
    """Copy source.path to target with the problems marked (written through a temporary file).

    What an earlier return left in the workbook (a department sent the returned copy back) is
    removed first, so messages are not repeated and fixed cells lose their colour."""
    pkg = Package(Path(source.path))
    sheets = pkg.sheet_parts()
    styles = Styles(pkg)
    printing = print_targets(pkg, source.header_rows)
    if mark_cells:
        printed = _mark(pkg, sheets, styles, _cells_by_sheet(problems), printing)
    else:
        pkg.refuse_dtds()  # marking parses every part it changes; a copy left unmarked is checked here
        printed = {name for name in printing if _print_only(pkg, sheets[name])}
    add_print_titles(pkg, {name: printing[name] for name in printed})
    if any(p.code == "text-too-long" for p in problems):
        cut_long_texts(pkg, [*sheets.values(), SHARED_STRINGS])
    notices = notices or []
    rows = [_review_row(p) for p in problems] + notices
    sheet_xml = review_sheet_xml(source.name, rows, [p.severity for p in problems] + [NOTICE] * len(notices),
                                 formats(styles), set(sheets), marked=mark_cells)
    insert_first_sheet(pkg, sheet_xml)
    styles.save()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        pkg.save(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _mark(pkg: Package, sheets: dict[str, str], styles: Styles,
          cells: dict[str, dict[tuple[int, int], list[Problem]]], printing: dict[str, int]) -> set[str]:
    """Clear an earlier return's marks, then fill and comment the problem cells and give the sheets
    of `printing` their print set-up, sheet by sheet (each worksheet part parsed once, and only when
    it has something to change); return the sheets given the print set-up."""
    earlier = Earlier(pkg, styles)
    printed: set[str] = set()
    for sheet_name, part in sheets.items():
        if sheet_name == REVIEW_SHEET:
            continue
        mine = cells.get(sheet_name)
        wanted = sheet_name in printing
        touched = earlier.touches(part)
        if not (mine or touched):
            if wanted and _print_only(pkg, part):
                printed.add(sheet_name)
            continue
        if mine and not touched:
            done = _mark_spliced(pkg, part, mine, styles, wanted)
            if done is not None:
                if done:
                    printed.add(sheet_name)
                continue
        root = pkg.xml(part)
        earlier.clear(part, root)
        if mine:
            fill_cells(root, {rc: _worst(ps) for rc, ps in mine.items()}, styles)
            add_comments(pkg, part, root, [Note(r, c, _comment_text(ps)) for (r, c), ps in sorted(mine.items())])
        if wanted and set_print(root):
            printed.add(sheet_name)
        pkg.put_xml(part, root)
    return printed


def _mark_spliced(pkg: Package, part: str, cells: dict[tuple[int, int], list[Problem]], styles: Styles,
                  printing: bool) -> bool | None:
    """Fill and comment the cells of a worksheet without parsing it whole (xlsx/splice.py), and give
    it the print set-up when `printing`: whether that was given; None when the sheet is not written
    in the usual way (the caller then parses it)."""
    try:
        sheet = SheetSplice(pkg.parts[part], part)
        printed = printing and sheet.print_setup()  # before anything is changed: it may refuse the sheet
        sheet.fill({rc: _worst(ps) for rc, ps in cells.items()}, styles)
        add_comments(pkg, part, sheet, [Note(r, c, _comment_text(ps)) for (r, c), ps in sorted(cells.items())])
        pkg.parts[part] = sheet.to_bytes()
    except NotSpliceable:
        return None
    return printed


def _print_only(pkg: Package, part: str) -> bool:
    """The print set-up of a sheet with nothing to mark (spliced, else parsed whole): whether it was
    given.  A part that cannot take it is left as it is (it has nothing else to change)."""
    try:
        try:
            sheet = SheetSplice(pkg.parts[part], part)
            if not sheet.print_setup():
                return False
            pkg.parts[part] = sheet.to_bytes()
            return True
        except NotSpliceable:
            root = pkg.xml(part)
            if not set_print(root):
                return False
            pkg.put_xml(part, root)
            return True
    except ANNOTATION_ERRORS as exc:
        log.warning("%s: 印刷の設定を付けられません（%s）", part, exc)
        return False


SHARED_STRINGS = "xl/sharedStrings.xml"
# a text node that may hold more than an Excel cell does: at least that many bytes without a '<'
_LONG_TEXT = re.compile(rb"(<t(?:\s[^<>]*)?>)([^<]{%d,})(</t>)" % EXCEL_MAX_CHARS)


def cut_long_texts(pkg: Package, parts: list[str]) -> None:
    """Texts longer than an Excel cell holds (32,767 characters: a department's file can carry one
    that Excel itself never wrote) are cut in the copy, or Excel would refuse to open the return.
    Only run for a workbook whose reading reported an over-long text (text-too-long)."""
    def cut(mt: re.Match[bytes]) -> bytes:
        text = html.unescape(mt.group(2).decode("utf-8", "replace"))
        short = cut_utf16(text, EXCEL_MAX_CHARS)
        if short == text:
            return mt.group(0)
        return mt.group(1) + xml_escape(short).encode("utf-8") + mt.group(3)

    for name in parts:
        if name in pkg.parts and _LONG_TEXT.search(pkg.parts[name]):
            pkg.parts[name] = _LONG_TEXT.sub(cut, pkg.parts[name])


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
