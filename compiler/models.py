"""Typed records passed between the stages.

read → rows (with their origin) → validate → identify/merge → projects → render.
Every record keeps where it came from so a problem or a merge decision can name the cell.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .index import ProjectIndex
from .ledger import Ledger
from .ratings import DEFAULT_CRITERIA, Criteria

if TYPE_CHECKING:
    from .frames import Frames

# Sheet names of the department template (DESIGN §2.2).
SHEET_PLAN = "総合計画"
SHEET_RESILIENCE = "国土強靱化"
SHEET_STRATEGY = "総合戦略"
SHEET_KPI = "成果指標"
PROJECT_SHEETS = (SHEET_PLAN, SHEET_RESILIENCE, SHEET_STRATEGY)
DATA_SHEETS = (SHEET_PLAN, SHEET_RESILIENCE, SHEET_STRATEGY, SHEET_KPI)

FUNDING_KEYS = ("国県支出金", "地方債", "その他", "一般財源")


@dataclass(frozen=True, order=True, slots=True)
class Origin:
    """Where a row came from: file name (relative to 提出/), sheet, 1-based Excel row."""

    file: str
    sheet: str
    row: int

    def cell(self, column_letter: str) -> str:
        return f"{column_letter}{self.row}"


# ---------------------------------------------------------------- master data
@dataclass(frozen=True)
class Direction:
    code: str  # 展開方向コード, e.g. "3-4-1"
    name: str
    measure_code: str


@dataclass(frozen=True)
class Measure:
    code: str  # 施策コード, e.g. "3-4"
    name: str
    policy_code: str  # 基本政策番号, e.g. "3"
    lead_dept: str
    directions: tuple[Direction, ...] = ()
    related_depts: str = ""  # the master's 関係課 (e.g. 全課等); empty: derived from the projects' 所管課

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


@dataclass(frozen=True)
class Policy:
    code: str
    name: str
    measures: tuple[str, ...] = ()  # 施策コード in master order


@dataclass(frozen=True)
class Scenario:
    code: str  # e.g. "1-3"
    text: str  # 起きてはならない最悪の事態
    goal_code: str
    goal_text: str  # 事前に備えるべき目標


@dataclass(frozen=True)
class StrategyMeasure:
    code: str  # 具体的施策コード, e.g. "1-2"
    name: str
    goal_code: str


@dataclass(frozen=True)
class BasicGoal:
    code: str  # 基本目標番号, e.g. "1"
    name: str
    target: str  # 数値目標
    measures: tuple[StrategyMeasure, ...] = ()


@dataclass(frozen=True)
class Department:
    name: str  # 課
    bureau: str  # 部局
    code: str  # 課コード (text, keeps leading zeros)


@lru_cache(maxsize=64)
def _year_labels(start: int, end: int) -> tuple[str, ...]:
    """The same strings on every call: they are keys of every project's budget (one "R7" object, not 9,000)."""
    return tuple(f"R{y}" for y in range(start, end + 1))


@dataclass
class Master:
    path: Path
    city: str
    plan_name: str
    resilience_name: str
    strategy_name: str
    start_year: int  # 7 for R7
    end_year: int  # 9 for R9
    unit: str
    policies: dict[str, Policy]
    measures: dict[str, Measure]
    directions: dict[str, Direction]
    scenarios: dict[str, Scenario]
    risk_goals: dict[str, str]  # 目標番号 -> 事前に備えるべき目標
    goals: dict[str, BasicGoal]
    strategy_measures: dict[str, StrategyMeasure]
    departments: dict[str, Department]
    accounts: tuple[str, ...]
    criteria: Criteria = DEFAULT_CRITERIA  # 評価基準 (ratings of the KPIs' 進捗率)
    budget_settings: object = None  # budget.BudgetSettings: 予算列の対応 and the かい離 tolerance
    ledger: Ledger = field(default_factory=Ledger)  # 個別計画 (optional sheet; empty without it)

    @property
    def evaluated_year(self) -> str:
        """The year whose results this survey brings back (R6 for a plan starting R7)."""
        return f"R{self.start_year - 1}"

    @property
    def years(self) -> tuple[str, ...]:
        """Year labels of the rolling window, e.g. ("R7", "R8", "R9")."""
        return _year_labels(self.start_year, self.end_year)

    @property
    def first_year(self) -> str:
        return self.years[0]


# ---------------------------------------------------------------- input rows
@dataclass(slots=True)
class InputRow:
    """One non-blank data row of a department sheet after normalisation.

    `values` holds normalised field values keyed by field name (see schema.py);
    `columns` maps field name -> column letter on the source sheet (one dict shared by the
    sheet's rows), so cell(key) names the A1 cell for problems and annotations.
    """

    origin: Origin
    values: dict[str, object]
    columns: dict[str, str]
    raw_name: str = ""
    has_error: bool = False

    @property
    def sheet(self) -> str:
        return self.origin.sheet

    def get(self, key: str, default: object = None) -> object:
        v = self.values.get(key)
        return default if v is None else v

    def cell(self, key: str) -> str:
        return f"{self.columns.get(key, 'A')}{self.origin.row}"


@dataclass(frozen=True)
class ProjectKpi:
    """A KPI attached to a project on the 総合戦略 sheet."""

    name: str
    unit: str
    base: str
    base_year: str
    target: str
    target_year: str
    goal: str
    actual: str = ""  # the evaluated year's 実績値, as written
    actual_kind: str = ""  # 実績 / 見込み
    origin: Origin | None = field(default=None, compare=False)  # the first 総合戦略 row that gave it


@dataclass
class MeasureKpi:
    """A 成果指標 row: KPI of a 施策, shown in the Word draft."""

    origin: Origin
    name: str
    measure_code: str
    unit: str
    base: str
    base_year: str
    targets: dict[str, str]  # year label -> target text
    final_target: str
    final_year: str
    source: str
    strategy_kpi: bool
    direction: str  # 望ましい方向 (増加・減少・維持), the 成果指標 column `trend`
    dept: str = ""
    prior_target: str = ""  # the evaluated year's target (R6目標値)
    actual: str = ""  # the evaluated year's 実績値, as written
    actual_kind: str = ""  # 実績 / 見込み


@dataclass(frozen=True)
class PlanRef:
    """A reference in a 総合計画 row's 関連個別計画 cell (a 計画ID or a plan's name, as written) and its cell."""

    text: str
    origin: Origin
    cell: str  # A1 cell of the 関連個別計画 column on that row


@dataclass(slots=True)  # slots: a project's fields lie together in memory (see frames.tables.projects_frame)
class Project:
    project_id: str
    id_generated: bool
    name: str
    dept: str
    match_key: str
    # membership
    in_plan: bool = False
    in_resilience: bool = False
    in_strategy: bool = False
    # 総合計画
    measure_code: str = ""
    direction_code: str = ""
    relisted_measures: tuple[str, ...] = ()  # 再掲施策コード (codes other than the primary)
    status: str = ""  # 新規 / 継続 / 拡充
    content: str = ""
    account: str = ""
    budget_kind: str = ""  # 予算区分
    budget_page: str = ""  # 予算説明書頁
    supplementary: bool = False  # 国補正予算
    priority: bool = False  # 重点
    budget: dict[str, int | None] = field(default_factory=dict)  # year label -> 千円 (None = not carried out)
    funding: dict[str, int | None] = field(default_factory=dict)  # FUNDING_KEYS -> 千円 (first year)
    sdgs: tuple[int, ...] = ()
    note: str = ""
    # 国土強靱化
    scenarios: tuple[str, ...] = ()
    resilience_field: str = ""
    location: str = ""
    actor: str = ""  # 事業主体
    start_year: int | None = None  # Reiwa year number
    end_year: int | None = None
    total_cost: int | None = None
    grants: str = ""
    # 総合戦略
    goals: tuple[str, ...] = ()  # 基本目標番号
    strategy_measures: tuple[str, ...] = ()  # 具体的施策コード
    kpis: tuple[ProjectKpi, ...] = ()
    digital: bool = False
    # bookkeeping
    needs_review: bool = False  # 要確認: a source row carries an error
    review_reasons: tuple[str, ...] = ()
    sources: tuple[Origin, ...] = ()
    names: tuple[str, ...] = ()  # every spelling seen
    # 進行管理: the evaluated year (the one before the plan's first), from the primary 総合計画 row
    settled: int | None = None  # 決算見込額 (千円)
    progress: str = ""  # 進捗状況
    result: str = ""  # 実績・成果
    outlook: str = ""  # 今後の方向性
    plan_refs: tuple[PlanRef, ...] = ()  # 関連個別計画 of the 総合計画 rows (primary first), as written
    plan_origin: Origin | None = None  # the primary 総合計画 row, and its columns (field -> letter)
    plan_letters: dict[str, str] = field(default_factory=dict)
    # 予算事務事業コード of every 総合計画 row, in order, and the cell (file, sheet, A1) that gave each
    budget_codes: tuple[str, ...] = ()
    budget_code_cells: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    @property
    def plans(self) -> tuple[str, ...]:
        out = []
        if self.in_plan:
            out.append(SHEET_PLAN)
        if self.in_resilience:
            out.append(SHEET_RESILIENCE)
        if self.in_strategy:
            out.append(SHEET_STRATEGY)
        return tuple(out)

    def budget_total(self) -> int:
        return sum(v for v in self.budget.values() if v)


@dataclass(frozen=True, slots=True)
class MergeLogEntry:
    origin: Origin
    input_name: str
    dept: str
    project_id: str
    rule: str  # 事業ID一致 / 名称一致 / 判定指定 / 単独


@dataclass(frozen=True)
class Candidate:
    name_a: str
    dept_a: str
    name_b: str
    dept_b: str
    score: float
    source_a: str
    source_b: str
    reason: str = ""


@dataclass
class SourceFile:
    """One file found in 提出/ and what became of it."""

    path: Path
    name: str
    readable: bool = True
    rows_read: int = 0
    sheets: tuple[str, ...] = ()
    # sheet -> {field -> column letter}; used to annotate returns
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    header_rows: dict[str, int] = field(default_factory=dict)
    return_blocker: str = ""  # why no annotated copy can be made of it ('' when one can)


@dataclass
class Totals:
    """Budget figures every output must agree on (re-listed projects counted once)."""

    by_year: dict[str, int]  # year label -> 千円
    by_policy_year: dict[str, dict[str, int]]  # 基本政策番号 -> year -> 千円
    by_measure_year: dict[str, dict[str, int]]  # 施策コード -> year -> 千円
    by_funding: dict[str, int]  # FUNDING_KEYS (+ "未記入") -> 千円 of the first year


@dataclass
class Compilation:
    """Everything a compile gathered, before anything is rendered."""

    master: Master
    files: list[SourceFile]
    rows_read: int
    rows_excluded: int
    projects: list[Project]  # sorted by 施策コード, then 事業ID
    measure_kpis: list[MeasureKpi]
    merge_log: list[MergeLogEntry]
    candidates: list[Candidate]
    problems: list  # list[problems.Problem], sorted
    excluded_rows: list[Origin] = field(default_factory=list)
    kpi_rows_read: int = 0
    kpi_rows_excluded: int = 0
    entries_refused: int = 0  # entries of 提出/ reported and not read as workbooks (.xls, .csv, folders …)
    previous: object = None  # rolling.Comparison when --previous is given
    decisions: list = field(default_factory=list)  # list[decisions.Decision] read from 重複判定.xlsx, in file order
    budget: object = None  # budget.BudgetBook read from 予算事務事業.xlsx (None without the file)
    timings: dict[str, float] = field(default_factory=dict)
    frames: Frames = None  # type: ignore[assignment]  # set by frames.compile_frames once the records are merged

    @property
    def totals(self) -> Totals:
        """The budget totals every output prints (computed in frames.aggregate)."""
        return self.frames.budget

    @cached_property
    def index(self) -> ProjectIndex:
        """Projects grouped by 施策, 再掲 施策, risk scenario and basic goal; KPIs by 施策."""
        return ProjectIndex.of(self.projects, self.measure_kpis)

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == "エラー")

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity == "警告")

    def project(self, project_id: str) -> Project:
        for p in self.projects:
            if p.project_id == project_id:
                return p
        raise KeyError(project_id)
