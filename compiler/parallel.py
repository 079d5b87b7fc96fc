"""Run independent render jobs on every core: the Word draft, the workbook and the returns do
not depend on one another, and each is pure CPU work on the gathered compilation.

The main process runs the first job itself (then any job no worker has started yet) while the
workers run the others.  Jobs are closures over the compilation and are never pickled: the worker
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
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Sequence, TypeVar

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
    free takes the next job not yet started.  Give the longest jobs first.

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
    pool = ProcessPoolExecutor(min(workers, len(jobs)) - 1, mp_context=mp.get_context("fork"), initializer=_quiet_worker)
    try:
        # the workers are forked here, before this process starts on its job (so they do not copy its allocations)
        futures = {i: pool.submit(_run, i) for i in range(1, len(jobs))}
        here = {0: _run_here(0)}
        for i, future in futures.items():  # then, like a free worker, the next jobs that no worker has started
            if future.cancel():
                here[i] = _run_here(i)
        out = [here[i] if i in here else futures[i].result() for i in range(len(jobs))]  # type: ignore[misc]
    except BaseException:  # a job failed, Ctrl-C or SIGTERM: stop the other workers now, not after their jobs
        _stop(pool)
        raise
    finally:
        gc.unfreeze()
        _JOBS = ()
    pool.shutdown()
    return out


def _run_here(i: int) -> tuple[object, float]:
    """_run in this process, the collector's state restored afterwards."""
    enabled = gc.isenabled()
    try:
        return _run(i)
    finally:
        if enabled:
            gc.enable()


def _quiet_worker() -> None:
    """A worker leaves Ctrl-C to the main process (which stops the workers), so none prints a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _stop(pool: ProcessPoolExecutor) -> None:
    processes = list(getattr(pool, "_processes", {}).values())  # the executor has no public way to kill them
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        if p.is_alive():
            p.terminate()
    for p in processes:
        p.join(timeout=5)
