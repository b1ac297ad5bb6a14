"""Who leaves: planted over-representation recovered, tests equal scipy, the adjusted model recovers planted ratios."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats.contingency import association as scipy_association

from helpers.analyses.profiles import (
    ATTRIBUTES,
    adjusted_rate_ratios,
    association,
    member_years,
    profile_table,
    reasons_table,
)
from helpers.data.codes import DOMAINS
from helpers.data.terms import load_terms
from helpers.report.base import Heading
from helpers.report.checks import check_report, split
from helpers.report.formatting import number, percent
from helpers.report.plots import DESKTOP_WIDTH, MIN_TEXT_PT, PHONE_WIDTH, text_sizes, theme
from helpers.report.sections.profiles import ProfilesReport, ratio_forest, withheld_profile
from helpers.synth import province as synth
from helpers.synth import truth
from helpers.text import t

SEED_ATTRIBUTES = {
    "age_18_40": "age_18_40",
    "informal_occupation": "informal_occupation",
    "hamlet_branch": "hamlet_branch",
    "professional_low": "professional_none_or_elementary",
    "political_none": "political_none",
}


@pytest.fixture(scope="module")
def py_2016_2020(sample) -> pd.DataFrame:
    return member_years(sample.members, range(2016, 2021))


def test_member_years_equal_the_stock_at_the_start_of_each_year(sample, py_2016_2020) -> None:
    counts = sample.annual_counts.groupby("year")[["members_start", "removed", "asked_to_leave"]].sum()
    per_year = py_2016_2020.groupby("year").agg(n=("year", "size"), left=("exit_kind", "count"))
    for year in range(2016, 2021):
        assert per_year.loc[year, "n"] == counts.loc[year, "members_start"]
        assert per_year.loc[year, "left"] == counts.loc[year, "removed"] + counts.loc[year, "asked_to_leave"]


@pytest.mark.parametrize("attribute", list(SEED_ATTRIBUTES))
def test_seed_counts_and_planted_over_representation_are_recovered(py_2016_2020, attribute: str) -> None:
    row = profile_table(py_2016_2020, attribute).set_index("category").loc["yes"]
    published = truth.PUBLISHED_LEAVER_COUNTS_2015_2020[SEED_ATTRIBUTES[attribute]]
    assert row["leavers"] == published  # 478/662, 519/662, 572/662, 444/662, 614/662
    planted = truth.OVER_REPRESENTATION[SEED_ATTRIBUTES[attribute]]
    assert row["ratio_low"] <= planted <= row["ratio_high"]


def test_sex_over_representation_within_its_interval(py_2016_2020) -> None:
    row = profile_table(py_2016_2020, "sex").set_index("category").loc["male"]
    assert row["ratio_low"] <= truth.OVER_REPRESENTATION["male"] <= row["ratio_high"]


def test_chi_square_and_cramers_v_match_scipy(py_2016_2020) -> None:
    for attribute in ("tenure", "branch_type", "age_18_40"):
        table = profile_table(py_2016_2020, attribute)
        counts = np.column_stack([table["leavers"], table["member_years"] - table["leavers"]])
        result = association(table)
        chi2, p, dof, _ = stats.chi2_contingency(counts, correction=False)
        assert (result.chi2, result.p_value, result.dof) == pytest.approx((chi2, p, dof))
        assert result.cramers_v == pytest.approx(scipy_association(counts, method="cramer", correction=False))


def test_bias_corrected_cramers_v_against_bergsma() -> None:
    # Bergsma (2013): phi2~ = max(0, phi2 - (k-1)(r-1)/(n-1)); r~ = r - (r-1)^2/(n-1); V~ = sqrt(phi2~/min(k~-1, r~-1))
    counts = np.array([[12, 30], [25, 20], [8, 40]])
    table = pd.DataFrame({"attribute": "x", "leavers": counts[:, 0], "member_years": counts.sum(axis=1)})
    n = counts.sum()
    chi2 = stats.chi2_contingency(counts, correction=False)[0]
    phi2 = max(0.0, chi2 / n - 2 * 1 / (n - 1))
    expected = np.sqrt(phi2 / min(3 - 4 / (n - 1) - 1, 2 - 1 / (n - 1) - 1))
    assert association(table).cramers_v_corrected == pytest.approx(expected)
    assert association(table).cramers_v_corrected < association(table).cramers_v


def test_adjusted_model_recovers_planted_rate_ratios() -> None:
    """Member-years with independent attributes and Poisson exits at planted rate ratios."""
    rng = np.random.default_rng(11)
    n = 400_000
    py = pd.DataFrame(
        {
            "year": 2020,
            "age_band": rng.choice(["18_30", "31_40", "41_50", "51_60", "61_plus"], n),
            "sex": rng.choice(["male", "female"], n),
            "informal_occupation": rng.choice(["yes", "no"], n),
            "hamlet_branch": rng.choice(["yes", "no"], n),
            "professional_low": rng.choice(["yes", "no"], n),
            "political_none": rng.choice(["yes", "no"], n),
            "tenure": rng.choice(["under_2", "2_5", "6_10", "11_plus"], n),
        }
    )
    planted = {
        "age_band=18_30": 2.0,
        "sex=female": 0.7,
        "informal_occupation=yes": 1.8,
        "hamlet_branch=yes": 1.5,
        "political_none=yes": 2.5,
        "tenure=under_2": 3.0,
    }
    log_rate = np.log(0.002) + sum(np.log(rr) * (py[t.split("=")[0]] == t.split("=")[1]) for t, rr in planted.items())
    py["exit_kind"] = np.where(rng.random(n) < np.exp(log_rate), "removed", None)
    result = adjusted_rate_ratios(py).set_index("term")
    for term, row in result.iterrows():
        truth_value = planted.get(term, 1.0)
        assert row["low"] <= truth_value <= row["high"], term


def test_reasons_reproduce_the_published_shares(sample) -> None:
    reasons = reasons_table(sample.members, load_terms().for_province("SIM"), ["2015-2020"])
    share = reasons.set_index(["exit_kind", "exit_reason"])["share"]
    assert round(100 * share[("removed", "quit_activity")], 2) == 89.86
    assert round(100 * share[("asked_to_leave", "family_hardship")], 2) == 72.69
    assert round(100 * share[("asked_to_leave", "spouse_abroad")], 2) == 27.31


# --- the report section (helpers.report.sections.profiles) ------------------------------------------

KINDS = ["removed", "asked_to_leave"]
COMMITTEE_DETAILED = ("age_band", "occupation", "branch_type", "tenure")  # what the committee report shows


def _build(folder: str, threshold: int = 10, lang: str = "vi", unit: str = "SIM") -> ProfilesReport:
    return ProfilesReport.build(folder, unit, ["2015-2020", "2020-2025"], "2015-2020", KINDS, threshold, lang)


def _integer_cells(html: str) -> list[int]:
    """Every table cell that is a whole number (counts); shares carry '%', ratios a decimal comma."""
    cells = re.findall(r"<td>([^<]*)</td>", html)
    return [int(c.replace(".", "")) for c in cells if re.fullmatch(r"\d{1,3}(\.\d{3})*", c.strip())]


def test_seed_sentences_reproduce_the_published_shares() -> None:
    sentences = _build("data/sample").seed_sentences()
    assert sentences[0].startswith(
        "Nhiệm kỳ 2015–2020 có 478/662 (chiếm 72,21%) đảng viên ra khỏi Đảng có tuổi đời từ 18 đến 40, cao gấp "
    )
    assert "572/662 (chiếm 86,40%)" in sentences[2]  # the count's own share, not the 86,42% the document states
    assert all(" lần tỷ lệ của nhóm này trong tổng số đảng viên (" in s for s in sentences)


@pytest.fixture(scope="module")
def current() -> dict[str, ProfilesReport]:
    """The committee's view: the 2020–2025 term profiled, with 2015–2020 beside it."""
    terms = ["2010-2015", "2015-2020", "2020-2025"]
    return {
        lang: ProfilesReport.build("data/sample", "SIM", terms, "2020-2025", KINDS, 10, lang) for lang in ("vi", "en")
    }


def test_the_previous_term_stands_beside_the_current_one(current) -> None:
    report = current["vi"]
    assert report.previous_term == "2015-2020"
    sentences = report.seed_sentences()
    # The previous term carries the Tây Ninh project's published figures; the current term follows it.
    for sentence, published in zip(sentences, ("478/662 (chiếm 72,21%)", "519/662 (chiếm 78,40%)", "572/662")):
        assert sentence.startswith(f"Nhiệm kỳ 2015–2020 có {published}"), sentence
        assert "; nhiệm kỳ 2020–2025 có " in sentence
    assert "444/662 (chiếm 67,07%)" in sentences[3] and "614/662 (chiếm 92,75%)" in sentences[4]
    table = report.seed_table_html()
    for share in ("72,21%", "78,40%", "67,07%", "92,75%"):
        assert share in table
    assert "nhiệm kỳ 2015–2020: 662 người" in table  # the base of each term's shares
    now = {g["attribute"]: g for g in report.seed_groups()}
    for attribute in SEED_ATTRIBUTES:
        assert percent(100 * now[attribute]["share"], "vi") in table
        assert number(now[attribute]["ratio"], "vi", 2) in table


def test_top_groups_quote_the_body_exactly(current) -> None:
    for lang, report in current.items():
        top = report.top_groups(2)
        assert len(top) == 2
        groups = {g["attribute"]: g for g in report.seed_groups()}
        assert groups[top[0]["attribute"]]["ratio"] >= groups[top[1]["attribute"]]["ratio"]
        assert all(groups[top[0]["attribute"]]["ratio"] >= g["ratio"] for g in groups.values())
        body = report.profiles_section()
        for group in top:
            assert group["share"] in body and group["ratio"] in body and group["member_share"] in body
            assert group["label"] == t(f"profiles.seed_group.{group['attribute']}", lang)


def test_top_groups_name_only_groups_clearly_over_represented(current, monkeypatch) -> None:
    report = current["vi"]
    assert all(
        g["ratio_low"] > 1
        for g in report.seed_groups()
        if g["attribute"] in {x["attribute"] for x in report.top_groups(2)}
    )
    near_one = [dict(g, ratio=0.99, ratio_low=0.9, ratio_high=1.1) for g in report.seed_groups()]
    monkeypatch.setattr(type(report), "seed_groups", lambda self, term=None: near_one)
    assert report.top_groups(2) == []  # "far more common … 0,99 times" is never written


def test_bands_are_in_their_natural_order(py_2016_2020) -> None:
    assert list(profile_table(py_2016_2020, "tenure")["category"]) == ["under_2", "2_5", "6_10", "11_plus"]
    assert list(profile_table(py_2016_2020, "age_band")["category"]) == ["18_30", "31_40", "41_50", "51_60", "61_plus"]
    training = list(profile_table(py_2016_2020, "professional_training")["category"])
    assert training == [c for c in DOMAINS["professional_training"] if c in training]
    assert list(profile_table(py_2016_2020, "age_18_40")["category"]) == ["yes", "no"]


def _page(report: ProfilesReport) -> str:
    h = lambda anchor: Heading(anchor, anchor, 3)  # noqa: E731
    return (
        '<h2 id="situation">II</h2>'
        + report.profiles_section(h("profiles"), COMMITTEE_DETAILED)
        + report.cohorts_section(h("cohorts"))
        + report.reasons_section(h("reasons"))
        + '<h2 id="appendix">Appendix</h2>'
        + report.methods_section(Heading("methods-profiles", "methods", 3))
    )


@pytest.mark.parametrize("unit", ["SIM", "D03"])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_sections_read_cleanly(unit: str, lang: str, current) -> None:
    if unit == "SIM":
        report = current[lang]
    else:
        report = ProfilesReport.build(
            "data/sample", unit, ["2010-2015", "2015-2020", "2020-2025"], "2020-2025", KINDS, 10, lang
        )
    page = _page(report)
    assert check_report(page, lang) == []
    soup, main, appendix = split(page)
    text = " ".join(node.get_text(" ") for node in main)
    assert "DỮ LIỆU MÔ PHỎNG" in text or "SIMULATED DATA" in text
    # The statistics are in the appendix, not lost.
    methods = " ".join(node.get_text(" ") for node in appendix)
    assert "χ²" in methods and "Kaplan–Meier" in methods and "Wilson" in methods


def test_reasons_are_one_paragraph_per_kind_largest_first(current) -> None:
    report = current["vi"]
    groups = report.reason_groups()
    assert list(groups) == KINDS
    for kind, (wide, hidden) in groups.items():
        assert list(wide["2020-2025"]) == sorted(wide["2020-2025"], reverse=True)
        paragraph_text = report.reason_paragraph(kind, wide, hidden)
        assert paragraph_text.startswith("Nhiệm kỳ 2020–2025 (trong ngoặc là nhiệm kỳ 2015–2020)")
    asked = report.reason_paragraph("asked_to_leave", *groups["asked_to_leave"])
    assert "(72,69%)" in asked and "(27,31%)" in asked  # the published 2015–2020 shares beside the current ones
    assert asked.index("hoàn cảnh gia đình khó khăn") < asked.index("theo vợ hoặc chồng")
    removed = report.reason_paragraph("removed", *groups["removed"])
    assert "do tự ý bỏ sinh hoạt đảng chiếm" in removed and "(89,86%)" in removed
    html = report.reasons_section()
    assert html.count("<p>") == len(KINDS)
    assert "Lý do đảng viên ra khỏi Đảng theo hình thức, nhiệm kỳ 2010–2015 đến 2020–2025" in html


def test_ratio_forest_text_is_legible_on_a_phone_and_a_desktop(current) -> None:
    groups = [g for g in current["vi"].seed_groups() if not g["withheld"]]
    args = (
        [t(f"profiles.seed_short.{g['attribute']}", "vi") for g in groups],
        [g["ratio"] for g in groups],
        [g["ratio_low"] for g in groups],
        [g["ratio_high"] for g in groups],
        "vi",
        True,
    )
    for width in (DESKTOP_WIDTH, PHONE_WIDTH):
        with theme():
            fig = ratio_forest(*args, width=width)
        assert min(text_sizes(fig)) >= MIN_TEXT_PT
        ticks = [tick.get_text() for tick in fig.axes[0].get_xticklabels() if tick.get_text()]
        assert "1" in ticks and all("^" not in tick for tick in ticks), ticks  # plain numbers, not powers of ten
        plt.close(fig)
    html = current["vi"].profiles_section()
    assert "<source media=" in html and 'data-text-pt="12"' in html


@pytest.fixture(scope="module")
def datasets(tmp_path_factory) -> list[Path]:
    folders = []
    for seed in (101,):
        folder = tmp_path_factory.mktemp(f"seed{seed}")
        synth.write_sample(folder, seed)
        (folder / "dataset.toml").write_text("simulated = true\n", encoding="utf-8")
        folders.append(folder)
    return [Path("data/sample"), *folders]


@pytest.mark.slow
def test_no_shared_table_shows_a_count_under_the_threshold(datasets) -> None:
    for folder in datasets:
        for unit in ("SIM", "D08"):  # the province, and a small unit where small cells are common
            built = _build(str(folder), unit=unit)
            for threshold in (10, 25):
                report = replace(built, threshold=threshold)
                html = report.profiles_section() + report.reasons_section()
                small = [c for c in _integer_cells(html) if 0 < c < threshold]
                assert small == [], (folder, unit, threshold, small)
                for attribute in ATTRIBUTES:
                    shown, _ = withheld_profile(report.tables[attribute], KINDS, threshold)
                    for column in [*KINDS, "leavers"]:
                        values = [v for v in shown[column] if v is not None]
                        assert all(v == 0 or v >= threshold for v in values), (folder, unit, attribute, column)


def test_english_edition() -> None:
    report = _build("data/sample", lang="en")
    assert report.seed_sentences()[0].startswith(
        "In the 2015–2020 term, 478/662 (72.21%) of the members who left were aged 18 to 40, "
    )
    assert "Who leaves" in report.header()


def test_english_edition_beside_the_previous_term(current) -> None:
    sentence = current["en"].seed_sentences()[0]
    assert sentence.startswith(
        "In the 2015–2020 term, 478/662 (72.21%) of the members who left were aged 18 to 40; in "
    )
    assert " times the group's share of all members (" in sentence
