"""Admissions report: the seeds' sentences from planted counts, named units, English, escaping, small cells hidden,
and graceful sections when the data has no plans or no member registry."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from helpers.report.sections.admissions import AdmissionsReport, admissions_tables
from helpers.data.counts import counts_for_unit
from helpers.report.formatting import percent
from helpers.report.base import Heading, TermReport
from helpers.data.terms import load_terms
from helpers.analyses.term_table import term_table
from helpers.text import t
from test_admissions import POSTGRADUATES_2021_2022, STATUS_2023, planted_province

TERMS = ["2015-2020", "2020-2025"]
KINDS = ["removed", "asked_to_leave"]
HOSTILE = '<script>alert("x")</script> & Co'


def dataset(province: SimpleNamespace, **changes) -> SimpleNamespace:
    """A Dataset-like object with the attribute names of helpers.data.datasets.Dataset and its two admission tables."""
    fields = dict(folder=Path("planted"), units=province.units, annual_counts=province.annual_counts,
                  members=province.members, survey=None, targets=None, files=(), counts_derived=True, simulated=True,
                  admission_plans=province.admission_plans, admission_sources=province.admission_sources)
    return SimpleNamespace(**(fields | changes))


def build(data: SimpleNamespace, unit: str = "SIM", lang: str = "vi", threshold: int = 10) -> AdmissionsReport:
    terms = load_terms()
    table = term_table(counts_for_unit(data.annual_counts, data.units, unit), terms.for_province("SIM"), KINDS, TERMS)
    name = data.units.set_index("unit_code").loc[unit, "name"]
    base = TermReport(data, terms, "SIM", unit, name, table, KINDS, lang, {})
    # Years through 2022 in full, and the first half of 2023 against its plan (as in July 2023).
    return AdmissionsReport.build("unused", unit, TERMS, 2022, threshold, lang, base=base, midyear=2023)


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r'src="data:image/png;base64,[^"]+"', "", html))


def integer_cells(html: str) -> list[int]:
    """Every table cell that is a whole number; shares carry '%', ratios a decimal comma."""
    cells = re.findall(r"<td>([^<]*)</td>", html)
    return [int(c.replace(".", "")) for c in cells if re.fullmatch(r"\d{1,3}(\.\d{3})*", c.strip())]


@pytest.fixture(scope="module")
def province() -> SimpleNamespace:
    return planted_province(name_d02=HOSTILE)


@pytest.fixture(scope="module")
def report(province) -> AdmissionsReport:
    return build(dataset(province))


def test_attainment_sentences_state_the_seed_figures(report) -> None:
    sentences = report.attainment_sentences()
    assert "Năm 2021 kết nạp 1.394 đảng viên, đạt 110,63% kế hoạch (1.260 đảng viên)." in sentences
    assert "Năm 2022 kết nạp 1.457 đảng viên, đạt 104,82% kế hoạch (1.390 đảng viên)." in sentences
    assert any("2016 đến năm 2022" in s and "10.980 đảng viên, đạt 88,48%" in s for s in sentences)
    first_half = "6 tháng đầu năm 2023 kết nạp 787 đảng viên, đạt 37,80% kế hoạch cả năm (2.082 đảng viên)."
    assert first_half in sentences
    assert any(s.startswith("Nhiệm kỳ 2020–2025, tính đến hết năm 2022 (2/5 năm)") for s in sentences)
    html = report.attainment_section()
    assert "<td>110,63%</td>" in html and "<td>88,48%</td>" in html and "<figure>" in html


def test_midyear_names_the_units_behind_and_at_risk(report, province) -> None:
    statuses = report.midyear.set_index("unit_code")["status"]
    assert {code: statuses[code] for code in STATUS_2023} == STATUS_2023
    sentences = report.midyear_sentences()
    behind = next(s for s in sentences if s.startswith("Đơn vị CHẬM"))
    assert HOSTILE in behind and "Huyện Ba" not in behind and "kế hoạch 800" in behind
    at_risk = next(s for s in sentences if s.startswith("Đơn vị CÓ NGUY CƠ"))
    assert "Huyện Ba" in at_risk and "kế hoạch 520" in at_risk
    html = report.midyear_section()
    assert "<script>" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in html
    assert "<figure>" in html


def test_rate_sentences_name_the_planted_unit_years(report, province) -> None:
    counts = province.annual_counts.set_index(["unit_code", "year"])
    below = percent(100 * 180 / counts.loc[("D03", 2018), "members_start"], "vi")
    above = percent(100 * 420 / counts.loc[("D04", 2018), "members_start"], "vi")
    sentences = report.rate_sentences()
    below_sentence = next(s for s in sentences if "dưới 3%" in s and "Huyện Ba" in s)
    assert f"Huyện Ba năm 2018: {below}" in below_sentence
    assert f"Huyện Bốn năm 2018: {above}" in next(s for s in sentences if "trên 4%" in s)
    assert "7/7 năm" in sentences[0]  # the province inside the band every year
    assert "<figure>" in report.rate_section()


def test_profile_hides_small_counts_and_keeps_the_planted_ratio(report) -> None:
    for threshold in (10, 25):
        shown = replace(report, threshold=threshold)
        html = shown.profile_section()
        small = [c for c in integer_cells(html) if 0 < c < threshold]
        assert small == [], (threshold, small)
        assert re.search(r"Sau đại học</td>\s*<td>x</td>", html)
        assert "Đại học" in html and "1,50 (" in html
        assert all("Sau đại học" not in s for s in shown.profile_sentences())
    table = admissions_tables(report)["profile_professional_training"].set_index("category")
    assert table.loc["postgraduate", "new_members"] is None and table.loc["postgraduate", "ratio"] is None
    assert table.loc["university", "new_members"] > POSTGRADUATES_2021_2022 and table["pool_kind"].eq("sources").all()


def test_english_edition(province) -> None:
    report = build(dataset(province), lang="en")
    assert "In 2021, 1,394 members were admitted, 110.63% of the plan (1,260 members)." in report.attainment_sentences()
    assert "Units BEHIND their 2023 plan" in text_of(report.midyear_section())
    assert "the national resolution sets for admitting new members" in report.methods_section()
    assert "Admissions against plan" in report.header()


def test_a_district_without_sources_is_compared_with_its_members(province) -> None:
    report = build(dataset(province), unit="D01")
    assert set(report.pools.values()) == {"members"}
    assert "đảng viên có tên đầu năm 2021" in text_of(report.profile_section())
    assert report.midyear["role"].tolist() == ["unit"] and report.unit_rates is None
    assert report.midyear.iloc[0]["status"] == STATUS_2023["D01"]


def test_no_plans_say_so_and_the_other_sections_still_run(province) -> None:
    report = build(dataset(province, admission_plans=None, admission_sources=None))
    no_plans = t("admissions.no_plans", "vi")
    assert no_plans in text_of(report.attainment_section()) and no_plans in text_of(report.midyear_section())
    assert "7/7 năm" in text_of(report.rate_section())
    assert "đảng viên có tên đầu năm 2021" in text_of(report.profile_section())
    assert "attainment" not in admissions_tables(report) and "rates" in admissions_tables(report)


def test_reported_counts_without_a_member_registry(province) -> None:
    plans = province.admission_plans.copy()
    plans["admitted"] = (plans["planned"] * 1.1).round().astype("Int64")
    plans["admitted_first_half"] = (plans["planned"] * 0.4).round().astype("Int64")
    report = build(dataset(province, members=None, admission_plans=plans))
    row = admissions_tables(report)["attainment"].set_index("year").loc[2021]
    assert row["admitted"] == plans.loc[plans["year"] == 2021, "admitted"].sum()
    assert t("admissions.profile.no_members", "vi") in text_of(report.profile_section())
    assert report.midyear is not None


def test_headings_can_be_given_by_the_composing_report(report) -> None:
    html = report.attainment_section(Heading("phat-trien", "II. Phát triển đảng viên", 3))
    assert html.startswith('<h3 id="phat-trien">II. Phát triển đảng viên</h3>')
    assert report.methods_section().startswith('<h2 id="methods">')


def test_a_band_upside_down_is_refused_before_any_work() -> None:
    with pytest.raises(ValueError, match="4–3"):
        AdmissionsReport.build("no-such-folder", "SIM", TERMS, 2023, 10, "vi", rate_band=(4.0, 3.0))


def test_a_year_counts_in_full_only_when_the_data_goes_past_30_june() -> None:
    from helpers.report.sections.admissions import _complete

    def data(*dates: str) -> SimpleNamespace:
        stamps = pd.to_datetime(list(dates))
        return SimpleNamespace(members=pd.DataFrame({"entry_date": stamps, "exit_date": pd.NaT,
                                                     "admission_date": stamps}), annual_counts=None)

    assert not _complete(data("2022-03-01", "2023-06-30"), 2023)  # a mid-year export
    assert _complete(data("2022-03-01", "2023-07-01"), 2023)
    assert _complete(data("2023-07-01"), 2022)
