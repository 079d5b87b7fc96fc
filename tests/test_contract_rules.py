"""DESIGN §2.2, §3 and §4 rule by rule, on tiny workbooks: what a department may type, which
rows become one project, which sheet owns which field, and that nothing is lost."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from compiler.build import compile_cycle
from compiler.identify import generated_id
from compiler.master import load_master
from compiler.normalise import match_key
from tests.builders import make_cycle, plan_row, write_master

F = "0501_河川課.xlsx"
F_ROAD = "0502_道路課.xlsx"
PLAN, RES, STRAT = "総合計画", "国土強靱化", "総合戦略"


def compile_books(root: Path, books, decisions: list[tuple] | None = None):
    make_cycle(root, books)
    if decisions:
        write_decisions(root, decisions)
    comp = compile_cycle(root, workers=1)
    assert comp.rows_read == len(comp.merge_log) + comp.rows_excluded
    return comp


def write_decisions(root: Path, rows: list[tuple]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["事業名A", "所管課A", "事業名B", "所管課B", "判定"])
    for r in rows:
        ws.append(list(r))
    wb.save(root / "重複判定.xlsx")


def write_raw(root: Path, file: str, sheets: dict[str, list[list[object]]]) -> Path:
    """A workbook written row by row from row 1 (lists of cell values), for layouts the template lacks."""
    make_cycle(root, {})
    (root / "提出").mkdir(exist_ok=True)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(root / "提出" / file)
    return root


def flat(comp, code: str | None = None) -> set[tuple[str, str, str, str]]:
    return {(p.file, p.sheet, p.cell, p.code) for p in comp.problems if code is None or p.code == code}


def problems(comp, code: str) -> list:
    return [p for p in comp.problems if p.code == code]


def only(comp, name: str):
    found = [p for p in comp.projects if p.name == name]
    assert len(found) == 1, [(p.name, p.dept) for p in comp.projects]
    return found[0]


def rules(comp) -> dict[tuple[str, str, int], str]:
    return {(e.origin.file, e.origin.sheet, e.origin.row): e.rule for e in comp.merge_log}


# ------------------------------------------------------------------ §3 rule 3: the match key
def test_spelling_variants_in_one_dept_are_one_project(tmp_path):
    comp = compile_books(tmp_path, {F: {
        PLAN: [plan_row("雨水排水施設整備事業", **{"budget:R7": 100}),
               plan_row("雨水排水施設整備事業（再掲）", measure="3-1", **{"budget:R7": 100})],
        RES: [{"name": "雨水排水施設整備　事業", "dept": "河川課", "scenarios": "1-3", "location": "中央"},
              {"name": "【再掲】雨水排水施設整備", "dept": "河川課", "scenarios": "2-1", "location": "中央"}],
        STRAT: [{"name": "雨水排水施設整備 (再掲)", "dept": "河川課", "goals": "4"}]}})
    assert len(comp.projects) == 1
    p = comp.projects[0]
    assert (p.name, p.measure_code, p.relisted_measures, p.scenarios, p.goals) == (
        "雨水排水施設整備事業", "3-4", ("3-1",), ("1-3", "2-1"), ("4",))
    assert set(rules(comp).values()) == {"名称一致"}
    assert comp.totals.by_year["R7"] == 100


def test_a_bracket_that_names_a_place_keeps_two_projects_apart(tmp_path):
    """（東小学校） and （西小学校） name two projects: one key would merge them and drop a budget."""
    comp = compile_books(tmp_path, {F: {PLAN: [
        plan_row("学校施設長寿命化改修事業（東小学校）", **{"budget:R7": 300}),
        plan_row("学校施設長寿命化改修事業（西小学校）", **{"budget:R7": 500}),
        plan_row("学校施設長寿命化改修事業（東小学校）（再掲）", measure="3-1")]}})
    budgets = {p.name: p.budget["R7"] for p in comp.projects}
    assert budgets == {"学校施設長寿命化改修事業（東小学校）": 300, "学校施設長寿命化改修事業（西小学校）": 500}
    assert comp.totals.by_year["R7"] == 800
    assert [({c.name_a, c.name_b}, c.reason) for c in comp.candidates] == [
        ({"学校施設長寿命化改修事業（東小学校）", "学校施設長寿命化改修事業（西小学校）"}, "同一課の類似名称")]


def test_similar_names_of_other_depts_need_a_closer_score(tmp_path):
    """Under one 施策, two 課 with names one word apart (ratio 80–89) are not listed; within one
    課 they are; a near-identical name in another 課 (ratio ≥ 90) is."""
    comp = compile_books(tmp_path, {
        F: {PLAN: [plan_row("東公園再整備事業"), plan_row("西公園再整備事業"),
                   plan_row("防災行政無線デジタル化整備事業")]},
        F_ROAD: {PLAN: [plan_row("南公園再整備事業", dept="道路課"),
                        plan_row("防災行政無線デジタル化整備", dept="道路課")]}})
    pairs = {frozenset({(c.name_a, c.dept_a), (c.name_b, c.dept_b)}) for c in comp.candidates}
    assert pairs == {frozenset({("東公園再整備事業", "河川課"), ("西公園再整備事業", "河川課")}),
                     frozenset({("防災行政無線デジタル化整備事業", "河川課"), ("防災行政無線デジタル化整備", "道路課")})}


def test_same_key_in_other_dept_is_a_candidate_never_a_merge(tmp_path):
    comp = compile_books(tmp_path, {
        F: {PLAN: [plan_row("雨水排水施設整備事業")]},
        F_ROAD: {PLAN: [plan_row("雨水排水施設整備（再掲）", dept="道路課")]}})  # same 施策 3-4
    assert sorted(p.dept for p in comp.projects) == ["河川課", "道路課"]
    assert [(c.dept_a, c.dept_b, c.score, c.reason) for c in comp.candidates] == [
        ("河川課", "道路課", 100.0, "他課の同一名称")]


def test_long_vowel_mark_is_not_a_dash_but_widths_and_latin_case_are_unified(tmp_path):
    comp = compile_books(tmp_path, {F: {PLAN: [
        plan_row("防災センター整備事業"), plan_row("防災センタ-整備事業"), plan_row("防災ｾﾝﾀｰ整備"),
        plan_row("ＧＩＧＡ端末更新事業"), plan_row("giga端末更新"),
        plan_row("啓発事業事業"), plan_row("啓発事業")]}})
    names = sorted(sorted(p.names) for p in comp.projects)
    assert names == [["giga端末更新", "ＧＩＧＡ端末更新事業"], ["啓発事業"], ["啓発事業事業"],
                     ["防災センタ-整備事業"], ["防災センター整備事業", "防災ｾﾝﾀｰ整備"]]


def test_match_key_edge_cases():
    assert match_key("護岸整備（北工区（再掲））事業") == "護岸整備(北工区)"  # a nested note goes, the place stays
    assert match_key("【新規】（仮称）中央公園整備事業（一部再掲）") == "中央公園整備"
    for note in ("（国庫補助）", "【総合戦略】", "（強靱化）", "(補助)", "（R7～）", "（令和7年度から）", "(R7-R9)",
                 "（継続）", "【重点】", "（社会資本整備総合交付金）"):
        assert match_key(f"中央公園整備事業{note}") == "中央公園整備", note
    for place in ("（東小学校）", "（北工区）", "（市道1号線）", "（第2期）", "（2号棟）"):
        assert match_key(f"中央公園整備事業{place}") != "中央公園整備", place
    assert match_key("雨水\u200b排水施設整備事業") == match_key("雨水排水施設整備")  # zero-width space
    assert match_key("（仮称）") == "(仮称)"  # a name that is only a note keeps its text
    assert match_key("（仮称）") != match_key("【新規】")


@pytest.mark.parametrize("name", ["雨水排水施設整備事業（再掲）", "雨水排水施設整備事業 (再掲)", "【再掲】雨水排水施設整備事業",
                                  "雨水排水施設整備事業〔再掲〕", "雨水排水施設整備事業（一部再掲）",
                                  "雨水排水施設整備事業（再掲：3-1）", "雨水排水施設整備事業＜再掲＞"])
def test_relist_notes_in_any_bracket(name):
    from compiler.normalise import display_name, is_relisted_name

    assert is_relisted_name(name) and display_name(name) == "雨水排水施設整備事業"
    assert match_key(name) == "雨水排水施設整備"


# ------------------------------------------------------------------ §3 rules 1 and 2: decisions and 事業ID
def test_id_is_compared_after_nfkc_and_trimming_across_sheets_and_files(tmp_path):
    comp = compile_books(tmp_path, {
        F: {PLAN: [plan_row("雨水排水施設整備事業", id="PL-001")]},
        "9999_追加.xlsx": {RES: [{"id": "ＰＬ－００１ ", "name": "浸水対策", "dept": "河川課", "scenarios": "1-3",
                               "location": "中央"}]}})
    p = only(comp, "雨水排水施設整備事業")
    assert (p.project_id, p.plans) == ("PL-001", (PLAN, RES))
    assert rules(comp)[("9999_追加.xlsx", RES, 2)] == "事業ID一致"


def test_same_id_in_two_departments_merges_with_a_warning(tmp_path):
    comp = compile_books(tmp_path, {
        F: {PLAN: [plan_row("排水路整備事業", id="0501-007")]},
        F_ROAD: {RES: [{"id": "0501-007", "name": "側溝改良", "dept": "道路課", "scenarios": "1-3", "location": "東"}]}})
    p = only(comp, "排水路整備事業")
    assert (p.project_id, p.dept, p.plans) == ("0501-007", "河川課", (PLAN, RES))
    assert flat(comp, "id-conflict") == {(F, PLAN, "A2", "id-conflict")}


def test_same_decision_merges_rows_with_different_ids(tmp_path):
    comp = compile_books(tmp_path, {F: {PLAN: [plan_row("浸水対策事業", id="0501-001")],
                                        RES: [{"id": "0501-900", "name": "内水対策", "dept": "河川課",
                                               "scenarios": "1-3", "location": "中央"}]}},
                         decisions=[("浸水対策事業", "河川課", "内水対策", "河川課", "同一")])
    p = only(comp, "浸水対策事業")
    assert (p.project_id, p.plans) == ("0501-001", (PLAN, RES))
    assert rules(comp)[(F, RES, 2)] == "判定指定"


def test_apart_decision_overrides_a_shared_id_and_says_so(tmp_path):
    """別 overrides rules 2–3 (DESIGN §3 rule 1): rows sharing an ID stay two projects.  The output
    keeps every ID unique: one project keeps it, the other gets -2 (by content, not by row
    order, so reordering rows changes nothing), and a warning asks for a second ID."""
    comp = compile_books(tmp_path, {F: {PLAN: [plan_row("道路改良事業", id="0501-020"),
                                               plan_row("橋梁長寿命化事業", id="0501-020", measure="3-1")]}},
                         decisions=[("道路改良事業", "河川課", "橋梁長寿命化事業", "河川課", "別")])
    assert {p.name: p.project_id for p in comp.projects} == {"橋梁長寿命化事業": "0501-020",
                                                              "道路改良事業": "0501-020-2"}
    assert flat(comp, "id-kept-apart") == {(F, PLAN, "A3", "id-kept-apart")}


def test_apart_decision_overrides_the_name_rule(tmp_path):
    comp = compile_books(tmp_path, {F: {PLAN: [plan_row("道路改良事業")],
                                        RES: [{"name": "道路改良", "dept": "河川課", "scenarios": "1-1",
                                               "location": "北"}]}},
                         decisions=[("道路改良事業", "河川課", "道路改良", "河川課", "別")])
    assert {p.plans for p in comp.projects} == {(PLAN,), (RES,)}
    assert len({p.project_id for p in comp.projects}) == 2


def test_a_row_without_id_matching_two_ids_by_name_joins_neither(tmp_path):
    def run(root: Path, order: list[dict]):
        return compile_books(root, {F: {PLAN: order}})

    rows = [plan_row("道路維持補修事業", id="0501-010"), plan_row("道路維持補修事業"),
            plan_row("道路維持補修事業", id="0501-011")]
    a = run(tmp_path / "a", rows)
    b = run(tmp_path / "b", rows[::-1])
    for comp, row in ((a, 3), (b, 3)):
        assert sorted(len(p.sources) for p in comp.projects) == [1, 1, 1]
        assert flat(comp, "ambiguous-name-match") == {(F, PLAN, f"A{row}", "ambiguous-name-match")}
    assert sorted(p.project_id for p in a.projects) == sorted(p.project_id for p in b.projects)
    assert sorted(c.reason for c in a.candidates) == ["同一課の同一名称（事業IDが異なる）",
                                                      "同一課の同一名称（事業IDの記入が必要）",
                                                      "同一課の同一名称（事業IDの記入が必要）"]


def test_placeholder_ids_are_no_ids_and_merge_nothing(tmp_path):
    comp = compile_books(tmp_path, {
        F: {PLAN: [plan_row("A事業", id="新規"), plan_row("B事業", id="－")]},
        F_ROAD: {PLAN: [plan_row("C事業", dept="道路課", id="新規")]}})
    assert sorted(p.name for p in comp.projects) == ["A事業", "B事業", "C事業"]
    assert all(p.id_generated for p in comp.projects)
    # a dash means "none" like a blank cell; a word is reported so the department learns to leave it blank
    assert flat(comp) == {(F, PLAN, "A2", "id-placeholder"), (F_ROAD, PLAN, "A2", "id-placeholder")}


def test_a_dash_in_a_code_column_means_none(tmp_path):
    comp = compile_books(tmp_path, {F: {PLAN: [plan_row("A事業", direction="－", relisted="―", sdgs=None)],
                                        STRAT: [{"name": "A事業", "dept": "河川課", "goals": "4",
                                                 "strategy_measures": "-"}]}})
    p = comp.projects[0]
    assert (p.direction_code, p.relisted_measures, p.strategy_measures) == ("", (), ())
    assert not comp.problems


def test_incomplete_decision_row_is_reported_at_the_blank_cell(tmp_path):
    comp = compile_books(tmp_path, {F: {PLAN: [plan_row("A事業")]}},
                         decisions=[("A事業", "河川課", "B事業", None, "同一")])
    assert flat(comp, "decision-incomplete") == {("重複判定.xlsx", "Sheet", "D2", "decision-incomplete")}


# ------------------------------------------------------------------ §3 field ownership
def test_each_field_comes_from_the_sheet_that_owns_it(tmp_path):
    comp = compile_books(tmp_path, {
        # the 国土強靱化 and 総合戦略 rows are in a file that sorts before the 総合計画 one
        "0000_先頭.xlsx": {
            RES: [{"id": "X-1", "name": "排水機場の耐水化", "dept": "河川課", "scenarios": "1-3、2-1",
                   "location": "北排水機場", "actor": "県", "start_year": "R7", "end_year": "令和9年度",
                   "total_cost": "90,000", "grants": "防災・安全交付金"}],
            STRAT: [{"id": "X-1", "name": "排水機場", "dept": "河川課", "goals": "4", "kpi_name": "浸水戸数",
                     "kpi_unit": "戸", "kpi_base": "120", "kpi_target": "60", "grants": "デジ田交付金"}]},
        F: {PLAN: [plan_row("排水機場耐水化事業", id="X-1", content="耐水化する", account="下水道", sdgs="11",
                            **{"budget:R7": 30000, "budget:R8": 0})]}})
    p = only(comp, "排水機場耐水化事業")
    assert (p.measure_code, p.content, p.account, p.budget) == ("3-4", "耐水化する", "下水道",
                                                                 {"R7": 30000, "R8": 0, "R9": None})
    assert (p.scenarios, p.location, p.actor, p.start_year, p.end_year, p.total_cost) == (
        ("1-3", "2-1"), "北排水機場", "県", 7, 9, 90000)
    assert (p.goals, [k.name for k in p.kpis], p.grants) == (("4",), ["浸水戸数"], "防災・安全交付金")
    assert p.sdgs == (11,)


def test_conflicting_scalars_first_wins_and_the_warning_names_both_cells(tmp_path):
    comp = compile_books(tmp_path, {F: {RES: [
        {"id": "R-1", "name": "排水路改修", "dept": "河川課", "scenarios": "1-3", "location": "東地区",
         "start_year": "R7"},
        {"id": "R-1", "name": "排水路改修", "dept": "河川課", "scenarios": "1-1", "location": "西地区",
         "start_year": 2026, "actor": "県"}]}})
    p = comp.projects[0]
    assert (p.location, p.start_year, p.scenarios, p.actor) == ("東地区", 7, ("1-1", "1-3"), "県")
    conflicts = {p.cell: p for p in problems(comp, "conflict")}
    assert set(conflicts) == {"F3", "H3"}  # a blank 事業主体 is no conflict with 県
    assert f"{F} {RES}!F2「東地区」" in conflicts["F3"].message and f"{F} {RES}!F3「西地区」" in conflicts["F3"].message
    assert "「R7」" in conflicts["H3"].message and "「R8」" in conflicts["H3"].message


def test_blank_actor_defaults_to_city_only_when_every_row_is_blank(tmp_path):
    comp = compile_books(tmp_path, {F: {RES: [
        {"name": "A事業", "dept": "河川課", "scenarios": "1-3", "location": "x"},
        {"name": "B事業", "dept": "河川課", "scenarios": "1-3", "location": "x"},
        {"name": "B事業", "dept": "河川課", "scenarios": "1-3", "location": "x", "actor": "民間"}]}})
    assert {p.name: p.actor for p in comp.projects} == {"A事業": "市", "B事業": "民間"}
    assert not problems(comp, "conflict")


# ------------------------------------------------------------------ §3 再掲
def test_relisted_rows_budget_from_the_primary_only(tmp_path):
    comp = compile_books(tmp_path, {
        "0000_先.xlsx": {PLAN: [plan_row("防災マップ作成事業（再掲）", measure="3-1",
                                          **{"budget:R7": 9999, "budget:R8": 9999})]},
        F: {PLAN: [plan_row("防災マップ作成事業", measure="3-4", relisted="１－１",
                            **{"budget:R7": 100, "budget:R9": 0})]}})
    p = comp.projects[0]
    assert (p.measure_code, p.relisted_measures, p.budget) == ("3-4", ("1-1", "3-1"), {"R7": 100, "R8": None, "R9": 0})
    assert comp.totals.by_year == {"R7": 100, "R8": 0, "R9": 0}
    assert comp.totals.by_measure_year["3-1"] == {"R7": 0, "R8": 0, "R9": 0}
    assert not problems(comp, "conflict")


# ------------------------------------------------------------------ §3 generated 事業ID
def test_generated_id_is_stable_when_files_are_renamed_or_rows_reordered(tmp_path):
    decision = [("浸水対策事業", "河川課", "内水氾濫対策", "防災危機管理課", "同一")]

    def run(root: Path, strat_file: str, res_file: str, extra_first: bool):
        strat = [{"name": "内水氾濫対策", "dept": "防災危機管理課", "goals": "4"}]
        res = [{"name": "浸水対策事業", "dept": "河川課", "scenarios": "1-3", "location": "x"}]
        other = {"name": "別の事業", "dept": "河川課", "scenarios": "1-1", "location": "y"}
        res = [other] + res if extra_first else res + [other]
        return compile_books(root, {strat_file: {STRAT: strat}, res_file: {RES: res}}, decisions=decision)

    a = run(tmp_path / "a", "a.xlsx", "b.xlsx", False)
    b = run(tmp_path / "b", "b.xlsx", "a.xlsx", True)
    summary = lambda c: sorted((p.project_id, p.name, p.dept, p.plans) for p in c.projects)  # noqa: E731
    assert summary(a) == summary(b)
    merged = [p for p in a.projects if len(p.plans) == 2][0]
    assert (merged.name, merged.dept) == ("浸水対策事業", "河川課") and merged.project_id.startswith("0501-G")


def test_generated_id_never_takes_an_explicit_id(tmp_path):
    master = load_master(write_master(tmp_path / "m.xlsx"))
    gid = generated_id(master, "河川課", match_key("新設事業"))
    comp = compile_books(tmp_path / "c", {F: {PLAN: [
        plan_row("改名された事業", id=gid), plan_row("もう一つの事業", id=f"{gid}-2"), plan_row("新設事業")]}})
    assert {p.name: (p.project_id, p.id_generated) for p in comp.projects} == {
        "改名された事業": (gid, False), "もう一つの事業": (f"{gid}-2", False), "新設事業": (f"{gid}-3", True)}
    assert {e.input_name: e.project_id for e in comp.merge_log}["新設事業"] == f"{gid}-3"


# ------------------------------------------------------------------ §2.2 validation of cells
def test_money_forms_blank_versus_zero_and_unit_mistakes(tmp_path):
    comp = compile_books(tmp_path, {F: {PLAN: [
        plan_row("A事業", **{"budget:R7": "1,234", "budget:R8": "１２３４", "budget:R9": "1,234千円"}),
        plan_row("B事業", **{"budget:R7": 0, "budget:R8": None, "budget:R9": "0"}),
        plan_row("C事業", **{"budget:R7": "1,234円", "budget:R8": "-5", "budget:R9": "△5"})]}})
    assert only(comp, "A事業").budget == {"R7": 1234, "R8": 1234, "R9": 1234}
    assert only(comp, "B事業").budget == {"R7": 0, "R8": None, "R9": 0}
    c = only(comp, "C事業")
    assert c.budget == {"R7": None, "R8": None, "R9": None} and c.needs_review
    assert flat(comp) == {(F, PLAN, "M4", "bad-money"), (F, PLAN, "N4", "negative-money"),
                          (F, PLAN, "O4", "negative-money")}
    bad = problems(comp, "bad-money")[0]
    assert (bad.column, bad.value) == ("R7事業費（千円）", "1,234円") and "千円" in bad.message


def test_funding_must_add_up_to_the_first_year_budget(tmp_path):
    fund = lambda **kw: {f"fund:{k}": v for k, v in kw.items()}  # noqa: E731
    comp = compile_books(tmp_path, {F: {PLAN: [
        plan_row("合う事業", **{"budget:R7": "1,000"}, **fund(国県支出金=500, 地方債="300", 一般財源="２００")),
        plan_row("合わない事業", **{"budget:R7": 1000}, **fund(国県支出金=500)),
        plan_row("財源だけ事業", **fund(一般財源=10)),
        plan_row("読めない財源事業", **{"budget:R7": 1000}, **fund(国県支出金="五百", 一般財源=500)),
        plan_row("財源なし事業", **{"budget:R7": 1000})]}})
    assert flat(comp) == {(F, PLAN, "M3", "funding-mismatch"), (F, PLAN, "M4", "funding-without-budget"),
                          (F, PLAN, "P5", "bad-money")}
    mismatch = problems(comp, "funding-mismatch")[0]
    assert "500千円" in mismatch.message and "1,000千円" in mismatch.message
    assert only(comp, "合う事業").funding == {"国県支出金": 500, "地方債": 300, "その他": None, "一般財源": 200}


@pytest.mark.parametrize("flag", ["○", "〇", "◯", "●", "■", "1", 1, "TRUE", True, "有", "はい"])
def test_flags_accepted_as_yes(tmp_path, flag):
    comp = compile_books(tmp_path, {F: {PLAN: [plan_row("A事業", supplementary=flag, priority=flag)]}})
    p = comp.projects[0]
    assert p.supplementary and p.priority and not comp.problems


@pytest.mark.parametrize("text", ["1-3,2-1", "1-3、2-1", "1-3・2-1", "1-3 2-1", "1-3\n2-1", "１－３，２－１",
                                  "1ー3、2ー1", "1―3、2―1"])
def test_code_list_separators_and_dash_variants(tmp_path, text):
    comp = compile_books(tmp_path, {F: {RES: [{"name": "A事業", "dept": "河川課", "scenarios": text, "location": "x"}]}})
    assert comp.projects[0].scenarios == ("1-3", "2-1") and not comp.problems


@pytest.mark.parametrize("start,end", [("R7", "R9"), ("令和7年度", "令和9年度"), ("2025", 2027), ("2025年度", "２０２７年度"),
                                       (7, "R9")])
def test_year_forms(tmp_path, start, end):
    comp = compile_books(tmp_path, {F: {RES: [{"name": "A事業", "dept": "河川課", "scenarios": "1-3", "location": "x",
                                               "start_year": start, "end_year": end}]}})
    p = comp.projects[0]
    assert (p.start_year, p.end_year) == (7, 9) and not comp.problems


def test_heisei_years_read_as_the_western_year(tmp_path):
    comp = compile_books(tmp_path, {F: {RES: [{"name": "A事業", "dept": "河川課", "scenarios": "1-3", "location": "x",
                                               "start_year": "平成30年度", "end_year": "2018"}]}})
    p = comp.projects[0]
    assert p.start_year == p.end_year == 0 and not comp.problems


def test_unknown_codes_are_errors_at_their_cells_and_rows_still_arrive(tmp_path):
    comp = compile_books(tmp_path, {F: {
        PLAN: [plan_row("A事業", measure="3-4", direction="3-4-9", relisted="9-1", account="特別", dept="河 川 課"),
               plan_row("B事業", account="一般会計"), plan_row("C事業", dept="土木課", status="継続（拡充）")],
        RES: [{"name": "D事業", "dept": "河川課", "scenarios": "1-3、7-7", "location": "x"}],
        STRAT: [{"name": "E事業", "dept": "河川課", "goals": "目標9", "strategy_measures": "1-9"}]}})
    assert flat(comp) == {(F, PLAN, "E2", "unknown-direction"), (F, PLAN, "F2", "unknown-measure"),
                          (F, PLAN, "I2", "unknown-account"), (F, PLAN, "C4", "unknown-dept"),
                          (F, RES, "D2", "unknown-scenario"), (F, STRAT, "D2", "unknown-goal"),
                          (F, STRAT, "E2", "unknown-strategy-measure")}
    assert len(comp.projects) == 5
    assert {p.name: p.needs_review for p in comp.projects} == {
        "A事業": True, "B事業": False, "C事業": True, "D事業": True, "E事業": True}
    assert only(comp, "A事業").dept == "河川課"  # 所管課 matched after NFKC and white-space removal
    assert only(comp, "B事業").account == "一般"
    assert only(comp, "C事業").status == "拡充"
    unknown = {p.code: p for p in comp.problems}
    assert unknown["unknown-scenario"].value == "7-7" and "リスクシナリオ" in unknown["unknown-scenario"].message
    assert unknown["unknown-dept"].column == "所管課" and "土木課" in unknown["unknown-dept"].message
    assert "（1・3・4 のいずれか）" in unknown["unknown-goal"].message  # the master's own numbers


def test_errors_make_a_project_need_review_with_reasons_naming_the_cells(tmp_path):
    comp = compile_books(tmp_path, {F: {PLAN: [plan_row("A事業", measure="9-9", **{"budget:R7": "-1"})]}})
    p = comp.projects[0]
    assert p.needs_review
    assert any(f"{F} {PLAN}!D2" in r and "9-9" in r for r in p.review_reasons)
    assert any(f"{F} {PLAN}!M2" in r for r in p.review_reasons)


# ------------------------------------------------------------------ §2.2 sheets and columns
def test_header_row_found_on_row_10_and_labels_matched_after_nfkc(tmp_path):
    header = [" 事業名 ", "所管課", "施策コード", "新継区分", "事業内容", "会計", "Ｒ７事業費(千円)", "R8事業費 （千円）"]
    root = write_raw(tmp_path, F, {PLAN: [["調書"]] + [[None]] * 8 + [header, ["A事業", "河川課", "3-4", "継続", "x", "一般",
                                                                              "1,200", 0]]})
    comp = compile_cycle(root, workers=1)
    assert comp.projects[0].budget == {"R7": 1200, "R8": 0, "R9": None}
    assert comp.merge_log[0].origin.row == 11 and not comp.problems


HEADER = ["事業名", "所管課", "施策コード", "新継区分", "事業内容", "会計"]
ROW = ["A事業", "河川課", "9-9", "継続", "x", "一般"]


def test_cells_are_right_when_the_sheet_starts_below_row_1(tmp_path):
    root = write_raw(tmp_path, F, {PLAN: [[None], [None], HEADER, ROW]})
    comp = compile_cycle(root, workers=1)
    assert flat(comp) == {(F, PLAN, "C4", "unknown-measure")}
    assert comp.merge_log[0].origin.row == 4


def test_cells_are_right_when_the_table_starts_in_column_b(tmp_path):
    root = write_raw(tmp_path, F, {PLAN: [[None] + HEADER, [None] + ROW]})
    comp = compile_cycle(root, workers=1)
    assert flat(comp) == {(F, PLAN, "D2", "unknown-measure")}


def test_header_below_row_10_is_not_found(tmp_path):
    header = ["事業名", "所管課", "施策コード", "新継区分", "事業内容", "会計"]
    root = write_raw(tmp_path, F, {PLAN: [["表題"]] + [[None]] * 9 + [header, ["A事業", "河川課", "3-4", "継続", "x", "一般"]]})
    comp = compile_cycle(root, workers=1)
    assert flat(comp) == {(F, PLAN, "A1", "sheet-no-header")}
    assert (comp.rows_read, comp.rows_excluded, comp.projects) == (3, 3, [])


def test_missing_required_column_is_a_sheet_error_but_rows_still_reach_projects(tmp_path):
    root = write_raw(tmp_path, F, {PLAN: [
        ["事業名", "所管課", "施策コード", "新継区分", "R7事業費（千円）", "メモ"],
        ["A事業", "河川課", "3-4", "継続", "1,200", "x"],
        ["B事業", "河川課", "3-4", "継続", None, None]]})
    comp = compile_cycle(root, workers=1)
    assert flat(comp) == {(F, PLAN, "A1", "sheet-missing-column"), (F, PLAN, "F1", "sheet-unknown-column")}
    missing = sorted(p.column for p in problems(comp, "sheet-missing-column"))
    assert missing == ["事業内容", "会計"]
    assert all(p.severity == "エラー" and p.action == "要確認" for p in problems(comp, "sheet-missing-column"))
    assert (comp.rows_read, len(comp.merge_log), comp.rows_excluded) == (2, 2, 0)
    assert {p.name: (p.budget["R7"], p.needs_review) for p in comp.projects} == {"A事業": (1200, True),
                                                                                "B事業": (None, True)}
    assert any("事業内容" in r for r in comp.projects[0].review_reasons)


def test_missing_name_or_dept_column_excludes_the_sheet(tmp_path):
    root = write_raw(tmp_path, F, {RES: [["所管課", "リスクシナリオ", "実施箇所"], ["河川課", "1-3", "北"]]})
    comp = compile_cycle(root, workers=1)
    assert flat(comp) == {(F, RES, "A1", "sheet-missing-column")}
    p = problems(comp, "sheet-missing-column")[0]
    assert (p.column, p.action) == ("事業名", "除外")
    assert (comp.rows_read, comp.rows_excluded, comp.projects) == (1, 1, [])


def test_row_accounting_with_every_kind_of_row(tmp_path):
    comp = compile_books(tmp_path, {F: {
        PLAN: [plan_row("A事業"), {"dept": "河川課"}, {"name": "名前だけ"}, plan_row("A事業（再掲）", measure="3-1"),
               plan_row("壊れた事業", measure="x-x", **{"budget:R7": "abc"})],
        RES: [{"name": "A", "dept": "河川課", "scenarios": "1-3", "location": "x"}, {"location": "どこか"}],
        STRAT: [{"name": "A事業", "dept": "別の課", "goals": "4"}]}})
    assert (comp.rows_read, len(comp.merge_log), comp.rows_excluded) == (8, 5, 3)
    excluded = {(p.sheet, p.cell, p.code, p.action) for p in comp.problems if p.action == "除外"}
    assert excluded == {(PLAN, "B3", "row-no-name", "除外"), (PLAN, "C4", "row-no-dept", "除外"),
                        (RES, "B3", "row-no-name", "除外")}


def test_problem_records_name_file_sheet_cell_column_and_value(tmp_path):
    comp = compile_books(tmp_path, {F: {PLAN: [plan_row("A事業", status="継承", sdgs="18")]}})
    by_code = {p.code: p for p in comp.problems}
    status = by_code["bad-status"]
    assert (status.file, status.sheet, status.cell, status.column, status.value) == (F, PLAN, "G2", "新継区分", "継承")
    assert "新規・継続・拡充" in status.message
    assert by_code["bad-sdg"].cell == "U2" and "1〜17" in by_code["bad-sdg"].message


def test_two_primary_rows_with_one_id_but_different_names_warn(tmp_path):
    comp = compile_books(tmp_path, {F: {PLAN: [plan_row("雨水幹線整備事業", id="P-9", content="x"),
                                               plan_row("雨水排水施設整備", id="P-9", content="x")]}})
    assert len(comp.projects) == 1
    assert flat(comp, "conflict") == {(F, PLAN, "B3", "conflict")}
    msg = problems(comp, "conflict")[0].message
    assert f"{PLAN}!B2「雨水幹線整備事業」" in msg and f"{PLAN}!B3「雨水排水施設整備」" in msg


def test_rows_merged_by_a_decision_raise_no_name_warning(tmp_path):
    comp = compile_books(tmp_path, {F: {RES: [{"name": "浸水対策事業", "dept": "河川課", "scenarios": "1-3", "location": "x"},
                                              {"name": "内水対策", "dept": "河川課", "scenarios": "1-3", "location": "x"}]}},
                         decisions=[("浸水対策事業", "河川課", "内水対策", "河川課", "同一")])
    assert len(comp.projects) == 1 and not comp.problems


# ------------------------------------------------------------------ order never matters
SHUFFLE_FILES = ["0101_防災危機管理課.xlsx", "0501_河川課.xlsx", "zz_追加.xlsx"]


def _shuffle_rows(gid: str) -> dict[str, list[dict]]:
    return {
        PLAN: [plan_row("雨水排水施設整備事業", id="P-1", **{"budget:R7": 1200, "budget:R8": 0}),
               plan_row("雨水排水施設整備事業（再掲）", measure="3-1", **{"budget:R7": 1200}),
               plan_row("道路維持補修事業", id="0501-010", **{"budget:R7": 10}),
               plan_row("道路維持補修事業", id="0501-011", **{"budget:R7": 20}),
               plan_row("新設事業", **{"budget:R9": 5}),
               plan_row("改名された事業", id=gid, **{"budget:R8": 7})],
        RES: [{"name": "雨水排水施設　整備", "dept": "河川課", "scenarios": "1-3", "location": "中央"},
              {"name": "道路維持補修", "dept": "河川課", "scenarios": "1-1", "location": "全域"},
              {"name": "浸水対策（防災）", "dept": "防災危機管理課", "scenarios": "1-3、2-1", "location": "低地"}],
        STRAT: [{"name": "内水対策", "dept": "河川課", "goals": "4"},
                {"id": "ｐ－１", "name": "雨水", "dept": "河川課", "goals": "4"}],
    }


def _shuffled_cycle(root: Path, seed: int, gid: str):
    import random

    rng = random.Random(seed)
    files = SHUFFLE_FILES[:]
    rng.shuffle(files)
    books: dict[str, dict[str, list]] = {}
    for sheet, rows in _shuffle_rows(gid).items():
        rows = rows[:]
        rng.shuffle(rows)
        for row in rows:
            books.setdefault(rng.choice(files), {}).setdefault(sheet, []).append(row)
    return compile_books(root, books, decisions=[("浸水対策（防災）", "防災危機管理課", "内水対策", "河川課", "同一")])


def _order_free_summary(comp):
    projects = sorted((p.project_id, p.id_generated, p.name, p.dept, p.plans, p.measure_code, p.relisted_measures,
                       tuple(sorted(p.budget.items())), p.scenarios, p.goals, p.location) for p in comp.projects)
    log = sorted((e.input_name, e.origin.sheet, e.project_id, e.rule) for e in comp.merge_log)
    codes = sorted(p.code for p in comp.problems if p.code != "file-same-dept")
    return projects, comp.totals, log, codes, len(comp.candidates)


def test_reordering_files_and_rows_changes_no_project_id_or_total(tmp_path):
    master = load_master(write_master(tmp_path / "m.xlsx"))
    gid = generated_id(master, "河川課", match_key("新設事業"))
    runs = [_order_free_summary(_shuffled_cycle(tmp_path / f"s{seed}", seed, gid)) for seed in (1, 2, 3, 4)]
    assert all(r == runs[0] for r in runs[1:])
    projects, totals, _log, codes, _ = runs[0]
    assert len(projects) == 7  # 雨水, 道路維持補修 ×2 (+ the row matching both by name alone), 新設, 改名, 浸水対策
    assert totals.by_year == {"R7": 1230, "R8": 7, "R9": 5}
    assert codes.count("ambiguous-name-match") == 1


def test_sdgs_and_flag_spellings(tmp_path):
    comp = compile_books(tmp_path, {F: {PLAN: [plan_row("A事業", sdgs="SDGs11、ゴール13・目標３", priority="あり")]}})
    p = comp.projects[0]
    assert (p.sdgs, p.priority) == ((3, 11, 13), True) and not comp.problems
