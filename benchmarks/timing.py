"""Timing shared by the benchmark scripts: the best of several runs in this process."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from helpers.paths import REPO_ROOT

BIN = Path(sys.executable).parent


def best_of(repeat: int, func: Callable[[], object]) -> float:
    """Shortest wall time of ``repeat`` calls: the least disturbed by the rest of the machine."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def plain_render(notebook: Path, executed: Path, parameters: dict, env: dict | None = None) -> float:
    """What an operator runs without the suite: ``papermill`` then ``jupyter nbconvert --to html --no-input``, as two
    commands; returns the seconds both took."""
    quiet = {"cwd": REPO_ROOT, "check": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    given = [arg for name, value in parameters.items() for arg in ("-p", name, str(value))]
    start = time.perf_counter()
    subprocess.run(
        [BIN / "papermill", notebook, executed, *given, "-k", "helpers", "--cwd", REPO_ROOT, "--no-progress-bar"],
        env=env,
        **quiet,
    )
    subprocess.run([BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", executed], **quiet)
    return time.perf_counter() - start
