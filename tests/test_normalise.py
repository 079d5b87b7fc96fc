import datetime as dt

import pytest
from hypothesis import example, given, strategies as st

from compiler import normalise as N


@pytest.mark.parametrize("raw,expected", [
    ("１－３", "1-3"), ("1ー3", "1-3"), ("1―3", "1-3"), ("1−3", "1-3"), (" 3-4-1 ", "3-4-1"), ("0301-012", "0301-012"),
])
def test_norm_code_unifies_digits_and_dashes(raw, expected):
    assert N.norm_code(raw) == expected


@pytest.mark.parametrize("raw,expected", [
    ("1-3、2-1", ("1-3", "2-1")), ("１－３・6-2", ("1-3", "6-2")), ("1ー3 2-1", ("1-3", "2-1")),
    ("1-3,1-3\n2-1", ("1-3", "2-1")), ("", ()), (None, ()),
])
def test_split_codes(raw, expected):
    assert N.split_codes(raw) == expected


@pytest.mark.parametrize("raw,expected", [
    ("1,234", 1234), ("１２３４", 1234), ("120千円", 120), (1234.0, 1234), (0, 0), ("", None), (None, None),
    ("１，２００", 1200), ("△500", -500), (12.5, 13),
])
def test_parse_money(raw, expected):
    assert N.parse_money(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "1.2.3", "約100"])
def test_parse_money_rejects_text(raw):
    with pytest.raises(ValueError):
        N.parse_money(raw)


@pytest.mark.parametrize("raw", ["○", "〇", "◯", "●", "■", "1", "TRUE", "有", "はい", 1, True])
def test_flags_yes(raw):
    assert N.parse_flag(raw) is True


@pytest.mark.parametrize("raw", [None, "", "×", 0, False])
def test_flags_no(raw):
    assert N.parse_flag(raw) is False


@pytest.mark.parametrize("raw,expected", [
    ("R7", 7), ("令和7年度", 7), ("2025", 7), ("2025年度", 7), (2025, 7), ("令和元年度", 1), ("R１０", 10), ("H30", 0), ("平成31年度", 1), ("H29", -1),
])
def test_parse_year(raw, expected):
    assert N.parse_year(raw) == (expected, False)


def test_parse_year_date_is_fiscal_year_and_flagged():
    assert N.parse_year(dt.datetime(2026, 3, 1)) == (7, True)
    assert N.parse_year(dt.date(2025, 4, 1)) == (7, True)


@pytest.mark.parametrize("a,b", [
    ("雨水排水施設整備事業", "雨水排水施設　整備"),
    ("雨水排水施設整備事業（再掲）", "雨水排水施設整備事業"),
    ("【再掲】雨水排水施設整備事業", "雨水排水施設整備 (再掲)"),
    ("第２期ＧＩＧＡスクール推進事業", "第2期gigaスクール推進"),
    ("ｺﾐｭﾆﾃｨｾﾝﾀｰ改修事業", "コミュニティセンター改修"),
    ("国道１－３号線整備", "国道1-3号線整備"),
])
def test_match_key_equal(a, b):
    assert N.match_key(a) == N.match_key(b)


def test_match_key_keeps_long_vowel_mark():
    assert "ー" in N.match_key("センター")
    assert N.match_key("センター") != N.match_key("センタ-")


def test_match_key_removes_only_one_trailing_jigyo():
    assert N.match_key("事業事業") == "事業"


def test_relist_detection():
    assert N.is_relisted_name("雨水排水施設整備事業（再掲）")
    assert N.is_relisted_name("(再掲)道路")
    assert not N.is_relisted_name("再掲載事業")
    assert N.display_name("雨水排水施設整備事業（再掲）") == "雨水排水施設整備事業"


text = st.text(alphabet=st.sampled_from(list("雨水排水施設整備事業センター（）()【】再掲 　１２３-ー−ＡａBc")), max_size=30)


@given(text)
@example("B(−１)")  # a note written with U+2212: the dashes are unified before the notes are removed
@example("整備（R7ーR9）")
def test_match_key_idempotent_but_for_a_second_trailing_jigyo(s):
    k = N.match_key(s)
    expected = k[:-2] if k.endswith("事業") and len(k) > 2 else k
    assert N.match_key(k) == expected


@given(text)
def test_norm_code_idempotent(s):
    assert N.norm_code(N.norm_code(s)) == N.norm_code(s)


@given(st.lists(st.sampled_from(["1-3", "２－１", "6ー2", "3-4-1"]), max_size=6),
       st.sampled_from([",", "、", "・", " ", "\n"]))
def test_split_codes_idempotent_and_separator_free(codes, sep):
    once = N.split_codes(sep.join(codes))
    assert N.split_codes("、".join(once)) == once
    assert all("-" in c for c in once)


@given(st.integers(min_value=0, max_value=10**11))
def test_money_round_trip(n):
    assert N.parse_money(f"{n:,}") == n
    assert N.parse_money(str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "千円") == n
