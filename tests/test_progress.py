"""進行管理・効果検証: the 進捗率 and rating rules (ratings.py), the survey's results columns as the
pipeline reads and checks them, and the frames built on them (frames/progress.py)."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from compiler.build import compile_cycle
from compiler.master import MasterError, load_master
from compiler.models import SHEET_KPI, SHEET_PLAN, SHEET_STRATEGY
from compiler.ratings import (BASIS_PRORATED, BASIS_YEAR, DEFAULT_CRITERIA, direction_of, progress_rate, rating,
                              read_number, target_for, unit_contradicts)
from tests.builders import make_cycle, plan_row
from tests.test_rolling import write_previous

F = "0501_河川課.xlsx"
SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample-city"


# ---- the rules, one by one ------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("23団体", (23.0, "団体")), ("７３．０％", (73.0, "%")), ("1,234", (1234.0, "")), ("△2", (-2.0, "")),
    ("約 40 件", (40.0, "件")), ("", (None, "")), ("未集計", (None, "未集計")), (12, (12.0, "")),
])
def test_read_number(text, expected) -> None:
    assert read_number(text) == expected


def test_a_unit_written_with_the_value_must_be_the_kpis() -> None:
    assert unit_contradicts("件", "団体")
    assert not unit_contradicts("団体", "団体") and not unit_contradicts("％", "%") and not unit_contradicts("", "人")


def test_target_is_the_years_own_else_the_final_pro_rated() -> None:
    assert target_for(6, 30.0, 10.0, 2, 100.0, 11) == (30.0, BASIS_YEAR)
    target, basis = target_for(6, None, 10.0, 2, 100.0, 11)  # 4 of 9 years: 10 + 90 × 4/9
    assert basis == BASIS_PRORATED and target == pytest.approx(50.0)
    assert target_for(11, None, 10.0, 2, 100.0, 11) == (100.0, BASIS_YEAR)
    assert target_for(6, None, None, None, 100.0, 11) == (None, "")  # no base: nothing to pro-rate from
    assert target_for(6, None, 10.0, 2, None, None) == (None, "")


@pytest.mark.parametrize("direction, base, target, actual, rate", [
    ("増加", 10, 20, 15, 50.0), ("増加", 10, 20, 20, 100.0), ("増加", 10, 20, 5, -50.0),
    ("減少", 20, 10, 15, 50.0), ("減少", 20, 10, 25, -50.0), ("減少", 20, 10, 8, 120.0),
    ("増加", 10, 10, 12, None),  # 目標 = 基準: nothing to measure
    ("増加", 10, 5, 12, None),  # a target on the wrong side of the base
    ("増加", 10, 20, None, None), ("増加", None, 20, 15, None),
    ("維持", 80, 80, 85, 100.0), ("維持", 80, 80, 72, 90.0),
])
def test_progress_rate(direction, base, target, actual, rate) -> None:
    got = progress_rate(direction, base, target, actual)
    assert got == (None if rate is None else pytest.approx(rate))


def test_direction_is_inferred_from_the_target_when_blank() -> None:
    assert direction_of("", 10, 5) == "減少" and direction_of("", 10, 15) == "増加" and direction_of("", 10, 10) == ""
    assert direction_of("↑", None, None) == "増加" and direction_of("維持", 10, 20) == "維持"


@pytest.mark.parametrize("percent, label", [(150, "S"), (100, "S"), (99.9, "A"), (10, "A"), (9.9, "B"),
                                            (-10, "B"), (-10.1, "C"), (None, "－")])
def test_default_criteria(percent, label) -> None:
    assert rating(DEFAULT_CRITERIA, "増加", 10, 12, percent) == label


def test_hold_indicator_rates_by_its_base() -> None:
    c = DEFAULT_CRITERIA
    assert rating(c, "維持", 80, 85, progress_rate("維持", 80, 80, 85)) == "S"
    assert rating(c, "維持", 80, 73, progress_rate("維持", 80, 80, 73)) == "B"  # within 10 % under the base
    assert rating(c, "維持", 80, 70, progress_rate("維持", 80, 80, 70)) == "C"


# ---- the pipeline ---------------------------------------------------------------------------

def kpi(name: str, **kw: object) -> dict[str, object]:
    row: dict[str, object] = {"name": name, "measure": "3-4", "unit": "件", "base": "10", "base_year": "R2",
                              "final_target": "100", "final_year": "R11", "trend": "増加"}
    row.update(kw)
    return row


KPIS = [
    kpi("当該年度目標で測る指標", prior_target="30", actual="30件"),            # (30-10)/(30-10) = 100 → S
    kpi("按分で測る指標", actual="30"),                                         # target 50: 20/40 = 50 → A
    kpi("減少が望ましい指標", base="200", final_target="100", trend="減少", prior_target="150", actual="210"),  # -20 → C
    kpi("実績が空欄の指標"),                                                     # － (未把握)
    kpi("単位違いの指標", actual="23団体"),
    kpi("数値でない実績の指標", actual="集計中"),
    kpi("維持する指標", base="80", final_target="80", trend="維持", actual="75"),  # within 10 % → B
]


def write_criteria(root: Path, rows: list[tuple]) -> None:
    path = root / "計画マスタ.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("評価基準")
    ws.append(["評価", "進捗率の下限（%）", "意味"])
    for r in rows:
        ws.append(list(r))
    wb.save(path)


@pytest.fixture(scope="module")
def kpi_comp(tmp_path_factory):
    root = make_cycle(tmp_path_factory.mktemp("kpi") / "R7", {F: {SHEET_KPI: KPIS}})
    return compile_cycle(root, workers=1)


def by_name(comp) -> dict[str, dict]:
    df = comp.frames.kpi_progress
    return {r["指標名"]: r for r in df.to_dict("records")}


def test_kpi_ratings_through_the_pipeline(kpi_comp) -> None:
    rows = by_name(kpi_comp)
    assert [rows[n]["評価"] for n in ("当該年度目標で測る指標", "按分で測る指標", "減少が望ましい指標", "実績が空欄の指標",
                                      "数値でない実績の指標", "維持する指標")] == ["S", "A", "C", "－", "－", "B"]
    assert rows["按分で測る指標"]["目標の根拠"] == BASIS_PRORATED and rows["按分で測る指標"]["目標値"] == pytest.approx(50.0)
    assert rows["当該年度目標で測る指標"]["目標の根拠"] == BASIS_YEAR and rows["当該年度目標で測る指標"]["実績値"] == 30.0
    assert rows["減少が望ましい指標"]["進捗率"] == pytest.approx(-20.0)
    assert rows["実績が空欄の指標"]["実績区分"] == "" and rows["按分で測る指標"]["実績区分"] == "実績"
    assert kpi_comp.frames.progress_counts["評価:S"] == 1


def test_kpi_actual_problems_at_their_cells(kpi_comp) -> None:
    got = {(p.code, p.cell[:1] != "", p.cell[1:]) for p in kpi_comp.problems if p.code.startswith("kpi-")}
    assert got == {("kpi-unit-mismatch", True, "6"), ("kpi-actual-not-number", True, "7")}


def test_criteria_from_the_master_replace_the_defaults(tmp_path) -> None:
    root = make_cycle(tmp_path / "R7", {F: {SHEET_KPI: KPIS}})
    write_criteria(root, [("◎", "100", "達成"), ("○", "50%", "半分以上"), ("△", "0", "前進"), ("×", None, "後退"),
                          ("ー", None, "測れない")])
    comp = compile_cycle(root, workers=1)
    assert comp.master.criteria.labels == ("◎", "○", "△", "×", "ー")
    rows = by_name(comp)
    assert [rows[n]["評価"] for n in ("当該年度目標で測る指標", "按分で測る指標", "減少が望ましい指標",
                                      "実績が空欄の指標")] == ["◎", "○", "×", "ー"]
    assert comp.frames.by_measure_progress.loc["3-4", "評価:○"] == 1


def test_criteria_sheet_mistakes_are_master_errors(tmp_path) -> None:
    root = make_cycle(tmp_path / "R7", {})
    write_criteria(root, [("S", "百", "目標以上"), ("C", None, "悪化"), ("－", None, "未把握")])
    with pytest.raises(MasterError, match="B2"):
        load_master(root / "計画マスタ.xlsx")


PLAN_ROWS = [  # rows 2..
    plan_row("計画どおりの事業", id="0501-001", settled=950, progress="計画通り", outlook="継続",
             **{"budget:R7": 1000, "budget:R8": 1000}),
    plan_row("進捗が空欄の事業", id="0501-002", settled=100, **{"budget:R7": 100}),
    plan_row("新しい事業", status="新規", progress="計画どおり", **{"budget:R7": 50}),
    plan_row("廃止するのに予算がある事業", id="0501-003", progress="完了", outlook="廃止", **{"budget:R8": 10}),
    plan_row("拡充なのに減る事業", id="0501-004", settled=500, progress="遅れ", outlook="拡充", **{"budget:R7": 300}),
    plan_row("選べない進捗の事業", id="0501-005", progress="順調", outlook="継続", **{"budget:R7": 10}),
    plan_row("計画どおりの事業（再掲）", id="0501-001", measure="3-1", **{"budget:R7": 1000, "budget:R8": 1000}),
    plan_row("倍以上使った事業", id="0501-006", settled=400, progress="計画どおり", outlook="継続", **{"budget:R7": 200}),
]
STRATEGY_ROWS = [{"name": "計画どおりの事業", "id": "0501-001", "dept": "河川課", "goals": "4", "kpi_actual": "12"}]
PREVIOUS = [["0501-001", "計画どおりの事業", "河川課", "3-4", "○", "", "", "", "", "", 1000, 1000, 1000],
            ["0501-002", "進捗が空欄の事業", "河川課", "3-4", "○", "", "", "", "", "", 200, 100, None],
            ["0501-006", "倍以上使った事業", "河川課", "3-4", "○", "", "", "", "", "", 200, 200, None]]


@pytest.fixture(scope="module")
def plan_comp(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plan")
    root = make_cycle(tmp / "R7", {F: {SHEET_PLAN: PLAN_ROWS, SHEET_STRATEGY: STRATEGY_ROWS}})
    return compile_cycle(root, previous=write_previous(tmp / "R6out", PREVIOUS), workers=1)


def test_results_columns_are_checked(plan_comp) -> None:
    codes = {(p.code, p.sheet, "".join(ch for ch in p.cell if ch.isdigit())) for p in plan_comp.problems
             if p.code not in ("settled-over-plan",) and p.sheet in (SHEET_PLAN, SHEET_STRATEGY)}
    assert codes >= {("progress-missing", SHEET_PLAN, "3"), ("progress-on-new", SHEET_PLAN, "4"),
                     ("outlook-with-budget", SHEET_PLAN, "5"), ("outlook-expand-lower", SHEET_PLAN, "6"),
                     ("bad-choice", SHEET_PLAN, "7"), ("kpi-actual-without-kpi", SHEET_STRATEGY, "2")}
    assert ("progress-missing", SHEET_PLAN, "8") not in codes  # the 再掲 row leaves its results to the main row


def test_aliases_become_the_listed_choice(plan_comp) -> None:
    p = next(p for p in plan_comp.projects if p.name == "計画どおりの事業")
    assert (p.progress, p.outlook, p.settled) == ("計画どおり", "継続", 950)
    stop = next(p for p in plan_comp.projects if p.name == "廃止するのに予算がある事業")
    assert stop.outlook == "休止・廃止"


def test_execution_rate_against_the_previous_plan(plan_comp) -> None:
    df = plan_comp.frames.progress.set_index("事業ID")
    assert df.loc["0501-001", "計画額"] == 1000 and df.loc["0501-001", "執行率"] == pytest.approx(95.0)
    assert df.loc["0501-002", "計画額"] == 200 and df.loc["0501-002", "執行率"] == pytest.approx(50.0)
    assert "進捗状況が未記入" in df.loc["0501-002", "要確認"]
    assert "決算見込額が計画額の1.5倍超" in df.loc["0501-006", "要確認"]
    over = [p for p in plan_comp.problems if p.code == "settled-over-plan"]
    assert [(p.sheet, p.cell[1:]) for p in over] == [(SHEET_PLAN, "9")]
    assert "（400千円）が前年度の計画額（200千円）" in over[0].message
    total = plan_comp.frames.by_measure_progress.loc["3-4"]
    assert (total["計画額"], total["決算見込額"]) == (1400, 1450)  # the three with both figures
    assert total["執行率"] == pytest.approx(1450 / 1400 * 100)
    assert "新しい事業" in set(plan_comp.frames.progress["事業名"])  # 新規, but a result was written: listed
    assert plan_comp.frames.by_policy_progress.loc["3", "進捗:遅れ"] == 1


def test_without_previous_there_is_no_planned_amount(tmp_path) -> None:
    root = make_cycle(tmp_path / "R7", {F: {SHEET_PLAN: PLAN_ROWS}})
    comp = compile_cycle(root, workers=1)
    assert comp.frames.progress["計画額"].isna().all() and comp.frames.progress["執行率"].isna().all()
    assert not [p for p in comp.problems if p.code == "settled-over-plan"]


def test_a_cycle_without_results_asks_for_none(tmp_path) -> None:
    rows = [plan_row("事業A", id="0501-001", **{"budget:R7": 10}), plan_row("事業B", id="0501-002")]
    comp = compile_cycle(make_cycle(tmp_path / "R7", {F: {SHEET_PLAN: rows}}), workers=1)
    assert not [p for p in comp.problems if p.code == "progress-missing"]


# ---- the sample: every 実績 written arrives somewhere ---------------------------------------

@pytest.fixture(scope="module")
def sample_comp():
    return compile_cycle(SAMPLE / "R7", workers=1)


def test_every_actual_written_is_evaluated_or_reported(sample_comp) -> None:
    written = set()
    for path in sorted((SAMPLE / "R7" / "提出").glob("*.xlsx")):
        wb = openpyxl.load_workbook(path, read_only=True)
        for sheet, label in ((SHEET_KPI, "R6実績値"), (SHEET_STRATEGY, "KPI実績値（R6）")):
            if sheet not in wb.sheetnames:
                continue
            rows = list(wb[sheet].iter_rows(values_only=True))
            head = next(i for i, r in enumerate(rows) if label in r)
            col = rows[head].index(label)
            written |= {(path.name, sheet, i + 1) for i, r in enumerate(rows) if i > head and r[col] not in (None, "")}
    assert len(written) > 20
    df = sample_comp.frames.kpi_progress
    evaluated = {(f, s, int(r)) for f, s, r, a in zip(df["ファイル"], df["シート"], df["行"], df["実績値（記入）"]) if a}
    reported = {(p.file, p.sheet, int("".join(ch for ch in p.cell if ch.isdigit())))
                for p in sample_comp.problems if p.code == "kpi-actual-without-kpi"}
    assert written <= evaluated | reported, sorted(written - evaluated - reported)[:5]
    excluded = {(o.file, o.sheet, o.row) for o in sample_comp.excluded_rows}
    assert not (evaluated & excluded)


def test_sample_has_every_rating_and_a_stopped_project(sample_comp) -> None:
    counts = sample_comp.frames.progress_counts
    assert all(counts[f"評価:{label}"] > 0 for label in DEFAULT_CRITERIA.labels), counts
    stopped = sample_comp.frames.progress[sample_comp.frames.progress["進捗状況"] == "中止"]
    assert len(stopped) == 1 and stopped["決算見込額"].iloc[0] == 0
