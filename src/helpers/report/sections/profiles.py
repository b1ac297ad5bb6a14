"""'Who leaves and why': profiles against the membership, the adjusted model, retention by cohort, reasons.

Every table that crosses personal attributes goes through :mod:`helpers.report.suppression`; shares and ratios of a
hidden count are hidden with it, and no sentence states a count below the threshold.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property, partial
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
from helpers.report.formatting import long_date, number, p_value, percent, share
from helpers.report.html import html_table, items, paragraph, say
from helpers.report.plots import DESKTOP_WIDTH, PALETTE, figure_html, forest, is_phone
from helpers.report.suppression import HIDDEN_MARK, Suppressed, shown_table, suppress
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
    previous_term: str | None = None  # the term before ``term`` in ``terms``, shown beside it; None if there is none
    previous_tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # its seed-group tables

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
        position = terms.index(profile_term) if profile_term in terms else 0
        previous = terms[position - 1] if position > 0 else None
        previous_tables = {}
        if previous is not None:
            before = member_years(members, term_years(province_terms, previous))
            previous_tables = {a: profile_table(before, a, kinds) for a in SEED_GROUPS}
        return cls(
            base,
            profile_term,
            terms,
            members,
            py,
            tables,
            adjusted_rate_ratios(py, kinds),
            threshold,
            previous,
            previous_tables,
        )

    # Reasons and cohorts are computed when a section asks for them: the command line's profiles never do.
    @cached_property
    def reasons(self) -> pd.DataFrame:
        return reasons_table(self.members, self.base.terms.for_province(self.base.province), self.terms)

    @cached_property
    def cohorts(self) -> pd.DataFrame:
        return retention_table(self.members, _as_of(self.members), variance=False)  # no SE is printed

    @cached_property
    def cohort_test(self) -> CohortDifference:
        cohorts = sorted(int(c) for c in self.cohorts["cohort"].unique())
        return cohort_difference(self.members, _as_of(self.members), cohorts)

    # --- section 1 ------------------------------------------------------------------------------------------
    def seed_groups(self, term: str | None = None) -> list[dict]:
        """The seed groups (age 18–40, informal occupation, …) in ``term`` (default: the profiled term), each as a
        dict of ``attribute``, ``count``, ``total``, ``share``, ``member_share``, ``ratio``, ``ratio_low``,
        ``ratio_high`` and ``withheld`` (True when the suppression rule hides the group's count, and with it every
        figure that would give it away)."""
        tables = self.tables if term in (None, self.term) else self.previous_tables
        out = []
        for attribute, category in SEED_GROUPS.items():
            table = tables[attribute]
            hidden = suppress(table.set_index("category")[self.base.kinds].astype(int), self.threshold)
            row = table.set_index("category").loc[category]
            out.append(
                {
                    "attribute": attribute,
                    "count": int(row["leavers"]),
                    "total": int(table["leavers"].sum()),
                    "share": float(row["leaver_share"]),
                    "member_share": float(row["member_share"]),
                    "ratio": float(row["ratio"]),
                    "ratio_low": float(row["ratio_low"]),
                    "ratio_high": float(row["ratio_high"]),
                    "withheld": bool(hidden.row_total_hidden[category]),
                }
            )
        return out

    def top_groups(self, n: int = 2) -> list[dict]:
        """The ``n`` seed groups most over-represented among the profiled term's leavers, of those clearly so (the
        95% interval of the ratio above 1; withheld ones left out), for the committee summary: ``attribute``,
        ``label``, ``share``, ``member_share`` and ``ratio`` written exactly as the body writes them ("68,17%",
        "1,98"), so the summary quotes numbers the reader finds again. Empty when no group stands out."""
        lang = self.lang
        clear = (g for g in self.seed_groups() if not g["withheld"] and g["ratio_low"] > 1)
        shown = sorted(clear, key=lambda g: -g["ratio"])
        return [
            {
                "attribute": g["attribute"],
                "label": t(f"profiles.seed_group.{g['attribute']}", lang),
                "share": percent(100 * g["share"], lang),
                "member_share": percent(100 * g["member_share"], lang),
                "ratio": number(g["ratio"], lang, 2),
            }
            for g in shown[:n]
        ]

    def seed_sentences(self) -> list[str]:
        """One sentence per seed group in the Tây Ninh project's form, number first: the previous term's count and
        share, the profiled term's, and how that compares with the group's share of all members."""
        lang, out = self.lang, []
        previous = self.seed_groups(self.previous_term) if self.previous_term else [None] * len(SEED_GROUPS)
        withheld = [g["withheld"] and (b is None or b["withheld"]) for g, b in zip(self.seed_groups(), previous)]
        if all(withheld):  # a small unit: one sentence, not one per group
            terms = [term for term in (self.previous_term, self.term) if term]
            listed = t("report.and", lang).join(term_label(term) for term in terms)
            return [t("profiles.seed.every_group_withheld", lang, terms=listed, threshold=self.threshold)]
        for now, before in zip(self.seed_groups(), previous):
            predicate = t(f"profiles.seed_predicate.{now['attribute']}", lang)
            terms = [(self.previous_term, before), (self.term, now)] if before else [(self.term, now)]
            if all(group["withheld"] for _, group in terms):
                key = "profiles.seed.all_withheld"
                listed = t("report.and", lang).join(term_label(term) for term, _ in terms)
                out.append(t(key, lang, predicate=predicate, terms=listed) + ".")
                continue
            parts = []
            for i, (term, group) in enumerate(terms):
                fields = {"term": term_label(term), "predicate": predicate}
                if group["withheld"]:
                    key = "profiles.seed.first_withheld" if i == 0 else "profiles.seed.then_withheld"
                else:
                    key = "profiles.seed.first" if i == 0 else "profiles.seed.then"
                    fields |= {
                        "count": number(group["count"], lang),
                        "total": number(group["total"], lang),
                        "share": percent(100 * group["share"], lang),
                    }
                parts.append(t(key, lang, **fields))
            sentence = "; ".join(parts)
            if not now["withheld"]:
                sentence += ", " + t(
                    "profiles.seed.ratio_higher" if now["ratio"] >= 1 else "profiles.seed.ratio_lower",
                    lang,
                    ratio=number(now["ratio"], lang, 2),
                    member_share=percent(100 * now["member_share"], lang),
                )
            out.append(sentence + ".")
        return out

    def profiles_section(self, heading: Heading | None = None, detailed: tuple[str, ...] = DETAILED) -> str:
        lang = self.lang
        parts = [self.section_heading("profiles", heading), say("profiles.intro", lang)]
        parts += [paragraph(s) for s in self.seed_sentences()]
        parts.append(self.seed_table_html())
        shown = [g for g in self.seed_groups() if not g["withheld"]]
        if shown:
            labels = [t(f"profiles.seed_short.{g['attribute']}", lang) for g in shown]
            values = "; ".join(f"{name}: {number(g['ratio'], lang, 2)}" for name, g in zip(labels, shown))
            parts.append(
                figure_html(
                    partial(
                        ratio_forest,
                        labels,
                        [g["ratio"] for g in shown],
                        [g["ratio_low"] for g in shown],
                        [g["ratio_high"] for g in shown],
                        lang,
                        self.base.dataset.simulated,
                    ),
                    t("profiles.ratio_figure_alt", lang, term=term_label(self.term), values=values),
                    self.base.caption_text(t("profiles.ratio_figure_caption", lang, term=term_label(self.term))),
                )
            )
        for attribute in detailed:
            parts.append(self.profile_table_html(attribute))
        return "".join(parts)

    def seed_table_html(self) -> str:
        """The seed groups side by side: share among leavers in the previous and the profiled term, share among
        members and the ratio in the profiled term; 'x' where the suppression rule withholds a share."""
        lang = self.lang
        now = self.seed_groups()
        before = self.seed_groups(self.previous_term) if self.previous_term else None
        mark = lambda g, text: HIDDEN_MARK if g["withheld"] else text  # noqa: E731
        frame = pd.DataFrame({"group": [t(f"profiles.seed_short.{g['attribute']}", lang) for g in now]})
        headers = {"group": t("profiles.col_category", lang)}
        terms = [(self.previous_term, before), (self.term, now)] if before else [(self.term, now)]
        for term, groups in terms:
            frame[f"share_{term}"] = [mark(g, percent(100 * g["share"], lang)) for g in groups]
            headers[f"share_{term}"] = t("profiles.col_leaver_share_term", lang, term=term_label(term))
        frame["member_share"] = [percent(100 * g["member_share"], lang) for g in now]
        headers["member_share"] = t("profiles.col_member_share_term", lang, term=term_label(self.term))
        frame["ratio"] = [mark(g, number(g["ratio"], lang, 2)) for g in now]
        headers["ratio"] = t("profiles.col_ratio_term", lang, term=term_label(self.term))
        bases = "; ".join(
            t("profiles.base_term", lang, term=term_label(term), total=number(groups[0]["total"], lang))
            for term, groups in terms
        )
        withheld = any(g["withheld"] for _, groups in terms for g in groups)
        return html_table(
            frame,
            {},
            headers,
            caption=self.base.caption_text(t("profiles.seed_caption", lang, bases=bases)),
            note=self._legend(withheld),
        )

    def _legend(self, hidden: bool) -> str | None:
        """The short legend of the 'x' mark, only under a table that shows one (the rule is in the appendix)."""
        return t("profiles.legend_hidden", self.lang, threshold=number(self.threshold, self.lang)) if hidden else None

    def profile_table_html(self, attribute: str) -> str:
        """One attribute: leavers per kind (suppressed), shares and ratio (hidden with their count)."""
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
        ratio = [number(r, lang, 2) for r in table["ratio"]] + [number(1, lang, 2)]
        shown[t("profiles.col_leaver_share", lang)] = [
            HIDDEN_MARK if h else v for h, v in zip(share_hidden, leaver_share)
        ]
        shown[t("profiles.col_member_share", lang)] = member_share
        shown[t("profiles.col_ratio", lang)] = [HIDDEN_MARK if h else v for h, v in zip(share_hidden, ratio)]
        shown = shown.reset_index(names=t("profiles.col_category", lang))
        fields = {"attribute": t(f"profiles.attribute.{attribute}", lang), "term": term_label(self.term)}
        if hidden.grand_total_hidden:
            caption = t("profiles.profile_caption_small", lang, **fields)
        else:
            caption = t("profiles.profile_caption", lang, total=number(int(table["leavers"].sum()), lang), **fields)
        return html_table(
            shown,
            {},
            {c: c for c in shown.columns},
            caption=self.base.caption_text(caption),
            note=self._legend(hidden.anything_hidden),
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
        """Retention at 1, 3 and 5 years per admission cohort: the range at 5 years, the latest cohort followed 5
        years, whether cohorts differ, and the table (the method and the test are in the methods appendix)."""
        lang, table = self.lang, self.cohorts
        parts = [self.section_heading("cohorts", heading)]
        as_of = long_date(_as_of(self.members), lang)
        cohorts = sorted(int(c) for c in table["cohort"].unique())
        if cohorts:
            parts.append(say("cohorts.intro", lang, first=cohorts[0], last=cohorts[-1], as_of=as_of))
        wide = self.cohort_wide()
        five = wide[5] if 5 in wide.columns else pd.Series(dtype=object)
        five = five[[not _missing_or_hidden(v) for v in five]].astype(float)
        if len(five) >= 2:
            parts.append(
                say(
                    "cohorts.sentence.range",
                    lang,
                    first=int(five.index.min()),
                    last=int(five.index.max()),
                    low=share(five.min(), lang),
                    low_cohort=int(five.idxmin()),
                    high=share(five.max(), lang),
                    high_cohort=int(five.idxmax()),
                )
            )
        followed = wide[5][[not _missing(v) for v in wide[5]]] if 5 in wide.columns else pd.Series(dtype=object)
        if not five.empty and int(five.index.max()) == int(followed.index.max()):
            latest = int(five.index.max())
            row = table[(table["cohort"] == latest) & (table["horizon"] == 5)].iloc[0]
            parts.append(paragraph(retention_sentence(row, lang, self.threshold)))
        elif not followed.empty:
            # the latest cohort followed five years is withheld: a sentence on an older, visible one would pick
            # the cohort that happens to be shown, not the one a reader asks about
            parts.append(
                say("cohorts.latest_withheld", lang, cohort=int(followed.index.max()), threshold=self.threshold)
            )
        if len(cohorts) >= 2:
            parts.append(paragraph(difference_sentence(self.cohort_test, lang)))
        headers = {"cohort": t("profiles.col_cohort", lang), "admitted": t("profiles.col_admitted", lang)}
        headers |= {h: t("profiles.col_retained", lang, years=h) for h in wide.columns if isinstance(h, int | float)}
        cell = lambda v: "–" if _missing(v) else (HIDDEN_MARK if v == HIDDEN_MARK else share(v, lang))  # noqa: E731
        formats = {"cohort": str, "admitted": lambda v: number(v, lang)}
        formats |= {h: cell for h in headers if h not in ("cohort", "admitted")}
        shown = wide.reset_index()
        values = [shown[h] for h in headers if h not in ("cohort", "admitted")]
        legends = []
        if any(_missing(v) for column in values for v in column):
            legends.append(t("cohorts.legend_not_followed", lang))
        if any(v is HIDDEN_MARK or v == HIDDEN_MARK for column in values for v in column if isinstance(v, str)):
            legends.append(t("cohorts.legend_hidden", lang, threshold=number(self.threshold, lang)))
        caption = t("profiles.cohort_caption", lang, horizons=_horizons(wide, lang), as_of=as_of)
        parts.append(
            html_table(shown, formats, headers, caption=self.base.caption_text(caption), note=" ".join(legends) or None)
        )
        return "".join(parts)

    def cohort_wide(self) -> pd.DataFrame:
        """Retained share per cohort (rows) and horizon (columns); 'x' where the implied number who left is 1 to
        threshold − 1, so the table cannot point at a few people."""
        table = self.cohorts.copy()
        left = (1 - table["retained"]) * table["admitted"]
        small = table["retained"].notna() & (left.round() >= 1) & (left.round() < self.threshold)
        table["shown"] = table["retained"].astype(object).where(~small, HIDDEN_MARK)
        wide = table.pivot(index="cohort", columns="horizon", values="shown")
        wide.insert(0, "admitted", table.groupby("cohort")["admitted"].first())
        return wide

    def reason_groups(self) -> dict[str, tuple[pd.DataFrame, Suppressed]]:
        """Per kind of exit: reasons (rows, largest in the last term first) × terms (columns) as counts, and which
        counts the suppression rule hides (column totals are the kind's published totals per term)."""
        reasons, out = self.reasons, {}
        terms = [term for term in self.terms if term in set(reasons["term"])] or list(self.terms)
        for kind in self.base.kinds:
            part = reasons[reasons["exit_kind"] == kind]
            if part.empty:
                continue
            wide = part.pivot_table(index="exit_reason", columns="term", values="count", aggfunc="sum", fill_value=0)
            wide = wide.reindex(columns=terms, fill_value=0).astype(int)
            last = self._reason_term(terms)
            wide = wide.sort_values([last, *terms[::-1]], ascending=False, kind="stable")
            out[kind] = (wide, _with_published_totals(suppress(wide, self.threshold)))
        return out

    def _reason_term(self, terms: list[str]) -> str:
        """The term the reasons paragraph states: the profiled term when it is in the table, else the last."""
        return self.term if self.term in terms else terms[-1]

    def reasons_section(self, heading: Heading | None = None) -> str:
        """One short paragraph per kind of exit, reasons by size with the previous term beside them, and the table."""
        lang = self.lang
        parts = [self.section_heading("reasons", heading)]
        groups = self.reason_groups()
        rows, any_hidden = [], False
        for kind, (wide, hidden) in groups.items():
            terms = list(wide.columns)
            parts.append(paragraph(self.reason_paragraph(kind, wide, hidden)))
            totals = wide.sum(axis=0)
            for reason in wide.index:
                cells = {}
                for term in terms:
                    if hidden.hidden.loc[reason, term]:
                        cells[term], any_hidden = HIDDEN_MARK, True
                    else:
                        cells[term] = _count_share(int(wide.loc[reason, term]), int(totals[term]), lang)
                rows.append(
                    {"reason": f"{label('exit_kind', kind, lang)}: {label('exit_reason', reason, lang)}", **cells}
                )
            total_cells = {}
            for term in terms:
                if hidden.column_total_hidden[term]:
                    total_cells[term], any_hidden = HIDDEN_MARK, True
                else:
                    total_cells[term] = _count_share(int(totals[term]), int(totals[term]), lang)
            rows.append(
                {"reason": t("profiles.reason_total", lang, kind=label("exit_kind", kind, lang)), **total_cells}
            )
        if not rows:
            return "".join(parts)
        terms = [c for c in rows[0] if c != "reason"]
        headers = {"reason": t("profiles.col_reason", lang)} | {term: term_label(term) for term in terms}
        caption = t("profiles.reasons_caption", lang, first=term_label(terms[0]), last=term_label(terms[-1]))
        parts.append(
            html_table(
                pd.DataFrame(rows), {}, headers, caption=self.base.caption_text(caption), note=self._legend(any_hidden)
            )
        )
        return "".join(parts)

    def reason_paragraph(self, kind: str, wide: pd.DataFrame, hidden: Suppressed) -> str:
        """The reasons of one kind of exit in the stated term, largest first, each with the previous term's share
        in brackets; reasons the suppression rule hides are not named."""
        lang, terms = self.lang, list(wide.columns)
        term = self._reason_term(terms)
        position = terms.index(term)
        previous = terms[position - 1] if position > 0 else None
        totals = wide.sum(axis=0)
        fields = {"term": term_label(term), "kind": t(f"report.kind.{kind}", lang)}
        if totals[term] == 0:
            return t("profiles.reasons.none", lang, **fields)
        clauses, withheld = [], False
        for reason in wide.index:
            count = int(wide.loc[reason, term])
            if hidden.hidden.loc[reason, term]:
                withheld = True
                continue
            if count == 0:
                continue
            before = ""
            if previous is not None:
                if hidden.hidden.loc[reason, previous]:
                    before = t("profiles.reasons.before_hidden", lang)
                else:
                    before = percent(100 * wide.loc[reason, previous] / max(int(totals[previous]), 1), lang)
            clauses.append(
                t(
                    "profiles.reasons.clause" if previous is not None else "profiles.reasons.clause_alone",
                    lang,
                    reason=_reason_phrase(reason, lang),
                    share=percent(100 * count / int(totals[term]), lang),
                    before=before,
                )
            )
        if not clauses:
            return t("profiles.reasons.all_withheld", lang, **fields)
        key = "profiles.reasons.paragraph" if previous is not None else "profiles.reasons.paragraph_alone"
        text = t(key, lang, previous=term_label(previous) if previous else "", reasons="; ".join(clauses), **fields)
        if withheld:
            text += t("profiles.reasons.rest_withheld", lang)
        return text + "."

    def methods_section(
        self, heading: Heading | None = None, detailed: tuple[str, ...] = DETAILED, adjusted: bool = True
    ) -> str:
        """The methods in plain words, with the statistics the main text leaves out: the test per attribute, the
        seed groups' ratios with their 95% intervals, and the comparison of admission cohorts. ``adjusted``: the
        report shows the model of all attributes together (:meth:`adjusted_section`), so its method is described."""
        lang = self.lang
        methods = ("member_years", "ratio", "chi2", "adjusted") if adjusted else ("member_years", "ratio", "chi2")
        texts = [t(f"profiles.methods.{k}", lang) for k in methods]
        texts.append(t("cohorts.method", lang))
        if len(self.cohorts["cohort"].unique()) >= 2:
            texts.append(difference_detail(self.cohort_test, lang))
        parts = [self.list_section("methods", texts, heading), self.tests_table_html(detailed), self.ratio_table_html()]
        return "".join(parts)

    def tests_table_html(self, detailed: tuple[str, ...] = DETAILED) -> str:
        """Chi-square test and Cramér's V per attribute, profiled term (for the methods appendix)."""
        lang, rows = self.lang, []
        for attribute in [*SEED_GROUPS, *(a for a in detailed if a not in SEED_GROUPS)]:
            test = association(self.tables[attribute])
            rows.append(
                {
                    "attribute": t(f"profiles.attribute.{attribute}", lang),
                    "chi2": number(test.chi2, lang, 1),
                    "dof": str(test.dof),
                    "p": p_value(test.p_value, lang),
                    "v": number(test.cramers_v_corrected, lang, 3),
                }
            )
        headers = {
            "attribute": t("profiles.col_attribute", lang),
            "chi2": t("profiles.col_chi2", lang),
            "dof": t("profiles.col_dof", lang),
            "p": t("profiles.col_p", lang),
            "v": t("profiles.col_v", lang),
        }
        caption = t("profiles.tests_caption", lang, term=term_label(self.term))
        return html_table(pd.DataFrame(rows), {}, headers, caption=self.base.caption_text(caption))

    def ratio_table_html(self) -> str:
        """The seed groups' ratios with their 95% intervals in each term shown (for the methods appendix)."""
        lang = self.lang
        terms = [self.previous_term, self.term] if self.previous_term else [self.term]
        frame = pd.DataFrame({"group": [t(f"profiles.seed_short.{a}", lang) for a in SEED_GROUPS]})
        headers, withheld = {"group": t("profiles.col_category", lang)}, False
        for term in terms:
            cells = []
            for g in self.seed_groups(term):
                withheld |= g["withheld"]
                cells.append(
                    HIDDEN_MARK
                    if g["withheld"]
                    else f"{number(g['ratio'], lang, 2)} ({number(g['ratio_low'], lang, 2)}–"
                    f"{number(g['ratio_high'], lang, 2)})"
                )
            frame[term] = cells
            headers[term] = t("profiles.col_ratio_ci", lang, term=term_label(term))
        return html_table(
            frame,
            {},
            headers,
            caption=self.base.caption_text(t("profiles.ratio_ci_caption", lang)),
            note=self._legend(withheld),
        )


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


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _missing_or_hidden(value: object) -> bool:
    return _missing(value) or value == HIDDEN_MARK


def _horizons(wide: pd.DataFrame, lang: str) -> str:
    """'1, 3 và 5' / '1, 3 and 5': the horizons of the cohort table, for its caption."""
    years = [str(int(h)) for h in wide.columns if isinstance(h, int | float)]
    if len(years) <= 1:
        return "".join(years)
    return ", ".join(years[:-1]) + t("report.and", lang) + years[-1]


def _count_share(count: int, total: int, lang: str) -> str:
    """'195 (90,70%)': a count with its share of the column's total."""
    return f"{number(count, lang)} ({percent(100 * count / total if total else 0, lang)})"


def _reason_phrase(reason: str, lang: str) -> str:
    return t(f"profiles.reason_phrase.{reason}", lang)


# --- retention sentences ----------------------------------------------------------------------------------


def _span(years: float, lang: str) -> str:
    key = "cohorts.span.one" if years == 1 else "cohorts.span.many"
    return t(key, lang, years=number(years, lang, 0 if float(years).is_integer() else 1))


def retention_sentence(row, lang: str = "vi", threshold: int = 1) -> str:
    """One cohort at one horizon in plain words: how many were admitted, the share still on the rolls, and the
    shares removed and asked to leave (left out when either stands for 1 to ``threshold`` − 1 people)."""
    fields = {
        "cohort": int(row["cohort"]),
        "n": number(int(row["admitted"]), lang),
        "span": _span(row["horizon"], lang),
        "retained": share(row["retained"], lang),
    }
    if pd.isna(row["retained"]):
        return t("cohorts.sentence.not_followed", lang, **{k: fields[k] for k in ("cohort", "n", "span")})
    implied = [round(row[c] * row["admitted"]) for c in ("cif_removed", "cif_asked")]
    if any(0 < n < threshold for n in implied) or not any(implied):
        return t("cohorts.sentence.retained_only", lang, **fields)
    return t(
        "cohorts.sentence.retained",
        lang,
        removed=share(row["cif_removed"], lang),
        asked=share(row["cif_asked"], lang),
        **fields,
    )


def retention_sentences(table: pd.DataFrame, lang: str = "vi", threshold: int = 1) -> list[str]:
    """One sentence per cohort at the longest horizon it has been followed (see :func:`retention_sentence`)."""
    sentences = []
    for _, rows in table.sort_values(["cohort", "horizon"]).groupby("cohort", sort=True):
        shown = rows[rows["retained"].notna()]
        sentences.append(retention_sentence(shown.iloc[-1] if not shown.empty else rows.iloc[0], lang, threshold))
    return sentences


def difference_sentence(result: CohortDifference, lang: str = "vi") -> str:
    """Whether admission cohorts differ, in plain words for the main text (the test is in the appendix)."""
    key = "cohorts.sentence.differ" if result.p_value < 0.05 else "cohorts.sentence.same"
    return t(key, lang, first=result.cohorts[0], last=result.cohorts[-1])


def difference_detail(result: CohortDifference, lang: str = "vi") -> str:
    """The log-rank test behind :func:`difference_sentence`, with its statistic and p-value, for the appendix."""
    return t(
        "cohorts.detail",
        lang,
        first=result.cohorts[0],
        last=result.cohorts[-1],
        members=number(result.members, lang),
        events=number(result.events, lang),
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
    width: float = DESKTOP_WIDTH,
) -> plt.Figure:
    """Over-representation ratios with 95% intervals on a log scale; 1 (equal shares) is marked. On a phone each
    label stands on its own line above its interval (see :func:`helpers.report.plots.forest`) and the axis has
    fewer ticks."""
    phone = is_phone(width)
    lo, hi = min([*low, 1.0]) / 1.3, max([*high, 1.0]) * 1.3
    ticks = [v for v in (0.1, 0.2, 0.5, 1, 1.5, 2, 3, 5, 10, 20) if lo <= v <= hi]
    tick_text = lambda v, _: number(v, lang, 1 if v % 1 else 0)  # noqa: E731

    def fixed_ticks(ax) -> None:
        ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(ticks))
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(tick_text))

    def log_scale(ax, ys) -> None:
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        fixed_ticks(ax)

    fig = forest(
        labels,
        ratio,
        low,
        high,
        [PALETTE["removed"]] * len(labels),
        1,
        t("report.axis.ratio", lang),
        tick_text,
        width=width,
        row_height=0.42 if phone else 0.5,
        lang=lang,
        simulated=simulated,
        decorate=log_scale,
    )
    if phone:  # forest gives a phone axis four automatic ticks, which on a log scale would be powers of ten
        ax = fig.axes[0]
        fixed_ticks(ax)
        for text in ax.texts:  # the labels above each row stay legible where a grid line crosses them
            text.set_bbox({"facecolor": "white", "edgecolor": "none", "pad": 1})
    return fig


def _with_published_totals(hidden: Suppressed) -> Suppressed:
    """The kind's total per term is published in the term table, so it is never withheld here: where the rule
    hid a term's total, that term's every reason (zeros too) is withheld instead, so the shown total gives none
    of them away."""
    withheld = hidden.column_total_hidden
    if not withheld.any():
        return hidden
    cells = hidden.hidden.copy()
    cells.loc[:, withheld[withheld].index] = True
    return dataclasses.replace(
        hidden, hidden=cells, column_total_hidden=pd.Series(False, index=withheld.index), grand_total_hidden=False
    )
