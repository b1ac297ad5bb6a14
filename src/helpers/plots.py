"""Figures in one visual style, embedded in the report as PNG with alt text."""
from __future__ import annotations

import base64
import html
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from helpers.codes import label  # noqa: E402
from helpers.formatting import number  # noqa: E402
from helpers.text import t  # noqa: E402

STYLE = {
    "font.family": "DejaVu Sans",  # ships with matplotlib and covers Vietnamese diacritics
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#dddddd",
    "figure.dpi": 100,
    "savefig.dpi": 150,
}
PALETTE = {"removed": "#b03a2e", "asked_to_leave": "#2e6fb0", "expelled": "#7d6608", "total": "#555555"}


def mark_simulated(fig: plt.Figure, lang: str) -> None:
    """Write 'simulated data' inside the figure, so the image says so even when copied out of the report."""
    fig.text(0.99, 0.01, t("report.simulated_tag", lang), ha="right", va="bottom", fontsize=8, color="#8c1c13",
             alpha=0.8)


def term_bars(table: pd.DataFrame, kinds: list[str], lang: str = "vi", simulated: bool = False) -> plt.Figure:
    """Grouped bars: each kind of exit per term, with the count written on each bar."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7, 3.6))
        width = 0.8 / len(kinds)
        for i, kind in enumerate(kinds):
            xs = [j + (i - (len(kinds) - 1) / 2) * width for j in range(len(table))]
            values = table[kind].astype(float)
            bars = ax.bar(xs, values, width=width, color=PALETTE.get(kind, "#888888"),
                          label=label("exit_kind", kind, lang))
            ax.bar_label(bars, labels=[number(v, lang) for v in values], padding=2, fontsize=9)
        ax.set_xticks(range(len(table)), [t.replace("-", "–") for t in table["term"]])
        ax.set_ylabel(t("report.axis.members", lang))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: number(v, lang)))
        ax.legend(frameon=False, loc="upper left")
        fig.tight_layout()
        if simulated:
            mark_simulated(fig, lang)
    return fig


def figure_html(fig: plt.Figure, alt: str, caption: str) -> str:
    """The figure as an embedded PNG (no external file, no network) with alt text and a caption."""
    buffer = io.BytesIO()
    # No metadata: the same figure gives the same bytes, so two runs give the same report.
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}"/>'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")
