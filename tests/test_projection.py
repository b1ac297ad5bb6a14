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
    p = _project(setting, 2025, 50)
    assert (p.observed_total, p.status, p.low, p.high) == (355, "not_met", 355, 355)
    assert _project(setting, 2025, 40).status == "met"  # 662 × 0.6 = 397.2 allowed


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
