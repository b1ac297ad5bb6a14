"""The term-table report: totals per congress term in the source documents' own sentence form, and the rule
that assigns years to terms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd

from helpers.data.codes import label
from helpers.data.terms import term_label
from helpers.report.base import AnalysisReport, Heading, TermReport
from helpers.report.formatting import number, percent, signed_percent
from helpers.report.html import html_table, paragraph
from helpers.report.plots import PALETTE, STYLE, figure_html, mark_simulated
from helpers.text import t


def change_phrase(change: float | None, lang: str) -> str:
    """'tăng 37,66%' / 'up 37.66%' as the seeds phrase a percent change."""
    if change is None or pd.isna(change):
        return ""
    if round(change, 2) == 0:
        return t("report.terms.same", lang)
    return t(f"report.terms.{'up' if change > 0 else 'down'}", lang, pct=percent(abs(change), lang))


def term_sentences(table: pd.DataFrame, kinds: list[str], lang: str) -> list[str]:
    """One sentence per term in the seeds' form: '424 đảng viên bị xóa tên (tăng 37,66%) và …'."""
    sentences = []
    joiner = t("report.and", lang)
    for i, row in table.iterrows():
        if not row["complete"]:
            sentences.append(
                t(
                    "report.terms.incomplete",
                    lang,
                    term=term_label(row["term"]),
                    observed=row["years_observed"],
                    years=row["last_year"] - row["first_year"] + 1,
                )
            )
            continue
        has_change = i > 0 and pd.notna(row[f"{kinds[0]}_change_pct"])
        parts = []
        for kind in kinds:
            fields = {"count": number(row[kind], lang), "kind": t(f"report.kind.{kind}", lang)}
            if has_change and pd.notna(row[f"{kind}_change_pct"]):
                parts.append(
                    t("report.terms.part_change", lang, change=change_phrase(row[f"{kind}_change_pct"], lang), **fields)
                )
            else:
                parts.append(t("report.terms.part", lang, **fields))
        key = "report.terms.sentence" if has_change else "report.terms.sentence_first"
        previous = term_label(table.loc[i - 1, "term"]) if i > 0 else ""
        sentences.append(t(key, lang, term=term_label(row["term"]), parts=joiner.join(parts), previous=previous))
    return sentences


@dataclass(frozen=True)
class TermTableReport(AnalysisReport):
    """The term table and the year-to-term rule, over a :class:`TermReport`."""

    SECTIONS: ClassVar[tuple[str, ...]] = ("terms", "rule", "appendix")
    SECTION_KEYS: ClassVar[str] = "report.section"

    @classmethod
    def build(
        cls, data_path: str, unit: str, terms: list[str], kinds: list[str], language: str, last_year: int = 0
    ) -> TermTableReport:
        """Load and check the data, then build the term table for ``unit`` over ``terms``."""
        return cls(TermReport.build(data_path, unit, terms, kinds, language, last_year))

    @property
    def table(self) -> pd.DataFrame:
        """The term table behind the section (columns of :func:`helpers.analyses.term_table.term_table`)."""
        return self.base.table

    def terms_section(self, heading: Heading | None = None) -> str:
        lang = self.lang
        sentences = "".join(paragraph(s) for s in term_sentences(self.base.table, self.base.kinds, lang))
        shown = self.base.table.assign(
            years=[f"{a}–{b}" for a, b in zip(self.base.table["first_year"], self.base.table["last_year"])],
            term=self.base.table["term"].map(term_label),
        )
        headers = {"term": t("report.terms.col_term", lang), "years": t("report.terms.col_years", lang)}
        formats = {}
        for kind in [*self.base.kinds, "total"]:
            name = t("report.terms.col_total", lang) if kind == "total" else t(f"codes.exit_kind.{kind}", lang)
            headers[kind] = name
            headers[f"{kind}_change_pct"] = f"{name}: {t('report.terms.col_change', lang)}"
            formats[kind] = lambda v, lang=lang: number(v, lang)
            formats[f"{kind}_change_pct"] = lambda v, lang=lang: signed_percent(None if pd.isna(v) else float(v), lang)
        table = html_table(
            shown,
            formats,
            headers,
            caption=self.base.caption("report.terms.caption"),
            note=t("report.terms.note", lang),
        )
        summary = " ".join(term_sentences(self.base.table, self.base.kinds, lang))
        figure = figure_html(
            term_bars(self.base.table, self.base.kinds, lang, self.base.dataset.simulated),
            t("report.terms.figure_alt", lang, summary=summary),
            self.base.caption("report.terms.figure_caption"),
        )
        return f"{self.section_heading('terms', heading)}{sentences}{table}{figure}"

    def rule_section(self, heading: Heading | None = None) -> str:
        return self.section_heading("rule", heading) + paragraph(self.base.terms.rule(self.lang))


# --- figures --------------------------------------------------------------------------------------------


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
