"""Problems are data: a code, a severity, a place (file/sheet/cell) and a plain-Japanese message.

Every stage appends to one `Report`; nothing is printed ad hoc.  The catalogue below holds
each code's severity, its default 処置 and a message template that says how to fix it.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

ERROR = "エラー"
WARNING = "警告"

ACTION_EXCLUDED = "除外"
ACTION_FILE_EXCLUDED = "ファイル除外"
ACTION_REVIEW = "要確認"
ACTION_KEPT = "取込"  # row kept as is, nothing to do but check
ACTION_FIXED = "自動修正"
ACTION_NO_RETURN = "返送なし"
ACTION_BUDGET_SKIPPED = "対照なし"

RETURN_FAILED = "return-failed"  # the compile found that a workbook's return cannot be written
# problems of one file are listed sheet by sheet in the order of the department workbook
SHEET_ORDER = {"": 0, "総合計画": 1, "国土強靱化": 2, "総合戦略": 3, "成果指標": 4}


@dataclass(frozen=True)
class ProblemType:
    code: str
    severity: str
    action: str
    template: str


def _t(code: str, severity: str, action: str, template: str) -> ProblemType:
    return ProblemType(code, severity, action, template)


CATALOGUE: dict[str, ProblemType] = {
    p.code: p
    for p in [
        # ---- whole files
        _t("file-unreadable", ERROR, ACTION_FILE_EXCLUDED,
           "ファイルを読み込めません（{detail}）。Excel で開けるか確認し、.xlsx 形式で保存し直して提出してください。"),
        _t("file-encrypted", ERROR, ACTION_FILE_EXCLUDED,
           "パスワード付きのため読めません。パスワードを解除して保存し直し、再提出してください。"),
        _t("file-not-xlsx", ERROR, ACTION_FILE_EXCLUDED,
           "Excel ブック（.xlsx/.xlsm）ではありません（{detail}）。様式のブックに記入して提出してください。"),
        _t("file-xls", ERROR, ACTION_FILE_EXCLUDED,
           "旧形式（.xls）のブックです。Excel で「名前を付けて保存」から .xlsx 形式を選んで保存し直してください。"),
        _t("file-too-large", ERROR, ACTION_FILE_EXCLUDED,
           "ファイルが大きすぎるため読み込みを中止しました（{detail}）。不要なシートや書式を削除して保存し直してください。"),
        _t("file-unsafe", ERROR, ACTION_FILE_EXCLUDED,
           "ブックに安全でない内容が含まれているため読み込みを中止しました（{detail}）。様式のブックに記入し直してください。"),
        _t("file-no-template-sheet", ERROR, ACTION_FILE_EXCLUDED,
           "様式のシート（総合計画・国土強靱化・総合戦略・成果指標）が一つもありません。配布した様式に記入してください。"),
        _t("file-unknown-type", ERROR, ACTION_FILE_EXCLUDED,
           "提出フォルダに Excel 以外のファイルがあります（{detail}）。不要なら削除してください。"),
        _t("file-folder", ERROR, ACTION_FILE_EXCLUDED,
           "ブックの名前のフォルダがあります（{detail}）。中のブックは読みません。提出するブックは提出フォルダの直下に置いてください。"),
        _t("file-same-dept", WARNING, ACTION_KEPT,
           "同じ課（{detail}）のブックが複数提出されています。重複がないか確認してください。"),
        # ---- sheets
        _t("sheet-no-header", ERROR, ACTION_EXCLUDED,
           "見出し行が見つかりません（先頭10行に「事業名」などの見出しが必要です）。様式の見出し行を元に戻してください。"),
        _t("sheet-missing-column", ERROR, ACTION_EXCLUDED,
           "必須の列「{column}」がありません。様式の見出し行に列を戻して記入してください。{detail}"),
        _t("sheet-unknown-column", WARNING, ACTION_KEPT,
           "様式にない列「{detail}」は読み飛ばしました。必要な情報は備考に記入してください。"),
        _t("sheet-duplicate-column", WARNING, ACTION_KEPT,
           "列「{detail}」が複数あります。最初の列だけを読み取りました。"),
        _t("sheet-hidden-rows", WARNING, ACTION_KEPT,
           "非表示の行があります（{detail}）。非表示の行も取り込んでいます。不要な行は削除してください。"),
        # ---- rows and cells
        _t("row-no-name", ERROR, ACTION_EXCLUDED,
           "事業名が空欄のため、この行は取り込んでいません。事業名を記入してください。"),
        _t("row-no-dept", ERROR, ACTION_EXCLUDED,
           "所管課が空欄のため、この行は取り込んでいません。所管課を記入してください。"),
        _t("required-blank", ERROR, ACTION_REVIEW,
           "必須項目「{column}」が空欄です。記入してください。"),
        _t("unknown-dept", ERROR, ACTION_REVIEW,
           "所管課「{value}」は課一覧にありません。正しい課名を選んでください。"),
        _t("unknown-measure", ERROR, ACTION_REVIEW,
           "施策コード「{value}」は施策体系にありません。施策体系の施策コード（例: 3-4）を選んでください。"),
        _t("unknown-direction", ERROR, ACTION_REVIEW,
           "展開方向コード「{value}」は施策体系にありません。施策体系の展開方向コード（例: 3-4-1）を選んでください。"),
        _t("direction-mismatch", WARNING, ACTION_REVIEW,
           "展開方向コード「{value}」は施策「{detail}」に属していません。施策コードと展開方向コードを確認してください。"),
        _t("unknown-scenario", ERROR, ACTION_REVIEW,
           "リスクシナリオ「{value}」はリスクシナリオ一覧にありません。番号（例: 1-3）を確認してください。"),
        _t("unknown-goal", ERROR, ACTION_REVIEW,
           "基本目標「{value}」は総合戦略にありません。基本目標番号（{detail} のいずれか）を記入してください。"),
        _t("unknown-strategy-measure", ERROR, ACTION_REVIEW,
           "具体的施策コード「{value}」は総合戦略にありません。番号を確認してください。"),
        _t("unknown-account", ERROR, ACTION_REVIEW,
           "会計「{value}」は会計一覧にありません。一覧から選んでください。"),
        _t("bad-status", ERROR, ACTION_REVIEW,
           "新継区分「{value}」は読み取れません。新規・継続・拡充のいずれかを選んでください。"),
        _t("bad-money", ERROR, ACTION_REVIEW,
           "「{column}」の金額「{value}」を千円単位の数値として読み取れません。千円単位の数字だけを記入してください（例: 1,234。円単位の額は千円に換算してください）。"),
        _t("negative-money", ERROR, ACTION_REVIEW,
           "「{column}」に負の金額「{value}」があります。0 以上の千円単位で記入してください。"),
        _t("absurd-money", ERROR, ACTION_REVIEW,
           "「{column}」の金額「{value}」は大きすぎます（千円単位で1兆千円超）。単位を確認してください。"),
        _t("bad-flag", WARNING, ACTION_REVIEW,
           "「{column}」の値「{value}」は読み取れません。該当する場合は ○ を、しない場合は空欄にしてください。"),
        _t("bad-code", ERROR, ACTION_REVIEW,
           "「{column}」の「{value}」はコードとして読み取れません。例: 1-3。複数の場合は「、」で区切ってください。"),
        _t("bad-sdg", ERROR, ACTION_REVIEW,
           "SDGs「{value}」は 1〜17 の番号ではありません。番号を「、」で区切って記入してください。"),
        _t("bad-year", ERROR, ACTION_REVIEW,
           "「{column}」の年度「{value}」は読み取れません。R7・令和7年度・2025 のように記入してください。"),
        _t("year-order", ERROR, ACTION_REVIEW,
           "開始年度（{value}）が終了年度より後になっています。年度を確認してください。"),
        _t("date-in-year", WARNING, ACTION_FIXED,
           "「{column}」に日付「{value}」が入力されていたため年度として読み取りました。年度（R7 など）で記入してください。"),
        _t("funding-mismatch", ERROR, ACTION_REVIEW,
           "財源の合計（{detail}千円）が「{column}」（{value}千円）と一致しません。財源の内訳を確認してください。"),
        _t("funding-without-budget", ERROR, ACTION_REVIEW,
           "財源が記入されていますが「{column}」が空欄です。初年度の事業費を記入してください。"),
        _t("date-in-code", WARNING, ACTION_FIXED,
           "「{column}」の「{value}」は Excel が日付に変換した値とみなし「{detail}」として読み取りました。セルの書式を文字列にして入力し直してください。"),
        _t("no-location", WARNING, ACTION_REVIEW,
           "実施箇所が空欄です。地域計画に実施箇所を明記しないと交付金の重点配分を受けられません。箇所（地区名・路線名など）を記入してください。"),
        _t("formula-no-value", WARNING, ACTION_REVIEW,
           "数式「{value}」の計算結果が保存されていません。Excel で開いて保存し直すか、値を直接入力してください。"),
        _t("formula-error", ERROR, ACTION_REVIEW,
           "セルがエラー値（{value}）です。数式を直すか、値を直接入力してください。"),
        _t("control-chars", WARNING, ACTION_FIXED,
           "「{column}」に制御文字が含まれていたため削除しました。"),
        _t("text-too-long", WARNING, ACTION_FIXED,
           "「{column}」が長すぎるため {detail} 文字で切り詰めました。要点を記入してください。"),
        _t("id-placeholder", WARNING, ACTION_FIXED,
           "事業ID「{value}」は事業IDとして使えないため、空欄として扱いました。新しい事業は事業IDを空欄にしてください（自動で付番されます）。"),
        _t(RETURN_FAILED, WARNING, ACTION_NO_RETURN,
           "このブックには返送用の注記（セルの色付け・コメント）を付けられないため、返送フォルダに入れていません（{detail}）。"
           "このブックの問題はこの一覧で確認し、課に直接伝えてください。"),
        # ---- 進行管理 (the evaluated year's results)
        _t("bad-choice", ERROR, ACTION_REVIEW,
           "「{column}」の「{value}」は読み取れません。{detail} のいずれかを一覧（▼）から選んでください。"),
        _t("progress-missing", WARNING, ACTION_REVIEW,
           "継続・拡充の事業ですが「{column}」が空欄です。{detail}年度の進捗状況を選んでください。"),
        _t("progress-on-new", WARNING, ACTION_KEPT,
           "新規の事業に{detail}年度の「{column}」（{value}）が記入されています。前年度から続く事業なら新継区分を確認してください。"),
        _t("outlook-with-budget", ERROR, ACTION_REVIEW,
           "今後の方向性が「{value}」ですが、{detail} の事業費が記入されています。方向性か事業費を確認してください。"),
        _t("outlook-expand-lower", WARNING, ACTION_REVIEW,
           "今後の方向性が「拡充」ですが、初年度の事業費が決算見込額を下回っています（{detail}）。方向性か事業費を確認してください。"),
        _t("outlook-shrink-higher", WARNING, ACTION_REVIEW,
           "今後の方向性が「縮小」ですが、初年度の事業費が決算見込額を上回っています（{detail}）。方向性か事業費を確認してください。"),
        _t("kpi-actual-not-number", WARNING, ACTION_REVIEW,
           "「{column}」の「{value}」は数値として読み取れないため、達成状況を評価できません（未把握）。数値で記入してください（単位は付けても構いません）。"),
        _t("kpi-actual-without-kpi", WARNING, ACTION_EXCLUDED,
           "「{column}」（{value}）が記入されていますが KPI名 が空欄のため、この実績値は評価に使っていません。KPI名を記入してください。"),
        _t("kpi-unit-mismatch", WARNING, ACTION_REVIEW,
           "「{column}」の「{value}」の単位が指標の単位（{detail}）と異なります。単位を確認してください。"),
        _t("settled-over-plan", WARNING, ACTION_REVIEW,
           "{column}（{value}）が前年度の計画額（{detail}）の1.5倍を超えています。金額と単位を確認してください。"),
        _t("previous-gone-no-direction", WARNING, ACTION_KEPT,
           "前年度の計画の事業「{value}」（{detail}）が今年度の調書にありません。終了・廃止した事業も、評価のため"
           "今後の方向性（完了・休止・廃止など）を記入した行を総合計画シートに残してください。"),
        _t("kpi-blank", ERROR, ACTION_EXCLUDED,
           "成果指標の指標名が空欄のため、この行は取り込んでいません。"),
        # ---- 個別計画 (the master's ledger of sectoral plans and the projects that cite them)
        _t("ledger-unusable", WARNING, ACTION_KEPT,
           "計画マスタの「個別計画」シートを読み取れないため、個別計画の台帳は使っていません（{detail}）。"
           "見出し行（計画ID・計画名・所管課・根拠法令等・開始年度・終了年度・関連施策コード・状況）を確認してください。"),
        _t("ledger-no-id", WARNING, ACTION_EXCLUDED,
           "個別計画「{value}」の計画IDが空欄のため、この行は台帳に取り込んでいません。計画ID（例: P01）を記入してください。"),
        _t("ledger-no-name", WARNING, ACTION_EXCLUDED,
           "計画ID「{value}」の計画名が空欄のため、この行は台帳に取り込んでいません。計画名を記入してください。"),
        _t("ledger-duplicate-id", WARNING, ACTION_EXCLUDED,
           "計画ID「{value}」が重複しています（{detail}）。この行は台帳に取り込んでいません。計画IDは計画ごとに異なる番号にしてください。"),
        _t("ledger-bad-year", WARNING, ACTION_KEPT,
           "個別計画「{detail}」の「{column}」の「{value}」は年度として読み取れません。R4・令和4年度・2022 のように記入してください。"),
        _t("ledger-year-order", WARNING, ACTION_KEPT,
           "個別計画「{detail}」の開始年度（{value}）が終了年度より後になっています。計画期間を確認してください。"),
        _t("ledger-unknown-measure", WARNING, ACTION_KEPT,
           "個別計画「{detail}」の関連施策コード「{value}」は施策体系にありません。施策コード（例: 4-2）を確認してください。"),
        _t("ledger-bad-status", WARNING, ACTION_KEPT,
           "個別計画「{detail}」の状況「{value}」は読み取れません。策定済・改定予定・策定予定のいずれかを記入してください（策定済として扱いました）。"),
        _t("plan-expiring", WARNING, ACTION_KEPT,
           "個別計画「{value}」の計画期間は{detail}。改定の予定があれば状況を「改定予定」とし、計画期間を確認してください。"),
        _t("plan-unknown", WARNING, ACTION_REVIEW,
           "関連個別計画「{value}」は計画マスタの個別計画にありません。計画ID（例: P01）又は台帳の計画名を記入してください。"),
        _t("plan-measure-unlinked", WARNING, ACTION_REVIEW,
           "関連個別計画「{value}」は、計画マスタの個別計画でこの事業の施策（{detail}）に関連付けられていません。"
           "関連個別計画の記入か、台帳の関連施策コードを確認してください。"),
        # ---- merge
        _t("conflict", WARNING, ACTION_REVIEW,
           "同じ事業の「{column}」が行によって異なります（{detail}）。先の値「{value}」を採用しました。どちらが正しいか確認してください。"),
        _t("decision-unmatched", WARNING, ACTION_KEPT,
           "重複判定.xlsx の {value} に該当する事業が見つかりません。事業名と所管課を確認してください。"),
        _t("decision-bad", WARNING, ACTION_KEPT,
           "重複判定.xlsx の判定「{value}」は読み取れません。「同一」または「別」を記入してください。"),
        _t("decision-incomplete", WARNING, ACTION_KEPT,
           "重複判定.xlsx の「{column}」が空欄のため、この判定（{value}）は使っていません。事業名A・所管課A・事業名B・所管課B をすべて記入してください。"),
        _t("relist-no-primary", WARNING, ACTION_REVIEW,
           "再掲の行しかありません（{detail}）。主たる施策の行に（再掲）を付けないでください。"),
        _t("ambiguous-name-match", WARNING, ACTION_REVIEW,
           "所管課と事業名「{value}」が同じで事業IDの異なる事業が複数あります（{detail}）。どの事業の行か決められないため、"
           "別の事業として取り込みました。該当する事業の事業IDを記入してください。"),
        _t("id-kept-apart", WARNING, ACTION_REVIEW,
           "事業ID「{value}」は {detail} で「別」と判定された事業にも使われています。別の事業として扱い、"
           "出力では末尾に -2 などを付けて区別しました。それぞれの事業に異なる事業IDを記入してください。"),
        _t("id-conflict", WARNING, ACTION_REVIEW,
           "同じ事業ID「{value}」が異なる所管課・事業で使われています（{detail}）。事業IDを確認してください。"),
        # ---- 予算事務事業との対照 (予算事務事業.xlsx; all warnings: the plan is compiled all the same)
        _t("budget-unreadable", WARNING, ACTION_BUDGET_SKIPPED,
           "予算事務事業のブックを読み込めないため、予算との対照をしていません（{detail}）。.xlsx 形式で出力し直してください。"),
        _t("budget-no-header", WARNING, ACTION_BUDGET_SKIPPED,
           "予算事務事業のブックに見出し行（{detail}）が見つからないため、予算との対照をしていません。"
           "計画マスタの「予算列の対応」シートの列見出しがブックの見出しと一致しているか確認してください。"),
        _t("budget-row-no-code", WARNING, ACTION_EXCLUDED,
           "予算事務事業「{value}」のコードが空欄のため、この行は対照に使っていません。"),
        _t("budget-duplicate-code", WARNING, ACTION_EXCLUDED,
           "予算事務事業コード「{value}」は {detail} にもあります。先の行だけを対照に使いました。"),
        _t("budget-bad-amount", WARNING, ACTION_REVIEW,
           "「{column}」の金額「{value}」を{detail}単位の 0 以上の数値（1兆千円以下）として読み取れません。この事務事業の予算額は空欄として扱いました。"),
        _t("budget-code-unknown", WARNING, ACTION_REVIEW,
           "予算事務事業コード「{value}」は予算事務事業のブックにありません。財務会計システムのコードを確認してください。"),
        _t("budget-code-missing", WARNING, ACTION_REVIEW,
           "予算区分が「政策」の事業ですが「{column}」が空欄です。この事業の予算を計上する予算事務事業のコードを記入してください。"),
        _t("budget-gap", WARNING, ACTION_REVIEW,
           "{column}（{value}千円）と予算事務事業の当初予算額（{detail}）がかい離しています。事業費かコードを確認してください。"),
        _t("budget-dept-mismatch", WARNING, ACTION_REVIEW,
           "予算事務事業「{value}」の所管課（{detail}）が事業の所管課と異なります。コードか所管課を確認してください。"),
        # ---- rolling plan
        _t("status-continuing-not-in-previous", WARNING, ACTION_REVIEW,
           "新継区分が「{value}」ですが前年度の計画にありません。新規ではないか確認してください。"),
        _t("status-new-in-previous", WARNING, ACTION_REVIEW,
           "新継区分が「新規」ですが前年度の計画にあります（{detail}）。継続ではないか確認してください。"),
        _t("probable-renumbering", WARNING, ACTION_REVIEW,
           "前年度の事業ID「{detail}」と所管課・事業名が同じです。事業IDが変わっていないか確認してください。"),
        _t("renumbering-blank-id", WARNING, ACTION_REVIEW,
           "事業IDが空欄のため新しい事業ID「{value}」を付番しましたが、所管課・事業名が前年度の事業と同じです。"
           "継続する事業であれば、前年度の事業ID {detail} を記入してください。"),
    ]
}


@dataclass(frozen=True)
class Problem:
    code: str
    severity: str
    file: str
    sheet: str
    cell: str
    column: str
    message: str
    value: str
    action: str

    def sort_key(self) -> tuple:
        """エラー first, then by file, sheet in workbook order (other sheets after, by name), cell, code."""
        sheet = SHEET_ORDER.get(self.sheet, len(SHEET_ORDER))
        return (0 if self.severity == ERROR else 1, self.file, sheet, self.sheet, _cell_key(self.cell), self.code)

    def as_row(self) -> list[str]:
        """The 検証結果 columns: 重要度, ファイル, シート, セル, 項目, 内容, 入力値, 処置."""
        return [self.severity, self.file, self.sheet, self.cell, self.column, self.message, self.value, self.action]


def _cell_key(cell: str) -> tuple[int, int]:
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = "".join(ch for ch in cell if ch.isdigit())
    col = 0
    for ch in letters.upper():
        col = col * 26 + (ord(ch) - 64)
    return (int(digits) if digits else 0, col)


def make_problem(code: str, *, file: str = "", sheet: str = "", cell: str = "", column: str = "",
                 value: object = "", detail: object = "", action: str | None = None) -> Problem:
    kind = CATALOGUE[code]
    text_value = visible_controls("" if value is None else str(value))
    if len(text_value) > 200:
        text_value = text_value[:200] + "…"
    message = kind.template.format(column=column, value=text_value, detail=detail)
    return Problem(code, kind.severity, file, sheet, cell, column, message, text_value, action or kind.action)


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def visible_controls(text: str) -> str:
    """`text` with the control characters no cell can hold shown as symbols (␇ for BEL, ␡ for
    DEL; � for the rest), so a value found with them can still be shown next to the message."""
    def symbol(mt: re.Match[str]) -> str:
        code = ord(mt.group(0))
        return chr(0x2400 + code) if code < 0x20 else "\u2421" if code == 0x7F else "\ufffd"
    return _CONTROL.sub(symbol, text)


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)

    def add(self, code: str, **kwargs: object) -> Problem:
        p = make_problem(code, **kwargs)  # type: ignore[arg-type]
        self.problems.append(p)
        return p

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def sorted(self) -> list[Problem]:
        return sorted(self.problems, key=Problem.sort_key)

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity == WARNING)

    def by_code(self) -> Counter[str]:
        return Counter(p.code for p in self.problems)

    def flat(self) -> list[tuple[str, str, str, str]]:
        """(file, sheet, cell, code) tuples: what tests assert."""
        return sorted((p.file, p.sheet, p.cell, p.code) for p in self.problems)
