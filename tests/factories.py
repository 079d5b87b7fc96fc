"""Small hand-made masters and compilations for renderer tests (no workbook reading)."""
from __future__ import annotations

from pathlib import Path

from compiler.models import (BasicGoal, Candidate, Compilation, Department, Direction, Master,
                             MeasureKpi, MergeLogEntry, Origin, Policy, Project, ProjectKpi,
                             Scenario, SourceFile, StrategyMeasure)
from compiler.frames import compile_frames, evaluate
from compiler.problems import make_problem


def make_master() -> Master:
    dirs = {
        "3-4-1": Direction("3-4-1", "雨水排水施設の整備", "3-4"),
        "3-4-2": Direction("3-4-2", "河川の維持管理", "3-4"),
        "3-1-1": Direction("3-1-1", "地域防災力の向上", "3-1"),
        "1-1-1": Direction("1-1-1", "子育て支援の充実", "1-1"),
    }
    from compiler.models import Measure
    measures = {
        "1-1": Measure("1-1", "子育て支援", "1", "子ども家庭課", (dirs["1-1-1"],)),
        "3-1": Measure("3-1", "防災・減災", "3", "防災危機管理課", (dirs["3-1-1"],)),
        "3-4": Measure("3-4", "河川・排水", "3", "河川課", (dirs["3-4-1"], dirs["3-4-2"])),
    }
    policies = {"1": Policy("1", "子ども・子育て", ("1-1",)), "3": Policy("3", "安全・安心", ("3-1", "3-4"))}
    scen = {
        "1-1": Scenario("1-1", "建築物や不特定多数が集まる施設の倒壊により、多数の死傷者が発生", "1", "直接死を最大限防ぐ"),
        "1-3": Scenario("1-3", "異常気象等による広域かつ長期的な市街地等の浸水", "1", "直接死を最大限防ぐ"),
        "2-1": Scenario("2-1", "被災地での食料・飲料水・電力・燃料等、生命に関わる物資・エネルギー供給の停止", "2", "救助・救急、医療活動が迅速に行われる"),
    }
    sm = {"3-1": StrategyMeasure("3-1", "子育て世代への切れ目ない支援", "3"), "4-1": StrategyMeasure("4-1", "安全・安心な暮らしの確保", "4")}
    goals = {
        "3": BasicGoal("3", "結婚・出産・子育ての希望をかなえる", "合計特殊出生率 1.45", (sm["3-1"],)),
        "4": BasicGoal("4", "魅力的な地域をつくり安心なくらしを守る", "住み続けたい市民の割合 85%", (sm["4-1"],)),
    }
    depts = {
        "河川課": Department("河川課", "土木部", "0501"),
        "防災危機管理課": Department("防災危機管理課", "総務部", "0101"),
        "子ども家庭課": Department("子ども家庭課", "子ども部", "0301"),
    }
    return Master(Path("計画マスタ.xlsx"), "サンプル市", "第5次サンプル市総合計画", "サンプル市国土強靱化地域計画",
                  "第2期サンプル市デジタル田園都市構想総合戦略", 7, 9, "千円", policies, measures, dirs, scen,
                  {"1": "直接死を最大限防ぐ", "2": "救助・救急、医療活動が迅速に行われる"}, goals, sm, depts,
                  ("一般", "下水道"))


def make_compilation() -> Compilation:
    m = make_master()
    o = lambda f, s, r: Origin(f, s, r)  # noqa: E731
    p1 = Project("0501-001", False, "雨水排水施設整備事業", "河川課", "雨水排水施設整備", in_plan=True, in_resilience=True,
                 measure_code="3-4", direction_code="3-4-1", relisted_measures=("3-1",), status="継続",
                 content="浸水被害を軽減するため、雨水管渠及び調整池を整備する。", account="下水道", budget_kind="当初",
                 budget_page="112", supplementary=True, priority=True,
                 budget={"R7": 120000, "R8": 150000, "R9": 90000},
                 funding={"国県支出金": 50000, "地方債": 60000, "その他": 0, "一般財源": 10000}, sdgs=(11, 13),
                 scenarios=("1-3",), location="中央排水区", actor="市", start_year=7, end_year=9, total_cost=360000,
                 sources=(o("0501_河川課.xlsx", "総合計画", 2), o("0501_河川課.xlsx", "国土強靱化", 2)),
                 names=("雨水排水施設整備事業",))
    p2 = Project("0101-003", False, "自主防災組織育成事業", "防災危機管理課", "自主防災組織育成", in_plan=True, in_resilience=True,
                 in_strategy=True, measure_code="3-1", direction_code="3-1-1", status="拡充",
                 content="自主防災組織の結成と訓練を支援する。", account="一般", budget={"R7": 3000, "R8": 3000, "R9": None},
                 funding={}, scenarios=("1-1", "2-1"), location="", goals=("4",), strategy_measures=("4-1",),
                 kpis=(ProjectKpi("自主防災組織の結成率", "%", "72", "R5", "85", "R9", "4"),),
                 sources=(o("0101_防災危機管理課.xlsx", "総合計画", 3),), names=("自主防災組織育成事業",))
    p3 = Project("0301-G1A2B3C", True, "子育て応援アプリ運用事業", "子ども家庭課", "子育て応援アプリ運用", in_plan=True,
                 in_strategy=True, measure_code="1-1", direction_code="1-1-1", status="新規",
                 content="子育て情報を配信するアプリを運用する。", account="一般", budget={"R7": 0, "R8": 1200, "R9": 1200},
                 goals=("3",), strategy_measures=("3-1",), digital=True, needs_review=True,
                 review_reasons=("施策コード「9-9」は施策体系にありません。",),
                 sources=(o("0301_子ども家庭課.xlsx", "総合計画", 5),), names=("子育て応援アプリ運用事業",))
    p4 = Project("0501-G9F8E7D", True, "県管理河川の河道掘削", "河川課", "県管理河川の河道掘削", in_resilience=True,
                 scenarios=("1-3",), location="一級河川サンプル川", actor="県", start_year=6, end_year=10,
                 sources=(o("0501_河川課.xlsx", "国土強靱化", 4),), names=("県管理河川の河道掘削",))
    projects = [p3, p2, p1, p4]
    kpis = [MeasureKpi(o("0501_河川課.xlsx", "成果指標", 2), "浸水被害件数", "3-4", "件", "12", "R5",
                       {"R7": "10", "R8": "8", "R9": "6"}, "5", "R11", "河川課調べ", True, "減少", "河川課")]
    log = [MergeLogEntry(s, n, p.dept, p.project_id, "事業ID一致" if len(p.sources) > 1 else "単独")
           for p in projects for s, n in zip(p.sources, p.names * len(p.sources))]
    cands = [Candidate("雨水排水施設整備事業", "河川課", "雨水排水施設改修事業", "河川課", 88.9,
                       "0501_河川課.xlsx 総合計画 2", "0501_河川課.xlsx 総合計画 6", "同一課の類似名称")]
    problems = [make_problem("unknown-measure", file="0301_子ども家庭課.xlsx", sheet="総合計画", cell="D5",
                             column="施策コード", value="9-9"),
                make_problem("no-location", file="0101_防災危機管理課.xlsx", sheet="国土強靱化", cell="F3", column="実施箇所")]
    files = [SourceFile(Path(n), n, rows_read=2) for n in ("0101_防災危機管理課.xlsx", "0301_子ども家庭課.xlsx", "0501_河川課.xlsx")]
    comp = Compilation(m, files, rows_read=len(log), rows_excluded=0, projects=[p3, p2, p1, p4], measure_kpis=kpis,
                       merge_log=log, candidates=cands, problems=problems)
    comp.frames = compile_frames(comp)
    evaluate(comp.frames, comp, comp.previous.planned if comp.previous is not None else None)
    return comp


def refresh(comp: Compilation) -> Compilation:
    """Recompute the frames after a test changed the records (the frames are built once per compile)."""
    comp.frames = compile_frames(comp)
    evaluate(comp.frames, comp, comp.previous.planned if comp.previous is not None else None)
    return comp
