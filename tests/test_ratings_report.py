"""The quality-ratings report: the seed's sentences from planted counts in Vietnamese and English, the target, the
units that differ, escaped names, hidden member counts, headings, and data without ratings."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats
from test_ratings import DISTRICTS, planted_ratings

from helpers.data.datasets import Dataset
from helpers.report.formatting import percent
from helpers.report.sections.ratings import RatingsReport, ratings_tables
from helpers.report.base import Heading, TermReport
from helpers.data.terms import load_terms
from helpers.analyses.term_table import term_table
from helpers.text import t

NAMES = {"SIM": "Tỉnh mô phỏng", **{d: f"Huyện {d}" for d in DISTRICTS}, "D05": "<b>Huyện & Co</b>"}
KINDS = ["removed", "asked_to_leave"]


def units() -> pd.DataFrame:
    codes = ["SIM", *DISTRICTS]
    return pd.DataFrame({"unit_code": codes, "name": [NAMES[c] for c in codes], "parent_code": [pd.NA] + ["SIM"] * 9,
                         "level": ["province"] + ["district"] * 9, "valid_from": pd.NA, "valid_to": pd.NA,
                         "successor_code": pd.NA}).astype("string")


def dataset(quality_ratings=None, member_management=None) -> Dataset:
    """A Dataset built in memory: the new tables as given, a few annual counts for the header."""
    counts = pd.DataFrame({"unit_code": "SIM", "year": range(2011, 2021), "members_start": 45_000, "removed": 80,
                           "asked_to_leave": 40})
    return Dataset(Path("."), units(), counts, None, None, None, (), False, True,
                   quality_ratings=quality_ratings, member_management=member_management)


def base(data: Dataset, lang: str = "vi") -> TermReport:
    terms = load_terms()
    yearly = data.annual_counts.groupby("year", as_index=False)[["members_start", *KINDS]].sum()
    table = term_table(yearly, terms.for_province("SIM"), KINDS, labels=["2015-2020"])
    return TermReport(data, terms, "SIM", "SIM", NAMES["SIM"], table, KINDS, lang, {})


def build(ratings, lang: str = "vi", year: int = 2018, threshold: int = 10) -> RatingsReport:
    return RatingsReport.build("", "SIM", ["2015-2020"], year, threshold, lang, base=base(dataset(ratings), lang))


def text(fragment: str) -> str:
    """What a reader sees: tags dropped, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment)))


def tables(fragment: str) -> list[list[list[str]]]:
    """Every table's body rows as lists of cell texts."""
    out = []
    for body in re.findall(r"<tbody>(.*?)</tbody>", fragment, re.S):
        out.append([[html.unescape(c.strip()) for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
                    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)])
    return out


@pytest.fixture(scope="module")
def report() -> RatingsReport:
    return build(planted_ratings(7))


def test_the_seed_sentence_and_the_term_change_in_vietnamese(report) -> None:
    shown = text(report.shares_section())
    assert "Năm 2018 có 26,2% tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ (năm 2015 là 51,4%)." in shown
    # 571/1.111 = 51,4% in 2015 and 310/1.111 = 27,9% in 2020: down 261/1.111 = 23,5 points
    assert ("Trong nhiệm kỳ 2015–2020, tỷ lệ tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ giảm 23,5 điểm phần trăm,"
            " từ 51,4% (năm 2015) xuống 27,9% (năm 2020).") in shown
    assert re.search(r"Năm 2018 có 1\d,\d% đảng viên hoàn thành xuất sắc nhiệm vụ \(năm 2015 là 1\d,\d%\)\.", shown)
    organisations = tables(report.shares_section())[0]
    row_2018 = next(r for r in organisations if r[0] == "2018")
    assert row_2018[1] == "1.111" and row_2018[2].startswith("26,2% (")
    assert "<img" in report.shares_section()


def test_the_target_for_weak_organisations(report) -> None:
    ci = stats.binomtest(4, 1111).proportion_ci(method="exact")
    low, high = percent(100 * ci.low, "vi", 2), percent(100 * ci.high, "vi", 2)
    shown = text(report.target_section())
    assert (f"Năm 2018, tỷ lệ tổ chức cơ sở đảng yếu kém là 0,36% (KTC 95%: {low}–{high}; năm 2015 là 0,54%): "
            "đạt chỉ tiêu dưới 0,5%.") in shown
    assert "Đạt chỉ tiêu 4/6 năm có số liệu; chưa đạt các năm 2015, 2016." in shown  # 6/1.111 = 0,54% is not below
    assert "Các đơn vị trực thuộc chưa đạt chỉ tiêu năm 2018: Huyện D06 (3,25%)." in shown  # its 4 of 123


def test_exactly_the_planted_units_are_named_as_different(report) -> None:
    section = report.units_section()
    shown = text(section)
    sentences = [s for s in shown.split("Đơn vị có phân bố khác rõ rệt")[1:]]
    assert len(sentences) == 2
    organisations, members = sentences
    # D06: 12 of 123 excellent against 279 of the other 988; 4 of 123 weak against none
    assert "Huyện D06 (hoàn thành xuất sắc 9,8% so với 28,2%; không hoàn thành 3,3% so với 0,0%" in organisations
    assert [d for d in DISTRICTS if f"Huyện {d} (" in organisations.split(". ")[0]] == ["D06"]
    assert [d for d in DISTRICTS if f"Huyện {d} (" in members.split(". ")[0]] == ["D03"]
    assert "kiểm định hoán vị" in shown  # the small-cell rule, stated
    differs = {r[0]: r[-1] for r in tables(section)[0]}
    assert [name for name, flag in differs.items() if flag == "Có"] == ["Huyện D06"]


def test_names_from_the_data_are_escaped(report) -> None:
    full = report.shares_section() + report.target_section() + report.units_section()
    assert "&lt;b&gt;Huyện &amp; Co&lt;/b&gt;" in full
    assert "<b>Huyện" not in full


def test_english_edition() -> None:
    report = build(planted_ratings(7), lang="en")
    shown = text(report.shares_section() + report.target_section() + report.units_section())
    assert "In 2018, 26.2% of grassroots organisations were rated excellent (51.4% in 2015)." in shown
    assert "In 2018, 0.36% of grassroots organisations were weak" in shown
    assert "Units whose distribution clearly differs from the rest" in shown
    assert "Quality ratings" in report.header()


def test_member_counts_under_the_threshold_are_hidden() -> None:
    ratings = planted_ratings(7)
    small = (ratings["subject"] == "member") & (ratings["rating"] == "not_completed") & (ratings["year"] == 2017)
    ratings.loc[small, "count"] = 0
    ratings.loc[small & (ratings["unit_code"] == "D01"), "count"] = 7  # the province's only one: 7 members
    report = build(ratings, year=2017)
    members = tables(report.shares_section())[1]
    row_2017 = next(r for r in members if r[0] == "2017")
    assert row_2017[-1] == "x"  # 7 of some 43.000 members: the share would give the count away
    assert sum(r[-1] == "x" for r in members) >= 2  # and another, so the years' total cannot give it away
    assert all(r[2] != "x" for r in members)  # excellent: nothing small to hide
    unit_rows = {r[0]: r for r in tables(report.units_section())[1]}
    assert unit_rows["Huyện D01"][3] == "x / x"
    shown = ratings_tables(report)
    hidden = shown["shares"].set_index(["unit_code", "subject", "year", "rating"]).loc[
        ("SIM", "member", 2017, "not_completed")]
    assert hidden["count"] is None and hidden["share"] is None
    d01 = shown["units_member"].set_index("unit_code").loc["D01"]
    assert d01["share_not_completed"] is None and d01["rest_share_not_completed"] is None
    # the full counts still feed the tests
    d01_members = ratings.loc[(ratings["unit_code"] == "D01") & (ratings["subject"] == "member")
                              & (ratings["year"] == 2017), "count"].sum()
    assert report.differences["member"].set_index("unit_code").loc["D01", "share_not_completed"] == 7 / d01_members
    organisations = shown["shares"].set_index(["unit_code", "subject", "year", "rating"]).loc[
        ("SIM", "organisation", 2018, "not_completed")]
    assert organisations["count"] == 4  # organisations are not people: shown in full


def test_no_ratings_in_the_data_is_said_not_raised() -> None:
    report = build(None)
    no_data = t("ratings.no_data", "vi")
    for section in (report.shares_section(), report.target_section(), report.units_section()):
        assert no_data in text(section)
    assert ratings_tables(report) == {}
    assert "Phương pháp" in report.methods_section()


def test_a_composing_report_sets_the_heading(report) -> None:
    assert report.target_section(Heading("ratings-target", "II.3. Chỉ tiêu", 3)).startswith(
        '<h3 id="ratings-target">II.3. Chỉ tiêu</h3>')


@pytest.mark.slow
def test_the_default_data() -> None:
    report = RatingsReport.build("data/sample", "SIM", ["2015-2020"], 2018, 10, "vi")
    shown = text(report.shares_section() + report.units_section())
    if report.base.dataset.quality_ratings is None:  # data/sample before the ratings table is generated into it
        assert t("ratings.no_data", "vi") in shown
    else:
        assert "Năm 2018 có 26,2% tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ (năm 2015 là 51,4%)." in shown
        assert report.differences["organisation"].loc[lambda d: d["differs"], "unit_code"].tolist() == ["D06"]
        assert report.differences["member"].loc[lambda d: d["differs"], "unit_code"].tolist() == ["D03"]
