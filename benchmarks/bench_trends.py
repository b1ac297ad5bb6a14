"""Trend fits for the province and for every unit, as a ratio to a bare statsmodels fit of the same model.

    .venv/bin/python benchmarks/bench_trends.py [--repeat 5]

Both sides fit the same segmented Poisson GLM (same design, offset and data) in the same process; ours adds the
over-dispersion rule, the per-term APCs with intervals and the knot tests.
"""

from __future__ import annotations

import argparse

import numpy as np
import statsmodels.api as sm

from helpers.analyses.trends import check_series, design, fit_trend, term_spans
from helpers.data.counts import counts_for_unit
from helpers.data.datasets import load_dataset
from helpers.data.terms import load_terms
from helpers.data.units import descendants
from helpers.paths import sample_dir
from timing import best_of

TERMS = ["2010-2015", "2015-2020", "2020-2025"]
SERIES = ("removed", "asked_to_leave")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data = load_dataset(sample_dir())
    terms = load_terms().for_province("SIM")
    units = descendants(data.units, "SIM")
    series = {u: check_series(counts_for_unit(data.annual_counts, data.units, u), u) for u in units}
    spans = term_spans(series["SIM"]["year"], terms, TERMS)

    def ours(codes):
        for code in codes:
            for kind in SERIES:
                fit = fit_trend(series[code], kind, spans)
                fit.apc(), fit.knot_tests()

    def bare(codes):
        for code in codes:
            yearly = series[code]
            x = design(yearly["year"].to_numpy(), 2011, (2015, 2020))
            for kind in SERIES:
                sm.GLM(
                    yearly[kind].to_numpy(dtype=float),
                    x,
                    family=sm.families.Poisson(),
                    offset=np.log(yearly["members_start"].to_numpy(dtype=float)),
                ).fit()

    print(f"best of {args.repeat}; {len(SERIES)} series per unit\n")
    print("| scope | fits | helpers.analyses.trends (s) | bare statsmodels (s) | ratio |\n|---|---:|---:|---:|---:|")
    for scope, codes in (("province", ["SIM"]), ("province and all units", units)):
        a = best_of(args.repeat, lambda codes=codes: ours(codes))
        b = best_of(args.repeat, lambda codes=codes: bare(codes))
        print(f"| {scope} | {len(codes) * len(SERIES)} | {a:.4f} | {b:.4f} | {a / b:.2f}× |")


if __name__ == "__main__":
    main()
