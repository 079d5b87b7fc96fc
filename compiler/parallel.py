"""Run independent render jobs on every core: the Word draft, the workbook and the returns do
not depend on one another, and each is pure CPU work on the gathered compilation.

The main process runs the first job itself (then, like the workers, the next job nobody has taken)
while the workers run the others.  Jobs are closures over the compilation and are never pickled: the worker
processes are forked after the job list is set, so they inherit it, and only a job's index goes to
a worker and only its (small) result comes back.  An exception in a job is raised again in the
caller, so a failed render still fails the whole compile (and leaves the previous outputs, see
build.py).
Where fork is not available (macOS, Windows) or one worker is asked for, jobs run in turn here.
"""
from __future__ import annotations

import gc
import multiprocessing as mp
import signal
import sys
import time
from multiprocessing.connection import Connection, wait
from typing import Callable, Sequence, TypeVar

from .isolate import release_signals, signals_held

T = TypeVar("T")

_JOBS: Sequence[Callable[[], object]] = ()


def _run(i: int) -> tuple[object, float]:
    t0 = time.perf_counter()
    gc.disable()  # a job allocates a lot and frees it at the end: the collector has nothing to find
    result = _JOBS[i]()
    return result, time.perf_counter() - t0


def _trim_heap() -> None:
    """Give the C heap's free pages back to the system before forking (glibc keeps what the
    earlier stages freed; each worker would otherwise start with those pages mapped)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def can_fork() -> bool:
    return sys.platform.startswith("linux")


def run_jobs(jobs: Sequence[Callable[[], T]], workers: int) -> list[tuple[T, float]]:
    """[(job(), seconds)] in the order of `jobs`, computed on up to `workers` cores: this process
    runs the first job itself and up to `workers` - 1 forked processes run the others; whoever is
    free takes the next job not yet taken (one shared counter: no job waits queued behind a busy
    worker while another process is idle).  Give the longest jobs first.

    This process already holds the compilation, so doing the longest job here costs no copy of
    it, where each forked worker ends up with its own copy of every page it (or its reference
    counts) writes to."""
    global _JOBS
    if workers <= 1 or len(jobs) <= 1 or not can_fork():
        out = []
        for job in jobs:
            t0 = time.perf_counter()
            out.append((job(), time.perf_counter() - t0))
        return out
    _JOBS = jobs
    _trim_heap()
    gc.freeze()  # the forked workers then never write to the parent's objects' GC headers (fewer copied pages)
    ctx = mp.get_context("fork")
    taken = ctx.Value("i", 1)  # the next job nobody has taken; job 0 is this process's
    procs: list[mp.process.BaseProcess] = []
    conns: list[Connection] = []
    results: dict[int, tuple[object, float]] = {}
    try:
        # the workers are forked here, before this process starts on its job (so they do not copy its allocations)
        for _ in range(min(workers, len(jobs)) - 1):
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_worker, args=(taken, send), daemon=True)
            with signals_held():
                proc.start()
            send.close()
            procs.append(proc)
            conns.append(recv)
        i = 0
        while i is not None:
            results[i] = _run_here(i)
            _collect(conns, results, block=False)
            i = _take(taken, len(jobs))
        while len(results) < len(jobs):
            _collect(conns, results, block=True)
        out = [results[i] for i in range(len(jobs))]
    except BaseException:  # a job failed, Ctrl-C or SIGTERM: stop the other workers now, not after their jobs
        _stop(procs)
        raise
    finally:
        gc.unfreeze()
        _JOBS = ()
        for conn in conns:
            conn.close()
    for proc in procs:
        proc.join()
    return out  # type: ignore[return-value]


def _run_here(i: int) -> tuple[object, float]:
    """_run in this process, the collector's state restored afterwards."""
    enabled = gc.isenabled()
    try:
        return _run(i)
    finally:
        if enabled:
            gc.enable()


def _take(taken, count: int) -> int | None:  # noqa: ANN001 - a multiprocessing Value
    with taken.get_lock():
        i = taken.value
        if i >= count:
            return None
        taken.value = i + 1
    return i


def _worker(taken, conn: Connection) -> None:  # noqa: ANN001 - a multiprocessing Value
    """A forked worker: the next job not yet taken, until none is left; each result (or the exception
    that ended the job, with the exceptions it was raised from or during) goes back through `conn`."""
    _quiet_worker()
    release_signals()
    while (i := _take(taken, len(_JOBS))) is not None:
        try:
            conn.send((i, True, _run(i)))
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the main process
            conn.send((i, False, _picklable_chain(exc)))
            break
    conn.close()


def _collect(conns: list[Connection], results: dict[int, tuple[object, float]], *, block: bool) -> None:
    """Results the workers sent (waiting for one when `block`); a job's exception is raised here."""
    if block and not conns:  # results are missing and no worker is left to send them
        raise RuntimeError("出力を書く作業プロセスが異常終了しました（メモリ不足で停止された可能性があります）。")
    for conn in wait(conns, timeout=None if block else 0):
        try:
            i, ok, payload = conn.recv()
        except EOFError:  # this worker is gone: it finished, or died
            conns.remove(conn)
            continue
        if not ok:
            raise _rebuilt_chain(payload)
        results[i] = payload


def _picklable_chain(exc: BaseException) -> list[BaseException]:
    """`exc` and the exceptions it was raised from or during (pickling keeps neither link), each as
    itself when it pickles, else as a RuntimeError naming it; `exc` carries its traceback as a note."""
    import pickle
    import traceback

    chain: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and len(chain) < 10:
        chain.append(e)
        e = e.__cause__ or e.__context__
    out = []
    for n, e in enumerate(chain):
        if n == 0:
            e.add_note("".join(traceback.format_exception(e)).rstrip())
        try:
            pickle.dumps(e)
            out.append(e)
        except Exception:  # noqa: BLE001 - an exception that does not pickle
            out.append(RuntimeError(f"{type(e).__name__}: {e}"))
    return out


def _rebuilt_chain(chain: list[BaseException]) -> BaseException:
    for e, cause in zip(chain, chain[1:]):
        e.__cause__ = cause
    return chain[0]


def _quiet_worker() -> None:
    """A worker leaves Ctrl-C to the main process (which stops the workers), so none prints a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _stop(procs: list[mp.process.BaseProcess]) -> None:
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=5)
