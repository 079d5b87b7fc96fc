"""The compiled cycle as pandas DataFrames: the one place where totals, counts and breakdowns
are computed.  Every renderer (the Word draft, the workbook, the console, the CSV export) reads
these frames, so no two outputs can disagree.

Frames (column names are the Japanese labels an analyst sees; see README「分析用の表」):
- projects     one row per project, in the outputs' order (施策, 展開方向, 事業ID)
- rows         every merged input row with its file/sheet/row and the rule that merged it
- excluded     input rows listed as excluded (file/sheet/row; why is in problems)
- placements   (位置, 施策コード, 主たる施策): each 総合計画 project under its primary and 再掲 施策
- scenarios    (位置, リスクシナリオ); goals (位置, 基本目標): 位置 is the row of `projects`
- kpis         the 成果指標 rows; candidates: 重複候補; problems: 検証結果 (set when the compile ends)
- totals       (区分, キー, 年度, 金額): budget by 基本政策, 施策, year, and first-year 財源
- by_measure, by_scenario, by_goal, matrix: breakdowns indexed by code
- comparison   with --previous: one row per project of either year (rolling.compare)
- progress, kpi_progress and their roll-ups by_*_progress: 進行管理・効果検証 (frames/progress.py)
- budget_compare, budget_items: 予算事務事業との対照, with 予算事務事業.xlsx (frames/budget.py)
- plans, plan_citations, plan_measures: the 個別計画 ledger, the 関連個別計画 references, the plans of
  each 施策 (frames/plans.py)
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from typing import TYPE_CHECKING

from ..models import Candidate, Master, MeasureKpi, MergeLogEntry, Origin, Project, Totals
from . import aggregate, breakdowns, plans as plan_tables, progress as progress_frames, tables

if TYPE_CHECKING:
    from ..models import Compilation

__all__ = ["Frames", "compile_frames", "plan_frames", "evaluate", "plan_checks", "compare_budget"]


@dataclass
class Frames:
    projects: pd.DataFrame
    rows: pd.DataFrame
    excluded: pd.DataFrame
    placements: pd.DataFrame
    scenarios: pd.DataFrame
    goals: pd.DataFrame
    kpis: pd.DataFrame
    candidates: pd.DataFrame
    totals: pd.DataFrame
    by_measure: pd.DataFrame
    by_scenario: pd.DataFrame
    by_goal: pd.DataFrame
    matrix: pd.DataFrame
    counts: dict[str, int]
    budget: Totals  # the totals as nested dicts, the shape the renderers walk
    plans: pd.DataFrame  # 個別計画 (frames/plans.py)
    plan_citations: pd.DataFrame
    plan_measures: pd.DataFrame
    problems: pd.DataFrame = field(default_factory=lambda: tables.problems_frame([]))
    comparison: pd.DataFrame | None = None
    progress: pd.DataFrame | None = None
    kpi_progress: pd.DataFrame | None = None
    by_measure_progress: pd.DataFrame | None = None
    by_policy_progress: pd.DataFrame | None = None
    by_goal_progress: pd.DataFrame | None = None
    by_scenario_progress: pd.DataFrame | None = None
    progress_counts: dict[str, int | float | None] = field(default_factory=dict)
    surveyed: bool = False  # some row reports last year's results (the 効果検証報告書 is written then)
    budget_compare: pd.DataFrame | None = None
    budget_items: pd.DataFrame | None = None
    budget_counts: dict[str, int | float | None] = field(default_factory=dict)

    def unplaced_codes(self) -> list[str]:
        """施策コード of 総合計画 projects that the 施策体系 does not hold (as written, in project order)."""
        p = self.projects
        return p.loc[p["総合計画"] & ~p["施策体系内"], "施策コード"].tolist()

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every frame by name (the CSV export writes these)."""
        out = {name: getattr(self, name) for name in TABLES}
        return {k: v for k, v in out.items() if v is not None}


TABLES = ("projects", "rows", "excluded", "placements", "scenarios", "goals", "kpis", "candidates", "problems",
          "totals", "by_measure", "by_scenario", "by_goal", "matrix", "comparison", "progress", "kpi_progress",
          "by_measure_progress", "by_policy_progress", "by_goal_progress", "by_scenario_progress", "plans",
          "plan_citations", "plan_measures", "budget_compare", "budget_items")


def plan_frames(master: Master, projects: list[Project], kpis: list[MeasureKpi], log: list[MergeLogEntry],
                candidates: list[Candidate], excluded: list[Origin]) -> Frames:
    """The frames of one compilation, from its merged records (problems and comparison come later)."""
    p = tables.projects_frame(projects, master)
    placements = tables.placements_frame(projects)
    scenarios = tables.memberships_frame(projects, "scenarios", "リスクシナリオ")
    goals = tables.memberships_frame(projects, "goals", "基本目標")
    k = tables.kpis_frame(kpis)
    budget, totals = aggregate.totals(p, master)
    plans, citations, plan_measures = plan_tables.plan_frames(master, projects)
    return Frames(
        projects=p, rows=tables.rows_frame(log), excluded=tables.excluded_frame(excluded), placements=placements,
        scenarios=scenarios, goals=goals, kpis=k, candidates=tables.candidates_frame(candidates), totals=totals,
        by_measure=breakdowns.measure_summary(p, placements, k, master),
        by_scenario=breakdowns.scenario_summary(p, scenarios, master),
        by_goal=breakdowns.goal_summary(p, goals, master),
        matrix=breakdowns.matrix(p, placements, scenarios, master),
        counts=aggregate.counts(p, len(log)), budget=budget,
        plans=plans, plan_citations=citations, plan_measures=plan_measures,
    )


def compile_frames(comp: Compilation) -> Frames:
    """The frames of a compilation's merged records, with its problems as they stand."""
    frames = plan_frames(comp.master, comp.projects, comp.measure_kpis, comp.merge_log, comp.candidates,
                         comp.excluded_rows)
    frames.problems = tables.problems_frame(comp.problems)
    return frames


def evaluate(frames: Frames, comp: Compilation, planned: dict[str, int | None] | None) -> list:
    """Add the 進行管理・効果検証 frames (`planned`: the previous plan's amounts for the evaluated year, by
    事業ID, None without a previous compile); returns the problems they find (list[Problem])."""
    m = comp.master
    prog = progress_frames.project_progress(comp.projects, m, planned)
    kpi = progress_frames.kpi_progress(comp.measure_kpis, comp.projects, m)
    frames.progress, frames.kpi_progress = prog, kpi
    frames.by_measure_progress = progress_frames.rollup(prog, kpi, "施策コード", list(m.measures), m.criteria)
    frames.by_policy_progress = progress_frames.rollup(prog, kpi, "基本政策", list(m.policies), m.criteria)
    frames.by_goal_progress = progress_frames.goal_progress(kpi, m)
    frames.by_scenario_progress = progress_frames.scenario_progress(prog, frames.scenarios, m)
    frames.progress_counts = progress_frames.summary(prog, kpi, m.criteria)
    frames.surveyed = progress_frames.surveyed(prog, kpi)
    return progress_frames.checks(prog, comp.projects, m.evaluated_year, m.unit)


def plan_checks(frames: Frames, comp: Compilation) -> list:
    """The 個別計画 checks (frames/plans.py): periods that run out, unknown or unlinked references (list[Problem])."""
    return plan_tables.checks(comp.master, comp.projects, frames.plans, frames.plan_citations)


def compare_budget(frames: Frames, comp: Compilation) -> list:
    """Add the 予算事務事業との対照 frames when the cycle has 予算事務事業.xlsx (`comp.budget`); returns the
    problems found (list[Problem])."""
    if comp.budget is None:
        return []
    from .budget import budget_frames

    result, problems = budget_frames(comp, comp.budget)
    frames.budget_compare, frames.budget_items, frames.budget_counts = result.compare, result.items, result.counts
    return problems
