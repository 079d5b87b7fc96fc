"""Faults on the write path and odd entries in 提出/: a plain message and exit 2, never a traceback."""
from __future__ import annotations

import errno
from pathlib import Path

import pytest
import xlsxwriter.exceptions

from compiler import build as build_module
from compiler.cli import main
from compiler.read import discover
from tests.builders import make_cycle, plan_row


def _cycle(root: Path) -> Path:
    return make_cycle(root, {"0501_河川課.xlsx": {"総合計画": [plan_row("雨水排水施設整備事業", **{"budget:R7": 100})]}})


def test_disk_full_in_a_render_worker_is_exit_2_with_the_message(tmp_path: Path, monkeypatch, capsys) -> None:
    root, out = _cycle(tmp_path / "c"), tmp_path / "out"
    assert main(["compile", str(root), "--output", str(out), "--quiet"]) == 0
    before = (out / "クロスリファレンス.xlsx").read_bytes()

    def full(comp, path):  # what xlsxwriter raises when the disk is full (runs in the forked worker)
        raise xlsxwriter.exceptions.FileCreateError(OSError(errno.ENOSPC, "No space left on device", str(path)))

    monkeypatch.setattr(build_module, "_write_crossref", full)
    capsys.readouterr()
    assert main(["compile", str(root), "--output", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "ファイルを書き込めません" in err and "No space left on device" in err and "Traceback" not in err
    assert ".staging-" not in err and str(out) in err
    assert (out / "クロスリファレンス.xlsx").read_bytes() == before  # the earlier outputs are kept


def test_other_exceptions_are_not_taken_for_write_failures(tmp_path: Path, monkeypatch) -> None:
    root = _cycle(tmp_path / "c")

    def broken(comp, path):
        raise RuntimeError("bug")

    monkeypatch.setattr(build_module, "_write_crossref", broken)
    with pytest.raises(RuntimeError):
        main(["compile", str(root), "--output", str(tmp_path / "out"), "--quiet"])


def test_os_files_ignored_and_a_folder_named_like_a_book_reported(tmp_path: Path) -> None:
    submit = tmp_path / "提出"
    submit.mkdir()
    for name in ("Thumbs.db", "desktop.ini", ".DS_Store", "~$0501_河川課.xlsx", "0501_河川課.xlsx", "memo.csv"):
        (submit / name).write_bytes(b"x")
    (submit / "0995_危機管理課.xlsx").mkdir()
    (submit / "資料").mkdir()  # a plain folder is not a submission
    books, refused = discover(submit)
    assert [p.name for p in books] == ["0501_河川課.xlsx"]
    assert [(p.name, code) for p, code, _ in refused] == [("0995_危機管理課.xlsx", "file-folder"),
                                                        ("memo.csv", "file-unknown-type")]


def test_a_first_compile_that_cannot_write_promises_no_earlier_outputs(tmp_path: Path, monkeypatch, capsys) -> None:
    root, out = _cycle(tmp_path / "c"), tmp_path / "out"

    def full(comp, path):
        raise xlsxwriter.exceptions.FileCreateError(OSError(errno.ENOSPC, "No space left on device", str(path)))

    monkeypatch.setattr(build_module, "_write_crossref", full)
    assert main(["compile", str(root), "--output", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "ファイルを書き込めません" in err and "以前の出力" not in err
    assert not list(out.iterdir())  # no staging folder, no lock, no journal left


@pytest.mark.parametrize("signal_name, code", [("SIGINT", 130), ("SIGTERM", 143)])
def test_interrupted_compile_prints_one_line_and_leaves_nothing(tmp_path: Path, signal_name: str, code: int) -> None:
    """Ctrl-C and SIGTERM during the render: one plain line, exit 128 + signal, the staging folder
    removed, the earlier outputs as they were."""
    import os
    import signal
    import subprocess
    import sys
    import time

    root, out = _cycle(tmp_path / "c"), tmp_path / "out"
    assert main(["compile", str(root), "--output", str(out), "--quiet"]) == 0
    before = sorted(p.name for p in out.iterdir())
    crossref = (out / "クロスリファレンス.xlsx").read_bytes()
    # a render job that waits, so the signal arrives while the workers run
    script = ("import sys, time\nfrom compiler import build\nfrom compiler.cli import main\n"
              "build._write_crossref = lambda comp, path: (open(sys.argv[2], 'w').close(), time.sleep(60))\n"
              "sys.exit(main(['compile', sys.argv[1], '--output', sys.argv[3], '--quiet']))\n")
    started = tmp_path / "started"
    proc = subprocess.Popen([sys.executable, "-c", script, str(root), str(started), str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            cwd=Path(__file__).resolve().parents[1])
    deadline = time.monotonic() + 60
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists(), proc.communicate(timeout=30)
    os.killpg(proc.pid, getattr(signal, signal_name)) if signal_name == "SIGINT" else proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert err.strip().splitlines() == ["中断しました。以前の出力があれば、そのまま残っています。"], err
    assert sorted(p.name for p in out.iterdir()) == before  # no .staging-*, lock or journal
    assert (out / "クロスリファレンス.xlsx").read_bytes() == crossref


def test_the_book_count_counts_every_reported_entry(tmp_path: Path) -> None:
    """An empty .xlsx, a .xls, a .csv and a folder named like a book are all reported, and all counted
    as 除外 in the summary's ブック count."""
    from compiler.build import compile_cycle
    from compiler.report import summary_lines

    root = _cycle(tmp_path / "c")
    submit = root / "提出"
    (submit / "0601_商工振興課.xlsx").write_bytes(b"")
    (submit / "0602_観光課.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (submit / "memo.csv").write_text("a,b", encoding="utf-8")
    (submit / "0995_危機管理課.xlsx").mkdir()
    comp = compile_cycle(root)
    reported = {p.file for p in comp.problems if p.file and p.file != "0501_河川課.xlsx"}
    assert reported == {"0601_商工振興課.xlsx", "0602_観光課.xls", "memo.csv", "0995_危機管理課.xlsx"}
    assert summary_lines(comp, None)[0] == "ブック 5 件（読込 1 件・除外 4 件）"
