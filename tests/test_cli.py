"""The thin CLI: exit codes, the check table, messages for an unusable master."""
import subprocess
import sys
from pathlib import Path

from compiler.cli import main
from tests.builders import make_cycle, plan_row, write_master

ROOT = Path(__file__).resolve().parents[1]


def test_check_prints_table_and_strict_exit_code(tmp_path, capsys):
    root = make_cycle(tmp_path, {"0501_河川課.xlsx": {"総合計画": [plan_row("A事業", measure="9-9"), plan_row("B事業")]}})
    assert main(["check", str(root)]) == 0
    out = capsys.readouterr().out
    assert "0501_河川課.xlsx" in out and "D2" in out and "施策コード「9-9」" in out
    assert "エラー 1 件" in out and "読込 2 行 = 統合 2 行 + 除外 0 行" in out
    assert main(["check", str(root), "--strict"]) == 1


def test_strict_passes_when_clean(tmp_path, capsys):
    root = make_cycle(tmp_path, {"0501_河川課.xlsx": {"総合計画": [plan_row("A事業", direction="3-4-1")]}})
    assert main(["check", str(root), "--strict"]) == 0


def test_unusable_master_exits_2_with_message(tmp_path):
    root = tmp_path / "c"
    write_master(root / "計画マスタ.xlsx", drop_sheet="課一覧")
    (root / "提出").mkdir()
    r = subprocess.run([sys.executable, "-m", "compiler", "check", str(root)], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2
    assert "課一覧" in r.stderr and "Traceback" not in r.stderr


def test_missing_cycle_dir_is_usage_error(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope")]) == 2
    assert "見つかりません" in capsys.readouterr().err
