"""Shared fixtures: the default data, copies of it to break, and the command line run in-process."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.cli.main import main
from helpers.data.datasets import load_dataset
from helpers.paths import sample_dir


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
