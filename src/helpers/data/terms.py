"""Congress terms: read from ``config/terms.toml`` (or a data folder's own), and assign years to terms."""

from __future__ import annotations

import csv
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.data.contracts import CONTRACTS, enforce
from helpers.errors import TermsError
from helpers.paths import data_terms_file, repo_relative, resolve_data_path, terms_file
from helpers.text import LANGUAGES, both


@dataclass(frozen=True)
class Terms:
    """The validated terms table and the year-to-term rule in every language (``rules`` by language code).

    ``files`` are the terms files read, the config first; ``data_provinces`` the provinces whose terms come from
    the data folder's own ``terms.toml`` rather than the config."""

    table: pd.DataFrame
    rule_code: str
    rules: dict[str, str]
    files: tuple[Path, ...] = ()
    data_provinces: frozenset[str] = frozenset()

    def rule(self, lang: str) -> str:
        return self.rules[lang]

    def for_province_or_empty(self, province_code: str) -> pd.DataFrame:
        """The province's terms, oldest first; an empty table when the province has none."""
        return self.table[self.table["province_code"] == province_code].sort_values("start_year")

    def for_province(self, province_code: str) -> pd.DataFrame:
        rows = self.table[self.table["province_code"] == province_code].sort_values("start_year")
        if rows.empty:
            files = ", ".join(repo_relative(f) for f in self.files or (terms_file(),))
            raise TermsError(both("report.terms_file.no_province", province=province_code, files=files))
        return rows.reset_index(drop=True)


def _read(path: Path) -> tuple[pd.DataFrame, dict | None]:
    """One terms file: its ``[[term]]`` rows under the terms contract, and its ``[rule]`` (None when absent)."""
    name = repo_relative(path)
    try:
        with path.open("rb") as fh:
            config = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise TermsError(both("report.terms_file.unreadable", file=name, error=str(err))) from err
    if not config.get("term"):
        raise TermsError(both("report.terms_file.no_terms", file=name))
    raw = pd.DataFrame(config["term"]).astype("string")
    # Row numbers in messages count [[term]] blocks from 1.
    return enforce(raw, CONTRACTS["terms"], name, first_row=1), config.get("rule")


def load_terms(path: Path | None = None, data: str | Path | None = None) -> Terms:
    """Read the terms config and enforce the terms contract on it; with ``data`` (a data folder), its own
    ``terms.toml`` too, when there is one.

    The data folder's file has the config's format; for every province it defines, its terms replace the
    config's (the other provinces keep the config's). Its ``[rule]`` may be left out; when given it must state the
    config's rule, since that is the rule the suite assigns years by.
    """
    path = path or terms_file()
    table, rule = _read(path)
    files, data_provinces = (path,), frozenset()
    own = data_terms_file(data) if data is not None else None
    if own is not None and own.is_file():
        own_table, own_rule = _read(own)
        if own_rule is not None and own_rule.get("code") != rule["code"]:
            raise TermsError(
                both(
                    "report.terms_file.rule_differs",
                    file=repo_relative(own),
                    code=own_rule.get("code", ""),
                    expected=rule["code"],
                    config=repo_relative(path),
                )
            )
        data_provinces = frozenset(own_table["province_code"])
        kept = table[~table["province_code"].isin(data_provinces)]
        table = pd.concat([kept, own_table], ignore_index=True)
        files = (path, own)
    return Terms(table, rule["code"], {lang: rule[lang] for lang in LANGUAGES}, files, data_provinces)


def years_outside(years: pd.Series, terms: pd.DataFrame) -> list[int]:
    """The calendar years in ``years`` that belong to none of ``terms`` (under the rule of :func:`term_of_year`)."""
    years = pd.Series(years, dtype="Int64").dropna().astype(int)
    return sorted(set(years[term_of_year(years, terms).isna()].tolist()))


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


TERM_LABEL = re.compile(r"^(\d{4})-(\d{4})$")


def _unit_provinces(units_csv: Path, unit: str) -> list[str]:
    """The province above ``unit`` in a units file, then the provinces it was formed from (whose terms a merged
    province keeps), read without the data contracts; empty when the file or the unit is not there."""
    if not units_csv.is_file():
        return []
    with units_csv.open(encoding="utf-8-sig", newline="") as fh:
        rows = {row["unit_code"]: row for row in csv.DictReader(fh) if row.get("unit_code")}
    code, seen = unit, set()
    while code in rows and code not in seen:
        seen.add(code)
        if rows[code].get("level") == "province":
            merged_from = [c for c, row in rows.items() if (row.get("successor_code") or "") == code]
            return [code, *merged_from]
        code = rows[code].get("parent_code") or ""
    return []


def _data_years(counts_csv: Path) -> list[int]:
    """The calendar years of a counts file, from its year column only."""
    if not counts_csv.is_file():
        return []
    with counts_csv.open(encoding="utf-8-sig", newline="") as fh:
        years = {row.get("year", "") for row in csv.DictReader(fh)}
    return sorted(int(y) for y in years if y and y.strip().isdigit())


def term_list_problems(terms: list[str], data: str | Path, unit: str, minimum: int = 2) -> list[str]:
    """What is wrong with a report's list of terms, checked against the terms configuration and the data's years
    before the data is loaded: malformed, unknown, out of order, too few, or without a year of data."""
    problems = [both("terms.check.malformed", value=term) for term in terms if not _well_formed(term)]
    if problems:
        return problems
    folder = resolve_data_path(data)
    try:
        config = load_terms(data=folder)
    except TermsError as err:
        return [str(err)]
    provinces = _unit_provinces(folder / "units.csv", unit)
    with_terms = [code for code in provinces if not config.for_province_or_empty(code).empty]
    province = with_terms[0] if with_terms else (provinces[0] if provinces else None)
    table = config.table if province is None else config.for_province_or_empty(province)
    table = table.sort_values("start_year").drop_duplicates("label")
    files = ", ".join(repo_relative(f) for f in config.files)
    counts = folder / "annual_counts.csv"
    return term_label_problems(
        terms, table, province or unit, files, _data_years(counts), repo_relative(counts), minimum
    )


def term_label_problems(
    terms: list[str],
    table: pd.DataFrame,
    where: str,
    files: str,
    years: list[int],
    counts_file: str,
    minimum: int = 2,
) -> list[str]:
    """What is wrong with well-formed term labels against one province's terms (``table``, from ``files``) and the
    years its counts have (from ``counts_file``): unknown, out of order, fewer than ``minimum``, or without a year
    of data. The committee report's command and the national report give the same messages."""
    known = list(table.sort_values("start_year").drop_duplicates("label")["label"])
    problems = [
        both("terms.check.unknown", value=term, province=where, files=files, known=", ".join(known))
        for term in terms
        if term not in known
    ]
    if problems:
        return problems
    positions = [known.index(term) for term in terms]
    if positions != list(range(positions[0], positions[0] + len(positions))):
        return [both("terms.check.order", value=", ".join(terms), known=", ".join(known))]
    if len(terms) < minimum:
        start = max(0, positions[-1] - minimum + 1)
        example = " ".join(known[start : start + minimum])
        return [both("terms.check.too_few", minimum=minimum, example=example, value=", ".join(terms))]
    years = sorted(years)
    if years:
        for term in terms:
            first, last = (int(y) for y in TERM_LABEL.match(term).groups())
            if not any(first < y <= last for y in years):
                problems.append(
                    both(
                        "terms.check.no_data",
                        value=term,
                        first=first + 1,
                        last=last,
                        file=counts_file,
                        data_first=years[0],
                        data_last=years[-1],
                    )
                )
    return problems


def _well_formed(term: str) -> bool:
    match = TERM_LABEL.match(str(term))
    return bool(match) and int(match.group(1)) < int(match.group(2))
