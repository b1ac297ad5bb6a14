"""The base of every report: the validated data, the unit and its terms, the header, headings, captions and the
appendix that every report shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from helpers import __version__
from helpers.analyses.term_table import term_table
from helpers.data.cache import cached_dataset
from helpers.data.counts import counts_for_unit
from helpers.data.datasets import Dataset, check_unit, dataset_info
from helpers.data.terms import Terms, load_terms, term_label
from helpers.data.units import ancestors, descendants, predecessors
from helpers.paths import resolve_data_path
from helpers.report.formatting import long_date
from helpers.report.html import escape, html_table, items, say
from helpers.report.provenance import git_commit, input_hashes, library_versions
from helpers.text import t

SECTIONS = ("terms", "rule", "appendix")


@dataclass(frozen=True)
class Heading:
    """A section heading chosen by the composing report: anchor id, text and level (2 = h2)."""

    anchor: str
    text: str
    level: int = 2


@dataclass(frozen=True)
class TermReport:
    """Everything the term-table notebook shows, computed once from validated data."""

    dataset: Dataset
    terms: Terms
    province: str
    unit: str
    unit_name: str
    table: pd.DataFrame
    kinds: list[str]
    lang: str
    parameters: dict

    @classmethod
    def build(
        cls, data_path: str, unit: str, terms: list[str], kinds: list[str], language: str, last_year: int = 0
    ) -> TermReport:
        """Load and check the data, then build the term table for ``unit`` over ``terms``."""
        dataset = cached_dataset(resolve_data_path(data_path), scope=unit)
        check_unit(dataset, unit)
        all_terms = load_terms(data=dataset.folder)  # the data folder's own terms.toml first, where it has one
        province = _province_with_terms(all_terms, dataset.units, _province_of(dataset.units, unit))
        province_terms = all_terms.for_province(province)
        yearly = counts_for_unit(dataset.annual_counts, dataset.units, unit)
        if last_year:
            yearly = yearly[yearly["year"] <= last_year]
        if "members_start" in yearly and yearly["members_start"].isna().any():
            # members_start is optional: when a year lacks it the table gives counts without rates (a rate over
            # part of the member-years would be wrong); the trend model refuses on its own, naming the column
            yearly = yearly.drop(columns="members_start")
        table = term_table(yearly, province_terms, kinds, labels=terms)
        row = dataset.units.loc[dataset.units["unit_code"] == unit].iloc[0]
        n_sub = len(descendants(dataset.units, unit)) - 1
        name = t("report.unit_with_descendants", language, name=row["name"], n=n_sub) if n_sub else row["name"]
        parameters = {"data_path": str(data_path), "unit": unit, "terms": terms, "kinds": kinds, "language": language}
        return cls(dataset, all_terms, province, unit, name, table, kinds, language, parameters)

    # --- sections -------------------------------------------------------------------------------------------
    def header(
        self,
        sections: tuple[str, ...] = SECTIONS,
        prefix: str = "report.section",
        title_key: str = "report.title",
        banner_key: str = "report.simulated_banner",
    ) -> str:
        """Banner (simulated data), title, unit and terms, data period, and a linked table of contents."""
        lang, years = self.lang, self.table[["first_year", "last_year"]]
        parts = []
        if self.dataset.simulated:
            if banner_key == "report.simulated_banner" and dataset_info(self.dataset.folder).get("calibrated") is False:
                banner_key = "report.simulated_banner_generated"  # a generated registry: no published figure behind it
            parts.append(
                f'<div class="sim-banner" role="note"><span class="banner-long">'
                f'{escape(t(banner_key, lang))}</span><span class="banner-short">'
                f"{escape(t('report.simulated_banner_short', lang))}</span></div>"
            )
        parts.append(f"<h1>{escape(t(title_key, lang))}</h1>")
        first, last = self.table["term"].iloc[0], self.table["term"].iloc[-1]
        subtitle = t("report.subtitle", lang, unit=self.unit_name, first=term_label(first), last=term_label(last))
        parts.append(f'<p class="subtitle">{escape(subtitle)}</p>')
        period = t(
            "report.data_period",
            lang,
            first_year=int(years["first_year"].iloc[0]),
            last_year=self.last_year,
            date=long_date(f"{self.last_year}-12-31", lang),
        )
        parts.append(f'<p class="period">{escape(period)}</p>')
        links = "".join(f'<li><a href="#{s}">{escape(t(f"{prefix}.{s}", lang))}</a></li>' for s in sections)
        parts.append(f'<nav class="toc"><p>{escape(t("report.contents", lang))}</p><ol>{links}</ol></nav>')
        return "\n".join(parts)

    @property
    def last_year(self) -> int:
        """The last calendar year the report covers (the data's, or the one asked for)."""
        return int(self.table["first_year"].iloc[-1] + self.table["years_observed"].iloc[-1] - 1)

    def heading(self, anchor: str, text: str, override: Heading | None = None) -> str:
        """The section's own heading, or the one the composing report gives it."""
        h = override or Heading(anchor, text)
        return f'<h{h.level} id="{escape(h.anchor)}">{escape(h.text)}</h{h.level}>'

    def caption(self, key: str) -> str:
        """A table or figure caption; on simulated data it says so, so a copied table still carries the warning."""
        return self.caption_text(t(key, self.lang))

    def caption_text(self, caption: str) -> str:
        return f"{caption} ({t('report.simulated_tag', self.lang)})" if self.dataset.simulated else caption

    def appendix(self, heading: Heading | None = None) -> str:
        """Provenance: every input file with its SHA-256, the parameters, the package and library versions."""
        lang = self.lang
        derived = "derived" if self.dataset.counts_derived else "given"
        counts_note = t(f"report.appendix.counts_{derived}", lang)
        hashes = pd.DataFrame(list(input_hashes(list(self.dataset.files)).items()), columns=["file", "sha"])
        headers = {"file": t("report.appendix.col_file", lang), "sha": t("report.appendix.col_sha", lang)}
        params = "".join(f"<li><code>{escape(k)}</code> = {escape(v)}</li>" for k, v in self.parameters.items())
        libs = ", ".join(f"{escape(k)} {escape(v)}" for k, v in library_versions().items() if k != "helpers")
        return (
            self.heading("appendix", t("report.section.appendix", lang), heading)
            + f"<p>{escape(t('report.appendix.files', lang))} {escape(counts_note)}</p>"
            + html_table(hashes, {}, headers)
            + f"<p>{escape(t('report.appendix.parameters', lang))}:</p><ul>{params}</ul>"
            + say("report.appendix.version", lang, version=__version__, commit=git_commit())
            + f"<p>{escape(t('report.appendix.libraries', lang))}: {libs}</p>"
        )


@dataclass(frozen=True)
class AnalysisReport:
    """An analysis built on a :class:`TermReport`: it shares its language, data and appendix, and names its sections
    in ``SECTIONS`` with their headings under the catalogue key ``SECTION_KEYS``."""

    base: TermReport
    SECTIONS: ClassVar[tuple[str, ...]] = ()
    SECTION_KEYS: ClassVar[str] = ""
    TITLE_KEY: ClassVar[str] = "report.title"

    @property
    def lang(self) -> str:
        return self.base.lang

    def header(self) -> str:
        return self.base.header(self.SECTIONS, self.SECTION_KEYS, self.TITLE_KEY)

    def appendix(self, heading: Heading | None = None) -> str:
        return self.base.appendix(heading)

    def section_heading(self, anchor: str, heading: Heading | None = None) -> str:
        """The heading of one of this report's sections (text under ``SECTION_KEYS``), or the composing report's."""
        return self.base.heading(anchor, t(f"{self.SECTION_KEYS}.{anchor}", self.lang), heading)

    def list_section(self, anchor: str, texts: list[str], heading: Heading | None = None) -> str:
        """A section that is one list, such as the methods in plain words."""
        return self.section_heading(anchor, heading) + items(texts)


def _province_with_terms(terms: Terms, units: pd.DataFrame, province: str) -> str:
    """The province whose congress terms apply: itself, or for a province formed by a merger, a predecessor."""
    for code in [province, *predecessors(units, province)]:
        if (terms.table["province_code"] == code).any():
            return code
    return province  # for_province then says no terms are configured for it


def _province_of(units: pd.DataFrame, unit: str) -> str:
    """The province-level ancestor of a unit (the unit itself if it is a province; the top unit otherwise)."""
    chain = ancestors(units, unit)
    levels = units.set_index("unit_code")["level"]
    return next((code for code in chain if levels[code] == "province"), chain[-1])
