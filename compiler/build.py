"""The orchestrator: gather all data first (read → validate → identify → merge → candidates),
then render every output into a temporary folder and move them into place together.
"""
from __future__ import annotations

import gc
import importlib
import logging
import os
import time
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator, TypeVar

from . import read, validate as validate_stage
from .budget import BUDGET_FILE, BudgetRead, start_budget_read
from .decisions import DECISION_FILE, load_decisions
from .master import MASTER_FILE, load_master
from .isolate import start_isolated
from .models import Candidate, Compilation, Master, Project
from .outputs import OutputError, has_outputs, os_cause, recover, remove_stale_staging, staging, swap_into_place
from .problems import Report
from .validate import Validated

# the stages after the read (pandas, rapidfuzz, lxml among their imports; openpyxl for 重複判定.xlsx) are
# imported while the workers read the workbooks: importing them before would keep a core idle (see _waiting)
LATER_STAGES = ("openpyxl", "compiler.identify", "compiler.merge", "compiler.candidates", "compiler.frames", "compiler.returns")

log = logging.getLogger(__name__)
T = TypeVar("T")

CROSSREF_FILE = "クロスリファレンス.xlsx"
DRAFT_FILE = "実施計画（案）.docx"
REPORT_FILE = "効果検証報告書（案）.docx"
PUBLIC_FILE = "実施計画（公表版）.docx"
OPEN_DATA_DIR = "公開データ"
RETURNS_DIR = "返送"
OUTPUT_NAMES = (CROSSREF_FILE, DRAFT_FILE, PUBLIC_FILE, REPORT_FILE, RETURNS_DIR, OPEN_DATA_DIR)


class AccountingError(AssertionError):
    """Rows read ≠ rows merged + rows excluded: a row was lost, which must never happen."""


STAGE_LABELS = {"read": "読み込み・検証", "identify": "事業の統合", "candidates": "重複候補の抽出", "previous": "前年度比較",
                "budget": "予算との対照", "frames": "集計の表"}


@contextmanager
def _stage(timings: dict[str, float], name: str, quiet: bool = False) -> Iterator[None]:
    if not quiet:
        log.info("%s …", STAGE_LABELS.get(name, name))
    t0 = time.perf_counter()
    with _gc_paused():
        yield
    timings[name] = timings.get(name, 0.0) + time.perf_counter() - t0


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a cycle is gathered (and, in build(), rendered).
    The stages allocate millions of small objects that all stay alive (rows, projects, cells), so
    the collector's passes find nothing to free yet cost a third of validate and half of identify
    at 150,000 rows (they grow with the heap: the stages turn superlinear), and 0.4 s at M between
    the stages.  Reference counting still frees everything as usual (in the read workers, see
    isolate._init_worker; the render jobs, parallel.run_jobs)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _import_later_stages() -> None:
    for name in LATER_STAGES:
        importlib.import_module(name)


def _waiting(items: Iterable[T], clock: list[float], total: int,
             first: Callable[[], None] = lambda: None) -> Iterator[T]:
    """The items of `items`, adding to clock[0] the time spent waiting for each, and telling
    the progress every tenth of `total` (shown on a terminal only, see cli._setup_logging).
    `first()` runs once the first item is in (the workers are then busy with the next ones)."""
    it = iter(items)
    step = max(1, total // 10)
    done = 0
    while True:
        t0 = time.perf_counter()
        try:
            item = next(it)
        except StopIteration:
            clock[0] += time.perf_counter() - t0
            return
        clock[0] += time.perf_counter() - t0
        done += 1
        if done == 1:
            first()
        if done % step == 0 and done < total:
            log.info("  ブックを読み込み中 %d / %d", done, total)
        yield item


def _project_sort_key(master) -> Callable[[Project], tuple]:
    order = {code: i for i, code in enumerate(master.measures)}
    return lambda p: (order.get(p.measure_code, len(order)) if p.in_plan else len(order) + 1,
                      p.direction_code, p.dept if not p.in_plan else "", p.project_id)


def compile_cycle(cycle_dir: Path, *, previous: Path | None = None, workers: int | None = None) -> Compilation:
    """Read and merge one cycle; no file is written."""
    with _gc_paused():
        return _gather(Path(cycle_dir), previous, workers)


def _gather(cycle_dir: Path, previous: Path | None, workers: int | None) -> Compilation:
    timings: dict[str, float] = {}
    report = Report()
    master, checked, refused = _read(cycle_dir, workers, timings, report)
    budget_read = start_budget_read(cycle_dir / BUDGET_FILE, master.budget_settings)  # read while the rows are merged
    try:
        return _merge(cycle_dir, previous, master, checked, len(refused), report, timings, budget_read)
    finally:
        budget_read.close()  # its child is stopped when the compile failed before taking its answer


def _read(cycle_dir: Path, workers: int | None, timings: dict[str, float],
          report: Report) -> tuple[Master, Validated, list[tuple[Path, str, str]]]:
    """The read stage: (master, validated rows, entries of 提出/ refused by name)."""
    # read and validate overlap: each workbook is validated here while the workers read the next ones
    waited = [0.0]
    with _stage(timings, "read"):
        master = load_master(cycle_dir / MASTER_FILE)
        report.extend(master.ledger.problems)  # a bad 個別計画 row is a warning, never fatal
        paths, refused = read.discover(cycle_dir / "提出")
        for path, code, detail in refused:
            report.add(code, file=path.name, detail=detail)
        books = _waiting(read.read_each(paths, master, workers=workers), waited, len(paths), _import_later_stages)
        t0 = time.perf_counter()
        checked = validate_stage.validate(books, master, report)
        _warn_same_dept(checked.files, checked.rows, report)
        timings["validate"] = time.perf_counter() - t0 - waited[0]  # within read
        log.info("%d 件のブックを読み込みました", len(paths))
    return master, checked, refused


def _merge(cycle_dir: Path, previous: Path | None, master: Master, checked: Validated, refused: int,
           report: Report, timings: dict[str, float], budget_read: BudgetRead) -> Compilation:
    """The stages after the read: identify and merge, candidates, frames, 前年度比較, 進行管理, 予算との対照."""
    from .candidates import find_candidates  # imported during the read already (LATER_STAGES)
    from .identify import SHEET_ORDER, group_rows
    from .merge import build_project, dedupe_generated_ids, merge_log

    with _stage(timings, "identify"):
        decisions = load_decisions(cycle_dir / DECISION_FILE, report)
        groups = group_rows(checked.rows, decisions, report)
        problem_index = _problems_by_row(report)
        projects = [build_project(g, master, report, problem_index) for g in groups]
        dedupe_generated_ids(projects)
        log_entries = [e for g, p in zip(groups, projects) for e in merge_log(g, p)]
        projects.sort(key=_project_sort_key(master))
        log_entries.sort(key=lambda e: (e.origin.file, SHEET_ORDER.get(e.origin.sheet, 9), e.origin.row))
    with _stage(timings, "candidates"):  # started here (scored while the frames are built), waited for below
        candidates = _CandidatesLater(find_candidates, projects, decisions)
    comp = Compilation(
        master=master, files=checked.files, rows_read=checked.rows_read, rows_excluded=len(checked.excluded),
        projects=projects, measure_kpis=checked.kpis, merge_log=log_entries, candidates=[],
        problems=report.sorted(), excluded_rows=sorted(checked.excluded),
        timings=timings, kpi_rows_read=checked.kpi_rows_read, kpi_rows_excluded=len(checked.kpi_excluded),
        entries_refused=refused,
        decisions=decisions,
    )
    try:
        return _complete(comp, previous, budget_read, candidates)
    finally:
        candidates.close()


def _complete(comp: Compilation, previous: Path | None, budget_read: BudgetRead,
              candidates: _CandidatesLater) -> Compilation:
    """The frames and the checks on them, once the projects are merged.

    Each check's problems are appended as found and sorted once at the end: the sort is stable, so this
    is the order that sorting after every check gave (the checks in between read no problem's order)."""
    from .frames import compare_budget, compile_frames, evaluate as evaluate_frames, plan_checks, tables as frame_tables
    from .returns import check_returns

    timings = comp.timings
    with _stage(timings, "frames"):
        comp.frames = compile_frames(comp)
        check_accounting(comp)
        comp.problems = comp.problems + plan_checks(comp.frames, comp)
    with _stage(timings, "candidates", quiet=True):  # the time waited for them
        comp.candidates = candidates.result()
        comp.frames.candidates = frame_tables.candidates_frame(comp.candidates)
    if previous is not None:
        from .rolling import compare_with_previous, comparison_frame

        with _stage(timings, "previous"):
            comp.previous = compare_with_previous(comp, Path(previous))
            comp.frames.comparison = comparison_frame(comp.previous)
            comp.problems = comp.problems + comp.previous.problems
    planned = comp.previous.planned if comp.previous is not None else None
    with _stage(timings, "frames", quiet=True):  # the 進行管理 frames, after the 前年度比較 they use
        comp.problems = comp.problems + evaluate_frames(comp.frames, comp, planned)
    with _stage(timings, "budget"):
        budget_report = Report()
        comp.budget = budget_read.finish(budget_report)
        found = compare_budget(comp.frames, comp)
        comp.problems = comp.problems + budget_report.problems + found
    # which returns can be written is decided before anything is rendered (see returns.check_returns)
    comp.problems = sorted(comp.problems + check_returns(comp), key=lambda p: p.sort_key())
    comp.frames.problems = frame_tables.problems_frame(comp.problems)
    return comp


CANDIDATES_CHILD_MIN = 2000  # projects from which the candidates are scored in a child process
CANDIDATES_TIMEOUT_S = 600.0


class _CandidatesLater:
    """find(projects, decisions), computed in a forked child (it shares the projects; only the pairs come
    back) while this process builds the frames on the other core; computed here when there is no fork,
    few projects, or the child fails (the same pairs either way)."""

    def __init__(self, find: Callable[[list[Project], list], list[Candidate]], projects: list[Project],
                 decisions: list) -> None:
        from .parallel import can_fork

        self.find, self.args = find, (projects, decisions)
        self.found: list[Candidate] | None = None
        self.pending = None
        if can_fork() and len(projects) >= CANDIDATES_CHILD_MIN:
            self.pending = start_isolated(find, projects, decisions, timeout=CANDIDATES_TIMEOUT_S)
        else:
            self.found = find(projects, decisions)

    def result(self) -> list[Candidate]:
        if self.found is None:
            try:
                self.found = self.pending.result()
            except Exception:  # noqa: BLE001 - a child that died or ran out of time: score them here
                log.debug("重複候補の子プロセスが失敗したため、本体で計算します", exc_info=True)
                self.found = self.find(*self.args)
        return self.found

    def close(self) -> None:
        """Stop the child when the compile failed before taking its answer."""
        if self.pending is not None:
            self.pending.close()


def _problems_by_row(report: Report) -> dict:
    from .models import Origin

    index: dict = {}
    for p in report.problems:
        digits = "".join(ch for ch in p.cell if ch.isdigit())
        if p.file and p.sheet and digits:
            index.setdefault(Origin(p.file, p.sheet, int(digits)), []).append(p)
    return index


def _warn_same_dept(files, rows, report: Report) -> None:
    """A file "belongs" to the 課 most of its rows name; two files of one 課 get a warning."""
    counts: dict[str, dict[str, int]] = {}
    for r in rows:
        per = counts.setdefault(r.origin.file, {})
        per[str(r.get("dept"))] = per.get(str(r.get("dept")), 0) + 1
    owner: dict[str, str] = {}
    for f in sorted(counts):
        owner[f] = max(sorted(counts[f]), key=lambda d: counts[f][d])
    by_owner: dict[str, list[str]] = {}
    for f, d in owner.items():
        by_owner.setdefault(d, []).append(f)
    for d, fs in sorted(by_owner.items()):
        if len(fs) > 1:
            for f in fs[1:]:
                report.add("file-same-dept", file=f, detail=f"{d}: {'・'.join(fs)}")


def check_accounting(comp: Compilation) -> None:
    logged = len(comp.merge_log)
    if comp.rows_read != logged + comp.rows_excluded:
        raise AccountingError(f"行の集計が合いません: 読込 {comp.rows_read} ≠ 統合ログ {logged} + 除外 {comp.rows_excluded}")


RETURN_JOBS = 8  # the returns are split into this many jobs, so they fill whichever core is free


def _write_crossref(comp: Compilation, path: Path) -> list[Path]:
    from .render_xlsx import write_crossref

    write_crossref(comp, path)
    return [path]


def _write_drafts(comp: Compilation, draft: Path, public: Path) -> list[Path]:
    """The draft and its 公表版 in one job: written in one pass, they share most of the work."""
    from .render_docx import write_editions

    write_editions(comp, draft, public)
    return [draft, public]


def _write_open_data(comp: Compilation, path: Path) -> list[Path]:
    from .opendata import write_open_data

    return write_open_data(comp, path)


def _write_report(comp: Compilation, path: Path) -> list[Path]:
    from .docx.report import write_report

    write_report(comp, path)
    return [path]


def render(comp: Compilation, out_dir: Path, workers: int | None = None) -> list[Path]:
    """Write every output of a compilation into out_dir (a fresh folder), the independent
    writers in parallel on every core, the longest first; `comp.timings` gets each writer's
    own time and the wall time of them all ("render")."""
    from .parallel import run_jobs
    from .returns import returnable, write_returns

    names = [f.name for f in returnable(comp)]
    chunks = [set(names[i::RETURN_JOBS]) for i in range(min(RETURN_JOBS, len(names)))]
    jobs: list[tuple[str, Callable[[], list[Path]]]] = [
        ("xlsx", partial(_write_crossref, comp, out_dir / CROSSREF_FILE)),
        ("docx", partial(_write_drafts, comp, out_dir / DRAFT_FILE, out_dir / PUBLIC_FILE)),  # with the 公表版
        *((("report", partial(_write_report, comp, out_dir / REPORT_FILE)),) if comp.frames.surveyed else ()),
        *(("returns", partial(write_returns, comp, out_dir / RETURNS_DIR, only=chunk)) for chunk in chunks),
        ("opendata", partial(_write_open_data, comp, out_dir / OPEN_DATA_DIR)),
    ]
    log.info("出力（クロスリファレンス・実施計画（案）・公表版%s・返送・公開データ）…",
             "・効果検証報告書（案）" if comp.frames.surveyed else "")
    t0 = time.perf_counter()
    results = run_jobs([job for _, job in jobs], workers or os.cpu_count() or 1)
    paths: list[Path] = []
    for (stage, _), (made, seconds) in zip(jobs, results):
        comp.timings[stage] = comp.timings.get(stage, 0.0) + seconds
        paths += made
    comp.timings["render"] = time.perf_counter() - t0
    return paths


def default_output_dir(comp: Compilation) -> Path:
    """output/<first year of the plan> (e.g. output/R7), where `make compile` writes."""
    return Path("output") / comp.master.first_year


def build(cycle_dir: Path, output_dir: Path | None = None, *, previous: Path | None = None,
          workers: int | None = None) -> Compilation:
    """Compile a cycle and replace the outputs in output_dir (by default `default_output_dir`) atomically.

    Everything is rendered into a staging folder beside the outputs; only when all outputs exist are
    they swapped in together (compiler/outputs.py).  A failure leaves the previous outputs untouched;
    a write that fails for the file system raises OutputError.
    """
    with _gc_paused():
        return _build(Path(cycle_dir), output_dir, previous, workers)


def _build(cycle_dir: Path, output_dir: Path | None, previous: Path | None, workers: int | None) -> Compilation:
    comp = compile_cycle(cycle_dir, previous=previous, workers=workers)
    output_dir = Path(output_dir) if output_dir is not None else default_output_dir(comp)
    output_dir.mkdir(parents=True, exist_ok=True)
    recover(output_dir)
    remove_stale_staging(output_dir)
    kept = has_outputs(output_dir, OUTPUT_NAMES)
    try:
        with staging(output_dir) as stage:
            render(comp, stage, workers)
            # outputs this run does not write must not stay behind from an earlier one: returns when no workbook
            # has problems now, the 効果検証報告書 when the survey brought no results back
            stale = [name for name in (RETURNS_DIR, REPORT_FILE) if not (stage / name).exists()]
            swap_into_place(stage, output_dir, stale)
    except Exception as exc:
        cause = os_cause(exc)
        if cause is None:
            raise
        raise OutputError(cause, kept) from exc
    return comp
