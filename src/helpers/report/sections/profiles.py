"""'Who leaves and why': profiles against the membership, the adjusted model, retention by cohort, reasons.

Every table that crosses personal attributes goes through :mod:`helpers.report.suppression`; shares and ratios of a
hidden count are hidden with it, and no sentence states a count below the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd

from helpers.analyses.cohorts import CohortDifference, cohort_difference, retention_table
from helpers.analyses.profiles import (
    ATTRIBUTES,
    SEED_GROUPS,
    adjusted_rate_ratios,
    association,
    member_years,
    profile_table,
    reasons_table,
)
from helpers.data.codes import label
from helpers.data.counts import members_as_of
from helpers.data.terms import term_label, term_years
from helpers.data.units import series_units
from helpers.errors import ProfilesError
from helpers.report.base import AnalysisReport, Heading, TermReport
from helpers.report.formatting import number, p_value, percent, share
from helpers.report.html import html_table, items, paragraph, say
from helpers.report.plots import PALETTE, figure_html, forest, textwrap_label
from helpers.report.suppression import Suppressed, note, shown_table, suppress
from helpers.text import both, t

SECTIONS = ("profiles", "adjusted", "cohorts", "reasons", "methods", "appendix")
DETAILED = ("age_band", "sex", "occupation", "branch_type", "professional_training", "political_training", "tenure")
CODED = {"sex", "occupation", "branch_type", "professional_training", "political_training"}


def category_label(attribute: str, category: str, lang: str) -> str:
    """Human label of one category of an attribute."""
    if attribute in CODED:
        return label(attribute, category, lang)
    return t(f"profiles.category.{category}", lang)


@dataclass(frozen=True)
class ProfilesReport(AnalysisReport):
    """Everything the 'who leaves and why' notebook shows, computed once from validated member-level data."""

    SECTIONS: ClassVar[tuple[str, ...]] = SECTIONS
    SECTION_KEYS: ClassVar[str] = "profiles.section"
    term: str
    terms: list[str]
    members: pd.DataFrame
    member_years: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    adjusted: pd.DataFrame
    threshold: int

    @classmethod
    def build(
        cls,
        data_path: str,
        unit: str,
        terms: list[str],
        profile_term: str,
        kinds: list[str],
        threshold: int,
        language: str,
        base: TermReport | None = None,
    ) -> ProfilesReport:
        base = base or TermReport.build(data_path, unit, terms, kinds, language)
        data = base.dataset
        if data.members is None:
            raise ProfilesError(both("profiles.error.no_members"))
        members = members_as_of(
            data.members[data.members["unit_code"].isin(series_units(data.units, unit))], base.last_year
        )
        province_terms = base.terms.for_province(base.province)
        py = member_years(members, term_years(province_terms, profile_term))
        tables = {a: profile_table(py, a, kinds) for a in ATTRIBUTES}
        return cls(base, profile_term, terms, members, py, tables, adjusted_rate_ratios(py, kinds), threshold)

    # Reasons and cohorts are computed when a section asks for them: the command line's profiles never do.
    @cached_property
    def reasons(self) -> pd.DataFrame:
        return reasons_table(self.members, self.base.terms.for_province(self.base.province), self.terms)

    @cached_property
    def cohorts(self) -> pd.DataFrame:
        return retention_table(self.members, _as_of(self.members))

    @cached_property
    def cohort_test(self) -> CohortDifference:
        cohorts = sorted(int(c) for c in self.cohorts["cohort"].unique())
        return cohort_difference(self.members, _as_of(self.members), cohorts)

    # --- section 1 ------------------------------------------------------------------------------------------
    def seed_sentences(self) -> list[str]:
        """The seeds' sentence ('478/662 (chiếm 72,21%)') and the comparison with the membership, per group."""
        lang, out = self.lang, []
        for attribute, category in SEED_GROUPS.items():
            row = self.tables[attribute].set_index("category").loc[category]
            total = int(self.tables[attribute]["leavers"].sum())
            group = t(f"profiles.seed_group.{attribute}", lang)
            if row["leavers"] < self.threshold:
                out.append(t("profiles.seed_sentence_small", lang, label=group, threshold=self.threshold))
                continue
            first = t(
                "profiles.seed_sentence",
                lang,
                label=group,
                count=number(row["leavers"], lang),
                total=number(total, lang),
                share=percent(100 * row["leaver_share"], lang),
            )
            direction = t("profiles.higher" if row["ratio"] >= 1 else "profiles.lower", lang)
            second = t(
                "profiles.comparison",
                lang,
                member_share=percent(100 * row["member_share"], lang),
                direction=direction,
                ratio=number(row["ratio"], lang, 2),
                low=number(row["ratio_low"], lang, 2),
                high=number(row["ratio_high"], lang, 2),
            )
            out.append(f"{first}, {second}")
        return out

    def profiles_section(self, heading: Heading | None = None, detailed: tuple[str, ...] = DETAILED) -> str:
        lang = self.lang
        parts = [self.section_heading("profiles", heading)]
        parts += [paragraph(s) for s in self.seed_sentences()]
        seed_rows = [self.tables[a].set_index("category").loc[c] for a, c in SEED_GROUPS.items()]
        fig = ratio_forest(
            [t(f"profiles.seed_group.{a}", lang) for a in SEED_GROUPS],
            [r["ratio"] for r in seed_rows],
            [r["ratio_low"] for r in seed_rows],
            [r["ratio_high"] for r in seed_rows],
            lang,
            self.base.dataset.simulated,
        )
        parts.append(
            figure_html(
                fig,
                t("profiles.ratio_figure_alt", lang),
                self.base.caption_text(t("profiles.ratio_figure_caption", lang, term=term_label(self.term))),
            )
        )
        for attribute in detailed:
            parts.append(self.profile_table_html(attribute))
        return "".join(parts)

    def profile_table_html(self, attribute: str) -> str:
        """One attribute: leavers per kind (suppressed), shares and ratio (hidden with their count), the test."""
        lang, table = self.lang, self.tables[attribute]
        kinds = self.base.kinds
        counts = table.set_index("category")[kinds]
        counts.index = [category_label(attribute, c, lang) for c in counts.index]
        counts.columns = [t(f"codes.exit_kind.{k}", lang) for k in kinds]
        hidden = suppress(counts, self.threshold)
        shown = shown_table(hidden, lambda v: number(v, lang), t("report.terms.col_total", lang))
        share_hidden = list(hidden.row_total_hidden) + [hidden.grand_total_hidden]
        leaver_share = [percent(100 * v, lang) for v in table["leaver_share"]] + [percent(100, lang)]
        member_share = [percent(100 * v, lang) for v in table["member_share"]] + [percent(100, lang)]
        ratio = [
            f"{number(r, lang, 2)} ({number(lo, lang, 2)}–{number(hi, lang, 2)})"
            for r, lo, hi in zip(table["ratio"], table["ratio_low"], table["ratio_high"])
        ] + [number(1, lang, 2)]
        hide = t("profiles.hidden_share", lang)
        shown[t("profiles.col_leaver_share", lang)] = [hide if h else v for h, v in zip(share_hidden, leaver_share)]
        shown[t("profiles.col_member_share", lang)] = member_share
        shown[t("profiles.col_ratio", lang)] = [hide if h else v for h, v in zip(share_hidden, ratio)]
        shown = shown.reset_index(names=t("profiles.col_category", lang))
        test = association(table)
        sentence = t(
            "profiles.chi2",
            lang,
            attribute=t(f"profiles.attribute.{attribute}", lang),
            chi2=number(test.chi2, lang, 1),
            dof=test.dof,
            p=p_value(test.p_value, lang),
            v=number(test.cramers_v_corrected, lang, 3),
        )
        caption = t(
            "profiles.profile_caption",
            lang,
            attribute=t(f"profiles.attribute.{attribute}", lang),
            term=term_label(self.term),
        )
        return html_table(
            shown,
            {},
            {c: c for c in shown.columns},
            caption=self.base.caption_text(caption),
            note=f"{sentence} {note(hidden, lang)} {t('profiles.member_years_note', lang)}",
        )

    # --- section 2 ------------------------------------------------------------------------------------------
    def adjusted_section(self, heading: Heading | None = None) -> str:
        lang, fit = self.lang, self.adjusted
        parts = [self.section_heading("adjusted", heading)]
        clear = fit[fit["low"] > 1]
        if clear.empty:
            parts.append(say("profiles.adjusted_none", lang))
        else:
            listed = [
                t(
                    "profiles.adjusted_item",
                    lang,
                    category=_model_label(r.attribute, r.category, lang),
                    reference=_model_label(r.attribute, r.reference, lang),
                    rr=number(r.rate_ratio, lang, 2),
                    low=number(r.low, lang, 2),
                    high=number(r.high, lang, 2),
                )
                for r in clear.itertuples()
            ]
            parts.append(say("profiles.adjusted_intro", lang) + items(listed))
        parts.append(say("profiles.adjusted_caution", lang))
        shown = fit.assign(
            category=[_model_label(a, c, lang) for a, c in zip(fit["attribute"], fit["category"])],
            reference=[_model_label(a, c, lang) for a, c in zip(fit["attribute"], fit["reference"])],
        )
        fmt = lambda v: number(v, lang, 2)  # noqa: E731
        headers = {
            "category": t("profiles.col_category", lang),
            "reference": t("profiles.col_reference", lang),
            "rate_ratio": t("profiles.col_rate_ratio", lang),
            "low": t("profiles.col_low", lang),
            "high": t("profiles.col_high", lang),
        }
        caption = t("profiles.adjusted_caption", lang, term=term_label(self.term))
        parts.append(
            html_table(
                shown, {"rate_ratio": fmt, "low": fmt, "high": fmt}, headers, caption=self.base.caption_text(caption)
            )
        )
        return "".join(parts)

    # --- section 3 and 4 ------------------------------------------------------------------------------------
    def cohorts_section(self, heading: Heading | None = None) -> str:
        """Retention at 1, 3 and 5 years per admission cohort: two sentences, the cohort test, and a table."""
        lang, table = self.lang, self.cohorts
        parts = [self.section_heading("cohorts", heading)]
        sentences = retention_sentences(table, lang)
        five = table[(table["horizon"] == 5) & table["retained"].notna()]["cohort"]
        chosen = [int(five.min()), int(five.max())] if not five.empty else []
        cohorts = sorted(table["cohort"].unique())
        parts += [paragraph(sentences[cohorts.index(c)]) for c in chosen]
        parts.append(paragraph(difference_sentence(self.cohort_test, lang)))
        wide = self.cohort_wide()
        headers = {"cohort": t("profiles.col_cohort", lang), "admitted": t("profiles.col_admitted", lang)}
        headers |= {h: t("profiles.col_retained", lang, years=h) for h in wide.columns if isinstance(h, int | float)}
        formats = {"cohort": str, "admitted": lambda v: number(v, lang)}
        formats |= {
            h: (lambda v: "–" if v is None or pd.isna(v) else ("x" if v == "x" else percent(100 * v, lang, 1)))
            for h in headers
            if h not in ("cohort", "admitted")
        }
        caption = self.base.caption_text(t("profiles.cohort_caption", lang))
        parts.append(
            html_table(
                wide.reset_index(),
                formats,
                headers,
                caption=caption,
                note=f"{sentences[-1]} {t('profiles.cohort_note', lang, threshold=self.threshold)}",
            )
        )
        return "".join(parts)

    def cohort_wide(self) -> pd.DataFrame:
        """Retained share per cohort (rows) and horizon (columns); 'x' where the implied number who left is 1 to
        threshold − 1, so the table cannot point at a few people."""
        table = self.cohorts.copy()
        left = (1 - table["retained"]) * table["admitted"]
        small = table["retained"].notna() & (left.round() >= 1) & (left.round() < self.threshold)
        table["shown"] = table["retained"].astype(object).where(~small, "x")
        wide = table.pivot(index="cohort", columns="horizon", values="shown")
        wide.insert(0, "admitted", table.groupby("cohort")["admitted"].first())
        return wide

    def reasons_section(self, heading: Heading | None = None) -> str:
        lang, reasons = self.lang, self.reasons
        parts = [self.section_heading("reasons", heading)]
        for r in reasons.sort_values(["term", "exit_kind", "count"], ascending=[True, True, False]).itertuples():
            if r.count >= self.threshold and r.share >= 0.2:
                parts.append(
                    say(
                        "profiles.reason_sentence",
                        lang,
                        term=term_label(r.term),
                        kind=t(f"report.kind.{r.exit_kind}", lang),
                        reason=label("exit_reason", r.exit_reason, lang).lower(),
                        share=percent(100 * r.share, lang),
                    )
                )
        wide = reasons.pivot_table(index=["exit_kind", "exit_reason"], columns="term", values="count", fill_value=0)
        wide.index = [f"{label('exit_kind', k, lang)}: {label('exit_reason', r, lang)}" for k, r in wide.index]
        wide.columns = [term_label(c) for c in wide.columns]
        hidden = suppress(wide.astype(int), self.threshold)
        shown = shown_table(hidden, lambda v: number(v, lang), t("report.terms.col_total", lang))
        shown = shown.reset_index(names=t("profiles.col_reason", lang))
        caption = t("profiles.reasons_caption", lang)
        parts.append(
            html_table(
                shown,
                {},
                {c: c for c in shown.columns},
                caption=self.base.caption_text(caption),
                note=note(hidden, lang),
            )
        )
        return "".join(parts)

    def methods_section(self, heading: Heading | None = None) -> str:
        lang = self.lang
        items = [t(f"profiles.methods.{k}", lang) for k in ("member_years", "ratio", "chi2", "adjusted")]
        items.append(t("report.suppression_rule", lang, threshold=self.threshold))
        return self.list_section("methods", items, heading)


def withheld_profile(table: pd.DataFrame, kinds: list[str], threshold: int) -> tuple[pd.DataFrame, Suppressed]:
    """A profile table with every count the suppression rule hides set to missing, and the shares and ratios of a
    hidden row total with it; the same rule serves the HTML report and the command line."""
    counts = table.set_index("category")[kinds].astype(int)
    hidden = suppress(counts, threshold)
    out = table.copy()
    for kind in kinds:
        out[kind] = out[kind].astype(object).where(~hidden.hidden[kind].to_numpy(), None)
    row_hidden = hidden.row_total_hidden.to_numpy()
    for column in ("leavers", "leaver_share", "ratio", "ratio_low", "ratio_high", "rate_per_1000"):
        out[column] = out[column].astype(object).where(~row_hidden, None)
    return out, hidden


def _model_label(attribute: str, category: str, lang: str) -> str:
    if attribute in SEED_GROUPS:
        group = t(f"profiles.seed_group.{attribute}", lang)
        return group if category == "yes" else t("profiles.reference_other", lang)
    return f"{t(f'profiles.attribute.{attribute}', lang)}: {category_label(attribute, category, lang)}"


def _as_of(members: pd.DataFrame) -> pd.Timestamp:
    """End of the last year the registry covers: the date cohorts are followed to."""
    last = pd.concat([members["exit_date"], members["entry_date"], members["admission_date"]]).dt.year.max()
    return pd.Timestamp(year=int(last), month=12, day=31)


# --- retention sentences ----------------------------------------------------------------------------------


def _span(years: float, lang: str) -> str:
    key = "cohorts.span.one" if years == 1 else "cohorts.span.many"
    return t(key, lang, years=number(years, lang, 0 if float(years).is_integer() else 1))


def retention_sentences(table: pd.DataFrame, lang: str = "vi") -> list[str]:
    """One sentence per cohort at the longest horizon it has been followed, and a note on the method, for the report."""
    sentences = []
    for cohort, rows in table.sort_values(["cohort", "horizon"]).groupby("cohort", sort=True):
        shown = rows[rows["retained"].notna()]
        if shown.empty:
            sentences.append(
                t(
                    "cohorts.sentence.not_followed",
                    lang,
                    cohort=int(cohort),
                    n=number(int(rows["admitted"].iloc[0]), lang),
                    span=_span(rows["horizon"].min(), lang),
                )
            )
            continue
        row = shown.iloc[-1]
        sentences.append(
            t(
                "cohorts.sentence.retained",
                lang,
                cohort=int(cohort),
                n=number(int(row["admitted"]), lang),
                span=_span(row["horizon"], lang),
                retained=share(row["retained"], lang),
                low=number(100 * row["retained_low"], lang, 1),
                high=share(row["retained_high"], lang),
                removed=share(row["cif_removed"], lang),
                asked=share(row["cif_asked"], lang),
            )
        )
    sentences.append(t("cohorts.sentence.method", lang))
    return sentences


def difference_sentence(result: CohortDifference, lang: str = "vi") -> str:
    """The log-rank result in words: whether cohorts differ at the 5% level, with the statistic and p-value."""
    key = "cohorts.sentence.differ" if result.p_value < 0.05 else "cohorts.sentence.same"
    return t(
        key,
        lang,
        first=result.cohorts[0],
        last=result.cohorts[-1],
        statistic=number(result.statistic, lang, 1),
        df=result.degrees_of_freedom,
        p=p_value(result.p_value, lang),
    )


# --- figures --------------------------------------------------------------------------------------------


def ratio_forest(
    labels: list[str],
    ratio: list[float],
    low: list[float],
    high: list[float],
    lang: str = "vi",
    simulated: bool = False,
) -> plt.Figure:
    """Over-representation ratios with 95% intervals on a log scale; 1 (equal shares) is marked."""

    def log_scale(ax, ys) -> None:
        ax.set_xscale("log")
        ticks = [v for v in (0.1, 0.2, 0.5, 1, 1.5, 2, 3, 5, 10, 20) if min(low) / 1.5 <= v <= max(high) * 1.5]
        ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(ticks))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())

    return forest(
        [textwrap_label(label_text) for label_text in labels],
        ratio,
        low,
        high,
        [PALETTE["removed"]] * len(labels),
        1,
        t("report.axis.ratio", lang),
        lambda v, _: number(v, lang, 1 if v % 1 else 0),
        row_height=0.5,
        lang=lang,
        simulated=simulated,
        decorate=log_scale,
    )
