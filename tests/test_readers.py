"""Readers accept CSV (BOM or not, comma or semicolon, decimal comma), XLSX and Parquet alike, and a province's own
files as they really arrive: XLS and ODS too, UTF-16 and Windows-1258 text, forms with title rows, a merged two-row
header, a row numbering the columns, an STT column, totals rows and a signature footer."""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pandas as pd
import pytest
import xlwt

from helpers.data.contracts import ContractError
from helpers.data.datasets import load_table, read_raw
from helpers.data.readers import SUFFIXES, read_text_table
from helpers.paths import sample_dir
from helpers.text import both

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


# --- issue 12: a province's own files, as they really arrive ------------------------------------------------------
#
# Every fixture is built here, with made-up people and codes: a district's member list as its office exports it, as
# XLSX (openpyxl, merged cells), XLS (xlwt), Excel's "Unicode text" (UTF-16, tabs) and an old Windows-1258 CSV.

EPOCH = dt.date(1899, 12, 30)  # Excel's day 0


def serial(day: dt.date) -> int:
    """The Excel serial number of a date (what a date cell holds when it is formatted as a plain number)."""
    return (day - EPOCH).days


TITLE = [
    ["TỈNH ỦY TỈNH MẪU"],
    ["BAN TỔ CHỨC"],
    ["DANH SÁCH ĐẢNG VIÊN"],
    ["Ngày xuất: 15/01/2020"],
]
# The merged two-row header: "Ngày" over three sub-columns (L–N), "Hình thức" over two (O–P), the rest merged down.
UPPER = [
    "STT",
    "Mã đảng viên",
    "Họ và tên",
    "Mã đơn vị",
    "Mã chi bộ",
    "Loại hình chi bộ",
    "Giới tính",
    "Năm sinh",
    "Nghề nghiệp",
    "Trình độ chuyên môn",
    "Lý luận chính trị",
    "Ngày",
    None,
    None,
    "Hình thức",
    None,
    "Lý do",
    "Nhóm nguyên nhân",
]
LOWER = [None] * 11 + [
    "Kết nạp",
    "Vào danh sách",
    "Ra khỏi danh sách",
    "Vào danh sách",
    "Ra khỏi danh sách",
    None,
    None,
]
ONE_ROW = [*UPPER[:11], "Ngày kết nạp", "Ngày vào danh sách", "Ngày ra khỏi danh sách"] + [
    "Hình thức vào danh sách",
    "Hình thức ra khỏi danh sách",
    "Lý do",
    "Nhóm nguyên nhân",
]
NUMBERS = ["A", "B", "C", *[str(k) for k in range(1, 15)], "15 = 13 + 14"]
WIDTH = len(UPPER)

ADMITTED_2 = dt.date(2019, 2, 1)
LEFT_2 = dt.date(2021, 6, 10)
# Four made-up members: dates as dd/mm/yyyy text, as date cells and as Excel serial numbers; ids with leading zeros.
RECORDS = [
    [1, "00012", "Nguyễn Văn Một", "D01", "D01-HA001", "hamlet", "male", 1980, "farmer", "none", "elementary"]
    + ["15/01/2005", None, None, "on_roll", None, None, None],
    [2, "00107", "Trần Thị Hai", "D01", "D01-HA001", "hamlet", "female", 1992, "worker", "college", "none"]
    + [ADMITTED_2, serial(ADMITTED_2), serial(LEFT_2), "admitted", "removed", "quit_activity", 3],
    [3, "01234", unicodedata.normalize("NFD", "  Lê   Văn Ba "), "D02", "D02-AG002", "agency", "male", 1975]
    + ["civil_servant", "university", "intermediate", "03/09/1999", None, "20/11/2019", "on_roll", "died", None, None],
    [4, "00009", "Phạm Thị Bốn", "D02", "D02-AG002", "agency", "female", 1988, "trader", "intermediate"]
    + ["elementary", "10/10/2010", "05/03/2015", None, "transferred_in", None, None, None],
]
FOOTER = [
    [None] * 13 + ["Tỉnh Mẫu, ngày 15 tháng 01 năm 2020"],
    [None, "NGƯỜI LẬP BIỂU"] + [None] * 11 + ["TRƯỞNG BAN"],
    [None, "(Ký, ghi rõ họ tên)"] + [None] * 11 + ["(Ký, ghi rõ họ tên)"],
    [],
    [None, "Nguyễn Văn Mẫu"] + [None] * 11 + ["Trần Thị Thử"],
]
TOTALS = ["Tổng cộng", None, None, 4]


def form_rows(two_row_header: bool = True) -> list[list]:
    """The member list, row by row as the sheet shows it (file row = position + 1)."""
    header = [UPPER, LOWER] if two_row_header else [ONE_ROW]
    return [*TITLE, *header, NUMBERS, *RECORDS[:3], [], RECORDS[3], TOTALS, [], *FOOTER]


# File rows of the workbook form (two-row header on rows 5–6, column numbers on 7).
XLSX_ROWS = (8, 9, 10, 12)
MERGES = [(2, 0, 2, WIDTH - 1), *[(4, c, 5, c) for c in (*range(11), 16, 17)], (4, 11, 4, 13), (4, 14, 4, 15)]
MERGES += [(12, 0, 12, 2)]  # "Tổng cộng" over the STT, id and name columns


def write_xlsx(path: Path, rows: list[list] | None = None, merges: list | None = None) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách"
    for r, row in enumerate(rows or form_rows(), start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(r, c, value)
    for r0, c0, r1, c1 in MERGES if merges is None else merges:
        sheet.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    workbook.save(path)
    return path


def write_xls(path: Path) -> Path:
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("Danh sach")
    dates = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    rows = form_rows()
    covered = {(r, c) for r0, c0, r1, c1 in MERGES for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    for r0, c0, r1, c1 in MERGES:
        sheet.write_merge(r0, r1, c0, c1, rows[r0][c0] if c0 < len(rows[r0]) else None)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None or (r, c) in covered:
                continue
            sheet.write(r, c, value, dates) if isinstance(value, dt.date) else sheet.write(r, c, value)
    workbook.save(str(path))
    return path


ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def write_ods(path: Path, rows: list[list]) -> Path:
    """A minimal OpenDocument spreadsheet (what LibreOffice saves): text cells, and numbers as float cells."""

    def cell(value: object) -> str:
        if value is None:
            return "<table:table-cell/>"
        if isinstance(value, int | float):
            kind = f'office:value-type="float" office:value="{value}"'
        else:
            kind = 'office:value-type="string"'
        return f"<table:table-cell {kind}><text:p>{escape(str(value))}</text:p></table:table-cell>"

    body = "".join("<table:table-row>" + "".join(map(cell, row)) + "</table:table-row>" for row in rows)
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS} office:version="1.2"><office:body>'
        f'<office:spreadsheet><table:table table:name="DS">{body}</table:table></office:spreadsheet></office:body>'
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)
    return path


def text_rows() -> list[list[str]]:
    """The form as a text export writes it: one header row, every date as dd/mm/yyyy text, every cell in NFD (as
    some Vietnamese keyboards type it) with the stray spaces of hand-typed cells."""
    rows = form_rows(two_row_header=False)
    rows[7] = [*rows[7][:11], "01/02/2019", "01/02/2019", "10/06/2021", *rows[7][14:]]  # the second member
    return [["" if v is None else unicodedata.normalize("NFD", str(v)) for v in row] for row in rows]


# File rows of the text form (one header row on 5, column numbers on 6).
TEXT_ROWS = (7, 8, 9, 11)


TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # grave, acute, tilde, hook above, dot below


def cp1258(text: str) -> bytes:
    """Text as Windows-1258 writes Vietnamese: a precomposed letter where the code page has one, else the letter
    with its vowel mark (â, ơ, ư…) followed by its tone as a combining mark."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            marks = unicodedata.normalize("NFD", ch)
            letter = unicodedata.normalize("NFC", "".join(m for m in marks if m not in TONES))
            out += letter.encode("cp1258") + "".join(m for m in marks if m in TONES).encode("cp1258")
    return bytes(out)


def write_text(path: Path, encoding: str, sep: str, rows: list[list] | None = None) -> Path:
    """Rows as a text export: quoted where a cell holds the delimiter, CRLF line ends, in ``encoding``."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator="\r\n").writerows(
        [["" if v is None else v for v in row] for row in (text_rows() if rows is None else rows)]
    )
    text = buffer.getvalue()
    path.write_bytes(cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    return path


@pytest.fixture()
def expected() -> pd.DataFrame:
    """The four members as the contract types them, whatever file they came in."""
    return pd.DataFrame(
        {
            "member_id": ["00012", "00107", "01234", "00009"],
            "admission_date": pd.to_datetime(["2005-01-15", "2019-02-01", "1999-09-03", "2010-10-10"]),
            "entry_date": pd.to_datetime([None, "2019-02-01", None, "2015-03-05"]),
            "exit_date": pd.to_datetime([None, "2021-06-10", "2019-11-20", None]),
            "exit_kind": ["NA", "removed", "died", "NA"],
            "birth_year": [1980, 1992, 1975, 1988],
            "cause_group": [None, 3, None, None],
        }
    )


def _check_members(frame: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert frame["member_id"].tolist() == expected["member_id"].tolist()  # leading zeros kept
    for column in ("admission_date", "entry_date", "exit_date"):
        assert frame[column].tolist() == expected[column].tolist(), column
    assert frame["exit_kind"].fillna("NA").tolist() == expected["exit_kind"].tolist()
    assert frame["birth_year"].tolist() == expected["birth_year"].tolist()
    assert frame["cause_group"].astype("Float64").fillna(-1).tolist() == [-1, 3, -1, -1]
    assert frame["unit_code"].tolist() == ["D01", "D01", "D02", "D02"]


def test_an_xlsx_form_is_read_below_its_title_with_a_merged_two_row_header(tmp_path: Path, expected) -> None:
    path = write_xlsx(tmp_path / "members.xlsx")
    raw = read_text_table(path, "members")
    assert raw.rows == XLSX_ROWS and raw.first_row == 8 and raw.header_rows == (5, 6)
    assert "STT" not in raw.frame.columns and "Ngày / Kết nạp" in raw.frame.columns
    assert raw.frame["Mã đảng viên"].tolist() == ["00012", "00107", "01234", "00009"]
    assert raw.frame["Họ và tên"].tolist()[2] == "Lê Văn Ba"  # NFC, white space folded
    assert raw.notes == (
        both("contracts.note.header_two_rows", rows="5–6"),
        both("contracts.note.above_header", n=4, rows="1–4"),
        both("contracts.note.row_number_column", column="STT"),
        both("contracts.note.column_numbers", row=7),
        both("contracts.note.totals", n=1, rows="13"),
        both("contracts.note.footer", n=5, rows="15–19"),
        both("contracts.note.blank", n=2, rows="11, 14"),
        both("contracts.note.serial_dates", column="Ngày / Vào danh sách", n=1),
        both("contracts.note.serial_dates", column="Ngày / Ra khỏi danh sách", n=1),
    )
    _check_members(load_table(path), expected)  # the table found by its name, the serial dates read as dates


def test_the_same_form_as_xls_reads_the_same(tmp_path: Path, expected) -> None:
    xls, xlsx = write_xls(tmp_path / "members.xls"), write_xlsx(tmp_path / "members.xlsx")
    raw = read_text_table(xls, "members")
    assert raw.rows == XLSX_ROWS and raw.header_rows == (5, 6)
    assert both("contracts.note.sheet", sheet="Danh sach", sheets="Danh sach") not in raw.notes  # one sheet
    _check_members(load_table(xls), expected)
    pd.testing.assert_frame_equal(load_table(xls), load_table(xlsx))


def test_the_same_form_as_ods_with_serial_dates_reads_the_same(tmp_path: Path, expected) -> None:
    rows = [[serial(v) if isinstance(v, dt.date) else v for v in row] for row in form_rows(two_row_header=False)]
    path = write_ods(tmp_path / "members.ods", rows)
    raw = read_text_table(path, "members")
    assert raw.rows == TEXT_ROWS and raw.header_rows == (5,)
    assert both("contracts.note.serial_dates", column="Ngày kết nạp", n=1) in raw.notes
    _check_members(load_table(path), expected)


def test_utf16_tab_separated_text_with_nfd_names_and_blank_lines(tmp_path: Path, expected) -> None:
    path = write_text(tmp_path / "danh_sach.txt", "utf-16", "\t")
    raw = read_text_table(path, "members")
    assert raw.rows == TEXT_ROWS and raw.header_rows == (5,)
    assert raw.notes[:2] == (both("contracts.note.encoding", encoding="utf-16"), both("contracts.note.header", row=5))
    assert both("contracts.note.blank", n=2, rows="10, 13") in raw.notes
    assert raw.frame["Họ và tên"].tolist() == ["Nguyễn Văn Một", "Trần Thị Hai", "Lê Văn Ba", "Phạm Thị Bốn"]
    assert raw.frame.columns[0] == "Mã đảng viên"  # NFC header, STT column gone
    _check_members(load_table(path, "members"), expected)
    _check_members(load_table(path), expected)  # recognised by its headers


def test_windows_1258_csv_is_detected_and_composed(tmp_path: Path, expected) -> None:
    path = write_text(tmp_path / "members.csv", "cp1258", ";")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # really not UTF-8
    raw = read_text_table(path, "members")
    assert raw.notes[0] == both("contracts.note.encoding", encoding="cp1258")
    assert raw.frame["Họ và tên"].tolist()[0] == "Nguyễn Văn Một"
    assert raw.rows == TEXT_ROWS
    _check_members(load_table(path), expected)


def test_a_contract_problem_names_the_row_and_column_the_user_sees(tmp_path: Path) -> None:
    rows = form_rows()
    rows[9] = [*rows[9]]
    rows[9][6] = "nam"  # file row 10, the sex of the third member
    rows[11] = [*rows[11]]
    rows[11][11] = "31/02/2010"  # file row 12, admission date
    path = write_xlsx(tmp_path / "members.xlsx", rows)
    with pytest.raises(ContractError) as err:
        load_table(path)
    found = [(p.rule, p.row, p.column, p.value) for p in err.value.problems]
    assert found == [("allowed_codes", 10, "sex", "nam"), ("not_date", 12, "admission_date", "31/02/2010")]
    vi, en = err.value.problems[0].message("vi"), err.value.problems[0].message("en")
    assert "members.xlsx, dòng 10, cột sex: giá trị 'nam'" in vi
    assert "members.xlsx, row 10, column sex: value 'nam'" in en


def test_a_serial_number_in_a_text_file_is_not_a_date(tmp_path: Path) -> None:
    rows = text_rows()
    rows[6][11] = str(serial(dt.date(2005, 1, 15)))  # a number typed into a CSV date column: no cell says it is a date
    with pytest.raises(ContractError) as err:
        load_table(write_text(tmp_path / "members.csv", "utf-8", ";", rows))
    assert [(p.rule, p.row, p.column) for p in err.value.problems] == [("not_date", 7, "admission_date")]


def test_a_short_csv_row_is_refused_naming_its_row(tmp_path: Path) -> None:
    rows = text_rows()
    rows[8] = rows[8][:12]  # file row 9 ends after the admission date: its last six values are lost
    path = write_text(tmp_path / "members.csv", "utf-8", ",", rows)
    with pytest.raises(ContractError) as err:
        load_table(path)
    [problem] = err.value.problems
    assert (problem.rule, problem.row, problem.column) == ("short_row", 9, "Ngày vào danh sách")
    assert "members.csv, dòng 9, cột Ngày vào danh sách: dòng này chỉ có 12 ô" in problem.message("vi")
    assert "members.csv, row 9, column Ngày vào danh sách: this row has only 12 fields" in problem.message("en")
    assert "the header has 18 columns" in problem.message("en")


def test_a_long_csv_row_is_refused_naming_its_row(tmp_path: Path) -> None:
    rows = text_rows()
    rows[7] = [*rows[7], "thừa"]
    with pytest.raises(ContractError) as err:
        load_table(write_text(tmp_path / "members.csv", "utf-8", ",", rows))
    assert [(p.rule, p.row) for p in err.value.problems] == [("long_row", 8)]
    assert "row 8: this row has 19 fields, more than the 18 columns" in err.value.problems[0].message("en")


def test_a_header_not_found_says_which_rows_were_looked_at(tmp_path: Path) -> None:
    rows = [*TITLE, ["Họ và tên", "Ngày sinh", "Quê quán"], ["Nguyễn Văn Một", "01/01/1980", "Xã Mẫu"]]
    path = write_xlsx(tmp_path / "members.xlsx", rows, merges=[])
    with pytest.raises(ContractError) as err:
        load_table(path)
    [problem] = err.value.problems
    assert problem.rule == "no_header" and problem.row is None
    seen = "1: 'TỈNH ỦY TỈNH MẪU'; 2: 'BAN TỔ CHỨC'; 3: 'DANH SÁCH ĐẢNG VIÊN'; 4: 'Ngày xuất: 15/01/2020'; "
    seen += "5: 'Họ và tên', 'Ngày sinh', 'Quê quán'; 6: 'Nguyễn Văn Một', '01/01/1980', 'Xã Mẫu'"
    assert "không tìm thấy dòng tiêu đề của bảng members trong các dòng 1–6" in problem.message("vi")
    assert "no header row of the members table found in rows 1–6" in problem.message("en")
    assert problem.message("vi").endswith(seen) and problem.message("en").endswith(seen)
    assert "member_id, unit_code" in problem.message("en")


def test_a_header_only_table_is_refused_by_name(tmp_path: Path) -> None:
    path = write_text(tmp_path / "members.csv", "utf-8-sig", ",", [*text_rows()[:6], []])
    with pytest.raises(ContractError) as err:
        load_table(path)
    [problem] = err.value.problems
    assert (problem.rule, problem.row) == ("no_records", None)
    assert problem.message("vi").endswith("members.csv: bảng members không có dòng dữ liệu nào, chỉ có dòng tiêu đề")
    assert problem.message("en").endswith("members.csv: the members table has no records, only its header")


def test_unsupported_and_empty_files_are_named(tmp_path: Path) -> None:
    assert {".xls", ".xlsm", ".ods", ".tsv"} <= set(SUFFIXES)
    docx = tmp_path / "members.docx"
    docx.write_bytes(b"PK")
    with pytest.raises(ContractError) as err:
        read_raw(docx)
    [problem] = err.value.problems
    assert problem.rule == "unsupported_file" and problem.file.endswith("members.docx")
    assert "members.docx: this kind of file cannot be read (accepted: .csv, .tsv, .txt, .xlsx" in problem.message("en")
    assert "members.docx: không đọc được loại tệp này" in problem.message("vi")
    empty = tmp_path / "members.csv"
    empty.write_bytes(b"\r\n;;\r\n")
    with pytest.raises(ContractError) as err:
        read_raw(empty)
    assert [p.rule for p in err.value.problems] == ["empty_file"]


def test_counts_form_with_an_expression_in_the_column_numbers(tmp_path: Path) -> None:
    rows = [
        ["ĐẢNG BỘ TỈNH MẪU", None, None, None, None, None],
        ["BÁO CÁO SỐ LƯỢNG ĐẢNG VIÊN NĂM 2020"],
        [],
        ["STT", "Mã đơn vị", "Năm", "Xóa tên", "Xin ra khỏi Đảng", "Tỷ lệ (%)"],
        ["A", "B", "1", "2", "3", "4 = 2*100/3"],
        ["1", "007", "2020", "3", "1", "300"],
        ["2", "D02", "2020", "0", "2", "0"],
        ["", "Cộng", "", "3", "3", ""],
        ["", "", "", "", "TRƯỞNG BAN", ""],
    ]
    path = write_text(tmp_path / "bieu.tsv", "utf-8", "\t", rows)
    raw = read_text_table(path)  # no table named: found by any contract's headers
    assert raw.rows == (6, 7) and raw.header_rows == (4,)
    assert both("contracts.note.column_numbers", row=5) in raw.notes
    assert both("contracts.note.totals", n=1, rows="8") in raw.notes
    assert both("contracts.note.footer", n=1, rows="9") in raw.notes
    frame = load_table(path)
    assert frame["unit_code"].tolist() == ["007", "D02"] and frame["removed"].tolist() == [3, 0]


def test_a_unit_named_for_a_community_is_not_a_totals_row(tmp_path: Path) -> None:
    rows = [
        ["Mã đơn vị", "Tên đơn vị", "Cấp", "Hiệu lực từ ngày"],
        ["CD1", "Cộng đồng dân cư số 1", "commune", "01/01/2010"],
    ]
    raw = read_text_table(write_text(tmp_path / "units.csv", "utf-8", ";", rows), "units")
    assert raw.rows == (2,) and raw.frame["Tên đơn vị"].tolist() == ["Cộng đồng dân cư số 1"]


def test_a_counts_form_with_merged_groups_over_known_sub_columns(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["BIỂU SỐ 1: KẾT QUẢ XÓA TÊN, XIN RA KHỎI ĐẢNG"])  # a title merged over the whole width
    sheet.append(["STT", "Mã đơn vị", "Năm", "Số đảng viên đầu năm", "Ra khỏi Đảng", None, None, "Ghi chú"])
    sheet.append([None, None, None, None, "Xóa tên", "Xin ra", "Khai trừ", None])
    sheet.append(["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)"])
    sheet.append([1, "D01", 2020, 1200, 3, 1, 0, "năm 2020"])
    sheet.append([None, "Cộng khối huyện", None, 1200, 3, 1, 0])  # a subtotal between records
    sheet.append([2, "D02", 2020, 900, 1, 0, 2])
    sheet.append(["Tổng cộng", None, None, 2100, 4, 1, 2])
    sheet.append([None, "T/M BAN THƯỜNG VỤ"])
    sheet.append([None, "Nguyễn Văn Mẫu"])
    for cells in ("A1:H1", "A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:G2", "H2:H3"):
        sheet.merge_cells(cells)
    workbook.save(tmp_path / "bieu1.xlsx")
    raw = read_text_table(tmp_path / "bieu1.xlsx")
    assert raw.header_rows == (2, 3) and raw.rows == (5, 7)
    assert list(raw.frame.columns) == [
        "Mã đơn vị",
        "Năm",
        "Số đảng viên đầu năm",
        "Xóa tên",
        "Xin ra",
        "Khai trừ",
        "Ghi chú",
    ]
    assert both("contracts.note.totals", n=2, rows="6, 8") in raw.notes
    assert both("contracts.note.footer", n=2, rows="9–10") in raw.notes
    frame = load_table(tmp_path / "bieu1.xlsx")
    assert frame["asked_to_leave"].tolist() == [1, 0] and frame["expelled"].tolist() == [0, 2]
    # Without merges the title is one row and the header another: the first record is never taken as header.
    plain = tmp_path / "plain.xlsx"
    pd.DataFrame({"Mã đơn vị": ["D01"], "Năm": [2020], "Xóa tên": [3], "Xin ra": [1]}).to_excel(plain, index=False)
    assert read_text_table(plain).rows == (2,)


def test_a_year_typed_as_a_number_into_a_date_column_is_not_a_day_in_1905(tmp_path: Path) -> None:
    rows = form_rows()
    rows[7] = [*rows[7][:11], 2005, *rows[7][12:]]  # file row 8: the admission date typed as a year
    with pytest.raises(ContractError) as err:
        load_table(write_xlsx(tmp_path / "members.xlsx", rows))
    assert [(p.rule, p.row, p.column, p.value) for p in err.value.problems] == [
        ("not_date", 8, "admission_date", "2005")
    ]


def test_the_sheet_holding_the_table_is_found_and_named(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.title = "Hướng dẫn"
    workbook.active.append(["Điền số liệu vào trang Số liệu"])
    data = workbook.create_sheet("Số liệu")
    data.append(["ĐẢNG BỘ TỈNH MẪU"])
    data.append(["Mã đơn vị", "Năm", "Xóa tên", "Xin ra khỏi Đảng"])
    data.append(["D01", 2020, 3, 1])
    for name in ("so_lieu.xlsx", "so_lieu.xlsm"):  # a workbook with macros reads the same
        workbook.save(tmp_path / name)
        raw = read_text_table(tmp_path / name)
        assert raw.sheet == "Số liệu" and raw.rows == (3,) and raw.header_rows == (2,)
        assert raw.notes[0] == both("contracts.note.sheet", sheet="Số liệu", sheets="Hướng dẫn, Số liệu")
        assert load_table(tmp_path / name)["removed"].tolist() == [3]
