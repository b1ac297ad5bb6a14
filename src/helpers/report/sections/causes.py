"""'Causes and solutions': the seven cause groups among leavers and in the survey, how well the seven solution
groups are implemented, cause × solution correlations, the matched-pair test, and the branch-level association
with later exits.

The main text states results in plain words; test names, coefficients' p-values, the correction for many tests,
the permutation test and the branch count model are written in :meth:`CausesReport.methods_section`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import ClassVar

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.colors import TwoSlopeNorm

from helpers.analyses.causes import (
    ALPHA,
    CauseSolutionFinding,
    CorrelationResult,
    MatchedPairTest,
    TooFewBranches,
    branch_solution_model,
    cause_distribution,
    cause_solution_finding,
    correlations,
    implementation_summary,
    matched_pair_test,
    rating_summary,
)
from helpers.analyses.trends import DISPERSION_THRESHOLD
from helpers.data.counts import annual_counts_from_members, members_as_of
from helpers.data.terms import term_label, term_years
from helpers.data.units import series_units
from helpers.errors import CausesError
from helpers.report.base import AnalysisReport, Heading, TermReport
from helpers.report.formatting import number, p_value, percent
from helpers.report.html import html_table, items, paragraph, say
from helpers.report.plots import (
    DESKTOP_WIDTH,
    MIN_TEXT_PT,
    figure_html,
    is_phone,
    mark_simulated,
    textwrap_label,
    theme,
)
from helpers.report.suppression import shown_table, suppress
from helpers.text import DEFAULT_LANGUAGE, both, t

SECTIONS = ("causes", "ratings", "implementation", "correlations", "branches", "methods", "appendix")
GROUPS = range(1, 8)
RESPONDENT_TYPES = ("branch", "former_member")


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
    terms: tuple[str, ...] = ()
    latest_causes: pd.DataFrame | None = None  # the last term alone, when the report covers several

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
        latest = term_years(province_terms, terms[-1]) if len(terms) > 1 else None
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
            tuple(terms),
            None if latest is None else cause_distribution(members, latest),
        )

    # --- what the sections conclude ---------------------------------------------------------------------------

    @property
    def conclusion(self) -> CauseSolutionFinding:
        """The cause × solution conclusion as data (the sections' sentences and :meth:`finding` agree with it)."""
        return cause_solution_finding(self.correlation, self.matched)

    def finding(self) -> dict | None:
        """What Part IV concludes on causes and their matched solutions, for the summary; None when no matched pair
        (cause k, solution k) shows a statistically significant association.

        Keys: ``flagged`` (matched pairs significant), ``pairs`` (matched pairs with a coefficient), ``negative``
        (True when every significant pair is negative: the heavier the cause, the worse its solution is rated as
        implemented), ``group`` (the strongest significant pair's k), ``cause`` and ``solution`` (their names),
        ``r`` (its coefficient as the body writes it, e.g. "−0,44"), ``stands_out`` (the matched pairs differ from
        the unmatched ones) and ``unmatched_flagged`` (unmatched pairs also significant).
        """
        c, lang = self.conclusion, self.lang
        if c.strongest is None:
            return None
        return {
            "flagged": c.n_flagged,
            "pairs": 7 - len(c.undefined),
            "negative": not c.flagged_positive,
            "group": c.strongest,
            "cause": t(f"codes.cause_group.{c.strongest}", lang),
            "solution": t(f"codes.solution_group.{c.strongest}", lang),
            "r": format_coefficient(c.strongest_r, lang),
            "stands_out": c.stands_out,
            "unmatched_flagged": len(c.unmatched_flagged),
        }

    # --- Part III -------------------------------------------------------------------------------------------------

    def causes_section(self, heading: Heading | None = None) -> str:
        """Cause group recorded for each member who left, by kind: suppressed counts, the share of leavers citing
        each group, its base and period."""
        lang, dist = self.lang, self.causes
        parts = [self.section_heading("causes", heading)]
        wide = _cause_counts(dist)
        recorded = int(wide.to_numpy().sum())
        unrecorded = int(dist.loc[dist["kind"] == "total", "unrecorded"].iloc[0]) if len(dist) else 0
        period = self._period(self.terms)
        if recorded == 0:
            parts.append(say("causes_report.no_causes", lang, period=period))
            return "".join(parts)
        parts += [paragraph(s) for s in self._top_cause_sentences(wide, period)]
        wide.index = [f"{k}. {t(f'codes.cause_group.{k}', lang)}" for k in wide.index]
        wide.columns = [t(f"codes.exit_kind.{c}", lang) for c in wide.columns]
        hidden = suppress(wide.astype(int), self.threshold)
        total_label = t("report.terms.col_total", lang)
        shown = shown_table(hidden, lambda v: number(v, lang), total_label)
        row_totals = hidden.counts.sum(axis=1).to_numpy()
        row_hidden = hidden.row_total_hidden.to_numpy()
        share_col = t("causes_report.col_share_leavers", lang)
        shares = [
            "x" if row_hidden[i] else percent(100 * row_totals[i] / recorded, lang) for i in range(len(row_totals))
        ]
        shown[share_col] = [*shares, percent(100.0, lang)]
        shown = shown.reset_index(names=t("causes_report.col_cause_group", lang))
        caption = self.base.caption_text(t("causes_report.causes_caption", lang, period=period))
        notes = [
            t(
                "causes_report.causes_note",
                lang,
                n=number(recorded, lang),
                period=period,
                first=self._years(self.terms).start,
                last=self._years(self.terms).stop - 1,
            )
        ]
        if unrecorded:
            notes.append(t("causes_report.causes_unrecorded", lang, n=number(unrecorded, lang)))
        if hidden.anything_hidden:
            notes.append(self._hidden_legend())
        parts.append(html_table(shown, {}, {c: c for c in shown.columns}, caption=caption, note=" ".join(notes)))
        return "".join(parts)

    def _top_cause_sentences(self, wide: pd.DataFrame, period: str) -> list[str]:
        """The three most recorded cause groups, as a share of the leavers of the period (and of the last term)."""
        lang = self.lang
        totals = wide.sum(axis=1)
        n = int(totals.sum())
        order = [(int(k), int(v)) for k, v in totals.sort_values(ascending=False, kind="stable").items()]
        top = [(k, v) for k, v in order[:3] if v >= self.threshold]
        out = []
        if top:
            k, v = top[0]
            rest = [
                t(
                    "causes_report.top_next",
                    lang,
                    k=kk,
                    cause=t(f"codes.cause_group.{kk}", lang),
                    share=percent(100 * vv / n, lang),
                )
                for kk, vv in top[1:]
            ]
            out.append(
                t(
                    "causes_report.top_causes" if rest else "causes_report.top_cause_only",
                    lang,
                    n=number(n, lang),
                    period=period,
                    share=percent(100 * v / n, lang),
                    count=number(v, lang),
                    k=k,
                    cause=t(f"codes.cause_group.{k}", lang),
                    rest="; ".join(rest),
                )
            )
        if self.latest_causes is not None and len(self.terms) > 1:
            last = _cause_counts(self.latest_causes).sum(axis=1)
            m = int(last.sum())
            if m:
                k, v = int(last.idxmax()), int(last.max())
                if v >= self.threshold:
                    out.append(
                        t(
                            "causes_report.top_latest",
                            lang,
                            term=term_label(self.terms[-1]),
                            n=number(m, lang),
                            k=k,
                            cause=t(f"codes.cause_group.{k}", lang),
                            share=percent(100 * v / m, lang),
                        )
                    )
        return out

    def ratings_section(self, heading: Heading | None = None) -> str:
        """How the survey's respondents rate the seven cause groups (1–5): mean and share rating 4–5, with the
        number of forms and the survey year."""
        lang, summary = self.lang, self.ratings
        parts = [self.section_heading("ratings", heading)]
        causes = summary[summary["item"] == "cause"]
        kept, small = self._respondent_types(causes)
        for rtype in kept:
            part = causes[causes["respondent_type"] == rtype].sort_values(["mean", "group"], ascending=[False, True])
            best = part.iloc[0]
            parts.append(
                say(
                    "causes_report.ratings_sentence",
                    lang,
                    who=t(f"causes_report.who_forms.{rtype}", lang),
                    n=number(int(part["forms"].max()), lang),
                    k=int(best["group"]),
                    cause=t(f"codes.cause_group.{int(best['group'])}", lang),
                    mean=number(best["mean"], lang, 2),
                    share=percent(100 * best["share_4_5"], lang, 1),
                )
            )
        if not kept:
            parts.append(say("causes_report.too_few_forms", lang, threshold=number(self.threshold, lang)))
            return "".join(parts)
        table = pd.DataFrame({t("causes_report.col_cause_group", lang): [self._cause_name(k) for k in GROUPS]})
        for rtype in kept:
            part = causes[causes["respondent_type"] == rtype].set_index("group").reindex(list(GROUPS))
            who = t(f"codes.respondent_type.{rtype}", lang)
            table[t("causes_report.col_mean", lang, who=who)] = [number(v, lang, 2) for v in part["mean"]]
            table[t("causes_report.col_share_high", lang, who=who)] = [
                percent(100 * v, lang, 1) for v in part["share_4_5"]
            ]
        caption = self.base.caption_text(t("causes_report.ratings_caption", lang, year=self._survey_years()))
        note = [t("causes_report.ratings_note", lang, bases=self._bases(causes, kept), year=self._survey_years())]
        note += self._small_types_note(small)
        parts.append(html_table(table, {}, {c: c for c in table.columns}, caption=caption, note=" ".join(note)))
        return "".join(parts)

    # --- Part IV --------------------------------------------------------------------------------------------------

    def implementation_section(self, heading: Heading | None = None) -> str:
        """How well each of the seven solution groups is implemented, by respondent type: mean rating (1–5), share
        rated 4–5 ("implemented well") and 1–2 ("implemented poorly"), best first, with the best and worst named."""
        lang = self.lang
        parts = [self.section_heading("implementation", heading)]
        summary = implementation_summary(self.ratings)
        kept, small = self._respondent_types(summary)
        overall = summary[summary["respondent_type"] == "all"].set_index("group")
        if overall["mean"].notna().any():
            parts.append(
                say(
                    "causes_report.implementation_range",
                    lang,
                    n=number(int(overall["forms"].max()), lang),
                    year=self._survey_years(),
                    low=number(overall["mean"].min(), lang, 2),
                    high=number(overall["mean"].max(), lang, 2),
                    k_low=int(overall["mean"].idxmin()),
                    k_high=int(overall["mean"].idxmax()),
                    low_name=t(f"codes.solution_group.{int(overall['mean'].idxmin())}", lang),
                    high_name=t(f"codes.solution_group.{int(overall['mean'].idxmax())}", lang),
                )
            )
        for rtype in kept:
            part = summary[summary["respondent_type"] == rtype].dropna(subset=["mean"])
            if part.empty:
                continue
            best, worst = part.iloc[0], part.iloc[-1]
            parts.append(
                say(
                    "causes_report.implementation_sentence",
                    lang,
                    who=t(f"causes_report.who_forms.{rtype}", lang),
                    n=number(int(part["forms"].max()), lang),
                    good=percent(100 * best["share_4_5"], lang, 1),
                    k=int(best["group"]),
                    solution=t(f"codes.solution_group.{int(best['group'])}", lang),
                    mean=number(best["mean"], lang, 2),
                    poor=percent(100 * worst["share_1_2"], lang, 1),
                    k2=int(worst["group"]),
                    solution2=t(f"codes.solution_group.{int(worst['group'])}", lang),
                    mean2=number(worst["mean"], lang, 2),
                )
            )
        if not kept:
            parts.append(say("causes_report.too_few_forms", lang, threshold=number(self.threshold, lang)))
            return "".join(parts)
        order = list(overall.sort_values(["mean"], ascending=False, kind="stable").index)
        # Rows best first: the order is the ranking (the caption says so), the number is the group's own.
        table = pd.DataFrame(
            {
                t("causes_report.col_solution", lang): [self._solution_name(k) for k in order],
                t("causes_report.col_mean_all", lang): [number(overall.loc[k, "mean"], lang, 2) for k in order],
            }
        )
        for rtype in kept:
            part = summary[summary["respondent_type"] == rtype].set_index("group").reindex(order)
            who = t(f"codes.respondent_type.{rtype}", lang)
            table[t("causes_report.col_mean", lang, who=who)] = [number(v, lang, 2) for v in part["mean"]]
            table[t("causes_report.col_good", lang, who=who)] = [percent(100 * v, lang, 1) for v in part["share_4_5"]]
            table[t("causes_report.col_poor", lang, who=who)] = [percent(100 * v, lang, 1) for v in part["share_1_2"]]
        caption = self.base.caption_text(t("causes_report.implementation_caption", lang, year=self._survey_years()))
        note = [
            t(
                "causes_report.implementation_note",
                lang,
                bases=self._bases(summary, kept),
                year=self._survey_years(),
                n=number(int(overall["forms"].max()), lang),
            )
        ]
        note += self._small_types_note(small)
        parts.append(html_table(table, {}, {c: c for c in table.columns}, caption=caption, note=" ".join(note)))
        return "".join(parts)

    def correlations_section(self, heading: Heading | None = None) -> str:
        """Do heavier causes go with worse-implemented matched solutions? One plain paragraph per question, a
        compact table of the seven matched pairs, the heat map, and the caution that these are associations."""
        lang = self.lang
        parts = [self.section_heading("correlations", heading)]
        parts += [paragraph(s) for s in cause_solution_sentences(self.correlation, self.matched, lang, self._forms())]
        parts.append(self._matched_table())
        flagged = bool((self.correlation.p_holm.to_numpy() < ALPHA).any())
        caption = t("causes_report.heatmap_caption", lang)
        if flagged:
            caption += " " + t("causes_report.heatmap_star", lang)
        parts.append(
            figure_html(
                partial(correlation_heatmap, self.correlation, lang, self.base.dataset.simulated),
                t("causes_report.heatmap_alt_star" if flagged else "causes_report.heatmap_alt", lang),
                self.base.caption_text(caption),
            )
        )
        parts.append(paragraph(t("causes.caution", lang)))
        return "".join(parts)

    def _matched_table(self) -> str:
        lang, result = self.lang, self.correlation
        rows = result.matched()
        fmt = lambda v: format_coefficient(v, lang)  # noqa: E731
        undefined = ~np.isfinite(rows["r"].to_numpy(dtype=float))
        table = pd.DataFrame(
            {
                t("causes_report.col_pair", lang): [
                    f"{k}. {t(f'codes.cause_group_short.{k}', lang)}" for k in rows["group"]
                ],
                t("causes_report.col_r", lang): [fmt(v) for v in rows["r"]],
                t("causes_report.col_interval", lang): [
                    "–" if not np.isfinite(r.r) else f"{fmt(r.ci_low)} {t('causes_report.to', lang)} {fmt(r.ci_high)}"
                    for r in rows.itertuples()
                ],
                t("causes_report.col_verdict", lang): [
                    "–"
                    if not np.isfinite(r.r)
                    else t("causes_report.verdict." + ("clear" if r.p_holm < ALPHA else "unclear"), lang)
                    for r in rows.itertuples()
                ],
            }
        )
        note = [
            t(
                "causes_report.matched_note",
                lang,
                n=number(self._forms(), lang),
                who=t(f"causes.who.{result.respondent_type or 'all'}", lang),
                year=self._survey_years(),
            )
        ]
        if undefined.any():
            note.append(t("causes_report.undefined_legend", lang))
        caption = self.base.caption_text(t("causes_report.matched_caption", lang, year=self._survey_years()))
        return html_table(table, {}, {c: c for c in table.columns}, caption=caption, note=" ".join(note))

    def branches_section(self, heading: Heading | None = None) -> str:
        """Exits in the surveyed branches in the years after the survey against their solution ratings, plainly."""
        lang, model = self.lang, self.branch_model
        parts = [self.section_heading("branches", heading)]
        if model is None:
            parts.append(paragraph(too_few_branches_sentence(self.too_few_branches, lang)))
            return "".join(parts)
        parts += [paragraph(s) for s in branch_model_sentences(model, lang)]
        fmt = lambda v: number(v, lang, 2)  # noqa: E731
        table = pd.DataFrame(
            {
                t("causes_report.col_solution", lang): [self._solution_name(k) for k in model["group"]],
                t("causes_report.col_rate_ratio", lang): [fmt(v) for v in model["rate_ratio"]],
                t("causes_report.col_interval", lang): [
                    f"{fmt(r.ci_low)}–{fmt(r.ci_high)}" for r in model.itertuples()
                ],
            }
        )
        first = model.iloc[0]
        caption = self.base.caption_text(
            t("causes_report.branch_caption", lang, first=self.branch_years.start, last=self.branch_years.stop - 1)
        )
        note = t(
            "causes_report.branch_note",
            lang,
            **_branch_fields(first, lang),
        )
        parts.append(html_table(table, {}, {c: c for c in table.columns}, caption=caption, note=note))
        return "".join(parts)

    # --- appendix -------------------------------------------------------------------------------------------------

    def methods_section(self, heading: Heading | None = None, suppression_rule: bool | None = None) -> str:
        """The methods in plain words, then the statistics behind Part IV: each matched pair's coefficient, interval
        and p-values, the unmatched pairs, the permutation test and the branch model.

        ``suppression_rule``: whether to state the small-number rule here; by default only when the section stands
        alone (no ``heading`` from a composing report, which states the rule once in its own appendix)."""
        lang = self.lang
        texts = [
            t(f"causes_report.methods.{k}", lang)
            for k in ("correlation", "adjustment", "permutation", "branch", "association")
        ]
        if suppression_rule if suppression_rule is not None else heading is None:
            texts.append(t("report.suppression_rule", lang, threshold=self.threshold, largest=self.threshold - 1))
        parts = [self.section_heading("methods", heading), items(texts)]
        parts += [paragraph(s) for s in correlation_detail_sentences(self.correlation, self.matched, lang)]
        parts.append(self._detail_table())
        if self.branch_model is not None:
            parts += [paragraph(s) for s in branch_detail_sentences(self.branch_model, lang)]
            parts.append(self._branch_detail_table())
        return "".join(parts)

    def _detail_table(self) -> str:
        lang, result = self.lang, self.correlation
        rows = result.matched()
        fmt = lambda v: format_coefficient(v, lang)  # noqa: E731
        method = t(f"causes.method.{result.method}", lang)
        pv = lambda v: "–" if not np.isfinite(v) else p_value(v, lang)  # noqa: E731
        table = pd.DataFrame(
            {
                t("causes_report.col_pair", lang): [
                    f"{k}. {t(f'codes.cause_group_short.{k}', lang)}" for k in rows["group"].astype(int)
                ],
                t("causes_report.detail.col_r", lang, method=method): [fmt(v) for v in rows["r"]],
                t("causes_report.detail.col_ci", lang): [
                    "–" if not np.isfinite(r.r) else f"{fmt(r.ci_low)} {t('causes_report.to', lang)} {fmt(r.ci_high)}"
                    for r in rows.itertuples()
                ],
                t("causes_report.col_forms", lang): [number(int(v), lang) for v in rows["n"]],
                t("causes_report.detail.col_p", lang): [pv(v) for v in rows["p"]],
                t("causes_report.detail.col_holm", lang): [pv(v) for v in rows["p_holm"]],
                t("causes_report.detail.col_bh", lang): [pv(v) for v in rows["p_bh"]],
            }
        )
        note = None
        if not np.isfinite(rows["r"].to_numpy(dtype=float)).all():
            note = t("causes_report.undefined_legend", lang)
        caption = self.base.caption_text(t("causes_report.detail.caption", lang, method=method))
        return html_table(table, {}, {c: c for c in table.columns}, caption=caption, note=note)

    def _branch_detail_table(self) -> str:
        lang, model = self.lang, self.branch_model
        fmt = lambda v: number(v, lang, 2)  # noqa: E731
        table = pd.DataFrame(
            {
                t("causes_report.col_solution_number", lang): [
                    f"{k}. {t(f'codes.solution_group_short.{k}', lang)}" for k in model["group"].astype(int)
                ],
                t("causes_report.col_rate_ratio", lang): [fmt(v) for v in model["rate_ratio"]],
                t("causes_report.detail.col_ci", lang): [
                    f"{fmt(r.ci_low)}–{fmt(r.ci_high)}" for r in model.itertuples()
                ],
                t("causes_report.detail.col_p_wald", lang): [p_value(v, lang) for v in model["p_value"]],
            }
        )
        caption = self.base.caption_text(t("causes_report.detail.branch_caption", lang))
        return html_table(table, {}, {c: c for c in table.columns}, caption=caption)

    # --- small pieces ---------------------------------------------------------------------------------------------

    def _cause_name(self, k: int) -> str:
        return f"{k}. {t(f'codes.cause_group.{k}', self.lang)}"

    def _solution_name(self, k: int) -> str:
        return f"{k}. {t(f'codes.solution_group.{k}', self.lang)}"

    def _years(self, terms: tuple[str, ...]) -> range:
        province_terms = self.base.terms.for_province(self.base.province)
        if not terms:
            first, last = int(self.causes["first_year"].min()), int(self.causes["last_year"].max())
            return range(first, last + 1)
        return range(term_years(province_terms, terms[0]).start, term_years(province_terms, terms[-1]).stop)

    def _period(self, terms: tuple[str, ...]) -> str:
        """The terms as a report writes them: 'nhiệm kỳ 2015–2020 và 2020–2025'."""
        lang = self.lang
        if not terms:
            years = self._years(terms)
            return t("causes_report.period_years", lang, first=years.start, last=years.stop - 1)
        labels = [term_label(x) for x in terms]
        if len(labels) == 1:
            return t("causes_report.period_one", lang, term=labels[0])
        if len(labels) == 2:
            return t("causes_report.period_two", lang, first=labels[0], last=labels[1])
        return t("causes_report.period_many", lang, first=labels[0], last=labels[-1])

    def _forms(self) -> int:
        """Survey forms behind the correlations (of the respondent type they use, or all)."""
        who = self.correlation.respondent_type or "all"
        return int(self.ratings.loc[self.ratings["respondent_type"] == who, "forms"].max())

    def _survey_years(self) -> str:
        first, last = self.ratings["first_year"].iloc[0], self.ratings["last_year"].iloc[0]
        if pd.isna(first):
            return "–"
        return str(int(first)) if first == last else f"{int(first)}–{int(last)}"

    def _respondent_types(self, summary: pd.DataFrame) -> tuple[list[str], list[tuple[str, int]]]:
        """Respondent types with enough forms to be shown on their own, and those with too few (type, forms)."""
        kept, small = [], []
        for rtype in RESPONDENT_TYPES:
            part = summary[summary["respondent_type"] == rtype]
            n = int(part["forms"].max()) if len(part) else 0
            if n >= self.threshold:
                kept.append(rtype)
            elif n > 0:
                small.append((rtype, n))
        return kept, small

    def _bases(self, summary: pd.DataFrame, kept: list[str]) -> str:
        lang = self.lang
        pieces = [
            t(
                "causes_report.base_piece",
                lang,
                n=number(int(summary.loc[summary["respondent_type"] == r, "forms"].max()), lang),
                who=t(f"causes_report.who_forms.{r}", lang),
            )
            for r in kept
        ]
        return t("causes_report.and", lang).join(pieces)

    def _small_types_note(self, small: list[tuple[str, int]]) -> list[str]:
        lang = self.lang
        return [
            t(
                "causes_report.small_type",
                lang,
                who=t(f"causes_report.who_forms.{r}", lang),
                threshold=number(self.threshold, lang),
            )
            for r, _ in small
        ]

    def _hidden_legend(self) -> str:
        return t("causes_report.hidden_legend", self.lang, threshold=number(self.threshold, self.lang))


def _cause_counts(dist: pd.DataFrame) -> pd.DataFrame:
    """Cause group (rows 1-7) × kind of exit (columns) counts from the cause distribution table."""
    counts = dist[dist["kind"].isin(["removed", "asked_to_leave"])]
    wide = counts.pivot_table(index="cause_group", columns="kind", values="count", fill_value=0, aggfunc="sum")
    return wide.reindex(index=list(GROUPS), columns=["removed", "asked_to_leave"], fill_value=0)


# --- sentences ------------------------------------------------------------------------------------------


def format_coefficient(value: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """A coefficient with 2 decimals, never "−0,00"."""
    return number(0.0 if abs(value) < 0.005 else value, lang, 2)


def _group_list(groups, lang: str) -> str:
    """'1, 3, 4 và 5' / '1, 3, 4 and 5'."""
    groups = [str(k) for k in groups]
    if len(groups) <= 1:
        return "".join(groups)
    return ", ".join(groups[:-1]) + t("causes_report.and_last", lang) + groups[-1]


def cause_solution_sentences(
    result: CorrelationResult,
    test: MatchedPairTest,
    lang: str = DEFAULT_LANGUAGE,
    forms: int | None = None,
) -> list[str]:
    """The main text's answer in plain words: how many matched pairs (cause k, solution k) go together and where
    most clearly; whether that is particular to the matched pairs. Statistics are in
    :func:`correlation_detail_sentences`; the caution follows the section's table and figure."""
    c = cause_solution_finding(result, test)
    fmt = lambda v: format_coefficient(v, lang)  # noqa: E731
    who = t(f"causes.who.{result.respondent_type or 'all'}", lang)
    n = number(forms if forms is not None else int(result.n.to_numpy().max()), lang)
    out = [t("causes.corr.intro", lang, who=who, n=n)]
    if c.flagged_negative:
        strongest = c.strongest if c.strongest in c.flagged_negative else c.flagged_negative[0]
        out.append(
            t(
                "causes.corr.negative_groups",
                lang,
                count=len(c.flagged_negative),
                total=7 - len(c.undefined),
                k=strongest,
                cause=t(f"codes.cause_group.{strongest}", lang),
                r=fmt(result.r.loc[strongest, strongest]),
                groups=_group_list(c.flagged_negative, lang),
            )
        )
    if c.flagged_positive:
        out.append(
            t(
                "causes.corr.positive_groups",
                lang,
                count=len(c.flagged_positive),
                groups=_group_list(c.flagged_positive, lang),
            )
        )
    if not c.n_flagged:
        out.append(t("causes.corr.no_groups", lang, total=7 - len(c.undefined)))
    elif c.not_flagged:
        out.append(t("causes.corr.other_groups", lang, groups=_group_list(c.not_flagged, lang)))
    if c.undefined:
        out.append(t("causes.corr.undefined_groups", lang, groups=_group_list(c.undefined, lang)))
    # One conclusion on whether the link is particular to the matched pairs, with its reason.
    matched, unmatched = fmt(test.mean_matched), fmt(test.mean_unmatched)
    if c.stands_out and c.flagged_negative:
        key = "causes.perm.stands_out"
    elif c.stands_out:
        key = "causes.perm.stands_out_weak"
    else:
        key = "causes.perm.no_stand_out"
    out.append(t(key, lang, matched=matched, unmatched=unmatched))
    if c.unmatched_flagged:
        pairs = ", ".join(
            t(
                "causes.corr.pair_names",
                lang,
                cause=t(f"codes.cause_group_short.{i}", lang),
                solution=t(f"codes.solution_group_short.{j}", lang),
            )
            for i, j in c.unmatched_flagged
        )
        out.append(t("causes.corr.unmatched_flagged", lang, count=len(c.unmatched_flagged), pairs=pairs))
    return out


def correlation_detail_sentences(
    result: CorrelationResult, test: MatchedPairTest, lang: str = DEFAULT_LANGUAGE
) -> list[str]:
    """The statistics behind :func:`cause_solution_sentences`, for the methods appendix."""
    fmt = lambda v: format_coefficient(v, lang)  # noqa: E731
    c = cause_solution_finding(result, test)
    method = t(f"causes.method.{result.method}", lang)
    out = [
        t(
            "causes.detail.intro",
            lang,
            method=method,
            n=number(int(result.n.to_numpy().max()), lang),
            who=t(f"causes.who.{result.respondent_type or 'all'}", lang),
        )
    ]
    if c.unmatched_flagged:
        pairs = ", ".join(f"({i}, {j})" for i, j in c.unmatched_flagged)
        out.append(t("causes.detail.unmatched_flagged", lang, count=len(c.unmatched_flagged), pairs=pairs))
    else:
        out.append(t("causes.detail.unmatched_none", lang))
    out.append(
        t(
            "causes.detail.permutation",
            lang,
            matched=fmt(test.mean_matched),
            unmatched=fmt(test.mean_unmatched),
            stat=fmt(test.statistic),
            permutations=number(test.n_permutations, lang),
            p_one=p_value(test.p_one_sided_negative, lang),
            p_two=p_value(test.p_two_sided, lang),
        )
    )
    return out


def too_few_branches_sentence(err: TooFewBranches, lang: str = DEFAULT_LANGUAGE) -> str:
    """Why the branch comparison was not made for this unit, in words."""
    return t(
        "causes.branch.too_few",
        lang,
        usable=number(err.usable, lang),
        surveyed=number(err.surveyed, lang),
        needed=number(err.needed, lang),
    )


def _branch_fields(first: pd.Series, lang: str) -> dict:
    """The numbers every branch paragraph and note opens with: branches modelled and surveyed, cases, years."""
    return {
        "n": number(int(first["n_branches"]), lang),
        "surveyed": number(int(first["n_surveyed"]), lang),
        "events": number(int(first["n_events"]), lang),
        "first": int(first["first_year"]),
        "last": int(first["last_year"]),
    }


def branch_model_sentences(model: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """The branch comparison in plain words: on how many branches and cases, which solutions go with fewer (or
    more) later exits, and a short reminder that this is an association (the model is in the appendix)."""
    first = model.iloc[0]
    out = [
        t(
            "causes.branch.intro",
            lang,
            **_branch_fields(first, lang),
        )
    ]
    clear = model[(model["ci_high"] < 1) | (model["ci_low"] > 1)]
    for row in clear.itertuples():
        out.append(
            t(
                f"causes.branch.{'lower' if row.ci_high < 1 else 'higher'}",
                lang,
                k=row.group,
                solution=t(f"codes.solution_group.{row.group}", lang),
                change=percent(100 * abs(row.rate_ratio - 1), lang, 1),
                low=number(row.ci_low, lang, 2),
                high=number(row.ci_high, lang, 2),
            )
        )
    if clear.empty:
        out.append(t("causes.branch.none_clear", lang))
    elif len(clear) < len(model):
        out.append(t("causes.branch.others_unclear", lang))
    out.append(t("causes.branch.reminder", lang))
    return out


def branch_detail_sentences(model: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """The branch count model for the methods appendix: the model, what was left out, the dispersion rule."""
    first = model.iloc[0]
    out = [
        t(
            "causes.branch_detail.intro",
            lang,
            **_branch_fields(first, lang),
        )
    ]
    if int(first["n_surveyed"] - first["n_branches"]):
        out.append(
            t(
                "causes.branch_detail.dropped",
                lang,
                missing=number(int(first["n_missing_rating"]), lang),
                exposure=number(int(first["n_no_exposure"]), lang),
                no_exits=number(int(first["n_type_without_exits"]), lang),
            )
        )
    out.append(
        t(
            f"causes.branch_detail.family.{first['family']}",
            lang,
            dispersion=number(first["dispersion"], lang, 2),
            threshold=number(DISPERSION_THRESHOLD, lang, 1),
        )
    )
    return out


# --- figures --------------------------------------------------------------------------------------------


def correlation_heatmap(
    result: CorrelationResult, lang: str = "vi", simulated: bool = False, width: float = DESKTOP_WIDTH
) -> plt.Figure:
    """Causes (rows) × solutions (columns), labelled with the groups' short names: colour for the coefficient, a
    black frame around each cell whose association is significant after the correction for 49 tests, and on a
    desktop the coefficient written in each cell. On a phone the cells carry colour and frame only, the labels
    wrap, the solutions' names stand above the grid and the colour bar lies under it."""
    phone = is_phone(width)
    values = result.r.to_numpy(dtype=float)
    finite = np.isfinite(values)
    flagged = (result.p_holm.to_numpy(dtype=float) < ALPHA) & finite
    # One scale for every report (a colour means the same correlation in the province's and a district's report);
    # a stronger correlation than ±0.6 takes the end colour.
    limit = 0.6
    rows = [textwrap_label(f"{k}. {t(f'codes.cause_group_short.{k}', lang)}", 13) for k in GROUPS]
    cols = [f"{k}. {t(f'codes.solution_group_short.{k}', lang)}" for k in GROUPS]
    frame = pd.DataFrame(values, index=rows, columns=cols)
    if phone:
        annot = np.where(finite, "", "–")
    else:
        annot = np.array(
            [[format_coefficient(v, lang) if np.isfinite(v) else "–" for v in line] for line in values], dtype=object
        )
    with theme(**{"axes.grid": False}):
        if phone:
            fig, (ax, cax) = plt.subplots(
                2, 1, figsize=(width, 7.6), gridspec_kw={"height_ratios": [24, 1]}, layout="constrained"
            )
        else:
            fig, (ax, cax) = plt.subplots(
                1, 2, figsize=(width, 6.6), gridspec_kw={"width_ratios": [30, 1]}, layout="constrained"
            )
        sns.heatmap(
            frame,
            ax=ax,
            cbar_ax=cax,
            cmap="RdBu_r",
            norm=TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit),
            annot=annot,
            fmt="",
            annot_kws={"fontsize": MIN_TEXT_PT},
            linewidths=0.8,
            linecolor="white",
            cbar_kws={"orientation": "horizontal" if phone else "vertical", "label": t("causes.axis.colorbar", lang)},
        )
        for text, value in zip(ax.texts, values.ravel()):  # dark cells get white numbers
            if np.isfinite(value) and abs(value) > 0.6 * limit:
                text.set_color("white")
        for i, j in zip(*np.nonzero(flagged)):
            ax.add_patch(matplotlib.patches.Rectangle((j, i), 1, 1, fill=False, edgecolor="#111111", linewidth=2.4))
        ax.tick_params(length=0)
        ax.set_yticklabels(ax.get_yticklabels(), rotation=0, fontsize=MIN_TEXT_PT)
        ax.set_ylabel("" if phone else t("causes.axis.causes", lang))
        ax.set_xlabel(t("causes.axis.solutions", lang))
        if phone:
            ax.xaxis.tick_top()
            ax.xaxis.set_label_position("top")
            ax.set_xticklabels(ax.get_xticklabels(), rotation=90, fontsize=MIN_TEXT_PT)
        else:
            ax.set_xticklabels(
                ax.get_xticklabels(), rotation=40, ha="right", rotation_mode="anchor", fontsize=MIN_TEXT_PT
            )
        ticks = [-limit, 0.0, limit] if phone else [-limit, -limit / 2, 0.0, limit / 2, limit]
        bar = ax.collections[0].colorbar
        bar.set_ticks(ticks, labels=[number(v, lang, 1 if round(v, 1) == round(v, 2) else 2) for v in ticks])
        bar.ax.tick_params(labelsize=MIN_TEXT_PT, length=0)
        # Seaborn's colour bar defeats tight_layout: lay out once with the constrained engine, then freeze it so
        # mark_simulated can add its line under the figure.
        fig.canvas.draw()
        fig.set_layout_engine("none")
        if simulated:
            mark_simulated(fig, lang)
    return fig
