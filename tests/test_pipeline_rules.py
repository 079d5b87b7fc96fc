"""One tiny cycle per rule of DESIGN §2.2 (reading/validation), §3 (identity/merge), §4 (nothing lost)."""
import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from compiler.build import compile_cycle
from compiler.master import MasterError, load_master
from tests.builders import make_cycle, plan_row, write_master

F = "0501_河川課.xlsx"


def compile_books(tmp_path: Path, books, **kw):
    return compile_cycle(make_cycle(tmp_path, books, **kw), workers=1)


def codes(comp):
    return [(p.file, p.sheet, p.cell, p.code) for p in comp.problems]


def by_name(comp, name):
    return [p for p in comp.projects if p.name == name]


# ------------------------------------------------------------------ reading
def test_header_below_title_and_halfwidth_brackets(tmp_path):
    root = make_cycle(tmp_path, {})
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "総合計画"
    ws["A1"] = "令和7年度 実施計画調書（河川課）"
    ws.merge_cells("A1:H1")
    ws.append([])
    ws.append(["事業名", "所管課", "施策コード", "新継区分", "事業内容", "会計", "R7事業費(千円)", "独自メモ"])
    ws.append(["雨水排水施設整備事業", "河川課", "3-4", "継続", "雨水管を整備", "一般", "1,200", "x"])
    wb.save(root / "提出" / F) if (root / "提出").exists() else ((root / "提出").mkdir(), wb.save(root / "提出" / F))
    comp = compile_cycle(root, workers=1)
    assert [p.budget["R7"] for p in comp.projects] == [1200]
    assert (F, "総合計画", "H3", "sheet-unknown-column") in codes(comp)
    assert comp.merge_log[0].origin.row == 4


def test_codes_stay_text_and_dates_in_code_columns_are_recovered(tmp_path):
    comp = compile_books(tmp_path, {F: {"国土強靱化": [
        {"id": "00123", "name": "排水機場更新", "dept": "河川課", "scenarios": dt.datetime(2025, 1, 3), "location": "北地区"}]}})
    p = comp.projects[0]
    assert p.project_id == "00123"
    assert p.scenarios == ("1-3",)
    assert (F, "国土強靱化", "D2", "date-in-code") in codes(comp)


def test_merged_data_cells_are_filled(tmp_path):
    root = make_cycle(tmp_path, {F: {"総合計画": [plan_row("A事業"), plan_row("B事業", dept=None)]}})
    wb = openpyxl.load_workbook(root / "提出" / F)
    wb["総合計画"].merge_cells("C2:C3")  # 所管課 merged over two rows
    wb.save(root / "提出" / F)
    comp = compile_cycle(root, workers=1)
    assert sorted(p.dept for p in comp.projects) == ["河川課", "河川課"]
    assert comp.rows_excluded == 0


def test_missing_required_column_excludes_sheet_and_accounts_rows(tmp_path):
    root = make_cycle(tmp_path, {})
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "総合計画"
    ws.append(["事業名", "施策コード", "新継区分", "事業内容", "会計"])  # no 所管課
    ws.append(["A事業", "3-4", "継続", "x", "一般"])
    ws.append(["B事業", "3-4", "継続", "x", "一般"])
    (root / "提出").mkdir(exist_ok=True)
    wb.save(root / "提出" / F)
    comp = compile_cycle(root, workers=1)
    assert (F, "総合計画", "A1", "sheet-missing-column") in codes(comp)
    assert comp.rows_read == 2 and comp.rows_excluded == 2 and comp.projects == []


def test_unreadable_file_is_one_error_and_others_compile(tmp_path):
    root = make_cycle(tmp_path, {F: {"総合計画": [plan_row("A事業")]}})
    (root / "提出" / "壊れた.xlsx").write_bytes(b"this is not a workbook")
    (root / "提出" / "~$0501_河川課.xlsx").write_bytes(b"lock")
    (root / "提出" / "メモ.txt").write_text("memo")
    comp = compile_cycle(root, workers=1)
    file_level = [(p.file, p.action) for p in comp.problems if p.cell == ""]
    assert ("壊れた.xlsx", "ファイル除外") in file_level
    assert ("メモ.txt", "ファイル除外") in file_level
    assert not any("~$" in p.file for p in comp.problems)
    assert [p.name for p in comp.projects] == ["A事業"]


def test_workbook_without_template_sheets(tmp_path):
    comp = compile_books(tmp_path, {F: {"メモ": [{"x": 1}]}})
    assert codes(comp) == [(F, "", "", "file-no-template-sheet")]


# ------------------------------------------------------------------ validation
def test_cell_level_validation(tmp_path):
    comp = compile_books(tmp_path, {F: {"総合計画": [
        plan_row("A事業", measure="9-9", direction="3-1-1", status="新", account="特別",
                 **{"budget:R7": 100, "fund:国県支出金": 50, "fund:一般財源": 40}),
        plan_row("B事業", **{"budget:R7": -5, "budget:R8": "約百", "budget:R9": 1e15, "sdgs": "11,18", "priority": "要"}),
        plan_row("C事業", dept="存在しない課", status=None, content=None),
    ]}})
    got = set(codes(comp))
    expected = {
        (F, "総合計画", "D2", "unknown-measure"),
        (F, "総合計画", "I2", "unknown-account"), (F, "総合計画", "M2", "funding-mismatch"),
        (F, "総合計画", "M3", "negative-money"), (F, "総合計画", "N3", "bad-money"), (F, "総合計画", "O3", "absurd-money"),
        (F, "総合計画", "T3", "bad-flag"), (F, "総合計画", "U3", "bad-sdg"),
        (F, "総合計画", "C4", "unknown-dept"), (F, "総合計画", "G4", "required-blank"), (F, "総合計画", "H4", "required-blank"),
    }
    assert expected <= got, expected - got
    assert all(p.needs_review for p in comp.projects)
    # the status "新" is accepted as 新規; direction 3-1-1 does not belong to unknown 9-9: no mismatch claim
    assert by_name(comp, "A事業")[0].status == "新規"


def test_direction_must_belong_to_measure(tmp_path):
    comp = compile_books(tmp_path, {F: {"総合計画": [plan_row("A事業", direction="3-1-1")]}})
    assert (F, "総合計画", "E2", "direction-mismatch") in codes(comp)


def test_resilience_and_strategy_rules(tmp_path):
    comp = compile_books(tmp_path, {F: {
        "国土強靱化": [{"name": "排水機場更新", "dept": "河川課", "scenarios": "1-3、9-9", "start_year": "令和9年度",
                   "end_year": 2025, "total_cost": "５０千円"},
                  {"name": "民間建築物耐震化", "dept": "河川課", "scenarios": "1-1", "actor": "民間", "location": "市内全域",
                   "start_year": dt.datetime(2025, 6, 1)}],
        "総合戦略": [{"name": "子育てアプリ", "dept": "河川課", "goals": "基本目標3、7", "strategy_measures": "3-1、8-8"}],
    }})
    got = set(codes(comp))
    assert {(F, "国土強靱化", "D2", "unknown-scenario"), (F, "国土強靱化", "F2", "no-location"),
            (F, "国土強靱化", "H2", "year-order"), (F, "国土強靱化", "H3", "date-in-year"),
            (F, "総合戦略", "D2", "unknown-goal"), (F, "総合戦略", "E2", "unknown-strategy-measure")} <= got
    p = by_name(comp, "排水機場更新")[0]
    assert p.actor == "市" and p.total_cost == 50 and p.scenarios == ("1-3", "9-9")
    assert by_name(comp, "子育てアプリ")[0].goals == ("3", "7")


def test_rows_without_name_or_dept_are_excluded_and_listed(tmp_path):
    comp = compile_books(tmp_path, {F: {"総合計画": [
        plan_row("A事業"), {"dept": "河川課", "content": "名前なし"}, plan_row("B事業", dept=None),
        {"note": "備考だけ"}]}})
    assert comp.rows_read == 4 and comp.rows_excluded == 3
    assert {(p.cell, p.code, p.action) for p in comp.problems} == {
        ("B3", "row-no-name", "除外"), ("C4", "row-no-dept", "除外"), ("B5", "row-no-name", "除外")}


def test_kpi_rows_are_read_and_accounted(tmp_path):
    comp = compile_books(tmp_path, {F: {"成果指標": [
        {"name": "浸水被害件数", "measure": "3-4", "unit": "件", "base": "12", "target:R7": "10", "strategy_kpi": "○"},
        {"measure": "3-4", "unit": "件"}]}})
    assert [k.name for k in comp.measure_kpis] == ["浸水被害件数"] and comp.measure_kpis[0].strategy_kpi
    assert comp.kpi_rows_read == 2 and comp.kpi_rows_excluded == 1


# ------------------------------------------------------------------ identity and merge
def test_id_and_spelling_variants_merge_across_sheets(tmp_path):
    comp = compile_books(tmp_path, {F: {
        "総合計画": [plan_row("雨水排水施設整備事業", id="0501-001", **{"budget:R7": 100})],
        "国土強靱化": [{"name": "雨水排水施設　整備", "dept": "河川課", "scenarios": "1-3", "location": "中央"},
                  {"id": "０５０１－００１", "name": "雨水対策", "dept": "河川課", "scenarios": "2-1", "location": "北"}],
        "総合戦略": [{"name": "雨水排水施設整備事業", "dept": "河川課", "goals": "4"}]}})
    assert len(comp.projects) == 1
    p = comp.projects[0]
    assert p.plans == ("総合計画", "国土強靱化", "総合戦略")
    assert p.scenarios == ("1-3", "2-1") and p.goals == ("4",) and p.location == "中央"
    rules = {(e.origin.sheet, e.origin.row): e.rule for e in comp.merge_log}
    assert rules[("国土強靱化", 2)] == "名称一致" and rules[("国土強靱化", 3)] == "事業ID一致"
    assert (F, "国土強靱化", "F3", "conflict") in codes(comp)


def test_same_name_in_two_depts_is_a_candidate_not_a_merge(tmp_path):
    comp = compile_books(tmp_path, {
        F: {"総合計画": [plan_row("防災マップ作成事業")]},
        "0101_防災危機管理課.xlsx": {"総合計画": [plan_row("防災マップ作成事業", dept="防災危機管理課", measure="3-1")]}})
    assert len(comp.projects) == 2
    assert len({p.project_id for p in comp.projects}) == 2
    assert [(c.name_a, c.score, c.reason) for c in comp.candidates] == [("防災マップ作成事業", 100.0, "他課の同一名称")]


def test_near_duplicates_are_candidates_only(tmp_path):
    comp = compile_books(tmp_path, {F: {"総合計画": [plan_row("第1排水区雨水管整備事業"), plan_row("第2排水区雨水管整備事業")]}})
    assert len(comp.projects) == 2
    assert len(comp.candidates) == 1 and comp.candidates[0].score >= 80


def test_different_explicit_ids_with_same_name_stay_apart(tmp_path):
    comp = compile_books(tmp_path, {F: {"総合計画": [plan_row("道路維持補修事業", id="0501-010"),
                                                plan_row("道路維持補修事業", id="0501-011")]}})
    assert sorted(p.project_id for p in comp.projects) == ["0501-010", "0501-011"]
    assert comp.candidates and comp.candidates[0].reason.startswith("同一課の同一名称")


def test_relisted_project_counts_budget_once(tmp_path):
    comp = compile_books(tmp_path, {F: {"総合計画": [
        plan_row("雨水排水施設整備事業（再掲）", measure="3-1", **{"budget:R7": 500}),
        plan_row("雨水排水施設整備事業", measure="3-4", relisted="1-1", **{"budget:R7": 500, "budget:R8": 600}),
    ]}})
    p = comp.projects[0]
    assert p.measure_code == "3-4" and p.relisted_measures == ("1-1", "3-1")
    assert comp.totals.by_year == {"R7": 500, "R8": 600, "R9": 0}
    assert comp.totals.by_measure_year["3-1"]["R7"] == 0


def test_decisions_merge_and_separate(tmp_path):
    root = make_cycle(tmp_path, {
        F: {"総合計画": [plan_row("浸水対策事業"), plan_row("道路冠水対策")]},
        "0101_防災危機管理課.xlsx": {"国土強靱化": [
            {"name": "浸水対策（防災）", "dept": "防災危機管理課", "scenarios": "1-3", "location": "全域"}]},
    })
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["事業名A", "所管課A", "事業名B", "所管課B", "判定"])
    ws.append(["浸水対策事業", "河川課", "浸水対策（防災）", "防災危機管理課", "同一"])
    ws.append(["浸水対策事業", "河川課", "存在しない", "河川課", "同一"])
    wb.save(root / "重複判定.xlsx")
    comp = compile_cycle(root, workers=1)
    merged = by_name(comp, "浸水対策事業")[0]
    assert merged.plans == ("総合計画", "国土強靱化")
    assert "判定指定" in {e.rule for e in comp.merge_log}
    assert ("重複判定.xlsx", "", "A3", "decision-unmatched") in codes(comp)


def test_apart_decision_overrides_id_rule(tmp_path):
    root = make_cycle(tmp_path, {F: {"総合計画": [plan_row("道路改良事業", id="0501-020"),
                                              plan_row("道路改良（北工区）", id="0501-020", measure="3-1")]}})
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["事業名A", "所管課A", "事業名B", "所管課B", "判定"])
    ws.append(["道路改良事業", "河川課", "道路改良（北工区）", "河川課", "別"])
    wb.save(root / "重複判定.xlsx")
    comp = compile_cycle(root, workers=1)
    assert sorted(p.project_id for p in comp.projects) == ["0501-020", "0501-020-2"]
    assert {e.rule for e in comp.merge_log} == {"単独"}
    # without the decision the shared 事業ID merges them
    (root / "重複判定.xlsx").unlink()
    assert len(compile_cycle(root, workers=1).projects) == 1


def test_generated_ids_are_stable_and_distinct_per_dept(tmp_path):
    a = compile_books(tmp_path / "a", {F: {"総合計画": [plan_row("新規事業X")]},
                                       "0502_道路課.xlsx": {"総合計画": [plan_row("新規事業X", dept="道路課")]}})
    ids = {p.dept: p.project_id for p in a.projects}
    assert ids["河川課"].startswith("0501-G") and ids["道路課"].startswith("0502-G")
    b = compile_books(tmp_path / "b", {"zz.xlsx": {"総合計画": [plan_row("新規事業Ｘ"), plan_row("先頭の行")]},
                                       "aa.xlsx": {"総合計画": [plan_row("新規事業X", dept="道路課")]}})
    assert {p.dept: p.project_id for p in b.projects if p.name.startswith("新規")} == ids


# ------------------------------------------------------------------ master
def test_master_missing_sheet_and_duplicate_code(tmp_path):
    with pytest.raises(MasterError, match="リスクシナリオ"):
        load_master(write_master(tmp_path / "a.xlsx", drop_sheet="リスクシナリオ"))
    dup = {"リスクシナリオ": [("1", "直接死を最大限防ぐ", "1-3", "重複")]}
    with pytest.raises(MasterError, match="1-3"):
        load_master(write_master(tmp_path / "b.xlsx", extra_rows=dup))


def test_master_money_unit_other_than_thousand_yen_is_refused(tmp_path):
    """The templates' money columns, the problem messages and the draft all speak 千円."""
    yen = {"基本情報": [("金額単位", "円")]}  # a later row overrides the fixture's 千円
    with pytest.raises(MasterError, match="シート「基本情報」9 行目: 金額単位「円」には対応していません"):
        load_master(write_master(tmp_path / "a.xlsx", extra_rows=yen))
    written_otherwise = {"基本情報": [("金額単位", "（ 千円 ）")]}  # brackets, spaces: still 千円
    assert load_master(write_master(tmp_path / "b.xlsx", extra_rows=written_otherwise)).unit == "千円"


def test_accounting_holds_on_messy_cycle(tmp_path):
    comp = compile_books(tmp_path, {F: {
        "総合計画": [plan_row("A事業"), {"content": "x"}, plan_row("A事業（再掲）", measure="3-1")],
        "国土強靱化": [{"name": "A", "dept": "河川課", "scenarios": "1-1"}, {"location": "x"}],
        "総合戦略": [{"name": "A事業", "dept": "河川課", "goals": "1"}]}})
    assert comp.rows_read == 6
    assert comp.rows_read == len(comp.merge_log) + comp.rows_excluded


def test_formula_without_cached_value_and_hidden_rows_are_reported(tmp_path):
    root = make_cycle(tmp_path, {F: {"総合計画": [plan_row("A事業", **{"budget:R7": 100}), plan_row("B事業"),
                                              plan_row("C事業")]}})
    wb = openpyxl.load_workbook(root / "提出" / F)
    ws = wb["総合計画"]
    ws["N2"] = "=M2*2"  # openpyxl stores no cached value
    ws.row_dimensions[3].hidden = True
    hidden = wb.create_sheet("リスト")
    hidden.sheet_state = "hidden"
    hidden.append(["事業名", "所管課"])
    wb.save(root / "提出" / F)
    comp = compile_cycle(root, workers=1)
    assert (F, "総合計画", "N2", "formula-no-value") in codes(comp)
    assert (F, "総合計画", "A3", "sheet-hidden-rows") in codes(comp)
    assert [p for p in comp.problems if p.code == "formula-no-value"][0].value == "=M2*2"
    assert sorted(p.name for p in comp.projects) == ["A事業", "B事業", "C事業"]  # hidden rows are still read


def test_master_related_departments_column_is_optional(tmp_path):
    """施策体系 may carry 関係課 (e.g. 全課等) on any row of the 施策; two different values for one 施策 stop."""
    import openpyxl

    from tests.master_fixture import write_master as write_fixture_master

    path = write_fixture_master(tmp_path / "a.xlsx")
    assert {c: m.related_depts for c, m in load_master(path).measures.items()} == {"1-1": "", "3-1": "", "3-4": "",
                                                                                  "3-5": ""}
    wb = openpyxl.load_workbook(path)
    ws = wb["施策体系"]
    ws.cell(1, 8, "関係課")
    ws.cell(4, 8, "全課")  # the second row of 3-1
    wb.save(path)
    assert load_master(path).measures["3-1"].related_depts == "全課"
    ws.cell(3, 8, "河川課")
    wb.save(path)
    with pytest.raises(MasterError, match="シート「施策体系」4 行目: 施策「3-1」の関係課が他の行と異なります"):
        load_master(path)
