"""効果検証報告書（案）.docx on the sample (R6 compiled first, so the 計画額 and 執行率 are there), and the
draft's 成果指標 table with last year's 実績: extracted content against the frames it prints."""
from __future__ import annotations

from pathlib import Path

import pytest

from compiler.build import DRAFT_FILE, REPORT_FILE, build
from compiler.docx.report import CHAPTERS
from tests.test_render_docx import assert_tables_fit, body_rows, extract, flat, headings, section

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample-city"


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    first = build(SAMPLE / "R6", tmp / "R6", workers=1)
    comp = build(SAMPLE / "R7", tmp / "R7", previous=tmp / "R6", workers=1)
    return tmp, first, comp


@pytest.fixture(scope="module")
def items(cycle):
    return extract(cycle[0] / "R7" / REPORT_FILE)


def chapter(items, n: int):
    return section(items, f"第{n}章　{CHAPTERS[n - 1]}", 1)


def test_written_only_when_the_survey_brought_results(cycle) -> None:
    tmp, first, comp = cycle
    assert not first.frames.surveyed and not (tmp / "R6" / REPORT_FILE).exists()
    assert comp.frames.surveyed and (tmp / "R7" / REPORT_FILE).exists()


def test_five_chapters(items) -> None:
    assert [t for level, t in headings(items) if level == 1] == [f"第{i}章　{c}" for i, c in enumerate(CHAPTERS, 1)]


def test_overview_counts_are_the_frames(cycle, items) -> None:
    comp = cycle[2]
    n, labels = comp.frames.progress_counts, comp.master.criteria.labels
    tables = [i for i in chapter(items, 1) if i.kind == "table"]
    ratings = {r[0]: r[1:] for r in body_rows(tables[1:2])}
    assert ratings["計"] == [f"{n[f'評価:{x}']:,}" for x in labels] + [f"{n['指標数']:,}"]
    assert ratings["成果指標"][-1] == f"{int((comp.frames.kpi_progress['区分'] == '成果指標').sum()):,}"
    status = {r[0]: r[1:] for r in body_rows(tables[2:3])}
    assert status["遅れ"][0] == f"{n['進捗:遅れ']:,}" and n["進捗:遅れ"] > 0
    assert status["計"][0] == f"{n['事業数']:,}"
    text = "".join(i.text for i in chapter(items, 1) if i.kind == "p")
    assert f"執行率は {n['執行率']:.1f}%" in text and n["計画額"] > 0


def test_measure_tables_match_the_progress_frames(cycle, items) -> None:
    comp = cycle[2]
    kpis = comp.frames.kpi_progress
    first = kpis[kpis["区分"] == "成果指標"].iloc[0]
    measure = comp.master.measures[first["施策コード"]]
    part = section(items, measure.label, 3)
    kpi_rows = [r for r in body_rows(part) if r[0] == first["指標名"]]
    assert kpi_rows and kpi_rows[0][6] == first["評価"]
    projects = comp.frames.progress[comp.frames.progress["施策コード"] == measure.code]
    names = [flat(r[0]) for r in body_rows(part) if len(r) == 6]
    assert names == [f"{a}（{b}）" for a, b in zip(projects["事業名"], projects["所管課"])]


def test_every_late_project_is_in_the_appendix(cycle, items) -> None:
    comp = cycle[2]
    p = comp.frames.progress
    late = p[p["進捗状況"].isin(("遅れ", "未着手", "中止"))]
    listed = section(items, "1　進捗に遅れ等がある事業", 2)
    names = [flat(r[0]) for r in body_rows(listed)]
    assert names == [f"{a}（{b}）" for a, b in zip(late["事業名"], late["所管課"])]
    assert "中止" in {r[2] for r in body_rows(listed)}


def test_unrated_kpis_listed_with_why(cycle, items) -> None:
    comp = cycle[2]
    k = comp.frames.kpi_progress
    unrated = k[k["評価"] == comp.master.criteria.unknown[0]]
    rows = body_rows(section(items, "4　評価できなかった指標", 2))
    assert len(rows) == len(unrated) > 0 and all(r[3] for r in rows)


def test_report_tables_fit_the_page(cycle) -> None:
    assert_tables_fit(cycle[0] / "R7" / REPORT_FILE)


def test_draft_kpi_table_shows_last_years_result_only_when_surveyed(cycle) -> None:
    tmp, _first, comp = cycle
    head = f"{comp.master.evaluated_year}実績\n（評価）"
    with_results = [i for i in extract(tmp / "R7" / DRAFT_FILE) if i.kind == "table" and head in i.rows[0]]
    assert with_results
    row = with_results[0].rows[with_results[0].header_rows]
    k = comp.frames.kpi_progress
    match = k[(k["区分"] == "成果指標") & (k["指標名"] == row[0])].iloc[0]
    assert row[3].endswith(f"（{match['評価']}）")
    first_year = [i for i in extract(tmp / "R6" / DRAFT_FILE) if i.kind == "table" and any("実績" in c for c in i.rows[0])]
    assert not first_year
    assert_tables_fit(tmp / "R7" / DRAFT_FILE)


def test_a_later_run_without_results_removes_the_old_report(cycle, tmp_path) -> None:
    out = tmp_path / "out"
    build(SAMPLE / "R7", out, workers=1)
    assert (out / REPORT_FILE).exists()
    build(SAMPLE / "R6", out, workers=1)
    assert not (out / REPORT_FILE).exists() and (out / DRAFT_FILE).exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_resilience_chapter_shows_progress_and_locations(cycle, items) -> None:
    comp = cycle[2]
    rows = {r[0]: r for r in body_rows(chapter(items, 4))}
    table = comp.frames.by_scenario_progress
    code = next(c for c in table.index if int(table.at[c, "事業数"]) > 0)
    assert rows[code][2] == f"{int(table.at[code, '事業数']):,}"
    assert rows[code][-1] == f"{int(comp.frames.by_scenario.at[code, '実施箇所明記']):,}"


def test_draft_strategy_kpis_show_last_years_result(cycle) -> None:
    tmp, _first, comp = cycle
    head = f"{comp.master.evaluated_year}実績\n（評価）"
    items = extract(tmp / "R7" / DRAFT_FILE)
    tables = [i for i in section(items, "第5章　総合戦略 基本目標別の事業", 1) if i.kind == "table" and head in i.rows[0]]
    assert tables
    k = comp.frames.kpi_progress
    strat = k[k["区分"] == "総合戦略"]
    rated = {(r["指標名"], r["評価"]) for r in strat.to_dict("records")}
    for t in tables:
        for row in t.rows[t.header_rows:]:
            assert (row[1], row[-1].split("（")[-1].rstrip("）")) in rated
