"""The national report: the current provinces side by side, each province's series carried across the 2025 merger
(a merged province's years before it are its predecessors' sum), for the central organisation commission.

Parts: summary; counts per term (the nation, then each province); rates per 1,000 members with a funnel plot; the
annual percent change per term of each province against the rest of the country; the merger table; the appendix.
The analysis functions here take frames and return frames; the ``NationalReport`` methods write the HTML."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from helpers.analyses.funnel import funnel_curves, funnel_table
from helpers.analyses.term_table import term_table
from helpers.analyses.trends import (
    DISPERSION_THRESHOLD,
    MIN_YEARS_PER_TERM,
    TermSpan,
    TrendFit,
    check_series,
    fit_trend,
    rates,
    term_spans,
)
from helpers.data.codes import ATTRITION_EXITS
from helpers.data.counts import COUNT_COLUMNS
from helpers.data.datasets import Dataset, dataset_info, load_dataset
from helpers.data.folders import DEFAULT_TERMS
from helpers.data.terms import Terms, load_terms, term_label, term_label_problems
from helpers.data.units import predecessors, series_units
from helpers.errors import ParameterProblem
from helpers.paths import repo_relative, resolve_data_path
from helpers.report.base import Heading, TermReport
from helpers.report.formatting import long_date, number, p_value, signed_percent, small_base
from helpers.report.html import escape, html_table, items, paragraph, paragraphs, say
from helpers.report.parameters import common_problems
from helpers.report.plots import DESKTOP_WIDTH, MIN_TEXT_PT, figure_html, forest, is_phone
from helpers.report.sections.term_table import (
    SMALL_BASE_MARK,
    TermTableReport,
    change_phrase,
    term_sentences,
)
from helpers.report.sections.trends import (
    FLAG_COLOURS,
    FLAGS_NAMED,
    apc_sentence,
    flagged_sentences,
    funnel,
    funnel_columns,
    series_phrase,
    short_name,
)
from helpers.text import both, t

KINDS = list(ATTRITION_EXITS)
PARTS = ("summary", "terms", "rates", "trends", "merger", "appendix")
# The key the nation's terms are filed under when neither the data folder nor the config has terms for the report's
# provinces: the national congress cycle every province starts with (helpers.data.folders.DEFAULT_TERMS).
NATION = "national"
ALPHA = 0.05  # a province's trend 'differs clearly' from the rest of the country below this Holm-adjusted p
VERSUS_COLOURS = {"higher": FLAG_COLOURS["above"], "lower": FLAG_COLOURS["below"], "same": "#555555"}
NATION_COLOUR = "#000000"
FUNNEL_NAMED = ("above", "below")  # provinces named on the funnel; the ones to watch are named in the text only
FUNNEL_PHONE_HEIGHT = 7.4  # inches: 34 dots need a taller plot on a phone than a province's few units (6.2)


# --- analysis: frames in, frames out -------------------------------------------------------------------------


def current_provinces(units: pd.DataFrame) -> pd.DataFrame:
    """The provinces on today's map: province-level units still valid and with no successor.

    Returns
    -------
    pandas.DataFrame
        ``unit_code``, ``name``, ``predecessors`` (tuple of the units merged into it, directly or in a chain) and
        ``merged`` (whether it has any), sorted by code.
    """
    now = units[(units["level"] == "province") & units["successor_code"].isna() & units["valid_to"].isna()]
    out = now[["unit_code", "name"]].astype({"unit_code": str, "name": str}).sort_values("unit_code")
    out["predecessors"] = [tuple(predecessors(units, code)) for code in out["unit_code"]]
    out["merged"] = out["predecessors"].map(bool)
    return out.reset_index(drop=True)


def province_series(counts: pd.DataFrame, units: pd.DataFrame, provinces: list[str]) -> pd.DataFrame:
    """Each current province's counts per year, summed over its series (it, the provinces merged into it and every
    unit below them), so a merged province has one continuous series. Rows of a unit in no province's series are
    refused: the national totals would silently leave them out.

    Returns
    -------
    pandas.DataFrame
        ``unit_code`` (the current province), ``year`` and every count column the data has, summed.
    """
    owner = {code: province for province in provinces for code in series_units(units, province)}
    outside = counts[~counts["unit_code"].isin(owner)]
    if not outside.empty:
        first = outside.iloc[0]
        raise ParameterProblem(
            both(
                "national_report.error.outside",
                n=len(outside),
                unit=first["unit_code"],
                year=int(first["year"]),
            )
        )
    numeric = [c for c in COUNT_COLUMNS if c in counts.columns]
    mapped = counts.assign(unit_code=counts["unit_code"].map(owner))
    summed = mapped.groupby(["unit_code", "year"], as_index=False)[numeric].sum(min_count=1)
    return summed.sort_values(["unit_code", "year"]).reset_index(drop=True)


def yearly_rates(series: pd.DataFrame, code: str) -> pd.DataFrame:
    """One province's (or the nation's) checked yearly series with totals and rates per 1,000 members.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`helpers.analyses.trends.rates`: counts, ``total`` and ``<kind>_rate``.
    """
    return rates(check_series(series.drop(columns="unit_code", errors="ignore"), code), KINDS)


def national_series(series: pd.DataFrame) -> pd.DataFrame:
    """The nation's counts per year: the provinces' series summed.

    Returns
    -------
    pandas.DataFrame
        ``year`` and the count columns of ``series``.
    """
    numeric = [c for c in COUNT_COLUMNS if c in series.columns]
    return series.groupby("year", as_index=False)[numeric].sum(min_count=1)


def province_terms(series: pd.DataFrame, terms: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """The term table of each province (:func:`helpers.analyses.term_table.term_table`) stacked.

    Returns
    -------
    pandas.DataFrame
        ``unit_code`` and the term table's columns, one row per province and term.
    """
    tables = [
        term_table(frame.drop(columns="unit_code"), terms, KINDS, labels=labels).assign(unit_code=code)
        for code, frame in series.groupby("unit_code", sort=True)
    ]
    return pd.concat(tables, ignore_index=True)


def province_trends(yearly: dict[str, pd.DataFrame], nation: pd.DataFrame, spans: list[TermSpan]) -> pd.DataFrame:
    """Each province's annual percent change per term of its combined rate, and whether it differs clearly from
    the rest of the country's (the nation less the province, so the two series share no member): the difference
    of the two slopes over its standard error, two-sided, Holm-adjusted across the provinces of each term.

    Returns
    -------
    pandas.DataFrame
        ``unit_code``, ``term``, ``fitted``, ``slope``, ``se``, ``apc``, ``apc_low``, ``apc_high``, ``rest_slope``,
        ``rest_se``, ``rest_apc``, ``z``, ``p_value``, ``p_holm`` and ``versus`` ('higher', 'lower', 'same' or
        'not_fitted'), with ``family`` and ``dispersion`` of the province's fit.
    """
    rows = []
    counts = [*KINDS, "members_start"]
    national = nation.set_index("year")[counts]
    for code, frame in yearly.items():
        own = frame.set_index("year")[counts].reindex(national.index, fill_value=0)
        rest = rates((national - own).reset_index(), KINDS)
        fit, rest_fit = fit_trend(frame, "total", spans), fit_trend(rest, "total", spans)
        mine, theirs = fit.apc(), rest_fit.apc().set_index("term")
        for row in mine.to_dict("records"):
            other = theirs.loc[row["term"]]
            rows.append(
                {
                    "unit_code": code,
                    "term": row["term"],
                    "fitted": bool(row["fitted"] and other["fitted"]),
                    **{k: row[k] for k in ("slope", "se", "apc", "apc_low", "apc_high")},
                    "rest_slope": other["slope"],
                    "rest_se": other["se"],
                    "rest_apc": other["apc"],
                    "family": fit.family,
                    "dispersion": fit.dispersion,
                }
            )
    out = pd.DataFrame(rows)
    out["z"] = (out["slope"] - out["rest_slope"]) / np.sqrt(out["se"] ** 2 + out["rest_se"] ** 2)
    out["p_value"] = 2 * stats.norm.sf(out["z"].abs())
    out["p_holm"] = np.nan
    for _, part in out[out["fitted"] & out["p_value"].notna()].groupby("term"):
        out.loc[part.index, "p_holm"] = multipletests(part["p_value"], method="holm")[1]
    clear = out["p_holm"] < ALPHA
    out["versus"] = np.select(
        [~out["fitted"], clear & (out["z"] > 0), clear & (out["z"] < 0)], ["not_fitted", "higher", "lower"], "same"
    )
    return out


def fastest_rise(trends: pd.DataFrame, term: str) -> dict | None:
    """The province whose combined rate rose fastest in ``term`` (largest annual percent change) and whether its
    rise is clear (interval above 0); None when no province's trend was fitted in the term."""
    fitted = trends[(trends["term"] == term) & trends["fitted"]]
    if fitted.empty:
        return None
    row = fitted.loc[fitted["apc"].idxmax()].to_dict()
    return {**row, "clear": bool(row["apc_low"] > 0)}


def merger_table(counts: pd.DataFrame, units: pd.DataFrame, provinces: pd.DataFrame, years: range) -> pd.DataFrame:
    """The merged provinces with every province they were formed from and its counts over ``years``.

    Returns
    -------
    pandas.DataFrame
        One row per former province: ``unit_code``, ``name`` (the current province), ``former_code``,
        ``former_name``, a count per kind and ``total`` over ``years``, ``members_start`` (members at the start of
        the first year); sorted by current and then former code.
    """
    names = units.set_index("unit_code")["name"]
    window = counts[counts["year"].isin(years)]
    rows = []
    for current in provinces[provinces["merged"]].itertuples():
        for former in sorted(current.predecessors):
            part = window[window["unit_code"].isin(series_units(units, former))]
            first = part[part["year"] == years.start]
            row = {
                "unit_code": current.unit_code,
                "name": current.name,
                "former_code": former,
                "former_name": names[former],
                **{kind: int(part[kind].sum()) for kind in KINDS},
                "members_start": first["members_start"].sum(min_count=1) if "members_start" in first else np.nan,
            }
            row["total"] = sum(row[kind] for kind in KINDS)
            rows.append(row)
    columns = ["unit_code", "name", "former_code", "former_name", *KINDS, "total", "members_start"]
    return pd.DataFrame(rows, columns=columns)


def national_terms(terms: Terms, dataset: Dataset, provinces: pd.DataFrame) -> tuple[Terms, str, bool]:
    """The terms the nation's figures follow: those of the data folder's ``province_code`` (dataset.toml), else
    of the first current province (or a province merged into it) that has terms, else the national congress cycle.

    Returns the terms (with the cycle added under :data:`NATION` when it is used), the code they are filed under,
    and whether they were configured (False for the cycle)."""
    info = dataset_info(dataset.folder)
    candidates = [str(info["province_code"])] if info.get("province_code") else []
    for row in provinces.itertuples():
        candidates += [row.unit_code, *row.predecessors]
    for code in candidates:
        if not terms.for_province_or_empty(code).empty:
            return terms, code, True
    cycle = pd.DataFrame(
        {
            "province_code": NATION,
            "label": [f"{start}-{end}" for start, end in DEFAULT_TERMS],
            "congress_number": pd.NA,
            "start_year": [start for start, _ in DEFAULT_TERMS],
            "end_year": [end for _, end in DEFAULT_TERMS],
            "congress_date": pd.NaT,
        }
    ).astype(terms.table.dtypes.to_dict())
    table = pd.concat([terms.table, cycle], ignore_index=True)
    return Terms(table, terms.rule_code, terms.rules, terms.files, terms.data_provinces), NATION, False


@dataclass(frozen=True)
class NationalReport:
    """Everything the national report states, computed once from validated data."""

    base: TermReport  # the nation as the report's unit: its term table, header, captions and provenance
    provinces: pd.DataFrame  # current_provinces()
    yearly: dict[str, pd.DataFrame]  # each province's yearly_rates()
    nation: pd.DataFrame  # the nation's yearly_rates()
    spans: list[TermSpan]
    fits: dict[str, TrendFit]  # the nation's fit per kind and for the total
    by_term: pd.DataFrame  # province_terms()
    units_table: pd.DataFrame  # funnel_table() over the last term's years
    units_curves: pd.DataFrame
    units_years: range
    trends: pd.DataFrame  # province_trends()
    merger: pd.DataFrame  # merger_table() over the last term's years
    configured_terms: bool  # False: the national congress cycle, no terms file names the provinces
    threshold: int

    @property
    def lang(self) -> str:
        return self.base.lang

    @classmethod
    def build(
        cls, data_path: str, year: int, terms: list[str], language: str, suppression_threshold: int
    ) -> NationalReport:
        """Check the parameters, load the whole data folder, and compute every table the report states."""
        problems = common_problems(NATION, [year], terms, language, suppression_threshold)
        if problems:
            raise ParameterProblem("\n".join(problems))
        dataset = load_dataset(resolve_data_path(data_path))
        provinces = current_provinces(dataset.units)
        if len(provinces) < 2:
            raise ParameterProblem(
                both("national_report.error.too_few_provinces", n=len(provinces), folder=repo_relative(dataset.folder))
            )
        counts = dataset.annual_counts
        last = int(counts["year"].max())
        if year and year > last:
            raise ParameterProblem(both("committee.error.year_after_data", value=year, last=last))
        if year:
            counts = counts[counts["year"] <= year]
        all_terms, code, configured = national_terms(load_terms(data=dataset.folder), dataset, provinces)
        table = all_terms.for_province(code)
        files = ", ".join(repo_relative(f) for f in all_terms.files)
        years = sorted(set(counts["year"].astype(int)))
        problems = term_label_problems(terms, table, code, files, years, "annual_counts")
        if problems:
            raise ParameterProblem("\n".join(problems))

        series = province_series(counts, dataset.units, list(provinces["unit_code"]))
        yearly = {code_: yearly_rates(frame, code_) for code_, frame in series.groupby("unit_code", sort=True)}
        nation = yearly_rates(national_series(series), NATION)
        spans = term_spans(nation["year"], table, terms)
        fits = {s: fit_trend(nation, s, spans) for s in [*KINDS, "total"]}
        n = len(provinces)
        base = TermReport(
            dataset,
            all_terms,
            code,
            NATION,
            t("national_report.nation", language, n=n),
            term_table(nation, table, KINDS, labels=terms),
            KINDS,
            language,
            {
                "data_path": str(data_path),
                "year": year,
                "terms": terms,
                "language": language,
                "suppression_threshold": suppression_threshold,
            },
        )
        last_span = spans[-1]
        years = range(last_span.first_year, min(last_span.last_year, int(nation["year"].max())) + 1)
        units_table = funnel_table(series, dataset.units, list(provinces["unit_code"]), KINDS, years)
        curves = funnel_curves(
            float(units_table["overall_rate"].iloc[0]), units_table["exposure"].to_numpy(dtype=float)
        )
        return cls(
            base,
            provinces,
            yearly,
            nation,
            spans,
            fits,
            province_terms(series, table, terms),
            units_table,
            curves,
            years,
            province_trends(yearly, nation, spans),
            merger_table(counts, dataset.units, provinces, years),
            configured,
            suppression_threshold,
        )

    # --- shared pieces ----------------------------------------------------------------------------------------
    @property
    def trend_term(self) -> str:
        """The last term with a fitted trend (the last term, unless it has too few years yet)."""
        return next((s.label for s in reversed(self.spans) if s.fitted), self.spans[-1].label)

    @property
    def last_term(self) -> str:
        return self.spans[-1].label

    @property
    def period(self) -> str:
        return f"{self.units_years.start}–{self.units_years.stop - 1}"

    def _names(self) -> pd.Series:
        return self.provinces.set_index("unit_code")["name"]

    def _h(self, anchor: str, level: int = 2) -> str:
        return f'<h{level} id="{anchor}">{escape(t(f"national_report.part.{anchor}", self.lang))}</h{level}>'

    def _series_phrase(self) -> str:
        return t("national_report.trends.national_series", self.lang, series=series_phrase("total", KINDS, self.lang))

    def _national_apc(self, term: str) -> dict | None:
        rows = self.fits["total"].apc()
        row = rows[(rows["term"] == term) & rows["fitted"]]
        return None if row.empty else row.iloc[0].to_dict()

    def _trend_item(self, row: dict) -> str:
        """'Tỉnh A: giảm 12,3% mỗi năm, các tỉnh còn lại tăng 0,4% mỗi năm'."""
        lang = self.lang
        return t(
            "national_report.trends.differs_item",
            lang,
            name=self._names()[row["unit_code"]],
            direction=t(f"trends.report.direction.{'up' if row['apc'] >= 0 else 'down'}", lang),
            apc=number(abs(row["apc"]), lang, 1),
            rest_direction=t(f"trends.report.direction.{'up' if row['rest_apc'] >= 0 else 'down'}", lang),
            rest_apc=number(abs(row["rest_apc"]), lang, 1),
        )

    def _flagged(self, flag: str) -> pd.DataFrame:
        table = self.units_table
        return table[table["flag"] == flag].sort_values("rate", ascending=flag == "below")

    # --- parts ------------------------------------------------------------------------------------------------
    def header(self) -> str:
        return self.base.header(
            PARTS, "national_report.part", "national_report.title", "national_report.simulated_banner"
        )

    def summary(self) -> str:
        """The few sentences a committee member reads instead of the report."""
        lang = self.lang
        sentences = [" ".join(term_sentences(self.base.table, KINDS, lang, threshold=self.threshold)[-2:])]
        rows = self.fits["total"].apc()
        sentences.append(apc_sentence(rows[rows["term"] == self.last_term].iloc[0], self._series_phrase(), lang))
        sentences.append(self._rates_summary())
        rise = fastest_rise(self.trends, self.trend_term)
        if rise is not None:
            sentences.append(self._rise_sentence(rise))
            sentences.append(self._differs_sentence(self.trend_term))
        if self.provinces["merged"].any():
            sentences.append(
                t(
                    "national_report.summary.merger",
                    lang,
                    current=len(self.provinces),
                    total=self._former_count(),
                    year=self._merger_date().year,
                )
            )
        return self._h("summary") + items(sentences, css="summary")

    def _rates_summary(self) -> str:
        lang, parts = self.lang, []
        for flag in ("above", "below"):
            named = self._flagged(flag)
            if not named.empty:
                names = t("national_report.summary.names_separator", lang).join(
                    t("national_report.summary.name_rate", lang, name=r.name, rate=number(r.rate, lang, 2))
                    for r in named.itertuples()
                )
                parts.append(t(f"national_report.summary.flag.{flag}", lang, n=len(named), names=names))
        for flag in ("warning", "within"):
            n = int((self.units_table["flag"] == flag).sum())
            if n:
                parts.append(t(f"national_report.summary.flag.{flag}", lang, n=n))
        return t(
            "national_report.summary.rates",
            lang,
            period=self.period,
            rate=number(self.units_table["overall_rate"].iloc[0], lang, 2),
            parts="; ".join(parts),
        )

    def _rise_sentence(self, rise: dict) -> str:
        lang = self.lang
        fields = {
            "term": term_label(rise["term"]),
            "name": self._names()[rise["unit_code"]],
            "apc": number(abs(rise["apc"]), lang, 1),
            "low": number(rise["apc_low"], lang, 1),
            "high": number(rise["apc_high"], lang, 1),
        }
        if rise["apc"] < 0:
            return t("national_report.trends.fastest_none", lang, term=fields["term"])
        return t(f"national_report.trends.fastest_{'clear' if rise['clear'] else 'unclear'}", lang, **fields)

    def _differs_sentence(self, term: str) -> str:
        lang = self.lang
        rows = self.trends[(self.trends["term"] == term) & self.trends["versus"].isin(["higher", "lower"])]
        if rows.empty:
            return t("national_report.trends.differs_none", lang, term=term_label(term))
        rows = rows.sort_values("apc")
        listed = "; ".join(self._trend_item(r) for r in rows.to_dict("records"))
        return t("national_report.trends.differs", lang, term=term_label(term), n=len(rows), items=listed)

    def _merger_date(self) -> pd.Timestamp:
        """The day the merged provinces began (the earliest, should they differ)."""
        units = self.base.dataset.units.set_index("unit_code")
        merged = self.provinces.loc[self.provinces["merged"], "unit_code"]
        return min(pd.Timestamp(units.loc[code, "valid_from"]) for code in merged)

    def _former_count(self) -> int:
        """The provinces on the map before the merger: the unchanged ones and every one merged into another."""
        unchanged = int((~self.provinces["merged"]).sum())
        return unchanged + len({code for row in self.provinces["predecessors"] for code in row})

    def terms_part(self) -> str:
        """Part I: the nation's term table, then each province's counts and rates per term."""
        lang = self.lang
        national = TermTableReport(self.base).terms_section(
            Heading("terms-national", t("national_report.terms.national", lang), 3), threshold=self.threshold
        )
        return (
            self._h("terms")
            + national
            + f'<h3 id="terms-provinces">{escape(t("national_report.terms.provinces", lang))}</h3>'
            + paragraphs(self._province_change_sentences())
            + self._province_table()
        )

    def _comparable(self) -> tuple[str, str] | None:
        """The last term and the one before it, when both are complete (their change is then stated)."""
        table = self.base.table
        if len(table) < 2 or not (table["complete"].iloc[-1] and table["complete"].iloc[-2]):
            return None
        return table["term"].iloc[-2], table["term"].iloc[-1]

    def _province_change_sentences(self) -> list[str]:
        lang, pair = self.lang, self._comparable()
        if pair is None:
            return [t("national_report.terms.provinces_incomplete", lang, term=term_label(self.last_term))]
        previous, term = pair
        before = self.by_term[self.by_term["term"] == previous].set_index("unit_code")
        after = self.by_term[self.by_term["term"] == term].set_index("unit_code")
        sentences = []
        for kind in KINDS:
            small = [small_base(before.loc[c, kind], after.loc[c, kind], self.threshold) for c in after.index]
            change = after[f"{kind}_change_pct"].where(~pd.Series(small, index=after.index))
            up, down = int((change.round(2) > 0).sum()), int((change.round(2) < 0).sum())
            rest = len(after) - up - down
            fields = {
                "term": term_label(term),
                "previous": term_label(previous),
                "kind": t(f"report.kind.{kind}", lang),
                "up": up,
                "down": down,
            }
            sentence = t("national_report.terms.kind_changes", lang, **fields)
            if rest:
                sentence += " " + t("national_report.terms.kind_rest", lang, n=rest)
            if up:
                code = change.idxmax()
                sentence += " " + t(
                    "national_report.terms.kind_most",
                    lang,
                    name=self._names()[code],
                    change=change_phrase(
                        change[code], lang, before.loc[code, kind], after.loc[code, kind], self.threshold
                    ),
                )
            sentences.append(sentence)
        return sentences

    def _province_table(self) -> str:
        """Provinces as rows, the nation last: each kind per term and its change, and the combined rate per term."""
        lang, labels = self.lang, list(self.base.table["term"])
        pair = self._comparable()
        frames = [
            self.by_term.assign(name=self.by_term["unit_code"].map(self._names())),
            self.base.table.assign(unit_code=NATION, name=t("national_report.nation_row", lang)),
        ]
        long = pd.concat(frames, ignore_index=True)
        order = [*self.provinces.sort_values("name")["unit_code"], NATION]
        shown = pd.DataFrame({"unit_code": order})
        shown["name"] = shown["unit_code"].map(long.drop_duplicates("unit_code").set_index("unit_code")["name"])
        headers = {"name": t("national_report.terms.col_province", lang)}
        formats: dict = {}
        symbols: list[str] = []
        for kind in KINDS:
            kind_name = t(f"codes.exit_kind.{kind}", lang)
            for term in labels:
                column = f"{kind}@{term}"
                values = long[long["term"] == term].set_index("unit_code")[kind]
                shown[column] = shown["unit_code"].map(values)
                headers[column] = t("national_report.terms.col_count", lang, kind=kind_name, term=term_label(term))
                formats[column] = lambda v: number(v, lang)
            if pair is not None:
                cells = []
                for code in order:
                    rows = long[long["unit_code"] == code].set_index("term")
                    before, after = rows.loc[pair[0], kind], rows.loc[pair[1], kind]
                    change = rows.loc[pair[1], f"{kind}_change_pct"]
                    if pd.isna(change):
                        cells.append("–")
                    elif small_base(before, after, self.threshold):
                        cells.append(SMALL_BASE_MARK)
                    else:
                        cells.append(signed_percent(float(change), lang))
                shown[f"{kind}@change"] = cells
                symbols += cells
                headers[f"{kind}@change"] = t("national_report.terms.col_change", lang, kind=kind_name)
        if "total_rate" in long:
            for term in labels:
                column = f"rate@{term}"
                shown[column] = shown["unit_code"].map(long[long["term"] == term].set_index("unit_code")["total_rate"])
                headers[column] = t("national_report.terms.col_rate", lang, term=term_label(term))
                formats[column] = lambda v: number(v, lang, 2)
        table = self.base.table
        first, last = int(table["first_year"].iloc[0]), self.base.last_year
        note = [t("national_report.terms.provinces_note", lang)]
        if pair is not None:
            note.append(
                t("national_report.terms.change_note", lang, term=term_label(pair[1]), previous=term_label(pair[0]))
            )
        if "total_rate" in long:
            note.append(t("national_report.terms.rate_note", lang))
        if "–" in symbols:
            note.append(t("report.terms.dash_legend", lang, reasons=t("report.terms.dash_incomplete", lang)))
        if SMALL_BASE_MARK in symbols:
            note.append(t("report.terms.small_legend", lang, threshold=self.threshold))
        return html_table(
            shown,
            formats,
            headers,
            caption=self.base.caption_text(t("national_report.terms.provinces_caption", lang, first=first, last=last)),
            note=" ".join(note),
        )

    def rates_part(self) -> str:
        """Part II: each province's rate in the last term against the common rate, in the funnel's limits."""
        lang, table = self.lang, self.units_table
        overall = number(table["overall_rate"].iloc[0], lang, 2)
        parts = [
            self._h("rates"),
            say("national_report.rates.intro", lang, period=self.period, n=len(table), rate=overall),
        ]
        named = flagged_sentences({flag: self._flagged(flag) for flag in FLAGS_NAMED}, lang)
        if (table["flag"] == "within").all():
            named.append(t("national_report.rates.all_within", lang, n=len(table)))
        parts.append(paragraphs(named))
        parts.append(
            figure_html(
                partial(
                    funnel,
                    table,
                    self.units_curves,
                    lang,
                    self.base.dataset.simulated,
                    name_flags=FUNNEL_NAMED,
                    fit_labels=True,
                    phone_height=FUNNEL_PHONE_HEIGHT,
                ),
                t("national_report.rates.funnel_alt", lang, units=" ".join(named)),
                self.base.caption_text(t("national_report.rates.funnel_caption", lang, period=self.period)),
            )
        )
        headers, formats = funnel_columns(t("national_report.terms.col_province", lang), lang)
        parts.append(
            html_table(
                table.sort_values(["rate", "name"], ascending=[False, True]),
                formats,
                headers,
                caption=self.base.caption_text(t("national_report.rates.table_caption", lang, period=self.period)),
                note=t("national_report.rates.table_note", lang, period=self.period, rate=overall),
            )
        )
        return "".join(parts)

    def trends_part(self) -> str:
        """Part III: the nation's trend per term, then each province's, and which differ clearly from the rest."""
        lang = self.lang
        parts = [self._h("trends"), say("trends.report.apc_intro", lang)]
        phrase = self._series_phrase()
        national = [
            apc_sentence(pd.Series(row), phrase, lang)
            for row in self.fits["total"].apc().to_dict("records")
            if row["term"] in {s.label for s in self.spans}
        ]
        parts.append(paragraph(" ".join(national)))
        parts.append(say("national_report.trends.compare_intro", lang))
        fitted = [span.label for span in self.spans if span.fitted]
        clear = self.trends["versus"].isin(["higher", "lower"])
        if fitted and not clear.any():  # one sentence for every term rather than one 'none' per term
            terms = t("report.and", lang).join(term_label(term) for term in fitted)
            parts.append(say("national_report.trends.differs_none", lang, term=terms))
        else:
            parts.extend(paragraph(self._differs_sentence(term)) for term in fitted)
        rise = fastest_rise(self.trends, self.trend_term)
        if rise is not None:
            parts.append(paragraph(self._rise_sentence(rise)))
        last = self.trends[(self.trends["term"] == self.trend_term) & self.trends["fitted"]]
        if not last.empty:
            shown = last.assign(name=last["unit_code"].map(self._names())).sort_values("apc", ascending=False)
            nation = self._national_apc(self.trend_term)
            draw = partial(province_forest, shown, nation, lang, self.base.dataset.simulated)
            parts.append(
                figure_html(
                    draw,
                    t("national_report.trends.forest_alt", lang, term=term_label(self.trend_term)),
                    self.base.caption_text(
                        t("national_report.trends.forest_caption", lang, term=term_label(self.trend_term))
                    ),
                )
            )
        parts.append(self._trends_table())
        return "".join(parts)

    def _trends_table(self) -> str:
        lang = self.lang
        shown = self.provinces[["unit_code", "name"]].sort_values("name").reset_index(drop=True)
        headers = {"name": t("national_report.terms.col_province", lang)}
        fmt = lambda v: number(v, lang, 1) + "%"  # noqa: E731
        dash = False
        for span in self.spans:
            rows = self.trends[self.trends["term"] == span.label].set_index("unit_code")
            apc = [fmt(rows.loc[c, "apc"]) if rows.loc[c, "fitted"] else "–" for c in shown["unit_code"]]
            interval = [
                t(
                    "national_report.trends.interval",
                    lang,
                    low=fmt(rows.loc[c, "apc_low"]),
                    high=fmt(rows.loc[c, "apc_high"]),
                )
                if rows.loc[c, "fitted"]
                else "–"
                for c in shown["unit_code"]
            ]
            dash = dash or "–" in apc
            shown[f"apc@{span.label}"], shown[f"ci@{span.label}"] = apc, interval
            headers[f"apc@{span.label}"] = t("national_report.trends.col_apc", lang, term=term_label(span.label))
            headers[f"ci@{span.label}"] = t("national_report.trends.col_interval", lang, term=term_label(span.label))
        rows = self.trends[self.trends["term"] == self.trend_term].set_index("unit_code")
        shown["versus"] = [
            t(f"national_report.trends.versus.{rows.loc[c, 'versus']}", lang) for c in shown["unit_code"]
        ]
        headers["versus"] = t("national_report.trends.col_versus", lang, term=term_label(self.trend_term))
        note = t("national_report.trends.table_note", lang)
        if dash:
            note += " " + t("trends.report.apc_dash", lang, minimum=MIN_YEARS_PER_TERM)
        first, last = self.spans[0].first_year, int(self.nation["year"].max())
        return html_table(
            shown,
            {},
            headers,
            caption=self.base.caption_text(t("national_report.trends.table_caption", lang, first=first, last=last)),
            note=note,
        )

    def merger_part(self) -> str:
        """Part IV: the merged provinces and the provinces each was formed from, with their last-term counts."""
        lang = self.lang
        parts = [self._h("merger")]
        if not self.provinces["merged"].any():
            return parts[0] + say("national_report.merger.none", lang)
        merged = self.provinces[self.provinces["merged"]]
        date = self._merger_date()
        parts.append(
            say(
                "national_report.merger.intro",
                lang,
                date=long_date(date, lang),
                merged=len(merged),
                former=len({c for row in merged["predecessors"] for c in row}),
                unchanged=int((~self.provinces["merged"]).sum()),
                current=len(self.provinces),
                total=self._former_count(),
                first=int(self.nation["year"].min()),
                last=int(self.nation["year"].max()),
            )
        )
        table = self.merger.assign(order=self.merger["name"]).sort_values(["order", "former_name"])
        headers = {
            "name": t("national_report.merger.col_current", lang),
            "former_name": t("national_report.merger.col_former", lang),
            **{kind: t(f"codes.exit_kind.{kind}", lang) for kind in KINDS},
            "total": t("report.terms.col_total", lang),
            "members_start": t("national_report.merger.col_members", lang, year=self.units_years.start),
        }
        formats = {c: (lambda v: number(v, lang)) for c in [*KINDS, "total", "members_start"]}
        note = t(
            "national_report.merger.note",
            lang,
            term=term_label(self.last_term),
            first=self.units_years.start,
            last=self.units_years.stop - 1,
        )
        if table["members_start"].isna().any():
            note += " " + t("national_report.merger.dash", lang)
        parts.append(
            html_table(
                table,
                formats,
                headers,
                caption=self.base.caption_text(
                    t("national_report.merger.caption", lang, term=term_label(self.last_term), year=date.year)
                ),
                note=note,
            )
        )
        return "".join(parts)

    def appendix(self) -> str:
        """Methods in plain words with the statistics behind the main text, the small-number rule, provenance."""
        lang = self.lang
        fitted = self.trends[self.trends["fitted"]]
        quasi = int(fitted.drop_duplicates("unit_code")["family"].eq("quasi_poisson").sum())
        methods = [
            t("national_report.appendix.exposure", lang),
            t("national_report.appendix.model", lang, minimum=MIN_YEARS_PER_TERM),
            t(
                "national_report.appendix.dispersion",
                lang,
                threshold=number(DISPERSION_THRESHOLD, lang, 1),
                quasi=quasi,
                n=len(self.provinces),
                largest=number(float(fitted["dispersion"].max()), lang, 2) if not fitted.empty else "–",
            ),
            t("national_report.appendix.compare", lang, n=len(self.provinces), alpha=number(ALPHA, lang, 2)),
            t("national_report.appendix.funnel", lang, period=self.period),
            t("trends.report.methods.limits", lang),
        ]
        terms = self.base.terms.for_province(self.base.province)
        listed = ", ".join(term_label(x) for x in terms["label"])
        if self.configured_terms:
            files = ", ".join(repo_relative(f) for f in self.base.terms.files)
            source = t("national_report.appendix.terms_configured", lang, terms=listed, files=files)
        else:
            source = t("national_report.appendix.terms_cycle", lang, terms=listed)
        rule = paragraphs(
            t(f"committee.appendix.small_numbers_{part}", lang, threshold=self.threshold, largest=self.threshold - 1)
            for part in ("shown", "changes")
        )
        provenance = self.base.appendix(Heading("provenance", t("committee.appendix.provenance", lang), 3))
        return "".join(
            [
                self._h("appendix"),
                f'<h3 id="methods">{escape(t("national_report.appendix.methods", lang))}</h3>',
                items(methods),
                self._compare_results(),
                f'<h3 id="terms-rule">{escape(t("national_report.appendix.terms", lang))}</h3>',
                paragraphs([source, self.base.terms.rule(lang)]),
                f'<h3 id="small-numbers">{escape(t("committee.appendix.small_numbers", lang))}</h3>',
                rule,
                provenance,
            ]
        )

    def _compare_results(self) -> str:
        """The test behind each 'differs clearly' of the main text: the difference of slopes, z and p."""
        lang = self.lang
        rows = self.trends[self.trends["versus"].isin(["higher", "lower"])]
        if rows.empty:
            return say("national_report.appendix.compare_none", lang, alpha=number(ALPHA, lang, 2))
        listed = "; ".join(
            t(
                "national_report.appendix.compare_item",
                lang,
                name=self._names()[r["unit_code"]],
                term=term_label(r["term"]),
                z=number(r["z"], lang, 2),
                p=p_value(r["p_holm"], lang),
            )
            for r in rows.sort_values(["term", "z"]).to_dict("records")
        )
        return say("national_report.appendix.compare_results", lang, items=listed)


# --- figures --------------------------------------------------------------------------------------------


def province_forest(
    rows: pd.DataFrame,
    nation: dict | None,
    lang: str = "vi",
    simulated: bool = False,
    width: float = DESKTOP_WIDTH,
) -> plt.Figure:
    """Each province's annual percent change in the last term with its 95% interval, largest first, the nation's
    on top in black and as a dashed line; provinces clearly above or below the rest of the country in colour."""
    labels = [short_name(name) for name in rows["name"]]
    estimate, low, high = list(rows["apc"]), list(rows["apc_low"]), list(rows["apc_high"])
    colours = [VERSUS_COLOURS.get(v, "#555555") for v in rows["versus"]]
    if nation is not None:
        labels.insert(0, t("national_report.nation_row", lang))
        estimate.insert(0, nation["apc"])
        low.insert(0, nation["apc_low"])
        high.insert(0, nation["apc_high"])
        colours.insert(0, NATION_COLOUR)
    present = set(rows["versus"])
    entries = len(present & set(VERSUS_COLOURS)) + (nation is not None)
    legend_lines = entries if is_phone(width) else (entries + 1) // 2

    def decorate(ax, ys) -> None:
        handles = []
        if nation is not None:
            ax.axvline(nation["apc"], color=NATION_COLOUR, linestyle="--", linewidth=0.9)
            handles.append(
                matplotlib.lines.Line2D(
                    [], [], color=NATION_COLOUR, linestyle="--", label=t("national_report.trends.legend.nation", lang)
                )
            )
        for versus in ("higher", "lower", "same"):
            if versus in present:
                handles.append(
                    matplotlib.lines.Line2D(
                        [],
                        [],
                        color=VERSUS_COLOURS[versus],
                        marker="o",
                        linestyle="",
                        label=t(f"national_report.trends.legend.{versus}", lang),
                    )
                )
        ax.legend(
            handles=handles,
            frameon=False,
            loc="lower left",
            bbox_to_anchor=(-0.02 if is_phone(width) else 0, 1.0),
            ncols=1 if is_phone(width) else 2,
            fontsize=MIN_TEXT_PT,
        )

    return forest(
        labels,
        estimate,
        low,
        high,
        colours,
        0,
        t("report.axis.apc", lang),
        lambda v, _: number(v, lang) + "%",
        width=width,
        row_height=0.34,
        margin=1.4 + legend_lines * MIN_TEXT_PT / 72 * 1.5,
        lang=lang,
        simulated=simulated,
        decorate=decorate,
    )
