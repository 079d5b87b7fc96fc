"""write_report: the Word draft 効果検証報告書（案）.docx, last year's results of the three plans
(進行管理・効果検証).  Every figure comes from the progress frames (frames/progress.py).

Sections: cover + 目次 (portrait, no page number) │ 第1–5章 (portrait, pages from 1).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from compiler.models import Compilation, Master
from compiler.ratings import Criteria

from .base import Body, reiwa
from .charts import rate_chart, rating_chart
from .evaluation import appendix, count, measures, percent, resilience, strategy
from .front import issuer
from .ooxml import PORTRAIT_WIDTH, Col, TotalRow, paragraph, section_end, sect_pr, toc_field
from .package import new_document, save_deterministic
from .picture import Figures

SUBJECT = "効果検証報告書（案）"
CHAPTERS = ("評価の概要", "施策の評価（総合計画）", "総合戦略の効果検証", "国土強靱化地域計画の進捗", "資料編")


def chapter_title(number: int) -> str:
    return f"第{number}章　{CHAPTERS[number - 1]}"


def report_title(master: Master) -> str:
    return f"{master.city} {reiwa(master.start_year - 1)} 実施計画 効果検証報告書（案）"


def cover(master: Master) -> str:
    blank = paragraph("", "CoverText")
    parts = [blank] * 5
    parts += [paragraph(master.plan_name, "CoverText"),
              paragraph(f"{reiwa(master.start_year - 1)}の取組の評価", "CoverText"),
              paragraph("進行管理・効果検証報告書（案）", "CoverTitle"),
              blank, blank,
              paragraph("本報告書は、次の計画の進捗もあわせて検証するものです。", "CoverText"),
              paragraph(master.resilience_name, "CoverText"),
              paragraph(master.strategy_name, "CoverText")]
    parts += [blank] * 5
    parts += [paragraph(master.city, "CoverTitle"), paragraph(issuer(master), "CoverText")]
    return "".join(parts)


def criteria_rows(c: Criteria) -> list[tuple[str, str, str]]:
    """評価 | 進捗率 | 意味, highest first (`100%以上`, `10%以上100%未満`, ..., `-10%未満`, `－`)."""
    rows = []
    upper: float | None = None
    for label, lower, meaning in c.steps:
        span = f"{lower:g}%以上" + (f"{upper:g}%未満" if upper is not None else "")
        rows.append((label, span, meaning))
        upper = lower
    rows.append((c.below[0], f"{upper:g}%未満" if upper is not None else "－", c.below[1]))
    rows.append((c.unknown[0], "実績値・目標値がなく算出できない", c.unknown[1]))
    return rows


def overview(body: Body, comp: Compilation, figures: Figures) -> None:
    m, f = comp.master, comp.frames
    n = f.progress_counts
    ev = reiwa(m.start_year - 1)
    body.heading(1, chapter_title(1))
    body.heading(2, "1　報告書の趣旨")
    body.para(f"本報告書は、{m.plan_name}の実施計画に掲げた事業と成果指標について、{ev}の実績を取りまとめ、"
              f"評価したものです。{m.strategy_name}の重要業績評価指標（KPI）と、{m.resilience_name}に位置付けた"
              "事業の進捗もあわせて検証し、三つの計画の進行管理を一体的に行います。評価の結果は、次年度以降の"
              "実施計画と予算編成に反映します。")
    body.heading(2, "2　評価の方法")
    body.para("成果指標・KPI は、基準値から目標値までの差に対して、実績値がどこまで進んだかを示す「進捗率」で評価します。")
    body.para("進捗率（%）＝（実績値 − 基準値）÷（目標値 − 基準値）× 100", "BodyJa", jc="center")
    body.para(f"目標値は、{ev}の目標値が設定されている指標はその値を、設定されていない指標は最終目標値を基準年度から"
              "の経過年数で按分した値を用います。値が小さいほど良い指標（望ましい方向が「減少」）も同じ式で評価し、"
              "「維持」の指標は基準値以上を維持できていれば目標達成とします。")
    body.lead("評価の区分")
    body.table((Col("評価", 1200, "C"), Col("進捗率", 3400, "C"), Col("意味", PORTRAIT_WIDTH - 4600)), criteria_rows(m.criteria),
               keep_together=True)
    body.para(f"事業は、所管課が記入した{ev}の進捗状況と決算見込額、今後の方向性で進行管理します。"
              "執行率は、前年度の実施計画に掲げた事業費（計画額）に対する決算見込額の割合です。")
    body.heading(2, "3　評価の結果")
    labels = m.criteria.labels
    rows: list = [(kind, *(count(n[f"{kind}:{r}"]) for r in labels),
                   count(sum(int(n[f"{kind}:{r}"] or 0) for r in labels))) for kind in ("成果指標", "総合戦略")]
    rows.append(TotalRow(("計", *(count(n[f"評価:{r}"]) for r in labels), count(n["指標数"]))))
    width = (PORTRAIT_WIDTH - 2000 - 1100) // len(labels)
    body.lead("成果指標・KPI の評価")
    body.table((Col("区分", PORTRAIT_WIDTH - 1100 - width * len(labels)), *(Col(r, width, "R") for r in labels),
                Col("計", 1100, "R")), rows,
               keep_together=True)
    figures.add(body, rating_chart(f.by_policy_progress, m))
    body.lead(f"事業の進捗状況（{ev}）")
    statuses = [k.removeprefix("進捗:") for k in n if k.startswith("進捗:")]
    body.table((Col("進捗状況", 4000), Col("事業数", 2000, "R"), Col("割合", PORTRAIT_WIDTH - 6000, "R")),
               [*((s, count(n[f"進捗:{s}"]), percent(_share(n[f"進捗:{s}"], n["事業数"]))) for s in statuses),
                TotalRow(("計", count(n["事業数"]), ""))], keep_together=True)
    if n.get("執行率") is not None:
        body.para(f"計画額と決算見込額の両方がある事業の執行率は {percent(n['執行率'])}"
                  f"（計画額 {count(n['計画額'])}{m.unit}、決算見込額 {count(n['決算見込額'])}{m.unit}）です。")
        figures.add(body, rate_chart(f.by_measure_progress, m))
    else:
        body.para("前年度の実施計画（計画額）が指定されていないため、執行率は算出していません。")


def _share(part: object, whole: object) -> float | None:
    if not isinstance(part, int) or not isinstance(whole, int) or whole == 0:
        return None
    return part / whole * 100


def build_body(comp: Compilation, sink, figures: Figures) -> list[tuple[int, str]]:  # noqa: ANN001 - a binary file
    body = Body(sink)
    overview(body, comp, figures)
    measures(body, comp, chapter_title(2))
    strategy(body, comp, chapter_title(3))
    resilience(body, comp, chapter_title(4))
    appendix(body, comp, chapter_title(5))
    body.close()
    return body.headings


def write_report(comp: Compilation, path: Path) -> None:
    """Write 効果検証報告書（案）.docx to `path` (atomically; the same input gives the same bytes)."""
    master = comp.master
    if comp.frames.progress is None or comp.frames.kpi_progress is None:
        raise ValueError("the progress frames are missing (frames.evaluate was not run)")
    document, blank_footer, page_footer = new_document(report_title(master), f"{master.city} {issuer(master)}",
                                                       SUBJECT)
    with tempfile.TemporaryFile() as chapters:
        headings = build_body(comp, chapters, Figures(document))
        chapters.seek(0)
        front = (cover(master) + paragraph("目　次", "TocTitle")
                 + toc_field(headings, "（目次は Word で開くと更新されます）", "※ページ番号は、目次を更新すると表示されます。")
                 + section_end(sect_pr(blank_footer)))
        save_deterministic(document, front, chapters, sect_pr(page_footer, restart_numbering=True), Path(path))
