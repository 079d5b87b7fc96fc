"""Run per-file work in child processes, so a reader that aborts, hangs or eats memory
fails only its own file (DESIGN §4: one unreadable workbook is one error line).

python-calamine aborts the whole process on some hostile sheets (LIBRARY-NOTES "Hostile
workbooks"); no try/except catches that.  Every child here gets an address-space limit
(RLIMIT_AS) and a wall-clock limit that the kernel enforces (SIGALRM with its default
action, which ends the process even while native code holds the GIL).

- `run_isolated(func, *args, timeout=, memory_mb=)`: one call in one fresh process.
- `map_isolated(func, arg_tuples, workers=, timeout=, memory_mb=)`: many calls in a pool
  (`imap_isolated`: the same, each result given in order as soon as it is known);
  a dead worker breaks a ProcessPoolExecutor (BrokenProcessPool) and every unfinished call
  with it, so the calls that may have been running are re-run alone in fresh processes and
  the rest go to a new pool.  The result list has, in input order, each call's value or a
  `FileRefused` for a call that died, timed out, ran out of memory or raised.
- `make_worker_initializer(memory_mb)`: the initializer for a pool of your own.  A pool
  whose worker died raises BrokenProcessPool from every pending future; such a pool cannot
  be reused: create a new one, and re-run the calls that had not returned, the first
  `max_workers + 1` of them (in submission order) one by one, since one of those killed it.

`func` and its arguments and result must be picklable (a module-level function).
"""
from __future__ import annotations

import faulthandler
import gc
import logging
import multiprocessing as mp
import signal
import queue
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, Callable, Generator, Generic, Iterator, Sequence, TypeVar

from .guard import FileRefused

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_TIMEOUT = 120.0  # seconds for one workbook
DEFAULT_MEMORY_MB = 2048  # address space a child may add to what it had when it started
GRACE = 5.0  # seconds the parent waits beyond a child's own alarm before killing it

CRASH_DETAIL = "読み込み処理が異常終了しました"
TIMEOUT_DETAIL = "読み込み処理が制限時間内に終わりませんでした"
MEMORY_DETAIL = "読み込みに必要なメモリが上限を超えました"


def crashed() -> FileRefused:
    return FileRefused("file-unreadable", CRASH_DETAIL)


# ---------------------------------------------------------------- limits inside a child
def limit_memory(memory_mb: int) -> None:
    """RLIMIT_AS = the address space in use now + memory_mb (a forked child starts with its
    parent's mappings, so an absolute figure would mean different things in different parents)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return
    extra = memory_mb * 1024 * 1024
    limit = _address_space() + extra
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):  # pragma: no cover - refused by the platform
        log.debug("RLIMIT_AS not set", exc_info=True)


def _address_space() -> int:
    try:
        with open("/proc/self/statm", "rb") as fh:
            pages = int(fh.read().split()[0])
        import resource

        return pages * resource.getpagesize()
    except (OSError, ValueError, IndexError, ImportError):
        return 0


STOP_SIGNALS = {s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)) if s is not None}


@contextmanager
def signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM held back while child processes are forked.  One arriving between fork()
    and the child's own start-up would run the parent's handler in the child (KeyboardInterrupt, the
    CLI's Terminated), and the child would carry on with the parent's code.  Held back, they reach
    the parent when the block ends and each child once it has set its own handlers (release_signals)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def release_signals() -> None:
    """In a child forked inside signals_held: let Ctrl-C and SIGTERM through again."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def _init_worker(memory_mb: int) -> None:
    gc.freeze()  # what the worker inherited (modules, the master) is never collected here: the collector
    # then leaves those pages shared with the parent instead of writing to every object's header
    gc.enable()  # the parent may have paused its collector; a worker reading hundreds of files needs it
    limit_memory(memory_mb)
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an aborting parser leaves no core file
    except (ImportError, ValueError, OSError):  # pragma: no cover
        pass
    faulthandler.disable()  # a child's abort is expected and reported by the parent, not dumped
    if hasattr(signal, "SIGALRM"):
        signal.signal(signal.SIGALRM, signal.SIG_DFL)  # an expired alarm ends the process
    release_signals()


def make_worker_initializer(memory_mb: int = DEFAULT_MEMORY_MB) -> Callable[[], None]:
    """A picklable pool initializer that limits each worker's memory (see limit_memory)."""
    return partial(_init_worker, memory_mb)


def _alarm(seconds: float) -> None:
    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.0))


def call_with_alarm(func: Callable[..., T], args: tuple, timeout: float) -> T:
    """Run func(*args) in a worker set up by make_worker_initializer: the kernel ends the
    worker when `timeout` seconds pass (the pool then breaks; see map_isolated)."""
    _alarm(timeout)
    try:
        return func(*args)
    finally:
        _alarm(0)


def context() -> mp.context.BaseContext:
    """fork on Linux (a child costs ~5 ms and needs no re-import of __main__; the memory
    limit is relative, so the parent's size does not matter), spawn elsewhere (macOS, Windows)."""
    return mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")


# ---------------------------------------------------------------- one call
def _child_main(conn: Any, func: Callable[..., Any], args: tuple, memory_mb: int, timeout: float) -> None:
    _init_worker(memory_mb)
    _alarm(timeout + GRACE / 2)  # a backstop: the parent kills at `timeout` anyway
    try:
        outcome: tuple[str, Any] = ("ok", func(*args))
    except MemoryError:
        outcome = ("raise", FileRefused("file-unreadable", MEMORY_DETAIL))
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
        outcome = ("raise", exc)
    try:
        conn.send(outcome)
    except Exception as exc:  # noqa: BLE001 - an unpicklable result or exception
        conn.send(("raise", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        conn.close()


def run_isolated(func: Callable[..., T], *args: Any, timeout: float = DEFAULT_TIMEOUT,
                 memory_mb: int = DEFAULT_MEMORY_MB, mp_context: mp.context.BaseContext | None = None) -> T:
    """func(*args) in a fresh child process with RLIMIT_AS and a wall-clock limit.

    Returns its result.  Raises FileRefused("file-unreadable", …) when the child dies
    (abort, signal, exit), runs out of memory or passes `timeout`; an exception raised by
    func is raised again here (FileRefused as is)."""
    status, payload = _run_child(func, args, timeout, memory_mb, mp_context or context())
    if status == "ok":
        return payload
    raise payload


def _run_child(func: Callable[..., Any], args: tuple, timeout: float, memory_mb: int,
               ctx: mp.context.BaseContext) -> tuple[str, Any]:
    return _Child(func, args, timeout, memory_mb, ctx).outcome()


class _Child:
    """One call in a child process, started at once; `outcome()` waits for its answer."""

    def __init__(self, func: Callable[..., Any], args: tuple, timeout: float, memory_mb: int,
                 ctx: mp.context.BaseContext) -> None:
        self.recv, send = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_child_main, args=(send, func, args, memory_mb, timeout), daemon=True)
        with signals_held():
            self.proc.start()
        send.close()
        self.deadline = time.monotonic() + timeout

    def stop(self) -> None:
        self.recv.close()
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()

    def outcome(self) -> tuple[str, Any]:
        recv, proc = self.recv, self.proc
        answered = False
        try:
            if recv.poll(max(0.0, self.deadline - time.monotonic())):
                answered = True
                try:
                    return recv.recv()
                except (EOFError, OSError):  # the child died before answering
                    return "raise", crashed()
                except Exception as exc:  # noqa: BLE001 - an answer that cannot be unpickled here
                    return "raise", RuntimeError(f"{type(exc).__name__}: {exc}")
            return "raise", FileRefused("file-unreadable", TIMEOUT_DETAIL)
        finally:
            recv.close()
            if answered:
                proc.join(GRACE)  # it answered: let it exit normally
            if proc.is_alive():
                proc.kill()
            proc.join()


class Pending(Generic[T]):
    """A call started in a child process by start_isolated; result() as run_isolated returns or raises."""

    def __init__(self, child: _Child) -> None:
        self._child = child
        self._outcome: tuple[str, Any] | None = None

    def result(self) -> T:
        if self._outcome is None:
            self._outcome = self._child.outcome()
        status, payload = self._outcome
        if status == "ok":
            return payload
        raise payload

    def close(self) -> None:
        """Stop the child if its answer was never asked for (nothing to do once result() ran)."""
        if self._outcome is None:
            self._outcome = ("raise", FileRefused("file-unreadable", "中断しました"))
            self._child.stop()


def start_isolated(func: Callable[..., T], *args: Any, timeout: float = DEFAULT_TIMEOUT,
                   memory_mb: int = DEFAULT_MEMORY_MB) -> Pending[T]:
    """run_isolated, started now and answered later: the child works while the caller goes on."""
    return Pending(_Child(func, args, timeout, memory_mb, context()))


# ---------------------------------------------------------------- many calls
_PENDING = object()
_TAKEN = object()


def map_isolated(func: Callable[..., T], arg_tuples: Sequence[tuple], *, workers: int = 2,
                 timeout: float = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB,
                 mp_context: mp.context.BaseContext | None = None) -> list[T | FileRefused]:
    """[func(*args) for args in arg_tuples], computed in a pool of `workers` processes.

    Each entry of the result is func's value, or a FileRefused when that call died (abort,
    signal), passed `timeout`, ran out of `memory_mb`, or raised (an exception other than
    FileRefused is logged as a warning and reported as file-unreadable).  A call that kills
    its worker fails alone: the calls it took down with the pool are run again.
    A call that hangs costs up to twice `timeout` (once in the pool, once alone)."""
    return list(imap_isolated(func, arg_tuples, workers=workers, timeout=timeout, memory_mb=memory_mb,
                              mp_context=mp_context))


def imap_isolated(func: Callable[..., T], arg_tuples: Sequence[tuple], *, workers: int = 2,
                  timeout: float = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB,
                  mp_context: mp.context.BaseContext | None = None) -> Iterator[T | FileRefused]:
    """map_isolated, yielding each result in input order as soon as it and all before it are
    known, so the caller works on the first results while the pool computes the others (and
    holds no result it has already been given)."""
    ctx = mp_context or context()
    results: list[Any] = [_PENDING] * len(arg_tuples)
    given = 0

    def ready() -> Iterator[Any]:
        nonlocal given
        while given < len(results) and results[given] is not _PENDING:
            value, results[given] = results[given], _TAKEN
            given += 1
            yield value

    todo = list(range(len(arg_tuples)))
    while todo:
        if len(todo) == 1 or workers <= 1:
            for i in todo:
                results[i] = _solo(func, arg_tuples[i], timeout, memory_mb, ctx)
                yield from ready()
            break
        unfinished = yield from _pool_round(func, arg_tuples, todo, results, workers, timeout, memory_mb, ctx,
                                            ready)
        if not unfinished:
            break
        # the pool broke: the calls in flight were the first unfinished ones in submission order
        suspects, todo = unfinished[: workers + 1], unfinished[workers + 1:]
        for i in suspects:
            results[i] = _solo(func, arg_tuples[i], timeout, memory_mb, ctx)
            yield from ready()
    yield from ready()


def _solo(func: Callable[..., Any], args: tuple, timeout: float, memory_mb: int,
          ctx: mp.context.BaseContext) -> Any:
    status, payload = _run_child(func, args, timeout, memory_mb, ctx)
    return payload if status == "ok" else _as_refusal(payload)


def _as_refusal(exc: BaseException) -> FileRefused:
    if isinstance(exc, FileRefused):
        return exc
    if isinstance(exc, MemoryError):
        return FileRefused("file-unreadable", MEMORY_DETAIL)
    log.warning("読み込み処理の例外: %s", exc, exc_info=exc)
    return FileRefused("file-unreadable", f"読み込み処理でエラーが発生しました（{type(exc).__name__}）")


def _pool_round(func: Callable[..., Any], arg_tuples: Sequence[tuple], todo: list[int], results: list[Any],
                workers: int, timeout: float, memory_mb: int, ctx: mp.context.BaseContext,
                ready: Callable[[], Iterator[Any]]) -> Generator[Any, None, list[int]]:
    """Run `todo` in one pool, filling `results` and yielding what `ready` gives after each
    result; return the indexes left unfinished by a break."""
    pool = ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=ctx,
                               initializer=make_worker_initializer(memory_mb))
    try:
        with signals_held():  # the pool forks its workers on the first submit
            futures: dict[Future, int] = {pool.submit(call_with_alarm, func, arg_tuples[i], timeout): i for i in todo}
        # each future reports itself when done: waiting costs O(1) per call, where wait() on the
        # pending set would cost O(pending) per call (quadratic over thousands of workbooks)
        finished: queue.SimpleQueue[Future] = queue.SimpleQueue()
        for fut in futures:
            fut.add_done_callback(finished.put)
        for _ in range(len(futures)):
            try:
                fut = finished.get(timeout=timeout + GRACE)
            except queue.Empty:  # nothing finished within a whole timeout: the alarms did not fire
                _kill_workers(pool)
                break
            try:
                results[futures[fut]] = fut.result()
            except BrokenProcessPool:
                continue  # left unfinished: re-run by the caller
            except BaseException as exc:  # noqa: BLE001 - the call's own failure
                results[futures[fut]] = _as_refusal(exc)
            yield from ready()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return [i for i in todo if results[i] is _PENDING]


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Last resort when workers outlive their alarm (private attribute; absent → nothing to do)."""
    for proc in list(getattr(pool, "_processes", {}).values() or ()):
        try:
            proc.kill()
        except (OSError, AttributeError):  # pragma: no cover
            pass
