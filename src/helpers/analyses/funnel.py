"""Units side by side: each unit's rate against the province's, with funnel-plot control limits by unit size."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

LEVELS = {"95": 0.95, "99.8": 0.998}  # the usual warning and action limits (about 2 and 3 standard errors)


def funnel_table(
    counts: pd.DataFrame, units: pd.DataFrame, unit_codes: list[str], kinds: list[str], years: range, per: int = 1000
) -> pd.DataFrame:
    """Observed and expected exits per unit over ``years``; expected at the overall rate of the units shown.

    A unit is flagged by the exact Poisson probability of a count at least as far from its expected count as the
    one observed: 'above' or 'below' beyond the 99.8% limits, 'warning' beyond 95% only, else 'within'. A small
    unit's expected count is small, so one bad year does not flag it. The limits shown are Spiegelhalter's
    interpolated Poisson limits.
    """
    window = counts[counts["year"].isin(years) & counts["unit_code"].isin(unit_codes)]
    per_unit = (
        window.groupby("unit_code")
        .agg(exposure=("members_start", "sum"), **{k: (k, "sum") for k in kinds})
        .reset_index()
    )
    per_unit["observed"] = per_unit[kinds].sum(axis=1).astype(int)
    rate = per_unit["observed"].sum() / per_unit["exposure"].sum()
    per_unit["expected"] = rate * per_unit["exposure"].astype(float)
    per_unit["rate"] = per_unit["observed"] / per_unit["exposure"].astype(float) * per
    per_unit["overall_rate"] = rate * per
    for name, level in LEVELS.items():
        low, high = count_limits(per_unit["expected"].to_numpy(), level)
        per_unit[f"low_{name}"] = low / per_unit["exposure"] * per
        per_unit[f"high_{name}"] = high / per_unit["exposure"] * per
    per_unit["flag"] = flag_counts(per_unit["observed"].to_numpy(), per_unit["expected"].to_numpy())
    names = units.set_index("unit_code")["name"]
    per_unit["name"] = per_unit["unit_code"].map(names)
    return per_unit.sort_values("unit_code").reset_index(drop=True)


def flag_counts(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """'above' / 'below' when a count this far from its Poisson mean has probability under 0.1% on that side,
    'warning' under 2.5% on either side, else 'within'."""
    upper_p = stats.poisson.sf(np.asarray(observed) - 1, expected)  # P(O' >= O)
    lower_p = stats.poisson.cdf(observed, expected)  # P(O' <= O)
    tail = {name: (1 - level) / 2 for name, level in LEVELS.items()}
    return np.select(
        [upper_p < tail["99.8"], lower_p < tail["99.8"], np.minimum(upper_p, lower_p) < tail["95"]],
        ["above", "below", "warning"],
        "within",
    )


def count_limits(expected: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Interpolated Poisson limits for a count with mean ``expected`` (Spiegelhalter 2005, smooth in the mean)."""
    expected = np.asarray(expected, dtype=float)
    limits = []
    for p in ((1 - level) / 2, (1 + level) / 2):
        r = stats.poisson.ppf(p, expected)
        above, below = stats.poisson.cdf(r, expected), stats.poisson.cdf(r - 1, expected)
        alpha = np.divide(above - p, above - below, out=np.zeros_like(expected), where=above > below)
        limits.append(np.clip(r - alpha, 0, None))
    return limits[0], limits[1]


def funnel_curves(overall_rate: float, exposures: np.ndarray, per: int = 1000) -> pd.DataFrame:
    """Control limits over a range of unit sizes, for drawing the funnel (rates per ``per`` members)."""
    p = overall_rate / per
    grid = np.geomspace(max(exposures.min() * 0.5, 1), exposures.max() * 1.5, 200)
    out = {"exposure": grid}
    for name, level in LEVELS.items():
        low, high = count_limits(p * grid, level)
        out[f"low_{name}"] = low / grid * per
        out[f"high_{name}"] = high / grid * per
    return pd.DataFrame(out)
