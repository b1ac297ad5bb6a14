"""'Causes and solutions': the seven cause groups among leavers and in the survey, cause × solution
correlations, the matched-pair test, and the branch-level association with later exits."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from helpers.errors import CausesError
from helpers.analyses.causes import (CorrelationResult, MatchedPairTest, TooFewBranches, branch_model_sentences,
                            branch_solution_model, cause_distribution, cause_solution_sentences, correlations,
                            matched_pair_test, rating_summary, too_few_branches_sentence)
from helpers.report.sections.causes_figures import correlation_heatmap
from helpers.data.counts import annual_counts_from_members, members_as_of
from helpers.data.units import series_units
from helpers.report.formatting import number, percent
from helpers.report.plots import figure_html
from helpers.report.base import AnalysisReport, Heading, TermReport
from helpers.report.suppression import note, shown_table, suppress
from helpers.report.html import escape, html_table
from helpers.data.terms import term_years
from helpers.text import both, t

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
    def build(cls, data_path: str, unit: str, terms: list[str], method: str, respondent_type: str, threshold: int,
              language: str, base: TermReport | None = None) -> "CausesReport":
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
        return cls(base, cause_distribution(members, years), rating_summary(survey), correlation,
                   matched_pair_test(correlation.r), model, branch_years, threshold, too_few)

    def causes_section(self, heading: Heading | None = None) -> str:
        """Cause group recorded for each member who left, by kind: suppressed counts, then shares in words."""
        lang, dist = self.lang, self.causes
        parts = [self.base.heading("causes", t("causes_report.section.causes", lang), heading)]
        wide = _cause_counts(dist)
        wide.index = [f"{k}. {t(f'codes.cause_group.{k}', lang)}" for k in wide.index]
        wide.columns = [t(f"codes.exit_kind.{c}", lang) for c in wide.columns]
        hidden = suppress(wide.astype(int), self.threshold)
        totals = wide.sum(axis=1)
        order = totals.sort_values(ascending=False)
        top = [f"{name} ({percent(100 * v / totals.sum(), lang)})" for name, v in order.head(3).items()
               if v >= self.threshold]
        if top:
            parts.append(f"<p>{escape(t('causes_report.top_causes', lang, causes='; '.join(top)))}</p>")
        shown = shown_table(hidden, lambda v: number(v, lang), t("report.terms.col_total", lang))
        shown = shown.reset_index(names=t("causes_report.col_group", lang))
        caption = self.base._caption_text(t("causes_report.causes_caption", lang))
        parts.append(html_table(shown, {}, {c: c for c in shown.columns}, caption=caption, note=note(hidden, lang)))
        return "".join(parts)

    def ratings_section(self, heading: Heading | None = None) -> str:
        """Mean rating and share rating 4-5 of each cause and solution group, per respondent type."""
        lang, summary = self.lang, self.ratings
        parts = [self.base.heading("ratings", t("causes_report.section.ratings", lang), heading)]
        for rtype, part in summary[summary["respondent_type"] != "all"].groupby("respondent_type", sort=False):
            causes = part[part["item"] == "cause"].sort_values("mean", ascending=False)
            best = causes.iloc[0]
            parts.append(f"<p>{escape(t('causes_report.ratings_sentence', lang, who=t(f'codes.respondent_type.{rtype}', lang), n=number(int(part['n'].max()), lang), k=int(best['group']), cause=t(f'codes.cause_group.{int(best.group)}', lang), mean=number(best['mean'], lang, 2), share=percent(100 * best['share_4_5'], lang, 1)))}</p>")
        wide = summary[summary["respondent_type"] != "all"].pivot_table(index="group", columns=["respondent_type", "item"],
                                                                         values="mean")
        wide.columns = [f"{t(f'codes.respondent_type.{r}', lang)}: {t(f'causes_report.item.{i}', lang)}"
                        for r, i in wide.columns]
        wide.index = [f"{k}. {t(f'codes.cause_group.{k}', lang)}" for k in wide.index]
        shown = wide.reset_index(names=t("causes_report.col_group", lang))
        formats = {c: (lambda v: number(v, lang, 2)) for c in wide.columns}
        caption = self.base._caption_text(t("causes_report.ratings_caption", lang))
        parts.append(html_table(shown, formats, {c: c for c in shown.columns}, caption=caption,
                                note=t("causes_report.ratings_note", lang)))
        return "".join(parts)

    def correlations_section(self, heading: Heading | None = None) -> str:
        lang = self.lang
        parts = [self.base.heading("correlations", t("causes_report.section.correlations", lang), heading)]
        parts += [f"<p>{escape(s)}</p>" for s in cause_solution_sentences(self.correlation, self.matched, lang)]
        fig = correlation_heatmap(self.correlation, lang, self.base.dataset.simulated)
        parts.append(figure_html(fig, t("causes_report.heatmap_alt", lang),
                                 self.base._caption_text(t("causes_report.heatmap_caption", lang))))
        return "".join(parts)

    def branches_section(self, heading: Heading | None = None) -> str:
        lang, model = self.lang, self.branch_model
        parts = [self.base.heading("branches", t("causes_report.section.branches", lang), heading)]
        if model is None:
            parts.append(f"<p>{escape(too_few_branches_sentence(self.too_few_branches, lang))}</p>")
            return "".join(parts)
        parts += [f"<p>{escape(s)}</p>" for s in branch_model_sentences(model, lang)]
        shown = model.assign(group=[f"{k}. {t(f'codes.cause_group.{k}', lang)}" for k in model["group"]])
        fmt = lambda v: number(v, lang, 2)  # noqa: E731
        headers = {"group": t("causes_report.col_solution", lang), "rate_ratio": t("causes_report.col_rate_ratio", lang),
                   "ci_low": t("profiles.col_low", lang), "ci_high": t("profiles.col_high", lang)}
        caption = self.base._caption_text(t("causes_report.branch_caption", lang,
                                            first=self.branch_years.start, last=self.branch_years.stop - 1))
        parts.append(html_table(shown, {"rate_ratio": fmt, "ci_low": fmt, "ci_high": fmt}, headers, caption=caption))
        return "".join(parts)

    def methods_section(self, heading: Heading | None = None) -> str:
        lang = self.lang
        items = [t(f"causes_report.methods.{k}", lang) for k in ("correlation", "adjustment", "permutation", "branch",
                                                                 "association")]
        items.append(t("report.suppression_rule", lang, threshold=self.threshold))
        body = "".join(f"<li>{escape(i)}</li>" for i in items)
        return f'{self.base.heading("methods", t("causes_report.section.methods", lang), heading)}<ul>{body}</ul>'


def _cause_counts(dist: pd.DataFrame) -> pd.DataFrame:
    """Cause group (rows 1-7) × kind of exit (columns) counts from the cause distribution table."""
    counts = dist[dist["kind"].isin(["removed", "asked_to_leave"])]
    wide = counts.pivot_table(index="cause_group", columns="kind", values="count", fill_value=0, aggfunc="sum")
    return wide.reindex(index=list(GROUPS), columns=["removed", "asked_to_leave"], fill_value=0)
