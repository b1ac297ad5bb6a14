"""The segmented trend model against exact series, the generator's planted truth, and reference implementations."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.analyses.trends import (
    MIN_YEARS_PER_TERM,
    NO_EXITS,
    Z95,
    TrendError,
    check_series,
    fit_trend,
    mann_kendall,
    rates,
    term_spans,
)
from helpers.data.counts import counts_for_unit
from helpers.data.terms import load_terms
from helpers.report.sections.trends import TrendsReport
from helpers.synth import province as synth
from helpers.synth import truth

TERMS = ["2010-2015", "2015-2020", "2020-2025"]


@pytest.fixture(scope="module")
def sim_terms() -> pd.DataFrame:
    return load_terms().for_province("SIM")


def exact_series(factors=(1.5, 0.75, 1.25), exposure_growth=2.0) -> pd.DataFrame:
    """Counts and exposure whose rate grows by exactly ``factors`` a year in each term (knots 2015, 2020)."""
    years = np.arange(2011, 2026)
    steps = [factors[0]] * 4 + [factors[1]] * 5 + [factors[2]] * 5
    rate = 2.0**-6 * np.concatenate([[1.0], np.cumprod(steps)])
    exposure = 2.0**30 * exposure_growth ** (years - 2011)
    return pd.DataFrame({"year": years, "members_start": exposure, "x": rate * exposure})


def test_noise_free_series_returns_the_exact_apcs(sim_terms) -> None:
    data = exact_series()
    fit = fit_trend(data, "x", term_spans(data["year"], sim_terms, TERMS))
    apc = fit.apc()
    assert apc["apc"].to_numpy() == pytest.approx([50.0, -25.0, 25.0], abs=1e-6)
    assert fit.family == "poisson" and fit.dispersion == pytest.approx(0, abs=1e-9)
    # the exposure offset is respected: doubling members every year does not leak into the rate's trend
    tests = fit.knot_tests()
    assert tests["slope_change"].to_numpy() == pytest.approx([np.log(0.75) - np.log(1.5), np.log(1.25) - np.log(0.75)])


def test_aapc_weights_segments_by_their_years(sim_terms) -> None:
    data = exact_series()
    fit = fit_trend(data, "x", term_spans(data["year"], sim_terms, TERMS))
    # 2013→2018: 2 intervals at ×1.5 and 3 at ×0.75
    expected = 100 * (np.exp((2 * np.log(1.5) + 3 * np.log(0.75)) / 5) - 1)
    assert fit.aapc(2013, 2018)["apc"] == pytest.approx(expected, abs=1e-6)
    assert fit.aapc(2011, 2025)["apc"] == pytest.approx(
        100 * (np.exp((4 * np.log(1.5) + 5 * np.log(0.75) + 5 * np.log(1.25)) / 14) - 1), abs=1e-6
    )


def test_default_data_recovers_the_planted_apcs_within_their_intervals(sample, sim_terms) -> None:
    yearly = rates(
        check_series(counts_for_unit(sample.annual_counts, sample.units, "SIM"), "SIM"), ["removed", "asked_to_leave"]
    )
    spans = term_spans(yearly["year"], sim_terms, TERMS)
    for kind in ("removed", "asked_to_leave"):
        apc = fit_trend(yearly, kind, spans).apc()
        for row, planted in zip(apc.itertuples(), truth.PLANTED_APC[kind]):
            # the sample is noisy on purpose: the planted value lies within the interval, not at the estimate
            assert row.apc_low <= planted <= row.apc_high, (kind, row.term)
            assert row.apc_high - row.apc_low < 25, (kind, row.term)  # and the interval is informative


@pytest.mark.simulation
def test_confidence_intervals_cover_the_planted_apc_about_95_percent(sample, sim_terms) -> None:
    yearly = counts_for_unit(sample.annual_counts, sample.units, "SIM")
    exposure = yearly.set_index("year")["members_start"].astype(float)
    spans = term_spans(yearly["year"], sim_terms, TERMS)
    covered = []
    for kind in ("removed", "asked_to_leave"):
        draws = synth.poisson_replicates(exposure, kind, replicates=300)
        for counts in draws:
            data = pd.DataFrame({"year": exposure.index, "members_start": exposure.to_numpy(), "x": counts})
            apc = fit_trend(data, "x", spans).apc()
            planted = np.array(truth.PLANTED_APC[kind])
            covered.append((apc["apc_low"].to_numpy() <= planted) & (planted <= apc["apc_high"].to_numpy()))
    coverage = pd.DataFrame(covered)
    assert 0.92 <= coverage.to_numpy().mean() <= 0.98
    assert ((coverage.mean() >= 0.90) & (coverage.mean() <= 0.99)).all()  # each term, 600 intervals


def test_short_term_is_reported_not_fitted(sim_terms) -> None:
    data = exact_series().query("year <= 2022")  # 2020-2025 has two years
    spans = term_spans(data["year"], sim_terms, TERMS)
    apc = fit_trend(data, "x", spans).apc().set_index("term")
    assert not apc.loc["2020-2025", "fitted"] and pd.isna(apc.loc["2020-2025", "apc"])
    assert apc.loc["2020-2025", "years_observed"] == 2 < MIN_YEARS_PER_TERM
    assert apc.loc["2015-2020", "apc"] == pytest.approx(-25.0, abs=1e-6)  # the 2021-2022 points do not bend it
    with pytest.raises(TrendError, match="3"):
        fit_trend(
            data.query("year >= 2020"), "x", term_spans(data.query("year >= 2020")["year"], sim_terms, ["2020-2025"])
        )


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"year": [2016, 2017, 2019], "members_start": [10, 10, 10]}), "2018"),
        (pd.DataFrame({"year": [2016, 2016], "members_start": [10, 10]}), "2016"),
        (pd.DataFrame({"year": [2016, 2017], "members_start": [10, 0]}), "2017"),
        (pd.DataFrame({"year": [], "members_start": []}), "X"),
    ],
)
def test_bad_series_get_a_clear_message(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(TrendError, match=message) as err:
        check_series(frame, "X")
    assert " / " in str(err.value)  # Vietnamese / English


def test_years_out_of_order_are_sorted_not_refused() -> None:
    frame = pd.DataFrame({"year": [2018, 2016, 2017], "members_start": [3, 1, 2]})
    assert check_series(frame, "X")["members_start"].tolist() == [1, 2, 3]


def test_mann_kendall_and_sen_against_scipy() -> None:
    rng = np.random.default_rng(7)
    yearly = pd.DataFrame({"year": range(2011, 2026), "r": 2 + 0.1 * np.arange(15) + rng.normal(0, 0.3, 15)})
    row = mann_kendall(yearly, "r").iloc[0]
    tau = stats.kendalltau(yearly["year"], yearly["r"])
    assert row["tau"] == pytest.approx(tau.statistic, abs=1e-12)
    assert row["sen_slope"] == pytest.approx(stats.theilslopes(yearly["r"], yearly["year"]).slope, abs=1e-12)
    assert row["trend"] == "increasing" and row["p_value"] < 0.01


def test_rates_per_thousand() -> None:
    out = rates(
        pd.DataFrame({"year": [2020], "members_start": [2000], "removed": [3], "asked_to_leave": [1]}),
        ["removed", "asked_to_leave"],
    )
    assert out.loc[0, "removed_rate"] == 1.5 and out.loc[0, "total_rate"] == 2.0


# --- the report section (helpers.report.sections.trends) ------------------------------------------

KINDS = ["removed", "asked_to_leave"]


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_merged_province_report_is_built_from_its_predecessor() -> None:
    merged = TrendsReport.build("data/sample", "SIMX", TERMS, KINDS, -1.0, 0, "vi")
    original = TrendsReport.build("data/sample", "SIM", TERMS, KINDS, -1.0, 0, "vi")
    assert merged.merged_from == ["SIM"]
    assert "được ghép từ các đơn vị tiền thân" in _text(merged.annual_section())
    assert merged.apc[["apc", "apc_low", "apc_high"]].equals(original.apc[["apc", "apc_low", "apc_high"]])
    assert len(merged.units_table) == 9  # the predecessor's subordinate units are compared


def test_subordinate_unit_uses_the_province_target_and_has_no_units_to_compare() -> None:
    report = TrendsReport.build("data/sample", "D06", TERMS, KINDS, -1.0, 0, "en")
    assert report.units_table is None and "too few subordinate units" in _text(report.units_section())
    assert report.projection is not None and report.projection.target.change_pct == 50.0


def test_target_parameter_overrides_the_table() -> None:
    report = TrendsReport.build("data/sample", "SIM", TERMS, KINDS, 40.0, 0, "vi")
    assert report.projection.target.allowed == 662 * 0.6 and report.projection.status == "met"


def test_term_table_carries_the_average_annual_rate(sample) -> None:
    report = TrendsReport.build("data/sample", "SIM", TERMS, KINDS, -1.0, 0, "vi")
    row = report.base.table.set_index("term").loc["2015-2020"]
    assert row["total_rate"] == 662 / row["member_years"] * 1000
    years = report.yearly[report.yearly["year"].between(2016, 2020)]
    assert row["member_years"] == years["members_start"].sum()


# --- the holes of issue 12 ----------------------------------------------------------------------------------


def _counts_only(folder) -> pd.DataFrame:
    """Make a data folder hold annual counts only (the default's file has the counts its registry gives)."""
    (folder / "members.csv").unlink()
    return pd.read_csv(folder / "annual_counts.csv")


@pytest.fixture(scope="module")
def default_report() -> TrendsReport:
    return TrendsReport.build("data/sample", "SIM", TERMS, KINDS, -1.0, 0, "vi")


def test_a_series_with_no_exits_is_reported_not_fitted(sim_terms) -> None:
    data = exact_series().assign(none=0.0)
    spans = term_spans(data["year"], sim_terms, TERMS)
    fit = fit_trend(data, "none", spans)
    assert not fit.fitted and fit.family == NO_EXITS
    assert fit.model() == {
        "series": "none",
        "first_year": 2011,
        "last_year": 2025,
        "exits": 0,
        "family": "none",
        "dispersion": pytest.approx(float("nan"), nan_ok=True),
        "scale": pytest.approx(float("nan"), nan_ok=True),
    }
    apc = fit.apc()
    assert apc["term"].tolist() == TERMS
    assert (~apc["fitted"]).all() and apc["no_exits"].all() and apc["apc"].isna().all()
    assert fit.knot_tests().empty and list(fit.knot_tests().columns)[:2] == ["series", "knot"]
    assert np.isnan(fit.aapc(2011, 2025)["apc"])
    assert fit.fitted_counts().tolist() == [0.0] * 15  # none expected, so a projection adds none
    # a fitted series beside it is untouched
    other = fit_trend(data, "x", spans)
    assert other.fitted and not other.apc()["no_exits"].any()
    assert other.apc()["apc"].to_numpy() == pytest.approx([50.0, -25.0, 25.0], abs=1e-6)


def test_report_with_a_kind_that_never_happens_says_so_and_fits_the_others(sample_copy, sample, sim_terms) -> None:
    counts = _counts_only(sample_copy)
    counts.assign(other_exit=counts["other_exit"] + counts["asked_to_leave"], asked_to_leave=0).to_csv(
        sample_copy / "annual_counts.csv", index=False
    )
    report = TrendsReport.build(str(sample_copy), "SIM", TERMS, KINDS, -1.0, 0, "vi")
    assert not report.fits["asked_to_leave"].fitted and report.fits["removed"].fitted
    # removed, and the total (now removed alone), are fitted exactly as on the default data
    yearly = check_series(counts_for_unit(sample.annual_counts, sample.units, "SIM"), "SIM")
    expected = fit_trend(yearly, "removed", term_spans(yearly["year"], sim_terms, TERMS)).apc()["apc"].to_numpy()
    for series in ("removed", "total"):
        assert report.apc.loc[report.apc["series"] == series, "apc"].to_numpy() == pytest.approx(expected)
    assert report.knots_tested["series"].tolist() == ["removed", "removed", "total", "total"]
    text = _text(report.apc_section())
    assert (
        "Không có đảng viên nào ra khỏi Đảng theo hình thức này trong các năm 2011–2025, nên không ước lượng xu hướng "
        "của tỷ lệ đảng viên xin ra khỏi Đảng." in text
    )
    assert "tỷ lệ đảng viên xin ra khỏi Đảng tăng" not in text and "tỷ lệ đảng viên xin ra khỏi Đảng giảm" not in text
    row = report.apc.set_index(["series", "term"]).loc[("total", "2020-2025")]
    assert row["apc_high"] < 0  # the combined rate (removed alone here) clearly fell in 2020-2025
    vi = lambda v: f"{v:.1f}".replace(".", ",")  # noqa: E731
    assert (
        f"Nhiệm kỳ 2020–2025, tỷ lệ ra khỏi Đảng (gồm đảng viên bị xóa tên và xin ra khỏi Đảng) giảm bình quân "
        f"{vi(-row['apc'])}% mỗi năm (khoảng tin cậy 95%: từ {vi(-row['apc_high'])}% đến {vi(-row['apc_low'])}%)."
    ) in text
    # the dispersion is stated in the methods appendix, from the fitted series only, and not in the main text
    dispersion = f"{report.fits['removed'].dispersion:.2f}".replace(".", ",")
    assert f"(hệ số phân tán lớn nhất {dispersion}," in _text(report.methods_section())
    assert "phân tán" not in text and "KTC" not in text
    report.annual_section()  # the figure draws no trend line for the series with none, and does not fail
    assert report.projection is not None and report.projection.target.baseline_total == 424
    en = TrendsReport.build(str(sample_copy), "SIM", TERMS, KINDS, -1.0, 0, "en")
    assert (
        "No members left this way in 2011–2025, so no trend is fitted for the rate of members who asked to leave."
        in (_text(en.apc_section()))
    )


def test_without_members_at_the_start_the_trend_model_refuses_naming_column_and_unit(sample_copy) -> None:
    counts = _counts_only(sample_copy)
    counts.drop(columns="members_start").to_csv(sample_copy / "annual_counts.csv", index=False)
    with pytest.raises(TrendError) as err:
        TrendsReport.build(str(sample_copy), "SIM", TERMS, KINDS, -1.0, 0, "vi")
    message = str(err.value)
    assert "Đơn vị SIM không có số liệu ở cột members_start (số đảng viên đầu năm)" in message
    assert "Unit SIM has no data in column members_start (members at the start of the year)" in message
    counts.assign(members_start=counts["members_start"].where(counts["year"] != 2013)).to_csv(
        sample_copy / "annual_counts.csv", index=False
    )
    with pytest.raises(TrendError, match="members_start") as err:
        TrendsReport.build(str(sample_copy), "SIM", TERMS, KINDS, -1.0, 0, "en")
    assert "Unit SIM lacks members_start (members at the start of the year) for 2013" in str(err.value)


def test_fit_trend_refuses_a_frame_without_exposure(sim_terms) -> None:
    data = exact_series()
    spans = term_spans(data["year"], sim_terms, TERMS)
    for frame in (data.drop(columns="members_start"), data.assign(members_start=0.0)):
        with pytest.raises(TrendError, match="members_start") as err:
            fit_trend(frame, "x", spans)
        assert "Series 'x'" in str(err.value) and "Chuỗi 'x'" in str(err.value)


def test_years_outside_every_term_are_named_not_dropped_in_silence(sample_copy, default_report) -> None:
    counts = _counts_only(sample_copy)
    pd.concat([counts[counts["year"] == 2011].assign(year=2010), counts]).to_csv(
        sample_copy / "annual_counts.csv", index=False
    )
    report = TrendsReport.build(str(sample_copy), "SIM", TERMS, KINDS, -1.0, 0, "vi")
    assert report.outside_years == (2010,) and default_report.outside_years == ()
    assert report.yearly["year"].min() == 2010  # shown year by year
    # … and counted in no term: the term table and the trends are those of 2011-2025
    assert report.base.table["total"].tolist() == default_report.base.table["total"].tolist()
    assert report.base.table["total"].tolist()[:2] == [428, 662]  # the published Tây Ninh totals
    assert report.apc["apc"].to_numpy() == pytest.approx(default_report.apc["apc"].to_numpy())
    sentence = (
        "Nằm ngoài mọi nhiệm kỳ đã khai báo cho tỉnh (các nhiệm kỳ gồm các năm 2011–2030) nên không được tính vào số "
        "liệu theo nhiệm kỳ và xu hướng từng nhiệm kỳ: năm 2010."
    )
    assert sentence in _text(report.terms_section()) and sentence in _text(report.annual_section())
    assert "Nằm ngoài mọi nhiệm kỳ" not in _text(default_report.terms_section())


def test_the_trends_use_the_data_folders_terms(sample_copy) -> None:
    _counts_only(sample_copy)
    (sample_copy / "terms.toml").write_text(
        "".join(
            f'[[term]]\nprovince_code = "SIM"\nlabel = "{a}-{b}"\nstart_year = {a}\nend_year = {b}\n'
            for a, b in ((2010, 2016), (2016, 2021), (2021, 2026))
        ),
        encoding="utf-8",
    )
    own = ["2010-2016", "2016-2021", "2021-2026"]
    report = TrendsReport.build(str(sample_copy), "SIM", own, KINDS, -1.0, 0, "en")
    assert [(s.first_year, s.last_year, s.years_observed) for s in report.spans] == [
        (2011, 2016, 6),
        (2017, 2021, 5),
        (2022, 2026, 4),
    ]
    assert report.fits["total"].knots == (2016, 2021)
    own_years = [range(2011, 2017), range(2017, 2022), range(2022, 2026)]
    totals = [int(report.yearly.loc[report.yearly["year"].isin(y), "total"].sum()) for y in own_years]
    assert report.base.table["total"].tolist() == totals
    assert "In the 2016–2021 term" in _text(report.apc_section())
    assert report.outside_years == ()


def test_the_default_report_has_no_years_outside_terms_and_every_series_fitted(default_report) -> None:
    assert default_report.outside_years == ()
    assert all(fit.fitted for fit in default_report.fits.values())
    assert {fit.family for fit in default_report.fits.values()} <= {"poisson", "quasi_poisson"}


def test_a_target_on_a_kind_that_never_happens_is_projected_at_none(sample_copy) -> None:
    counts = _counts_only(sample_copy)
    counts.assign(other_exit=counts["other_exit"] + counts["asked_to_leave"], asked_to_leave=0).to_csv(
        sample_copy / "annual_counts.csv", index=False
    )
    targets = pd.read_csv(sample_copy / "targets.csv")
    targets.assign(indicator="asked_to_leave").to_csv(sample_copy / "targets.csv", index=False)
    report = TrendsReport.build(str(sample_copy), "SIM", TERMS, KINDS, -1.0, 2023, "en")
    p = report.projection
    assert (p.target.baseline_total, p.observed_total, p.years_projected) == (0, 0, (2024, 2025))
    assert (p.expected_total, p.low, p.high, p.status) == (0.0, 0.0, 0.0, "on_track")
    assert "the whole term is projected at 0 (95% prediction interval 0–0), within the target of at most 0" in _text(
        report.target_section()
    )
    done = TrendsReport.build(str(sample_copy), "SIM", TERMS, KINDS, -1.0, 0, "en")
    assert done.projection.status == "met" and "(a fall of –)" in _text(done.target_section())


# --- the sections as a committee reads them (issue 13) ------------------------------------------------------


def _main_text_problems(html: str, lang: str) -> list:
    from bs4 import BeautifulSoup

    from helpers.report.checks import appendix_terms, figure_text, legends, repeated_paragraphs

    soup = BeautifulSoup(html, "html.parser")
    main = soup.find_all(["p", "li", "td", "th", "figcaption", "img"])
    return [*appendix_terms(main, lang), *legends(soup), *repeated_paragraphs(soup), *figure_text(soup)]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_main_text_of_the_sections_has_no_appendix_terms_and_complete_legends(lang: str) -> None:
    report = TrendsReport.build("data/sample", "SIM", TERMS, KINDS, -1.0, 0, lang)
    html = "".join(
        [
            report.terms_section(),
            report.annual_section(),
            report.apc_section(),
            report.units_section(),
            report.target_section(),
        ]
    )
    assert _main_text_problems(html, lang) == []
    methods = _text(report.methods_section())
    assert "Mann–Kendall" in methods and ("Wald" in methods)  # the statistics went to the appendix


def test_one_paragraph_per_term_and_the_model_concludes(default_report) -> None:
    html = default_report.apc_section()
    text = _text(html)
    for term in ("2010–2015", "2015–2020", "2020–2025"):
        assert text.count(f"Nhiệm kỳ {term}, tỷ lệ ra khỏi Đảng") == 1
    assert "KTC" not in text and "Mann" not in text and "p =" not in text and "p <" not in text
    # the boundary test is a plain sentence whose verdict follows its p-value (given in the appendix)
    tests = default_report.knots_tested.set_index(["series", "knot"])
    for knot in (2015, 2020):
        clear = tests.loc[("total", knot), "p_value"] < 0.05
        said = f"rõ rệt từ năm {knot + 1}" in text
        assert said == clear, knot
    # where the rank check and the model disagree, the main text says the model decides and the appendix why
    verdicts = __import__("helpers.report.sections.trends", fromlist=["model_verdicts"]).model_verdicts(
        default_report.apc, default_report.mk
    )
    disagree = not verdicts["agree"].all()
    assert ("dựa vào mô hình xu hướng" in text) == disagree
    if disagree:
        assert "nên báo cáo kết luận theo mô hình" in _text(default_report.methods_section())


def test_an_ended_term_is_not_projected_and_says_what_it_would_have_taken(default_report) -> None:
    p = default_report.projection
    assert p.years_projected == () and p.status in ("met", "not_met")
    text = _text(default_report.target_section())
    assert "dự báo cả nhiệm kỳ" not in text and "khoảng dự báo" not in text
    per_year = f"{int(10 * p.target.allowed // 5) / 10:.1f}".replace(".", ",")  # 331 / 5 = 66,2
    assert f"bình quân mỗi năm cần không quá {per_year} người" in text
    actual = f"{p.observed_total / 5:.1f}".replace(".", ",")
    assert f"thực tế bình quân {actual} người mỗi năm" in text
    assert "Nếu nhiệm kỳ 2025–2030 giữ cùng mục tiêu" in text  # the next configured term, same rule
    assert "Nhiệm kỳ đã kết thúc nên không dự báo" in text
    if p.status == "not_met":
        assert f"{int(round(p.observed_total - p.target.allowed))} người; mới giảm" in text


def test_a_term_under_way_says_how_many_a_year_the_rest_may_have() -> None:
    report = TrendsReport.build("data/sample", "SIM", TERMS, KINDS, -1.0, 2023, "vi")
    p = report.projection
    assert p.years_projected == (2024, 2025)
    text = _text(report.target_section())
    per_year = f"{int(10 * (p.target.allowed - p.observed_total) // 2) / 10:.1f}".replace(".", ",")
    assert "(các năm 2024–2025)" in text and f"mỗi năm không quá {per_year} người" in text
    so_far = f"{p.observed_total / 3:.1f}".replace(".", ",")
    assert f"bình quân các năm đã qua của nhiệm kỳ: {so_far} người mỗi năm" in text
    # the verdict in bold is the projection's own
    assert {"at_risk": "Có nguy cơ", "on_track": "Đúng hướng", "off_track": "Không đạt"}[p.status] in text


def test_no_target_is_said_plainly(sample_copy) -> None:
    _counts_only(sample_copy)
    (sample_copy / "targets.csv").unlink()
    report = TrendsReport.build(str(sample_copy), "SIM", TERMS, KINDS, -1.0, 0, "vi")
    assert report.projection is None
    text = _text(report.target_section())
    assert "Chưa có mục tiêu nào được đặt cho nhiệm kỳ 2020–2025" in text and "targets.csv" not in text
    assert "targets.csv" in _text(report.methods_section())  # the appendix names the file


def test_small_district_term_table_flags_the_small_base() -> None:
    report = TrendsReport.build("data/sample", "D03", TERMS, KINDS, -1.0, 0, "vi")
    table = report.base.table
    html = report.terms_section()
    small = [
        (table.loc[i - 1, k], table.loc[i, k])
        for i in range(1, len(table))
        for k in KINDS
        if min(table.loc[i - 1, k], table.loc[i, k]) < 10
    ]
    for before, after in small:
        assert f"từ {before} lên {after} người" in _text(html) or f"từ {before} xuống {after} người" in _text(html)
    assert ("*: một trong hai nhiệm kỳ" in _text(html)) == bool(small)
    assert _main_text_problems(html, "vi") == []


def test_a_unit_with_few_exits_is_told_in_counts_not_percent_changes() -> None:
    """A district with a handful of exits a year gets its counts, not a yearly percent change and its interval."""
    small = TrendsReport.build("data/sample", "D03", TERMS, KINDS, -1.0, 0, "vi")
    years = small.yearly[small.yearly["year"].between(2021, 2025)]
    assert years["total"].mean() < small.threshold and small.few_exits("2020-2025")
    text = _text(small.apc_section())
    assert f"Nhiệm kỳ 2020–2025 có {int(years['total'].sum())} đảng viên ra khỏi Đảng" in text
    assert f"năm 2025: {int(years['total'].iloc[-1])} người" in text and "mỗi năm (khoảng tin cậy" not in text
    assert "<figure" not in small.apc_section()
    assert small.trend_sentence("2020-2025") == small.counts_sentence("2020-2025")
    province = TrendsReport.build("data/sample", "SIM", TERMS, KINDS, -1.0, 0, "vi")
    assert not province.few_exits("2020-2025") and "bình quân" in province.trend_sentence("2020-2025")


def test_the_written_out_normal_quantile_is_scipys() -> None:
    assert Z95 == pytest.approx(stats.norm.ppf(0.975), abs=1e-15)


# --- beyond the term boundaries (issue 15) --------------------------------------------------------------------


def test_the_default_report_states_the_datas_own_joinpoint_and_the_aapc(default_report) -> None:
    """The combined rate's planted shape turns at 2020 (+7%, +9% a year, then −25%): the data's own joinpoint is
    that term boundary, and the sentences carry the selected model's numbers."""
    from helpers.analyses import joinpoints as jp
    from helpers.report.formatting import number

    series = jp.yearly_series(default_report.yearly, "total")
    selection = jp.select_joinpoints(series)  # the analysis run on its own, outside the report
    assert selection.model.joinpoints == (2020.0,) == default_report.selections["total"].model.joinpoints
    aapc = selection.model.aapc(2011, 2025)
    assert aapc["apc_high"] < 0  # a clear fall over the decade
    summary = default_report.summary_sentence()
    assert "tỷ lệ này tăng đến năm 2020 rồi giảm, mốc thay đổi trùng với năm cuối nhiệm kỳ 2015–2020" in summary
    assert f"bình quân giảm {number(-aapc['apc'], 'vi', 1)}% mỗi năm" in summary
    text = _text(default_report.apc_section())
    low, high = number(-aapc["apc_high"], "vi", 1), number(-aapc["apc_low"], "vi", 1)
    assert f"khoảng tin cậy 95% từ {low}% đến {high}%" in text
    for row in selection.model.segments().itertuples():
        assert f"từ {int(row.start)} đến {int(row.end)}" in text
    rows = default_report.comparison.set_index("test")
    said_parallel = "biến động song song" in text and "không biến động song song" not in text
    assert said_parallel == bool(rows.loc["parallel", "alike"] and not rows.loc["coincident", "alike"])
    appendix = _text(default_report.methods_section())
    assert "Kim" in appendix and "BIC" in appendix and "segmented" in appendix


def test_a_joinpoint_off_the_term_boundaries_is_said_to_differ_from_the_term_view(tmp_path) -> None:
    import importlib

    folder = importlib.import_module("test_cli").joinpoint_folder(tmp_path)  # the command tests build it
    report = TrendsReport.build(str(folder), "TN", TERMS, ["removed"], 0.0, 0, "en", shift_at=2021, aapc_since=2019)
    assert report.selections["total"].model.joinpoints == (2018.0,)
    assert report.joinpoint_agreement() == "away"
    summary = report.summary_sentence()
    assert "this rate rose until 2018 then fell, turning in a year that is no term boundary" in summary
    text = _text(report.apc_section())
    assert "from 2011 to 2018 it rose by 8.0% a year; from 2018 to 2025 it fell by 10.0% a year" in text
    assert "is no term boundary" in text and "not clearly enough to conclude there was a jump" in text
    since = report.aapcs.set_index(["model", "window"]).loc[("joinpoints", "since_2019"), "apc"]
    assert since == pytest.approx(-10.0, abs=1e-6)


def test_the_trend_sentences_leave_out_units_told_in_counts() -> None:
    report = TrendsReport.build("data/sample", "D03", TERMS, KINDS, -1.0, 0, "vi")
    assert all(report.few_exits(s.label) for s in report.spans)
    assert report.joinpoint_sentences() == [] and report.summary_sentence() is None
    assert "đổi hướng vào năm" not in _text(report.apc_section())


def test_a_unit_is_compared_with_the_rest_of_its_province_not_with_itself() -> None:
    from helpers.analyses import joinpoints as jp
    from helpers.data.datasets import load_dataset
    from helpers.report.sections.trends import comparison_verdict

    report = TrendsReport.build("data/sample", "D03", TERMS, KINDS, -1.0, 0, "vi")
    result = report.compare_with("SIM")
    assert set(result["b"]) == {"rest_of:SIM"}
    data = load_dataset("data/sample")
    province = counts_for_unit(data.annual_counts, data.units, "SIM").set_index("year")
    unit = counts_for_unit(data.annual_counts, data.units, "D03").set_index("year")
    rest = (province[["members_start", *KINDS]] - unit[["members_start", *KINDS]]).reset_index()
    rest = rates(rest, KINDS)
    ours = jp.yearly_series(report.yearly, "total")
    theirs = jp.yearly_series(rest, "total")
    most = max(report.selections["total"].chosen, jp.select_joinpoints(theirs).chosen)
    expected = jp.compare_series(ours, theirs, most)
    assert result["p_value"].tolist() == expected["p_value"].tolist()
    sentence = _text(report.compare_with_section("SIM"))
    verdict = comparison_verdict(result)
    assert ("biến động song song" in sentence and "không biến động" not in sentence) == (verdict == "parallel")
    assert "phần còn lại của Đảng bộ tỉnh mô phỏng" in sentence
