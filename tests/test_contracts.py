"""Contracts accept the default data and reject broken variants with a message naming file, row, column, rule."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.data.contracts import (
    CONTRACTS,
    READING_RULES,
    ContractError,
    Problem,
    enforce,
    enforce_with_rows,
    header_key,
)
from helpers.data.datasets import load_table
from helpers.paths import sample_dir


def _problems(raw: pd.DataFrame, table: str) -> list:
    with pytest.raises(ContractError) as err:
        enforce(raw, CONTRACTS[table], "t.csv")
    return err.value.problems


def _counts_raw(**overrides) -> pd.DataFrame:
    row = {
        "unit_code": "D01",
        "year": "2020",
        "members_start": "100",
        "admitted": "5",
        "transferred_in": "1",
        "transferred_out": "2",
        "removed": "3",
        "asked_to_leave": "1",
        "expelled": "0",
        "died": "1",
        "other_exit": "0",
        "members_end": "99",
    }
    row.update(overrides)
    return pd.DataFrame([row])


@pytest.mark.parametrize(
    "table",
    [
        "units",
        "members",
        "annual_counts",
        "survey",
        "targets",
        "admission_plans",
        "admission_sources",
        "quality_ratings",
        "member_management",
    ],
)
def test_default_tables_pass_their_contracts(table: str) -> None:
    frame = load_table(sample_dir() / f"{table}.csv")
    assert len(frame) > 0
    assert list(frame.columns) == list(CONTRACTS[table].names)


def test_valid_row_is_typed() -> None:
    frame = enforce(_counts_raw(), CONTRACTS["annual_counts"], "t.csv")
    assert frame.loc[0, "members_end"] == 99
    assert str(frame["removed"].dtype) == "Int64"


def test_missing_required_column_is_named() -> None:
    problems = _problems(_counts_raw().drop(columns=["removed"]), "annual_counts")
    assert [(p.rule, p.column) for p in problems] == [("missing_column", "removed")]
    assert "thiếu cột bắt buộc" in problems[0].message("vi")
    assert "required column is missing" in problems[0].message("en")


def test_negative_count_names_row_column_value_and_rule() -> None:
    problems = _problems(_counts_raw(removed="-3", members_end=None), "annual_counts")
    assert len(problems) == 1
    p = problems[0]
    assert (p.rule, p.row, p.column, p.value) == ("minimum", 2, "removed", "-3")
    assert p.message("vi") == "Tệp t.csv, dòng 2, cột removed: giá trị '-3' — nhỏ hơn giá trị tối thiểu 0"
    assert p.message("en") == "File t.csv, row 2, column removed: value '-3' — below the minimum 0"


def test_stock_identity_is_enforced_when_both_ends_are_given() -> None:
    problems = _problems(_counts_raw(members_end="98"), "annual_counts")
    assert [p.rule for p in problems] == ["stock_identity"]
    # Without the end of year the identity cannot be checked, so the row passes.
    enforce(_counts_raw(members_end=None), CONTRACTS["annual_counts"], "t.csv")


def test_duplicate_key_reports_both_rows() -> None:
    raw = pd.concat([_counts_raw(), _counts_raw()], ignore_index=True)
    problems = _problems(raw, "annual_counts")
    assert sorted((p.rule, p.row) for p in problems) == [("duplicate_key", 2), ("duplicate_key", 3)]


def test_unreadable_number_is_reported_once_not_also_as_empty() -> None:
    problems = _problems(_counts_raw(removed="ba"), "annual_counts")
    assert [(p.rule, p.value) for p in problems] == [("not_int", "ba")]


def test_vietnamese_headers_and_number_format_are_accepted() -> None:
    raw = pd.DataFrame(
        [
            {
                "Mã đơn vị": "D01",
                "Năm": "2020",
                "Số đảng viên đầu năm": "1.200",
                "Kết nạp": "5",
                "Chuyển đến": "0",
                "Chuyển đi": "0",
                "Xoá tên": "3",
                "XIN RA KHỎI ĐẢNG": "1",
                "Khai trừ": "0",
                "Từ trần": "0",
                "other_exit": "0",
                "Số đảng viên cuối năm": "1.201",
            }
        ]
    )
    frame = enforce(raw, CONTRACTS["annual_counts"], "t.csv")
    assert frame.loc[0, "members_start"] == 1200 and frame.loc[0, "removed"] == 3


def test_header_key_ignores_accents_case_and_punctuation() -> None:
    assert header_key("Xoá tên") == header_key("XÓA TÊN") == header_key("xoa_ten") == "xoa ten"
    assert header_key("Đảng viên") == "dang vien"


def _member(**overrides) -> dict:
    row = {
        "member_id": "M1",
        "unit_code": "D01",
        "branch_id": "B1",
        "branch_type": "hamlet",
        "sex": "male",
        "birth_year": "1990",
        "occupation": "farmer",
        "professional_training": "none",
        "political_training": "none",
        "admission_date": "2015-03-01",
        "entry_kind": "admitted",
        "entry_date": "2015-03-01",
        "exit_date": "2019-05-02",
        "exit_kind": "removed",
        "exit_reason": "quit_activity",
        "cause_group": "7",
    }
    row.update(overrides)
    return row


@pytest.mark.parametrize(
    ("overrides", "rule", "column"),
    [
        ({"exit_date": "2014-01-01"}, "exit_after_admission", "exit_date, admission_date"),
        ({"exit_kind": None, "exit_reason": None, "cause_group": None}, "exit_kind_with_date", "exit_kind, exit_date"),
        ({"exit_reason": "spouse_abroad"}, "reason_matches_kind", "exit_reason, exit_kind"),
        ({"exit_kind": "died", "exit_reason": None}, "cause_only_for_attrition", "cause_group, exit_kind"),
        ({"entry_date": "2016-01-01"}, "entry_date_matches_kind", "entry_kind, entry_date"),
        ({"branch_type": "village"}, "allowed_codes", "branch_type"),
        ({"cause_group": "8"}, "maximum", "cause_group"),
        ({"admission_date": "31/02/2015"}, "not_date", "admission_date"),
    ],
)
def test_member_rules(overrides: dict, rule: str, column: str) -> None:
    problems = _problems(pd.DataFrame([_member(**overrides)]), "members")
    assert rule in [p.rule for p in problems]
    assert column in [p.column for p in problems if p.rule == rule]


def test_member_dates_in_vietnamese_order_are_read() -> None:
    frame = enforce(
        pd.DataFrame([_member(admission_date="01/03/2015", entry_date="01/03/2015")]), CONTRACTS["members"], "t.csv"
    )
    assert frame.loc[0, "admission_date"] == pd.Timestamp("2015-03-01")


def test_units_parent_and_successor_must_exist() -> None:
    raw = pd.DataFrame(
        [
            {
                "unit_code": "P",
                "name": "Tỉnh",
                "parent_code": None,
                "level": "province",
                "valid_from": "2008-01-01",
                "valid_to": "2025-06-30",
                "successor_code": "Q",
            },
            {
                "unit_code": "D",
                "name": "Huyện",
                "parent_code": "X",
                "level": "district",
                "valid_from": "2008-01-01",
                "valid_to": "2007-01-01",
                "successor_code": None,
            },
        ]
    )
    rules = sorted(p.rule for p in _problems(raw, "units"))
    assert rules == ["parent_exists", "successor_exists", "valid_to_after_from"]


def test_survey_ratings_are_one_to_five() -> None:
    row = {
        "respondent_id": "R1",
        "respondent_type": "branch",
        "unit_code": "D01",
        "branch_type": "hamlet",
        "year": "2021",
        **{f"cause_{k}": "3" for k in range(1, 8)},
        **{f"solution_{k}": "4" for k in range(1, 8)},
    }
    row["solution_4"] = "6"
    problems = _problems(pd.DataFrame([row]), "survey")
    assert [(p.rule, p.column, p.value) for p in problems] == [("maximum", "solution_4", "6")]


def test_every_column_and_code_has_labels_in_both_languages() -> None:
    from helpers.data.codes import DOMAINS
    from helpers.text import t

    for contract in CONTRACTS.values():
        for f in contract.fields:
            assert t(f"columns.{f.name}", "vi") and t(f"columns.{f.name}", "en")
    for domain, codes in DOMAINS.items():
        for code in codes:
            assert t(f"codes.{domain}.{code}", "vi") and t(f"codes.{domain}.{code}", "en")


def test_no_header_means_two_columns_of_one_table() -> None:
    from helpers.text import t

    for contract in CONTRACTS.values():
        meaning: dict[str, str] = {}
        for f in contract.fields:
            for name in (f.name, *f.aliases, t(f"columns.{f.name}", "vi"), t(f"columns.{f.name}", "en")):
                assert meaning.setdefault(header_key(name), f.name) == f.name, (contract.table, name)


# --- issue 7: admissions, sources, ratings, member management -------------------------------------------------


def _plan(**overrides) -> dict:
    row = {"unit_code": "D01", "year": "2021", "planned": "150", "admitted": "160", "admitted_first_half": "70"}
    row.update(overrides)
    return row


def test_admission_plan_with_vietnamese_headers_is_typed() -> None:
    raw = pd.DataFrame(
        [{"Mã đơn vị": "D01", "Năm": "2021", "Chỉ tiêu": "1.260", "Kết nạp": "1.394", "Kết nạp 6 tháng đầu năm": "600"}]
    )
    frame = enforce(raw, CONTRACTS["admission_plans"], "t.csv")
    assert frame.loc[0, ["planned", "admitted", "admitted_first_half"]].tolist() == [1260, 1394, 600]
    assert str(frame["planned"].dtype) == "Int64" and str(frame["unit_code"].dtype) == "string"
    # Reported admissions are optional: a plan alone is a valid row.
    only_plan = enforce(
        pd.DataFrame([{"ma_don_vi": "D01", "nam": "2021", "chi_tieu": "150"}]), CONTRACTS["admission_plans"], "t.csv"
    )
    assert only_plan.loc[0, "planned"] == 150 and pd.isna(only_plan.loc[0, "admitted"])


def test_first_half_above_the_year_names_file_row_columns_and_rule() -> None:
    problems = _problems(pd.DataFrame([_plan(), _plan(year="2022", admitted_first_half="170")]), "admission_plans")
    assert [(p.rule, p.row, p.column) for p in problems] == [
        ("first_half_within_year", 3, "admitted_first_half, admitted")
    ]
    assert problems[0].message("vi") == (
        "Tệp t.csv, dòng 3, cột admitted_first_half, admitted: giá trị 'admitted_first_half=170, admitted=160' — "
        "số kết nạp 6 tháng đầu năm không được lớn hơn số kết nạp cả năm"
    )
    assert problems[0].message("en") == (
        "File t.csv, row 3, column admitted_first_half, admitted: value 'admitted_first_half=170, admitted=160' — "
        "admissions in the first half cannot exceed admissions in the whole year"
    )


@pytest.mark.parametrize(
    ("overrides", "rule", "column"),
    [
        ({"planned": "-5"}, "minimum", "planned"),
        ({"planned": None}, "required_value", "planned"),
        ({"year": "1989"}, "minimum", "year"),
        ({"admitted": "mười"}, "not_int", "admitted"),
    ],
)
def test_admission_plan_rules(overrides: dict, rule: str, column: str) -> None:
    problems = _problems(pd.DataFrame([_plan(**overrides)]), "admission_plans")
    assert [(p.rule, p.row, p.column) for p in problems] == [(rule, 2, column)]


def test_duplicate_plan_key_reports_both_rows() -> None:
    problems = _problems(pd.DataFrame([_plan(), _plan(planned="151")]), "admission_plans")
    assert sorted((p.rule, p.row) for p in problems) == [("duplicate_key", 2), ("duplicate_key", 3)]


def _source(**overrides) -> dict:
    row = {"unit_code": "SIM", "year": "2021", "attribute": "age_group", "category": "18_30", "count": "900"}
    row.update(overrides)
    return row


def test_admission_sources_accept_each_attribute_with_its_own_codes() -> None:
    rows = [
        _source(),
        _source(attribute="sex", category="female"),
        _source(attribute="occupation", category="worker"),
        _source(attribute="professional_training", category="university"),
    ]
    frame = enforce(pd.DataFrame(rows), CONTRACTS["admission_sources"], "t.csv")
    assert frame["count"].sum() == 3600 and str(frame["count"].dtype) == "Int64"


@pytest.mark.parametrize(
    ("overrides", "rule", "column"),
    [
        ({"category": "female"}, "category_matches_attribute", "category, attribute"),
        ({"attribute": "sex", "category": "18_30"}, "category_matches_attribute", "category, attribute"),
        ({"attribute": "religion"}, "allowed_codes", "attribute"),
        ({"count": "-1"}, "minimum", "count"),
    ],
)
def test_admission_source_rules(overrides: dict, rule: str, column: str) -> None:
    problems = _problems(pd.DataFrame([_source(**overrides)]), "admission_sources")
    assert [(p.rule, p.row, p.column) for p in problems] == [(rule, 2, column)]
    assert "dòng 2" in problems[0].message("vi") and "row 2" in problems[0].message("en")


def test_quality_ratings_accept_the_four_ratings_and_refuse_others() -> None:
    rows = [
        {"unit_code": "D01", "year": "2018", "subject": s, "rating": r, "count": "3"}
        for s in ("organisation", "member")
        for r in ("excellent", "good", "completed", "not_completed")
    ]
    assert len(enforce(pd.DataFrame(rows), CONTRACTS["quality_ratings"], "t.csv")) == 8
    rows[1] = rows[1] | {"rating": "weak"}
    rows[5] = rows[5] | {"subject": "branch"}
    rows.append(dict(rows[0]))
    problems = _problems(pd.DataFrame(rows), "quality_ratings")
    assert sorted((p.rule, p.row, p.column) for p in problems) == [
        ("allowed_codes", 3, "rating"),
        ("allowed_codes", 7, "subject"),
        ("duplicate_key", 2, "unit_code, year, subject, rating"),
        ("duplicate_key", 10, "unit_code, year, subject, rating"),
    ]
    weak = next(p for p in problems if p.column == "rating")
    assert weak.message("vi") == (
        "Tệp t.csv, dòng 3, cột rating: giá trị 'weak' — mã không được phép "
        "(các mã hợp lệ: excellent, good, completed, not_completed)"
    )


def _management(**overrides) -> dict:
    row = {
        "unit_code": "D04",
        "year": "2019",
        "members": "1000",
        "exempted": "130",
        "far_away": "40",
        "far_away_overdue": "8",
        "registered_76": "200",
        "screened": "25",
        "screened_removed": "3",
        "screened_monitored": "22",
    }
    row.update(overrides)
    return row


def test_member_management_is_typed_and_optional_columns_may_be_absent() -> None:
    frame = enforce(pd.DataFrame([_management()]), CONTRACTS["member_management"], "t.csv")
    assert frame.loc[0, ["members", "exempted", "screened_monitored"]].tolist() == [1000, 130, 22]
    minimal = enforce(
        pd.DataFrame(
            [{"Mã đơn vị": "D04", "Năm": "2019", "Số đảng viên": "1.000", "Miễn công tác và sinh hoạt đảng": "130"}]
        ),
        CONTRACTS["member_management"],
        "t.csv",
    )
    assert minimal.loc[0, "exempted"] == 130 and pd.isna(minimal.loc[0, "screened"])
    assert list(minimal.columns) == list(CONTRACTS["member_management"].names)


@pytest.mark.parametrize(
    ("overrides", "rule", "column"),
    [
        ({"exempted": "1001"}, "exempted_within_members", "exempted, members"),
        ({"far_away": "1001", "far_away_overdue": "8"}, "far_away_within_members", "far_away, members"),
        ({"far_away_overdue": "41"}, "overdue_within_far_away", "far_away_overdue, far_away"),
        ({"registered_76": "1200"}, "registered_76_within_members", "registered_76, members"),
        ({"screened": "1001", "screened_monitored": "998"}, "screened_within_members", "screened, members"),
        (
            {"screened_removed": "4"},
            "screening_outcomes_within_screened",
            "screened_removed, screened_monitored, screened",
        ),
        (
            {"screened_removed": "26", "screened_monitored": None},
            "screening_outcomes_within_screened",
            "screened_removed, screened_monitored, screened",
        ),
        ({"members": None}, "required_value", "members"),
    ],
)
def test_member_management_rules(overrides: dict, rule: str, column: str) -> None:
    problems = _problems(pd.DataFrame([_management(**overrides)]), "member_management")
    assert [(p.rule, p.row, p.column) for p in problems] == [(rule, 2, column)]
    assert problems[0].message("vi").startswith("Tệp t.csv, dòng 2, cột ")
    assert problems[0].message("en").startswith("File t.csv, row 2, column ")


def test_exempted_above_members_message_in_both_languages() -> None:
    problems = _problems(pd.DataFrame([_management(exempted="1001")]), "member_management")
    assert str(problems[0]) == (
        "Tệp t.csv, dòng 2, cột exempted, members: giá trị 'exempted=1001, members=1000' — số đảng viên được miễn "
        "công tác và sinh hoạt đảng không được lớn hơn số đảng viên\n"
        "    File t.csv, row 2, column exempted, members: value 'exempted=1001, members=1000' — members exempted "
        "from duties and activities cannot exceed the members"
    )


def test_screening_columns_given_alone_are_not_judged_against_each_other() -> None:
    # Only the removed count known: nothing to compare it with, the row passes.
    enforce(
        pd.DataFrame([_management(screened=None, screened_monitored=None)]), CONTRACTS["member_management"], "t.csv"
    )


# --- issue 12: the file rows of records that are not contiguous -------------------------------------------------


def test_messages_name_the_file_rows_given_for_each_record() -> None:
    raw = pd.concat(
        [_counts_raw(), _counts_raw(unit_code="D02", removed="-1", members_end="103"), _counts_raw(unit_code="D03")]
    )
    with pytest.raises(ContractError) as err:
        enforce(raw.reset_index(drop=True), CONTRACTS["annual_counts"], "bieu.xlsx", rows=(8, 12, 13))
    [problem] = err.value.problems
    assert (problem.rule, problem.row, problem.column) == ("minimum", 12, "removed")
    assert problem.message("vi").startswith("Tệp bieu.xlsx, dòng 12, cột removed: giá trị '-1'")
    assert problem.message("en").startswith("File bieu.xlsx, row 12, column removed: value '-1'")


def test_enforce_with_rows_keeps_the_file_row_of_each_kept_record() -> None:
    raw = pd.concat([_counts_raw(), _counts_raw(unit_code="D02"), _counts_raw(unit_code="D03")], ignore_index=True)
    frame, rows = enforce_with_rows(raw, CONTRACTS["annual_counts"], "t.csv", rows=(8, 12, 13), units={"D01", "D03"})
    assert frame["unit_code"].tolist() == ["D01", "D03"] and rows == (8, 13)
    assert enforce(raw, CONTRACTS["annual_counts"], "t.csv", first_row=1)["unit_code"].tolist() == ["D01", "D02", "D03"]
    with pytest.raises(ValueError):
        enforce(raw, CONTRACTS["annual_counts"], "t.csv", rows=(8, 12))


def test_a_table_without_records_is_typed_empty_here_and_refused_where_files_load(tmp_path) -> None:
    assert enforce(_counts_raw().iloc[:0], CONTRACTS["annual_counts"], "t.csv").empty  # importers check empty sheets
    path = tmp_path / "annual_counts.csv"
    path.write_text("unit_code,year,removed\n", encoding="utf-8")
    with pytest.raises(ContractError) as err:
        load_table(path)
    assert [(p.rule, p.column) for p in err.value.problems] == [
        ("missing_column", "asked_to_leave"),
        ("no_records", None),
    ]
    assert (
        err.value.problems[1]
        .message("vi")
        .endswith("annual_counts.csv: bảng annual_counts không có dòng dữ liệu nào, chỉ có dòng tiêu đề")
    )
    assert (
        err.value.problems[1]
        .message("en")
        .endswith("annual_counts.csv: the annual_counts table has no records, only its header")
    )


def test_every_reading_problem_has_its_text_in_both_languages() -> None:
    detail = {
        "suffixes": ".csv",
        "table": "members",
        "last": 30,
        "expected": "member_id",
        "seen": "1: 'x'",
        "found": 3,
        "files": "a.csv, a.xlsx",
    }
    for rule in READING_RULES:
        problem = Problem("a.csv", rule, column="c", row=4, detail=detail)
        vi, en = problem.message("vi"), problem.message("en")
        assert vi.startswith("Tệp a.csv, dòng 4, cột c: ") and en.startswith("File a.csv, row 4, column c: ")
        assert "{" not in vi + en and vi != en, rule
