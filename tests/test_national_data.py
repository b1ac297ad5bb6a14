"""Province and national data folders cut from the generated national registry: they load under the contracts, their
counts equal the columnar counts of the same units, and a failed write leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from helpers.data import national as cut
from helpers.data.columnar import load_annual_counts
from helpers.data.contracts import ContractError
from helpers.data.counts import COUNT_COLUMNS, counts_for_unit, province_counts
from helpers.data.datasets import dataset_info, load_dataset, load_table
from helpers.data.terms import load_terms
from helpers.data.units import series_units
from helpers.errors import UnknownUnit
from helpers.synth import national

SCALE = 0.01  # about 56,000 members, 1,600 a province: generated in well under a second


@pytest.fixture(scope="session")
def registry(tmp_path_factory) -> Path:
    return national.write_national(tmp_path_factory.mktemp("registry"), SCALE).folder


@pytest.fixture(scope="session")
def structure() -> national.Structure:
    return national.national_structure(SCALE)


@pytest.fixture(scope="session")
def units(registry) -> pd.DataFrame:
    return load_table(registry / "units.csv", "units")


@pytest.fixture(scope="session")
def commune_counts(registry, units) -> pd.DataFrame:
    """The registry's counts per commune and year, by the columnar path."""
    return load_annual_counts(registry / "members.parquet", units)


@pytest.fixture(scope="session")
def former_counts(registry, units) -> pd.DataFrame:
    """The registry's counts per former (or unchanged) province and year, by the columnar path."""
    return load_annual_counts(registry / "members.parquet", units, by="province")


def merged_and_unchanged(structure: national.Structure) -> tuple[str, str]:
    merged = next(p for p in structure.province_codes if len(structure.predecessors(p)) == 3)
    unchanged = next(p for p in structure.province_codes if structure.predecessors(p) == (p,))
    return merged, unchanged


def leftovers(parent: Path, name: str) -> list[str]:
    """Hidden temporary siblings a write of ``name`` may have left in ``parent``."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


# --- one province ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["merged", "unchanged"])
def test_a_province_folder_loads_and_its_counts_equal_the_columnar_counts(
    kind, registry, structure, units, commune_counts, former_counts, tmp_path: Path
) -> None:
    merged, unchanged = merged_and_unchanged(structure)
    code = merged if kind == "merged" else unchanged
    folder = cut.province_folder(registry, code, tmp_path / code)
    assert folder == (tmp_path / code).resolve()
    assert sorted(p.name for p in folder.iterdir()) == ["dataset.toml", "members.parquet", "terms.toml", "units.csv"]
    data = load_dataset(folder)  # every contract, and every member's unit in the folder's units
    series = series_units(units, code)
    assert set(data.units["unit_code"]) == set(series)
    before = structure.predecessors(code)
    assert set(data.units.loc[data.units["level"] == "province", "unit_code"]) == {code, *before}
    communes = [
        c for c, p in zip(structure.commune_codes, structure.commune_province) if structure.province_codes[p] == code
    ]
    assert set(data.units.loc[data.units["level"] == "commune", "unit_code"]) == set(communes)
    # Only this province's members, all of them: the registry's own rows of those communes.
    registry_units = pq.read_table(registry / "members.parquet", columns=["unit_code"]).column(0).to_pandas()
    assert len(data.members) == int(registry_units.astype(str).isin(communes).sum())
    assert set(data.members["unit_code"]) <= set(communes)
    # The counts the report derives from the folder's members (pandas) are the columnar counts of the same communes.
    expected = commune_counts[commune_counts["unit_code"].isin(communes)].reset_index(drop=True)
    assert data.counts_derived
    pd.testing.assert_frame_equal(data.annual_counts, expected)
    # Its series is the sum of its predecessors' (for an unchanged province: its own).
    summed = province_counts(former_counts[former_counts["unit_code"].isin(before)])
    pd.testing.assert_frame_equal(counts_for_unit(data.annual_counts, data.units, code), summed)
    info = dataset_info(folder)
    assert info["simulated"] is True and info["province_code"] == code and info["member_rows"] == len(data.members)
    assert info["name"] == f"Tỉnh mô phỏng số {code[1:]}"
    assert (info["source_scale"], info["source_seed"]) == (SCALE, national.SEED)
    assert list(load_terms(data=folder).for_province(code)["label"])[:3] == ["2010-2015", "2015-2020", "2020-2025"]


def test_a_province_folder_keeps_the_registry_types_with_compact_dictionaries(registry, structure, tmp_path) -> None:
    merged, _ = merged_and_unchanged(structure)
    folder = cut.province_folder(registry, merged, tmp_path / merged)
    source, cut_out = pq.ParquetFile(registry / "members.parquet"), pq.ParquetFile(folder / "members.parquet")
    assert cut_out.schema_arrow == source.schema_arrow
    units = cut_out.read(columns=["unit_code"]).column(0).combine_chunks()
    assert len(units.dictionary) == len(set(units.to_pylist()))  # only the communes it uses, not all 3,321


def test_the_same_registry_gives_the_same_bytes(registry, structure, tmp_path: Path) -> None:
    merged, _ = merged_and_unchanged(structure)
    one = cut.province_folder(registry, merged, tmp_path / "one")
    two = cut.province_folder(registry, merged, tmp_path / "two")
    for name in ("members.parquet", "units.csv", "terms.toml", "dataset.toml"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


def test_only_a_current_province_gets_a_folder(registry, tmp_path: Path) -> None:
    for code in ("T01", "P01X001", "ZZZ"):  # a former province, a commune, an unknown code
        with pytest.raises(UnknownUnit) as caught:
            cut.province_folder(registry, code, tmp_path / code)
        assert code in str(caught.value) and "P34" in str(caught.value)
        assert not (tmp_path / code).exists() and not leftovers(tmp_path, code)


def test_a_folder_without_a_registry_is_one_problem(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ContractError) as caught:
        cut.province_folder(tmp_path / "empty", "P01", tmp_path / "P01")
    assert [(p.rule, Path(p.file).name) for p in caught.value.problems] == [("unreadable", "units.csv")]
    assert not (tmp_path / "P01").exists()


# --- the national folder ---------------------------------------------------------------------------------------


def test_the_national_folder_loads_and_sums_to_the_registry(
    registry, structure, units, commune_counts, tmp_path: Path
) -> None:
    folder = cut.national_folder(registry, tmp_path / "national")
    data = load_dataset(folder)
    assert not data.counts_derived and data.members is None and data.simulated
    assert (data.units["level"] == "province").all()
    current = data.units[data.units["valid_to"].isna()]
    assert len(current) == 34 and len(data.units) == 34 + 52
    assert set(data.annual_counts["unit_code"]) == set(structure.former_codes)  # 63: as they stood before 2025
    assert len(data.annual_counts) == 63 * 15 and list(data.annual_counts.columns) == [
        "unit_code",
        "year",
        *COUNT_COLUMNS,
    ]
    # National totals per year are the registry's.
    pd.testing.assert_frame_equal(province_counts(data.annual_counts), province_counts(commune_counts))
    # A current province's series is the sum of its predecessors', and equals its communes' counts in the registry.
    for code in structure.province_codes:
        series = counts_for_unit(data.annual_counts, data.units, code)
        summed = province_counts(data.annual_counts[data.annual_counts["unit_code"].isin(structure.predecessors(code))])
        pd.testing.assert_frame_equal(series, summed)
        own = province_counts(commune_counts[commune_counts["unit_code"].str.startswith(code)])
        pd.testing.assert_frame_equal(series, own)
    info = dataset_info(folder)
    assert info["simulated"] is True and info["level"] == "national" and info["counted_units"] == 63


# --- atomic writes ---------------------------------------------------------------------------------------------


def test_a_failure_while_writing_members_leaves_no_folder(registry, structure, tmp_path: Path, monkeypatch) -> None:
    merged, _ = merged_and_unchanged(structure)

    def half_then_fail(source, codes, target):
        target.write_bytes(b"PAR1 half a file")
        raise RuntimeError("killed mid-write")

    monkeypatch.setattr(cut, "copy_members", half_then_fail)
    with pytest.raises(RuntimeError, match="killed mid-write"):
        cut.province_folder(registry, merged, tmp_path / merged)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_rewrite_keeps_the_folder_that_was_there(registry, structure, tmp_path: Path, monkeypatch) -> None:
    merged, _ = merged_and_unchanged(structure)
    folder = cut.province_folder(registry, merged, tmp_path / merged)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    monkeypatch.setattr(cut, "terms_toml", lambda province: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        cut.province_folder(registry, merged, folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert not leftovers(tmp_path, merged)
    monkeypatch.undo()
    (folder / "stale.txt").write_text("from an earlier run", encoding="utf-8")
    cut.province_folder(registry, merged, folder)  # a successful rewrite replaces the whole folder
    assert sorted(p.name for p in folder.iterdir()) == sorted(before) and not leftovers(tmp_path, merged)


def test_a_national_folder_that_fails_its_check_is_not_written(registry, tmp_path: Path, monkeypatch) -> None:
    def refuse(folder):
        raise ContractError([])

    monkeypatch.setattr(cut, "load_dataset", refuse)
    with pytest.raises(ContractError):
        cut.national_folder(registry, tmp_path / "national")
    assert list(tmp_path.iterdir()) == []
