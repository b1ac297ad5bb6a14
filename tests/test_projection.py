"""Projection to the target: interval from the model, verdict by the written rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.analyses.projection import Target, project_term
from helpers.analyses.trends import fit_trend, term_spans
from helpers.data.counts import counts_for_unit
from helpers.data.terms import load_terms, term_years

TERMS = ["2010-2015", "2015-2020", "2020-2025"]


@pytest.fixture(scope="module")
def setting(sample):
    terms = load_terms().for_province("SIM")
    yearly = counts_for_unit(sample.annual_counts, sample.units, "SIM")
    yearly = yearly.assign(total=yearly["removed"] + yearly["asked_to_leave"])
    return yearly, terms


def _project(setting, last_year: int, allowed_pct: float):
    yearly, terms = setting
    part = yearly[yearly["year"] <= last_year]
    fit = fit_trend(part, "total", term_spans(part["year"], terms, TERMS))
    target = Target("2020-2025", "2015-2020", 662, allowed_pct, "decrease")
    return project_term(fit, part, "total", term_years(terms, "2020-2025"), target)


def test_mid_term_interval_contains_what_actually_happened(setting) -> None:
    yearly, _ = setting
    actual = int(yearly.loc[yearly["year"].between(2021, 2025), "total"].sum())  # 355
    p = _project(setting, 2023, 50)
    assert p.years_projected == (2024, 2025) and p.observed_total == int(
        yearly.loc[yearly["year"].between(2021, 2023), "total"].sum()
    )
    assert p.low <= actual <= p.high
    assert p.low < p.expected_total < p.high
    assert p.status == "at_risk"  # 331 allowed lies inside the interval


@pytest.mark.parametrize(("allowed_pct", "status"), [(20, "on_track"), (50, "at_risk"), (70, "off_track")])
def test_verdict_follows_the_rule(setting, allowed_pct: float, status: str) -> None:
    p = _project(setting, 2023, allowed_pct)
    assert p.status == status
    if status == "on_track":
        assert p.high <= p.target.allowed
    if status == "off_track":
        assert p.low > p.target.allowed


def test_complete_term_is_met_or_not_met(setting) -> None:
    yearly, _ = setting
    actual = int(yearly.loc[yearly["year"].between(2021, 2025), "total"].sum())
    p = _project(setting, 2025, 50)
    assert p.years_projected == ()  # a term whose data is complete is not projected
    assert (p.observed_total, p.low, p.high) == (actual, actual, actual)
    assert p.status == ("met" if actual <= 331 else "not_met")  # 662 × 0.5 allowed
    assert _project(setting, 2025, 40).status == ("met" if actual <= 397.2 else "not_met")  # 662 × 0.6


def test_projection_is_reproducible(setting) -> None:
    a, b = _project(setting, 2022, 50), _project(setting, 2022, 50)
    assert (a.low, a.high, a.expected_total) == (b.low, b.high, b.expected_total)


@pytest.mark.filterwarnings("ignore:Perfect separation")  # a noise-free series fits exactly, as intended
def test_interval_matches_a_direct_poisson_calculation_when_the_model_is_certain() -> None:
    """With a fit whose coefficients are known exactly (noise-free, huge counts), the interval is Poisson's."""
    years = np.arange(2016, 2024)
    exposure = np.full(years.size, 1e6)
    mean = 50.0 * 1.1 ** (years - 2016)
    data = pd.DataFrame({"year": years, "members_start": exposure, "x": mean * 1e6 / 1e6})
    terms = load_terms().for_province("SIM")
    fit = fit_trend(data, "x", term_spans(data["year"], terms, ["2015-2020", "2020-2025"]))
    zero_cov = type(fit)(**{**fit.__dict__, "cov": np.zeros_like(fit.cov)})
    target = Target("2020-2025", "2015-2020", 1000, 50, "decrease")
    p = project_term(zero_cov, data, "x", range(2021, 2026), target, simulations=200_000)
    future_mean = 50.0 * 1.1 ** np.array([8, 9])
    observed = data.loc[data["year"].between(2021, 2023), "x"].sum()
    assert p.expected_total == pytest.approx(observed + future_mean.sum(), rel=2e-3)
    from scipy import stats

    low, high = stats.poisson.ppf([0.025, 0.975], future_mean.sum())
    assert p.low == pytest.approx(observed + low, abs=1.01) and p.high == pytest.approx(observed + high, abs=1.01)


# --- what the target asks (issue 13) ------------------------------------------------------------------------


def test_requirement_of_a_term_under_way_keeps_the_total_within_the_target(setting) -> None:
    from helpers.analyses.projection import requirement

    yearly, _ = setting
    p = _project(setting, 2023, 50)
    need = requirement(p, 5)
    assert not need.complete and need.years_left == 2
    assert need.remaining == pytest.approx(p.target.allowed - p.observed_total)
    # staying at the allowed annual level to the end keeps the term within the target, one more a year does not
    assert p.observed_total + 2 * need.per_year_allowed <= p.target.allowed
    assert p.observed_total + 2 * (need.per_year_allowed + 0.1) > p.target.allowed
    observed = yearly.loc[yearly["year"].between(2021, 2023), "total"]
    assert need.per_year_so_far == pytest.approx(observed.mean())


def test_requirement_of_an_ended_term_gives_the_miss_and_the_annual_level(setting) -> None:
    from helpers.analyses.projection import next_target, requirement

    yearly, _ = setting
    actual = int(yearly.loc[yearly["year"].between(2021, 2025), "total"].sum())
    p = _project(setting, 2025, 50)
    need = requirement(p, 5)
    assert need.complete and need.years_left == 0
    assert need.miss == pytest.approx(actual - 331)
    assert need.per_year_allowed == 66.2  # 331 / 5, rounded down to a tenth
    assert need.per_year_so_far == pytest.approx(actual / 5)
    after = next_target(p.target, actual, "2025-2030")
    assert (after.term, after.baseline_term, after.baseline_total) == ("2025-2030", "2020-2025", actual)
    assert after.allowed == pytest.approx(actual * 0.5)
