"""The national report: provinces side by side across the 2025 merger, checked on a small folder of the national
folder's shape with planted truth (an outlier province, a declining one, a rising one), then rendered in both
languages and read by the report's text checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.data.units import series_units
from helpers.errors import ParameterProblem
from helpers.report.checks import check_report
from helpers.report.national import (
    KINDS,
    NationalReport,
    current_provinces,
    merger_table,
    province_series,
)

FIRST_YEAR, LAST_YEAR = 2011, 2025
UNCHANGED = ("P01", "P02")
# Each merged province and the former provinces it was formed from (2 or 3 each, as in 2025).
FORMED_FROM = {"P03": ("T01", "T02"), "P04": ("T03", "T04", "T05"), "P05": ("T06", "T07"), "P06": ("T08", "T09", "T10")}
RATES = {"removed": 0.0020, "asked_to_leave": 0.0011}  # per member and year: the national generator's
OTHER_RATES = {"admitted": 0.030, "transferred_in": 0.004, "transferred_out": 0.004, "expelled": 0.0004, "died": 0.008}
OUTLIER = "P02"  # removal rate twice the others' in every year: clearly above the common rate
DECLINING = "P04"  # both kinds fall 15% a year from 2021 (the 2020-2025 term), in all three former provinces
RISING = "P06"  # both kinds rise 12% a year from 2021: the fastest rise of the last term
DECLINE, RISE = 0.85, 1.12
LAST_TERM_YEARS = range(2021, 2026)
SEED = 20_250_701


def _province_of(code: str) -> str:
    return next((p for p, formed in FORMED_FROM.items() if code in formed), code)


def write_planted_folder(folder: Path, seed: int = SEED) -> Path:
    """units.csv, annual_counts.csv and dataset.toml in the national folder's shape: 6 current provinces (2
    unchanged, 4 merged on 2025-07-01 from 10 former ones), Poisson counts at the planted rates, and the stock
    identity holding year to year."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    units = [
        {
            "unit_code": code,
            "name": f"Tỉnh thử {code}",
            "valid_from": "2011-01-01",
            "valid_to": "",
            "successor_code": "",
        }
        for code in UNCHANGED
    ]
    units += [
        {
            "unit_code": code,
            "name": f"Tỉnh thử {code}",
            "valid_from": "2025-07-01",
            "valid_to": "",
            "successor_code": "",
        }
        for code in FORMED_FROM
    ]
    units += [
        {
            "unit_code": former,
            "name": f"Tỉnh cũ {former}",
            "valid_from": "2011-01-01",
            "valid_to": "2025-06-30",
            "successor_code": current,
        }
        for current, formed in FORMED_FROM.items()
        for former in formed
    ]
    frame = pd.DataFrame(units).assign(parent_code="", level="province")
    frame[["unit_code", "name", "parent_code", "level", "valid_from", "valid_to", "successor_code"]].to_csv(
        folder / "units.csv", index=False
    )
    rows = []
    for code in [*UNCHANGED, *(f for formed in FORMED_FROM.values() for f in formed)]:
        members = int(rng.integers(15_000, 40_000))
        province = _province_of(code)
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            factor = 1.0
            if year in LAST_TERM_YEARS and province == DECLINING:
                factor = DECLINE ** (year - 2020)
            if year in LAST_TERM_YEARS and province == RISING:
                factor = RISE ** (year - 2020)
            row = {"unit_code": code, "year": year, "members_start": members}
            for kind, rate in RATES.items():
                planted = rate * factor * (2 if kind == "removed" and province == OUTLIER else 1)
                row[kind] = int(rng.poisson(planted * members))
            row |= {kind: int(rng.poisson(rate * members)) for kind, rate in OTHER_RATES.items()}
            row["other_exit"] = 0
            members += row["admitted"] + row["transferred_in"] - row["transferred_out"]
            members -= row["removed"] + row["asked_to_leave"] + row["expelled"] + row["died"]
            row["members_end"] = members
            rows.append(row)
    columns = ["unit_code", "year", "members_start", "admitted", "transferred_in", "transferred_out", "removed"]
    columns += ["asked_to_leave", "expelled", "died", "other_exit", "members_end"]
    pd.DataFrame(rows)[columns].to_csv(folder / "annual_counts.csv", index=False)
    (folder / "dataset.toml").write_text(
        'name = "Toàn quốc thử (6 tỉnh)"\nsimulated = true\nlevel = "national"\n', encoding="utf-8"
    )
    return folder


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    return write_planted_folder(tmp_path_factory.mktemp("national") / "planted")


@pytest.fixture(scope="module")
def report(planted) -> NationalReport:
    return NationalReport.build(str(planted), 0, ["2015-2020", "2020-2025"], "vi", 10)


def test_the_current_provinces_are_the_unchanged_and_the_merged(report) -> None:
    provinces = report.provinces.set_index("unit_code")
    assert list(provinces.index) == ["P01", "P02", "P03", "P04", "P05", "P06"]
    assert [code for code in provinces.index if provinces.loc[code, "merged"]] == list(FORMED_FROM)
    assert set(provinces.loc["P04", "predecessors"]) == set(FORMED_FROM["P04"])


def test_the_planted_outlier_is_named_above_the_limits(report) -> None:
    flags = report.units_table.set_index("unit_code")["flag"]
    assert flags[OUTLIER] == "above"
    rates_part = report.rates_part()
    above = rates_part.split("Cao hơn hẳn mức chung")[1].split("</p>")[0]
    assert f"Tỉnh thử {OUTLIER}" in above
    # the rate shown is the province's exits over its member-years in the last term, by hand
    counts = pd.read_csv(report.base.dataset.folder / "annual_counts.csv")
    window = counts[(counts["unit_code"] == OUTLIER) & counts["year"].isin(LAST_TERM_YEARS)]
    by_hand = window[KINDS].to_numpy().sum() / window["members_start"].sum() * 1000
    assert report.units_table.set_index("unit_code").loc[OUTLIER, "rate"] == pytest.approx(by_hand)


def test_the_planted_decline_has_a_negative_last_term_change_excluding_zero(report) -> None:
    trends = report.trends.set_index(["unit_code", "term"])
    row = trends.loc[(DECLINING, "2020-2025")]
    planted = 100 * (DECLINE - 1)  # −15% a year
    assert row["apc_high"] < 0 and row["apc_low"] <= planted <= row["apc_high"]
    assert row["versus"] == "lower"  # clearly below the rest of the country
    # before the decline the province followed the others: no clear difference in 2016-2020
    assert trends.loc[(DECLINING, "2015-2020"), "versus"] == "same"


def test_the_planted_rise_is_the_fastest_and_is_said_so(report) -> None:
    row = report.trends.set_index(["unit_code", "term"]).loc[(RISING, "2020-2025")]
    assert row["apc_low"] > 0 and row["apc_low"] <= 100 * (RISE - 1) <= row["apc_high"]
    summary = report.summary()
    assert f"tăng nhanh nhất ở Tỉnh thử {RISING}" in summary


def test_national_totals_equal_the_sum_of_the_provinces(report, planted) -> None:
    counts = pd.read_csv(planted / "annual_counts.csv")
    table = report.base.table.set_index("term")
    by_term = report.by_term.set_index(["term", "unit_code"])
    for term, years in (("2015-2020", range(2016, 2021)), ("2020-2025", LAST_TERM_YEARS)):
        window = counts[counts["year"].isin(years)]
        for kind in KINDS:
            assert table.loc[term, kind] == window[kind].sum()
            assert by_term.loc[term, kind].sum() == window[kind].sum()
    # a merged province's series is its former provinces' sum, year by year
    p04 = report.yearly["P04"].set_index("year")
    former = counts[counts["unit_code"].isin(FORMED_FROM["P04"])].groupby("year")[KINDS].sum()
    assert (p04.loc[former.index, KINDS].to_numpy() == former.to_numpy()).all()


def test_the_merger_table_lists_exactly_the_planted_predecessors(report, planted) -> None:
    table = report.merger
    assert {(r.unit_code, r.former_code) for r in table.itertuples()} == {
        (current, former) for current, formed in FORMED_FROM.items() for former in formed
    }
    counts = pd.read_csv(planted / "annual_counts.csv")
    t05 = counts[(counts["unit_code"] == "T05") & counts["year"].isin(LAST_TERM_YEARS)]
    row = table.set_index("former_code").loc["T05"]
    assert row["removed"] == t05["removed"].sum() and row["members_start"] == t05["members_start"].iloc[0]
    html = report.merger_part()
    assert "10 tỉnh, thành phố trước đó" in html and "được ghép từ số liệu của 12 tỉnh" in html


def test_a_unit_in_no_province_series_is_refused(planted) -> None:
    counts = pd.read_csv(planted / "annual_counts.csv")
    units = pd.read_csv(planted / "units.csv", dtype=str)
    units = pd.concat([units, pd.DataFrame([{"unit_code": "Z99", "name": "Tỉnh lạc", "level": "province"}])])
    units.loc[units["unit_code"] == "Z99", "valid_to"] = "2020-12-31"  # ended, with no successor
    stray = counts.iloc[:1].assign(unit_code="Z99")
    units = units.astype(object).where(units.notna(), None)
    provinces = list(current_provinces(units)["unit_code"])
    with pytest.raises(ParameterProblem, match="Z99"):
        province_series(pd.concat([counts, stray]), units, provinces)


def test_a_province_folder_is_not_a_national_one(sample_copy) -> None:
    with pytest.raises(ParameterProblem, match="ít nhất 2"):
        NationalReport.build(str(sample_copy), 0, ["2015-2020", "2020-2025"], "vi", 10)


def test_terms_come_from_the_data_folder_when_it_has_them(tmp_path) -> None:
    folder = write_planted_folder(tmp_path / "own-terms")
    rule = 'code = "years_after_opening_congress"\n'
    terms = "".join(
        f'\n[[term]]\nprovince_code = "VN"\nlabel = "{a}-{b}"\nstart_year = {a}\nend_year = {b}\n'
        for a, b in ((2011, 2016), (2016, 2021), (2021, 2026))
    )
    (folder / "terms.toml").write_text(f"[rule]\n{rule}{terms}", encoding="utf-8")
    with (folder / "dataset.toml").open("a", encoding="utf-8") as fh:
        fh.write('province_code = "VN"\n')
    report = NationalReport.build(str(folder), 0, ["2016-2021", "2021-2026"], "en", 10)
    assert list(report.base.table["term"]) == ["2016-2021", "2021-2026"]
    assert report.configured_terms and report.units_years == range(2022, 2026)
    with pytest.raises(ParameterProblem, match="2015-2020"):
        NationalReport.build(str(folder), 0, ["2015-2020", "2020-2025"], "en", 10)


def test_merger_table_of_a_chain_counts_every_unit_below(planted) -> None:
    units = pd.read_csv(planted / "units.csv", dtype=str)
    units = units.astype(object).where(units.notna(), None)
    provinces = current_provinces(units)
    counts = pd.read_csv(planted / "annual_counts.csv")
    table = merger_table(counts, units, provinces, LAST_TERM_YEARS)
    for row in table.itertuples():
        assert series_units(units, row.former_code) == [row.former_code]
    assert (
        table["total"].sum()
        == counts[counts["unit_code"].str.startswith("T") & counts["year"].isin(LAST_TERM_YEARS)][KINDS]
        .to_numpy()
        .sum()
    )


@pytest.mark.slow
def test_the_notebook_renders_cleanly_in_both_languages(planted, tmp_path) -> None:
    from helpers.paths import notebooks_dir
    from helpers.run.render import render
    from helpers.text import t

    for lang in ("vi", "en"):
        params = {"data_path": str(planted), "language": lang}
        out = tmp_path / f"national-{lang}.html"
        render(notebooks_dir() / "10-national.ipynb", params, out, t("national_report.title", lang), work_dir=tmp_path)
        html = out.read_text(encoding="utf-8")
        problems = check_report(html, lang)
        assert not problems, "\n".join(map(str, problems))
        assert f'<html lang="{lang}">' in html and "<script" not in html.lower()
        assert html.count("<img") == html.count('alt="') == 3  # term bars, funnel, forest
        assert "Tỉnh thử P02" in html.split('id="rates"')[1].split('id="trends"')[0]


@pytest.mark.parametrize(
    ("year", "terms", "language", "message"),
    [
        (0, ["2020-2025"], "vi", "ít nhất 2 nhiệm kỳ"),
        (0, ["2020-2025", "2015-2020"], "vi", "liền nhau"),
        (2030, ["2015-2020", "2020-2025"], "vi", "2030"),
        (0, ["2015-2020", "2020-2025"], "fr", "fr"),
    ],
)
def test_bad_parameters_stop_before_any_work(planted, year, terms, language, message) -> None:
    with pytest.raises(ParameterProblem, match=message):
        NationalReport.build(str(planted), year, terms, language, 10)
