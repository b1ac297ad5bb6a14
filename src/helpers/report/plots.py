"""Shared figure pieces: one seaborn theme, the dot-and-interval forest, and embedding as a desktop and a phone
rendering with alt text. Each analysis draws its own figures in its section module (helpers.report.sections).

A figure is given to :func:`figure_html` as a *drawing function* of the width in inches, so that it is drawn
twice: at :data:`DESKTOP_WIDTH` for screens and print, and at :data:`PHONE_WIDTH` for phones, where the browser
picks it. One inch is shown as :data:`CSS_PX_PER_INCH` CSS pixels and no figure is scaled down on a phone, so a
font of :data:`MIN_TEXT_PT` points is at least as large as the body text in both."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import matplotlib
import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.text import Text

from helpers.text import t

DESKTOP_WIDTH = 7.0  # inches: 700 CSS px, inside the 60rem column
PHONE_WIDTH = 3.3  # inches: 330 CSS px, a 360-px phone less the page margins
CSS_PX_PER_INCH = 100
SAVE_DPI = 150  # 1.5 image pixels per CSS pixel: sharp on most screens, small enough to embed twice
PHONE_MEDIA = "screen and (max-width: 40rem)"  # the phone breakpoint of report.css
MIN_TEXT_PT = 12.0  # 16.7 CSS px: the body text is 16 px on a desktop and 15 px on a phone

STYLE = {
    "font.family": "DejaVu Sans",  # ships with matplotlib and covers Vietnamese diacritics
    "font.size": MIN_TEXT_PT,
    "axes.titlesize": MIN_TEXT_PT + 1,
    "axes.labelsize": MIN_TEXT_PT,
    "xtick.labelsize": MIN_TEXT_PT,
    "ytick.labelsize": MIN_TEXT_PT,
    "legend.fontsize": MIN_TEXT_PT,
    "legend.title_fontsize": MIN_TEXT_PT,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#dddddd",
    "figure.dpi": CSS_PX_PER_INCH,
    "savefig.dpi": SAVE_DPI,
}
PALETTE = {"removed": "#b03a2e", "asked_to_leave": "#2e6fb0", "expelled": "#7d6608", "total": "#555555"}


@contextmanager
def theme(**rc) -> Iterator[None]:
    """The one theme of every figure: seaborn's white grid at the report's text sizes (``rc`` overrides)."""
    settings = {**sns.axes_style("whitegrid"), **sns.plotting_context("notebook"), **STYLE, **rc}
    with plt.rc_context(settings):
        yield


def is_phone(width: float) -> bool:
    """Whether a drawing function is drawing the phone rendering (fewer ticks, wrapped labels, taller)."""
    return width < DESKTOP_WIDTH - 1e-9


def mark_simulated(fig: plt.Figure, lang: str) -> None:
    """Write 'simulated data' inside the figure, so the image says so even when copied out of the report. The
    figure grows by one line at the bottom for it, so it never covers an axis label (call after the layout)."""
    width, height = fig.get_size_inches()
    extra = MIN_TEXT_PT / 72 * 1.6
    fig.set_size_inches(width, height + extra)
    for ax in fig.axes:
        box = ax.get_position()
        ax.set_position(
            [box.x0, (box.y0 * height + extra) / (height + extra), box.width, box.height * height / (height + extra)]
        )
    fig.text(
        0.99,
        0.2 * extra / (height + extra),
        t("report.simulated_tag", lang),
        ha="right",
        va="bottom",
        fontsize=MIN_TEXT_PT,
        color="#8c1c13",
        alpha=0.8,
    )


def text_sizes(fig: plt.Figure) -> list[float]:
    """The font sizes (points) of every visible, non-empty piece of text in the figure."""
    sizes = []
    for artist in fig.findobj(Text):
        if artist.get_visible() and artist.get_text().strip() and _inside(artist, fig):
            sizes.append(float(artist.get_fontsize()))
    return sizes


def _inside(artist: Text, fig: plt.Figure) -> bool:
    # Tick labels beyond an axis's limits exist as invisible-in-practice Text objects outside the canvas.
    try:
        box = artist.get_window_extent(renderer=fig.canvas.get_renderer())
    except (RuntimeError, ValueError):
        return True
    width, height = fig.bbox.width, fig.bbox.height
    return box.x1 > 0 and box.y1 > 0 and box.x0 < width and box.y0 < height


def _png(fig: plt.Figure) -> tuple[str, int, int, float]:
    """The figure as base64 PNG, its CSS width and height, and its smallest text in points."""
    width_in, height_in = fig.get_size_inches()
    smallest = min(text_sizes(fig), default=MIN_TEXT_PT)
    buffer = io.BytesIO()
    # No metadata: the same figure gives the same bytes, so two runs give the same report.
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return data, round(width_in * CSS_PX_PER_INCH), round(height_in * CSS_PX_PER_INCH), smallest


def figure_html(draw: Callable[[float], plt.Figure], alt: str, caption: str) -> str:
    """The figure drawn by ``draw(width_in_inches)`` at desktop and phone width, embedded as two PNGs (no external
    file, no network) the browser chooses between, with alt text and a caption. The smallest text of each
    rendering is written beside it (``data-text-pt``) for the report's text checks."""
    if isinstance(draw, plt.Figure):  # not yet a drawing function: one rendering, which the text checks refuse
        data, width, height, smallest = _png(draw)
        return (
            f'<figure><img src="data:image/png;base64,{data}" width="{width}" height="{height}" '
            f'data-text-pt="{smallest:g}" alt="{html.escape(alt, quote=True)}"/>'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )
    with theme():
        desktop = _png(draw(DESKTOP_WIDTH))
    with theme():
        phone = _png(draw(PHONE_WIDTH))
    return (
        "<figure><picture>"
        f'<source media="{PHONE_MEDIA}" srcset="data:image/png;base64,{phone[0]}" width="{phone[1]}" '
        f'height="{phone[2]}" data-text-pt="{phone[3]:g}"/>'
        f'<img src="data:image/png;base64,{desktop[0]}" width="{desktop[1]}" height="{desktop[2]}" '
        f'data-text-pt="{desktop[3]:g}" alt="{html.escape(alt, quote=True)}"/>'
        f"</picture><figcaption>{html.escape(caption)}</figcaption></figure>"
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
    width: float = DESKTOP_WIDTH,
    row_height: float = 0.5,
    margin: float = 1.4,
    reference_style: dict | None = None,
    lang: str = "vi",
    simulated: bool = False,
    decorate=None,
) -> plt.Figure:
    """Dot-and-interval rows, top to bottom in the order given, with a vertical reference line: the shape of every
    estimate-with-its-95%-interval figure. On a phone each label stands on its own line above its row, so the
    intervals keep the whole width. ``decorate(ax, ys)`` adds a figure's own marks (a log scale, a label)."""
    phone = is_phone(width)
    wrapped = [textwrap_label(str(label_text), 30 if phone else 34) for label_text in labels]
    lines = [label_text.count("\n") + 1 for label_text in wrapped]
    per_row = [row_height + (0.24 * n if phone else 0.2 * max(n - 1, 0)) for n in lines]
    with theme(**{"axes.grid.axis": "x"}):
        fig, ax = plt.subplots(figsize=(width, sum(per_row) + margin))
        ys, tops, y = [], [], 0.0
        for height in per_row[::-1]:
            ys.append(y + row_height / 2 if phone else y + height / 2)
            tops.append(y + height)
            y += height
        ys, tops = ys[::-1], tops[::-1]
        for yy, e, lo, hi, colour in zip(ys, estimate, low, high, colours):
            ax.errorbar(e, yy, xerr=[[e - lo], [hi - e]], fmt="o", color=colour, capsize=3)
        ax.axvline(reference, **(reference_style or {"color": "#333333", "linewidth": 0.8}))
        ax.set_ylim(0, y)
        if decorate is not None:
            decorate(ax, ys)
        # Labels are drawn as plain text: a dollar sign would otherwise start matplotlib's math mode.
        plain = [label_text.replace("$", r"\$") for label_text in wrapped]
        if phone:
            ax.set_yticks([])
            ax.spines["left"].set_visible(False)
            for top, label_text in zip(tops, plain):
                ax.annotate(
                    label_text,
                    xy=(0, top - 0.04),
                    xycoords=("axes fraction", "data"),
                    va="top",
                    ha="left",
                    fontsize=MIN_TEXT_PT,
                    zorder=5,
                    # grid and reference lines pass behind the label, not through it
                    bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"},
                )
            for top in tops[1:]:
                ax.axhline(top, color="#dddddd", linewidth=0.6, zorder=0)
        else:
            ax.set_yticks(ys, plain)
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(xformat))
        if phone:
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(4))
        fig.tight_layout()
        if simulated:
            mark_simulated(fig, lang)
    return fig


def textwrap_label(text: str, width: int = 38) -> str:
    """Wrap a long category label onto several lines for an axis."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width))
