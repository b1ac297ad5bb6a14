"""Data folders: tables found by name, unit codes checked across tables, counts derived from members."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.contracts import ContractError
from helpers.counts import annual_counts_from_members
from helpers.datasets import UnknownUnit, detect_table, load_dataset
from helpers.paths import sample_dir


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


def _break_row(path: Path, unit: str, column: str, value: str, skip: int = 0) -> int:
    """Set one cell of the ``skip``-th row of ``unit``, leaving every other byte alone; returns the file row."""
    lines = path.read_text(encoding="utf-8").split("\n")
    header = lines[0].split(",")
    rows = [n for n, line in enumerate(lines[1:], start=2)
            if len(line.split(",")) == len(header) and line.split(",")[header.index("unit_code")] == unit]
    cells = lines[rows[skip] - 1].split(",")
    cells[header.index(column)] = value
    lines[rows[skip] - 1] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    return rows[skip]


def test_a_scoped_load_checks_and_keeps_only_the_rows_its_report_reads(sample_copy: Path) -> None:
    row = _break_row(sample_copy / "members.csv", "D05", "sex", "vanished", skip=4)
    whole = load_dataset(sample_dir(), scope="D01")
    assert set(whole.members["unit_code"]) == {"D01"}
    assert set(whole.survey["unit_code"]) == {"D01"} and set(whole.targets["unit_code"]) == {"SIM"}
    assert whole.annual_counts.equals(load_dataset(sample_copy, scope="D01").annual_counts)
    for unit in ("D05", "SIM", "SIMX"):  # D05 and every unit whose totals include it
        with pytest.raises(ContractError) as err:
            load_dataset(sample_copy, scope=unit)
        assert [(p.row, p.column, p.value) for p in err.value.problems] == [(row, "sex", "vanished")]
    with pytest.raises(UnknownUnit):
        load_dataset(sample_copy, scope="D99")


def test_targets_are_scoped_to_the_unit_and_the_units_above_it(sample_copy: Path) -> None:
    targets = sample_copy / "targets.csv"
    targets.write_text(targets.read_text(encoding="utf-8")
                       + "D05,2020-2025,2015-2020,removed_and_asked,decrease,năm mươi,\n", encoding="utf-8")
    assert set(load_dataset(sample_copy, scope="SIM").targets["unit_code"]) == {"SIM"}
    with pytest.raises(ContractError) as err:
        load_dataset(sample_copy, scope="D05")
    assert [(p.row, p.column) for p in err.value.problems] == [(3, "change_pct")]
