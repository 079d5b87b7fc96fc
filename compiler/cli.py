"""Thin command line: parse arguments, call the library, turn domain errors into messages.

Exit codes: 0 compiled, 1 data errors under --strict, 2 bad usage, unusable master or previous output,
or outputs that cannot be written; 130 / 143 interrupted (Ctrl-C / SIGTERM).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import sys
from pathlib import Path
from typing import Iterable

from .master import MasterError
from .outputs import OutputError, os_cause
from .previous import PreviousError

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


EXIT_READER_GONE = 128 + 13  # SIGPIPE: what a command ends with when the reader of its output went away


class ReaderGone(Exception):
    """Standard output was closed by its reader (`… | head`): the work is done, only lines went unread."""


def _say(lines: Iterable[str]) -> None:
    """Print lines to standard output; a reader that went away is ReaderGone, not a file that cannot be written."""
    try:
        for line in lines:
            print(line)
        sys.stdout.flush()
    except BrokenPipeError as exc:
        raise ReaderGone from exc


def _silence_stdout() -> None:
    """Point the closed standard output at the null device, so that flushing it at exit fails no more."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):  # not a real file (a test's capture)
        pass


class Terminated(BaseException):
    """SIGTERM, raised in the main process so that every `finally` runs (the staging folder goes)."""


def _on_sigterm(signum: int, frame: object) -> None:  # noqa: ARG001 - signal handler signature
    raise Terminated()
STAGING = re.compile(r"[/\\]\.staging-[^/\\]+")  # build.build's temporary output folder in a path


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m compiler", description="一体策定コンパイラ: 各課の調書を一体の実施計画に編集します。")
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compile", help="調書を読み込み、実施計画（案）とクロスリファレンスを出力します。")
    c.add_argument("cycle_dir", type=Path, help="計画マスタ.xlsx と 提出/ がある年度のフォルダ")
    c.add_argument("--output", type=Path, help="出力先フォルダ（省略時は output/<計画年度>/）")
    c.add_argument("--previous", type=Path, help="前年度の出力フォルダ（前年度比較を作成します）")
    c.add_argument("--strict", action="store_true", help="エラーが一件でもあれば終了コード 1 で終わります")
    c.add_argument("--quiet", action="store_true", help="進捗を表示しません")
    c.add_argument("--timings", type=Path, help="工程ごとの所要時間（秒）を JSON で書き出すファイル（ベンチマーク用）")
    k = sub.add_parser("check", help="検証だけを行い、問題を一覧表示します（ファイルは書きません）。")
    k.add_argument("cycle_dir", type=Path)
    k.add_argument("--strict", action="store_true", help="エラーが一件でもあれば終了コード 1 で終わります")
    e = sub.add_parser("export", help="集約した表（事業・統合した行・集計など）を CSV（UTF-8 BOM 付き）で書き出します。")
    e.add_argument("cycle_dir", type=Path)
    e.add_argument("--output", type=Path, required=True, help="CSV の出力先フォルダ")
    e.add_argument("--previous", type=Path, help="前年度の出力フォルダ（前年度比較.csv を加えます）")
    t = sub.add_parser("templates", help="計画マスタから各課の調書様式を作成します。")
    t.add_argument("master", type=Path, help="計画マスタ.xlsx")
    t.add_argument("--output", type=Path, default=Path("input_templates"), help="出力先フォルダ")
    t.add_argument("--previous", type=Path, help="前年度の出力（クロスリファレンス.xlsx かそのフォルダ）: 各課の事業を転記します")
    return ap


def _setup_logging(quiet: bool) -> None:
    interactive = sys.stderr.isatty() and not os.environ.get("CI")
    level = logging.WARNING if quiet or not interactive else logging.INFO
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _setup_logging(getattr(args, "quiet", False))
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return _run(args)
    except KeyboardInterrupt:
        print(_interrupted(args.command), file=sys.stderr)
        return 128 + signal.SIGINT
    except Terminated:
        print(_interrupted(args.command), file=sys.stderr)
        return 128 + signal.SIGTERM
    except ReaderGone:
        _silence_stdout()
        return EXIT_READER_GONE
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupted(command: str) -> str:
    """One line: the outputs are swapped in together (compile) or each written through a temporary file."""
    kept = "以前の出力があれば、そのまま残っています。" if command in ("compile", "templates", "export") else ""
    return f"中断しました。{kept}"


def _run(args: argparse.Namespace) -> int:
    try:
        if args.command == "compile":
            return _compile(args)
        if args.command == "check":
            return _check(args)
        if args.command == "export":
            return _export(args)
        return _templates(args)
    except ReaderGone:
        raise  # not a file that cannot be written (below): see main
    except MasterError as exc:
        print(f"計画マスタを使用できません: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except PreviousError as exc:
        print(f"前年度の出力を使用できません: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OutputError as exc:  # compile: the outputs were swapped in together or not at all
        print(_os_error_message(args.command, exc.cause, exc.kept), file=sys.stderr)
        return EXIT_USAGE
    except FileNotFoundError as exc:
        print(f"ファイルが見つかりません: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # e.g. an output workbook open in Excel (Windows locks it), a read-only or full disk
        print(_os_error_message(args.command, exc), file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # xlsxwriter wraps the OSError of a full disk in FileCreateError (not an OSError)
        cause = os_cause(exc)
        if cause is None:
            raise
        print(_os_error_message(args.command, cause), file=sys.stderr)
        return EXIT_USAGE


def _os_error_message(command: str, exc: OSError, kept: bool = False) -> str:
    # a file being written sits in the compile's temporary folder: name the output folder the user gave
    name = STAGING.sub("", str(exc.filename or ""))
    where = f"{name}（{exc.strerror or exc}）"
    if command == "check":  # writes nothing
        return f"ファイルを読み込めません: {where}。ファイルの場所と読み取りの権限を確認してください。"
    note = "以前の出力はそのまま残っています。" if kept else ""
    return (f"ファイルを書き込めません: {where}。出力先のファイルを Excel などで開いたままにしていないか、"
            f"出力先に書き込めるか（権限・空き容量）を確認してください。{note}")


def _compile(args: argparse.Namespace) -> int:
    from .build import build, default_output_dir
    from .report import summary_lines

    if not args.cycle_dir.is_dir():
        print(f"年度フォルダが見つかりません: {args.cycle_dir}", file=sys.stderr)
        return EXIT_USAGE
    comp = build(args.cycle_dir, args.output, previous=args.previous)
    out = args.output or default_output_dir(comp)
    if args.timings:
        args.timings.write_text(json.dumps(comp.timings, ensure_ascii=False, indent=1), encoding="utf-8")
    _say(summary_lines(comp, out))
    return EXIT_DATA if args.strict and comp.errors else EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from .build import compile_cycle
    from .report import problem_table, summary_lines

    if not args.cycle_dir.is_dir():
        print(f"年度フォルダが見つかりません: {args.cycle_dir}", file=sys.stderr)
        return EXIT_USAGE
    comp = compile_cycle(args.cycle_dir)
    _say([*problem_table(comp.problems), *summary_lines(comp, None)])
    return EXIT_DATA if args.strict and comp.errors else EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from .build import compile_cycle
    from .export import write_csv

    if not args.cycle_dir.is_dir():
        print(f"年度フォルダが見つかりません: {args.cycle_dir}", file=sys.stderr)
        return EXIT_USAGE
    comp = compile_cycle(args.cycle_dir, previous=args.previous)
    paths = write_csv(comp.frames, args.output)
    _say([f"{len(paths)} 件の CSV を {args.output} に書き出しました。"])
    return EXIT_OK


def _templates(args: argparse.Namespace) -> int:
    from .master import load_master
    from .templates import make_templates, moved_lines

    master = load_master(args.master)
    run = make_templates(master, args.output, args.previous)
    _say([f"{len(run.paths)} 課の調書様式を {args.output} に作成しました。", *moved_lines(run)])
    return EXIT_OK
