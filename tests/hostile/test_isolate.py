"""compiler.isolate: a child that aborts, hangs, eats memory or raises fails only itself.

The A1/XFD1048576 workbook aborts python-calamine (LIBRARY-NOTES "Hostile workbooks"): it is
parsed here only inside an isolated child, never in the test process.
"""
from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from compiler.guard import FileRefused
from compiler.isolate import (CRASH_DETAIL, MEMORY_DETAIL, TIMEOUT_DETAIL, context, make_worker_initializer,
                              map_isolated, run_isolated, start_isolated)
from tests.hostile import corpus

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX process limits")


# ---------------------------------------------------------------- children (module level: picklable)
def echo(x: object) -> object:
    return x


def abort_now() -> None:
    os.abort()


def hang() -> None:
    time.sleep(60)


def eat_memory() -> int:
    return len(bytearray(8 * 1024**3))  # 8 GB, beyond the limit below


def raise_value_error() -> None:
    raise ValueError("壊れた値")


def refuse() -> None:
    raise FileRefused("file-xls", "旧形式（.xls）")


def address_space_limit() -> int:
    import resource

    return resource.getrlimit(resource.RLIMIT_AS)[0]


def job(kind: str, n: int) -> object:
    return {"abort": abort_now, "hang": hang, "memory": eat_memory, "error": raise_value_error,
            "refuse": refuse}.get(kind, lambda: n * 10)()


def calamine_dimensions(path: Path) -> tuple:
    """Parse a workbook with python-calamine and nothing else (no preflight)."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    sheet = wb.get_sheet_by_name(wb.sheet_names[0])
    return (sheet.height, sheet.width, len(sheet.to_python()))


# ---------------------------------------------------------------- run_isolated
def test_run_isolated_returns_the_result() -> None:
    assert run_isolated(echo, {"事業": 1}, timeout=10, memory_mb=256) == {"事業": 1}


def test_a_child_that_aborts_fails_alone() -> None:
    with pytest.raises(FileRefused) as info:
        run_isolated(abort_now, timeout=10, memory_mb=256)
    assert (info.value.code, info.value.detail) == ("file-unreadable", CRASH_DETAIL)
    assert run_isolated(echo, 1, timeout=10, memory_mb=256) == 1  # and we are still here


def test_a_child_that_hangs_is_stopped() -> None:
    t0 = time.perf_counter()
    with pytest.raises(FileRefused) as info:
        run_isolated(hang, timeout=0.5, memory_mb=256)
    assert info.value.detail == TIMEOUT_DETAIL
    assert time.perf_counter() - t0 < 3


def test_a_child_out_of_memory_is_refused() -> None:
    with pytest.raises(FileRefused) as info:
        run_isolated(eat_memory, timeout=10, memory_mb=512)
    assert info.value.detail == MEMORY_DETAIL


def test_exceptions_come_back() -> None:
    with pytest.raises(ValueError, match="壊れた値"):
        run_isolated(raise_value_error, timeout=10, memory_mb=256)
    with pytest.raises(FileRefused) as info:
        run_isolated(refuse, timeout=10, memory_mb=256)
    assert info.value.code == "file-xls"


def write_then_echo(path: Path, x: object) -> object:
    path.write_text("started", encoding="utf-8")
    return x


def test_a_started_child_works_while_the_caller_goes_on(tmp_path: Path) -> None:
    mark = tmp_path / "mark"
    pending = start_isolated(write_then_echo, mark, [1, "1-3"], timeout=10, memory_mb=256)
    deadline = time.monotonic() + 10
    while not mark.exists() and time.monotonic() < deadline:  # the child runs before result() is asked for
        time.sleep(0.01)
    assert mark.read_text(encoding="utf-8") == "started"
    assert pending.result() == [1, "1-3"]
    assert pending.result() == [1, "1-3"]  # asked again: the same answer, no second child


def test_a_started_child_fails_at_result() -> None:
    refused = start_isolated(abort_now, timeout=10, memory_mb=256)
    raising = start_isolated(raise_value_error, timeout=10, memory_mb=256)
    hanging = start_isolated(hang, timeout=0.5, memory_mb=256)
    with pytest.raises(FileRefused) as info:
        refused.result()
    assert info.value.detail == CRASH_DETAIL
    with pytest.raises(ValueError, match="壊れた値"):
        raising.result()
    with pytest.raises(FileRefused) as info:
        hanging.result()
    assert info.value.detail == TIMEOUT_DETAIL


# ---------------------------------------------------------------- the aborting workbook
@pytest.fixture(scope="module")
def far_cell_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("far")
    return d / corpus.far_cell(d).file


def test_calamine_on_the_far_cell_workbook_dies_only_in_its_child(far_cell_book: Path) -> None:
    with pytest.raises(FileRefused) as info:
        run_isolated(calamine_dimensions, far_cell_book, timeout=30, memory_mb=1024)
    assert info.value.code == "file-unreadable"


def test_the_reader_refuses_it_before_parsing(far_cell_book: Path) -> None:
    from compiler.read import read_workbook

    book = run_isolated(read_workbook, far_cell_book, ("R7", "R8", "R9"), timeout=30, memory_mb=1024)
    assert book.refused == ("file-too-large", "シート「総合計画」の範囲 A1:XFD1048576")


# ---------------------------------------------------------------- map_isolated
def test_map_isolated_keeps_order_and_fails_only_the_killers() -> None:
    kinds = ["ok", "ok", "abort", "ok", "hang", "memory", "ok", "error", "refuse", "ok", "ok", "abort", "ok"]
    t0 = time.perf_counter()
    out = map_isolated(job, [(k, i) for i, k in enumerate(kinds)], workers=2, timeout=1.0, memory_mb=512)
    elapsed = time.perf_counter() - t0
    for i, (k, r) in enumerate(zip(kinds, out)):
        if k == "ok":
            assert r == i * 10
        else:
            assert isinstance(r, FileRefused), (k, r)
    assert out[2].detail == CRASH_DETAIL and out[11].detail == CRASH_DETAIL
    assert out[4].detail == TIMEOUT_DETAIL
    assert out[5].detail == MEMORY_DETAIL
    assert out[7].code == "file-unreadable" and "ValueError" in out[7].detail
    assert out[8].code == "file-xls"
    assert elapsed < 8  # a hang costs at most twice its timeout


def test_map_isolated_plain_run_is_fast() -> None:
    t0 = time.perf_counter()
    assert map_isolated(job, [("ok", i) for i in range(40)], workers=2, timeout=10) == [i * 10 for i in range(40)]
    assert map_isolated(job, [], workers=2) == []
    assert map_isolated(job, [("ok", 3)], workers=2) == [30]
    assert time.perf_counter() - t0 < 3


def test_worker_initializer_limits_address_space() -> None:
    with ProcessPoolExecutor(1, mp_context=context(), initializer=make_worker_initializer(256)) as pool:
        limit = pool.submit(address_space_limit).result()
    import resource

    assert limit != resource.RLIM_INFINITY
    assert limit < 64 * 1024**3


@pytest.mark.parametrize("extra", [
    b'<dimension ref="A1:XFD1048576"/><sheetData>',  # a lying <dimension>
    b'<sheetData><row r="1048576"><c r="XFD1048576" s="0"/></row>',  # a formatting-only far cell
], ids=["dimension", "empty-cell"])
def test_calamine_ignores_what_the_default_preflight_lets_through(tmp_path: Path, extra: bytes) -> None:
    """check_package(strict=False) relies on this (measured with python-calamine 0.9.1):
    re-run after upgrading python-calamine."""
    from compiler.guard import check_package

    sheet = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
             b"</sheetData></worksheet>")
    if extra.startswith(b"<dimension"):
        sheet = sheet.replace(b"<sheetData>", extra)
    else:
        sheet = sheet.replace(b"</sheetData>", extra.removeprefix(b"<sheetData>") + b"</sheetData>")
    path = tmp_path / "b.xlsx"
    corpus._package_with_sheet(path, corpus._deflate(sheet))
    check_package(path)
    assert run_isolated(calamine_dimensions, path, timeout=30, memory_mb=1024) == (1, 1, 1)


def test_a_started_child_whose_answer_is_never_taken_is_stopped_by_close() -> None:
    pending = start_isolated(hang, timeout=30, memory_mb=256)
    child = pending._child.proc
    assert child.is_alive()
    pending.close()
    assert not child.is_alive()
    with pytest.raises(FileRefused):
        pending.result()


def _report_mask(conn) -> None:  # noqa: ANN001
    conn.send(sorted(int(s) for s in signal.pthread_sigmask(signal.SIG_BLOCK, [])))
    conn.close()


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_children_are_forked_with_ctrl_c_and_sigterm_held_back() -> None:
    """A child forked inside signals_held starts with SIGINT/SIGTERM blocked (none can run the parent's
    handler in it before it sets its own), and the parent gets them back after the block."""
    from compiler.isolate import signals_held

    ctx = context()
    recv, send = ctx.Pipe(duplex=False)
    with signals_held():
        proc = ctx.Process(target=_report_mask, args=(send,))
        proc.start()
        assert signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    send.close()
    assert {int(signal.SIGINT), int(signal.SIGTERM)} <= set(recv.recv())
    proc.join()
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    # and a worker lets them through once its own handlers are set
    assert run_isolated(address_space_limit, timeout=10, memory_mb=256) > 0
    assert start_isolated(_mask_now, timeout=10, memory_mb=256).result() == []


def _mask_now() -> list[int]:
    return sorted(int(s) for s in signal.pthread_sigmask(signal.SIG_BLOCK, []) if s in (signal.SIGINT, signal.SIGTERM))
