"""What a report was made from: input file hashes, parameters, package and library versions."""

from __future__ import annotations

import subprocess
from importlib.metadata import version
from pathlib import Path

from helpers.digests import file_digest
from helpers.paths import REPO_ROOT

MAIN_LIBRARIES = (
    "pandas",
    "numpy",
    "pandera",
    "matplotlib",
    "seaborn",
    "statsmodels",
    "papermill",
    "nbconvert",
    "babel",
)


def input_hashes(paths: list[Path]) -> dict[str, str]:
    """SHA-256 of every input, keyed by the path relative to the repository where possible."""
    out = {}
    for path in sorted(paths):
        try:
            name = str(path.resolve().relative_to(REPO_ROOT))
        except ValueError:
            name = path.name
        out[name] = file_digest(path)
    return out


def git_commit() -> str:
    """The commit the package was run from, or 'unknown' outside a git checkout."""
    try:
        result = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
        return result.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def library_versions() -> dict[str, str]:
    return {name: version(name) for name in ("helpers", *MAIN_LIBRARIES)}
