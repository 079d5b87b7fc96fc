"""Row-level sheets: 重複統合ログ, 重複候補 (the reviewer's 重複判定 sheet) and 検証結果."""
from __future__ import annotations

from ..problems import ERROR
from .book import Book, Col, Sheet

MERGE_LOG_SHEET = "重複統合ログ"
CANDIDATE_SHEET = "重複候補"
PROBLEM_SHEET = "検証結果"
DECISIONS = ("同一", "別")
DECISION_SPARE_ROWS = 50  # the 判定 dropdown also covers rows a reviewer adds below
DECIDED_REASON = "重複判定.xlsx で判定済み"
DECIDED_UNMATCHED = "（該当する事業が見つかりません）"


def write_merge_log(book: Book, comp) -> Sheet:
    sheet = book.sheet(MERGE_LOG_SHEET)
    columns = [Col("ファイル", "text", 12, 34), Col("シート", "text", 8, 12), Col("行", "int", 5, 7),
               Col("入力事業名", "text", 16, 40), Col("所管課", "text", 8, 18), Col("事業ID", "code", 10, 16),
               Col("統合規則", "text", 8, 12)]
    rows = [[e.origin.file, e.origin.sheet, e.origin.row, e.input_name, e.dept, e.project_id, e.rule]
            for e in comp.merge_log]
    sheet.table(columns, rows)
    return sheet


def write_candidates(book: Book, comp) -> Sheet:
    """Header on row 1; the first five columns are exactly those of 重複判定.xlsx (DESIGN §2.3).

    The decisions already in 重複判定.xlsx come first with their 判定 filled in, then the undecided
    candidates: saving this sheet as 重複判定.xlsx keeps every earlier decision."""
    sheet = book.sheet(CANDIDATE_SHEET)
    columns = [Col("事業名A", "text", 16, 36), Col("所管課A", "text", 8, 16), Col("事業名B", "text", 16, 36),
               Col("所管課B", "text", 8, 16), Col("判定", "mark", 8, 8), Col("類似度", "score", 7, 8),
               Col("出典A", "text", 12, 36), Col("出典B", "text", 12, 36), Col("理由", "text", 12, 30)]
    decided = decided_rows(comp)
    rows = decided + [[c.name_a, c.dept_a, c.name_b, c.dept_b, "", c.score, c.source_a, c.source_b, c.reason]
                      for c in comp.candidates]
    styles = [("label",)] * len(decided) + [()] * len(comp.candidates)
    last = sheet.table(columns, rows, styles, freeze_cols=0)
    decision_col = 4
    input_fmt = book.fmt("cell", "mark", "warning")
    for r, row in enumerate(rows, start=1):
        sheet.text(r, decision_col, row[decision_col], input_fmt, measure=False)
    rc = sheet.ws.data_validation(1, decision_col, last + DECISION_SPARE_ROWS, decision_col, {
        "validate": "list", "source": list(DECISIONS), "ignore_blank": True,
        "input_title": "判定", "input_message": "同一（統合する）または 別（統合しない）を選びます。空欄は未判定です。",
        "error_title": "判定", "error_message": "「同一」または「別」を選んでください。"})
    sheet.check(rc, 1, decision_col, "data_validation")
    sheet.comment(0, decision_col, "「同一」または「別」を選び、このシートを 重複判定.xlsx として保存して"
                                   "計画サイクルのフォルダに置くと、次の集約に反映されます。"
                                   "これまでの判定（重複判定.xlsx で判定済みの行）も含まれているので、そのまま上書き保存できます。")
    return sheet


def decided_rows(comp) -> list[list[object]]:
    """The rows of 重複判定.xlsx with a 判定, as 重複候補 rows (判定 filled, no score or sources)."""
    unmatched = {p.cell for p in comp.problems if p.code == "decision-unmatched"}
    out: list[list[object]] = []
    for d in comp.decisions:
        reason = DECIDED_REASON + (DECIDED_UNMATCHED if f"A{d.row}" in unmatched else "")
        out.append([*d.written, d.verdict, None, "", "", reason])
    return out


def write_problems(book: Book, comp) -> Sheet:
    """comp.problems are already sorted (エラー first, then file, cell); エラー rows are tinted."""
    sheet = book.sheet(PROBLEM_SHEET)
    columns = [Col("重要度", "mark", 6, 7), Col("ファイル", "text", 12, 32), Col("シート", "text", 8, 12),
               Col("セル", "code", 5, 8), Col("項目", "text", 8, 18), Col("内容", "wrap", 30, 70),
               Col("入力値", "text", 8, 24), Col("処置", "mark", 8, 10)]
    rows = [p.as_row() for p in comp.problems]
    styles = [("error",) if p.severity == ERROR else () for p in comp.problems]
    sheet.table(columns, rows, styles)
    return sheet
