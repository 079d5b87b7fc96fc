"""`集計`: the one-page overview a planning division checks first (counts, row accounting, budgets)."""
from __future__ import annotations

from dataclasses import dataclass

from ..frames.aggregate import UNPLACED, UNSPECIFIED
from ..models import FUNDING_KEYS, Compilation
from ..problems import ACTION_FILE_EXCLUDED, ERROR, WARNING
from ..returns import returnable
from ..schema import PROGRESS
from .book import Book, Sheet
from .common import period_label

SUMMARY_SHEET = "集計"
OK, NG = "✔ 一致", "✘ 不一致"
WIDTHS = (44, 14, 14, 14, 14, 14, 14)


@dataclass
class FileLine:
    name: str
    readable: bool
    rows: int
    errors: int
    warnings: int
    returned: bool


class Report:
    """Writes the sheet top to bottom: a title, then sections of label/value lines and small tables."""

    def __init__(self, sheet: Sheet) -> None:
        self.sheet, self.book, self.row = sheet, sheet.book, 0
        self.last_col = len(WIDTHS) - 1
        for c, w in enumerate(WIDTHS):
            sheet.set_width(c, w)

    def title(self, text: str, sub: str) -> None:
        self.sheet.merge(0, 0, 0, self.last_col, text, self.book.fmt("title"))
        self.sheet.row_height(0, 24)
        self.sheet.merge(1, 0, 1, self.last_col, sub, self.book.fmt("subtitle", "wrap"))
        self.sheet.row_height(1, 30)
        self.row = 2

    def section(self, text: str) -> None:
        self.row += 1
        self.sheet.text(self.row, 0, text, self.book.fmt("section"), measure=False)
        self.row += 1

    def line(self, label: str, value: object, note: str = "", style: str = "") -> None:
        s, b = self.sheet, self.book
        s.text(self.row, 0, label, b.fmt("cell", "label"), measure=False)
        if isinstance(value, (int, float)):
            s.number(self.row, 1, value, b.fmt("cell", "num", style))
        else:
            s.text(self.row, 1, value, b.fmt("cell", "mark", style), measure=False)
        s.merge(self.row, 2, self.row, self.last_col, note, b.fmt("cell", "wrap"))
        self.row += 1

    def table(self, header: list[str], rows: list[list[object]], total_last: bool = False) -> None:
        s, b = self.sheet, self.book
        for c, text in enumerate(header):
            s.text(self.row, c, text, b.fmt("header"), measure=False)
        self.row += 1
        for i, values in enumerate(rows):
            extra = "total" if total_last and i == len(rows) - 1 else ""
            for c, v in enumerate(values):
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    s.number(self.row, c, v, b.fmt("cell", "num", extra))
                else:
                    s.text(self.row, c, v, b.fmt("cell", "label" if c == 0 else "mark", extra), measure=False)
            self.row += 1

    def note(self, text: str) -> None:
        self.sheet.merge(self.row, 0, self.row, self.last_col, text, self.book.fmt("note", "wrap"))
        self.row += 1


def write_summary(book: Book, comp: Compilation) -> Sheet:
    m = comp.master
    sheet = book.sheet(SUMMARY_SHEET)
    rep = Report(sheet)
    rep.title(f"{m.city} 一体策定 クロスリファレンス 集計（{m.first_year}）",
              f"総合計画: {m.plan_name}（実施計画 {period_label(m)}）　国土強靱化: {m.resilience_name}　総合戦略: {m.strategy_name}")
    _inputs(rep, comp)
    _projects(rep, comp)
    _checks(rep, comp)
    _budget(rep, comp)
    _progress(rep, comp)
    _budget_link(rep, comp)
    _files(rep, comp)
    sheet.ws.hide_gridlines(2)
    sheet.print_setup()
    sheet.ws.set_portrait()
    return sheet


def file_lines(comp: Compilation) -> list[FileLine]:
    """Every file of 提出/ (read or refused) with its problem counts."""
    names = [f.name for f in comp.files]
    known = set(names)
    refused = [p.file for p in comp.problems if p.action == ACTION_FILE_EXCLUDED and p.file not in known]
    lines = []
    readable = {f.name: f for f in comp.files}
    returned = {f.name for f in returnable(comp)}  # not those whose return the compile found impossible
    by_file: dict[str, list] = {}
    for p in comp.problems:
        by_file.setdefault(p.file, []).append(p)
    for name in sorted(dict.fromkeys(names + refused)):
        f = readable.get(name)
        probs = by_file.get(name, [])
        is_read = bool(f and f.readable) and not any(p.action == ACTION_FILE_EXCLUDED for p in probs)
        lines.append(FileLine(name, is_read, f.rows_read if f else 0, sum(1 for p in probs if p.severity == ERROR),
                              sum(1 for p in probs if p.severity == WARNING),
                              is_read and name in returned))
    return lines


def _inputs(rep: Report, comp: Compilation) -> None:
    lines = file_lines(comp)
    read = sum(1 for f in lines if f.readable)
    logged = len(comp.merge_log)
    balanced = comp.rows_read == logged + comp.rows_excluded
    rep.section("1. 入力と行の照合")
    rep.line("提出ファイル数", len(lines))
    rep.line("　読み込んだファイル", read)
    rep.line("　除外したファイル", len(lines) - read, "読めないファイル・様式でないファイル（検証結果の処置「ファイル除外」）",
             "ng" if len(lines) > read else "")
    rep.line("読込行数", comp.rows_read, "総合計画・国土強靱化・総合戦略シートの空欄でない行")
    rep.line("重複統合ログの行数", logged, "事業にまとめた行（重複統合ログシート）")
    rep.line("除外行数", comp.rows_excluded, "事業名または所管課が空欄のため取り込まなかった行")
    rep.line("行の照合（読込行数 ＝ 統合ログ行数 ＋ 除外行数）", OK if balanced else NG,
             f"{comp.rows_read:,} {'＝' if balanced else '≠'} {logged:,} ＋ {comp.rows_excluded:,}", "ok" if balanced else "ng")
    kpi_read = getattr(comp, "kpi_rows_read", None)
    if isinstance(kpi_read, int):
        kpi_excluded = getattr(comp, "kpi_rows_excluded", 0) or 0
        rep.line("成果指標の読込行数", kpi_read, f"取り込んだ指標 {len(comp.measure_kpis):,}、除外 {kpi_excluded:,}")


def _projects(rep: Report, comp: Compilation) -> None:
    n = comp.frames.counts
    rep.section("2. 事業")
    rep.line("事業数", n["事業"], "3計画をまとめた事業の数（重複は統合済み）")
    rep.line("　総合計画（実施計画）に掲載", n["総合計画"])
    rep.line("　国土強靱化地域計画に掲載", n["国土強靱化"])
    rep.line("　総合戦略に掲載", n["総合戦略"])
    rep.line("　2計画に掲載", n["2計画"])
    rep.line("　3計画すべてに掲載", n["3計画"])
    rep.line("再掲のある事業", n["再掲あり"], "複数の施策に掲載（事業費は主たる施策で1回だけ計上）")
    rep.line("事業IDを自動付番した事業", n["仮番号"], "次回の調書に引き継がれます")
    rep.line("国土強靱化で実施箇所が未記入の事業", n["実施箇所未記入"], "交付金の重点配分を受けるには実施箇所の明記が必要です")
    rep.line("要確認の事業", n["要確認"], "エラーのある行を含む事業（事業一覧の「要確認」）", "ng" if n["要確認"] else "")


def _checks(rep: Report, comp: Compilation) -> None:
    rep.section("3. 検証")
    rep.line("エラー", comp.errors, "検証結果シート（返送フォルダの各課ブックにも記載）", "ng" if comp.errors else "")
    rep.line("警告", comp.warnings)
    rep.line("重複候補", len(comp.candidates), "重複候補シートの「判定」に 同一／別 を記入し、重複判定.xlsx として保存")


def _budget(rep: Report, comp: Compilation) -> None:
    m, t = comp.master, comp.totals
    years = list(m.years)
    rep.section(f"4. 事業費（{m.unit}、再掲分は重複計上しない）")
    rows: list[list[object]] = []
    for code, policy in m.policies.items():
        values = [int(t.by_policy_year.get(code, {}).get(y, 0) or 0) for y in years]
        rows.append([f"{code} {policy.name}", *values, sum(values)])
    for code in sorted(set(t.by_policy_year) - set(m.policies)):
        values = [int(t.by_policy_year[code].get(y, 0) or 0) for y in years]
        rows.append([UNPLACED, *values, sum(values)])
    totals = [int(t.by_year.get(y, 0) or 0) for y in years]
    rows.append(["合計", *totals, sum(totals)])
    rep.table(["基本政策", *years, f"計（{period_label(m)}）"], rows, total_last=True)
    rep.section(f"5. 財源内訳（{m.first_year}、{m.unit}）")
    keys = [*FUNDING_KEYS, *(k for k in t.by_funding if k not in FUNDING_KEYS)]
    funding = [[k, int(t.by_funding.get(k, 0) or 0)] for k in keys]
    funding.append(["合計", sum(v for _, v in funding)])
    rep.table(["財源", "金額"], funding, total_last=True)
    rep.note(f"「{UNSPECIFIED}」は財源内訳が記入されていない事業費です。")


def _budget_link(rep: Report, comp: Compilation) -> None:
    """7. 予算との対照: plan projects against the budget's 予算事務事業 (the 300 vs 700 figure)."""
    c, unit = comp.frames.budget_counts, comp.master.unit
    if comp.frames.budget_compare is None or comp.budget is None:
        return
    rep.section(f"7. 予算との対照（{comp.master.first_year}当初予算、{comp.budget.file}）")
    rep.table(["区分", "件数"], [
        ["総合計画の事業", c["計画事業数"]],
        ["　うち予算事務事業コードを記入した事業", c["コード記入事業数"]],
        ["予算事務事業", c["予算事務事業数"]],
        ["　うち計画の事業に紐づく予算事務事業", c["計画内の予算事務事業数"]],
        ["　うち計画外の予算事務事業", c["計画外の予算事務事業数"]],
        ["　うち複数の事業が共有する予算事務事業", c["共有する予算事務事業数"]],
        ["計画額と予算額がかい離する対照単位", c["かい離"]],
    ])
    share = c["一般会計に占める割合"]
    rep.line(f"当初予算額の計（{unit}）", c["予算額の計"])
    rep.line(f"　うち計画の事業が計上する額（{unit}）", c["計画内の予算額"])
    rep.line(f"一般会計の当初予算額（{unit}）", c["一般会計の予算額"])
    rep.line(f"　うち計画の事業が計上する額（{unit}）", c["一般会計のうち計画内"],
             "一般会計に占める割合: " + ("－" if share is None else f"{share:.1f}%"))
    rep.note(f"予算事務事業.xlsx の {c['読み込んだ行']:,} 行のうち {c['使わなかった行']:,} 行はコードの空欄・重複のため対照に使っていません"
             "（検証結果を参照）。詳細はシート「予算対照」「計画外の予算」。")


def _progress(rep: Report, comp: Compilation) -> None:
    n, m = comp.frames.progress_counts, comp.master
    if not n:
        return
    rep.section(f"6. 進行管理（{m.evaluated_year}の実績）")
    rep.line("評価の対象とした事業", n["事業数"], "継続・拡充の事業と、実績の記入がある事業（進行管理シート）")
    for s in PROGRESS:
        rep.line(f"　{s}", n[f"進捗:{s}"])
    rep.line("　進捗状況が未記入", n["進捗:未記入"], "", "ng" if n["進捗:未記入"] else "")
    rep.line("成果指標・KPI", n["指標数"], "成果指標の達成状況シート")
    meanings = m.criteria.meanings()
    for label in m.criteria.labels:
        rep.line(f"　評価 {label}（{meanings[label]}）", n[f"評価:{label}"])


def _files(rep: Report, comp: Compilation) -> None:
    rep.section(f"{8 if comp.frames.budget_compare is not None else 7}. 提出ファイル別")
    rows = [[f.name, "読込" if f.readable else "ファイル除外", f.rows, f.errors, f.warnings, "返送あり" if f.returned else ""]
            for f in file_lines(comp)]
    rep.table(["ファイル", "状態", "読込行数", "エラー", "警告", "返送"], rows)
