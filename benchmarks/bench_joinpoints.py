"""Joinpoint selection by permutation tests, batched, as a ratio to the same tests fitted one GLM at a time.

    .venv/bin/python benchmarks/bench_joinpoints.py [--repeat 3] [--permutations 49]

Both sides run Kim et al.'s sequence on the default province's combined series (15 years, at most 2 joinpoints):
every permuted data set refitted at every allowed place. Ours fits them in batches by IRLS in NumPy
(:func:`helpers.analyses.joinpoints.poisson_fit`); the baseline loops over statsmodels GLM fits with the same data,
designs and permutations. Both use ``--permutations`` so the baseline stays short; the report's own 999
permutations are timed on our side alone, and the two sides' p-values are printed to show they agree.
"""

from __future__ import annotations

import argparse

import numpy as np
import statsmodels.api as sm

from helpers.analyses import joinpoints as jp
from helpers.analyses.trends import check_series, rates
from helpers.data.counts import counts_for_unit
from helpers.data.datasets import load_dataset
from helpers.paths import sample_dir
from timing import best_of


def glm_deviance(x: np.ndarray, y: np.ndarray, offset: np.ndarray) -> float:
    return sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit().deviance


def baseline(series: jp.Series, permutations: int, seed: int = jp.SEED) -> list[float]:
    """The sequence with one statsmodels fit per design and data set: the p-values of each test."""
    offset = np.log(series.exposure)
    top = jp.default_max_joinpoints(series.n)
    designs = {
        k: [jp.design(series.time, series.time.min(), p) for p in jp.candidate_joinpoints(series.time, k)]
        for k in range(top + 1)
    }
    best = {k: min(glm_deviance(x, series.counts, offset) for x in xs) for k, xs in designs.items()}
    rng = np.random.default_rng(seed)
    a, b, p_values = 0, top, []
    while a < b:
        places = jp.grid_search(series, a)
        mu0 = jp.fit_joinpoints(series, places).expected()
        observed = best[a] / best[b]
        ys = jp._permuted(mu0, series.counts, permutations, rng)
        stats = [
            min(glm_deviance(x, y, offset) for x in designs[a]) / min(glm_deviance(x, y, offset) for x in designs[b])
            for y in ys
        ]
        p = (1 + np.sum(np.array(stats) >= observed * (1 - 1e-9))) / (permutations + 1)
        p_values.append(p)
        a, b = (a + 1, b) if p < jp.ALPHA / (top - a) else (a, b - 1)
    return p_values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--permutations", type=int, default=49)
    args = parser.parse_args()
    data = load_dataset(sample_dir())
    yearly = rates(
        check_series(counts_for_unit(data.annual_counts, data.units, "SIM"), "SIM"), ["removed", "asked_to_leave"]
    )
    series = jp.yearly_series(yearly, "total")
    n = args.permutations
    ours = best_of(args.repeat, lambda: jp.select_joinpoints(series, permutations=n))
    theirs = best_of(1, lambda: baseline(series, n))
    full = best_of(args.repeat, lambda: jp.select_joinpoints(series))
    print(f"default province, combined series, {series.n} years; best of {args.repeat} (baseline: one run)\n")
    print("| run | permutations | seconds | ratio to baseline |\n|---|---:|---:|---:|")
    print(f"| statsmodels, one fit at a time (baseline) | {n} | {theirs:.2f} | 1.00× |")
    print(f"| helpers.analyses.joinpoints, batched | {n} | {ours:.3f} | {ours / theirs:.4f}× |")
    print(f"| helpers.analyses.joinpoints, as in the report | {jp.PERMUTATIONS} | {full:.3f} | {full / theirs:.4f}× |")
    print("\np-values, ours:", list(jp.select_joinpoints(series, permutations=n).tests["p_value"]))
    print("p-values, baseline:", baseline(series, n))


if __name__ == "__main__":
    main()
