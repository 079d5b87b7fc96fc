"""The sample cycle plus every hostile file: exit 0, each hostile file one エラー, accounting intact."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from compiler.build import compile_cycle
from compiler.problems import ACTION_FILE_EXCLUDED, ERROR
from tests.hostile import corpus

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample-city" / "R7"


def test_sample_with_every_hostile_file_compiles(tmp_path):
    cycle = tmp_path / "R7"
    shutil.copytree(SAMPLE, cycle)
    cases = corpus.build_all(cycle / "提出", corpus.FILE_CASES + (corpus.no_template_sheet, corpus.lock_file))
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "compiler", "compile", str(cycle), "--output", str(out)],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (out / "クロスリファレンス.xlsx").is_file() and (out / "実施計画（案）.docx").is_file()
    comp = compile_cycle(cycle)
    for case in cases:
        got = [p for p in comp.problems if p.file == case.file]
        if case.name == "lock-file" or case.file.startswith("~$"):
            assert got == []
            continue
        assert len(got) == 1 and got[0].severity == ERROR and got[0].action == ACTION_FILE_EXCLUDED, (case.file, got)
    # the good files: exactly the sample's figures
    assert (comp.rows_read, len(comp.merge_log), comp.rows_excluded) == (345, 343, 2)
    assert len(comp.projects) == 214
