"""Joinpoints chosen from the data, the average annual percent change, two series compared, a level shift.

The statistics of the trends analysis beyond its fixed term knots, after NCI's Joinpoint: the number of
joinpoints chosen by the sequential permutation tests of Kim et al. (2000), or by BIC; their places by grid search
over the observed times (years, or half-years), with Joinpoint's minimum-observation rules; the AAPC of Clegg et
al. (2009) over any window; the parallelism and coincidence tests of two series (Kim et al. 2004); and a jump in
level at a named date. The model is the trends model: log E[count] = log(member-years) + b0 + b1·(t − t0)
+ Σ c_k·(t − τ_k)+ [+ d·1(t ≥ s)], Poisson, quasi-Poisson by the trends module's written dispersion rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from helpers.analyses.trends import DISPERSION_THRESHOLD, EXPOSURE, percent_change, window_weights
from helpers.errors import TrendError

MIN_END = 2  # observations between a joinpoint and either end of the series, the joinpoint excluded (Joinpoint)
MIN_BETWEEN = 2  # observations between two joinpoints, both excluded (Joinpoint's default)
MAX_JOINPOINTS = 3  # a cap on Joinpoint's default maximum: a committee's 15 or 30 points carry no more
ALPHA = 0.05  # overall level of the sequential permutation tests
PERMUTATIONS = 999
SEED = 2000  # fixed, so the same data gives the same p-values and the same report
_CHUNK_VALUES = 4_000_000  # floats per batched array while refitting permuted data (about 32 MB)


@dataclass(frozen=True)
class Series:
    """One count series on a time axis in years (a half-year is half a year), with its exposure in member-years."""

    name: str
    time: np.ndarray
    counts: np.ndarray
    exposure: np.ndarray
    step: float = 1.0  # 1 for yearly points, 0.5 for half-yearly ones

    @property
    def n(self) -> int:
        return len(self.time)


def yearly_series(yearly: pd.DataFrame, column: str) -> Series:
    """The yearly counts of ``column`` (a checked series, :func:`helpers.analyses.trends.check_series`), members at
    the start of each year as exposure."""
    return Series(
        column,
        yearly["year"].to_numpy(dtype=float),
        yearly[column].to_numpy(dtype=float),
        yearly[EXPOSURE].to_numpy(dtype=float),
    )


def half_year_series(frame: pd.DataFrame, column: str, unit: str = "") -> Series:
    """Six-monthly counts (columns ``year``, ``half`` 1 or 2, ``column`` and ``members_start``, the members at the
    start of the half-year) as a series at t = year and year + 0.5, exposure half the members (member-years), so
    that rates and slopes stay per year and a five-year term has ten points. Gaps and repeats are refused."""
    from helpers.text import both

    if frame.empty:
        raise TrendError(both("trends.error.no_data", unit=unit))
    bad = frame.loc[~frame["half"].isin([1, 2])]
    if not bad.empty:
        raise TrendError(both("trends.error.bad_half", unit=unit, row=int(bad.index[0]) + 2, value=bad["half"].iloc[0]))
    time = frame["year"].astype(int) + (frame["half"].astype(int) - 1) / 2
    if time.duplicated().any():
        t0 = float(time[time.duplicated()].iloc[0])
        raise TrendError(both("trends.error.duplicate_half", unit=unit, year=int(t0), half=int(2 * (t0 % 1)) + 1))
    ordered = frame.assign(_t=time).sort_values("_t")
    expected = np.arange(ordered["_t"].min(), ordered["_t"].max() + 0.25, 0.5)
    missing = sorted(set(expected) - set(ordered["_t"]))
    if missing:
        names = ", ".join(f"{int(m)}/{int(2 * (m % 1)) + 1}" for m in missing)
        raise TrendError(both("trends.error.missing_halves", unit=unit, halves=names))
    if ordered[EXPOSURE].isna().any() or (ordered[EXPOSURE] <= 0).any():
        raise TrendError(both("trends.error.no_exposure_series", series=column, column=EXPOSURE))
    return Series(
        column,
        ordered["_t"].to_numpy(dtype=float),
        ordered[column].to_numpy(dtype=float),
        ordered[EXPOSURE].to_numpy(dtype=float) / 2,
        step=0.5,
    )


def design(time: np.ndarray, origin: float, joinpoints, shift_at: float | None = None) -> np.ndarray:
    """Columns: intercept, time since ``origin``, one hinge (t − τ)+ per joinpoint, and a step 1(t ≥ shift_at)."""
    time = np.asarray(time, dtype=float)
    cols = [np.ones_like(time), time - origin] + [np.clip(time - k, 0, None) for k in joinpoints]
    if shift_at is not None:
        cols.append((time >= shift_at).astype(float))
    return np.column_stack(cols)


def _deviance(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return 2 * np.sum(term - (y - mu), axis=-1)


def poisson_fit(x: np.ndarray, y: np.ndarray, offset: np.ndarray, max_iter: int = 60, tol: float = 1e-12, start=None):
    """Poisson log-link fits by iteratively reweighted least squares, every design against every response: designs
    ``x`` (C, n, p) or one (n, p), responses ``y`` (R, n) or one (n,) (y may be non-integer: permuted data are).

    Returns ``(beta, mu, deviance)`` with shapes (C, R, p), (C, R, n) and (C, R), without the axis of a single
    design or response. The stopping rule is R's glm's, |Δdeviance| / (|deviance| + 0.1) below ``tol``; ``start``:
    fitted means to start from (default y + 0.1). Laid out as one matrix product per design over all responses,
    so the weighted cross-products of thousands of permuted data sets come from BLAS."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    xs, ys = (x[None] if x.ndim == 2 else x), (y[None] if y.ndim == 1 else y)
    c, n, p = xs.shape
    outer = (xs[:, :, :, None] * xs[:, :, None, :]).reshape(c, n, p * p)
    xt = np.swapaxes(xs, 1, 2)
    mu = np.broadcast_to(ys + 0.1 if start is None else np.asarray(start, dtype=float), (c, len(ys), n)).copy()
    eta, old = np.log(mu), np.inf
    # a mean far above every count of its series is a step gone astray, not an estimate: a ceiling keeps it finite
    ceiling = np.log(10 * (np.max(ys, axis=-1, keepdims=True) + 1))
    for _ in range(max_iter):
        # a stretch of zeros drives its rate towards 0 (the estimate to the boundary): floored weights keep the
        # system solvable there and change nothing where the counts are not degenerate
        w = np.maximum(mu, 1e-8)
        z = eta - offset + (ys - mu) / mu
        a, b = np.matmul(w, outer).reshape(c, -1, p, p), np.matmul(w * z, xs)[..., None]
        try:
            beta = np.linalg.solve(a, b)[..., 0]
        except np.linalg.LinAlgError:  # one singular system in the batch: the pseudo-inverse for all of them
            beta = (np.linalg.pinv(a) @ b)[..., 0]
        eta = np.clip(np.matmul(beta, xt) + offset, -30, ceiling)
        mu = np.exp(eta)
        dev = _deviance(ys, mu)
        done = np.all(np.abs(dev - old) <= tol * (np.abs(dev) + 0.1))
        old = dev
        if done:
            break
    squeeze = (0,) if x.ndim == 2 else ()
    squeeze += (1,) if y.ndim == 1 else ()
    return tuple(np.squeeze(v, axis=squeeze) if squeeze else v for v in (beta, mu, dev))


def candidate_joinpoints(time: np.ndarray, k: int, min_end: int = MIN_END, min_between: int = MIN_BETWEEN):
    """Every place for ``k`` joinpoints on the observed times that Joinpoint's rules allow: at least ``min_end``
    observations between a joinpoint and either end and ``min_between`` between two joinpoints (joinpoints
    excluded). Returns an array (candidates, k) of times; one empty row for k = 0."""
    n = len(time)
    allowed = range(min_end, n - 1 - min_end + 1)
    rows = [c for c in combinations(allowed, k) if all(b - a - 1 >= min_between for a, b in zip(c, c[1:]))]
    return np.asarray(time, dtype=float)[np.asarray(rows, dtype=int).reshape(len(rows), k)]


def default_max_joinpoints(n: int) -> int:
    """Joinpoint's default maximum for ``n`` points (0 below 7, one more for every 5 points), capped at
    ``MAX_JOINPOINTS``."""
    table = 0 if n < 7 else 1 + (n - 7) // 5
    return min(table, 5, MAX_JOINPOINTS)


@dataclass(frozen=True)
class JoinpointFit:
    """A log-linear Poisson model with given joinpoints (and optionally a level shift) fitted to one series."""

    series: Series
    joinpoints: tuple[float, ...]
    shift_at: float | None
    origin: float
    family: str
    dispersion: float
    deviance: float
    params: np.ndarray
    cov: np.ndarray  # the joinpoints taken as known, as Joinpoint's parametric intervals take them
    cov_location: np.ndarray  # coefficients then joinpoint places, with the places' uncertainty (R segmented)

    @property
    def scale(self) -> float:
        return self.dispersion if self.family == "quasi_poisson" else 1.0

    def _slope_contrast(self, j: int) -> np.ndarray:
        c = np.zeros(len(self.params))
        c[1] = 1.0
        c[2 : 2 + j] = 1.0
        return c

    def _covariance(self, location: bool) -> np.ndarray:
        p = len(self.params)
        return self.cov_location[:p, :p] if location else self.cov

    def _empty_segments(self) -> list[bool]:
        """Whether each segment has no exits after its start: its rate fell to nothing, the slope's estimate is
        −∞ (on the boundary) and no percent change or interval can be stated for it."""
        bounds = [-np.inf, *self.joinpoints, np.inf]
        t, y = self.series.time, self.series.counts
        return [not y[(t > bounds[j]) & (t <= bounds[j + 1])].any() for j in range(len(bounds) - 1)]

    def segments(self, location: bool = False) -> pd.DataFrame:
        """Each segment's annual percent change with its 95% interval.

        Returns
        -------
        pandas.DataFrame
            ``series``, ``segment`` (1, 2, …), ``start`` and ``end`` (times; a segment ends where the next
            starts), ``no_exits`` (no exit after the segment's start: nothing is estimated), ``slope``, ``se``,
            ``apc``, ``apc_low``, ``apc_high``.
        """
        cov = self._covariance(location)
        bounds = [float(self.series.time.min()), *self.joinpoints, float(self.series.time.max())]
        rows = []
        for j, empty in enumerate(self._empty_segments()):
            c = self._slope_contrast(j)
            slope, se = (np.nan, np.nan) if empty else (float(c @ self.params), float(np.sqrt(c @ cov @ c)))
            rows.append(
                {
                    "series": self.series.name,
                    "segment": j + 1,
                    "start": bounds[j],
                    "end": bounds[j + 1],
                    "no_exits": empty,
                    "slope": slope,
                    "se": se,
                    **percent_change(slope, se),
                }
            )
        return pd.DataFrame(rows)

    def aapc(self, first: float | None = None, last: float | None = None, location: bool = False) -> dict:
        """Average annual percent change from ``first`` to ``last`` (default: the whole series), segment slopes
        weighted by the length of the window each covers (Clegg et al. 2009); with ``location`` its interval also
        carries the joinpoints' uncertainty, as R segmented's ``aapc`` does."""
        first = float(self.series.time.min()) if first is None else float(first)
        last = float(self.series.time.max()) if last is None else float(last)
        weights = window_weights(self.joinpoints, first, last)
        if any(w > 0 and empty for w, empty in zip(weights, self._empty_segments())):
            nothing = {"slope": np.nan, "se": np.nan, **percent_change(np.nan, np.nan)}
            return {"first": first, "last": last, **nothing}  # a segment without exits has no finite slope
        contrast = sum(w * self._slope_contrast(j) for j, w in enumerate(weights)) / weights.sum()
        slope = float(contrast @ self.params)
        if location:
            # the weights move with the joinpoints: d AAPC-slope / d τ_k = −(slope change at τ_k)/window, inside it
            k = len(self.joinpoints)
            inside = np.array([first < tau < last for tau in self.joinpoints], dtype=float)
            grad = np.concatenate([contrast, -self.params[2 : 2 + k] * inside / (last - first)])
            se = float(np.sqrt(grad @ self.cov_location @ grad))
        else:
            se = float(np.sqrt(contrast @ self.cov @ contrast))
        return {"first": first, "last": last, "slope": slope, "se": se, **percent_change(slope, se)}

    def shift(self) -> dict:
        """The jump in level at ``shift_at`` as a percent change of the rate, with its 95% interval."""
        if self.shift_at is None:
            raise ValueError("this model has no level shift")
        est, se = float(self.params[-1]), float(np.sqrt(self.cov[-1, -1]))
        return {"series": self.series.name, "at": self.shift_at, "estimate": est, "se": se, **percent_change(est, se)}

    def expected(self) -> np.ndarray:
        x = design(self.series.time, self.origin, self.joinpoints, self.shift_at)
        return np.exp(x @ self.params + np.log(self.series.exposure))


def fit_joinpoints(
    series: Series, joinpoints=(), shift_at: float | None = None, estimated: bool = True
) -> JoinpointFit:
    """Fit the model with the given joinpoints (and level shift); quasi-Poisson when the Pearson χ² over the
    residual degrees of freedom exceeds ``DISPERSION_THRESHOLD`` (the trends module's rule). Joinpoints chosen
    from the data count as parameters in those degrees of freedom (Joinpoint's p = 2k + 2)."""
    joinpoints = tuple(float(k) for k in joinpoints)
    origin = float(series.time.min())
    x = design(series.time, origin, joinpoints, shift_at)
    offset = np.log(series.exposure)
    beta, mu, dev = poisson_fit(x, series.counts, offset)
    df = series.n - x.shape[1] - (len(joinpoints) if estimated else 0)
    dispersion = float(np.sum((series.counts - mu) ** 2 / mu) / df) if df > 0 else float("nan")
    family = "quasi_poisson" if df > 0 and dispersion > DISPERSION_THRESHOLD else "poisson"
    scale = dispersion if family == "quasi_poisson" else 1.0
    cov = np.linalg.inv(x.T @ (x * mu[:, None])) * scale
    # the places' uncertainty: one column per joinpoint, the derivative of the mean in τ_k (Muggeo 2003)
    k = len(joinpoints)
    v = [-beta[2 + i] * (series.time > tau) for i, tau in enumerate(joinpoints)]
    xa = np.column_stack([x, *v]) if k else x
    try:
        cov_location = np.linalg.inv(xa.T @ (xa * mu[:, None])) * scale
    except np.linalg.LinAlgError:  # a joinpoint with no change in slope has no place to estimate
        cov_location = np.full((xa.shape[1], xa.shape[1]), np.nan)
    return JoinpointFit(series, joinpoints, shift_at, origin, family, dispersion, float(dev), beta, cov, cov_location)


def term_model(series: Series, spans, shift_at: float | None = None) -> JoinpointFit:
    """The trends module's term-knot model on any series, half-yearly ones included: knots at the last observed time
    of each fitted term but the last (2015 for yearly data, 2015/2 for half-yearly), taken as given, not chosen."""
    fitted = [s for s in spans if s.fitted]
    knots = [s.last_year + 1 - series.step for s in fitted[:-1]]
    return fit_joinpoints(series, knots, shift_at=shift_at, estimated=False)


def _designs(series: Series, k: int, shift_at: float | None, min_end: int, min_between: int):
    places = candidate_joinpoints(series.time, k, min_end, min_between)
    origin = float(series.time.min())
    x = np.stack([design(series.time, origin, row, shift_at) for row in places]) if len(places) else None
    return places, x


def grid_search(series: Series, k: int, shift_at=None, min_end: int = MIN_END, min_between: int = MIN_BETWEEN):
    """The places of ``k`` joinpoints that minimise the Poisson deviance over the allowed grid; None when the rules
    leave no place for ``k`` joinpoints."""
    places, x = _designs(series, k, shift_at, min_end, min_between)
    if x is None:
        return None
    _, _, dev = poisson_fit(x, series.counts, np.log(series.exposure))
    return tuple(places[int(np.argmin(dev))])


def _min_deviance(x: np.ndarray, ys: np.ndarray, offset: np.ndarray, start: np.ndarray) -> np.ndarray:
    """The smallest deviance over the designs ``x`` (C, n, p) for each response row of ``ys`` (R, n), each fit
    started from the null model's means ``start`` (permuted data scatter around them) and stopped at a relative
    change in deviance of 1e-10: the statistic needs the deviances to many digits, not the last ones."""
    per_chunk = max(1, _CHUNK_VALUES // (x.shape[0] * x.shape[1] * x.shape[2]))
    chunks = [ys[i : i + per_chunk] for i in range(0, len(ys), per_chunk)]
    return np.concatenate([poisson_fit(x, y, offset, tol=1e-10, start=start)[2].min(axis=0) for y in chunks])


def _permuted(mu0: np.ndarray, y: np.ndarray, permutations: int, rng: np.random.Generator) -> np.ndarray:
    """Data under the null: its fitted values plus its Pearson residuals shuffled (and rescaled to each point's
    Poisson spread), floored at 0; one row per permutation."""
    residuals = (y - mu0) / np.sqrt(mu0)
    order = rng.permuted(np.tile(np.arange(len(y)), (permutations, 1)), axis=1)
    return np.maximum(mu0 + np.sqrt(mu0) * residuals[order], 0.0)


def _ratio(null: np.ndarray, alternative: np.ndarray) -> np.ndarray:
    """Joinpoint's statistic, the null model's (deviance) error over the alternative's; 1 when both are 0."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = np.where(alternative > 1e-12 * (null + 1), null / np.maximum(alternative, 1e-300), np.inf)
    return np.where(null <= 1e-12, 1.0, r)


@dataclass(frozen=True)
class Selection:
    """The chosen number of joinpoints for one series, with the best model of every size and how it was chosen."""

    series: str
    method: str  # "permutation" or "bic"
    chosen: int
    fits: dict = field(repr=False)  # number of joinpoints → its best JoinpointFit
    tests: pd.DataFrame  # permutation: null, alternative, statistic, p_value, level, rejected
    criteria: pd.DataFrame  # joinpoints, places, deviance, bic, bic_best (BIC's own choice), chosen

    @property
    def model(self) -> JoinpointFit:
        return self.fits[self.chosen]


def select_joinpoints(
    series: Series,
    method: str = "permutation",
    max_joinpoints: int | None = None,
    permutations: int = PERMUTATIONS,
    alpha: float = ALPHA,
    seed: int = SEED,
    shift_at: float | None = None,
    min_end: int = MIN_END,
    min_between: int = MIN_BETWEEN,
) -> Selection:
    """Choose the number of joinpoints and their places.

    ``permutation``: Kim et al.'s sequence, H0 k = a against H1 k = b from a = 0, b = max; reject (a + 1) or not
    (b − 1) until a = b, each test at α / (max − a) as Joinpoint does since version 3.0. The statistic is the ratio
    of the two models' deviances (the Poisson form of Joinpoint's SSE ratio); its null distribution comes from the
    null model's Pearson residuals permuted. ``bic``: the smallest deviance/φ + (2k + 2)·ln n, φ the largest
    model's dispersion when it passes the quasi-Poisson rule, else 1.
    """
    if method not in ("permutation", "bic"):
        raise ValueError(f"unknown selection method {method!r}")
    top = default_max_joinpoints(series.n) if max_joinpoints is None else max_joinpoints
    offset = np.log(series.exposure)
    designs, fits = {}, {}
    for k in range(top + 1):
        places, x = _designs(series, k, shift_at, min_end, min_between)
        if x is None:
            break
        _, _, dev = poisson_fit(x, series.counts, offset)
        designs[k] = x
        fits[k] = fit_joinpoints(series, places[int(np.argmin(dev))], shift_at)
    top = max(fits)
    largest = fits[top]
    phi = largest.dispersion if largest.family == "quasi_poisson" else 1.0
    bic = {k: f.deviance / phi + (2 * k + 2) * np.log(series.n) for k, f in fits.items()}
    tests = []
    by_bic = min(bic, key=lambda k: (bic[k], k))
    if method == "bic":
        chosen = by_bic
    else:
        rng = np.random.default_rng(seed)
        a, b = 0, top
        while a < b:
            observed = float(_ratio(np.array(fits[a].deviance), np.array(fits[b].deviance)))
            mu0 = fits[a].expected()
            ys = _permuted(mu0, series.counts, permutations, rng)
            stats = _ratio(_min_deviance(designs[a], ys, offset, mu0), _min_deviance(designs[b], ys, offset, mu0))
            p = float((1 + np.sum(stats >= observed * (1 - 1e-9))) / (permutations + 1))
            level = alpha / (top - a)
            rejected = p < level
            tests.append(
                {"null": a, "alternative": b, "statistic": observed, "p_value": p, "level": level, "rejected": rejected}
            )
            a, b = (a + 1, b) if rejected else (a, b - 1)
        chosen = a
    criteria = pd.DataFrame(
        {
            "joinpoints": list(fits),
            "places": [", ".join(time_label(p) for p in f.joinpoints) for f in fits.values()],
            "deviance": [f.deviance for f in fits.values()],
            "bic": [bic[k] for k in fits],
            "bic_best": [k == by_bic for k in fits],
            "chosen": [k == chosen for k in fits],
        }
    )
    columns = ["null", "alternative", "statistic", "p_value", "level", "rejected"]
    return Selection(series.name, method, chosen, fits, pd.DataFrame(tests, columns=columns), criteria)


def time_label(time: float) -> str:
    """2018 for a year, 2018/2 for the second half of 2018."""
    return str(int(time)) if float(time).is_integer() else f"{int(time)}/2"


def compare_series(
    a: Series,
    b: Series,
    joinpoints: int,
    permutations: int = PERMUTATIONS,
    seed: int = SEED,
    min_end: int = MIN_END,
    min_between: int = MIN_BETWEEN,
) -> pd.DataFrame:
    """Do two series on the same times move alike? Parallelism (H0: same slopes and joinpoints, own levels) and
    coincidence (H0: one curve for both) against each series with its own ``joinpoints``-joinpoint model, by the
    permutation test of Kim et al. (2004) with the deviance-ratio statistic.

    Returns
    -------
    pandas.DataFrame
        ``test`` (parallel, coincident), ``a``, ``b``, ``joinpoints``, ``statistic``, ``p_value``, ``alike``
        (p ≥ 0.05: no evidence the two differ in that respect).
    """
    from helpers.text import both

    if a.n != b.n or not np.allclose(a.time, b.time):
        raise TrendError(both("trends.error.times_differ", a=a.name, b=b.name))
    time = np.concatenate([a.time, b.time])
    y = np.concatenate([a.counts, b.counts])
    offset = np.log(np.concatenate([a.exposure, b.exposure]))
    group = np.r_[np.zeros(a.n), np.ones(b.n)]
    places = candidate_joinpoints(a.time, joinpoints, min_end, min_between)
    origin = float(a.time.min())
    single = np.stack([design(a.time, origin, row) for row in places])
    shared = np.stack([design(time, origin, row) for row in places])
    nulls = {  # parallel: the shared curve with a level of its own for the second series; coincident: one curve
        "parallel": np.concatenate([shared, np.broadcast_to(group[:, None], (*shared.shape[:2], 1))], axis=2),
        "coincident": shared,
    }

    def separate(ys: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
        """Each series' best own model: exact for the data, started at the null's means for permuted data."""
        total = np.zeros(len(ys))
        for part in (slice(None, a.n), slice(a.n, None)):
            if start is None:
                total += poisson_fit(single, ys[:, part], offset[part])[2].min(axis=0)
            else:
                total += _min_deviance(single, ys[:, part], offset[part], start[part])
        return total

    rng = np.random.default_rng(seed)
    rows = []
    for test, x0 in nulls.items():
        _, mu0, dev0 = poisson_fit(x0, y, offset)
        best = int(np.argmin(dev0))
        observed = float(_ratio(np.array(dev0[best]), separate(y[None])[0:1])[0])
        ys = _permuted(mu0[best], y, permutations, rng)
        stats = _ratio(_min_deviance(x0, ys, offset, mu0[best]), separate(ys, mu0[best]))
        p = float((1 + np.sum(stats >= observed * (1 - 1e-9))) / (permutations + 1))
        rows.append(
            {
                "test": test,
                "a": a.name,
                "b": b.name,
                "joinpoints": joinpoints,
                "statistic": observed,
                "p_value": p,
                "alike": p >= ALPHA,
            }
        )
    return pd.DataFrame(rows)


def aapc_table(models: dict, windows: list[tuple[str, float, float]]) -> pd.DataFrame:
    """The AAPC of each model (a term-knot :class:`~helpers.analyses.trends.TrendFit` or a :class:`JoinpointFit`)
    over each window (label, first, last).

    Returns
    -------
    pandas.DataFrame
        ``model``, ``window``, ``first``, ``last``, ``slope``, ``se``, ``apc``, ``apc_low``, ``apc_high``.
    """
    rows = []
    for model, fit in models.items():
        for label, first, last in windows:
            a = fit.aapc(first, last)
            rows.append(
                {"model": model, "window": label, "first": first, "last": last}
                | {k: a[k] for k in ("slope", "se", "apc", "apc_low", "apc_high")}
            )
    return pd.DataFrame(rows)
