"""How problems show what was found: control characters made visible, problems in workbook order."""
from __future__ import annotations

from pathlib import Path

import xlsxwriter

from compiler.build import compile_cycle
from compiler.problems import make_problem, visible_controls
from compiler.schema import columns_for
from tests.builders import YEARS, make_cycle


def test_control_characters_are_shown_as_symbols() -> None:
    assert visible_controls("雨水\x07排水\x00施設\x1f\x7f") == "雨水␇排水␀施設␟␡"
    assert visible_controls("改行\nタブ\tは\rそのまま") == "改行\nタブ\tは\rそのまま"
    p = make_problem("control-chars", file="a.xlsx", sheet="総合計画", cell="B2", column="事業名", value="雨水\x0b排水")
    assert p.value == "雨水␋排水" and "'" not in p.value


def test_control_character_warning_shows_the_text_not_a_repr(tmp_path: Path) -> None:
    root = make_cycle(tmp_path, {})
    (root / "提出").mkdir(exist_ok=True)
    wb = xlsxwriter.Workbook(str(root / "提出" / "0501_河川課.xlsx"))
    ws = wb.add_worksheet("総合計画")
    cols = columns_for("総合計画", YEARS)
    ws.write_row(0, 0, [c.label for c in cols])
    values = {"name": "雨水\x07排水施設整備事業", "dept": "河川課", "measure": "3-4", "status": "継続",
              "content": "整備する。", "account": "一般"}
    for c, col in enumerate(cols):
        if col.key in values:
            ws.write_string(1, c, values[col.key])
    wb.close()
    comp = compile_cycle(root, workers=1)
    found = [p for p in comp.problems if p.code == "control-chars"]
    assert [(p.cell, p.value) for p in found] == [("B2", "雨水␇排水施設整備事業")]
    assert comp.projects[0].name == "雨水排水施設整備事業"
