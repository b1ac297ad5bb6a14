"""The member-management report: the seed's screening sentence, the units above the exemption threshold named
(and only they), far away and "76" members, escaped names, no count under the threshold, missing columns and data
without the table handled, in Vietnamese and English."""
from __future__ import annotations

import re

import pytest
from scipy import stats
from test_management import EXEMPTED, planted_management
from test_ratings_report import base, dataset, tables, text

from helpers.report.formatting import number, percent
from helpers.report.sections.management import ManagementReport, management_tables
from helpers.report.base import Heading
from helpers.text import t


def build(management, lang: str = "vi", year: int = 2019, threshold: int = 10, **kwargs) -> ManagementReport:
    return ManagementReport.build("", "SIM", year, threshold, lang, base=base(dataset(member_management=management), lang),
                                  **kwargs)


def sections(report: ManagementReport) -> str:
    return report.screening_section() + report.exemptions_section() + report.far_away_section()


def integer_cells(fragment: str) -> list[int]:
    """Every table cell that is a whole number (a count); shares carry '%'."""
    return [int(c.replace(".", "")) for rows in tables(fragment) for row in rows for c in row
            if re.fullmatch(r"\d{1,3}(\.\d{3})*", c)]


@pytest.fixture(scope="module")
def report() -> ManagementReport:
    return build(planted_management())


def test_the_seed_screening_sentence(report) -> None:
    ci = stats.binomtest(119, 1127).proportion_ci(method="exact")
    low, high = percent(100 * ci.low, "vi", 1), percent(100 * ci.high, "vi", 1)
    assert (f"Năm 2019 đã rà soát 1.127 đảng viên và xử lý đưa ra khỏi Đảng 119 trường hợp (10,6%; KTC 95%: "
            f"{low}–{high}), đồng thời tiếp tục theo dõi, giáo dục 1.008 trường hợp.") in text(report.screening_section())


def test_exactly_the_units_above_the_threshold_are_named(report) -> None:
    shown = text(report.exemptions_section())
    named = shown.split("cần rà soát theo chỉ đạo:")[1].split(".")[0]
    assert [d for d in EXEMPTED if f"Huyện {d}" in named] == ["D04", "D08"]
    assert "Huyện D04: 13,0% (KTC 95%:" in named and "Huyện D08: 16,0% (KTC 95%:" in named
    assert "Ở Huyện D04, Huyện D08, cả khoảng tin cậy 95% nằm trên ngưỡng" in shown
    assert "Huyện D04 có tỷ lệ trên ngưỡng 10% trong 4/4 năm có số liệu." in shown  # 2016-2019
    rows = tables(report.exemptions_section())[0]
    assert {r[0]: r[4] for r in rows if r[4] == "Có"} == {"Huyện D04": "Có", "Huyện D08": "Có"}
    d09 = next(r for r in rows if r[0] == "Huyện D09")
    assert d09[3].startswith("10,0% (") and d09[4] == "Không"  # exactly 10%: not above
    assert "không vượt ngưỡng 10%" in shown  # the province as a whole
    assert "<img" in report.exemptions_section()


def test_the_threshold_is_a_parameter() -> None:
    shown = text(build(planted_management(), exemption_threshold_pct=15.0).exemptions_section())
    named = shown.split("cần rà soát theo chỉ đạo:")[1].split(".")[0]
    assert "trên 15%" in shown and [d for d in EXEMPTED if f"Huyện {d}" in named] == ["D08"]


def test_far_away_and_76_sentences(report) -> None:
    series = report.series.set_index(["unit_code", "year"]).loc[("SIM", 2019)]
    shown = text(report.far_away_section())
    assert f"Năm 2019 có {number(series['far_away'], 'vi')} đảng viên đi làm ăn xa, chiếm " \
           f"{percent(100 * series['far_away'] / series['members'], 'vi', 1)} tổng số đảng viên" in shown
    assert f"Trong số đó, {number(series['far_away_overdue'], 'vi')} người đã hết thời hạn" in shown
    assert f"Năm 2019 có {number(series['registered_76'], 'vi')} đảng viên đang công tác giữ mối liên hệ" in shown
    header = re.findall(r"<th>(.*?)</th>", report.far_away_section())
    assert "Đảng viên 76" in header and "Hết hạn chưa gia hạn" in header


def test_names_are_escaped(report) -> None:
    full = sections(report)
    assert "&lt;b&gt;Huyện &amp; Co&lt;/b&gt;" in full and "<b>Huyện" not in full


def test_no_count_under_the_threshold_is_shown(report) -> None:
    full = sections(report)
    for threshold in (10, 20):
        shown = sections(build(planted_management(), threshold=threshold)) if threshold != 10 else full
        small = [c for c in integer_cells(shown) if 0 < c < threshold]
        assert small == [], (threshold, small)
    screening = {r[0]: r for r in tables(report.screening_section())[0]}
    assert screening["Huyện D07"][2] == "x" and screening["Huyện D07"][3] == "x"  # 5 removed, and its share
    cli = management_tables(report)["screening"].set_index("unit_code")
    assert cli.loc["D07", "removed"] is None and cli.loc["D07", "removed_share"] is None
    assert cli.loc["SIM", "removed"] == 119  # the province's own figure is not small
    assert report.screening.set_index("unit_code").loc["D07", "removed"] == 5  # computed on the full counts


def test_english_edition() -> None:
    report = build(planted_management(), lang="en")
    shown = text(sections(report))
    assert "In 2019, 1,127 members were reviewed and 119 were removed from the party (10.6%;" in shown
    assert "to be reviewed as the directive asks: Huyện D04: 13.0% (95% CI:" in shown
    assert "Screening of members" in report.header()


@pytest.mark.parametrize("columns, missing", [
    (("exempted",), ("screening", "far_away")),
    (("screened", "screened_removed", "registered_76"), ("exemptions",)),
])
def test_missing_columns_say_so(columns, missing) -> None:
    report = build(planted_management(columns=columns))
    for name in missing:
        section = getattr(report, f"{name}_section")()
        assert t("management.no_column", "vi", what=t(f"management.what.{name}", "vi")) in text(section)
    assert not set(management_tables(report)) & set(missing)
    if "screened" in columns:  # removed without monitored: the sentence without the monitored clause
        assert "Năm 2019 đã rà soát 1.127 đảng viên và xử lý đưa ra khỏi Đảng 119 trường hợp (10,6%;" in text(
            report.screening_section())
        assert "theo dõi" not in text(report.screening_section()).split("(10,6%;")[1].split(".")[0]
        assert "đảng viên 76" in text(report.far_away_section())


def test_no_management_table_is_said_not_raised() -> None:
    report = build(None, year=0)
    no_data = t("management.no_data", "vi")
    assert all(no_data in text(s) for s in (report.screening_section(), report.exemptions_section(),
                                            report.far_away_section()))
    assert management_tables(report) == {}


def test_a_composing_report_sets_the_heading(report) -> None:
    assert report.exemptions_section(Heading("mgmt-exempt", "III.2. Miễn sinh hoạt", 3)).startswith(
        '<h3 id="mgmt-exempt">III.2. Miễn sinh hoạt</h3>')


@pytest.mark.slow
def test_the_default_data() -> None:
    report = ManagementReport.build("data/sample", "SIM", 2019, 10, "vi")
    if report.base.dataset.member_management is None:  # data/sample before the table is generated into it
        assert t("management.no_data", "vi") in text(report.exemptions_section())
    else:
        assert "Năm 2019 đã rà soát 1.127 đảng viên và xử lý đưa ra khỏi Đảng 119 trường hợp (10,6%" in text(
            report.screening_section())
        year = report.exemptions[(report.exemptions["year"] == 2019)]
        assert sorted(year.loc[year["above"], "unit_code"]) == ["D04", "D08"]
