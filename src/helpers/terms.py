"""Congress terms: read from ``config/terms.toml``, assign years to terms, and build the term table."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.contracts import CONTRACTS, enforce
from helpers.paths import terms_file


@dataclass(frozen=True)
class Terms:
    """The validated terms table and the year-to-term rule in both languages."""

    table: pd.DataFrame
    rule_code: str
    rule_vi: str
    rule_en: str

    def rule(self, lang: str) -> str:
        return self.rule_vi if lang == "vi" else self.rule_en

    def for_province(self, province_code: str) -> pd.DataFrame:
        rows = self.table[self.table["province_code"] == province_code].sort_values("start_year")
        if rows.empty:
            raise KeyError(f"no terms for province {province_code!r} in {terms_file().name}")
        return rows.reset_index(drop=True)


def load_terms(path: Path | None = None) -> Terms:
    """Read the terms config and enforce the terms contract on it."""
    path = path or terms_file()
    with path.open("rb") as fh:
        config = tomllib.load(fh)
    raw = pd.DataFrame(config["term"]).astype("string")
    # Row numbers in messages count [[term]] blocks from 1.
    table = enforce(raw, CONTRACTS["terms"], str(path.name), first_row=1)
    rule = config["rule"]
    return Terms(table, rule["code"], rule["vi"], rule["en"])


def term_of_year(year: pd.Series, terms: pd.DataFrame) -> pd.Series:
    """Label of the term each calendar year belongs to (start < year ≤ end); NA outside every term."""
    labels = pd.Series(pd.NA, index=year.index, dtype="string")
    for term in terms.itertuples():
        labels[(year > term.start_year) & (year <= term.end_year)] = term.label
    return labels


def term_label(label: str) -> str:
    """A term as readers write it: '2015–2020' (en dash) for the config's '2015-2020'."""
    return label.replace("-", "–")


def term_years(terms: pd.DataFrame, label: str) -> range:
    """The calendar years a term holds under the rule."""
    row = terms.loc[terms["label"] == label].iloc[0]
    return range(int(row["start_year"]) + 1, int(row["end_year"]) + 1)


def term_table(counts: pd.DataFrame, terms: pd.DataFrame, kinds: list[str], labels: list[str] | None = None,
               ) -> pd.DataFrame:
    """Totals of each kind of exit per term and the percent change against the previous term.

    ``counts`` has one row per year (already summed over units). A term whose years are not all in the data is
    marked incomplete, and its change is not computed, because a part-term total is not comparable.
    """
    frame = counts.assign(term=term_of_year(counts["year"], terms)).dropna(subset=["term"])
    labels = labels or [label for label in terms["label"] if label in set(frame["term"])]
    frame = frame.assign(total=frame[kinds].sum(axis=1))
    rows = []
    for label in labels:
        years = term_years(terms, label)
        part = frame[frame["term"] == label]
        row = {"term": label, "first_year": years.start, "last_year": years.stop - 1,
               "years_observed": int(part["year"].nunique()), "complete": set(part["year"]) == set(years)}
        for kind in [*kinds, "total"]:
            row[kind] = int(part[kind].sum()) if not part.empty else pd.NA
        if "members_start" in part and not part.empty:
            # average annual rate per 1,000 members: exits over member-years (members at the start of each year)
            row["member_years"] = int(part["members_start"].sum())
            for kind in [*kinds, "total"]:
                row[f"{kind}_rate"] = row[kind] / row["member_years"] * 1000
        rows.append(row)
    table = pd.DataFrame(rows)
    for kind in [*kinds, "total"]:
        previous = table[kind].shift()
        comparable = table["complete"] & table["complete"].shift(fill_value=False)
        change = (table[kind].astype("Float64") / previous.astype("Float64") - 1) * 100
        table[f"{kind}_change_pct"] = change.where(comparable)
    return table
