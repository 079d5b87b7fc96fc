"""The thin CLI: exit codes, the check table, messages for an unusable master."""
import os
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


def test_compile_summary_reports_the_comparison(tmp_path, capsys):
    from tests.test_rolling import rolling_cycle

    root, prev = rolling_cycle(tmp_path)
    assert main(["compile", str(root), "--output", str(tmp_path / "out"), "--previous", str(prev), "--quiet"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "前年度比較: 新規 2・終了 1・継続（変更あり）2・番号変更 2" in out
    assert "事業費（前年度計画 → 本計画、千円）: R7 1,240 → 1,345（+105）、R8 1,250 → 1,270（+20）" in out
    assert out.index("前年度比較: 新規 2・終了 1・継続（変更あり）2・番号変更 2") < out.index(f"出力先: {tmp_path / 'out'}")


def test_compile_summary_without_previous_has_no_comparison(tmp_path, capsys):
    from tests.test_rolling import rolling_cycle

    root, _ = rolling_cycle(tmp_path)
    assert main(["compile", str(root), "--output", str(tmp_path / "out"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "問題: エラー" in out and "前年度比較" not in out and "前年度計画" not in out


def test_os_error_messages_promise_only_what_the_command_keeps():
    from compiler.cli import _os_error_message

    exc = PermissionError(13, "使用中", "out/クロスリファレンス.xlsx")
    assert _os_error_message("compile", exc, kept=True).endswith("以前の出力はそのまま残っています。")
    assert "以前の出力" not in _os_error_message("compile", exc, kept=False)  # nothing was there to keep
    assert "以前の出力" not in _os_error_message("templates", exc)  # each workbook is replaced on its own
    assert _os_error_message("check", exc).startswith("ファイルを読み込めません: out/クロスリファレンス.xlsx（使用中）")


def test_compile_with_problems_says_where_they_are_listed(tmp_path, capsys):
    from tests.builders import make_cycle, plan_row

    root = make_cycle(tmp_path / "c", {"0501_河川課.xlsx": {"総合計画": [plan_row("雨水排水施設整備事業", measure="9-9")]}})
    out_dir = tmp_path / "out"
    assert main(["compile", str(root), "--output", str(out_dir), "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("問題: エラー 1 件"))
    assert lines[at + 1] == (f"　問題の一覧は {out_dir / 'クロスリファレンス.xlsx'} のシート「検証結果」、"
                             f"各課への返送用ブック 1 件は {out_dir / '返送'} にあります。")
    assert len(list((out_dir / "返送").iterdir())) == 1


def test_the_process_exits_with_main_s_code_and_every_line_written(tmp_path):
    """`python -m compiler` ends the process without tearing the compilation down: what main() printed
    (to a file here, so fully buffered) still arrives, and the exit code is main()'s."""
    root = make_cycle(tmp_path, {"0501_河川課.xlsx": {"総合計画": [plan_row("A事業", direction="3-4-1")]}})
    out = tmp_path / "stdout.txt"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as a user runs it
    with out.open("w", encoding="utf-8") as f:
        r = subprocess.run([sys.executable, "-m", "compiler", "compile", str(root), "--output", str(tmp_path / "o"),
                            "--quiet"], stdout=f, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    assert r.returncode == 0, r.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("ブック 1 件") and lines[-1].startswith("出力先:")
    assert subprocess.run([sys.executable, "-m", "compiler", "check", str(tmp_path / "nope")],
                          capture_output=True, cwd=ROOT).returncode == 2


def test_a_reader_that_goes_away_is_not_a_write_failure(tmp_path):
    """`… | head`: the output's reader closes the pipe.  The command ends quietly with 141 (as after SIGPIPE), not
    with 「ファイルを読み込めません（Broken pipe）」 and exit 2."""
    root = make_cycle(tmp_path, {"0501_河川課.xlsx": {"総合計画": [plan_row("A事業", measure="9-9"), plan_row("B事業")]}})
    for command in (["check", str(root)], ["compile", str(root), "--output", str(tmp_path / "o"), "--quiet"]):
        r, w = os.pipe()
        os.close(r)  # the reader is gone before the first line
        try:
            done = subprocess.run([sys.executable, "-m", "compiler", *command], stdout=w, stderr=subprocess.PIPE,
                                  text=True, cwd=ROOT)
        finally:
            os.close(w)
        assert (done.returncode, done.stderr) == (141, ""), command
    assert (tmp_path / "o" / "クロスリファレンス.xlsx").is_file()  # the work itself was done
