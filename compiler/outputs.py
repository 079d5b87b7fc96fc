"""The output folder: a run writes into its own staging folder and swaps the outputs in together, so the
folder always holds one run's complete set, whatever happens to the process.

- Staging: `.staging-XXXX/` beside the outputs, with `.staging-XXXX.lock` held (flock) for as long as the
  run lives.  A later run removes the staging folders whose lock nobody holds (their run was killed);
  a folder whose lock is held belongs to a concurrent compile and is left alone.
- Swap: the old outputs are moved aside to `.old-NAME`, the new ones moved in, the old ones deleted.  Each
  phase is written to `.swap-journal.json` first; a run killed between the renames leaves the journal,
  and the next run finishes the swap (the staging folder still holds the rest of the new set) or undoes
  it (puts the old set back) before it starts.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

log = logging.getLogger(__name__)

STAGING_PREFIX = ".staging-"
LOCK_SUFFIX = ".lock"
JOURNAL = ".swap-journal.json"
OLD_PREFIX = ".old-"

try:
    import fcntl
except ImportError:  # Windows: no advisory locks here; stale staging folders are then left alone
    fcntl = None  # type: ignore[assignment]


@contextmanager
def staging(output_dir: Path) -> Iterator[Path]:
    """A fresh staging folder in output_dir, locked while the block runs and removed after it."""
    lock_fd, lock_name = tempfile.mkstemp(prefix=STAGING_PREFIX, suffix=LOCK_SUFFIX, dir=output_dir)
    lock = os.fdopen(lock_fd, "w")
    folder = Path(lock_name[: -len(LOCK_SUFFIX)])
    try:
        _lock(lock, blocking=True)
        folder.mkdir()  # after the lock exists: a staging folder without one is never a run starting up
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        lock.close()
        Path(lock_name).unlink(missing_ok=True)


def _lock(handle: IO[str], *, blocking: bool) -> bool:
    if fcntl is None:
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


def remove_stale_staging(output_dir: Path) -> list[Path]:
    """Remove the staging folders (and locks) of runs that are no longer alive; returns what went."""
    if fcntl is None or not output_dir.is_dir():
        return []
    removed = []
    for folder in sorted(output_dir.glob(f"{STAGING_PREFIX}*")):
        if not folder.is_dir():
            continue
        lock_path = folder.with_name(folder.name + LOCK_SUFFIX)
        try:
            handle = open(lock_path, "r")  # noqa: SIM115 - held while the folder is removed
        except FileNotFoundError:
            handle = None  # an earlier version's folder, or its run removed the lock: nobody owns it
        try:
            if handle is not None and not _lock(handle, blocking=False):
                continue  # a compile running now
            shutil.rmtree(folder, ignore_errors=True)
            lock_path.unlink(missing_ok=True)
            removed.append(folder)
        finally:
            if handle is not None:
                handle.close()
    for lock_path in output_dir.glob(f"{STAGING_PREFIX}*{LOCK_SUFFIX}"):  # a lock whose folder is gone
        if not lock_path.with_name(lock_path.name[: -len(LOCK_SUFFIX)]).exists():
            with open(lock_path, "r") as handle:
                if _lock(handle, blocking=False):
                    lock_path.unlink(missing_ok=True)
    if removed:
        log.info("中断された以前の実行の一時フォルダを削除しました: %s", "、".join(f.name for f in removed))
    return removed


def swap_into_place(staging_dir: Path, output_dir: Path, stale: list[str]) -> None:
    """Move the new outputs into output_dir: every old output (and the `stale` names this run does not
    write) set aside, then the new ones in, then the old ones deleted; journaled so that a run killed
    in between is finished or undone by the next one (recover).  A file that cannot be renamed (held
    open on Windows) puts the old ones back and raises, so nothing changed."""
    names = sorted(item.name for item in staging_dir.iterdir())
    journal = {"staging": staging_dir.name, "names": names, "stale": stale, "phase": "aside"}
    _write_journal(output_dir, journal)
    aside: list[str] = []
    try:
        for name in names + stale:
            target = output_dir / name
            if target.exists():
                _remove(output_dir / f"{OLD_PREFIX}{name}")
                os.replace(target, output_dir / f"{OLD_PREFIX}{name}")
                aside.append(name)
    except OSError:
        for name in reversed(aside):
            os.replace(output_dir / f"{OLD_PREFIX}{name}", output_dir / name)
        (output_dir / JOURNAL).unlink(missing_ok=True)
        raise
    _write_journal(output_dir, journal | {"phase": "in"})
    for name in names:
        os.replace(staging_dir / name, output_dir / name)
    _write_journal(output_dir, journal | {"phase": "clean"})
    _remove_old(output_dir, names + stale)
    (output_dir / JOURNAL).unlink(missing_ok=True)


def recover(output_dir: Path) -> str:
    """Finish or undo a swap a killed run left half done (see swap_into_place); returns what was done
    ("" when there was nothing to do)."""
    path = output_dir / JOURNAL
    if not any(_held(f) for f in output_dir.glob(f"{STAGING_PREFIX}*") if f.is_dir()):
        (output_dir / f"{JOURNAL}.tmp").unlink(missing_ok=True)  # a journal being written when its run died
    if not path.is_file():
        return ""
    try:
        journal = json.loads(path.read_text(encoding="utf-8"))
        names, stale, phase = list(journal["names"]), list(journal["stale"]), journal["phase"]
        staging_dir = output_dir / str(journal["staging"])
    except (ValueError, KeyError, TypeError):
        log.warning("出力先の %s を読み取れないため削除しました。出力がそろっているか確認してください。", JOURNAL)
        path.unlink(missing_ok=True)
        return "unreadable"
    if _held(staging_dir):
        return ""  # a compile running now is swapping: its journal, not a leftover
    done = "finished"
    if phase == "in" and all((output_dir / n).exists() or (staging_dir / n).exists() for n in names):
        for name in names:  # the rest of the new set is still in the staging folder: finish
            if (staging_dir / name).exists():
                _remove(output_dir / name)
                os.replace(staging_dir / name, output_dir / name)
    elif phase in ("aside", "in"):
        done = "undone"
        for name in names + stale:  # put the old set back; a new output without an old one goes
            old = output_dir / f"{OLD_PREFIX}{name}"
            if old.exists():
                _remove(output_dir / name)
                os.replace(old, output_dir / name)
            elif phase == "in" and name in names:
                _remove(output_dir / name)
    _remove_old(output_dir, names + stale)
    path.unlink(missing_ok=True)
    message = {"finished": "前回の実行が出力の差し替え中に中断されていたため、差し替えを完了しました。",
               "undone": "前回の実行が出力の差し替え中に中断されていたため、以前の出力に戻しました。"}[done]
    log.warning(message)
    return done


def _held(staging_dir: Path) -> bool:
    """Whether the run that owns `staging_dir` is alive (holds its lock)."""
    lock_path = staging_dir.with_name(staging_dir.name + LOCK_SUFFIX)
    if fcntl is None or not lock_path.exists():
        return False
    with open(lock_path, "r") as handle:
        return not _lock(handle, blocking=False)


class OutputError(Exception):
    """Writing the outputs failed for a reason of the file system (full disk, no permission, a file held
    open); `cause` is the OSError, `kept` whether earlier outputs were there (they still are)."""

    def __init__(self, cause: OSError, kept: bool) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.kept = kept


def os_cause(exc: BaseException) -> OSError | None:
    """The OSError behind a library's own exception: itself, an exception it was given as its first
    argument (xlsxwriter's FileCreateError), or one it was raised from or during."""
    todo, seen = [exc], 0
    while todo and seen < 20:
        e = todo.pop(0)
        seen += 1
        if isinstance(e, OSError):
            return e
        todo += [x for x in (e.args[0] if e.args else None, e.__cause__, e.__context__) if isinstance(x, BaseException)]
    return None


def has_outputs(output_dir: Path, names: tuple[str, ...]) -> bool:
    return any((output_dir / n).exists() for n in names)


def _write_journal(output_dir: Path, journal: dict) -> None:
    tmp = output_dir / f"{JOURNAL}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(journal, f, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, output_dir / JOURNAL)


def _remove_old(output_dir: Path, names: list[str]) -> None:
    for name in names:
        old = output_dir / f"{OLD_PREFIX}{name}"
        _remove(old)
        if old.exists() or old.is_symlink():
            log.warning("以前の出力 %s を削除できませんでした（権限を確認してください）。新しい出力は %s にあります。",
                        old, output_dir / name)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass
