"""Admissions against plan as report sections: attainment per year, term and span; units behind plan at mid-year;
the admission rate against the 3–4% band; the profile of new members against their pool; methods.

Tables that cross personal attributes (the profile) go through :mod:`helpers.report.suppression`; shares and ratios of a
hidden count are hidden with it. Counts per unit (admitted, planned) are not personal and are shown whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from helpers.analyses.admissions import (
    HISTORY_YEARS,
    LEVEL,
    MIN_HISTORY_ADMISSIONS,
    PROFILE_ATTRIBUTES,
    RATE_BAND,
    Cumulative,
    admission_rates,
    admissions_series,
    attainment,
    cumulative_attainment,
    first_half_share,
    midyear_table,
    new_member_profile,
    profile_test,
    sources_pool,
    term_attainment,
)
from helpers.data.codes import ATTRITION_EXITS, label
from helpers.data.terms import term_label, term_years
from helpers.data.units import series_units, subordinate_units
from helpers.errors import ParameterProblem
from helpers.report.base import AnalysisReport, Heading, TermReport
from helpers.report.formatting import number, p_value, percent
from helpers.report.html import html_table, paragraph
from helpers.report.plots import DESKTOP_WIDTH, MIN_TEXT_PT, figure_html, forest, is_phone, mark_simulated, theme
from helpers.report.suppression import Suppressed, shown_table, suppress
from helpers.text import both, t

SECTIONS = ("attainment", "midyear", "rates", "profile", "methods", "appendix")
STATUS_COLOURS = {"behind": "#b03a2e", "at_risk": "#d68910", "on_track": "#1e8449"}
BAND_COLOURS = {"below": "#2e6fb0", "within": "#555555", "above": "#b03a2e"}


def category_label(attribute: str, category: str, lang: str) -> str:
    """Human label of one category of a profile attribute."""
    if attribute == "age_group":
        return t(f"admissions.age_group.{category}", lang)
    return label(attribute, category, lang)


def _lower_first(text: str) -> str:
    """'Đại học' → 'đại học' inside a sentence (category and attribute labels start with a capital)."""
    return text[:1].lower() + text[1:]


def _p(text: str) -> str:
    return paragraph(text)


def legend_table(
    frame: pd.DataFrame,
    formats: dict,
    headers: dict,
    caption: str,
    lang: str,
    threshold: int,
    notes: tuple[str, ...] = (),
    dash: str = "",
    star: str = "",
) -> str:
    """A table whose note explains exactly the symbols its cells show: "x" (withheld), "–" (``dash``: why a cell
    is empty) and "*" (``star``); a symbol no cell shows gets no legend. The suppression rule itself is stated once,
    in the appendix; under the table stands only its short legend."""
    bare = html_table(frame, formats, headers, caption=caption)
    cells = [" ".join(c.split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", bare, flags=re.S)]
    legends = list(notes)
    if any(c == "x" or c.startswith("x ") for c in cells):
        legends.append(t("quality.legend.x", lang, threshold=number(threshold, lang)))
    if dash and any(c == "–" or c.startswith("– ") for c in cells):
        legends.append(dash)
    if star and any(c.endswith("*") for c in cells):
        legends.append(star)
    note_text = " ".join(text for text in legends if text)
    return html_table(frame, formats, headers, caption=caption, note=note_text or None)


def join_words(items, lang: str, sep: str = ", ") -> str:
    """'A, B và C' / 'A, B and C': a list as a sentence writes it ("và"/"and" before the last)."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return sep.join(items[:-1]) + t("report.and", lang) + items[-1]


def year_span(years) -> str:
    """'2011–2025' for a run of years, '2025' for one."""
    years = sorted({int(y) for y in years})
    if not years:
        return ""
    return str(years[0]) if years[0] == years[-1] else f"{years[0]}–{years[-1]}"


def _complete(data, year: int) -> bool:
    """True when the data runs past 30 June of ``year`` (a year-end export), False for a mid-year export."""
    if data.members is not None:
        dates = pd.concat(
            [data.members[c] for c in ("entry_date", "exit_date", "admission_date") if c in data.members.columns]
        )
        last = dates.max()
        return pd.notna(last) and last > pd.Timestamp(year, 6, 30)
    return bool((data.annual_counts["year"] == year).any())


@dataclass(frozen=True)
class AdmissionsReport(AnalysisReport):
    """Everything the admissions sections show, computed once from validated data."""

    SECTIONS: ClassVar[tuple[str, ...]] = SECTIONS
    SECTION_KEYS: ClassVar[str] = "admissions.section"
    TITLE_KEY: ClassVar[str] = "quality.title"
    midyear_year: int
    threshold: int
    rate_band: tuple[float, float]
    has_plans: bool
    series: pd.DataFrame
    years: tuple[int, ...]
    cumulative: tuple[Cumulative, ...]
    midyear: pd.DataFrame | None
    rates: pd.DataFrame
    unit_rates: pd.DataFrame | None
    profile_years: range | None
    profiles: dict[str, pd.DataFrame]
    pools: dict[str, str]

    @classmethod
    def build(
        cls,
        data_path: str,
        unit: str,
        terms: list[str],
        year: int,
        threshold: int,
        language: str,
        base: TermReport | None = None,
        rate_band: tuple[float, float] = RATE_BAND,
        span: tuple[int, int] | None = None,
        midyear: int = 0,
    ) -> AdmissionsReport:
        """Attainment over ``terms`` and over ``span`` (default: from the first term's first year) up to ``year``
        (0: the data's last), or up to the year before when the data of ``year`` stops by 30 June; the first half
        of ``midyear`` (default ``year``) against its plan, with the projection to year end; rates; the new
        members' profile."""
        if not 0 <= rate_band[0] < rate_band[1] <= 100:
            raise ParameterProblem(both("admissions.error.band", low=f"{rate_band[0]:g}", high=f"{rate_band[1]:g}"))
        base = base or TermReport.build(data_path, unit, terms, list(ATTRITION_EXITS), language)
        data = base.dataset
        plans, sources = getattr(data, "admission_plans", None), getattr(data, "admission_sources", None)
        province_terms = base.terms.for_province(base.province)
        in_terms = sorted({y for label_ in terms for y in term_years(province_terms, label_)})
        year = year or base.last_year
        # The year is complete when the data goes past 30 June of it; otherwise only its first half is counted.
        last_full = year if _complete(data, year) else year - 1
        midyear = midyear or year
        years = tuple(y for y in in_terms if y <= last_full)

        def series_of(code: str) -> pd.DataFrame:
            return attainment(admissions_series(data.units, code, plans, data.members, data.annual_counts))

        series = series_of(unit)
        children = subordinate_units(data.units, unit)
        child_series = {code: series_of(code) for code in children}
        names = data.units.set_index("unit_code")["name"]

        cumulative: list[Cumulative] = []
        checked = midyear
        if plans is not None:
            for label_ in terms:
                if term_years(province_terms, label_).start <= last_full:
                    cumulative.append(term_attainment(series, province_terms, label_, before=last_full + 1))
            first, last = span or (in_terms[0] if in_terms else last_full, last_full)
            cumulative.append(cumulative_attainment(series, range(first, last + 1)))
            this_year = series[series["year"] == midyear]
            checked = midyear
            midyear = None
            if not this_year.empty and this_year["admitted_first_half"].notna().all():
                reference, _ = first_half_share(series, checked)
                by_unit = {unit: series} | child_series
                midyear = midyear_table(by_unit, checked, reference)
                midyear.insert(1, "name", midyear["unit_code"].map(names))
                midyear.insert(2, "role", np.where(midyear["unit_code"] == unit, "unit", "subordinate"))

        rates = admission_rates(series[series["year"].isin(years)], rate_band)
        unit_rates = None
        if children:
            frames = [
                admission_rates(s[s["year"].isin(years)], rate_band).assign(unit_code=code, name=names[code])
                for code, s in child_series.items()
            ]
            unit_rates = pd.concat(frames, ignore_index=True)

        profiles: dict[str, pd.DataFrame] = {}
        pools: dict[str, str] = {}
        profile_years = None
        if data.members is not None:
            observed = series.loc[series["admitted"].notna(), "year"]
            last_data = int(observed.max()) if not observed.empty else last_full
            last_term = (
                [y for y in term_years(province_terms, terms[-1]) if y <= min(last_full, last_data)] if terms else []
            )
            profile_years = range(last_term[0], last_term[-1] + 1) if last_term else range(last_full, last_full + 1)
            members = data.members[data.members["unit_code"].isin(series_units(data.units, unit))]
            for attribute in PROFILE_ATTRIBUTES:
                pool = (
                    sources_pool(sources, data.units, unit, attribute, profile_years) if sources is not None else None
                )
                profiles[attribute], pools[attribute] = new_member_profile(members, profile_years, attribute, pool)
        return cls(
            base,
            checked,
            threshold,
            tuple(rate_band),
            plans is not None,
            series,
            years,
            tuple(cumulative),
            midyear,
            rates,
            unit_rates,
            profile_years,
            profiles,
            pools,
        )

    # --- helpers ------------------------------------------------------------------------------------------------
    def _no_plans(self, anchor: str, heading: Heading | None) -> str:
        return self.section_heading(anchor, heading) + _p(t("admissions.no_plans", self.lang))

    @property
    def _simulated(self) -> bool:
        return bool(self.base.dataset.simulated)

    # --- attainment -------------------------------------------------------------------------------------------
    def term_sentences(self) -> list[str]:
        """The attainment sentence of each term (not the span), in order: the summary states the latest."""
        return [
            sentence
            for c, sentence in zip([c for c in self.cumulative if c.years], self.attainment_sentences(first_half=False))
            if c.label.replace("-", "") != f"{c.first_year}{c.last_year}"
        ]

    def attainment_sentences(self, first_half: bool = True) -> list[str]:
        """The span, each term, the last two complete years and (with ``first_half``) the first half of the mid-year
        year, as the seeds say them."""
        lang, out = self.lang, []
        for c in self.cumulative:
            if not c.years:
                continue
            fields = {
                "admitted": number(c.admitted, lang),
                "pct": percent(c.rounded, lang),
                "planned": number(c.planned, lang),
                "first": c.first_year,
                "last": c.last_year,
            }
            if c.label.replace("-", "") == f"{c.first_year}{c.last_year}":
                key = "span" if c.complete else "span_partial"
                out.append(
                    t(
                        f"admissions.attainment.{key}",
                        lang,
                        observed=len(c.years),
                        years=c.last_year - c.first_year + 1,
                        **fields,
                    )
                )
            else:
                key = "term" if c.complete else "term_partial"
                out.append(
                    t(
                        f"admissions.attainment.{key}",
                        lang,
                        term=term_label(c.label),
                        through=max(c.years),
                        observed=len(c.years),
                        years=c.last_year - c.first_year + 1,
                        **fields,
                    )
                )
        shown = self.yearly_table()
        for row in shown[shown["attainment_pct"].notna()].tail(2).itertuples():
            out.append(
                t(
                    "admissions.attainment.year",
                    lang,
                    year=row.year,
                    admitted=number(row.admitted, lang),
                    pct=percent(row.attainment_rounded, lang),
                    planned=number(row.planned, lang),
                )
            )
        current = self.series[self.series["year"] == self.midyear_year]
        if first_half and not current.empty and pd.notna(current["first_half_pct"].iloc[0]):
            row = current.iloc[0]
            out.append(
                t(
                    "admissions.attainment.first_half",
                    lang,
                    year=self.midyear_year,
                    admitted=number(row["admitted_first_half"], lang),
                    pct=percent(row["first_half_rounded"], lang),
                    planned=number(row["planned"], lang),
                )
            )
        return out

    def yearly_table(self, with_current: bool = False) -> pd.DataFrame:
        """Complete years of the terms that have a plan; with ``with_current``, the mid-year year too, with its first
        half only when that year is not complete in the data."""
        s = self.series
        years = sorted({*self.years, self.midyear_year}) if with_current else list(self.years)
        table = s[s["year"].isin(years) & s["planned"].notna()]
        table = table[
            [
                "year",
                "planned",
                "admitted",
                "attainment_pct",
                "attainment_rounded",
                "admitted_first_half",
                "first_half_pct",
                "first_half_rounded",
            ]
        ].reset_index(drop=True)
        current = ((table["year"] == self.midyear_year) & ~table["year"].isin(self.years)).to_numpy()
        table.loc[current, "admitted"] = pd.NA
        table.loc[current, ["attainment_pct", "attainment_rounded"]] = np.nan
        return table

    def attainment_section(self, heading: Heading | None = None) -> str:
        lang = self.lang
        if not self.has_plans:
            return self._no_plans("attainment", heading)
        parts = [self.section_heading("attainment", heading)]
        sentences = self.attainment_sentences()
        parts += [_p(s) for s in sentences]
        table = self.yearly_table()
        if table.empty:
            parts.append(_p(t("admissions.attainment.none", lang)))
            return "".join(parts)
        table = self.yearly_table(with_current=True)
        fmt_n = lambda v: number(None if pd.isna(v) else v, lang)  # noqa: E731
        fmt_p = lambda v: percent(v, lang)  # noqa: E731
        headers = {
            "year": t("report.axis.year", lang),
            "planned": t("admissions.col.planned", lang),
            "admitted": t("admissions.col.admitted", lang),
            "attainment_rounded": t("admissions.col.attainment", lang),
            "admitted_first_half": t("admissions.col.first_half", lang),
            "first_half_rounded": t("admissions.col.first_half_attainment", lang),
        }
        formats = {
            "year": str,
            "planned": fmt_n,
            "admitted": fmt_n,
            "attainment_rounded": fmt_p,
            "admitted_first_half": fmt_n,
            "first_half_rounded": fmt_p,
        }
        period = year_span(table["year"])
        parts.append(
            figure_html(
                partial(attainment_bars, table, lang, self._simulated),
                t("admissions.attainment.figure_alt", lang, summary=" ".join(sentences)),
                self.base.caption_text(t("admissions.attainment.figure_caption", lang, period=period)),
            )
        )
        partial_year = table["admitted"].isna() & table["admitted_first_half"].notna()
        notes = [t("admissions.attainment.note", lang)]
        if partial_year.any():
            current_year = int(table.loc[partial_year, "year"].iloc[0])
            notes.append(t("admissions.attainment.note_current", lang, year=current_year))
        parts.append(
            legend_table(
                table,
                formats,
                headers,
                self.base.caption_text(t("admissions.attainment.caption", lang, period=period)),
                lang,
                self.threshold,
                notes=tuple(notes),
                dash=t("admissions.legend.no_count", lang),
            )
        )
        cumulative = pd.DataFrame(
            [
                {
                    "period": self._period_label(c),
                    "years": f"{c.first_year}–{c.last_year}",
                    "observed": f"{len(c.years)}/{c.last_year - c.first_year + 1}",
                    "planned": c.planned,
                    "admitted": c.admitted,
                    "pct": c.rounded,
                }
                for c in self.cumulative
                if c.years
            ]
        )
        if not cumulative.empty:
            headers = {
                "period": t("admissions.col.period", lang),
                "years": t("report.terms.col_years", lang),
                "observed": t("admissions.col.years_observed", lang),
                "planned": t("admissions.col.planned", lang),
                "admitted": t("admissions.col.admitted", lang),
                "pct": t("admissions.col.attainment", lang),
            }
            span = year_span(
                [c.first_year for c in self.cumulative if c.years] + [c.last_year for c in self.cumulative if c.years]
            )
            parts.append(
                html_table(
                    cumulative,
                    {"planned": fmt_n, "admitted": fmt_n, "pct": fmt_p},
                    headers,
                    caption=self.base.caption_text(t("admissions.attainment.cumulative_caption", lang, period=span)),
                    note=t("admissions.attainment.cumulative_note", lang),
                )
            )
        return "".join(parts)

    def _period_label(self, c: Cumulative) -> str:
        if c.label.replace("-", "") == f"{c.first_year}{c.last_year}":
            return t("admissions.attainment.span_label", self.lang)
        return t("admissions.attainment.term_label", self.lang, term=term_label(c.label))

    # --- mid-year ---------------------------------------------------------------------------------------------
    def _unit_fields(self, row) -> dict:
        lang = self.lang
        return {
            "name": row["name"],
            "first_half": number(row["admitted_first_half"], lang),
            "projection": number(row["projection"], lang),
            "low": number(row["low"], lang),
            "high": number(row["high"], lang),
            "planned": number(row["planned"], lang),
            "share": percent(100 * row["share"], lang, 1),
            "year": self.midyear_year,
        }

    def midyear_sentences(self) -> list[str]:
        """The unit's own projection and status, then the subordinate units named by status."""
        lang, table, out = self.lang, self.midyear, []
        own = table[table["role"] == "unit"].iloc[0]
        if own["status"] in ("behind", "at_risk", "on_track"):
            out.append(t(f"admissions.midyear.own.{own['status']}", lang, **self._unit_fields(own)))
        else:
            out.append(t(f"admissions.midyear.own.{own['status']}", lang, name=own["name"], year=self.midyear_year))
        subordinate = table[table["role"] == "subordinate"]
        judged = subordinate["status"].isin(["behind", "at_risk", "on_track"]).any()
        for status in ("behind", "at_risk"):
            named = subordinate[subordinate["status"] == status]
            if named.empty:
                if judged:
                    out.append(t(f"admissions.midyear.none_{status}", lang, year=self.midyear_year))
                continue
            items = "; ".join(t("admissions.midyear.item", lang, **self._unit_fields(r)) for _, r in named.iterrows())
            out.append(t(f"admissions.midyear.list_{status}", lang, n=len(named), units=items, year=self.midyear_year))
        on_track = subordinate[subordinate["status"] == "on_track"]
        if not on_track.empty:
            out.append(
                t(
                    "admissions.midyear.list_on_track",
                    lang,
                    n=len(on_track),
                    units=", ".join(on_track["name"]),
                    year=self.midyear_year,
                )
            )
        unplanned = subordinate[subordinate["status"].isin(["no_plan", "no_projection"])]
        if not unplanned.empty:
            out.append(
                t("admissions.midyear.list_unplanned", lang, units=", ".join(unplanned["name"]), year=self.midyear_year)
            )
        explained = self.aggregate_sentence()
        if explained:
            out.insert(1, explained)
        return out

    def aggregate_sentence(self) -> str:
        """Why the unit can be BEHIND (or AT RISK) while none of its subordinate units is: each is a little short
        and together they are short by more than the unit's narrower interval allows, or the unit's own plan is more
        than the sum of theirs. Computed from the mid-year table; empty when there is nothing to explain."""
        table = self.midyear
        if table is None:
            return ""
        own = table[table["role"] == "unit"].iloc[0]
        subordinate = table[(table["role"] == "subordinate") & table["projection"].notna() & table["planned"].notna()]
        rank = {"on_track": 0, "at_risk": 1, "behind": 2}
        if subordinate.empty or own["status"] not in ("behind", "at_risk"):
            return ""
        if max(rank.get(s, 0) for s in subordinate["status"]) >= rank[own["status"]]:
            return ""
        lang = self.lang
        projected, planned = float(subordinate["projection"].sum()), float(subordinate["planned"].sum())
        fields = {
            "status": t(f"admissions.status.{own['status']}", lang).lower(),
            "n": len(subordinate),
            "short": int((subordinate["projection"] < subordinate["planned"]).sum()),
            "projection": number(projected, lang),
            "planned": number(planned, lang),
            "gap": number(max(planned - projected, 0), lang),
            "own_planned": number(own["planned"], lang),
            "name": own["name"],
        }
        key = "plan_above_sum" if float(own["planned"]) > planned + 0.5 else "sum_short"
        return t(f"admissions.midyear.aggregate.{key}", lang, **fields)

    @property
    def year_complete(self) -> bool:
        """The mid-year year is complete in the data: its full-year result is known and nothing is projected."""
        return self.midyear_year in self.years

    def complete_sentence(self) -> str:
        """The full-year result of the mid-year year, said instead of a projection."""
        lang = self.lang
        row = self.series[self.series["year"] == self.midyear_year]
        if row.empty or pd.isna(row["planned"].iloc[0]):
            return t("admissions.midyear.complete_no_plan", lang, year=self.midyear_year)
        row = row.iloc[0]
        return t(
            "admissions.midyear.complete",
            lang,
            year=self.midyear_year,
            admitted=number(row["admitted"], lang),
            pct=percent(row["attainment_rounded"], lang),
            planned=number(row["planned"], lang),
        )

    def midyear_section(self, heading: Heading | None = None) -> str:
        lang = self.lang
        if not self.has_plans:
            return self._no_plans("midyear", heading)
        if self.year_complete:
            # The whole year is in the data: the heading promises no projection, and none is made.
            parts = [self.base.heading("midyear", t("admissions.section.midyear_done", self.lang), heading)]
            parts.append(_p(self.complete_sentence()))
            return "".join(parts)
        parts = [self.section_heading("midyear", heading)]
        if self.midyear is None:
            parts.append(_p(t("admissions.midyear.no_data", lang, year=self.midyear_year)))
            return "".join(parts)
        sentences = self.midyear_sentences()
        parts += [_p(s) for s in sentences]
        parts.append(_p(t("admissions.midyear.rule", lang, history=HISTORY_YEARS, minimum=MIN_HISTORY_ADMISSIONS)))
        projected = self.midyear[self.midyear["projection_pct"].notna()]
        if not projected.empty:
            parts.append(
                figure_html(
                    partial(midyear_forest, projected, lang, self._simulated),
                    t("admissions.midyear.figure_alt", lang, summary=" ".join(sentences)),
                    self.base.caption_text(t("admissions.midyear.figure_caption", lang, year=self.midyear_year)),
                )
            )
        shown = self.midyear.assign(
            share=[
                percent(100 * s, lang, 1) + ("*" if src == "reference" else "")
                for s, src in zip(self.midyear["share"], self.midyear["share_source"])
            ],
            interval=[
                f"{number(lo, lang)}–{number(hi, lang)}" if pd.notna(lo) else "–"
                for lo, hi in zip(self.midyear["low"], self.midyear["high"])
            ],
        )
        fmt_n = lambda v: number(None if pd.isna(v) else v, lang)  # noqa: E731
        headers = {
            "name": t("columns.name", lang),
            "planned": t("admissions.col.planned", lang),
            "admitted_first_half": t("admissions.col.first_half", lang),
            "share": t("admissions.col.share", lang),
            "projection": t("admissions.col.projection", lang),
            "interval": t("admissions.col.interval", lang),
            "status": t("admissions.col.status", lang),
        }
        formats = {
            "planned": fmt_n,
            "admitted_first_half": fmt_n,
            "projection": fmt_n,
            "status": lambda v: t(f"admissions.status.{v}", lang),
        }
        parts.append(
            legend_table(
                shown,
                formats,
                headers,
                self.base.caption_text(t("admissions.midyear.caption", lang, year=self.midyear_year)),
                lang,
                self.threshold,
                notes=(t("admissions.midyear.base_note", lang, year=self.midyear_year),),
                dash=t("admissions.legend.no_projection", lang),
                star=t("admissions.midyear.note", lang, minimum=MIN_HISTORY_ADMISSIONS, history=HISTORY_YEARS),
            )
        )
        return "".join(parts)

    # --- admission rate ---------------------------------------------------------------------------------------
    def _band(self) -> dict:
        return {
            "low": number(self.rate_band[0], self.lang, 0 if float(self.rate_band[0]).is_integer() else 1),
            "high": number(self.rate_band[1], self.lang, 0 if float(self.rate_band[1]).is_integer() else 1),
        }

    def _rate_item(self, row, with_name: bool = False) -> str:
        lang = self.lang
        fields = {"year": int(row["year"]), "rate": percent(row["rate_pct"], lang)}
        if with_name:
            return t("admissions.rates.unit_item", lang, name=row["name"], **fields)
        return t("admissions.rates.item", lang, **fields)

    def rate_sentences(self) -> list[str]:
        """How many years the unit was inside the band, the years outside it, and the subordinate units outside."""
        lang, rates, out = self.lang, self.rates, []
        band = self._band()
        if rates.empty:
            return [t("admissions.rates.none", lang)]
        within = rates[rates["band"] == "within"]
        name = self.base.dataset.units.set_index("unit_code").loc[self.base.unit, "name"]
        out.append(
            t(
                "admissions.rates.summary_all" if len(within) == len(rates) else "admissions.rates.summary",
                lang,
                name=name,
                n=len(within),
                total=len(rates),
                first=int(rates["year"].min()),
                last=int(rates["year"].max()),
                mean=percent(100 * rates["admitted"].sum() / rates["members_start"].sum(), lang),
                **band,
            )
        )
        for side in ("below", "above"):
            outside = rates[rates["band"] == side]
            if not outside.empty:
                items = join_words([self._rate_item(r) for _, r in outside.iterrows()], lang)
                out.append(t(f"admissions.rates.years_{side}", lang, items=items, **band))
        if self.unit_rates is not None and not self.unit_rates.empty:
            for side in ("below", "above"):
                outside = self.unit_rates[self.unit_rates["band"] == side].sort_values(["year", "unit_code"])
                if not outside.empty:
                    items = join_words([self._rate_item(r, True) for _, r in outside.iterrows()], lang, "; ")
                    key = f"admissions.rates.units_{side}" + ("_one" if len(outside) == 1 else "")
                    out.append(t(key, lang, n=number(len(outside), lang), items=items, **band))
            if (self.unit_rates["band"] == "within").all():
                out.append(t("admissions.rates.units_all_within", lang, **band))
        return out

    def rate_section(self, heading: Heading | None = None) -> str:
        lang = self.lang
        parts = [self.section_heading("rates", heading)]
        sentences = self.rate_sentences()
        parts += [_p(s) for s in sentences]
        if self.rates.empty:
            return "".join(parts)
        parts.append(
            figure_html(
                partial(rate_plot, self.rates, self.rate_band, lang, self._simulated),
                t("admissions.rates.figure_alt", lang, summary=" ".join(sentences)),
                self.base.caption_text(
                    t("admissions.rates.figure_caption", lang, period=year_span(self.rates["year"]))
                ),
            )
        )
        headers = {
            "year": t("report.axis.year", lang),
            "members_start": t("columns.members_start", lang),
            "admitted": t("admissions.col.admitted", lang),
            "rate_pct": t("admissions.col.rate", lang),
            "band": t("admissions.col.band", lang, **self._band()),
        }
        shown = self.rates[list(headers)]
        formats = {
            "year": str,
            "members_start": lambda v: number(v, lang),
            "admitted": lambda v: number(v, lang),
            "rate_pct": lambda v: percent(v, lang),
            "band": lambda v: t(f"admissions.band.{v}", lang, **self._band()),
        }
        parts.append(
            legend_table(
                shown,
                formats,
                headers,
                self.base.caption_text(t("admissions.rates.caption", lang, period=year_span(self.rates["year"]))),
                lang,
                self.threshold,
                notes=(t("admissions.rates.note", lang, **self._band()),),
                dash=t("admissions.legend.no_count", lang),
            )
        )
        if self.unit_rates is not None and not self.unit_rates.empty:
            wide = self.unit_rates.pivot_table(index="name", columns="year", values="rate_pct", sort=False)
            wide = wide.reindex(list(dict.fromkeys(self.unit_rates["name"]))).reset_index()
            fmt = {y: (lambda v: percent(v, lang)) for y in wide.columns if y != "name"}
            headers = {"name": t("columns.name", lang)} | {y: str(y) for y in wide.columns if y != "name"}
            caption = t("admissions.rates.units_caption", lang, period=year_span(self.unit_rates["year"]))
            parts.append(
                legend_table(
                    wide,
                    fmt,
                    headers,
                    self.base.caption_text(caption),
                    lang,
                    self.threshold,
                    notes=(t("admissions.rates.units_note", lang),),
                    dash=t("admissions.legend.no_count", lang),
                )
            )
        return "".join(parts)

    def rate_interval_table(self) -> str:
        """The admission rate of each year with its 95% interval, for the methods appendix."""
        if self.rates.empty:
            return ""
        lang = self.lang
        shown = self.rates.assign(
            interval=[
                f"{percent(lo, lang)}–{percent(hi, lang)}"
                for lo, hi in zip(self.rates["rate_low"], self.rates["rate_high"])
            ]
        )[["year", "rate_pct", "interval"]]
        headers = {
            "year": t("report.axis.year", lang),
            "rate_pct": t("admissions.col.rate", lang),
            "interval": t("admissions.col.interval", lang),
        }
        formats = {"year": str, "rate_pct": lambda v: percent(v, lang)}
        caption = t("admissions.rates.interval_caption", lang, period=year_span(self.rates["year"]))
        return legend_table(
            shown,
            formats,
            headers,
            self.base.caption_text(caption),
            lang,
            self.threshold,
            notes=(t("admissions.rates.interval_note", lang),),
        )

    # --- profile of new members -------------------------------------------------------------------------------
    def _pool_phrase(self, attribute: str) -> str:
        kind = "sources" if self.pools[attribute] == "sources" else "members"
        return t(f"admissions.profile.pool_{kind}", self.lang, year=self.profile_years.start)

    def _period(self) -> str:
        years = self.profile_years
        return str(years.start) if len(years) == 1 else f"{years.start}–{years.stop - 1}"

    def _common_pool(self) -> str:
        """The pool's name when every attribute is compared with the same pool, else the generic 'comparison pool'."""
        kinds = set(self.pools.values())
        if len(kinds) == 1:
            return self._pool_phrase(next(iter(self.profiles)))
        return t("admissions.profile.pool_mixed", self.lang)

    def profile_sentences(self) -> list[str]:
        """One short paragraph: the groups whose share among new members is clearly above, then clearly below, their
        share of the pool (interval excludes 1), and the attributes where new members match the pool; never a group
        whose count is under the threshold."""
        lang = self.lang
        above: list[str] = []
        below: list[str] = []
        matching: list[str] = []
        for attribute, table in self.profiles.items():
            shown, _ = withheld_profile(table, self.threshold)
            clear = shown[shown["ratio_low"].notna() & ((shown["ratio_low"] > 1) | (shown["ratio_high"] < 1))]
            name = t(f"admissions.attribute.{attribute}", lang)
            if clear.empty:
                matching.append(name[0].lower() + name[1:])
                continue
            for side, rows in (("above", clear[clear["ratio"] > 1]), ("below", clear[clear["ratio"] <= 1])):
                if rows.empty:
                    continue
                groups = [
                    t(
                        "admissions.profile.group",
                        lang,
                        category=_lower_first(category_label(attribute, r.category, lang)),
                        new_share=percent(100 * r.new_share, lang),
                        pool_share=percent(100 * r.pool_share, lang),
                    )
                    for r in rows.itertuples()
                ]
                item = t(
                    "admissions.profile.attribute_groups",
                    lang,
                    attribute=_lower_first(name),
                    groups=join_words(groups, lang),
                )
                (above if side == "above" else below).append(item)
        pool, period = self._common_pool(), self._period()
        out = []
        if above:
            out.append(t("admissions.profile.above", lang, pool=pool, period=period, groups="; ".join(above)))
        if below:
            out.append(t("admissions.profile.below", lang, pool=pool, groups="; ".join(below)))
        if matching and (above or below):
            out.append(t("admissions.profile.matching", lang, pool=pool, attributes=join_words(matching, lang)))
        return out

    def profile_section(self, heading: Heading | None = None) -> str:
        lang = self.lang
        parts = [self.section_heading("profile", heading)]
        if not self.profiles:
            parts.append(_p(t("admissions.profile.no_members", lang)))
            return "".join(parts)
        total = int(next(iter(self.profiles.values()))["new_members"].sum())
        if total == 0:
            parts.append(_p(t("admissions.profile.none", lang, period=self._period())))
            return "".join(parts)
        if total < self.threshold:
            parts.append(_p(t("admissions.profile.too_few", lang, period=self._period(), threshold=self.threshold)))
            return "".join(parts)
        kinds = set(self.pools.values())
        intro = (
            "admissions.profile.intro_sources"
            if kinds == {"sources"}
            else ("admissions.profile.intro_members" if kinds == {"members"} else "admissions.profile.intro_mixed")
        )
        parts.append(_p(t(intro, lang, period=self._period(), n=number(total, lang), year=self.profile_years.start)))
        sentences = self.profile_sentences()
        parts.append(_p(" ".join(sentences) if sentences else t("admissions.profile.no_difference", lang)))
        for attribute in self.profiles:
            parts.append(self.profile_table_html(attribute))
        return "".join(parts)

    def profile_table_html(self, attribute: str) -> str:
        """One attribute: new members and pool per category (suppressed), shares and ratio, the chi-square test."""
        lang, table = self.lang, self.profiles[attribute]
        shown, hidden = withheld_profile(table, self.threshold)
        sources = self.pools[attribute] == "sources"
        columns = {
            "new_members": t("admissions.col.new_members", lang),
            "pool": t("admissions.col.pool" if sources else "admissions.col.pool_members", lang),
        }
        counts = shown_table(hidden, lambda v: number(v, lang), t("report.terms.col_total", lang))
        counts = counts.drop(columns=t("report.terms.col_total", lang))  # new + pool is not a meaningful total
        counts.index = [category_label(attribute, c, lang) for c in table["category"]] + [
            t("report.terms.col_total", lang)
        ]
        counts.columns = [columns[c] for c in hidden.counts.columns]
        hide = "x"

        def share(values) -> list[str]:
            return [hide if v is None else percent(100 * v, lang) for v in values] + [percent(100, lang)]

        counts[t("admissions.col.new_share", lang)] = share(shown["new_share"])
        pool_share = "admissions.col.pool_share" if sources else "admissions.col.pool_share_members"
        counts[t(pool_share, lang)] = share(shown["pool_share"])
        counts[t("admissions.col.ratio", lang)] = [
            hide
            if r is None
            else (f"{number(r, lang, 2)} ({number(lo, lang, 2)}–{number(hi, lang, 2)})" if pd.notna(r) else "–")
            for r, lo, hi in zip(shown["ratio"], shown["ratio_low"], shown["ratio_high"])
        ] + [number(1, lang, 2)]
        counts = counts.reset_index(names=t("admissions.col.category", lang))
        name = t(f"admissions.attribute.{attribute}", lang)
        caption = t(
            "admissions.profile.caption", lang, attribute=name, period=self._period(), pool=self._pool_phrase(attribute)
        )
        base_note = t(
            "admissions.profile.table_note",
            lang,
            attribute=name,
            new=number(int(table["new_members"].sum()), lang),
            pool_n=number(int(table["pool"].sum()), lang),
            period=self._period(),
            pool=self._pool_phrase(attribute),
        )
        return legend_table(
            counts,
            {},
            {c: c for c in counts.columns},
            self.base.caption_text(caption),
            lang,
            self.threshold,
            notes=(base_note,),
            dash=t("admissions.legend.no_ratio", lang),
        )

    def profile_test_sentences(self) -> list[str]:
        """The test of each attribute's whole distribution against the pool, for the methods appendix."""
        lang, out = self.lang, []
        for attribute, table in self.profiles.items():
            testable = len(table) >= 2 and table["new_members"].sum() > 0 and table["pool"].sum() > 0
            if not testable or int(table["new_members"].sum()) < self.threshold:
                continue
            test = profile_test(table)
            out.append(
                t(
                    "admissions.profile.chi2",
                    lang,
                    attribute=t(f"admissions.attribute.{attribute}", lang),
                    period=self._period(),
                    chi2=number(test.chi2, lang, 1),
                    dof=test.dof,
                    p=p_value(test.p_value, lang),
                    v=number(test.cramers_v_corrected, lang, 3),
                )
            )
        return out

    # --- methods ----------------------------------------------------------------------------------------------
    def methods_section(self, heading: Heading | None = None, standalone: bool = True) -> str:
        """Methods in plain words, with the test results behind the main text; ``standalone`` adds the suppression
        rule and the year-to-term rule, which a composed report states once for all its sections."""
        lang = self.lang
        fields = {
            "history": HISTORY_YEARS,
            "minimum": MIN_HISTORY_ADMISSIONS,
            "level": number(100 * LEVEL, lang),
            **self._band(),
        }
        keys = (
            "admitted",
            "plans",
            "attainment",
            "cumulative",
            "rate",
            "band_source",
            "midyear",
            "garwood",
            "profile",
            "pool",
            "chi2",
            "attributes",
        )
        items = [t(f"admissions.methods.{key}", lang, **fields) for key in keys]
        if self.year_complete:  # the projection rules are stated, but no projection is made from a complete year
            unused = t("admissions.methods.midyear_unused", lang, year=self.midyear_year)
            items = [f"{item} {unused}" if key in ("midyear", "garwood") else item for key, item in zip(keys, items)]
        items += self.profile_test_sentences()
        if standalone:
            items.append(suppression_rule(self.threshold, lang))
            items.append(self.base.terms.rule(lang))
        return self.list_section("methods", items, heading) + self.rate_interval_table()


def suppression_rule(threshold: int, lang: str) -> str:
    """The small-number rule in full, said once per report (tables carry only the short legend "x: …")."""
    if threshold <= 1:
        return t("suppression.no_rule", lang, threshold=threshold)
    return t(
        "quality.appendix.suppression_rule",
        lang,
        threshold=number(threshold, lang),
        largest=number(threshold - 1, lang),
    )


def withheld_profile(table: pd.DataFrame, threshold: int) -> tuple[pd.DataFrame, Suppressed]:
    """A profile table with the counts the suppression rule hides set to None, and the shares and ratio of a hidden
    count with them; the same rule serves the HTML report and the command line."""
    counts = table.set_index("category")[["new_members", "pool"]].astype(int)
    hidden = suppress(counts, threshold)
    out = table.copy()
    new_hidden = hidden.hidden["new_members"].to_numpy()
    pool_hidden = hidden.hidden["pool"].to_numpy()
    for column, mask in (
        ("new_members", new_hidden),
        ("pool", pool_hidden),
        ("new_share", new_hidden),
        ("pool_share", pool_hidden),
    ):
        out[column] = out[column].astype(object).where(~mask, None)
    for column in ("ratio", "ratio_low", "ratio_high"):
        out[column] = out[column].astype(object).where(~(new_hidden | pool_hidden), None)
    return out, hidden


def admissions_tables(report: AdmissionsReport) -> dict[str, pd.DataFrame]:
    """The report's tables as plain frames for a command to print; profile counts under the threshold withheld."""
    tables: dict[str, pd.DataFrame] = {}
    if report.has_plans:
        tables["attainment"] = report.yearly_table()
        tables["cumulative"] = pd.DataFrame(
            [
                {
                    "period": c.label,
                    "first_year": c.first_year,
                    "last_year": c.last_year,
                    "years_observed": len(c.years),
                    "admitted": c.admitted,
                    "planned": c.planned,
                    "attainment_pct": c.pct,
                    "attainment_rounded": c.rounded,
                }
                for c in report.cumulative
            ]
        )
        if report.midyear is not None:
            tables["midyear"] = report.midyear.copy()
    tables["rates"] = report.rates[["year", "members_start", "admitted", "rate_pct", "rate_low", "rate_high", "band"]]
    if report.unit_rates is not None:
        tables["unit_rates"] = report.unit_rates[
            ["unit_code", "name", "year", "members_start", "admitted", "rate_pct", "rate_low", "rate_high", "band"]
        ]
    for attribute, table in report.profiles.items():
        tables[f"profile_{attribute}"] = withheld_profile(table, report.threshold)[0].assign(
            pool_kind=report.pools[attribute]
        )
    return tables


# --- figures ---------------------------------------------------------------------------------------------------


def year_ticks(ax, years: list[int], width: float) -> None:
    """Year labels that never run together: every year when they fit, else every second or fifth year (always the
    last), fewer on a phone."""
    n = len(years)
    room = 4 if is_phone(width) else 9  # year labels at 12 pt that fit side by side
    step = 1 if n <= room else next(k for k in (2, 5, 10) if -(-n // k) <= room)
    for i, tick in enumerate(ax.get_xticklabels()):
        tick.set_visible((n - 1 - i) % step == 0)


def attainment_bars(
    table: pd.DataFrame, lang: str = "vi", simulated: bool = False, width: float = DESKTOP_WIDTH
) -> plt.Figure:
    """Admitted per year (a year not yet complete: its first half) against the plan, drawn as a line across each bar."""
    phone = is_phone(width)
    values = lambda column: table[column].to_numpy(dtype=float, na_value=np.nan)  # noqa: E731
    full = table["admitted"].notna().to_numpy()
    kind_full, kind_half = t("admissions.col.admitted", lang), t("admissions.col.first_half", lang)
    frame = pd.DataFrame(
        {
            "year": [str(y) for y in table["year"]],
            "admitted": np.where(full, values("admitted"), values("admitted_first_half")),
            "kind": np.where(full, kind_full, kind_half),
        }
    )
    with theme():
        fig, ax = plt.subplots(figsize=(width, 4.6 if phone else 3.8))
        sns.barplot(
            frame,
            x="year",
            y="admitted",
            hue="kind",
            palette={kind_full: "#2e6fb0", kind_half: "#85b4e0"},
            dodge=False,
            saturation=1,
            ax=ax,
        )
        xs = np.arange(len(table))
        ax.hlines(
            values("planned"), xs - 0.4, xs + 0.4, color="#b03a2e", linewidth=2, label=t("admissions.col.planned", lang)
        )
        ax.set_ylim(0, 1.1 * np.nanmax(np.concatenate([frame["admitted"].to_numpy(), values("planned")])))
        year_ticks(ax, [int(y) for y in table["year"]], width)
        ax.set_xlabel("")
        ax.set_ylabel(t("report.axis.members", lang))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: number(v, lang)))
        if phone:
            ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(4))
        ax.legend(
            frameon=False,
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            ncols=1 if phone else 3,
            title=None,
            fontsize=MIN_TEXT_PT,
        )
        fig.tight_layout()
        if simulated:
            mark_simulated(fig, lang)
    return fig


def midyear_forest(
    table: pd.DataFrame, lang: str = "vi", simulated: bool = False, width: float = DESKTOP_WIDTH
) -> plt.Figure:
    """Each unit's projected year-end admissions as % of its plan, with the 95% interval; 100% is the plan."""
    scale = 100 / table["planned"].astype(float)
    return forest(
        list(table["name"]),
        table["projection"] * scale,
        table["low"] * scale,
        table["high"] * scale,
        [STATUS_COLOURS.get(status, "#555555") for status in table["status"]],
        100,
        t("admissions.midyear.axis", lang),
        lambda v, _: number(v, lang) + "%",
        width=width,
        margin=1.3,
        reference_style={"color": "#333333", "linewidth": 1},
        lang=lang,
        simulated=simulated,
    )


def rate_plot(
    rates: pd.DataFrame,
    band: tuple[float, float],
    lang: str = "vi",
    simulated: bool = False,
    width: float = DESKTOP_WIDTH,
) -> plt.Figure:
    """The admission rate per year with its 95% interval, over the shaded band."""
    phone = is_phone(width)
    frame = rates.assign(
        year=rates["year"].astype(int).astype(str),
        side=[t(f"admissions.rates.side.{side}", lang) for side in rates["band"]],
    )
    palette = {t(f"admissions.rates.side.{side}", lang): colour for side, colour in BAND_COLOURS.items()}
    with theme():
        fig, ax = plt.subplots(figsize=(width, 4.2 if phone else 3.6))
        ax.axhspan(band[0], band[1], color="#1e8449", alpha=0.12, label=t("admissions.rates.band_label", lang))
        xs = np.arange(len(frame))
        rate, low, high = (rates[c].to_numpy(dtype=float) for c in ("rate_pct", "rate_low", "rate_high"))
        ax.errorbar(xs, rate, yerr=[rate - low, high - rate], fmt="none", ecolor="#888888", capsize=3, zorder=1)
        sns.scatterplot(
            x=xs, y=rate, hue=frame["side"].to_numpy(), palette=palette, s=50, ax=ax, zorder=2, legend=False
        )
        ax.set_xticks(xs, list(frame["year"]))
        year_ticks(ax, [int(y) for y in frame["year"]], width)
        ax.set_xlim(-0.6, len(xs) - 0.4)
        ax.set_ylim(
            max(0.0, min(band[0] - 1, rates["rate_low"].min() - 0.2)), max(band[1] + 1, rates["rate_high"].max() + 0.2)
        )  # the band in view, with room around it
        ax.set_ylabel(t("admissions.col.rate", lang))
        ax.set_xlabel("")
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: number(v, lang, 1) + "%"))
        ax.legend(frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=MIN_TEXT_PT)
        fig.tight_layout()
        if simulated:
            mark_simulated(fig, lang)
    return fig
