"""The checked-data cache: the same frames as loading and checking, a new entry whenever an input changes, nothing
stored for bad input, and reports byte-identical with and without it."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.data import cache
from helpers.data.contracts import ContractError
from helpers.data.datasets import load_dataset
from helpers.paths import sample_dir


def assert_same_dataset(a, b) -> None:
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y, check_exact=True)
        else:
            assert x == y, field.name


@pytest.mark.parametrize("scope", ["SIM", "D03", None])
def test_a_cached_dataset_is_the_loaded_one_cell_by_cell(scope, tmp_path: Path) -> None:
    loaded = load_dataset(sample_dir(), scope=scope)
    stored = cache.cached_dataset(sample_dir(), scope, root=tmp_path)  # checked, then stored
    read = cache.cached_dataset(sample_dir(), scope, root=tmp_path)  # read back from Parquet
    assert len(list((tmp_path / "datasets").iterdir())) == 1
    assert_same_dataset(loaded, stored)
    assert_same_dataset(loaded, read)


def test_a_changed_file_is_a_new_entry_and_its_new_rows_are_read(sample_copy: Path, tmp_path: Path) -> None:
    before = cache.cached_dataset(sample_copy, "D03", root=tmp_path)
    path = sample_copy / "targets.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",50.0,", ",40.0,"), encoding="utf-8")
    after = cache.cached_dataset(sample_copy, "D03", root=tmp_path)
    assert len(list((tmp_path / "datasets").iterdir())) == 2
    assert before.targets["change_pct"].tolist() != after.targets["change_pct"].tolist()
    assert_same_dataset(after, load_dataset(sample_copy, scope="D03"))


def test_an_entry_that_cannot_be_read_is_made_again(sample_copy: Path, tmp_path: Path) -> None:
    cache.cached_dataset(sample_copy, "D03", root=tmp_path)
    (entry,) = (tmp_path / "datasets").iterdir()
    (entry / "members.parquet").write_bytes(b"not parquet")
    assert_same_dataset(cache.cached_dataset(sample_copy, "D03", root=tmp_path), load_dataset(sample_copy, "D03"))


def test_a_folder_is_checked_once_for_every_unit_and_a_broken_unit_stops_only_its_own(
    sample_copy: Path, tmp_path: Path, monkeypatch
) -> None:
    calls = []
    real = cache.load_dataset
    monkeypatch.setattr(cache, "load_dataset", lambda folder, scope=None: calls.append(scope) or real(folder, scope))
    for unit in ("SIM", "D01", "D03", "SIMX"):
        assert_same_dataset(cache.cached_dataset(sample_copy, unit, root=tmp_path), real(sample_copy, unit))
    assert calls == [None]  # the whole folder, once; each unit's rows cut from it

    broken = tmp_path / "broken"
    shutil.copytree(sample_copy, broken)
    path = broken / "members.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    row = next(n for n, line in enumerate(lines) if ",D05," in line)
    lines[row] = lines[row].replace(",male,", ",unknown,").replace(",female,", ",unknown,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    calls.clear()
    assert_same_dataset(cache.cached_dataset(broken, "D03", root=tmp_path), real(broken, "D03"))
    with pytest.raises(ContractError):
        cache.cached_dataset(broken, "D05", root=tmp_path)
    assert calls == [None, "D03", None, "D05"]  # the whole fails, so each unit is checked on its own


def test_bad_input_is_refused_as_without_the_cache_and_nothing_is_stored(sample_copy: Path, tmp_path: Path) -> None:
    path = sample_copy / "members.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace(",male,", ",unknown,").replace(",female,", ",unknown,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ContractError) as direct:
        load_dataset(sample_copy)
    with pytest.raises(ContractError) as cached:
        cache.cached_dataset(sample_copy, root=tmp_path)
    assert [str(p) for p in cached.value.problems] == [str(p) for p in direct.value.problems]
    assert not (tmp_path / "datasets").exists() or not list((tmp_path / "datasets").iterdir())


def test_the_cache_can_be_turned_off_and_is_pruned(sample_copy: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HELPERS_CACHE_DIR", "off")
    assert cache.cached_dataset(sample_copy, "D03") is not None
    monkeypatch.setenv("HELPERS_CACHE_DIR", str(tmp_path))
    for n in range(3):
        (tmp_path / "datasets" / f"old{n}").mkdir(parents=True)
    monkeypatch.setattr(cache, "KEEP_ENTRIES", 2)
    cache._prune(tmp_path / "datasets", keep=2)
    assert len(list((tmp_path / "datasets").iterdir())) == 2


@pytest.mark.slow
def test_a_report_is_byte_identical_with_and_without_the_cache(
    tmp_path: Path, rendered_report, run_cli, monkeypatch
) -> None:
    with_cache = rendered_report("committee", "D03", "vi")  # the session's renders go through the cache
    out = tmp_path / "off.html"
    monkeypatch.setenv("HELPERS_CACHE_DIR", "off")  # the report's kernel inherits it
    code, _, err = run_cli("report", "--notebook", "committee", "--unit", "D03", "--language", "vi", "--out", out)
    assert code == 0, err
    assert out.read_bytes() == Path(with_cache).read_bytes()
