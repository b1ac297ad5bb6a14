"""Biểu 1 forms in, annual counts out: the default province written as forms comes back exactly, in both layouts;
each break (stock identity, continuity, a count that is no count, the same unit and year twice, a period that is
not a calendar year) is named by file, sheet, row label and cell in both languages; unit and period come from the
title block or, failing that, from the names; the "thereof" row is never added; a form laid out differently still
reads; and the result is a dataset the term table renders."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from helpers.analyses.term_table import term_table
from helpers.data.contracts import CONTRACTS
from helpers.data.counts import counts_for_unit
from helpers.data.datasets import load_dataset
from helpers.data.importers import LOG_FILE, write_dataset
from helpers.data.importers.bieu1 import (
    MAPPING_FILE,
    committee,
    import_bieu1,
    is_bieu1_mapping,
    load_mapping,
    parse_count,
    period,
    strip_numbering,
    unit_key,
)
from helpers.data.terms import load_terms
from helpers.errors import BadInput, FormError, exit_code, is_bad_input
from helpers.synth.forms import bieu1_forms, write_bieu1_forms, write_form

COUNTS = list(CONTRACTS["annual_counts"].names)


def _ints(counts: pd.DataFrame) -> pd.DataFrame:
    """Counts as plain integers, sorted, for a cell-by-cell comparison."""
    out = counts[COUNTS].copy()
    out["unit_code"] = out["unit_code"].astype(str)
    for column in COUNTS[1:]:
        out[column] = pd.to_numeric(out[column]).astype("int64")
    return out.sort_values(["unit_code", "year"]).reset_index(drop=True)


def _form(sample, code: str, year: int, **changes):
    """The BieuForm of one unit and year, its values changed (row key → value)."""
    form = next(f for f in bieu1_forms(sample, [code], [year]) if f.year == year)
    return dataclasses.replace(form, values={**form.values, **changes})


def _save(path: Path, form, sheet_name: str | None = None, **layout) -> dict[str, str]:
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name or str(form.year)
    cells = write_form(sheet, form, **layout)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return cells


def _problems(err: pytest.ExceptionInfo) -> list[str]:
    return [str(p) for p in err.value.problems]


@pytest.fixture(scope="module")
def forms(tmp_path_factory, sample) -> dict[str, Path]:
    """The default province written as forms, both layouts (the districts' forms and the province's own)."""
    root = tmp_path_factory.mktemp("bieu1")
    folders = {}
    for layout in ("files", "workbook"):
        folders[layout] = root / layout
        write_bieu1_forms(sample, folders[layout], layout=layout)
    return folders


@pytest.fixture(scope="module")
def imported(forms, sample):
    return import_bieu1([forms["files"]], units=sample.units)


# --- (a) round trip --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["files", "workbook"])
def test_the_default_province_comes_back_from_its_forms_in_both_layouts(forms, sample, layout) -> None:
    result = import_bieu1([forms[layout]], units=sample.units)
    got, expected = _ints(result.tables["annual_counts"]), _ints(sample.annual_counts)
    assert got.shape == expected.shape == (135, 12)
    pd.testing.assert_frame_equal(got, expected)  # every unit, year and cell
    assert "SIM" not in set(got["unit_code"])  # the province's own forms left out: counts_for_unit sums districts
    assert result.tables["units"]["unit_code"].tolist() == sample.units["unit_code"].tolist()
    sheets = result.log.files
    assert len(sheets) == 150  # 9 districts and the province, 15 years each
    for entry in sheets:
        assert entry.rows_read == entry.rows_mapped + entry.rows_set_aside + entry.rows_refused
        assert entry.rows_refused == 0
    district = next(f for f in sheets if f.file.startswith("D01") and f.sheet == "2019")
    assert district.rows_mapped == 11 and district.rows_set_aside == 19
    province = next(f for f in sheets if f.file.startswith("SIM") and f.sheet == "2019")
    assert province.rows_mapped == 0 and any("không đưa vào" in n and "left out" in n for n in province.notes)
    assert any("SIM" in n and "2011–2025" in n for n in result.log.notes)
    assert not any("tổng của" in n for n in result.log.notes)  # the province's forms equal their districts' sums


def test_the_transfers_are_the_sum_of_their_parts(forms, imported) -> None:
    sheet = load_workbook(forms["files"] / "D03-2018.xlsx").active
    rows = {str(r[0].value).strip(): r[1].value for r in sheet.iter_rows(min_row=12, max_row=29) if r[0].value}
    counts = imported.tables["annual_counts"].set_index(["unit_code", "year"]).loc[("D03", "2018")]
    assert int(counts["transferred_in"]) == rows["a. Từ tỉnh khác"] + rows["b. Từ huyện khác"] == rows["2. Chuyển đến"]
    assert int(counts["transferred_out"]) == rows["a. Sang tỉnh khác"] + rows["b. Sang huyện khác"]


def test_parts_alone_are_summed_and_the_log_says_so(tmp_path, sample) -> None:
    form = _form(sample, "D04", 2017)
    _save(tmp_path / "D04-2017.xlsx", form, omit={"transferred_in", "transferred_out"})
    result = import_bieu1([tmp_path], units=sample.units)
    row = result.tables["annual_counts"].iloc[0]
    assert int(row["transferred_in"]) == form.values["transferred_in"]
    assert int(row["transferred_out"]) == form.values["transferred_out"]
    notes = " ".join(result.log.files[0].notes)
    assert "lấy tổng các dòng chi tiết" in notes and "the sum of its sub-rows" in notes


def test_without_a_units_table_the_units_are_built_from_the_title_blocks(forms, sample, imported) -> None:
    result = import_bieu1([forms["files"]])
    units = result.tables["units"]
    province = units[units["level"] == "province"]
    assert province["unit_code"].tolist() == ["MP"] and province["name"].tolist() == ["Đảng bộ tỉnh Mô Phỏng"]
    districts = units[units["level"] == "district"]
    assert len(districts) == 9 and set(districts["parent_code"]) == {"MP"}
    assert set(units["valid_from"]) == {"2011-01-01"}
    assert "HUYEN_TAN_LAP_MO_PHONG" in set(units["unit_code"])  # stable: the name in ASCII capitals
    assert import_bieu1([forms["workbook"]]).tables["units"].equals(units)  # the same codes from the other layout
    by_name = {unit_key(n): c for c, n in zip(sample.units["unit_code"], sample.units["name"])}
    built = {c: by_name[unit_key(n)] for c, n in zip(units["unit_code"], units["name"])}
    got = result.tables["annual_counts"].assign(unit_code=lambda f: f["unit_code"].map(built))
    pd.testing.assert_frame_equal(_ints(got), _ints(imported.tables["annual_counts"]))


def test_a_province_form_that_differs_from_its_districts_is_a_note_naming_the_cell(tmp_path, sample) -> None:
    for code in [f"D0{i}" for i in range(1, 10)]:
        _save(tmp_path / f"{code}-2019.xlsx", _form(sample, code, 2019))
    own = _form(sample, "SIM", 2019)
    changed = {k: own.values[k] + 2 for k in ("admitted", "increase", "members_end")}
    cells = _save(tmp_path / "SIM-2019.xlsx", dataclasses.replace(own, values={**own.values, **changed}))
    result = import_bieu1([tmp_path], units=sample.units)
    assert "SIM" not in set(result.tables["annual_counts"]["unit_code"])
    notes = [n for n in result.log.notes if "SIM-2019.xlsx [2019]" in n]
    assert any(f"dòng '1. Kết nạp đảng viên mới', ô {cells['admitted']}" in n for n in notes)
    assert any(f"row 'D. Đảng viên cuối kỳ', cell {cells['members_end']}" in n for n in notes)


# --- (b) a planted inconsistency -------------------------------------------------------------------------------


def test_a_planted_end_of_period_is_refused_naming_file_sheet_row_and_cell(tmp_path, forms, sample) -> None:
    for name in ("D01-2019.xlsx", "D01-2020.xlsx"):
        shutil.copy(forms["files"] / name, tmp_path / name)
    book = load_workbook(tmp_path / "D01-2019.xlsx")
    sheet = book.active
    row = next(r for r in sheet.iter_rows() if r[0].value == "D. Đảng viên cuối kỳ")
    row[1].value += 7
    cell = row[1].coordinate
    book.save(tmp_path / "D01-2019.xlsx")
    with pytest.raises(FormError) as err:
        import_bieu1([tmp_path], units=sample.units)
    assert isinstance(err.value, BadInput) and is_bad_input(err.value) and exit_code(err.value) == 2
    rules = [p.rule for p in err.value.problems]
    assert rules == ["stock_identity", "continuity"]
    identity = str(err.value.problems[0])
    assert f"D01-2019.xlsx [2019], dòng 'D. Đảng viên cuối kỳ', ô {cell}" in identity
    assert f"D01-2019.xlsx [2019], row 'D. Đảng viên cuối kỳ', cell {cell}" in identity
    # the figures are the default province's D01 in 2019 (read from the sample, which is regenerated at times)
    d01 = sample.annual_counts.set_index(["unit_code", "year"]).loc[("D01", 2019)]
    start, end = int(d01["members_start"]), int(d01["members_end"])
    increase = int(d01[["admitted", "transferred_in"]].sum())
    decrease = int(d01[["transferred_out", "removed", "asked_to_leave", "expelled", "died", "other_exit"]].sum())
    assert start + increase - decrease == end
    assert f"cuối kỳ {end + 7} khác đầu kỳ {start} + tăng {increase} − giảm {decrease} = {end}" in identity
    assert f"end {end + 7} differ from start {start} + increase {increase} − decrease {decrease} = {end}" in identity
    continuity = str(err.value.problems[1])  # 2020 starts from the true end of 2019: the planted cell stands out
    assert "D01-2020.xlsx [2020], dòng 'A. Đảng viên đầu kỳ'" in continuity and cell in continuity
    assert identity in str(err.value)  # the error's own message carries the problems


def test_a_count_that_is_not_a_whole_number_is_named(tmp_path, sample) -> None:
    form = _form(sample, "D02", 2018, died=12.5, expelled=-1)
    cells = _save(tmp_path / "D02-2018.xlsx", form)
    with pytest.raises(FormError) as err:
        import_bieu1([tmp_path], units=sample.units)
    messages = _problems(err)
    assert len(messages) == 2
    assert f"D02-2018.xlsx [2018], dòng '1. Từ trần', ô {cells['died']}: '12.5' không phải số người" in messages[0]
    assert f"row '2. Khai trừ', cell {cells['expelled']}: '-1' is not a number of members" in messages[1]


def test_a_total_or_a_transfer_that_differs_from_its_rows_is_named(tmp_path, sample) -> None:
    base = _form(sample, "D03", 2016)
    changed = {"increase": base.values["increase"] + 1, "transferred_out_other_district": 0}
    cells = _save(tmp_path / "D03-2016.xlsx", dataclasses.replace(base, values={**base.values, **changed}))
    with pytest.raises(FormError) as err:
        import_bieu1([tmp_path], units=sample.units)
    assert [p.rule for p in err.value.problems] == ["parts_mismatch", "total_mismatch"]
    parts, total = _problems(err)
    assert f"dòng '5. Chuyển đi', ô {cells['transferred_out']}: {base.values['transferred_out']} khác tổng" in parts
    assert f"row 'B. Đảng viên tăng trong kỳ', cell {cells['increase']}: total {changed['increase']}" in total


def test_a_form_exported_as_text_reads_too(tmp_path, forms, sample) -> None:
    from helpers.data.readers import read_sheets

    (sheet,) = read_sheets(forms["files"] / "D07-2023.xlsx")
    sheet.cells.to_csv(tmp_path / "D07-2023.csv", index=False, header=False, sep=";", encoding="utf-8-sig")
    result = import_bieu1([tmp_path / "D07-2023.csv"], units=sample.units)
    expected = _ints(sample.annual_counts)
    expected = expected[(expected["unit_code"] == "D07") & (expected["year"] == 2023)].reset_index(drop=True)
    pd.testing.assert_frame_equal(_ints(result.tables["annual_counts"]), expected)
    assert result.log.files[0].file == "D07-2023.csv" and result.log.files[0].sheet == ""


def test_the_same_unit_and_year_twice_is_refused(tmp_path, forms, sample) -> None:
    shutil.copy(forms["files"] / "D05-2016.xlsx", tmp_path / "D05-2016.xlsx")
    _save(tmp_path / "again" / "D05.xlsx", _form(sample, "D05", 2016))
    with pytest.raises(FormError) as err:
        import_bieu1([tmp_path], units=sample.units)
    (message,) = _problems(err)
    assert "again/D05.xlsx [2016]" in message and "D05 năm 2016 đã có ở D05-2016.xlsx [2016]" in message
    assert "unit D05, year 2016 is already given in D05-2016.xlsx [2016]" in message


# --- (c) continuity --------------------------------------------------------------------------------------------


def test_a_break_in_continuity_between_two_years_is_named(tmp_path, sample) -> None:
    counts = sample.annual_counts.copy()
    at = (counts["unit_code"] == "D02") & (counts["year"] == 2016)
    counts.loc[at, ["members_start", "members_end"]] += 5  # the identity still holds within 2016
    broken = dataclasses.replace(sample, annual_counts=counts)
    write_bieu1_forms(broken, tmp_path, units=["D02"], years=[2015, 2016])
    with pytest.raises(FormError) as err:
        import_bieu1([tmp_path], units=sample.units)
    (problem,) = err.value.problems
    assert problem.rule == "continuity"
    vi, en = problem.message("vi"), problem.message("en")
    end_2015 = int(counts.loc[(counts["unit_code"] == "D02") & (counts["year"] == 2015), "members_end"].iloc[0])
    assert vi.startswith("D02-2016.xlsx [2016], dòng 'A. Đảng viên đầu kỳ', ô B12:")
    assert f"đầu kỳ năm 2016 là {end_2015 + 5}, khác số cuối kỳ năm 2015 là {end_2015}" in vi
    assert "(D02-2015.xlsx [2015], dòng 'D. Đảng viên cuối kỳ', ô B29)" in vi
    assert en.startswith("D02-2016.xlsx [2016], row 'A. Đảng viên đầu kỳ', cell B12:")
    assert "(D02-2015.xlsx [2015], row 'D. Đảng viên cuối kỳ', cell B29)" in en


# --- (d) unit and period: title block or names -----------------------------------------------------------------


def test_unit_and_period_come_from_the_title_block_and_the_log_says_where(imported) -> None:
    entry = next(f for f in imported.log.files if f.file == "D03-2019.xlsx")
    notes = " ".join(entry.notes)
    assert "đơn vị 'HUYỆN ỦY TÂN LẬP (MÔ PHỎNG)'" not in notes  # the committee is read as its unit's name
    assert "đơn vị 'HUYỆN TÂN LẬP (MÔ PHỎNG)' đọc ở phần đầu biểu, ô A2" in notes
    assert "unit 'HUYỆN TÂN LẬP (MÔ PHỎNG)' read from the title block, cell A2" in notes
    assert "năm 2019 đọc ở phần đầu biểu, ô A7" in notes and "year 2019 read from the title block" in notes


def test_without_a_title_block_unit_and_period_come_from_the_file_and_sheet_names(tmp_path, sample) -> None:
    _save(tmp_path / "D03-2019.xlsx", _form(sample, "D03", 2019), sheet_name="Sheet1", title_block=False)
    _save(tmp_path / "D04.xlsx", _form(sample, "D04", 2019), sheet_name="2019", title_block=False)
    result = import_bieu1([tmp_path], units=sample.units)
    got = _ints(result.tables["annual_counts"])
    expected = _ints(sample.annual_counts)
    expected = expected[expected["unit_code"].isin(["D03", "D04"]) & (expected["year"] == 2019)]
    pd.testing.assert_frame_equal(got, expected.reset_index(drop=True))
    by_file = {f.file: " ".join(f.notes) for f in result.log.files}
    assert "đơn vị 'D03' lấy từ tên tệp 'D03-2019'" in by_file["D03-2019.xlsx"]
    assert "year 2019 taken from the file name 'D03-2019'" in by_file["D03-2019.xlsx"]
    assert "đơn vị 'D04' lấy từ tên tệp 'D04'" in by_file["D04.xlsx"]
    assert "năm 2019 lấy từ tên trang '2019'" in by_file["D04.xlsx"]
    built = import_bieu1([tmp_path]).tables["units"]  # without a units table: the codes as the names give them
    assert sorted(built["unit_code"]) == ["D03", "D04"]


def test_a_period_that_is_not_a_calendar_year_is_refused(tmp_path, sample) -> None:
    form = dataclasses.replace(_form(sample, "D06", 2019), period="Từ 01/01/2019 đến 30/06/2019")
    _save(tmp_path / "D06-2019.xlsx", form)
    with pytest.raises(FormError) as err:
        import_bieu1([tmp_path], units=sample.units)
    (message,) = _problems(err)
    assert (
        "D06-2019.xlsx [2019], ô A7: kỳ báo cáo 'Từ 01/01/2019 đến 30/06/2019' không phải một năm dương lịch" in message
    )
    assert "D06-2019.xlsx [2019], cell A7: period 'Từ 01/01/2019 đến 30/06/2019' is not a calendar year" in message


def test_a_unit_not_in_the_units_table_is_refused_naming_file_and_sheet(tmp_path, sample) -> None:
    form = dataclasses.replace(_form(sample, "D07", 2019), lines=("ĐẢNG BỘ TỈNH MÔ PHỎNG", "HUYỆN ỦY NÚI XA"))
    _save(tmp_path / "nui-xa.xlsx", form)
    with pytest.raises(FormError) as err:
        import_bieu1([tmp_path], units=sample.units)
    (message,) = _problems(err)
    assert "nui-xa.xlsx [2019], ô A2: đơn vị 'HUYỆN NÚI XA' không có trong bảng đơn vị" in message
    assert "nui-xa.xlsx [2019], cell A2: unit 'HUYỆN NÚI XA' is not in the units table" in message


# --- (e) the thereof row ---------------------------------------------------------------------------------------


def test_the_probationary_thereof_row_is_not_added(tmp_path, sample) -> None:
    base = _form(sample, "D05", 2019)
    removed = base.values["removed"]
    form = dataclasses.replace(base, values={**base.values, "removed_probationary": removed})
    cells = _save(tmp_path / "D05-2019.xlsx", form, labels={"removed_probationary": "- Đảng viên dự bị"})
    result = import_bieu1([tmp_path], units=sample.units)
    assert int(result.tables["annual_counts"].iloc[0]["removed"]) == removed
    notes = " ".join(result.log.files[0].notes)
    assert f"dòng '- Đảng viên dự bị' (ô {cells['removed_probationary']}: {removed}) là số 'trong đó'" in notes
    assert "is a 'thereof' of row '3. Xóa tên': not added" in notes
    too_many = dataclasses.replace(base, values={**base.values, "removed_probationary": removed + 1})
    _save(tmp_path / "D05-2019.xlsx", too_many)
    with pytest.raises(FormError) as err:
        import_bieu1([tmp_path], units=sample.units)
    (message,) = _problems(err)
    assert f"dòng 'Trong đó: đảng viên dự bị', ô {cells['removed_probationary']}: số 'trong đó'" in message


def test_reinstated_members_count_with_transfers_in_and_the_log_says_so(tmp_path, sample) -> None:
    base = _form(sample, "D08", 2020)
    v = dict(base.values)
    v |= {"reinstated": 2, "transferred_in": v["transferred_in"] - 2}
    v["transferred_in_other_district"] -= 2
    cells = _save(tmp_path / "D08-2020.xlsx", dataclasses.replace(base, values=v))
    result = import_bieu1([tmp_path], units=sample.units)
    assert int(result.tables["annual_counts"].iloc[0]["transferred_in"]) == base.values["transferred_in"]
    notes = " ".join(result.log.files[0].notes)
    assert f"2 đảng viên phục hồi đảng tịch (dòng '3. Phục hồi đảng tịch', ô {cells['reinstated']})" in notes
    assert "are counted with transfers in (transferred_in)" in notes


# --- (f) another layout ----------------------------------------------------------------------------------------


def test_a_merged_header_stray_title_rows_and_another_column_order_still_import(tmp_path, sample) -> None:
    form = _form(sample, "D09", 2021)
    layout = {
        "columns": ("label", "previous", "current", "percent"),
        "numbering": "column",
        "grouped_header": True,
        "stray_rows": ("Kính gửi: Ban Tổ chức Tỉnh ủy", "(Kèm theo Báo cáo số 12-BC/BTCHU ngày 15/01/2022)"),
    }
    cells = _save(tmp_path / "khoi-2021.xlsx", form, sheet_name="Biểu 1", **layout)
    assert cells["members_end"].startswith("D")  # STT, Chỉ tiêu, Cùng kỳ năm trước, Kỳ này
    result = import_bieu1([tmp_path], units=sample.units)
    expected = _ints(sample.annual_counts)
    expected = expected[(expected["unit_code"] == "D09") & (expected["year"] == 2021)].reset_index(drop=True)
    pd.testing.assert_frame_equal(_ints(result.tables["annual_counts"]), expected)
    entry = result.log.files[0]
    assert entry.rows_read == entry.rows_mapped + entry.rows_set_aside + entry.rows_refused
    assert any("cột 'Kỳ này' là cột D, tên dòng ở cột B" in n for n in entry.notes)


def test_a_users_copy_of_the_mapping_reads_other_wording(tmp_path, sample) -> None:
    import yaml

    form = _form(sample, "D01", 2022)
    _save(tmp_path / "forms" / "D01-2022.xlsx", form, labels={"removed": "3. Đưa tên ra khỏi danh sách"})
    with pytest.raises(FormError) as err:
        import_bieu1([tmp_path / "forms"], units=sample.units)
    assert "missing_row" in [p.rule for p in err.value.problems]
    config = yaml.safe_load(MAPPING_FILE.read_text(encoding="utf-8"))
    next(r for r in config["rows"] if r["key"] == "removed")["labels"].append("Đưa tên ra khỏi danh sách")
    copy = tmp_path / "my-form.yaml"
    copy.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    result = import_bieu1([tmp_path / "forms"], units=sample.units, mapping=copy)
    assert int(result.tables["annual_counts"].iloc[0]["removed"]) == form.values["removed"]
    assert load_mapping(copy).source == "my-form.yaml"
    assert is_bieu1_mapping(copy) and is_bieu1_mapping(MAPPING_FILE) and not is_bieu1_mapping(tmp_path / "none.yaml")
    with pytest.raises(BadInput, match="format: bieu1"):
        load_mapping({"format": "csdl"})


def test_a_sheet_that_is_no_form_is_skipped_with_a_note(tmp_path, sample) -> None:
    book = Workbook()
    book.active.title = "Hướng dẫn"
    book.active["A1"] = "Điền số liệu vào các trang theo năm"
    write_form(book.create_sheet("2019"), _form(sample, "D02", 2019))
    book.save(tmp_path / "D02.xlsx")
    result = import_bieu1([tmp_path], units=sample.units)
    assert len(result.tables["annual_counts"]) == 1
    guide = result.log.files[0]
    assert guide.sheet == "Hướng dẫn" and guide.rows_set_aside == 1 and "không phải Biểu 1" in guide.notes[0]


# --- (g) the dataset it writes ---------------------------------------------------------------------------------


def test_the_written_dataset_loads_and_renders_a_term_table(tmp_path, imported, sample) -> None:
    from helpers.report.sections.term_table import TermTableReport

    out = tmp_path / "tinh"
    write_dataset(imported, out)
    dataset = load_dataset(out)
    pd.testing.assert_frame_equal(_ints(dataset.annual_counts), _ints(sample.annual_counts))
    log = json.loads((out / LOG_FILE).read_text(encoding="utf-8"))
    assert log["format"] == "bieu1" and len(log["files"]) == 150
    terms, kinds = ["2015-2020", "2020-2025"], ["removed", "asked_to_leave"]
    report = TermTableReport.build(str(out), "SIM", terms, kinds, "vi")
    expected = term_table(
        counts_for_unit(sample.annual_counts, sample.units, "SIM"), load_terms().for_province("SIM"), kinds, terms
    )
    for column in ["removed", "asked_to_leave", "total", "removed_change_pct"]:
        assert report.table[column].tolist() == expected[column].tolist()
    html = report.terms_section()
    assert "2015–2020" in html and "xóa tên" in html.lower()


# --- the pieces ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "bare"),
    [
        ("A. Đảng viên đầu kỳ", "Đảng viên đầu kỳ"),
        ("B - Tăng", "Tăng"),
        ("2.1. Từ tỉnh khác", "Từ tỉnh khác"),
        ("a) Từ huyện khác", "Từ huyện khác"),
        ("b/ Sang huyện khác", "Sang huyện khác"),
        ("- Trong đó: đảng viên dự bị", "Trong đó: đảng viên dự bị"),
        ("(3) Xóa tên", "Xóa tên"),
        ("Đảng viên cuối kỳ", "Đảng viên cuối kỳ"),
    ],
)
def test_numbering_is_stripped_from_labels(label: str, bare: str) -> None:
    assert strip_numbering(label) == bare


@pytest.mark.parametrize(
    ("cell", "shown", "key", "province"),
    [
        ("TỈNH ỦY TÂY NINH", "TỈNH TÂY NINH", "tinh tay ninh", True),
        ("ĐẢNG BỘ TỈNH TÂY NINH", "TỈNH TÂY NINH", "tinh tay ninh", True),
        ("HUYỆN ỦY TÂN BIÊN", "HUYỆN TÂN BIÊN", "huyen tan bien", False),
        ("Đảng bộ huyện Tân Biên", "huyện Tân Biên", "huyen tan bien", False),
        ("THÀNH ỦY TÂY NINH", "THÀNH PHỐ TÂY NINH", "thanh pho tay ninh", False),
        ("Đơn vị: Đảng bộ Khối cơ quan", "Khối cơ quan", "khoi co quan", False),
        ("TỈNH ỦY TÂY NINH BAN TỔ CHỨC", "TỈNH TÂY NINH", "tinh tay ninh", True),
    ],
)
def test_committees_in_a_title_block_name_their_unit(cell, shown, key, province) -> None:
    named = committee(cell)
    assert (named.shown, named.key, named.province) == (shown, key, province)
    assert unit_key("Đảng bộ tỉnh Tây Ninh") == "tinh tay ninh"


@pytest.mark.parametrize(
    "cell", ["BAN TỔ CHỨC", "Đơn vị tính: người", "BÁO CÁO TĂNG, GIẢM ĐẢNG VIÊN", "Biểu số 1-TCTW"]
)
def test_other_title_cells_name_no_unit(cell: str) -> None:
    assert committee(cell) is None


@pytest.mark.parametrize(
    ("cell", "said"),
    [
        ("Năm 2019", (2019, True)),
        ("(Năm 2019)", (2019, True)),
        ("Từ 01/01/2019 đến 31/12/2019", (2019, True)),
        ("Từ ngày 01/01/2019 đến ngày 31/12/2019", (2019, True)),
        ("Từ 01/01/2019 đến 30/06/2019", (None, False)),
        ("6 tháng đầu năm 2019", (None, False)),
        ("Bình Minh, ngày 15 tháng 01 năm 2020", None),
        ("BÁO CÁO TĂNG, GIẢM ĐẢNG VIÊN", None),
    ],
)
def test_the_period_a_cell_states(cell: str, said) -> None:
    assert period(cell) == said


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("1234", (1234, True)), ("1.234", (1234, True)), ("1 234", (1234, True)), ("-", (0, True)), (None, (None, True))],
)
def test_counts_are_read_as_whole_numbers(text, parsed) -> None:
    assert parse_count(text) == parsed
    assert parse_count("12.5") == (None, False) and parse_count("-3") == (None, False)
