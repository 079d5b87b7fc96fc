"""The output folder under faults: a swap killed after any rename is finished or undone by the next run,
so the folder always holds one run's complete set; staging folders of dead runs are removed, those of
live runs are not."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from compiler import outputs
from compiler.outputs import JOURNAL, recover, remove_stale_staging, staging, swap_into_place

OLD = {"クロスリファレンス.xlsx": "old-x", "実施計画（案）.docx": "old-d", "返送/a.xlsx": "old-r"}
NEW = {"クロスリファレンス.xlsx": "new-x", "実施計画（案）.docx": "new-d", "公開データ/事業一覧.csv": "new-c"}


class Killed(BaseException):
    """The process dying between two renames (nothing after it runs)."""


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def _state(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*"))
            if p.is_file() and not p.relative_to(root).parts[0].startswith(".")}


def _renames(tmp_path: Path) -> int:
    out, stage = tmp_path / "count" / "out", tmp_path / "count" / "stage"
    _write(out, OLD)
    _write(stage, NEW)
    calls = [0]
    real = os.replace

    def counting(a, b):  # noqa: ANN001
        calls[0] += 1
        real(a, b)

    outputs.os.replace = counting
    try:
        swap_into_place(stage, out, ["返送"])
    finally:
        outputs.os.replace = real
    return calls[0]


def test_a_swap_killed_after_any_rename_is_finished_or_undone(tmp_path: Path, monkeypatch) -> None:
    total = _renames(tmp_path)
    assert total >= 8
    seen = set()
    for n in range(total):
        out = tmp_path / f"run{n}" / "out"
        stage = out / ".staging-dead"
        _write(out, OLD)
        _write(stage, NEW)
        calls = [0]
        real = os.replace

        def dying(a, b, calls=calls, n=n):  # noqa: ANN001
            if calls[0] == n:
                raise Killed()
            calls[0] += 1
            real(a, b)

        monkeypatch.setattr(outputs.os, "replace", dying)
        with pytest.raises(Killed):
            swap_into_place(stage, out, ["返送"])
        monkeypatch.setattr(outputs.os, "replace", real)
        done = recover(out)
        remove_stale_staging(out)  # what the next build does first
        state = _state(out)
        assert state in (OLD, NEW), (n, state)
        assert not [p.name for p in out.iterdir() if p.name.startswith(".")], n  # no journal, .old-*, staging
        seen.add(done or ("none" if state == OLD else "?"))
    assert {"finished", "undone"} <= seen  # both ways out were taken


def test_staging_of_dead_runs_is_removed_and_of_live_runs_kept(tmp_path: Path) -> None:
    import fcntl

    out = tmp_path / "out"
    out.mkdir()
    dead = out / ".staging-dead"
    dead.mkdir()
    (dead / "x.docx").write_text("half", encoding="utf-8")
    (out / ".staging-dead.lock").write_text("", encoding="utf-8")  # its run is gone: nobody holds the lock
    legacy = out / ".staging-legacy"  # an earlier version's folder, without a lock
    legacy.mkdir()
    live = out / ".staging-live"
    live.mkdir()
    lock = open(out / ".staging-live.lock", "w")  # noqa: SIM115 - a concurrent compile holding its lock
    fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
    try:
        removed = remove_stale_staging(out)
        assert sorted(p.name for p in removed) == [".staging-dead", ".staging-legacy"]
        assert sorted(p.name for p in out.iterdir()) == [".staging-live", ".staging-live.lock"]
    finally:
        lock.close()


def test_a_live_runs_journal_is_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with staging(out) as stage:
        (out / JOURNAL).write_text(f'{{"staging": "{stage.name}", "names": [], "stale": [], "phase": "in"}}',
                                   encoding="utf-8")
        assert recover(out) == ""  # the run that owns it is swapping right now
        assert (out / JOURNAL).exists()
    (out / JOURNAL).unlink()
    assert list(out.iterdir()) == []  # the staging folder and its lock went with the block


def test_an_old_output_that_cannot_be_removed_is_warned_about(tmp_path: Path, monkeypatch, caplog) -> None:
    out, stage = tmp_path / "out", tmp_path / "stage"
    _write(out, OLD)
    _write(stage, NEW)
    monkeypatch.setattr(outputs, "_remove", lambda path: None)  # e.g. no permission on .old-返送
    with caplog.at_level("WARNING"):
        swap_into_place(stage, out, ["返送"])
    assert "以前の出力" in caplog.text and ".old-返送" in caplog.text
