"""The orchestrator: byte-identical outputs, atomic replacement, row accounting asserted every run."""
import gc
import hashlib
import os
import time
from pathlib import Path

import pytest

from compiler import build as build_mod
from compiler.build import AccountingError, build, check_accounting, compile_cycle
from compiler.parallel import can_fork, run_jobs

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample-city" / "R7"


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def first_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    build(SAMPLE, out)
    return out


def test_same_inputs_give_byte_identical_outputs(first_build, tmp_path):
    build(SAMPLE, tmp_path)
    a, b = digests(first_build), digests(tmp_path)
    assert a == b
    assert {"クロスリファレンス.xlsx", "実施計画（案）.docx", "効果検証報告書（案）.docx"} <= set(a)
    # 0202 and 0301 for their 関連個別計画, 0602_観光プロモーション課 for its 予算事務事業 of another 課
    assert sum(1 for k in a if k.startswith("返送/")) == 13


def test_failed_writer_leaves_previous_outputs(first_build, monkeypatch):
    before = digests(first_build)

    def broken(comp, path, *more):
        Path(path).write_bytes(b"half written")
        raise RuntimeError("disk full")

    monkeypatch.setattr("compiler.render_docx.write_editions", broken)
    with pytest.raises(RuntimeError):
        build(SAMPLE, first_build)
    assert digests(first_build) == before
    assert not [p for p in first_build.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_output_held_open_leaves_every_previous_output(first_build, tmp_path, monkeypatch, capsys):
    """On Windows, Excel holds an open workbook locked: renaming it fails.  The compile must stop with
    a message, the outputs already set aside must come back, and no output be half replaced."""
    import shutil

    from compiler.cli import main

    out = tmp_path / "out"
    shutil.copytree(first_build, out)
    before = digests(out)
    real_replace = build_mod.os.replace

    def locked(src, dst):
        if out / "実施計画（案）.docx" in (Path(src), Path(dst)):  # neither renamed nor replaced while open
            raise PermissionError(13, "別のプロセスが使用中です", str(src))
        return real_replace(src, dst)

    monkeypatch.setattr(build_mod.os, "replace", locked)
    assert main(["compile", str(SAMPLE), "--output", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ファイルを書き込めません: {out / '実施計画（案）.docx'}（別のプロセスが使用中です）")
    assert "Excel などで開いたままにしていないか" in err and "以前の出力はそのまま残っています" in err
    assert digests(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_the_collector_stays_off_while_a_cycle_is_gathered(monkeypatch):
    """The cyclic collector is off between the stages too (its passes over objects that all stay alive
    cost time at every stage and between them), and on again afterwards."""
    import compiler.build as build_module

    between = []
    start = build_module.start_budget_read  # called between the read and identify stages

    def recording(path, settings):
        between.append(gc.isenabled())
        return start(path, settings)

    monkeypatch.setattr(build_module, "start_budget_read", recording)
    assert gc.isenabled()
    comp = compile_cycle(SAMPLE)
    assert comp.projects and between == [False]
    assert gc.isenabled()


def test_accounting_is_checked(first_build):
    comp = compile_cycle(SAMPLE)
    comp.rows_excluded += 1
    with pytest.raises(AccountingError):
        check_accounting(comp)


# ---- run_jobs: the main process does the first (longest) job, forked workers the others

forking = pytest.mark.skipif(not can_fork(), reason="no fork here: the jobs run in turn")


def _pid_and_gc() -> tuple[int, bool]:
    return os.getpid(), gc.isenabled()


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + 30
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)


@forking
def test_run_jobs_runs_the_first_job_here_and_forks_one_worker_fewer(tmp_path):
    import multiprocessing as mp

    started, counted = tmp_path / "started", tmp_path / "counted"
    forked = []

    def first():
        _wait_for(started)  # a worker is busy with job 1
        forked.append(len(mp.active_children()))
        counted.touch()
        return _pid_and_gc()

    def second():
        started.touch()
        _wait_for(counted)
        return _pid_and_gc()

    assert gc.isenabled()
    out = run_jobs([first, second, _pid_and_gc, _pid_and_gc], workers=2)
    pids = [pid for (pid, _), _ in out]
    assert pids[0] == os.getpid() != pids[1]  # job 0 ran in this process, job 1 in a worker ...
    assert forked == [1] and len(set(pids) - {os.getpid()}) == 1  # ... and 2 cores meant 1 worker
    assert [enabled for (_, enabled), _ in out] == [False] * 4  # every job runs with the collector off
    assert all(seconds >= 0 for _, seconds in out)
    assert gc.isenabled() and gc.get_freeze_count() == 0  # and the collector is back as it was
    # one worker asked for, or one job: all in turn here, nothing forked
    assert [pid for (pid, _), _ in run_jobs([_pid_and_gc] * 3, workers=1)] == [os.getpid()] * 3
    assert [pid for (pid, _), _ in run_jobs([_pid_and_gc], workers=4)] == [os.getpid()]


@forking
def test_run_jobs_main_process_takes_the_jobs_no_worker_has_started(tmp_path):
    started, last_done = tmp_path / "started", tmp_path / "last"

    def first():
        _wait_for(started)
        return os.getpid()

    def blocked():  # the one worker is held here until the last job has run elsewhere
        started.touch()
        _wait_for(last_done)
        return os.getpid()

    def last():
        last_done.touch()
        return os.getpid()

    t0 = time.monotonic()
    pids = [pid for pid, _ in run_jobs([first, blocked, os.getpid, os.getpid, last], workers=2)]
    assert pids[0] == pids[4] == os.getpid() != pids[1]
    assert time.monotonic() - t0 < 20


@forking
def test_run_jobs_leaves_no_job_queued_behind_a_busy_worker(tmp_path):
    """While the one worker is held by a long job, this process takes every job after it, the very next
    one included (a pool that hands a worker its next job in advance would leave that one waiting)."""
    started, rest_done = tmp_path / "started", tmp_path / "rest"

    def long():
        started.touch()
        _wait_for(rest_done)
        return os.getpid()

    def first():
        _wait_for(started)
        return os.getpid()

    def last():
        rest_done.touch()
        return os.getpid()

    t0 = time.monotonic()
    pids = [pid for pid, _ in run_jobs([first, long, os.getpid, os.getpid, last], workers=2)]
    assert pids[1] != os.getpid()
    assert pids[0] == pids[2] == pids[3] == pids[4] == os.getpid()
    assert time.monotonic() - t0 < 20


@forking
def test_a_worker_failure_keeps_the_os_error_it_came_from(tmp_path):
    """A library's own exception raised from an OSError in a worker comes back with that cause (what
    outputs.os_cause looks for to say 「ファイルを書き込めません」)."""
    from compiler.outputs import os_cause

    raised = tmp_path / "raised"

    def first():
        _wait_for(raised)  # job 1 runs in the worker
        return 1

    def full_disk():
        raised.touch()
        try:
            raise OSError(28, "No space left on device")
        except OSError as exc:
            raise Wrapped("書けません") from exc

    with pytest.raises(Wrapped) as info:
        run_jobs([first, full_disk], workers=2)
    cause = os_cause(info.value)
    assert isinstance(cause, OSError) and cause.errno == 28
    assert "full_disk" in "".join(getattr(info.value, "__notes__", []))  # the worker's traceback comes along


def _signals_in_job() -> tuple[bool, list[int]]:
    import signal

    blocked = [int(x) for x in signal.pthread_sigmask(signal.SIG_BLOCK, []) if x in (signal.SIGINT, signal.SIGTERM)]
    return signal.getsignal(signal.SIGINT) == signal.SIG_IGN, blocked


@forking
def test_a_render_worker_ignores_ctrl_c_and_is_forked_with_it_held_back(tmp_path):
    """The worker leaves Ctrl-C to the main process and was forked with Ctrl-C/SIGTERM held back (see
    isolate.signals_held), which it lets through once its own handlers are set."""
    started = tmp_path / "started"

    def first():
        _wait_for(started)
        return None, []

    def second():
        started.touch()
        return _signals_in_job()

    out = run_jobs([first, second], workers=2)
    assert out[1][0] == (True, [])


class Wrapped(Exception):
    """A library's own exception (module level: it pickles)."""


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@forking
@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_a_failure_in_the_main_process_job_stops_the_workers(tmp_path, error):
    started = tmp_path / "worker.pid"

    def first():  # fails once the worker is busy with its job
        _wait_for(started)
        raise error("job 0")

    def long():
        started.write_text(str(os.getpid()))
        time.sleep(60)

    t0 = time.monotonic()
    with pytest.raises(error, match="job 0"):
        run_jobs([first, long, long], workers=2)
    assert time.monotonic() - t0 < 20  # the worker was stopped, not waited for
    pid = int(started.read_text())
    assert pid != os.getpid() and _gone(pid)
    assert gc.isenabled() and gc.get_freeze_count() == 0


@forking
def test_a_failure_in_a_worker_job_is_raised_here_and_stops_the_other_workers(tmp_path):
    started = tmp_path / "worker.pid"

    def long():
        started.write_text(str(os.getpid()))
        time.sleep(60)

    def broken():
        _wait_for(started)
        raise ValueError("worker job")

    t0 = time.monotonic()
    with pytest.raises(ValueError, match="worker job"):
        run_jobs([lambda: _wait_for(started), broken, long], workers=3)
    assert time.monotonic() - t0 < 20
    assert _gone(int(started.read_text()))


@forking
def test_candidates_scored_in_a_child_are_the_ones_scored_here(monkeypatch):
    """From CANDIDATES_CHILD_MIN projects the candidates are scored in a forked child while the frames are
    built; the pairs (and their frame) are the same, and a child that fails is replaced by scoring here."""
    import compiler.build as build_module

    here = compile_cycle(SAMPLE)
    assert here.candidates
    monkeypatch.setattr(build_module, "CANDIDATES_CHILD_MIN", 0)
    started = []
    real_start = build_module.start_isolated

    def counting(*args, **kwargs):
        started.append(args[0].__name__)
        return real_start(*args, **kwargs)

    monkeypatch.setattr(build_module, "start_isolated", counting)
    child = compile_cycle(SAMPLE)
    assert started == ["find_candidates"]
    assert child.candidates == here.candidates
    assert child.frames.candidates.equals(here.frames.candidates)

    def dying(*args, **kwargs):
        return real_start(os.abort, timeout=10)

    monkeypatch.setattr(build_module, "start_isolated", dying)
    assert compile_cycle(SAMPLE).candidates == here.candidates
