"""Run per-file work in worker processes so a reader that aborts kills only its own file."""
from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

WORKER_MEMORY_MB = 2048
CRASHED = ("file-unreadable", "読み込み処理が異常終了しました")


def _limit_memory(memory_mb: int) -> None:
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # pragma: no cover - platform without rlimits
        pass


def _context() -> mp.context.BaseContext:
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


def map_isolated(func: Callable[..., Any], arg_tuples: list[tuple], *, workers: int = 2,
                 memory_mb: int = WORKER_MEMORY_MB) -> list[Any]:
    """func(*args) for each args in worker processes; a crashed item yields CRASHED."""
    results: list[Any] = [None] * len(arg_tuples)
    pending = list(range(len(arg_tuples)))
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=_context(),
                                 initializer=_limit_memory, initargs=(memory_mb,)) as pool:
            futures = {i: pool.submit(func, *arg_tuples[i]) for i in pending}
            for i, fut in futures.items():
                try:
                    results[i] = fut.result()
                except (BrokenProcessPool, MemoryError):
                    raise
                except Exception as exc:  # noqa: BLE001 - a reader bug fails its file only
                    results[i] = ("file-unreadable", type(exc).__name__)
                pending.remove(i)
    except BrokenProcessPool:
        pass
    except MemoryError:
        pass
    # whatever did not finish is retried alone, so one killer file only fails itself
    for i in list(pending):
        with ProcessPoolExecutor(max_workers=1, mp_context=_context(),
                                 initializer=_limit_memory, initargs=(memory_mb,)) as solo:
            try:
                results[i] = solo.submit(func, *arg_tuples[i]).result()
            except (BrokenProcessPool, MemoryError):
                results[i] = CRASHED
    return results
