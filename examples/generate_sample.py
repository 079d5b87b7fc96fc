#!/usr/bin/env python3
"""Generate the サンプル市 sample cycles: examples/sample-city/R7 (current) and R6 (previous).

    python examples/generate_sample.py

Stand-alone (openpyxl + stdlib).  Deterministic: every random choice comes from random.Random
seeded from 2025 and the project/department key, and the .xlsx files are written with fixed
document properties and fixed zip timestamps, so a rerun produces byte-identical files.
The data lives in sample_data.py; this file turns it into workbooks.

What the R7 cycle contains on purpose (the mess the compiler exists for).  The figures are
recounted and printed on every run, and examples/sample-city/README.md lists every cell:

  1. Cross-plan links: >= 60 rows on 国土強靱化/総合戦略 belonging to a 総合計画 project of the
     same 課, linked by the same 事業ID, or by name only (ID blank) spelled differently:
     full-width spaces (雨水排水施設　整備事業), missing trailing 事業, 全角 digits (第１排水区),
     half-width katakana (ｺﾐｭﾆﾃｨﾊﾞｽ), （再掲） suffix.  One same-課 row is worded so that only a
     person can match it (指定避難所の環境整備) and one 課 lists another 課's project under
     another name (GIGAスクール構想端末更新): 重複判定.xlsx says 同一 for both.
  2. Re-listed projects: 8 総合計画 rows repeat a project under another 施策 with （再掲）/(再掲)/【再掲】,
     by the same 事業ID or by name+課, most repeating the budget (must not be counted twice).
  3. Near-duplicate names of different projects (13 pairs, e.g. 小学校/中学校施設改修事業).
  4. The same project entered by two 課 (避難行動要支援者支援事業: 防災危機管理課 and 社会福祉課).
  5. Resilience-only rows with 事業主体 県 / 国 / 民間.
  6. Code lists with mixed separators and 全角/ー dashes, SDGs as 11,13 / ８・１２ / 6 9.
  7. Flags as ○ 〇 ● 1 or blank; money as text (28,500 / １５００千円 / ５０,０００).
  8. Layout: title rows with the header on row 2 or 3, half-width brackets in labels,
     a workbook without the 総合戦略 and 成果指標 sheets, assorted file names.
  9. Genuine mistakes (sample_data.OVERRIDES, kind エラー/警告): unknown 施策コード 9-9, 財源 not
     adding up, a row without 事業名, a row without 所管課, a negative amount, an unknown risk
     scenario, a 所管課 not in 課一覧, blank 実施箇所 on four 国土強靱化 rows (warnings).
Every other row is clean; check_clean() asserts it before the mistakes are applied.

The R6 cycle (令和6年度, years R6..R8) is the previous, clean cycle: same master and 課, mostly
the same 事業ID, plus ended projects (r6_only), without R7's new projects, with changed
budgets, one renamed project (same ID), one renumbered project (same name and 課), and one
project placed under another 施策.
"""
from __future__ import annotations

import datetime as dt
import io
import random
import re
import shutil
import sys
import unicodedata
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sample_data as D  # noqa: E402
import sample_budget as B  # noqa: E402

OUT = Path(__file__).resolve().parent / "sample-city"
FIXED = dt.datetime(2025, 1, 1, 0, 0, 0)
CREATOR = "サンプル市 企画政策課"
SEED = 2025

PLAN, RES, STRAT, KPI = "総合計画", "国土強靱化", "総合戦略", "成果指標"
DATA_SHEETS = (PLAN, RES, STRAT, KPI)
FUNDS = ("国県支出金", "地方債", "その他", "一般財源")
CODE_COLUMNS = {"事業ID", "施策コード", "展開方向コード", "再掲施策コード", "リスクシナリオ", "基本目標",
                "具体的施策コード", "SDGs"}
DEPT_NAME = {code: name for _, name, code in D.DEPARTMENTS}


class Cycle:
    def __init__(self, name: str, start: int, messy: bool):
        self.name = name  # "R7"
        self.start = start  # 7
        self.years = tuple(f"R{start + i}" for i in range(3))
        self.messy = messy  # R7 carries the department styles, mistakes and name variants


R7 = Cycle("R7", 7, messy=True)
R6 = Cycle("R6", 6, messy=False)


# --------------------------------------------------------------------------------------------
# Labels (DESIGN §2.2, verbatim)
# --------------------------------------------------------------------------------------------

def money_label(year: str) -> str:
    return f"{year}事業費（千円）"


def fund_label(kind: str) -> str:
    return f"財源_{kind}（千円）"


def labels(sheet: str, cy: Cycle) -> list[str]:
    last = f"R{cy.start - 1}"  # the year whose results the survey brings back
    # R6 was the first cycle of the plan: its survey had no results columns yet
    results = cy.messy
    if sheet == PLAN:
        return ["事業ID", "事業名", "所管課", "施策コード", "展開方向コード", "再掲施策コード", "新継区分", "事業内容",
                "会計", "予算区分", "予算説明書頁", "国補正予算", *map(money_label, cy.years),
                *map(fund_label, FUNDS), "重点", "SDGs", "備考",
                *([f"{last}決算見込額（千円）", "進捗状況", f"{last}の実績・成果", "今後の方向性", "関連個別計画",
                   B.CODE_LABEL]
                  if results else [])]
    if sheet == RES:
        return ["事業ID", "事業名", "所管課", "リスクシナリオ", "施策分野", "実施箇所", "事業主体", "開始年度",
                "終了年度", "全体事業費（千円）", "活用予定の交付金等", "備考"]
    if sheet == STRAT:
        return ["事業ID", "事業名", "所管課", "基本目標", "具体的施策コード", "KPI名", "KPI単位", "KPI基準値",
                "KPI基準年度", "KPI目標値", "KPI目標年度", "デジタル活用", "活用予定の交付金等", "備考",
                *([f"KPI実績値（{last}）", "KPI実績区分"] if results else [])]
    return ["指標名", "施策コード", "単位", "基準値", "基準年度", *(f"{y}目標値" for y in cy.years),
            "最終目標値", "最終目標年度", "出典", "総合戦略KPI", "望ましい方向",
            *([f"{last}目標値", f"{last}実績値", "実績区分"] if results else [])]


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------

_RELIST_NOTE = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")
_DASHES = "‐‑‒–—―−－─━⁃﹣"


def match_key(name: str) -> str:
    """DESIGN §3 rule 3, used to check the intended links (the compiler has its own)."""
    text = unicodedata.normalize("NFKC", name)
    text = re.sub(r"\s+", "", text)
    text = _RELIST_NOTE.sub("", text)
    text = re.sub(f"[{_DASHES}]", "-", text)
    text = re.sub(r"(?<=[0-9A-Za-z])[ーｰ](?=[0-9A-Za-z])", "-", text)
    if text.endswith("事業") and len(text) > 2:
        text = text[:-2]
    return text.lower()


def split_codes(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(f"[{_DASHES}ー]", "-", text)
    return [p for p in re.split(r"[,、・;/\s]+", text) if p]


def parse_money(value) -> int | None:
    if value is None or isinstance(value, int):
        return value
    text = unicodedata.normalize("NFKC", value).replace(",", "").removesuffix("千円")
    return int(text)


def primary_name(name: str) -> str:
    """Name without the 再掲 note."""
    return re.sub(r"[（(【]再掲[）)】]$", "", name)


def year_text(n: int, fmt: str) -> str | int:
    text = fmt.format(n=n, y=2018 + n)
    return int(text) if text.isdigit() else text  # a typed 2025 is stored as a number


def rng_for(*parts) -> random.Random:
    """A random source per key, derived from the fixed seed, so edits stay local."""
    return random.Random(":".join([str(SEED), *map(str, parts)]))


def style_of(code: str, cy: Cycle) -> dict:
    return D.STYLES.get(code, {}) if cy.messy else {}


def project_present(p: dict, cy: Cycle) -> bool:
    return not (p.get("r6_only") if cy.messy else p.get("new"))


# --------------------------------------------------------------------------------------------
# Building rows.  A row is {"values": {label: value}, "notes": [(kind, text)], "tags": set()}
# --------------------------------------------------------------------------------------------

def new_row(values: dict, *tags) -> dict:
    return {"values": values, "notes": [], "tags": set(tags)}


def project_id(code: str, p: dict, cy: Cycle) -> str | None:
    pid = p["pid"]
    if not cy.messy and "r6" in p and "pid" in p["r6"]:
        pid = p["r6"]["pid"]
    return f"{code}-{pid}" if pid else None


def project_name(p: dict, cy: Cycle) -> str:
    if not cy.messy and "r6" in p and "name" in p["r6"]:
        return p["r6"]["name"]
    return p["name"]


def budgets_for(code: str, p: dict, cy: Cycle) -> tuple:
    """Budgets in the cycle's years.  R6: explicit r6 budgets, or derived from R7's plan."""
    if cy.messy or p.get("r6_only"):
        return p["budgets"]
    if "r6" in p and "budgets" in p["r6"]:
        return p["r6"]["budgets"]
    r7, r8, _ = p["budgets"]
    if r7 is None or r7 == 0 or len(set(p["budgets"])) == 1:
        r6 = r7
    else:
        r6 = int(round(r7 * rng_for("r6budget", code, primary_name(p["name"])).choice((0.8, 0.9, 1.0, 1.1)), -2))
    return (r6, r7, r8)


def funding(total: int, acct: str, rng: random.Random) -> dict:
    """A plausible 財源 split of the first-year budget that adds up exactly."""
    parts = dict.fromkeys(FUNDS, 0)
    if acct == "水道事業":
        parts["国県支出金"] = int(round(total * rng.choice((0, 0.1, 0.25))))
        if total >= 100000:
            parts["地方債"] = int(round((total - parts["国県支出金"]) * 0.5, -2))
        parts["その他"] = total - parts["国県支出金"] - parts["地方債"]
    elif acct == "下水道":
        parts["国県支出金"] = int(round(total * rng.choice((0, 0.5, 0.55))))
        if total >= 50000:
            parts["地方債"] = int(round((total - parts["国県支出金"]) * 0.9, -2))
        parts["その他"] = total - parts["国県支出金"] - parts["地方債"]
    elif acct in ("国民健康保険", "介護保険", "後期高齢者医療"):
        parts["国県支出金"] = int(round(total * rng.choice((0.25, 0.375, 0.5))))
        parts["その他"] = int(round((total - parts["国県支出金"]) * 0.5))
        parts["一般財源"] = total - parts["国県支出金"] - parts["その他"]
    else:
        parts["国県支出金"] = int(round(total * rng.choice((0, 0, 0, 1 / 3, 0.5, 0.75)), -2 if total >= 1000 else 0))
        if total >= 30000 and rng.random() < 0.5:
            parts["地方債"] = int(round((total - parts["国県支出金"]) * 0.75, -2))
        if rng.random() < 0.2:
            parts["その他"] = int(round(total * 0.05))
        parts["一般財源"] = total - parts["国県支出金"] - parts["地方債"] - parts["その他"]
    assert sum(parts.values()) == total and min(parts.values()) >= 0, (total, parts)
    return {k: (v or None) for k, v in parts.items()}


def plan_rows(code: str, cy: Cycle) -> list[dict]:
    style = style_of(code, cy)
    flag = style.get("flag", "○")
    rows = []
    for p in D.DEPT_DATA[code]["plan"]:
        if not project_present(p, cy):
            continue
        r6 = p.get("r6", {}) if not cy.messy else {}
        dir_code = r6.get("code", p["code"])
        measure = "-".join(dir_code.split("-")[:2])
        budgets = budgets_for(code, p, cy)
        status = p["status"]
        if not cy.messy and not p.get("r6_only"):
            status = r6.get("status", "継続")
        rng = rng_for("plan", cy.name, code, p["name"])
        v = {
            "事業ID": project_id(code, p, cy), "事業名": project_name(p, cy), "所管課": DEPT_NAME[code],
            "施策コード": measure, "展開方向コード": dir_code if dir_code.count("-") == 2 else None,
            "再掲施策コード": p.get("relist_codes"), "新継区分": status, "事業内容": p["content"], "会計": p["acct"],
            "予算区分": "政策" if status != "継続" or (budgets[0] or 0) >= 50000 else "経常",
            "予算説明書頁": p.get("page") or (f"P{rng.randrange(100, 400)}" if rng.random() < 0.4 else None),
            "国補正予算": flag if p.get("hosei") else None,
            "重点": flag if p.get("focus") else None,
            "SDGs": "、".join(p["sdgs"].split(",")) or None,
            "備考": p.get("note"),
        }
        for year, amount in zip(cy.years, budgets):
            v[money_label(year)] = amount
        first = budgets[0]
        filled = first and not p.get("relist") and not style.get("nofund") and (p.get("fund") or rng.random() < 0.8)
        split = funding(first, p["acct"], rng) if filled else dict.fromkeys(FUNDS)
        for kind in FUNDS:
            v[fund_label(kind)] = split[kind]
        if style.get("money_text") and isinstance(first, int):
            v[money_label(cy.years[0])] = f"{first:,}"
        if cy.messy and status != "新規" and not p.get("relist"):
            v.update(plan_results(code, p, cy, budgets))
        if cy.messy:
            v["関連個別計画"] = D.PLAN_CITATIONS.get((code, p["name"]))
        row = new_row(v, "relist" if p.get("relist") else "plan")
        row["project"] = p
        if p.get("new"):
            row["tags"].add("new")
        rows.append(row)
    # a 再掲 row repeats the amounts of its primary row of the same cycle (when it repeats them)
    by_name = {r["values"]["事業名"]: r for r in rows if "plan" in r["tags"]}
    for r in rows:
        if "relist" in r["tags"] and r["project"]["budgets"][0] is not None:
            primary = by_name[primary_name(r["values"]["事業名"])]
            for year in cy.years:
                r["values"][money_label(year)] = primary["values"][money_label(year)]
    return rows


def find_project(code: str, name: str) -> dict:
    for p in D.DEPT_DATA[code]["plan"]:
        if p["name"] == name and not p.get("relist"):
            return p
    raise KeyError(f"{code}: no 総合計画 project named {name}")


def linked_name_and_id(code: str, spec: dict, cy: Cycle) -> tuple[str, str | None, str]:
    """(written name, written ID, link kind) of a 国土強靱化/総合戦略 row."""
    link = spec["link"]
    if link == "none":
        return spec["name"], None, "none"
    if link == "cross":
        return spec["name"], None, "cross"
    p = find_project(code, spec["name"])
    if not cy.messy:  # previous cycle: clean links by ID where the project has one
        pid = project_id(code, p, cy)
        return project_name(p, cy), pid, "id" if pid else "name"
    if link == "id":  # a project without 事業ID can only be linked by its exact name
        pid = project_id(code, p, cy)
        return p["name"], pid, "id" if pid else "name"
    return spec["as_name"] or p["name"], None, link


def spec_present(code: str, spec: dict, cy: Cycle) -> bool:
    if spec["link"] == "none":
        return True
    if spec["link"] == "cross":
        return cy.messy
    return project_present(find_project(code, spec["name"]), cy)


def res_rows(code: str, cy: Cycle) -> list[dict]:
    style = style_of(code, cy)
    yfmt = style.get("year_fmt", "R{n}")
    rows = []
    for spec in D.DEPT_DATA[code].get("res", []):
        if not spec_present(code, spec, cy):
            continue
        name, pid, link = linked_name_and_id(code, spec, cy)
        rng = rng_for("res", code, spec["name"])  # same in both cycles: same start year
        risks = spec["risks"] if cy.messy else "、".join(split_codes(spec["risks"]))
        if link == "none":
            start, end, total = spec["start"], spec["end"], None
            note = {"県": "県事業（市は要望・調整）", "国": "国直轄事業（市は要望・調整）", "民間": "民間事業者の取組（市は補助・調整）"}
            actor, memo = spec["actor"], note[spec["actor"]]
        else:
            p = find_project(code, spec["name"])
            budgets = budgets_for(code, p, cy)
            carried = [cy.start + i for i, b in enumerate(budgets) if b is not None]
            if budgets[0] is None:  # starts in a later year of the plan
                start = f"R{min(carried)}"
            else:
                start = spec["start"] or f"R{cy.start if p.get('new') else rng.randrange(2, 7)}"
            end = spec["end"] or f"R{max(carried)}"
            past = max(cy.start - int(start[1:]), 0) * (budgets[0] or 0)
            total = int(round(sum(b for b in budgets if b) + past, -2)) or None
            actor, memo = ("市" if rng.random() < 0.7 else None), None
        v = {"事業ID": pid, "事業名": name, "所管課": DEPT_NAME[code], "リスクシナリオ": risks,
             "施策分野": spec["field"], "実施箇所": spec["loc"], "事業主体": actor,
             "開始年度": year_text(int(start[1:]), yfmt), "終了年度": year_text(int(end[1:]), yfmt),
             "全体事業費（千円）": total, "活用予定の交付金等": D.GRANTS.get(spec["grant"], spec["grant"]) or None,
             "備考": memo}
        row = new_row(v, f"link:{link}")
        row["spec"] = spec
        rows.append(row)
    return rows


STOPPED_PROJECT = ("0301", "007")  # the one project stopped in R6 (防災情報配信システム運用事業)
RESULT_TEXT = {"計画どおり": "計画どおり実施した。", "概ね計画どおり": "一部の工程が翌年度にずれたが、概ね計画どおり実施した。",
               "遅れ": "関係機関との調整に時間を要し、工程が遅れている。", "中止": "事業の前提となる国の制度が見直されたため中止した。"}


def plan_results(code: str, p: dict, cy: Cycle, budgets: tuple) -> dict:
    """R6 results of a continuing project (R7 cycle): 決算見込額 near the R6 plan, mostly on schedule,
    a few late, one stopped; the direction follows the R7 budget against the 決算見込額."""
    last = f"R{cy.start - 1}"
    planned = budgets_for(code, p, R6)[0]
    rng = rng_for("results", code, primary_name(p["name"]))
    if planned is None:  # no money in R6: the year went into preparation
        return {"進捗状況": "計画どおり", f"{last}の実績・成果": "予算を伴わない準備・関係機関との調整を計画どおり行った。",
                "今後の方向性": "継続"}
    stopped = (code, p.get("pid")) == STOPPED_PROJECT
    progress = "中止" if stopped else rng.choices(("計画どおり", "概ね計画どおり", "遅れ"), (6, 3, 1))[0]
    settled = 0 if stopped else int(round(planned * {"計画どおり": rng.choice((0.96, 0.98, 1.0)),
                                                      "概ね計画どおり": rng.choice((0.88, 0.92)),
                                                      "遅れ": rng.choice((0.6, 0.7))}[progress], -1))
    first = budgets[0]
    if stopped:
        outlook = "改善"
    elif first is None:
        outlook = "完了"
    elif progress == "遅れ":
        outlook = "継続"  # the work carried over: the same course
    elif first > settled * 1.05:
        outlook = "拡充"
    elif first < settled * 0.95:
        outlook = "改善"
    else:
        outlook = "継続"
    return {f"{last}決算見込額（千円）": settled, "進捗状況": progress, f"{last}の実績・成果": RESULT_TEXT[progress],
            "今後の方向性": outlook}


def kpi_actual(base, target, rng: random.Random):
    """An R6 実績 between a little behind the base and a little past the R6 target."""
    if not isinstance(base, (int, float)) or not isinstance(target, (int, float)):
        return None
    share = rng.choices((1.1, 1.0, 0.8, 0.5, 0.0, -0.3), (2, 3, 3, 2, 1, 1))[0]
    value = base + (target - base) * share
    return int(round(value)) if isinstance(base, int) and isinstance(target, int) else round(value, 1)


def strat_rows(code: str, cy: Cycle) -> list[dict]:
    style = style_of(code, cy)
    flag, yfmt = style.get("flag", "○"), style.get("year_fmt", "R{n}")
    rows = []
    for spec in D.DEPT_DATA[code].get("strat", []):
        if not spec_present(code, spec, cy):
            continue
        name, pid, link = linked_name_and_id(code, spec, cy)
        kpi = spec["kpi"] or (None, None, None, None)
        smeasure = spec["smeasure"]
        v = {"事業ID": pid, "事業名": name, "所管課": DEPT_NAME[code], "基本目標": spec["goals"],
             "具体的施策コード": smeasure, "KPI名": kpi[0], "KPI単位": kpi[1], "KPI基準値": kpi[2],
             "KPI基準年度": year_text(cy.start - 2, yfmt) if kpi[0] else None, "KPI目標値": kpi[3],
             "KPI目標年度": year_text(9, yfmt) if kpi[0] else None,
             "デジタル活用": flag if spec["digital"] else None,
             "活用予定の交付金等": D.STRATEGY_GRANT[cy.name] if spec["digital"] else None,
             "備考": f"学校教育課の事業（{spec['project_name']}）と連携" if link == "cross" else None}
        if cy.messy and kpi[0]:
            base, final = kpi[2], kpi[3]
            rng = rng_for("kpi-actual", code, kpi[0])
            r6 = base + (final - base) * (6 - 5) / (9 - 5) if isinstance(base, (int, float)) and isinstance(final, (int, float)) else None
            v[f"KPI実績値（R{cy.start - 1}）"] = kpi_actual(base, r6, rng)
            v["KPI実績区分"] = "見込み" if rng.random() < 0.3 else "実績"
        row = new_row(v, f"link:{link}")
        row["spec"] = spec
        rows.append(row)
    return rows


def kpi_rows(code: str, cy: Cycle) -> list[dict]:
    style = style_of(code, cy)
    flag = style.get("flag", "○")
    rows = []
    for k in D.DEPT_DATA[code].get("kpi", []):
        targets = k["targets"]
        if not cy.messy:  # previous cycle: R6 target between the baseline and R7's
            b, t7 = k["base"], targets[0]
            if isinstance(b, str):
                r6 = t7
            elif isinstance(b, int) and isinstance(t7, int):
                r6 = (b + t7) // 2
            else:
                r6 = round((b + t7) / 2, 1)
            targets = (r6, targets[0], targets[1])
        v = {"指標名": k["name"], "施策コード": k["measure"], "単位": k["unit"], "基準値": k["base"],
             "基準年度": f"R{cy.start - 2}", "最終目標値": k["final"], "最終目標年度": k["final_year"],
             "出典": k["source"], "総合戦略KPI": flag if k["kpi"] else None, "望ましい方向": k["direction"]}
        for year, t in zip(cy.years, targets):
            v[f"{year}目標値"] = t
        if cy.messy:  # the R6 target the previous cycle set, and what R6 achieved
            b, t7 = k["base"], targets[0]
            prior = t7 if not isinstance(b, (int, float)) else (b + t7) // 2 if isinstance(b, int) and isinstance(t7, int) \
                else round((b + t7) / 2, 1)
            rng = rng_for("kpi-actual", code, k["name"])
            actual = kpi_actual(b, prior, rng)
            last = f"R{cy.start - 1}"
            v[f"{last}目標値"] = prior
            v[f"{last}実績値"] = f"{actual}{k['unit']}" if actual is not None and rng.random() < 0.25 else actual
            v["実績区分"] = "見込み" if rng.random() < 0.2 else "実績"
        rows.append(new_row(v, "kpi"))
    return rows


def build_department(code: str, cy: Cycle) -> dict[str, list[dict]]:
    return {PLAN: plan_rows(code, cy), RES: res_rows(code, cy), STRAT: strat_rows(code, cy), KPI: kpi_rows(code, cy)}


# --------------------------------------------------------------------------------------------
# Checks: every row is clean before the deliberate mistakes are applied
# --------------------------------------------------------------------------------------------

def check_clean(code: str, sheets: dict, cy: Cycle) -> None:
    directions = {d: m for m, (_, _, ds) in D.MEASURES.items() for d, _ in ds}
    scenarios = {s for _, ss in D.RISK_GOALS.values() for s, _ in ss}
    smeasures = {c for _, _, cs in D.STRATEGY_GOALS.values() for c, _ in cs}
    where = f"{cy.name} {code}"
    for r in sheets[PLAN]:
        v = r["values"]
        assert v["所管課"] in DEPT_NAME.values() and v["会計"] in D.ACCOUNTS, where
        assert v["施策コード"] in D.MEASURES, (where, v["事業名"])
        assert v["展開方向コード"] is None or directions[v["展開方向コード"]] == v["施策コード"], (where, v["事業名"])
        assert v["新継区分"] in ("新規", "継続", "拡充"), where
        for c in split_codes(v["再掲施策コード"] or ""):
            assert c in D.MEASURES and c != v["施策コード"], (where, v["事業名"])
        first = parse_money(v[money_label(cy.years[0])])
        funds = [v[fund_label(k)] for k in FUNDS]
        if any(f is not None for f in funds):
            assert sum(f or 0 for f in funds) == first, (where, v["事業名"], funds, first)
        assert all((parse_money(v[money_label(y)]) or 0) >= 0 for y in cy.years), where
    for r in sheets[RES]:
        codes = split_codes(r["values"]["リスクシナリオ"])
        assert codes and all(c in scenarios and c not in D.GAP_SCENARIOS for c in codes), (where, codes)
        assert r["values"]["実施箇所"], (where, r["values"]["事業名"])
    for r in sheets[STRAT]:
        assert r["values"]["基本目標"] in D.STRATEGY_GOALS and r["values"]["具体的施策コード"] in smeasures, where
        assert r["values"]["具体的施策コード"].split("-")[0] == r["values"]["基本目標"], where
    for r in sheets[KPI]:
        assert r["values"]["施策コード"] in D.MEASURES, where
    plan_keys = {match_key(r["values"]["事業名"]) for r in sheets[PLAN]}
    plan_ids = {r["values"]["事業ID"] for r in sheets[PLAN]} - {None}
    for r in sheets[RES] + sheets[STRAT]:
        link, name, pid = next(t for t in r["tags"] if t.startswith("link:"))[5:], r["values"]["事業名"], r["values"]["事業ID"]
        if link == "id":
            assert pid in plan_ids, (where, name)
        elif link == "name":
            assert pid is None and match_key(name) in plan_keys, (where, name)
        elif link in ("fuzzy", "cross", "none"):
            assert pid is None and match_key(name) not in plan_keys, (where, name)


def check_cycle(cycle: dict, cy: Cycle) -> None:
    covered = {c for sheets in cycle.values() for r in sheets[RES] for c in split_codes(r["values"]["リスクシナリオ"] or "")}
    all_scenarios = {s for _, ss in D.RISK_GOALS.values() for s, _ in ss}
    assert all_scenarios - covered == set(D.GAP_SCENARIOS), sorted(all_scenarios - covered)
    ids: dict[str, str] = {}
    for code, sheets in cycle.items():
        for r in sheets[PLAN]:
            pid, name = r["values"]["事業ID"], primary_name(r["values"]["事業名"])
            if pid:
                assert ids.setdefault(pid, name) == name, (cy.name, pid, name, ids[pid])


# --------------------------------------------------------------------------------------------
# Deliberate mistakes and accepted spellings (R7 only)
# --------------------------------------------------------------------------------------------

def apply_overrides(cycle: dict) -> None:
    for code, sheet, name, changes, kind, what in D.OVERRIDES:
        matches = [r for r in cycle[code][sheet] if r["values"].get("事業名") == name]
        assert len(matches) == 1, (code, sheet, name, len(matches))
        row = matches[0]
        for label, value in changes.items():
            assert label in row["values"], (code, sheet, label)
            old = row["values"][label]
            if callable(value):
                assert old is not None, (code, sheet, name, label)
                value = value(old)
            if kind == "表記" and label.endswith("（千円）"):
                assert parse_money(value) == parse_money(old), (code, name, label, value, old)
            row["values"][label] = value
        shown = "、".join("（空欄）" if row["values"][lab] is None else str(row["values"][lab]) for lab in changes)
        row["notes"].append((kind, "・".join(changes), shown, what))
        if kind != "表記":
            row["tags"].add("mistake")


def note_spellings(cycle: dict) -> None:
    """Record the code lists written with other separators or full-width characters."""
    for code, sheets in cycle.items():
        for sheet in (PLAN, RES, STRAT):
            for r in sheets[sheet]:
                for label in ("リスクシナリオ", "再掲施策コード", "SDGs"):
                    value = r["values"].get(label)
                    if isinstance(value, str) and re.search(r"[,・\s－ー０-９]", value) and not any(
                            n[1] == label for n in r["notes"]):
                        r["notes"].append(("表記", label, value, "コード列挙の区切り・全角表記"))


# --------------------------------------------------------------------------------------------
# Writing workbooks
# --------------------------------------------------------------------------------------------

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)


def save(wb: Workbook, path: Path) -> None:
    """Write with fixed properties and fixed zip timestamps: reruns are byte-identical."""
    wb.properties.creator = CREATOR
    wb.properties.lastModifiedBy = CREATOR
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))


def write_table(ws, header: list[str], rows: list[list], header_row: int = 1, widths: dict | None = None) -> list[int]:
    for col, label in enumerate(header, start=1):
        cell = ws.cell(header_row, col, label)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(col)].width = (widths or {}).get(label, 14)
    excel_rows = []
    for i, values in enumerate(rows, start=header_row + 1):
        for col, (label, value) in enumerate(zip(header, values), start=1):
            if value is None:
                continue
            cell = ws.cell(i, col, value)
            if label in CODE_COLUMNS or label == "課コード" or label.endswith("番号") or label.endswith("コード"):
                cell.value, cell.number_format = str(value), "@"
            elif isinstance(value, int):
                cell.number_format = "#,##0"
        excel_rows.append(i)
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    return excel_rows


WIDTHS = {"事業名": 34, "事業内容": 50, "実施箇所": 30, "活用予定の交付金等": 30, "備考": 24, "指標名": 40,
          "KPI名": 34, "所管課": 16, "リスクシナリオ": 14}


def instructions(cy: Cycle) -> list[str]:
    n = cy.start
    return [
        f"令和{n}年度 実施計画調書 記入要領",
        "",
        "1 本調書は、総合計画実施計画・国土強靱化地域計画・総合戦略を一体的に策定するための照会です（庁内照会は本調書の1回です）。",
        "2 「総合計画」シート：実施計画に掲載する事業を1行1事業で記入してください。他の施策にも掲載する場合は、再掲先の施策コードで行を追加し、事業名の末尾に（再掲）を付けてください。",
        "3 事業ID：前年度から継続する事業は前年度の事業IDをそのまま記入してください。新規事業は空欄で構いません（企画政策課で付番します）。",
        f"4 金額は千円単位です。実施しない年度は空欄、費用がかからず実施する年度は 0 を記入してください。財源内訳は{cy.years[0]}年度分を記入し、合計を事業費と一致させてください。",
        "5 「国土強靱化」シート：対応するリスクシナリオ番号と実施箇所（地区・路線・施設名）を必ず記入してください。実施箇所が明記された事業は、国の交付金等の重点配分の対象となります。",
        "6 「総合戦略」シート：総合戦略の基本目標・具体的施策とKPIを記入してください。総合計画シートの事業と同じ事業は、同じ事業IDを記入してください。",
        "7 「成果指標」シート：施策の主担当課は、成果指標の基準値と目標値を記入してください。",
        "",
        f"提出期限：令和{n - 1}年11月15日　提出先：企画政策課 企画係（内線2215）",
    ]


def write_department(path: Path, code: str, sheets: dict, cy: Cycle) -> None:
    style = style_of(code, cy)
    wb = Workbook()
    guide = wb.active
    guide.title = "記入要領"
    guide.column_dimensions["A"].width = 120
    for i, line in enumerate(instructions(cy), start=1):
        guide.cell(i, 1, line).font = Font(bold=(i == 1), size=14 if i == 1 else 11)
    for sheet in DATA_SHEETS:
        if sheet in style.get("drop", ()):
            continue
        ws = wb.create_sheet(sheet)
        header = labels(sheet, cy)
        header_row = 1
        if style.get("title") and (sheet == PLAN or style.get("title_all")):
            header_row = style["header_row"]
            ws.cell(1, 1, style["title"]).font = Font(bold=True, size=14)
            if header_row == 3:
                ws.cell(2, 1, "（単位：千円）　※各課で記入後、部内で取りまとめのうえ提出")
        written = header
        if style.get("halfwidth"):
            written = [h.replace("（千円）", "(千円)") for h in header]
        rows = sheets[sheet]
        excel_rows = write_table(ws, written, [[r["values"].get(h) for h in header] for r in rows], header_row, WIDTHS)
        for r, n in zip(rows, excel_rows):
            r["excel_row"] = n
        if sheet == PLAN and not style.get("title"):
            last = max(header_row + 200, header_row + len(rows))
            for label, choices in (("新継区分", "新規,継続,拡充"), ("会計", ",".join(D.ACCOUNTS))):
                col = get_column_letter(header.index(label) + 1)
                dv = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
                dv.add(f"{col}{header_row + 1}:{col}{last}")
                ws.add_data_validation(dv)
    save(wb, path)


def write_master(path: Path, cy: Cycle) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "基本情報"
    info = dict(D.BASIC_INFO, 計画年度=cy.name, 計画期間終了=cy.years[-1])
    write_table(ws, ["項目", "値"], [[k, v] for k, v in info.items()], widths={"項目": 16, "値": 48})
    rows = []
    for mcode, (mname, owner, directions) in D.MEASURES.items():
        policy = mcode.split("-")[0]
        for dcode, dname in directions or [(None, None)]:
            rows.append([policy, D.POLICIES[policy], mcode, mname, dcode, dname, DEPT_NAME[owner]])
    write_table(wb.create_sheet("施策体系"),
                ["基本政策番号", "基本政策名", "施策コード", "施策名", "展開方向コード", "展開方向名", "主担当課"], rows,
                widths={"基本政策名": 34, "施策名": 28, "展開方向名": 34, "主担当課": 16})
    rows = [[g, goal, s, text] for g, (goal, items) in D.RISK_GOALS.items() for s, text in items]
    write_table(wb.create_sheet("リスクシナリオ"), ["目標番号", "事前に備えるべき目標", "リスクシナリオ番号", "起きてはならない最悪の事態"],
                rows, widths={"事前に備えるべき目標": 50, "起きてはならない最悪の事態": 80})
    rows = [[g, goal, c, text, target] for g, (goal, target, items) in D.STRATEGY_GOALS.items() for c, text in items]
    write_table(wb.create_sheet("総合戦略"), ["基本目標番号", "基本目標", "具体的施策コード", "具体的施策", "数値目標"], rows,
                widths={"基本目標": 60, "具体的施策": 36, "数値目標": 50})
    write_table(wb.create_sheet("課一覧"), ["部局", "課", "課コード"], [list(d) for d in D.DEPARTMENTS],
                widths={"課": 20})
    write_table(wb.create_sheet("会計"), ["会計"], [[a] for a in D.ACCOUNTS])
    if cy.messy:  # the R6 master predates the ledger: a master without it still compiles
        write_table(wb.create_sheet("個別計画"), ["計画ID", "計画名", "所管課", "根拠法令等", "開始年度", "終了年度",
                                                "関連施策コード", "状況"], [list(r) for r in D.LEDGER],
                    widths={"計画名": 40, "根拠法令等": 40, "関連施策コード": 14})
    if cy.messy:  # R7 compares the plan with the budget's 予算事務事業 (予算事務事業.xlsx)
        for key, value in B.TOLERANCE:
            ws.append([key, value])
        write_table(wb.create_sheet("予算列の対応"), ["項目", "列見出し", "単位"], [list(m) for m in B.MAPPING],
                    widths={"列見出し": 24})
    save(wb, path)


def write_budget(path: Path, items: list[list]) -> None:
    """予算事務事業.xlsx as the 財務会計 system exports it: a title row, then the list (amounts in 円)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "事務事業別予算"
    ws.cell(1, 1, B.TITLE).font = Font(bold=True, size=12)
    write_table(ws, list(B.EXPORT_LABELS), items, header_row=3,
                widths={"事務事業名称": 40, "担当課名": 18, "会計名": 22, "当初予算額（円）": 18})
    for r in range(4, 4 + len(items)):
        ws.cell(r, 1).number_format = "@"
    save(wb, path)


def write_decisions(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "重複判定"
    write_table(ws, ["事業名A", "所管課A", "事業名B", "所管課B", "判定"], [list(d) for d in D.DECISIONS],
                widths={"事業名A": 34, "事業名B": 34, "所管課A": 16, "所管課B": 16})
    save(wb, path)


def file_name(code: str, cy: Cycle) -> str:
    return style_of(code, cy).get("file", f"{code}_{DEPT_NAME[code]}.xlsx")


# --------------------------------------------------------------------------------------------
# Counting, summary and README
# --------------------------------------------------------------------------------------------

def count(cycle: dict, cy: Cycle) -> dict:
    c = dict.fromkeys(("workbooks", PLAN, RES, STRAT, KPI, "link:id", "link:name", "link:fuzzy", "link:cross",
                       "link:none", "relist", "new", "no_id_plan", "mistake_rows"), 0)
    c["workbooks"] = len(cycle)
    for sheets in cycle.values():
        for sheet, rows in sheets.items():
            c[sheet] += len(rows)
            for r in rows:
                for t in r["tags"]:
                    if t in c:
                        c[t] += 1
                c["mistake_rows"] += "mistake" in r["tags"]
                if sheet == PLAN and not r["values"]["事業ID"]:
                    c["no_id_plan"] += 1
    c["linked"] = c["link:id"] + c["link:name"] + c["link:fuzzy"]
    return c


def summary(counts: dict, cy: Cycle) -> str:
    c = counts
    lines = [
        f"{cy.name}: {c['workbooks']} workbooks; rows 総合計画 {c[PLAN]}, 国土強靱化 {c[RES]}, 総合戦略 {c[STRAT]} "
        f"(= {c[PLAN] + c[RES] + c[STRAT]} project rows), 成果指標 {c[KPI]}",
        f"  linked 国土強靱化/総合戦略 rows {c['linked']} (by 事業ID {c['link:id']}, by name only {c['link:name']}, "
        f"fuzzy {c['link:fuzzy']}), other 課's project {c['link:cross']}, resilience-only {c['link:none']}",
        f"  再掲 rows {c['relist']}, new projects {c['new']}, 総合計画 rows without 事業ID {c['no_id_plan']}",
    ]
    if cy.messy:
        lines.append(f"  near-duplicate pairs {len(D.NEAR_DUPLICATES)}, same project in two 課 {len(D.TWO_DEPARTMENTS)}, "
                     f"rows with deliberate mistakes {c['mistake_rows']}, reviewer decisions {len(D.DECISIONS)}")
    return "\n".join(lines)


def locate(cycle: dict, files: dict, code: str, sheet: str, name: str) -> str:
    for r in cycle[code][sheet]:
        if name in (r["values"].get("事業名"), r["project"]["name"] if "project" in r else None):
            return f"{files[code]} / {sheet} / {r['excel_row']}行"
    return f"{files[code]} / {sheet} / ?"


def readme(r7: dict, files: dict, c7: dict, c6: dict, r6_diff: list[str]) -> str:
    def cell_table(kinds: tuple[str, ...]) -> list[str]:
        out = ["| ファイル | シート | 行 | 列 | 入力値 | 内容 |", "|---|---|---|---|---|---|"]
        for code in sorted(r7):
            for sheet in DATA_SHEETS:
                for r in r7[code][sheet]:
                    for kind, label, value, what in r["notes"]:
                        if kind in kinds:
                            shown = "（空欄）" if value is None else str(value).replace("\n", "↵")
                            shown = shown.replace("|", "/")
                            out.append(f"| {files[code]} | {sheet} | {r['excel_row']} | {label} | {shown} | {kind}: {what} |")
        return out

    def link_table() -> list[str]:
        out = ["| ファイル | シート | 行 | 入力事業名 | 結び付く総合計画の行 | 種類 |", "|---|---|---|---|---|---|"]
        kinds = {"link:name": "名称一致（ID空欄・表記ゆれ）", "link:fuzzy": "あいまい一致のみ → 重複判定で同一",
                 "link:cross": "他課の事業を別名で記入 → 重複判定で同一"}
        for code in sorted(r7):
            for sheet in (RES, STRAT):
                for r in r7[code][sheet]:
                    kind = next(iter(r["tags"] & kinds.keys()), None)
                    if kind:
                        spec = r["spec"]
                        what = kinds[kind]
                        if kind == "link:name":
                            what = "名称一致（ID空欄・同じ表記）" if r["values"]["事業名"] == spec["name"] else what
                        target = (locate(r7, files, spec["project_dept"], PLAN, spec["project_name"])
                                  if kind == "link:cross" else locate(r7, files, code, PLAN, spec["name"]))
                        out.append(f"| {files[code]} | {sheet} | {r['excel_row']} | {r['values']['事業名']} | {target} | {what} |")
        return out

    relists = [f"- {files[code]} / 総合計画 / {r['excel_row']}行: {r['values']['事業名']}（施策 {r['values']['施策コード']}、"
               f"事業ID {r['values']['事業ID'] or '空欄'}、事業費 {'再掲行にも記入' if r['values'][money_label('R7')] is not None else '空欄'}）"
               for code in sorted(r7) for r in r7[code][PLAN] if "relist" in r["tags"]]
    near = [f"- {locate(r7, files, code, PLAN, a)} {a} ／ {locate(r7, files, code, PLAN, b).split(' / ')[-1]} {b}"
            for code, a, b in D.NEAR_DUPLICATES]
    two = [f"- {name}: {locate(r7, files, a, PLAN, name)} と {locate(r7, files, b, PLAN, name)}（判定なし → 重複候補に出るべき）"
           for name, a, b in D.TWO_DEPARTMENTS]
    res_only = [f"- {files[code]} / 国土強靱化 / {r['excel_row']}行: {r['values']['事業名']}（事業主体 {r['values']['事業主体']}）"
                for code in sorted(r7) for r in r7[code][RES] if "link:none" in r["tags"]]
    styles = []
    for code, st in sorted(D.STYLES.items()):
        bits = []
        if "title" in st:
            bits.append(f"表題行あり、見出しは{st['header_row']}行目" + ("（全シート）" if st.get("title_all") else "（総合計画シート）"))
        if "flag" in st:
            bits.append(f"フラグを「{st['flag']}」で記入")
        if "year_fmt" in st:
            bits.append(f"年度を「{year_text(7, st['year_fmt'])}」形式で記入")
        if st.get("money_text"):
            bits.append("R7事業費を文字列（例 28,500）で記入")
        if st.get("halfwidth"):
            bits.append("見出しの括弧が半角（R7事業費(千円) など）")
        if st.get("nofund"):
            bits.append("財源内訳を記入していない")
        if "drop" in st:
            bits.append("総合戦略・成果指標シートを削除")
        if "file" in st and not bits:
            bits.append("ファイル名が課コード_課名 形式でない")
        styles.append(f"- {file_name(code, R7)}: {'、'.join(bits)}")

    return "\n".join([
        "# サンプル市 — 一体策定コンパイラのサンプルデータ",
        "",
        "このフォルダは架空の「サンプル市」の実施計画調書一式です。`python examples/generate_sample.py` で再生成されます"
        "（乱数は固定シード、ファイルの作成日時は 2025-01-01 に固定しているため、再実行しても同一のファイルになります）。"
        "**手で編集しないでください。** 内容を変えるときは `examples/sample_data.py` を直して再生成します。",
        "",
        "*English:* a complete fictional city (サンプル市) with two budget cycles. `R7/` is the current cycle that "
        "`make compile` uses; it contains the inconsistencies real departments produce and a handful of deliberate "
        "mistakes, listed below with file, sheet and Excel row, so tests can assert what the compiler reports. "
        "`R6/` is the previous, clean cycle (years R6–R8) for carry-over tests. Regenerate with "
        "`python examples/generate_sample.py`; never edit the .xlsx files by hand.",
        "",
        "## 構成",
        "",
        "```",
        "sample-city/",
        "  R7/計画マスタ.xlsx     基本情報・施策体系（7基本政策・31施策・63展開方向）・リスクシナリオ（8目標・36事態）・総合戦略（4基本目標）・課一覧（33課）・会計",
        f"  R7/提出/*.xlsx         {c7['workbooks']}課の調書",
        "  R7/重複判定.xlsx       レビュー担当の判定 3件",
        "  R7/予算事務事業.xlsx   財務会計システムから出力した当初予算の予算事務事業（円単位、見出しは計画マスタの「予算列の対応」で対応づけ）",
        "  R6/計画マスタ.xlsx     前年度（計画年度 R6、計画期間終了 R8）",
        f"  R6/提出/*.xlsx         {c6['workbooks']}課の調書（前年度、表記の乱れ・誤りなし）",
        "```",
        "",
        "## 件数（R7）",
        "",
        f"- 総合計画 {c7[PLAN]}行、国土強靱化 {c7[RES]}行、総合戦略 {c7[STRAT]}行（計 {c7[PLAN] + c7[RES] + c7[STRAT]}行）、成果指標 {c7[KPI]}行",
        f"- 国土強靱化・総合戦略の行のうち同じ課の総合計画の事業に結び付くもの {c7['linked']}行"
        f"（事業ID一致 {c7['link:id']}、名称のみ {c7['link:name']}、あいまい一致のみ {c7['link:fuzzy']}）、"
        f"他課の事業を別名で記入 {c7['link:cross']}行、強靱化のみ（県・国・民間）{c7['link:none']}行",
        f"- 再掲行 {c7['relist']}行、新規事業 {c7['new']}件（うち1件は事業名空欄の誤り行）、事業IDのない総合計画の行 {c7['no_id_plan']}行",
        f"- 対応事業のないリスクシナリオ（脆弱性評価の空白）: {'、'.join(D.GAP_SCENARIOS)}",
        "",
        "## 誤り（コンパイラが報告すべきもの）",
        "",
        "行番号は Excel の行番号です（表題行のあるファイルは見出しが2行目または3行目）。",
        "",
        *cell_table(("エラー", "警告")),
        "",
        "## 予算事務事業.xlsx（予算との対照）",
        "",
        "各課の総合計画の行に「予算事務事業コード」を記入し、予算事務事業.xlsx（円単位）と対照します。"
        "許容範囲は計画マスタ「基本情報」の 10% かつ 1,000千円。わざと入れてあるもの:",
        "",
        *[f"- かい離: {DEPT_NAME[c]}「{n}」（予算額が計画額の {r:.0%}）" for (c, n), r in B.GAPS.items()],
        f"- 2事業で共有する予算事務事業: {DEPT_NAME[B.SHARED[0][0]]}「{B.SHARED[0][1]}」と「{B.SHARED[1][1]}」",
        f"- 2つの予算事務事業にまたがる事業: {DEPT_NAME[B.SPLIT[0]]}「{B.SPLIT[1]}」",
        f"- 予算事務事業にないコード: {DEPT_NAME[B.UNKNOWN[0]]}「{B.UNKNOWN[1]}」の {B.UNKNOWN[2]}（警告）",
        f"- 他課の予算事務事業: {DEPT_NAME[B.OTHER_DEPT[0]]}「{B.OTHER_DEPT[1]}」（警告）",
        f"- コード未記入の政策予算の事業: {DEPT_NAME[B.NO_CODE[0]]}「{B.NO_CODE[1]}」（警告）",
        f"- 計画外の予算事務事業: 各課 {len(B.EXTRA_ITEMS)} 件（{'・'.join(B.EXTRA_ITEMS)}）",
        "## 個別計画（R7 の計画マスタ「個別計画」シートと、総合計画シートの関連個別計画）",
        "",
        "本計画の期間は R7～R9 です。P02（R7 終了）と P05（R8 終了）は状況が「改定予定」でないため警告、"
        "P01・P06 も期間中に終了しますが「改定予定」のため警告なし。年度は R4・令和5年度・2017 の各形式で記入しています。",
        "",
        "| 計画ID | 計画名 | 所管課 | 開始年度 | 終了年度 | 関連施策コード | 状況 |",
        "|---|---|---|---|---|---|---|",
        *[f"| {pid} | {name} | {dept} | {start} | {end} | {codes} | {status} |"
          for pid, name, dept, _, start, end, codes, status in D.LEDGER],
        "",
        "| ファイル | 行 | 事業名 | 関連個別計画 |",
        "|---|---|---|---|",
        *[f"| {locate(r7, files, code, PLAN, name).replace(' / ', ' | ', 2).split(' | ', 1)[0]} | "
          f"{locate(r7, files, code, PLAN, name).rsplit(' / ', 1)[-1]} | {name} | {text} |"
          for (code, name), text in sorted(D.PLAN_CITATIONS.items())],
        "",
        "警告になるもの: 0301 の「サンプル市地域防災計画」は台帳にない計画、0202 の市役所本庁舎長寿命化改修事業が記入した P04 は"
        "台帳で施策 1-4 に関連付けられていない計画。0501 の「p05」は小文字でも計画ID P05 として読み取ります。",
        "",
        "## 重複判定.xlsx",
        "",
        "| 事業名A | 所管課A | 事業名B | 所管課B | 判定 |",
        "|---|---|---|---|---|",
        *[f"| {' | '.join(d)} |" for d in D.DECISIONS],
        "",
        "## 表記ゆれ・混乱（正しく読み取り、統合すべきもの）",
        "",
        "### 名称だけで結び付く行・人が判断する行",
        "",
        "事業ID一致で結び付く行は省略しています（各シートの事業ID列を参照）。",
        "",
        *link_table(),
        "",
        "### 再掲（同じ事業を別の施策に再掲。事業費は1回だけ数える）",
        "",
        *relists,
        "",
        "### 名前が似ているが別の事業（統合してはならない）",
        "",
        *near,
        "",
        "### 同じ事業を2つの課が記入",
        "",
        *two,
        "",
        "### 事業主体が県・国・民間の強靱化のみの行",
        "",
        *res_only,
        "",
        "### 課ごとの書き方の違い",
        "",
        *styles,
        "",
        "### セル単位の表記ゆれ",
        "",
        *cell_table(("表記",)),
        "",
        "## R6 → R7 の変化（前年度からの引継ぎのテスト用）",
        "",
        *r6_diff,
        "",
    ])


def r6_changes() -> list[str]:
    out = []
    for code in sorted(D.DEPT_DATA):
        for p in D.DEPT_DATA[code]["plan"]:
            if p.get("relist"):
                continue
            pid = f"{code}-{p['pid']}" if p["pid"] else "ID空欄"
            r6 = p.get("r6", {})
            if p.get("r6_only"):
                out.append(f"- 終了（R6のみ）: {pid} {p['name']}（{DEPT_NAME[code]}）")
            elif p.get("new"):
                out.append(f"- 新規（R7のみ）: {pid} {p['name']}（{DEPT_NAME[code]}）")
            if "name" in r6:
                out.append(f"- 名称変更（事業ID同じ）: {pid} {r6['name']} → {p['name']}")
            if "pid" in r6:
                out.append(f"- 事業ID変更（名称・所管課同じ）: {code}-{r6['pid']} → {pid} {p['name']}")
            if "code" in r6:
                out.append(f"- 施策の移動: {pid} {p['name']} 展開方向 {r6['code']} → {p['code']}")
            if "budgets" in r6:
                out.append(f"- 事業費の変更: {pid} {p['name']} R6計画のR7・R8 {r6['budgets'][1]:,}・{r6['budgets'][2]:,} "
                           f"→ R7計画 {p['budgets'][0]:,}・{p['budgets'][1]:,}")
    order = ("- 終了", "- 新規", "- 名称", "- 事業ID", "- 施策", "- 事業費")
    return sorted(out, key=lambda line: next(i for i, o in enumerate(order) if line.startswith(o)))


# --------------------------------------------------------------------------------------------

def generate(cy: Cycle) -> tuple[dict, dict, dict]:
    cycle = {code: build_department(code, cy) for code in sorted(D.DEPT_DATA)}
    for code, sheets in cycle.items():
        check_clean(code, sheets, cy)
    check_cycle(cycle, cy)
    if cy.messy:
        apply_overrides(cycle)
        note_spellings(cycle)
        cited = {(code, r["project"]["name"]) for code, sheets in cycle.items() for r in sheets[PLAN]
                 if r["values"].get("関連個別計画")}
        assert cited == set(D.PLAN_CITATIONS), set(D.PLAN_CITATIONS) - cited
    root = OUT / cy.name
    if root.exists():
        shutil.rmtree(root)
    write_master(root / "計画マスタ.xlsx", cy)
    if cy.messy:
        write_budget(root / "予算事務事業.xlsx", B.attach(cycle, D.DEPARTMENTS, rng_for("budget", cy.name)))
    files = {code: file_name(code, cy) for code in cycle}
    assert len(set(files.values())) == len(files)
    for code, sheets in cycle.items():
        write_department(root / "提出" / files[code], code, sheets, cy)
    if cy.messy:
        write_decisions(root / "重複判定.xlsx")
    return cycle, files, count(cycle, cy)


def main() -> None:
    _, _, c6 = generate(R6)
    r7, files, c7 = generate(R7)
    (OUT / "README.md").write_text(readme(r7, files, c7, c6, r6_changes()), encoding="utf-8")
    print(summary(c7, R7))
    print(summary(c6, R6))
    print("deliberate mistakes (R7):")
    for code, sheet, name, _, kind, what in D.OVERRIDES:
        if kind != "表記":
            print(f"  {kind} {locate(r7, files, code, sheet, name)}: {what}")
    print(f"written to {OUT}")


if __name__ == "__main__":
    main()
