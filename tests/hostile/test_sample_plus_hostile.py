"""The sample cycle plus every hostile file: exit 0, each hostile file one エラー, accounting intact.

Everything is read from what the CLI itself wrote (クロスリファレンス.xlsx), not from a second compile.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import openpyxl

from compiler.problems import ACTION_FILE_EXCLUDED, ERROR
from tests.hostile import corpus

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample-city" / "R7"
SAMPLE_FILES = 31
REVIEW_HEAD = ("重要度", "ファイル", "シート", "セル", "項目", "内容", "入力値", "処置")


def _review_rows(book: openpyxl.Workbook) -> list[dict[str, object]]:
    rows = list(book["検証結果"].iter_rows(values_only=True))
    head = rows.index(next(r for r in rows if tuple(r[:8]) == REVIEW_HEAD))
    return [dict(zip(REVIEW_HEAD, r)) for r in rows[head + 1:] if any(r)]


def _summary(book: openpyxl.Workbook) -> dict[str, tuple[object, object]]:
    """集計: label (without the indent) -> (value, note)."""
    out: dict[str, tuple[object, object]] = {}
    for r in book["集計"].iter_rows(values_only=True):
        if isinstance(r[0], str):
            out.setdefault(r[0].strip("\u3000 "), (r[1], r[2] if len(r) > 2 else None))
    return out


def test_sample_with_every_hostile_file_compiles(tmp_path):
    cycle = tmp_path / "R7"
    shutil.copytree(SAMPLE, cycle)
    cases = corpus.build_all(cycle / "提出", corpus.FILE_CASES + (corpus.no_template_sheet, corpus.lock_file))
    hostile = [c for c in cases if not c.skipped]
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "compiler", "compile", str(cycle), "--output", str(out)],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (out / "実施計画（案）.docx").is_file()
    book = openpyxl.load_workbook(out / "クロスリファレンス.xlsx", read_only=True)

    # 検証結果: each hostile file exactly once, as one エラー that excludes the file; the lock file never
    by_file: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in _review_rows(book):
        by_file[str(row["ファイル"])].append(row)
    for case in hostile:
        rows = by_file[case.file]
        assert len(rows) == 1, (case.file, rows)
        assert (rows[0]["重要度"], rows[0]["処置"], rows[0]["セル"]) == (ERROR, ACTION_FILE_EXCLUDED, None), rows[0]
    assert not any(c.file in by_file for c in cases if c.skipped)
    excluded_files = {f for f, rows in by_file.items() if any(x["処置"] == ACTION_FILE_EXCLUDED for x in rows)}
    assert excluded_files == {c.file for c in hostile}

    # 集計: the hostile files are counted as excluded files; the good files' rows balance exactly
    s = _summary(book)
    assert s["提出ファイル数"][0] == SAMPLE_FILES + len(hostile)
    assert s["読み込んだファイル"][0] == SAMPLE_FILES
    assert s["除外したファイル"][0] == len(hostile)
    assert (s["読込行数"][0], s["重複統合ログの行数"][0], s["除外行数"][0]) == (345, 343, 2)
    assert s["行の照合（読込行数 ＝ 統合ログ行数 ＋ 除外行数）"] == ("✔ 一致", "345 ＝ 343 ＋ 2")
    assert s["事業数"][0] == 214
    assert s["エラー"][0] == 7 + len(hostile)  # the sample's own 7 errors and one per hostile file

    # the console summary says the same
    assert f"ブック {SAMPLE_FILES + len(hostile)} 件（読込 {SAMPLE_FILES} 件・除外 {len(hostile)} 件）" in r.stdout
    assert "行の集計: 読込 345 行 = 統合 343 行 + 除外 2 行" in r.stdout
