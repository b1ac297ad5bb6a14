"""The annual run against a plain shell loop of ``papermill`` and ``jupyter nbconvert`` over the same reports, in the
same run, with one and with two workers; then the annual run again with nothing changed (every report skipped).

    .venv/bin/python benchmarks/bench_batch.py [--units SIMX D01 ...]

Each worker keeps one kernel warm (:mod:`helpers.run.warm`) and every report reads the checked data from the cache,
so imports, kernel start and the data checks are paid once per worker (or once per run), not once per report. The
cache folder is new and empty for each batch row, so the rows include checking the data once.

The loop is what an operator would write without the suite: one ``papermill`` then one ``jupyter nbconvert --to html
--no-input`` per unit, one after another. Both make the committee report of each unit from data/sample.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from helpers.paths import REPO_ROOT, notebooks_dir
from timing import plain_render

NOTEBOOK = notebooks_dir() / "05-committee.ipynb"
DEFAULT_UNITS = ["SIMX", "D01", "D02", "D03", "D04", "D05", "D06", "D07", "D08", "D09"]


def timed(command: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO_ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def plain_loop(units: list[str], work: Path) -> float:
    """Papermill then nbconvert for each unit, serially, as a shell loop would."""
    return sum(plain_render(NOTEBOOK, work / f"{unit}.ipynb", {"unit": unit, "year": 2025}) for unit in units)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", nargs="+", default=DEFAULT_UNITS)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))

    def batch(jobs: int) -> list:
        return [
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
            str(work / f"annual-{jobs}"),
            "--no-progress",
            "--jobs",
            str(jobs),
        ]

    loop = plain_loop(args.units, work)
    one = timed([*batch(1), "--force"], {**os.environ, "HELPERS_CACHE_DIR": str(work / "cache-1")})
    two = timed([*batch(2), "--force"], {**os.environ, "HELPERS_CACHE_DIR": str(work / "cache-2")})
    again = timed(batch(2), {**os.environ, "HELPERS_CACHE_DIR": str(work / "cache-2")})
    print(f"{len(args.units)} committee reports, data/sample\n")
    print("| run | seconds | ratio to the plain loop | speed-up over the loop |\n|---|---:|---:|---:|")
    print(f"| plain loop: papermill + jupyter nbconvert per unit (baseline) | {loop:.1f} | 1.00× | 1.0× |")
    for label, seconds in (("1 worker", one), ("2 workers", two)):
        print(
            f"| python -m helpers reports, {label} (all rendered) | {seconds:.1f} | {seconds / loop:.2f}× | "
            f"{loop / seconds:.1f}× |"
        )
    print(
        f"| again, 2 workers, nothing changed (all skipped) | {again:.1f} | {again / loop:.3f}× | {loop / again:.0f}× |"
    )
    print(f"\nfrom 1 to 2 workers: {one / two:.2f}× faster")


if __name__ == "__main__":
    main()
