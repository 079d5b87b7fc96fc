"""`make templates`: department workbooks written from a master (DESIGN §2.2)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from compiler.master import load_master
from compiler.models import DATA_SHEETS, Master
from compiler.previous import PreviousError, read_previous_projects
from compiler.schema import columns_for
from compiler.templates import GUIDE_SHEET, INPUT_ROWS, LIST_SHEET, template_file_name, write_templates

from .master_fixture import write_master

LAST = INPUT_ROWS + 1  # last input row (header is row 1)
PREVIOUS_HEADER = ("事業ID", "事業名", "所管課", "施策コード", "施策名", "展開方向コード", "再掲施策コード", "新継区分",
                   "総合計画", "国土強靱化", "総合戦略", "リスクシナリオ", "実施箇所", "基本目標", "R7事業費（千円）",
                   "R8事業費（千円）", "R9事業費（千円）", "重点", "要確認", "事業内容", "会計", "事業主体", "開始年度",
                   "終了年度", "SDGs")
PREVIOUS_ROWS = (
    ("0301-012", "自主防災組織育成事業", "防災危機管理課", "3-1", "防災・減災", "3-1-1", "1-1", "新規", "○", "○", "○",
     "1-1、2-1", "市内全域", "2", 3000, 3500, 0, "○", "", "自主防災組織の結成と訓練を支援する。", "一般", "市", "R7", "R9", "11、13"),
    ("0301-020", "防災行政無線更新事業", "防災危機管理課", "3-1", "防災・減災", "3-1-2", "", "継続", "○", "", "",
     "", "", "", 50000, None, 20000, "", "", "防災行政無線を更新する。", "一般", "", "", "", ""),
    ("0301-031", "県道の緊急輸送路整備", "防災危機管理課", "", "", "", "", "", "", "○", "",
     "2-1", "県道1号", "", None, None, None, "", "", "", "", "県", "R6", "R12", ""),
    ("0501-001", "雨水排水施設整備事業", "河川課", "3-4", "河川・排水", "3-4-1", "", "継続", "○", "○", "",
     "1-3", "中央排水区", "", 120000, 150000, 90000, "", "", "雨水管渠を整備する。", "下水道", "市", "R7", "R9", "11"),
)

INDICATOR_HEADER = ("施策コード", "施策名", "指標名", "単位", "望ましい方向", "基準値", "基準年度", "R7目標値", "R8目標値",
                    "R9目標値", "最終目標値", "最終目標年度", "出典", "総合戦略KPI", "所管課", "出所")
INDICATOR_ROWS = (
    ("3-1", "防災・減災", "自主防災組織の結成率", "%", "増加", "72", "R5", "75", "80", "85", "85", "R9", "防災危機管理課調べ",
     "○", "防災危機管理課", "0301_防災危機管理課.xlsx 成果指標 2行"),
    # 所管課 gone from the 課一覧: the 施策's 主担当課 (3-4 河川課) takes it
    ("3-4", "河川・排水", "浸水被害件数", "件", "減少", "12", "R5", "10", 8, "6", "6", "R9", "", "", "下水道課", ""),
    ("9-9", "（施策体系にない施策コード）", "旧指標", "件", "", "1", "", "", "", "", "", "", "", "", "管財課", ""),  # no 課 takes it
)


@pytest.fixture
def master(tmp_path: Path) -> Master:
    return load_master(write_master(tmp_path / "master" / "計画マスタ.xlsx"))


@pytest.fixture
def previous(tmp_path: Path) -> Path:
    """A previous compile's output folder with クロスリファレンス.xlsx (事業一覧 after a 集計 sheet)."""
    folder = tmp_path / "prev" / "R7"
    folder.mkdir(parents=True)
    wb = openpyxl.Workbook()
    wb.active.title = "集計"
    ws = wb.create_sheet("事業一覧")
    ws.append(list(PREVIOUS_HEADER))
    for row in PREVIOUS_ROWS:
        ws.append(list(row))
    kpis = wb.create_sheet("成果指標一覧")
    kpis.append(list(INDICATOR_HEADER))
    for row in INDICATOR_ROWS:
        kpis.append(list(row))
    wb.save(folder / "クロスリファレンス.xlsx")
    return folder


@pytest.fixture
def templates(master: Master, tmp_path: Path) -> list[Path]:
    return write_templates(master, tmp_path / "out")


def _open(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path)


def _validations(ws) -> dict[str, object]:
    return {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}


def _column_letter(sheet: str, master: Master, label: str) -> str:
    labels = [c.label for c in columns_for(sheet, master.years)]
    return openpyxl.utils.get_column_letter(labels.index(label) + 1)


def test_one_workbook_per_department_named_by_code(master: Master, templates: list[Path]) -> None:
    assert [p.name for p in templates] == ["0301_防災危機管理課.xlsx", "0501_河川課.xlsx", "0201_子ども家庭課.xlsx"]
    assert all(p.is_file() for p in templates)
    assert not [p for p in templates[0].parent.iterdir() if p.name.startswith(".")]  # no temp files left


def test_file_name_without_code_and_unsafe_characters() -> None:
    from compiler.models import Department
    assert template_file_name(Department("A/B課", "部", "")) == "A_B課.xlsx"


def test_sheets_order_and_hidden_list_sheet(templates: list[Path]) -> None:
    wb = _open(templates[0])
    assert wb.sheetnames == [GUIDE_SHEET, *DATA_SHEETS, LIST_SHEET]
    assert [wb[s].sheet_state for s in wb.sheetnames] == ["visible"] * 5 + ["hidden"]


def test_headers_are_schema_labels_with_master_years(master: Master, templates: list[Path]) -> None:
    wb = _open(templates[0])
    for sheet in DATA_SHEETS:
        expected = [c.label for c in columns_for(sheet, master.years)]
        assert [c.value for c in wb[sheet][1]] == expected
    assert "R10事業費（千円）" in [c.value for c in wb["総合計画"][1]]


def test_required_headers_marked_by_fill_not_label(master: Master, templates: list[Path]) -> None:
    ws = _open(templates[0])["総合計画"]
    fills = {}
    for col, cell in zip(columns_for("総合計画", master.years), ws[1]):
        assert "※" not in cell.value
        assert cell.font.b and cell.protection.locked and cell.alignment.wrap_text
        fills.setdefault(col.required, set()).add(cell.fill.fgColor.rgb)
    assert len(fills[True]) == 1 and len(fills[False]) == 1 and fills[True] != fills[False]


def test_defined_names_point_at_hidden_list_sheet(master: Master, templates: list[Path]) -> None:
    wb = _open(templates[0])
    names = {name: dn.attr_text for name, dn in wb.defined_names.items()}
    assert {"LIST_MEASURE", "LIST_DIRECTION", "LIST_STATUS", "LIST_ACCOUNT", "LIST_DEPT", "LIST_GOAL",
            "LIST_FLAG", "LIST_ACTOR", "LIST_TREND", "LIST_PROGRESS", "LIST_OUTLOOK", "LIST_ACTUAL_KIND"} <= set(names)
    assert all(ref.startswith(f"{LIST_SHEET}!$") for ref in names.values())
    lists = wb[LIST_SHEET]
    measures = [c.value for c in lists["A"][1:] if c.value]
    assert measures == list(master.measures) and all(isinstance(v, str) for v in measures)
    assert names["LIST_MEASURE"] == f"{LIST_SHEET}!$A$2:$A${len(master.measures) + 1}"
    depts = [c.value for c in lists["E"][1:] if c.value]
    assert depts[0] == "防災危機管理課" and sorted(depts) == sorted(master.departments)


def test_dropdowns_use_defined_names_and_stop(master: Master, templates: list[Path]) -> None:
    wb = _open(templates[0])
    expected = {
        "総合計画": {"施策コード": "LIST_MEASURE", "展開方向コード": "LIST_DIRECTION", "新継区分": "LIST_STATUS",
                 "会計": "LIST_ACCOUNT", "所管課": "LIST_DEPT", "進捗状況": "LIST_PROGRESS",
                 "今後の方向性": "LIST_OUTLOOK"},
        "国土強靱化": {"所管課": "LIST_DEPT", "事業主体": "LIST_ACTOR"},
        "総合戦略": {"KPI実績区分": "LIST_ACTUAL_KIND"},
        "成果指標": {"施策コード": "LIST_MEASURE", "実績区分": "LIST_ACTUAL_KIND"},
    }
    for sheet, columns in expected.items():
        dvs = _validations(wb[sheet])
        for label, name in columns.items():
            col = _column_letter(sheet, master, label)
            dv = dvs[f"{col}2:{col}{LAST}"]
            assert dv.type == "list" and dv.formula1 == name, (sheet, label)
            assert dv.errorStyle in (None, "stop") and dv.showErrorMessage and dv.error, (sheet, label)


def test_flag_dropdowns_offer_the_mark_and_let_other_circles_through(master: Master, templates: list[Path]) -> None:
    """A flag may be typed as 〇 or ◯ (the compiler reads them as ○): the list warns instead of stopping."""
    wb = _open(templates[0])
    for sheet, label in (("総合計画", "国補正予算"), ("総合計画", "重点"), ("総合戦略", "デジタル活用"),
                         ("成果指標", "総合戦略KPI")):
        col = _column_letter(sheet, master, label)
        dv = _validations(wb[sheet])[f"{col}2:{col}{LAST}"]
        assert (dv.type, dv.formula1, dv.errorStyle) == ("list", "LIST_FLAG", "warning"), (sheet, label)
        assert "〇" in dv.error and "○ として読み取ります" in dv.error
    assert [c.value for c in wb[LIST_SHEET]["G"] if c.value] == ["○", "○"]  # title and the one mark


def test_kpi_trend_has_its_own_list_not_the_direction_codes(master: Master, templates: list[Path]) -> None:
    wb = _open(templates[0])
    col = _column_letter("成果指標", master, "望ましい方向")
    dv = _validations(wb["成果指標"])[f"{col}2:{col}{LAST}"]
    assert (dv.type, dv.formula1, dv.errorStyle) == ("list", "LIST_TREND", "warning")
    names = {name: dn.attr_text for name, dn in wb.defined_names.items()}
    column = names["LIST_TREND"].split("!")[1].split(":")[0].replace("$", "")[0]
    assert [c.value for c in wb[LIST_SHEET][column] if c.value] == ["望ましい方向", "増加", "減少", "維持"]
    assert names["LIST_DIRECTION"] != names["LIST_TREND"]
    assert all(dv.formula1 != "LIST_DIRECTION" for dv in wb["成果指標"].data_validations.dataValidation)


def test_basic_goal_dropdown_warns_so_several_goals_can_be_typed(master: Master, templates: list[Path]) -> None:
    dvs = _validations(_open(templates[0])["総合戦略"])
    dv = dvs[f"D2:D{LAST}"]
    assert dv.formula1 == "LIST_GOAL" and dv.errorStyle == "warning"


def test_project_id_offers_ids_of_plan_sheet(templates: list[Path]) -> None:
    wb = _open(templates[0])
    for sheet in ("国土強靱化", "総合戦略"):
        dv = _validations(wb[sheet])[f"A2:A{LAST}"]
        assert dv.type == "list" and dv.formula1 == f"総合計画!$A$2:$A${LAST}"
        assert dv.errorStyle == "information" or not dv.showErrorMessage


def test_multi_code_columns_have_input_message_only(master: Master, templates: list[Path]) -> None:
    wb = _open(templates[0])
    for sheet, label in (("総合計画", "再掲施策コード"), ("総合計画", "SDGs"), ("国土強靱化", "リスクシナリオ"),
                         ("総合戦略", "具体的施策コード")):
        col = _column_letter(sheet, master, label)
        dv = _validations(wb[sheet])[f"{col}2:{col}{LAST}"]
        assert dv.type in (None, "any") and dv.prompt and "記入要領" in dv.prompt


def test_guide_lists_codes_rules_and_contact(master: Master, templates: list[Path]) -> None:
    ws = _open(templates[0])[GUIDE_SHEET]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    for s in master.scenarios.values():
        assert s.code in text and s.text in text
    for goal in master.goals.values():
        assert goal.name in text and all(m.name in text for m in goal.measures)
    for m in master.measures.values():
        assert m.code in text and m.name in text
    for col in columns_for("総合計画", master.years):
        assert col.help in text
    for phrase in ("空欄", "0", "財源", "（再掲）", "事業ID", "企画政策課", "必須"):
        assert phrase in text


def test_protection_filter_freeze_and_unlocked_input(master: Master, templates: list[Path]) -> None:
    wb = _open(templates[0])
    for sheet in DATA_SHEETS:
        ws = wb[sheet]
        n = len(columns_for(sheet, master.years))
        p = ws.protection
        assert p.sheet and not p.password
        assert not p.autoFilter and not p.sort and not p.formatColumns and not p.insertRows  # allowed
        assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(n)}{LAST}"
        assert ws.freeze_panes in ("A2", "B2", "C2")
        for row in (2, 250, LAST):
            assert all(not ws.cell(row, c).protection.locked for c in range(1, n + 1))
    assert wb["総合計画"].freeze_panes == "C2"


def test_number_formats_text_codes_and_money(master: Master, templates: list[Path]) -> None:
    ws = _open(templates[0])["総合計画"]
    fmt = {label: ws[f"{_column_letter('総合計画', master, label)}2"].number_format
           for label in ("事業ID", "施策コード", "再掲施策コード", "SDGs", "R8事業費（千円）")}
    assert fmt == {"事業ID": "@", "施策コード": "@", "再掲施策コード": "@", "SDGs": "@", "R8事業費（千円）": "#,##0"}
    assert ws.column_dimensions["H"].width >= 44  # 事業内容
    assert ws["H2"].alignment.wrap_text


def test_same_input_gives_identical_bytes(master: Master, previous: Path, tmp_path: Path) -> None:
    first = write_templates(master, tmp_path / "a", previous)
    second = write_templates(master, tmp_path / "b", previous)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    props = _open(first[0]).properties
    assert props.creator == "テスト市 企画政策課" and props.created.year == 2025


# ------------------------------------------------------------------ previous compile
def test_read_previous_projects_keeps_codes_as_text(previous: Path) -> None:
    rows = read_previous_projects(previous)
    assert len(rows) == 4
    first = rows[0]
    assert first["事業ID"] == "0301-012" and first["リスクシナリオ"] == "1-1、2-1" and first["基本目標"] == "2"
    assert first["R7事業費（千円）"] == "3000" and first["R9事業費（千円）"] == "0"
    assert rows[1]["R8事業費（千円）"] == ""
    assert all(isinstance(v, str) for row in rows for v in row.values())
    assert read_previous_projects(previous / "クロスリファレンス.xlsx") == rows


def test_read_previous_projects_errors(tmp_path: Path) -> None:
    with pytest.raises(PreviousError):
        read_previous_projects(tmp_path)
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "クロスリファレンス.xlsx")
    with pytest.raises(PreviousError, match="事業一覧"):
        read_previous_projects(tmp_path)


def test_previous_prefills_plan_sheet_shifted_by_year(master: Master, previous: Path, tmp_path: Path) -> None:
    paths = write_templates(master, tmp_path / "out", previous)
    ws = _open(paths[0])["総合計画"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_row=4)]
    header = [c.value for c in ws[1]]
    got = [dict(zip(header, r)) for r in rows]
    assert [r["事業ID"] for r in got] == ["0301-012", "0301-020", None]
    a, b = got[0], got[1]
    assert (a["事業名"], a["所管課"], a["施策コード"], a["展開方向コード"], a["再掲施策コード"]) == \
        ("自主防災組織育成事業", "防災危機管理課", "3-1", "3-1-1", "1-1")
    assert (a["新継区分"], b["新継区分"]) == ("継続", "継続")
    assert (a["会計"], a["SDGs"], a["重点"], b["重点"]) == ("一般", "11、13", "○", None)
    assert a["事業内容"] == "自主防災組織の結成と訓練を支援する。"
    # previous R8/R9 go to the new R8/R9 columns; R7 is dropped; the new last year is blank
    assert (a["R8事業費（千円）"], a["R9事業費（千円）"], a["R10事業費（千円）"]) == (3500, 0, None)
    assert (b["R8事業費（千円）"], b["R9事業費（千円）"]) == (None, 20000)
    assert all(isinstance(a[k], str) for k in ("事業ID", "施策コード", "展開方向コード", "再掲施策コード"))


def test_previous_prefills_resilience_and_strategy(master: Master, previous: Path, tmp_path: Path) -> None:
    paths = write_templates(master, tmp_path / "out", previous)
    wb = _open(paths[0])
    res = [[c.value for c in row[:9]] for row in wb["国土強靱化"].iter_rows(min_row=2, max_row=3)]
    assert res == [
        ["0301-012", "自主防災組織育成事業", "防災危機管理課", "1-1、2-1", None, "市内全域", "市", "R7", "R9"],
        ["0301-031", "県道の緊急輸送路整備", "防災危機管理課", "2-1", None, "県道1号", "県", "R6", "R12"],
    ]
    strat = [[c.value for c in row[:4]] for row in wb["総合戦略"].iter_rows(min_row=2, max_row=3)]
    assert strat == [["0301-012", "自主防災組織育成事業", "防災危機管理課", "2"], [None, None, None, None]]
    river = _open(paths[1])["総合計画"]
    assert river["A2"].value == "0501-001" and river["A3"].value is None
    kids = _open(paths[2])["総合計画"]
    assert kids["A2"].value is None
    guide = "\n".join(str(c.value) for row in wb[GUIDE_SHEET].iter_rows() for c in row if c.value)
    assert "前回の計画" in guide


def test_previous_prefills_settled_amount_and_indicators(master: Master, previous: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """The next cycle's survey starts from what the previous compile knew: the evaluated year's planned
    amount as the 決算見込額, and each 成果指標 with its targets (a year's target under the same year)."""
    from compiler.cli import main
    from compiler.templates import make_templates

    run = make_templates(master, tmp_path / "out", previous)  # master R8..R10: the evaluated year is R7
    bousai, river, kids = (_open(p) for p in run.paths)
    plan = _records_of(bousai["総合計画"])
    assert [(r["事業ID"], r["R7決算見込額（千円）"], r["進捗状況"]) for r in plan] == [("0301-012", 3000, None),
                                                                                  ("0301-020", 50000, None)]
    kpis = _records_of(bousai["成果指標"])
    assert len(kpis) == 1
    k = kpis[0]
    assert (k["指標名"], k["施策コード"], k["単位"], k["基準値"], k["基準年度"], k["望ましい方向"], k["総合戦略KPI"]) == \
        ("自主防災組織の結成率", "3-1", "%", "72", "R5", "増加", "○")
    assert (k["R7目標値"], k["R8目標値"], k["R9目標値"], k["R10目標値"], k["最終目標値"], k["最終目標年度"]) == \
        ("75", "80", "85", None, "85", "R9")
    assert (k["R7実績値"], k["実績区分"]) == (None, None)  # results are what the 課 types now
    assert [(r["指標名"], r["R8目標値"]) for r in _records_of(river["成果指標"])] == [("浸水被害件数", "8")]
    assert _records_of(kids["成果指標"]) == []
    assert [(m.name, m.dept) for m in run.lost_indicators] == [("旧指標", "管財課")]
    guide = "\n".join(str(c.value) for row in bousai[GUIDE_SHEET].iter_rows() for c in row if c.value)
    assert "R7決算見込額には前回の計画のR7事業費を入れてあります（2 件）" in guide
    assert "前回の成果指標 1 件を目標値とともに記入済み" in guide
    assert main(["templates", str(master.path), "--output", str(tmp_path / "cli"), "--previous", str(previous)]) == 0
    assert "転記できなかった成果指標 1 件" in capsys.readouterr().out


def test_previous_without_indicator_sheet_prefills_no_indicators(master: Master, previous: Path,
                                                                 tmp_path: Path) -> None:
    """An output written before 成果指標一覧 existed still pre-fills the projects."""
    book = previous / "クロスリファレンス.xlsx"
    wb = openpyxl.load_workbook(book)
    del wb["成果指標一覧"]
    wb.save(book)
    paths = write_templates(master, tmp_path / "out", previous)
    bousai = _open(paths[0])
    assert _records_of(bousai["成果指標"]) == [] and len(_records_of(bousai["総合計画"])) == 2
    guide = "\n".join(str(c.value) for row in bousai[GUIDE_SHEET].iter_rows() for c in row if c.value)
    assert "前回の成果指標" not in guide


# ------------------------------------------------------------------ other programs read it
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_converts_plan_sheet_to_csv(templates: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "csv"
    sheet_no = 2  # 総合計画
    filt = f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,{sheet_no}"
    result = subprocess.run(
        ["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo",
         "--convert-to", filt, "--outdir", str(out), str(templates[0])],
        capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    csvs = list(out.glob("*.csv"))
    assert len(csvs) == 1
    assert csvs[0].read_text(encoding="utf-8").splitlines()[0].startswith("事業ID,事業名,所管課,施策コード")


def test_filled_template_compiles(previous: Path, tmp_path: Path) -> None:
    build = pytest.importorskip("compiler.build")
    cycle = tmp_path / "cycle"
    paths = write_templates(load_master(write_master(cycle / "計画マスタ.xlsx")), cycle / "提出", previous)
    river = paths[1]
    wb = openpyxl.load_workbook(river)
    ws = wb["総合計画"]
    rows = [
        ["", "河川改修事業", "河川課", "3-4", "3-4-1", "", "新規", "準用河川を改修する。", "一般", "当初", "", "",
         10000, 20000, None, 5000, 0, 0, 5000, "○", "11", ""],
        ["", "排水機場の維持管理", "河川課", "3-4", "3-4-1", "3-1", "継続", "排水機場を点検する。", "下水道", "", "", "",
         0, 0, 0, None, None, None, None, "", "", ""],
        ["", "水位計設置事業", "河川課", "3-1", "3-1-2", "", "拡充", "水位計を設置する。", "一般", "", "", "",
         None, None, None, None, None, None, None, "", "", ""],
    ]
    for r, values in enumerate(rows, start=3):  # row 2 holds the pre-filled 0501-001
        for c, value in enumerate(values, start=1):
            if value not in ("", None):
                ws.cell(r, c, value)
    kpi = wb["成果指標"]
    header = [c.value for c in kpi[1]]
    for label, value in (("指標名", "浸水被害件数"), ("施策コード", "3-4"), ("単位", "件"), ("望ましい方向", "減少")):
        kpi.cell(2, header.index(label) + 1, value)
    wb.save(river)
    comp = build.compile_cycle(cycle)
    names = {p.name for p in comp.projects}
    assert {"河川改修事業", "排水機場の維持管理", "雨水排水施設整備事業", "自主防災組織育成事業"} <= names
    assert "0501-001" in {p.project_id for p in comp.projects}
    errors = [p for p in comp.problems if p.severity == "エラー"]
    assert errors == []
    # 望ましい方向 reaches the KPI (浸水被害件数 was pre-filled on that row and typed over with the same values)
    assert [(k.name, k.direction) for k in comp.measure_kpis] == [("自主防災組織の結成率", "増加"), ("浸水被害件数", "減少")]


# ------------------------------------------------------------------ carrying every field
FULL_HEADER = PREVIOUS_HEADER + ("予算区分", "予算説明書頁", "国補正予算", "備考", "施策分野", "全体事業費（千円）",
                                 "活用予定の交付金等", "具体的施策コード", "デジタル活用", "KPI名", "KPI単位", "KPI基準値",
                                 "KPI基準年度", "KPI目標値", "KPI目標年度", "財源_国県支出金（千円）")
FULL_EXTRA = {
    "0301-012": ("当初", "45", "○", "地区防災計画と連携", "地域防災", 12000, "緊急防災・減災事業債", "2-1", "○",
                 "自主防災組織の結成率\n防災訓練の参加者数", "%\n人", "72\n1200", "R5\n", "85\n2000", "R9\nR9", 1500),
    "0301-020": ("補正", "", "", "", "", None, "", "", "", "", "", "", "", "", "", None),
    "0301-031": ("", "", "", "", "交通・物流", 800000, "防災・安全交付金", "", "", "", "", "", "", "", "", None),
    "0501-001": ("当初", "112", "", "", "住宅・都市", 360000, "", "", "", "", "", "", "", "", "", 50000),
    "0501-777": ("", "", "", "", "", None, "", "", "", "", "", "", "", "", "", None),
    "0999-001": ("", "", "", "", "", None, "", "", "", "", "", "", "", "", "", None),
}
MOVED_ROWS = (  # 所管課 no longer in the 課一覧: 0501 is 河川課's code; 0999 is nobody's
    ("0501-777", "排水路しゅんせつ事業", "下水道課", "3-4", "河川・排水", "3-4-1", "", "継続", "○", "", "",
     "", "", "", 800, 800, 800, "", "", "排水路をしゅんせつする。", "下水道", "", "", "", ""),
    ("0999-001", "旧庁舎解体事業", "管財課", "3-1", "防災・減災", "", "", "継続", "○", "", "",
     "", "", "", 9000, None, None, "", "", "旧庁舎を解体する。", "一般", "", "", "", ""),
)


@pytest.fixture
def full_previous(tmp_path: Path) -> Path:
    folder = tmp_path / "full" / "R7"
    folder.mkdir(parents=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "事業一覧"
    ws.append(list(FULL_HEADER))
    for row in PREVIOUS_ROWS + MOVED_ROWS:
        ws.append(list(row) + list(FULL_EXTRA[row[0]]))
    wb.save(folder / "クロスリファレンス.xlsx")
    return folder


def _records_of(ws) -> list[dict[str, object]]:
    header = [c.value for c in ws[1]]
    return [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=2) if row[1].value]


def test_previous_carries_every_field_the_template_has(master: Master, full_previous: Path, tmp_path: Path) -> None:
    paths = write_templates(master, tmp_path / "out", full_previous)
    wb = _open(paths[0])
    plan = _records_of(wb["総合計画"])
    a, b = plan[0], plan[1]
    assert (a["予算区分"], a["予算説明書頁"], a["国補正予算"], a["備考"]) == ("当初", "45", "○", "地区防災計画と連携")
    assert (b["予算区分"], b["予算説明書頁"], b["国補正予算"], b["備考"]) == ("補正", None, None, None)
    assert all(a[f"財源_{k}（千円）"] is None for k in ("国県支出金", "地方債", "その他", "一般財源"))  # first year moved on
    res = _records_of(wb["国土強靱化"])
    assert [(r["事業ID"], r["施策分野"], r["全体事業費（千円）"], r["活用予定の交付金等"]) for r in res] == [
        ("0301-012", "地域防災", 12000, "緊急防災・減災事業債"), ("0301-031", "交通・物流", 800000, "防災・安全交付金")]
    strat = _records_of(wb["総合戦略"])  # one row per KPI
    kpi_cols = ("KPI名", "KPI単位", "KPI基準値", "KPI基準年度", "KPI目標値", "KPI目標年度")
    assert [tuple(r[c] for c in ("事業ID", "基本目標", "具体的施策コード", "デジタル活用", "活用予定の交付金等")) for r in strat] == \
        [("0301-012", "2", "2-1", "○", "緊急防災・減災事業債")] * 2
    assert [tuple(r[c] for c in kpi_cols) for r in strat] == [
        ("自主防災組織の結成率", "%", "72", "R5", "85", "R9"), ("防災訓練の参加者数", "人", "1200", None, "2000", "R9")]


def test_project_of_a_department_gone_from_the_master(master: Master, full_previous: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from compiler.cli import main
    from compiler.templates import make_templates

    run = make_templates(master, tmp_path / "out", full_previous)
    assert [(m.project_id, m.dept, m.to) for m in run.moved] == [("0501-777", "下水道課", "河川課"),
                                                                 ("0999-001", "管財課", "")]
    assert [m.project_id for m in run.not_carried] == ["0999-001"]
    river = _open(run.paths[1])
    rows = _records_of(river["総合計画"])
    assert [(r["事業ID"], r["所管課"]) for r in rows] == [("0501-001", "河川課"), ("0501-777", "下水道課")]
    guide = "\n".join(str(c.value) for row in river[GUIDE_SHEET].iter_rows() for c in row if c.value)
    assert "排水路しゅんせつ事業（事業ID 0501-777、所管課「下水道課」）" in guide and "所管課を一覧から選び直して" in guide
    every = [r["事業ID"] for p in run.paths for r in _records_of(_open(p)["総合計画"])]
    assert "0999-001" not in every
    assert main(["templates", str(master.path), "--output", str(tmp_path / "cli"), "--previous", str(full_previous)]) == 0
    out = capsys.readouterr().out
    assert "0501-777 排水路しゅんせつ事業（所管課「下水道課」→ 河川課 の調書）" in out
    assert "転記できなかった事業 1 件" in out and "0999-001 旧庁舎解体事業（所管課「管財課」）" in out


def test_template_columns_right_of_the_table_are_unlocked(master: Master, templates: list[Path]) -> None:
    """Excel deletes a row of a protected sheet only when every cell in it is unlocked."""
    import zipfile

    from lxml import etree

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(templates[0]) as z:
        styles = etree.fromstring(z.read("xl/styles.xml"))
        wb = _open(templates[0])
        for i, sheet in enumerate(DATA_SHEETS, start=2):  # sheet1 is 記入要領
            root = etree.fromstring(z.read(f"xl/worksheets/sheet{i}.xml"))
            n = len(columns_for(sheet, master.years))
            last = root.xpath("m:cols/m:col[last()]", namespaces=ns)[0]
            assert (int(last.get("min")), int(last.get("max"))) == (n + 1, 16384), sheet
            xf = styles.xpath("m:cellXfs/m:xf", namespaces=ns)[int(last.get("style"))]
            assert xf.find("m:protection", ns).get("locked") == "0", sheet
            ignored = root.xpath("m:ignoredErrors/m:ignoredError", namespaces=ns)
            assert ignored and ignored[0].get("numberStoredAsText") == "1", sheet
            assert wb[sheet].protection.deleteRows is False  # deleting rows allowed


def test_sample_round_trip_through_templates_changes_no_project(tmp_path: Path) -> None:
    """Compile the sample, write templates from it, fill nothing, compile them against the first
    compile: every project continues with its 事業ID (no 新規, 終了 or 番号変更)."""
    from compiler.build import compile_cycle
    from compiler.render_xlsx import write_crossref
    from compiler.templates import make_templates

    sample = Path(__file__).resolve().parents[1] / "examples" / "sample-city" / "R7"
    first = compile_cycle(sample)
    write_crossref(first, tmp_path / "R7" / "クロスリファレンス.xlsx")
    cycle = tmp_path / "again"
    (cycle / "提出").mkdir(parents=True)
    shutil.copy(sample / "計画マスタ.xlsx", cycle / "計画マスタ.xlsx")
    run = make_templates(load_master(cycle / "計画マスタ.xlsx"), cycle / "提出", tmp_path / "R7")
    assert [(m.project_id, m.to) for m in run.moved] == [("0703-006", "道路管理課")] and not run.not_carried
    second = compile_cycle(cycle, previous=tmp_path / "R7")
    # every 成果指標 comes back under its 課 with its targets (the results are left for the 課 to type)
    def indicators(comp):  # noqa: ANN001, ANN202
        return sorted((k.dept, k.measure_code, k.name, k.unit, k.base, k.base_year, tuple(sorted(k.targets.items())),
                       k.final_target, k.final_year, k.source, k.strategy_kpi, k.direction) for k in comp.measure_kpis)
    assert indicators(second) == indicators(first) and len(first.measure_kpis) > 50
    assert not [k for k in second.measure_kpis if k.actual]
    cmp = second.previous
    assert {s: [p.project_id for p in cmp.by_status(s)] for s in ("新規", "終了", "番号変更")} == \
        {"新規": [], "終了": [], "番号変更": []}
    assert len(cmp.by_status("継続")) == len(first.projects) == len(second.projects)
    before = {p.project_id: p for p in first.projects}
    for p in second.projects:
        old = before[p.project_id]
        assert (p.name, p.dept, p.plans, p.scenarios, p.goals, p.strategy_measures, p.location, p.grants,
                p.resilience_field, p.total_cost, p.budget_kind, p.budget_page, p.supplementary, p.note,
                p.digital) == \
            (old.name, old.dept, old.plans, old.scenarios, old.goals, old.strategy_measures, old.location, old.grants,
             old.resilience_field, old.total_cost, old.budget_kind, old.budget_page, old.supplementary, old.note,
             old.digital), p.project_id
        assert [(k.name, k.unit, k.base, k.base_year, k.target, k.target_year) for k in p.kpis] == \
            [(k.name, k.unit, k.base, k.base_year, k.target, k.target_year) for k in old.kpis], p.project_id


def test_a_refused_write_stops_with_the_sheet_and_cell(master: Master, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """xlsxwriter only warns and returns a negative code: the template writer turns it into an error."""
    from xlsxwriter.worksheet import Worksheet

    from compiler.templates import TemplateWriteError

    original = Worksheet.write_string

    def refuse_a_department(self, row, col, string, cell_format=None):  # type: ignore[no-untyped-def]
        return -2 if string == "防災危機管理課" and self.name == "総合計画" else original(self, row, col, string, cell_format)

    monkeypatch.setattr(Worksheet, "write_string", refuse_a_department)
    folder = tmp_path / "prev"
    folder.mkdir()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "事業一覧"
    ws.append(list(PREVIOUS_HEADER))
    ws.append(list(PREVIOUS_ROWS[0]))
    wb.save(folder / "クロスリファレンス.xlsx")
    with pytest.raises(TemplateWriteError, match="調書のシート「総合計画」のセル C2"):
        write_templates(master, tmp_path / "out", folder)
    assert not list((tmp_path / "out").glob("*.xlsx"))  # nothing half-written is left


def test_previous_in_another_unit_is_refused(master: Master, previous: Path, tmp_path: Path) -> None:
    """Carried over as they stand, amounts in 円 would land in 千円 columns a thousand times too big."""
    book = previous / "クロスリファレンス.xlsx"
    wb = openpyxl.load_workbook(book)
    for c in wb["事業一覧"][1]:
        c.value = c.value.replace("（千円）", "（円）")
    wb.save(book)
    with pytest.raises(PreviousError, match="事業費の単位（円）が、計画マスタの金額単位（千円）と異なる"):
        write_templates(master, tmp_path / "out", previous)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
