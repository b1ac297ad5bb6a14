"""One committee report against the floor the issue names: ``papermill`` then ``jupyter nbconvert --no-input`` of a
notebook that only imports the same libraries, each a whole process, in the same run; then where the report's own
time goes.

    .venv/bin/python benchmarks/bench_report.py [--repeat 3]

Rows (medians of ``--repeat`` runs, interleaved so a busy moment hits every row alike):

* floor: the imports-only notebook through the papermill and nbconvert command lines;
* ``python -m helpers report`` (committee, SIM, vi) with the checked-data cache warm (the usual case: the data was
  checked by an earlier report or run), and cold (a new, empty cache folder each time).

The breakdown runs the same steps one by one in this process and in a kernel (medians of the same runs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from helpers.paths import REPO_ROOT

BIN = Path(sys.executable).parent
IMPORTS = """import pandas, numpy, scipy, statsmodels.api, matplotlib.pyplot, seaborn, pandera.pandas, lifelines
import pymannkendall, pyarrow.parquet
import helpers.report.committee"""
SECTIONS = ("header", "summary", "basis", "situation", "causes_part", "solutions_part", "target_part", "appendix")
BUILD = "CommitteeReport.build('data/sample', 'SIM', 0, ['2010-2015', '2015-2020', '2020-2025'], -1.0, 'vi', 10)"


def timed(command: list, env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO_ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def floor(work: Path) -> float:
    """The imports-only notebook: papermill, then nbconvert, as two commands."""
    executed = work / "imports-executed.ipynb"
    start = time.perf_counter()
    timed([BIN / "papermill", work / "imports-only.ipynb", executed, "-k", "helpers", "--cwd", REPO_ROOT])
    timed([BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", executed])
    return time.perf_counter() - start


def breakdown_script() -> str:
    """Timed steps of one report inside one Python process, as its kernel runs them (printed as name=seconds)."""
    steps = [
        (
            "kernel: imports",
            "import matplotlib; matplotlib.use('agg')\nfrom helpers.report.committee import CommitteeReport",
        ),
        (
            "kernel: read checked data (cache)",
            "from helpers.data.cache import cached_dataset\ncached_dataset(Path('data/sample').resolve(), 'SIM')",
        ),
        ("kernel: build (data, analyses, models)", f"report = {BUILD}"),
        *[(f"kernel: section {s}", f"report.{s}()") for s in SECTIONS],
    ]
    lines = ["import time", "from pathlib import Path"]
    for name, code in steps:
        lines += ["_t = time.perf_counter()", code, f"print({name!r} + '=' + str(time.perf_counter() - _t))"]
    return "\n".join(lines)


def parent_script() -> str:
    """The command line's own steps outside the kernel (printed as name=seconds)."""
    return "\n".join(
        [
            "import time",
            "_t = time.perf_counter()",
            "import helpers.cli.main, helpers.run.render, helpers.data.cache, helpers.analyses.trends",
            "print('parent: imports=' + str(time.perf_counter() - _t))",
            "from pathlib import Path",
            "from helpers.data.cache import cached_dataset",
            "_t = time.perf_counter()",
            "cached_dataset(Path('data/sample').resolve(), 'SIM')",
            "print('parent: checks (cache warm)=' + str(time.perf_counter() - _t))",
            "from jupyter_core.utils import run_sync",
            "from helpers.run.render import LocalKernelManager, kernel_name",
            "_t = time.perf_counter()",
            "km = LocalKernelManager(kernel_name=kernel_name())",
            "run_sync(km.start_kernel)()",
            "kc = km.blocking_client(); kc.start_channels(); kc.wait_for_ready(60)",
            "print('parent: kernel start=' + str(time.perf_counter() - _t))",
            "kc.stop_channels(); run_sync(km.shutdown_kernel)(now=True)",
            "import nbformat, glob, os",
            "from helpers.run.render import to_html",
            "nb = nbformat.read(os.environ['EXECUTED'], as_version=4)",
            "_t = time.perf_counter()",
            "to_html(nb, 't', 'vi')",
            "print('parent: HTML export (font cached)=' + str(time.perf_counter() - _t))",
        ]
    )


def steps(script: str, env: dict | None = None) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, check=True, capture_output=True, text=True, env=env
    ).stdout
    return {k: float(v) for k, v in (line.rsplit("=", 1) for line in out.splitlines() if "=" in line)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-report-"))
    cell = nbformat.v4.new_code_cell("data_path: str = 'x'  # unused", metadata={"tags": ["parameters"]})
    nb = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_code_cell(IMPORTS)])
    nb.metadata["kernelspec"] = {"name": "helpers", "display_name": "Python (helpers)", "language": "python"}
    nbformat.write(nb, work / "imports-only.ipynb")
    report = [sys.executable, "-m", "helpers", "report", "--out", work / "committee.html"]
    warm_env = {**os.environ, "HELPERS_CACHE_DIR": str(work / "cache")}
    timed(report, warm_env)  # fills the cache (data and font) for the warm rows
    rows: dict[str, list[float]] = {"floor": [], "warm": [], "cold": []}
    parts: dict[str, list[float]] = {}
    executed = work / "committee-executed.ipynb"
    for n in range(args.repeat):
        rows["floor"].append(floor(work))
        rows["warm"].append(timed(report, warm_env))
        cold_env = {**os.environ, "HELPERS_CACHE_DIR": str(work / f"cold-{n}")}
        rows["cold"].append(timed(report, cold_env))
        if not executed.exists():
            timed(
                [
                    BIN / "papermill",
                    REPO_ROOT / "notebooks/05-committee.ipynb",
                    executed,
                    "-k",
                    "helpers",
                    "--cwd",
                    REPO_ROOT,
                ],
                warm_env,
            )
        for name, seconds in {
            **steps(parent_script(), {**warm_env, "EXECUTED": str(executed)}),
            **steps(breakdown_script(), warm_env),
        }.items():
            parts.setdefault(name, []).append(seconds)
    median = {k: statistics.median(v) for k, v in rows.items()}
    base = median["floor"]
    print(f"medians of {args.repeat} runs\n")
    print("| run | seconds | ratio to the floor |\n|---|---:|---:|")
    print(f"| floor: `papermill` + `jupyter nbconvert --no-input`, imports-only notebook | {base:.2f} | 1.00× |")
    print(f"| `python -m helpers report`, checked data cached | {median['warm']:.2f} | {median['warm'] / base:.2f}× |")
    print(f"| `python -m helpers report`, empty cache | {median['cold']:.2f} | {median['cold'] / base:.2f}× |")
    print("\n| step | seconds |\n|---|---:|")
    for name, values in parts.items():
        print(f"| {name} | {statistics.median(values):.2f} |")
    print(f"\nreport size: {(work / 'committee.html').stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
