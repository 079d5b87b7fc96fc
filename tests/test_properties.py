"""Order of inputs never changes the result; compiling twice gives the same result."""
import random
import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from compiler.build import compile_cycle
from tests.builders import make_cycle, plan_row

ROWS = {
    "総合計画": [
        plan_row("雨水排水施設整備事業", id="0501-001", direction="3-4-1", **{"budget:R7": 1200, "budget:R8": 800}),
        plan_row("雨水排水施設整備事業（再掲）", id="0501-001", measure="3-1", **{"budget:R7": 1200}),
        plan_row("河川しゅんせつ事業", **{"budget:R7": 300, "budget:R9": 0}),
        plan_row("第1排水区雨水管整備", **{"budget:R8": 50}),
        plan_row("第2排水区雨水管整備", **{"budget:R8": 70}),
        plan_row("防災マップ作成事業", dept="防災危機管理課", measure="3-1", **{"budget:R7": 10}),
        plan_row("子育て応援アプリ", dept="子ども家庭課", measure="1-1", status="新規", **{"budget:R7": 0}),
    ],
    "国土強靱化": [
        {"name": "雨水排水施設　整備", "dept": "河川課", "scenarios": "1-3", "location": "中央"},
        {"name": "県管理河川の河道掘削", "dept": "河川課", "scenarios": "1-3", "actor": "県", "location": "サンプル川"},
        {"id": "0101-G", "name": "防災マップ作成", "dept": "防災危機管理課", "scenarios": "1-1、2-1", "location": "全域"},
    ],
    "総合戦略": [
        {"id": "0501-001", "name": "雨水", "dept": "河川課", "goals": "4"},
        {"name": "子育て応援アプリ事業", "dept": "子ども家庭課", "goals": "3", "kpi_name": "登録者数", "kpi_target": "5000"},
    ],
}
FILES = ["0101_防災危機管理課.xlsx", "0301_子ども家庭課.xlsx", "0501_河川課.xlsx"]


def summary(comp):
    projects = sorted((p.project_id, p.name, p.dept, p.plans, p.measure_code, p.relisted_measures, p.scenarios,
                       p.goals, tuple(sorted(p.budget.items())), p.location) for p in comp.projects)
    return projects, comp.totals, len(comp.merge_log), comp.rows_excluded, sorted(
        (c.name_a, c.name_b, c.score) for c in comp.candidates)


def build_cycle(root: Path, seed: int) -> Path:
    rng = random.Random(seed)
    books: dict[str, dict[str, list]] = {}
    for sheet, rows in ROWS.items():
        rows = rows[:]
        rng.shuffle(rows)
        for row in rows:
            books.setdefault(rng.choice(FILES), {}).setdefault(sheet, []).append(row)
    return make_cycle(root, books)


BASE: dict = {}


def baseline(tmp: Path):
    if "s" not in BASE:
        root = build_cycle(tmp / "base", 0)
        BASE["s"] = summary(compile_cycle(root, workers=1))
    return BASE["s"]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=1, max_value=10**6))
def test_shuffling_files_and_rows_changes_nothing(tmp_path, seed):
    expected = baseline(tmp_path)
    root = tmp_path / f"c{seed}"
    shutil.rmtree(root, ignore_errors=True)
    got = summary(compile_cycle(build_cycle(root, seed), workers=1))
    assert got == expected


def test_compiling_twice_is_identical_and_totals_are_primary_rows(tmp_path):
    root = build_cycle(tmp_path / "x", 7)
    a, b = compile_cycle(root, workers=1), compile_cycle(root, workers=1)
    assert summary(a) == summary(b)
    assert a.problems == b.problems
    primary_sum = 1200 + 300 + 10 + 0
    assert a.totals.by_year["R7"] == primary_sum
    assert a.totals.by_year["R8"] == 800 + 50 + 70
    assert sum(p.budget_total() for p in a.projects) == sum(a.totals.by_year.values())
