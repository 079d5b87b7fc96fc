"""The analyst's API and the CSV export; codes, IDs, years and blank-vs-0 survive read → frame → outputs."""
from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
from hypothesis import HealthCheck, given, settings, strategies as st

import compiler
from compiler.build import compile_cycle
from compiler.cli import main
from compiler.export import FILES, write_csv
from compiler.render_xlsx import write_crossref
from tests.builders import make_cycle, plan_row


def _cycle(root: Path, pid: str, scenario: str, start: str, budgets: dict[str, object]) -> Path:
    books = {"0501_河川課.xlsx": {
        "総合計画": [plan_row("雨水排水施設整備事業", id=pid, **{f"budget:{y}": v for y, v in budgets.items()})],
        "国土強靱化": [{"id": pid, "name": "雨水排水施設整備事業", "dept": "河川課", "scenarios": scenario,
                   "location": "中央", "start_year": start, "end_year": "R9"}],
    }}
    return make_cycle(root, books)


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


ids = st.builds(lambda zeros, n: "0" * zeros + str(n), st.integers(1, 3), st.integers(1, 99999))
scenarios = st.sampled_from(["1-3", "１－３", "1－3", " 1-3 "])
starts = st.sampled_from([("R7", "R7"), ("2025年度", "R7"), ("令和7年度", "R7"), ("R6", "R6"), ("2024", "R6")])
amounts = st.one_of(st.none(), st.just(0), st.integers(1, 10**8))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pid=ids, scenario=scenarios, start=starts, r7=amounts, r8=amounts)
def test_codes_ids_years_and_blank_survive(pid, scenario, start, r7, r8) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = _cycle(Path(tmp) / "c", pid, scenario, start[0], {"R7": r7, "R8": r8})
        comp = compile_cycle(root, workers=1)
        row = comp.frames.projects.iloc[0]
        assert (row["事業ID"], row["リスクシナリオ"], row["開始年度"]) == (pid, "1-3", start[1])
        for y, v in (("R7", r7), ("R8", r8)):
            assert (row[f"{y}事業費"] is pd.NA) if v is None else (row[f"{y}事業費"] == v)
        # the CSV export: text as written, a blank stays blank, 0 stays 0
        out = write_csv(comp.frames, Path(tmp) / "csv")
        (rec,) = _csv(Path(tmp) / "csv" / FILES["projects"])
        assert (rec["事業ID"], rec["リスクシナリオ"], rec["開始年度"]) == (pid, "1-3", start[1])
        assert [rec["R7事業費"], rec["R8事業費"]] == ["" if v is None else str(v) for v in (r7, r8)]
        assert len(out) == len(comp.frames.tables())
        # the workbook: the ID is a text cell, a blank year an empty cell, 0 a number
        write_crossref(comp, Path(tmp) / "x.xlsx")
        ws = openpyxl.load_workbook(Path(tmp) / "x.xlsx")["事業一覧"]
        head = [c.value for c in ws[1]]
        cells = {h: c.value for h, c in zip(head, ws[2])}
        assert cells["事業ID"] == pid
        assert [cells.get("R7事業費（千円）"), cells.get("R8事業費（千円）")] == [r7, r8]


def test_api_compile_cycle_offers_frames(tmp_path: Path) -> None:
    root = _cycle(tmp_path / "c", "0501-001", "1-3", "R7", {"R7": 100, "R8": None})
    comp = compiler.compile_cycle(root, workers=1)
    assert set(comp.frames.tables()) >= {"projects", "rows", "problems", "candidates", "kpis", "totals"}
    rows = comp.frames.rows
    assert rows[["シート", "行", "統合規則"]].values.tolist() == [["総合計画", 2, "事業ID一致"], ["国土強靱化", 2, "事業ID一致"]]
    assert comp.frames.totals.query("区分 == '全体' and 年度 == 'R7'")["金額"].tolist() == [100]


def test_export_command_writes_bom_crlf_csv(tmp_path: Path) -> None:
    root = _cycle(tmp_path / "c", "00123", "1-3", "R7", {"R7": 0, "R8": None})
    assert main(["export", str(root), "--output", str(tmp_path / "out")]) == 0
    data = (tmp_path / "out" / FILES["projects"]).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    placements = _csv(tmp_path / "out" / FILES["placements"])
    assert placements == [{"事業ID": "00123", "施策コード": "3-4", "主たる施策": "True"}]
    # no previous compile, no 予算事務事業.xlsx: those frames are not written
    absent = {FILES["comparison"], FILES["budget_compare"], FILES["budget_items"]}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(set(FILES.values()) - absent)


def test_readme_examples_run() -> None:
    """The README's analyst examples run as written on the sample cycle."""
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = text.split("## 分析用の表", 1)[1].split("\n## ", 1)[0]
    blocks = [b.split("```", 1)[0] for b in section.split("```python\n")[1:]]
    assert len(blocks) == 2
    scope: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), scope)  # noqa: S102
    assert len(scope["p"]) == len(scope["comp"].projects) and not scope["s"].empty
