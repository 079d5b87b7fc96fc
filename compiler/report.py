"""Console views of a compilation: the problem table and the closing summary."""
from __future__ import annotations

import unicodedata
from pathlib import Path

from .models import Compilation
from .problems import Problem
from .rolling import Comparison


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, n: int) -> str:
    if width(text) > n:
        out = ""
        for ch in text:
            if width(out + ch) > n - 1:
                break
            out += ch
        text = out + "…"
    return text + " " * (n - width(text))


def problem_table(problems: list[Problem]) -> list[str]:
    head = f"{pad('重要度', 6)} {pad('ファイル', 30)} {pad('シート', 10)} {pad('セル', 6)} 内容"
    lines = [head, "-" * 100]
    for p in problems:
        lines.append(f"{pad(p.severity, 6)} {pad(p.file, 30)} {pad(p.sheet, 10)} {pad(p.cell, 6)} {p.message}")
    return lines


def summary_lines(comp: Compilation, out: Path | None) -> list[str]:
    counts = comp.frames.counts
    plans = [counts["総合計画"], counts["国土強靱化"], counts["総合戦略"]]
    readable = sum(1 for f in comp.files if f.readable)
    entries = len(comp.files) + comp.entries_refused  # every entry of 提出/ that was read or reported
    lines = [
        f"ブック {entries} 件（読込 {readable} 件・除外 {entries - readable} 件）",
        f"行の集計: 読込 {comp.rows_read} 行 = 統合 {len(comp.merge_log)} 行 + 除外 {comp.rows_excluded} 行",
        f"事業 {len(comp.projects)} 件（総合計画 {plans[0]}・国土強靱化 {plans[1]}・総合戦略 {plans[2]}）、"
        f"重複候補 {len(comp.candidates)} 組",
        f"問題: エラー {comp.errors} 件・警告 {comp.warnings} 件",
    ]
    if out is not None and (comp.errors or comp.warnings):
        lines.append(where_to_look(comp, out))
    lines += comparison_lines(comp)
    lines += progress_lines(comp)
    if out is not None:
        lines.append(f"出力先: {out}")
    return lines


def where_to_look(comp: Compilation, out: Path) -> str:
    """Where a compile's problems are listed: the 検証結果 sheet, and the workbooks to send back."""
    from .returns import returnable

    n = len(returnable(comp))
    books = f"、各課への返送用ブック {n} 件は {out / '返送'}" if n else ""
    return f"　問題の一覧は {out / 'クロスリファレンス.xlsx'} のシート「検証結果」{books} にあります。"


def progress_lines(comp: Compilation) -> list[str]:
    """Last year's results in one line, when the survey brought them back."""
    f = comp.frames
    if not f.surveyed:
        return []
    n, m = f.progress_counts, comp.master
    ratings = "・".join(f"{label} {n[f'評価:{label}']}" for label in m.criteria.labels)
    late = sum(int(n[f"進捗:{s}"] or 0) for s in ("遅れ", "未着手", "中止"))
    rate = f"、執行率 {n['執行率']:.1f}%" if n.get("執行率") is not None else ""
    return [f"進行管理（{m.evaluated_year}）: 事業 {n['事業数']} 件（遅れ等 {late}・未記入 {n['進捗:未記入']}{rate}）、"
            f"指標 {n['指標数']} 件（{ratings}）"]


def comparison_lines(comp: Compilation) -> list[str]:
    """The year-over-year figures, when the compile was compared with a previous one."""
    cmp = comp.previous
    if not isinstance(cmp, Comparison):
        return []
    counts = "・".join(f"{label}{'' if label.endswith('）') else ' '}{n}" for label, n in cmp.counts().items())
    lines = [f"前年度比較: {counts}"]
    if cmp.overlap_years:
        budgets = "、".join(f"{y} {cmp.previous_totals[y]:,} → {cmp.current_totals[y]:,}"
                           f"（{cmp.current_totals[y] - cmp.previous_totals[y]:+,}）" for y in cmp.overlap_years)
        lines.append(f"事業費（前年度計画 → 本計画、{comp.master.unit}）: {budgets}")
    return lines
