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


@dataclass(frozen=True)
class Requirement:
    """What the target asks of the years of a term, beside what has happened in them.

    For a term still under way: ``remaining`` members may still leave in the ``years_left`` years to come, that is
    at most ``per_year_allowed`` a year on average (rounded down to a tenth; negative when the target is already
    out of reach), against ``per_year_so_far`` a year in the term's observed years. For an ended term: ``miss``
    members above the allowed number (negative: below it), the annual level that would have met the target
    (``per_year_allowed``) and the actual one (``per_year_so_far``)."""

    term: str
    complete: bool
    years_left: int
    remaining: float
    per_year_allowed: float
    per_year_so_far: float
    miss: float


def requirement(projection: Projection, term_length: int) -> Requirement:
    """What the target of ``projection`` asks of the rest of its term (or would have asked, for an ended term).

    ``term_length`` is the number of calendar years of the term (five for a congress term). The allowed annual
    level is rounded down to a tenth, so staying at it keeps the total within the target."""
    allowed = projection.target.allowed
    observed = projection.observed_total
    years_seen = len(projection.years_observed)
    so_far = observed / years_seen if years_seen else float("nan")
    complete = not projection.years_projected
    if complete:
        return Requirement(
            projection.term,
            True,
            0,
            allowed - observed,
            _tenth_below(allowed / max(term_length, 1)),
            so_far,
            observed - allowed,
        )
    left = len(projection.years_projected)
    remaining = allowed - observed
    return Requirement(
        projection.term,
        False,
        left,
        remaining,
        _tenth_below(remaining / left),
        so_far,
        observed - allowed,
    )


def _tenth_below(value: float) -> float:
    """``value`` rounded down to a tenth (35,66 → 35,6): an average a year that keeps a total within its limit."""
    return float(np.floor(10 * value + 1e-9) / 10)


def next_target(target: Target, term_total: int, next_term: str) -> Target:
    """The same target rule applied to the term after ``target.term``: the same change against the term just
    ended (whose total is ``term_total``)."""
    return Target(next_term, target.term, int(term_total), target.change_pct, target.direction)
