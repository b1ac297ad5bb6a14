"""Attrition trends per congress term: rates, a segmented log-linear count model, and Mann–Kendall beside it.

The model is joinpoint-style: log E[count] = log(members at the start of the year) + b0 + b1·(y − y0)
+ Σ c_k·(y − knot_k)+, with knots fixed at the last calendar year of each term, so each term has its own slope
and the line is continuous. Poisson by default; quasi-Poisson when the data are over-dispersed (rule below). A
series with no exits in any year of the fitted terms has no trend to fit: it is reported as such (family
``NO_EXITS``), not fitted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.errors import TrendError

# statsmodels, scipy and pymannkendall are imported where a model is fitted: checking a series (which the command
# line does before any notebook starts) needs none of them and should not pay seconds of imports for them.

MIN_YEARS_PER_TERM = 3  # a slope from fewer years says more about one odd year than about a trend
DISPERSION_THRESHOLD = 1.5  # Pearson χ²/df above this: variance clearly exceeds the Poisson mean
NO_EXITS = "none"  # the family of a series with no exits in any fitted year: no model is fitted
EXPOSURE = "members_start"  # the model's exposure: members at the start of the year
Z95 = 1.959963984540054  # scipy.stats.norm.ppf(0.975), as tests/test_trends.py checks


@dataclass(frozen=True)
class TermSpan:
    label: str
    first_year: int
    last_year: int
    years_observed: int

    @property
    def fitted(self) -> bool:
        return self.years_observed >= MIN_YEARS_PER_TERM


def rates(yearly: pd.DataFrame, kinds: list[str], per: int = 1000) -> pd.DataFrame:
    """Add a rate per ``per`` members at the start of the year for each kind (and their total).

    Returns
    -------
    pandas.DataFrame
        ``yearly`` with ``total`` (the kinds summed) and ``<kind>_rate`` for each kind and the total.
    """
    out = yearly.copy()
    out["total"] = out[kinds].sum(axis=1)
    exposure = out["members_start"].astype(float)
    for kind in [*kinds, "total"]:
        out[f"{kind}_rate"] = out[kind].astype(float) / exposure * per
    return out


def check_series(yearly: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Yearly counts sorted by year; refuse gaps, duplicated years and years without members."""
    from helpers.text import both

    if yearly.empty:
        raise TrendError(both("trends.error.no_data", unit=unit))
    years = yearly["year"].astype(int)
    if years.duplicated().any():
        raise TrendError(both("trends.error.duplicate_year", unit=unit, year=int(years[years.duplicated()].iloc[0])))
    ordered = yearly.assign(year=years).sort_values("year").reset_index(drop=True)
    missing = sorted(set(range(ordered["year"].min(), ordered["year"].max() + 1)) - set(ordered["year"]))
    if missing:
        raise TrendError(both("trends.error.missing_years", unit=unit, years=", ".join(map(str, missing))))
    if EXPOSURE not in ordered or ordered[EXPOSURE].isna().all():
        raise TrendError(both("trends.error.no_exposure", unit=unit, column=EXPOSURE))
    lacking = ordered.loc[ordered[EXPOSURE].isna(), "year"]
    if not lacking.empty:
        years = ", ".join(map(str, lacking))
        raise TrendError(both("trends.error.no_exposure_years", unit=unit, column=EXPOSURE, years=years))
    empty = ordered.loc[ordered[EXPOSURE] <= 0, "year"]
    if not empty.empty:
        raise TrendError(both("trends.error.no_members", unit=unit, year=int(empty.iloc[0])))
    return ordered


def term_spans(years: pd.Series, terms: pd.DataFrame, labels: list[str]) -> list[TermSpan]:
    """Each requested term with the calendar years it holds (rule in config/terms.toml) and how many are observed."""
    observed = set(years.astype(int))
    spans = []
    for label in labels:
        row = terms.loc[terms["label"] == label].iloc[0]
        first, last = int(row["start_year"]) + 1, int(row["end_year"])
        spans.append(TermSpan(label, first, last, len(observed & set(range(first, last + 1)))))
    return spans


def design(years: np.ndarray, origin: int, knots: tuple[int, ...]) -> np.ndarray:
    """Columns: intercept, years since ``origin``, and one hinge (y − knot)+ per knot."""
    years = np.asarray(years, dtype=float)
    cols = [np.ones_like(years), years - origin] + [np.clip(years - k, 0, None) for k in knots]
    return np.column_stack(cols)


@dataclass(frozen=True)
class TrendFit:
    """A fitted segmented model for one series, with what the report states about it."""

    series: str
    years: np.ndarray
    counts: np.ndarray
    exposure: np.ndarray
    spans: tuple[TermSpan, ...]
    knots: tuple[int, ...]
    origin: int
    family: str
    dispersion: float
    params: np.ndarray
    cov: np.ndarray

    @property
    def fitted(self) -> bool:
        """False for a series with no exits in any fitted year: nothing was fitted, no trend is stated."""
        return self.family != NO_EXITS

    @property
    def scale(self) -> float:
        """The dispersion the standard errors were computed with: 1 for Poisson, the estimate for quasi-Poisson."""
        if not self.fitted:
            return float("nan")
        return self.dispersion if self.family == "quasi_poisson" else 1.0

    def model(self) -> dict:
        """What was fitted to the series: its exits over the fitted years, the family, the estimated dispersion
        (Pearson χ²/df) and the scale used (see :attr:`scale`)."""
        return {
            "series": self.series,
            "first_year": int(self.years.min()),
            "last_year": int(self.years.max()),
            "exits": int(self.counts.sum()),
            "family": self.family,
            "dispersion": self.dispersion,
            "scale": self.scale,
        }

    def _segment_contrast(self, j: int) -> np.ndarray:
        c = np.zeros(len(self.params))
        c[1] = 1.0
        c[2 : 2 + j] = 1.0
        return c

    def _estimate(self, contrast: np.ndarray) -> tuple[float, float]:
        return float(contrast @ self.params), float(np.sqrt(contrast @ self.cov @ contrast))

    def apc(self) -> pd.DataFrame:
        """Annual percent change per term, 100·(exp(slope) − 1), with its 95% CI; short terms not fitted, and no
        term of a series with no exits (``no_exits``)."""
        rows, j = [], 0
        nothing = dict.fromkeys(("slope", "se", "apc", "apc_low", "apc_high"), float("nan"))
        for span in self.spans:
            row = {
                "series": self.series,
                "term": span.label,
                "first_year": span.first_year,
                "last_year": span.last_year,
                "years_observed": span.years_observed,
                "fitted": span.fitted and self.fitted,
                "no_exits": not self.fitted,
                **nothing,
            }
            if row["fitted"]:
                slope, se = self._estimate(self._segment_contrast(j))
                row |= {"slope": slope, "se": se, **percent_change(slope, se)}
            j += span.fitted
            rows.append(row)
        return pd.DataFrame(rows)

    def aapc(self, first_year: int, last_year: int) -> dict:
        """Average annual percent change from ``first_year`` to ``last_year``, segments weighted by their years."""
        if last_year <= first_year:
            raise ValueError("the window needs at least two years")
        weights = window_weights(self.knots, first_year, last_year)
        contrast = sum(w * self._segment_contrast(j) for j, w in enumerate(weights)) / weights.sum()
        slope, se = self._estimate(contrast) if self.fitted else (float("nan"), float("nan"))
        return {"first_year": first_year, "last_year": last_year, "slope": slope, "se": se, **percent_change(slope, se)}

    def knot_tests(self) -> pd.DataFrame:
        """Wald test that the slope changes at each knot (H0: the next term continues the previous trend)."""
        rows = []
        for k, knot in enumerate(self.knots if self.fitted else ()):
            change, se = self.params[2 + k], float(np.sqrt(self.cov[2 + k, 2 + k]))
            z = change / se
            rows.append(
                {
                    "series": self.series,
                    "knot": knot,
                    "slope_change": change,
                    "se": se,
                    "z": z,
                    "p_value": float(2 * _normal_sf(abs(z))),
                }
            )
        return pd.DataFrame(rows, columns=["series", "knot", "slope_change", "se", "z", "p_value"])

    def expected(self, years: np.ndarray, exposure: np.ndarray, params: np.ndarray | None = None) -> np.ndarray:
        """Expected counts for given years and exposures; with ``params`` (draws × coefficients), one column per
        draw. A series with no exits is expected to have none (the rate's estimate is 0)."""
        if not self.fitted:
            shape = (len(years),) if params is None else (len(years), len(params))
            return np.zeros(shape)
        x = design(years, self.origin, self.knots)
        offset = np.log(np.asarray(exposure, dtype=float))
        if params is None:
            return np.exp(x @ self.params + offset)
        return np.exp(x @ np.asarray(params).T + offset[:, None])

    def fitted_counts(self) -> np.ndarray:
        return self.expected(self.years, self.exposure)


def percent_change(slope: float, se: float) -> dict:
    """A log-scale slope (or jump) as a percent change, 100·(exp(slope) − 1), with its 95% interval: ``apc``,
    ``apc_low``, ``apc_high``."""
    return {
        "apc": 100 * np.expm1(slope),
        "apc_low": 100 * np.expm1(slope - Z95 * se),
        "apc_high": 100 * np.expm1(slope + Z95 * se),
    }


def window_weights(knots, first: float, last: float) -> np.ndarray:
    """How much of the window ``first``–``last`` each segment between ``knots`` covers (segment k runs from knot
    k − 1 to knot k): the weights of an average annual percent change (Clegg et al. 2009)."""
    if last <= first:
        raise ValueError("the window needs at least two years")
    bounds = np.array([-np.inf, *knots, np.inf], dtype=float)
    return np.clip(np.minimum(bounds[1:], last) - np.maximum(bounds[:-1], first), 0, None)


def fit_trend(yearly: pd.DataFrame, series: str, spans: list[TermSpan]) -> TrendFit:
    """Fit the segmented model to ``yearly[series]`` with ``members_start`` as exposure, over the fitted terms.

    Years of terms with fewer than ``MIN_YEARS_PER_TERM`` observed years are left out and those terms are reported
    as not fitted. Decision rule for over-dispersion: fit Poisson; if the Pearson χ² divided by the residual
    degrees of freedom exceeds ``DISPERSION_THRESHOLD``, refit as quasi-Poisson (same estimates, standard errors
    multiplied by the square root of that ratio). A series with no exits in any of those years is not fitted
    (there is no rate whose change could be estimated; the Poisson estimate sits on the boundary): the fit has
    family ``NO_EXITS``, no slopes, and expects no exits.
    """
    from helpers.text import both

    fitted_spans = [s for s in spans if s.fitted]
    if not fitted_spans:
        raise TrendError(both("trends.error.too_few_years", series=series, minimum=MIN_YEARS_PER_TERM))
    first, last = fitted_spans[0].first_year, fitted_spans[-1].last_year
    data = yearly[(yearly["year"] >= first) & (yearly["year"] <= last)]
    data = data[data["year"].isin([y for s in fitted_spans for y in range(s.first_year, s.last_year + 1)])]
    knots = tuple(s.last_year for s in fitted_spans[:-1])
    if EXPOSURE not in data or data[EXPOSURE].isna().any() or (data[EXPOSURE] <= 0).any():
        raise TrendError(both("trends.error.no_exposure_series", series=series, column=EXPOSURE))
    years = data["year"].to_numpy(dtype=int)
    counts = data[series].to_numpy(dtype=float)
    exposure = data[EXPOSURE].to_numpy(dtype=float)
    origin = int(years.min())
    x = design(years, origin, knots)
    if not counts.any():
        zeros = np.zeros(x.shape[1])
        return TrendFit(
            series,
            years,
            counts,
            exposure,
            tuple(spans),
            knots,
            origin,
            NO_EXITS,
            float("nan"),
            zeros,
            np.zeros((zeros.size, zeros.size)),
        )
    import statsmodels.api as sm

    model = sm.GLM(counts, x, family=sm.families.Poisson(), offset=np.log(exposure))
    result = model.fit()
    df_resid = result.df_resid
    dispersion = float(result.pearson_chi2 / df_resid) if df_resid > 0 else float("nan")
    family = "poisson"
    if df_resid > 0 and dispersion > DISPERSION_THRESHOLD:
        result = model.fit(scale="X2")
        family = "quasi_poisson"
    return TrendFit(
        series,
        years,
        counts,
        exposure,
        tuple(spans),
        knots,
        origin,
        family,
        dispersion,
        np.asarray(result.params),
        np.asarray(result.cov_params()),
    )


def mann_kendall(yearly: pd.DataFrame, column: str, spans: list[TermSpan] | None = None) -> pd.DataFrame:
    """Mann–Kendall test with Sen's slope on one annual series, over all years and within each term."""
    windows = [("all", int(yearly["year"].min()), int(yearly["year"].max()))]
    windows += [(s.label, s.first_year, s.last_year) for s in spans or []]
    rows = []
    for label, first, last in windows:
        values = yearly.loc[yearly["year"].between(first, last), column].astype(float).to_numpy()
        row = {"series": column, "window": label, "first_year": first, "last_year": last, "n": len(values)}
        if len(values) >= MIN_YEARS_PER_TERM:
            res = _mann_kendall_test(values)
            row |= {"trend": res.trend, "tau": res.Tau, "p_value": res.p, "sen_slope": res.slope}
        rows.append(row)
    return pd.DataFrame(rows)


def _normal_sf(z: float) -> float:
    from scipy import stats

    return stats.norm.sf(z)


def _mann_kendall_test(values: np.ndarray):
    import pymannkendall

    return pymannkendall.original_test(values)
