"""The quality-ratings part of the report: shares per year with intervals, change over the terms, the target for
weak organisations, and the units whose distribution differs, each section as escaped HTML.

Counts of members in a rating cross a personal attribute and go through :mod:`helpers.report.suppression` (a hidden
count hides its share with it); counts of grassroots organisations are not about people and are shown in full, as
seed 004 publishes them. The tests behind every figure use the full counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, partial
from typing import ClassVar

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from helpers.analyses.management import unit_series
from helpers.analyses.ratings import (
    MIN_EXPECTED,
    PERMUTATIONS,
    RATINGS,
    SUBJECTS,
    WEAK_TARGET_PCT,
    shares,
    term_baseline_year,
    term_changes,
    unit_counts,
    unit_differences,
    weak_target,
)
from helpers.data.codes import ATTRITION_EXITS
from helpers.data.terms import term_label
from helpers.data.units import subordinate_units
from helpers.report.base import AnalysisReport, Heading, TermReport
from helpers.report.formatting import number, p_value, percent, share, small_base
from helpers.report.html import paragraph, say
from helpers.report.plots import DESKTOP_WIDTH, MIN_TEXT_PT, figure_html, is_phone, mark_simulated, theme
from helpers.report.sections.admissions import join_words, legend_table, suppression_rule, year_span, year_ticks
from helpers.report.suppression import suppress
from helpers.text import t

SECTIONS = ("shares", "target", "units", "methods", "appendix")
PERSONAL = ("member",)  # subjects whose counts are people, so small counts are hidden
COLOURS = {"excellent": "#1e8449", "good": "#7dcea0", "completed": "#c8c8c8", "not_completed": "#b03a2e"}


def shown_pct(value: float) -> float:
    """A share (0–1) as the report prints it, in percent: the printed value, so that differences of printed shares
    are what a reader computes from the table."""
    return float(share(value, "en").rstrip("%").replace(",", "").replace("−", "-"))


def rounded_change(first: float, last: float) -> float:
    """The change in percentage points between two shares as printed (one decimal): 10,3% → 14,2% is +3,9."""
    return round(shown_pct(last) - shown_pct(first), 1)


def signed_pp(value: float, lang: str) -> str:
    """A change in percentage points with its sign; no sign for zero."""
    return ("+" if value > 0 else "") + number(value, lang, 1)


def year_list(years, lang: str) -> str:
    """'năm 2015, năm 2020' / '2015, 2020': the distinct years of a column, in order."""
    return ", ".join(t("ratings.year_item", lang, year=int(y)) for y in sorted({int(y) for y in years}))


def member_mask(counts: pd.DataFrame, threshold: int) -> tuple[pd.DataFrame, pd.Series]:
    """Which cells of a (rows × ratings) count table, and which row totals, the suppression rule hides."""
    hidden = suppress(counts[list(RATINGS)].astype("int64"), threshold)
    return hidden.hidden, hidden.row_total_hidden


@dataclass(frozen=True)
class RatingsReport(AnalysisReport):
    """Everything the quality-ratings part shows, computed once; the frames are None when the data has no ratings."""

    SECTIONS: ClassVar[tuple[str, ...]] = SECTIONS
    SECTION_KEYS: ClassVar[str] = "ratings.section"
    TITLE_KEY: ClassVar[str] = "quality.title"
    year: int
    terms: list[str]
    threshold: int
    weak_target_pct: float
    children: list[str]
    counts: pd.DataFrame | None
    shares: pd.DataFrame | None
    changes: pd.DataFrame | None
    target: pd.DataFrame | None
    differences: dict[str, pd.DataFrame]

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
        weak_target_pct: float = WEAK_TARGET_PCT,
    ) -> RatingsReport:
        """Shares of the unit and its subordinate units, the term changes, the target and the unit comparison in
        ``year`` (0: the latest year with ratings)."""
        base = base or TermReport.build(data_path, unit, terms, list(ATTRITION_EXITS), language)
        data = base.dataset
        children = subordinate_units(data.units, base.unit)
        ratings = getattr(data, "quality_ratings", None)
        counts = None if ratings is None else unit_counts(ratings, data.units, [base.unit, *children])
        if counts is None or not (counts["unit_code"] == base.unit).any():
            return cls(base, int(year), terms, threshold, weak_target_pct, children, None, None, None, None, {})
        own = counts[counts["unit_code"] == base.unit]
        year = int(year) or int(own["year"].max())
        table = shares(counts)
        changes = term_changes(table[table["unit_code"] == base.unit], base.terms.for_province(base.province), terms)
        differences = {
            s: unit_differences(counts, base.unit, children, year, s)
            for s in SUBJECTS
            if ((own["subject"] == s) & (own["year"] == year)).any()
        }
        return cls(
            base,
            year,
            terms,
            threshold,
            weak_target_pct,
            children,
            counts,
            table,
            changes,
            weak_target(table, weak_target_pct),
            differences,
        )

    # --- helpers --------------------------------------------------------------------------------------------
    def _own(self, subject: str) -> pd.DataFrame:
        s = self.shares
        return s[(s["unit_code"] == self.base.unit) & (s["subject"] == subject)]

    @property
    def subjects(self) -> list[str]:
        """Subjects the unit has ratings for, in the catalogue's order."""
        present = set(self.shares.loc[self.shares["unit_code"] == self.base.unit, "subject"])
        return [s for s in SUBJECTS if s in present]

    def _hidden(self, subject: str, year: int, rating: str) -> bool:
        """Whether the unit's count (and so its share) of ``rating`` in ``year`` is hidden in the shares table."""
        cells, rows = self._own_mask(subject)
        return bool(cells.loc[year, rating] or rows[year])

    def _own_mask(self, subject: str) -> tuple[pd.DataFrame, pd.Series]:
        return self._own_masks[subject]

    @cached_property
    def _own_masks(self) -> dict[str, tuple[pd.DataFrame, pd.Series]]:
        """Hidden cells and row totals of the unit's (years × ratings) table, per subject, computed once."""
        return {
            subject: self._mask(
                subject,
                self._own(subject).pivot(index="year", columns="rating", values="count").reindex(columns=list(RATINGS)),
            )
            for subject in self.subjects
        }

    def members_base_note(self) -> str:
        """Why fewer members are rated than are on the rolls, when the data shows it: the gap in the report's year
        is exactly the members exempted from duties and activities (who are not rated). Empty otherwise."""
        management = getattr(self.base.dataset, "member_management", None)
        if management is None or self.counts is None:
            return ""
        series = unit_series(management, self.base.dataset.units, [self.base.unit])
        row = series[series["year"] == self.year]
        rated = self.counts[
            (self.counts["unit_code"] == self.base.unit)
            & (self.counts["subject"] == "member")
            & (self.counts["year"] == self.year)
        ]
        if (
            "exempted" not in row.columns
            or row.empty
            or rated.empty
            or row[["members", "exempted"]].isna().any(axis=None)
        ):
            return ""
        members, exempted = int(row["members"].iloc[0]), int(row["exempted"].iloc[0])
        if exempted == 0 or members - int(rated["total"].iloc[0]) != exempted:
            return ""
        return t("ratings.members_base_note", self.lang, exempted=number(exempted, self.lang), year=self.year)

    def _no_data(self, anchor: str, heading: Heading | None) -> str:
        return self.base.heading(anchor, t(f"ratings.section.{anchor}", self.lang), heading) + say(
            "ratings.no_data", self.lang
        )

    def _names(self) -> pd.Series:
        return self.base.dataset.units.set_index("unit_code")["name"]

    # --- section 1 ------------------------------------------------------------------------------------------
    def share_sentences(self, subject: str, rating: str = "excellent") -> list[str]:
        """The seed's sentence for ``year`` against the year its term started, and the change over each term."""
        lang, own = self.lang, self._own(subject)
        fields = {"subject": t(f"ratings.subject.{subject}", lang), "rating": t(f"ratings.rating.{rating}", lang)}
        rows = own[own["rating"] == rating].set_index("year")
        if self.year not in rows.index:
            return [t("ratings.no_year", lang, subject=fields["subject"], year=self.year)]
        row = rows.loc[self.year]
        if self._hidden(subject, self.year, rating):
            out = [t("ratings.share_sentence_small", lang, year=self.year, **fields)]
        else:
            base_year = term_baseline_year(self.base.terms.for_province(self.base.province), self.year)
            if (
                base_year is not None
                and base_year != self.year
                and base_year in rows.index
                and not self._hidden(subject, base_year, rating)
            ):
                out = [
                    t(
                        "ratings.share_sentence",
                        lang,
                        year=self.year,
                        share=share(row["share"], self.lang),
                        base_year=base_year,
                        base_share=share(rows.loc[base_year, "share"], self.lang),
                        **fields,
                    )
                ]
            else:
                out = [
                    t(
                        "ratings.share_sentence_only",
                        lang,
                        year=self.year,
                        share=share(row["share"], self.lang),
                        **fields,
                    )
                ]
        changes = self.changes[(self.changes["subject"] == subject) & (self.changes["rating"] == rating)]
        for change in changes.itertuples():
            if self._hidden(subject, change.first_year, rating) or self._hidden(subject, change.last_year, rating):
                continue
            counts = own[own["rating"] == rating].set_index("year")["count"]
            first_count, last_count = counts.get(change.first_year), counts.get(change.last_year)
            if small_base(first_count, last_count, self.threshold):
                # Too few to make a change in percentage points mean much: the counts instead.
                out.append(
                    t(
                        "ratings.change_small",
                        lang,
                        term=term_label(change.term),
                        first_count=number(first_count, lang),
                        first_year=change.first_year,
                        last_count=number(last_count, lang),
                        last_year=change.last_year,
                        **fields,
                    )
                )
                continue
            pp = rounded_change(change.first_share, change.last_share)
            key = "ratings.change_same" if pp == 0 else ("ratings.change_up" if pp > 0 else "ratings.change_down")
            extra = "" if change.complete else t("ratings.change_incomplete", lang)
            out.append(
                t(
                    key,
                    lang,
                    term=term_label(change.term),
                    pp=number(abs(pp), lang, 1),
                    first=share(change.first_share, self.lang),
                    first_year=change.first_year,
                    last=share(change.last_share, self.lang),
                    last_year=change.last_year,
                    note=extra,
                    **fields,
                )
            )
        return out

    def shares_section(self, heading: Heading | None = None) -> str:
        if self.shares is None:
            return self._no_data("shares", heading)
        lang = self.lang
        parts = [self.section_heading("shares", heading)]
        for subject in self.subjects:
            parts += [paragraph(s) for s in self.share_sentences(subject)]
        for subject in self.subjects:
            parts.append(self._shares_table(subject))
        if not self.changes.empty:
            parts.append(self._changes_table())
        own = self.shares[self.shares["unit_code"] == self.base.unit]
        parts.append(
            figure_html(
                partial(_stacked_shares, own, self.subjects, lang, self.base.dataset.simulated),
                t("ratings.shares_figure_alt", lang),
                self.base.caption_text(
                    t(
                        "ratings.shares_figure_caption",
                        lang,
                        period=year_span(own["year"]),
                        name=self._names()[self.base.unit],
                    )
                ),
            )
        )
        return "".join(parts)

    def _shares_table(self, subject: str) -> str:
        lang, own = self.lang, self._own(subject)
        counts = own.pivot(index="year", columns="rating", values="count").reindex(columns=list(RATINGS))
        cells, rows = self._own_mask(subject)
        wide = own.set_index(["year", "rating"])
        hide = t("ratings.hidden", lang)
        shown = pd.DataFrame({t("ratings.col.year", lang): [str(y) for y in counts.index]})
        totals = own.groupby("year")["total"].first().reindex(counts.index)
        shown[t("ratings.col.total", lang)] = [hide if rows[y] else number(v, lang) for y, v in totals.items()]

        def cell(year: int, rating: str) -> str:
            return share(wide.loc[(year, rating), "share"], lang)

        for rating in RATINGS:
            shown[t(f"ratings.rating_short.{rating}", lang)] = [
                hide if (cells.loc[y, rating] or rows[y]) else cell(y, rating) for y in counts.index
            ]
        subject_text = t(f"ratings.subject.{subject}", lang)
        caption = self.base.caption_text(
            t("ratings.shares_caption", lang, subject=subject_text, period=year_span(counts.index))
        )
        notes = [t("ratings.shares_note", lang, subject=subject_text)]
        if subject in PERSONAL:
            notes.append(self.members_base_note())
        return legend_table(shown, {}, {c: c for c in shown.columns}, caption, lang, self.threshold, notes=tuple(notes))

    def _mask(self, subject: str, counts: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        """Hidden cells and row totals of a count table: the suppression rule for members, nothing for
        organisations."""
        if subject in PERSONAL:
            return member_mask(counts, self.threshold)
        return (pd.DataFrame(False, index=counts.index, columns=list(RATINGS)), pd.Series(False, index=counts.index))

    def _changes_table(self) -> str:
        lang, ch = self.lang, self.changes
        hide = t("ratings.hidden", lang)

        def shown_share(subject, year, rating, value):
            return hide if self._hidden(subject, year, rating) else share(value, self.lang)

        firsts = [shown_share(r.subject, r.first_year, r.rating, r.first_share) for r in ch.itertuples()]
        lasts = [shown_share(r.subject, r.last_year, r.rating, r.last_share) for r in ch.itertuples()]
        table = pd.DataFrame(
            {
                "term": [term_label(v) for v in ch["term"]],
                "subject": [t(f"ratings.subject_title.{s}", lang) for s in ch["subject"]],
                "rating": [t(f"ratings.rating_short.{r}", lang) for r in ch["rating"]],
                "first": firsts,
                "last": lasts,
                "change": [
                    hide if hide in (a, b) else signed_pp(rounded_change(f, la), lang)
                    for a, b, f, la in zip(firsts, lasts, ch["first_share"], ch["last_share"])
                ],
            }
        )
        headers = {
            "term": t("ratings.col.term", lang),
            "subject": t("ratings.col.subject", lang),
            "rating": t("ratings.col.rating", lang),
            "first": t("ratings.col.share", lang) + " (1)",
            "last": t("ratings.col.share", lang) + " (2)",
            "change": "(2) − (1)",
        }
        caption = t("ratings.changes_caption", lang, period=year_span([*ch["first_year"], *ch["last_year"]]))
        return legend_table(
            table,
            {},
            headers,
            self.base.caption_text(caption),
            lang,
            self.threshold,
            notes=(
                t(
                    "ratings.changes_note",
                    lang,
                    first_years=year_list(ch["first_year"], lang),
                    last_years=year_list(ch["last_year"], lang),
                ),
            ),
        )

    # --- section 2 ------------------------------------------------------------------------------------------
    def target_sentences(self) -> list[str]:
        """The year's weak share against the target, the years met, and the subordinate units that missed it."""
        lang = self.lang
        target_text = percent(self.weak_target_pct, lang, 1)
        out = [t("ratings.target_rule", lang, target=target_text)]
        own = self.target[self.target["unit_code"] == self.base.unit].set_index("year")
        if self.year in own.index:
            row = own.loc[self.year]
            base_year = term_baseline_year(self.base.terms.for_province(self.base.province), self.year)
            base = (
                t("ratings.target_base", lang, year=base_year, share=share(own.loc[base_year, "share"], self.lang, 2))
                if base_year is not None and base_year != self.year and base_year in own.index
                else ""
            )
            key = (
                "ratings.target_not_met"
                if not row["met"]
                else ("ratings.target_met_ci" if row["ci_below"] else "ratings.target_met")
            )
            if row["count"] == 0:  # no weak organisation at all: said in words, not as "0/131, 0,00%"
                key = "ratings.target_none"
            out.append(
                t(
                    key,
                    lang,
                    year=self.year,
                    share=share(row["share"], self.lang, 2),
                    count=number(row["count"], lang),
                    total=number(row["total"], lang),
                    base=base,
                    target=target_text,
                )
            )
        missed = [str(y) for y, met in own["met"].items() if not met]
        span = {"years": len(own), "first": int(own.index.min()), "last": int(own.index.max())}
        if missed:
            listed = t("ratings.target_years_list", lang, years=join_words(missed, lang))
            out.append(t("ratings.target_years", lang, met=int(own["met"].sum()), list=listed, **span))
        else:
            out.append(t("ratings.target_years_all", lang, **span))
        children = self.target[self.target["unit_code"].isin(self.children) & (self.target["year"] == self.year)]
        if not children.empty:
            names = self._names()
            not_met = children[~children["met"]]
            if not_met.empty:
                out.append(t("ratings.target_units_all_met", lang, year=self.year, target=target_text))
            else:
                units = join_words(
                    [f"{names[r.unit_code]} ({share(r.share, self.lang, 2)})" for r in not_met.itertuples()], lang
                )
                out.append(t("ratings.target_units_not_met", lang, year=self.year, units=units))
        return out

    def target_section(self, heading: Heading | None = None) -> str:
        if self.shares is None:
            return self._no_data("target", heading)
        lang = self.lang
        parts = [self.section_heading("target", heading)]
        own = self.target[self.target["unit_code"] == self.base.unit]
        if own.empty:
            parts.append(say("ratings.target_no_organisations", lang))
            return "".join(parts)
        parts += [paragraph(s) for s in self.target_sentences()]
        yes, no = t("ratings.yes", lang), t("ratings.no", lang)
        headers = {
            "year": t("ratings.col.year", lang),
            "total": t("ratings.col.organisations", lang),
            "count": t("ratings.col.weak", lang),
            "share": t("ratings.col.share", lang),
            "met": t("ratings.col.met", lang),
        }
        shown = own[list(headers)]
        formats = {
            "year": str,
            "total": lambda v: number(v, lang),
            "count": lambda v: number(v, lang),
            "share": lambda v: share(v, self.lang, 2),
            "met": lambda v: yes if v else no,
        }
        period = year_span(own["year"])
        target_text = percent(self.weak_target_pct, lang, 1)
        parts.append(
            legend_table(
                shown,
                formats,
                headers,
                self.base.caption_text(t("ratings.target_caption", lang, period=period, target=target_text)),
                lang,
                self.threshold,
                notes=(t("ratings.target_note", lang),),
            )
        )
        parts.append(
            figure_html(
                partial(_weak_line, own, self.weak_target_pct, lang, self.base.dataset.simulated),
                t("ratings.target_figure_alt", lang, target=target_text),
                self.base.caption_text(t("ratings.target_figure_caption", lang, period=period)),
            )
        )
        return "".join(parts)

    def target_interval_table(self) -> str:
        """The weak share's 95% interval per year and whether all of it is below the target, for the appendix."""
        if self.target is None:
            return ""
        own = self.target[self.target["unit_code"] == self.base.unit]
        if own.empty:
            return ""
        lang = self.lang
        yes, no = t("ratings.yes", lang), t("ratings.no", lang)
        shown = own.assign(
            ci=[f"{share(lo, lang, 2)}–{share(hi, lang, 2)}" for lo, hi in zip(own["low"], own["high"])]
        )[["year", "count", "total", "share", "ci", "ci_below"]]
        headers = {
            "year": t("ratings.col.year", lang),
            "count": t("ratings.col.weak", lang),
            "total": t("ratings.col.organisations", lang),
            "share": t("ratings.col.share", lang),
            "ci": t("ratings.col.ci", lang),
            "ci_below": t("ratings.col.ci_below", lang),
        }
        formats = {
            "year": str,
            "count": lambda v: number(v, lang),
            "total": lambda v: number(v, lang),
            "share": lambda v: share(v, lang, 2),
            "ci_below": lambda v: yes if v else no,
        }
        caption = t("ratings.ci_caption", lang, period=year_span(own["year"]))
        return legend_table(
            shown,
            formats,
            headers,
            self.base.caption_text(caption),
            lang,
            self.threshold,
            notes=(t("ratings.ci_note", lang),),
        )

    # --- section 3 ------------------------------------------------------------------------------------------
    def units_section(self, heading: Heading | None = None) -> str:
        if self.shares is None:
            return self._no_data("units", heading)
        lang = self.lang
        parts = [self.section_heading("units", heading)]
        tested = {s: d for s, d in self.differences.items() if len(d) >= 2}
        if not tested:
            parts.append(say("ratings.units_none", lang))
            return "".join(parts)
        parent = self._names()[self.base.unit]
        for subject, table in tested.items():
            subject_text = t(f"ratings.subject.{subject}", lang)
            cells, rows = self._unit_mask(subject, table)
            parts.append(say("ratings.units_intro", lang, year=self.year, subject=subject_text, parent=parent))
            differ = table[table["differs"]]
            if differ.empty:
                parts.append(say("ratings.units_none_differ", lang))
            else:
                items = "; ".join(self._differ_item(r, cells, rows) for r in differ.itertuples())
                parts.append(say("ratings.units_differ", lang, units=items))
            parts.append(self._units_table(subject, table, cells, rows))
        return "".join(parts)

    def _unit_mask(self, subject: str, table: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        counts = self.counts[
            (self.counts["year"] == self.year)
            & (self.counts["subject"] == subject)
            & self.counts["unit_code"].isin(table["unit_code"])
        ].set_index("unit_code")
        return self._mask(subject, counts.loc[table["unit_code"], list(RATINGS)])

    def _pair(self, row, rating: str, cells: pd.DataFrame, rows: pd.Series) -> tuple[str, str]:
        """The unit's share and the rest's share of one rating, both hidden when the unit's count is."""
        if cells.loc[row.unit_code, rating] or rows[row.unit_code]:
            return t("ratings.hidden", self.lang), t("ratings.hidden", self.lang)
        return share(getattr(row, f"share_{rating}"), self.lang), share(getattr(row, f"rest_share_{rating}"), self.lang)

    def _differ_item(self, row, cells: pd.DataFrame, rows: pd.Series) -> str:
        excellent, rest_excellent = self._pair(row, "excellent", cells, rows)
        weak, rest_weak = self._pair(row, "not_completed", cells, rows)
        return t(
            "ratings.units_differ_item",
            self.lang,
            name=self._names()[row.unit_code],
            excellent=excellent,
            rest_excellent=rest_excellent,
            not_completed=weak,
            rest_not_completed=rest_weak,
        )

    def _units_table(self, subject: str, table: pd.DataFrame, cells: pd.DataFrame, rows: pd.Series) -> str:
        lang, names = self.lang, self._names()
        hide, yes, no = t("ratings.hidden", lang), t("ratings.yes", lang), t("ratings.no", lang)
        shown = pd.DataFrame(
            {
                "unit": [names[c] for c in table["unit_code"]],
                "n": [hide if rows[c] else number(n, lang) for c, n in zip(table["unit_code"], table["n"])],
                "excellent": [" / ".join(self._pair(r, "excellent", cells, rows)) for r in table.itertuples()],
                "not_completed": [" / ".join(self._pair(r, "not_completed", cells, rows)) for r in table.itertuples()],
                "differs": [yes if d else no for d in table["differs"]],
            }
        )
        headers = {
            "unit": t("ratings.col.unit", lang),
            "n": t("ratings.col.total", lang),
            "excellent": t("ratings.col.excellent_pair", lang),
            "not_completed": t("ratings.col.not_completed_pair", lang),
            "differs": t("ratings.col.differs", lang),
        }
        subject_text = t(f"ratings.subject.{subject}", lang)
        caption = self.base.caption_text(t("ratings.units_caption", lang, subject=subject_text, year=self.year))
        notes = [t("ratings.units_note", lang, subject=subject_text, year=self.year)]
        found = [names[c] for c in table.loc[table["differs"], "unit_code"]]
        if found and len(table) > len(found):  # the others' rest leaves out the units found to differ
            key = "ratings.units_rest_note" if len(found) == 1 else "ratings.units_rest_note_many"
            notes.append(t(key, lang, units=join_words(found, lang)))
        return legend_table(shown, {}, headers, caption, lang, self.threshold, notes=tuple(notes))

    def test_table(self, subject: str) -> str:
        """The tests behind "clearly differs" for one subject: method, statistic, adjusted p and effect size, for the
        methods appendix."""
        lang, names = self.lang, self._names()
        table = self.differences[subject]
        fmt = lambda v, d: "–" if pd.isna(v) else number(v, lang, d)  # noqa: E731
        yes, no = t("ratings.yes", lang), t("ratings.no", lang)
        shown = pd.DataFrame(
            {
                "unit": [names[c] for c in table["unit_code"]],
                "method": [t(f"ratings.method.{m}", lang) for m in table["method"]],
                "chi2": [fmt(v, 1) for v in table["chi2"]],
                "p_holm": ["–" if pd.isna(p) else p_value(p, lang) for p in table["p_holm"]],
                "v": [fmt(v, 2) for v in table["cramers_v"]],
                "differs": [yes if d else no for d in table["differs"]],
            }
        )
        headers = {
            "unit": t("ratings.col.unit", lang),
            "method": t("ratings.col.method", lang),
            "chi2": t("ratings.col.chi2", lang),
            "p_holm": t("ratings.col.p_holm", lang),
            "v": t("ratings.col.cramers_v", lang),
            "differs": t("ratings.col.differs", lang),
        }
        subject_text = t(f"ratings.subject.{subject}", lang)
        caption = self.base.caption_text(t("ratings.tests_caption", lang, subject=subject_text, year=self.year))
        small = int((table["method"] == "permutation").sum())
        notes = [
            t(
                "ratings.units_small_one" if small == 1 else "ratings.units_small",
                lang,
                n=small,
                minimum=number(MIN_EXPECTED, lang),
                permutations=number(PERMUTATIONS, lang),
            )
            if small
            else ""
        ]
        return legend_table(
            shown,
            {},
            headers,
            caption,
            lang,
            self.threshold,
            notes=tuple(notes),
            dash=t("ratings.legend.no_test", lang),
        )

    def methods_section(self, heading: Heading | None = None, standalone: bool = True) -> str:
        """Methods in plain words and the tests behind the main text; ``standalone`` adds the suppression rule and
        the year-to-term rule, which a composed report states once for all its sections."""
        lang = self.lang
        fields = {
            "target": percent(self.weak_target_pct, lang, 1),
            "minimum": number(MIN_EXPECTED, lang),
            "permutations": number(PERMUTATIONS, lang),
            "threshold": self.threshold,
        }
        items = [
            t(f"ratings.methods.{k}", lang, **fields)
            for k in ("shares", "change", "target", "test", "holm", "limits", "organisations")
        ]
        if standalone:
            items.append(suppression_rule(self.threshold, lang))
            items.append(self.base.terms.rule(lang))
        tests = "".join(self.test_table(s) for s, d in self.differences.items() if len(d) >= 2)
        return self.list_section("methods", items, heading) + tests + self.target_interval_table()


def ratings_tables(report: RatingsReport) -> dict[str, pd.DataFrame]:
    """The report's tables for the command line: shares, term changes, the target and the unit comparisons, with
    every member count the suppression rule hides (and the shares it would give away) set to missing."""
    if report.shares is None:
        return {}
    frames = []
    for (_, subject), part in report.shares.groupby(["unit_code", "subject"], sort=False):
        part = part.copy()
        if subject in PERSONAL:
            counts = part.pivot(index="year", columns="rating", values="count").reindex(columns=list(RATINGS))
            cells, rows = member_mask(counts, report.threshold)
            hide = np.array([bool(cells.loc[y, r] or rows[y]) for y, r in zip(part["year"], part["rating"])])
            for column in ("count", "share", "low", "high"):
                part[column] = part[column].astype(object).where(~hide, None)
            part["total"] = part["total"].astype(object).where(~part["year"].map(rows).to_numpy(dtype=bool), None)
        frames.append(part)
    out = {"shares": pd.concat(frames, ignore_index=True), "changes": report.changes, "target": report.target}
    for subject, table in report.differences.items():
        table = table.copy()
        if subject in PERSONAL and not table.empty:
            cells, rows = report._unit_mask(subject, table)
            for rating in RATINGS:
                hide = np.array([bool(cells.loc[c, rating] or rows[c]) for c in table["unit_code"]])
                for column in (f"share_{rating}", f"rest_share_{rating}"):
                    table[column] = table[column].astype(object).where(~hide, None)
            table["n"] = table["n"].astype(object).where(~table["unit_code"].map(rows).to_numpy(dtype=bool), None)
        out[f"units_{subject}"] = table
    return out


def _stacked_shares(
    own: pd.DataFrame, subjects: list[str], lang: str, simulated: bool, width: float = DESKTOP_WIDTH
) -> plt.Figure:
    """Stacked bars per year: the share of each rating, one panel per subject (side by side; stacked on a phone)."""
    phone = is_phone(width)
    n = len(subjects)
    legend_rows = 4 if phone else 2  # the four ratings, one or two to a line, above the panels
    legend_in = legend_rows * MIN_TEXT_PT / 72 * 1.5 + 0.2
    with theme():
        shape, size = ((n, 1), (width, 3.3 * n + legend_in)) if phone else ((1, n), (width, 3.6 + legend_in))
        fig, axes = plt.subplots(*shape, figsize=size, sharey=True, squeeze=False)
        for ax, subject in zip(axes.flat, subjects):
            part = own[own["subject"] == subject]
            wide = part.pivot(index="year", columns="rating", values="share").reindex(columns=list(RATINGS)) * 100
            years = [str(y) for y in wide.index]
            bottom = np.zeros(len(wide))
            for rating in RATINGS:
                ax.bar(
                    years,
                    wide[rating].fillna(0).to_numpy(),
                    bottom=bottom,
                    color=COLOURS[rating],
                    label=t(f"ratings.rating_short.{rating}", lang),
                )
                bottom += wide[rating].fillna(0).to_numpy()
            ax.set_title(t(f"ratings.subject_title.{subject}", lang))
            ax.set_xlabel("")
            ax.set_ylim(0, 100)
            year_ticks(ax, [int(y) for y in wide.index], width if phone else width / max(n, 1) * 1.6)
            ax.set_ylabel(t("ratings.axis.share", lang))
            ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: number(v, lang)))
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="upper left", ncol=1 if phone else 2, frameon=False, fontsize=MIN_TEXT_PT)
        fig.tight_layout(rect=(0, 0, 1, 1 - legend_in / size[1]))
        if simulated:
            mark_simulated(fig, lang)
    return fig


def end_ticks(first: int, last: int, most: int) -> list[int]:
    """At most ``most`` year ticks, always the first and the last year (2015, 2020, 2025), evenly spaced."""
    if last - first + 1 <= most:
        return list(range(first, last + 1))
    step = next(k for k in range(1, last - first + 1) if (last - first) % k == 0 and (last - first) // k < most)
    return list(range(first, last + 1, step))


def _weak_line(
    own: pd.DataFrame, target_pct: float, lang: str, simulated: bool, width: float = DESKTOP_WIDTH
) -> plt.Figure:
    """The weak share per year with its 95% interval and the target as a horizontal line."""
    phone = is_phone(width)
    frame = own.assign(year=own["year"].astype(int), pct=100 * own["share"])
    with theme():
        fig, ax = plt.subplots(figsize=(width, 3.8 if phone else 3.4))
        years = frame["year"].to_numpy()
        ax.fill_between(years, 100 * own["low"], 100 * own["high"], color="#b03a2e", alpha=0.15, linewidth=0)
        sns.lineplot(frame, x="year", y="pct", marker="o", color="#b03a2e", ax=ax)
        ax.axhline(target_pct, color="#1e8449", linewidth=1.5, linestyle="--")
        ax.annotate(
            t("ratings.target_label", lang, target=percent(target_pct, lang, 1)),
            xy=(1.0, target_pct),
            xycoords=("axes fraction", "data"),
            ha="right",
            va="bottom",
            color="#1e8449",
            fontsize=MIN_TEXT_PT,
        )
        ax.set_xlabel("")
        ax.set_ylabel(t("ratings.axis.share", lang))
        first, last = int(years.min()), int(years.max())
        ax.set_xticks(end_ticks(first, last, 3 if phone else 6))
        ax.set_xlim(first - 0.5, last + 0.5)
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: number(v, lang, 1)))
        fig.tight_layout()
        if simulated:
            mark_simulated(fig, lang)
    return fig
