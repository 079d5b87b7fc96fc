"""The rolling plan: new, ended, changed and renumbered projects against a previous 事業一覧."""
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from compiler.build import build, compile_cycle
from compiler.models import SHEET_PLAN
from compiler.previous import PreviousError
from compiler.schema import columns_for
from compiler.validate import letter
from tests.builders import YEARS, make_cycle, plan_row

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample-city"
FILE = "0501_河川課.xlsx"
HEAD = ["事業ID", "事業名", "所管課", "施策コード", "総合計画", "国土強靱化", "総合戦略", "リスクシナリオ", "実施箇所",
        "基本目標", "R6事業費（千円）", "R7事業費（千円）", "R8事業費（千円）"]
PREVIOUS = [
    ["0501-001", "雨水排水施設整備事業", "河川課", "3-4", "○", "○", "", "1-3", "中央", "", 900, 1000, 1100],
    ["0501-002", "河川しゅんせつ事業", "河川課", "3-4", "○", "", "", "", "", "", 100, 100, None],  # ended
    ["0501-003", "護岸改修", "河川課", "3-4", "○", "", "", "", "", "", 50, 60, 70],  # renumbered to 0501-030
    ["0501-004", "旧名称の事業", "河川課", "3-4", "○", "", "", "", "", "", 0, 10, 10],  # renamed, same ID
    ["0501-005", "排水路改良事業", "河川課", "3-4", "○", "", "", "", "", "", 20, 30, 30],  # says 新規 now
    ["0501-006", "調整池整備事業", "河川課", "3-4", "○", "", "", "", "", "", 40, 40, 40],  # ID left blank now
]
CURRENT = [  # rows 2.. of 総合計画
    plan_row("雨水排水施設整備事業", id="0501-001", measure="3-1", **{"budget:R7": 1200, "budget:R8": 1100}),
    plan_row("護岸改修事業", id="0501-030", **{"budget:R7": 60, "budget:R8": 80}),
    plan_row("新しい名称の事業", id="0501-004", **{"budget:R7": 10, "budget:R8": 10}),
    plan_row("浸水センサー設置", status="継続", **{"budget:R7": 5}),
    plan_row("雨水貯留タンク助成", status="新規", **{"budget:R9": 20}),
    plan_row("排水路改良事業", id="0501-005", status="新規", **{"budget:R7": 30, "budget:R8": 30}),
    plan_row("調整池整備事業", status="新規", **{"budget:R7": 40, "budget:R8": 50}),
]


def cell(key: str, row: int) -> str:
    keys = [c.key for c in columns_for(SHEET_PLAN, YEARS)]
    return f"{letter(keys.index(key))}{row}"


def write_previous(path: Path, rows: list[list[object]] = PREVIOUS) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "事業一覧"
    ws.append(HEAD)
    for row in rows:
        ws.append(row)
    path.mkdir(parents=True, exist_ok=True)
    wb.save(path / "クロスリファレンス.xlsx")
    return path


def rolling_cycle(tmp_path: Path) -> tuple[Path, Path]:
    """(cycle folder, previous output folder) of the small fixture above."""
    return make_cycle(tmp_path / "R7", {FILE: {SHEET_PLAN: CURRENT}}), write_previous(tmp_path / "R6out")


@pytest.fixture
def comparison(tmp_path):
    root, prev = rolling_cycle(tmp_path)
    return compile_cycle(root, previous=prev, workers=1)


def _by_name(comp, name: str):
    return next(p for p in comp.previous.pairs if p.name == name)


def test_statuses(comparison):
    cmp = comparison.previous
    status = {p.project_id: p.status for p in cmp.pairs}
    assert status["0501-001"] == "継続" and status["0501-004"] == "継続" and status["0501-005"] == "継続"
    assert status["0501-002"] == "終了"
    assert status["0501-030"] == "番号変更"
    blank = _by_name(comparison, "調整池整備事業")
    assert (blank.status, blank.previous_id) == ("番号変更", "0501-006") and blank.current.id_generated
    new = {p.name for p in cmp.by_status("新規")}
    assert new == {"浸水センサー設置", "雨水貯留タンク助成"}
    assert cmp.overlap_years == ("R7", "R8")
    assert cmp.counts() == {"新規": 2, "終了": 1, "継続（変更あり）": 2, "番号変更": 2}


def test_changes_and_renaming_keeps_identity(comparison):
    pairs = {p.project_id: p for p in comparison.previous.pairs}
    changes = {(c.label, c.before, c.after) for c in pairs["0501-001"].changes}
    assert ("施策コード", "3-4", "3-1") in changes
    assert ("リスクシナリオ", "1-3", "") in changes
    assert ("実施箇所", "中央", "") in changes
    assert [(c.label, c.before, c.after) for c in pairs["0501-004"].changes] == [("事業名", "旧名称の事業", "新しい名称の事業")]
    assert pairs["0501-001"].budget == {"R7": (1000, 1200), "R8": (1100, 1100)}
    assert pairs["0501-005"].changes == []


def _warnings(comp, code: str) -> list[tuple[str, str, str, str, str]]:
    return sorted((p.code, p.file, p.sheet, p.cell, p.value) for p in comp.problems if p.code == code)


def test_renumbering_warnings_name_their_cells(comparison):
    assert _warnings(comparison, "probable-renumbering") == [
        ("probable-renumbering", FILE, SHEET_PLAN, cell("id", 3), "0501-030")]
    p = next(p for p in comparison.problems if p.code == "probable-renumbering")
    assert "前年度の事業ID「0501-003」" in p.message and "事業IDが変わっていないか確認してください" in p.message


def test_renumbering_of_a_blank_id_asks_for_the_previous_id(comparison):
    generated = _by_name(comparison, "調整池整備事業").project_id
    assert _warnings(comparison, "renumbering-blank-id") == [
        ("renumbering-blank-id", FILE, SHEET_PLAN, cell("id", 8), generated)]
    p = next(p for p in comparison.problems if p.code == "renumbering-blank-id")
    assert "前年度の事業ID 0501-006 を記入してください" in p.message
    assert "変わっていないか" not in p.message
    assert p.column == "事業ID" and p.severity == "警告"


def test_status_continuing_but_not_in_previous(comparison):
    assert _warnings(comparison, "status-continuing-not-in-previous") == [
        ("status-continuing-not-in-previous", FILE, SHEET_PLAN, cell("status", 5), "継続")]  # 浸水センサー設置


def test_status_new_but_in_previous(comparison):
    """A 新規 project that the previous plan holds: by the same ID, and by a renumbering; the
    message names the previous 事業ID, never the one generated this cycle."""
    assert _warnings(comparison, "status-new-in-previous") == [
        ("status-new-in-previous", FILE, SHEET_PLAN, cell("status", 7), "新規"),  # 排水路改良事業, same ID
        ("status-new-in-previous", FILE, SHEET_PLAN, cell("status", 8), "新規"),  # 調整池整備事業, renumbered
    ]
    messages = {p.cell: p.message for p in comparison.problems if p.code == "status-new-in-previous"}
    generated = _by_name(comparison, "調整池整備事業").project_id
    assert "前年度の事業ID 0501-005" in messages[cell("status", 7)]
    assert "前年度の事業ID 0501-006" in messages[cell("status", 8)]
    assert generated not in messages[cell("status", 8)]


def test_budget_differences_add_up_to_difference_of_totals(comparison):
    cmp = comparison.previous
    for y in cmp.overlap_years:
        assert sum(p.diff(y) for p in cmp.pairs) == cmp.current_totals[y] - cmp.previous_totals[y]
    assert cmp.previous_totals == {"R7": 1240, "R8": 1250}
    assert cmp.current_totals == {"R7": 1345, "R8": 1270}


def test_duplicate_id_in_previous_is_refused_with_its_rows(tmp_path):
    root, _ = rolling_cycle(tmp_path)
    doubled = PREVIOUS + [["0501-001", "雨水排水施設整備事業（写し）", "河川課", "3-4", "○", "", "", "", "", "", 1, 1, 1]]
    prev = write_previous(tmp_path / "dup", doubled)
    with pytest.raises(PreviousError) as exc:
        compile_cycle(root, previous=prev, workers=1)
    msg = str(exc.value)
    assert "クロスリファレンス.xlsx シート「事業一覧」" in msg
    assert "事業ID「0501-001」が 2・8 行目" in msg
    assert "重複した行を削除" in msg


def test_duplicate_id_in_previous_stops_the_cli(tmp_path, capsys):
    from compiler.cli import main

    root, _ = rolling_cycle(tmp_path)
    prev = write_previous(tmp_path / "dup", PREVIOUS + [PREVIOUS[2], PREVIOUS[2]])
    out = tmp_path / "out"
    assert main(["compile", str(root), "--previous", str(prev), "--output", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("前年度の出力を使用できません: ")
    assert "事業ID「0501-003」が 4・8・9 行目" in err
    assert not out.exists()


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


def _sheet_rows(comp, tmp_path: Path) -> tuple[tuple, list[tuple], tuple]:
    from compiler.render_xlsx import write_crossref

    write_crossref(comp, tmp_path / "x.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "x.xlsx", read_only=True)
    assert wb.sheetnames.index("前年度比較") == wb.sheetnames.index("個別計画") + 1 == wb.sheetnames.index("施策別") + 2
    rows = list(wb["前年度比較"].iter_rows(values_only=True))
    return rows[0], [r for r in rows[1:] if r[0]], rows[-1]


def test_excel_sheet_lists_changes_and_differences_add_up(comparison, tmp_path):
    head, body, last = _sheet_rows(comparison, tmp_path)
    assert {r[0] for r in body} == {"新規", "終了", "継続", "番号変更"}
    diff_col = head.index("R7 増減（千円）")
    assert sum(r[diff_col] for r in body) == last[diff_col] == 1345 - 1240


def test_excel_sheet_gives_the_rate_of_change(comparison, tmp_path):
    head, body, _ = _sheet_rows(comparison, tmp_path)
    rows = {r[head.index("事業名")]: dict(zip(head, r)) for r in body}
    grown = rows["雨水排水施設整備事業"]
    assert (grown["R7 前年度計画（千円）"], grown["R7 本計画（千円）"], grown["R7 増減率（%）"]) == (1000, 1200, 20.0)
    assert grown["R8 増減率（%）"] == 0.0
    assert rows["護岸改修事業"]["R8 増減率（%）"] == pytest.approx(14.3)  # 70 → 80, one decimal
    assert rows["護岸改修事業"]["前年度事業ID"] == "0501-003"
    new = rows["浸水センサー設置"]
    assert (new["区分"], new["R7 前年度計画（千円）"], new["R7 増減率（%）"]) == ("新規", 0, None)
    ended = rows["河川しゅんせつ事業"]
    assert (ended["区分"], ended["R7 増減（千円）"], ended["R7 増減率（%）"]) == ("終了", -100, -100.0)
    assert ended["R8 増減率（%）"] is None  # no budget in either plan


# ---------------------------------------------------------------- the shipped sample (R6 → R7)
@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("R6")
    previous = build(SAMPLE / "R6", out)
    return previous, compile_cycle(SAMPLE / "R7", previous=out)


def test_sample_change_types(sample):
    _, comp = sample
    changes = {(p.project_id, p.name, c.label, c.before, c.after) for p in comp.previous.pairs for c in p.changes}
    assert ("0703-006", "道路照明LED化事業", "所管課", "道路管理課", "道路課") in changes
    assert ("1002-001", "GIGAスクール端末更新事業", "基本目標", "", "3") in changes
    assert ("0902-003", "救急自動車更新事業", "実施箇所", "中央消防署・南分署", "") in changes
    assert ("0706-002", "ブロック塀等撤去補助事業", "リスクシナリオ", "1-1、7-2", "1-1、1-7") in changes
    assert ("0101-003", "移住定住促進事業", "施策コード", "6-3", "6-4") in changes
    assert Counter(c[2] for c in changes) == {"実施箇所": 5, "事業名": 2, "施策コード": 2, "リスクシナリオ": 2,
                                              "所管課": 1, "基本目標": 1}
    assert comp.previous.counts() == {"新規": 12, "終了": 9, "継続（変更あり）": 22, "番号変更": 1}


def test_sample_previous_totals_are_the_previous_compiles_totals(sample):
    """The totals read back from R6's 事業一覧 equal what compiling R6 itself gives."""
    previous, comp = sample
    cmp = comp.previous
    assert cmp.overlap_years == ("R7", "R8")
    assert cmp.previous_totals == {y: previous.totals.by_year[y] for y in cmp.overlap_years}
    assert cmp.current_totals == {y: comp.totals.by_year[y] for y in cmp.overlap_years}
    assert cmp.previous_totals == {"R7": 13_339_300, "R8": 14_266_500}


def write_previous_in_yen(path: Path) -> Path:
    """The previous fixture as a plan kept in 円 writes it: R7事業費（円）."""
    write_previous(path)
    wb = openpyxl.load_workbook(path / "クロスリファレンス.xlsx")
    for c, label in zip(wb["事業一覧"][1], HEAD):
        c.value = label.replace("（千円）", "（円）")
    wb.save(path / "クロスリファレンス.xlsx")
    return path


def test_previous_in_another_unit_is_refused(tmp_path):
    root, _ = rolling_cycle(tmp_path)  # this plan in 千円
    prev = write_previous_in_yen(tmp_path / "R6yen")
    with pytest.raises(PreviousError) as exc:
        compile_cycle(root, previous=prev, workers=1)
    assert "事業費の単位（円）が、計画マスタの金額単位（千円）と異なるため比較できません" in str(exc.value)


def test_previous_row_without_id_is_refused_with_its_row(tmp_path):
    """Such a row would count in the previous totals yet match no project: the differences would not add up."""
    root, _ = rolling_cycle(tmp_path)
    blank = ["", "手で追加した事業", "河川課", "3-4", "○", "", "", "", "", "", 0, 500, 500]
    prev = write_previous(tmp_path / "blank", PREVIOUS + [blank])
    with pytest.raises(PreviousError) as exc:
        compile_cycle(root, previous=prev, workers=1)
    assert "シート「事業一覧」の 8 行目に事業IDがありません" in str(exc.value)
