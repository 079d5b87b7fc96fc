"""The frames: one place computes every total, count and breakdown (frames/), with named dtypes."""
from __future__ import annotations

import pandas as pd
import pytest

from compiler.frames.tables import budget_column
from compiler.models import Project
from compiler.rolling import match_previous
from tests.factories import make_compilation, refresh

ALLOWED_DTYPES = {"string", "Int64", "boolean", "Float64"}


@pytest.fixture()
def comp():
    return make_compilation()


def test_totals_count_plan_budget_once(comp) -> None:
    t = comp.frames.budget
    # p1 3-4: 120000/150000/90000 (re-listed under 3-1, counted once), p2 3-1: 3000/3000/blank, p3 1-1: 0/1200/1200
    assert t.by_year == {"R7": 123000, "R8": 154200, "R9": 91200}
    assert t.by_measure_year["3-4"] == {"R7": 120000, "R8": 150000, "R9": 90000}
    assert t.by_measure_year["3-1"] == {"R7": 3000, "R8": 3000, "R9": 0}
    assert t.by_policy_year["3"] == {"R7": 123000, "R8": 153000, "R9": 90000}
    assert list(t.by_policy_year) == list(comp.master.policies)  # every 基本政策, in master order
    # p1 gives its 財源; p2 gives none (its 3000 is 未記入); p3 has 0 in R7
    assert t.by_funding == {"国県支出金": 50000, "地方債": 60000, "その他": 0, "一般財源": 10000, "未記入": 3000}


def test_funding_that_does_not_add_up_leaves_the_rest_unspecified(comp) -> None:
    comp.project("0101-003").funding = {"国県支出金": 1000}  # of 3000
    assert refresh(comp).frames.budget.by_funding["未記入"] == 2000
    assert comp.frames.budget.by_funding["国県支出金"] == 51000


def test_unknown_measure_goes_under_fumei(comp) -> None:
    comp.project("0301-G1A2B3C").measure_code = "9-9"
    t = refresh(comp).frames.budget
    assert t.by_measure_year["不明"] == {"R7": 0, "R8": 1200, "R9": 1200} and t.by_policy_year["不明"]["R8"] == 1200
    assert comp.frames.unplaced_codes() == ["9-9"] and comp.frames.counts["施策体系外"] == 1


def test_dtypes_are_named_and_blank_differs_from_zero(comp) -> None:
    f = comp.frames
    for name, df in f.tables().items():
        assert set(map(str, df.dtypes)) <= ALLOWED_DTYPES, name
    p = f.projects.set_index("事業ID")
    assert p.at["0101-003", budget_column("R9")] is pd.NA  # left blank
    assert p.at["0301-G1A2B3C", budget_column("R7")] == 0  # written 0
    assert p.at["0501-G9F8E7D", budget_column("R7")] is pd.NA  # not in 総合計画: no budget
    assert p.at["0501-001", "開始年度"] == "R7" and p.at["0501-001", "リスクシナリオ"] == "1-3"
    assert bool(p.at["0301-G1A2B3C", "仮番号"]) and not bool(p.at["0501-001", "仮番号"])


def test_matrix_counts_primary_and_relisted_and_projects_outside_the_plan(comp) -> None:
    m = comp.frames.matrix
    assert m.at["3-4", "1-3"] == 1 and m.at["3-1", "1-3"] == 1  # p1 under its primary and its 再掲 施策
    assert m.at["3-1", "1-1"] == 1 and m.at["3-1", "2-1"] == 1  # p2
    assert m.at["", "1-3"] == 1  # p4: 国土強靱化 only
    assert int(m.to_numpy().sum()) == 5
    assert list(m.index[:-1]) == [c for c in comp.master.measures]


def test_breakdowns(comp) -> None:
    f = comp.frames
    s = f.by_scenario
    assert s.at["1-3", "対応事業数"] == 2 and s.at["1-3", "事業費"] == 360000  # p1's plan budget, p4 has none
    assert s.at["1-1", "実施箇所未記入"] == 1  # p2 has no 実施箇所
    m = f.by_measure
    assert m.at["3-1", "事業数"] == 1 and m.at["3-1", "再掲事業数"] == 1 and m.at["3-4", "成果指標数"] == 1
    assert m.at["3-4", "国土強靱化"] == 1 and m.at["1-1", "総合戦略"] == 1
    assert f.by_goal.at["4", "事業数"] == 1 and f.by_goal.at["4", "事業費"] == 6000
    c = f.counts
    assert (c["事業"], c["総合計画"], c["国土強靱化"], c["総合戦略"], c["複数計画"]) == (4, 3, 3, 2, 3)
    assert (c["新規"], c["再掲あり"], c["仮番号"], c["要確認"], c["国土強靱化のみ"]) == (1, 1, 2, 1, 1)


def _project(pid: str, name: str, key: str, dept: str = "河川課") -> Project:
    return Project(pid, False, name, dept, key)


def test_previous_matched_by_id_then_by_dept_and_name() -> None:
    projects = [_project("A-1", "継続事業", "継続"), _project("N-1", "改番事業", "改番"), _project("N-2", "改番事業", "改番"),
                _project("N-3", "新規事業", "新規")]
    previous = {"A-1": {"事業ID": "A-1", "事業名": "継続事業", "所管課": "河川課"},
                "O-1": {"事業ID": "O-1", "事業名": "改番事業", "所管課": "河川課"},
                "O-2": {"事業ID": "O-2", "事業名": "終了事業", "所管課": "河川課"}}
    assert match_previous(projects, previous) == [("継続", "A-1"), ("番号変更", "O-1"), ("新規", ""), ("新規", "")]


def test_renumbering_needs_the_same_dept() -> None:
    projects = [_project("N-1", "改番事業", "改番", dept="道路課")]
    previous = {"O-1": {"事業ID": "O-1", "事業名": "改番事業", "所管課": "河川課"}}
    assert match_previous(projects, previous) == [("新規", "")]


def test_related_departments_of_a_measure(comp) -> None:
    """関係課: the 所管課 of the 施策's projects (re-listed ones included) but its 主担当課, in 課一覧 order;
    the master's 関係課 column, where written, stands instead."""
    import dataclasses

    by = comp.frames.by_measure
    assert (by.at["3-1", "主担当課"], by.at["3-1", "関係課"]) == ("防災危機管理課", "河川課")  # 0501-001 re-listed
    assert by.at["3-4", "関係課"] == "" and by.at["1-1", "関係課"] == ""
    extra = dataclasses.replace(comp.projects[0], project_id="0301-009", name="防災教育事業", dept="子ども家庭課",
                                measure_code="3-1", direction_code="3-1-1", relisted_measures=())
    comp.projects.append(extra)
    by = refresh(comp).frames.by_measure
    assert by.at["3-1", "関係課"] == "河川課、子ども家庭課"  # the 課一覧's order: 河川課 comes first there
    m = comp.master
    comp.master = dataclasses.replace(m, measures={**m.measures, "3-1": dataclasses.replace(m.measures["3-1"],
                                                                                           related_depts="全課")})
    assert refresh(comp).frames.by_measure.at["3-1", "関係課"] == "全課"
