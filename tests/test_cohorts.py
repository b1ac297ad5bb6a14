"""Retention by admission cohort against planted exponential hazards, a hand-worked example and the default data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from lifelines import KaplanMeierFitter

from helpers.analyses.cohorts import CohortDifference, cohort_difference, cohort_durations, retention_table
from helpers.report.checks import appendix_terms
from helpers.report.sections.profiles import difference_detail, difference_sentence, retention_sentences

AS_OF = pd.Timestamp("2025-12-31")
# Planted hazards per year: removed, asked to leave, another exit from the party (competing), transfer out
# (censoring: it must not change the retention or the incidences).
RATES = {"removed": 0.03, "asked_to_leave": 0.015, "died": 0.01, "transferred_out": 0.02}


def simulate(
    rng: np.random.Generator, years: list[int], n: int, rates: dict[str, float] = RATES, first_id: int = 0
) -> pd.DataFrame:
    """Members admitted on random days of ``years`` with exponential latent times to each exit; first one wins."""
    kinds = list(rates)
    admission = pd.to_datetime([f"{y}-01-01" for y in np.repeat(years, n)]) + pd.to_timedelta(
        rng.integers(0, 365, n * len(years)), unit="D"
    )
    latent = rng.exponential(1 / np.array([rates[k] for k in kinds]), size=(len(admission), len(kinds)))
    exit_date = admission + pd.to_timedelta(np.floor(latent.min(axis=1) * 365.25), unit="D")
    # Exits after AS_OF are in the frame, as a later extract would hold them; the analysis must ignore them.
    return pd.DataFrame(
        {
            "member_id": [f"M{first_id + i:06d}" for i in range(len(admission))],
            "entry_kind": "admitted",
            "admission_date": admission,
            "entry_date": admission,
            "exit_date": exit_date,
            "exit_kind": np.array(kinds, dtype=object)[latent.argmin(axis=1)],
        }
    )


# --- planted hazards ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    members = simulate(np.random.default_rng(20_250_101), [2015, 2016, 2017], 3000)
    return retention_table(members, AS_OF, horizons=(1, 3, 5))


def test_km_retention_is_within_three_standard_errors_of_the_planted_survival(planted) -> None:
    # With removal and asking to leave the only events, other exits and transfers censored, KM estimates
    # exp(−(λ1+λ2)t). 3 000 members per cohort; the standard error is read off lifelines' 95% interval as
    # (high − low)/3.92, and 3 of them bound a two-sided 99,7% band.
    truth = np.exp(-(RATES["removed"] + RATES["asked_to_leave"]) * planted["horizon"])
    assert len(planted) == 9 and planted["retained"].notna().all()
    se = (planted["retained_high"] - planted["retained_low"]) / 3.92
    assert (abs(planted["retained"] - truth) <= 3 * se).all()
    assert ((planted["retained_low"] < planted["retained"]) & (planted["retained"] < planted["retained_high"])).all()


@pytest.mark.simulation
def test_km_intervals_cover_the_planted_survival_about_95_percent() -> None:
    # 30 independent cohorts of 400 (1986–2015, all followed 5 years by as_of): 90 intervals. Over 12 seeds of this
    # design coverage ran from 0,90 to 0,99; below 0,85 would be about 3 binomial standard deviations short of 0,95.
    members = simulate(np.random.default_rng([99, 0]), list(range(1986, 2016)), 400)
    table = retention_table(members, AS_OF, horizons=(1, 3, 5))
    assert sorted(table["cohort"].unique()) == list(range(1986, 2016)) and table["retained"].notna().all()
    truth = np.exp(-(RATES["removed"] + RATES["asked_to_leave"]) * table["horizon"])
    covered = (table["retained_low"] <= truth) & (truth <= table["retained_high"])
    assert covered.mean() >= 0.85
    # ...and not by being wide: at 5 years S = 0.80, so 1.96·√(S(1 − S)/400) gives a width near 0.08.
    width = (table["retained_high"] - table["retained_low"])[table["horizon"] == 5].mean()
    assert 0.06 <= width <= 0.11
    # Aalen–Johansen for removal, same cohorts: within 3 standard errors of the planted CIF almost always.
    total = RATES["removed"] + RATES["asked_to_leave"] + RATES["died"]
    expected = RATES["removed"] / total * (1 - np.exp(-total * table["horizon"]))
    assert (abs(table["cif_removed"] - expected) <= 3 * table["cif_removed_se"]).mean() >= 0.95


def test_aalen_johansen_incidence_matches_the_planted_competing_risks(planted) -> None:
    # CIF_k(t) = λk/Λ·(1 − exp(−Λt)), Λ = λ1+λ2+λ3; transfers censor and do not enter Λ. Checked within 3 of
    # lifelines' standard errors (a two-sided 99,7% band per estimate).
    total = RATES["removed"] + RATES["asked_to_leave"] + RATES["died"]
    h = planted["horizon"]
    for column, kind in (("cif_removed", "removed"), ("cif_asked", "asked_to_leave")):
        expected = RATES[kind] / total * (1 - np.exp(-total * h))
        assert (abs(planted[column] - expected) <= 3 * planted[f"{column}_se"]).all(), column
    expected_other = RATES["died"] / total * (1 - np.exp(-total * h))
    assert planted["cif_other"].to_numpy() == pytest.approx(expected_other.to_numpy(), abs=0.01)
    # Had the competing exit been ignored (1 − KM for removal alone), the 5-year figure would be 0.139, not 0.131.
    five = planted[planted["horizon"] == 5]
    assert (five["cif_removed"] < 1 - np.exp(-RATES["removed"] * 5)).all()


def test_equal_cohorts_are_not_called_different() -> None:
    members = simulate(np.random.default_rng(7), [2016, 2019], 600)
    result = cohort_difference(members, AS_OF, [2016, 2019])
    assert isinstance(result, CohortDifference)
    assert result.cohorts == (2016, 2019) and result.degrees_of_freedom == 1 and result.members == 1200
    assert result.p_value > 0.01


@pytest.mark.simulation
def test_logrank_rejects_about_5_percent_of_equal_cohorts() -> None:
    # 100 replicates: under the null the number of rejections is Binomial(100, 0.05); [1, 12] holds 99,4% of it.
    rejected = [
        cohort_difference(simulate(np.random.default_rng([11, r]), [2016, 2019], 300), AS_OF, [2016, 2019]).p_value
        < 0.05
        for r in range(100)
    ]
    assert 1 <= sum(rejected) <= 12


def test_logrank_detects_a_cohort_with_twice_the_removal_rate() -> None:
    rng = np.random.default_rng(3)
    slower = simulate(rng, [2016], 1500)
    faster = simulate(rng, [2017], 1500, {**RATES, "removed": 2 * RATES["removed"]}, first_id=10_000)
    result = cohort_difference(pd.concat([slower, faster], ignore_index=True), AS_OF, [2016, 2017])
    assert result.p_value < 0.001 and result.statistic > 20


# --- a hand-worked example ---------------------------------------------------------------------------------------


def hand_made() -> pd.DataFrame:
    """Five members admitted on 2015-03-01, plus three rows that are not admissions in the data period."""
    rows = [
        # id, entry_kind, admission, exit date, exit kind
        ("A", "admitted", "2015-03-01", "2017-03-01", "removed"),  # 731 days = 2.0014 years
        ("B", "admitted", "2015-03-01", "2015-09-01", "transferred_out"),  # 184 days = 0.5038: censored
        ("C", "admitted", "2015-03-01", "2019-03-01", "asked_to_leave"),  # 1461 days = 4.0000
        ("D", "admitted", "2015-03-01", "2017-09-01", "died"),  # 915 days = 2.5051: competing
        ("E", "admitted", "2015-03-01", None, None),  # 3958 days = 10.8364: censored
        ("F", "on_roll", "2001-05-01", "2016-01-01", "removed"),  # not admitted in the period
        ("G", "transferred_in", "2012-05-01", "2018-01-01", "removed"),  # admitted elsewhere: enters late
        ("H", "admitted", "2015-06-01", "2026-02-01", "removed"),  # exit after as_of: not yet known
    ]
    frame = pd.DataFrame(rows, columns=["member_id", "entry_kind", "admission_date", "exit_date", "exit_kind"])
    frame["admission_date"] = pd.to_datetime(frame["admission_date"])
    frame["exit_date"] = pd.to_datetime(frame["exit_date"])
    frame["exit_kind"] = frame["exit_kind"].astype("string")
    return frame


def test_durations_codes_and_censoring() -> None:
    d = cohort_durations(hand_made(), AS_OF).set_index("member_id")
    assert list(d.index) == ["A", "B", "C", "D", "E", "H"]
    assert d["event"].to_dict() == {"A": 1, "B": 0, "C": 2, "D": 3, "E": 0, "H": 0}
    assert d["duration"].to_dict() == pytest.approx(
        {"A": 731 / 365.25, "B": 184 / 365.25, "C": 4.0, "D": 915 / 365.25, "E": 3958 / 365.25, "H": 3866 / 365.25}
    )
    assert set(d["cohort"]) == {2015}


def test_hand_worked_retention_with_a_transfer_censored() -> None:
    members = hand_made()[lambda f: f["member_id"] <= "E"]
    table = retention_table(members, AS_OF, horizons=(1, 3, 5, 10, 11)).set_index("horizon")
    # KM, events = removed or asked: B censored at 0.50, D (died) censored at 2.51, E at 10.84.
    #   t = 2.00 (A removed): 4 at risk (A, C, D, E) -> S = 3/4
    #   t = 4.00 (C asked):   2 at risk (C, E)       -> S = 3/4 · 1/2 = 3/8
    # Counting B's transfer as leaving would give S(1) = 4/5 instead of 1.
    assert table.loc[[1, 3, 5, 10], "retained"].tolist() == pytest.approx([1.0, 0.75, 0.375, 0.375])
    assert table.loc[[1, 3, 5, 10], "at_risk"].tolist() == [4, 2, 1, 1]
    # Aalen–Johansen with all-cause survival S_all: A removed at 2.00 with 4 at risk -> CIF_removed = 1 · 1/4;
    # S_all = 3/4; D died at 2.51 with 3 at risk -> CIF_other = 3/4 · 1/3 = 1/4; S_all = 1/2; C asked at 4.00 with
    # 2 at risk -> CIF_asked = 1/2 · 1/2 = 1/4.
    assert table.loc[[1, 3, 5], "cif_removed"].tolist() == pytest.approx([0, 0.25, 0.25])
    assert table.loc[[1, 3, 5], "cif_asked"].tolist() == pytest.approx([0, 0, 0.25])
    assert table.loc[[1, 3, 5], "cif_other"].tolist() == pytest.approx([0, 0.25, 0.25])
    # Followed 10 years (2015-03-01 + 10 = 2025-03-01 <= as_of) but not 11 (2026-03-01).
    row = table.loc[11]
    assert row["admitted"] == 5 and pd.isna(row["at_risk"])
    assert row[["retained", "retained_low", "retained_high", "cif_removed", "cif_asked"]].isna().all()


def test_horizons_beyond_follow_up_are_nan() -> None:
    members = simulate(np.random.default_rng(5), [2019, 2021, 2023, 2025], 200)
    table = retention_table(members, AS_OF, horizons=(1, 3, 5), cohorts=[2019, 2021, 2023, 2025])
    have = table.pivot(index="cohort", columns="horizon", values="retained").notna()
    assert have.to_dict("index") == {
        2019: {1: True, 3: True, 5: True},
        2021: {1: True, 3: True, 5: False},
        2023: {1: True, 3: False, 5: False},
        2025: {1: False, 3: False, 5: False},
    }
    # By default a cohort not followed even for the shortest horizon is left out.
    assert sorted(retention_table(members, AS_OF)["cohort"].unique()) == [2019, 2021, 2023]


def test_sentences_in_both_languages() -> None:
    members = hand_made()[lambda f: f["member_id"] <= "E"]
    table = retention_table(members, AS_OF, horizons=(1, 3, 5))
    vi = retention_sentences(table, "vi")
    assert vi == [
        "Trong số 5 đảng viên kết nạp năm 2015, sau 5 năm còn 37,5% chưa bị xóa tên hay xin ra "
        "khỏi Đảng; 25,0% đã bị xóa tên và 25,0% đã xin ra khỏi Đảng."
    ]
    en = retention_sentences(table, "en")
    assert en[0].startswith("Of the 5 members admitted in 2015, after 5 years 37.5% had been neither removed")
    # With a threshold of 10, the 25% removed and 25% asked to leave (1 person each) are not stated.
    assert retention_sentences(table, "vi", threshold=10)[0].endswith("còn 37,5% chưa bị xóa tên hay xin ra khỏi Đảng.")
    late = retention_table(simulate(np.random.default_rng(1), [2025], 40), AS_OF, cohorts=[2025])
    assert retention_sentences(late, "en")[0] == (
        "The 40 members admitted in 2025 have not yet been followed for 1 year, so their retention is not estimated."
    )


def test_the_cohort_comparison_is_plain_in_the_text_and_detailed_in_the_appendix() -> None:
    differ = CohortDifference((2011, 2024), 100, 10, 74.34, 13, 1e-10)
    same = CohortDifference((2011, 2024), 100, 10, 10.2, 13, 0.68)
    assert difference_sentence(differ, "vi") == (
        "Chênh lệch giữa các lớp kết nạp từ năm 2011 đến năm 2024 về mức giữ chân đảng viên lớn hơn mức có thể do "
        "ngẫu nhiên."
    )
    assert "không khác nhau rõ rệt" in difference_sentence(same, "vi")
    assert difference_sentence(same, "en").startswith("Retention does not differ clearly")
    for result in (differ, same):
        for lang in ("vi", "en"):
            assert not appendix_terms(
                [BeautifulSoup(f"<p>{difference_sentence(result, lang)}</p>", "html.parser").p], lang
            )
    assert difference_detail(differ, "vi").endswith("kiểm định log-rank χ² = 74,3, bậc tự do 13, p < 0,001.")
    assert difference_detail(same, "en").endswith("log-rank test χ² = 10.2, 13 degrees of freedom, p = 0.680.")


# --- the default data --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_table(sample) -> pd.DataFrame:
    state = np.random.get_state()[1].copy()
    table = retention_table(sample.members, AS_OF)
    # Tied exit dates are common; lifelines would jitter them after reseeding numpy's global generator.
    assert (np.random.get_state()[1] == state).all()
    return table


def test_default_data_cohorts_and_follow_up(default_table) -> None:
    assert sorted(default_table["cohort"].unique()) == list(range(2011, 2025))
    have = default_table.pivot(index="cohort", columns="horizon", values="retained").notna()
    assert have[5].sum() == 10 and have[3].sum() == 12 and have[1].all()  # 2011–2020, 2011–2022, 2011–2024
    assert (default_table["admitted"] >= 1250).all()


def test_default_data_retention_falls_with_horizon(default_table) -> None:
    wide = default_table.pivot(index="cohort", columns="horizon", values="retained")
    steps = wide.diff(axis=1).stack()  # only horizons that are both estimated
    assert (steps <= 0).all() and (steps < 0).mean() > 0.9
    assert (wide[1] > 0.98).all() and (wide[5].dropna() < 0.97).all()


def test_default_data_incidences_and_retention_are_consistent(sample, default_table) -> None:
    # Removal and asking to leave together, with the competing exits accounted for (Aalen–Johansen), can never
    # exceed their 1 − KM counterpart with those exits censored: cif_removed + cif_asked + retained <= 1. All three
    # kinds of exit add up exactly to 1 − the all-cause KM survival.
    shown = default_table.dropna(subset=["retained"])
    total = shown["cif_removed"] + shown["cif_asked"] + shown["retained"]
    assert (total <= 1 + 1e-12).all() and (total > 0.99).all()
    durations = cohort_durations(sample.members, AS_OF)
    for row in shown.itertuples():
        part = durations[durations["cohort"] == row.cohort]
        km = KaplanMeierFitter().fit(part["duration"], part["event"] > 0)
        all_exits = 1 - km.survival_function_at_times(row.horizon).iloc[0]
        assert row.cif_removed + row.cif_asked + row.cif_other == pytest.approx(all_exits, abs=1e-12)


def test_default_data_cohorts_differ(sample) -> None:
    result = cohort_difference(sample.members, AS_OF, list(range(2011, 2025)))
    assert result.degrees_of_freedom == 13 and result.p_value < 0.001


def test_a_small_unit_says_its_latest_cohort_is_withheld_instead_of_picking_a_shown_one() -> None:
    """In a small district the latest cohort followed five years is withheld; the section says so rather than
    describe an older cohort that happens to be shown."""
    from helpers.report.sections.profiles import ProfilesReport

    terms = ["2010-2015", "2015-2020", "2020-2025"]
    small = ProfilesReport.build("data/sample", "D03", terms, terms[-1], ["removed", "asked_to_leave"], 10, "vi")
    five = small.cohort_wide()[5]
    followed = [c for c, v in five.items() if isinstance(v, str) or v == v]
    html = small.cohorts_section()
    assert five[max(followed)] == "x"  # the default district's latest five-year cohort is withheld
    assert f"lớp kết nạp năm {max(followed)} (lớp gần nhất đã theo dõi đủ 5 năm) là số nhỏ" in html
    assert "sau 5 năm còn" not in html
    province = ProfilesReport.build("data/sample", "SIM", terms, terms[-1], ["removed", "asked_to_leave"], 10, "vi")
    assert "Trong số" in province.cohorts_section() and "là số nhỏ" not in province.cohorts_section()


def test_without_variance_the_estimates_are_the_same_and_only_the_errors_are_left_out(sample) -> None:
    from helpers.analyses.cohorts import retention_table

    as_of = pd.Timestamp("2025-12-31")
    members = sample.members[sample.members["unit_code"] == "D03"]
    full = retention_table(members, as_of)
    quick = retention_table(members, as_of, variance=False)
    se = ["cif_removed_se", "cif_asked_se"]
    assert full[se].notna().any().all() and quick[se].isna().all().all()
    pd.testing.assert_frame_equal(quick.drop(columns=se), full.drop(columns=se))
