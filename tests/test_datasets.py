"""Data folders: tables found by name, unit codes checked across tables, counts derived from members."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlwt

from helpers.data.codes import EXIT_KINDS
from helpers.data.contracts import ContractError
from helpers.data.counts import COUNT_COLUMNS, annual_counts_from_members
from helpers.data.datasets import DATA_TABLES, Dataset, UnknownUnit, detect_table, load_dataset, table_scopes
from helpers.paths import sample_dir
from helpers.synth import truth


def test_default_dataset_loads_with_derived_counts(sample) -> None:
    assert sample.simulated and sample.counts_derived
    assert set(sample.annual_counts["unit_code"]) == set(sample.members["unit_code"])
    given = pd.read_csv(sample.folder / "annual_counts.csv")
    derived = sample.annual_counts.astype({"unit_code": object}).astype(
        {c: "int64" for c in sample.annual_counts.columns if c != "unit_code"}
    )
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
    assert int(data.annual_counts["removed"].sum()) == sum(truth.TERM_TOTALS["removed"].values())  # 308 + 424 + 186


def test_detect_table_by_headers() -> None:
    assert (
        detect_table(
            Path("x.csv"),
            [
                "Mã đảng viên",
                "Ngày kết nạp",
                "unit_code",
                "branch_id",
                "branch_type",
                "sex",
                "birth_year",
                "occupation",
            ],
        )
        == "members"
    )
    assert detect_table(Path("counts-2024.csv"), ["Năm", "Xóa tên", "Xin ra khỏi Đảng", "Mã đơn vị"]) == "annual_counts"
    assert detect_table(Path("units_2025.xlsx"), []) == "units"
    assert detect_table(Path("x.csv"), ["a", "b"]) is None


def test_counts_from_a_hand_made_registry() -> None:
    ts = pd.Timestamp
    members = pd.DataFrame(
        {
            "unit_code": ["A", "A", "A", "A", "B"],
            "entry_kind": ["on_roll", "admitted", "transferred_in", "on_roll", "on_roll"],
            "entry_date": [pd.NaT, ts("2021-03-01"), ts("2021-06-01"), pd.NaT, pd.NaT],
            "exit_date": [pd.NaT, ts("2022-02-01"), pd.NaT, ts("2021-12-31"), ts("2022-07-01")],
            "exit_kind": [None, "removed", "transferred_out", "asked_to_leave", "died"],
        }
    )
    counts = annual_counts_from_members(members, range(2021, 2023)).set_index(["unit_code", "year"])
    a21, a22, b22 = counts.loc[("A", 2021)], counts.loc[("A", 2022)], counts.loc[("B", 2022)]
    assert (a21.members_start, a21.admitted, a21.transferred_in, a21.asked_to_leave, a21.members_end) == (2, 1, 1, 1, 3)
    assert (a22.members_start, a22.removed, a22.transferred_out, a22.members_end) == (3, 1, 0, 2)
    assert (b22.members_start, b22.died, b22.members_end) == (1, 1, 0)


def _counts_by_loop(members: pd.DataFrame, years: range, by: str = "unit_code") -> pd.DataFrame:
    """The counting rules written out one unit and one year at a time: the reference for the vectorised counts."""
    in_from = members["entry_date"].dt.year.where(members["entry_kind"] != "on_roll", years.start - 1)
    in_from = in_from.fillna(years.start - 1)
    out_after = members["exit_date"].dt.year.fillna(10_000)
    rows = []
    for unit, idx in members.groupby(by, sort=True).groups.items():
        m_in, m_out, kind, entry = (
            in_from[idx],
            out_after[idx],
            members.loc[idx, "exit_kind"],
            members.loc[idx, "entry_kind"],
        )
        for year in years:
            row = {by: unit, "year": year, "members_start": ((m_in < year) & (m_out >= year)).sum()}
            row["admitted"] = ((entry == "admitted") & (m_in == year)).sum()
            row["transferred_in"] = ((entry == "transferred_in") & (m_in == year)).sum()
            for k in EXIT_KINDS:
                row[k] = ((kind == k) & (m_out == year)).sum()
            row["members_end"] = ((m_in <= year) & (m_out > year)).sum()
            rows.append(row)
    frame = pd.DataFrame(rows, columns=[by, "year", *COUNT_COLUMNS])
    return frame.astype({c: "Int64" for c in ["year", *COUNT_COLUMNS]}).astype({by: "string"})


def test_vectorised_counts_equal_the_loop_on_the_default_registry(sample) -> None:
    members = sample.members
    for years in (range(2011, 2026), range(2015, 2019)):  # the whole period, and one that cuts members off at both ends
        pd.testing.assert_frame_equal(annual_counts_from_members(members, years), _counts_by_loop(members, years))
    by_branch = annual_counts_from_members(members.head(3000), range(2020, 2026), by="branch_id")
    pd.testing.assert_frame_equal(by_branch, _counts_by_loop(members.head(3000), range(2020, 2026), by="branch_id"))


def test_vectorised_counts_equal_the_loop_at_the_edges() -> None:
    ts = pd.Timestamp
    members = pd.DataFrame(
        {
            "unit_code": ["A", None, "B", "A", "B", "A"],
            "entry_kind": ["admitted", "admitted", "on_roll", "transferred_in", None, "admitted"],
            "entry_date": [
                ts("2019-05-01"),
                ts("2021-01-01"),
                ts("2018-01-01"),
                ts("2024-01-01"),
                ts("2021-02-02"),
                pd.NaT,
            ],
            "exit_date": [ts("2020-01-01"), pd.NaT, ts("2019-12-31"), pd.NaT, ts("2023-01-01"), ts("2021-05-05")],
            "exit_kind": ["removed", None, "died", None, "other_exit", "expelled"],
        }
    )
    years = range(2020, 2023)  # entries before and after it, exits before it, a member without a unit
    pd.testing.assert_frame_equal(annual_counts_from_members(members, years), _counts_by_loop(members, years))


def _break_row(path: Path, unit: str, column: str, value: str, skip: int = 0) -> int:
    """Set one cell of the ``skip``-th row of ``unit``, leaving every other byte alone; returns the file row."""
    lines = path.read_text(encoding="utf-8").split("\n")
    header = lines[0].split(",")
    rows = [
        n
        for n, line in enumerate(lines[1:], start=2)
        if len(line.split(",")) == len(header) and line.split(",")[header.index("unit_code")] == unit
    ]
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
    targets.write_text(
        targets.read_text(encoding="utf-8") + "D05,2020-2025,2015-2020,removed_and_asked,decrease,năm mươi,\n",
        encoding="utf-8",
    )
    assert set(load_dataset(sample_copy, scope="SIM").targets["unit_code"]) == {"SIM"}
    with pytest.raises(ContractError) as err:
        load_dataset(sample_copy, scope="D05")
    assert [(p.row, p.column) for p in err.value.problems] == [(3, "change_pct")]


# --- issue 7: admission plans and sources, quality ratings, member management -------------------------------------

NEW_TABLES = ("admission_plans", "admission_sources", "quality_ratings", "member_management")


def test_dataset_gains_the_four_tables_at_the_end_with_default_none() -> None:
    fields = list(Dataset.__dataclass_fields__)
    assert fields[-4:] == list(NEW_TABLES)
    assert all(Dataset.__dataclass_fields__[name].default is None for name in NEW_TABLES)
    assert set(NEW_TABLES) <= set(DATA_TABLES)


def test_default_dataset_has_the_four_tables_typed(sample) -> None:
    for table in NEW_TABLES:
        frame = getattr(sample, table)
        assert frame is not None and len(frame) > 0, table
        assert str(frame["year"].dtype) == "Int64" and str(frame["unit_code"].dtype) == "string", table
    assert str(sample.member_management["screened"].dtype) == "Int64"
    assert sample.member_management["screened"].notna().sum() == 9  # 2019 only, one row per district


def test_a_folder_without_the_new_files_loads_them_as_none(sample_copy: Path) -> None:
    for table in NEW_TABLES:
        (sample_copy / f"{table}.csv").unlink()
    data = load_dataset(sample_copy)
    assert all(getattr(data, table) is None for table in NEW_TABLES)
    assert data.members is not None


def test_management_members_must_equal_the_counts_members_end(sample_copy: Path) -> None:
    path = sample_copy / "member_management.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    header = lines[0].split(",")
    row = next(n for n, line in enumerate(lines[1:], start=2) if line.startswith("D05,2019,"))
    cells = lines[row - 1].split(",")
    true_members = int(cells[header.index("members")])
    cells[header.index("members")] = str(true_members + 7)
    lines[row - 1] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    for scope in (None, "D05"):  # whole, and scoped (the typed rows no longer know their file rows)
        with pytest.raises(ContractError) as err:
            load_dataset(sample_copy, scope=scope)
        [problem] = err.value.problems
        assert (problem.rule, problem.row, problem.column, problem.value) == (
            "members_match_counts",
            row,
            "members",
            str(true_members + 7),
        )
        assert problem.file.endswith("member_management.csv")
        vi, en = problem.message("vi"), problem.message("en")
        assert f"dòng {row}, cột members" in vi and f"({true_members})" in vi and "số đảng viên cuối năm" in vi
        assert f"row {row}, column members" in en and f"({true_members})" in en
    # The other districts' reports do not read D05's row and are not stopped by it.
    assert set(load_dataset(sample_copy, scope="D01").member_management["unit_code"]) == {"D01"}


def test_management_is_checked_against_given_counts_without_a_registry(sample_copy: Path) -> None:
    (sample_copy / "members.csv").unlink()
    (sample_copy / "survey.csv").unlink()
    assert not load_dataset(sample_copy).counts_derived  # given counts agree with the management table
    counts = sample_copy / "annual_counts.csv"
    text = counts.read_text(encoding="utf-8").split("\n")
    header = text[0].split(",")
    n = next(i for i, line in enumerate(text) if line.startswith("D02,2020,"))
    cells = text[n].split(",")
    for column, change in (("members_end", 1), ("transferred_in", 1)):  # keep the stock identity
        cells[header.index(column)] = str(int(cells[header.index(column)]) + change)
    text[n] = ",".join(cells)
    counts.write_text("\n".join(text), encoding="utf-8")
    with pytest.raises(ContractError) as err:
        load_dataset(sample_copy)
    assert [(p.rule, p.column) for p in err.value.problems] == [("members_match_counts", "members")]


def test_unknown_unit_in_a_new_table_is_reported(sample_copy: Path) -> None:
    path = sample_copy / "quality_ratings.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[3] = lines[3].replace("D01,", "Z9,", 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ContractError) as err:
        load_dataset(sample_copy)
    assert [(p.rule, p.row, p.column, p.value) for p in err.value.problems] == [("unknown_unit", 4, "unit_code", "Z9")]


def test_new_tables_are_scoped_to_the_series_and_the_units_above(sample, sample_copy: Path) -> None:
    scopes = table_scopes(sample.units, "D03")
    assert all(scopes[table] == {"D03", "SIM"} for table in NEW_TABLES)
    scoped = load_dataset(sample_dir(), scope="D03")
    for table in ("admission_plans", "quality_ratings", "member_management"):
        assert set(getattr(scoped, table)["unit_code"]) == {"D03"}, table
    assert set(scoped.admission_sources["unit_code"]) == {"SIM"}  # the province's pool is above D03
    # A broken plan row of D05 stops D05 and the units above it, not D03.
    row = _break_row(sample_copy / "admission_plans.csv", "D05", "planned", "-3", skip=2)
    assert load_dataset(sample_copy, scope="D03").admission_plans.equals(scoped.admission_plans)
    for unit in ("D05", "SIM"):
        with pytest.raises(ContractError) as err:
            load_dataset(sample_copy, scope=unit)
        assert [(p.rule, p.row, p.column) for p in err.value.problems] == [("minimum", row, "planned")]


def test_new_tables_are_recognised_by_name_or_headers() -> None:
    assert detect_table(Path("member_management-2019.xlsx"), []) == "member_management"
    assert detect_table(Path("admission_sources.csv"), []) == "admission_sources"
    assert detect_table(Path("ke-hoach.csv"), ["Mã đơn vị", "Năm", "Chỉ tiêu kết nạp", "Kết nạp"]) == "admission_plans"
    assert (
        detect_table(Path("x.csv"), ["Mã đơn vị", "Năm", "Đối tượng đánh giá", "Mức xếp loại", "Số lượng"])
        == "quality_ratings"
    )
    assert detect_table(Path("x.csv"), ["Mã đơn vị", "Năm", "Số đảng viên", "Đảng viên 76"]) == "member_management"


# --- issue 12: a province's own files in a data folder -------------------------------------------------------------


def _as_form(frame: pd.DataFrame, path: Path) -> dict[tuple[str, int], int]:
    """Write a table as a district office's XLSX form (title rows, STT column, column numbers, totals row, signature
    footer); returns the file row of each (unit_code, year)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["ĐẢNG BỘ TỈNH MẪU"])
    sheet.append(["BAN TỔ CHỨC"])
    sheet.append(["BÁO CÁO SỐ LIỆU ĐẢNG VIÊN"])
    sheet.append(["STT", *frame.columns])
    sheet.append(["A", *[f"({k})" for k in range(1, len(frame.columns) + 1)]])
    rows = {}
    for n, record in enumerate(frame.itertuples(index=False), start=1):
        sheet.append([n, *[None if pd.isna(v) else (int(v) if str(v).isdigit() else v) for v in record]])
        rows[(record.unit_code, int(record.year))] = sheet.max_row
    sheet.append(["Tổng cộng", None, None, *[int(frame[c].astype(int).sum()) for c in frame.columns[2:]]])
    sheet.append([])
    sheet.append([None, None, None, None, "Tỉnh Mẫu, ngày 15 tháng 01 năm 2025"])
    sheet.append([None, "NGƯỜI LẬP BIỂU", None, None, "TRƯỞNG BAN"])
    workbook.save(path)
    return rows


def test_a_form_in_a_data_folder_loads_as_its_csv(sample_copy: Path) -> None:
    (sample_copy / "members.csv").unlink()
    (sample_copy / "survey.csv").unlink()
    given = load_dataset(sample_copy).annual_counts
    counts = pd.read_csv(sample_copy / "annual_counts.csv", dtype=str)
    (sample_copy / "annual_counts.csv").unlink()
    _as_form(counts, sample_copy / "annual_counts.xlsx")
    pd.testing.assert_frame_equal(load_dataset(sample_copy).annual_counts, given)


def test_an_unknown_unit_in_a_form_names_its_row_in_the_file(sample_copy: Path) -> None:
    (sample_copy / "members.csv").unlink()
    (sample_copy / "survey.csv").unlink()
    counts = pd.read_csv(sample_copy / "annual_counts.csv", dtype=str)
    counts.loc[5, "unit_code"] = "Z9"
    (sample_copy / "annual_counts.csv").unlink()
    rows = _as_form(counts, sample_copy / "annual_counts.xlsx")
    with pytest.raises(ContractError) as err:
        load_dataset(sample_copy)
    row = rows[("Z9", int(counts.loc[5, "year"]))]
    assert row == 6 + 5  # three title rows, the header and the column numbers above the first record (row 6)
    found = [(p.rule, p.row, p.column, p.value) for p in err.value.problems]
    assert found == [("unknown_unit", row, "unit_code", "Z9")]
    assert f"annual_counts.xlsx, dòng {row}, cột unit_code" in err.value.problems[0].message("vi")
    assert f"annual_counts.xlsx, row {row}, column unit_code" in err.value.problems[0].message("en")


def test_an_xls_units_table_is_read_not_skipped(sample_copy: Path, sample) -> None:
    units = pd.read_csv(sample_copy / "units.csv", dtype=str, keep_default_na=False)
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("units")
    for r, row in enumerate([list(units.columns), *units.to_numpy().tolist()]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    workbook.save(str(sample_copy / "units.xls"))
    (sample_copy / "units.csv").unlink()
    data = load_dataset(sample_copy)
    pd.testing.assert_frame_equal(data.units, sample.units)
    assert sample_copy / "units.xls" in data.files


def test_a_header_only_members_file_is_refused_by_name(sample_copy: Path, run_cli) -> None:
    path = sample_copy / "members.csv"
    path.write_text(path.read_text(encoding="utf-8").split("\n", 1)[0] + "\n", encoding="utf-8")
    with pytest.raises(ContractError) as err:
        load_dataset(sample_copy)
    assert [(p.rule, p.file.endswith("members.csv")) for p in err.value.problems] == [("no_records", True)]
    code, _, out = run_cli("validate", sample_copy)
    assert code == 2 and "Traceback" not in out and "NaN" not in out
    assert "members.csv: bảng members không có dòng dữ liệu nào" in out
    assert "members.csv: the members table has no records, only its header" in out


def test_a_file_no_reader_reads_is_named_not_skipped(sample_copy: Path, run_cli) -> None:
    (sample_copy / "units.csv").rename(sample_copy / "units.numbers")
    with pytest.raises(ContractError) as err:
        load_dataset(sample_copy)
    [problem] = err.value.problems  # and not "units.csv: missing", a file that is not there
    assert problem.rule == "unsupported_file" and problem.file.endswith("units.numbers")
    code, _, out = run_cli("validate", sample_copy)
    assert code == 2 and "units.numbers: không đọc được loại tệp này" in out and "units.csv" not in out


def test_two_files_for_one_table_are_both_named(sample_copy: Path) -> None:
    pd.read_csv(sample_copy / "targets.csv", dtype=str).to_excel(sample_copy / "targets.xlsx", index=False)
    with pytest.raises(ContractError) as err:
        load_dataset(sample_copy)
    assert [(p.rule, Path(p.file).name) for p in err.value.problems] == [
        ("same_table", "targets.csv"),
        ("same_table", "targets.xlsx"),
    ]
    assert "targets.csv, targets.xlsx" in err.value.problems[0].message("en")


def test_an_unreadable_workbook_in_a_folder_is_named(sample_copy: Path, run_cli) -> None:
    (sample_copy / "survey.csv").unlink()
    (sample_copy / "survey.xls").write_bytes(b"not a workbook at all")
    with pytest.raises(ContractError) as err:
        load_dataset(sample_copy)
    assert [(p.rule, Path(p.file).name) for p in err.value.problems] == [("unreadable", "survey.xls")]
    assert run_cli("validate", sample_copy)[0] == 2
