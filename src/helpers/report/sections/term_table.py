"""The term-table report: totals per congress term in the source documents' own sentence form, and the rule
that assigns years to terms."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import ClassVar

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from helpers.data.codes import label
from helpers.data.terms import term_label
from helpers.report.base import AnalysisReport, Heading, TermReport
from helpers.report.formatting import number, percent, signed_percent, small_base
from helpers.report.html import html_table, paragraph
from helpers.report.plots import DESKTOP_WIDTH, MIN_TEXT_PT, PALETTE, figure_html, is_phone, mark_simulated, theme
from helpers.text import t

SMALL_BASE_MARK = "*"  # a change on a base too small for a percent: the table shows this, its note says why


def change_phrase(
    change: float | None,
    lang: str,
    before: float | None = None,
    after: float | None = None,
    threshold: int = 10,
) -> str:
    """'tăng 37,66%' / 'up 37.66%' as the seeds phrase a percent change; on a small base (``before`` or ``after``
    under ``threshold``, see :func:`helpers.report.formatting.small_base`) 'tăng từ 4 lên 15 người (số nhỏ, …)'."""
    if change is None or pd.isna(change):
        return ""
    if small_base(before, after, threshold):
        key = "same_small" if before == after else ("up_small" if after > before else "down_small")
        return t(f"report.terms.{key}", lang, before=number(before, lang), after=number(after, lang))
    if round(change, 2) == 0:
        return t("report.terms.same", lang)
    return t(f"report.terms.{'up' if change > 0 else 'down'}", lang, pct=percent(abs(change), lang))


def term_sentences(table: pd.DataFrame, kinds: list[str], lang: str, threshold: int = 10) -> list[str]:
    """One sentence per term in the seeds' form: '424 đảng viên bị xóa tên (tăng 37,66%) và …'; a change on a
    base under ``threshold`` people is given as 'from 4 to 15', not as a percent."""
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
                before = table.loc[i - 1, kind]
                change = change_phrase(row[f"{kind}_change_pct"], lang, before, row[kind], threshold)
                parts.append(t("report.terms.part_change", lang, change=change, **fields))
            else:
                parts.append(t("report.terms.part", lang, **fields))
        key = "report.terms.sentence" if has_change else "report.terms.sentence_first"
        previous = term_label(table.loc[i - 1, "term"]) if i > 0 else ""
        sentences.append(t(key, lang, term=term_label(row["term"]), parts=joiner.join(parts), previous=previous))
    return sentences


def change_cells(table: pd.DataFrame, kind: str, lang: str, threshold: int = 10) -> list[str]:
    """The table's percent-change column for ``kind``: '+37,66%', '–' where there is no comparable previous
    term, and :data:`SMALL_BASE_MARK` where the base is too small for a percent."""
    cells = []
    for i, row in table.reset_index(drop=True).iterrows():
        change = row[f"{kind}_change_pct"]
        if pd.isna(change):
            cells.append("–")
        elif small_base(table[kind].iloc[i - 1], row[kind], threshold):
            cells.append(SMALL_BASE_MARK)
        else:
            cells.append(signed_percent(float(change), lang))
    return cells


def table_note(table: pd.DataFrame, cells: list[str], unit: str, lang: str, threshold: int = 10) -> str:
    """The term table's note: its base and period, how the change is computed, and a legend for exactly the
    symbols its cells use ('–' for a first or incomplete term, '*' for a small base)."""
    first, last = int(table["first_year"].iloc[0]), int(table["last_year"].iloc[-1])
    parts = [t("report.terms.note", lang, unit=unit, first=first, last=last)]
    if "–" in cells:
        reasons = []
        if pd.isna(table[[c for c in table if c.endswith("_change_pct")]].iloc[0]).all():
            reasons.append(t("report.terms.dash_first", lang))
        if not table["complete"].all():
            reasons.append(t("report.terms.dash_incomplete", lang))
        parts.append(t("report.terms.dash_legend", lang, reasons="; ".join(reasons)))
    if SMALL_BASE_MARK in cells:
        parts.append(t("report.terms.small_legend", lang, threshold=threshold))
    return " ".join(parts)


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

    def terms_section(self, heading: Heading | None = None, threshold: int = 10) -> str:
        """The seeds' sentences, the term table and its bars; a change on a base under ``threshold`` people is
        given as 'from 4 to 15' and marked in the table, not stated as a percent."""
        lang, table = self.lang, self.base.table
        sentences = term_sentences(table, self.base.kinds, lang, threshold)
        shown = table.assign(
            years=[f"{a}–{b}" for a, b in zip(table["first_year"], table["last_year"])],
            term=table["term"].map(term_label),
        )
        headers = {"term": t("report.terms.col_term", lang), "years": t("report.terms.col_years", lang)}
        formats = {}
        symbols = []
        for kind in [*self.base.kinds, "total"]:
            name = t("report.terms.col_total", lang) if kind == "total" else t(f"codes.exit_kind.{kind}", lang)
            headers[kind] = name
            headers[f"{kind}_change_pct"] = f"{name}: {t('report.terms.col_change', lang)}"
            formats[kind] = lambda v, lang=lang: number(v, lang)
            cells = change_cells(table, kind, lang, threshold)
            shown[f"{kind}_change_pct"] = cells
            symbols += cells
        html = html_table(
            shown,
            formats,
            headers,
            caption=self.base.caption_text(
                t("report.terms.caption", lang, first=int(table["first_year"].iloc[0]), last=self.base.last_year)
            ),
            note=table_note(table, symbols, self.base.unit_name, lang, threshold),
        )
        figure = figure_html(
            partial(term_bars, table, self.base.kinds, lang, self.base.dataset.simulated),
            t("report.terms.figure_alt", lang, summary=" ".join(sentences)),
            self.base.caption("report.terms.figure_caption"),
        )
        return f"{self.section_heading('terms', heading)}{''.join(paragraph(s) for s in sentences)}{html}{figure}"

    def rule_section(self, heading: Heading | None = None) -> str:
        return self.section_heading("rule", heading) + paragraph(self.base.terms.rule(self.lang))


# --- figures --------------------------------------------------------------------------------------------


def term_bars(
    table: pd.DataFrame, kinds: list[str], lang: str = "vi", simulated: bool = False, width: float = DESKTOP_WIDTH
) -> plt.Figure:
    """Grouped bars: each kind of exit per term, with the count written on each bar."""
    long = table.melt(id_vars="term", value_vars=kinds, var_name="kind", value_name="count")
    long["term"] = [
        term_label(term).replace("–", "–\n") if is_phone(width) else term_label(term) for term in long["term"]
    ]
    long["kind"] = [label("exit_kind", kind, lang) for kind in long["kind"]]
    colours = {label("exit_kind", kind, lang): PALETTE.get(kind, "#888888") for kind in kinds}
    with theme():
        fig, ax = plt.subplots(figsize=(width, 4.2 if is_phone(width) else 3.8))
        sns.barplot(long, x="term", y="count", hue="kind", palette=colours, ax=ax, saturation=1)
        for bars in ax.containers:
            ax.bar_label(bars, labels=[number(v, lang) for v in bars.datavalues], padding=2, fontsize=MIN_TEXT_PT)
        ax.set_xlabel("")
        ax.set_ylabel(t("report.axis.members", lang))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: number(v, lang)))
        ax.set_ylim(0, float(long["count"].max()) * 1.3)
        ax.legend(frameon=False, loc="upper left", title=None, ncols=1 if is_phone(width) else len(kinds))
        fig.tight_layout()
        if simulated:
            mark_simulated(fig, lang)
    return fig
