"""Quality ratings: planted shares recovered from counts, exact intervals against scipy and by coverage, the term
change, the weak-organisation target, and the unit test (chi-square equals scipy, the permutation test equals exact
enumeration, planted units flagged, family-wise error near 5% on null data)."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats.contingency import association
from statsmodels.stats.multitest import multipletests

from helpers.data.units import subordinate_units
from helpers.report.formatting import percent
from helpers.analyses.ratings import (RATINGS, clopper_pearson, compare_two, holm, permutation_p, share_change, shares,
                             term_baseline_year, term_changes, unit_counts, unit_differences, weak_target)
from helpers.data.terms import load_terms

DISTRICTS = [f"D{i:02d}" for i in range(1, 10)]
# Organisations per district (1.111 in the province, as in the default data) and the province's counts per rating
# (excellent, good, completed, not completed): 571/1.111 = 51,4% and 291/1.111 = 26,2% excellent (seed 004),
# 4/1.111 = 0,36% weak in 2018.
ORGANISATIONS = [124, 124, 124, 124, 123, 123, 123, 123, 123]
PROVINCE = {2015: (571, 420, 114, 6), 2016: (480, 490, 135, 6), 2017: (390, 560, 156, 5),
            2018: (291, 640, 176, 4), 2019: (300, 640, 167, 4), 2020: (310, 640, 157, 4)}
# The effect sizes the default data plants (truth.py): D06's organisations from 2018, D03's members.
D06_ORGANISATIONS = (0.10, 0.50, 0.37, 0.03)
MEMBER_SHARES = (0.105, 0.78, 0.10, 0.015)
D03_MEMBER_SHARES = (0.16, 0.77, 0.065, 0.005)


def _units() -> pd.DataFrame:
    codes = ["SIM", *DISTRICTS]
    return pd.DataFrame({"unit_code": codes, "name": codes, "parent_code": [pd.NA] + ["SIM"] * 9,
                         "level": ["province"] + ["district"] * 9, "successor_code": pd.NA}).astype("string")


def _typed(rows: list[tuple]) -> pd.DataFrame:
    """A quality_ratings frame typed as the contract types it."""
    frame = pd.DataFrame(rows, columns=["unit_code", "year", "subject", "rating", "count"])
    return frame.astype({"unit_code": "string", "year": "Int64", "subject": "string", "rating": "string",
                         "count": "Int64"})


def _split(pool, sizes, rng) -> list[np.ndarray]:
    """Each district's counts drawn without replacement from the province's ratings, so they add up exactly."""
    pool, out = np.asarray(pool, dtype=np.int64), []
    for size in sizes:
        draw = rng.multivariate_hypergeometric(pool, size)
        pool = pool - draw
        out.append(draw)
    return out


def planted_ratings(seed: int, d06_from: int | None = 2018, d03: bool = True,
                    members_per_district: int = 4800) -> pd.DataFrame:
    """Organisations summing to the province's planted counts (D06 worse from ``d06_from``), members drawn per
    district (D03 better when ``d03``)."""
    rng = np.random.default_rng(seed)
    rows = []
    for year, province in PROVINCE.items():
        if d06_from is not None and year >= d06_from:
            d06 = np.round(np.array(D06_ORGANISATIONS) * ORGANISATIONS[5]).astype(np.int64)
            d06[1] += ORGANISATIONS[5] - d06.sum()
            others = _split(np.array(province) - d06, ORGANISATIONS[:5] + ORGANISATIONS[6:], rng)
            parts = others[:5] + [d06] + others[5:]
        else:
            parts = _split(province, ORGANISATIONS, rng)
        for district, counts in zip(DISTRICTS, parts):
            rows += [(district, year, "organisation", r, int(c)) for r, c in zip(RATINGS, counts)]
            p = D03_MEMBER_SHARES if (d03 and district == "D03") else MEMBER_SHARES
            rows += [(district, year, "member", r, int(c))
                     for r, c in zip(RATINGS, rng.multinomial(members_per_district, p))]
    return _typed(rows)


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    return unit_counts(planted_ratings(7), _units(), ["SIM", *DISTRICTS])


# --- shares -------------------------------------------------------------------------------------------------

def test_planted_shares_are_recovered_exactly_from_the_counts(planted) -> None:
    table = shares(planted).set_index(["unit_code", "subject", "year", "rating"])
    province = table.loc[("SIM", "organisation")]
    assert province.loc[(2018, "excellent"), "count"] == 291 and province.loc[(2018, "excellent"), "total"] == 1111
    assert province.loc[(2018, "excellent"), "share"] == 291 / 1111
    assert percent(100 * province.loc[(2018, "excellent"), "share"], "vi", 1) == "26,2%"
    assert percent(100 * province.loc[(2015, "excellent"), "share"], "vi", 1) == "51,4%"
    assert percent(100 * province.loc[(2018, "not_completed"), "share"], "vi", 2) == "0,36%"
    assert percent(100 * province.loc[(2015, "not_completed"), "share"], "vi", 1) == "0,5%"
    # every district's shares add up to 1, and the province's counts are the districts' sums
    sums = shares(planted).groupby(["unit_code", "subject", "year"])["share"].sum()
    assert np.allclose(sums, 1.0)
    districts = planted[planted["unit_code"].isin(DISTRICTS)].groupby(["subject", "year"])[list(RATINGS)].sum()
    province_counts = planted[planted["unit_code"] == "SIM"].set_index(["subject", "year"])[list(RATINGS)]
    assert province_counts.sort_index().equals(districts.sort_index())


def test_a_series_includes_subordinate_and_merged_units() -> None:
    units = pd.DataFrame({"unit_code": ["OLD", "NEW", "A", "B"], "name": ["o", "n", "a", "b"],
                          "parent_code": [pd.NA, pd.NA, "OLD", "NEW"], "level": ["province", "province", "district",
                                                                                 "district"],
                          "successor_code": ["NEW", pd.NA, pd.NA, pd.NA]}).astype("string")
    ratings = _typed([("A", 2024, "member", "excellent", 3), ("A", 2024, "member", "good", 7),
                      ("B", 2024, "member", "excellent", 5), ("B", 2024, "member", "completed", 1)])
    counts = unit_counts(ratings, units, ["NEW", "OLD"]).set_index("unit_code")
    assert counts.loc["NEW", ["excellent", "good", "completed", "not_completed", "total"]].tolist() == [8, 7, 1, 0, 16]
    assert counts.loc["OLD", "total"] == 10
    assert sorted(subordinate_units(units, "NEW")) == ["A", "B"]


def test_clopper_pearson_equals_scipy_exact_interval() -> None:
    for k, n in [(0, 50), (1, 50), (4, 1111), (291, 1111), (50, 50), (3, 7)]:
        low, high = clopper_pearson([k], [n])
        reference = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
        assert (low[0], high[0]) == pytest.approx((reference.low, reference.high), abs=1e-9)
    low, high = clopper_pearson([0], [0])
    assert np.isnan(low[0]) and np.isnan(high[0])


@pytest.mark.parametrize("p, n", [(0.004, 1111), (0.262, 1111), (0.05, 60), (0.5, 30)])
def test_clopper_pearson_covers_at_least_95_percent(p: float, n: int) -> None:
    rng = np.random.default_rng(2024)
    k = rng.binomial(n, p, size=4000)
    low, high = clopper_pearson(k, np.full(len(k), n))
    coverage = np.mean((low <= p) & (p <= high))
    assert 0.95 - 3 * np.sqrt(0.95 * 0.05 / 4000) <= coverage <= 0.995


# --- change over a term, target -------------------------------------------------------------------------------

def test_change_over_a_span_and_over_the_term(planted) -> None:
    table = shares(planted[planted["unit_code"] == "SIM"])
    change = share_change(table, 2015, 2018).set_index(["subject", "rating"])
    assert change.loc[("organisation", "excellent"), "change_pp"] == pytest.approx(100 * (291 - 571) / 1111)
    terms = load_terms().for_province("SIM")
    assert term_baseline_year(terms, 2018) == 2015 and term_baseline_year(terms, 2015) == 2010
    per_term = term_changes(table, terms, ["2015-2020"]).set_index(["subject", "rating"])
    row = per_term.loc[("organisation", "excellent")]
    assert (row["first_year"], row["last_year"], bool(row["complete"])) == (2015, 2020, True)
    assert row["change_pp"] == pytest.approx(100 * (310 - 571) / 1111)
    partial = term_changes(table[table["year"] <= 2018], terms, ["2015-2020"]).set_index(["subject", "rating"])
    assert partial.loc[("organisation", "excellent"), "last_year"] == 2018
    assert not partial.loc[("organisation", "excellent"), "complete"]


def test_weak_target_met_only_strictly_below_the_target() -> None:
    rows = []
    for year, (weak, total) in {2015: (6, 1111), 2016: (5, 1000), 2017: (4, 1111), 2018: (1, 2000)}.items():
        rows += [("SIM", year, "organisation", "not_completed", weak), ("SIM", year, "organisation", "good", total - weak)]
    units = pd.DataFrame({"unit_code": ["SIM"], "name": ["s"], "parent_code": [pd.NA], "level": ["province"],
                          "successor_code": [pd.NA]}).astype("string")
    result = weak_target(shares(unit_counts(_typed(rows), units, ["SIM"]))).set_index("year")
    assert result["met"].to_dict() == {2015: False, 2016: False, 2017: True, 2018: True}  # 5/1000 is not below 0,5%
    assert result["ci_below"].to_dict() == {2015: False, 2016: False, 2017: False, 2018: True}
    assert weak_target(shares(unit_counts(_typed(rows), units, ["SIM"])), 0.6).set_index("year")["met"][2015]


# --- units compared -------------------------------------------------------------------------------------------

def test_chi_square_and_cramers_v_equal_scipy() -> None:
    unit, rest = np.array([480, 2950, 400, 70]), np.array([3900, 30500, 3800, 540])
    result = compare_two(unit, rest)
    chi2, p, dof, _ = stats.chi2_contingency(np.vstack([unit, rest]), correction=False)
    assert result["method"] == "chi2"
    assert (result["chi2"], result["p_value"], result["dof"]) == pytest.approx((chi2, p, dof))
    assert result["cramers_v"] == pytest.approx(association(np.vstack([unit, rest]), method="cramer"))


def test_small_expected_counts_switch_to_the_permutation_test() -> None:
    assert compare_two(np.array([30, 60, 30, 3]), np.array([260, 500, 220, 8]))["method"] == "permutation"
    assert compare_two(np.array([30, 60, 30, 0]), np.array([260, 500, 220, 0]))["dof"] == 2  # unused rating dropped
    assert compare_two(np.array([0, 0, 0, 0]), np.array([260, 500, 220, 8]))["method"] == "none"


def test_permutation_p_equals_exact_enumeration_of_the_conditional_distribution() -> None:
    unit, rest = np.array([2, 3, 6, 2]), np.array([40, 60, 30, 2])
    table = np.vstack([unit, rest])
    columns, n1 = table.sum(axis=0), int(unit.sum())
    observed = stats.chi2_contingency(table, correction=False)[0]
    exact = 0.0
    for cells in itertools.product(*[range(min(c, n1) + 1) for c in columns[:3]]):
        last = n1 - sum(cells)
        if not 0 <= last <= columns[3]:
            continue
        first = np.array([*cells, last])
        candidate = np.vstack([first, columns - first])
        if (candidate.sum(axis=0) == 0).any():
            continue
        if stats.chi2_contingency(candidate, correction=False)[0] >= observed - 1e-9:
            exact += stats.multivariate_hypergeom.pmf(first, columns, n1)
    estimate = permutation_p(table, permutations=20000, seed=1)
    assert estimate == pytest.approx(exact, abs=4 * np.sqrt(exact * (1 - exact) / 20000) + 1e-4)
    assert permutation_p(table, 999, seed=5) == permutation_p(table, 999, seed=5)  # seeded: same every run


def test_holm_equals_statsmodels_and_the_plain_procedure_uses_it(planted) -> None:
    p = np.array([0.001, 0.04, 0.03, 0.5, 0.0125, 0.2])
    assert holm(p) == pytest.approx(multipletests(p, method="holm")[1])
    plain = unit_differences(planted, "SIM", DISTRICTS, 2018, "member", step_down=False)
    assert plain["p_holm"].to_numpy() == pytest.approx(multipletests(plain["p_value"], method="holm")[1])
    stepped = unit_differences(planted, "SIM", DISTRICTS, 2018, "member")
    first = stepped["p_value"].idxmin()  # Holm's first step is the same test either way
    assert stepped.loc[first, "p_holm"] == pytest.approx(plain.loc[first, "p_holm"])


def test_a_unit_found_different_leaves_the_rest_of_the_others(planted) -> None:
    stepped = unit_differences(planted, "SIM", DISTRICTS, 2018, "member").set_index("unit_code")
    sim = planted[(planted["unit_code"] == "SIM") & (planted["year"] == 2018) & (planted["subject"] == "member")]
    d = planted[(planted["year"] == 2018) & (planted["subject"] == "member")].set_index("unit_code")
    rest = sim[list(RATINGS)].to_numpy()[0] - d.loc["D01", list(RATINGS)].to_numpy() - d.loc["D03", list(RATINGS)].to_numpy()
    assert stepped.loc["D01", "rest_n"] == rest.sum()
    assert stepped.loc["D01", "rest_share_excellent"] == pytest.approx(rest[0] / rest.sum())
    assert stepped.loc["D03", "rest_n"] == sim["total"].iloc[0] - d.loc["D03", "total"]


def test_exactly_the_planted_units_are_flagged(planted) -> None:
    organisations = unit_differences(planted, "SIM", DISTRICTS, 2018, "organisation").set_index("unit_code")
    members = unit_differences(planted, "SIM", DISTRICTS, 2018, "member").set_index("unit_code")
    assert organisations.index[organisations["differs"]].tolist() == ["D06"]
    assert members.index[members["differs"]].tolist() == ["D03"]
    assert organisations.loc["D06", "share_excellent"] == pytest.approx(12 / 123)
    assert organisations.loc["D06", "rest_share_excellent"] == pytest.approx((291 - 12) / (1111 - 123))
    assert organisations.loc["D06", "method"] == "permutation"  # its 4 weak organisations: expected below 5
    assert (members["method"] == "chi2").all()
    before = unit_differences(planted, "SIM", DISTRICTS, 2017, "organisation")
    assert not before["differs"].any()  # D06 is planted from 2018 on


def test_planted_units_are_found_across_replicates() -> None:
    found, false = 0, 0
    for seed in range(40):
        counts = unit_counts(planted_ratings(1000 + seed), _units(), ["SIM", *DISTRICTS])
        for subject, planted_unit in (("organisation", "D06"), ("member", "D03")):
            result = unit_differences(counts, "SIM", DISTRICTS, 2018, subject, permutations=1999)
            flagged = set(result.loc[result["differs"], "unit_code"])
            found += planted_unit in flagged
            false += bool(flagged - {planted_unit})
    assert found == 80
    assert false <= 8  # Holm keeps false findings rare even with a very different unit in every "rest"


@pytest.mark.slow
def test_family_wise_error_is_near_five_percent_on_null_data() -> None:
    """Every district drawn from the province's distribution: how often is any unit flagged?"""
    replicates = 300
    rng = np.random.default_rng(99)
    any_flag = {"organisation": 0, "member": 0}
    units = _units()
    for r in range(replicates):
        rows = []
        for district, size in zip(DISTRICTS, ORGANISATIONS):
            rows += [(district, 2018, "organisation", k, int(c))
                     for k, c in zip(RATINGS, rng.multinomial(size, (0.262, 0.576, 0.158, 0.004 * 1.0)))]
            rows += [(district, 2018, "member", k, int(c)) for k, c in zip(RATINGS, rng.multinomial(4800, MEMBER_SHARES))]
        counts = unit_counts(_typed(rows), units, ["SIM", *DISTRICTS])
        for subject in any_flag:
            result = unit_differences(counts, "SIM", DISTRICTS, 2018, subject, permutations=999, seed=r)
            any_flag[subject] += bool(result["differs"].any())
    se = np.sqrt(0.05 * 0.95 / replicates)
    for subject, flagged in any_flag.items():
        rate = flagged / replicates
        assert rate <= 0.05 + 3 * se, (subject, rate)
        assert rate >= 0.005, (subject, rate)  # not a test that never rejects
