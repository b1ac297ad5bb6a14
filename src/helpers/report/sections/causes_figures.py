"""Figures of the causes-and-solutions analysis, in the suite's visual style."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import TwoSlopeNorm  # noqa: E402

from helpers.analyses.causes import ALPHA, GROUPS, CorrelationResult, format_coefficient  # noqa: E402
from helpers.report.formatting import number  # noqa: E402
from helpers.report.plots import STYLE, mark_simulated  # noqa: E402
from helpers.text import t  # noqa: E402


def correlation_heatmap(result: CorrelationResult, lang: str = "vi", simulated: bool = False) -> plt.Figure:
    """Causes (rows) × solutions (columns): the coefficient in each cell, * where Holm-adjusted p < 0.05."""
    values = result.r.to_numpy(dtype=float)
    flagged = result.p_holm.to_numpy(dtype=float) < ALPHA
    limit = max(0.5, float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 0.5)
    with plt.rc_context({**STYLE, "axes.grid": False, "axes.spines.top": True, "axes.spines.right": True}):
        fig, ax = plt.subplots(figsize=(7, 5.8))
        image = ax.imshow(np.ma.masked_invalid(values), cmap="RdBu_r",
                          norm=TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit))
        for i, j in np.ndindex(values.shape):
            if np.isfinite(values[i, j]):
                text = format_coefficient(values[i, j], lang) + ("*" if flagged[i, j] else "")
                colour = "white" if abs(values[i, j]) > 0.6 * limit else "#222222"
                ax.text(j, i, text, ha="center", va="center", fontsize=9, color=colour,
                        fontweight="bold" if flagged[i, j] else "normal")
            else:
                ax.text(j, i, "–", ha="center", va="center", fontsize=9, color="#777777")
        ax.set_xticks(range(len(GROUPS)), [t("causes.axis.solution_short", lang, k=k) for k in GROUPS],
                      rotation=35, ha="right")
        ax.set_yticks(range(len(GROUPS)), [t("causes.axis.cause_short", lang, k=k) for k in GROUPS])
        ax.tick_params(length=0)
        bar = fig.colorbar(image, ax=ax, shrink=0.85)
        bar.set_label(t("causes.axis.colorbar", lang, method=t(f"causes.method.{result.method}", lang)))
        bar.ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: number(v, lang, 1)))
        ax.set_title(t("causes.axis.holm_note", lang), fontsize=8, loc="left", color="#444444")
        fig.tight_layout()
        if simulated:
            mark_simulated(fig, lang)
    return fig
