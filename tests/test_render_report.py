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


# ------------------------------------------------------------------ charts (図)
def _pictures(path: Path) -> tuple[list[bytes], str]:
    import zipfile

    with zipfile.ZipFile(path) as z:
        media = [z.read(n) for n in sorted(z.namelist()) if n.startswith("word/media/")]
        return media, z.read("word/document.xml").decode("utf-8")


def test_overview_has_the_two_charts_as_print_resolution_pictures(cycle, items) -> None:
    from compiler.docx.charts import DPI, WIDTH_CM, japanese_font

    if japanese_font() is None:
        pytest.skip("no Japanese font for the charts on this machine")
    media, xml = _pictures(cycle[0] / "R7" / REPORT_FILE)
    assert len(media) == 2 and all(m.startswith(b"\x89PNG") for m in media)
    assert xml.count("<wp:inline") == 2 and xml.count("r:embed=") == 2
    text = [i.text for i in chapter(items, 1) if i.kind == "p"]
    assert "図1　成果指標の評価（基本政策別、R6実績）" in text and "図2　執行率（施策別、R6）" in text
    width_px = int.from_bytes(media[0][16:20], "big")  # the PNG header's IHDR width
    assert abs(width_px - WIDTH_CM / 2.54 * DPI) <= 2  # drawn at the size it is placed, at DPI
    assert f'cx="{int(WIDTH_CM * 360000)}"' in xml


def test_chart_rows_are_the_frames(cycle) -> None:
    from compiler.docx.charts import rate_rows, rating_rows

    comp = cycle[2]
    f, m = comp.frames, comp.master
    rows = rating_rows(f.by_policy_progress, m)
    labels = m.criteria.labels
    rated = f.by_policy_progress[[f"評価:{x}" for x in labels]].sum(axis=1)
    assert len(rows) == int((rated > 0).sum()) and rows[0][0].startswith("1 ")
    assert [sum(c[i] for _, c in rows) for i in range(len(labels))] == \
        [int(f.kpi_progress.loc[f.kpi_progress["区分"] == "成果指標", "評価"].eq(x).sum()) for x in labels]
    rates = rate_rows(f.by_measure_progress, m)
    assert len(rates) == int(f.by_measure_progress["執行率"].notna().sum()) > 20
    assert rates[0] == (f"1-1 {m.measures['1-1'].name}", float(f.by_measure_progress.loc["1-1", "執行率"]))


def test_charts_give_the_same_bytes_twice(cycle) -> None:
    from compiler.docx.charts import japanese_font, rating_chart

    if japanese_font() is None:
        pytest.skip("no Japanese font for the charts on this machine")
    comp = cycle[2]
    a = rating_chart(comp.frames.by_policy_progress, comp.master)
    b = rating_chart(comp.frames.by_policy_progress, comp.master)
    assert a is not None and a.png == b.png


def test_without_a_japanese_font_the_charts_are_left_out_with_a_note(cycle, tmp_path, monkeypatch) -> None:
    from compiler.docx import charts
    from compiler.docx.picture import NO_FONT
    from compiler.docx.report import write_report

    monkeypatch.setattr(charts, "japanese_font", lambda: None)
    write_report(cycle[2], tmp_path / "r.docx")
    media, xml = _pictures(tmp_path / "r.docx")
    assert media == [] and "<wp:inline" not in xml
    assert NO_FONT in [i.text for i in chapter(extract(tmp_path / "r.docx"), 1) if i.kind == "p"]


def test_a_kpi_under_a_code_the_master_lacks_is_still_reported(cycle, tmp_path) -> None:
    """Nothing lost: a 成果指標 whose 施策コード is not in the 施策体系 (an error in 検証結果) gets its own 施策
    heading under its 基本政策 in 第2章, like projects do."""
    import shutil

    import openpyxl

    src = tmp_path / "R7"
    shutil.copytree(SAMPLE / "R7", src)
    book = src / "提出" / "0101_企画政策課.xlsx"
    wb = openpyxl.load_workbook(book)
    ws = wb["成果指標"]
    col = [c.value for c in ws[1]].index("施策コード") + 1
    name = ws.cell(2, 1).value
    ws.cell(2, col, "1-9")
    wb.save(book)
    build(src, tmp_path / "out", previous=cycle[0] / "R6", workers=1)
    items = chapter(extract(tmp_path / "out" / REPORT_FILE), 2)
    part = section(items, "1-9 （施策体系にない施策コード）", 3)
    assert name in [flat(r[0]) for r in body_rows([i for i in part if i.kind == "table"])]
