"""計画マスタ.xlsx → Master.  A master that cannot be used stops the run (exit 2) with a message
that names the sheet and cell; department files are never judged against a broken master."""
from __future__ import annotations

from pathlib import Path

from .models import (BasicGoal, Department, Direction, Master, Measure, Policy, Scenario,
                     StrategyMeasure)
from .budget import MAPPING_LABELS, MAPPING_SHEET, MappingError, read_settings
from .guard import FileRefused, check_package
from .ledger import LEDGER_SHEET, name_key, read_ledger
from .normalise import clean_text, norm_code, parse_year
from .problems import CATALOGUE
from .ratings import DEFAULT_CRITERIA, Criteria, read_number
from .schema import label_key
from .sheetxml import column_letter

MASTER_FILE = "計画マスタ.xlsx"

MASTER_SHEETS: dict[str, tuple[str, ...]] = {
    "基本情報": ("項目", "値"),
    "施策体系": ("基本政策番号", "基本政策名", "施策コード", "施策名", "展開方向コード", "展開方向名", "主担当課"),
    "リスクシナリオ": ("目標番号", "事前に備えるべき目標", "リスクシナリオ番号", "起きてはならない最悪の事態"),
    "総合戦略": ("基本目標番号", "基本目標", "具体的施策コード", "具体的施策", "数値目標"),
    "課一覧": ("部局", "課", "課コード"),
    "会計": ("会計",),
}
# optional columns: 関係課 of a 施策 (e.g. 全課等) replaces the ones derived from its projects' 所管課
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {"施策体系": ("関係課",)}
CRITERIA_SHEET = "評価基準"  # optional: the city's own ratings of the KPIs' 進捗率
CRITERIA_LABELS = ("評価", "進捗率の下限（%）", "意味")
UNIT = "千円"
INFO_KEYS = ("自治体名", "総合計画名", "強靱化計画名", "総合戦略名", "計画年度", "計画期間終了", "金額単位")


class MasterError(Exception):
    """The master cannot be used; the message is for the planning division."""


class _Sheets:
    """The master's cell values by sheet, read with calamine (openpyxl, with numpy behind it, costs a
    seventh of a second to import: more than the master takes to read, on the path before the 課's
    workbooks can be read).  Rows are laid out from A1 as openpyxl gives them; a blank is None."""

    def __init__(self, path: Path) -> None:
        from python_calamine import CalamineWorkbook

        self.name = Path(path).name
        self._book = CalamineWorkbook.from_path(str(path))
        self.sheetnames: list[str] = list(self._book.sheet_names)

    def rows(self, sheet: str) -> list[tuple]:
        try:
            grid = self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except Exception as exc:  # noqa: BLE001 - a sheet calamine cannot parse is one message
            raise MasterError(f"{self.name} シート「{sheet}」を読み込めません（{type(exc).__name__}）。"
                              "Excel で開いて保存し直してください。") from exc
        return [tuple(None if v == "" else v for v in row) for row in grid]

    def close(self) -> None:
        self._book.close()


def _read_table(wb: _Sheets, sheet: str, labels: tuple[str, ...], name: str,
                optional: tuple[str, ...] = ()) -> list[tuple[int, dict[str, str]]]:
    """The rows of `sheet` under its header row (the first of 10 holding every label), as (row, {label: text});
    `optional` labels are read when the header has them and are "" otherwise."""
    if sheet not in wb.sheetnames:
        raise MasterError(f"{name}: シート「{sheet}」がありません。計画マスタには {'・'.join(MASTER_SHEETS)} のシートが必要です。")
    rows = wb.rows(sheet)
    wanted = {label_key(lab): lab for lab in labels}
    for h, row in enumerate(rows[:10]):
        keys = [label_key(v) for v in row]
        if all(k in keys for k in wanted):
            index = {wanted[k]: keys.index(k) for k in wanted}
            index |= {lab: keys.index(label_key(lab)) for lab in optional if label_key(lab) in keys}
            out = []
            for r, data in enumerate(rows[h + 1:], start=h + 2):
                rec = {lab: clean_text(data[i]) if i < len(data) else "" for lab, i in index.items()}
                if any(rec.values()):
                    out.append((r, rec | {lab: "" for lab in optional if lab not in rec}))
            return out
    missing = "・".join(labels)
    raise MasterError(f"{name} シート「{sheet}」: 見出し行（{missing}）が見つかりません。")


def load_master(path: Path) -> Master:
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise MasterError(f"計画マスタが見つかりません: {path}")
    try:
        check_package(path, strict=True)
    except FileRefused as exc:
        raise MasterError(f"{name}: {CATALOGUE[exc.code].template.format(detail=exc.detail, column='', value='')}") from exc
    try:
        wb = _Sheets(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure is one message
        raise MasterError(f"{name} を読み込めません（{type(exc).__name__}）。Excel で開けるか確認してください。") from exc
    try:
        tables = {s: _read_table(wb, s, labels, name, OPTIONAL_COLUMNS.get(s, ())) for s, labels in MASTER_SHEETS.items()}
        criteria = _criteria(_read_table(wb, CRITERIA_SHEET, CRITERIA_LABELS, name), name) \
            if CRITERIA_SHEET in wb.sheetnames else DEFAULT_CRITERIA
        mapping = _read_table(wb, MAPPING_SHEET, MAPPING_LABELS, name) if MAPPING_SHEET in wb.sheetnames else None
        ledger_rows = _ledger_rows(wb)
    finally:
        wb.close()

    info = {rec["項目"]: rec["値"] for _, rec in tables["基本情報"]}
    for key in INFO_KEYS:
        if not info.get(key):
            raise MasterError(f"{name} シート「基本情報」: 項目「{key}」の値がありません。")
    try:
        start, _ = parse_year(info["計画年度"])
        end, _ = parse_year(info["計画期間終了"])
    except ValueError as exc:
        raise MasterError(f"{name} シート「基本情報」: 計画年度・計画期間終了を読み取れません（{exc}）。R7 のように記入してください。") from exc
    if start is None or end is None or not 0 <= end - start <= 9:
        raise MasterError(f"{name} シート「基本情報」: 計画年度（{info['計画年度']}）と計画期間終了（{info['計画期間終了']}）の関係が正しくありません。")

    unit = label_key(info["金額単位"]).strip("()")
    if unit != UNIT:  # the templates' money columns, the messages and the draft all speak 千円
        row = max(r for r, rec in tables["基本情報"] if rec["項目"] == "金額単位")  # the row `info` took
        raise MasterError(f"{name} シート「基本情報」{row} 行目: 金額単位「{info['金額単位']}」には対応していません。"
                          f"調書の事業費・財源の欄は{UNIT}単位のため、「{UNIT}」と記入してください。")

    def dup(sheet: str, row: int, col: int, code: str) -> MasterError:
        return MasterError(f"{name} シート「{sheet}」セル {column_letter(col)}{row}: コード「{code}」が重複しています。コードは一意にしてください。")

    # 施策体系
    policies: dict[str, str] = {}
    policy_measures: dict[str, list[str]] = {}
    measures: dict[str, dict] = {}
    directions: dict[str, Direction] = {}
    plain_measure_rows: set[str] = set()
    for r, rec in tables["施策体系"]:
        pc, mc, dc = norm_code(rec["基本政策番号"]), norm_code(rec["施策コード"]), norm_code(rec["展開方向コード"])
        if not pc or not mc:
            raise MasterError(f"{name} シート「施策体系」{r} 行目: 基本政策番号と施策コードは必須です。")
        if policies.get(pc, rec["基本政策名"]) != rec["基本政策名"]:
            raise MasterError(f"{name} シート「施策体系」{r} 行目: 基本政策番号「{pc}」の名称が他の行と異なります。")
        policies[pc] = rec["基本政策名"]
        if mc in measures and rec["関係課"] and measures[mc]["related"] not in ("", rec["関係課"]):
            raise MasterError(f"{name} シート「施策体系」{r} 行目: 施策「{mc}」の関係課が他の行と異なります。"
                              "同じ施策の行には同じ関係課を記入するか、１行だけに記入してください。")
        if mc in measures:
            m = measures[mc]
            if m["policy"] != pc or m["name"] != rec["施策名"]:
                raise dup("施策体系", r, 3, mc)
        else:
            measures[mc] = {"name": rec["施策名"], "policy": pc, "lead": rec["主担当課"], "dirs": [], "related": ""}
            policy_measures.setdefault(pc, []).append(mc)
        if rec["関係課"]:
            measures[mc]["related"] = rec["関係課"]
        if dc:
            if dc in directions:
                raise dup("施策体系", r, 5, dc)
            directions[dc] = Direction(dc, rec["展開方向名"], mc)
            measures[mc]["dirs"].append(directions[dc])
        elif mc in plain_measure_rows:
            raise dup("施策体系", r, 3, mc)
        else:
            plain_measure_rows.add(mc)
    if not measures:
        raise MasterError(f"{name} シート「施策体系」に施策がありません。")
    measure_objs = {c: Measure(c, m["name"], m["policy"], m["lead"], tuple(m["dirs"]), m["related"])
                    for c, m in measures.items()}
    policy_objs = {c: Policy(c, n, tuple(policy_measures.get(c, ()))) for c, n in policies.items()}

    # リスクシナリオ
    risk_goals: dict[str, str] = {}
    scenarios: dict[str, Scenario] = {}
    for r, rec in tables["リスクシナリオ"]:
        gc, sc = norm_code(rec["目標番号"]), norm_code(rec["リスクシナリオ番号"])
        if gc:
            risk_goals.setdefault(gc, rec["事前に備えるべき目標"])
        if not sc:
            continue
        if sc in scenarios:
            raise dup("リスクシナリオ", r, 3, sc)
        goal = gc or sc.split("-")[0]
        scenarios[sc] = Scenario(sc, rec["起きてはならない最悪の事態"], goal, risk_goals.get(goal, rec["事前に備えるべき目標"]))

    # 総合戦略
    goal_recs: dict[str, dict] = {}
    strategy_measures: dict[str, StrategyMeasure] = {}
    for r, rec in tables["総合戦略"]:
        gc, mc = norm_code(rec["基本目標番号"]), norm_code(rec["具体的施策コード"])
        if not gc:
            continue
        g = goal_recs.setdefault(gc, {"name": rec["基本目標"], "target": rec["数値目標"], "measures": []})
        if rec["数値目標"] and rec["数値目標"] not in g["target"]:
            g["target"] = (g["target"] + "\n" + rec["数値目標"]).strip()
        if mc:
            if mc in strategy_measures:
                raise dup("総合戦略", r, 3, mc)
            strategy_measures[mc] = StrategyMeasure(mc, rec["具体的施策"], gc)
            g["measures"].append(strategy_measures[mc])
    goals = {c: BasicGoal(c, g["name"], g["target"], tuple(g["measures"])) for c, g in goal_recs.items()}

    # 課一覧
    departments: dict[str, Department] = {}
    codes_seen: dict[str, str] = {}
    for r, rec in tables["課一覧"]:
        dept = rec["課"].strip()
        if not dept:
            continue
        code = norm_code(rec["課コード"])
        if dept in departments:
            raise MasterError(f"{name} シート「課一覧」セル B{r}: 課「{dept}」が重複しています。")
        if code and code in codes_seen:
            raise dup("課一覧", r, 3, code)
        codes_seen[code] = dept
        departments[dept] = Department(dept, rec["部局"], code)
    if not departments:
        raise MasterError(f"{name} シート「課一覧」に課がありません。")

    accounts = tuple(dict.fromkeys(rec["会計"] for _, rec in tables["会計"] if rec["会計"]))
    try:
        budget_settings = read_settings(mapping, info, f"R{start}", name)
    except MappingError as exc:
        raise MasterError(str(exc)) from exc
    ledger = read_ledger(ledger_rows, name, measure_objs)
    return Master(
        path=path, city=info["自治体名"], plan_name=info["総合計画名"], resilience_name=info["強靱化計画名"],
        strategy_name=info["総合戦略名"], start_year=start, end_year=end, unit=UNIT,
        policies=policy_objs, measures=measure_objs, directions=directions, scenarios=scenarios,
        risk_goals=risk_goals, goals=goals, strategy_measures=strategy_measures,
        departments=departments, accounts=accounts, criteria=criteria, budget_settings=budget_settings,
        ledger=ledger,
    )


def _ledger_rows(wb: _Sheets) -> dict[str, list[tuple]]:
    """The cell values of the optional 個別計画 sheet ({} without it; a sheet that cannot be read gives no
    rows, which the ledger reports as unusable: a broken ledger never stops the run)."""
    out: dict[str, list[tuple]] = {}
    for sheet in wb.sheetnames:
        if name_key(sheet) == LEDGER_SHEET:
            try:
                out[sheet] = wb.rows(sheet)
            except Exception:  # noqa: BLE001 - reported by read_ledger as a sheet without a header
                out[sheet] = []
            break
    return out


def _criteria(rows: list[tuple[int, dict[str, str]]], name: str) -> Criteria:
    """評価基準: rows with a lower bound are the steps (highest first); of the rows without one, the
    first is the rating below every bound (悪化) and the second the one for KPIs that cannot be
    rated (未把握)."""
    where = f"{name} シート「{CRITERIA_SHEET}」"
    steps: list[tuple[str, float, str]] = []
    rest: list[tuple[str, str]] = []
    for r, rec in rows:
        label, bound = rec["評価"], rec["進捗率の下限（%）"]
        if not label:
            raise MasterError(f"{where} セル A{r}: 評価の記号がありません。")
        if label in [s[0] for s in steps] + [x[0] for x in rest]:
            raise MasterError(f"{where} セル A{r}: 評価「{label}」が重複しています。")
        if bound:
            value, suffix = read_number(bound.removesuffix("%").removesuffix("％"))
            if value is None or suffix:
                raise MasterError(f"{where} セル B{r}: 下限「{bound}」を数値として読み取れません（例: 100、10、-10）。")
            steps.append((label, value, rec["意味"]))
        else:
            rest.append((label, rec["意味"]))
    if not steps or len(rest) != 2:
        raise MasterError(f"{where}: 下限のある評価を1つ以上と、下限が空欄の評価を2つ（下限を下回る場合・未把握）の順に記入してください。")
    steps.sort(key=lambda s: -s[1])
    return Criteria(tuple(steps), rest[0], rest[1])
