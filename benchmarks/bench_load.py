"""Cost of loading data under its contract, as a ratio to a plain pandas read of the same file in the same process.

    .venv/bin/python benchmarks/bench_load.py [--repeat 5]

Prints a Markdown table; copy it into benchmarks/RESULTS.md with the date and machine.
"""

from __future__ import annotations

import argparse

import pandas as pd

from helpers.data.counts import annual_counts_from_members
from helpers.data.datasets import load_dataset, load_table
from helpers.paths import sample_dir
from timing import best_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    members = sample_dir() / "members.csv"
    rows = len(pd.read_csv(members))
    baseline = best_of(args.repeat, lambda: pd.read_csv(members))
    typed = load_table(members)
    cases = {
        "pandas.read_csv (baseline)": baseline,
        "load_table: read + contract (members)": best_of(args.repeat, lambda: load_table(members)),
        "annual_counts_from_members": best_of(args.repeat, lambda: annual_counts_from_members(typed)),
        "load_dataset (all tables, cross-checks, derived counts)": best_of(
            args.repeat, lambda: load_dataset(sample_dir())
        ),
    }
    print(f"members.csv: {rows:,} rows; best of {args.repeat}\n")
    print("| step | seconds | ratio to baseline |\n|---|---:|---:|")
    for name, seconds in cases.items():
        print(f"| {name} | {seconds:.3f} | {seconds / baseline:.1f}× |")


if __name__ == "__main__":
    main()
