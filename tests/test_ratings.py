"""Quality ratings: planted shares recovered from counts, exact intervals against scipy and by coverage, the term
change, the weak-organisation target, and the unit test (chi-square equals scipy, the permutation test equals exact
enumeration, planted units flagged, family-wise error near 5% on null data)."""

from __future__ import annotations

import html
import itertools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats.contingency import association
from statsmodels.stats.multitest import multipletests

from helpers.analyses.ratings import (
    RATINGS,
    compare_two,
    holm,
    permutation_p,
    share_change,
    shares,
    term_baseline_year,
    term_changes,
    unit_counts,
    unit_differences,
    weak_target,
)
from helpers.analyses.term_table import term_table
from helpers.data.datasets import Dataset
from helpers.data.terms import load_terms
from helpers.data.units import subordinate_units
from helpers.report.base import Heading, TermReport
from helpers.report.formatting import percent
from helpers.report.sections.ratings import RatingsReport, ratings_tables
from helpers.text import t

DISTRICTS = [f"D{i:02d}" for i in range(1, 10)]
# Organisations per district (1.111 in the province, as in the default data) and the province's counts per rating
# (excellent, good, completed, not completed): 571/1.111 = 51,4% and 291/1.111 = 26,2% excellent (seed 004),
# 4/1.111 = 0,36% weak in 2018.
ORGANISATIONS = [124, 124, 124, 124, 123, 123, 123, 123, 123]
PROVINCE = {
    2015: (571, 420, 114, 6),
    2016: (480, 490, 135, 6),
    2017: (390, 560, 156, 5),
    2018: (291, 640, 176, 4),
    2019: (300, 640, 167, 4),
    2020: (310, 640, 157, 4),
}
# The effect sizes the default data plants (truth.py): D06's organisations from 2018, D03's members.
D06_ORGANISATIONS = (0.10, 0.50, 0.37, 0.03)
MEMBER_SHARES = (0.105, 0.78, 0.10, 0.015)
D03_MEMBER_SHARES = (0.16, 0.77, 0.065, 0.005)


def _units() -> pd.DataFrame:
    codes = ["SIM", *DISTRICTS]
    return pd.DataFrame(
        {
            "unit_code": codes,
            "name": codes,
            "parent_code": [pd.NA] + ["SIM"] * 9,
            "level": ["province"] + ["district"] * 9,
            "successor_code": pd.NA,
        }
    ).astype("string")


def _typed(rows: list[tuple]) -> pd.DataFrame:
    """A quality_ratings frame typed as the contract types it."""
    frame = pd.DataFrame(rows, columns=["unit_code", "year", "subject", "rating", "count"])
    return frame.astype(
        {"unit_code": "string", "year": "Int64", "subject": "string", "rating": "string", "count": "Int64"}
    )


def _split(pool, sizes, rng) -> list[np.ndarray]:
    """Each district's counts drawn without replacement from the province's ratings, so they add up exactly."""
    pool, out = np.asarray(pool, dtype=np.int64), []
    for size in sizes:
        draw = rng.multivariate_hypergeometric(pool, size)
        pool = pool - draw
        out.append(draw)
    return out


def planted_ratings(
    seed: int, d06_from: int | None = 2018, d03: bool = True, members_per_district: int = 4800
) -> pd.DataFrame:
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
            rows += [
                (district, year, "member", r, int(c)) for r, c in zip(RATINGS, rng.multinomial(members_per_district, p))
            ]
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
    units = pd.DataFrame(
        {
            "unit_code": ["OLD", "NEW", "A", "B"],
            "name": ["o", "n", "a", "b"],
            "parent_code": [pd.NA, pd.NA, "OLD", "NEW"],
            "level": ["province", "province", "district", "district"],
            "successor_code": ["NEW", pd.NA, pd.NA, pd.NA],
        }
    ).astype("string")
    ratings = _typed(
        [
            ("A", 2024, "member", "excellent", 3),
            ("A", 2024, "member", "good", 7),
            ("B", 2024, "member", "excellent", 5),
            ("B", 2024, "member", "completed", 1),
        ]
    )
    counts = unit_counts(ratings, units, ["NEW", "OLD"]).set_index("unit_code")
    assert counts.loc["NEW", ["excellent", "good", "completed", "not_completed", "total"]].tolist() == [8, 7, 1, 0, 16]
    assert counts.loc["OLD", "total"] == 10
    assert sorted(subordinate_units(units, "NEW")) == ["A", "B"]


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
        rows += [
            ("SIM", year, "organisation", "not_completed", weak),
            ("SIM", year, "organisation", "good", total - weak),
        ]
    units = pd.DataFrame(
        {"unit_code": ["SIM"], "name": ["s"], "parent_code": [pd.NA], "level": ["province"], "successor_code": [pd.NA]}
    ).astype("string")
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
    rest = (
        sim[list(RATINGS)].to_numpy()[0]
        - d.loc["D01", list(RATINGS)].to_numpy()
        - d.loc["D03", list(RATINGS)].to_numpy()
    )
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


@pytest.mark.simulation
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


@pytest.mark.simulation
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
            rows += [
                (district, 2018, "organisation", k, int(c))
                for k, c in zip(RATINGS, rng.multinomial(size, (0.262, 0.576, 0.158, 0.004 * 1.0)))
            ]
            rows += [
                (district, 2018, "member", k, int(c)) for k, c in zip(RATINGS, rng.multinomial(4800, MEMBER_SHARES))
            ]
        counts = unit_counts(_typed(rows), units, ["SIM", *DISTRICTS])
        for subject in any_flag:
            result = unit_differences(counts, "SIM", DISTRICTS, 2018, subject, permutations=999, seed=r)
            any_flag[subject] += bool(result["differs"].any())
    se = np.sqrt(0.05 * 0.95 / replicates)
    for subject, flagged in any_flag.items():
        rate = flagged / replicates
        assert rate <= 0.05 + 3 * se, (subject, rate)
        assert rate >= 0.005, (subject, rate)  # not a test that never rejects


# --- the report section (helpers.report.sections.ratings) ------------------------------------------

NAMES = {"SIM": "Tỉnh mô phỏng", **{d: f"Huyện {d}" for d in DISTRICTS}, "D05": "<b>Huyện & Co</b>"}
KINDS = ["removed", "asked_to_leave"]


def units() -> pd.DataFrame:
    codes = ["SIM", *DISTRICTS]
    return pd.DataFrame(
        {
            "unit_code": codes,
            "name": [NAMES[c] for c in codes],
            "parent_code": [pd.NA] + ["SIM"] * 9,
            "level": ["province"] + ["district"] * 9,
            "valid_from": pd.NA,
            "valid_to": pd.NA,
            "successor_code": pd.NA,
        }
    ).astype("string")


def dataset(quality_ratings=None, member_management=None) -> Dataset:
    """A Dataset built in memory: the new tables as given, a few annual counts for the header."""
    counts = pd.DataFrame(
        {"unit_code": "SIM", "year": range(2011, 2021), "members_start": 45_000, "removed": 80, "asked_to_leave": 40}
    )
    return Dataset(
        Path("."),
        units(),
        counts,
        None,
        None,
        None,
        (),
        False,
        True,
        quality_ratings=quality_ratings,
        member_management=member_management,
    )


def base(data: Dataset, lang: str = "vi") -> TermReport:
    terms = load_terms()
    yearly = data.annual_counts.groupby("year", as_index=False)[["members_start", *KINDS]].sum()
    table = term_table(yearly, terms.for_province("SIM"), KINDS, labels=["2015-2020"])
    return TermReport(data, terms, "SIM", "SIM", NAMES["SIM"], table, KINDS, lang, {})


def build(ratings, lang: str = "vi", year: int = 2018, threshold: int = 10) -> RatingsReport:
    return RatingsReport.build("", "SIM", ["2015-2020"], year, threshold, lang, base=base(dataset(ratings), lang))


def text(fragment: str) -> str:
    """What a reader sees: tags dropped, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment)))


def tables(fragment: str) -> list[list[list[str]]]:
    """Every table's body rows as lists of cell texts."""
    out = []
    for body in re.findall(r"<tbody>(.*?)</tbody>", fragment, re.S):
        out.append(
            [
                [html.unescape(c.strip()) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
                for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
            ]
        )
    return out


@pytest.fixture(scope="module")
def report() -> RatingsReport:
    return build(planted_ratings(7))


def test_the_seed_sentence_and_the_term_change_in_vietnamese(report) -> None:
    shown = text(report.shares_section())
    assert "Năm 2018 có 26,2% tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ (năm 2015 là 51,4%)." in shown
    # 571/1.111 = 51,4% in 2015 and 310/1.111 = 27,9% in 2020: down 261/1.111 = 23,5 points
    assert (
        "Trong nhiệm kỳ 2015–2020, tỷ lệ tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ giảm 23,5 điểm phần trăm,"
        " từ 51,4% (năm 2015) xuống 27,9% (năm 2020)."
    ) in shown
    assert re.search(r"Năm 2018 có 1\d,\d% đảng viên hoàn thành xuất sắc nhiệm vụ \(năm 2015 là 1\d,\d%\)\.", shown)
    organisations = tables(report.shares_section())[0]
    row_2018 = next(r for r in organisations if r[0] == "2018")
    assert row_2018[1] == "1.111" and row_2018[2] == "26,2%"  # the interval is in the appendix, not the table
    # The change column is the difference of the shares as printed, so a reader's subtraction agrees.
    for row in tables(report.shares_section())[-1]:
        first, last, change = (float(c.rstrip("%").replace(",", ".").replace("−", "-")) for c in row[-3:])
        assert round(last - first, 1) == change, row
    assert "<img" in report.shares_section()


def test_the_target_for_weak_organisations(report) -> None:
    ci = stats.binomtest(4, 1111).proportion_ci(method="exact")
    low, high = percent(100 * ci.low, "vi", 2), percent(100 * ci.high, "vi", 2)
    shown = text(report.target_section())
    assert (
        "Năm 2018 có 4/1.111 tổ chức cơ sở đảng không hoàn thành nhiệm vụ, tỷ lệ 0,36% (năm 2015 là 0,54%): "
        "đạt chỉ tiêu dưới 0,5%."
    ) in shown
    # 6/1.111 = 0,54% is not below
    assert (
        "Trong 6 năm có số liệu, từ năm 2015 đến năm 2020, có 4 năm đạt chỉ tiêu; các năm chưa đạt: 2015 và 2016."
        in shown
    )
    assert "Đơn vị trực thuộc chưa đạt chỉ tiêu năm 2018: Huyện D06 (3,25%)." in shown  # its 4 of 123
    assert "khoảng tin cậy" not in shown.split("(DỮ LIỆU MÔ PHỎNG)")[0] and "yếu kém" not in shown
    # The interval stands in the methods appendix, with whether all of it is below the target.
    methods = text(report.methods_section())
    assert f"0,36% {low}–{high} Không" in methods


def test_exactly_the_planted_units_are_named_as_different(report) -> None:
    section = report.units_section()
    shown = text(section)
    sentences = [s for s in shown.split("Đơn vị có kết quả xếp loại khác hẳn phần còn lại")[1:]]
    assert len(sentences) == 2
    organisations, members = sentences
    # D06: 12 of 123 excellent against 279 of the other 988; 4 of 123 weak against none
    assert (
        "Huyện D06 (hoàn thành xuất sắc nhiệm vụ 9,8%, phần còn lại 28,2%; "
        "không hoàn thành nhiệm vụ 3,3%, phần còn lại 0,0%"
    ) in organisations
    # The other units' rest leaves out the unit found to differ, and the note under the table says so.
    assert "Phần còn lại không tính Huyện D06, đơn vị đã xác định khác rõ rệt." in organisations
    assert "Phần còn lại không tính Huyện D03, đơn vị đã xác định khác rõ rệt." in members
    assert [d for d in DISTRICTS if f"Huyện {d} (" in organisations.split(". ")[0]] == ["D06"]
    assert [d for d in DISTRICTS if f"Huyện {d} (" in members.split(". ")[0]] == ["D03"]
    differs = {r[0]: r[-1] for r in tables(section)[0]}
    assert [name for name, flag in differs.items() if flag == "Có"] == ["Huyện D06"]
    # The tests themselves stand in the methods appendix, not in the main text.
    methods = text(report.methods_section())
    assert "kiểm định hoán vị" in methods and "Holm" in methods  # the small-cell rule, stated there
    assert not re.search(r"Holm|Cramér|χ²|p [=<]|hoán vị|KTC", shown)
    tests_table = {r[0]: r for r in tables(report.methods_section())[0]}
    assert tests_table["Huyện D06"][-1] == "Có" and tests_table["Huyện D06"][3].startswith("p ")


def test_rounded_change_and_year_ticks() -> None:
    from helpers.report.sections.ratings import end_ticks, rounded_change

    assert rounded_change(0.1034, 0.1424) == 3.9  # 10,3% → 14,2%, not the unrounded 3,9 or 4,0
    assert (
        rounded_change(0.1101, 0.1104) == 0.0
        and rounded_change(0.1104, 0.1106) == 0.1
        and rounded_change(0.0054, 0.0036) == -0.1
    )
    assert end_ticks(2015, 2025, 3) == [2015, 2020, 2025]  # the caption's first and last year are both shown
    assert end_ticks(2015, 2025, 6)[0] == 2015 and end_ticks(2015, 2025, 6)[-1] == 2025


def test_names_from_the_data_are_escaped(report) -> None:
    full = report.shares_section() + report.target_section() + report.units_section()
    assert "&lt;b&gt;Huyện &amp; Co&lt;/b&gt;" in full
    assert "<b>Huyện" not in full


def test_english_edition() -> None:
    report = build(planted_ratings(7), lang="en")
    shown = text(report.shares_section() + report.target_section() + report.units_section())
    assert "In 2018, 26.2% of grassroots organisations were rated “excellent” (51.4% in 2015)." in shown
    assert "In 2018, 4 of 1,111 grassroots organisations did not fulfil their tasks, 0.36% (0.54% in 2015)" in shown
    assert "Units whose ratings are clearly different from the rest" in shown
    assert "The rest leaves out Huyện D06, already found to differ clearly." in shown
    assert "weak" not in shown.lower() and "Did not fulfil tasks" in shown
    assert not re.search(r"\bCI\b|Holm|Cramér|χ²|p [=<]|permutation", shown)
    assert "Quality ratings" in report.header()


def test_member_counts_under_the_threshold_are_hidden() -> None:
    ratings = planted_ratings(7)
    small = (ratings["subject"] == "member") & (ratings["rating"] == "not_completed") & (ratings["year"] == 2017)
    ratings.loc[small, "count"] = 0
    ratings.loc[small & (ratings["unit_code"] == "D01"), "count"] = 7  # the province's only one: 7 members
    report = build(ratings, year=2017)
    members = tables(report.shares_section())[1]
    row_2017 = next(r for r in members if r[0] == "2017")
    assert row_2017[-1] == "x"  # 7 of some 43.000 members: the share would give the count away
    assert sum(r[-1] == "x" for r in members) >= 2  # and another, so the years' total cannot give it away
    assert all(r[2] != "x" for r in members)  # excellent: nothing small to hide
    unit_rows = {r[0]: r for r in tables(report.units_section())[1]}
    assert unit_rows["Huyện D01"][3] == "x / x"
    shown = ratings_tables(report)
    hidden = (
        shown["shares"]
        .set_index(["unit_code", "subject", "year", "rating"])
        .loc[("SIM", "member", 2017, "not_completed")]
    )
    assert hidden["count"] is None and hidden["share"] is None
    d01 = shown["units_member"].set_index("unit_code").loc["D01"]
    assert d01["share_not_completed"] is None and d01["rest_share_not_completed"] is None
    # the full counts still feed the tests
    d01_members = ratings.loc[
        (ratings["unit_code"] == "D01") & (ratings["subject"] == "member") & (ratings["year"] == 2017), "count"
    ].sum()
    assert report.differences["member"].set_index("unit_code").loc["D01", "share_not_completed"] == 7 / d01_members
    organisations = (
        shown["shares"]
        .set_index(["unit_code", "subject", "year", "rating"])
        .loc[("SIM", "organisation", 2018, "not_completed")]
    )
    assert organisations["count"] == 4  # organisations are not people: shown in full


def test_no_ratings_in_the_data_is_said_not_raised() -> None:
    report = build(None)
    no_data = t("ratings.no_data", "vi")
    for section in (report.shares_section(), report.target_section(), report.units_section()):
        assert no_data in text(section)
    assert ratings_tables(report) == {}
    assert "Phương pháp" in report.methods_section()


def test_a_composing_report_sets_the_heading(report) -> None:
    assert report.target_section(Heading("ratings-target", "II.3. Chỉ tiêu", 3)).startswith(
        '<h3 id="ratings-target">II.3. Chỉ tiêu</h3>'
    )


@pytest.mark.slow
def test_the_default_data() -> None:
    report = RatingsReport.build("data/sample", "SIM", ["2015-2020"], 2018, 10, "vi")
    shown = text(report.shares_section() + report.units_section())
    if report.base.dataset.quality_ratings is None:  # data/sample before the ratings table is generated into it
        assert t("ratings.no_data", "vi") in shown
    else:
        assert "Năm 2018 có 26,2% tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ (năm 2015 là 51,4%)." in shown
        assert report.differences["organisation"].loc[lambda d: d["differs"], "unit_code"].tolist() == ["D06"]
        assert report.differences["member"].loc[lambda d: d["differs"], "unit_code"].tolist() == ["D03"]
