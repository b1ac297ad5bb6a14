"""The second committee report (developing and managing members): parameters refused before any work, the seeds'
percentages reproduced from the default data's counts, the planted units named, nothing it should not show, the
same bytes twice."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.paths import notebooks_dir, sample_dir
from helpers.report.committee import ParameterProblem
from helpers.report.quality import PARTS, QualityReport, check_parameters
from helpers.run.render import ParameterError, render
from helpers.run.render import check_parameters as check_declared
from helpers.synth import truth

NOTEBOOK = notebooks_dir() / "09-quality.ipynb"
TERMS = ["2015-2020", "2020-2025"]
DEFAULTS = {
    "unit": "SIM",
    "year": 0,
    "midyear": 0,
    "terms": TERMS,
    "language": "vi",
    "suppression_threshold": 10,
    "rate_band": [3.0, 4.0],
    "weak_target_pct": 0.5,
    "exemption_threshold_pct": 10.0,
}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"language": "fr"}, "fr"),
        ({"suppression_threshold": 1}, "1"),
        ({"midyear": 1800}, "1800"),
        ({"rate_band": [4.0, 3.0]}, "4.0"),
        ({"rate_band": [3.0]}, "3.0"),
        ({"weak_target_pct": 0.0}, "weak_target_pct"),
        ({"exemption_threshold_pct": 120.0}, "exemption_threshold_pct"),
        ({"unit": " "}, "unit"),
    ],
)
def test_out_of_range_parameters_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ParameterProblem, match=message) as err:
        check_parameters(**(DEFAULTS | kwargs))
    assert " / " in str(err.value)


def test_unknown_and_mistyped_parameters_are_refused() -> None:
    with pytest.raises(ParameterError, match="threshold"):
        check_declared(NOTEBOOK, {"threshold": 5})
    with pytest.raises(ParameterError, match="rate_band"):
        check_declared(NOTEBOOK, {"rate_band": "3-4"})


@pytest.fixture(scope="module")
def province() -> QualityReport:
    args = DEFAULTS | {"data_path": str(sample_dir())}
    return QualityReport.build(
        **{
            k: args[k]
            for k in (
                "data_path",
                "unit",
                "year",
                "midyear",
                "terms",
                "language",
                "suppression_threshold",
                "rate_band",
                "weak_target_pct",
                "exemption_threshold_pct",
            )
        }
    )


def test_the_default_data_reproduces_every_stated_percentage(province: QualityReport) -> None:
    table = province.reproduction.set_index("figure_id")
    stated = {
        "HB-2021-admitted_districts": 110.63,
        "HB-2022-admitted_districts": 104.82,
        "HB-2016-2022-admitted_districts": 88.48,
        "HB-2023-H1-admitted": 37.8,
        "HCM-2015-grassroots_excellent": 51.4,
        "HCM-2018-grassroots_excellent": 26.2,
        "HCM-2018-grassroots_weak": 0.36,
        "HCM-2015-grassroots_weak": 0.5,
        "HCM-2019-screened_removed": 10.6,
    }
    for figure, value in stated.items():
        assert table.loc[figure, "stated"] == value and table.loc[figure, "computed"] == value, figure
    assert (province.reproduction["verdict"] == "same").all()
    appendix = province.appendix()
    assert "110,63%" in appendix and "37,8%" in appendix and "0,36%" in appendix
    figures = province.reproduction["figure_id"].nunique()  # the 2016-2020 range is checked at both ends
    assert len(province.reproduction) > figures
    assert f"Kết quả: {figures}/{figures} tỷ lệ khớp" in appendix
    # Each figure once, named in words, its range as the document states it; no internal identifier.
    assert appendix.count("Đảng viên hoàn thành xuất sắc nhiệm vụ mỗi năm, Thành phố Hồ Chí Minh, 2016–2020") == 1
    assert "TCCSĐ" not in appendix.split("Phương pháp: quản lý")[-1]  # the abbreviation spelled out in the table
    assert "Tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ, Thành phố Hồ Chí Minh, 2015" in appendix
    assert "việc khớp chỉ xác nhận cách tính, không xác nhận số liệu" in appendix
    assert "từ 10 đến 12%" in appendix
    assert "HB-20" not in appendix and "HCM-20" not in appendix and "members_excellent" not in appendix


def test_the_report_names_the_planted_units(province: QualityReport) -> None:
    management = province.management_part()
    flagged = province.management.exemptions
    last = flagged[(flagged["year"] == flagged["year"].max()) & (flagged["unit_code"] != "SIM")]
    assert set(last.loc[last["above"], "unit_code"]) == {"D04", "D08"}
    names = pd.read_csv(sample_dir() / "units.csv").set_index("unit_code")["name"]
    assert names["D04"] in management and names["D08"] in management
    ratings = province.ratings_part()
    assert names["D06"] in ratings and names["D03"] in ratings
    development = province.development()
    assert "1.394" in development and "110,63%" in development and "104,82%" in development


def test_the_summary_states_the_term_and_the_new_members_and_no_interval(province: QualityReport) -> None:
    summary = province.summary()
    term = province.admissions.term_sentences()[-1]  # the current term's result, said in the body too
    assert term in summary and term in province.development()
    profile = province.admissions.profile_sentences()[0]
    assert profile in summary and profile in province.development()
    assert "khoảng tin cậy" not in summary
    # A complete year: no mid-year levels in Part I, and the appendix says the projection is not applied.
    assert "CHẬM" not in province.basis()
    assert "Không áp dụng trong báo cáo này vì số liệu năm" in province.appendix()


def test_member_ratings_say_the_exempted_are_not_rated(province: QualityReport) -> None:
    year = province.ratings.year
    series = province.management.series.set_index(["unit_code", "year"]).loc[("SIM", year)]
    counts = province.ratings.counts
    rated = counts[(counts["unit_code"] == "SIM") & (counts["subject"] == "member") & (counts["year"] == year)]
    gap = int(series["members"]) - int(rated["total"].iloc[0])
    assert gap == int(series["exempted"])  # the generator's rule: exempted members are not rated
    exempted = f"{gap:,}".replace(",", ".")
    note = f"Không tính đảng viên được miễn công tác và sinh hoạt đảng ({exempted} người năm {year})."
    assert note in province.ratings.shares_section()


def test_the_units_part_and_the_standards_read_as_a_committee_writes(province: QualityReport) -> None:
    part = province.ratings_part()
    assert "khác với phần còn lại của Đảng bộ tỉnh" in part and "Phần còn lại không tính" in part
    basis = province.basis()
    assert "trên 10%" in basis and "10,0%" not in basis and "(quen gọi là yếu kém)" in basis
    assert "mức nghị quyết của Trung ương" not in basis  # the seeds name no resolution setting 3-4%


def test_mid_year_names_exactly_the_units_planted_behind(tmp_path: Path) -> None:
    report = QualityReport.build(str(sample_dir()), "SIM", 2022, 2023, TERMS, "vi", 10, [3.0, 4.0], 0.5, 10.0)
    table = report.admissions.midyear
    behind = set(table.loc[(table["role"] == "subordinate") & (table["status"] == "behind"), "unit_code"])
    assert behind == {"D02", "D07"} and truth.ADMITTED_FIRST_HALF_2023 == 787
    assert "787" in report.summary() and "37,80%" in report.summary()


def test_a_district_report_has_no_reproduction_table() -> None:
    report = QualityReport.build(str(sample_dir()), "D04", 0, 0, TERMS, "vi", 10, [3.0, 4.0], 0.5, 10.0)
    assert report.reproduction is None and 'id="reproduced"' not in report.appendix()
    assert "13,0%" in report.management_part() or "13%" in report.management_part()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("quality")
    return {
        lang: render(
            NOTEBOOK, {"data_path": str(sample_dir()), "language": lang}, out / f"{lang}.html", "r", work_dir=out / lang
        )
        for lang in ("vi", "en")
    }


@pytest.mark.slow
def test_every_part_in_order_with_the_banner(rendered) -> None:
    page = rendered["vi"].html.read_text(encoding="utf-8")
    positions = [page.index(f'id="{part}"') for part in PARTS]
    assert positions == sorted(positions)
    assert "DỮ LIỆU MÔ PHỎNG" in page and "BÁO CÁO CÔNG TÁC PHÁT TRIỂN VÀ QUẢN LÝ CHẤT LƯỢNG ĐẢNG VIÊN" in page
    english = rendered["en"].html.read_text(encoding="utf-8")
    assert '<html lang="en">' in english and "Part IV. Managing party members" in english
    assert not re.search(r"<h[23][^>]*>[^<]*(Phần|Tóm tắt|Kết nạp)", english)


@pytest.mark.slow
def test_no_member_identifier_anywhere(rendered) -> None:
    ids = set(pd.read_csv(sample_dir() / "members.csv", usecols=["member_id"])["member_id"])
    for result in rendered.values():
        for path in (result.html, result.notebook):
            assert set(re.findall(r"SIM\d{6}", path.read_text(encoding="utf-8"))) & ids == set(), path


@pytest.mark.slow
def test_no_count_of_people_under_the_threshold_in_any_table(rendered) -> None:
    page = rendered["vi"].html.read_text(encoding="utf-8")
    for table in re.findall(r"<table.*?</table>", page, flags=re.S):
        head = table.split("</tr>")[0]
        if "SHA-256" in table or "tổ chức" in head.lower() or "Năm" in head:
            continue  # provenance hashes; organisations are not people; a first column of calendar years
        cells = [c.strip() for c in re.findall(r"<td[^>]*>([^<]*)</td>", table)]
        assert [c for c in cells if re.fullmatch(r"[1-9]", c)] == [], table[:300]


@pytest.mark.slow
def test_same_bytes_twice(rendered, tmp_path: Path) -> None:
    again = render(
        NOTEBOOK, {"data_path": str(sample_dir()), "language": "vi"}, tmp_path / "again.html", "r", work_dir=tmp_path
    )
    assert again.html.read_bytes() == rendered["vi"].html.read_bytes()


@pytest.mark.slow
def test_text_from_the_data_is_escaped(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(sample_dir(), data)
    units = pd.read_csv(data / "units.csv", dtype=str, keep_default_na=False)
    units.loc[units["unit_code"] == "D04", "name"] = "<script>alert(1)</script>"
    units.to_csv(data / "units.csv", index=False)
    page = render(NOTEBOOK, {"data_path": str(data)}, tmp_path / "x.html", "r", work_dir=tmp_path).html.read_text(
        encoding="utf-8"
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page.lower()
