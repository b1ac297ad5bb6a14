"""Admissions against plan: admitted counts per unit and year, attainment of the plan, the admission rate against
the national 3–4% band, the profile of new members against the pool they come from, and the mid-year projection.

A member counts as admitted in year Y (first half: on or before 30 June of Y) when ``entry_kind`` is ``admitted``
and ``entry_date`` falls in that period. Plans and reported counts of a unit's series add up like
:func:`helpers.data.units.series_units`, except that a unit's own row, where it has one, wins over the sum of the rows
of the units below it and merged into it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from helpers.analyses.profiles import Association, association
from helpers.analyses.stats import clopper_pearson
from helpers.data.codes import AGE_GROUP_LOWER, DOMAINS
from helpers.data.counts import counts_for_unit
from helpers.data.terms import term_years
from helpers.data.units import series_units

PROFILE_ATTRIBUTES = ("age_group", "sex", "professional_training", "occupation")
# Admissions a year as % of the members at its start: the band the national resolution sets (3–4%).
RATE_BAND = (3.0, 4.0)
# The mid-year rule: a unit's first-half share comes from its three previous complete years; with fewer than 100
# admissions in them its own share is too noisy (±5 points at s = 0.4), so the reference unit's share is used.
HISTORY_YEARS = 3
MIN_HISTORY_ADMISSIONS = 100
LEVEL = 0.95
STATUSES = ("behind", "at_risk", "on_track", "no_plan", "no_projection")


# --- admitted counts and plans per unit and year ----------------------------------------------------------------


def admitted_from_members(members: pd.DataFrame, years: range | None = None) -> pd.DataFrame:
    """Admitted in each year and in its first half (1 January–30 June), per unit, from one row per member."""
    admitted = members["entry_kind"].eq("admitted").fillna(False).astype(bool) & members["entry_date"].notna()
    new = members.loc[admitted]
    frame = pd.DataFrame(
        {
            "unit_code": new["unit_code"],
            "year": new["entry_date"].dt.year,
            "first_half": new["entry_date"].dt.month <= 6,
        }
    )
    grouped = frame.groupby(["unit_code", "year"]).agg(
        admitted=("first_half", "size"), admitted_first_half=("first_half", "sum")
    )
    if years is None:
        years = range(int(frame["year"].min()), int(frame["year"].max()) + 1) if not frame.empty else range(0)
    index = pd.MultiIndex.from_product(
        [sorted(members["unit_code"].dropna().unique()), list(years)], names=["unit_code", "year"]
    )
    out = grouped.reindex(index, fill_value=0).reset_index()
    return out.astype({"unit_code": "string", "year": "Int64", "admitted": "Int64", "admitted_first_half": "Int64"})


def _below(units: pd.DataFrame, code: str) -> list[str]:
    """Units whose rows add up to ``code``: those directly below it and those merged into it."""
    linked = units["parent_code"].eq(code).fillna(False) | units["successor_code"].eq(code).fillna(False)
    return units.loc[linked.astype(bool), "unit_code"].tolist()


def rolled_up(
    table: pd.DataFrame,
    units: pd.DataFrame,
    unit: str,
    values: list[str],
    group: tuple[str, ...] = ("year",),
    keys: tuple[str, ...] = ("year",),
) -> pd.DataFrame:
    """Rows of ``unit``'s series: the unit's own rows for each ``group`` it has, else the sum of the rolled-up rows
    of the units below it and merged into it; a sum with a missing part is missing."""
    group, keys = list(group), list(keys)

    def walk(code: str, seen: frozenset) -> pd.DataFrame:
        own = table.loc[table["unit_code"] == code, keys + values]
        parts = [walk(c, seen | {code}) for c in _below(units, code) if c not in seen]
        parts = [p for p in parts if not p.empty]
        if not parts:
            return own.reset_index(drop=True)
        below = pd.concat(parts, ignore_index=True)
        grouped = below.groupby(keys)[values]
        summed = grouped.sum().mask(below[values].isna().groupby([below[k] for k in keys]).any()).reset_index()
        if not own.empty:
            taken = summed[group].merge(own[group].drop_duplicates(), on=group, how="left", indicator=True)
            summed = summed[(taken["_merge"] == "left_only").to_numpy()]
        return pd.concat([own, summed], ignore_index=True) if not own.empty else summed

    return walk(unit, frozenset()).sort_values(keys).reset_index(drop=True)


def admissions_series(
    units: pd.DataFrame,
    unit: str,
    plans: pd.DataFrame | None = None,
    members: pd.DataFrame | None = None,
    counts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per year of ``unit``'s series: planned, admitted, admitted in the first half, members at the start.

    Admitted counts come from the member registry when there is one, else from the plans' reported columns, else
    from the annual counts (which have no first half). Years inside the registry's period with no admission are 0.
    """
    columns = ["year", "planned", "admitted", "admitted_first_half", "members_start"]
    parts = []
    if plans is not None:
        parts.append(rolled_up(plans, units, unit, ["planned"]))
    yearly = counts_for_unit(counts, units, unit) if counts is not None else None
    if members is not None:
        own = members[members["unit_code"].isin(series_units(units, unit))]
        years = range(int(yearly["year"].min()), int(yearly["year"].max()) + 1) if yearly is not None else None
        derived = admitted_from_members(own, years)
        parts.append(derived.groupby("year", as_index=False)[["admitted", "admitted_first_half"]].sum())
    elif plans is not None and "admitted" in plans:
        reported = [c for c in ("admitted", "admitted_first_half") if c in plans]
        parts.append(rolled_up(plans, units, unit, reported))
    elif yearly is not None:
        parts.append(yearly[["year", "admitted"]])
    if yearly is not None:
        parts.append(yearly[["year", "members_start"]])
    out = pd.DataFrame({"year": pd.Series(dtype="Int64")})
    for part in parts:
        out = out.merge(part.astype({"year": "Int64"}), on="year", how="outer")
    for column in columns:
        if column not in out:
            out[column] = pd.NA
    out = out[columns].astype({c: "Int64" for c in columns})
    return out.sort_values("year").reset_index(drop=True)


# --- attainment ----------------------------------------------------------------------------------------------


def seed_round(value: float, decimals: int = 2) -> float:
    """Rounded half up on the decimal digits, the way the documents write a percentage (110,63%)."""
    if value is None or pd.isna(value) or not np.isfinite(value):
        return float("nan")
    return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def attainment_pct(admitted: float, planned: float) -> float:
    """100 · admitted / planned; missing when either is missing or the plan is 0."""
    if pd.isna(admitted) or pd.isna(planned) or planned == 0:
        return float("nan")
    return 100 * float(admitted) / float(planned)


def attainment(series: pd.DataFrame) -> pd.DataFrame:
    """Each year's attainment of its plan, and the first half's attainment of the whole year's plan."""
    out = series.copy()
    out["attainment_pct"] = [attainment_pct(a, p) for a, p in zip(out["admitted"], out["planned"])]
    out["attainment_rounded"] = out["attainment_pct"].map(seed_round)
    out["first_half_pct"] = [attainment_pct(a, p) for a, p in zip(out["admitted_first_half"], out["planned"])]
    out["first_half_rounded"] = out["first_half_pct"].map(seed_round)
    return out


@dataclass(frozen=True)
class Cumulative:
    """Admitted against plan summed over ``first_year``–``last_year`` (a term, or any span of years)."""

    label: str
    first_year: int
    last_year: int
    years: tuple[int, ...]
    admitted: int
    planned: int
    pct: float
    rounded: float

    @property
    def complete(self) -> bool:
        return len(self.years) == self.last_year - self.first_year + 1


def cumulative_attainment(series: pd.DataFrame, years: range, label: str | None = None) -> Cumulative:
    """Attainment over the years of ``years`` that have both a plan and an admitted count."""
    part = series[series["year"].isin(list(years)) & series["planned"].notna() & series["admitted"].notna()]
    admitted, planned = int(part["admitted"].sum()), int(part["planned"].sum())
    pct = attainment_pct(admitted, planned)
    return Cumulative(
        label or f"{years.start}-{years.stop - 1}",
        years.start,
        years.stop - 1,
        tuple(int(y) for y in part["year"]),
        admitted,
        planned,
        pct,
        seed_round(pct),
    )


def term_attainment(series: pd.DataFrame, terms: pd.DataFrame, label: str, before: int | None = None) -> Cumulative:
    """Attainment over a congress term's years (by the year-to-term rule), up to the year before ``before``."""
    years = term_years(terms, label)
    part = series[series["year"] < before] if before is not None else series
    return cumulative_attainment(part, years, label)


# --- admission rate ------------------------------------------------------------------------------------------


def admission_rates(
    frame: pd.DataFrame,
    band: tuple[float, float] = RATE_BAND,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Admitted as % of the members at the start of the year, with its exact (Clopper–Pearson) interval, and where
    the point value lies against ``band``: 'below', 'within' or 'above'."""
    out = frame[frame["admitted"].notna() & frame["members_start"].notna() & (frame["members_start"] > 0)].copy()
    count, nobs = out["admitted"].to_numpy(dtype=float), out["members_start"].to_numpy(dtype=float)
    low, high = clopper_pearson(count, nobs, level)
    out["rate_pct"] = 100 * count / nobs
    out["rate_low"] = 100 * low
    out["rate_high"] = 100 * high
    out["band"] = np.select([out["rate_pct"] < band[0], out["rate_pct"] > band[1]], ["below", "above"], "within")
    return out.reset_index(drop=True)


# --- profile of new members ----------------------------------------------------------------------------------


def age_group(age: pd.Series) -> pd.Series:
    """The ``age_group`` code (helpers.data.codes) of each age in whole years; missing where the age is."""
    out = pd.Series(pd.NA, index=age.index, dtype="string")
    known = age.notna().to_numpy()
    uppers = np.array(list(AGE_GROUP_LOWER.values())[1:])  # a group ends where the next one starts
    position = np.searchsorted(uppers, age[known].astype(int).to_numpy(), side="right")
    out[known] = np.array(list(AGE_GROUP_LOWER))[position]
    return out


def categories(attribute: str) -> tuple[str, ...]:
    """The categories of a profile attribute, in the order tables show them."""
    return tuple(AGE_GROUP_LOWER) if attribute == "age_group" else DOMAINS.get(attribute, ())


def new_members(members: pd.DataFrame, years: range) -> pd.DataFrame:
    """Members admitted in ``years``, with their age group at admission and their recorded attributes."""
    admitted = members["entry_kind"].eq("admitted").fillna(False).astype(bool)
    new = members.loc[admitted & members["entry_date"].dt.year.isin(list(years))]
    age = new["entry_date"].dt.year - new["birth_year"].astype("Int64")
    return new.assign(age_group=age_group(age))


def members_at_start(members: pd.DataFrame, year: int) -> pd.DataFrame:
    """Members on the rolls on 1 January of ``year``, with their age group on that date."""
    entry_year = members["entry_date"].dt.year.where(members["entry_kind"] != "on_roll", -1).fillna(-1)
    exit_year = members["exit_date"].dt.year.fillna(10_000)
    on = (entry_year < year) & (exit_year >= year)
    part = members.loc[on.astype(bool)]
    return part.assign(age_group=age_group(year - part["birth_year"].astype("Int64")))


def sources_pool(
    sources: pd.DataFrame, units: pd.DataFrame, unit: str, attribute: str, years: range
) -> pd.Series | None:
    """The pool's count per category over ``years`` from admission_sources (the unit's rows, else its subordinate
    units' summed), or None when some year has no rows for ``attribute``."""
    rows = rolled_up(
        sources, units, unit, ["count"], group=("year", "attribute"), keys=("year", "attribute", "category")
    )
    rows = rows[(rows["attribute"] == attribute) & rows["year"].isin(list(years))]
    if set(years) - set(int(y) for y in rows["year"]):
        return None
    return rows.groupby("category")["count"].sum()


def compare_profile(new: pd.Series, pool: pd.Series, attribute: str, level: float = LEVEL) -> pd.DataFrame:
    """New members and pool per category, their shares, and the ratio of shares with its 95% CI.

    As in :func:`helpers.analyses.profiles.profile_table`: the interval is Wilson's for the new members' share,
    divided by
    the pool's share, which is known (the pool is counted whole, not sampled). Categories empty in both are left out.
    """
    present = set(new.index) | set(pool.index)
    order = [c for c in categories(attribute) if c in present]
    order += sorted(present - set(order))
    table = pd.DataFrame({"new_members": new.reindex(order, fill_value=0), "pool": pool.reindex(order, fill_value=0)})
    table = table.fillna(0).astype(int)
    table = table[(table["new_members"] > 0) | (table["pool"] > 0)]
    total_new, total_pool = int(table["new_members"].sum()), int(table["pool"].sum())
    table["new_share"] = table["new_members"] / total_new if total_new else np.nan
    table["pool_share"] = table["pool"] / total_pool if total_pool else np.nan
    if total_new:
        low, high = proportion_confint(table["new_members"], total_new, alpha=1 - level, method="wilson")
    else:
        low = high = np.full(len(table), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        pool_share = table["pool_share"].to_numpy(dtype=float)
        table["ratio"] = table["new_share"].to_numpy(dtype=float) / pool_share
        table["ratio_low"] = np.asarray(low, dtype=float) / pool_share
        table["ratio_high"] = np.asarray(high, dtype=float) / pool_share
    table = table.replace([np.inf, -np.inf], np.nan)
    return table.rename_axis("category").reset_index().assign(attribute=attribute)


def new_member_profile(
    members: pd.DataFrame,
    years: range,
    attribute: str,
    pool: pd.Series | None = None,
) -> tuple[pd.DataFrame, str]:
    """The profile table of the members admitted in ``years`` against ``pool`` (from admission_sources) or, when it
    is None, against the members on the rolls at the start of the period; returns the table and which pool."""
    new = new_members(members, years)[attribute].dropna().value_counts()
    kind = "sources"
    if pool is None:
        pool = members_at_start(members, years.start)[attribute].dropna().value_counts()
        kind = "members"
    return compare_profile(new, pool, attribute), kind


def profile_test(table: pd.DataFrame) -> Association:
    """Chi-square test that new members and the pool share one distribution over the categories (with Cramér's V).

    :func:`helpers.analyses.profiles.association` tests a group against the rest of a population, so it is given the new
    members as the group and new members plus pool as the population: its table is then categories × (new, pool).
    """
    return association(
        pd.DataFrame(
            {
                "attribute": table["attribute"],
                "leavers": table["new_members"],
                "member_years": table["new_members"] + table["pool"],
            }
        )
    )


# --- mid-year projection ---------------------------------------------------------------------------------------


def garwood_interval(count, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval for a Poisson mean from an observed count: χ² quantiles, lower bound 0 at count 0."""
    count = np.asarray(count, dtype=float)
    tail = (1 - level) / 2
    with np.errstate(invalid="ignore"):
        low = np.where(count > 0, stats.chi2.ppf(tail, 2 * np.maximum(count, 1e-12)) / 2, 0.0)
    high = stats.chi2.ppf(1 - tail, 2 * count + 2) / 2
    return low, high


def first_half_share(series: pd.DataFrame, year: int, history: int = HISTORY_YEARS) -> tuple[float, int]:
    """Share of a year's admissions made in the first half over the ``history`` complete years before ``year``,
    and the admissions in them; the share is missing when a year or a first-half count is missing."""
    past = series[series["year"].between(year - history, year - 1)]
    total = int(past["admitted"].sum()) if past["admitted"].notna().any() else 0
    if len(past) < history or past[["admitted", "admitted_first_half"]].isna().any().any() or total == 0:
        return float("nan"), total
    return float(past["admitted_first_half"].sum()) / total, total


def year_end_status(projection: float, high: float, planned: float) -> str:
    """'behind' when even the upper bound is below the plan, 'at_risk' when the point value is, else 'on_track';
    'no_plan' without a plan, 'no_projection' without a first-half count or a share to divide it by. Values are
    compared as the report writes them, in whole members: a projection shown as 210 against a plan of 210 meets it.
    """
    if pd.isna(planned):
        return "no_plan"
    if pd.isna(projection):
        return "no_projection"
    if round_half_up(high) < planned:
        return "behind"
    return "at_risk" if round_half_up(projection) < planned else "on_track"


def round_half_up(value: float) -> int:
    """A count as the report writes it: 209,5 → 210 (Python's round() would give the even 210 but 208,5 → 208)."""
    return int(np.floor(float(value) + 0.5))


def midyear_table(
    series_by_unit: dict[str, pd.DataFrame],
    year: int,
    reference_share: float,
    min_history: int = MIN_HISTORY_ADMISSIONS,
    history: int = HISTORY_YEARS,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Each unit's year-end admissions projected from its first half of ``year``, with an exact 95% interval,
    against its plan for the year.

    year_end = first_half / s, s the unit's first-half share over the ``history`` previous years (the reference
    unit's share when the unit had fewer than ``min_history`` admissions in them); the interval is Garwood's for
    the first-half count, divided by s. Status: see :func:`year_end_status`.
    """
    rows = []
    for code, series in series_by_unit.items():
        row = series[series["year"] == year]
        planned = row["planned"].iloc[0] if not row.empty else pd.NA
        first = row["admitted_first_half"].iloc[0] if not row.empty else pd.NA
        own, past = first_half_share(series, year, history)
        use_own = past >= min_history and not np.isnan(own)
        share = own if use_own else reference_share
        projection = low = high = float("nan")
        if not pd.isna(first) and share and not np.isnan(share):
            lo, hi = garwood_interval(int(first), level)
            projection, low, high = int(first) / share, float(lo) / share, float(hi) / share
        rows.append(
            {
                "unit_code": code,
                "planned": planned,
                "admitted_first_half": first,
                "share": share,
                "share_source": "own" if use_own else "reference",
                "history_admitted": past,
                "projection": projection,
                "low": low,
                "high": high,
                "projection_pct": attainment_pct(projection, planned),
                "status": year_end_status(projection, high, planned),
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "unit_code",
            "planned",
            "admitted_first_half",
            "share",
            "share_source",
            "history_admitted",
            "projection",
            "low",
            "high",
            "projection_pct",
            "status",
        ],
    )
    return out.astype({"planned": "Int64", "admitted_first_half": "Int64", "history_admitted": "Int64"})
