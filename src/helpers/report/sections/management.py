"""The member-management part of the report: screening, exemptions against the directive's threshold, members
working far away and "76" members, each section as escaped HTML.

Counts of people per unit go through :mod:`helpers.report.suppression`: each measure's table (units × the measure and
the
rest of its base) is suppressed on its own, a hidden count hides its share, and a unit's member total is hidden
wherever any of its tables hides it. Sections whose column the data lacks say so and stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, partial
from typing import ClassVar

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.analyses.management import (
    EXEMPTION_THRESHOLD_PCT,
    exemptions,
    far_away,
    registered_76,
    screening,
    unit_series,
)
from helpers.data.codes import ATTRITION_EXITS
from helpers.data.units import subordinate_units
from helpers.report.base import AnalysisReport, Heading, TermReport
from helpers.report.formatting import number, percent, share
from helpers.report.html import paragraph
from helpers.report.plots import DESKTOP_WIDTH, MIN_TEXT_PT, figure_html, forest, is_phone, textwrap_label
from helpers.report.sections.admissions import join_words, legend_table, suppression_rule
from helpers.report.suppression import note, suppress
from helpers.text import t

SECTIONS = ("screening", "exemptions", "far_away", "methods", "appendix")
# Per measure: the base every part is a share of, and its parts (disjoint; the rest of the base is added as a cell).
PARTS = {
    "screening": ("screened", ("removed", "monitored")),
    "exemptions": ("members", ("exempted",)),
    "far_away": ("members", ("overdue", "current")),
    "registered_76": ("members", ("registered_76",)),
}
COUNTS = {
    "screening": ("screened", "removed", "monitored"),
    "exemptions": ("members", "exempted"),
    "far_away": ("members", "far_away", "overdue"),
    "registered_76": ("members", "registered_76"),
}
SHARES = {
    "screening": {"removed": "screened", "monitored": "screened"},
    "exemptions": {"exempted": "members"},
    "far_away": {"far_away": "members", "overdue": "far_away"},
    "registered_76": {"registered_76": "members"},
}
MEMBER_BASED = ("exemptions", "far_away", "registered_76")
# Directive 28-CT/TW of 21 January 2019 (seed 003) ordered the screening round of 2019: a screening reported for that
# year alone is that round.
DIRECTIVE_28_YEAR = 2019


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _cells(frame: pd.DataFrame, measure: str) -> pd.DataFrame:
    """The table the suppression rule sees: the measure's parts that every row has, and the rest of the base."""
    base, parts = PARTS[measure]
    data = frame.copy()
    if measure == "far_away":
        if data["overdue"].notna().all():
            data["current"] = data["far_away"] - data["overdue"]
        else:
            parts = ("far_away",)
    parts = tuple(p for p in parts if p in data.columns and data[p].notna().all())
    cells = pd.DataFrame({p: data[p].astype("int64") for p in parts}, index=data.index)
    cells["rest"] = data[base].astype("int64") - cells.sum(axis=1)
    return cells


def withheld_flags(frame: pd.DataFrame, measure: str, threshold: int) -> pd.DataFrame:
    """Which counts of one table (one year's rows) the suppression rule hides, a column per count of the measure.

    Far away is hidden with either of its parts (overdue, not overdue); a count that only some rows have was not
    part of the table, so all of its values are hidden.
    """
    cells = _cells(frame, measure)
    hidden = suppress(cells.reset_index(drop=True), threshold)
    flags = pd.DataFrame(index=frame.index)
    for column in COUNTS[measure]:
        if column in cells.columns:
            flags[column] = hidden.hidden[column].to_numpy()
        elif column in frame.columns:
            flags[column] = frame[column].notna().to_numpy()
    flags[PARTS[measure][0]] = hidden.row_total_hidden.to_numpy()
    if measure == "far_away" and "current" in cells.columns:
        flags["far_away"] = hidden.hidden[["overdue", "current"]].any(axis=1).to_numpy()
    return flags


def suppression_note(frame: pd.DataFrame, measure: str, threshold: int, lang: str) -> str:
    """The suppression note of one table, from the same table the flags came from."""
    return note(suppress(_cells(frame, measure).reset_index(drop=True), threshold), lang)


def withheld(frame: pd.DataFrame, measure: str, unit: str, threshold: int) -> pd.DataFrame:
    """The measure's rows with every hidden count, and each share and interval it would give away, set to missing.

    The subordinate units of one year form one table; the unit's own row of a year is a table by itself.
    """
    out = frame.astype(object).copy()
    for _, part in frame.groupby([frame["unit_code"] == unit, "year"]):
        flags = withheld_flags(part, measure, threshold)
        for column in flags.columns:
            out.loc[part.index[flags[column].to_numpy()], column] = None
    return _hide_shares(out, measure)


def _hide_shares(out: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Missing shares and intervals wherever their count or their base is missing."""
    for measured, base in SHARES[measure].items():
        if f"{measured}_share" in out.columns:
            hide = out[measured].isna() | out[base].isna()
            out.loc[hide, [f"{measured}_share", f"{measured}_low", f"{measured}_high"]] = None
    return out


@dataclass(frozen=True)
class ManagementReport(AnalysisReport):
    """Everything the member-management part shows, computed once; a frame is None when the data lacks it."""

    SECTIONS: ClassVar[tuple[str, ...]] = SECTIONS
    SECTION_KEYS: ClassVar[str] = "management.section"
    TITLE_KEY: ClassVar[str] = "quality.title"
    year: int
    threshold: int
    exemption_threshold_pct: float
    children: list[str]
    series: pd.DataFrame | None
    screening: pd.DataFrame | None
    exemptions: pd.DataFrame | None
    far_away: pd.DataFrame | None
    registered_76: pd.DataFrame | None

    @classmethod
    def build(
        cls,
        data_path: str,
        unit: str,
        year: int,
        threshold: int,
        language: str,
        base: TermReport | None = None,
        exemption_threshold_pct: float = EXEMPTION_THRESHOLD_PCT,
    ) -> ManagementReport:
        """Each measure for the unit and its subordinate units in every year; sections show ``year`` (0: the latest
        year the unit has)."""
        base = base or TermReport.build(data_path, unit, [], list(ATTRITION_EXITS), language)
        data = base.dataset
        children = subordinate_units(data.units, base.unit)
        management = getattr(data, "member_management", None)
        series = None if management is None else unit_series(management, data.units, [base.unit, *children])
        if series is None or not (series["unit_code"] == base.unit).any():
            return cls(base, int(year), threshold, exemption_threshold_pct, children, None, None, None, None, None)
        year = int(year) or int(series.loc[series["unit_code"] == base.unit, "year"].max())
        return cls(
            base,
            year,
            threshold,
            exemption_threshold_pct,
            children,
            series,
            screening(series),
            exemptions(series, exemption_threshold_pct),
            far_away(series),
            registered_76(series),
        )

    @property
    def measures(self) -> dict[str, pd.DataFrame]:
        """The measures the data has, by name."""
        frames = {
            "screening": self.screening,
            "exemptions": self.exemptions,
            "far_away": self.far_away,
            "registered_76": self.registered_76,
        }
        return {name: frame for name, frame in frames.items() if frame is not None}

    @cached_property
    def shown(self) -> dict[str, pd.DataFrame]:
        """Each measure as a reader may see it: hidden counts and the shares they would give away are missing, and
        a unit's member total hidden in one table is hidden in every table (with the shares over it)."""
        out = {name: withheld(frame, name, self.base.unit, self.threshold) for name, frame in self.measures.items()}
        hidden: set[tuple[str, int]] = set()
        for name in MEMBER_BASED:
            if name in out:
                lost = out[name]["members"].isna() & self.measures[name]["members"].notna()
                hidden |= set(zip(out[name].loc[lost, "unit_code"], out[name].loc[lost, "year"]))
        for name in MEMBER_BASED:
            if name in out and hidden:
                rows = [(u, y) in hidden for u, y in zip(out[name]["unit_code"], out[name]["year"])]
                out[name].loc[rows, "members"] = None
                out[name] = _hide_shares(out[name], name)
        return out

    # --- helpers --------------------------------------------------------------------------------------------
    def _names(self) -> pd.Series:
        return self.base.dataset.units.set_index("unit_code")["name"]

    def _interval(self, row, prefix: str) -> dict[str, str]:
        return {
            "share": share(row[f"{prefix}_share"], self.lang),
            "low": share(row[f"{prefix}_low"], self.lang),
            "high": share(row[f"{prefix}_high"], self.lang),
        }

    def _all(self, n: int) -> str:
        """'cả hai đơn vị' / 'both units', 'cả 3 đơn vị' / 'all 3 units'."""
        return (
            t("management.all_two", self.lang) if n == 2 else t("management.all_n", self.lang, n=number(n, self.lang))
        )

    @property
    def threshold_text(self) -> str:
        decimals = 0 if float(self.exemption_threshold_pct).is_integer() else 1
        return percent(self.exemption_threshold_pct, self.lang, decimals)

    def _start(self, anchor: str, heading: Heading | None) -> list[str]:
        return [self.base.heading(anchor, t(f"management.section.{anchor}", self.lang), heading)]

    def _missing(self, anchor: str, heading: Heading | None, present: bool, what: str) -> str | None:
        """The section's whole text when the data lacks the table or the column, else None."""
        if self.series is None:
            text = t("management.no_data", self.lang)
        elif not present:
            text = t("management.no_column", self.lang, what=t(f"management.what.{what}", self.lang))
        else:
            return None
        return "".join(self._start(anchor, heading)) + paragraph(text)

    def _own(self, measure: str) -> pd.DataFrame:
        """The unit's own rows of a measure as shown, by year."""
        frame = self.shown[measure]
        return frame[frame["unit_code"] == self.base.unit].set_index("year")

    def _children_in(self, measure: str, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The subordinate units' rows of ``year``: as computed and as shown, in the units table's order."""
        frames = []
        for frame in (self.measures[measure], self.shown[measure]):
            part = frame[frame["unit_code"].isin(self.children) & (frame["year"] == year)].set_index("unit_code")
            frames.append(part.reindex([c for c in self.children if c in part.index]))
        return frames[0], frames[1]

    def _count(self, full, shown) -> str:
        """A count cell: the number, 'x' when the rule hides it, '–' when the data has none."""
        if pd.isna(full):
            return "–"
        return t("management.hidden", self.lang) if shown is None or pd.isna(shown) else number(shown, self.lang)

    def _share(self, full: pd.Series, shown: pd.Series, prefix: str, interval: bool = False) -> str:
        """A share cell: the share ('x' when hidden, '–' when the data has none); with ``interval`` (the appendix)
        its 95% interval in brackets."""
        if pd.isna(full[f"{prefix}_share"]):
            return "–"
        if shown[f"{prefix}_share"] is None or pd.isna(shown[f"{prefix}_share"]):
            return t("management.hidden", self.lang)
        point, low, high = (share(shown[f"{prefix}_{part}"], self.lang) for part in ("share", "low", "high"))
        return f"{point} ({low}–{high})" if interval else point

    def _table(
        self, full: pd.DataFrame, shown: pd.DataFrame, counts: list[str], shares: list[str], interval: bool = False
    ) -> dict:
        columns = {"unit": [self._names()[c] for c in full.index]}
        for column in counts:
            columns[column] = [self._count(full.loc[c, column], shown.loc[c, column]) for c in full.index]
        for prefix in shares:
            columns[f"{prefix}_share"] = [self._share(full.loc[c], shown.loc[c], prefix, interval) for c in full.index]
        return columns

    # --- section 1 ------------------------------------------------------------------------------------------
    def screening_sentences(self) -> list[str]:
        """The seed's sentence for each year with screening results, up to the report's year."""
        lang, out = self.lang, []
        full = self.measures["screening"]
        full = full[full["unit_code"] == self.base.unit].set_index("year")
        own = self._own("screening")
        own = own[own.index <= self.year]
        for year, row in own.iterrows():
            if row["screened"] is None:
                out.append(t("management.screening_hidden", lang, year=year))
                continue
            fields = {"year": year, "screened": number(row["screened"], lang)}
            removed, monitored = full.loc[year, "removed"], full.loc[year, "monitored"]
            if pd.isna(removed):
                out.append(t("management.screening_only", lang, **fields))
            elif row["removed"] is None or (pd.notna(monitored) and row["monitored"] is None):
                out.append(t("management.screening_small", lang, **fields))
            elif pd.isna(monitored):
                out.append(
                    t(
                        "management.screening_removed",
                        lang,
                        removed=number(row["removed"], lang),
                        **self._interval(row, "removed"),
                        **fields,
                    )
                )
            else:
                out.append(
                    t(
                        "management.screening_full",
                        lang,
                        removed=number(row["removed"], lang),
                        monitored=number(row["monitored"], lang),
                        **self._interval(row, "removed"),
                        **fields,
                    )
                )
        if len(out) == 1 and len(own) == 1:  # one screening round in the data: said so, so the year needs no guess
            year = int(own.index[0])
            key = "management.screening_one_year_28" if year == DIRECTIVE_28_YEAR else "management.screening_one_year"
            out[0] = t(key, lang, year=year, sentence=out[0][0].lower() + out[0][1:])
        return out

    def screening_section(self, heading: Heading | None = None) -> str:
        missing = self._missing("screening", heading, self.screening is not None, "screening")
        if missing:
            return missing
        lang = self.lang
        parts = self._start("screening", heading)
        sentences = self.screening_sentences() or [
            t("management.no_year", lang, what=t("management.what.screening", lang), year=self.year)
        ]
        parts += [paragraph(s) for s in sentences]
        years = [
            int(y)
            for y, u in zip(self.screening["year"], self.screening["unit_code"])
            if u in self.children and y <= self.year
        ]
        if years:
            year = max(years)
            full, shown = self._children_in("screening", year)
            columns = self._table(full, shown, ["screened", "removed"], ["removed"])
            columns["monitored"] = [
                self._count(full.loc[c, "monitored"], shown.loc[c, "monitored"]) for c in full.index
            ]
            table = pd.DataFrame(columns)
            headers = {c: t(f"management.col.{c}", lang) for c in table.columns}
            caption = self.base.caption_text(t("management.screening_caption", lang, year=year))
            parts.append(
                legend_table(
                    table,
                    {},
                    headers,
                    caption,
                    lang,
                    self.threshold,
                    notes=(t("management.screening_note", lang, year=year),),
                    dash=t("management.legend.no_data", lang),
                )
            )
        return "".join(parts)

    # --- section 2 ------------------------------------------------------------------------------------------
    def exemption_sentences(self) -> list[str]:
        """The unit's share against the threshold, the subordinate units above it, whether their intervals are,
        and in how many years each was above."""
        lang, out, names = self.lang, [], self._names()
        own = self._own("exemptions")
        fields = {"year": self.year, "unit": names[self.base.unit], "threshold": self.threshold_text}
        if self.year not in own.index:
            return [t("management.no_year", lang, what=t("management.what.exemptions", lang), year=self.year)]
        row = own.loc[self.year]
        if row["exempted_share"] is None:
            out.append(t("management.exemptions_unit_small", lang, **fields))
        else:
            key = "management.exemptions_unit_above" if row["above"] else "management.exemptions_unit_below"
            out.append(
                t(key, lang, exempted=number(row["exempted"], lang), **self._interval(row, "exempted"), **fields)
            )
        full, shown = self._children_in("exemptions", self.year)
        if full.empty:
            return out
        flagged = full[full["above"]]
        if flagged.empty:
            out.append(t("management.exemptions_none_above", lang, **fields))
            return out
        items = [
            names[c]
            if shown.loc[c, "exempted_share"] is None
            else t("management.exemptions_item", lang, name=names[c], **self._interval(shown.loc[c], "exempted"))
            for c in flagged.index
        ]
        out.append(t("management.exemptions_above", lang, units=join_words(items, lang, "; "), **fields))
        # How long each has been above: the units above in every year with data are said together, with the years.
        history = self.exemptions[self.exemptions["year"] <= self.year]
        always, sometimes = [], []
        for code in flagged.index:
            years = history[history["unit_code"] == code]
            above = int(years["above"].sum())
            (always if above == len(years) else sometimes).append((code, above, years))
        groups: dict[tuple[int, int, int], list[str]] = {}
        for code, _, years in always:
            groups.setdefault((len(years), int(years["year"].min()), int(years["year"].max())), []).append(names[code])
        for (n, first, last), units in groups.items():
            key = "management.exemptions_always_one" if len(units) == 1 else "management.exemptions_always"
            out.append(
                t(
                    key,
                    lang,
                    units=join_words(units, lang),
                    all=_capital(self._all(len(units))),
                    years=n,
                    first=first,
                    last=last,
                    threshold=self.threshold_text,
                )
            )
        for code, above, years in sometimes:
            out.append(
                t(
                    "management.exemptions_years",
                    lang,
                    name=names[code],
                    threshold=self.threshold_text,
                    above=above,
                    years=len(years),
                    first=int(years["year"].min()),
                    last=int(years["year"].max()),
                )
            )
        # The whole 95% interval above the threshold, in plain words.
        sure = [names[c] for c in flagged.index if flagged.loc[c, "ci_above"]]
        unsure = [names[c] for c in flagged.index if not flagged.loc[c, "ci_above"]]
        if sure:
            if len(sure) == len(flagged):  # every unit named above: "these units", not the names again
                units = t(
                    "management.these_one" if len(sure) == 1 else "management.these_many",
                    lang,
                    all=self._all(len(sure)),
                )
            else:
                units = join_words(sure, lang)
            out.append(t("management.exemptions_ci_above", lang, units=units))
        if unsure:
            out.append(t("management.exemptions_ci_not_above", lang, units=join_words(unsure, lang)))
        return out

    def exemptions_section(self, heading: Heading | None = None) -> str:
        missing = self._missing("exemptions", heading, self.exemptions is not None, "exemptions")
        if missing:
            return missing
        lang = self.lang
        parts = self._start("exemptions", heading)
        parts += [paragraph(s) for s in self.exemption_sentences()]
        full, shown = self._children_in("exemptions", self.year)
        if full.empty:
            return "".join(parts)
        yes, no = t("management.yes", lang), t("management.no", lang)
        columns = self._table(full, shown, ["members", "exempted"], ["exempted"])
        columns["above"] = [yes if v else no for v in full["above"]]
        table = pd.DataFrame(columns)
        plotted = shown[shown["exempted_share"].notna()]
        if not plotted.empty:
            draw = partial(
                _exemption_plot,
                plotted,
                [self._names()[c] for c in plotted.index],
                self.exemption_threshold_pct,
                self.threshold_text,
                lang,
                self.base.dataset.simulated,
            )
            parts.append(
                figure_html(
                    draw,
                    t("management.exemptions_figure_alt", lang, year=self.year, threshold=self.threshold_text),
                    self.base.caption_text(
                        t("management.exemptions_figure_caption", lang, threshold=self.threshold_text, year=self.year)
                    ),
                )
            )
        headers = {c: t(f"management.col.{c}", lang) for c in table.columns}
        caption = self.base.caption_text(t("management.exemptions_caption", lang, year=self.year))
        parts.append(
            legend_table(
                table,
                {},
                headers,
                caption,
                lang,
                self.threshold,
                notes=(t("management.exemptions_note", lang, year=self.year),),
                dash=t("management.legend.no_data", lang),
            )
        )
        return "".join(parts)

    # --- section 3 ------------------------------------------------------------------------------------------
    def far_away_sentences(self) -> list[str]:
        """Far away and overdue, and "76" members, for the unit in the report's year."""
        lang, out = self.lang, []
        if "far_away" in self.measures:
            own = self._own("far_away")
            if self.year in own.index:
                row = own.loc[self.year]
                if row["far_away_share"] is None:
                    out.append(t("management.far_away_small", lang, year=self.year))
                else:
                    out.append(
                        t(
                            "management.far_away_sentence",
                            lang,
                            year=self.year,
                            count=number(row["far_away"], lang),
                            **self._interval(row, "far_away"),
                        )
                    )
                full = self.measures["far_away"].set_index(["unit_code", "year"]).loc[(self.base.unit, self.year)]
                if pd.notna(full["overdue"]) and row["overdue_share"] is None:
                    out.append(t("management.overdue_small", lang))
                elif pd.notna(full["overdue"]):
                    out.append(
                        t(
                            "management.overdue_sentence",
                            lang,
                            count=number(row["overdue"], lang),
                            **self._interval(row, "overdue"),
                        )
                    )
        if "registered_76" in self.measures:
            own = self._own("registered_76")
            if self.year in own.index:
                row = own.loc[self.year]
                if row["registered_76_share"] is None:
                    out.append(t("management.registered_76_small", lang, year=self.year))
                else:
                    out.append(
                        t(
                            "management.registered_76_sentence",
                            lang,
                            year=self.year,
                            count=number(row["registered_76"], lang),
                            **self._interval(row, "registered_76"),
                        )
                    )
        return out

    def far_away_section(self, heading: Heading | None = None) -> str:
        present = "far_away" in self.measures or "registered_76" in self.measures
        missing = self._missing("far_away", heading, present, "far_away")
        if missing:
            return missing
        lang = self.lang
        parts = self._start("far_away", heading)
        sentences = self.far_away_sentences() or [
            t("management.no_year", lang, what=t("management.what.far_away", lang), year=self.year)
        ]
        parts += [paragraph(s) for s in sentences]
        columns: dict[str, list[str]] = {}
        order = None
        for measure in ("far_away", "registered_76"):
            if measure not in self.measures:
                continue
            full, shown = self._children_in(measure, self.year)
            if full.empty or (order is not None and list(full.index) != order):
                continue  # the two measures cover different units this year: the first one's table only
            order = list(full.index)
            counts = (
                ["registered_76"]
                if measure == "registered_76"
                else (["far_away"] if full["overdue"].isna().all() else ["far_away", "overdue"])
            )
            got = self._table(full, shown, ["members", *counts], counts)
            columns |= {k: v for k, v in got.items() if k not in columns}
        if columns:
            table = pd.DataFrame(columns)
            headers = {c: t(f"management.col.{c}", lang) for c in table.columns}
            caption = self.base.caption_text(t("management.far_away_caption", lang, year=self.year))
            parts.append(
                legend_table(
                    table,
                    {},
                    headers,
                    caption,
                    lang,
                    self.threshold,
                    notes=(t("management.far_away_note", lang, year=self.year),),
                    dash=t("management.legend.no_data", lang),
                )
            )
        return "".join(parts)

    def interval_table(self) -> str:
        """The exempted share of each subordinate unit with its 95% interval and whether all of the interval is
        above the threshold, for the methods appendix."""
        if self.exemptions is None:
            return ""
        full, shown = self._children_in("exemptions", self.year)
        if full.empty:
            return ""
        lang = self.lang
        yes, no = t("management.yes", lang), t("management.no", lang)
        columns = self._table(full, shown, [], ["exempted"], interval=True)
        columns["ci_above"] = [yes if v else no for v in full["ci_above"]]
        table = pd.DataFrame(columns)
        headers = {c: t(f"management.col.{c}", lang) for c in table.columns}
        headers["exempted_share"] = t("management.col.exempted_interval", lang)
        caption = self.base.caption_text(t("management.interval_caption", lang, year=self.year))
        return legend_table(
            table,
            {},
            headers,
            caption,
            lang,
            self.threshold,
            notes=(t("management.interval_note", lang, year=self.year, threshold=self.threshold_text),),
            dash=t("management.legend.no_data", lang),
        )

    def methods_section(self, heading: Heading | None = None, standalone: bool = True) -> str:
        """Methods in plain words and the intervals behind the main text; ``standalone`` adds the suppression rule,
        which a composed report states once."""
        lang = self.lang
        items = [
            t(f"management.methods.{k}", lang, threshold=self.threshold_text)
            for k in ("shares", "screening", "exemptions", "far_away", "registered_76", "optional")
        ]
        if standalone:
            items.append(suppression_rule(self.threshold, lang))
        return self.list_section("methods", items, heading) + self.interval_table()


def management_tables(report: ManagementReport) -> dict[str, pd.DataFrame]:
    """The report's tables for the command line (the unit and its subordinate units, every year) as a reader may
    see them: each count the suppression rule hides, and the shares it would give away, missing; measures the
    data lacks are left out."""
    return dict(report.shown)


def _exemption_plot(
    table: pd.DataFrame,
    names: list[str],
    threshold_pct: float,
    threshold_text: str,
    lang: str,
    simulated: bool,
    width: float = DESKTOP_WIDTH,
) -> plt.Figure:
    """Each unit's exempted share with its 95% interval; the threshold as a vertical line, units above it in red."""

    def threshold_label(ax, ys) -> None:
        ax.annotate(
            " " + threshold_text,
            xy=(threshold_pct, 1.0),
            xycoords=("data", "axes fraction"),
            va="bottom",
            color="#b03a2e",
            fontsize=MIN_TEXT_PT,
            annotation_clip=False,
        )

    colours = np.where(table["above"].to_numpy(dtype=bool), "#b03a2e", "#555555")
    return forest(
        names,
        100 * table["exempted_share"].to_numpy(dtype=float),
        100 * table["exempted_low"].to_numpy(dtype=float),
        100 * table["exempted_high"].to_numpy(dtype=float),
        colours,
        threshold_pct,
        textwrap_label(t("management.axis.exempted", lang), 28)
        if is_phone(width)
        else t("management.axis.exempted", lang),
        lambda v, _: number(v, lang),
        width=width,
        row_height=0.4,
        margin=1.3,
        reference_style={"color": "#b03a2e", "linestyle": "--", "linewidth": 1},
        lang=lang,
        simulated=simulated,
        decorate=threshold_label,
    )
