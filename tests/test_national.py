"""The national generator plants what it says (sizes, flows, map), passes the members contract, and repeats itself;
the columnar counts of its output equal the reference counts; the two commands work end to end."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from helpers.cli.national import EXIT_BAD_INPUT, EXIT_OK, add_commands
from helpers.data.columnar import load_annual_counts
from helpers.data.contracts import ContractError
from helpers.data.counts import COUNT_COLUMNS, annual_counts_from_members, province_counts
from helpers.data.datasets import dataset_info, load_table
from helpers.synth import national

SMALL = 0.002  # about 11,200 members: contract and reference checks
MEDIUM = 0.01  # about 56,000 members: enough events to recover the planted rates
ROW_TOLERANCE = 0.01  # realised rows within 1% of 5.6 million × scale (Poisson noise is about 0.3% at MEDIUM)


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> national.NationalFiles:
    return national.write_national(tmp_path_factory.mktemp("national-small"), SMALL)


@pytest.fixture(scope="module")
def medium(tmp_path_factory) -> national.NationalFiles:
    return national.write_national(tmp_path_factory.mktemp("national-medium"), MEDIUM)


@pytest.fixture(scope="module")
def medium_counts(medium) -> pd.DataFrame:
    return load_annual_counts(medium.members, load_table(medium.units, "units"))


@pytest.fixture(scope="module")
def small_members(small) -> pd.DataFrame:
    """The small registry loaded through the real members contract (raises if any rule is broken)."""
    return load_table(small.members, "members")


def test_units_are_34_provinces_and_3321_communes_under_them(medium) -> None:
    units = load_table(medium.units, "units")
    assert len(units) == 34 + 3_321
    provinces = units[units["level"] == "province"]
    communes = units[units["level"] == "commune"]
    assert len(provinces) == 34 and len(communes) == 3_321
    assert provinces["parent_code"].isna().all()
    assert set(communes["parent_code"]) == set(provinces["unit_code"])
    assert communes.groupby("parent_code").size().min() >= national.MIN_COMMUNES_PER_PROVINCE
    assert units["valid_to"].isna().all() and (units["valid_from"] <= pd.Timestamp("2011-01-01")).all()


def test_members_pass_the_members_contract(small, small_members) -> None:
    assert len(small_members) == small.rows
    assert small_members["member_id"].is_unique
    assert small_members["unit_code"].str.fullmatch(r"P\d\dX\d{3}").all()


def test_row_count_is_the_national_size_times_the_scale(medium) -> None:
    assert abs(medium.rows / national.expected_rows(MEDIUM) - 1) < ROW_TOLERANCE
    assert pq.ParquetFile(medium.members).metadata.num_rows == medium.rows


def test_one_row_group_per_province_holding_only_its_communes(medium) -> None:
    parquet = pq.ParquetFile(medium.members)
    assert parquet.metadata.num_row_groups == 34
    for i in range(34):
        codes = parquet.read_row_group(i, columns=["unit_code"]).column(0).to_pandas().astype(str)
        assert set(codes.str[:3]) == {f"P{i + 1:02d}"}
    assert parquet.schema_arrow.field("unit_code").type.value_type == "string"  # dictionary-encoded text
    assert str(parquet.schema_arrow.field("exit_date").type) == "date32[day]"


def test_planted_admission_and_transfer_rates_are_recovered(medium_counts) -> None:
    totals = province_counts(medium_counts)
    start = float(totals["members_start"].sum())
    for column, rate in (("admitted", national.ADMISSION_RATE), ("transferred_in", national.TRANSFER_IN_RATE)):
        expected = rate * start
        assert abs(totals[column].sum() - expected) < 4 * np.sqrt(expected), column


def test_planted_exit_rates_are_recovered_per_kind(medium_counts) -> None:
    totals = province_counts(medium_counts)
    exposure = float(((totals["members_start"] + totals["members_end"]) / 2).sum())  # member-years
    for kind, rate in national.EXIT_RATES.items():
        expected = rate * exposure
        assert abs(totals[kind].sum() - expected) < 4 * np.sqrt(expected), kind
    removed = totals["removed"].sum() / totals["members_start"].sum()
    assert 0.0015 < removed < 0.0025  # of the order of the default province (about 2 per 1,000 a year)


def test_commune_sizes_are_skewed_as_planted(medium_counts) -> None:
    first = medium_counts[medium_counts["year"] == 2011].set_index("unit_code")["members_start"].astype(int)
    structure = national.national_structure(MEDIUM)
    planted = pd.Series(structure.initial_stock, index=structure.commune_codes)
    # The stock on 1 January 2011 of every commune is exactly the planted one.
    pd.testing.assert_series_equal(first, planted[planted > 0], check_names=False, check_index_type=False)
    assert first.index.str[:3].nunique() == 34
    assert first.max() > 5 * first.median()
    # At full scale the sizes are the planted lognormal: sd of log size 0.8 (3,321 draws: standard error 0.01).
    full = np.log(national.national_structure(1.0).initial_stock)
    assert abs(full.std() - national.COMMUNE_SIZE_SIGMA) < 0.04


def test_columnar_counts_equal_the_reference_on_the_national_sample(small, small_members) -> None:
    units = load_table(small.units, "units")
    by_province = load_annual_counts(small.members, units, by="province")
    reference = annual_counts_from_members(small_members.assign(unit_code=small_members["unit_code"].str[:3]))
    pd.testing.assert_frame_equal(by_province, reference)
    by_commune = load_annual_counts(small.members, units)
    one = small_members[small_members["unit_code"].str.startswith("P02")]
    expected = annual_counts_from_members(one, range(2011, 2026))
    got = by_commune[by_commune["unit_code"].str.startswith("P02")].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected)


def test_same_seed_and_scale_give_the_same_bytes(small, tmp_path: Path) -> None:
    again = national.write_national(tmp_path / "again", SMALL)
    for name in ("members.parquet", "units.csv", "dataset.toml"):
        assert (again.folder / name).read_bytes() == (small.folder / name).read_bytes(), name
    other = national.write_national(tmp_path / "other", SMALL, seed=national.SEED + 1)
    assert other.members.read_bytes() != small.members.read_bytes()


def test_dataset_toml_says_simulated(small) -> None:
    info = dataset_info(small.folder)
    assert info["simulated"] is True
    assert info["scale"] == SMALL and info["seed"] == national.SEED and info["member_rows"] == small.rows


def test_a_bad_scale_is_refused() -> None:
    with pytest.raises(ValueError):
        national.national_structure(0.0)


# --- the commands ----------------------------------------------------------------------------------------------


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args([str(a) for a in argv])
    code = args.func(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_national_then_counts_by_province_as_csv(tmp_path: Path, capsys, small_members) -> None:
    code, out, _ = _run(capsys, "national", "--out", tmp_path / "nat", "--scale", SMALL)
    assert code == EXIT_OK and "34" in out and "3.321" in out and "3,321" in out
    code, out, _ = _run(capsys, "counts", tmp_path / "nat", "--by", "province", "--out", tmp_path / "p.csv")
    assert code == EXIT_OK
    written = pd.read_csv(tmp_path / "p.csv", dtype={"unit_code": "string"})
    reference = annual_counts_from_members(small_members.assign(unit_code=small_members["unit_code"].str[:3]))
    pd.testing.assert_frame_equal(written, reference, check_dtype=False)


def test_counts_prints_a_summary_with_yearly_totals(small, capsys) -> None:
    code, out, _ = _run(capsys, "counts", small.members)
    assert code == EXIT_OK
    assert f"{small.rows:,}" in out and "2011–2025" in out
    assert all(c in out for c in COUNT_COLUMNS)


def test_counts_writes_parquet(small, tmp_path: Path, capsys) -> None:
    code, _, _ = _run(capsys, "counts", small.members, "--out", tmp_path / "c.parquet")
    assert code == EXIT_OK
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "c.parquet"), load_annual_counts(small.members), check_dtype=False
    )


def test_counts_refuses_bad_input_with_exit_2(small, tmp_path: Path, capsys) -> None:
    assert _run(capsys, "counts", tmp_path / "none.parquet")[0] == EXIT_BAD_INPUT
    assert _run(capsys, "counts", small.members, "--out", tmp_path / "c.xlsx")[0] == EXIT_BAD_INPUT
    alone = tmp_path / "alone.parquet"
    alone.write_bytes(small.members.read_bytes())  # no units.csv beside it
    code, _, err = _run(capsys, "counts", alone, "--by", "province")
    assert code == EXIT_BAD_INPUT and "--units" in err
    assert _run(capsys, "national", "--out", tmp_path / "x", "--scale", "-1")[0] == EXIT_BAD_INPUT


def test_counts_raises_the_contract_error_for_unknown_units(small, tmp_path: Path, capsys) -> None:
    units = pd.read_csv(small.units, dtype=str, keep_default_na=False)
    units = units[units["unit_code"] != "P01X001"]  # members of P01X001 now point at an unknown unit
    units.to_csv(tmp_path / "units.csv", index=False)
    with pytest.raises(ContractError) as caught:
        _run(capsys, "counts", small.members, "--units", tmp_path / "units.csv")
    assert {(p.rule, p.value) for p in caught.value.problems} == {("unknown_unit", "P01X001")}
    assert caught.value.problems[0].row == 1  # the registry starts with commune P01X001
