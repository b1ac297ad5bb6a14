"""Statistics more than one analysis uses: exact binomial intervals."""

from __future__ import annotations

import numpy as np
from statsmodels.stats.proportion import proportion_confint


def clopper_pearson(count, total, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact binomial interval of count / total; NaN where the total is 0."""
    count = np.asarray(count, dtype=float)
    total = np.asarray(total, dtype=float)
    safe = np.where(total > 0, total, 1.0)
    low, high = proportion_confint(count, safe, alpha=1 - level, method="beta")
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    return np.where(total > 0, low, np.nan), np.where(total > 0, high, np.nan)
