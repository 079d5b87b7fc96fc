"""The 効果検証報告書's charts as PNG images: ratings per 基本政策 and 執行率 per 施策, the two the workbook's
進行管理の集計 sheet draws natively.  matplotlib (Agg, no pyplot state) draws them at print resolution from
the progress frames; the PNG carries no time or version text, so the same frames give the same bytes.

A chart needs a Japanese font for its labels: the first of FONTS that the machine has.  Without one
the chart is left out (`japanese_font()` is None) and the report says so, rather than printing boxes.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from ..models import Master
from ..ratings import RATING_COLOURS

# Windows / macOS / Linux (Noto CJK, IPA) fonts, sans-serif like the report's headings
FONTS = ("Yu Gothic", "Meiryo", "MS Gothic", "Hiragino Sans", "Noto Sans CJK JP", "IPAexGothic", "IPAGothic",
         "TakaoGothic", "VL Gothic")
DPI = 220  # print resolution at the size the report places them
WIDTH_CM = 16.0
BAR_CM = 0.55  # height per bar row of the 執行率 chart
MAX_HEIGHT_CM = 21.0
RATE_COLOUR = "#5B9BD5"
CM = 1 / 2.54
OFF_MASTER = "（施策体系にない施策コード）"  # the workbook's wording


@dataclass(frozen=True)
class Chart:
    title: str  # the 図 caption
    png: bytes
    width_cm: float
    height_cm: float


@lru_cache(maxsize=1)
def japanese_font() -> str | None:
    """The first font of FONTS that matplotlib finds, or None."""
    from matplotlib import font_manager

    have = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in FONTS if name in have), None)


def rating_rows(by_policy: pd.DataFrame, master: Master) -> list[tuple[str, list[int]]]:
    """(基本政策 label, count per rating in the criteria's order) for every 基本政策 with rated KPIs."""
    labels = master.criteria.labels
    rows = [(_policy_label(master, code), [int(row[f"評価:{r}"]) for r in labels]) for code, row in by_policy.iterrows()]
    return [(name, counts) for name, counts in rows if sum(counts)]


def rate_rows(by_measure: pd.DataFrame, master: Master) -> list[tuple[str, float]]:
    """(施策 label, 執行率 %) for every 施策 that has one."""
    return [(_measure_label(master, code), float(v)) for code, v in by_measure["執行率"].items() if not pd.isna(v)]


def rating_chart(by_policy: pd.DataFrame, master: Master) -> Chart | None:
    """Stacked bars: the 成果指標 ratings of each 基本政策 (rating_rows), the count written in each part."""
    labels = master.criteria.labels
    rows = rating_rows(by_policy, master)
    if not rows:
        return None
    names = [name for name, _ in rows]
    height = min(MAX_HEIGHT_CM, 3.2 + BAR_CM * 1.3 * len(rows))

    def draw(ax) -> None:  # noqa: ANN001 - a matplotlib Axes
        left = [0] * len(rows)
        for i, label in enumerate(labels):
            values = [counts[i] for _, counts in rows]
            ax.barh(names, values, left=left, color=RATING_COLOURS[min(i, len(RATING_COLOURS) - 1)], label=label,
                    edgecolor="white", linewidth=0.5, height=0.6)
            for y, (x0, v) in enumerate(zip(left, values)):
                if v:
                    ax.text(x0 + v / 2, y, str(v), ha="center", va="center", fontsize=7)
            left = [a + b for a, b in zip(left, values)]
        ax.set_xlabel("指標数")
        ax.legend(ncol=len(labels), loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=8, frameon=False)

    return _render(f"成果指標の評価（基本政策別、{master.evaluated_year}実績）", height, draw)


def rate_chart(by_measure: pd.DataFrame, master: Master) -> Chart | None:
    """Bars: the 執行率 of each 施策 that has one (rate_rows), with the 100 % line."""
    rates = rate_rows(by_measure, master)
    if not rates:
        return None
    names = [name for name, _ in rates]
    height = min(MAX_HEIGHT_CM, 2.6 + BAR_CM * len(rates))

    def draw(ax) -> None:  # noqa: ANN001
        values = [v for _, v in rates]
        ax.barh(names, values, color=RATE_COLOUR, height=0.6)
        ax.axvline(100, color="#7F7F7F", linewidth=0.8, linestyle="--")
        for y, v in enumerate(values):
            ax.text(v + 1, y, f"{v:.1f}%", va="center", fontsize=6.5)
        ax.set_xlim(0, max(120.0, max(values) * 1.12))
        ax.set_xlabel("執行率（%）＝ 決算見込額 ÷ 計画額 × 100")

    return _render(f"執行率（施策別、{master.evaluated_year}）", height, draw)


def _render(title: str, height_cm: float, draw) -> Chart | None:  # noqa: ANN001 - draw(ax)
    font = japanese_font()
    if font is None:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_CM * CM, height_cm * CM), dpi=DPI)
    FigureCanvasAgg(fig)
    with _style(font):
        ax = fig.add_subplot()
        draw(ax)
        ax.invert_yaxis()  # first row on top, as in the tables
        ax.tick_params(axis="y", labelsize=7.5, length=0)
        ax.tick_params(axis="x", labelsize=7.5)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.grid(axis="x", color="#D9D9D9", linewidth=0.5)
        ax.set_axisbelow(True)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return Chart(title, out.getvalue(), WIDTH_CM, height_cm)


def _style(font: str):  # noqa: ANN202 - a context manager
    import matplotlib

    return matplotlib.rc_context({"font.family": font, "axes.unicode_minus": False, "font.size": 8})


def _policy_label(master: Master, code: str) -> str:
    policy = master.policies.get(code)
    return f"{code} {policy.name}" if policy else f"{code} {OFF_MASTER}"


def _measure_label(master: Master, code: str) -> str:
    measure = master.measures.get(code)
    return f"{code} {measure.name}" if measure else f"{code} {OFF_MASTER}"
