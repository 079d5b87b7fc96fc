"""個別計画 (DESIGN §2.1 個別計画, §2.2 関連個別計画, §4 plan-*/ledger-*, §5): the master's ledger, the periods that
run out within the plan, the references in 関連個別計画, and what the crossref, the draft and the open data show."""
from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from compiler.build import CROSSREF_FILE, DRAFT_FILE, OPEN_DATA_DIR, PUBLIC_FILE, build, compile_cycle
from compiler.ledger import LEDGER_LABELS, fiscal_year_text, period_text, split_refs
from compiler.models import SHEET_PLAN
from compiler.schema import columns_for
from tests.builders import YEARS, make_cycle, plan_row
from tests.test_render_docx import extract, headings, section

LEDGER = [
    # 計画ID, 計画名, 所管課, 根拠法令等, 開始年度, 終了年度, 関連施策コード, 状況
    ("P01", "テスト市地域防災計画", "防災危機管理課", "災害対策基本法第42条", "令和3年度", "令和8年度", "3-1", "策定済"),
    ("P02", "テスト市雨水管理総合計画", "河川課", "", 2020, 2026, "3-4", "策定済"),
    ("P03", "テスト市子ども・子育て支援事業計画", "子ども家庭課", "子ども・子育て支援法第61条", "R2", "R6", "1-1", "策定済"),
    ("P04", "テスト市国土強靱化地域計画", "防災危機管理課", "国土強靱化基本法第13条", "R7", "R11", "3-1、3-4", "策定済"),
    ("P05", "テスト市河川整備計画", "河川課", "河川法第16条の2", 2021, 2027, "3-4", "改定予定"),
    ("P06", "テスト市下水道事業計画", "河川課", "下水道法第5条", 2019, 2028, "3-4", "策定済"),
]
PLANS_COL = get_column_letter([c.key for c in columns_for(SHEET_PLAN, YEARS)].index("plans") + 1)


def add_ledger(master: Path, rows: list[tuple], header: tuple[str, ...] = LEDGER_LABELS, sheet: str = "個別計画") -> None:
    wb = openpyxl.load_workbook(master)
    ws = wb.create_sheet(sheet)
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    wb.save(master)


def books() -> dict:
    return {
        "0501_河川課.xlsx": {SHEET_PLAN: [
            plan_row("雨水排水施設整備事業", id="0501-001", **{"budget:R7": 1000, "plans": "P02、テスト市 国土強靱化地域計画"}),
            plan_row("河川維持管理事業", id="0501-002", **{"budget:R7": 500, "plans": "P01"}),
            plan_row("排水路改修事業", id="0501-003", **{"budget:R7": 300, "plans": "P99、テスト市下水道計画"}),
        ]},
        "0301_子ども家庭課.xlsx": {SHEET_PLAN: [
            plan_row("子育て支援事業", dept="子ども家庭課", measure="1-1", id="0301-001", **{"budget:R7": 200, "plans": "ｐ０３"}),
        ]},
    }


@pytest.fixture(scope="module")
def cycle(tmp_path_factory) -> Path:
    root = make_cycle(tmp_path_factory.mktemp("plans") / "c", books())
    add_ledger(root / "計画マスタ.xlsx", LEDGER)
    return root


@pytest.fixture(scope="module")
def comp(cycle):
    return compile_cycle(cycle, workers=1)


@pytest.fixture(scope="module")
def built(cycle, tmp_path_factory):
    out = tmp_path_factory.mktemp("plans-out") / "R7"
    build(cycle, out, workers=1)
    return out


def problems(comp, *codes: str) -> list[tuple[str, str, str, str]]:
    return sorted((p.file, p.sheet, p.cell, p.code) for p in comp.problems if p.code in codes)


# ---------------------------------------------------------------- wording
def test_periods_are_written_as_katori_does():
    assert fiscal_year_text(4) == "2022（令和4）年度"
    assert fiscal_year_text(1) == "2019（令和元）年度" and fiscal_year_text(0) == "2018（平成30）年度"
    assert period_text(4, 7) == "2022（令和4）年度～2025（令和7）年度"
    assert period_text(None, 7) == "～2025（令和7）年度" and period_text(None, None) == ""
    assert split_refs("P01、香取市地域福祉計画\nP03 / P04") == ("P01", "香取市地域福祉計画", "P03", "P04")


# ---------------------------------------------------------------- checks
def test_expiry_in_both_year_styles_before_and_inside_the_period(comp):
    """P01 (令和8年度) and P02 (2026) end inside R7–R9, P03 (R6) before it; P04 (R11) and P06 (2028) after it;
    P05 ends in 2027 but is 改定予定."""
    assert problems(comp, "plan-expiring") == [("計画マスタ.xlsx", "個別計画", f"F{r}", "plan-expiring") for r in (2, 3, 4)]
    messages = {p.cell: p.message for p in comp.problems if p.code == "plan-expiring"}
    assert "テスト市地域防災計画（P01）" in messages["F2"] and "2026（令和8）年度で終了し" in messages["F2"]
    assert "中に満了します" in messages["F3"]
    assert "2024（令和6）年度で終了しており" in messages["F4"] and "前に満了しています" in messages["F4"]
    plans = comp.frames.plans.set_index("計画ID")
    assert plans["期間満了"].to_dict() == {"P01": True, "P02": True, "P03": True, "P04": False, "P05": True, "P06": False}
    assert plans["要改定"].to_dict() == {"P01": True, "P02": True, "P03": True, "P04": False, "P05": False, "P06": False}
    assert all(p.severity == "警告" for p in comp.problems if p.code.startswith(("plan-", "ledger-")))


def test_revision_planned_suppresses_the_warning(tmp_path):
    root = make_cycle(tmp_path / "c", books())
    add_ledger(root / "計画マスタ.xlsx", [LEDGER[0][:7] + ("改定予定",), LEDGER[1][:7] + ("改訂予定",)])
    comp = compile_cycle(root, workers=1)
    assert problems(comp, "plan-expiring") == []
    assert comp.frames.plans["期間満了"].tolist() == [True, True]
    assert comp.frames.plans["状況"].tolist() == ["改定予定", "改定予定"]


def test_unknown_references_by_id_and_by_name(comp):
    unknown = [(p.cell, p.value) for p in comp.problems if p.code == "plan-unknown"]
    assert unknown == [(f"{PLANS_COL}4", "P99"), (f"{PLANS_COL}4", "テスト市下水道計画")]
    assert all(p.file == "0501_河川課.xlsx" and p.sheet == SHEET_PLAN for p in comp.problems if p.code == "plan-unknown")
    cites = comp.frames.plan_citations
    resolved = dict(zip(cites["参照"], cites["計画ID"].fillna("")))
    # by ID (full width, lower case too) and by name (spacing aside)
    assert resolved == {"P02": "P02", "テスト市 国土強靱化地域計画": "P04", "P01": "P01", "P99": "", "テスト市下水道計画": "",
                        "ｐ０３": "P03"}


def test_a_plan_not_linked_to_the_projects_measure(comp):
    (p,) = [p for p in comp.problems if p.code == "plan-measure-unlinked"]
    assert (p.file, p.sheet, p.cell) == ("0501_河川課.xlsx", SHEET_PLAN, f"{PLANS_COL}3")
    assert "テスト市地域防災計画（P01）" in p.message and "3-4 河川・排水" in p.message
    # the 施策 lists the plan its project cites all the same (and the sheet says where the link comes from)
    links = comp.frames.plan_measures
    assert links[links["施策コード"] == "3-4"][["計画ID", "由来"]].values.tolist() == [
        ["P01", "事業"], ["P02", "台帳・事業"], ["P04", "台帳・事業"], ["P05", "台帳"], ["P06", "台帳"]]


def test_bad_ledger_rows_name_their_cells(tmp_path):
    root = make_cycle(tmp_path / "c", books())
    rows = [("", "名前だけの計画", "河川課", "", "R5", "R9", "3-4", "策定済"),
            ("P01", "年度の誤った計画", "河川課", "", "令和五年", "R20", "3-4", "策定済"),
            ("P02", "施策の誤った計画", "河川課", "", "R5", "R20", "3-4、9-9", "策定済"),
            ("P02", "番号の重複した計画", "河川課", "", "R5", "R20", "3-4", "策定済"),
            ("P03", "状況の誤った計画", "河川課", "", "R5", "R20", "3-4", "検討中"),
            ("P04", "", "河川課", "", "R5", "R20", "3-4", "策定済"),
            ("P05", "期間の逆転した計画", "河川課", "", "R12", "R10", "3-4", "策定済")]
    add_ledger(root / "計画マスタ.xlsx", rows)
    comp = compile_cycle(root, workers=1)
    got = [(p.file, p.sheet, p.cell, p.code) for p in comp.problems if p.code.startswith("ledger-")]  # in row order
    assert [(cell, code) for _, _, cell, code in got] == [
        ("A2", "ledger-no-id"), ("E3", "ledger-bad-year"), ("G4", "ledger-unknown-measure"), ("A5", "ledger-duplicate-id"),
        ("H6", "ledger-bad-status"), ("B7", "ledger-no-name"), ("E8", "ledger-year-order")]
    assert {f for f, *_ in got} == {"計画マスタ.xlsx"} and {s for _, s, *_ in got} == {"個別計画"}
    msg = {p.code: p.message for p in comp.problems}
    assert "「令和五年」は年度として読み取れません" in msg["ledger-bad-year"]
    assert "関連施策コード「9-9」は施策体系にありません" in msg["ledger-unknown-measure"]
    assert "A4 と同じ" in msg["ledger-duplicate-id"]
    plans = comp.frames.plans.set_index("計画ID")
    assert list(plans.index) == ["P01", "P02", "P03", "P05"]  # rows without ID or name and the duplicate left out
    assert plans.at["P01", "開始年度"] == "" and plans.at["P02", "関連施策コード"] == "3-4"
    assert plans.at["P03", "状況"] == "策定済"


@pytest.mark.parametrize("header", [("計画名", "状況"), ("計画ID", "計画名", "状況")])
def test_an_unusable_ledger_is_one_warning(tmp_path, header):
    root = make_cycle(tmp_path / "c", books())
    add_ledger(root / "計画マスタ.xlsx", [("P01", "x", "y")], header=header)
    comp = compile_cycle(root, workers=1)
    (p,) = [p for p in comp.problems if p.code.startswith("ledger-")]
    assert (p.code, p.file, p.sheet, p.severity) == ("ledger-unusable", "計画マスタ.xlsx", "個別計画", "警告")
    assert len(comp.frames.plans) == 0
    # every reference is then unknown, and the outputs are still written
    assert len([q for q in comp.problems if q.code == "plan-unknown"]) == 6
    build(root, tmp_path / "out", workers=1)
    assert "個別計画" in openpyxl.load_workbook(tmp_path / "out" / CROSSREF_FILE, read_only=True).sheetnames


def test_a_master_without_the_ledger_still_compiles(tmp_path):
    root = make_cycle(tmp_path / "c", {"0501_河川課.xlsx": {SHEET_PLAN: [plan_row("雨水排水施設整備事業")]}})
    comp = compile_cycle(root, workers=1)
    assert not comp.master.ledger.present and not comp.problems
    assert len(comp.frames.plans) == 0 and len(comp.frames.plan_citations) == 0
    build(root, tmp_path / "out", workers=1)
    heads = [t for _, t in headings(extract(tmp_path / "out" / DRAFT_FILE))]
    assert not any("個別計画" in t for t in heads)


# ---------------------------------------------------------------- outputs
def test_the_plans_sheet_read_back(built):
    wb = openpyxl.load_workbook(built / CROSSREF_FILE, read_only=True)
    assert wb.sheetnames.index("個別計画") == wb.sheetnames.index("施策別") + 1
    rows = list(wb["個別計画"].iter_rows(values_only=True))
    head = rows[0]
    assert head == ("計画ID", "計画名", "所管課", "根拠法令等", "計画期間", "開始年度", "終了年度", "状況", "期間満了", "関連施策",
                    "引用事業数", "引用事業", "R7事業費（千円）")
    by_id = {r[0]: dict(zip(head, r)) for r in rows[1:] if r[0]}
    p02 = by_id["P02"]
    assert (p02["計画期間"], p02["期間満了"], p02["関連施策"]) == ("2020（令和2）年度～2026（令和8）年度", "○", "3-4 河川・排水")
    p04 = by_id["P04"]
    assert p04["引用事業数"] == 1 and p04["引用事業"] == "0501-001 雨水排水施設整備事業" and p04["R7事業費（千円）"] == 1000
    p01 = by_id["P01"]
    assert p01["関連施策"] == "3-1 防災・減災\n3-4 河川・排水" and p01["R7事業費（千円）"] == 500
    assert by_id["P06"]["期間満了"] is None and by_id["P06"]["引用事業数"] == 0 and by_id["P06"]["R7事業費（千円）"] is None
    unknown = [r for r in rows[1:] if not r[0]]
    assert [(r[1], r[7], r[12]) for r in unknown] == [("P99", "台帳にない計画", 300), ("テスト市下水道計画", "台帳にない計画", 300)]
    # 事業一覧 keeps what each project wrote, so the next cycle's templates can carry it
    projects = list(wb["事業一覧"].iter_rows(values_only=True))
    col = projects[0].index("関連個別計画")
    assert {r[0]: r[col] for r in projects[1:]}["0501-001"] == "P02、テスト市 国土強靱化地域計画"


def test_the_draft_lists_the_plans_of_each_measure_with_their_periods(built):
    items = extract(built / DRAFT_FILE)
    part = section(items, "3-4 河川・排水", 3)
    texts = [i.text for i in part if i.kind == "p"]
    at = texts.index("関連する個別計画")
    lines = texts[at + 1].split("\n")
    assert lines == ["・テスト市地域防災計画（2021（令和3）年度～2026（令和8）年度）",
                     "・テスト市雨水管理総合計画（2020（令和2）年度～2026（令和8）年度）",
                     "・テスト市国土強靱化地域計画（2025（令和7）年度～2029（令和11）年度）",
                     "・テスト市河川整備計画（2021（令和3）年度～2027（令和9）年度）",
                     "・テスト市下水道事業計画（2019（令和元）年度～2028（令和10）年度）"]
    appendix = section(items, "4　個別計画一覧", 2)
    (table,) = [i for i in appendix if i.kind == "table"]
    assert table.rows[0] == ["計画名", "所管課", "根拠法令等", "計画期間", "状況", "関連施策", "期間満了"]
    by_name = {r[0]: r for r in table.rows[1:]}
    assert by_name["テスト市子ども・子育て支援事業計画"][3] == "2020（令和2）年度～2024（令和6）年度"
    assert by_name["テスト市子ども・子育て支援事業計画"][6] == "○\n（改定予定なし）"
    assert by_name["テスト市河川整備計画"][6] == "○" and by_name["テスト市下水道事業計画"][6] == ""
    public = extract(built / PUBLIC_FILE)
    (ptable,) = [i for i in section(public, "3　個別計画一覧", 2) if i.kind == "table"]
    assert ptable.rows[0] == ["計画名", "所管課", "根拠法令等", "計画期間", "状況", "関連施策"]
    assert "関連する個別計画" in [i.text for i in section(public, "3-4 河川・排水", 3)]


def test_the_open_data_csv(built, comp):
    folder = built / OPEN_DATA_DIR
    raw = (folder / "個別計画.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert [r["計画ID"] for r in rows] == ["P01", "P02", "P03", "P04", "P05", "P06"]
    p01 = rows[0]
    assert (p01["計画期間"], p01["開始年度"], p01["終了年度"], p01["関連施策コード"], p01["関連事業ID"], p01["R7事業費"]) == \
        ("2021（令和3）年度～2026（令和8）年度", "R3", "R8", "3-1、3-4", "0501-002", "500")
    assert rows[5]["関連事業数"] == "0" and rows[5]["R7事業費"] == ""
    assert "期間満了" not in rows[0] and "要改定" not in rows[0]
    definitions = list(csv.reader(io.StringIO((folder / "項目定義.csv").read_bytes().decode("utf-8-sig"), newline="")))
    assert [r[1] for r in definitions if r[0] == "個別計画.csv"] == list(rows[0].keys())


def test_outputs_are_byte_identical_on_rerun(cycle, built, tmp_path):
    again = tmp_path / "R7"
    build(cycle, again, workers=1)
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    for name in (CROSSREF_FILE, DRAFT_FILE, PUBLIC_FILE, f"{OPEN_DATA_DIR}/個別計画.csv"):
        assert digest(built / name) == digest(again / name), name


def test_templates_carry_the_plans_from_the_previous_compile(built, comp, tmp_path):
    from compiler.templates import make_templates

    run = make_templates(comp.master, tmp_path / "templates", built)
    river = next(p for p in run.paths if "河川課" in p.name)
    ws = openpyxl.load_workbook(river)[SHEET_PLAN]
    rows = list(ws.iter_rows(values_only=True))
    head = next(r for r in rows if r and "事業ID" in r)
    data = [dict(zip(head, r)) for r in rows[rows.index(head) + 1:] if r[head.index("事業ID")]]
    assert {r["事業ID"]: r["関連個別計画"] for r in data} == {
        "0501-001": "P02、テスト市 国土強靱化地域計画", "0501-002": "P01", "0501-003": "P99、テスト市下水道計画"}
    guide = "\n".join(str(c.value) for row in openpyxl.load_workbook(river)["記入要領"].iter_rows() for c in row if c.value)
    assert "テスト市河川整備計画" in guide and "2021（令和3）年度～2027（令和9）年度" in guide
