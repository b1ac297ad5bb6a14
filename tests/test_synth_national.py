"""The national generator plants what it says (sizes, flows, the 2025 merger, province differences and the trend),
passes the members contract, and repeats itself; the columnar counts of its output equal the reference counts; the
two commands work end to end."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from helpers.cli.national import EXIT_BAD_INPUT, EXIT_OK, add_commands
from helpers.data.columnar import load_annual_counts, top_units
from helpers.data.contracts import ContractError
from helpers.data.counts import COUNT_COLUMNS, annual_counts_from_members, counts_for_unit, province_counts
from helpers.data.datasets import dataset_info, load_table
from helpers.data.units import predecessors
from helpers.synth import national

SMALL = 0.002  # about 11,200 members: contract and reference checks
MEDIUM = 0.01  # about 56,000 members: enough events to recover the planted rates
LARGE = 0.05  # about 280,000 members (under a second to generate): enough to see an outlier and the trend
ROW_TOLERANCE = 0.01  # realised rows within 1% of 5.6 million × scale (Poisson noise is about 0.3% at MEDIUM)
Z = 4  # a Poisson count within 4 sd of its planted expectation (a false alarm about once in 16,000 checks)


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
def large_by_province(tmp_path_factory) -> pd.DataFrame:
    """Counts per former (or unchanged) province and year of the LARGE registry, by the columnar path."""
    written = national.write_national(tmp_path_factory.mktemp("national-large"), LARGE)
    return load_annual_counts(written.members, load_table(written.units, "units"), by="province")


@pytest.fixture(scope="module")
def small_members(small) -> pd.DataFrame:
    """The small registry loaded through the real members contract (raises if any rule is broken)."""
    return load_table(small.members, "members")


def former_of_commune(scale: float) -> dict[str, str]:
    """The planted parent (former or unchanged province) of every commune."""
    structure = national.national_structure(scale)
    return dict(zip(structure.commune_codes, np.array(structure.former_codes)[structure.commune_former]))


def expected_exits(by_province: pd.DataFrame, scale: float) -> pd.DataFrame:
    """Planted exit rate times exposure (mean of the stocks at the start and end of the year, in member-years),
    per former province and year, beside the observed counts: columns unit_code, year, exposure, and per exit kind
    the observed count and ``<kind>_expected``."""
    rates = national.planted_rates(national.national_structure(scale))
    frame = by_province.merge(rates, on=["unit_code", "year"], suffixes=("", "_rate"), validate="one_to_one")
    assert len(frame) == len(by_province) == national.FORMER_PROVINCES * 15
    frame["exposure"] = (frame["members_start"] + frame["members_end"]).astype(float) / 2
    for kind in national.EXIT_RATES:
        frame[f"{kind}_expected"] = frame["exposure"] * frame[f"{kind}_rate"]
    return frame


def within_poisson(observed: float, expected: float) -> bool:
    return abs(observed - expected) < Z * np.sqrt(expected)


# --- the map -------------------------------------------------------------------------------------------------


def test_units_are_63_provinces_merged_into_34_and_3321_communes(medium) -> None:
    units = load_table(medium.units, "units")  # the units contract: parents and successors exist, dates in order
    provinces = units[units["level"] == "province"]
    communes = units[units["level"] == "commune"]
    assert len(units) == 34 + 52 + 3_321 and len(communes) == 3_321
    assert provinces["parent_code"].isna().all()
    current = provinces[provinces["valid_to"].isna()]
    former = provinces[provinces["valid_to"].notna()]
    assert len(current) == 34 and list(current["unit_code"]) == [f"P{p:02d}" for p in range(1, 35)]
    assert list(former["unit_code"]) == [f"T{n:02d}" for n in range(1, 53)]
    assert former["name"].str.fullmatch(r"Tỉnh mô phỏng cũ số \d\d").all()
    assert (former["valid_from"] == pd.Timestamp("2011-01-01")).all()
    assert (former["valid_to"] == pd.Timestamp("2025-06-30")).all()
    assert current["successor_code"].isna().all() and former["successor_code"].isin(current["unit_code"]).all()
    merged_from = former.groupby("successor_code").size()
    assert merged_from.value_counts().to_dict() == {2: 17, 3: 6}  # 23 new provinces from 52 former ones
    merged = current[current["unit_code"].isin(merged_from.index)]
    unchanged = current[~current["unit_code"].isin(merged_from.index)]
    assert len(merged) == 23 and len(unchanged) == 11
    assert (merged["valid_from"] == pd.Timestamp("2025-07-01")).all()
    assert (unchanged["valid_from"] == pd.Timestamp("2011-01-01")).all()
    # Before the merger there were 63 provinces: the unchanged ones and the former ones; communes hang under them.
    before = set(unchanged["unit_code"]) | set(former["unit_code"])
    assert len(before) == 63 and set(communes["parent_code"]) == before
    assert communes.groupby("parent_code").size().min() >= national.MIN_COMMUNES_PER_FORMER
    assert communes["valid_to"].isna().all() and (communes["valid_from"] == pd.Timestamp("2011-01-01")).all()


def test_every_commune_has_its_planted_top_unit_and_belongs_to_the_province_its_code_names(medium) -> None:
    units = load_table(medium.units, "units")
    top = top_units(units)
    planted = former_of_commune(MEDIUM)
    assert {c: top[c] for c in planted} == planted
    # The commune's code names its province from 2025: its top unit's successor, or the top unit when unchanged.
    successor = units.set_index("unit_code")["successor_code"]
    for commune, former in planted.items():
        after = successor[former] if pd.notna(successor[former]) else former
        assert commune[:3] == after, commune
        assert commune[:3] == former or former in predecessors(units, commune[:3])


def test_the_merger_is_drawn_from_the_seed() -> None:
    one, again = national.national_structure(SMALL), national.national_structure(SMALL)
    other = national.national_structure(SMALL, seed=national.SEED + 1)
    assert one.former_codes == again.former_codes and (one.commune_former == again.commune_former).all()
    assert one.former_codes != other.former_codes or (one.commune_former != other.commune_former).any()
    assert len(one.former_codes) == national.FORMER_PROVINCES
    merged = [p for p in one.province_codes if len(one.predecessors(p)) > 1]
    assert len(merged) == national.MERGED_PROVINCES
    assert sum(len(one.predecessors(p)) for p in merged) == national.MERGED_FORMER


def test_planted_rate_factors_are_lognormal_with_the_named_outliers() -> None:
    structure = national.national_structure(1.0)
    factors = structure.rate_factors.copy()
    for (code, kind), factor in national.RATE_OUTLIERS.items():
        j = national.PROVINCE_RATE_KINDS.index(kind)
        assert factors[structure.former_codes.index(code), j] == factor
        factors[structure.former_codes.index(code), j] = np.nan
    logs = np.log(factors[~np.isnan(factors)])  # 123 draws: sd of the sd about 0.01, of the mean about 0.014
    assert abs(logs.std() - national.PROVINCE_RATE_SIGMA) < 0.04
    assert abs(logs.mean() + national.PROVINCE_RATE_SIGMA**2 / 2) < 0.05
    rates = national.planted_rates(structure)
    t05 = rates[(rates["unit_code"] == "T05")].set_index("year")["removed"]
    assert t05[2015] == pytest.approx(0.0020 * 1.8) and t05[2025] == pytest.approx(0.0020 * 1.8 * 0.96**5)
    assert (rates["died"] == national.EXIT_RATES["died"]).all()


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


def test_planted_exit_rates_are_recovered_per_kind(medium, medium_counts) -> None:
    by_province = load_annual_counts(medium.members, load_table(medium.units, "units"), by="province")
    frame = expected_exits(by_province, MEDIUM)
    for kind in national.EXIT_RATES:
        assert within_poisson(frame[kind].sum(), frame[f"{kind}_expected"].sum()), kind
    totals = province_counts(medium_counts)
    removed = totals["removed"].sum() / totals["members_start"].sum()
    assert 0.0015 < removed < 0.0025  # of the order of the default province (about 2 per 1,000 a year)


def test_the_planted_outliers_stand_out_in_the_columnar_counts(large_by_province) -> None:
    frame = expected_exits(large_by_province, LARGE)
    for (code, kind), factor in national.RATE_OUTLIERS.items():
        one = frame[frame["unit_code"] == code]
        observed, planted = one[kind].sum(), one[f"{kind}_expected"].sum()
        assert within_poisson(observed, planted), (code, kind, observed, planted)
        # Against the same province at the base rate (same trend): the outlier is well outside its Poisson range.
        base = float((one["exposure"] * national.EXIT_RATES[kind] * national.trend_factor(one["year"])).sum())
        assert abs(observed - base) > Z * np.sqrt(base), (code, kind, observed, base)
        assert (observed > base) == (factor > 1)


def test_the_planted_trend_is_in_the_national_counts(large_by_province) -> None:
    frame = expected_exits(large_by_province, LARGE)
    kinds = list(national.PROVINCE_RATE_KINDS)  # both carry the trend: about 3,300 exits in 2021-2025 at LARGE
    for period in (frame["year"] < national.TREND_FROM, frame["year"] >= national.TREND_FROM):
        part = frame[period]
        for kind in kinds:
            assert within_poisson(part[kind].sum(), part[f"{kind}_expected"].sum()), kind
    late = frame[frame["year"] >= national.TREND_FROM]
    observed = float(late[kinds].to_numpy().sum())
    planted = float(late[[f"{k}_expected" for k in kinds]].to_numpy().sum())
    # The same factors and exposures without the trend.
    flat = float(sum((late[f"{k}_expected"] / national.trend_factor(late["year"])).sum() for k in kinds))
    assert flat - planted > 6 * np.sqrt(planted)  # the trend is large enough to be seen at this size ...
    assert abs(observed - planted) < abs(observed - flat)  # ... and the counts are nearer the trend than no trend


def test_a_new_provinces_series_is_the_sum_of_its_predecessors(medium, medium_counts) -> None:
    units = load_table(medium.units, "units")
    by_province = load_annual_counts(medium.members, units, by="province")
    structure = national.national_structure(MEDIUM)
    merged = 0
    for province in structure.province_codes:
        before = structure.predecessors(province)
        series = counts_for_unit(medium_counts, units, province)
        summed = province_counts(by_province[by_province["unit_code"].isin(before)])
        pd.testing.assert_frame_equal(series, summed)
        # The same series from the communes whose codes name the province: independent of the units' links.
        own = province_counts(medium_counts[medium_counts["unit_code"].str.startswith(province)])
        pd.testing.assert_frame_equal(series, own)
        merged += len(before) > 1
        if len(before) > 1:
            assert sorted(predecessors(units, province)) == sorted(before)
    assert merged == 23


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
    planted = former_of_commune(SMALL)
    reference = annual_counts_from_members(small_members.assign(unit_code=small_members["unit_code"].map(planted)))
    pd.testing.assert_frame_equal(by_province, reference)
    assert by_province["unit_code"].nunique() == 63
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
    assert (info["provinces"], info["former_provinces"], info["communes"]) == (34, 63, 3_321)


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
    planted = former_of_commune(SMALL)
    reference = annual_counts_from_members(small_members.assign(unit_code=small_members["unit_code"].map(planted)))
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
