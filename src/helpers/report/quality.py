"""The second committee report, on developing members and managing their quality: admissions against plan, quality
ratings, screening and exemptions, composed like the attrition report and checked the same way."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.data.codes import ATTRITION_EXITS
from helpers.data.published import load_figures, reproduced
from helpers.report.base import Heading, TermReport
from helpers.report.committee import ParameterProblem, common_problems
from helpers.report.formatting import number
from helpers.report.html import escape, html_table, items, say
from helpers.report.sections.admissions import AdmissionsReport, suppression_rule
from helpers.report.sections.management import ManagementReport
from helpers.report.sections.ratings import RatingsReport
from helpers.text import both, t

# Places of the published figures whose name a report writes in its own words ("Ho Chi Minh City" in English).
PLACES = {"TP. Hồ Chí Minh": "hcm"}
PARTS = ("summary", "basis", "development", "ratings", "management", "appendix")
# The qualifiers a published percentage may carry (helpers.data.published), by their catalogue key.
QUALIFIERS = {
    "trên": "above",
    "hơn": "more_than",
    "dưới": "below",
    "khoảng": "about",
    "gần": "nearly",
    "ít nhất": "at_least",
    "không quá": "at_most",
}


def check_parameters(
    unit: str,
    year: int,
    midyear: int,
    terms: list[str],
    language: str,
    suppression_threshold: int,
    rate_band: list,
    weak_target_pct: float,
    exemption_threshold_pct: float,
) -> None:
    """Refuse values out of range before any data is read (types and unknown names are checked by the runner)."""
    problems = common_problems(unit, [year, midyear], terms, language, suppression_threshold)
    if (
        len(rate_band) != 2
        or not all(isinstance(v, (int, float)) for v in rate_band)
        or not 0 <= rate_band[0] < rate_band[1] <= 100
    ):
        problems.append(both("quality.error.band", value=rate_band))
    for name, value in (("weak_target_pct", weak_target_pct), ("exemption_threshold_pct", exemption_threshold_pct)):
        if not 0 < value < 100:
            problems.append(both("quality.error.pct", name=name, value=value))
    if problems:
        raise ParameterProblem("\n".join(problems))


@dataclass(frozen=True)
class QualityReport:
    """Admissions, ratings and management for one unit, with what the default data reproduces of the seeds."""

    base: TermReport
    admissions: AdmissionsReport
    ratings: RatingsReport
    management: ManagementReport
    reproduction: pd.DataFrame | None
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
        midyear: int,
        terms: list[str],
        language: str,
        suppression_threshold: int,
        rate_band: list,
        weak_target_pct: float,
        exemption_threshold_pct: float,
    ) -> QualityReport:
        """Check the parameters, load the data once, and run every analysis the report states."""
        check_parameters(
            unit,
            year,
            midyear,
            terms,
            language,
            suppression_threshold,
            rate_band,
            weak_target_pct,
            exemption_threshold_pct,
        )
        base = TermReport.build(data_path, unit, terms, list(ATTRITION_EXITS), language, year)
        if year and year > base.last_year:
            raise ParameterProblem(both("committee.error.year_after_data", value=year, last=base.last_year))
        year = year or base.last_year
        admissions = AdmissionsReport.build(
            data_path, unit, terms, year, suppression_threshold, language, base, tuple(rate_band), midyear=midyear
        )
        ratings = RatingsReport.build(
            data_path, unit, terms, year, suppression_threshold, language, base, weak_target_pct
        )
        management = ManagementReport.build(
            data_path, unit, year, suppression_threshold, language, base, exemption_threshold_pct
        )
        return cls(
            base,
            admissions,
            ratings,
            management,
            _reproduction(base, admissions, ratings, management),
            suppression_threshold,
        )

    # --- parts ----------------------------------------------------------------------------------------------
    def header(self) -> str:
        return self.base.header(PARTS, "quality.part", title_key="quality.title", banner_key="quality.simulated_banner")

    def summary(self) -> str:
        """The sentences a committee member reads instead of the report: one or two from each analysis."""
        a, r, m = self.admissions, self.ratings, self.management
        # A year already complete in the data is stated in full; its mid-year projection belongs to the section.
        complete = a.midyear_year in a.years
        midyear = [] if complete else a.midyear_sentences()[:2]
        # The current term's result, the latest year (or its first half), the admission rate, the new members.
        sentences = [
            *a.term_sentences()[-1:],
            *a.attainment_sentences(first_half=not complete)[-1:],
            *midyear,
            *a.rate_sentences()[:1],
            *(a.profile_sentences()[:1] if a.profiles else []),
        ]
        if r.shares is not None:  # the share and the target's status (the target's definition is in Part I)
            sentences += [*r.share_sentences("organisation")[:1], *r.target_sentences()[1:2]]
        sentences += [*m.exemption_sentences()[:2], *m.screening_sentences()[:1]]
        return self._h("summary", 2) + items((s for s in sentences if s), css="summary")

    def basis(self) -> str:
        """Part I: what the report answers, the data it rests on, the standards it compares with and their sources."""
        lang, data = self.lang, self.base.dataset
        tables = [
            name
            for name in ("members", "admission_plans", "admission_sources", "quality_ratings", "member_management")
            if getattr(data, name, None) is not None
        ]
        listed = "".join(f"<li>{escape(t(f'quality.basis.table.{name}', lang))}</li>" for name in tables)
        standards = [
            t("quality.basis.standard.rate", lang, **self.admissions._band()),
            t("quality.basis.standard.weak", lang, value=_pct(self.ratings.weak_target_pct, lang)),
            t("quality.basis.standard.exempted", lang, value=self.management.threshold_text),
        ]
        if not self.admissions.year_complete:  # the mid-year levels only where a projection is made
            standards.append(t("quality.basis.standard.midyear", lang))
        return (
            self._h("basis", 2)
            + say("quality.basis.purpose", lang)
            + say("quality.basis.data", lang)
            + f"<ul>{listed}</ul>"
            + say("quality.basis.standards", lang)
            + items(standards)
        )

    def development(self) -> str:
        """Part II: admissions against plan, at mid-year, against the membership, and who the new members are."""
        a = self.admissions
        return "".join(
            [
                self._h("development", 2),
                a.attainment_section(self._sub("development", "attainment")),
                a.midyear_section(
                    Heading("midyear", t("quality.development.midyear_done", self.lang), 3)
                    if a.year_complete
                    else self._sub("development", "midyear")
                ),
                a.rate_section(self._sub("development", "rates")),
                a.profile_section(self._sub("development", "profile")),
            ]
        )

    def ratings_part(self) -> str:
        r = self.ratings
        level = self.base.dataset.units.set_index("unit_code").loc[self.base.unit, "level"]
        units = Heading(
            "units", t("quality.ratings.units" if level == "province" else "quality.ratings.units_unit", self.lang), 3
        )
        return "".join(
            [
                self._h("ratings", 2),
                r.shares_section(self._sub("ratings", "shares")),
                r.target_section(self._sub("ratings", "target")),
                r.units_section(units),
            ]
        )

    def management_part(self) -> str:
        m = self.management
        return "".join(
            [
                self._h("management", 2),
                m.screening_section(self._sub("management", "screening")),
                m.exemptions_section(self._sub("management", "exemptions")),
                m.far_away_section(self._sub("management", "far_away")),
            ]
        )

    def appendix(self) -> str:
        """Methods in plain words, what the default data reproduces of the seeds, provenance."""
        lang = self.lang
        methods = "".join(
            [
                self.admissions.methods_section(
                    Heading("methods-admissions", t("quality.appendix.admissions", lang), 3), standalone=False
                ),
                self.ratings.methods_section(
                    Heading("methods-ratings", t("quality.appendix.ratings", lang), 3), standalone=False
                ),
                self.management.methods_section(
                    Heading("methods-management", t("quality.appendix.management", lang), 3), standalone=False
                ),
            ]
        )
        # Said once for every section: the small-number rule (tables carry only "x: …") and the year-to-term rule.
        parts = [
            self._h("appendix", 2),
            methods,
            f'<h3 id="rules">{escape(t("quality.appendix.rules", lang))}</h3>',
            items([suppression_rule(self.threshold, lang), self.base.terms.rule(lang)]),
        ]
        if self.reproduction is not None:
            table = reproduction_rows(self.reproduction, lang)
            headers = {
                "figure": t("quality.appendix.col_label", lang),
                "stated": t("quality.appendix.col_stated", lang),
                "computed": t("quality.appendix.col_computed", lang),
                "verdict": t("quality.appendix.col_verdict", lang),
            }
            same = int((table["verdict_code"] == "same").sum())
            parts.append(f'<h3 id="reproduced">{escape(t("quality.appendix.reproduced", lang))}</h3>')
            parts.append(
                html_table(
                    table,
                    {},
                    headers,
                    caption=self.base.caption_text(t("quality.appendix.reproduced_caption", lang)),
                    note=t("quality.appendix.reproduced_note", lang, same=same, n=len(table)),
                )
            )
        parts.append(self.base.appendix(Heading("provenance", t("committee.appendix.provenance", lang), 3)))
        return "".join(parts)

    def _h(self, anchor: str, level: int) -> str:
        return f'<h{level} id="{anchor}">{escape(t(f"quality.part.{anchor}", self.lang))}</h{level}>'

    def _sub(self, part: str, anchor: str) -> Heading:
        return Heading(anchor, t(f"quality.{part}.{anchor}", self.lang), 3)


def _pct(value: float, lang: str) -> str:
    """A standard as a document writes it: '10%', '0,5%' (no trailing ',0')."""
    return number(value, lang, 0 if float(value).is_integer() else 1) + "%"


def _period_words(period: str, lang: str) -> str:
    """A published figure's period in words: '2021', '2016–2022', '6 tháng đầu năm 2023'."""
    if period.endswith("-H1"):
        return t("quality.appendix.first_half", lang, year=period[:-3])
    return period.replace("-", "–")


def _stated_text(stated: float, decimals: int, qualifier: str, lang: str) -> str:
    """The stated percentage as the document words it, with its qualifier ('từ 10 đến 12%', 'dưới 0,5%')."""
    value = number(stated, lang, decimals) + "%"
    q = (qualifier or "").strip()
    if not q:
        return value
    if q.startswith("từ") and "đến" in q:
        upper = float(q.split("đến", 1)[1].strip().replace(".", "").replace(",", "."))  # Vietnamese number format
        return t(
            "quality.appendix.between", lang, low=number(stated, lang, decimals), high=number(upper, lang, decimals)
        )
    code = QUALIFIERS.get(q.lower())
    return t(f"quality.appendix.qualifier.{code}", lang, value=value) if code else f"{q} {value}"


def reproduction_rows(reproduction: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The published-figure check as a reader sees it: each figure once, named in words (indicator, place, period),
    the stated value with its qualifier, the computed value at the stated precision (the lowest and highest
    year for a figure stated for every year of a span), and the verdict."""
    figures = load_figures().set_index("figure_id")
    rows = []
    for figure_id, group in reproduction.groupby("figure_id", sort=False):
        rec = figures.loc[figure_id]
        decimals = int(group["decimals"].iloc[0])
        label = rec.get(f"label_{lang}") or rec["label_vi"]
        if "TCCSĐ" in label:  # the documents' abbreviation, spelled out in the report
            label = label.replace("TCCSĐ", t("quality.appendix.grassroots", lang))
            label = label[:1].upper() + label[1:]
        place = t(f"quality.appendix.place.{PLACES[rec['place']]}", lang) if rec["place"] in PLACES else rec["place"]
        name = t(
            "quality.appendix.figure_name",
            lang,
            label=label,
            place=place,
            period=_period_words(rec["period"], lang),
        )
        low, high = group["computed"].min(), group["computed"].max()
        computed = number(low, lang, decimals) + "%"
        if high != low:
            computed = t(
                "quality.appendix.range", lang, low=number(low, lang, decimals), high=number(high, lang, decimals)
            )
        verdict = "same" if (group["verdict"] == "same").all() else "differs"
        rows.append(
            {
                "figure": name,
                "stated": _stated_text(float(group["stated"].iloc[0]), decimals, rec.get("qualifier", ""), lang),
                "computed": computed,
                "verdict": t(f"quality.appendix.verdict.{verdict}", lang),
                "verdict_code": verdict,
            }
        )
    return pd.DataFrame(rows, columns=["figure", "stated", "computed", "verdict", "verdict_code"])


def _reproduction(
    base: TermReport, admissions: AdmissionsReport, ratings: RatingsReport, management: ManagementReport
) -> pd.DataFrame | None:
    """On the simulated default province only: the seeds' stated percentages recomputed from its counts.

    Comparing a real province with another province's published figures would mean nothing, so a user's data
    gets no such table.
    """
    units = base.dataset.units.set_index("unit_code")
    if not base.dataset.simulated or units.loc[base.unit, "level"] != "province":
        return None
    computed: dict[str, float] = {}
    series = admissions.series.set_index("year")

    def pct(admitted: float, planned: float) -> float:
        return 100 * float(admitted) / float(planned)

    for year, figure in ((2021, "HB-2021-admitted_districts"), (2022, "HB-2022-admitted_districts")):
        if year in series.index and pd.notna(series.loc[year, "admitted"]):
            computed[figure] = pct(series.loc[year, "admitted"], series.loc[year, "planned"])
    span = series.loc[2016:2022]
    if len(span) == 7 and span[["admitted", "planned"]].notna().all().all():
        computed["HB-2016-2022-admitted_districts"] = pct(span["admitted"].sum(), span["planned"].sum())
    if 2023 in series.index and pd.notna(series.loc[2023, "admitted_first_half"]):
        computed["HB-2023-H1-admitted"] = pct(series.loc[2023, "admitted_first_half"], series.loc[2023, "planned"])
    if ratings.shares is not None:
        own = ratings.shares[ratings.shares["unit_code"] == base.unit].set_index(["subject", "year", "rating"])
        for key, figure in (
            ((2015, "excellent"), "HCM-2015-grassroots_excellent"),
            ((2018, "excellent"), "HCM-2018-grassroots_excellent"),
            ((2015, "not_completed"), "HCM-2015-grassroots_weak"),
            ((2018, "not_completed"), "HCM-2018-grassroots_weak"),
        ):
            if ("organisation", *key) in own.index:
                computed[figure] = 100 * float(own.loc[("organisation", *key), "share"])
    if management.screening is not None:
        row = management.screening[
            (management.screening["unit_code"] == base.unit) & (management.screening["year"] == 2019)
        ]
        if not row.empty and row["screened"].iloc[0]:
            computed["HCM-2019-screened_removed"] = 100 * float(row["removed"].iloc[0]) / float(row["screened"].iloc[0])
    if not computed:
        return None
    figures = load_figures()
    table = reproduced(figures, computed)
    if ratings.shares is not None:  # members excellent "10 to 12%" every year of 2016-2020: the lowest and highest
        shares = ratings.shares
        members = shares[
            (shares["unit_code"] == base.unit)
            & (shares["subject"] == "member")
            & (shares["rating"] == "excellent")
            & shares["year"].between(2016, 2020)
        ]
        if len(members) == 5:
            extremes = [
                reproduced(figures, {"HCM-2016-2020-members_excellent": 100 * float(v)})
                for v in (members["share"].min(), members["share"].max())
            ]
            table = pd.concat([table, *extremes], ignore_index=True)
    return table
