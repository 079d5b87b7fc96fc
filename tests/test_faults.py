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
