"""How far the unit is from its target: the current term's total projected from the trend model, with a
95% prediction interval, and a plain verdict."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.analyses.trends import TrendFit

SIMULATIONS = 20_000
SEED = 2025  # fixed, so the same inputs always give the same interval and the report does not change
STATUSES = ("on_track", "at_risk", "off_track", "met", "not_met")


@dataclass(frozen=True)
class Target:
    """At most ``allowed`` members may leave in ``term`` (e.g. at least 50% fewer than in ``baseline_term``)."""

    term: str
    baseline_term: str
    baseline_total: int
    change_pct: float
    direction: str

    @property
    def allowed(self) -> float:
        sign = -1 if self.direction == "decrease" else 1
        return self.baseline_total * (1 + sign * self.change_pct / 100)


@dataclass(frozen=True)
class Projection:
    term: str
    years_observed: tuple[int, ...]
    years_projected: tuple[int, ...]
    observed_total: int
    expected_total: float
    low: float
    high: float
    probability_met: float
    target: Target
    status: str


def project_term(
    fit: TrendFit,
    yearly: pd.DataFrame,
    series: str,
    term_years: range,
    target: Target,
    simulations: int = SIMULATIONS,
    seed: int = SEED,
) -> Projection:
    """Observed years of the term plus simulated counts for the years still to come.

    The coefficients are drawn from their estimated normal distribution, then each future year's count from a
    Poisson distribution around its expected value (gamma-Poisson with the estimated dispersion for a
    quasi-Poisson fit). Future exposure repeats the last observed members-at-start. Verdict: a complete term is
    'met' or 'not_met'; otherwise 'on_track' when the upper 95% bound is within the target, 'off_track' when
    even the lower bound is above it, 'at_risk' in between.
    """
    observed = yearly[yearly["year"].isin(term_years)]
    observed_total = int(observed[series].sum())
    future = np.array([y for y in term_years if y > int(yearly["year"].max())])
    if future.size == 0:
        status = "met" if observed_total <= target.allowed else "not_met"
        return Projection(
            target.term,
            tuple(observed["year"]),
            (),
            observed_total,
            float(observed_total),
            float(observed_total),
            float(observed_total),
            float(status == "met"),
            target,
            status,
        )
    rng = np.random.default_rng(seed)
    exposure = np.full(future.size, float(yearly.sort_values("year")["members_start"].iloc[-1]))
    draws = rng.multivariate_normal(fit.params, fit.cov, size=simulations, method="eigh")
    means = fit.expected(future, exposure, draws)  # years × draws
    if fit.family == "quasi_poisson" and fit.dispersion > 1:
        means = rng.gamma(means / (fit.dispersion - 1), fit.dispersion - 1)
    totals = observed_total + rng.poisson(means).sum(axis=0)
    low, high = np.percentile(totals, [2.5, 97.5])
    status = "on_track" if high <= target.allowed else ("off_track" if low > target.allowed else "at_risk")
    return Projection(
        target.term,
        tuple(observed["year"]),
        tuple(int(y) for y in future),
        observed_total,
        float(totals.mean()),
        float(low),
        float(high),
        float((totals <= target.allowed).mean()),
        target,
        status,
    )
