"""Figures in one visual style, embedded in the report as PNG with alt text."""

from __future__ import annotations

import base64
import html
import io

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd

from helpers.data.codes import label
from helpers.data.terms import term_label
from helpers.report.formatting import number
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


def term_bars(table: pd.DataFrame, kinds: list[str], lang: str = "vi", simulated: bool = False) -> plt.Figure:
    """Grouped bars: each kind of exit per term, with the count written on each bar."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7, 3.6))
        width = 0.8 / len(kinds)
        for i, kind in enumerate(kinds):
            xs = [j + (i - (len(kinds) - 1) / 2) * width for j in range(len(table))]
            values = table[kind].astype(float)
            bars = ax.bar(
                xs, values, width=width, color=PALETTE.get(kind, "#888888"), label=label("exit_kind", kind, lang)
            )
            ax.bar_label(bars, labels=[number(v, lang) for v in values], padding=2, fontsize=9)
        ax.set_xticks(range(len(table)), [term_label(t) for t in table["term"]])
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
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}"/>'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def _term_boundaries(ax, knots: tuple[int, ...]) -> None:
    for knot in knots:
        ax.axvline(knot + 0.5, color="#999999", linestyle="--", linewidth=0.8)


def annual_trend(
    yearly: pd.DataFrame, fits: dict, knots: tuple[int, ...], lang: str = "vi", simulated: bool = False
) -> plt.Figure:
    """Annual counts with the fitted line (top) and rates per 1,000 members (bottom), term boundaries dashed."""
    with plt.rc_context(STYLE):
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 5.6), sharex=True)
        for kind, fit in fits.items():
            colour = PALETTE.get(kind, "#555555")
            name = (
                label("exit_kind", kind, lang)
                if kind in PALETTE and kind != "total"
                else t("report.terms.col_total", lang)
            )
            top.plot(yearly["year"], yearly[kind], "o", color=colour, label=name)
            top.plot(fit.years, fit.fitted_counts(), "-", color=colour, alpha=0.8)
            bottom.plot(yearly["year"], yearly[f"{kind}_rate"], "o-", color=colour, label=name)
        for ax in (top, bottom):
            _term_boundaries(ax, knots)
            ax.yaxis.set_major_formatter(
                matplotlib.ticker.FuncFormatter(lambda v, _: number(v, lang, 1 if v % 1 else 0))
            )
        top.set_ylabel(t("report.axis.members", lang))
        bottom.set_ylabel(t("report.axis.rate", lang))
        bottom.set_xlabel(t("report.axis.year", lang))
        bottom.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        top.legend(frameon=False, fontsize=8)
        fig.tight_layout()
        if simulated:
            mark_simulated(fig, lang)
    return fig


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


def apc_forest(apc: pd.DataFrame, lang: str = "vi", simulated: bool = False) -> plt.Figure:
    """Annual percent change per term and series with 95% intervals; terms not fitted are left out."""
    shown = apc[apc["fitted"]].reset_index(drop=True)
    return forest(
        [f"{term_label(row.term)} · {_series_label(row.series, lang)}" for row in shown.itertuples()],
        shown["apc"],
        shown["apc_low"],
        shown["apc_high"],
        [PALETTE.get(series, "#555555") for series in shown["series"]],
        0,
        t("report.axis.apc", lang),
        lambda v, _: number(v, lang) + "%",
        lang=lang,
        simulated=simulated,
    )


def _series_label(series: str, lang: str) -> str:
    return t("report.terms.col_total", lang) if series == "total" else label("exit_kind", series, lang)


def funnel(table: pd.DataFrame, curves: pd.DataFrame, lang: str = "vi", simulated: bool = False) -> plt.Figure:
    """Each unit's rate against its size, with 95% and 99.8% limits around the overall rate; flagged units named."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7, 4.2))
        overall = float(table["overall_rate"].iloc[0])
        ax.axhline(overall, color="#333333", linewidth=1)
        for name, style in (("95", "--"), ("99.8", ":")):
            for side in ("low", "high"):
                ax.plot(
                    curves["exposure"],
                    curves[f"{side}_{name}"],
                    style,
                    color="#777777",
                    linewidth=1,
                    label=t(f"report.funnel.limit_{name.replace('.', '_')}", lang) if side == "low" else None,
                )
        colours = {"above": "#b03a2e", "below": "#2e6fb0", "warning": "#d68910", "within": "#555555"}
        ax.scatter(table["exposure"], table["rate"], c=table["flag"].map(colours), zorder=3)
        for row in table[table["flag"] != "within"].itertuples():
            ax.annotate(row.unit_code, (row.exposure, row.rate), textcoords="offset points", xytext=(5, 4), fontsize=9)
        ax.set_xlabel(t("report.axis.member_years", lang))
        ax.set_ylabel(t("report.axis.rate", lang))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: number(v, lang)))
        ax.legend(frameon=False, fontsize=8)
        fig.tight_layout()
        if simulated:
            mark_simulated(fig, lang)
    return fig


def projection_bars(
    baseline: float,
    allowed: float,
    observed: float,
    expected: float,
    low: float,
    high: float,
    labels: tuple[str, str, str],
    lang: str = "vi",
    simulated: bool = False,
) -> plt.Figure:
    """Previous term, the target, and the current term (observed + projected with its 95% interval)."""
    with plt.rc_context({**STYLE, "axes.grid.axis": "x"}):
        fig, ax = plt.subplots(figsize=(7, 2.4))
        ax.barh([2], [baseline], color="#999999")
        ax.barh([0], [expected], color="#b03a2e", alpha=0.85)
        ax.barh([0], [observed], color="#7b241c")
        if high > low:
            ax.errorbar(
                [expected], [0], xerr=[[expected - low], [high - expected]], fmt="none", color="#000000", capsize=4
            )
        ax.axvline(allowed, color="#1e8449", linewidth=2)
        ax.set_yticks([2, 1, 0], list(labels))
        ax.text(allowed, 1, " " + number(allowed, lang), color="#1e8449", va="center")
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: number(v, lang)))
        fig.tight_layout()
        if simulated:
            mark_simulated(fig, lang)
    return fig


def ratio_forest(
    labels: list[str],
    ratio: list[float],
    low: list[float],
    high: list[float],
    lang: str = "vi",
    simulated: bool = False,
) -> plt.Figure:
    """Over-representation ratios with 95% intervals on a log scale; 1 (equal shares) is marked."""

    def log_scale(ax, ys) -> None:
        ax.set_xscale("log")
        ticks = [v for v in (0.1, 0.2, 0.5, 1, 1.5, 2, 3, 5, 10, 20) if min(low) / 1.5 <= v <= max(high) * 1.5]
        ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(ticks))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())

    return forest(
        [textwrap_label(label_text) for label_text in labels],
        ratio,
        low,
        high,
        [PALETTE["removed"]] * len(labels),
        1,
        t("report.axis.ratio", lang),
        lambda v, _: number(v, lang, 1 if v % 1 else 0),
        row_height=0.5,
        lang=lang,
        simulated=simulated,
        decorate=log_scale,
    )


def textwrap_label(text: str, width: int = 38) -> str:
    """Wrap a long category label onto several lines for an axis."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width))
