"""Lenient reading of what departments type: codes, code lists, money, flags, years, names.

Pure functions, no I/O.  Each parser returns a value or raises `ValueError` with the text
that could not be read; the validator turns that into a Problem naming the cell.
"""
from __future__ import annotations

import datetime as _dt
import functools
import math
import re
import unicodedata

# dash-like characters that departments type for "-" in codes (NFKC leaves U+2212 and others alone)
_DASHES = "‐‑‒–—―−－ー─━ｰ⁃﹣"
_DASH_RE = re.compile(f"[{_DASHES}]")
_CODE_SPLIT = re.compile(r"[,、，・;；/／\s]+")
_WS = re.compile(r"\s+")
# white space for match keys: \s plus the zero-width characters that NFKC keeps
_KEY_WS = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]+")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]|[\ud800-\udfff]")
_OPEN, _CLOSE = "（(【\\[［〔〈《<＜", "）)】\\]］〕〉》>＞"
_BRACKET_NOTE = re.compile(f"[{_OPEN}][^{_OPEN}{_CLOSE}]*[{_CLOSE}]")  # innermost bracket pair
# a bracketed note that says 再掲: （再掲） 【再掲】 (一部再掲) （再掲：3-1）
_RELIST = re.compile(f"[{_OPEN}][^{_OPEN}{_CLOSE}]*再\\s*掲[^{_OPEN}{_CLOSE}]*[{_CLOSE}]")

YES_FLAGS = {"○", "〇", "◯", "●", "■", "1", "true", "有", "有り", "あり", "はい", "yes", "y", "✓", "✔", "済"}
NO_FLAGS = {"", "×", "✕", "-", "0", "false", "無", "いいえ", "no", "n", "なし"}
STATUSES = ("新規", "継続", "拡充")

MAX_MONEY = 10**12  # 千円: 1兆千円 (= 1,000兆円): anything above is a unit mistake


def clean_text(value: object) -> str:
    """Cell value → trimmed text without control characters; None/NaN → ''."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()[:10]
    return strip_control(str(value)).strip()


def strip_control(text: str) -> str:
    return _CONTROL.sub("", text)


def has_control(text: str) -> bool:
    return bool(_CONTROL.search(text))


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def norm_code(value: object) -> str:
    """`１－３` `1ー3` `1―3` → `1-3`; white space removed; Latin upper-cased."""
    text = _DASH_RE.sub("-", nfkc(clean_text(value)))
    text = _WS.sub("", text)
    return text.upper()


def norm_id(value: object) -> str:
    """事業ID: NFKC and trimming (DESIGN §3 rule 2), dash variants unified."""
    return norm_code(value)


_ID_CHAR = re.compile(r"[0-9A-Za-z]")


def is_placeholder_id(text: str) -> bool:
    """`-` `新規` `なし` `未定` typed in the 事業ID column: no ID at all.  Taken as an ID it would
    merge every such row of every department into one project (DESIGN §3 rule 2)."""
    return bool(text) and not _ID_CHAR.search(text)


def is_dash_only(text: str) -> bool:
    """`-` `－` `―` typed for "none" in a code column."""
    return bool(text) and not text.strip("-")


def split_codes(value: object) -> tuple[str, ...]:
    """`1-3、2-1` `１－３・6-2` `1ー3 2-1` → ('1-3', '2-1', ...), order kept, duplicates dropped."""
    text = _DASH_RE.sub("-", nfkc(clean_text(value)))
    out: list[str] = []
    for part in _CODE_SPLIT.split(text):
        part = part.strip().upper()
        if part and part not in out:
            out.append(part)
    return tuple(out)


_CODE_SHAPE = re.compile(r"^[0-9A-Z]+(-[0-9A-Z]+)*$")


def is_code(text: str) -> bool:
    return bool(_CODE_SHAPE.match(text))


def parse_sdgs(value: object) -> tuple[int, ...]:
    out: list[int] = []
    text = nfkc(clean_text(value)).replace("ゴール", "")  # before split_codes reads its ー as a dash
    for part in split_codes(text):
        part = part.removeprefix("GOAL").removeprefix("SDGS").removeprefix("SDG").removeprefix("目標")
        if not part.isdigit() or not 1 <= int(part) <= 17:
            raise ValueError(part)
        if int(part) not in out:
            out.append(int(part))
    return tuple(sorted(out))


def parse_money(value: object) -> int | None:
    """`1,234` `１２３４` `120千円` 1234.0 → int 千円; blank → None.

    Raises ValueError for unreadable text; the caller checks negative/absurd amounts.
    Amounts are whole 千円: a fraction is rounded half up (Excel shows them rounded too).
    """
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            raise ValueError(str(value))
        return None
    if isinstance(value, (int,)):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            raise ValueError(str(value))
        return _round_half_up(value)
    if isinstance(value, (_dt.date, _dt.datetime)):
        raise ValueError(clean_text(value))
    text = nfkc(clean_text(value))
    text = _WS.sub("", text).replace(",", "").replace("，", "")
    if text == "":
        return None
    # amounts are 千円: a figure in 円 (`1,234円`, `¥1,234`) would be read 1,000 times too large
    text = text.removesuffix("千円")
    text = _DASH_RE.sub("-", text)
    if text.startswith("△") or text.startswith("▲"):
        text = "-" + text[1:]
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        raise ValueError(str(value))
    return _round_half_up(float(text)) if "." in text else int(text)


def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


def parse_flag(value: object) -> bool:
    """○ 〇 ◯ ● ■ 1 TRUE 有 はい → True; blank → False; anything else raises ValueError."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return False
        if value in (0, 1):
            return bool(value)
        raise ValueError(clean_text(value))
    text = nfkc(clean_text(value)).strip().lower()
    if text in YES_FLAGS:
        return True
    if text in NO_FLAGS:
        return False
    raise ValueError(clean_text(value))


_REIWA = re.compile(r"^(?:R|令和|令)(\d{1,2}|元)(?:年度|年)?$")
_WESTERN = re.compile(r"^(\d{4})(?:年度|年)?$")
_HEISEI = re.compile(r"^(?:H|平成)(\d{1,2}|元)(?:年度|年)?$")


def parse_year(value: object) -> tuple[int | None, bool]:
    """Year → (Reiwa year number, was_a_date).  `R7` `令和7年度` `2025` `2025年度` → 7.

    Years before Reiwa are returned as negative-or-zero Reiwa numbers (2018 → 0).
    A date (Excel turned `2025/4` into a date) is read as its fiscal year and flagged.
    """
    if value is None:
        return None, False
    if isinstance(value, (_dt.datetime, _dt.date)):
        year = value.year if value.month >= 4 else value.year - 1
        return year - 2018, True
    if isinstance(value, float) and math.isnan(value):
        return None, False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer():
            n = int(value)
            if 1989 <= n <= 2100:
                return n - 2018, False
            if 1 <= n <= 60:  # a bare "7" means R7
                return n, False
        raise ValueError(clean_text(value))
    text = _WS.sub("", nfkc(clean_text(value))).upper()
    if text == "":
        return None, False
    m = _REIWA.match(text)
    if m:
        return (1 if m.group(1) == "元" else int(m.group(1))), False
    m = _WESTERN.match(text)
    if m and 1989 <= int(m.group(1)) <= 2100:
        return int(m.group(1)) - 2018, False
    m = _HEISEI.match(text)
    if m:  # 平成30年 = 2018 = R0; 平成31年 = 令和元年
        return (1 if m.group(1) == "元" else int(m.group(1))) - 30, False
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})(?:[-/.]\d{1,2})?", text)
    if m and 1989 <= int(m.group(1)) <= 2100:
        y, mo = int(m.group(1)), int(m.group(2))
        return (y if mo >= 4 else y - 1) - 2018, True
    if text.isdigit() and 1 <= int(text) <= 60:
        return int(text), False
    raise ValueError(clean_text(value))


def year_label(reiwa: int | None) -> str:
    if reiwa is None:
        return ""
    if reiwa >= 1:
        return f"R{reiwa}"
    return f"H{reiwa + 30}"


def parse_status(value: object) -> str:
    text = _WS.sub("", nfkc(clean_text(value)))
    if text == "":
        return ""
    if text in _STATUS_ALIASES:
        return _STATUS_ALIASES[text]
    for s in STATUSES:
        if text == s or text.startswith(s):
            return s
    raise ValueError(clean_text(value))


# checked before the prefix rule, so that 継続(拡充) is read as 拡充, not 継続
_STATUS_ALIASES = {"新": "新規", "継": "継続", "拡": "拡充", "充実": "拡充", "継続(拡充)": "拡充"}


def is_relisted_name(name: str) -> bool:
    return bool(_RELIST.search(nfkc(name)))


def display_name(name: str) -> str:
    """The name without a 再掲 note, trimmed, inner runs of white space collapsed."""
    text = _WS.sub(" ", _RELIST.sub("", name)).strip()
    return text or _WS.sub(" ", name).strip()


def match_key(name: object) -> str:
    """DESIGN §3 rule 3: NFKC, white space removed, bracketed notes removed, dash variants
    unified, one trailing 事業 removed, Latin lower-cased.  The long-vowel mark ー is kept
    (センター is not センタ-): only a ー between digits/Latin letters is a dash."""
    if isinstance(name, str):
        return _match_key_text(name)  # the same names recur on every sheet: computed once each
    return _match_key(name)


@functools.lru_cache(maxsize=1 << 18)
def _match_key_text(name: str) -> str:
    return _match_key(name)


def _match_key(name: object) -> str:
    text = nfkc(clean_text(name))
    text = _KEY_WS.sub("", text)
    text = _dash_in_key(text)  # before the notes: （R7−R9） is a period note as （R7-R9） is
    text = _without_bracket_notes(text)
    if text.endswith("事業") and len(text) > 2:
        text = text[:-2]
    return text.lower()


# what makes a bracketed part a note about the row rather than part of the project's name:
# the plan it is listed in, its status, its funding, its period
_NOTE_WORDS = ("再掲", "新規", "継続", "拡充", "重点", "仮称", "総合戦略", "強靱化", "強靭化", "国庫補助", "補助",
               "交付金", "単独", "起債", "予定")
_NOTE_MARKS = {"", "仮", "新", "再", "続", "拡", "重"}
_ERA_YEAR = r"(?:R|令和|H|平成)?\d{1,4}(?:年度|年)?"
_PERIOD_NOTE = re.compile(f"(?:{_ERA_YEAR})?(?:[~〜\\-]|から|まで|以降)?(?:{_ERA_YEAR})?(?:から|まで|以降)?")


def _is_note(inner: str) -> bool:
    """`inner` (NFKC, no white space): 再掲 / 新規 / 【総合戦略】 / 国庫補助 / R7~ / 令和7年度から ..."""
    if inner in _NOTE_MARKS or any(word in inner for word in _NOTE_WORDS):
        return True
    return any(ch.isdigit() for ch in inner) and _PERIOD_NOTE.fullmatch(inner) is not None


def _without_bracket_notes(text: str) -> str:
    """Remove bracketed notes — （再掲） 【新規】 (仮称) （一部再掲） —, innermost first (so a note
    nested in a bracket goes too).  A bracket that names something — （北工区） （市道1号線）
    （東小学校） — is part of the name and stays: two projects that differ only there are two
    projects (they meet in 重複候補, never merged).  A name that is nothing but a note keeps its
    text: an empty key would merge unrelated rows."""
    def drop_note(m: re.Match[str]) -> str:
        return "" if _is_note(m.group(0)[1:-1]) else m.group(0)

    out = text
    while True:
        stripped = _BRACKET_NOTE.sub(drop_note, out)
        if stripped == out:
            break
        out = stripped
    return out or text


_DASHES_NOT_CHOON = _DASHES.replace("ー", "").replace("ｰ", "")
_KEY_DASH_RE = re.compile(f"[{_DASHES_NOT_CHOON}]")
_CHOON_BETWEEN_ASCII = re.compile(r"(?<=[0-9A-Za-z])[ーｰ](?=[0-9A-Za-z])")


def _dash_in_key(text: str) -> str:
    text = _KEY_DASH_RE.sub("-", text)
    return _CHOON_BETWEEN_ASCII.sub("-", text)
