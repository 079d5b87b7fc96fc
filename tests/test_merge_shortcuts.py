"""The shortcuts of the identify, merge and frames stages give what the general paths gave."""
from __future__ import annotations

import dataclasses

import pandas as pd

from compiler.frames.budget import COMPARE_COLUMNS, ITEM_COLUMNS, _typed_frame
from compiler.frames.breakdowns import codes_in_use
from compiler.identify import RULE_NAME, Group, _members
from compiler.merge import _budget_keys, _code_sort, _first, build_project
from compiler.models import SHEET_PLAN, SHEET_RESILIENCE, InputRow, Origin
from compiler.problems import Report
from tests.factories import make_master

COLUMNS = {"name": "B", "dept": "C", "status": "D", "location": "E", "budget:R7": "F"}


def _row(sheet: str, row: int, **values: object) -> InputRow:
    values = {"name": "雨水排水施設整備事業", "dept": "河川課", **values}
    return InputRow(Origin("0501_河川課.xlsx", sheet, row), values, COLUMNS, raw_name=str(values["name"]))


def test_members_group_positions_in_order_of_first_appearance():
    keys = ["b", "a", "", "c", "a", "b", "ｂ", "B"]
    assert _members(keys, skip="") == {"b": [0, 5], "a": [1, 4], "c": [3], "ｂ": [6], "B": [7]}
    # the groupby it replaces: the same keys, in the same order, with the same positions
    frame = pd.DataFrame({"k": keys}, dtype="string")
    sub = frame[frame["k"] != ""]
    expected = {k: sub.index.to_numpy()[v].tolist() for k, v in sub.groupby("k", sort=False).indices.items()}
    assert list(_members(keys, skip="").items()) == list(expected.items())
    assert _members([("課", "a"), ("課", "b"), ("課", "a")]) == {("課", "a"): [0, 2], ("課", "b"): [1]}


def test_first_of_one_row_leaves_blanks_out():
    report = Report()
    assert _first([_row(SHEET_PLAN, 2, status="")], "status", report, "新継区分") is None
    assert _first([_row(SHEET_PLAN, 2, status=())], "status", report, "新継区分") is None
    assert _first([_row(SHEET_PLAN, 2)], "status", report, "新継区分") is None
    assert _first([_row(SHEET_PLAN, 2, status=0)], "status", report, "新継区分") == 0
    assert _first([_row(SHEET_PLAN, 2, status="継続")], "status", report, "新継区分") == "継続"
    assert not report.problems


def test_budget_keys_are_the_masters_years():
    m = make_master()
    assert _budget_keys(m.start_year, m.end_year) == tuple((y, f"budget:{y}") for y in m.years)
    assert _budget_keys(7, 11)[-1] == ("R11", "budget:R11")  # a different window is not the cached one


def test_code_sort_cache_tells_types_apart():
    assert _code_sort("3-10") > _code_sort("3-9")
    assert _code_sort(1) == ((0, 1, ""),)
    assert _code_sort(True) == ((1, 0, "True"),)  # True == 1, yet its text is another code


def test_project_of_rows_out_of_order_is_the_project_of_rows_in_order():
    m = make_master()
    rows = [_row(SHEET_RESILIENCE, 5, location="中央排水区"), _row(SHEET_PLAN, 3, status="継続", **{"budget:R7": 100}),
            _row(SHEET_PLAN, 2, status="新規", relist=True)]
    shuffled = build_project(Group(rows, {0: RULE_NAME, 1: RULE_NAME, 2: RULE_NAME}), m, Report(), {})
    ordered = build_project(Group(sorted(rows, key=lambda r: (r.sheet != SHEET_PLAN, r.origin.row)),
                                  {0: RULE_NAME, 1: RULE_NAME, 2: RULE_NAME}), m, Report(), {})
    assert dataclasses.astuple(shuffled) == dataclasses.astuple(ordered)
    assert shuffled.status == "継続" and shuffled.budget["R7"] == 100 and shuffled.location == "中央排水区"
    assert shuffled.sources[0].row == 2  # the stable order: 総合計画 rows first


def test_typed_frame_matches_astype_of_the_rows():
    rows = [("A1", "予算事業", "河川課", "一般", "1", "2", "3", 1500, 2, "0501-001", True, 5),
            ("A2", "予算事業2", "", "下水道", "", "", "", None, None, "", False, 6)]
    expected = pd.DataFrame(rows, columns=list(ITEM_COLUMNS)).astype(ITEM_COLUMNS)
    pd.testing.assert_frame_equal(_typed_frame(rows, ITEM_COLUMNS), expected, check_exact=True)
    empty = pd.DataFrame([], columns=list(COMPARE_COLUMNS)).astype(COMPARE_COLUMNS)
    pd.testing.assert_frame_equal(_typed_frame([], COMPARE_COLUMNS), empty, check_exact=True)
    assert list(_typed_frame([], COMPARE_COLUMNS).dtypes) == list(empty.dtypes)


def test_codes_in_use_takes_a_series_as_a_list():
    used = pd.Series(["3-10", "", "1-1", "3-9", "3-10"], dtype="string")
    assert codes_in_use(["1-1"], used) == codes_in_use(["1-1"], used.tolist()) == ["1-1", "3-9", "3-10"]


def test_budget_keys_share_the_masters_year_strings():
    m = make_master()
    assert all(a is b for (a, _), b in zip(_budget_keys(m.start_year, m.end_year), m.years))
