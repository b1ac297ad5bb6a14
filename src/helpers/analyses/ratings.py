"""Quality ratings: yearly shares of organisations and members in each rating, their change over a term, the
weak-organisation target, and whether a subordinate unit's distribution differs from the rest of its parent.

A unit's counts are its series (:func:`helpers.data.units.series_units`): the unit, the units below it and the units
merged into it. Shares carry exact (Clopper–Pearson) 95% intervals. A unit is compared with the rest of its parent
(parent series minus the unit) on the 2 × 4 table of ratings: Pearson's chi-square when every expected count is at
least 5, otherwise a seeded permutation test of the same statistic (tables drawn from the exact conditional
distribution given the margins, which is what permuting the unit label does); Holm adjusts across the units, step by
step, and a unit found different leaves the rest of the units tested after it.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from helpers.analyses.stats import clopper_pearson
from helpers.data.terms import term_years
from helpers.data.units import series_units

RATINGS = ("excellent", "good", "completed", "not_completed")
SUBJECTS = ("organisation", "member")
# Seed 004: the city's 2015-2020 congress resolution set "giảm TCCSĐ yếu kém dưới 0,5% /năm".
WEAK_TARGET_PCT = 0.5
MIN_EXPECTED = 5.0  # Cochran's rule: the chi-square approximation is trusted when every expected count is ≥ 5
PERMUTATIONS = 9999
SEED = 2018  # the permutation test's fixed seed, so two runs give the same p-values
ALPHA = 0.05


def unit_counts(ratings: pd.DataFrame, units: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """Counts per rating for each unit's series, year and subject: one row each, a column per rating and the total."""
    columns = ["unit_code", "year", "subject", *RATINGS, "total"]
    typed = ratings.astype({"count": "int64", "year": "int64", "subject": str, "rating": str, "unit_code": str})
    per_unit = (
        typed.groupby(["unit_code", "year", "subject", "rating"])["count"]
        .sum()
        .unstack("rating", fill_value=0)
        .reindex(columns=list(RATINGS), fill_value=0)
    )
    present = set(per_unit.index.get_level_values("unit_code"))
    frames = []
    for code in codes:
        members = [c for c in series_units(units, code) if c in present]
        if not members:
            continue
        summed = per_unit.loc[members].groupby(level=["year", "subject"]).sum()
        frames.append(summed.reset_index().assign(unit_code=code))
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)
    out[list(RATINGS)] = out[list(RATINGS)].astype("int64")
    out["total"] = out[list(RATINGS)].sum(axis=1)
    out.columns.name = None
    return out[columns].sort_values(["unit_code", "subject", "year"]).reset_index(drop=True)


def shares(counts: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Long table: each rating's count, the total rated, the share (0–1) and its exact interval.

    Returns
    -------
    pandas.DataFrame
        One row per unit, year, subject and rating: ``unit_code``, ``year``, ``subject``, ``rating``, ``count``,
        ``total``, ``share``, ``low``, ``high``.
    """
    long = counts.melt(
        id_vars=["unit_code", "year", "subject", "total"],
        value_vars=list(RATINGS),
        var_name="rating",
        value_name="count",
    )
    long["share"] = long["count"] / long["total"].where(long["total"] > 0)
    long["low"], long["high"] = clopper_pearson(long["count"], long["total"], level)
    long["order"] = long["rating"].map({r: i for i, r in enumerate(RATINGS)})
    long = long.sort_values(["unit_code", "subject", "year", "order"])
    return long[["unit_code", "year", "subject", "rating", "count", "total", "share", "low", "high"]].reset_index(
        drop=True
    )


def share_change(share_table: pd.DataFrame, first_year: int, last_year: int) -> pd.DataFrame:
    """Each unit, subject and rating: the share in ``first_year`` and ``last_year`` and the change in percentage
    points; rows where either year is missing are left out."""
    keys = ["unit_code", "subject", "rating"]
    first = share_table[share_table["year"] == first_year].set_index(keys)["share"]
    last = share_table[share_table["year"] == last_year].set_index(keys)["share"]
    joined = pd.concat({"first_share": first, "last_share": last}, axis=1).dropna().reset_index()
    joined["first_year"], joined["last_year"] = first_year, last_year
    joined["change_pp"] = 100 * (joined["last_share"] - joined["first_share"])
    return joined[[*keys, "first_year", "last_year", "first_share", "last_share", "change_pp"]]


def term_changes(share_table: pd.DataFrame, terms: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """The change over each term S–E: from the rating at the end of year S (the level the term starts from) to the
    rating at the end of E, or of the latest year the data has (``complete`` is then False).

    A rating is a level at 31 December, not a flow: under the year-to-term rule year S's flows belong to the
    previous term, so its year-end level is where the new term starts. When S is missing the term's first year
    with data is used instead.
    """
    frames = []
    for label in labels:
        row = terms.loc[terms["label"] == label]
        if row.empty:
            continue
        start, end = int(row["start_year"].iloc[0]), int(row["end_year"].iloc[0])
        years = set(range(start, end + 1))
        for _, part in share_table.groupby(["unit_code", "subject"]):
            have = sorted(y for y in set(part["year"].astype(int)) if y in years)
            if len(have) < 2:
                continue
            change = share_change(part, have[0], have[-1]).assign(
                term=label, complete=have[-1] == end, from_start=have[0] == start
            )
            frames.append(change)
    columns = [
        "term",
        "unit_code",
        "subject",
        "rating",
        "first_year",
        "last_year",
        "first_share",
        "last_share",
        "change_pp",
        "complete",
        "from_start",
    ]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def term_baseline_year(terms: pd.DataFrame, year: int) -> int | None:
    """The year a rating in ``year`` is compared with: the opening year S of the term S–E that holds ``year``."""
    for term in terms.itertuples():
        if int(year) in term_years(terms, term.label):
            return int(term.start_year)
    return None


def weak_target(share_table: pd.DataFrame, target_pct: float = WEAK_TARGET_PCT) -> pd.DataFrame:
    """Organisations rated not completed (weak) per unit and year against the target 'below ``target_pct``%':
    ``met`` when the share is below it (compared exactly on the counts), ``ci_below`` when its whole interval is."""
    weak = share_table[(share_table["subject"] == "organisation") & (share_table["rating"] == "not_completed")]
    weak = weak[weak["total"] > 0].copy()
    target = Fraction(str(target_pct))
    weak["met"] = [Fraction(int(c)) * 100 < target * int(n) for c, n in zip(weak["count"], weak["total"])]
    weak["ci_below"] = weak["high"] * 100 < target_pct
    weak["target_pct"] = target_pct
    return weak.drop(columns=["subject", "rating"]).reset_index(drop=True)


def chi_square(table: np.ndarray) -> tuple[float, int, np.ndarray]:
    """Pearson's chi-square of a two-way table (no continuity correction), its degrees of freedom and the expected
    counts."""
    chi2, _, dof, expected = stats.chi2_contingency(table, correction=False)
    return float(chi2), int(dof), expected


def permutation_p(table: np.ndarray, permutations: int = PERMUTATIONS, seed=SEED) -> float:
    """Monte-Carlo p-value of the chi-square statistic of a 2 × k table given its margins.

    Tables are drawn from the multivariate hypergeometric distribution of the first row given the column totals
    (the same as shuffling which rated organisations or members belong to the unit); p = (1 + hits) / (1 + draws).
    """
    table = np.asarray(table, dtype=np.int64)
    columns, n1 = table.sum(axis=0), int(table[0].sum())
    n = columns.sum()
    e1, e2 = n1 * columns / n, (n - n1) * columns / n
    weight = 1 / e1 + 1 / e2

    def statistic(first_rows: np.ndarray) -> np.ndarray:
        return ((first_rows - e1) ** 2 * weight).sum(axis=-1)

    rng = np.random.default_rng(seed)
    draws = rng.multivariate_hypergeometric(columns, n1, size=permutations)
    observed = statistic(table[0].astype(float))
    hits = int((statistic(draws.astype(float)) >= observed * (1 - 1e-12)).sum())
    return (1 + hits) / (1 + permutations)


def compare_two(
    unit_row: np.ndarray,
    rest_row: np.ndarray,
    min_expected: float = MIN_EXPECTED,
    permutations: int = PERMUTATIONS,
    seed=SEED,
) -> dict:
    """One unit against the rest: chi-square, Cramér's V and the p-value by the small-cell rule.

    Ratings no one received in either row are dropped first (they carry no information and have expected 0).
    """
    table = np.vstack([unit_row, rest_row]).astype(np.int64)
    table = table[:, table.sum(axis=0) > 0]
    out = {"chi2": np.nan, "dof": 0, "min_expected": np.nan, "method": "none", "p_value": np.nan, "cramers_v": np.nan}
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return out
    chi2, dof, expected = chi_square(table)
    out.update(chi2=chi2, dof=dof, min_expected=float(expected.min()), cramers_v=float(np.sqrt(chi2 / table.sum())))
    if expected.min() >= min_expected:
        out.update(method="chi2", p_value=float(stats.chi2.sf(chi2, dof)))
    else:
        out.update(method="permutation", p_value=permutation_p(table, permutations, seed))
    return out


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values (statsmodels' ``multipletests``, as helpers.analyses.causes uses it)."""
    p = np.asarray(p_values, dtype=float)
    return multipletests(p, method="holm")[1] if len(p) else p


def unit_differences(
    counts: pd.DataFrame,
    parent: str,
    children: list[str],
    year: int,
    subject: str,
    min_expected: float = MIN_EXPECTED,
    permutations: int = PERMUTATIONS,
    seed: int = SEED,
    alpha: float = ALPHA,
    step_down: bool = True,
) -> pd.DataFrame:
    """Each subordinate unit's distribution over the four ratings against the rest of its parent in ``year``.

    ``counts`` is :func:`unit_counts` for the parent and the children; the rest is the parent's series minus the
    unit's. p-values are Holm-adjusted across the units tested; ``differs`` when the adjusted p is below ``alpha``.
    With ``step_down`` Holm's steps are taken one at a time and a unit found different leaves the rest of the
    units tested after it: one very different unit would otherwise shift every other unit's rest, and with
    thousands of members that shift alone can look significant. The first step is the plain test, so with no
    unit different the procedure is Holm's.
    """
    here = counts[(counts["year"] == year) & (counts["subject"] == subject)].set_index("unit_code")
    columns = [
        "unit_code",
        "year",
        "subject",
        "n",
        "rest_n",
        *[f"share_{r}" for r in RATINGS],
        *[f"rest_share_{r}" for r in RATINGS],
        "chi2",
        "dof",
        "min_expected",
        "method",
        "p_value",
        "p_holm",
        "cramers_v",
        "differs",
    ]
    tested = [(i, c) for i, c in enumerate(children) if c in here.index]
    if parent not in here.index or not tested:
        return pd.DataFrame(columns=columns)
    parent_row = here.loc[parent, list(RATINGS)].to_numpy(dtype=np.int64)
    rows = {c: here.loc[c, list(RATINGS)].to_numpy(dtype=np.int64) for _, c in tested}

    def compare(i: int, child: str, excluded: np.ndarray) -> dict:
        unit_row, rest_row = rows[child], parent_row - rows[child] - excluded
        row = {
            "unit_code": child,
            "year": year,
            "subject": subject,
            "n": int(unit_row.sum()),
            "rest_n": int(rest_row.sum()),
        }
        for r, u, o in zip(RATINGS, unit_row, rest_row):
            row[f"share_{r}"] = u / unit_row.sum() if unit_row.sum() else np.nan
            row[f"rest_share_{r}"] = o / rest_row.sum() if rest_row.sum() else np.nan
        return row | compare_two(unit_row, rest_row, min_expected, permutations, [seed, i])

    results = {c: compare(i, c, np.zeros(len(RATINGS), dtype=np.int64)) for i, c in tested}
    m = sum(pd.notna(r["p_value"]) for r in results.values())
    if step_down:
        found: list[str] = []
        running = 0.0
        while len(found) < m:
            open_units = [(i, c) for i, c in tested if c not in found]
            if found:
                excluded = sum(rows[c] for c in found)
                results |= {c: compare(i, c, excluded) for i, c in open_units}
            candidates = [c for _, c in open_units if pd.notna(results[c]["p_value"])]
            best = min(candidates, key=lambda c: results[c]["p_value"])
            adjusted = max(running, min(1.0, (m - len(found)) * results[best]["p_value"]))
            if adjusted >= alpha:
                break
            results[best]["p_holm"], running = adjusted, adjusted
            found.append(best)
        rest = [c for _, c in tested if c not in found and pd.notna(results[c]["p_value"])]
        if rest:
            # Holm continued over the m − len(found) units left, against the rest without the units found.
            adjusted = np.maximum(running, holm([results[c]["p_value"] for c in rest]))
            for c, value in zip(rest, adjusted):
                results[c]["p_holm"] = float(value)
    else:
        valid = [c for _, c in tested if pd.notna(results[c]["p_value"])]
        for c, value in zip(valid, holm([results[c]["p_value"] for c in valid])):
            results[c]["p_holm"] = float(value)
    out = pd.DataFrame([results[c] for _, c in tested])
    if "p_holm" not in out.columns:
        out["p_holm"] = np.nan
    out["p_holm"] = out["p_holm"].astype(float)
    out["differs"] = out["p_holm"].lt(alpha)
    return out[columns]
