"""The national annual run at full size: 34 province committee reports and the national report from the national
Parquet registry, its peak memory, a second run that renders nothing, and the cost per report against a plain
``papermill`` + ``jupyter nbconvert`` loop over two of the same province reports, in the same run.

    .venv/bin/python benchmarks/bench_national_run.py [--scale 1.0] [--workdir /tmp/helpers-national-run]

The registry is generated under ``--workdir`` when it is not there yet (not timed). Peak memory is the largest
resident set of any process of the run (``ru_maxrss`` of the waited-for descendants: the command, its workers and
their kernels). Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from helpers.paths import REPO_ROOT, notebooks_dir
from timing import plain_render

MIB = 1024


def run(command: list, env: dict | None = None) -> tuple[float, float]:
    """Wall seconds of ``command`` and the peak RSS (MiB) of any process it started, measured in a fresh child
    so that earlier measurements cannot raise it."""
    probe = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        "subprocess.run(json.loads(sys.argv[1]), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, json.dumps([str(c) for c in command])],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout.split()
    return float(out[0]), int(out[1]) / MIB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/helpers-national-run"))
    args = parser.parse_args()
    registry, out = args.workdir / "registry", args.workdir / "reports"
    if not (registry / "members.parquet").exists():
        subprocess.run(
            [sys.executable, "-m", "helpers", "national", "--out", registry, "--scale", str(args.scale)],
            cwd=REPO_ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    shutil.rmtree(registry / "derived", ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "HELPERS_CACHE_DIR": str(args.workdir / "cache")}
    shutil.rmtree(args.workdir / "cache", ignore_errors=True)
    command = [
        sys.executable,
        "-m",
        "helpers",
        "national-reports",
        "--registry",
        registry,
        "--out",
        out,
        "--no-progress",
        "--jobs",
        "2",
    ]
    first, first_peak = run(command, env)
    again, again_peak = run(command, env)
    statuses = [json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*/*/*.status.json")]
    rendered = [s for s in statuses if s["status"] == "rendered"]
    province = [s["seconds"] for s in rendered if s["notebook"] == "committee"]
    national = [s["seconds"] for s in rendered if s["notebook"] == "national"]

    # The plain loop over two province reports: what each report costs without the suite's run.
    loop_work = args.workdir / "loop"
    shutil.rmtree(loop_work, ignore_errors=True)
    loop_work.mkdir(parents=True)
    loop_seconds = []
    for code in ("P01", "P02"):
        parameters = {"unit": code, "data_path": registry / "derived" / code}
        off = {**env, "HELPERS_CACHE_DIR": "off"}
        loop_seconds.append(
            plain_render(notebooks_dir() / "05-committee.ipynb", loop_work / f"{code}.ipynb", parameters, off)
        )
    per_loop = statistics.mean(loop_seconds)
    per_run = first / len(rendered)
    print(f"scale {args.scale:g}: {len(province)} province reports and {len(national)} national report, 2 workers\n")
    print("| run | seconds | peak MiB (any process) |\n|---|---:|---:|")
    print(f"| first run: cut the registry, render every report | {first:.1f} | {first_peak:,.0f} |")
    print(f"| second run, nothing changed (all skipped) | {again:.1f} | {again_peak:,.0f} |")
    print("\n| cost per report | seconds | ratio to the plain loop |\n|---|---:|---:|")
    print(f"| plain loop: papermill + nbconvert, one province report (P01, P02; baseline) | {per_loop:.1f} | 1.00× |")
    print(f"| national run: wall time / reports (2 workers) | {per_run:.1f} | {per_run / per_loop:.2f}× |")
    print(
        f"| one province report in the run (worker time, median) | {statistics.median(province):.1f} | "
        f"{statistics.median(province) / per_loop:.2f}× |"
    )
    print(f"| the national report (worker time) | {national[0]:.1f} | — |")


if __name__ == "__main__":
    main()
