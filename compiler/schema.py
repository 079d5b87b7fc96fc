"""The department template: sheets, header labels, field names and kinds (DESIGN §2.2).

One table drives the reader, the validator, the template writer and the annotated returns,
so a label is spelled in exactly one place.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .models import FUNDING_KEYS, SHEET_KPI, SHEET_PLAN, SHEET_RESILIENCE, SHEET_STRATEGY

# kinds of value
TEXT = "text"
CODE = "code"  # a single code such as 3-4
CODES = "codes"  # a list of codes
SDGS = "sdgs"
MONEY = "money"
FLAG = "flag"
YEAR = "year"
STATUS = "status"

# 進行管理 (the year before the plan's first year): the choices the template offers and the reader accepts
PROGRESS = ("計画どおり", "概ね計画どおり", "遅れ", "未着手", "完了", "中止")
OUTLOOKS = ("拡充", "継続", "改善", "縮小", "統合", "休止・廃止", "完了")
ACTUAL_KINDS = ("実績", "見込み")


@dataclass(frozen=True)
class Column:
    key: str  # field name in InputRow.values
    label: str  # header label as printed in the template
    kind: str = TEXT
    required: bool = False
    width: int = 14  # template column width (characters)
    help: str = ""  # 記入要領 text


def evaluated_year(years: tuple[str, ...]) -> str:
    """The year whose results the survey brings back: the one before the plan's first (R6 for R7..R9)."""
    return f"R{int(years[0][1:]) - 1}"


def plan_columns(years: tuple[str, ...]) -> tuple[Column, ...]:
    first = years[0]
    last = evaluated_year(years)
    return (
        Column("id", "事業ID", CODE, width=12, help="前年度から継続する事業は前年度の事業IDをそのまま使います。新しい事業は空欄にしてください（自動で付番されます）。"),
        Column("name", "事業名", TEXT, True, 30, "事業の名称。再掲する場合は末尾に（再掲）を付けます。"),
        Column("dept", "所管課", TEXT, True, 16, "事業を所管する課。一覧から選びます。"),
        Column("measure", "施策コード", CODE, True, 10, "事業を位置づける施策（例: 3-4）。一覧から選びます。"),
        Column("direction", "展開方向コード", CODE, False, 12, "施策の展開方向（例: 3-4-1）。展開方向がない施策は空欄。"),
        Column("relisted", "再掲施策コード", CODES, False, 14, "他の施策にも再掲する場合、その施策コード。複数は「、」で区切ります。"),
        Column("status", "新継区分", STATUS, True, 9, "新規・継続・拡充のいずれか。"),
        Column("content", "事業内容", TEXT, True, 44, "事業の内容を簡潔に記入します。"),
        Column("account", "会計", TEXT, True, 12, "一般、下水道などの会計。一覧から選びます。"),
        Column("budget_kind", "予算区分", TEXT, False, 10, "当初・補正などの予算区分。"),
        Column("budget_page", "予算説明書頁", TEXT, False, 10, "予算説明書の該当ページ。"),
        Column("supplementary", "国補正予算", FLAG, False, 9, "国の補正予算を活用する場合は ○。"),
        *(Column(f"budget:{y}", f"{y}事業費（千円）", MONEY, False, 13,
                 f"{y}年度の事業費（千円）。実施しない年度は空欄、費用がかからず実施する年度は 0。") for y in years),
        *(Column(f"fund:{k}", f"財源_{k}（千円）", MONEY, False, 13,
                 f"{first}年度事業費の財源内訳（千円）。記入する場合は合計が{first}事業費と一致するようにします。") for k in FUNDING_KEYS),
        Column("priority", "重点", FLAG, False, 7, "重点事業は ○。"),
        Column("sdgs", "SDGs", SDGS, False, 10, "関連する SDGs のゴール番号（1〜17）。複数は「、」で区切ります。"),
        Column("note", "備考", TEXT, False, 24, "補足事項。"),
        Column("settled", f"{last}決算見込額（千円）", MONEY, False, 13,
               f"{last}年度の決算見込額（千円）。{first}年度からの新規事業は空欄。"),
        Column("progress", "進捗状況", TEXT, False, 12,
               f"{last}年度の進捗（{'・'.join(PROGRESS)}）。継続・拡充の事業は必ず選びます。"),
        Column("result", f"{last}の実績・成果", TEXT, False, 36, f"{last}年度に実施した内容と成果を簡潔に記入します。"),
        Column("outlook", "今後の方向性", TEXT, False, 11, f"評価を踏まえた今後の方向性（{'・'.join(OUTLOOKS)}）。"),
        Column("plans", "関連個別計画", TEXT, False, 20,
               "事業の根拠となる個別計画（地域福祉計画など）の計画ID（例: P01）又は計画名。計画マスタの個別計画の一覧から記入し、複数は「、」で区切ります。"),
        Column("budget_codes", "予算事務事業コード", CODES, False, 14,
               "この事業の予算を計上する予算事務事業のコード（財務会計システムのコード）。複数は「、」で区切ります。"
               "政策予算の事業は必ず記入します。"),
    )


def resilience_columns(years: tuple[str, ...]) -> tuple[Column, ...]:
    return (
        Column("id", "事業ID", CODE, width=12, help="総合計画シートの事業と同じ事業なら、その事業IDを選びます。"),
        Column("name", "事業名", TEXT, True, 30, "事業の名称。"),
        Column("dept", "所管課", TEXT, True, 16, "事業を所管する課（県・国・民間の事業は連絡調整する課）。"),
        Column("scenarios", "リスクシナリオ", CODES, True, 14, "対応する「起きてはならない最悪の事態」の番号（例: 1-3）。複数は「、」で区切ります。"),
        Column("field", "施策分野", TEXT, False, 14, "国土強靱化の施策分野（例: 住宅・都市、交通・物流）。"),
        Column("location", "実施箇所", TEXT, False, 20, "実施する地区・路線・施設名。交付金の重点配分のため必ず記入してください。"),
        Column("actor", "事業主体", TEXT, False, 9, "市・県・国・民間。空欄は市とみなします。"),
        Column("start_year", "開始年度", YEAR, False, 9, "R7・令和7年度・2025 のいずれかの形式。"),
        Column("end_year", "終了年度", YEAR, False, 9, "R9・令和9年度・2027 のいずれかの形式。"),
        Column("total_cost", "全体事業費（千円）", MONEY, False, 13, "事業期間全体の事業費（千円）。"),
        Column("grants", "活用予定の交付金等", TEXT, False, 20, "活用を予定する交付金・補助金。"),
        Column("note", "備考", TEXT, False, 24, "補足事項。"),
    )


def strategy_columns(years: tuple[str, ...]) -> tuple[Column, ...]:
    return (
        Column("id", "事業ID", CODE, width=12, help="総合計画シートの事業と同じ事業なら、その事業IDを選びます。"),
        Column("name", "事業名", TEXT, True, 30, "事業の名称。"),
        Column("dept", "所管課", TEXT, True, 16, "事業を所管する課。"),
        Column("goals", "基本目標", CODES, True, 9, "総合戦略の基本目標の番号（記入要領の一覧を参照）。複数は「、」で区切ります。"),
        Column("strategy_measures", "具体的施策コード", CODES, False, 12, "総合戦略の具体的施策（例: 1-2）。"),
        Column("kpi_name", "KPI名", TEXT, False, 24, "重要業績評価指標（KPI）の名称。"),
        Column("kpi_unit", "KPI単位", TEXT, False, 8, "KPI の単位（人、件、% など）。"),
        Column("kpi_base", "KPI基準値", TEXT, False, 10, "基準値。"),
        Column("kpi_base_year", "KPI基準年度", YEAR, False, 10, "基準値の年度。"),
        Column("kpi_target", "KPI目標値", TEXT, False, 10, "目標値。"),
        Column("kpi_target_year", "KPI目標年度", YEAR, False, 10, "目標値の年度。"),
        Column("digital", "デジタル活用", FLAG, False, 9, "デジタル技術を活用する事業は ○。"),
        Column("grants", "活用予定の交付金等", TEXT, False, 20, "活用を予定する交付金（デジタル田園都市国家構想交付金など）。"),
        Column("note", "備考", TEXT, False, 24, "補足事項。"),
        Column("kpi_actual", f"KPI実績値（{evaluated_year(years)}）", TEXT, False, 10,
               f"{evaluated_year(years)}年度の KPI の実績値（単位を付けても構いません）。"),
        Column("kpi_actual_kind", "KPI実績区分", TEXT, False, 9, "実績値が確定値なら「実績」、見込みなら「見込み」。空欄は実績とみなします。"),
    )


def kpi_columns(years: tuple[str, ...]) -> tuple[Column, ...]:
    return (
        Column("name", "指標名", TEXT, True, 30, "施策の成果指標の名称。"),
        Column("measure", "施策コード", CODE, True, 10, "指標が属する施策（例: 3-4）。"),
        Column("unit", "単位", TEXT, True, 8, "単位（人、件、% など）。"),
        Column("base", "基準値", TEXT, False, 10, "基準値。"),
        Column("base_year", "基準年度", YEAR, False, 9, "基準値の年度。"),
        *(Column(f"target:{y}", f"{y}目標値", TEXT, False, 10, f"{y}年度の目標値。") for y in years),
        Column("final_target", "最終目標値", TEXT, False, 10, "計画最終年度の目標値。"),
        Column("final_year", "最終目標年度", YEAR, False, 10, "最終目標の年度。"),
        Column("source", "出典", TEXT, False, 16, "数値の出典（例: 市民協働課調べ）。"),
        Column("strategy_kpi", "総合戦略KPI", FLAG, False, 10, "総合戦略の KPI を兼ねる場合は ○。"),
        Column("trend", "望ましい方向", TEXT, False, 10, "指標の望ましい方向（増加・減少・維持）。一覧から選びます。"),
        Column("prior_target", f"{evaluated_year(years)}目標値", TEXT, False, 10,
               f"{evaluated_year(years)}年度の目標値（前年度の計画の値）。空欄なら最終目標値を年数で按分して評価します。"),
        Column("actual", f"{evaluated_year(years)}実績値", TEXT, False, 10,
               f"{evaluated_year(years)}年度の実績値（単位を付けても構いません。例: 23団体、73.0%）。"),
        Column("actual_kind", "実績区分", TEXT, False, 9, "実績値が確定値なら「実績」、見込みなら「見込み」。空欄は実績とみなします。"),
    )


SHEET_COLUMNS = {
    SHEET_PLAN: plan_columns,
    SHEET_RESILIENCE: resilience_columns,
    SHEET_STRATEGY: strategy_columns,
    SHEET_KPI: kpi_columns,
}


def columns_for(sheet: str, years: tuple[str, ...]) -> tuple[Column, ...]:
    return SHEET_COLUMNS[sheet](years)


_WS = re.compile(r"\s+")


def label_key(label: object) -> str:
    """How header labels are compared: NFKC, white space removed, ※ marks dropped."""
    text = unicodedata.normalize("NFKC", str(label or ""))
    return _WS.sub("", text).replace("※", "")
