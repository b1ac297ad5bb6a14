"""Readers accept CSV (BOM or not, comma or semicolon, decimal comma), XLSX and Parquet alike."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.data.contracts import ContractError
from helpers.data.datasets import load_table
from helpers.paths import sample_dir

EXPECTED_ROW = {"unit_code": "D01", "year": 2020, "members_start": 1200, "removed": 3, "asked_to_leave": 1}


def _check(frame: pd.DataFrame) -> None:
    row = frame.iloc[0]
    for column, value in EXPECTED_ROW.items():
        assert row[column] == value, column


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("utf-8", "unit_code,year,members_start,removed,asked_to_leave\nD01,2020,1200,3,1\n"),
        ("utf-8-sig", "unit_code,year,members_start,removed,asked_to_leave\nD01,2020,1200,3,1\n"),
        ("utf-8-sig", "Mã đơn vị;Năm;Số đảng viên đầu năm;Xóa tên;Xin ra khỏi Đảng\nD01;2020;1.200;3;1\n"),
        ("utf-8", "Mã đơn vị\tNăm\tSố đảng viên đầu năm\tXóa tên\tXin ra khỏi Đảng\nD01\t2020\t1 200\t3\t1\n"),
    ],
)
def test_csv_variants(tmp_path: Path, encoding: str, text: str) -> None:
    path = tmp_path / "annual_counts.csv"
    path.write_bytes(text.encode(encoding))
    _check(load_table(path))


def test_decimal_comma_in_float_column(tmp_path: Path) -> None:
    path = tmp_path / "targets.csv"
    path.write_text(
        "unit_code;term;indicator;baseline_term;direction;change_pct;source\n"
        "SIM;2020-2025;removed_and_asked;2015-2020;decrease;37,5;\n",
        encoding="utf-8",
    )
    assert load_table(path).loc[0, "change_pct"] == 37.5


def test_xlsx_with_vietnamese_headers(tmp_path: Path) -> None:
    path = tmp_path / "so_lieu.xlsx"
    pd.DataFrame(
        {"Mã đơn vị": ["D01"], "Năm": [2020], "Số đảng viên đầu năm": [1200], "Xóa tên": [3], "Xin ra khỏi Đảng": [1]}
    ).to_excel(path, index=False)
    _check(load_table(path))  # table recognised from its headers, numbers read from Excel cells


def test_parquet_and_its_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "annual_counts.parquet"
    frame = pd.DataFrame(
        {
            "unit_code": ["D01", "D02"],
            "year": [2020, 2020],
            "members_start": [1200, 10],
            "removed": [3, -1],
            "asked_to_leave": [1, 0],
        }
    )
    frame.iloc[:1].to_parquet(path)
    _check(load_table(path))
    frame.to_parquet(path)
    with pytest.raises(ContractError) as err:
        load_table(path)
    assert [(p.row, p.column) for p in err.value.problems] == [(2, "removed")]  # Parquet has no header line


def test_members_round_trip_through_parquet(tmp_path: Path) -> None:
    csv_frame = load_table(sample_dir() / "members.csv")
    path = tmp_path / "members.parquet"
    csv_frame.head(500).to_parquet(path)
    pd.testing.assert_frame_equal(load_table(path), csv_frame.head(500))


def test_unreadable_and_unknown_files(tmp_path: Path) -> None:
    broken = tmp_path / "members.xlsx"
    broken.write_text("not a spreadsheet")
    with pytest.raises(ContractError) as err:
        load_table(broken)
    assert err.value.problems[0].rule == "unreadable"
    unknown = tmp_path / "notes.csv"
    unknown.write_text("a,b\n1,2\n")
    with pytest.raises(ContractError) as err:
        load_table(unknown)
    assert err.value.problems[0].rule == "unknown_table"
