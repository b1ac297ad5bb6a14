"""Shared fixtures: the default data, copies of it to break, and the command line run in-process."""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from helpers.cli.main import main
from helpers.data.datasets import load_dataset
from helpers.paths import REPO_ROOT, sample_dir


@pytest.fixture(scope="session")
def sample():
    """The default data set, loaded once under its contracts."""
    return load_dataset(sample_dir())


@pytest.fixture()
def sample_copy(tmp_path: Path) -> Path:
    """A private copy of data/sample that a test may break."""
    target = tmp_path / "sample"
    shutil.copytree(sample_dir(), target)
    return target


# tests/test_conventions.py puts a stray module into src/helpers/analyses/ for a moment (to see the README-map test
# catch it), while other tests of that file and of tests/test_text.py list and read the package's files. Under
# `pytest -n` (or two pytest runs in one checkout) they would see it, or lose it between listing and reading: the
# tests of those two files take one lock per checkout and run one at a time.
TREE_TESTS = {"test_conventions.py", "test_text.py"}
CHECKOUT = hashlib.sha256(str(REPO_ROOT).encode()).hexdigest()[:12]
TREE_LOCK = Path(tempfile.gettempdir()) / f"helpers-tests-{CHECKOUT}.lock"


@pytest.fixture(autouse=True)
def one_at_a_time_over_the_package_tree(request):
    if request.node.path.name not in TREE_TESTS:
        yield
        return
    with open(TREE_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture()
def run_cli(capsys):
    """Run ``python -m helpers`` in-process; returns (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def read_text_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)
