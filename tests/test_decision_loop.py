"""The 重複判定 loop (DESIGN §2.3, §5.1): a reviewer fills 判定 on 重複候補, saves the sheet as
重複判定.xlsx and recompiles — earlier decisions must survive that save."""
from __future__ import annotations

import warnings
from pathlib import Path

import openpyxl

from compiler.build import compile_cycle
from compiler.render_xlsx import write_crossref
from compiler.xlsx.logs import DECIDED_REASON, DECIDED_UNMATCHED
from tests.builders import make_cycle, plan_row

RIVER, DISASTER = "0501_河川課.xlsx", "0101_防災危機管理課.xlsx"
HEAD = ("事業名A", "所管課A", "事業名B", "所管課B", "判定")


def _cycle(root: Path) -> Path:
    make_cycle(root, {
        RIVER: {
            "総合計画": [plan_row("道路冠水対策事業"), plan_row("排水機場維持管理事業"), plan_row("河川維持管理事業"),
                     plan_row("河川維持管理補修事業"), plan_row("排水路改良事業"), plan_row("排水路改良工事事業")],
            "国土強靱化": [{"name": "道路冠水対策", "dept": "河川課", "scenarios": "1-3", "location": "市内全域"}],
        },
        DISASTER: {"総合計画": [plan_row("排水機場維持管理", dept="防災危機管理課", measure="3-1")]},
    })
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "重複判定"
    ws.append(list(HEAD))
    ws.append(["道路冠水対策事業", "河川課", "道路冠水対策", "河川課", "別"])  # would merge by name without it
    ws.append(["排水機場維持管理事業", "河川課", "排水機場維持管理", "防災危機管理課", "同一"])
    ws.append(["廃止済みの事業", "河川課", "別の廃止済み事業", "河川課", "別"])  # matches nothing, kept anyway
    wb.save(root / "重複判定.xlsx")
    return root


def _candidate_rows(path: Path) -> list[tuple]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ws = openpyxl.load_workbook(path)["重複候補"]
    return [r for r in ws.iter_rows(values_only=True)]


def _save_sheet_as_decisions(crossref: Path, target: Path, verdicts: dict[frozenset, str]) -> None:
    """What a reviewer does: fill 判定 on 重複候補, keep only that sheet, save it as 重複判定.xlsx."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(crossref)
    for name in wb.sheetnames:
        if name != "重複候補":
            del wb[name]
    ws = wb["重複候補"]
    for row in ws.iter_rows(min_row=2):
        pair = frozenset({row[0].value, row[2].value})
        if pair in verdicts and not row[4].value:
            row[4].value = verdicts[pair]
    wb.save(target)


def _rules(comp) -> dict[str, str]:
    return {e.input_name: e.rule for e in comp.merge_log}


def test_saving_candidates_as_decisions_keeps_earlier_decisions(tmp_path: Path) -> None:
    root = _cycle(tmp_path / "cycle")
    first = compile_cycle(root, workers=1)
    crossref = tmp_path / "out" / "クロスリファレンス.xlsx"
    write_crossref(first, crossref)
    rows = _candidate_rows(crossref)
    assert rows[0][:5] == HEAD and rows[0][8] == "理由"
    # the decisions of 重複判定.xlsx come first, as written, with 判定 filled
    assert [r[:5] + (r[8],) for r in rows[1:4]] == [
        ("道路冠水対策事業", "河川課", "道路冠水対策", "河川課", "別", DECIDED_REASON),
        ("排水機場維持管理事業", "河川課", "排水機場維持管理", "防災危機管理課", "同一", DECIDED_REASON),
        ("廃止済みの事業", "河川課", "別の廃止済み事業", "河川課", "別", DECIDED_REASON + DECIDED_UNMATCHED),
    ]
    undecided = {frozenset({r[0], r[2]}) for r in rows[4:] if r[0]}
    assert undecided == {frozenset({"河川維持管理事業", "河川維持管理補修事業"}),
                         frozenset({"排水路改良事業", "排水路改良工事事業"})}
    assert all(r[4] is None for r in rows[4:])

    _save_sheet_as_decisions(crossref, root / "重複判定.xlsx", {
        frozenset({"河川維持管理事業", "河川維持管理補修事業"}): "同一",
        frozenset({"排水路改良事業", "排水路改良工事事業"}): "別"})
    second = compile_cycle(root, workers=1)

    assert [d.verdict for d in second.decisions] == ["別", "同一", "別", "同一", "別"]
    rules = _rules(second)
    for name in ("排水機場維持管理事業", "排水機場維持管理", "河川維持管理事業", "河川維持管理補修事業"):
        assert rules[name] == "判定指定", name  # old 同一 and new 同一
    merged = {p.name: p for p in second.projects}
    assert merged["排水機場維持管理事業"].sources and len(merged["排水機場維持管理事業"].sources) == 2
    assert "排水機場維持管理" not in merged and "河川維持管理補修事業" not in merged
    # 別 pairs (old and new) stay apart and are no longer undecided candidates
    for a, b in (("道路冠水対策事業", "道路冠水対策"), ("排水路改良事業", "排水路改良工事事業")):
        assert a in merged and b in merged and merged[a].project_id != merged[b].project_id
        assert rules[a] == rules[b] == "単独"
    assert second.candidates == []
    assert [p.code for p in second.problems if p.file == "重複判定.xlsx"] == ["decision-unmatched"]

    # and the next save keeps all five
    write_crossref(second, crossref)
    again = _candidate_rows(crossref)
    assert [r[4] for r in again[1:] if r[0]] == ["別", "同一", "別", "同一", "別"]
