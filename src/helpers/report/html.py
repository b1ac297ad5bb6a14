"""Small HTML pieces every report section is written with: paragraphs, lists, tables; everything escaped."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable

import pandas as pd

from helpers.text import t


def html_table(
    frame: pd.DataFrame,
    formats: dict[str, Callable[[object], str]],
    headers: dict[str, str],
    caption: str | None = None,
    note: str | None = None,
) -> str:
    """An HTML table of the columns named in ``headers``, each formatted by ``formats`` (default ``str``).

    The first column (the row's name) stays in view when a wide table scrolls; columns of words rather than
    numbers are left-aligned and wrap (``td.text``), numbers stay right-aligned on one line."""
    shown = pd.DataFrame({c: frame[c].map(formats.get(c, str)) for c in headers})
    shown = shown.map(lambda v: "–" if v is None or (isinstance(v, float) and v != v) else v)
    text = {c for c in list(headers)[1:] if _words_column(shown[c])}
    head = "".join(f'<th scope="col">{escape(headers[c])}</th>' for c in headers)
    rows = []
    for values in shown.itertuples(index=False):
        cells = []
        for column, value in zip(headers, values):
            css = ' class="text"' if column in text else ""
            cells.append(f"<td{css}>{escape(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    body = (
        f'<table class="report-table"><thead><tr>{head}</tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody></table>"
    )
    # A wide table scrolls inside this box; tabindex and a label let keyboard and screen-reader users reach it.
    label = escape(caption or ", ".join(headers.values()))
    parts = [f'<div class="table-wrap" tabindex="0" role="region" aria-label="{label}">']
    if caption:
        parts.append(f'<p class="table-caption">{escape(caption)}</p>')
    parts.append(body)
    if note:
        parts.append(f'<p class="table-note">{escape(note)}</p>')
    parts.append("</div>")
    return "\n".join(parts)


def _words_column(values: pd.Series) -> bool:
    """Whether a formatted column holds words (a verdict, a name) rather than numbers with their signs."""
    filled = [str(v) for v in values if str(v) not in ("", "–", "x")]
    return bool(filled) and sum(bool(_WORD.search(v)) for v in filled) * 2 > len(filled)


_WORD = re.compile(r"[^\W\d_]{3,}")


def escape(text: object) -> str:
    """Text that came from the data or the catalogues, safe inside HTML (a unit named <script> stays text)."""
    return html.escape(str(text), quote=True)


def paragraph(text: object) -> str:
    """One paragraph of text, escaped."""
    return f"<p>{escape(text)}</p>"


def paragraphs(texts: Iterable[object]) -> str:
    """One paragraph per text."""
    return "".join(paragraph(text) for text in texts)


def say(key: str, lang: str, **fields: object) -> str:
    """A catalogue sentence (``t(key, lang, **fields)``) as a paragraph."""
    return paragraph(t(key, lang, **fields))


def items(texts: Iterable[object], css: str | None = None) -> str:
    """A bulleted list, one escaped item per text; ``css`` names its class."""
    opening = f'<ul class="{escape(css)}">' if css else "<ul>"
    return opening + "".join(f"<li>{escape(text)}</li>" for text in texts) + "</ul>"
