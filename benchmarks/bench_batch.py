"""The annual run against a plain shell loop of ``papermill`` and ``jupyter nbconvert`` over the same reports, in the
same run; then the annual run again with nothing changed (every report skipped).

    .venv/bin/python benchmarks/bench_batch.py [--units SIMX D01 ...] [--jobs 2]

The loop is what an operator would write without the suite: one ``papermill`` then one ``jupyter nbconvert --to html
--no-input`` per unit, one after another. Both make the committee report of each unit from data/sample.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from helpers.paths import REPO_ROOT, notebooks_dir

BIN = Path(sys.executable).parent
NOTEBOOK = notebooks_dir() / "05-committee.ipynb"
DEFAULT_UNITS = ["SIMX", "D01", "D02", "D03", "D04", "D05", "D06", "D07", "D08", "D09"]


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO_ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def plain_loop(units: list[str], work: Path) -> float:
    """Papermill then nbconvert for each unit, serially, as a shell loop would."""
    start = time.perf_counter()
    for unit in units:
        executed = work / f"{unit}.ipynb"
        subprocess.run(
            [
                BIN / "papermill",
                NOTEBOOK,
                executed,
                "-p",
                "unit",
                unit,
                "-p",
                "year",
                "2025",
                "-k",
                "helpers",
                "--cwd",
                REPO_ROOT,
                "--no-progress-bar",
            ],
            cwd=REPO_ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        subprocess.run(
            [BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", executed],
            cwd=REPO_ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", nargs="+", default=DEFAULT_UNITS)
    parser.add_argument("--jobs", type=int, default=0, help="annual-run workers (default: cores)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    batch = [
        sys.executable,
        "-m",
        "helpers",
        "reports",
        "--units",
        *args.units,
        "--year",
        "2025",
        "--notebooks",
        "committee",
        "--out",
        str(work / "annual"),
        "--no-progress",
        "--jobs",
        str(args.jobs),
    ]
    loop = plain_loop(args.units, work)
    first = timed([*batch, "--force"])
    again = timed(batch)
    print(f"{len(args.units)} committee reports, data/sample\n")
    print("| run | seconds | ratio to the plain loop |\n|---|---:|---:|")
    print(f"| plain loop: papermill + jupyter nbconvert per unit (baseline) | {loop:.1f} | 1.00× |")
    print(f"| python -m helpers reports (all rendered) | {first:.1f} | {first / loop:.2f}× |")
    print(f"| python -m helpers reports again, nothing changed (all skipped) | {again:.1f} | {again / loop:.3f}× |")


if __name__ == "__main__":
    main()
