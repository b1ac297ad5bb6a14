"""Time to render the committee report, as a ratio to executing and rendering a notebook that only imports the
same libraries, through the same papermill + nbconvert path, in the same process.

    .venv/bin/python benchmarks/bench_report.py [--repeat 2]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import nbformat

from helpers.paths import notebooks_dir, sample_dir
from helpers.run.render import render
from timing import best_of

IMPORTS = """import pandas, numpy, scipy, statsmodels.api, matplotlib.pyplot, pandera.pandas, lifelines, pymannkendall
import helpers.report.committee"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-report-"))
    baseline_nb = work / "imports-only.ipynb"
    cell = nbformat.v4.new_code_cell("data_path: str = 'x'  # unused", metadata={"tags": ["parameters"]})
    nb = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_code_cell(IMPORTS)])
    nb.metadata["kernelspec"] = {"name": "helpers", "display_name": "Python (helpers)", "language": "python"}
    nbformat.write(nb, baseline_nb)
    committee = notebooks_dir() / "05-committee.ipynb"
    params = {"data_path": str(sample_dir())}
    base = best_of(args.repeat, lambda: render(baseline_nb, {}, work / "b.html", "b", work_dir=work / "b"))
    full = best_of(args.repeat, lambda: render(committee, params, work / "c.html", "c", work_dir=work / "c"))
    size = (work / "c.html").stat().st_size
    print(f"best of {args.repeat}\n")
    print("| run | seconds | ratio |\n|---|---:|---:|")
    print(f"| notebook importing the same libraries (baseline) | {base:.2f} | 1.0× |")
    print(f"| committee report on the default data | {full:.2f} | {full / base:.2f}× |")
    print(f"\nreport size: {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
