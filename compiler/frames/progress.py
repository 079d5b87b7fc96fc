"""進行管理・効果検証 as frames: last year's results of the projects and KPIs, and their roll-ups per
施策, 基本政策, 基本目標 and risk scenario.  The rules (進捗率, target, rating) are in ratings.py.

- progress       one row per 総合計画 project that ran in the evaluated year (継続・拡充, or with a result):
                 計画額 (the previous plan's figure for that year, with --previous), 決算見込額, 執行率, ...
- kpi_progress   one row per KPI (成果指標 rows and the 総合戦略 sheet's KPIs): the target it is measured
                 against and why, the 実績, 進捗率 and 評価
- by_measure_progress / by_policy_progress / by_goal_progress / by_scenario_progress: the roll-ups

執行率 = 決算見込額 ÷ 計画額 × 100, over the projects that have both (a group's rate sums both first).
"""
from __future__ import annotations

import pandas as pd

from ..models import Master, MeasureKpi, Project
from ..problems import Problem, make_problem
from ..ratings import (Criteria, direction_of, progress_rate, rating, read_number, target_for)
from ..schema import PROGRESS, OUTLOOKS
from .tables import INT, STR, UNKNOWN, code_key, frame

FLOAT = "Float64"
CONTINUING = ("継続", "拡充")
LATE = ("遅れ", "未着手", "中止")
OVER_PLAN = 1.5  # a 決算見込額 above 1.5 × the planned amount is checked (unit or typing mistake)
SEP = "、"


def _reiwa(label: str) -> int | None:
    return int(label[1:]) if label[:1] == "R" and label[1:].isdigit() else None


def project_progress(projects: list[Project], master: Master, planned: dict[str, int | None] | None) -> pd.DataFrame:
    """The 進行管理 rows.  `planned` (事業ID -> amount) comes from the previous compile; without one the
    計画額 and 執行率 are blank."""
    rows = [(i, p) for i, p in enumerate(projects)
            if p.in_plan and (p.status in CONTINUING or p.progress or p.settled is not None or p.outlook or p.result
                              or (planned is not None and p.project_id in planned))]
    plan = [planned.get(p.project_id) if planned is not None else None for _, p in rows]
    rate = [(p.settled / a * 100) if a and p.settled is not None else None for (_, p), a in zip(rows, plan)]
    measures = master.measures
    return frame({
        "位置": (INT, [i for i, _ in rows]),
        "事業ID": (STR, [p.project_id for _, p in rows]),
        "事業名": (STR, [p.name for _, p in rows]),
        "所管課": (STR, [p.dept for _, p in rows]),
        "基本政策": (STR, [measures[p.measure_code].policy_code if p.measure_code in measures else UNKNOWN
                       for _, p in rows]),
        "施策コード": (STR, [p.measure_code for _, p in rows]),
        "新継区分": (STR, [p.status for _, p in rows]),
        "計画額": (INT, plan),
        "決算見込額": (INT, [p.settled for _, p in rows]),
        "執行率": (FLOAT, rate),
        "進捗状況": (STR, [p.progress for _, p in rows]),
        "実績・成果": (STR, [p.result for _, p in rows]),
        "今後の方向性": (STR, [p.outlook for _, p in rows]),
        "要確認": (STR, [SEP.join(_attention(p, a)) for (_, p), a in zip(rows, plan)]),
    })


def _attention(p: Project, planned: int | None) -> list[str]:
    out = []
    if p.status in CONTINUING and not p.progress:
        out.append("進捗状況が未記入")
    if p.status in CONTINUING and p.settled is None:
        out.append("決算見込額が未記入")
    if p.progress in LATE:
        out.append(f"進捗が「{p.progress}」")
    if planned and p.settled is not None and p.settled > planned * OVER_PLAN:
        out.append("決算見込額が計画額の1.5倍超")
    if p.status in CONTINUING and not p.outlook:
        out.append("今後の方向性が未記入")
    return out


def kpi_progress(kpis: list[MeasureKpi], projects: list[Project], master: Master) -> pd.DataFrame:
    """The 成果指標の達成状況 rows: the 成果指標 sheet's KPIs (by 施策), then the 総合戦略 KPIs (by 基本目標)."""
    year = master.start_year - 1
    rec: dict[str, list] = {k: [] for k in COLUMNS}
    for k in kpis:
        final, final_year = k.final_target, k.final_year
        if not final:  # no final target: the last year's target written stands for it
            for y in reversed(master.years):
                if k.targets.get(y):
                    final, final_year = k.targets[y], y
                    break
        _kpi_row(rec, master.criteria, year, "成果指標", k.measure_code, "", "", k.name, k.unit, k.direction,
                 k.base, k.base_year, k.prior_target, final, final_year, k.actual, k.actual_kind, k.dept,
                 (k.origin.file, k.origin.sheet, k.origin.row))
    for p in projects:
        for k in p.kpis:
            prior = k.target if _reiwa(k.target_year) == year else ""
            o = k.origin
            _kpi_row(rec, master.criteria, year, "総合戦略", "", k.goal, p.project_id, k.name, k.unit, "",
                     k.base, k.base_year, prior, k.target, k.target_year, k.actual, k.actual_kind, p.dept,
                     (o.file, o.sheet, o.row) if o else ("", "", None))
    return frame({name: (COLUMNS[name], values) for name, values in rec.items()})


COLUMNS = {"区分": STR, "施策コード": STR, "基本目標": STR, "事業ID": STR, "指標名": STR, "単位": STR,
           "望ましい方向": STR, "基準値": FLOAT, "基準年度": STR, "目標値": FLOAT, "目標の根拠": STR,
           "最終目標値": STR, "最終目標年度": STR, "実績値": FLOAT, "実績値（記入）": STR, "実績区分": STR,
           "進捗率": FLOAT, "評価": STR, "評価できない理由": STR, "所管課": STR, "ファイル": STR, "シート": STR,
           "行": INT}


def _kpi_row(rec: dict[str, list], criteria: Criteria, year: int, kind: str, measure: str, goal: str, pid: str,
             name: str, unit: str, trend: str, base_text: str, base_year: str, prior_text: str, final_text: str,
             final_year: str, actual_text: str, actual_kind: str, dept: str, origin: tuple) -> None:
    base, prior = read_number(base_text)[0], read_number(prior_text)[0]
    final, actual = read_number(final_text)[0], read_number(actual_text)[0]
    target, basis = target_for(year, prior, base, _reiwa(base_year), final, _reiwa(final_year))
    direction = direction_of(trend, base, target if target is not None else final)
    percent = progress_rate(direction, base, target, actual)
    values = (kind, measure, goal, pid, name, unit, direction, base, base_year, target, basis, final_text,
              final_year, actual, actual_text, actual_kind or ("実績" if actual_text else ""), percent,
              rating(criteria, direction, base, actual, percent),
              _unrated_reason(direction, base, target, actual, actual_text) if percent is None else "", dept, *origin)
    for column, value in zip(COLUMNS, values):
        rec[column].append(value)


def _unrated_reason(direction: str, base: float | None, target: float | None, actual: float | None,
                   actual_text: str) -> str:
    """Why a KPI has no 進捗率 (the 資料編 lists them)."""
    if not actual_text:
        return "実績値が未記入"
    if actual is None:
        return "実績値が数値でない"
    if base is None:
        return "基準値が未記入又は数値でない"
    if target is None:
        return "目標値が未設定"
    if target == base:
        return "目標値が基準値と同じ"
    if direction == "":
        return "望ましい方向が不明"
    return "目標値が望ましい方向と逆"


def _counts(labels: pd.Series, keys: pd.Series, order: tuple[str, ...]) -> pd.DataFrame:
    """Counts of each label of `order` per key (columns in `order`, zeros where none)."""
    if not len(keys):
        return pd.DataFrame(columns=list(order)).astype(INT)
    pairs = pd.DataFrame({"key": keys.to_numpy(), "label": labels.to_numpy()})
    table = pairs.groupby(["key", "label"], sort=True).size().unstack("label", fill_value=0)
    table.index.name, table.columns.name = None, None
    return table.reindex(columns=list(order), fill_value=0).astype(INT)


def _rate(progress: pd.DataFrame, keys: pd.Series) -> pd.DataFrame:
    both = progress["計画額"].notna() & progress["決算見込額"].notna()
    sums = progress.loc[both, ["計画額", "決算見込額"]].astype(INT).groupby(keys[both].to_numpy()).sum()
    sums["執行率"] = (sums["決算見込額"] / sums["計画額"].where(sums["計画額"] > 0) * 100).astype(FLOAT)
    return sums


def rollup(progress: pd.DataFrame, kpi: pd.DataFrame, by: str, order: list[str], criteria: Criteria) -> pd.DataFrame:
    """Per 施策コード or 基本政策 (`by`, in `order`): KPI ratings, 進捗状況 and 今後の方向性 counts, 執行率."""
    if by == "基本政策":
        kpi_keys = kpi["施策コード"].map(lambda c: c.split("-")[0] if c else "").astype(STR)
    else:
        kpi_keys = kpi["施策コード"]
    measured = kpi["区分"] == "成果指標"
    ratings = _counts(kpi.loc[measured, "評価"], kpi_keys[measured], criteria.labels)
    status = _counts(progress["進捗状況"].replace("", "未記入"), progress[by], (*PROGRESS, "未記入"))
    outlook = _counts(progress["今後の方向性"].replace("", "未記入"), progress[by], (*OUTLOOKS, "未記入"))
    out = pd.concat([ratings.add_prefix("評価:"), status.add_prefix("進捗:"), outlook.add_prefix("方向性:"),
                     _rate(progress, progress[by])], axis=1)
    keys = order + sorted((k for k in out.index if k not in set(order)), key=code_key)
    out = out.reindex(keys)
    counts = [c for c in out.columns if ":" in c]
    out[counts] = out[counts].fillna(0).astype(INT)
    for c in ("計画額", "決算見込額"):
        out[c] = out[c].astype(INT) if c in out else pd.array([None] * len(out), dtype=INT)
    out["執行率"] = out["執行率"].astype(FLOAT) if "執行率" in out else pd.array([None] * len(out), dtype=FLOAT)
    out.index = pd.Index(keys, dtype=STR, name=by)
    return out


def goal_progress(kpi: pd.DataFrame, master: Master) -> pd.DataFrame:
    """Per 基本目標: its KPIs' ratings (the 総合戦略 sheet's KPIs)."""
    strat = kpi["区分"] == "総合戦略"
    out = _counts(kpi.loc[strat, "評価"], kpi.loc[strat, "基本目標"], master.criteria.labels).add_prefix("評価:")
    keys = list(master.goals) + sorted((k for k in out.index if k not in master.goals), key=code_key)
    out = out.reindex(keys, fill_value=0).astype(INT)
    out.insert(0, "KPI数", out.sum(axis=1))
    out.index = pd.Index(keys, dtype=STR, name="基本目標")
    return out


def scenario_progress(progress: pd.DataFrame, scenarios: pd.DataFrame, master: Master) -> pd.DataFrame:
    """Per risk scenario: its projects' 進捗状況 counts and 執行率 (projects that ran in the evaluated year)."""
    joined = scenarios.merge(progress, on="位置", how="inner")
    status = _counts(joined["進捗状況"].replace("", "未記入"), joined["リスクシナリオ"], (*PROGRESS, "未記入"))
    out = pd.concat([status.add_prefix("進捗:"), _rate(joined, joined["リスクシナリオ"])], axis=1)
    keys = list(master.scenarios) + sorted((k for k in out.index if k not in master.scenarios), key=code_key)
    out = out.reindex(keys)
    counts = [c for c in out.columns if ":" in c]
    out[counts] = out[counts].fillna(0).astype(INT)
    out.insert(0, "事業数", out[counts].sum(axis=1))
    for c in ("計画額", "決算見込額"):
        out[c] = out[c].astype(INT) if c in out else pd.array([None] * len(out), dtype=INT)
    out["執行率"] = out["執行率"].astype(FLOAT) if "執行率" in out else pd.array([None] * len(out), dtype=FLOAT)
    out.index = pd.Index(keys, dtype=STR, name="リスクシナリオ")
    return out


def checks(progress: pd.DataFrame, projects: list[Project], year: str, unit: str) -> list[Problem]:
    """A 決算見込額 above 1.5 × the planned amount, and a continuing project whose rows (its 再掲 rows may stay
    blank) leave 進捗状況 empty where the column exists: a warning on the cell of its primary 総合計画 row.
    A compile where no row reports a 進捗状況 is a cycle that did not survey results: no warnings then."""
    surveyed = any(p.progress for p in projects)
    out = [make_problem("progress-missing", file=o.file, sheet=o.sheet, cell=f"{p.plan_letters['progress']}{o.row}",
                        column="進捗状況", detail=year)
           for p in projects if (o := p.plan_origin) is not None and "progress" in p.plan_letters
           and surveyed and p.status in ("継続", "拡充") and not p.progress]
    over = progress[progress["計画額"].notna() & progress["決算見込額"].notna()
                    & (progress["決算見込額"] > progress["計画額"] * OVER_PLAN)]
    for pos, settled, planned in zip(over["位置"], over["決算見込額"], over["計画額"]):
        p = projects[int(pos)]
        o = p.plan_origin
        if o is None:
            continue
        out.append(make_problem("settled-over-plan", file=o.file, sheet=o.sheet,
                                cell=f"{p.plan_letters.get('settled', 'A')}{o.row}", column="決算見込額",
                                value=f"{int(settled):,}{unit}", detail=f"{int(planned):,}{unit}"))
    return out


def summary(progress: pd.DataFrame, kpi: pd.DataFrame, criteria: Criteria) -> dict[str, int | float | None]:
    """The counts the console, 集計 and the report show: projects by 進捗状況, KPIs by rating (成果指標
    and 総合戦略 apart: 評価:S, 成果指標:S, 総合戦略:S), and the 執行率 of every project with both amounts."""
    out: dict[str, int | float | None] = {f"進捗:{s}": int((progress["進捗状況"] == s).sum()) for s in PROGRESS}
    out["進捗:未記入"] = int((progress["進捗状況"] == "").sum())
    out |= {f"評価:{r}": int((kpi["評価"] == r).sum()) for r in criteria.labels}
    for kind in ("成果指標", "総合戦略"):
        out |= {f"{kind}:{r}": int(((kpi["区分"] == kind) & (kpi["評価"] == r)).sum()) for r in criteria.labels}
    out["事業数"], out["指標数"] = len(progress), len(kpi)
    total = _rate(progress, pd.Series([""] * len(progress), index=progress.index, dtype=STR))
    has = len(total) > 0
    out["計画額"] = int(total["計画額"].iloc[0]) if has else None
    out["決算見込額"] = int(total["決算見込額"].iloc[0]) if has else None
    rate = total["執行率"].iloc[0] if has else None
    out["執行率"] = None if rate is None or pd.isna(rate) else float(rate)
    return out


def surveyed(progress: pd.DataFrame, kpi: pd.DataFrame) -> bool:
    """Whether any row reports last year's results (a first cycle's survey has none)."""
    written = (progress[["進捗状況", "実績・成果", "今後の方向性"]] != "").to_numpy().any()
    return bool(written or progress["決算見込額"].notna().any() or (kpi["実績値（記入）"] != "").any())


__all__ = ["surveyed", "project_progress", "kpi_progress", "rollup", "goal_progress", "scenario_progress", "checks", "summary"]
