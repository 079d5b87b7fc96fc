"""The benchmark cycle's 予算事務事業.xlsx: the 総合計画 rows get their 予算事務事業コード while a workbook is
generated (assign_codes, in the worker that writes it), and the export is written once all are known
(write_export), in 円 under a vendor's labels that the master's 予算列の対応 maps.

Most projects have their own item at the plan's amount (円 below the 千円 differ); some share an item
with the previous project (most at L, so the export stays the size of a large city's budget), some
span two items, 2% disagree with the plan by a third, 1% cite a code the export does not have; and
every 課 has items of its own that no plan project carries.
"""
from __future__ import annotations

import random
from pathlib import Path

import xlsxwriter

LABELS = ("事務事業コード", "事務事業名称", "担当課名", "会計名", "款名", "項名", "目名", "当初予算額（円）")
MAPPING = (("項目", "列見出し", "単位"), ("コード", "事務事業コード", ""), ("事務事業名", "事務事業名称", ""),
           ("所管課", "担当課名", ""), ("会計", "会計名", ""), ("款", "款名", ""), ("項", "項名", ""),
           ("目", "目名", ""), ("当初予算額", "当初予算額（円）", "円"))
INFO = (("予算かい離の許容率（%）", "10"), ("予算かい離の許容額（千円）", "1000"))
SHARE = {"S": 0.03, "M": 0.03, "L": 0.6}  # share of projects on the previous project's item
KAN = (("総務費", "総務管理費"), ("民生費", "社会福祉費"), ("衛生費", "保健衛生費"), ("商工費", "商工費"),
       ("土木費", "道路橋りょう費"), ("消防費", "消防費"), ("教育費", "教育総務費"))
EXTRA = ("一般管理事務費", "施設維持管理費", "職員研修費")


def _amount(row: dict) -> int | None:
    v = row.get("budget:R7")
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        digits = "".join(ch for ch in v if ch.isdigit())
        return int(digits) if digits and len(digits) == len(v.replace(",", "")) else None
    return None


def assign_codes(rng: random.Random, size: str, plan: list[dict], dept_code: str, dept_name: str, sub: int,
                 account_names: dict[str, str]) -> list[list]:
    """Write `budget_codes` on the primary rows of `plan`; the export's rows for these items."""
    kan, kou = KAN[int(dept_code[-2:]) % len(KAN)]
    items: list[list] = []
    serial = 0
    last_code = ""

    def item(name: str, account: str, yen: int) -> str:
        nonlocal serial
        serial += 1
        code = f"{dept_code}{sub:02d}{serial:04d}"
        items.append([code, name, dept_name, account_names.get(account, account), kan, kou, f"{dept_name}費", yen])
        return code

    for row in plan:
        amount = _amount(row)
        if "（再掲）" in str(row.get("name")) or amount is None or amount <= 0:
            continue
        account = str(row.get("account") or "一般")
        yen = amount * 1000 + rng.randrange(0, 500)
        if rng.random() < 0.02:
            yen = int(yen * rng.choice((0.6, 1.4)))
        u = rng.random()
        if last_code and u < SHARE[size]:
            row["budget_codes"] = last_code
            items[-1][7] += yen
            continue
        if u > 0.97:
            first = item(f"{row['name']}（委託）", account, yen // 2)
            last_code = item(f"{row['name']}（工事）", account, yen - yen // 2)
            row["budget_codes"] = f"{first}、{last_code}"
        else:
            last_code = item(str(row["name"]), account, yen)
            row["budget_codes"] = last_code
        if rng.random() < 0.01:
            row["budget_codes"] += f"、{dept_code}99{serial:04d}"
    for name in EXTRA:
        item(f"{dept_name}{name}", "一般", rng.randrange(500, 50_000) * 1000 + rng.randrange(0, 1000))
    return items


def write_export(path: Path, items: list[list], options: dict, created: object) -> int:
    """予算事務事業.xlsx (a title row, the header on row 3, codes as text, amounts in 円); rows written."""
    wb = xlsxwriter.Workbook(str(path), {**options, "constant_memory": True})
    wb.set_properties({"created": created})
    ws = wb.add_worksheet("事務事業別予算")
    ws.write_string(0, 0, "令和7年度 当初予算 事務事業別予算額一覧")
    for c, label in enumerate(LABELS):
        ws.write_string(2, c, label)
    for r, values in enumerate(sorted(items, key=lambda v: v[0]), start=3):
        for c, v in enumerate(values):
            if isinstance(v, int):
                ws.write_number(r, c, v)
            else:
                ws.write_string(r, c, v)
    wb.close()
    return len(items)
