"""The committee report: one situation analysis composed from the trends, profiles and causes analyses, in the
order and wording of a provincial analysis (shared/report-outline.md), with parameters checked before any work."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.data.codes import ATTRITION_EXITS
from helpers.data.published import check_figures, load_figures
from helpers.data.terms import term_label
from helpers.data.units import series_units
from helpers.errors import ParameterProblem
from helpers.report.base import Heading, TermReport
from helpers.report.formatting import number, percent
from helpers.report.html import escape, html_table, items, paragraphs, say
from helpers.report.sections.causes import CausesReport
from helpers.report.sections.profiles import ProfilesReport
from helpers.report.sections.term_table import TermTableReport, term_sentences
from helpers.report.sections.trends import TrendsReport, apc_sentence, series_phrase
from helpers.text import LANGUAGES, both, t

KINDS = list(ATTRITION_EXITS)
DETAILED = ("age_band", "occupation", "branch_type", "tenure")
PARTS = ("summary", "basis", "situation", "causes", "solutions", "target", "appendix")


def common_problems(
    unit: str,
    years: list[int],
    terms: list[str],
    language: str,
    suppression_threshold: int,
) -> list[str]:
    """What is wrong with the parameters every committee report takes (a year 0 means the data's last)."""
    problems = []
    if language not in LANGUAGES:
        problems.append(both("committee.error.language", value=language, allowed=", ".join(LANGUAGES)))
    if not 2 <= suppression_threshold <= 100:
        problems.append(both("committee.error.threshold", value=suppression_threshold))
    problems += [both("committee.error.year", value=year) for year in years if not (year == 0 or 1990 <= year <= 2100)]
    if not terms or len(set(terms)) != len(terms):
        problems.append(both("committee.error.terms", value=", ".join(terms)))
    if not unit.strip():
        problems.append(both("committee.error.unit"))
    return problems


def check_parameters(
    unit: str, year: int, terms: list[str], target_change_pct: float, language: str, suppression_threshold: int
) -> None:
    """Refuse values out of range before any data is read (types and unknown names are checked by the runner)."""
    problems = common_problems(unit, [year], terms, language, suppression_threshold)
    if not -1 <= target_change_pct <= 100:
        problems.append(both("committee.error.target", value=target_change_pct))
    if problems:
        raise ParameterProblem("\n".join(problems))


@dataclass(frozen=True)
class CommitteeReport:
    base: TermReport
    trends: TrendsReport
    who: ProfilesReport | None  # None when the data has no member list (a province's forms give counts only)
    causes: CausesReport | None  # None without the member list and the survey
    published: pd.DataFrame
    threshold: int

    @property
    def lang(self) -> str:
        return self.base.lang

    @classmethod
    def build(
        cls,
        data_path: str,
        unit: str,
        year: int,
        terms: list[str],
        target_change_pct: float,
        language: str,
        suppression_threshold: int,
    ) -> CommitteeReport:
        """Check the parameters, load the data once, and run every analysis the report states."""
        check_parameters(unit, year, terms, target_change_pct, language, suppression_threshold)
        base = TermReport.build(data_path, unit, terms, KINDS, language, year)
        if year and year > base.last_year:
            raise ParameterProblem(both("committee.error.year_after_data", value=year, last=base.last_year))
        trends = TrendsReport.build(data_path, unit, terms, KINDS, target_change_pct, year, language, base)
        members, survey = base.dataset.members is not None, base.dataset.survey is not None
        who = (
            ProfilesReport.build(data_path, unit, terms, terms[-1], KINDS, suppression_threshold, language, base)
            if members
            else None
        )
        causes = (
            CausesReport.build(data_path, unit, terms[-2:], "spearman", "all", suppression_threshold, language, base)
            if members and survey
            else None
        )
        return cls(base, trends, who, causes, check_figures(load_figures()), suppression_threshold)

    # --- parts ----------------------------------------------------------------------------------------------
    def header(self) -> str:
        return self.base.header(PARTS, "committee.part")

    def summary(self) -> str:
        """Five to seven sentences a committee member reads instead of the report."""
        lang = self.lang
        sentences = [term_sentences(self.base.table, KINDS, lang)[-1]]
        total = self.trends.apc[(self.trends.apc["series"] == "total") & self.trends.apc["fitted"]]
        if not total.empty:
            row = total.iloc[-1]
            sentences.append(apc_sentence(row, series_phrase("total", KINDS, lang), lang))
        if self.who is not None:
            sentences.append(self._groups_sentence())
        if self.causes is not None:
            matched = self.causes.correlation.matched()
            strongest = matched.sort_values("r").iloc[0]
            sentences.append(
                t(
                    "committee.summary.causes",
                    lang,
                    k=int(strongest["group"]),
                    cause=t(f"codes.cause_group.{int(strongest['group'])}", lang),
                    r=number(strongest["r"], lang, 2),
                    flagged=int((matched["p_holm"] < 0.05).sum()),
                )
            )
        flagged = self.trends.units_table
        if flagged is not None and (flagged["flag"] == "above").any():
            names = ", ".join(flagged.loc[flagged["flag"] == "above", "name"])
            sentences.append(t("committee.summary.units", lang, units=names))
        p = self.trends.projection
        if p is not None:
            sentences.append(
                t(
                    f"committee.summary.target.{p.status}",
                    lang,
                    term=term_label(p.term),
                    allowed=number(p.target.allowed, lang),
                    observed=number(p.observed_total, lang),
                    expected=number(p.expected_total, lang),
                    low=number(p.low, lang),
                    high=number(p.high, lang),
                )
            )
        return self._h("summary", 2) + items(sentences, css="summary")

    def _groups_sentence(self) -> str:
        """The two groups most over-represented among the current term's leavers, as the summary states them."""
        lang = self.lang
        ranked = sorted(
            (
                (self.who.tables[a].set_index("category").loc["yes"], a)
                for a in ("age_18_40", "informal_occupation", "hamlet_branch", "professional_low", "political_none")
            ),
            key=lambda pair: -pair[0]["ratio"],
        )
        groups = "; ".join(
            t(
                "committee.summary.group",
                lang,
                group=t(f"profiles.seed_group.{a}", lang),
                share=percent(100 * r["leaver_share"], lang, 1),
                ratio=number(r["ratio"], lang, 1),
            )
            for r, a in ranked[:2]
        )
        return t("committee.summary.groups", lang, groups=groups)

    def basis(self) -> str:
        """Part I: what the analysis answers, the data, the definitions, the term rule, data quality."""
        lang, data = self.lang, self.base.dataset
        counts = {
            name: len(frame)
            for name, frame in (("members", data.members), ("survey", data.survey), ("units", data.units))
            if frame is not None
        }
        kinds = "".join(
            f"<li><strong>{escape(t(f'codes.exit_kind.{k}', lang))}</strong>: "
            f"{escape(t(f'committee.definition.{k}', lang))}</li>"
            for k in ("removed", "asked_to_leave", "expelled", "transferred_out")
        )
        verdicts = self.published["verdict"].value_counts()
        first = int(self.base.table["first_year"].iloc[0])
        if data.members is None:  # counts per unit and year only, as the sector's forms give them
            subordinate = len(series_units(data.units, self.base.unit)) - 1
            rows = int(data.annual_counts["unit_code"].isin(series_units(data.units, self.base.unit)).sum())
            purpose = t("committee.basis.purpose_counts", lang)
            sources = t("committee.basis.data_counts", lang, units=subordinate, first=first, last=self.base.last_year)
            quality = t("committee.basis.quality_counts", lang, rows=number(rows, lang), units=subordinate)
        else:
            purpose = t("committee.basis.purpose", lang)
            sources = t("committee.basis.data", lang, first=first, last=self.base.last_year)
            quality = t(
                "committee.basis.quality" if data.simulated else "committee.basis.quality_own",
                lang,
                members=number(counts.get("members", 0), lang),
                survey=number(counts.get("survey", 0), lang),
                units=number(counts.get("units", 0), lang),
                consistent=int(verdicts.get("consistent", 0)),
                implied=int(verdicts.get("implied", 0)),
                mismatch=int(verdicts.get("mismatch", 0)),
            )
        return (
            self._h("basis", 2)
            + paragraphs([purpose, sources])
            + f"<ul>{kinds}</ul>"
            + paragraphs([self.base.terms.rule(lang), quality])
        )

    def situation(self) -> str:
        """Part II: numbers per term, year by year and the trend, who left, reasons, units side by side."""
        h = lambda anchor: Heading(anchor, t(f"committee.situation.{anchor}", self.lang), 3)  # noqa: E731
        return "".join(
            [
                self._h("situation", 2),
                TermTableReport(self.base).terms_section(h("terms")),
                self.trends.annual_section(h("annual")),
                self.trends.apc_section(h("apc")),
                *(
                    [
                        self.who.profiles_section(h("profiles"), DETAILED),
                        self.who.cohorts_section(h("cohorts")),
                        self.who.reasons_section(h("reasons")),
                    ]
                    if self.who is not None
                    else [self._needs(h("profiles_missing"), "members")]
                ),
                self.trends.units_section(h("units" if self.who is not None else "units_counts_only")),
            ]
        )

    def causes_part(self) -> str:
        h = lambda anchor: Heading(anchor, t(f"committee.causes.{anchor}", self.lang), 3)  # noqa: E731
        if self.causes is None:
            return self._h("causes", 2) + say(f"committee.needs.{'survey' if self.who else 'causes'}", self.lang)
        return "".join(
            [self._h("causes", 2), self.causes.causes_section(h("recorded")), self.causes.ratings_section(h("ratings"))]
        )

    def solutions_part(self) -> str:
        h = lambda anchor: Heading(anchor, t(f"committee.solutions.{anchor}", self.lang), 3)  # noqa: E731
        if self.causes is None:
            return self._h("solutions", 2) + say("committee.needs.solutions", self.lang)
        return "".join(
            [
                self._h("solutions", 2),
                self.causes.correlations_section(h("correlations")),
                self.causes.branches_section(h("branches")),
            ]
        )

    def target_part(self) -> str:
        return self.trends.target_section(Heading("target", t("committee.part.target", self.lang), 2))

    def appendix(self) -> str:
        """Methods of every analysis in plain words, the suppression rule, the published-figure check, provenance."""
        lang = self.lang
        methods = "".join(
            section
            for section in (
                self.trends.methods_section(Heading("methods-trends", t("committee.appendix.trends", lang), 3)),
                self.who.methods_section(Heading("methods-profiles", t("committee.appendix.profiles", lang), 3))
                if self.who is not None
                else "",
                self.causes.methods_section(Heading("methods-causes", t("committee.appendix.causes", lang), 3))
                if self.causes is not None
                else "",
            )
        )
        mismatches = self.published[self.published["verdict"] == "mismatch"]
        explanation = f"explanation_{lang}"  # check_figures writes one explanation column per language
        check = html_table(
            mismatches,
            {},
            {
                "figure_id": t("committee.appendix.col_figure", lang),
                explanation: t("committee.appendix.col_check", lang),
            },
            caption=t("committee.appendix.published_caption", lang),
            note=t("committee.appendix.published_note", lang, n=len(self.published), mismatch=len(mismatches)),
        )
        provenance = self.base.appendix(Heading("provenance", t("committee.appendix.provenance", lang), 3))
        if not self.base.dataset.simulated:
            # The published figures are other provinces' documents: the default province reproduces them; a
            # province's own report has nothing to check against them.
            return f"{self._h('appendix', 2)}{methods}{provenance}"
        return (
            f"{self._h('appendix', 2)}{methods}"
            f'<h3 id="published">{escape(t("committee.appendix.published", lang))}</h3>{check}{provenance}'
        )

    def _needs(self, heading: Heading, table: str) -> str:
        """A part the data cannot give: its heading and which table it needs (counts alone give Part II's numbers)."""
        return f'<h{heading.level} id="{escape(heading.anchor)}">{escape(heading.text)}</h{heading.level}>' + say(
            f"committee.needs.{table}", self.lang
        )

    def _h(self, anchor: str, level: int) -> str:
        return f'<h{level} id="{anchor}">{escape(t(f"committee.part.{anchor}", self.lang))}</h{level}>'
