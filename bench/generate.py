"""Synthetic cycles for the scale benchmark: 計画マスタ.xlsx + 提出/*.xlsx in the contract's format
(DESIGN §2), at three sizes, from a fixed seed.

    python bench/generate.py [S M L] [--seed N] [--force] [--workers N]

Sizes (rows = the three project sheets 総合計画/国土強靱化/総合戦略; 成果指標 rows come on top):
    S      20 workbooks,    ~1,500 rows, master with  20 課
    M     200 workbooks,   ~15,000 rows, master with 200 課 (one workbook per 課)
    L   2,000 workbooks,  ~150,000 rows, master with 200 課 (ten workbooks per 課, one per 係)
The master always has 8 基本政策, 60 施策, ~150 展開方向, 45 risk scenarios under 8 goals and
4 basic goals with 15 具体的施策.

What the data looks like:
  * ≈40% of 総合計画 projects also appear on 国土強靱化 and ≈25% on 総合戦略; half of those rows
    carry the project's 事業ID, half a differently spelled name with the same match key
    (事業 dropped or added, a space, a bracketed note, full-width letters); 5% of the
    name-linked rows are spelled so differently that they stay apart (→ 重複候補);
  * 国土強靱化-only (県/国/民間) and 総合戦略-only rows; ≈4% （再掲） rows under a second 施策
    and ≈3% with 再掲施策コード; ≈1% of project names shared with other 課; ≈2% near-duplicates;
  * ≈1% of rows carry an error (unknown codes, bad or negative money, unknown 課, blank
    required fields, 財源 not adding up, a row without 事業名, ...); ≈10% of 国土強靱化 rows
    lack 実施箇所 (a warning);
  * names 10–25 characters, 事業内容 40–120 characters, codes sometimes full-width, money
    sometimes typed as text "1,234";
  * 85% of workbooks look like a returned template (記入要領, hidden リスト sheet, 500 styled
    input rows per data sheet, which Excel keeps); 15% were copied into a blank workbook
    (no styled rows), and 10% have a title row above the header.
  * the master has a 個別計画 ledger (one plan per two 施策 or so, periods in R / 令和 / 西暦, some
    ending within the plan without 改定予定); one 総合計画 row in five cites plans in 関連個別計画
    (by 計画ID or name; ≈2% of them a plan of another 施策, ≈1% one the ledger does not hold).

Generated cycles are cached under bench-work/cycles/<size>-seed<seed>-g<GENERATOR_VERSION>/ with
a manifest.json; a cycle is only regenerated with --force or when the generator version changes.
"""
from __future__ import annotations

import argparse
import io
import json
import multiprocessing as mp
import os
import random
import re
import shutil
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from compiler.models import SHEET_KPI, SHEET_PLAN, SHEET_RESILIENCE, SHEET_STRATEGY  # noqa: E402
from compiler.schema import MONEY, columns_for  # noqa: E402

import vocab as V  # noqa: E402
from budget_export import INFO as BUDGET_INFO, MAPPING as BUDGET_MAPPING, assign_codes, write_export  # noqa: E402

GENERATOR_VERSION = 4  # 2: last year's results columns; 3: the master's 個別計画 ledger and 関連個別計画;
# 4: 予算事務事業コード and 予算事務事業.xlsx
DEFAULT_SEED = 20261122
WORK = REPO / "bench-work"
YEARS = ("R7", "R8", "R9")
INPUT_ROWS = 500  # styled input rows below the header, as compiler/templates.py writes them
SIZES = {
    "S": {"books": 20, "depts": 20},
    "M": {"books": 200, "depts": 200},
    "L": {"books": 2000, "depts": 200},
}
WB_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True}
FIXED_DATE = __import__("datetime").datetime(2025, 1, 1)
ACCOUNT_NAMES = {a: a if a.endswith("会計") else f"{a}会計" for a in V.ACCOUNTS}  # as the budget export spells them
ZIP_DATE = (2025, 1, 1, 0, 0, 0)


# ---------------------------------------------------------------------------- master
@dataclass
class MeasureSpec:
    code: str
    name: str
    policy: str
    nouns: list[str]
    directions: list[str]


@dataclass
class DeptSpec:
    name: str
    bureau: str
    code: str
    measures: list[str]


@dataclass
class Spec:
    size: str
    seed: int
    books: int
    measures: list[MeasureSpec] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)
    disaster_scenarios: list[str] = field(default_factory=list)
    goals: dict[str, list[str]] = field(default_factory=dict)
    depts: list[DeptSpec] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    shared_names: list[str] = field(default_factory=list)
    plans: list[tuple[str, ...]] = field(default_factory=list)  # 個別計画 rows of the master (LEDGER_HEADER)
    plans_by_measure: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)

    def measure(self, code: str) -> MeasureSpec:
        return self._by_code[code]

    def __post_init__(self) -> None:
        self._by_code: dict[str, MeasureSpec] = {}


def build_spec(size: str, seed: int) -> Spec:
    rng = random.Random(f"master/{seed}/{size}")
    books, n_depts = SIZES[size]["books"], SIZES[size]["depts"]
    spec = Spec(size, seed, books)
    for p, (_pname, measures) in enumerate(V.POLICIES, start=1):
        for m, (mname, nouns) in enumerate(measures, start=1):
            code = f"{p}-{m}"
            n_dirs = rng.choices([0, 1, 2, 3, 4], weights=[1, 1, 3, 4, 2])[0]
            dirs = [f"{code}-{d}" for d in range(1, n_dirs + 1)]
            ms = MeasureSpec(code, mname, str(p), nouns, dirs)
            spec.measures.append(ms)
            spec._by_code[code] = ms
    for g, (_gtext, scen) in enumerate(V.RISK_GOALS, start=1):
        for s in range(1, len(scen) + 1):
            spec.scenarios.append(f"{g}-{s}")
            if g in (1, 2, 6, 7):
                spec.disaster_scenarios.append(f"{g}-{s}")
    for g, (_name, _target, sms) in enumerate(V.STRATEGY_GOALS, start=1):
        spec.goals[str(g)] = [f"{g}-{k}" for k in range(1, len(sms) + 1)]
    names: list[str] = []
    for q in V.DEPT_QUALIFIERS:
        for stem in V.DEPT_STEMS:
            names.append(f"{q}{stem}課")
    names = names[:n_depts]
    by_policy: dict[str, list[str]] = {}
    for ms in spec.measures:
        by_policy.setdefault(ms.policy, []).append(ms.code)
    for i, name in enumerate(names):
        b = i % len(V.BUREAUS)
        policy = str(1 + (i * 7 + b) % len(V.POLICIES))
        own = rng.sample(by_policy[policy], k=min(3, len(by_policy[policy])))
        other = rng.choice(spec.measures).code
        spec.depts.append(DeptSpec(name, V.BUREAUS[b], f"{b + 1:02d}{i // len(V.BUREAUS) + 1:02d}", own + [other]))
    spec.places = sorted({a + b for a in V.PLACE_KANJI for b in V.PLACE_KANJI if a != b})
    rng.shuffle(spec.places)
    pool_n = max(20, books // 4)
    prefixes = [""] + V.MODIFIERS + spec.places
    spec.shared_names = [f"{prefixes[k // len(V.SHARED_NAMES)]}{V.SHARED_NAMES[k % len(V.SHARED_NAMES)]}事業"
                         for k in range(pool_n)]
    build_ledger(spec)
    return spec


LEDGER_HEADER = ("計画ID", "計画名", "所管課", "根拠法令等", "開始年度", "終了年度", "関連施策コード", "状況")
PLAN_KINDS = (("地域福祉計画", "社会福祉法第107条"), ("過疎地域持続的発展計画", "過疎地域の持続的発展の支援に関する特別措置法第8条"),
              ("公共施設等総合管理計画", "インフラ長寿命化基本計画"), ("国土強靱化地域計画", "国土強靱化基本法第13条"),
              ("地域防災計画", "災害対策基本法第42条"), ("子ども・子育て支援事業計画", "子ども・子育て支援法第61条"),
              ("高齢者福祉計画・介護保険事業計画", "老人福祉法第20条の8、介護保険法第117条"), ("障害者計画", "障害者基本法第11条"),
              ("地球温暖化対策実行計画（区域施策編）", "地球温暖化対策の推進に関する法律第21条"),
              ("立地適正化計画", "都市再生特別措置法第81条"), ("都市計画マスタープラン", "都市計画法第18条の2"),
              ("地域公共交通計画", "地域公共交通の活性化及び再生に関する法律第5条"), ("教育振興基本計画", "教育基本法第17条第2項"),
              ("健康増進計画", "健康増進法第8条"), ("一般廃棄物処理基本計画", "廃棄物の処理及び清掃に関する法律第6条"),
              ("環境基本計画", "環境基本条例"), ("男女共同参画計画", "男女共同参画社会基本法第14条"),
              ("空家等対策計画", "空家等対策の推進に関する特別措置法第7条"), ("食育推進計画", "食育基本法第18条"),
              ("観光振興計画", "観光立国推進基本法"))


def build_ledger(spec: Spec) -> None:
    """The master's 個別計画: one plan per two 施策 or so (at least 8), each serving one to three 施策, periods of
    4–10 years written as R4 / 令和4年度 / 2022; mostly 策定済, some 改定予定 or 策定予定 (its own random stream)."""
    rng = random.Random(f"ledger/{spec.seed}/{spec.size}")
    n = max(8, len(spec.measures) // 2)
    for k in range(n):
        kind, basis = PLAN_KINDS[k % len(PLAN_KINDS)]
        name = f"ベンチ市{kind}" if k < len(PLAN_KINDS) else f"第{k // len(PLAN_KINDS) + 1}次ベンチ市{kind}"
        measures = sorted({m.code for m in rng.sample(spec.measures, k=rng.choice((1, 1, 2, 3)))})
        owner = next((d.name for d in spec.depts if measures[0] in d.measures), spec.depts[0].name)
        start = rng.randint(2, 7)
        end = start + rng.randint(3, 9)
        style = rng.choice(("R{n}", "令和{n}年度", "{y}"))
        status = rng.choices(("策定済", "改定予定", "策定予定"), (8, 3, 1))[0]
        row = (f"P{k + 1:03d}", name, owner, basis, style.format(n=start, y=2018 + start),
               style.format(n=end, y=2018 + end), "、".join(measures), status)
        spec.plans.append(row)
        for code in measures:
            spec.plans_by_measure.setdefault(code, []).append(row)


def add_plan_refs(rng: random.Random, spec: Spec, plan: list[dict]) -> None:
    """関連個別計画 on about one 総合計画 row in five whose 施策 has plans: those the ledger links to the 施策, by
    計画ID (mostly) or by name; now and then a plan of another 施策 or one the ledger does not hold."""
    for row in plan:
        if str(row["name"]).endswith("（再掲）") or rng.random() >= 0.2:
            continue
        own = spec.plans_by_measure.get(str(row["measure"]), [])
        r = rng.random()
        if r < 0.01:
            refs = ["ベンチ市未登録計画"]
        elif r < 0.03:
            refs = [rng.choice(spec.plans)[0]]
        elif not own:
            continue
        else:
            picked = rng.sample(own, k=min(len(own), rng.choice((1, 1, 2))))
            refs = [p[0] if rng.random() < 0.7 else p[1] for p in picked]
        row["plans"] = "、".join(refs)


def write_master(path: Path, spec: Spec) -> None:
    wb = xlsxwriter.Workbook(str(path), WB_OPTIONS)
    wb.set_properties({"created": FIXED_DATE})

    def sheet(name: str, rows: list[tuple]) -> None:
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                ws.write_string(r, c, str(v))

    sheet("基本情報", [("項目", "値"), ("自治体名", "ベンチ市"), ("総合計画名", "第6次ベンチ市総合計画"),
                    ("強靱化計画名", "ベンチ市国土強靱化地域計画"), ("総合戦略名", "第3期ベンチ市まち・ひと・しごと創生総合戦略"),
                    ("計画年度", "R7"), ("計画期間終了", "R9"), ("金額単位", "千円"), *BUDGET_INFO])
    rows: list[tuple] = [("基本政策番号", "基本政策名", "施策コード", "施策名", "展開方向コード", "展開方向名", "主担当課")]
    for ms in spec.measures:
        pname = V.POLICIES[int(ms.policy) - 1][0]
        lead = next((d.name for d in spec.depts if ms.code in d.measures), spec.depts[0].name)
        if not ms.directions:
            rows.append((ms.policy, pname, ms.code, ms.name, "", "", lead))
        for k, dc in enumerate(ms.directions):
            rows.append((ms.policy, pname, ms.code, ms.name, dc, ms.name.removesuffix("の推進").removesuffix("の充実")
                         + V.DIRECTION_NAMES[k % len(V.DIRECTION_NAMES)], lead))
    sheet("施策体系", rows)
    rows = [("目標番号", "事前に備えるべき目標", "リスクシナリオ番号", "起きてはならない最悪の事態")]
    for g, (gtext, scen) in enumerate(V.RISK_GOALS, start=1):
        for s, text in enumerate(scen, start=1):
            rows.append((str(g), gtext, f"{g}-{s}", text))
    sheet("リスクシナリオ", rows)
    rows = [("基本目標番号", "基本目標", "具体的施策コード", "具体的施策", "数値目標")]
    for g, (name, target, sms) in enumerate(V.STRATEGY_GOALS, start=1):
        for k, sm in enumerate(sms, start=1):
            rows.append((str(g), name, f"{g}-{k}", sm, target))
    sheet("総合戦略", rows)
    sheet("課一覧", [("部局", "課", "課コード")] + [(d.bureau, d.name, d.code) for d in spec.depts])
    sheet("会計", [("会計",)] + [(a,) for a in V.ACCOUNTS])
    sheet("個別計画", [LEDGER_HEADER, *spec.plans])
    sheet("予算列の対応", list(BUDGET_MAPPING))
    wb.close()


# ---------------------------------------------------------------------------- text
_FW = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


def full_width(text: str) -> str:
    return text.translate(_FW)


def make_name_parts(rng: random.Random, spec: Spec, ms: MeasureSpec) -> list[str]:
    for _ in range(20):
        noun = rng.choice(ms.nouns)
        parts: list[str] = []
        shape = rng.random()
        if shape < 0.45:
            parts.append(rng.choice(spec.places) + rng.choice(V.PLACE_SUFFIX))
        elif shape < 0.7:
            parts.append(rng.choice(V.MODIFIERS))
        parts.append(noun)
        if rng.random() < 0.7:
            other = rng.choice(spec.measures)
            if other is not ms and rng.random() < 0.5:
                parts.append(rng.choice(other.nouns))
            else:
                parts.append(rng.choice(["施設", "体制", "環境", "拠点", "計画", "システム", "ネットワーク", "サービス"]))
        parts.append(rng.choice(V.ACTIONS))
        if rng.random() < 0.85:
            parts.append("事業")
        n = sum(len(p) for p in parts)
        if 10 <= n <= 25:
            return parts
    return parts  # rare: outside 10–25 characters


def keep_key_variant(rng: random.Random, parts: list[str]) -> str:
    """Another spelling of the same name that has the same match key (DESIGN §3 rule 3)."""
    name = "".join(parts)
    kinds = ["jigyo", "space", "note"]
    if re.search(r"[A-Za-z0-9]", name):
        kinds.append("width")
    kind = rng.choice(kinds)
    if kind == "jigyo":
        return name[:-2] if parts[-1] == "事業" else name + "事業"
    if kind == "space" and len(parts) > 1:
        k = rng.randrange(1, len(parts))
        return "".join(parts[:k]) + rng.choice(["　", " "]) + "".join(parts[k:])
    if kind == "width":
        return full_width(name)
    return name + rng.choice(["（国庫補助）", "【継続】", "（強靱化）", "(補助)", "【総合戦略】", "（R7～）"])


def far_variant(rng: random.Random, parts: list[str]) -> str:
    """A near-duplicate spelling whose match key differs: a person has to decide (重複候補)."""
    kind = rng.randrange(4)
    if kind == 0 and len(parts) >= 2:
        k = len(parts) - (2 if parts[-1] == "事業" else 1)
        return "".join(parts[:k]) + "の" + "".join(parts[k:])
    if kind == 1:
        return "".join(parts) + "等"
    if kind == 2:
        return "第2期" + "".join(parts)
    return "".join(parts).replace("事業", "") + "推進事業"


def make_content(rng: random.Random, parts: list[str], ms: MeasureSpec) -> str:
    text = ""
    while len(text) < 40:
        method = rng.choice(V.METHODS).format(noun=rng.choice(ms.nouns), action=rng.choice(V.ACTIONS))
        text += f"{rng.choice(V.TARGETS)}を対象に、{method}、{rng.choice(V.GOALS_TEXT)}"
        if len(text) < 60 and rng.random() < 0.5:
            text += f"{''.join(parts).replace('事業', '')}は{rng.choice(V.NOTES)}"
    if len(text) > 120:
        cut = text.rfind("。", 0, 120)
        text = text[:cut + 1] if cut >= 40 else text[:119] + "。"
    return text


def join_codes(rng: random.Random, codes: list[str]) -> str:
    sep = rng.choices(["、", ",", "・", " ", "\n"], weights=[70, 12, 8, 6, 4])[0]
    out = sep.join(codes)
    return full_width(out) if rng.random() < 0.03 else out


def year_text(rng: random.Random, reiwa: int) -> object:
    kind = rng.randrange(5)
    if kind == 0:
        return f"令和{reiwa}年度"
    if kind == 1:
        return 2018 + reiwa  # a number
    if kind == 2:
        return f"{2018 + reiwa}年度"
    return f"R{reiwa}"


def money(rng: random.Random, amount: int) -> object:
    return f"{amount:,}" if rng.random() < 0.03 else amount


# ---------------------------------------------------------------------------- one workbook
ERROR_KINDS = {
    SHEET_PLAN: ["unknown-measure", "bad-money", "negative-money", "bad-status", "unknown-dept", "required-blank",
                 "funding-mismatch", "row-no-name", "unknown-account"],
    SHEET_RESILIENCE: ["unknown-scenario", "bad-money", "unknown-dept", "bad-year", "row-no-name"],
    SHEET_STRATEGY: ["unknown-goal", "unknown-strategy-measure", "unknown-dept", "row-no-name"],
}


def _apply_error(rng: random.Random, sheet: str, row: dict, kind: str) -> None:
    if kind == "unknown-measure":
        row["measure"] = "9-" + str(rng.randint(1, 9))
    elif kind == "bad-money":
        row["budget:R8" if sheet == SHEET_PLAN else "total_cost"] = rng.choice(["未定", "約500", "調整中", "1.2億"])
    elif kind == "negative-money":
        row["budget:R7"] = -rng.randint(1, 999)
        for k in list(row):
            if k.startswith("fund:"):
                row[k] = None
    elif kind == "bad-status":
        row["status"] = rng.choice(["検討中", "廃止予定", "？"])
    elif kind == "unknown-dept":
        row["dept"] = str(row["dept"]).replace("課", "科") if rng.random() < 0.5 else "旧" + str(row["dept"])
    elif kind == "required-blank":
        row["content"] = None
    elif kind == "funding-mismatch":
        b = row.get("budget:R7")
        if isinstance(b, int) and b > 10:
            row["fund:一般財源"] = b // 2
            row["fund:国県支出金"] = b // 3
            row["fund:地方債"] = None
            row["fund:その他"] = None
        else:
            row["measure"] = "99"
    elif kind == "row-no-name":
        row["name"] = None
    elif kind == "unknown-account":
        row["account"] = rng.choice(["特別", "一般会計（臨時）", "競輪"])
    elif kind == "unknown-scenario":
        row["scenarios"] = "9-" + str(rng.randint(1, 9))
    elif kind == "bad-year":
        row["start_year"] = rng.choice(["来年度", "R", "未定"])
    elif kind == "unknown-goal":
        row["goals"] = str(rng.randint(5, 9))
    elif kind == "unknown-strategy-measure":
        row["strategy_measures"] = "8-" + str(rng.randint(1, 9))


def book_rows(spec: Spec, index: int) -> tuple[DeptSpec, int, dict[str, list[dict]], dict]:
    rng = random.Random(f"book/{spec.seed}/{spec.size}/{index}")
    n_depts = len(spec.depts)
    dept = spec.depts[index % n_depts]
    sub = index // n_depts
    stats: dict = {"errors": {}, "linked_by_id": 0, "linked_by_name": 0, "far_variants": 0, "relisted": 0,
                   "shared_names": 0, "near_duplicates": 0, "no_location": 0}
    plan: list[dict] = []
    res: list[dict] = []
    strat: list[dict] = []
    kpi: list[dict] = []
    n_plan = rng.randint(22, 70)
    names_here: list[list[str]] = []
    serial = 0

    def new_id() -> str:
        nonlocal serial
        serial += 1
        return f"{dept.code}-{sub}{serial:03d}"

    def pick_measure() -> MeasureSpec:
        if rng.random() < 0.9:
            return spec.measure(rng.choice(dept.measures))
        return rng.choice(spec.measures)

    for _ in range(n_plan):
        ms = pick_measure()
        r = rng.random()
        if r < 0.01:
            name = rng.choice(spec.shared_names)
            parts = [name[:-2], "事業"]
            stats["shared_names"] += 1
        elif r < 0.03 and names_here:
            parts = [far_variant(rng, rng.choice(names_here))]
            stats["near_duplicates"] += 1
        else:
            parts = make_name_parts(rng, spec, ms)
        names_here.append(parts)
        name = "".join(parts)
        pid = new_id() if rng.random() < 0.7 else None
        status = (rng.choices(["継続", "拡充"], weights=[8, 2])[0] if pid else
                  rng.choices(["新規", "継続"], weights=[7, 3])[0])
        base = min(int(rng.lognormvariate(8, 1.5)), 5_000_000)
        b7 = base if rng.random() < 0.95 else None
        if b7 is not None and rng.random() < 0.03:
            b7 = 0
        b8 = int(base * rng.uniform(0.7, 1.3)) if rng.random() < 0.85 else None
        b9 = int(base * rng.uniform(0.6, 1.4)) if b8 is not None and rng.random() < 0.85 else None
        row: dict = {
            "id": pid, "name": name, "dept": dept.name,
            "measure": full_width(ms.code).replace("-", "－") if rng.random() < 0.03 else ms.code,
            "direction": rng.choice(ms.directions) if ms.directions and rng.random() < 0.95 else None,
            "relisted": None, "status": status, "content": make_content(rng, parts, ms),
            "account": "一般" if rng.random() < 0.85 else rng.choice(V.ACCOUNTS[1:]),
            "budget_kind": rng.choices(["当初", "補正", None], weights=[90, 5, 5])[0],
            "budget_page": str(rng.randint(20, 380)) if rng.random() < 0.6 else None,
            "supplementary": rng.choice(["○", "〇", "1"]) if rng.random() < 0.05 else None,
            "budget:R7": money(rng, b7) if b7 is not None else None,
            "budget:R8": money(rng, b8) if b8 is not None else None,
            "budget:R9": money(rng, b9) if b9 is not None else None,
            "priority": "○" if rng.random() < 0.1 else None,
            "sdgs": join_codes(rng, [str(x) for x in sorted(rng.sample(range(1, 18), rng.randint(1, 3)))])
            if rng.random() < 0.35 else None,
            "note": rng.choice(V.NOTES) if rng.random() < 0.1 else None,
        }
        if b7 and rng.random() < 0.5:
            cuts = sorted(rng.randint(0, b7) for _ in range(3))
            parts4 = [cuts[0], cuts[1] - cuts[0], cuts[2] - cuts[1], b7 - cuts[2]]
            for k, v in zip(("国県支出金", "地方債", "その他", "一般財源"), parts4):
                row[f"fund:{k}"] = v if v or rng.random() < 0.5 else None
        if rng.random() < 0.03:
            other = rng.choice(spec.measures)
            if other is not ms:
                row["relisted"] = other.code
        plan.append(row)
        if rng.random() < 0.04:  # a （再掲） row under another 施策
            other = spec.measure(rng.choice(dept.measures))
            if other is ms:
                other = rng.choice(spec.measures)
            if other is not ms:
                again = dict(row)
                again.update(name=name + "（再掲）", measure=other.code, id=pid if rng.random() < 0.5 else None,
                             direction=rng.choice(other.directions) if other.directions else None, relisted=None)
                if rng.random() < 0.5:
                    for y in YEARS:
                        again[f"budget:{y}"] = None
                for k in ("fund:国県支出金", "fund:地方債", "fund:その他", "fund:一般財源"):
                    again[k] = None
                plan.append(again)
                stats["relisted"] += 1

        def linked(row: dict) -> tuple[object, str]:
            """(事業ID, name) of a row on another sheet that is this project."""
            if rng.random() < 0.5:
                if not row["id"]:
                    row["id"] = new_id()
                stats["linked_by_id"] += 1
                u = rng.random()
                name2 = name if u < 0.6 else keep_key_variant(rng, parts) if u < 0.9 else far_variant(rng, parts)
                return row["id"], name2
            stats["linked_by_name"] += 1
            if rng.random() < 0.05:
                stats["far_variants"] += 1
                return None, far_variant(rng, parts)
            return None, keep_key_variant(rng, parts)

        if rng.random() < 0.40:
            rid, rname = linked(row)
            res.append(resilience_row(rng, spec, ms, dept, rid, rname, stats))
        if rng.random() < 0.25:
            sid, sname = linked(row)
            strat.append(strategy_row(rng, spec, ms, dept, sid, sname))
    # rows that are on one sheet only
    for _ in range(max(0, round(len(res) * 0.08))):
        ms = pick_measure()
        parts = make_name_parts(rng, spec, ms)
        row = resilience_row(rng, spec, ms, dept, None, "".join(parts), stats)
        row["actor"] = rng.choice(["県", "国", "民間", "県・市"])
        res.append(row)
    for _ in range(max(0, round(len(strat) * 0.03))):
        ms = pick_measure()
        parts = make_name_parts(rng, spec, ms)
        strat.append(strategy_row(rng, spec, ms, dept, None, "".join(parts)))
    for _ in range(rng.randint(0, 6)):
        ms = spec.measure(rng.choice(dept.measures))
        suffix, unit = rng.choice(V.KPI_SUFFIX)
        base = rng.randint(10, 5000)
        kpi.append({"name": rng.choice(ms.nouns) + suffix, "measure": ms.code, "unit": unit, "base": base,
                    "base_year": "R5", **{f"target:{y}": int(base * (1 + 0.05 * k)) for k, y in enumerate(YEARS, 1)},
                    "final_target": int(base * 1.2), "final_year": "R9", "source": f"{dept.name}調べ",
                    "strategy_kpi": "○" if rng.random() < 0.2 else None, "trend": "増加"})
    plan.sort(key=lambda r: (str(r["measure"]), str(r.get("direction") or "")))
    add_results(random.Random(f"results/{spec.seed}/{spec.size}/{index}"), plan, strat, kpi)
    add_plan_refs(random.Random(f"plans/{spec.seed}/{spec.size}/{index}"), spec, plan)
    stats["budget"] = assign_codes(random.Random(f"budget/{spec.seed}/{spec.size}/{index}"), spec.size, plan,
                                   dept.code, dept.name, sub, ACCOUNT_NAMES)
    sheets = {SHEET_PLAN: plan, SHEET_RESILIENCE: res, SHEET_STRATEGY: strat, SHEET_KPI: kpi}
    for sheet in (SHEET_PLAN, SHEET_RESILIENCE, SHEET_STRATEGY):
        for row in sheets[sheet]:
            if rng.random() < 0.01:
                kind = rng.choice(ERROR_KINDS[sheet])
                _apply_error(rng, sheet, row, kind)
                stats["errors"][kind] = stats["errors"].get(kind, 0) + 1
    return dept, sub, sheets, stats


PROGRESS_WEIGHTS = (("計画どおり", 60), ("概ね計画どおり", 25), ("遅れ", 10), ("未着手", 2), ("中止", 1), (None, 2))
OUTLOOK_WEIGHTS = (("継続", 60), ("拡充", 20), ("改善", 10), ("縮小", 5), (None, 5))


def add_results(rng: random.Random, plan: list[dict], strat: list[dict], kpi: list[dict]) -> None:
    """Last year's results the survey brings back (its own random stream, so the plan rows stay as they
    were): 決算見込額 / 進捗状況 / 今後の方向性 on continuing rows, 実績 on about nine KPIs in ten."""
    for row in plan:
        if row["status"] == "新規" or str(row["name"]).endswith("（再掲）"):
            continue
        progress = rng.choices([p for p, _ in PROGRESS_WEIGHTS], [w for _, w in PROGRESS_WEIGHTS])[0]
        planned = row.get("budget:R7")
        if isinstance(planned, int) and progress is not None:
            row["settled"] = 0 if progress == "中止" else int(planned * rng.uniform(0.6, 1.05))
        row["progress"] = progress
        row["result"] = "計画どおり実施した。" if progress in ("計画どおり", "概ね計画どおり") else None
        row["outlook"] = rng.choices([o for o, _ in OUTLOOK_WEIGHTS], [w for _, w in OUTLOOK_WEIGHTS])[0]
        if row["outlook"] == "拡充" and isinstance(planned, int) and row.get("settled", 0) > planned:
            row["outlook"] = "継続"
    for row in kpi:
        if rng.random() < 0.9:
            base, t7 = row["base"], row["target:R7"]
            row["prior_target"] = (base + t7) // 2
            row["actual"] = int(base + (t7 - base) * rng.choice((1.2, 1.0, 0.7, 0.3, 0.0, -0.3)))
            row["actual_kind"] = "見込み" if rng.random() < 0.2 else None
    for row in strat:
        if row.get("kpi_base") and rng.random() < 0.9:
            base = int(row["kpi_base"])
            row["kpi_actual"] = str(int(base * rng.uniform(0.95, 1.1)))


def resilience_row(rng: random.Random, spec: Spec, ms: MeasureSpec, dept: DeptSpec, pid: object, name: str,
                   stats: dict) -> dict:
    pool = spec.disaster_scenarios if ms.policy in ("3", "4") else spec.scenarios
    scen = sorted(rng.sample(pool, rng.choices([1, 2, 3], weights=[5, 3, 2])[0]),
                  key=lambda c: tuple(int(x) for x in c.split("-")))
    start = rng.randint(3, 7)
    location = None
    if rng.random() < 0.9:
        location = rng.choice([f"{rng.choice(spec.places)}{rng.choice(V.PLACE_SUFFIX)}", f"市道{rng.randint(1, 40)}-{rng.randint(1, 99)}号線",
                               f"{rng.choice(spec.places)}小学校", f"{rng.choice(spec.places)}川", "市内全域",
                               f"{rng.choice(spec.places)}公園ほか{rng.randint(2, 9)}か所"])
    else:
        stats["no_location"] += 1
    return {
        "id": pid, "name": name, "dept": dept.name, "scenarios": join_codes(rng, scen),
        "field": rng.choice(V.RESILIENCE_FIELDS) if rng.random() < 0.8 else None, "location": location,
        "actor": rng.choices([None, "市", "県", "国"], weights=[60, 34, 4, 2])[0],
        "start_year": year_text(rng, start) if rng.random() < 0.8 else None,
        "end_year": year_text(rng, start + rng.randint(2, 8)) if rng.random() < 0.7 else None,
        "total_cost": money(rng, min(int(rng.lognormvariate(10, 1.5)), 50_000_000)) if rng.random() < 0.6 else None,
        "grants": rng.choice(V.GRANTS) if rng.random() < 0.4 else None,
        "note": rng.choice(V.NOTES) if rng.random() < 0.05 else None,
    }


def strategy_row(rng: random.Random, spec: Spec, ms: MeasureSpec, dept: DeptSpec, pid: object, name: str) -> dict:
    goals = sorted(rng.sample(sorted(spec.goals), rng.choices([1, 2], weights=[8, 2])[0]))
    row: dict = {"id": pid, "name": name, "dept": dept.name,
                 "goals": join_codes(rng, goals) if rng.random() < 0.95 else "基本目標" + goals[0],
                 "strategy_measures": join_codes(rng, [rng.choice(spec.goals[g]) for g in goals]) if rng.random() < 0.7 else None,
                 "digital": "○" if rng.random() < 0.15 else None,
                 "grants": "デジタル田園都市国家構想交付金" if rng.random() < 0.3 else None,
                 "note": rng.choice(V.NOTES) if rng.random() < 0.05 else None}
    if rng.random() < 0.6:
        suffix, unit = rng.choice(V.KPI_SUFFIX)
        base = rng.randint(10, 10000)
        row.update({"kpi_name": rng.choice(ms.nouns) + suffix, "kpi_unit": unit, "kpi_base": str(base),
                    "kpi_base_year": "R5", "kpi_target": str(int(base * 1.15)), "kpi_target_year": "R11"})
    return row


def _write_value(ws, r: int, c: int, value: object, fmt) -> None:
    if value is None or value == "":
        if fmt is not None:
            ws.write_blank(r, c, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(r, c, "○" if value else "", fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value, fmt)
    else:
        ws.write_string(r, c, str(value), fmt)


def _styled_tail(xml: bytes, last_row: int) -> bytes:
    """Insert the styled empty input rows a returned template still holds (a write_blank per cell
    through xlsxwriter costs ~0.2 s per workbook; this string splice ~5 ms).  The sheet already
    holds row `last_row` with every styled cell; the rows between the data and it are added."""
    marker = f'<row r="{last_row}"'.encode()
    pos = xml.find(marker)
    if pos < 0:
        return xml
    end = xml.find(b"</row>", pos)
    seg = xml[pos:end].decode()
    cells = re.findall(r'<c r="([A-Z]+)\d+" s="(\d+)"/>', seg)
    spans = re.search(r'spans="([^"]+)"', seg)
    previous = re.findall(rb'<row r="(\d+)"', xml[:pos])
    first = int(previous[-1]) + 1 if previous else 1
    template = (f'<row r="#"{f" spans={chr(34)}{spans.group(1)}{chr(34)}" if spans else ""}>'
                + "".join(f'<c r="{col}#" s="{s}"/>' for col, s in cells) + "</row>")
    tail = "".join(template.replace("#", str(r)) for r in range(first, last_row)).encode()
    return xml[:pos] + tail + xml[pos:]


def write_book(args: tuple[Spec, int, Path]) -> dict:
    spec, index, out_dir = args
    dept, sub, sheets, stats = book_rows(spec, index)
    rng = random.Random(f"layout/{spec.seed}/{spec.size}/{index}")
    templated = rng.random() < 0.85
    title = rng.random() < 0.10
    halfwidth_labels = rng.random() < 0.05
    suffix = f"_{sub + 1:02d}係" if SIZES[spec.size]["books"] > SIZES[spec.size]["depts"] else ""
    path = out_dir / f"{dept.code}_{dept.name}{suffix}.xlsx"
    bio = io.BytesIO()
    wb = xlsxwriter.Workbook(bio, {**WB_OPTIONS, "in_memory": True})
    wb.set_properties({"title": f"{dept.name} 一体策定調書（R7）", "author": "ベンチ市 企画政策課", "created": FIXED_DATE})
    head = wb.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7", "text_wrap": True})
    body_text = wb.add_format({"border": 1, "num_format": "@", "locked": False}) if templated else None
    body_money = wb.add_format({"border": 1, "num_format": "#,##0", "locked": False}) if templated else None
    sheet_parts: dict[str, int] = {}
    n_part = 0
    if templated:
        guide = wb.add_worksheet("記入要領")
        n_part += 1
        guide.write_string(0, 0, f"ベンチ市 一体策定調書 記入要領（{dept.name}）")
        for k in range(1, 60):
            guide.write_string(k, 0, f"{k}.")
            guide.write_string(k, 1, "各シートの見出し行は変更しないでください。" * (1 + k % 3))
    for sheet, rows in sheets.items():
        if not templated and not rows:
            continue
        ws = wb.add_worksheet(sheet)
        n_part += 1
        columns = columns_for(sheet, YEARS)
        h = 0
        if title:
            ws.write_string(0, 0, f"{dept.name} {sheet} 調書")
            h = 1
        for c, col in enumerate(columns):
            label = col.label.replace("（", "(").replace("）", ")") if halfwidth_labels else col.label
            ws.write_string(h, c, label, head)
        fmts = [body_money if col.kind == MONEY else body_text for col in columns]
        for i, row in enumerate(rows, start=h + 1):
            for c, col in enumerate(columns):
                _write_value(ws, i, c, row.get(col.key), fmts[c])
        if templated and len(rows) < INPUT_ROWS:
            last = h + INPUT_ROWS
            for c in range(len(columns)):
                ws.write_blank(last, c, None, fmts[c])
            sheet_parts[f"xl/worksheets/sheet{n_part}.xml"] = last + 1
        ws.freeze_panes(h + 1, 2 if sheet != SHEET_KPI else 1)
    if templated:
        lists = wb.add_worksheet("リスト")
        for c, values in enumerate(([m.code for m in spec.measures], ["新規", "継続", "拡充"], V.ACCOUNTS,
                                    sorted(spec.goals), ["○"], ["市", "県", "国", "民間"])):
            for r, v in enumerate(values):
                lists.write_string(r, c, v)
        lists.hide()
    wb.close()
    tmp = path.with_name("." + path.name + ".tmp")
    with zipfile.ZipFile(io.BytesIO(bio.getvalue())) as zin, \
            zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename in sheet_parts:
                data = _styled_tail(data, sheet_parts[info.filename])
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(zi, data)
    os.replace(tmp, path)
    stats.update({"file": path.name, "rows": {s: len(r) for s, r in sheets.items()}, "templated": templated,
                  "title_row": title})
    return stats


# ---------------------------------------------------------------------------- cycles
def cycle_dir(size: str, seed: int = DEFAULT_SEED) -> Path:
    return WORK / "cycles" / f"{size}-seed{seed}-g{GENERATOR_VERSION}"


def generate(size: str, seed: int = DEFAULT_SEED, *, force: bool = False, workers: int | None = None,
             quiet: bool = False) -> Path:
    """The cycle folder for (size, seed), generated unless a complete one is cached."""
    target = cycle_dir(size, seed)
    if target.is_dir() and (target / "manifest.json").is_file() and not force:
        return target
    t0 = time.perf_counter()
    spec = build_spec(size, seed)
    tmp = target.with_name(f".tmp-{target.name}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "提出").mkdir(parents=True)
    write_master(tmp / "計画マスタ.xlsx", spec)
    workers = workers or min(os.cpu_count() or 1, 4)
    jobs = [(spec, i, tmp / "提出") for i in range(spec.books)]
    if workers > 1:
        with mp.get_context("fork").Pool(workers) as pool:
            stats = pool.map(write_book, jobs, chunksize=max(1, len(jobs) // (workers * 8)))
    else:
        stats = [write_book(j) for j in jobs]
    budget_items = write_export(tmp / "予算事務事業.xlsx", [i for st in stats for i in st.pop("budget")], WB_OPTIONS,
                                FIXED_DATE)
    size_bytes = sum(p.stat().st_size for p in (tmp / "提出").iterdir())
    manifest = summarise(spec, stats, time.perf_counter() - t0, size_bytes) | {"budget_items": budget_items}
    (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    if target.exists():
        shutil.rmtree(target)
    os.replace(tmp, target)
    if not quiet:
        r = manifest["rows"]
        print(f"generated {size}: {manifest['books']} workbooks, {manifest['project_rows']:,} project rows "
              f"(総合計画 {r[SHEET_PLAN]:,} / 国土強靱化 {r[SHEET_RESILIENCE]:,} / 総合戦略 {r[SHEET_STRATEGY]:,}), "
              f"成果指標 {r[SHEET_KPI]:,}, {manifest['bytes'] / 1e6:.1f} MB in {manifest['seconds']:.1f} s → {target}",
              file=sys.stderr)
    return target


def summarise(spec: Spec, stats: list[dict], seconds: float, size_bytes: int) -> dict:
    rows = {s: sum(st["rows"][s] for st in stats) for s in (SHEET_PLAN, SHEET_RESILIENCE, SHEET_STRATEGY, SHEET_KPI)}
    errors: dict[str, int] = {}
    for st in stats:
        for k, v in st["errors"].items():
            errors[k] = errors.get(k, 0) + v
    counters = {k: sum(st[k] for st in stats) for k in ("linked_by_id", "linked_by_name", "far_variants", "relisted",
                                                        "shared_names", "near_duplicates", "no_location")}
    return {
        "size": spec.size, "seed": spec.seed, "generator_version": GENERATOR_VERSION, "books": spec.books,
        "departments": len(spec.depts), "measures": len(spec.measures),
        "directions": sum(len(m.directions) for m in spec.measures), "scenarios": len(spec.scenarios),
        "basic_goals": len(spec.goals), "rows": rows,
        "project_rows": rows[SHEET_PLAN] + rows[SHEET_RESILIENCE] + rows[SHEET_STRATEGY],
        "errors_injected": errors, "error_rows": sum(errors.values()), **counters,
        "templated_books": sum(1 for st in stats if st["templated"]),
        "bytes": size_bytes, "seconds": round(seconds, 2),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", nargs="*", default=["S", "M"], choices=sorted(SIZES))
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--force", action="store_true", help="regenerate even when a cached cycle exists")
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args(argv)
    for size in args.sizes:
        print(generate(size, args.seed, force=args.force, workers=args.workers))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
