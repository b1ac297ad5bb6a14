"""The synthetic province: calibrated to the published figures, planted truth as written, files as generated."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import synth, truth
from helpers.codes import INFORMAL_OCCUPATIONS
from helpers.counts import province_counts
from helpers.paths import sample_dir
from helpers.published import check_figures, load_figures
from helpers.terms import load_terms, term_table


@pytest.fixture(scope="module")
def province() -> synth.SyntheticProvince:
    return synth.generate()


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    figures = load_figures()
    checked = check_figures(figures).set_index("figure_id")
    return figures.set_index("figure_id").join(checked[["verdict", "implied"]])


@pytest.fixture(scope="module")
def leavers_2016_2020(province) -> pd.DataFrame:
    m = province.tables["members"]
    return m[m["exit_kind"].isin(["removed", "asked_to_leave"]) & m["exit_date"].dt.year.between(2016, 2020)]


def _term_table(province) -> pd.DataFrame:
    yearly = province_counts(province.tables["annual_counts"])
    return term_table(yearly, load_terms().for_province("SIM"), ["removed", "asked_to_leave"]).set_index("term")


def test_2015_2020_reproduces_the_published_counts(province, published) -> None:
    table = _term_table(province)
    assert table.loc["2015-2020", "removed"] == published.loc["TN-2016-2020-removed", "value"] == 424
    assert table.loc["2015-2020", "asked_to_leave"] == published.loc["TN-2016-2020-asked_to_leave", "value"] == 238


def test_2010_2015_is_what_the_published_percent_changes_imply(province, published) -> None:
    table = _term_table(province)
    # The checker infers the previous term from "424 (tăng 37,66%)" and "238 (tăng 98%)".
    assert published.loc["TN-2016-2020-removed", "implied"] == str(table.loc["2010-2015", "removed"])
    assert published.loc["TN-2016-2020-asked_to_leave", "implied"] == str(table.loc["2010-2015", "asked_to_leave"])


def test_2020_2025_falls_toward_the_target_without_reaching_it(province) -> None:
    table = _term_table(province)
    baseline = table.loc["2015-2020", "total"]
    reduction = 100 * (1 - table.loc["2020-2025", "total"] / baseline)
    assert 35 < reduction < truth.TARGET["change_pct"]


def test_published_leaver_shares_are_exact(leavers_2016_2020: pd.DataFrame, published) -> None:
    l = leavers_2016_2020
    age = l["exit_date"].dt.year - l["birth_year"]
    observed = {
        "TN-2016-2020-leavers_age_18_40": int(age.between(18, 40).sum()),
        "TN-2016-2020-leavers_informal_work": int(l["occupation"].isin(INFORMAL_OCCUPATIONS).sum()),
        "TN-2016-2020-leavers_hamlet_branch": int((l["branch_type"] == "hamlet").sum()),
        "TN-2016-2020-leavers_no_vocational_training": int(l["professional_training"].isin(["none", "elementary"]).sum()),
        "TN-2016-2020-leavers_no_political_training": int((l["political_training"] == "none").sum()),
    }
    assert len(l) == 662
    for figure_id, count in observed.items():
        assert count == published.loc[figure_id, "value"], figure_id


def test_published_reason_shares_are_exact(leavers_2016_2020: pd.DataFrame) -> None:
    reasons = leavers_2016_2020.groupby(["exit_kind", "exit_reason"]).size()
    assert reasons[("removed", "quit_activity")] == 381          # 89,86% of 424
    assert reasons[("asked_to_leave", "family_hardship")] == 173  # 72,69% of 238
    assert reasons[("asked_to_leave", "spouse_abroad")] == 65     # 27,31% of 238
    assert round(100 * 381 / 424, 2) == 89.86 and round(100 * 173 / 238, 2) == 72.69


def test_planted_trend_is_as_written_and_meets_the_term_totals(province) -> None:
    for kind in ("removed", "asked_to_leave"):
        assert province.trends[kind].apc == pytest.approx(truth.PLANTED_APC[kind], abs=1e-4)
        assert province.trends[kind].intercept == pytest.approx(truth.PLANTED_LOG_RATE_2011[kind], abs=1e-6)
        assert synth.planted_trend(kind).apc == pytest.approx(truth.PLANTED_APC[kind], abs=1e-9)
        schedule = province.schedule[kind]
        for term, years in synth.TERM_YEARS.items():
            assert schedule.loc[list(years)].sum() == truth.TERM_TOTALS[kind][term]


def test_solve_trend_recovers_known_slopes_exactly() -> None:
    exposure = pd.Series(np.linspace(30_000, 45_000, 15), index=list(synth.YEARS))
    planted = synth.Trend(-6.0, (0.03, 0.10, -0.20))
    expected = exposure * np.exp(planted.log_rate(exposure.index.to_numpy()))
    totals = {term: expected.loc[list(years)].sum() for term, years in synth.TERM_YEARS.items()}
    solved = synth.solve_trend(exposure, totals, 100 * (np.exp(0.03) - 1))
    assert solved.intercept == pytest.approx(-6.0, abs=1e-9)
    assert solved.slopes == pytest.approx((0.03, 0.10, -0.20), abs=1e-9)


def test_members_over_represented_among_leavers_as_planted(province, leavers_2016_2020) -> None:
    m = province.tables["members"]
    on_roll_2018 = (m["entry_date"].isna() | (m["entry_date"].dt.year < 2018)) & \
                   (m["exit_date"].isna() | (m["exit_date"].dt.year >= 2018))
    stock = m[on_roll_2018]
    member_share = {
        "hamlet_branch": (stock["branch_type"] == "hamlet").mean(),
        "political_none": (stock["political_training"] == "none").mean(),
        "informal_occupation": stock["occupation"].isin(INFORMAL_OCCUPATIONS).mean(),
        "age_18_40": (2018 - stock["birth_year"]).between(18, 40).mean(),
    }
    assert member_share["hamlet_branch"] == pytest.approx(truth.MEMBER_SHARES["branch_type"]["hamlet"], abs=0.01)
    assert member_share["political_none"] == pytest.approx(truth.MEMBER_SHARES["political_training"]["none"], abs=0.01)
    assert member_share["age_18_40"] == pytest.approx(truth.MEMBER_SHARE_AGE_18_40, abs=0.015)
    for attribute, planted in truth.OVER_REPRESENTATION.items():
        if attribute in member_share:
            leaver_share = truth.PUBLISHED_LEAVER_COUNTS_2015_2020[attribute] / 662
            assert leaver_share / member_share[attribute] == pytest.approx(planted, rel=0.06), attribute


def test_unit_rates_are_planted_where_written(province) -> None:
    counts = province.tables["annual_counts"]
    per_unit = counts.groupby("unit_code")[["removed", "asked_to_leave", "members_start"]].sum()
    rate = (per_unit["removed"] + per_unit["asked_to_leave"]) / per_unit["members_start"]
    relative = rate / rate.drop(["D03", "D06"]).mean()
    assert relative["D06"] == pytest.approx(2.0, rel=0.2)
    assert relative["D03"] == pytest.approx(0.5, rel=0.3)


def test_survey_plants_matched_pairs_and_leaves_unrelated_pairs_alone(province) -> None:
    survey = province.tables["survey"]
    assert survey["respondent_type"].value_counts().to_dict() == truth.SURVEY_RESPONDENTS
    for k, rho in truth.MATCHED_LATENT_CORRELATION.items():
        ranks = survey[[f"cause_{k}", f"solution_{k}"]].astype(float).rank()  # Spearman = Pearson on ranks
        r = ranks[f"cause_{k}"].corr(ranks[f"solution_{k}"])
        if rho == 0:
            assert abs(r) < 0.15, k
        else:
            assert r < 0 and abs(r - rho) < 0.2, k


def test_generation_is_deterministic(province) -> None:
    again = synth.generate()
    for name, frame in province.tables.items():
        pd.testing.assert_frame_equal(frame, again.tables[name], obj=name)


def test_committed_sample_is_exactly_what_the_generator_makes(province) -> None:
    for name, frame in province.tables.items():
        committed = (sample_dir() / f"{name}.csv").read_text(encoding="utf-8")
        assert committed == synth.to_csv_text(frame), name


def test_default_province_size(province) -> None:
    counts = province_counts(province.tables["annual_counts"])
    assert 44_000 <= counts.loc[counts["year"] == 2025, "members_end"].item() <= 47_000
    branches = province.tables["members"].groupby("branch_id")["branch_type"].first().value_counts()
    assert branches.min() >= 200  # a few hundred branches of each type
