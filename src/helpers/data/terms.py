"""Congress terms: read from ``config/terms.toml`` (or a data folder's own), and assign years to terms."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.data.contracts import CONTRACTS, enforce
from helpers.paths import terms_file
from helpers.text import LANGUAGES


@dataclass(frozen=True)
class Terms:
    """The validated terms table and the year-to-term rule in every language (``rules`` by language code)."""

    table: pd.DataFrame
    rule_code: str
    rules: dict[str, str]

    def rule(self, lang: str) -> str:
        return self.rules[lang]

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
    return Terms(table, rule["code"], {lang: rule[lang] for lang in LANGUAGES})


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
