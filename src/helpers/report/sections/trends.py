"""The 'situation' part of the analysis: annual rates, per-term trends, units side by side, the target."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import partial
from typing import ClassVar

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from helpers.analyses.funnel import funnel_curves, funnel_table
from helpers.analyses.joinpoints import (
    MAX_JOINPOINTS,
    MIN_BETWEEN,
    MIN_END,
    PERMUTATIONS,
    SEED,
    Selection,
    aapc_table,
    compare_series,
    fit_joinpoints,
    select_joinpoints,
    time_label,
    yearly_series,
)
from helpers.analyses.projection import Projection, Requirement, Target, next_target, project_term, requirement
from helpers.analyses.trends import (
    DISPERSION_THRESHOLD,
    MIN_YEARS_PER_TERM,
    TrendFit,
    check_series,
    fit_trend,
    mann_kendall,
    rates,
    term_spans,
)
from helpers.data.codes import label
from helpers.data.counts import counts_for_unit
from helpers.data.terms import term_label, term_years, years_outside
from helpers.data.units import ancestors, predecessors, series_units, subordinate_units
from helpers.report.base import AnalysisReport, Heading, TermReport, check_unit
from helpers.report.formatting import number, p_value, percent
from helpers.report.html import escape, html_table, paragraph, paragraphs, say
from helpers.report.plots import (
    DESKTOP_WIDTH,
    MIN_TEXT_PT,
    PALETTE,
    figure_html,
    forest,
    is_phone,
    mark_simulated,
    textwrap_label,
    theme,
)
from helpers.report.sections.term_table import TermTableReport
from helpers.text import t

SECTIONS = ("terms", "annual", "apc", "units", "target", "methods", "appendix")
INDICATOR_KINDS = {
    "removed_and_asked": ["removed", "asked_to_leave"],
    "removed": ["removed"],
    "asked_to_leave": ["asked_to_leave"],
}


def series_phrase(series: str, kinds: list[str], lang: str) -> str:
    """'tỷ lệ đảng viên bị xóa tên' / 'the rate of members removed from the rolls', or the total of the kinds."""
    if series == "total":
        joined = t("trends.report.kinds_or", lang).join(t(f"report.kind.{k}", lang) for k in kinds)
        return t("trends.report.series_total", lang, kinds=joined)
    return t("trends.report.series_kind", lang, kind=t(f"report.kind.{series}", lang))


def no_exits_sentence(fit: TrendFit, phrase: str, lang: str) -> str:
    """A series with no exits in any fitted year: said so, and that no trend is fitted."""
    model = fit.model()
    return t("trends.report.apc_no_exits", lang, series=phrase, first=model["first_year"], last=model["last_year"])


def outside_terms_fields(years: list[int] | tuple[int, ...], terms: pd.DataFrame) -> dict:
    """The fields of ``report.terms.outside``: the years of data in no configured term, and the years the terms
    cover (contiguous, by the terms contract)."""
    return {
        "years": ", ".join(map(str, years)),
        "first": int(terms["start_year"].min()) + 1,
        "last": int(terms["end_year"].max()),
    }


def outside_terms_sentence(years: list[int] | tuple[int, ...], terms: pd.DataFrame, lang: str) -> str:
    """The years of data that belong to no configured term, and so are counted in no term's figures."""
    return t("report.terms.outside", lang, **outside_terms_fields(years, terms))


def trend_class(row) -> str:
    """'up' / 'down' when the 95% interval of a fitted term's annual percent change excludes 0, else 'unclear';
    'not_fitted' for a term too short to fit and 'no_exits' for a series with none."""
    if row.get("no_exits", False):
        return "no_exits"
    if not row["fitted"]:
        return "not_fitted"
    if row["apc_low"] > 0:
        return "up"
    if row["apc_high"] < 0:
        return "down"
    return "unclear"


def apc_sentence(row: pd.Series, phrase: str, lang: str) -> str:
    """One term's trend in words, number first, with its interval written out; an interval that contains 0 is
    said not to be enough to conclude a trend."""
    fmt = lambda v: number(v, lang, 1)  # noqa: E731
    fields = {"term": term_label(row["term"]), "series": phrase, "apc": fmt(abs(row["apc"]))}
    kind = trend_class(row)
    if kind == "no_exits":
        return t("trends.report.apc_no_exits", lang, series=phrase, first=row["first_year"], last=row["last_year"])
    if kind == "not_fitted":
        return t(
            "trends.report.apc_not_fitted",
            lang,
            term=term_label(row["term"]),
            series=phrase,
            years=row["years_observed"],
            minimum=MIN_YEARS_PER_TERM,
        )
    if kind == "up":
        return t("trends.report.apc_up", lang, low=fmt(row["apc_low"]), high=fmt(row["apc_high"]), **fields)
    if kind == "down":
        return t("trends.report.apc_down", lang, low=fmt(-row["apc_high"]), high=fmt(-row["apc_low"]), **fields)
    key = "trends.report.apc_unclear_up" if row["apc"] >= 0 else "trends.report.apc_unclear_down"
    return t(key, lang, low=fmt(row["apc_low"]), high=fmt(row["apc_high"]), **fields)


def kinds_sentence(rows: list[dict], kinds: list[str], lang: str) -> str:
    """How each kind moved in one term, in one sentence; one kind is said to move 'clearly faster' only when the
    two kinds move the same way and their 95% intervals do not overlap. Empty with fewer than two fitted kinds."""
    fitted = [r for r in rows if r["fitted"]]
    if len(kinds) < 2 or len(fitted) < 2:
        return ""
    parts = []
    for r in fitted:
        key = "trends.report.kind_part" if trend_class(r) in ("up", "down") else "trends.report.kind_part_unclear"
        direction = t(f"trends.report.direction.{'up' if r['apc'] >= 0 else 'down'}", lang)
        phrase = series_phrase(r["series"], kinds, lang)
        parts.append(t(key, lang, series=phrase, direction=direction, apc=number(abs(r["apc"]), lang, 1)))
    joined = t("trends.report.kinds_separator", lang).join(parts)
    if len(fitted) == 2:
        a, b = fitted
        same_way = trend_class(a) == trend_class(b) and trend_class(a) in ("up", "down")
        apart = a["apc_low"] > b["apc_high"] or b["apc_low"] > a["apc_high"]
        if same_way and apart:
            fast = max(fitted, key=lambda r: abs(r["apc"]))
            return t(
                "trends.report.kinds_faster",
                lang,
                parts=joined,
                fast=series_phrase(fast["series"], kinds, lang),
                direction=t(f"trends.report.direction.{trend_class(fast)}", lang),
            )
    return t("trends.report.kinds", lang, parts=joined)


def change_sentence(before: dict, after: dict, knot: int, p: float, lang: str) -> str:
    """Whether the trend of the combined rate changed at a term boundary, in plain words (the p-value goes to
    the appendix): 'reversed' when the slope changes sign, 'changed' otherwise when the change is clear."""

    def part(row: dict) -> str:
        side = "up" if row["apc"] >= 0 else "down"
        return t(f"trends.report.change_part.{side}", lang, pct=number(abs(row["apc"]), lang, 1) + "%")

    fields = {"year": knot + 1, "before": part(before), "after": part(after)}
    if p >= 0.05:
        return t("trends.report.change.same", lang, **fields)
    reversed_ = (before["apc"] >= 0) != (after["apc"] >= 0)
    return t(f"trends.report.change.{'reversed' if reversed_ else 'changed'}", lang, **fields)


def model_verdicts(apc: pd.DataFrame, mk: pd.DataFrame) -> pd.DataFrame:
    """The combined rate's trend per term by the model ('up' / 'down' / 'unclear') beside the Mann–Kendall
    check on the same years, and whether they agree (a term either could not assess is left out)."""
    rows = []
    columns = [*mk.columns, "model", "mk", "agree"]
    if "tau" not in mk:  # no window had enough years for the check
        return pd.DataFrame(rows, columns=columns)
    model = apc[apc["series"] == "total"].set_index("term")
    for r in mk[(mk["series"] == "total_rate") & (mk["window"] != "all") & mk["tau"].notna()].to_dict("records"):
        if r["window"] not in model.index or not model.loc[r["window"], "fitted"]:
            continue
        by_model = trend_class(model.loc[r["window"]].to_dict() | {"no_exits": False})
        by_mk = {"increasing": "up", "decreasing": "down"}.get(r["trend"], "unclear")
        rows.append({**r, "model": by_model, "mk": by_mk, "agree": by_model == by_mk})
    return pd.DataFrame(rows, columns=columns)


FLAGS_NAMED = ("above", "below", "warning")  # the funnel verdicts a report names units for, in this order


def flagged_sentences(rows: dict[str, pd.DataFrame], lang: str) -> list[str]:
    """One sentence per funnel verdict with units (``rows``: verdict → the funnel rows, in the order to name
    them), each unit with its rate, its exits and the exits the common rate would give."""
    sentences = []
    for flag, named in rows.items():
        if named.empty:
            continue
        units = "; ".join(
            t(
                "trends.report.units_item",
                lang,
                name=r.name,
                rate=number(r.rate, lang, 2),
                observed=number(r.observed, lang),
                expected=number(r.expected, lang),
            )
            for r in named.itertuples()
        )
        sentences.append(t(f"trends.report.units_{flag}", lang, units=units))
    return sentences


def funnel_columns(name_header: str, lang: str) -> tuple[dict, dict]:
    """Headers and cell formats of a funnel table (:func:`helpers.analyses.funnel.funnel_table`): units or
    provinces side by side, with member-years, observed and expected exits, the rate and the verdict."""
    headers = {
        "name": name_header,
        "exposure": t("trends.report.col_member_years", lang),
        "observed": t("trends.report.col_observed", lang),
        "expected": t("trends.report.col_expected", lang),
        "rate": t("trends.report.col_rate", lang),
        "flag": t("trends.report.col_flag", lang),
    }
    formats = {
        "exposure": lambda v: number(v, lang),
        "observed": lambda v: number(v, lang),
        "expected": lambda v: number(v, lang, 1),
        "rate": lambda v: number(v, lang, 2),
        "flag": lambda v: t(f"trends.report.flag.{v}", lang),
    }
    return headers, formats


def short_name(name: str) -> str:
    """A unit's name for a chart label: without the '(mô phỏng)' / '(simulated)' tag the tables keep."""
    return re.sub(r"\s*\((?:mô phỏng|simulated)\)\s*$", "", str(name))


@dataclass(frozen=True)
class TrendsReport(AnalysisReport):
    """Everything the trends notebook shows, computed once from validated data."""

    SECTIONS: ClassVar[tuple[str, ...]] = SECTIONS
    SECTION_KEYS: ClassVar[str] = "trends.report.section"
    yearly: pd.DataFrame
    spans: list
    fits: dict[str, TrendFit]
    apc: pd.DataFrame
    knots_tested: pd.DataFrame
    mk: pd.DataFrame
    units_table: pd.DataFrame | None
    units_curves: pd.DataFrame | None
    units_years: range | None
    projection: Projection | None
    merged_from: list[str]
    outside_years: tuple[int, ...] = ()  # years of data in no configured term: shown, but counted in no term
    threshold: int = 10  # a term-to-term change on fewer people than this is given as 'from 4 to 15', not a percent
    selections: dict[str, Selection] = field(default_factory=dict)  # joinpoints chosen from the data, per series
    comparison: pd.DataFrame | None = None  # the kinds' parallelism and coincidence tests
    aapcs: pd.DataFrame | None = None  # average annual percent changes, both models, over the report's windows
    shift: dict | None = None  # the combined rate's jump in level at ``shift_at``, when one is asked for

    @classmethod
    def build(
        cls,
        data_path: str,
        unit: str,
        terms: list[str],
        kinds: list[str],
        target_change_pct: float,
        last_year: int,
        language: str,
        base: TermReport | None = None,
        threshold: int = 10,
        shift_at: int = 0,
        aapc_since: int = 0,
    ) -> TrendsReport:
        """Check the series, fit each kind and their total, compare units, project the last term to its target;
        choose joinpoints from the data, compare the kinds, and with ``shift_at`` (a year, 0 for none) fit a jump
        in level there; ``aapc_since`` adds an average annual change from that year to the last."""
        base = base or TermReport.build(data_path, unit, terms, kinds, language, last_year)
        data, province_terms = base.dataset, base.terms.for_province(base.province)
        yearly = counts_for_unit(data.annual_counts, data.units, unit)
        if last_year:
            yearly = yearly[yearly["year"] <= last_year]
        yearly = rates(check_series(yearly, unit), kinds)
        outside = tuple(years_outside(yearly["year"], province_terms))
        spans = term_spans(yearly["year"], province_terms, terms)
        fits = {series: fit_trend(yearly, series, spans) for series in [*kinds, "total"]}
        apc = pd.concat([fit.apc() for fit in fits.values()], ignore_index=True)
        tests = [fit.knot_tests() for fit in fits.values()]
        knots_tested = pd.concat([k for k in tests if not k.empty] or tests[:1], ignore_index=True)
        mk = pd.concat([mann_kendall(yearly, f"{s}_rate", spans) for s in fits], ignore_index=True)

        children = subordinate_units(data.units, unit)
        units_table = units_curves = units_years = None
        if len(children) >= 2:
            last_span = next(s for s in reversed(spans) if s.fitted)
            units_years = range(last_span.first_year, min(last_span.last_year, int(yearly["year"].max())) + 1)
            child_counts = data.annual_counts.copy()
            child_counts["unit_code"] = child_counts["unit_code"].map(
                {code: child for child in children for code in series_units(data.units, child)}
            )
            units_table = funnel_table(
                child_counts.dropna(subset=["unit_code"]), data.units, children, kinds, units_years
            )
            units_curves = funnel_curves(
                float(units_table["overall_rate"].iloc[0]), units_table["exposure"].to_numpy(dtype=float)
            )

        projection = _projection(base, yearly, province_terms, spans, terms, target_change_pct)
        beyond = _beyond_terms(yearly, spans, fits, kinds, shift_at, aapc_since)
        return cls(
            base,
            yearly,
            spans,
            fits,
            apc,
            knots_tested,
            mk,
            units_table,
            units_curves,
            units_years,
            projection,
            predecessors(data.units, unit),
            outside,
            threshold,
            **beyond,
        )

    # --- sections -------------------------------------------------------------------------------------------
    def terms_section(self, heading: Heading | None = None) -> str:
        terms = TermTableReport(self.base).terms_section(heading, threshold=self.threshold)
        return terms + self._outside_paragraph()

    def _outside_paragraph(self) -> str:
        """The sentence naming the years of data outside every term; nothing when every year is in a term."""
        if not self.outside_years:
            return ""
        terms = self.base.terms.for_province(self.base.province)
        return paragraph(outside_terms_sentence(self.outside_years, terms, self.lang))

    @property
    def _unit_name(self) -> str:
        return self.base.dataset.units.set_index("unit_code")["name"][self.base.unit]

    def annual_section(self, heading: Heading | None = None) -> str:
        lang, y = self.lang, self.yearly
        parts = [self.section_heading("annual", heading)]
        if self.merged_from:
            names = self.base.dataset.units.set_index("unit_code")["name"]
            merged = ", ".join(names[code] for code in self.merged_from)
            parts.append(say("trends.report.merged", lang, unit=names[self.base.unit], units=merged))
        rates_ = []
        for span in self.spans:
            part = y[y["year"].between(span.first_year, span.last_year)]
            if part.empty:
                continue
            rate = number(part["total"].sum() / part["members_start"].sum() * 1000, lang, 2)
            complete = len(part) == span.last_year - span.first_year + 1
            key = "trends.report.term_rate_part" if complete else "trends.report.term_rate_part_short"
            rates_.append(t(key, lang, term=term_label(span.label), rate=rate, years=len(part)))
        sentences = []
        if rates_:
            joined = t("report.and", lang).join([", ".join(rates_[:-1]), rates_[-1]]) if len(rates_) > 1 else rates_[0]
            sentences.append(t("trends.report.term_rates", lang, rates=joined))
        peak, last = y.loc[y["total"].idxmax()], y.iloc[-1]
        sentences.append(
            t(
                "trends.report.peak",
                lang,
                year=int(peak["year"]),
                count=number(peak["total"], lang),
                rate=number(peak["total_rate"], lang, 2),
                last=int(last["year"]),
                last_count=number(last["total"], lang),
                last_rate=number(last["total_rate"], lang, 2),
            )
        )
        parts.append(paragraph(" ".join(sentences)))
        parts.append(self._outside_paragraph())
        headers = {"year": t("report.axis.year", lang), "members_start": t("columns.members_start", lang)}
        formats = {"year": str, "members_start": lambda v: number(v, lang)}
        for kind in [*self.base.kinds, "total"]:
            name = t("report.terms.col_total", lang) if kind == "total" else t(f"codes.exit_kind.{kind}", lang)
            headers[kind] = name
            headers[f"{kind}_rate"] = f"{name} (‰)"
            formats[kind] = lambda v: number(v, lang)
            formats[f"{kind}_rate"] = lambda v: number(v, lang, 2)
        series = {k: self.fits[k] for k in [*self.base.kinds, "total"]}
        knots = next(iter(self.fits.values())).knots
        draw = partial(annual_trend, y, series, knots, lang, self.base.dataset.simulated)
        parts.append(
            figure_html(draw, t("trends.report.annual_alt", lang), self.base.caption("trends.report.annual_caption"))
        )
        period = {"first": int(y["year"].min()), "last": int(y["year"].max())}
        parts.append(
            html_table(
                y,
                formats,
                headers,
                caption=self.base.caption_text(t("trends.report.annual_table", lang, **period)),
                note=t("trends.report.rate_note", lang, unit=self._unit_name, **period),
            )
        )
        return "".join(parts)

    def apc_section(self, heading: Heading | None = None) -> str:
        lang, kinds = self.lang, self.base.kinds
        parts = [self.section_heading("apc", heading), say("trends.report.apc_intro", lang)]
        for series, fit in self.fits.items():
            if not fit.fitted:
                parts.append(paragraph(no_exits_sentence(fit, series_phrase(series, kinds, lang), lang)))
        total_phrase = series_phrase("total", kinds, lang)
        for span in self.spans:
            rows = self.apc[self.apc["term"] == span.label].to_dict("records")
            total = next((r for r in rows if r["series"] == "total"), None)
            if total is None or total["no_exits"]:
                continue
            if self.few_exits(span.label):
                parts.append(paragraph(self.counts_sentence(span.label)))
                continue
            sentence = apc_sentence(pd.Series(total), total_phrase, lang)
            by_kind = kinds_sentence([r for r in rows if r["series"] in kinds], kinds, lang)
            parts.append(paragraph(f"{sentence} {by_kind}".strip()))
        changes = self._change_sentences()
        if changes:
            parts.append(paragraph(" ".join(changes)))
        disagree = model_verdicts(self.apc, self.mk)
        disagree = disagree[~disagree["agree"] & ~disagree["window"].map(self.few_exits)]
        if not disagree.empty:
            terms = t("report.and", lang).join(term_label(w) for w in disagree["window"])
            parts.append(say("trends.report.model_concludes", lang, terms=terms))
        if self._told_in_counts():
            # every term is told in counts: intervals of a yearly change would only say what the text declines to
            return "".join(parts)
        beyond = self.joinpoints_section()
        forest_rows = self.apc[self.apc["fitted"]]
        if not forest_rows.empty:
            parts.append(
                figure_html(
                    partial(apc_forest, self.apc, lang, self.base.dataset.simulated),
                    t("trends.report.forest_alt", lang),
                    self.base.caption("trends.report.forest_caption"),
                )
            )
        shown = self.apc.assign(
            term=self.apc["term"].map(term_label),
            series=[series_phrase(s, kinds, lang) for s in self.apc["series"]],
            verdict=[t(f"trends.report.verdict.{trend_class(r)}", lang) for r in self.apc.to_dict("records")],
        )
        headers = {
            "term": t("report.terms.col_term", lang),
            "series": t("trends.report.col_series", lang),
            "apc": t("trends.report.col_apc", lang),
            "apc_low": t("trends.report.col_low", lang),
            "apc_high": t("trends.report.col_high", lang),
            "verdict": t("trends.report.col_verdict", lang),
        }
        note = t("trends.report.apc_note", lang, unit=self._unit_name)
        if self.apc["apc"].isna().any():
            note += " " + t("trends.report.apc_dash", lang, minimum=MIN_YEARS_PER_TERM)
        period = {"first": self.spans[0].first_year, "last": int(self.yearly["year"].max())}
        parts.append(self._percent_table(shown, headers, t("trends.report.apc_table", lang, **period), note))
        parts.append(beyond)
        return "".join(parts)

    # --- beyond the term boundaries: joinpoints from the data, the AAPC, the kinds compared, a jump -------------
    def _term_knots(self) -> tuple[int, ...]:
        return next(iter(self.fits.values())).knots

    def _told_in_counts(self) -> bool:
        return all(self.few_exits(span.label) for span in self.spans)

    def joinpoint_agreement(self) -> str:
        """How the data's own joinpoints of the combined rate sit against the term boundaries: 'at' (each on a
        boundary), 'near' (each within a year of one), 'away' (one or more not), or for no joinpoint 'none_agrees'
        (no boundary shows a clear change either) or 'none_differs'."""
        joinpoints = self.selections["total"].model.joinpoints
        knots = self._term_knots()
        if not joinpoints:
            clear = self.knots_tested[(self.knots_tested["series"] == "total") & (self.knots_tested["p_value"] < 0.05)]
            return "none_differs" if not clear.empty else "none_agrees"
        gaps = [min((abs(j - k) for k in knots), default=np.inf) for j in joinpoints]
        return "at" if max(gaps) == 0 else "near" if max(gaps) <= 1 else "away"

    def _segment_part(self, row: dict) -> str:
        fields = {
            "start": time_label(row["start"]),
            "end": time_label(row["end"]),
            "apc": number(abs(row["apc"]), self.lang, 1),
        }
        return t(f"trends.report.jp.segment_{trend_class(row | {'fitted': True})}", self.lang, **fields)

    def _aapc_fields(self, model: str = "joinpoints") -> dict | None:
        """The whole period's AAPC in words' fields; None when a segment without exits leaves it undefined."""
        row = self.aapcs[(self.aapcs["model"] == model) & (self.aapcs["window"] == "all")].iloc[0]
        if pd.isna(row["apc"]):
            return None
        return {"first": int(row["first"]), "last": int(row["last"]), **interval_fields(row, self.lang)}

    def joinpoint_sentences(self) -> list[str]:
        """The main text's plain words on the trend beyond the term boundaries: where the combined rate turned by
        the data's own joinpoints, its average change over the period, how that sits with the term view, how the
        kinds move against each other, and the jump at the year asked for. Empty when the trend is told in counts."""
        if "total" not in self.selections or self._told_in_counts():
            return []
        lang, phrase = self.lang, series_phrase("total", self.base.kinds, self.lang)
        model = self.selections["total"].model
        knots = t("report.and", lang).join(map(str, self._term_knots()))
        aapc = self._aapc_fields()
        first_year, last_year = int(model.series.time.min()), int(model.series.time.max())
        if model.joinpoints:
            segments = "; ".join(self._segment_part(r) for r in model.segments().to_dict("records"))
            years = t("report.and", lang).join(time_label(j) for j in model.joinpoints)
            first = t("trends.report.jp.changed", lang, series=phrase, years=years, segments=segments)
        else:
            first = t("trends.report.jp.none", lang, series=phrase, first=first_year, last=last_year)
        sentences = [first]
        if aapc is not None:
            sentences.append(t(f"trends.report.jp.aapc_{aapc['kind']}", lang, series=phrase, **aapc))
        sentences.append(
            t(f"trends.report.jp.{self.joinpoint_agreement()}", lang, knots=knots, terms=self._ending_terms())
        )
        return sentences

    def _ending_terms(self) -> str:
        """The terms whose last year is one of the combined rate's turning years ('2015–2020')."""
        joinpoints = set(self.selections["total"].model.joinpoints)
        return t("report.and", self.lang).join(term_label(s.label) for s in self.spans if s.last_year in joinpoints)

    def _path(self) -> str:
        """The combined rate's course segment by segment, in a few words: 'tăng đến năm 2020 rồi giảm'."""
        rows = self.selections["total"].model.segments().to_dict("records")
        words = []
        for row in rows:
            direction = t(f"trends.report.jp.path.{trend_class(row | {'fitted': True})}", self.lang)
            last = row is rows[-1]
            key = "trends.report.jp.path_last" if last else "trends.report.jp.path_part"
            words.append(t(key, self.lang, direction=direction, end=time_label(row["end"])))
        return ", ".join(words[:-1]) + " " + words[-1]

    def comparison_sentence(self) -> str:
        """Whether the kinds move alike, in plain words (the p-values go to the appendix); empty without two kinds
        with exits."""
        if self.comparison is None or self._told_in_counts():
            return ""
        verdict = comparison_verdict(self.comparison)
        a, b = (series_phrase(k, self.base.kinds, self.lang) for k in self.base.kinds)
        return t(f"trends.report.jp.kinds_{verdict}", self.lang, a=_upper_first(a), b=b)

    def shift_sentence(self) -> str:
        """The jump in the combined rate's level at the year asked for, in plain words; empty when none was."""
        if self.shift is None:
            return ""
        fields = interval_fields(self.shift, self.lang)
        side = t(f"trends.report.jp.side.{'up' if self.shift['apc'] >= 0 else 'down'}", self.lang)
        pct = number(abs(self.shift["apc"]), self.lang, 1)
        return t(
            f"trends.report.jp.shift_{fields['kind']}",
            self.lang,
            year=int(self.shift["at"]),
            pct=pct,
            side=side,
            **fields,
        )

    def summary_sentence(self) -> str | None:
        """One plain sentence for the committee's summary: where the trend turned by the data, whether that is
        a term boundary, and the average change over the period (None when the trend is told in counts)."""
        if "total" not in self.selections or self._told_in_counts():
            return None
        lang, model, aapc = self.lang, self.selections["total"].model, self._aapc_fields()
        if aapc is None:
            return None
        fields = {**aapc, "series": series_phrase("total", self.base.kinds, lang)}
        fields["trend"] = t(f"trends.report.jp.summary_trend.{aapc['kind']}", lang, **fields)
        if not model.joinpoints:
            return t("trends.report.jp.summary_none", lang, **fields)
        agreement = t(
            f"trends.report.jp.summary_agreement.{self.joinpoint_agreement()}", lang, terms=self._ending_terms()
        )
        return t("trends.report.jp.summary", lang, path=self._path(), agreement=agreement, **fields)

    def joinpoints_section(self) -> str:
        """The main text's paragraph and table of the trend's own segments (inside the per-term section)."""
        sentences = self.joinpoint_sentences()
        if not sentences:
            return ""
        lang = self.lang
        parts = [paragraph(" ".join(sentences))]
        extra = [s for s in (self.comparison_sentence(), self.shift_sentence()) if s]
        if extra:
            parts.append(paragraph(" ".join(extra)))
        rows = pd.concat([sel.model.segments() for sel in self.selections.values()], ignore_index=True)
        shown = rows.assign(
            period=[
                f"{_series_label(s, lang)}, {time_label(a)}–{time_label(b)}"
                for s, a, b in zip(rows["series"], rows["start"], rows["end"])
            ],
        )
        note = t("trends.report.jp.table_note", lang)
        if rows["no_exits"].any():
            note += " " + t("trends.report.jp.table_dash", lang)
        headers = {
            "period": t("trends.report.jp.col_period", lang),
            "apc": t("trends.report.col_apc", lang),
            "apc_low": t("trends.report.col_low", lang),
            "apc_high": t("trends.report.col_high", lang),
        }
        period = {
            "first": int(self.selections["total"].model.series.time.min()),
            "last": int(self.yearly["year"].max()),
        }
        parts.append(self._percent_table(shown, headers, t("trends.report.jp.table", lang, **period), note))
        return "".join(parts)

    def _percent_table(self, shown: pd.DataFrame, headers: dict, caption: str, note: str) -> str:
        """A table of percent changes with their 95% bounds ('–' where none is estimated)."""
        fmt = lambda v: "–" if pd.isna(v) else number(v, self.lang, 1) + "%"  # noqa: E731
        formats = {"apc": fmt, "apc_low": fmt, "apc_high": fmt}
        return html_table(shown, formats, headers, caption=self.base.caption_text(caption), note=note)

    def _joinpoint_results(self) -> str:
        """The appendix's numbers behind the joinpoint sentences: each permutation test, the BIC of every size,
        the AAPCs of both models, the comparison's p-values and the jump's estimate."""
        if not self.selections:
            return ""
        lang, kinds = self.lang, self.base.kinds
        tests = pd.concat(
            [sel.tests.assign(series=name) for name, sel in self.selections.items() if not sel.tests.empty]
            or [pd.DataFrame(columns=["series", "null", "alternative", "p_value", "level", "rejected"])],
            ignore_index=True,
        )
        parts = []
        if not tests.empty:
            shown = tests.assign(
                series=[_series_label(s, lang) for s in tests["series"]],
                pair=[
                    t("trends.report.jp.test_pair", lang, null=a, alternative=b)
                    for a, b in zip(tests["null"], tests["alternative"])
                ],
                rejected=[t(f"trends.report.jp.rejected.{bool(r)}", lang) for r in tests["rejected"]],
            )
            parts.append(
                html_table(
                    shown[["series", "pair", "p_value", "level", "rejected"]],
                    {"p_value": lambda v: number(v, lang, 3), "level": lambda v: number(v, lang, 4)},
                    {
                        "series": t("trends.report.col_series", lang),
                        "pair": t("trends.report.jp.col_pair", lang),
                        "p_value": t("trends.report.methods.col_p", lang),
                        "level": t("trends.report.jp.col_level", lang),
                        "rejected": t("trends.report.jp.col_rejected", lang),
                    },
                    caption=self.base.caption("trends.report.jp.tests_caption"),
                )
            )
        criteria = pd.concat(
            [sel.criteria.assign(series=name, permutation=sel.chosen) for name, sel in self.selections.items()],
            ignore_index=True,
        )
        shown = criteria.assign(
            series=[f"{_series_label(s, lang)}, {k}" for s, k in zip(criteria["series"], criteria["joinpoints"])],
            by_bic=[t(f"trends.report.jp.rejected.{bool(c)}", lang) for c in criteria["bic_best"]],
            by_test=[
                t(f"trends.report.jp.rejected.{bool(k == p)}", lang)
                for k, p in zip(criteria["joinpoints"], criteria["permutation"])
            ],
            places=[p or "–" for p in criteria["places"]],
        )
        parts.append(
            html_table(
                shown[["series", "places", "bic", "by_bic", "by_test"]],
                {"bic": lambda v: number(v, lang, 1)},
                {
                    "series": t("trends.report.jp.col_joinpoints", lang),
                    "places": t("trends.report.jp.col_places", lang),
                    "bic": "BIC",
                    "by_bic": t("trends.report.jp.col_by_bic", lang),
                    "by_test": t("trends.report.jp.col_by_test", lang),
                },
                caption=self.base.caption("trends.report.jp.bic_caption"),
                note=t("trends.report.jp.bic_note", lang),
            )
        )
        if self.aapcs is not None:
            shown = self.aapcs.assign(
                model=[
                    f"{t(f'trends.report.jp.model.{m}', lang)}, {self._window_label(w)}"
                    for m, w in zip(self.aapcs["model"], self.aapcs["window"])
                ],
                span=[f"{int(a)}–{int(b)}" for a, b in zip(self.aapcs["first"], self.aapcs["last"])],
            )
            fmt = lambda v: "–" if pd.isna(v) else number(v, lang, 1) + "%"  # noqa: E731
            note = t("trends.report.jp.aapc_note", lang)
            if self.aapcs["apc"].isna().any():
                note += " " + t("trends.report.jp.aapc_dash", lang)
            parts.append(
                html_table(
                    shown[["model", "span", "apc", "apc_low", "apc_high"]],
                    {"apc": fmt, "apc_low": fmt, "apc_high": fmt},
                    {
                        "model": t("trends.report.jp.col_model", lang),
                        "span": t("trends.report.jp.col_span", lang),
                        "apc": "AAPC",
                        "apc_low": t("trends.report.col_low", lang),
                        "apc_high": t("trends.report.col_high", lang),
                    },
                    caption=self.base.caption("trends.report.jp.aapc_caption"),
                    note=note,
                )
            )
        results = []
        if self.comparison is not None:
            rows = self.comparison.set_index("test")
            results.append(
                t(
                    "trends.report.jp.compare_p",
                    lang,
                    a=series_phrase(kinds[0], kinds, lang),
                    b=series_phrase(kinds[1], kinds, lang),
                    k=int(rows["joinpoints"].iloc[0]),
                    parallel=p_value(rows.loc["parallel", "p_value"], lang),
                    coincident=p_value(rows.loc["coincident", "p_value"], lang),
                )
            )
        if self.shift is not None:
            results.append(
                t(
                    "trends.report.jp.shift_estimate",
                    lang,
                    year=int(self.shift["at"]),
                    pct=number(self.shift["apc"], lang, 1),
                    low=number(self.shift["apc_low"], lang, 1),
                    high=number(self.shift["apc_high"], lang, 1),
                )
            )
        return paragraphs(results) + "".join(parts)

    def compare_with(self, other: str) -> pd.DataFrame:
        """The combined rate of this unit against another unit's of the same data folder (parallelism and
        coincidence, :func:`helpers.analyses.joinpoints.compare_series`); against a unit that contains this one,
        against the rest of it, so that the two series share no member."""
        from helpers.data.cache import cached_dataset

        unit = self.base.unit
        data = cached_dataset(self.base.dataset.folder, scope=other)  # this report's dataset holds only its unit
        check_unit(data, other)
        theirs = counts_for_unit(data.annual_counts, data.units, other)
        columns = ["members_start", *self.base.kinds]
        if unit != other and unit in series_units(data.units, other):
            mine = counts_for_unit(data.annual_counts, data.units, unit).set_index("year")[columns]
            theirs = (theirs.set_index("year")[columns] - mine.reindex(theirs["year"]).fillna(0)).reset_index()
            name = f"rest_of:{other}"
        else:
            name = other
        theirs = rates(check_series(theirs, other), self.base.kinds)
        years = sorted(set(theirs["year"]) & set(self.selections["total"].model.series.time.astype(int)))
        mine_series = yearly_series(self.yearly[self.yearly["year"].isin(years)], "total")
        other_series = yearly_series(theirs[theirs["year"].isin(years)], "total")
        most = max(self.selections["total"].chosen, select_joinpoints(other_series).chosen)
        result = compare_series(mine_series, other_series, most)
        return result.assign(a=unit, b=name)

    def compare_with_section(self, other: str) -> str:
        """The plain sentence on whether this unit's combined rate moves like ``other``'s (see :meth:`compare_with`);
        nothing when no other unit is named."""
        if not other:
            return ""
        rows = self.compare_with(other).set_index("test")
        verdict = comparison_verdict(rows.reset_index())
        names = self.base.dataset.units.set_index("unit_code")["name"]
        b = rows["b"].iloc[0]
        other_name = (
            names.get(other, other)
            if b == other
            else t("trends.report.jp.rest_of", self.lang, unit=names.get(other, other))
        )
        text = t(
            f"trends.report.jp.units_{verdict}",
            self.lang,
            a=names[self.base.unit],
            b=other_name,
        )
        detail = t(
            "trends.report.jp.units_p",
            self.lang,
            parallel=p_value(rows.loc["parallel", "p_value"], self.lang),
            coincident=p_value(rows.loc["coincident", "p_value"], self.lang),
        )
        return paragraph(f"{text} {detail}")

    def _window_label(self, window: str) -> str:
        if window == "all":
            return t("trends.report.methods.mk_all", self.lang)
        if window.startswith("since_"):
            return t("trends.report.jp.since", self.lang, year=window.removeprefix("since_"))
        return term_label(window)

    def few_exits(self, term: str) -> bool:
        """Whether a term's exits are too few for a yearly percent change to mean much: fewer than the
        threshold a year on average (a district's 6, 8, 6, 3, 1). Such a term is told in counts."""
        years = self.yearly[
            self.yearly["year"].isin(term_years(self.base.terms.for_province(self.base.province), term))
        ]
        return not years.empty and float(years["total"].mean()) < self.threshold

    def counts_sentence(self, term: str) -> str:
        """A term with few exits in counts, first and last year, instead of a percent change."""
        years = self.yearly[
            self.yearly["year"].isin(term_years(self.base.terms.for_province(self.base.province), term))
        ]
        first, last = years.iloc[0], years.iloc[-1]
        return t(
            "trends.report.few_exits",
            self.lang,
            term=term_label(term),
            total=number(int(years["total"].sum()), self.lang),
            first_count=number(int(first["total"]), self.lang),
            first_year=int(first["year"]),
            last_count=number(int(last["total"]), self.lang),
            last_year=int(last["year"]),
            threshold=self.threshold,
        )

    def trend_sentence(self, term: str) -> str | None:
        """The combined rate's trend in ``term`` as the summary states it: the percent change, or the counts when
        the term's exits are few (None when the term has no fitted trend)."""
        if self.few_exits(term):
            return self.counts_sentence(term)
        rows = self.apc[(self.apc["series"] == "total") & (self.apc["term"] == term) & self.apc["fitted"]]
        if rows.empty:
            return None
        return apc_sentence(rows.iloc[0], series_phrase("total", self.base.kinds, self.lang), self.lang)

    def _knot_rows(self) -> list[tuple[dict, dict, dict]]:
        """For each tested boundary of the combined rate: the test, the term before it and the term after it
        (a boundary next to a term with few exits is not stated in words)."""
        total = self.apc[(self.apc["series"] == "total") & self.apc["fitted"]].to_dict("records")
        tests = self.knots_tested[self.knots_tested["series"] == "total"].to_dict("records")
        rows = [(test, total[k], total[k + 1]) for k, test in enumerate(tests) if k + 1 < len(total)]
        return [(k, b, a) for k, b, a in rows if not (self.few_exits(b["term"]) or self.few_exits(a["term"]))]

    def _change_sentences(self) -> list[str]:
        return [change_sentence(b, a, int(k["knot"]), k["p_value"], self.lang) for k, b, a in self._knot_rows()]

    def units_section(self, heading: Heading | None = None) -> str:
        lang = self.lang
        parts = [self.section_heading("units", heading)]
        if self.units_table is None:
            parts.append(say("trends.report.units_none", lang))
            return "".join(parts)
        table, years = self.units_table, self.units_years
        period = f"{years.start}–{years.stop - 1}"
        overall = number(table["overall_rate"].iloc[0], lang, 2)
        parts.append(say("trends.report.units_intro", lang, period=period, n=len(table), rate=overall))
        named_sentences = flagged_sentences({flag: table[table["flag"] == flag] for flag in FLAGS_NAMED}, lang)
        if (table["flag"] == "within").all():
            named_sentences.append(t("trends.report.units_all_within", lang))
        parts.append(paragraphs(named_sentences))
        parts.append(
            figure_html(
                partial(funnel, table, self.units_curves, lang, self.base.dataset.simulated),
                t("trends.report.funnel_alt", lang, units=" ".join(named_sentences)),
                self.base.caption_text(t("trends.report.funnel_caption", lang, period=period)),
            )
        )
        headers, formats = funnel_columns(t("columns.name", lang), lang)
        parts.append(
            html_table(
                table,
                formats,
                headers,
                caption=self.base.caption_text(t("trends.report.units_table", lang, period=period)),
                note=t("trends.report.units_note", lang, period=period, rate=overall),
            )
        )
        return "".join(parts)

    def target_section(self, heading: Heading | None = None) -> str:
        lang, p = self.lang, self.projection
        parts = [self.section_heading("target", heading)]
        if p is None:
            parts.append(say("trends.report.no_target", lang, term=term_label(self.spans[-1].label)))
            return "".join(parts)
        target = p.target
        province_terms = self.base.terms.for_province(self.base.province)
        length = len(term_years(province_terms, p.term))
        need = requirement(p, length)
        parts.append(
            say(
                "trends.report.target",
                lang,
                term=term_label(target.term),
                pct=percent(target.change_pct, lang, 0),
                baseline=term_label(target.baseline_term),
                baseline_total=number(target.baseline_total, lang),
                allowed=number(target.allowed, lang),
            )
        )
        fields = {
            "term": term_label(p.term),
            "observed": number(p.observed_total, lang),
            "allowed": number(target.allowed, lang),
            "expected": number(p.expected_total, lang),
            "low": number(p.low, lang),
            "high": number(p.high, lang),
            "years": ", ".join(map(str, p.years_projected)),
            "probability": percent(100 * p.probability_met, lang, 0),
            # no reduction can be stated from a baseline with no exits (a kind that never happened)
            "reduction": percent(100 * (1 - p.observed_total / target.baseline_total), lang, 1)
            if target.baseline_total
            else "–",
            "miss": number(need.miss, lang),
            "margin": number(-need.miss, lang),
        }
        parts.append(f"<p><strong>{escape(t('trends.report.status.' + p.status, lang, **fields))}</strong></p>")
        parts.append(paragraph(self._requirement_text(need, fields)))
        if not need.complete:
            parts.append(say("trends.report.status_rule", lang))
        labels = (
            t("trends.report.bar_baseline", lang, term=term_label(target.baseline_term)),
            t("trends.report.bar_target", lang),
            t("trends.report.bar_current", lang, term=term_label(p.term)),
        )
        draw = partial(
            projection_bars,
            target.baseline_total,
            target.allowed,
            p.observed_total,
            p.expected_total,
            p.low,
            p.high,
            labels,
            lang,
            self.base.dataset.simulated,
        )
        alt = "trends.report.target_alt_ended" if need.complete else "trends.report.target_alt"
        parts.append(
            figure_html(
                draw,
                t(alt, lang, **fields),
                self.base.caption_text(t("trends.report.target_caption", lang, term=term_label(p.term))),
            )
        )
        return "".join(parts)

    def _requirement_text(self, need: Requirement, fields: dict) -> str:
        """What the target asks: of the years left of a term under way, or what it asked of an ended term and
        what the same rule means for the next configured term."""
        lang, p = self.lang, self.projection
        if not need.complete:
            if need.remaining < 0:
                return t("trends.report.need_out_of_reach", lang, **fields)
            key = "trends.report.need_ongoing" if p.years_observed else "trends.report.need_ongoing_start"
            return t(
                key,
                lang,
                years=f"{p.years_projected[0]}–{p.years_projected[-1]}"
                if len(p.years_projected) > 1
                else str(p.years_projected[0]),
                remaining=number(np.floor(need.remaining + 1e-9), lang),
                per_year=number(need.per_year_allowed, lang, 1),
                so_far=number(need.per_year_so_far, lang, 1),
            )
        text = t(
            "trends.report.need_ended",
            lang,
            per_year=number(need.per_year_allowed, lang, 1),
            actual=number(need.per_year_so_far, lang, 1),
        )
        following = self._next_term(p.term)
        if following is not None:
            after = next_target(p.target, p.observed_total, following)
            length = len(term_years(self.base.terms.for_province(self.base.province), following))
            text += " " + t(
                "trends.report.next_term",
                lang,
                next=term_label(following),
                term=term_label(p.term),
                pct=percent(after.change_pct, lang, 0),
                allowed=number(np.floor(after.allowed + 1e-9), lang),
                per_year=number(np.floor(10 * after.allowed / length + 1e-9) / 10, lang, 1),
            )
        return text

    def _next_term(self, term: str) -> str | None:
        """The configured term after ``term``, if the province's terms go on."""
        labels = list(self.base.terms.for_province(self.base.province).sort_values("start_year")["label"])
        i = labels.index(term) if term in labels else -1
        return labels[i + 1] if 0 <= i < len(labels) - 1 else None

    def methods_section(self, heading: Heading | None = None) -> str:
        lang = self.lang
        items_ = [
            t(
                f"trends.report.methods.{key}",
                lang,
                minimum=MIN_YEARS_PER_TERM,
                threshold=number(DISPERSION_THRESHOLD, lang, 1),
                min_end=MIN_END,
                min_between=MIN_BETWEEN,
                permutations=number(PERMUTATIONS, lang),
                seed=SEED,
                cap=MAX_JOINPOINTS,
            )
            for key in (
                "model",
                "knots",
                "short_terms",
                "dispersion",
                "faster",
                "mann_kendall",
                "projection",
                "targets",
                "funnel",
                "joinpoints",
                "bic",
                "aapc",
                "compare",
                "reference",
                "limits",
            )
        ]
        if self.shift is not None:
            items_.insert(-1, t("trends.report.methods.shift", lang, year=int(self.shift["at"])))
        first = self.spans[-1]
        items_.append(
            t(
                "trends.report.methods.rule",
                lang,
                term=term_label(first.label),
                first=first.first_year,
                last=first.last_year,
            )
        )
        return self.list_section("methods", items_, heading) + self._methods_results() + self._joinpoint_results()

    def _model_verdict(self, window: str, model: pd.DataFrame) -> str:
        """The model's verdict on the combined rate for one term, or over the whole fitted period ('all')."""
        if window != "all":
            return trend_class(model.loc[window].to_dict()) if window in model.index else "not_fitted"
        fit = self.fits["total"]
        if not fit.fitted or fit.years.max() <= fit.years.min():
            return "not_fitted"
        return trend_class({**fit.aapc(int(fit.years.min()), int(fit.years.max())), "fitted": True})

    def _methods_results(self) -> str:
        """The statistics behind the main text's plain sentences: dispersion, the boundary tests' p-values, and
        the Mann–Kendall check beside the model, with why they differ where they do."""
        lang = self.lang
        results = []
        fitted = [fit for fit in self.fits.values() if fit.fitted and pd.notna(fit.dispersion)]
        if fitted:
            family = "quasi_poisson" if any(f.family == "quasi_poisson" for f in fitted) else "poisson"
            results.append(
                t(
                    f"trends.report.methods.family.{family}",
                    lang,
                    dispersion=number(max(fit.dispersion for fit in fitted), lang, 2),
                    threshold=number(DISPERSION_THRESHOLD, lang, 1),
                )
            )
        knots = self._knot_rows()
        if knots:
            tests = "; ".join(
                t("trends.report.methods.knot_p_part", lang, year=int(k["knot"]), p=p_value(k["p_value"], lang))
                for k, _, _ in knots
            )
            results.append(t("trends.report.methods.knot_p", lang, tests=tests))
        verdicts = model_verdicts(self.apc, self.mk)
        for agreement in ("mk", "model"):
            rows = verdicts[~verdicts["agree"]]
            rows = rows[(rows["mk"] != "unclear") if agreement == "mk" else (rows["mk"] == "unclear")]
            if rows.empty:
                continue
            terms = t("report.and", lang).join(term_label(w) for w in rows["window"])
            every = agreement == "mk" and (rows["tau"].abs() > 0.999).all() and rows["n"].nunique() == 1
            key = "mk_disagree_all" if every else f"mk_disagree_{agreement}"
            results.append(
                t(
                    f"trends.report.methods.{key}",
                    lang,
                    terms=terms,
                    n=int(rows["n"].iloc[0]),
                    p=p_value(float(rows["p_value"].min()), lang),
                )
            )
        mk = self.mk[self.mk["series"] == "total_rate"].dropna(subset=["tau"]) if "tau" in self.mk else self.mk[:0]
        table = ""
        if not mk.empty:
            model = self.apc[self.apc["series"] == "total"].set_index("term")
            shown = mk.assign(
                window=[t("trends.report.methods.mk_all", lang) if w == "all" else term_label(w) for w in mk["window"]],
                model=[t(f"trends.report.verdict.{self._model_verdict(w, model)}", lang) for w in mk["window"]],
                mk_trend=[t("trends.report.mk_trend." + v.replace(" ", "_"), lang) for v in mk["trend"]],
            )
            headers = {
                "window": t("trends.report.methods.col_window", lang),
                "model": t("trends.report.methods.col_model", lang),
                "mk_trend": t("trends.report.methods.col_mk", lang),
                "tau": t("trends.report.methods.col_tau", lang),
                "p_value": t("trends.report.methods.col_p", lang),
                "sen_slope": t("trends.report.methods.col_sen", lang),
            }
            formats = {
                "tau": lambda v: number(v, lang, 2),
                "p_value": lambda v: number(v, lang, 3),
                "sen_slope": lambda v: number(v, lang, 3),
            }
            table = html_table(
                shown,
                formats,
                headers,
                caption=self.base.caption("trends.report.methods.mk_caption"),
                note=t("trends.report.methods.mk_note", lang),
            )
        intro = say("trends.report.methods.results", lang) if results or table else ""
        return intro + paragraphs(results) + table


def comparison_verdict(comparison: pd.DataFrame) -> str:
    """'coincident', 'parallel' or 'differ' from the two tests of :func:`helpers.analyses.joinpoints.compare_series`
    (coincidence first: two series on one curve are parallel too)."""
    rows = comparison.set_index("test")
    return (
        "coincident" if rows.loc["coincident", "alike"] else "parallel" if rows.loc["parallel", "alike"] else "differ"
    )


def interval_fields(row, lang: str) -> dict:
    """A percent change with its 95% interval as the sentences give it: its class (:func:`trend_class`), the size
    of a rise or fall without its sign and the bounds turned round for a fall ('giảm 4,8%, từ 3,3% đến 6,3%'); an
    unclear change keeps its sign and its bounds as they are."""
    kind = trend_class(dict(row) | {"fitted": True})
    fmt = lambda v: number(v, lang, 1)  # noqa: E731
    low, high = (-row["apc_high"], -row["apc_low"]) if kind == "down" else (row["apc_low"], row["apc_high"])
    apc = row["apc"] if kind == "unclear" else abs(row["apc"])
    return {"kind": kind, "apc": fmt(apc), "low": fmt(low), "high": fmt(high)}


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _beyond_terms(
    yearly: pd.DataFrame, spans, fits: dict[str, TrendFit], kinds: list[str], shift_at: int, aapc_since: int
) -> dict:
    """Joinpoints chosen from the data for every series with exits, the two kinds compared, the AAPCs of both
    models over the fitted period, each term and the years since ``aapc_since``, and the jump at ``shift_at``."""
    window = yearly[yearly["year"].isin(fits["total"].years)]  # the years the term model was fitted to
    series = {name: yearly_series(window, name) for name, fit in fits.items() if fit.fitted}
    selections = {name: select_joinpoints(s) for name, s in series.items()}
    comparison = None
    if len(kinds) == 2 and all(k in selections for k in kinds):
        most = max(selections[k].chosen for k in kinds)
        comparison = compare_series(series[kinds[0]], series[kinds[1]], most)
    first, last = int(window["year"].min()), int(window["year"].max())
    windows = [("all", first, last)] + [(s.label, s.first_year - 1, s.last_year) for s in spans if s.fitted]
    windows = [(label, max(a, first), b) for label, a, b in windows if min(b, last) > max(a, first)]
    if aapc_since and first <= aapc_since < last:
        windows.append((f"since_{aapc_since}", aapc_since, last))
    models = {}
    if fits["total"].fitted:
        models = {"terms": fits["total"], "joinpoints": selections["total"].model}
    aapcs = aapc_table(models, windows) if models else None
    shift = None
    if shift_at and "total" in series and first < shift_at <= last:
        shift = fit_joinpoints(series["total"], selections["total"].model.joinpoints, shift_at=shift_at).shift()
    return {"selections": selections, "comparison": comparison, "aapcs": aapcs, "shift": shift}


def _projection(
    base: TermReport,
    yearly: pd.DataFrame,
    province_terms: pd.DataFrame,
    spans,
    terms: list[str],
    target_change_pct: float,
) -> Projection | None:
    """The last selected term against its target (from the parameter, else targets.csv for the unit or above)."""
    targets = base.dataset.targets
    row = None
    if targets is not None:
        for code in ancestors(base.dataset.units, base.unit):
            match = targets[(targets["unit_code"] == code) & (targets["term"] == terms[-1])]
            if not match.empty:
                row = match.iloc[0]
                break
    if row is None and target_change_pct < 0:
        return None
    indicator = row["indicator"] if row is not None else "removed_and_asked"
    baseline_term = row["baseline_term"] if row is not None else (terms[-2] if len(terms) > 1 else None)
    if baseline_term is None:
        return None
    series = yearly.assign(indicator=yearly[INDICATOR_KINDS[indicator]].sum(axis=1))
    baseline_total = int(series.loc[series["year"].isin(term_years(province_terms, baseline_term)), "indicator"].sum())
    change = target_change_pct if target_change_pct >= 0 else float(row["change_pct"])
    direction = row["direction"] if row is not None else "decrease"
    target = Target(terms[-1], baseline_term, baseline_total, change, direction)
    fit = fit_trend(series, "indicator", spans)
    return project_term(fit, series, "indicator", term_years(province_terms, terms[-1]), target)


# --- figures --------------------------------------------------------------------------------------------


def _term_boundaries(ax, knots: tuple[int, ...]) -> None:
    for knot in knots:
        ax.axvline(knot + 0.5, color="#999999", linestyle="--", linewidth=0.9)


def _series_label(series: str, lang: str) -> str:
    return t("report.terms.col_total", lang) if series == "total" else label("exit_kind", series, lang)


def annual_trend(
    yearly: pd.DataFrame,
    fits: dict,
    knots: tuple[int, ...],
    lang: str = "vi",
    simulated: bool = False,
    width: float = DESKTOP_WIDTH,
) -> plt.Figure:
    """Annual counts with the fitted line (top) and rates per 1,000 members (bottom), term boundaries dashed. On a
    phone the two panels stay stacked, taller, with fewer year ticks and the legend above them."""
    phone = is_phone(width)
    names = {kind: _series_label(kind, lang) for kind in fits}
    colours = {names[kind]: PALETTE.get(kind, "#555555") for kind in fits}
    long = yearly.melt(id_vars="year", value_vars=list(fits), var_name="kind", value_name="count")
    long["series"] = long["kind"].map(names)
    rates_long = yearly.melt(id_vars="year", value_vars=[f"{k}_rate" for k in fits], var_name="kind", value_name="rate")
    rates_long["series"] = rates_long["kind"].str.removesuffix("_rate").map(names)
    with theme():
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(width, 7.2 if phone else 5.8), sharex=True)
        sns.scatterplot(long, x="year", y="count", hue="series", palette=colours, ax=top, s=40, legend=False)
        for kind, fit in fits.items():
            if fit.fitted:  # a series with no exits has no trend line
                fitted = pd.DataFrame({"year": fit.years, "count": fit.fitted_counts()})
                sns.lineplot(fitted, x="year", y="count", color=colours[names[kind]], ax=top, alpha=0.8)
        sns.lineplot(rates_long, x="year", y="rate", hue="series", palette=colours, marker="o", ax=bottom, legend=False)
        for ax in (top, bottom):
            _term_boundaries(ax, knots)
            ax.yaxis.set_major_formatter(
                matplotlib.ticker.FuncFormatter(lambda v, _: number(v, lang, 1 if v % 1 else 0))
            )
            ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(4 if phone else 6))
            ax.set_ylim(bottom=0)
        top.set_ylabel(textwrap_label(t("report.axis.members", lang), 18 if phone else 40))
        bottom.set_ylabel(textwrap_label(t("report.axis.rate", lang), 18 if phone else 40))
        top.set_xlabel("")
        bottom.set_xlabel(t("report.axis.year", lang))
        bottom.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(5 if phone else 8, integer=True))
        handles = [matplotlib.lines.Line2D([], [], color=c, marker="o", label=n) for n, c in colours.items()]
        # The legend stands above both panels from the figure's left edge, so long names fit on a phone.
        fig.legend(
            handles=handles,
            frameon=False,
            loc="upper left",
            bbox_to_anchor=(0.01, 0.995),
            ncols=1 if phone else len(handles),
            borderaxespad=0,
        )
        legend_in = (len(handles) if phone else 1) * MIN_TEXT_PT / 72 * 1.5 + 0.1
        fig.tight_layout(rect=(0, 0, 1, 1 - legend_in / fig.get_size_inches()[1]))
        if simulated:
            mark_simulated(fig, lang)
    return fig


def apc_forest(apc: pd.DataFrame, lang: str = "vi", simulated: bool = False, width: float = DESKTOP_WIDTH):
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
        width=width,
        lang=lang,
        simulated=simulated,
    )


FLAG_COLOURS = {"above": "#b03a2e", "below": "#2e6fb0", "warning": "#d68910", "within": "#777777"}


def funnel(
    table: pd.DataFrame,
    curves: pd.DataFrame,
    lang: str = "vi",
    simulated: bool = False,
    width: float = DESKTOP_WIDTH,
    name_flags: tuple[str, ...] = ("above", "below", "warning"),
    fit_labels: bool = False,
    phone_height: float = 6.2,
) -> plt.Figure:
    """Each unit's rate against its size, with 95% and 99.8% limits around the overall rate; the units outside
    the 95% limits are named (without the '(mô phỏng)' tag; wrapped on a phone), the others are plain dots.

    The national report's provinces (34 dots, longer names) ask for three options: ``name_flags``, the flags
    whose units carry their name (there, only those outside the 99.8% limits, lest the ones to watch crowd the
    labels); ``fit_labels``, which moves a name that would run out of the axes to the other side of its dot; and
    ``phone_height``, the phone rendering's height in inches."""
    phone = is_phone(width)
    shown = table.assign(assessment=[t(f"trends.report.flag.{f}", lang) for f in table["flag"]])
    palette = {t(f"trends.report.flag.{f}", lang): c for f, c in FLAG_COLOURS.items() if f in set(table["flag"])}
    with theme():
        fig, ax = plt.subplots(figsize=(width, phone_height if phone else 4.8))
        overall = float(table["overall_rate"].iloc[0])
        ax.axhline(overall, color="#333333", linewidth=1.2, label=t("trends.report.funnel_overall", lang))
        for name, style in (("95", "--"), ("99.8", ":")):
            for side in ("low", "high"):
                sns.lineplot(
                    curves,
                    x="exposure",
                    y=f"{side}_{name}",
                    color="#777777",
                    linestyle=style,
                    linewidth=1.2,
                    ax=ax,
                    label=t(f"report.funnel.limit_{name.replace('.', '_')}", lang) if side == "low" else None,
                )
        sns.scatterplot(
            shown, x="exposure", y="rate", hue="assessment", palette=palette, s=70, ax=ax, zorder=3, legend=False
        )
        middle = float(curves["exposure"].max()) * 0.45  # labels to the right of this point would run off the axes
        named = shown[shown["flag"].isin(name_flags)].sort_values("rate")
        notes = []
        for row in named.itertuples():
            text = textwrap_label(short_name(row.name), 14 if phone else 28)
            right = row.exposure > middle
            note = ax.annotate(
                text,
                (row.exposure, row.rate),
                textcoords="offset points",
                # a unit above the overall rate is named beside its dot, one below it under its dot, with a line
                # to the dot so the name cannot be read as a neighbour's
                xytext=(-12 if right else 12, 0 if row.flag == "above" else -14),
                ha="right" if right else "left",
                va="center" if row.flag == "above" else "top",
                arrowprops={"arrowstyle": "-", "color": FLAG_COLOURS[row.flag], "linewidth": 0.8},
                fontsize=MIN_TEXT_PT,
                color=FLAG_COLOURS[row.flag],
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
                zorder=4,
            )
            notes.append(note)
        ax.set_xlabel(textwrap_label(t("report.axis.member_years", lang), 28 if phone else 70))
        ax.set_ylabel(textwrap_label(t("report.axis.rate", lang), 18 if phone else 40))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: number(v, lang)))
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(2 if phone else 6))
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(4 if phone else 6))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: number(v, lang, 1)))
        ax.set_ylim(0, max(float(curves["high_99.8"].quantile(0.9)), float(table["rate"].max())) * 1.15)
        ax.set_xlim(0, float(curves["exposure"].max()))
        flags = [
            matplotlib.lines.Line2D([], [], color=c, marker="o", linestyle="", label=n) for n, c in palette.items()
        ]
        handles, _ = ax.get_legend_handles_labels()
        ax.legend(
            handles=handles + flags,
            frameon=False,
            loc="upper left",
            bbox_to_anchor=(-0.25 if phone else 0, -0.34 if phone else -0.22),
            ncols=1 if phone else 3,
        )
        fig.tight_layout()
        if fit_labels:
            _keep_inside(fig, ax, notes)
        if simulated:
            mark_simulated(fig, lang)
    return fig


def _keep_inside(fig: plt.Figure, ax, notes: list) -> None:
    """Keep each name inside the axes: one that runs out on its side goes to the other side of its dot, and one too
    wide for either side is centred over (above the overall rate) or under its dot, shifted to stay inside."""
    renderer = fig.canvas.get_renderer()
    inside = ax.get_window_extent(renderer)
    fits = lambda box: box.x0 >= inside.x0 and box.x1 <= inside.x1  # noqa: E731
    for note in notes:
        if fits(note.get_window_extent(renderer)):
            continue
        x, y = note.xyann
        left_of_dot = note.get_horizontalalignment() == "right"
        note.xyann = (-x, y)
        note.set_horizontalalignment("left" if left_of_dot else "right")
        box = note.get_window_extent(renderer)
        if fits(box):
            continue
        dot = ax.transData.transform(note.xy)[0]
        half = box.width / 2
        centre = min(max(dot, inside.x0 + half), inside.x1 - half)
        above = note.get_verticalalignment() == "center"  # a unit above the overall rate is named beside its dot
        note.set_horizontalalignment("center")
        note.set_verticalalignment("bottom" if above else "top")
        note.xyann = ((centre - dot) * 72 / fig.dpi, 10 if above else -14)


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
    width: float = DESKTOP_WIDTH,
) -> plt.Figure:
    """Previous term and the current term (observed, and for a term under way projected with its 95% interval),
    against the allowed number as a vertical line."""
    phone = is_phone(width)
    ongoing = high > low or expected > observed
    rows = pd.DataFrame({"term": [labels[0], labels[2]], "value": [baseline, observed]})
    if phone:
        rows["term"] = [textwrap_label(x, 10) for x in rows["term"]]
    with theme(**{"axes.grid.axis": "x"}):
        fig, ax = plt.subplots(figsize=(width, 3.4 if phone else 2.8))
        if ongoing:
            ax.barh([1], [expected], color="#e6b0aa", height=0.6)
        sns.barplot(
            rows, x="value", y="term", hue="term", palette=["#999999", "#7b241c"], ax=ax, legend=False, width=0.6
        )
        if ongoing and high > low:
            ax.errorbar([expected], [1], xerr=[[expected - low], [high - expected]], fmt="none", color="#000000")
        ax.vlines(allowed, -0.42, 1.5, color="#1e8449", linewidth=2.5, zorder=3)
        top = max(baseline, high, allowed, expected, 1) * (1.35 if phone else 1.2)
        ax.set_xlim(0, top)
        ax.text(
            allowed,
            -0.55,
            f"{labels[1]}: {number(allowed, lang)}",
            color="#1e8449",
            va="bottom",
            ha="center" if top * 0.3 < allowed < top * 0.7 else ("left" if allowed <= top * 0.3 else "right"),
            fontsize=MIN_TEXT_PT,
        )
        ax.text(baseline, 0, " " + number(baseline, lang), va="center", ha="left", fontsize=MIN_TEXT_PT)
        inside = observed > top * 0.2
        ax.text(
            observed - top * 0.01 if inside else observed,
            1,
            number(observed, lang) if inside else " " + number(observed, lang),
            va="center",
            ha="right" if inside else "left",
            color="white" if inside else "#222222",
            fontsize=MIN_TEXT_PT,
        )
        if ongoing:
            ax.text(max(high, expected), 1, " ≈" + number(expected, lang), va="center", ha="left", fontsize=MIN_TEXT_PT)
        ax.set_ylim(1.5, -0.8)
        ax.set_xlabel(t("report.axis.members", lang))
        ax.set_ylabel("")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(3 if phone else 6))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: number(v, lang)))
        if ongoing:
            ax.legend(
                handles=[
                    matplotlib.patches.Patch(
                        color="#e6b0aa",
                        label=textwrap_label(t("trends.report.bar_projected", lang), 26 if phone else 60),
                    )
                ],
                frameon=False,
                loc="upper left",
                bbox_to_anchor=(-0.4 if phone else 0, -0.35 if phone else -0.3),
            )
        fig.tight_layout()
        if simulated:
            mark_simulated(fig, lang)
    return fig
