"""'Causes and solutions': the seven cause groups among leavers and in the survey, cause × solution
correlations, the matched-pair test, and the branch-level association with later exits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm

from helpers.analyses.causes import (
    ALPHA,
    CorrelationResult,
    MatchedPairTest,
    TooFewBranches,
    branch_solution_model,
    cause_distribution,
    correlations,
    matched_pair_test,
    rating_summary,
)
from helpers.analyses.trends import DISPERSION_THRESHOLD
from helpers.data.counts import annual_counts_from_members, members_as_of
from helpers.data.terms import term_years
from helpers.data.units import series_units
from helpers.errors import CausesError
from helpers.report.base import AnalysisReport, Heading, TermReport
from helpers.report.formatting import number, p_value, percent
from helpers.report.html import html_table, paragraph, say
from helpers.report.plots import STYLE, figure_html, mark_simulated
from helpers.report.suppression import note, shown_table, suppress
from helpers.text import DEFAULT_LANGUAGE, both, t

SECTIONS = ("causes", "ratings", "correlations", "branches", "methods", "appendix")
GROUPS = range(1, 8)


@dataclass(frozen=True)
class CausesReport(AnalysisReport):
    """Everything the causes-and-solutions notebook shows, computed once."""

    SECTIONS: ClassVar[tuple[str, ...]] = SECTIONS
    SECTION_KEYS: ClassVar[str] = "causes_report.section"
    causes: pd.DataFrame
    ratings: pd.DataFrame
    correlation: CorrelationResult
    matched: MatchedPairTest
    branch_model: pd.DataFrame | None
    branch_years: range
    threshold: int
    too_few_branches: TooFewBranches | None = None

    @classmethod
    def build(
        cls,
        data_path: str,
        unit: str,
        terms: list[str],
        method: str,
        respondent_type: str,
        threshold: int,
        language: str,
        base: TermReport | None = None,
    ) -> CausesReport:
        base = base or TermReport.build(data_path, unit, terms, ["removed", "asked_to_leave"], language)
        data = base.dataset
        if data.members is None or data.survey is None:
            raise CausesError(both("causes_report.error.needs_tables"))
        units = series_units(data.units, unit)
        members = members_as_of(data.members[data.members["unit_code"].isin(units)], base.last_year)
        survey = data.survey[data.survey["unit_code"].isin(units)]
        province_terms = base.terms.for_province(base.province)
        years = range(term_years(province_terms, terms[0]).start, term_years(province_terms, terms[-1]).stop)
        who = None if respondent_type == "all" else respondent_type
        correlation = correlations(survey, method, who)
        last_year = base.last_year
        survey_year = int(survey["year"].max())
        branch_years = range(survey_year + 1, last_year + 1)
        surveyed = members[members["branch_id"].isin(survey["branch_id"].dropna())]  # only these enter the model
        by_branch = annual_counts_from_members(surveyed, branch_years, by="branch_id")
        try:
            model, too_few = branch_solution_model(by_branch, survey, branch_years), None
        except TooFewBranches as err:  # a small unit: the section says why, the rest of the report stands
            model, too_few = None, err
        return cls(
            base,
            cause_distribution(members, years),
            rating_summary(survey),
            correlation,
            matched_pair_test(correlation.r),
            model,
            branch_years,
            threshold,
            too_few,
        )

    def causes_section(self, heading: Heading | None = None) -> str:
        """Cause group recorded for each member who left, by kind: suppressed counts, then shares in words."""
        lang, dist = self.lang, self.causes
        parts = [self.section_heading("causes", heading)]
        wide = _cause_counts(dist)
        wide.index = [f"{k}. {t(f'codes.cause_group.{k}', lang)}" for k in wide.index]
        wide.columns = [t(f"codes.exit_kind.{c}", lang) for c in wide.columns]
        hidden = suppress(wide.astype(int), self.threshold)
        totals = wide.sum(axis=1)
        order = totals.sort_values(ascending=False)
        top = [
            f"{name} ({percent(100 * v / totals.sum(), lang)})"
            for name, v in order.head(3).items()
            if v >= self.threshold
        ]
        if top:
            parts.append(say("causes_report.top_causes", lang, causes="; ".join(top)))
        shown = shown_table(hidden, lambda v: number(v, lang), t("report.terms.col_total", lang))
        shown = shown.reset_index(names=t("causes_report.col_group", lang))
        caption = self.base.caption_text(t("causes_report.causes_caption", lang))
        parts.append(html_table(shown, {}, {c: c for c in shown.columns}, caption=caption, note=note(hidden, lang)))
        return "".join(parts)

    def ratings_section(self, heading: Heading | None = None) -> str:
        """Mean rating and share rating 4-5 of each cause and solution group, per respondent type."""
        lang, summary = self.lang, self.ratings
        parts = [self.section_heading("ratings", heading)]
        for rtype, part in summary[summary["respondent_type"] != "all"].groupby("respondent_type", sort=False):
            causes = part[part["item"] == "cause"].sort_values("mean", ascending=False)
            best = causes.iloc[0]
            parts.append(
                say(
                    "causes_report.ratings_sentence",
                    lang,
                    who=t(f"codes.respondent_type.{rtype}", lang),
                    n=number(int(part["n"].max()), lang),
                    k=int(best["group"]),
                    cause=t(f"codes.cause_group.{int(best.group)}", lang),
                    mean=number(best["mean"], lang, 2),
                    share=percent(100 * best["share_4_5"], lang, 1),
                )
            )
        wide = summary[summary["respondent_type"] != "all"].pivot_table(
            index="group", columns=["respondent_type", "item"], values="mean"
        )
        wide.columns = [
            f"{t(f'codes.respondent_type.{r}', lang)}: {t(f'causes_report.item.{i}', lang)}" for r, i in wide.columns
        ]
        wide.index = [f"{k}. {t(f'codes.cause_group.{k}', lang)}" for k in wide.index]
        shown = wide.reset_index(names=t("causes_report.col_group", lang))
        formats = {c: (lambda v: number(v, lang, 2)) for c in wide.columns}
        caption = self.base.caption_text(t("causes_report.ratings_caption", lang))
        parts.append(
            html_table(
                shown,
                formats,
                {c: c for c in shown.columns},
                caption=caption,
                note=t("causes_report.ratings_note", lang),
            )
        )
        return "".join(parts)

    def correlations_section(self, heading: Heading | None = None) -> str:
        lang = self.lang
        parts = [self.section_heading("correlations", heading)]
        parts += [paragraph(s) for s in cause_solution_sentences(self.correlation, self.matched, lang)]
        fig = correlation_heatmap(self.correlation, lang, self.base.dataset.simulated)
        parts.append(
            figure_html(
                fig,
                t("causes_report.heatmap_alt", lang),
                self.base.caption_text(t("causes_report.heatmap_caption", lang)),
            )
        )
        return "".join(parts)

    def branches_section(self, heading: Heading | None = None) -> str:
        lang, model = self.lang, self.branch_model
        parts = [self.section_heading("branches", heading)]
        if model is None:
            parts.append(paragraph(too_few_branches_sentence(self.too_few_branches, lang)))
            return "".join(parts)
        parts += [paragraph(s) for s in branch_model_sentences(model, lang)]
        shown = model.assign(group=[f"{k}. {t(f'codes.cause_group.{k}', lang)}" for k in model["group"]])
        fmt = lambda v: number(v, lang, 2)  # noqa: E731
        headers = {
            "group": t("causes_report.col_solution", lang),
            "rate_ratio": t("causes_report.col_rate_ratio", lang),
            "ci_low": t("profiles.col_low", lang),
            "ci_high": t("profiles.col_high", lang),
        }
        caption = self.base.caption_text(
            t("causes_report.branch_caption", lang, first=self.branch_years.start, last=self.branch_years.stop - 1)
        )
        parts.append(html_table(shown, {"rate_ratio": fmt, "ci_low": fmt, "ci_high": fmt}, headers, caption=caption))
        return "".join(parts)

    def methods_section(self, heading: Heading | None = None) -> str:
        lang = self.lang
        items = [
            t(f"causes_report.methods.{k}", lang)
            for k in ("correlation", "adjustment", "permutation", "branch", "association")
        ]
        items.append(t("report.suppression_rule", lang, threshold=self.threshold))
        return self.list_section("methods", items, heading)


def _cause_counts(dist: pd.DataFrame) -> pd.DataFrame:
    """Cause group (rows 1-7) × kind of exit (columns) counts from the cause distribution table."""
    counts = dist[dist["kind"].isin(["removed", "asked_to_leave"])]
    wide = counts.pivot_table(index="cause_group", columns="kind", values="count", fill_value=0, aggfunc="sum")
    return wide.reindex(index=list(GROUPS), columns=["removed", "asked_to_leave"], fill_value=0)


# --- sentences ------------------------------------------------------------------------------------------


def format_coefficient(value: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """A coefficient with 2 decimals, never "−0,00"."""
    return number(0.0 if abs(value) < 0.005 else value, lang, 2)


def cause_solution_sentences(
    result: CorrelationResult,
    test: MatchedPairTest,
    lang: str = DEFAULT_LANGUAGE,
) -> list[str]:
    """One sentence per matched pair, one on the unmatched pairs, one on the permutation test, and the caution."""
    fmt = lambda v: format_coefficient(v, lang)  # noqa: E731
    method = t(f"causes.method.{result.method}", lang)
    out = [
        t(
            "causes.corr.intro",
            lang,
            method=method,
            n=number(int(result.n.to_numpy().max()), lang),
            who=t(f"causes.who.{result.respondent_type or 'all'}", lang),
        )
    ]
    for row in result.matched().itertuples():
        if not np.isfinite(row.r):
            out.append(
                t("causes.corr.pair_undefined", lang, k=row.group, cause=t(f"codes.cause_group.{row.group}", lang))
            )
            continue
        key = "flagged" if row.p_holm < ALPHA else "not_flagged"
        direction = t("causes.corr.negative" if row.r < 0 else "causes.corr.positive", lang)
        out.append(
            t(
                f"causes.corr.pair_{key}",
                lang,
                k=row.group,
                cause=t(f"codes.cause_group.{row.group}", lang),
                method=method,
                r=fmt(row.r),
                low=fmt(row.ci_low),
                high=fmt(row.ci_high),
                n=number(row.n, lang),
                p_holm=p_value(row.p_holm, lang),
                direction=direction,
            )
        )
    off = ~np.eye(7, dtype=bool) & (result.p_holm.to_numpy() < ALPHA)
    if off.any():
        pairs = ", ".join(f"({i + 1}, {j + 1})" for i, j in zip(*np.nonzero(off)))
        out.append(t("causes.corr.unmatched_flagged", lang, count=int(off.sum()), pairs=pairs))
    else:
        out.append(t("causes.corr.unmatched_none", lang))
    out.append(
        t(
            "causes.perm.sentence",
            lang,
            matched=fmt(test.mean_matched),
            unmatched=fmt(test.mean_unmatched),
            stat=fmt(test.statistic),
            permutations=number(test.n_permutations, lang),
            p_one=p_value(test.p_one_sided_negative, lang),
            p_two=p_value(test.p_two_sided, lang),
        )
    )
    out.append(t("causes.perm." + ("stands_out" if test.p_one_sided_negative < ALPHA else "no_stand_out"), lang))
    out.append(t("causes.caution", lang))
    return out


def too_few_branches_sentence(err: TooFewBranches, lang: str = DEFAULT_LANGUAGE) -> str:
    """Why the branch model was not fitted for this unit, in words."""
    return t(
        "causes.branch.too_few",
        lang,
        usable=number(err.usable, lang),
        surveyed=number(err.surveyed, lang),
        needed=number(err.needed, lang),
    )


def branch_model_sentences(model: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """The branch model in words: what was fitted on how many branches, each solution's rate ratio, the caution."""
    first = model.iloc[0]
    dropped = int(first["n_surveyed"] - first["n_branches"])
    out = [
        t(
            "causes.branch.intro",
            lang,
            n=number(int(first["n_branches"]), lang),
            surveyed=number(int(first["n_surveyed"]), lang),
            events=number(int(first["n_events"]), lang),
            first=int(first["first_year"]),
            last=int(first["last_year"]),
        )
    ]
    if dropped:
        out.append(
            t(
                "causes.branch.dropped",
                lang,
                missing=number(int(first["n_missing_rating"]), lang),
                exposure=number(int(first["n_no_exposure"]), lang),
                no_exits=number(int(first["n_type_without_exits"]), lang),
            )
        )
    out.append(
        t(
            f"causes.branch.family.{first['family']}",
            lang,
            dispersion=number(first["dispersion"], lang, 2),
            threshold=number(DISPERSION_THRESHOLD, lang, 1),
        )
    )
    for row in model.itertuples():
        change = percent(100 * abs(row.rate_ratio - 1), lang, 1)
        if row.ci_high < 1:
            key = "lower"
        elif row.ci_low > 1:
            key = "higher"
        else:
            key = "unclear"
        out.append(
            t(
                f"causes.branch.{key}",
                lang,
                k=row.group,
                solution=t(f"codes.cause_group.{row.group}", lang),
                ratio=number(row.rate_ratio, lang, 2),
                low=number(row.ci_low, lang, 2),
                high=number(row.ci_high, lang, 2),
                change=change,
                p=p_value(row.p_value, lang),
            )
        )
    out.append(t("causes.caution", lang))
    return out


# --- figures --------------------------------------------------------------------------------------------


def correlation_heatmap(result: CorrelationResult, lang: str = "vi", simulated: bool = False) -> plt.Figure:
    """Causes (rows) × solutions (columns): the coefficient in each cell, * where Holm-adjusted p < 0.05."""
    values = result.r.to_numpy(dtype=float)
    flagged = result.p_holm.to_numpy(dtype=float) < ALPHA
    limit = max(0.5, float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 0.5)
    with plt.rc_context({**STYLE, "axes.grid": False, "axes.spines.top": True, "axes.spines.right": True}):
        fig, ax = plt.subplots(figsize=(7, 5.8))
        image = ax.imshow(
            np.ma.masked_invalid(values), cmap="RdBu_r", norm=TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit)
        )
        for i, j in np.ndindex(values.shape):
            if np.isfinite(values[i, j]):
                text = format_coefficient(values[i, j], lang) + ("*" if flagged[i, j] else "")
                colour = "white" if abs(values[i, j]) > 0.6 * limit else "#222222"
                ax.text(
                    j,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize=9,
                    color=colour,
                    fontweight="bold" if flagged[i, j] else "normal",
                )
            else:
                ax.text(j, i, "–", ha="center", va="center", fontsize=9, color="#777777")
        ax.set_xticks(
            range(len(GROUPS)), [t("causes.axis.solution_short", lang, k=k) for k in GROUPS], rotation=35, ha="right"
        )
        ax.set_yticks(range(len(GROUPS)), [t("causes.axis.cause_short", lang, k=k) for k in GROUPS])
        ax.tick_params(length=0)
        bar = fig.colorbar(image, ax=ax, shrink=0.85)
        bar.set_label(t("causes.axis.colorbar", lang, method=t(f"causes.method.{result.method}", lang)))
        bar.ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: number(v, lang, 1)))
        ax.set_title(t("causes.axis.holm_note", lang), fontsize=8, loc="left", color="#444444")
        fig.tight_layout()
        if simulated:
            mark_simulated(fig, lang)
    return fig
