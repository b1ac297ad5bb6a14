"""Columnar counts from Parquet equal the reference pandas counts, and its vectorised checks find planted bad rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.data.columnar import load_annual_counts, read_member_columns, top_units
from helpers.data.contracts import ContractError
from helpers.data.counts import annual_counts_from_members
from helpers.data.datasets import load_table
from helpers.data.readers import read_text_table
from helpers.paths import sample_dir
from helpers.text import t


@pytest.fixture(scope="module")
def members() -> pd.DataFrame:
    """The default province's members, typed under the members contract."""
    return load_table(sample_dir() / "members.csv")


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    return load_table(sample_dir() / "units.csv")


@pytest.fixture(scope="module")
def reference(members: pd.DataFrame) -> pd.DataFrame:
    return annual_counts_from_members(members)


@pytest.fixture()
def text_members() -> pd.DataFrame:
    """The default members as text cells, exactly as the CSV holds them (a copy a test may break)."""
    return read_text_table(sample_dir() / "members.csv").frame.copy()


def test_counts_from_typed_parquet_equal_the_reference(tmp_path: Path, members, reference) -> None:
    path = tmp_path / "members.parquet"
    members.to_parquet(path, index=False)
    pd.testing.assert_frame_equal(load_annual_counts(path), reference)


def test_counts_over_a_wider_range_of_years_equal_the_reference(tmp_path: Path, members) -> None:
    path = tmp_path / "members.parquet"
    members.to_parquet(path, index=False)
    years = range(2008, 2029)  # before the data starts and after it ends
    pd.testing.assert_frame_equal(load_annual_counts(path, years=years), annual_counts_from_members(members, years))


def test_counts_from_text_columns_equal_the_reference(tmp_path: Path, text_members, reference) -> None:
    path = tmp_path / "members.parquet"
    text_members.to_parquet(path, index=False)  # dates and codes as plain strings, as a spreadsheet export might
    pd.testing.assert_frame_equal(load_annual_counts(path), reference)


def test_counts_from_a_folder_of_files_equal_the_reference(tmp_path: Path, members, reference) -> None:
    folder = tmp_path / "members"
    folder.mkdir()
    for i, part in enumerate(np.array_split(np.arange(len(members)), 3)):
        members.iloc[part].to_parquet(folder / f"part-{i}.parquet", index=False)
    pd.testing.assert_frame_equal(load_annual_counts(folder), reference)


def test_counts_by_province_equal_the_reference_on_province_codes(tmp_path: Path, members, units) -> None:
    path = tmp_path / "members.parquet"
    members.to_parquet(path, index=False)
    top = top_units(units)
    assert {top[c] for c in members["unit_code"].unique()} == {"SIM"}
    expected = annual_counts_from_members(members.assign(unit_code=members["unit_code"].map(top)))
    pd.testing.assert_frame_equal(load_annual_counts(path, units, by="province"), expected)


def test_vietnamese_headers_are_accepted(tmp_path: Path, members, reference) -> None:
    path = tmp_path / "members.parquet"
    renamed = {c: t(f"columns.{c}", "vi") for c in ("unit_code", "entry_kind", "exit_date")}
    members.rename(columns=renamed).to_parquet(path, index=False)
    pd.testing.assert_frame_equal(load_annual_counts(path), reference)


def test_a_missing_column_is_one_problem(tmp_path: Path, members) -> None:
    path = tmp_path / "members.parquet"
    members.drop(columns=["exit_kind"]).to_parquet(path, index=False)
    with pytest.raises(ContractError) as caught:
        read_member_columns(path)
    assert [(p.rule, p.column) for p in caught.value.problems] == [("missing_column", "exit_kind")]


def test_an_unreadable_file_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "members.parquet"
    path.write_text("not parquet", encoding="utf-8")
    with pytest.raises(ContractError) as caught:
        read_member_columns(path)
    assert [p.rule for p in caught.value.problems] == ["unreadable"]


def _plant(frame: pd.DataFrame) -> tuple[pd.DataFrame, set[tuple[str, int, str, str | None]]]:
    """Break chosen rows of the text members; returns the frame and the (rule, file row, column, value) expected."""
    bad = frame.copy()
    admitted_leavers = bad.index[(bad["entry_kind"] == "admitted") & bad["exit_date"].notna()]
    stayers = bad.index[bad["exit_date"].isna() & (bad["entry_kind"] == "on_roll")]
    admitted = bad.index[(bad["entry_kind"] == "admitted") & bad["exit_date"].isna()]
    i_code, i_order, i_exit_kind, i_no_date = stayers[5], admitted_leavers[3], admitted_leavers[7], stayers[40]
    i_date, i_unit, i_empty = admitted[11], stayers[60], stayers[80]
    bad.loc[i_code, "entry_kind"] = "bogus"
    entry = bad.loc[i_order, "entry_date"]
    bad.loc[i_order, "exit_date"] = "2009-01-01"
    bad.loc[i_exit_kind, "exit_kind"] = "fired"
    bad.loc[i_no_date, "exit_kind"] = "died"
    bad.loc[i_date, "entry_date"] = "2020-13-45"
    bad.loc[i_unit, "unit_code"] = "ZZZ"
    bad.loc[i_empty, "unit_code"] = pd.NA
    same_day = admitted_leavers[9]  # leaving on the day of joining is allowed: no problem expected
    bad.loc[same_day, "exit_date"] = bad.loc[same_day, "entry_date"]
    empty = f"{t('contracts.empty', 'vi')} / {t('contracts.empty', 'en')}"
    expected = {
        ("allowed_codes", i_code + 1, "entry_kind", "bogus"),
        ("exit_after_entry", i_order + 1, "exit_date, entry_date", f"exit_date=2009-01-01, entry_date={entry}"),
        ("allowed_codes", i_exit_kind + 1, "exit_kind", "fired"),
        ("exit_kind_with_date", i_no_date + 1, "exit_kind, exit_date", f"exit_kind=died, exit_date={empty}"),
        ("not_date", i_date + 1, "entry_date", "2020-13-45"),
        ("entry_date_matches_kind", i_date + 1, "entry_kind, entry_date", "entry_kind=admitted, entry_date=2020-13-45"),
        ("unknown_unit", i_unit + 1, "unit_code", "ZZZ"),
        ("required_value", i_empty + 1, "unit_code", None),
    }
    return bad, expected


def test_planted_bad_rows_are_found_at_their_rows_and_columns(tmp_path: Path, text_members, units) -> None:
    bad, expected = _plant(text_members)
    path = tmp_path / "members.parquet"
    bad.to_parquet(path, index=False)
    with pytest.raises(ContractError) as caught:
        read_member_columns(path, units)
    found = {(p.rule, p.row, p.column, p.value) for p in caught.value.problems}
    assert found == expected
    assert {p.file for p in caught.value.problems} == {str(path)}
    assert [p.row for p in caught.value.problems] == sorted(p.row for p in caught.value.problems)


def test_the_vectorised_checks_agree_with_the_full_contract(tmp_path: Path, text_members) -> None:
    """Every problem the columnar checks report (bar unit codes, which the contract cannot see) is one the
    pandera contract reports too, on the same row and column."""
    bad, expected = _plant(text_members)
    path = tmp_path / "members.parquet"
    bad.to_parquet(path, index=False)
    with pytest.raises(ContractError) as full:
        load_table(path, "members")
    contract = {(p.rule, p.row, p.column) for p in full.value.problems}
    ours = {(rule, row, column) for rule, row, column, _ in expected if rule != "unknown_unit"}
    assert ours <= contract


def test_at_most_n_problems_per_rule_the_first_ones(tmp_path: Path, text_members) -> None:
    bad = text_members.copy()
    rows = np.arange(100, 3100, 100)  # 30 bad codes
    bad.loc[rows, "entry_kind"] = "bogus"
    path = tmp_path / "members.parquet"
    bad.to_parquet(path, index=False)
    with pytest.raises(ContractError) as caught:
        read_member_columns(path, max_per_rule=5)
    codes = [p for p in caught.value.problems if p.rule == "allowed_codes"]
    assert [p.row for p in codes] == list(rows[:5] + 1)


def test_rows_count_from_one_in_each_file_of_a_folder(tmp_path: Path, text_members) -> None:
    folder = tmp_path / "members"
    folder.mkdir()
    first, second = text_members.iloc[:1000].copy(), text_members.iloc[1000:2000].reset_index(drop=True)
    second.loc[2, "exit_kind"] = "fired"
    second.loc[2, "exit_date"] = "2015-06-01"
    first.to_parquet(folder / "a.parquet", index=False)
    second.to_parquet(folder / "b.parquet", index=False)
    with pytest.raises(ContractError) as caught:
        read_member_columns(folder)
    assert [(Path(p.file).name, p.rule, p.row) for p in caught.value.problems] == [("b.parquet", "allowed_codes", 3)]
