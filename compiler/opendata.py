"""公開データ/: the plan as open data, the way 自治体標準オープンデータセット publishes it — CSV in UTF-8 with
BOM, CRLF, one header row, codes as text (`1-3`, `0301-012`), a blank cell where nothing was entered
(0 only where 0 was written), and `項目定義.csv` describing every field of every file (name, type, unit,
description).  The columns are an explicit list per file taken from the frames; none of
publish.INTERNAL_COLUMNS is ever among them (checked when the files are written).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from .frames.tables import budget_column
from .models import Compilation
from .publish import is_internal

ENCODING = "utf-8-sig"
DEFINITIONS_FILE = "項目定義.csv"
TEXT, INTEGER, FLAG = "文字列", "整数", "真偽（1: 該当、0: 非該当）"


@dataclass(frozen=True)
class Field:
    name: str  # the CSV header
    kind: str  # TEXT / INTEGER / FLAG
    unit: str
    description: str


@dataclass(frozen=True)
class Dataset:
    file: str
    title: str
    fields: tuple[Field, ...]
    table: Callable[[Compilation], pd.DataFrame]  # the rows, one column per field, in the fields' order


def _text(name: str, description: str) -> Field:
    return Field(name, TEXT, "", description)


def _flag(name: str, description: str) -> Field:
    return Field(name, FLAG, "", description)


def project_fields(comp: Compilation) -> tuple[Field, ...]:
    m = comp.master
    years = tuple(Field(budget_column(y), INTEGER, m.unit, f"{y}年度の事業費（空欄は記入なし、0 は費用なし）")
                  for y in m.years)
    return (
        _text("事業ID", "事業の番号（課コード-連番）"), _text("事業名", "事業の名称"), _text("所管課", "事業を所管する課"),
        _flag("総合計画", f"{m.plan_name}の実施計画に掲載する事業"),
        _flag("国土強靱化", f"{m.resilience_name}に位置づける事業"),
        _flag("総合戦略", f"{m.strategy_name}に位置づける事業"),
        _text("基本政策", "総合計画の基本政策の番号"), _text("施策コード", "総合計画の施策の番号"),
        _text("施策名", "総合計画の施策の名称"), _text("展開方向コード", "施策の展開方向の番号"),
        _text("再掲施策コード", "再掲する施策の番号（複数は「、」区切り）"), _text("新継区分", "新規・継続・拡充"),
        _flag("重点", "重点事業"), _flag("国補正予算", "国の補正予算を活用する事業"), _text("事業内容", "事業の内容"),
        _text("会計", "一般会計・特別会計の別"), _text("予算区分", "当初・補正などの予算区分"), *years,
        Field("計画期間事業費", INTEGER, m.unit, "計画期間の事業費の合計（記入のない年度は含まない）"),
        _text("SDGs", "関連する SDGs のゴール番号（「、」区切り）"),
        _text("リスクシナリオ", "対応する「起きてはならない最悪の事態」の番号（「、」区切り）"),
        _text("施策分野", "国土強靱化の施策分野"), _text("実施箇所", "国土強靱化の事業を実施する地区・路線・施設"),
        _text("事業主体", "市・県・国・民間"), _text("開始年度", "事業の開始年度（令和の年度、R7 など）"),
        _text("終了年度", "事業の終了年度（令和の年度）"),
        Field("全体事業費", INTEGER, m.unit, "国土強靱化の事業の事業期間全体の事業費"),
        _text("活用予定の交付金等", "活用を予定する交付金・補助金"),
        _text("基本目標", "総合戦略の基本目標の番号（「、」区切り）"), _text("具体的施策", "総合戦略の具体的施策の番号"),
        _flag("デジタル", "デジタル技術を活用する事業"),
    )


def _projects(comp: Compilation) -> pd.DataFrame:
    p = comp.frames.projects
    names = {code: m.name for code, m in comp.master.measures.items()}
    return p.assign(施策名=p["施策コード"].map(lambda c: names.get(c, "")).astype("string"))


def kpi_fields(comp: Compilation) -> tuple[Field, ...]:
    m = comp.master
    return (
        _text("施策コード", "成果指標が属する施策の番号"), _text("施策名", "施策の名称"), _text("指標名", "成果指標の名称"),
        _text("単位", "指標の単位"), _text("望ましい方向", "増加・減少・維持"), _text("基準値", "基準値（記入どおり）"),
        _text("基準年度", "基準値の年度"),
        *(_text(f"{y}目標値", f"{y}年度の目標値（記入どおり）") for y in m.years),
        _text("最終目標値", "計画最終年度の目標値"), _text("最終目標年度", "最終目標の年度"), _text("出典", "数値の出典"),
        _flag("総合戦略KPI", "総合戦略の KPI を兼ねる指標"), _text("所管課", "指標を所管する課"),
    )


def _kpis(comp: Compilation) -> pd.DataFrame:
    k = comp.frames.kpis
    names = {code: m.name for code, m in comp.master.measures.items()}
    out = k.assign(施策名=k["施策コード"].map(lambda c: names.get(c, "")).astype("string"))
    for y in comp.master.years:
        if f"{y}目標値" not in out:
            out[f"{y}目標値"] = pd.array([""] * len(out), dtype="string")
    return out


def scenario_fields(comp: Compilation) -> tuple[Field, ...]:
    unit = comp.master.unit
    return (
        _text("目標番号", "事前に備えるべき目標の番号"), _text("事前に備えるべき目標", "目標の内容"),
        _text("リスクシナリオ番号", "起きてはならない最悪の事態の番号"), _text("起きてはならない最悪の事態", "事態の内容"),
        Field("対応事業数", INTEGER, "件", "この事態に対応する事業の数"),
        Field("事業費", INTEGER, unit, "対応する総合計画の事業の計画期間事業費の合計"),
        Field("実施箇所明記", INTEGER, "件", "実施箇所を明記した事業の数"),
        Field("実施箇所未記入", INTEGER, "件", "実施箇所の記入がない事業の数"),
    )


def _scenarios(comp: Compilation) -> pd.DataFrame:
    m = comp.master
    df = comp.frames.by_scenario.reset_index()
    code = df["リスクシナリオ"]
    known = lambda attr: code.map(lambda c: getattr(m.scenarios[c], attr) if c in m.scenarios else "")  # noqa: E731
    return df.assign(目標番号=known("goal_code").astype("string"), 事前に備えるべき目標=known("goal_text").astype("string"),
                     リスクシナリオ番号=code, 起きてはならない最悪の事態=known("text").astype("string"))


def plan_fields(comp: Compilation) -> tuple[Field, ...]:
    m = comp.master
    first = m.first_year
    return (
        _text("計画ID", "個別計画の番号"), _text("計画名", "個別計画の名称"), _text("所管課", "個別計画を所管する課"),
        _text("根拠法令等", "計画の根拠となる法令・通知等"), _text("開始年度", "計画期間の開始年度（令和の年度、R4 など。平成は H30 など）"),
        _text("終了年度", "計画期間の終了年度（令和の年度）"), _text("計画期間", "計画期間（西暦（和暦）年度の表記）"),
        _text("状況", "策定済・改定予定・策定予定"),
        _text("関連施策コード", "個別計画が関連する総合計画の施策の番号（「、」区切り）"),
        Field("関連事業数", INTEGER, "件", "この個別計画を関連個別計画とする事業の数"),
        _text("関連事業ID", "この個別計画を関連個別計画とする事業の事業ID（「、」区切り）"),
        Field(budget_column(first), INTEGER, m.unit, f"関連事業の{first}年度の事業費の合計（空欄は記入なし）"),
    )


def _plans(comp: Compilation) -> pd.DataFrame:
    f = comp.frames.plans
    return f.drop(columns=["関連施策コード"]).rename(columns={"関連施策": "関連施策コード", "引用事業数": "関連事業数",
                                                       "引用事業": "関連事業ID"})


def budget_fields(comp: Compilation) -> tuple[Field, ...]:
    m = comp.master
    return (
        _text("事業ID", "総合計画の事業の番号"), _text("事業名", "事業の名称"), _text("所管課", "事業を所管する課"),
        _text("施策コード", "総合計画の施策の番号"),
        _text("予算事務事業コード", "事業の予算を計上する予算事務事業のコード（複数は「、」区切り）"),
        Field("計画額", INTEGER, m.unit, f"{m.first_year}年度の事業費（実施計画）"),
        Field("予算額", INTEGER, m.unit, f"紐づく予算事務事業の{m.first_year}年度当初予算額の計（千円未満四捨五入。"
                                       "複数の事業が共有する予算事務事業の額は最初の事業に計上）"),
        _text("共有する予算事務事業", "他の事業と共有する予算事務事業のコードと、共有する事業の事業ID"),
        _text("対照単位", "予算事務事業を共有するため計画額と予算額を合わせて対照する事業の事業ID（「・」区切り）"),
        Field("対照単位の計画額", INTEGER, m.unit, "対照単位の事業の計画額の計"),
        Field("対照単位の予算額", INTEGER, m.unit, "対照単位の予算事務事業の当初予算額の計（各事務事業を一度だけ計上）"),
        Field("かい離", INTEGER, m.unit, "対照単位の計画額 − 予算額"),
    )


def _budget(comp: Compilation) -> pd.DataFrame:
    return comp.frames.budget_compare


def datasets(comp: Compilation) -> tuple[Dataset, ...]:
    """Every dataset this compile publishes (予算対照.csv with 予算事務事業.xlsx only)."""
    budget = (Dataset("予算対照.csv", "実施計画の事業と予算事務事業の対照", budget_fields(comp), _budget),) \
        if comp.frames.budget_compare is not None else ()
    return (
        Dataset("事業一覧.csv", "掲載事業の一覧（3計画）", project_fields(comp), _projects),
        Dataset("成果指標.csv", "施策の成果指標と目標値", kpi_fields(comp), _kpis),
        Dataset("リスクシナリオ別.csv", "リスクシナリオ別の対応事業数・事業費", scenario_fields(comp), _scenarios),
        Dataset("個別計画.csv", "施策に関連する個別計画の一覧と計画期間", plan_fields(comp), _plans),
        *budget,
    )


def definitions(sets: tuple[Dataset, ...]) -> pd.DataFrame:
    rows = [(d.file, f.name, f.kind, f.unit, f.description) for d in sets for f in d.fields]
    return pd.DataFrame(rows, columns=["ファイル名", "項目名", "型", "単位", "説明"], dtype="string")


def public_table(dataset: Dataset, comp: Compilation) -> pd.DataFrame:
    """The dataset's rows with exactly its fields; 真偽 as 1/0; an internal field stops the write."""
    internal = [f.name for f in dataset.fields if is_internal(f.name)]
    if internal:
        raise ValueError(f"{dataset.file}: internal fields {internal} must not be published")
    df = dataset.table(comp)[[f.name for f in dataset.fields]].copy()
    for f in dataset.fields:
        if f.kind == FLAG:
            df[f.name] = df[f.name].fillna(False).astype(bool).astype(int)
    return df


def write_open_data(comp: Compilation, out_dir: Path) -> list[Path]:
    """Write 公開データ/ (every dataset and 項目定義.csv) into out_dir, through a temporary folder."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".opendata-", dir=out_dir.parent))
    try:
        sets = datasets(comp)
        for d in sets:
            _csv(public_table(d, comp), staging / d.file)
        _csv(definitions(sets), staging / DEFINITIONS_FILE)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(out_dir.iterdir())


def _csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, encoding=ENCODING, lineterminator="\r\n")
