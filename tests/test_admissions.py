"""Admissions against plan: planted attainment, rates, profiles and mid-year statuses recovered; Garwood, Clopper–
Pearson and chi-square checked against reference computations."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from helpers.analyses.admissions import (
    admission_rates,
    admissions_series,
    admitted_from_members,
    attainment,
    compare_profile,
    cumulative_attainment,
    first_half_share,
    garwood_interval,
    midyear_table,
    new_member_profile,
    profile_test,
    rolled_up,
    seed_round,
    sources_pool,
    term_attainment,
)
from helpers.analyses.term_table import term_table
from helpers.data.counts import annual_counts_from_members, counts_for_unit
from helpers.data.terms import load_terms
from helpers.report.base import Heading, TermReport
from helpers.report.formatting import percent
from helpers.report.sections.admissions import AdmissionsReport, admissions_tables
from helpers.text import t

# --- the planted province -----------------------------------------------------------------------------------
# SIM with four districts. Province totals are the Hòa Bình figures (seed 001): 1.394 admitted in 2021 against a
# plan of 1.260, 1.457 in 2022 against 1.390, 10.980 in 2016–2022 against 12.410, 787 by 30 June 2023 against 2.082.
DISTRICTS = ("D01", "D02", "D03", "D04")
ON_ROLL = {"D01": 14_700, "D02": 10_500, "D03": 10_500, "D04": 8_300}
ADMITTED = {2016: 1620, 2017: 1640, 2018: 1530, 2019: 1670, 2020: 1669, 2021: 1394, 2022: 1457}
PLANNED = {2016: 1900, 2017: 1950, 2018: 1950, 2019: 1980, 2020: 1980, 2021: 1260, 2022: 1390}
WEIGHTS = tuple(ON_ROLL.values())  # districts admit in proportion to their size, about 3,2–3,8% a year
# 2018: D03 planted far below 3% of its members (180 of about 10.500), D04 far above 4% (420 of about 8.300).
OVERRIDES = {2018: (540, 390, 180, 420)}
# First-half share of each district's admissions in every year; 2023's first half and plan give planted statuses.
SHARE = {"D01": 0.45, "D02": 0.40, "D03": 0.40, "D04": 0.35}
FIRST_HALF_2023 = {"D01": 270, "D02": 170, "D03": 197, "D04": 150}  # 787 in all
PLAN_2023 = {"D01": 480, "D02": 800, "D03": 520, "D04": 282}  # 2.082 in all
SECOND_HALF_2023 = 700
STATUS_2023 = {"D01": "on_track", "D02": "behind", "D03": "at_risk", "D04": "on_track"}
# Pool (admission_sources, SIM, 2021–2025) and new members' training: university 1,5× over-represented among new
# members of 2021–2022, 4 postgraduates (a count the report must hide); age and sex drawn like the pool.
POOL_SIZE = 20_000
POOL = {
    "sex": {"male": 0.6, "female": 0.4},
    "age_group": {"18_30": 0.55, "31_40": 0.30, "41_50": 0.12, "51_plus": 0.03},
    "professional_training": {
        "none": 0.05,
        "elementary": 0.10,
        "intermediate": 0.30,
        "college": 0.25,
        "university": 0.28,
        "postgraduate": 0.02,
    },
    "occupation": {
        "worker": 0.2,
        "farmer": 0.2,
        "civil_servant": 0.3,
        "student": 0.1,
        "armed_forces": 0.1,
        "freelance": 0.1,
    },
}
UNIVERSITY_RATIO = 1.5
POSTGRADUATES_2021_2022 = 4
AGES = {"18_30": (18, 30), "31_40": (31, 40), "41_50": (41, 50), "51_plus": (51, 60)}


def split(total: int, weights) -> list[int]:
    """Largest-remainder split of a whole number."""
    raw = np.array(weights) / sum(weights) * total
    out = np.floor(raw).astype(int)
    out[np.argsort(-(raw - out))[: total - out.sum()]] += 1
    return out.tolist()


def planned_training_counts(n: int) -> dict[str, int]:
    """New members' training counts for 2021–2022: university at 1,5× its pool share, 4 postgraduates, the rest
    in proportion to the pool."""
    pool = POOL["professional_training"]
    university = round(UNIVERSITY_RATIO * pool["university"] * n)
    rest = ["none", "elementary", "intermediate", "college"]
    counts = dict(zip(rest, split(n - university - POSTGRADUATES_2021_2022, [pool[c] for c in rest])))
    return counts | {"university": university, "postgraduate": POSTGRADUATES_2021_2022}


def _dates(rng, year: int, n: int, first: bool) -> pd.Series:
    start = pd.Timestamp(year, 1, 1) if first else pd.Timestamp(year, 7, 1)
    end = pd.Timestamp(year, 6, 30) if first else pd.Timestamp(year, 12, 31)
    days = rng.integers(0, (end - start).days + 1, n)
    if n:
        days[0] = (end - start).days if first else 0  # 30 June counts in the first half; 1 July does not
    return pd.Series(start + pd.to_timedelta(days, unit="D"))


def district_admissions() -> dict[tuple[str, int], tuple[int, int]]:
    """(admitted, of which first half) per district and year, as planted."""
    out = {}
    for year, total in ADMITTED.items():
        counts = OVERRIDES.get(year) or split(total, WEIGHTS)
        for code, n in zip(DISTRICTS, counts):
            out[(code, year)] = (n, round(SHARE[code] * n))
    for code in DISTRICTS:
        out[(code, 2023)] = (
            FIRST_HALF_2023[code] + split(SECOND_HALF_2023, WEIGHTS)[DISTRICTS.index(code)],
            FIRST_HALF_2023[code],
        )
    return out


def planted_province(seed: int = 2023, name_d02: str = "Thị xã Hòa An") -> SimpleNamespace:
    """Units, members, annual counts, plans and sources of the planted province, typed as the contracts type them."""
    rng = np.random.default_rng(seed)
    draw = lambda attribute, n: rng.choice(list(POOL[attribute]), n, p=list(POOL[attribute].values()))  # noqa: E731
    frames = []
    for code, n in ON_ROLL.items():
        died = rng.random(n) < 0.29
        exit_date = pd.Series(pd.Timestamp(2016, 1, 1) + pd.to_timedelta(rng.integers(0, 8 * 365, n), unit="D"))
        frames.append(
            pd.DataFrame(
                {
                    "unit_code": code,
                    "entry_kind": "on_roll",
                    "entry_date": pd.NaT,
                    "admission_date": pd.Timestamp(1990, 1, 1) + pd.to_timedelta(rng.integers(0, 8000, n), unit="D"),
                    "birth_year": 2021 - rng.integers(22, 75, n),
                    "exit_date": exit_date.where(died),
                    "exit_kind": np.where(died, "died", None),
                    "sex": draw("sex", n),
                    "professional_training": draw("professional_training", n),
                    "occupation": draw("occupation", n),
                }
            )
        )
    for (code, year), (n, first) in district_admissions().items():
        dates = pd.concat([_dates(rng, year, first, True), _dates(rng, year, n - first, False)], ignore_index=True)
        groups = draw("age_group", n)
        ages = np.array([rng.integers(AGES[g][0], AGES[g][1] + 1) for g in groups])
        frames.append(
            pd.DataFrame(
                {
                    "unit_code": code,
                    "entry_kind": "admitted",
                    "entry_date": dates,
                    "admission_date": dates,
                    "birth_year": year - ages,
                    "exit_date": pd.NaT,
                    "exit_kind": None,
                    "sex": draw("sex", n),
                    "professional_training": draw("professional_training", n),
                    "occupation": draw("occupation", n),
                }
            )
        )
    members = pd.concat(frames, ignore_index=True)
    recent = members.index[(members["entry_kind"] == "admitted") & members["entry_date"].dt.year.isin([2021, 2022])]
    training = np.concatenate([[c] * k for c, k in planned_training_counts(len(recent)).items()])
    members.loc[rng.permutation(recent), "professional_training"] = training
    members = members.assign(
        member_id=[f"M{i:06d}" for i in range(len(members))],
        branch_id=members["unit_code"] + "-B01",
        branch_type="hamlet",
        political_training="none",
        exit_reason=None,
        cause_group=pd.NA,
    )
    members = members.astype(
        {
            c: "string"
            for c in (
                "member_id",
                "unit_code",
                "branch_id",
                "branch_type",
                "sex",
                "occupation",
                "professional_training",
                "political_training",
                "entry_kind",
                "exit_kind",
                "exit_reason",
            )
        }
        | {"birth_year": "Int64", "cause_group": "Int64"}
    )
    units = pd.DataFrame(
        {
            "unit_code": ["SIM", *DISTRICTS],
            "name": ["Tỉnh mô phỏng", "Huyện Một", name_d02, "Huyện Ba", "Huyện Bốn"],
            "parent_code": [None, "SIM", "SIM", "SIM", "SIM"],
            "level": ["province"] + ["district"] * 4,
            "valid_from": pd.Timestamp(2008, 1, 1),
            "valid_to": pd.NaT,
            "successor_code": None,
        }
    ).astype({c: "string" for c in ("unit_code", "name", "parent_code", "level", "successor_code")})
    plan_rows = [
        (code, year, n) for year, total in PLANNED.items() for code, n in zip(DISTRICTS, split(total, WEIGHTS))
    ]
    plan_rows += [(code, 2023, PLAN_2023[code]) for code in DISTRICTS]
    plans = pd.DataFrame(plan_rows, columns=["unit_code", "year", "planned"]).assign(
        admitted=pd.NA, admitted_first_half=pd.NA
    )
    plans = plans.astype(
        {
            "unit_code": "string",
            "year": "Int64",
            "planned": "Int64",
            "admitted": "Int64",
            "admitted_first_half": "Int64",
        }
    )
    source_rows = [
        ("SIM", year, attribute, category, round(share * POOL_SIZE))
        for year in range(2021, 2026)
        for attribute, shares in POOL.items()
        for category, share in shares.items()
    ]
    sources = pd.DataFrame(source_rows, columns=["unit_code", "year", "attribute", "category", "count"]).astype(
        {"unit_code": "string", "year": "Int64", "attribute": "string", "category": "string", "count": "Int64"}
    )
    return SimpleNamespace(
        units=units,
        members=members,
        annual_counts=annual_counts_from_members(members),
        admission_plans=plans,
        admission_sources=sources,
    )


@pytest.fixture(scope="module")
def province() -> SimpleNamespace:
    return planted_province()


@pytest.fixture(scope="module")
def sim(province) -> pd.DataFrame:
    return admissions_series(province.units, "SIM", province.admission_plans, province.members, province.annual_counts)


# --- admitted counts and plans ------------------------------------------------------------------------------


def test_admitted_counts_follow_the_definition(province) -> None:
    counts = admitted_from_members(province.members, range(2015, 2024)).set_index(["unit_code", "year"])
    for (code, year), (n, first) in district_admissions().items():
        assert counts.loc[(code, year), "admitted"] == n
        assert counts.loc[(code, year), "admitted_first_half"] == first  # 30 June in, 1 July out
    assert counts.loc[("D01", 2015), "admitted"] == 0


def test_province_series_sums_its_districts(sim) -> None:
    row = sim.set_index("year")
    for year, total in ADMITTED.items():
        assert row.loc[year, "admitted"] == total
        assert row.loc[year, "planned"] == PLANNED[year]
    assert row.loc[2023, "admitted_first_half"] == 787
    assert row.loc[2023, "planned"] == 2082
    assert row.loc[2021, "members_start"] > 0


def test_a_units_own_plan_wins_over_its_subordinates(province) -> None:
    plans = pd.concat(
        [
            province.admission_plans,
            pd.DataFrame({"unit_code": ["SIM"], "year": [2021], "planned": [1300]}).astype(
                {"unit_code": "string", "year": "Int64", "planned": "Int64"}
            ),
        ],
        ignore_index=True,
    )
    rolled = rolled_up(plans, province.units, "SIM", ["planned"]).set_index("year")["planned"]
    assert rolled[2021] == 1300  # the province's own row
    assert rolled[2022] == PLANNED[2022]  # no own row: the districts' sum


def test_reported_counts_are_used_without_a_member_registry(province) -> None:
    plans = province.admission_plans.copy()
    plans["admitted"] = plans["planned"] + 1
    plans.loc[plans["unit_code"] == "D04", "admitted"] = pd.NA  # one district missing: the sum is missing
    series = admissions_series(province.units, "SIM", plans, None, province.annual_counts).set_index("year")
    assert pd.isna(series.loc[2021, "admitted"])
    plans["admitted"] = plans["planned"] + 1
    series = admissions_series(province.units, "SIM", plans, None, None).set_index("year")
    assert series.loc[2021, "admitted"] == PLANNED[2021] + 4


# --- attainment -----------------------------------------------------------------------------------------------


def test_attainment_as_the_seed_states_it(sim) -> None:
    table = attainment(sim).set_index("year")
    assert table.loc[2021, "attainment_rounded"] == 110.63
    assert percent(table.loc[2021, "attainment_rounded"], "vi") == "110,63%"
    assert table.loc[2022, "attainment_rounded"] == 104.82
    assert table.loc[2023, "first_half_rounded"] == 37.80
    assert table.loc[2021, "attainment_pct"] == pytest.approx(100 * 1394 / 1260)


def test_cumulative_attainment_over_a_span_and_a_term(sim) -> None:
    span = cumulative_attainment(sim, range(2016, 2023))
    assert (span.admitted, span.planned, span.rounded, span.complete) == (10_980, 12_410, 88.48, True)
    term = term_attainment(sim, load_terms().for_province("SIM"), "2015-2020")
    assert (term.first_year, term.last_year) == (2016, 2020)
    assert term.admitted == sum(ADMITTED[y] for y in range(2016, 2021))
    current = term_attainment(sim, load_terms().for_province("SIM"), "2020-2025", before=2023)
    assert current.years == (2021, 2022) and not current.complete


def test_seed_rounding_is_half_up() -> None:
    assert seed_round(0.125) == 0.13 and seed_round(37.7998) == 37.80 and seed_round(2.675) == 2.68


# --- admission rate -------------------------------------------------------------------------------------------


def test_rate_interval_is_clopper_pearson_and_the_band_is_applied(province) -> None:
    counts = province.annual_counts.dropna(subset=["members_start"])
    rates = admission_rates(counts[counts["year"].between(2016, 2022)])
    for row in rates.itertuples():
        exact = stats.binomtest(int(row.admitted), int(row.members_start)).proportion_ci(0.95, method="exact")
        assert (row.rate_low, row.rate_high) == pytest.approx((100 * exact.low, 100 * exact.high))
    flagged = rates.set_index(["unit_code", "year"])["band"]
    assert flagged[("D03", 2018)] == "below" and flagged[("D04", 2018)] == "above"
    assert (flagged.drop([("D03", 2018), ("D04", 2018)]) == "within").all()


# --- profile of new members -----------------------------------------------------------------------------------


def test_planted_training_ratio_against_the_sources_pool(province) -> None:
    pool = sources_pool(province.admission_sources, province.units, "SIM", "professional_training", range(2021, 2023))
    assert pool is not None and pool["university"] == 2 * round(0.28 * POOL_SIZE)
    table, kind = new_member_profile(province.members, range(2021, 2023), "professional_training", pool)
    row = table.set_index("category").loc["university"]
    assert kind == "sources"
    assert row["ratio_low"] <= UNIVERSITY_RATIO <= row["ratio_high"]
    assert table.set_index("category").loc["postgraduate", "new_members"] == POSTGRADUATES_2021_2022
    for attribute in ("sex", "age_group"):  # drawn like the pool: ratio 1 inside every interval
        pool = sources_pool(province.admission_sources, province.units, "SIM", attribute, range(2021, 2023))
        table, _ = new_member_profile(province.members, range(2021, 2023), attribute, pool)
        assert ((table["ratio_low"] <= 1) & (table["ratio_high"] >= 1)).all(), attribute


def test_sources_missing_for_a_year_fall_back_to_the_members(province) -> None:
    assert sources_pool(province.admission_sources, province.units, "SIM", "sex", range(2019, 2022)) is None
    assert sources_pool(province.admission_sources, province.units, "D01", "sex", range(2021, 2022)) is None
    table, kind = new_member_profile(province.members, range(2021, 2023), "sex")
    on_rolls = province.annual_counts.groupby("year")["members_start"].sum()[2021]
    assert kind == "members" and table["pool"].sum() == on_rolls


@pytest.mark.simulation
def test_ratio_interval_covers_the_planted_ratio() -> None:
    """Multinomial draws of new members from a pool at planted ratios: 95% intervals cover about 95% of the time."""
    rng = np.random.default_rng(5)
    pool = pd.Series({"a": 3000, "b": 5000, "c": 2000})
    shares = pool / pool.sum()
    planted = pd.Series({"a": 1.5, "b": 0.8, "c": (1 - 1.5 * 0.3 - 0.8 * 0.5) / 0.2})
    covered = []
    for _ in range(500):
        new = pd.Series(rng.multinomial(600, (shares * planted).to_numpy()), index=pool.index)
        table = compare_profile(new, pool, "x").set_index("category")
        covered.append(((table["ratio_low"] <= planted) & (planted <= table["ratio_high"])).to_numpy())
    coverage = np.mean(covered, axis=0)
    assert (coverage > 0.95 - 3 * np.sqrt(0.95 * 0.05 / 500)).all(), coverage


def test_profile_chi_square_equals_scipy(province) -> None:
    table, _ = new_member_profile(province.members, range(2021, 2023), "professional_training")
    chi2, p, dof, _ = stats.chi2_contingency(table[["new_members", "pool"]].to_numpy(), correction=False)
    result = profile_test(table)
    assert (result.chi2, result.p_value, result.dof) == pytest.approx((chi2, p, dof))
    assert result.p_value < 0.001  # university planted at 1,5×


# --- mid-year projection --------------------------------------------------------------------------------------


def reference_exact_poisson(k: int, level: float = 0.95) -> tuple[float, float]:
    """The exact interval by inverting the Poisson tail probabilities directly (no χ² identity)."""
    tail = (1 - level) / 2
    low = 0.0 if k == 0 else optimize.brentq(lambda m: stats.poisson.sf(k - 1, m) - tail, 1e-9, 10 * k + 10)
    high = optimize.brentq(lambda m: stats.poisson.cdf(k, m) - tail, 1e-9, 10 * k + 50)
    return low, high


@pytest.mark.parametrize("k", [0, 1, 4, 17, 150, 787])
def test_garwood_interval_equals_the_inverted_poisson_tails(k: int) -> None:
    low, high = garwood_interval(k)
    assert (float(low), float(high)) == pytest.approx(reference_exact_poisson(k), rel=1e-7, abs=1e-9)


@pytest.mark.simulation
def test_garwood_interval_covers_at_least_95_percent() -> None:
    rng = np.random.default_rng(17)
    for mean in (3.0, 25.0, 240.0):
        draws = rng.poisson(mean, 20_000)
        low, high = garwood_interval(draws)
        coverage = np.mean((low <= mean) & (mean <= high))
        assert coverage >= 0.95 - 3 * np.sqrt(0.95 * 0.05 / 20_000), (mean, coverage)


def test_planted_statuses_at_mid_year(province, sim) -> None:
    series = {
        code: admissions_series(
            province.units, code, province.admission_plans, province.members, province.annual_counts
        )
        for code in DISTRICTS
    }
    reference, _ = first_half_share(sim, 2023)
    table = midyear_table(series, 2023, reference).set_index("unit_code")
    planted = district_admissions()
    for code in DISTRICTS:
        history = [planted[(code, y)] for y in (2020, 2021, 2022)]
        share = sum(f for _, f in history) / sum(n for n, _ in history)
        assert table.loc[code, "share"] == pytest.approx(share) and abs(share - SHARE[code]) < 0.005
        low, high = reference_exact_poisson(FIRST_HALF_2023[code])
        assert table.loc[code, "projection"] == pytest.approx(FIRST_HALF_2023[code] / share)
        assert (table.loc[code, "low"], table.loc[code, "high"]) == pytest.approx((low / share, high / share))
        assert table.loc[code, "status"] == STATUS_2023[code], code


def test_small_units_take_the_reference_share_and_missing_plans_are_said() -> None:
    small = pd.DataFrame(
        {
            "year": [2020, 2021, 2022, 2023],
            "planned": [30, 30, 30, pd.NA],
            "admitted": [20, 25, 30, pd.NA],
            "admitted_first_half": [20, 25, 30, 12],
        }
    )
    table = midyear_table({"X": small}, 2023, 0.4).set_index("unit_code")
    assert table.loc["X", "share_source"] == "reference" and table.loc["X", "share"] == 0.4
    assert table.loc["X", "projection"] == pytest.approx(30.0)
    assert table.loc["X", "status"] == "no_plan"


# --- the report section (helpers.report.sections.admissions) ------------------------------------------

TERMS = ["2015-2020", "2020-2025"]
KINDS = ["removed", "asked_to_leave"]
HOSTILE = '<script>alert("x")</script> & Co'


def dataset(hostile_province: SimpleNamespace, **changes) -> SimpleNamespace:
    """A Dataset-like object with the attribute names of helpers.data.datasets.Dataset and its two admission tables."""
    fields = dict(
        folder=Path("planted"),
        units=hostile_province.units,
        annual_counts=hostile_province.annual_counts,
        members=hostile_province.members,
        survey=None,
        targets=None,
        files=(),
        counts_derived=True,
        simulated=True,
        admission_plans=hostile_province.admission_plans,
        admission_sources=hostile_province.admission_sources,
    )
    return SimpleNamespace(**(fields | changes))


def build(data: SimpleNamespace, unit: str = "SIM", lang: str = "vi", threshold: int = 10) -> AdmissionsReport:
    terms = load_terms()
    table = term_table(counts_for_unit(data.annual_counts, data.units, unit), terms.for_province("SIM"), KINDS, TERMS)
    name = data.units.set_index("unit_code").loc[unit, "name"]
    base = TermReport(data, terms, "SIM", unit, name, table, KINDS, lang, {})
    # Years through 2022 in full, and the first half of 2023 against its plan (as in July 2023).
    return AdmissionsReport.build("unused", unit, TERMS, 2022, threshold, lang, base=base, midyear=2023)


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r'src="data:image/png;base64,[^"]+"', "", html))


def integer_cells(html: str) -> list[int]:
    """Every table cell that is a whole number; shares carry '%', ratios a decimal comma."""
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    return [int(c.replace(".", "")) for c in cells if re.fullmatch(r"\d{1,3}(\.\d{3})*", c.strip())]


@pytest.fixture(scope="module")
def hostile_province() -> SimpleNamespace:
    return planted_province(name_d02=HOSTILE)


@pytest.fixture(scope="module")
def report(hostile_province) -> AdmissionsReport:
    return build(dataset(hostile_province))


def test_attainment_sentences_state_the_seed_figures(report) -> None:
    sentences = report.attainment_sentences()
    assert "Năm 2021 kết nạp 1.394 đảng viên, đạt 110,63% kế hoạch (1.260 đảng viên)." in sentences
    assert "Năm 2022 kết nạp 1.457 đảng viên, đạt 104,82% kế hoạch (1.390 đảng viên)." in sentences
    assert any("2016 đến năm 2022" in s and "10.980 đảng viên, đạt 88,48%" in s for s in sentences)
    first_half = "6 tháng đầu năm 2023 kết nạp 787 đảng viên, đạt 37,80% kế hoạch cả năm (2.082 đảng viên)."
    assert first_half in sentences
    assert any(s.startswith("Nhiệm kỳ 2020–2025, tính đến hết năm 2022 (2/5 năm)") for s in sentences)
    html = report.attainment_section()
    assert "<td>110,63%</td>" in html and "<td>88,48%</td>" in html and "<figure>" in html


def test_midyear_names_the_units_behind_and_at_risk(report, hostile_province) -> None:
    statuses = report.midyear.set_index("unit_code")["status"]
    assert {code: statuses[code] for code in STATUS_2023} == STATUS_2023
    sentences = report.midyear_sentences()
    behind = next(s for s in sentences if s.startswith("Đơn vị CHẬM"))
    assert HOSTILE in behind and "Huyện Ba" not in behind and "kế hoạch 800" in behind
    at_risk = next(s for s in sentences if s.startswith("Đơn vị CÓ NGUY CƠ"))
    assert "Huyện Ba" in at_risk and "kế hoạch 520" in at_risk
    html = report.midyear_section()
    assert "<script>" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in html
    assert "<figure>" in html


def test_rate_sentences_name_the_planted_unit_years(report, hostile_province) -> None:
    counts = hostile_province.annual_counts.set_index(["unit_code", "year"])
    below = percent(100 * 180 / counts.loc[("D03", 2018), "members_start"], "vi")
    above = percent(100 * 420 / counts.loc[("D04", 2018), "members_start"], "vi")
    sentences = report.rate_sentences()
    below_sentence = next(s for s in sentences if "dưới 3%" in s and "Huyện Ba" in s)
    # One unit-year on each side: said as the only case, the rate in brackets, no interval in the main text.
    assert (
        below_sentence
        == f"Chỉ có một trường hợp đơn vị trực thuộc có tỷ lệ kết nạp dưới 3%: Huyện Ba năm 2018 ({below})."
    )
    assert f"Huyện Bốn năm 2018 ({above})" in next(s for s in sentences if "trên 4%" in s)
    assert "ở cả 7 năm, từ năm" in sentences[0]  # the province inside the band every year
    assert all("khoảng tin cậy" not in s for s in sentences)
    assert "<figure>" in report.rate_section()


def test_profile_hides_small_counts_and_keeps_the_planted_ratio(report) -> None:
    for threshold in (10, 25):
        shown = replace(report, threshold=threshold)
        html = shown.profile_section()
        small = [c for c in integer_cells(html) if 0 < c < threshold]
        assert small == [], (threshold, small)
        assert re.search(r"Sau đại học</td>\s*<td[^>]*>x</td>", html)
        assert "Đại học" in html and "1,50 (" in html
        assert all("Sau đại học" not in s for s in shown.profile_sentences())
    table = admissions_tables(report)["profile_professional_training"].set_index("category")
    assert table.loc["postgraduate", "new_members"] is None and table.loc["postgraduate", "ratio"] is None
    assert table.loc["university", "new_members"] > POSTGRADUATES_2021_2022 and table["pool_kind"].eq("sources").all()


def test_join_words() -> None:
    from helpers.report.sections.admissions import join_words

    assert join_words(["A"], "vi") == "A" and join_words(["A", "B"], "vi") == "A và B"
    assert join_words(["A", "B", "C"], "en") == "A, B and C" and join_words(["A", "B"], "en", "; ") == "A and B"


def test_the_profile_is_one_paragraph_and_names_the_pool_once(report) -> None:
    html = report.profile_section()
    paragraphs = re.findall(r"<p>(.*?)</p>", html, re.S)
    assert sum("rõ rệt" in p for p in paragraphs) == 1  # above, below and matching in one paragraph
    assert "chỉ bằng" not in html and "lần (khoảng tin cậy" not in html
    assert "Nguồn so sánh" not in html or report.pools["professional_training"] != "sources"


def test_english_edition(hostile_province) -> None:
    report = build(dataset(hostile_province), lang="en")
    assert "In 2021, 1,394 members were admitted, 110.63% of the plan (1,260 members)." in report.attainment_sentences()
    assert "Units BEHIND their 2023 plan" in text_of(report.midyear_section())
    assert "the source documents set no common level" in report.methods_section()
    assert "Admissions against plan" in report.header()


def test_a_district_without_sources_is_compared_with_its_members(hostile_province) -> None:
    report = build(dataset(hostile_province), unit="D01")
    assert set(report.pools.values()) == {"members"}
    assert "đảng viên có tên đầu năm 2021" in text_of(report.profile_section())
    assert report.midyear["role"].tolist() == ["unit"] and report.unit_rates is None
    assert report.midyear.iloc[0]["status"] == STATUS_2023["D01"]


def test_no_plans_say_so_and_the_other_sections_still_run(hostile_province) -> None:
    report = build(dataset(hostile_province, admission_plans=None, admission_sources=None))
    no_plans = t("admissions.no_plans", "vi")
    assert no_plans in text_of(report.attainment_section()) and no_plans in text_of(report.midyear_section())
    assert "ở cả 7 năm" in text_of(report.rate_section())
    assert "đảng viên có tên đầu năm 2021" in text_of(report.profile_section())
    assert "attainment" not in admissions_tables(report) and "rates" in admissions_tables(report)


def test_reported_counts_without_a_member_registry(hostile_province) -> None:
    plans = hostile_province.admission_plans.copy()
    plans["admitted"] = (plans["planned"] * 1.1).round().astype("Int64")
    plans["admitted_first_half"] = (plans["planned"] * 0.4).round().astype("Int64")
    report = build(dataset(hostile_province, members=None, admission_plans=plans))
    row = admissions_tables(report)["attainment"].set_index("year").loc[2021]
    assert row["admitted"] == plans.loc[plans["year"] == 2021, "admitted"].sum()
    assert t("admissions.profile.no_members", "vi") in text_of(report.profile_section())
    assert report.midyear is not None


def test_headings_can_be_given_by_the_composing_report(report) -> None:
    html = report.attainment_section(Heading("phat-trien", "II. Phát triển đảng viên", 3))
    assert html.startswith('<h3 id="phat-trien">II. Phát triển đảng viên</h3>')
    assert report.methods_section().startswith('<h2 id="methods">')


def test_a_band_upside_down_is_refused_before_any_work() -> None:
    with pytest.raises(ValueError, match="4–3"):
        AdmissionsReport.build("no-such-folder", "SIM", TERMS, 2023, 10, "vi", rate_band=(4.0, 3.0))


def test_a_year_counts_in_full_only_when_the_data_goes_past_30_june() -> None:
    from helpers.report.sections.admissions import _complete

    def data(*dates: str) -> SimpleNamespace:
        stamps = pd.to_datetime(list(dates))
        return SimpleNamespace(
            members=pd.DataFrame({"entry_date": stamps, "exit_date": pd.NaT, "admission_date": stamps}),
            annual_counts=None,
        )

    assert not _complete(data("2022-03-01", "2023-06-30"), 2023)  # a mid-year export
    assert _complete(data("2022-03-01", "2023-07-01"), 2023)
    assert _complete(data("2023-07-01"), 2022)


def test_a_complete_year_is_stated_not_projected(report) -> None:
    complete = replace(report, midyear_year=2022)  # 2022 is complete in the data: nothing to project
    shown = text_of(complete.midyear_section())
    row = report.series.set_index("year").loc[2022]
    assert f"Số liệu năm 2022 đã đủ cả năm: kết nạp {int(row['admitted']):,}".replace(",", ".") in shown
    assert "dự báo cả năm khoảng" not in shown and "<figure>" not in complete.midyear_section()
    assert "Tiến độ trong năm" in shown
    assert "dự báo cả năm khoảng" in text_of(report.midyear_section())  # 2023: first half only, projected


def test_a_unit_behind_while_no_subordinate_unit_is_says_why(report) -> None:
    table = report.midyear.copy()
    subordinate = table["role"] == "subordinate"
    table.loc[subordinate & (table["status"] == "behind"), "status"] = "at_risk"
    table.loc[~subordinate, "status"] = "behind"
    judged = table[subordinate & table["projection"].notna() & table["planned"].notna()]
    sentence = replace(report, midyear=table).aggregate_sentence()
    assert sentence.startswith("Xét riêng, không đơn vị trực thuộc nào ở mức chậm")
    projected = f"{round(judged['projection'].sum()):,}".replace(",", ".")
    planned = f"{round(judged['planned'].sum()):,}".replace(",", ".")
    assert projected in sentence and planned in sentence
    assert sentence in replace(report, midyear=table).midyear_sentences()
    assert report.aggregate_sentence() == ""  # a subordinate unit is itself behind: nothing to explain


def test_sections_read_plainly_and_every_symbol_has_its_legend(report, hostile_province) -> None:
    from helpers.report.checks import appendix_terms, figure_text, legends, split

    for lang in ("vi", "en"):
        shown = report if lang == "vi" else build(dataset(hostile_province), lang="en")
        html = "".join(
            [shown.attainment_section(), shown.midyear_section(), shown.rate_section(), shown.profile_section()]
        )
        soup, main, _ = split(html)
        assert appendix_terms(main, lang) == [], lang
        assert legends(soup) == [], lang
        assert figure_text(soup) == [], lang  # a phone rendering, and no text under 12 pt
        methods = shown.methods_section()
        assert "χ²" in methods and ("Poisson" in methods)  # the tests are stated, in the appendix


def test_year_axis_labels_do_not_run_together() -> None:
    import matplotlib.pyplot as plt

    from helpers.report.plots import DESKTOP_WIDTH, PHONE_WIDTH
    from helpers.report.sections.admissions import year_ticks

    years = list(range(2011, 2026))
    for width, most in ((DESKTOP_WIDTH, 9), (PHONE_WIDTH, 4)):
        fig, ax = plt.subplots()
        ax.set_xticks(range(len(years)), [str(y) for y in years])
        year_ticks(ax, years, width)
        visible = [tick.get_text() for tick in ax.get_xticklabels() if tick.get_visible()]
        plt.close(fig)
        assert len(visible) <= most and visible[-1] == "2025", (width, visible)


def test_a_projection_is_judged_as_the_report_writes_it() -> None:
    from helpers.analyses.admissions import year_end_status

    assert year_end_status(209.6, 260.0, 210) == "on_track"  # shown as 210 against a plan of 210
    assert year_end_status(209.4, 260.0, 210) == "at_risk"
    assert year_end_status(150.0, 209.4, 210) == "behind"
    assert year_end_status(150.0, 209.5, 210) == "at_risk"
