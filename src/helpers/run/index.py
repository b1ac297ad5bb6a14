"""The annual run's ``index.html``: every report under the output folder, its status, a link, and why it failed.

One self-contained page (no scripts, no external resources); every value from the data or a status file is
escaped.
"""

from __future__ import annotations

import pandas as pd

from helpers.report.html import escape
from helpers.text import t

_CSS = """
body { font-family: "DejaVu Sans", "Noto Sans", system-ui, sans-serif; margin: 1.5rem auto; max-width: 70rem;
       padding: 0 1rem; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
.counts { margin: .5rem 0 1rem; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { border-bottom: 1px solid #ccc; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
.rendered { color: #1b5e20; } .failed { color: #b00020; font-weight: bold; }
.reason { font-family: "DejaVu Sans Mono", monospace; font-size: .85rem; white-space: pre-wrap;
          overflow-wrap: anywhere; }
.wrap { overflow-x: auto; }
"""


def _status_cell(row: pd.Series, lang: str) -> str:
    label = escape(t(f"annual_run.status.{row['status']}", lang))
    if row["status"] == "failed" and isinstance(row["kind"], str) and row["kind"]:
        label += f" ({escape(t(f'annual_run.kind.{row.kind}', lang))})"
    return f'<td class="{escape(row["status"])}">{label}</td>'


def _report_cell(row: pd.Series, lang: str) -> str:
    if isinstance(row["html"], str) and row["html"]:
        href = escape(f"{row['folder']}/{row['html']}")
        return f'<td><a href="{href}">{escape(row["title"])}</a></td>'
    if isinstance(row["executed"], str) and row["executed"]:
        href = escape(f"{row['folder']}/{row['executed']}")
        return (
            f'<td>{escape(row["title"])}<br/><a href="{href}">{escape(t("annual_run.index.notebook", lang))}</a></td>'
        )
    return f"<td>{escape(row['title'])}</td>"


def _when(finished: object) -> str:
    """``2026-11-22T23:19:12+00:00`` as ``2026-11-22 23:19``."""
    text = str(finished) if isinstance(finished, str) else ""
    return text[:16].replace("T", " ")


def index_html(statuses: pd.DataFrame, lang: str = "vi") -> str:
    """The page for the statuses from :func:`helpers.run.annual.statuses`."""
    heads = [
        t(f"annual_run.index.column.{c}", lang) for c in ("unit", "report", "language", "status", "reason", "finished")
    ]
    counts = {s: int((statuses["status"] == s).sum()) for s in ("rendered", "failed")}
    parts = [
        f'<!DOCTYPE html>\n<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8"/>\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0"/>\n'
        f"<title>{escape(t('annual_run.index.title', lang))}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<main>\n<h1>{escape(t('annual_run.index.title', lang))}</h1>\n"
        f'<p class="counts">{escape(t("annual_run.index.counts", lang, total=len(statuses), **counts))}</p>\n'
    ]
    if statuses.empty:
        parts.append(f"<p>{escape(t('annual_run.index.empty', lang))}</p>\n")
    for year, group in statuses.groupby("year", sort=False):
        parts.append(
            f'<h2>{escape(t("annual_run.index.year", lang, year=year))}</h2>\n<div class="wrap"><table>\n'
            "<thead><tr>" + "".join(f'<th scope="col">{escape(h)}</th>' for h in heads) + "</tr></thead>\n<tbody>\n"
        )
        for _, row in group.iterrows():
            reason = row["reason"] if isinstance(row["reason"], str) else ""
            parts.append(
                f"<tr><td>{escape(row['unit'])} · {escape(row['unit_name'])}</td>"
                + _report_cell(row, lang)
                + f"<td>{escape(row['language'])}</td>"
                + _status_cell(row, lang)
                + f'<td class="reason">{escape(reason)}</td>'
                + f"<td>{escape(_when(row['finished']))}</td></tr>\n"
            )
        parts.append("</tbody>\n</table></div>\n")
    parts.append("</main>\n</body>\n</html>\n")
    return "".join(parts)
