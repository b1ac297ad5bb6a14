"""The 'situation' part of the analysis: annual rates, per-term trends, units side by side, the target."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd

from helpers.analyses.funnel import funnel_curves, funnel_table
from helpers.analyses.projection import Projection, Target, project_term
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
from helpers.report.base import AnalysisReport, Heading, TermReport
from helpers.report.formatting import number, p_value, percent
from helpers.report.html import escape, html_table, paragraph, say
from helpers.report.plots import PALETTE, STYLE, figure_html, forest, mark_simulated
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
        joined = t("report.and", lang).join(t(f"report.kind.{k}", lang) for k in kinds)
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


def apc_sentence(row: pd.Series, phrase: str, lang: str) -> str:
    """One term's trend in words, with its interval; an interval that contains 0 is said to show no clear trend."""
    fmt = lambda v: number(v, lang, 1)  # noqa: E731
    fields = {"term": term_label(row["term"]), "series": phrase, "apc": fmt(abs(row["apc"]))}
    if row.get("no_exits", False):
        return t("trends.report.apc_no_exits", lang, series=phrase, first=row["first_year"], last=row["last_year"])
    if not row["fitted"]:
        return t(
            "trends.report.apc_not_fitted",
            lang,
            term=term_label(row["term"]),
            series=phrase,
            years=row["years_observed"],
            minimum=MIN_YEARS_PER_TERM,
        )
    if row["apc_low"] > 0:
        return t("trends.report.apc_up", lang, low=fmt(row["apc_low"]), high=fmt(row["apc_high"]), **fields)
    if row["apc_high"] < 0:
        return t("trends.report.apc_down", lang, low=fmt(-row["apc_high"]), high=fmt(-row["apc_low"]), **fields)
    key = "trends.report.apc_unclear_up" if row["apc"] >= 0 else "trends.report.apc_unclear_down"
    return t(key, lang, low=fmt(row["apc_low"]), high=fmt(row["apc_high"]), **fields)


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
    ) -> TrendsReport:
        """Check the series, fit each kind and their total, compare units, project the last term to its target."""
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
        )

    # --- sections -------------------------------------------------------------------------------------------
    def terms_section(self) -> str:
        return TermTableReport(self.base).terms_section() + self._outside_paragraph()

    def _outside_paragraph(self) -> str:
        """The sentence naming the years of data outside every term; nothing when every year is in a term."""
        if not self.outside_years:
            return ""
        terms = self.base.terms.for_province(self.base.province)
        return paragraph(outside_terms_sentence(self.outside_years, terms, self.lang))

    def annual_section(self, heading: Heading | None = None) -> str:
        lang, y = self.lang, self.yearly
        parts = [self.section_heading("annual", heading)]
        if self.merged_from:
            names = self.base.dataset.units.set_index("unit_code")["name"]
            merged = ", ".join(names[code] for code in self.merged_from)
            parts.append(say("trends.report.merged", lang, unit=names[self.base.unit], units=merged))
        for span in self.spans:
            part = y[y["year"].between(span.first_year, span.last_year)]
            if part.empty:
                continue
            rate = part["total"].sum() / part["members_start"].sum() * 1000
            parts.append(
                say(
                    "trends.report.term_rate",
                    lang,
                    term=term_label(span.label),
                    rate=number(rate, lang, 2),
                    years=len(part),
                )
            )
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
        fig = annual_trend(y, series, knots, lang, self.base.dataset.simulated)
        parts.append(
            figure_html(fig, t("trends.report.annual_alt", lang), self.base.caption("trends.report.annual_caption"))
        )
        parts.append(
            html_table(
                y,
                formats,
                headers,
                caption=self.base.caption("trends.report.annual_table"),
                note=t("trends.report.rate_note", lang),
            )
        )
        return "".join(parts)

    def apc_section(self, heading: Heading | None = None) -> str:
        lang, kinds = self.lang, self.base.kinds
        parts = [self.section_heading("apc", heading)]
        for series, fit in self.fits.items():
            phrase = series_phrase(series, kinds, lang)
            if not fit.fitted:
                parts.append(paragraph(no_exits_sentence(fit, phrase, lang)))
                continue
            for row in self.apc[self.apc["series"] == series].to_dict("records"):
                parts.append(paragraph(apc_sentence(pd.Series(row), phrase, lang)))
        for row in self.knots_tested[self.knots_tested["series"] == "total"].to_dict("records"):
            key = "trends.report.knot_changed" if row["p_value"] < 0.05 else "trends.report.knot_same"
            parts.append(say(key, lang, year=row["knot"], p=p_value(row["p_value"], lang)))
        total_mk = self.mk[(self.mk["series"] == "total_rate") & self.mk["tau"].notna()]
        for row in total_mk.to_dict("records"):
            window = t("trends.report.mk_all", lang) if row["window"] == "all" else term_label(row["window"])
            parts.append(
                say(
                    "trends.report.mk",
                    lang,
                    window=window,
                    trend=t("trends.report.mk_trend." + row["trend"].replace(" ", "_"), lang),
                    tau=number(row["tau"], lang, 2),
                    p=p_value(row["p_value"], lang),
                    sen=number(row["sen_slope"], lang, 3),
                )
            )
        fitted = [fit for fit in self.fits.values() if fit.fitted and pd.notna(fit.dispersion)]
        if fitted:
            families = {fit.family for fit in fitted}
            parts.append(
                say(
                    "trends.report.family." + ("quasi_poisson" if "quasi_poisson" in families else "poisson"),
                    lang,
                    dispersion=number(max(fit.dispersion for fit in fitted), lang, 2),
                    threshold=number(DISPERSION_THRESHOLD, lang, 1),
                )
            )
        parts.append(
            figure_html(
                apc_forest(self.apc, lang, self.base.dataset.simulated),
                t("trends.report.forest_alt", lang),
                self.base.caption("trends.report.forest_caption"),
            )
        )
        shown = self.apc.assign(
            term=self.apc["term"].map(term_label), series=[series_phrase(s, kinds, lang) for s in self.apc["series"]]
        )
        fmt = lambda v: "–" if pd.isna(v) else number(v, lang, 1) + "%"  # noqa: E731
        headers = {
            "term": t("report.terms.col_term", lang),
            "series": t("trends.report.col_series", lang),
            "apc": t("trends.report.col_apc", lang),
            "apc_low": t("trends.report.col_low", lang),
            "apc_high": t("trends.report.col_high", lang),
        }
        parts.append(
            html_table(
                shown,
                {"apc": fmt, "apc_low": fmt, "apc_high": fmt},
                headers,
                caption=self.base.caption("trends.report.apc_table"),
            )
        )
        return "".join(parts)

    def units_section(self, heading: Heading | None = None) -> str:
        lang = self.lang
        parts = [self.section_heading("units", heading)]
        if self.units_table is None:
            parts.append(say("trends.report.units_none", lang))
            return "".join(parts)
        table, years = self.units_table, self.units_years
        period = f"{years.start}–{years.stop - 1}"
        parts.append(
            say("trends.report.units_intro", lang, period=period, rate=number(table["overall_rate"].iloc[0], lang, 2))
        )
        for flag in ("above", "below", "warning"):
            named = table[table["flag"] == flag]
            if not named.empty:
                units = ", ".join(f"{n} ({number(r, lang, 2)}‰)" for n, r in zip(named["name"], named["rate"]))
                parts.append(say("trends.report.units_" + flag, lang, units=units))
        if (table["flag"] == "within").all():
            parts.append(say("trends.report.units_all_within", lang))
        parts.append(
            figure_html(
                funnel(table, self.units_curves, lang, self.base.dataset.simulated),
                t("trends.report.funnel_alt", lang),
                self.base.caption("trends.report.funnel_caption"),
            )
        )
        headers = {
            "name": t("columns.name", lang),
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
        parts.append(html_table(table, formats, headers, caption=self.base.caption("trends.report.units_table")))
        return "".join(parts)

    def target_section(self, heading: Heading | None = None) -> str:
        lang, p = self.lang, self.projection
        parts = [self.section_heading("target", heading)]
        if p is None:
            parts.append(say("trends.report.no_target", lang))
            return "".join(parts)
        target = p.target
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
        }
        parts.append(f"<p><strong>{escape(t('trends.report.status.' + p.status, lang, **fields))}</strong></p>")
        parts.append(say("trends.report.status_rule", lang))
        labels = (
            t("trends.report.bar_baseline", lang, term=term_label(target.baseline_term)),
            t("trends.report.bar_target", lang),
            t("trends.report.bar_current", lang, term=term_label(p.term)),
        )
        fig = projection_bars(
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
        parts.append(
            figure_html(
                fig, t("trends.report.target_alt", lang, **fields), self.base.caption("trends.report.target_caption")
            )
        )
        return "".join(parts)

    def methods_section(self, heading: Heading | None = None) -> str:
        lang = self.lang
        items = [
            t(
                f"trends.report.methods.{key}",
                lang,
                minimum=MIN_YEARS_PER_TERM,
                threshold=number(DISPERSION_THRESHOLD, lang, 1),
            )
            for key in (
                "model",
                "knots",
                "short_terms",
                "dispersion",
                "aapc",
                "mann_kendall",
                "projection",
                "funnel",
                "limits",
            )
        ]
        items.append(self.base.terms.rule(lang))
        return self.list_section("methods", items, heading)


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
        ax.axvline(knot + 0.5, color="#999999", linestyle="--", linewidth=0.8)


def annual_trend(
    yearly: pd.DataFrame, fits: dict, knots: tuple[int, ...], lang: str = "vi", simulated: bool = False
) -> plt.Figure:
    """Annual counts with the fitted line (top) and rates per 1,000 members (bottom), term boundaries dashed."""
    with plt.rc_context(STYLE):
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 5.6), sharex=True)
        for kind, fit in fits.items():
            colour = PALETTE.get(kind, "#555555")
            name = (
                label("exit_kind", kind, lang)
                if kind in PALETTE and kind != "total"
                else t("report.terms.col_total", lang)
            )
            top.plot(yearly["year"], yearly[kind], "o", color=colour, label=name)
            if fit.fitted:  # a series with no exits has no trend line
                top.plot(fit.years, fit.fitted_counts(), "-", color=colour, alpha=0.8)
            bottom.plot(yearly["year"], yearly[f"{kind}_rate"], "o-", color=colour, label=name)
        for ax in (top, bottom):
            _term_boundaries(ax, knots)
            ax.yaxis.set_major_formatter(
                matplotlib.ticker.FuncFormatter(lambda v, _: number(v, lang, 1 if v % 1 else 0))
            )
        top.set_ylabel(t("report.axis.members", lang))
        bottom.set_ylabel(t("report.axis.rate", lang))
        bottom.set_xlabel(t("report.axis.year", lang))
        bottom.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        top.legend(frameon=False, fontsize=8)
        fig.tight_layout()
        if simulated:
            mark_simulated(fig, lang)
    return fig


def apc_forest(apc: pd.DataFrame, lang: str = "vi", simulated: bool = False) -> plt.Figure:
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
        lang=lang,
        simulated=simulated,
    )


def _series_label(series: str, lang: str) -> str:
    return t("report.terms.col_total", lang) if series == "total" else label("exit_kind", series, lang)


def funnel(table: pd.DataFrame, curves: pd.DataFrame, lang: str = "vi", simulated: bool = False) -> plt.Figure:
    """Each unit's rate against its size, with 95% and 99.8% limits around the overall rate; flagged units named."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7, 4.2))
        overall = float(table["overall_rate"].iloc[0])
        ax.axhline(overall, color="#333333", linewidth=1)
        for name, style in (("95", "--"), ("99.8", ":")):
            for side in ("low", "high"):
                ax.plot(
                    curves["exposure"],
                    curves[f"{side}_{name}"],
                    style,
                    color="#777777",
                    linewidth=1,
                    label=t(f"report.funnel.limit_{name.replace('.', '_')}", lang) if side == "low" else None,
                )
        colours = {"above": "#b03a2e", "below": "#2e6fb0", "warning": "#d68910", "within": "#555555"}
        ax.scatter(table["exposure"], table["rate"], c=table["flag"].map(colours), zorder=3)
        for row in table[table["flag"] != "within"].itertuples():
            ax.annotate(row.unit_code, (row.exposure, row.rate), textcoords="offset points", xytext=(5, 4), fontsize=9)
        ax.set_xlabel(t("report.axis.member_years", lang))
        ax.set_ylabel(t("report.axis.rate", lang))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: number(v, lang)))
        ax.legend(frameon=False, fontsize=8)
        fig.tight_layout()
        if simulated:
            mark_simulated(fig, lang)
    return fig


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
) -> plt.Figure:
    """Previous term, the target, and the current term (observed + projected with its 95% interval)."""
    with plt.rc_context({**STYLE, "axes.grid.axis": "x"}):
        fig, ax = plt.subplots(figsize=(7, 2.4))
        ax.barh([2], [baseline], color="#999999")
        ax.barh([0], [expected], color="#b03a2e", alpha=0.85)
        ax.barh([0], [observed], color="#7b241c")
        if high > low:
            ax.errorbar(
                [expected], [0], xerr=[[expected - low], [high - expected]], fmt="none", color="#000000", capsize=4
            )
        ax.axvline(allowed, color="#1e8449", linewidth=2)
        ax.set_yticks([2, 1, 0], list(labels))
        ax.text(allowed, 1, " " + number(allowed, lang), color="#1e8449", va="center")
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: number(v, lang)))
        fig.tight_layout()
        if simulated:
            mark_simulated(fig, lang)
    return fig
