"""Who leaves: planted over-representation recovered, tests equal scipy, the adjusted model recovers planted ratios."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats.contingency import association as scipy_association

from helpers.analyses.profiles import (
    ATTRIBUTES,
    adjusted_rate_ratios,
    association,
    member_years,
    profile_table,
    reasons_table,
)
from helpers.data.terms import load_terms
from helpers.report.sections.profiles import ProfilesReport, withheld_profile
from helpers.synth import province as synth
from helpers.synth import truth

SEED_ATTRIBUTES = {
    "age_18_40": "age_18_40",
    "informal_occupation": "informal_occupation",
    "hamlet_branch": "hamlet_branch",
    "professional_low": "professional_none_or_elementary",
    "political_none": "political_none",
}


@pytest.fixture(scope="module")
def py_2016_2020(sample) -> pd.DataFrame:
    return member_years(sample.members, range(2016, 2021))


def test_member_years_equal_the_stock_at_the_start_of_each_year(sample, py_2016_2020) -> None:
    counts = sample.annual_counts.groupby("year")[["members_start", "removed", "asked_to_leave"]].sum()
    per_year = py_2016_2020.groupby("year").agg(n=("year", "size"), left=("exit_kind", "count"))
    for year in range(2016, 2021):
        assert per_year.loc[year, "n"] == counts.loc[year, "members_start"]
        assert per_year.loc[year, "left"] == counts.loc[year, "removed"] + counts.loc[year, "asked_to_leave"]


@pytest.mark.parametrize("attribute", list(SEED_ATTRIBUTES))
def test_seed_counts_and_planted_over_representation_are_recovered(py_2016_2020, attribute: str) -> None:
    row = profile_table(py_2016_2020, attribute).set_index("category").loc["yes"]
    published = truth.PUBLISHED_LEAVER_COUNTS_2015_2020[SEED_ATTRIBUTES[attribute]]
    assert row["leavers"] == published  # 478/662, 519/662, 572/662, 444/662, 614/662
    planted = truth.OVER_REPRESENTATION[SEED_ATTRIBUTES[attribute]]
    assert row["ratio_low"] <= planted <= row["ratio_high"]


def test_sex_over_representation_within_its_interval(py_2016_2020) -> None:
    row = profile_table(py_2016_2020, "sex").set_index("category").loc["male"]
    assert row["ratio_low"] <= truth.OVER_REPRESENTATION["male"] <= row["ratio_high"]


def test_chi_square_and_cramers_v_match_scipy(py_2016_2020) -> None:
    for attribute in ("tenure", "branch_type", "age_18_40"):
        table = profile_table(py_2016_2020, attribute)
        counts = np.column_stack([table["leavers"], table["member_years"] - table["leavers"]])
        result = association(table)
        chi2, p, dof, _ = stats.chi2_contingency(counts, correction=False)
        assert (result.chi2, result.p_value, result.dof) == pytest.approx((chi2, p, dof))
        assert result.cramers_v == pytest.approx(scipy_association(counts, method="cramer", correction=False))


def test_bias_corrected_cramers_v_against_bergsma() -> None:
    # Bergsma (2013): phi2~ = max(0, phi2 - (k-1)(r-1)/(n-1)); r~ = r - (r-1)^2/(n-1); V~ = sqrt(phi2~/min(k~-1, r~-1))
    counts = np.array([[12, 30], [25, 20], [8, 40]])
    table = pd.DataFrame({"attribute": "x", "leavers": counts[:, 0], "member_years": counts.sum(axis=1)})
    n = counts.sum()
    chi2 = stats.chi2_contingency(counts, correction=False)[0]
    phi2 = max(0.0, chi2 / n - 2 * 1 / (n - 1))
    expected = np.sqrt(phi2 / min(3 - 4 / (n - 1) - 1, 2 - 1 / (n - 1) - 1))
    assert association(table).cramers_v_corrected == pytest.approx(expected)
    assert association(table).cramers_v_corrected < association(table).cramers_v


def test_adjusted_model_recovers_planted_rate_ratios() -> None:
    """Member-years with independent attributes and Poisson exits at planted rate ratios."""
    rng = np.random.default_rng(11)
    n = 400_000
    py = pd.DataFrame(
        {
            "year": 2020,
            "age_band": rng.choice(["18_30", "31_40", "41_50", "51_60", "61_plus"], n),
            "sex": rng.choice(["male", "female"], n),
            "informal_occupation": rng.choice(["yes", "no"], n),
            "hamlet_branch": rng.choice(["yes", "no"], n),
            "professional_low": rng.choice(["yes", "no"], n),
            "political_none": rng.choice(["yes", "no"], n),
            "tenure": rng.choice(["under_2", "2_5", "6_10", "11_plus"], n),
        }
    )
    planted = {
        "age_band=18_30": 2.0,
        "sex=female": 0.7,
        "informal_occupation=yes": 1.8,
        "hamlet_branch=yes": 1.5,
        "political_none=yes": 2.5,
        "tenure=under_2": 3.0,
    }
    log_rate = np.log(0.002) + sum(np.log(rr) * (py[t.split("=")[0]] == t.split("=")[1]) for t, rr in planted.items())
    py["exit_kind"] = np.where(rng.random(n) < np.exp(log_rate), "removed", None)
    result = adjusted_rate_ratios(py).set_index("term")
    for term, row in result.iterrows():
        truth_value = planted.get(term, 1.0)
        assert row["low"] <= truth_value <= row["high"], term


def test_reasons_reproduce_the_published_shares(sample) -> None:
    reasons = reasons_table(sample.members, load_terms().for_province("SIM"), ["2015-2020"])
    share = reasons.set_index(["exit_kind", "exit_reason"])["share"]
    assert round(100 * share[("removed", "quit_activity")], 2) == 89.86
    assert round(100 * share[("asked_to_leave", "family_hardship")], 2) == 72.69
    assert round(100 * share[("asked_to_leave", "spouse_abroad")], 2) == 27.31


# --- the report section (helpers.report.sections.profiles) ------------------------------------------

KINDS = ["removed", "asked_to_leave"]


def _build(folder: str, threshold: int = 10, lang: str = "vi", unit: str = "SIM") -> ProfilesReport:
    return ProfilesReport.build(folder, unit, ["2015-2020", "2020-2025"], "2015-2020", KINDS, threshold, lang)


def _integer_cells(html: str) -> list[int]:
    """Every table cell that is a whole number (counts); shares carry '%', ratios a decimal comma."""
    cells = re.findall(r"<td>([^<]*)</td>", html)
    return [int(c.replace(".", "")) for c in cells if re.fullmatch(r"\d{1,3}(\.\d{3})*", c.strip())]


def test_seed_sentences_reproduce_the_published_shares() -> None:
    sentences = _build("data/sample").seed_sentences()
    assert sentences[0].startswith("Tuổi đời từ 18 đến 40: 478/662 (chiếm 72,21%), so với")
    assert "572/662 (chiếm 86,40%)" in sentences[2]  # the count's own share, not the 86,42% the document states
    assert all("lần (KTC 95%:" in s for s in sentences)


@pytest.fixture(scope="module")
def datasets(tmp_path_factory) -> list[Path]:
    folders = []
    for seed in (101,):
        folder = tmp_path_factory.mktemp(f"seed{seed}")
        synth.write_sample(folder, seed)
        (folder / "dataset.toml").write_text("simulated = true\n", encoding="utf-8")
        folders.append(folder)
    return [Path("data/sample"), *folders]


@pytest.mark.slow
def test_no_shared_table_shows_a_count_under_the_threshold(datasets) -> None:
    for folder in datasets:
        for unit in ("SIM", "D08"):  # the province, and a small unit where small cells are common
            built = _build(str(folder), unit=unit)
            for threshold in (10, 25):
                report = replace(built, threshold=threshold)
                html = report.profiles_section() + report.reasons_section()
                small = [c for c in _integer_cells(html) if 0 < c < threshold]
                assert small == [], (folder, unit, threshold, small)
                for attribute in ATTRIBUTES:
                    shown, _ = withheld_profile(report.tables[attribute], KINDS, threshold)
                    for column in [*KINDS, "leavers"]:
                        values = [v for v in shown[column] if v is not None]
                        assert all(v == 0 or v >= threshold for v in values), (folder, unit, attribute, column)


def test_english_edition() -> None:
    report = _build("data/sample", lang="en")
    assert report.seed_sentences()[0].startswith("Aged 18 to 40: 478/662 (72.21%), against")
    assert "Who leaves" in report.header()
