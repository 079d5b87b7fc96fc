"""The compiled cycle's frames as CSV files for BI tools and open data: UTF-8 with BOM (Japanese
Excel opens it without garbling), CRLF, one header row, codes and IDs as written (`00123`, `1-3`).

The files are written into a temporary folder beside the output and moved into place together,
so a failed export leaves the earlier files as they were.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from .frames import Frames

ENCODING = "utf-8-sig"
FILES = {  # frame -> file name
    "projects": "事業.csv", "rows": "統合した行.csv", "excluded": "除外した行.csv", "placements": "施策への掲載.csv",
    "scenarios": "リスクシナリオへの対応.csv", "goals": "基本目標への対応.csv", "kpis": "成果指標.csv",
    "candidates": "重複候補.csv", "problems": "検証結果.csv", "totals": "事業費の集計.csv", "by_measure": "施策別.csv",
    "by_scenario": "リスクシナリオ別.csv", "by_goal": "基本目標別.csv", "matrix": "施策×リスクシナリオ.csv",
    "comparison": "前年度比較.csv", "progress": "進行管理.csv", "kpi_progress": "成果指標の達成状況.csv",
    "by_measure_progress": "施策別の進行管理.csv", "by_policy_progress": "基本政策別の進行管理.csv",
    "by_goal_progress": "基本目標別の効果検証.csv", "by_scenario_progress": "リスクシナリオ別の進捗.csv",
    "budget_compare": "予算対照.csv", "budget_items": "予算事務事業.csv",
    "plans": "個別計画.csv", "plan_citations": "個別計画の引用.csv", "plan_measures": "施策の個別計画.csv",
}
INDEXED = ("by_measure", "by_scenario", "by_goal", "matrix", "by_measure_progress", "by_policy_progress",
           "by_goal_progress", "by_scenario_progress")  # frames whose index is a code column


def export_tables(frames: Frames) -> dict[str, pd.DataFrame]:
    """The frames as they are written: a project's row position (位置) becomes its 事業ID, and the
    code index of a breakdown becomes its first column."""
    ids = frames.projects["事業ID"]
    out: dict[str, pd.DataFrame] = {}
    for name, df in frames.tables().items():
        if "位置" in df.columns:
            df = df.assign(位置=ids.iloc[df["位置"].to_numpy()].to_numpy()).rename(columns={"位置": "事業ID"})
        if name == "matrix":
            df = df.rename_axis(index="施策コード", columns=None).rename(index={"": "（総合計画以外）"})
        if name in INDEXED:
            df = df.reset_index()
        out[name] = df
    return out


def write_csv(frames: Frames, out_dir: Path) -> list[Path]:
    """Write every frame as CSV into out_dir (created when missing); returns the files written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=out_dir))
    try:
        written = []
        for name, df in export_tables(frames).items():
            df.to_csv(staging / FILES[name], index=False, encoding=ENCODING, lineterminator="\r\n")
            written.append(FILES[name])
        for file in written:
            os.replace(staging / file, out_dir / file)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / f for f in written]
