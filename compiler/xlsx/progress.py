"""進行管理 sheets: 進行管理 (one row per project that ran last year), 成果指標の達成状況 (one row per KPI)
and 進行管理の集計 (ratings per 基本政策, 執行率 per 施策, with native Excel charts).  Every figure
comes from the progress frames (frames/progress.py)."""
from __future__ import annotations

import pandas as pd
from xlsxwriter.utility import xl_rowcol_to_cell

from ..models import Compilation
from ..ratings import RATING_COLOURS
from ..schema import PROGRESS
from .book import Book, Col, Sheet

PROGRESS_SHEET = "進行管理"
KPI_SHEET = "成果指標の達成状況"
ROLLUP_SHEET = "進行管理の集計"
# a rating's fill by its place in the criteria: the steps from the top, then below, then 未把握
RATING_STYLES = ("ok", "", "warning", "error", "")
LATE_STYLE = {"遅れ": "warning", "未着手": "warning", "中止": "error"}


def _na(v: object) -> object:
    return None if v is pd.NA or (isinstance(v, float) and v != v) else v


def rating_style(comp: Compilation, label: str) -> str:
    labels = comp.master.criteria.labels
    i = labels.index(label) if label in labels else len(labels) - 1
    n_steps = len(comp.master.criteria.steps)
    if i == len(labels) - 1:
        return ""  # 未把握
    if i == len(labels) - 2:
        return "error"  # below every step (悪化)
    return "ok" if i == 0 else ("warning" if i == n_steps - 1 and n_steps > 2 else "")


def write_progress(book: Book, comp: Compilation) -> None:
    f = comp.frames
    if f.progress is None or f.kpi_progress is None:
        return
    _projects(book, comp, f.progress)
    _kpis(book, comp, f.kpi_progress)
    _rollup(book, comp)


def _projects(book: Book, comp: Compilation, df: pd.DataFrame) -> Sheet:
    ev, unit = comp.master.evaluated_year, comp.master.unit
    sheet = book.sheet(PROGRESS_SHEET)
    columns = [Col("事業ID", "code", 10, 14), Col("事業名", "text", 16, 36), Col("所管課", "text", 8, 16),
               Col("施策コード", "code", 6, 8), Col("新継区分", "text", 6, 8),
               Col(f"{ev}計画額（{unit}）", "num", 10, 14), Col(f"{ev}決算見込額（{unit}）", "num", 10, 14),
               Col("執行率（%）", "score", 8, 10), Col("進捗状況", "text", 8, 14), Col(f"{ev}の実績・成果", "wrap", 20, 48),
               Col("今後の方向性", "text", 8, 12), Col("要確認", "wrap", 10, 36)]
    rows, styles = [], []
    names = ("事業ID", "事業名", "所管課", "施策コード", "新継区分", "計画額", "決算見込額", "執行率", "進捗状況",
             "実績・成果", "今後の方向性", "要確認")
    for values in records(df, names):
        pid, name, dept, measure, status, planned, settled, rate, progress, result, outlook, attention = values
        rows.append([pid, name, dept, measure, status, planned, settled, _round(rate), progress, result, outlook,
                     attention])
        styles.append((LATE_STYLE[progress],) if progress in LATE_STYLE else ())
    last = sheet.table(columns, rows, styles, freeze_cols=2)
    sheet.text(last + 2, 1, "計画額は前年度の計画（--previous で指定した前年度の出力）の額、執行率 ＝ 決算見込額 ÷ 計画額 × 100。",
               book.fmt("note"), measure=False)
    return sheet


def records(df: pd.DataFrame, names: tuple[str, ...]):
    """The rows of `df`'s columns `names` as tuples, <NA> as None."""
    columns = [[None if x is pd.NA else x for x in df[n].tolist()] for n in names]
    return zip(*columns)


def _round(v: object) -> float | None:
    v = _na(v)
    return None if v is None else round(float(v), 1)  # type: ignore[arg-type]


def _kpis(book: Book, comp: Compilation, df: pd.DataFrame) -> Sheet:
    ev = comp.master.evaluated_year
    sheet = book.sheet(KPI_SHEET)
    columns = [Col("区分", "text", 6, 10), Col("施策・基本目標", "code", 6, 10), Col("事業ID", "code", 8, 14),
               Col("指標名", "text", 16, 36), Col("単位", "text", 4, 8), Col("望ましい方向", "text", 6, 8),
               Col("基準値", "score", 8, 12), Col("基準年度", "code", 6, 8), Col(f"{ev}目標値", "score", 8, 12),
               Col("目標の根拠", "text", 8, 14), Col("最終目標値", "text", 8, 12), Col(f"{ev}実績値", "score", 8, 12),
               Col("実績区分", "text", 6, 8), Col("進捗率（%）", "score", 8, 10), Col("評価", "mark", 5, 6),
               Col("評価できない理由", "text", 10, 24), Col("所管課", "text", 8, 16), Col("出所", "text", 10, 40)]
    rows, styles = [], []
    names = ("区分", "施策コード", "基本目標", "事業ID", "指標名", "単位", "望ましい方向", "基準値", "基準年度", "目標値",
             "目標の根拠", "最終目標値", "実績値", "実績値（記入）", "実績区分", "進捗率", "評価", "評価できない理由",
             "所管課", "ファイル", "シート", "行")
    for v in records(df, names):
        (kind, measure, goal, pid, name, unit, trend, base, base_year, target, basis, final, actual, written,
         actual_kind, rate, label, why, dept, file, sheet_name, row) = v
        source = f"{file} {sheet_name} {row}行" if file else ""
        rows.append([kind, measure if kind == "成果指標" else goal, pid, name, unit, trend, base, base_year, target,
                     basis, final, actual if actual is not None else written, actual_kind, _round(rate), label, why,
                     dept, source])
        style = rating_style(comp, label)
        styles.append((style,) if style else ())
    last = sheet.table(columns, rows, styles, freeze_cols=4)
    c = comp.master.criteria
    legend = "　".join(f"{label}: {meaning}" for label, meaning in c.meanings().items())
    sheet.text(last + 2, 3, f"評価: {legend}（進捗率 ＝（実績 − 基準）÷（目標 − 基準）× 100。README「進行管理・効果検証の規則」）",
               book.fmt("note"), measure=False)
    return sheet


def _rollup(book: Book, comp: Compilation) -> Sheet:
    f, m = comp.frames, comp.master
    sheet = book.sheet(ROLLUP_SHEET)
    labels = m.criteria.labels
    head = book.fmt("header")
    sheet.text(0, 0, f"成果指標の評価（基本政策別、{m.evaluated_year}実績）", book.fmt("section"), measure=False)
    header = ["基本政策", *labels, "指標数"]
    for c, text in enumerate(header):
        sheet.text(1, c, text, head, measure=False)
    pol = f.by_policy_progress
    r = 2
    for code, row in pol.iterrows():
        name = m.policies[code].name if code in m.policies else "（施策体系にない施策コード）"
        sheet.text(r, 0, f"{code} {name}", book.fmt("cell", "label"))
        counts = [int(row[f"評価:{label}"]) for label in labels]
        for c, v in enumerate(counts, start=1):
            sheet.number(r, c, v, book.fmt("cell", "num"))
        sheet.number(r, len(labels) + 1, sum(counts), book.fmt("cell", "num"))
        r += 1
    first_policy, last_policy = 2, r - 1
    chart = book.wb.add_chart({"type": "bar", "subtype": "stacked"})
    for i, label in enumerate(labels):
        chart.add_series({"name": [ROLLUP_SHEET, 1, i + 1], "categories": [ROLLUP_SHEET, first_policy, 0, last_policy, 0],
                          "values": [ROLLUP_SHEET, first_policy, i + 1, last_policy, i + 1],
                          "fill": {"color": RATING_COLOURS[min(i, len(RATING_COLOURS) - 1)]}})
    chart.set_title({"name": "成果指標の評価（基本政策別）", "name_font": {"size": 11}})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 620, "height": 320})
    sheet.ws.insert_chart(1, len(header) + 1, chart)

    r = max(r + 2, 20)
    sheet.text(r, 0, f"執行率（施策別、{m.evaluated_year}）", book.fmt("section"), measure=False)
    r += 1
    sub = ["施策", f"計画額（{m.unit}）", f"決算見込額（{m.unit}）", "執行率（%）", *(f"進捗: {s}" for s in PROGRESS)]
    for c, text in enumerate(sub):
        sheet.text(r, c, text, head, measure=False)
    r += 1
    first = r
    for code, row in f.by_measure_progress.iterrows():
        if pd.isna(row["計画額"]) and not any(int(row[f"進捗:{s}"]) for s in PROGRESS):
            continue
        name = m.measures[code].name if code in m.measures else "（施策体系にない施策コード）"
        sheet.text(r, 0, f"{code} {name}", book.fmt("cell", "label"))
        sheet.number(r, 1, _na(row["計画額"]), book.fmt("cell", "num"))
        sheet.number(r, 2, _na(row["決算見込額"]), book.fmt("cell", "num"))
        sheet.number(r, 3, _round(row["執行率"]), book.fmt("cell", "score"))
        for c, s in enumerate(PROGRESS, start=4):
            sheet.number(r, c, int(row[f"進捗:{s}"]), book.fmt("cell", "num"))
        r += 1
    if r > first:
        rate = book.wb.add_chart({"type": "bar"})
        rate.add_series({"name": "執行率（%）", "categories": [ROLLUP_SHEET, first, 0, r - 1, 0],
                         "values": [ROLLUP_SHEET, first, 3, r - 1, 3], "fill": {"color": "#5B9BD5"}})
        rate.set_title({"name": "執行率（施策別）", "name_font": {"size": 11}})
        rate.set_y_axis({"reverse": True})
        rate.set_legend({"none": True})
        rate.set_size({"width": 620, "height": max(320, 18 * (r - first) + 80)})
        sheet.ws.insert_chart(first - 1, len(sub) + 1, rate)
    sheet.set_width(0, 40)
    sheet.set_width(1, 12, len(sub))
    sheet.ws.freeze_panes(2, 1)  # the title and the first table's header stay in view, and repeat when printed
    used = f"A1:{xl_rowcol_to_cell(max(r, 2), len(sub) - 1)}"
    sheet.check(sheet.ws.ignore_errors({"number_stored_as_text": used}), 0, 0, "ignore_errors")
    sheet.print_setup(0, 1)
    return sheet

