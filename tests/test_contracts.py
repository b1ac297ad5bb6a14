"""Contracts accept the default data and reject broken variants with a message naming file, row, column, rule."""
from __future__ import annotations

import pandas as pd
import pytest

from helpers.contracts import CONTRACTS, ContractError, enforce, header_key
from helpers.datasets import load_table
from helpers.paths import sample_dir


def _problems(raw: pd.DataFrame, table: str) -> list:
    with pytest.raises(ContractError) as err:
        enforce(raw, CONTRACTS[table], "t.csv")
    return err.value.problems


def _counts_raw(**overrides) -> pd.DataFrame:
    row = {"unit_code": "D01", "year": "2020", "members_start": "100", "admitted": "5", "transferred_in": "1",
           "transferred_out": "2", "removed": "3", "asked_to_leave": "1", "expelled": "0", "died": "1",
           "other_exit": "0", "members_end": "99"}
    row.update(overrides)
    return pd.DataFrame([row])


@pytest.mark.parametrize("table", ["units", "members", "annual_counts", "survey", "targets"])
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
    raw = pd.DataFrame([{"Mã đơn vị": "D01", "Năm": "2020", "Số đảng viên đầu năm": "1.200", "Kết nạp": "5",
                         "Chuyển đến": "0", "Chuyển đi": "0", "Xoá tên": "3", "XIN RA KHỎI ĐẢNG": "1",
                         "Khai trừ": "0", "Từ trần": "0", "other_exit": "0", "Số đảng viên cuối năm": "1.201"}])
    frame = enforce(raw, CONTRACTS["annual_counts"], "t.csv")
    assert frame.loc[0, "members_start"] == 1200 and frame.loc[0, "removed"] == 3


def test_header_key_ignores_accents_case_and_punctuation() -> None:
    assert header_key("Xoá tên") == header_key("XÓA TÊN") == header_key("xoa_ten") == "xoa ten"
    assert header_key("Đảng viên") == "dang vien"


def _member(**overrides) -> dict:
    row = {"member_id": "M1", "unit_code": "D01", "branch_id": "B1", "branch_type": "hamlet", "sex": "male",
           "birth_year": "1990", "occupation": "farmer", "professional_training": "none",
           "political_training": "none", "admission_date": "2015-03-01", "entry_kind": "admitted",
           "entry_date": "2015-03-01", "exit_date": "2019-05-02", "exit_kind": "removed",
           "exit_reason": "quit_activity", "cause_group": "7"}
    row.update(overrides)
    return row


@pytest.mark.parametrize(("overrides", "rule", "column"), [
    ({"exit_date": "2014-01-01"}, "exit_after_admission", "exit_date, admission_date"),
    ({"exit_kind": None, "exit_reason": None, "cause_group": None}, "exit_kind_with_date", "exit_kind, exit_date"),
    ({"exit_reason": "spouse_abroad"}, "reason_matches_kind", "exit_reason, exit_kind"),
    ({"exit_kind": "died", "exit_reason": None}, "cause_only_for_attrition", "cause_group, exit_kind"),
    ({"entry_date": "2016-01-01"}, "entry_date_matches_kind", "entry_kind, entry_date"),
    ({"branch_type": "village"}, "allowed_codes", "branch_type"),
    ({"cause_group": "8"}, "maximum", "cause_group"),
    ({"admission_date": "31/02/2015"}, "not_date", "admission_date"),
])
def test_member_rules(overrides: dict, rule: str, column: str) -> None:
    problems = _problems(pd.DataFrame([_member(**overrides)]), "members")
    assert rule in [p.rule for p in problems]
    assert column in [p.column for p in problems if p.rule == rule]


def test_member_dates_in_vietnamese_order_are_read() -> None:
    frame = enforce(pd.DataFrame([_member(admission_date="01/03/2015", entry_date="01/03/2015")]),
                    CONTRACTS["members"], "t.csv")
    assert frame.loc[0, "admission_date"] == pd.Timestamp("2015-03-01")


def test_units_parent_and_successor_must_exist() -> None:
    raw = pd.DataFrame([
        {"unit_code": "P", "name": "Tỉnh", "parent_code": None, "level": "province", "valid_from": "2008-01-01",
         "valid_to": "2025-06-30", "successor_code": "Q"},
        {"unit_code": "D", "name": "Huyện", "parent_code": "X", "level": "district", "valid_from": "2008-01-01",
         "valid_to": "2007-01-01", "successor_code": None},
    ])
    rules = sorted(p.rule for p in _problems(raw, "units"))
    assert rules == ["parent_exists", "successor_exists", "valid_to_after_from"]


def test_survey_ratings_are_one_to_five() -> None:
    row = {"respondent_id": "R1", "respondent_type": "branch", "unit_code": "D01", "branch_type": "hamlet",
           "year": "2021", **{f"cause_{k}": "3" for k in range(1, 8)}, **{f"solution_{k}": "4" for k in range(1, 8)}}
    row["solution_4"] = "6"
    problems = _problems(pd.DataFrame([row]), "survey")
    assert [(p.rule, p.column, p.value) for p in problems] == [("maximum", "solution_4", "6")]


def test_every_column_and_code_has_labels_in_both_languages() -> None:
    from helpers.codes import DOMAINS
    from helpers.text import t

    for contract in CONTRACTS.values():
        for f in contract.fields:
            assert t(f"columns.{f.name}", "vi") and t(f"columns.{f.name}", "en")
    for domain, codes in DOMAINS.items():
        for code in codes:
            assert t(f"codes.{domain}.{code}", "vi") and t(f"codes.{domain}.{code}", "en")
