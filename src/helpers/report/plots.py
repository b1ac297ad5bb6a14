"""Shared figure pieces: one visual style, the dot-and-interval forest, and PNG embedding with alt text. Each
analysis draws its own figures in its section module (helpers.report.sections)."""

from __future__ import annotations

import base64
import html
import io

import matplotlib
import matplotlib.pyplot as plt

from helpers.text import t

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
    fig.text(
        0.99, 0.01, t("report.simulated_tag", lang), ha="right", va="bottom", fontsize=8, color="#8c1c13", alpha=0.8
    )


def figure_html(fig: plt.Figure, alt: str, caption: str) -> str:
    """The figure as an embedded PNG (no external file, no network) with alt text and a caption."""
    buffer = io.BytesIO()
    # No metadata: the same figure gives the same bytes, so two runs give the same report.
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}"/>'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def forest(
    labels: list[str],
    estimate,
    low,
    high,
    colours,
    reference: float,
    xlabel: str,
    xformat,
    row_height: float = 0.45,
    margin: float = 1.2,
    reference_style: dict | None = None,
    lang: str = "vi",
    simulated: bool = False,
    decorate=None,
) -> plt.Figure:
    """Dot-and-interval rows, top to bottom in the order given, with a vertical reference line: the shape of every
    estimate-with-its-95%-interval figure. ``decorate(ax, ys)`` adds a figure's own marks (a log scale, a label)."""
    with plt.rc_context({**STYLE, "axes.grid.axis": "x"}):
        fig, ax = plt.subplots(figsize=(7, row_height * len(labels) + margin))
        ys = list(range(len(labels)))[::-1]
        for y, e, lo, hi, colour in zip(ys, estimate, low, high, colours):
            ax.errorbar(e, y, xerr=[[e - lo], [hi - e]], fmt="o", color=colour, capsize=3)
        ax.axvline(reference, **(reference_style or {"color": "#333333", "linewidth": 0.8}))
        if decorate is not None:
            decorate(ax, ys)
        # Labels are drawn as plain text: a dollar sign would otherwise start matplotlib's math mode.
        ax.set_yticks(ys, [str(label_text).replace("$", r"\$") for label_text in labels])
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(xformat))
        fig.tight_layout()
        if simulated:
            mark_simulated(fig, lang)
    return fig


def textwrap_label(text: str, width: int = 38) -> str:
    """Wrap a long category label onto several lines for an axis."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width))
