"""The R7 sample's 予算事務事業.xlsx: the budget as サンプル市's 財務会計 system exports it, and the
予算事務事業コード the 課 write on their 総合計画 rows.

Deliberate, and listed in examples/sample-city/README.md:
- more items than plan projects: every 課 also has items no plan project carries (事務費, 施設管理 …);
- the export speaks its vendor's labels (事務事業コード, 事務事業名称, 担当課名 …) in 円, mapped by
  the master's 予算列の対応 sheet;
- two かい離 (the plan's R7 figure off the budget's by more than the tolerance);
- one item shared by two plan projects, and one plan project spanning two items;
- one unknown code, one item of another 課, and one 政策 project without a code.
"""
from __future__ import annotations

import random

# the export's own labels, and the 予算列の対応 rows mapping them (項目, 列見出し, 単位)
EXPORT_LABELS = ("事務事業コード", "事務事業名称", "担当課名", "会計名", "款名", "項名", "目名", "当初予算額（円）")
MAPPING = (("コード", "事務事業コード", ""), ("事務事業名", "事務事業名称", ""), ("所管課", "担当課名", ""),
           ("会計", "会計名", ""), ("款", "款名", ""), ("項", "項名", ""), ("目", "目名", ""),
           ("当初予算額", "当初予算額（円）", "円"))
TOLERANCE = (("予算かい離の許容率（%）", "10"), ("予算かい離の許容額（千円）", "1,000"))
TITLE = "令和7年度 当初予算 事務事業別予算額一覧（財務会計システム出力）"
# 部局 -> (款 code, 款名, 項名)
KAN = {"企画部": ("02", "総務費", "総務管理費"), "総務部": ("02", "総務費", "総務管理費"),
       "市民生活部": ("04", "衛生費", "清掃費"), "健康福祉部": ("03", "民生費", "社会福祉費"),
       "子ども未来部": ("03", "民生費", "児童福祉費"), "経済観光部": ("07", "商工費", "商工費"),
       "都市整備部": ("08", "土木費", "道路橋りょう費"), "上下水道局": ("08", "土木費", "都市計画費"),
       "消防本部": ("09", "消防費", "消防費"), "教育委員会": ("10", "教育費", "教育総務費")}
ACCOUNT_NAMES = {"一般": "一般会計", "国民健康保険": "国民健康保険特別会計", "介護保険": "介護保険特別会計",
                 "後期高齢者医療": "後期高齢者医療特別会計", "下水道": "下水道事業会計", "水道事業": "水道事業会計"}
EXTRA_ITEMS = ("一般管理事務費", "職員研修・事務改善費", "所管施設維持管理費")
CODE_LABEL = "予算事務事業コード"
# (課コード, 事業名): the deliberate cases
GAPS = {("0702", "生活道路整備事業"): 1.25, ("0401", "社会福祉協議会補助事業"): 0.8}
SHARED = (("0704", "雨水排水施設整備事業"), ("0704", "第1排水区雨水管整備事業"))
SPLIT = ("0501", "放課後児童クラブ運営事業")
UNKNOWN = ("0303", "公共施設太陽光発電導入事業", "040399001")
OTHER_DEPT = ("0602", "観光案内所運営事業")
NO_CODE = ("0601", "中小企業融資制度事業")


def _kan(bureau: str) -> tuple[str, str, str]:
    return KAN.get(bureau, ("02", "総務費", "総務管理費"))


def attach(cycle: dict, departments: list[tuple[str, str, str]], rng: random.Random) -> list[list]:
    """Write each primary 総合計画 row's 予算事務事業コード into `cycle` and return the export's rows."""
    by_code = {code: (bureau, name) for bureau, name, code in departments}
    items: list[list] = []
    seq: dict[str, int] = {}
    shared_code = None

    def new_item(dept_code: str, name: str, account: str, yen: int, moku: str) -> str:
        bureau, dept = by_code[dept_code]
        kan, kan_name, kou_name = _kan(bureau)
        seq[dept_code] = seq.get(dept_code, 0) + 1
        code = f"{kan}{dept_code}{seq[dept_code]:03d}"
        items.append([code, name, dept, ACCOUNT_NAMES.get(account, account), kan_name, kou_name, moku, yen])
        return code

    for dept_code in sorted(cycle):
        bureau, dept = by_code[dept_code]
        plan = [r for r in cycle[dept_code]["総合計画"] if "plan" in r["tags"] and "project" in r]
        for row in plan:
            v, name = row["values"], row["project"]["name"]
            key = (dept_code, name)
            amount = row["project"]["budgets"][0]
            if not isinstance(amount, int) or amount <= 0 or key == NO_CODE:
                continue
            yen = amount * 1000 + rng.choice((0, 0, 0, 120, 480, 730))  # 円 below the 千円 the plan shows
            if key in GAPS:
                yen = int(amount * GAPS[key]) * 1000
            moku = f"{dept}費"
            if key == SPLIT:
                first = new_item(dept_code, f"{name}（運営委託）", v.get("会計", "一般"), yen * 2 // 3, moku)
                second = new_item(dept_code, f"{name}（施設整備）", v.get("会計", "一般"), yen - yen * 2 // 3, moku)
                v[CODE_LABEL] = f"{first}、{second}"
            elif key in SHARED:
                if shared_code is None:
                    partner = next(r for r in plan if r["project"]["name"] == SHARED[1][1])
                    total = yen + partner["project"]["budgets"][0] * 1000
                    shared_code = new_item(dept_code, "雨水対策事業", v.get("会計", "一般"), total, moku)
                v[CODE_LABEL] = shared_code
            elif key == OTHER_DEPT:
                other = "0601"
                v[CODE_LABEL] = new_item(other, name, v.get("会計", "一般"), yen, f"{by_code[other][1]}費")
            else:
                v[CODE_LABEL] = new_item(dept_code, name, v.get("会計", "一般"), yen, moku)
            if key == UNKNOWN[:2]:
                v[CODE_LABEL] = f"{v[CODE_LABEL]}・{UNKNOWN[2]}"
        for extra in EXTRA_ITEMS:  # what runs the 課 and is in no plan
            new_item(dept_code, f"{dept}{extra}", "一般", rng.randrange(800, 40000) * 1000 + rng.randrange(0, 1000),
                     f"{dept}費")
    cases = {*GAPS, *SHARED, SPLIT, UNKNOWN[:2], OTHER_DEPT, NO_CODE}
    found = {(c, r["project"]["name"]) for c in cycle for r in cycle[c]["総合計画"] if "project" in r}
    assert cases <= found, cases - found  # every deliberate case names a project of the sample
    return sorted(items, key=lambda r: r[0])
