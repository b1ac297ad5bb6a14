"""The committee report: one situation analysis composed from the trends, profiles and causes analyses, in the
order and wording of a provincial analysis (shared/report-outline.md), with parameters checked before any work."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.data.codes import ATTRITION_EXITS
from helpers.data.datasets import dataset_info
from helpers.data.published import check_figures, load_figures
from helpers.data.terms import term_label
from helpers.data.units import series_units
from helpers.errors import ParameterProblem
from helpers.report.base import Heading, TermReport
from helpers.report.formatting import number
from helpers.report.html import escape, html_table, items, paragraphs, say
from helpers.report.parameters import check_parameters, common_problems  # noqa: F401 (quality.py imports it here)
from helpers.report.sections.causes import CausesReport
from helpers.report.sections.profiles import ProfilesReport
from helpers.report.sections.term_table import TermTableReport, term_sentences
from helpers.report.sections.trends import TrendsReport
from helpers.text import both, t

KINDS = list(ATTRITION_EXITS)
# The Tây Ninh project and directive (shared/seeds 000 and 003), the documents this report is modelled on: their
# figures are checked in the appendix; other documents' figures (admissions, ratings) belong to the quality report.
MODEL_SOURCES = ("000", "003")
DETAILED = ("age_band", "occupation", "branch_type", "tenure")
PARTS = ("summary", "basis", "situation", "causes", "solutions", "target", "appendix")


def _lower_first(text: str) -> str:
    """A group's label inside a sentence: 'Tuổi đời từ 18 đến 40' → 'tuổi đời từ 18 đến 40'."""
    return text[:1].lower() + text[1:]


def model_figures() -> pd.DataFrame:
    """The model documents' figures as :func:`check_figures` checks them, with their names in both languages."""
    figures = load_figures()
    figures = figures[figures["source_id"].isin(MODEL_SOURCES)]
    checked = check_figures(figures).reset_index(drop=True)
    names = figures.set_index("figure_id")[["label_vi", "label_en"]]
    return checked.join(names, on="figure_id")


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
        check_parameters(unit, year, terms, target_change_pct, language, suppression_threshold, data_path)
        base = TermReport.build(data_path, unit, terms, KINDS, language, year)
        if year and year > base.last_year:
            raise ParameterProblem(both("committee.error.year_after_data", value=year, last=base.last_year))
        trends = TrendsReport.build(
            data_path, unit, terms, KINDS, target_change_pct, year, language, base, threshold=suppression_threshold
        )
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
        return cls(base, trends, who, causes, model_figures(), suppression_threshold)

    # --- parts ----------------------------------------------------------------------------------------------
    def header(self) -> str:
        return self.base.header(PARTS, "committee.part")

    def summary(self) -> str:
        """Five to seven sentences a committee member reads instead of the report."""
        lang = self.lang
        sentences = [term_sentences(self.base.table, KINDS, lang, threshold=self.threshold)[-1]]
        trend = self.trends.trend_sentence(self.base.table["term"].iloc[-1])
        if trend:
            sentences.append(trend)
        turned = self.trends.summary_sentence()
        if turned:
            sentences.append(turned)
        shown = [g for g in self.who.seed_groups() if not g["withheld"]] if self.who is not None else []
        if shown and not self.who.top_groups(2):  # groups that are shown, none of them standing out
            sentences.append(t("committee.summary.groups_none", lang, term=term_label(self.who.term)))
        if self.who is not None and (groups := self.who.top_groups(2)):
            sentences.append(
                t(
                    "committee.summary.groups",
                    lang,
                    term=term_label(self.who.term),
                    groups=t("report.and", lang).join(
                        t(
                            "committee.summary.group",
                            lang,
                            group=_lower_first(g["label"]),
                            share=g["share"],
                            ratio=g["ratio"],
                        )
                        for g in groups
                    ),
                )
            )
        if self.causes is not None:
            found = self.causes.finding()
            if found is None:
                sentences.append(t("committee.summary.causes_none", lang))
            else:
                sentences.append(
                    t(
                        "committee.summary.causes" if found["negative"] else "committee.summary.causes_mixed",
                        lang,
                        flagged=found["flagged"],
                        pairs=found["pairs"],
                        strongest=self._strongest_pairs(found),
                        r=found["r"],
                    )
                )
        flagged = self.trends.units_table
        if flagged is not None and (flagged["flag"] == "above").any():
            above = flagged[flagged["flag"] == "above"]
            units = t("report.and", lang).join(
                t("committee.summary.unit", lang, name=row.name, rate=number(row.rate, lang, 2))
                for row in above.itertuples()
            )
            overall = number(float(above["overall_rate"].iloc[0]), lang, 2)
            sentences.append(t("committee.summary.units", lang, units=units, overall=overall))
        p = self.trends.projection
        if p is not None:
            sentences.append(
                t(
                    f"committee.summary.target.{p.status}",
                    lang,
                    term=term_label(p.term),
                    allowed=number(p.target.allowed, lang),
                    observed=number(p.observed_total, lang),
                    gap=number(abs(p.observed_total - p.target.allowed), lang),
                    expected=number(p.expected_total, lang),
                    low=number(p.low, lang),
                    high=number(p.high, lang),
                )
            )
        return self._h("summary", 2) + items(sentences, css="summary")

    def _strongest_pairs(self, found: dict) -> str:
        """The matched pair the cause–solution finding names, with any other significant pair whose coefficient
        reads the same ('nhóm 3 và 4'), each by its cause's name as Part IV names it."""
        lang, matched = self.lang, self.causes.correlation.matched()
        tied = [
            int(row.group)
            for row in matched.itertuples()
            if row.p_holm < 0.05 and number(row.r, lang, 2) == found["r"].replace("-", "−")
        ] or [found["group"]]
        if len(tied) == 1:
            return t("committee.summary.strongest_one", lang, k=tied[0], cause=t(f"codes.cause_group.{tied[0]}", lang))
        groups = t("report.and", lang).join(
            t("committee.summary.strongest_one", lang, k=k, cause=_lower_first(t(f"codes.cause_group_short.{k}", lang)))
            for k in sorted(tied)
        )
        return t("committee.summary.strongest_tie", lang, groups=groups)

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
            # a registry without survey or targets (the national registry's provinces) is not said to have them
            full = data.survey is not None and data.targets is not None
            sources = t(
                f"committee.basis.{'data' if full else 'data_registry'}", lang, first=first, last=self.base.last_year
            )
            key = "quality" if self.calibrated else ("quality_own" if data.survey is not None else "quality_registry")
            quality = t(
                f"committee.basis.{key}",
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
                TermTableReport(self.base).terms_section(h("terms"), threshold=self.threshold),
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
                self.causes.implementation_section(h("implementation")),
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
                self.who.methods_section(
                    Heading("methods-profiles", t("committee.appendix.profiles", lang), 3), adjusted=False
                )
                if self.who is not None
                else "",
                self.causes.methods_section(Heading("methods-causes", t("committee.appendix.causes", lang), 3))
                if self.causes is not None
                else "",
            )
        )
        rule = f'<h3 id="small-numbers">{escape(t("committee.appendix.small_numbers", lang))}</h3>' + paragraphs(
            t(f"committee.appendix.small_numbers_{part}", lang, threshold=self.threshold, largest=self.threshold - 1)
            for part in ("shown", "withheld", "changes")
        )
        provenance = self.base.appendix(Heading("provenance", t("committee.appendix.provenance", lang), 3))
        if not self.calibrated:
            # The published figures are other provinces' documents: the default province reproduces them; a
            # province's own report (or a generated registry's) has nothing to check against them.
            return f"{self._h('appendix', 2)}{methods}{rule}{provenance}"
        return f"{self._h('appendix', 2)}{methods}{rule}{self._published_check()}{provenance}"

    @property
    def calibrated(self) -> bool:
        """Whether the data is the simulated province calibrated to the Tây Ninh figures (not a province's own
        data, nor a registry generated at planted rates, whose ``dataset.toml`` says ``calibrated = false``)."""
        data = self.base.dataset
        return data.simulated and dataset_info(data.folder).get("calibrated") is not False

    def _published_check(self) -> str:
        """The Tây Ninh figures this report is modelled on, each recomputed from the numbers stated beside it."""
        lang, checked = self.lang, self.published
        shown = checked.assign(
            name=[
                t(
                    "committee.appendix.figure_name",
                    lang,
                    name=getattr(row, f"label_{lang}", "") or row.label_vi,
                    place=row.place,
                    period=term_label(row.period),
                )
                for row in checked.itertuples()
            ],
            verdict_text=[t(f"published.verdict.{v}", lang) for v in checked["verdict"]],
        )
        mismatch = int((checked["verdict"] == "mismatch").sum())
        table = html_table(
            shown,
            {},
            {
                "name": t("committee.appendix.col_figure", lang),
                "verdict_text": t("committee.appendix.col_verdict", lang),
                f"explanation_{lang}": t("committee.appendix.col_check", lang),
            },
            caption=t("committee.appendix.published_caption", lang),
            note=t("committee.appendix.published_note", lang, n=len(checked), mismatch=mismatch),
        )
        return f'<h3 id="published">{escape(t("committee.appendix.published", lang))}</h3>{table}'

    def _needs(self, heading: Heading, table: str) -> str:
        """A part the data cannot give: its heading and which table it needs (counts alone give Part II's numbers)."""
        return f'<h{heading.level} id="{escape(heading.anchor)}">{escape(heading.text)}</h{heading.level}>' + say(
            f"committee.needs.{table}", self.lang
        )

    def _h(self, anchor: str, level: int) -> str:
        return f'<h{level} id="{anchor}">{escape(t(f"committee.part.{anchor}", self.lang))}</h{level}>'
