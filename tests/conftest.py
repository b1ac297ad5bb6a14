"""Shared fixtures: the default data, copies of it to break, and the command line run in-process."""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.cli.main import main
from helpers.data.datasets import load_dataset
from helpers.paths import sample_dir


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """The checked-data cache of this test run, apart from the checkout's own (kernels inherit the setting)."""
    if "HELPERS_CACHE_DIR" in os.environ:  # a caller's choice (for example `off`) stands
        yield
        return
    os.environ["HELPERS_CACHE_DIR"] = str(tmp_path_factory.getbasetemp() / "cache")
    yield
    os.environ.pop("HELPERS_CACHE_DIR", None)


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


# A test of tests/test_conventions.py puts a stray module into src/helpers/analyses/ for a moment (to see the
# README-map test catch it). Other tests list and read the package's files: the convention and locale-key scans, and
# every annual run through its package digest (a digest that changes re-renders reports meant to be skipped). On
# `pytest -n` workers they would see the stray file or lose it between listing and reading, so there the writers
# hold a lock of the run alone and every other test shares it. (Two separate pytest runs in one checkout can still
# meet it: they share no lock, so that one run never waits on another's tests.)
TREE_WRITERS = {"test_the_map_test_names_a_module_the_readme_misses"}


@pytest.fixture(autouse=True)
def package_tree_lock(request, tmp_path_factory):
    if "PYTEST_XDIST_WORKER" not in os.environ:  # one process: no test runs beside another
        yield
        return
    writes = request.node.originalname in TREE_WRITERS
    with open(tmp_path_factory.getbasetemp().parent / "package-tree.lock", "a") as lock:  # the workers' shared folder
        fcntl.flock(lock, fcntl.LOCK_EX if writes else fcntl.LOCK_SH)
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


@pytest.fixture(scope="session")
def rendered_report(tmp_path_factory):
    """Render a report once per test session with the command line's own function: ``rendered_report(notebook,
    unit, language)`` gives the HTML path (the browser tests and the text checks read the same renders).

    Reports are rendered one after the other: two renders at once share the kernels' IPC socket names in the
    repository root and fail with "Invalid Signature"."""
    import contextlib
    import io

    root = tmp_path_factory.mktemp("rendered")
    done: dict[tuple[str, str, str], Path] = {}

    def render(notebook: str, unit: str = "SIM", language: str = "vi") -> Path:
        key = (notebook, unit, language)
        if key not in done:
            out = root / f"{notebook}-{unit}-{language}.html"
            argv = ["report", "--notebook", notebook, "--unit", unit, "--language", language, "--out", str(out)]
            stdout, stderr = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                code = main(argv)
            if code != 0 or not out.is_file():
                pytest.fail(
                    f"`python -m helpers {' '.join(argv)}` exited {code}:\n{stdout.getvalue()}\n{stderr.getvalue()}",
                    pytrace=False,
                )
            done[key] = out
        return done[key]

    return render
