"""The rolling plan: new, ended, changed and renumbered projects against a previous 事業一覧."""
from pathlib import Path

import openpyxl
import pytest

from compiler.build import compile_cycle
from tests.builders import make_cycle, plan_row

HEAD = ["事業ID", "事業名", "所管課", "施策コード", "総合計画", "国土強靱化", "総合戦略", "リスクシナリオ", "実施箇所",
        "基本目標", "R6事業費（千円）", "R7事業費（千円）", "R8事業費（千円）"]
PREVIOUS = [
    ["0501-001", "雨水排水施設整備事業", "河川課", "3-4", "○", "○", "", "1-3", "中央", "", 900, 1000, 1100],
    ["0501-002", "河川しゅんせつ事業", "河川課", "3-4", "○", "", "", "", "", "", 100, 100, None],  # ended
    ["0501-003", "護岸改修", "河川課", "3-4", "○", "", "", "", "", "", 50, 60, 70],  # renumbered to 0501-030
    ["0501-004", "旧名称の事業", "河川課", "3-4", "○", "", "", "", "", "", 0, 10, 10],  # renamed, same ID
]


def write_previous(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "事業一覧"
    ws.append(HEAD)
    for row in PREVIOUS:
        ws.append(row)
    path.mkdir(parents=True, exist_ok=True)
    wb.save(path / "クロスリファレンス.xlsx")
    return path


@pytest.fixture
def comparison(tmp_path):
    root = make_cycle(tmp_path / "R7", {"0501_河川課.xlsx": {"総合計画": [
        plan_row("雨水排水施設整備事業", id="0501-001", measure="3-1", **{"budget:R7": 1200, "budget:R8": 1100}),
        plan_row("護岸改修事業", id="0501-030", **{"budget:R7": 60, "budget:R8": 80}),
        plan_row("新しい名称の事業", id="0501-004", **{"budget:R7": 10, "budget:R8": 10}),
        plan_row("浸水センサー設置", status="継続", **{"budget:R7": 5}),
        plan_row("雨水貯留タンク助成", status="新規", **{"budget:R9": 20}),
    ]}})
    prev = write_previous(tmp_path / "R6out")
    return compile_cycle(root, previous=prev, workers=1)


def test_statuses(comparison):
    cmp = comparison.previous
    status = {p.project_id: p.status for p in cmp.pairs}
    assert status["0501-001"] == "継続" and status["0501-004"] == "継続"
    assert status["0501-002"] == "終了"
    assert status["0501-030"] == "番号変更"
    new = {p.name for p in cmp.by_status("新規")}
    assert new == {"浸水センサー設置", "雨水貯留タンク助成"}
    assert cmp.overlap_years == ("R7", "R8")


def test_changes_and_renaming_keeps_identity(comparison):
    pairs = {p.project_id: p for p in comparison.previous.pairs}
    changes = {(c.label, c.before, c.after) for c in pairs["0501-001"].changes}
    assert ("施策コード", "3-4", "3-1") in changes
    assert ("リスクシナリオ", "1-3", "") in changes
    assert [(c.label, c.before, c.after) for c in pairs["0501-004"].changes] == [("事業名", "旧名称の事業", "新しい名称の事業")]
    assert pairs["0501-001"].budget == {"R7": (1000, 1200), "R8": (1100, 1100)}


def test_warnings(comparison):
    got = {(p.code, p.value) for p in comparison.problems}
    assert ("probable-renumbering", "0501-030") in got
    assert ("status-continuing-not-in-previous", "継続") in got  # 浸水センサー設置 says 継続 but is new
    codes = [p.code for p in comparison.problems if p.code.startswith("status-")]
    assert codes.count("status-continuing-not-in-previous") == 1


def test_budget_differences_add_up_to_difference_of_totals(comparison):
    cmp = comparison.previous
    for y in cmp.overlap_years:
        assert sum(p.diff(y) for p in cmp.pairs) == cmp.current_totals[y] - cmp.previous_totals[y]
    assert cmp.previous_totals == {"R7": 1170, "R8": 1180}


def test_word_draft_summarises_the_changes(comparison, tmp_path):
    import docx

    from compiler.render_docx import write_draft

    write_draft(comparison, tmp_path / "d.docx")
    doc = docx.Document(str(tmp_path / "d.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "5　前年度計画からの変更点" in headings  # the fifth section of the 資料編
    text = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "河川しゅんせつ事業" in text  # ended
    assert "前年度の事業ID 0501-003" in text  # renumbered
    assert "事業名：旧名称の事業→新しい名称の事業" in text
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "新たに2事業を計上し、1事業が計画から外れました" in body


def test_excel_sheet_lists_changes_and_differences_add_up(comparison, tmp_path):
    import openpyxl

    from compiler.render_xlsx import write_crossref

    write_crossref(comparison, tmp_path / "x.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "x.xlsx", read_only=True)
    assert wb.sheetnames.index("前年度比較") == wb.sheetnames.index("施策別") + 1
    rows = list(wb["前年度比較"].iter_rows(values_only=True))
    head, body = rows[0], [r for r in rows[1:] if r[0]]
    assert {r[0] for r in body} == {"新規", "終了", "継続", "番号変更"}
    diff_col = head.index("R7 増減（千円）")
    assert sum(r[diff_col] for r in body) == rows[-1][diff_col] == 1275 - 1170
