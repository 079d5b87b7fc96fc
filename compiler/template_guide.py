"""The 記入要領 sheet of a department workbook: what each column means, the rules the compiler applies,
and the code lists (施策, リスクシナリオ, 基本目標, SDGs)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from xlsxwriter.worksheet import Worksheet

from .models import DATA_SHEETS, SHEET_KPI, SHEET_PLAN, SHEET_RESILIENCE, SHEET_STRATEGY, Department, Master
from .normalise import STATUSES
from .schema import columns_for
from .template_carry import SETTLED
from .template_common import ACTORS, CONTACT, GUIDE_SHEET, LINE_HEIGHT, Styles, lines as _lines, ok

if TYPE_CHECKING:
    from .template_carry import Moved

SDG_NAMES = ("貧困をなくそう", "飢餓をゼロに", "すべての人に健康と福祉を", "質の高い教育をみんなに",
             "ジェンダー平等を実現しよう", "安全な水とトイレを世界中に", "エネルギーをみんなに そしてクリーンに",
             "働きがいも経済成長も", "産業と技術革新の基盤をつくろう", "人や国の不平等をなくそう",
             "住み続けられるまちづくりを", "つくる責任 つかう責任", "気候変動に具体的な対策を", "海の豊かさを守ろう",
             "陸の豊かさも守ろう", "平和と公正をすべての人に", "パートナーシップで目標を達成しよう")


class _Guide:
    """Writes the instructions sheet top to bottom (column A: labels and codes, B: text, C: notes)."""

    WIDTHS = (22, 70, 18)

    def __init__(self, ws: Worksheet, styles: Styles) -> None:
        self.ws, self.s, self.row = ws, styles, 0
        for c, w in enumerate(self.WIDTHS):
            ok(ws.set_column(c, c, w), GUIDE_SHEET, 0, c, "set_column")

    def title(self, text: str) -> None:
        self._text(0, text, self.s.get(bold=True, font_size=14))
        self.row += 1

    def heading(self, text: str) -> None:
        self.row += 1
        self._text(0, f"■ {text}", self.s.get(bold=True, font_size=12, font_color="#1F4E78"))
        self.row += 1

    def para(self, text: str, fmt: object = None) -> None:
        """A paragraph across the sheet's width (merged cells, so its height is set here)."""
        self._height(_lines(text, sum(self.WIDTHS)))
        self._merged(len(self.WIDTHS) - 1, text, fmt or self.s.get(text_wrap=True))
        self.row += 1

    def table(self, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
        for c, text in enumerate(header):
            self._text(c, text, self.s.get(bold=True, border=1, bg_color="#D9D9D9"))
        self.row += 1
        for data in rows:
            if len(data) == 1 and len(header) > 1:  # a group heading across the table
                self._merged(len(header) - 1, data[0], self.s.get(bold=True, bg_color="#F2F2F2", border=1))
            else:
                self._height(max(_lines(text, self.WIDTHS[c]) for c, text in enumerate(data)))
                for c, text in enumerate(data):
                    self._text(c, text, self.s.get(text_wrap=True, border=1))
            self.row += 1

    def _text(self, col: int, text: str, fmt: object) -> None:
        ok(self.ws.write_string(self.row, col, text, fmt), GUIDE_SHEET, self.row, col, "write_string")

    def _merged(self, last_col: int, text: str, fmt: object) -> None:
        """Text across columns 0..last_col, written as a string (never parsed as a formula)."""
        ok(self.ws.merge_range(self.row, 0, self.row, last_col, "", fmt), GUIDE_SHEET, self.row, 0, "merge_range")
        self._text(0, text, fmt)

    def _height(self, lines: int) -> None:
        if lines > 1:  # neither Excel nor LibreOffice grows a row for wrapped text written by a program
            ok(self.ws.set_row(self.row, LINE_HEIGHT * lines + 2), GUIDE_SHEET, self.row, 0, "set_row")


def write_guide(ws: Worksheet, master: Master, dept: Department, styles: Styles, counts: dict[str, int] | None,
                 moved: list[Moved] | None = None) -> None:
    g = _Guide(ws, styles)
    years = master.years
    g.title(f"{master.city} 一体策定調書 記入要領（{dept.name}）")
    g.para(f"対象計画: {master.plan_name} 実施計画（{years[0]}〜{years[-1]}年度）、{master.resilience_name}、{master.strategy_name}")
    g.para(f"所管課: {dept.bureau} {dept.name}（課コード {dept.code}）　金額の単位: {master.unit}")
    g.heading("この調書について")
    g.para("この調書は、総合計画 実施計画・国土強靱化地域計画・総合戦略の３つの計画に載せる事業を、１回でまとめて照会するものです。"
           "同じ事業は、どのシートでも同じ事業名・事業IDで記入してください。")
    g.para("各シートの１行目（見出し）は変更しないでください。列の追加・削除もできません。行が足りないときは行を挿入してください。"
           "使わないシートは削除して構いません。セルを選ぶと記入方法が表示され、▼の付く列は一覧から選べます。")
    g.para("見出しの色: 橙色の列は必須項目、青色の列は任意項目です（該当しない場合は空欄で構いません）。",
           styles.get(text_wrap=True, bold=True))
    if counts is not None:
        g.para(f"前回の計画に載っているこの課の事業を記入済みです（総合計画 {counts[SHEET_PLAN]} 件、国土強靱化 "
               f"{counts[SHEET_RESILIENCE]} 件、総合戦略 {counts[SHEET_STRATEGY]} 件）。新継区分は「継続」としています。"
               f"内容・事業費を今回の計画に合わせて更新し、終了した事業は行を削除してください。{years[-1]}事業費は新たに記入してください。")
        ev = master.evaluated_year
        text = f"継続する事業は進捗状況・{ev}の実績・成果・今後の方向性を記入してください。"
        if counts.get(SETTLED):
            text = (f"{ev}決算見込額には前回の計画の{ev}事業費を入れてあります（{counts[SETTLED]} 件）。"
                    f"決算見込みが異なる事業だけ書き換えてください。") + text
        if counts.get(SHEET_KPI):
            text += f"成果指標シートには前回の成果指標 {counts[SHEET_KPI]} 件を目標値とともに記入済みです。{ev}実績値と実績区分を記入してください。"
        g.para(text)
    if moved:
        listed = "、".join(f"{m.name}（事業ID {m.project_id}、所管課「{m.dept}」）" for m in moved)
        g.para(f"次の事業は、前回の所管課が現在の課一覧にないため、事業IDの課コード（{dept.code}）からこの課の調書に記入しました: "
               f"{listed}。所管課を一覧から選び直してください（他の課の事業であれば{CONTACT}に連絡してください）。",
               styles.get(text_wrap=True, bold=True))
    g.heading("記入のきまり")
    for text in _rules(master):
        g.para("・" + text)
    g.heading("問い合わせ先")
    g.para(f"記入方法や一覧にないコードについては、{master.city} {CONTACT}（計画担当）までお問い合わせください。")
    for sheet in DATA_SHEETS:
        g.heading(f"「{sheet}」シートの記入方法")
        g.table(("見出し", "記入方法", "必須"), [(c.label, c.help, "必須" if c.required else "") for c in columns_for(sheet, years)])
    _write_code_lists(g, master)
    ws.protect("", {"format_columns": True, "format_rows": True})
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def _rules(master: Master) -> tuple[str, ...]:
    first, last = master.years[0], master.years[-1]
    return (
        f"事業費（{first}〜{last}）: 実施しない年度は空欄、費用をかけずに実施する年度は 0 を記入します。"
        "空欄か 0 かで計画書の実施年度（■印）が決まります。金額は千円単位の数値で記入します。",
        f"財源: 財源_国県支出金・地方債・その他・一般財源は {first} 年度事業費の内訳です。記入する場合は、４つの合計が"
        f"「{first}事業費（千円）」と一致するようにしてください。",
        "再掲: １つの事業を複数の施策に載せるときは、主となる施策の行の「再掲施策コード」に他の施策コードを記入します。"
        "別の行として書く場合は、事業名の末尾に（再掲）を付け（例: 雨水排水施設整備事業（再掲））、事業費は主となる行だけに記入します。",
        "事業IDによるつながり: 同じ事業を「国土強靱化」「総合戦略」シートにも書くときは、「総合計画」シートと同じ事業IDを"
        "▼から選びます。新しい事業は事業IDを空欄にし、どのシートでも同じ事業名・所管課で記入してください（集約時に付番されます）。",
        "コード: 複数のコード（リスクシナリオ、再掲施策コード、SDGs、具体的施策コード）は「、」で区切ります（例: 1-3、2-1）。"
        "使えるコードはこのシートの下の一覧のとおりです。",
        f"○印: 国補正予算・重点・デジタル活用・総合戦略KPIは、該当する場合に ○ を選びます。新継区分は {'・'.join(STATUSES)}、"
        f"事業主体は {'・'.join(ACTORS)}（空欄は市）から選びます。",
        "年度: R7・令和7年度・2025 のいずれかの形で記入します。",
    )


def _write_code_lists(g: _Guide, master: Master) -> None:
    g.heading("施策体系（施策コード・展開方向コード）")
    rows: list[tuple[str, ...]] = []
    for policy in master.policies.values():
        rows.append((f"基本政策 {policy.code}　{policy.name}",))
        for code in policy.measures:
            m = master.measures[code]
            rows.append((m.code, m.name, m.lead_dept))
            rows.extend((d.code, f"　└ {d.name}", "") for d in m.directions)
    g.table(("施策・展開方向コード", "施策名・展開方向名", "主担当課"), rows)
    g.heading("リスクシナリオ（起きてはならない最悪の事態）")
    rows = []
    for goal, text in master.risk_goals.items():
        rows.append((f"目標 {goal}　{text}",))
        rows.extend((s.code, s.text) for s in master.scenarios.values() if s.goal_code == goal)
    rows.extend((s.code, s.text) for s in master.scenarios.values() if s.goal_code not in master.risk_goals)
    g.table(("番号", "起きてはならない最悪の事態"), rows)
    g.heading("総合戦略（基本目標番号・具体的施策コード）")
    rows = []
    for goal in master.goals.values():
        rows.append((f"基本目標 {goal.code}　{goal.name}",))
        rows.extend((m.code, m.name) for m in goal.measures)
    g.table(("具体的施策コード", "具体的施策"), rows)
    if master.ledger.plans:
        g.heading("個別計画（総合計画シートの関連個別計画に計画ID又は計画名を記入）")
        g.table(("計画ID", "計画名", "計画期間"), [(p.plan_id, p.name, p.period) for p in master.ledger.plans])
    g.heading("会計")
    g.para("、".join(master.accounts) or "（計画マスタに会計がありません）")
    g.heading("SDGs（ゴール番号）")
    g.table(("番号", "ゴール"), [(str(i), name) for i, name in enumerate(SDG_NAMES, start=1)])
