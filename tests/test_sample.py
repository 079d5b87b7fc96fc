"""The shipped sample cycle (サンプル市 R7): its expected figures are pinned here."""
from collections import Counter
from pathlib import Path

import pytest

from compiler.build import compile_cycle

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample-city"


@pytest.fixture(scope="module")
def comp():
    return compile_cycle(SAMPLE / "R7")


def test_counts(comp):
    assert len(comp.files) == 31 and all(f.readable for f in comp.files)
    assert (comp.rows_read, len(comp.merge_log), comp.rows_excluded) == (345, 343, 2)
    assert len(comp.projects) == 214
    assert (sum(p.in_plan for p in comp.projects), sum(p.in_resilience for p in comp.projects),
            sum(p.in_strategy for p in comp.projects)) == (205, 87, 43)
    assert sum(1 for p in comp.projects if p.relisted_measures) == 8
    assert len(comp.candidates) == 8
    # warnings: 4 実施箇所 left blank, 2 個別計画 expiring without 改定予定 (P02 R7, P05 R8), one 関連個別計画 not in
    # the ledger (0301) and one citing a plan the ledger does not link to the project's 施策 (0202, P04 → 1-4);
    # 5 of the 予算との対照
    assert (comp.errors, comp.warnings) == (7, 13)
    assert Counter(e.rule for e in comp.merge_log) == {"事業ID一致": 189, "単独": 93, "名称一致": 57, "判定指定": 4}
    assert comp.kpi_rows_read == 54 and len(comp.measure_kpis) == 54


def test_deliberate_mistakes_are_reported_at_their_cells(comp):
    got = {(p.file, p.sheet, p.cell, p.code) for p in comp.problems}
    assert got == {
        ("0401_社会福祉課.xlsx", "国土強靱化", "C3", "row-no-dept"),
        ("0501_子ども家庭課.xlsx", "総合計画", "B12", "row-no-name"),
        ("0601_商工振興課.xlsx", "総合計画", "M4", "funding-mismatch"),
        ("0703_道路管理課.xlsx", "総合計画", "C7", "unknown-dept"),
        ("0706_建築住宅課.xlsx", "国土強靱化", "D3", "unknown-scenario"),
        ("0801_下水道建設課.xlsx", "総合計画", "N9", "negative-money"),
        ("道路建設課_R7実施計画調書.xlsx", "総合計画", "D9", "unknown-measure"),
        ("0303_環境政策課.xlsx", "国土強靱化", "F2", "no-location"),
        ("0404_健康づくり課.xlsx", "国土強靱化", "F2", "no-location"),
        ("0601_商工振興課.xlsx", "国土強靱化", "F2", "no-location"),
        ("0902_警防救急課.xlsx", "国土強靱化", "F2", "no-location"),
        ("計画マスタ.xlsx", "個別計画", "F3", "plan-expiring"),
        ("計画マスタ.xlsx", "個別計画", "F6", "plan-expiring"),
        ("0301_防災危機管理課.xlsx", "総合計画", "AA2", "plan-unknown"),
        ("0202_資産管理課.xlsx", "総合計画", "AA3", "plan-measure-unlinked"),
        # 予算との対照 (examples/sample_budget.py): two かい離, an unknown code, a 政策 project without a code,
        # an item of another 課
        ("0401_社会福祉課.xlsx", "総合計画", "M5", "budget-gap"),
        ("道路建設課_R7実施計画調書.xlsx", "総合計画", "M9", "budget-gap"),
        ("0303_環境政策課.xlsx", "総合計画", "AB6", "budget-code-unknown"),
        ("0601_商工振興課.xlsx", "総合計画", "AB2", "budget-code-missing"),
        ("0602_観光プロモーション課.xlsx", "総合計画", "AB7", "budget-dept-mismatch"),
    }


def test_returns_are_the_workbooks_with_cell_problems(comp):
    from compiler.returns import returnable

    # 10 with the deliberate mistakes above, 0202 and 0301 for their 関連個別計画, 0602 for its 予算事務事業 of another 課
    assert len(returnable(comp)) == 13


def test_ledger_of_sectoral_plans(comp):
    f = comp.frames
    assert len(comp.master.ledger.plans) == 9 and not comp.master.ledger.problems
    assert f.plans["計画ID"].tolist() == [f"P0{i}" for i in range(1, 10)]
    assert f.plans.loc[f.plans["期間満了"], "計画ID"].tolist() == ["P01", "P02", "P05", "P06"]  # P01, P06: 改定予定
    assert f.plans.loc[f.plans["要改定"], "計画ID"].tolist() == ["P02", "P05"]
    assert f.plans.set_index("計画ID").at["P03", "計画期間"] == "2017（平成29）年度～2036（令和18）年度"
    assert len(f.plan_citations) == 12 and f.plan_citations["計画ID"].isna().sum() == 1


def test_reviewer_decisions_and_two_dept_entry(comp):
    giga = [p for p in comp.projects if p.project_id == "1002-001"][0]
    assert set(giga.names) == {"GIGAスクール端末更新事業", "GIGAスクール構想端末更新"}
    pairs = {(c.name_a, c.dept_a, c.name_b, c.dept_b) for c in comp.candidates}
    assert ("避難行動要支援者支援事業", "防災危機管理課", "避難行動要支援者支援事業", "社会福祉課") in pairs
    assert not any("小学校施設改修" in c.name_a + c.name_b for c in comp.candidates)  # decided 別


def test_totals_are_primary_rows_only(comp):
    for y in comp.master.years:
        assert comp.totals.by_year[y] == sum(p.budget.get(y) or 0 for p in comp.projects if p.in_plan)
        assert sum(v[y] for v in comp.totals.by_policy_year.values()) == comp.totals.by_year[y]


def test_rolling_plan_against_the_shipped_previous_cycle(tmp_path):
    from compiler.build import build

    build(SAMPLE / "R6", tmp_path / "R6")
    comp = compile_cycle(SAMPLE / "R7", previous=tmp_path / "R6")
    cmp = comp.previous
    counts = Counter(p.status for p in cmp.pairs)
    assert (counts["新規"], counts["終了"], counts["番号変更"]) == (12, 9, 1)
    renumbered = cmp.by_status("番号変更")[0]
    assert (renumbered.previous_id, renumbered.project_id, renumbered.name) == ("0601-001", "0601-010", "中小企業融資制度事業")
    changes = {(p.name, c.label, c.before, c.after) for p in cmp.pairs for c in p.changes}
    assert ("健康ポイント事業", "事業名", "健康マイレージ事業", "健康ポイント事業") in changes
    assert ("移住定住促進事業", "施策コード", "6-3", "6-4") in changes
    for y in cmp.overlap_years:
        assert sum(p.diff(y) for p in cmp.pairs) == cmp.current_totals[y] - cmp.previous_totals[y]
    assert "probable-renumbering" in {p.code for p in comp.problems}


def test_budget_comparison(comp):
    """The sample's budget export: more items than plan projects, one shared item, one project on two items."""
    c = comp.frames.budget_counts
    assert c["予算事務事業数"] > c["計画事業数"] and c["計画外の予算事務事業数"] > 0
    assert c["共有する予算事務事業数"] == 1 and c["かい離"] == 2
    df = comp.frames.budget_compare
    split = df.loc[df["事業名"] == "放課後児童クラブ運営事業"].iloc[0]
    assert len(split["予算事務事業コード"].split("、")) == 2 and split["予算額"] == split["計画額"]
