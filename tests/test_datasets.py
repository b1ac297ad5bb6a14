"""Data folders: tables found by name, unit codes checked across tables, counts derived from members."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.contracts import ContractError
from helpers.counts import annual_counts_from_members
from helpers.datasets import detect_table, load_dataset


def test_default_dataset_loads_with_derived_counts(sample) -> None:
    assert sample.simulated and sample.counts_derived
    assert set(sample.annual_counts["unit_code"]) == set(sample.members["unit_code"])
    given = pd.read_csv(sample.folder / "annual_counts.csv")
    derived = sample.annual_counts.astype({"unit_code": object}).astype(
        {c: "int64" for c in sample.annual_counts.columns if c != "unit_code"})
    pd.testing.assert_frame_equal(derived, given, check_dtype=False)


def test_unknown_unit_in_members_is_reported(sample_copy: Path) -> None:
    text = (sample_copy / "members.csv").read_text(encoding="utf-8").splitlines()
    first = text[1]
    assert ",D0" in first
    text[1] = first.replace(",D0", ",Z9", 1)
    (sample_copy / "members.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(ContractError) as err:
        load_dataset(sample_copy)
    assert [(p.rule, p.row, p.column) for p in err.value.problems] == [("unknown_unit", 2, "unit_code")]


def test_folder_without_member_registry_uses_given_counts(sample_copy: Path) -> None:
    (sample_copy / "members.csv").unlink()
    (sample_copy / "survey.csv").unlink()
    data = load_dataset(sample_copy)
    assert not data.counts_derived and data.members is None
    assert int(data.annual_counts["removed"].sum()) == 308 + 424 + 215


def test_detect_table_by_headers() -> None:
    assert detect_table(Path("x.csv"), ["Mã đảng viên", "Ngày kết nạp", "unit_code", "branch_id",
                                        "branch_type", "sex", "birth_year", "occupation"]) == "members"
    assert detect_table(Path("counts-2024.csv"), ["Năm", "Xóa tên", "Xin ra khỏi Đảng", "Mã đơn vị"]) == "annual_counts"
    assert detect_table(Path("units_2025.xlsx"), []) == "units"
    assert detect_table(Path("x.csv"), ["a", "b"]) is None


def test_counts_from_a_hand_made_registry() -> None:
    ts = pd.Timestamp
    members = pd.DataFrame({
        "unit_code": ["A", "A", "A", "A", "B"],
        "entry_kind": ["on_roll", "admitted", "transferred_in", "on_roll", "on_roll"],
        "entry_date": [pd.NaT, ts("2021-03-01"), ts("2021-06-01"), pd.NaT, pd.NaT],
        "exit_date": [pd.NaT, ts("2022-02-01"), pd.NaT, ts("2021-12-31"), ts("2022-07-01")],
        "exit_kind": [None, "removed", "transferred_out", "asked_to_leave", "died"],
    })
    counts = annual_counts_from_members(members, range(2021, 2023)).set_index(["unit_code", "year"])
    a21, a22, b22 = counts.loc[("A", 2021)], counts.loc[("A", 2022)], counts.loc[("B", 2022)]
    assert (a21.members_start, a21.admitted, a21.transferred_in, a21.asked_to_leave, a21.members_end) == (2, 1, 1, 1, 3)
    assert (a22.members_start, a22.removed, a22.transferred_out, a22.members_end) == (3, 1, 0, 2)
    assert (b22.members_start, b22.died, b22.members_end) == (1, 1, 0)
