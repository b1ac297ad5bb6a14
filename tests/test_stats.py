"""Shared statistics against their references: the exact binomial interval equals scipy's and covers as it should."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from helpers.analyses.stats import clopper_pearson


def test_clopper_pearson_equals_scipy_exact_interval() -> None:
    for k, n in [(0, 50), (1, 50), (4, 1111), (291, 1111), (50, 50), (3, 7)]:
        low, high = clopper_pearson([k], [n])
        reference = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
        assert (low[0], high[0]) == pytest.approx((reference.low, reference.high), abs=1e-9)
    low, high = clopper_pearson([0], [0])
    assert np.isnan(low[0]) and np.isnan(high[0])


@pytest.mark.simulation
@pytest.mark.parametrize("p, n", [(0.004, 1111), (0.262, 1111), (0.05, 60), (0.5, 30)])
def test_clopper_pearson_covers_at_least_95_percent(p: float, n: int) -> None:
    rng = np.random.default_rng(2024)
    k = rng.binomial(n, p, size=4000)
    low, high = clopper_pearson(k, np.full(len(k), n))
    coverage = np.mean((low <= p) & (p <= high))
    assert 0.95 - 3 * np.sqrt(0.95 * 0.05 / 4000) <= coverage <= 0.995
