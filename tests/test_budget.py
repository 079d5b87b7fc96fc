"""予算事務事業との対照: the budget export read through the master's column mapping (units converted),
the matching of plan projects and budget items (one-to-several, several-to-one), the tolerance, the
checks with their cells, and what the workbook, the draft and the open data show of it."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from compiler.budget import BUDGET_FILE, MAPPING_SHEET, thousand
from compiler.build import CROSSREF_FILE, DRAFT_FILE, OPEN_DATA_DIR, PUBLIC_FILE, build, compile_cycle
from compiler.master import MasterError, load_master
from compiler.models import SHEET_PLAN
from compiler.template_carry import prefill_rows
from tests.builders import make_cycle, plan_row
from tests.test_render_docx import extract, headings

LABELS = ("事務事業CD", "事務事業名称", "担当課名", "会計名", "款名", "項名", "目名", "予算額（円）")
MAPPING = [("項目", "列見出し", "単位"), ("コード", "事務事業CD", ""), ("事務事業名", "事務事業名称", ""),
           ("所管課", "担当課名", ""), ("会計", "会計名", ""), ("款", "款名", ""), ("項", "項名", ""),
           ("目", "目名", ""), ("当初予算額", "予算額（円）", "円")]


def _item(code: str, name: str, yen: object, dept: str = "河川課", account: str = "一般会計",
          kan: str = "土木費", kou: str = "河川費") -> tuple:
    return (code, name, dept, account, kan, kou, "河川総務費", yen)


def _cycle(root: Path, plan: list[dict], items: list[tuple] | None, *, mapping=MAPPING, info=(),
           labels=LABELS) -> Path:
    make_cycle(root, {"0501_河川課.xlsx": {SHEET_PLAN: plan}},
               extra_rows={"基本情報": list(info)})
    if mapping is not None:
        wb = openpyxl.load_workbook(root / "計画マスタ.xlsx")
        ws = wb.create_sheet(MAPPING_SHEET)
        for r in mapping:
            ws.append(list(r))
        wb.save(root / "計画マスタ.xlsx")
    if items is not None:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "予算"
        ws.append(["令和7年度 当初予算 事務事業一覧"])
        ws.append(list(labels))
        for it in items:
            ws.append(list(it))
        wb.save(root / BUDGET_FILE)
    return root


def _codes(comp, code: str) -> list[tuple[str, str, str]]:
    return [(p.file, p.sheet, p.cell) for p in comp.problems if p.code == code]


def _row(comp, pid: str) -> dict:
    df = comp.frames.budget_compare
    return df.loc[df["事業ID"] == pid].iloc[0].to_dict()


def test_mapping_reads_vendor_labels_and_converts_yen(tmp_path: Path) -> None:
    root = _cycle(tmp_path, [plan_row("雨水管整備事業", id="0501-001", budget_codes="080501001", **{"budget:R7": 12346})],
                  [_item("080501001", "雨水管整備事業", 12_345_678)])
    comp = compile_cycle(root, workers=1)
    assert comp.budget.items[0].yen == 12_345_678  # kept in 円
    row = _row(comp, "0501-001")
    assert row["予算額"] == 12346 and row["計画額"] == 12346  # 12,345,678円 → 12,346千円 (rounded half up)
    assert row["かい離"] == 0 and not row["かい離あり"]
    assert thousand(12_345_499) == 12345 and thousand(12_345_500) == 12346


def test_amount_in_thousands_when_the_mapping_says_so(tmp_path: Path) -> None:
    mapping = [r if r[0] != "当初予算額" else ("当初予算額", "予算額（円）", "千円") for r in MAPPING]
    root = _cycle(tmp_path, [plan_row("雨水管整備事業", id="0501-001", budget_codes="080501001", **{"budget:R7": 5000})],
                  [_item("080501001", "雨水管整備事業", 5000)], mapping=mapping)
    comp = compile_cycle(root, workers=1)
    assert comp.budget.items[0].yen == 5_000_000 and _row(comp, "0501-001")["予算額"] == 5000


def test_default_labels_without_mapping_sheet(tmp_path: Path) -> None:
    labels = ("コード", "事務事業名", "所管課", "会計", "款", "項", "目", "R7当初予算額")
    root = _cycle(tmp_path, [plan_row("雨水管整備事業", id="0501-001", budget_codes="X1", **{"budget:R7": 5000})],
                  [_item("X1", "雨水管整備事業", 5000)], mapping=None, labels=labels)
    comp = compile_cycle(root, workers=1)
    assert _row(comp, "0501-001")["予算額"] == 5000  # 千円 by default


@pytest.mark.parametrize("row, words", [
    (("当初予算額", "予算額（円）", "ドル"), "単位「ドル」"),
    (("予算書の頁", "頁", ""), "項目「予算書の頁」"),
    (("コード", "", ""), "列見出しがありません"),
])
def test_bad_mapping_stops_with_the_row(tmp_path: Path, row: tuple, words: str) -> None:
    root = _cycle(tmp_path, [plan_row("雨水管整備事業")], None, mapping=[*MAPPING, row])
    with pytest.raises(MasterError) as err:
        load_master(root / "計画マスタ.xlsx")
    assert words in str(err.value) and f"{MAPPING_SHEET}」{len(MAPPING) + 1} 行目" in str(err.value)


def test_one_project_spanning_two_items_and_two_projects_sharing_one(tmp_path: Path) -> None:
    plan = [plan_row("雨水管整備事業", id="0501-001", budget_codes="A1、A2", **{"budget:R7": 30000}),
            plan_row("排水機場整備事業", id="0501-002", budget_codes="B1", **{"budget:R7": 20000}),
            plan_row("排水路改良事業", id="0501-003", budget_codes="B1・A2", **{"budget:R7": 10000}),
            plan_row("河川維持事業", id="0501-004", budget_codes="C1", **{"budget:R7": 7000})]
    items = [_item("A1", "雨水管整備（工事）", 20_000_000), _item("A2", "雨水管整備（設計）", 10_000_000),
             _item("B1", "排水施設整備", 30_000_000), _item("C1", "河川維持", 7_000_000),
             _item("Z9", "河川課一般事務費", 1_500_000)]
    comp = compile_cycle(_cycle(tmp_path, plan, items), workers=1)
    one = _row(comp, "0501-001")
    # A2 is shared by 001 and 003, B1 by 002 and 003: the three form one unit, each item counted once
    assert one["対照単位"] == "0501-001・0501-002・0501-003"
    assert one["対照単位の計画額"] == 60000 and one["対照単位の予算額"] == 60000 and one["かい離"] == 0
    assert one["予算額"] == 30000  # A1 + A2 (A2's first user)
    assert _row(comp, "0501-002")["予算額"] == 30000 and _row(comp, "0501-003")["予算額"] == 0
    assert "A2（0501-001・0501-003）" in _row(comp, "0501-003")["共有する予算事務事業"]
    assert _row(comp, "0501-004")["対照単位"] == ""
    c = comp.frames.budget_counts
    assert (c["予算事務事業数"], c["計画内の予算事務事業数"], c["計画外の予算事務事業数"], c["共有する予算事務事業数"]) == (5, 4, 1, 2)
    assert c["計画内の予算額"] == 67000 and c["予算額の計"] == 68500
    items_df = comp.frames.budget_items
    assert items_df.loc[~items_df["計画内"], "予算事務事業コード"].tolist() == ["Z9"]
    assert not [p for p in comp.problems if p.code.startswith("budget-")]


@pytest.mark.parametrize("plan, budget_yen, gap", [
    (10000, 11_000_000, False),  # 1,000千円 off: not more than 1,000
    (10000, 11_100_000, False),  # 1,100千円 but 9.9% of the budget
    (10000, 11_200_000, True),  # 1,200千円 and 10.7%
    (5000, 5_900_000, False),  # 15% but 900千円
    (0, 1_100_000, True),  # budget without plan figure
    (30000, 0, True),  # plan without budget
])
def test_tolerance_needs_both_rate_and_amount(tmp_path: Path, plan: int, budget_yen: int, gap: bool) -> None:
    root = _cycle(tmp_path, [plan_row("雨水管整備事業", id="0501-001", budget_codes="A1", **{"budget:R7": plan})],
                  [_item("A1", "雨水管整備", budget_yen)])
    comp = compile_cycle(root, workers=1)
    assert bool(_row(comp, "0501-001")["かい離あり"]) is gap
    found = _codes(comp, "budget-gap")
    assert found == ([("0501_河川課.xlsx", SHEET_PLAN, found[0][2])] if gap else [])
    if gap:
        assert found[0][2].endswith("2") and f"{plan:,}千円" in next(p.message for p in comp.problems if p.code == "budget-gap")


def test_tolerance_from_the_master(tmp_path: Path) -> None:
    info = [("予算かい離の許容率（%）", "5"), ("予算かい離の許容額（千円）", "100")]
    root = _cycle(tmp_path, [plan_row("雨水管整備事業", id="0501-001", budget_codes="A1", **{"budget:R7": 10000})],
                  [_item("A1", "雨水管整備", 10_600_000)], info=info)
    comp = compile_cycle(root, workers=1)
    assert _row(comp, "0501-001")["かい離あり"] and _row(comp, "0501-001")["かい離率"] == pytest.approx(-5.7)


def test_checks_name_the_cells(tmp_path: Path) -> None:
    plan = [plan_row("雨水管整備事業", id="0501-001", budget_codes="A1、XX9", **{"budget:R7": 1000}),
            plan_row("排水路改良事業", id="0501-002", budget_kind="政策", **{"budget:R7": 2000}),
            plan_row("河川維持事業", id="0501-003", budget_kind="政策", **{"budget:R7": None}),
            plan_row("護岸整備事業", id="0501-004", budget_codes="D1", **{"budget:R7": 3000})]
    items = [_item("A1", "雨水管整備", 1_000_000), _item("D1", "道路側溝整備", 3_000_000, dept="道路課")]
    comp = compile_cycle(_cycle(tmp_path, plan, items), workers=1)
    letter = openpyxl.load_workbook(tmp_path / "提出" / "0501_河川課.xlsx")[SHEET_PLAN]
    header = [c.value for c in letter[1]]
    col = openpyxl.utils.get_column_letter(header.index("予算事務事業コード") + 1)
    f = ("0501_河川課.xlsx", SHEET_PLAN)
    assert _codes(comp, "budget-code-unknown") == [(*f, f"{col}2")]
    assert _codes(comp, "budget-code-missing") == [(*f, f"{col}3")]  # 政策 with an R7 amount; 003 has none
    assert _codes(comp, "budget-dept-mismatch") == [(*f, f"{col}5")]
    mismatch = next(p for p in comp.problems if p.code == "budget-dept-mismatch")
    assert "道路課" in mismatch.message and mismatch.severity == "警告"
    assert "XX9" in _row(comp, "0501-001")["要確認"]


def test_bad_budget_rows_are_reported_and_not_lost(tmp_path: Path) -> None:
    items = [_item("A1", "雨水管整備", 1_000_000), _item(None, "コードのない事務事業", 500_000),
             _item("A1", "重複した事務事業", 1), _item("B1", "額の読めない事務事業", "未定"),
             _item("C1", "負の額", -5), _item("D1", "桁違いの額", 10**20)]
    root = _cycle(tmp_path, [plan_row("雨水管整備事業", id="0501-001", budget_codes="A1", **{"budget:R7": 1000})], items)
    comp = compile_cycle(root, workers=1)
    by = {p.code: (p.file, p.sheet, p.cell) for p in comp.problems if p.code.startswith("budget-")}
    assert by == {"budget-row-no-code": (BUDGET_FILE, "予算", "A4"), "budget-duplicate-code": (BUDGET_FILE, "予算", "A5"),
                  "budget-bad-amount": (BUDGET_FILE, "予算", "H8")}
    # 未定 (H6), the negative (H7) and one beyond 1兆千円 (H8, a unit mistake that would not fit the frames' integers)
    assert len([p for p in comp.problems if p.code == "budget-bad-amount"]) == 3
    book = comp.budget
    assert book.rows_read == 6 and book.rows_unused == 2 and len(book.items) == 4  # read = used + listed as unused
    assert [i.yen for i in book.items if i.code in ("B1", "C1", "D1")] == [None, None, None]


def test_unusable_budget_file_is_reported_and_the_compile_goes_on(tmp_path: Path) -> None:
    root = _cycle(tmp_path, [plan_row("雨水管整備事業", id="0501-001", budget_codes="A1")],
                  [_item("A1", "雨水管整備", 1)], labels=("番号", "名称", "課", "会計", "款", "項", "目", "金額"))
    comp = compile_cycle(root, workers=1)
    assert [p.code for p in comp.problems if p.code.startswith("budget-")] == ["budget-no-header"]
    assert comp.frames.budget_compare is None
    (root / BUDGET_FILE).write_bytes(b"not a workbook")
    comp = compile_cycle(root, workers=1)
    assert [p.code for p in comp.problems if p.code.startswith("budget-")] == ["budget-unreadable"]


def test_without_budget_file_nothing_changes(tmp_path: Path) -> None:
    root = _cycle(tmp_path, [plan_row("雨水管整備事業", budget_kind="政策", **{"budget:R7": 1000})], None)
    out = tmp_path / "out"
    comp = build(root, out, workers=1)
    assert comp.frames.budget_compare is None and not [p for p in comp.problems if p.code.startswith("budget-")]
    assert not {"予算対照", "計画外の予算"} & set(openpyxl.load_workbook(out / CROSSREF_FILE, read_only=True).sheetnames)
    assert not (out / OPEN_DATA_DIR / "予算対照.csv").exists()
    assert "予算との対照" not in {t.split("　", 1)[-1] for _, t in headings(extract(out / DRAFT_FILE))}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("budget")
    plan = [plan_row("雨水管整備事業", id="0501-001", budget_codes="A1", **{"budget:R7": 30000}),
            plan_row("排水機場整備事業", id="0501-002", budget_codes="B1", **{"budget:R7": 20000}),
            plan_row("排水路改良事業", id="0501-003", budget_codes="B1", **{"budget:R7": 10000})]
    items = [_item("A1", "雨水管整備", 45_000_000), _item("B1", "排水施設整備", 30_000_400),
             _item("Z1", "河川課一般事務費", 1_200_000, kou="河川費"), _item("Z2", "庁舎管理費", 2_000_600,
                                                                          dept="道路課", kan="総務費", kou="総務管理費"),
             _item("Z3", "下水道施設維持費", 3_000_000, account="下水道事業会計", kan="総務費", kou="総務管理費")]
    _cycle(root / "in", plan, items)
    out = root / "out"
    return out, build(root / "in", out, workers=1)


def test_workbook_sheets(written) -> None:
    out, comp = written
    wb = openpyxl.load_workbook(out / CROSSREF_FILE, read_only=True)
    names = wb.sheetnames
    assert names.index("予算対照") == names.index("進行管理の集計") + 1 if "進行管理の集計" in names else True
    assert names.index("計画外の予算") == names.index("予算対照") + 1
    rows = list(wb["予算対照"].iter_rows(values_only=True))
    header = rows[0]
    data = {r[0]: dict(zip(header, r)) for r in rows[1:] if r[0] and r[0].startswith("0501")}
    assert data["0501-001"]["R7予算額（千円）"] == 45000 and data["0501-001"]["かい離（千円）"] == -15000
    assert "計画額と予算額のかい離" in data["0501-001"]["要確認"]
    assert data["0501-002"]["対照単位"] == "0501-002・0501-003" and data["0501-002"]["対照単位の予算額（千円）"] == 30000
    unlinked = [r for r in wb["計画外の予算"].iter_rows(values_only=True)][1:]
    lines = [(r[0], r[1], r[2], r[7]) for r in unlinked if r[0]]
    # in the export's order, each 款・項 with its subtotal, then the total (from 円: 6,200,600円 → 6,201千円)
    assert lines == [("土木費", "河川費", "Z1", 1200), ("土木費", "河川費　計", None, 1200),
                     ("総務費", "総務管理費", "Z2", 2001), ("総務費", "総務管理費", "Z3", 3000),
                     ("総務費", "総務管理費　計", None, 5001), ("合計", None, None, 6201)]
    summary = [r for r in wb["集計"].iter_rows(values_only=True)]
    labels = {r[0]: r[1] for r in summary if r[0]}
    assert labels["予算事務事業"] == 5 and labels["　うち計画外の予算事務事業"] == 3
    assert labels["計画額と予算額がかい離する対照単位"] == 1
    general = next(r for r in summary if r[0] == "　うち計画の事業が計上する額（千円）" and r[2])
    assert general[1] == 75000 and "95.9%" in general[2]  # 75,000,400円 of 78,201,000円 in 一般会計


def test_draft_and_public_edition(written) -> None:
    out, comp = written
    items = extract(out / DRAFT_FILE)
    assert "予算との対照" in {t.split("　", 1)[-1] for _, t in headings(items)}
    tables = [i for i in items if i.kind == "table" and i.rows and i.rows[0][:3] == ["事業ID", "事業名（所管課）", "予算事務\n事業コード"]]
    assert tables and tables[0].rows[1][:6] == ["0501-001", "雨水管整備事業（河川課）", "A1", "30,000", "45,000", "△15,000"]
    text = " ".join(i.text for i in items if i.kind == "p")
    assert "予算事務事業5件" in text and "計画外のものは3件" in text
    public = extract(out / PUBLIC_FILE)
    assert "予算との対照" not in {t.split("　", 1)[-1] for _, t in headings(public)}


def test_open_data_budget_file(written) -> None:
    out, comp = written
    raw = (out / OPEN_DATA_DIR / "予算対照.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert "要確認" not in rows[0] and "かい離あり" not in rows[0]
    one = next(r for r in rows if r["事業ID"] == "0501-001")
    assert (one["予算事務事業コード"], one["計画額"], one["予算額"], one["かい離"]) == ("A1", "30000", "45000", "-15000")
    defined = {r["項目名"] for r in csv.DictReader(io.StringIO(
        (out / OPEN_DATA_DIR / "項目定義.csv").read_bytes().decode("utf-8-sig"))) if r["ファイル名"] == "予算対照.csv"}
    assert defined == set(rows[0])


def test_templates_carry_the_codes(written) -> None:
    out, comp = written
    from compiler.previous import read_previous_projects

    records = read_previous_projects(out / CROSSREF_FILE)
    rows = prefill_rows(comp.master, SHEET_PLAN, records)
    assert {r["id"]: r["budget_codes"] for r in rows} == {"0501-001": "A1", "0501-002": "B1", "0501-003": "B1"}
