"""The synthetic province: calibrated to the published figures, planted truth as written, files as generated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.analyses.term_table import term_table
from helpers.data.codes import INFORMAL_OCCUPATIONS
from helpers.data.counts import province_counts
from helpers.data.published import check_figures, load_figures, reproduced
from helpers.data.terms import load_terms
from helpers.paths import sample_dir
from helpers.synth import province as synth
from helpers.synth import truth


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
    leavers = leavers_2016_2020
    age = leavers["exit_date"].dt.year - leavers["birth_year"]
    observed = {
        "TN-2016-2020-leavers_age_18_40": int(age.between(18, 40).sum()),
        "TN-2016-2020-leavers_informal_work": int(leavers["occupation"].isin(INFORMAL_OCCUPATIONS).sum()),
        "TN-2016-2020-leavers_hamlet_branch": int((leavers["branch_type"] == "hamlet").sum()),
        "TN-2016-2020-leavers_no_vocational_training": int(
            leavers["professional_training"].isin(["none", "elementary"]).sum()
        ),
        "TN-2016-2020-leavers_no_political_training": int((leavers["political_training"] == "none").sum()),
    }
    assert len(leavers) == 662
    for figure_id, count in observed.items():
        assert count == published.loc[figure_id, "value"], figure_id


def test_published_reason_shares_are_exact(leavers_2016_2020: pd.DataFrame) -> None:
    reasons = leavers_2016_2020.groupby(["exit_kind", "exit_reason"]).size()
    assert reasons[("removed", "quit_activity")] == 381  # 89,86% of 424
    assert reasons[("asked_to_leave", "family_hardship")] == 173  # 72,69% of 238
    assert reasons[("asked_to_leave", "spouse_abroad")] == 65  # 27,31% of 238
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
    on_roll_2018 = (m["entry_date"].isna() | (m["entry_date"].dt.year < 2018)) & (
        m["exit_date"].isna() | (m["exit_date"].dt.year >= 2018)
    )
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


# --- issue 7: admissions, quality ratings, member management (recomputed with plain pandas) -----------------------

DISTRICTS = [u[0] for u in truth.UNITS]


@pytest.fixture(scope="module")
def admissions(province) -> pd.DataFrame:
    """Admitted per district and year as the spec counts them (entry_kind admitted, entry_date in the period),
    beside the plans and the members at the start of the year."""
    m = province.tables["members"]
    admitted = m[m["entry_kind"] == "admitted"]
    key = [admitted["unit_code"], admitted["entry_date"].dt.year.rename("year")]
    table = pd.DataFrame(
        {
            "admitted": admitted.groupby(key).size(),
            "first_half": admitted[admitted["entry_date"].dt.month <= 6]
            .groupby([k[admitted["entry_date"].dt.month <= 6] for k in key])
            .size(),
        }
    )
    plans = province.tables["admission_plans"].set_index(["unit_code", "year"])
    start = province.tables["annual_counts"].set_index(["unit_code", "year"])["members_start"]
    return plans[["planned"]].join(table).join(start).fillna(0).astype(int)


def test_admissions_reproduce_the_published_attainment(admissions) -> None:
    sim = admissions.groupby(level="year").sum()
    assert (sim.loc[2021, "admitted"], sim.loc[2021, "planned"]) == (1394, 1260)
    assert (sim.loc[2022, "admitted"], sim.loc[2022, "planned"]) == (1457, 1390)
    assert (sim.loc[2016:2022, "admitted"].sum(), sim.loc[2016:2022, "planned"].sum()) == (10980, 12410)
    assert (sim.loc[2023, "first_half"], sim.loc[2023, "planned"]) == (787, 2082)
    attainment = [
        100 * sim.loc[2021, "admitted"] / sim.loc[2021, "planned"],
        100 * sim.loc[2022, "admitted"] / sim.loc[2022, "planned"],
        100 * sim.loc[2016:2022, "admitted"].sum() / sim.loc[2016:2022, "planned"].sum(),
        100 * sim.loc[2023, "first_half"] / sim.loc[2023, "planned"],
    ]
    assert [round(a, 2) for a in attainment] == [110.63, 104.82, 88.48, 37.80]
    assert sim["admitted"].to_dict() == truth.ADMITTED_PER_YEAR
    assert sim["planned"].to_dict() == truth.ADMISSION_PLANS


def test_planted_plans_are_the_ones_the_published_percentages_imply(published) -> None:
    implied = published["implied"]
    assert implied["HB-2021-admitted_districts"] == str(truth.ADMISSION_PLANS[2021]) == "1260"
    assert implied["HB-2022-admitted_districts"] == str(truth.ADMISSION_PLANS[2022]) == "1390"
    low, high = map(int, implied["HB-2016-2022-admitted_districts"].split("–"))
    assert low <= sum(truth.ADMISSION_PLANS[y] for y in range(2016, 2023)) == 12410 <= high
    low, high = map(int, implied["HB-2023-H1-admitted"].split("–"))
    assert low <= truth.ADMISSION_PLANS[2023] == 2082 <= high


def test_reported_admissions_equal_those_derived_from_the_registry(province, admissions) -> None:
    plans = province.tables["admission_plans"].set_index(["unit_code", "year"])
    assert (plans["admitted"] == admissions["admitted"]).all()
    assert (plans["admitted_first_half"] == admissions["first_half"]).all()
    assert len(plans) == len(DISTRICTS) * len(synth.YEARS)


def _garwood_upper(k: int) -> float:
    return stats.chi2.ppf(0.975, 2 * k + 2) / 2


def test_mid_2023_exactly_d02_and_d07_are_behind(admissions) -> None:
    status, margin = {}, {}
    for unit in DISTRICTS:
        before = admissions.loc[unit].loc[2020:2022]
        share = before["first_half"].sum() / before["admitted"].sum()
        assert before["admitted"].sum() >= 100  # the unit's own share is used, not the province's
        k, plan = admissions.loc[(unit, 2023), "first_half"], admissions.loc[(unit, 2023), "planned"]
        point, upper = k / share, _garwood_upper(k) / share
        status[unit] = "behind" if upper < plan else "at_risk" if point < plan else "on_track"
        margin[unit] = upper / plan
    assert {u for u, s in status.items() if s == "behind"} == {"D02", "D07"}
    assert status["D01"] == "at_risk"
    assert all(margin[u] < 0.7 for u in ("D02", "D07"))  # far behind
    assert all(margin[u] > 1.1 for u in DISTRICTS if u not in ("D02", "D07"))  # clear of BEHIND


def test_admission_rates_are_in_the_band_except_the_planted_district_years(province, admissions) -> None:
    rate = 100 * admissions["admitted"] / admissions["members_start"]
    outside = rate[(rate < 3) | (rate > 4)]
    assert set(outside.index) == {("D09", 2017), ("D05", 2019)}
    assert rate[("D09", 2017)] > 4.5 and rate[("D05", 2019)] < 2.5
    sim = admissions.groupby(level="year").sum()
    assert (100 * sim["admitted"] / sim["members_start"]).between(3, 4).all()


def test_admission_sources_plant_the_training_ratio_and_match_sex_and_age(province) -> None:
    m = province.tables["members"]
    sources = province.tables["admission_sources"]
    assert set(sources["unit_code"]) == {truth.PROVINCE_CODE} and set(sources["year"]) == set(truth.SOURCE_YEARS)
    for year in truth.SOURCE_YEARS:
        new = m[(m["entry_kind"] == "admitted") & (m["entry_date"].dt.year == year)]
        pool = sources[sources["year"] == year]
        assert (pool.groupby("attribute")["count"].sum() == 3 * len(new)).all()
        age = pd.cut(year - new["birth_year"], [0, 30, 40, 50, 200], labels=["18_30", "31_40", "41_50", "51_plus"])
        groups = {
            "sex": new["sex"],
            "professional_training": new["professional_training"],
            "age_group": age.astype(str),
            "occupation": new["occupation"],
        }
        for attribute, values in groups.items():
            share_new = values.value_counts(normalize=True)
            in_pool = pool[pool["attribute"] == attribute].set_index("category")["count"]
            ratio = (share_new / (in_pool / in_pool.sum())).dropna()
            # The pool is a multinomial draw of 3 per admitted member over the planted expected shares: each ratio
            # is within 4 standard errors of its planted value (1,5 for university and postgraduate, 1 for sex, age
            # and occupation; the other training levels share the rest: ratio 0,8-0,87 expected).
            planted = pd.Series(1.0, index=ratio.index)
            if attribute == "professional_training":
                planted[["university", "postgraduate"]] = truth.SOURCE_TRAINING_RATIO["university"]
                rest = ratio.index.difference(["university", "postgraduate"])
                share_rest = share_new[rest].sum()
                planted[rest] = share_rest / (1 - share_new[["university", "postgraduate"]].sum() / 1.5)
                assert planted[rest].between(0.8, 0.87).all()
            q = share_new[ratio.index] / planted  # the pool's expected share of each category
            se = planted * np.sqrt((1 - q) / (3 * len(new) * q))  # delta method: SE of the ratio from the pool
            assert (abs(ratio - planted) < 4 * se).all(), (year, attribute, ratio.round(3).to_dict())
            assert (ratio != 1.0).any(), (year, attribute)  # a drawn pool, not a copy of those admitted


@pytest.fixture(scope="module")
def ratings(province) -> pd.DataFrame:
    return province.tables["quality_ratings"].pivot_table(
        index=["subject", "unit_code", "year"], columns="rating", values="count", aggfunc="sum"
    )


def test_organisation_shares_reproduce_the_published_ones(ratings) -> None:
    orgs = ratings.loc["organisation"].groupby(level="year").sum()
    share = 100 * orgs.div(orgs.sum(axis=1), axis=0)
    assert orgs.sum(axis=1).to_dict() == truth.GRASSROOTS_ORGANISATIONS
    assert orgs.sum(axis=1)[[2015, 2018]].tolist() == [1111, 1111]  # the published shares are exact counts
    assert orgs.sum(axis=1).nunique() >= 8  # organisations are founded, merged and dissolved in between
    assert round(share.loc[2015, "excellent"], 1) == 51.4 and round(share.loc[2018, "excellent"], 1) == 26.2
    assert round(share.loc[2018, "not_completed"], 2) == 0.36 and round(share.loc[2015, "not_completed"], 1) == 0.5
    assert (share.loc[2018:, "not_completed"] < 0.5).all() and share.loc[2015, "not_completed"] > 0.5
    for year, counts in truth.ORGANISATION_RATINGS.items():
        assert orgs.loc[year, ["excellent", "good", "completed", "not_completed"]].tolist() == list(counts)


def test_members_excellent_between_10_and_12_percent_every_year_of_the_term(ratings) -> None:
    members = ratings.loc["member"].groupby(level="year").sum()
    share = 100 * members["excellent"] / members.sum(axis=1)
    assert share.loc[2016:2020].between(10, 12).all()


def _against_rest(table: pd.DataFrame, unit: str, year: int) -> tuple[float, pd.Series, pd.Series]:
    counts = table.xs(year, level="year")
    own, rest = counts.loc[unit], counts.drop(unit).sum()
    return stats.chi2_contingency(np.array([own, rest]))[1], own / own.sum(), rest / rest.sum()


def test_d06_organisations_differ_from_2018_and_d03_members_always(ratings) -> None:
    orgs, members = ratings.loc["organisation"], ratings.loc["member"]
    for year in truth.RATING_YEARS:
        p, own, rest = _against_rest(orgs, "D06", year)
        if year >= 2018:
            assert p < 1e-6 and own["excellent"] < rest["excellent"] / 2
            assert own["not_completed"] > rest["not_completed"]
        p, own, rest = _against_rest(members, "D03", year)
        assert p < 1e-6 and own["excellent"] > rest["excellent"] + 0.03
    # Every other district is drawn from the province's distribution: against the other such districts nothing
    # stands out (excellent against the rest, a 2 × 2 exact test, so the few weak organisations do not matter).
    # 179 comparisons (88 of members, 91 of organisations): each is held to a Bonferroni level of 5% over all of
    # them, since at a fixed 1e-3 one chance p-value among 179 null draws is a one-in-six event.
    level = 0.05 / (8 * len(truth.RATING_YEARS) + 9 * len(truth.RATING_YEARS) - (truth.LAST_YEAR - 2018 + 1))
    for unit in DISTRICTS:
        for year in truth.RATING_YEARS:
            if unit != "D03":
                assert _against_rest(members.drop("D03"), unit, year)[0] > level, (unit, year)
            if unit != "D06" or year < 2018:
                table = (orgs.drop("D06") if year >= 2018 else orgs).xs(year, level="year")
                own, others = table.loc[unit], table.drop(unit).sum()
                merged = np.array(
                    [
                        [own["excellent"], own.drop("excellent").sum()],
                        [others["excellent"], others.drop("excellent").sum()],
                    ]
                )
                assert stats.fisher_exact(merged)[1] > level, (unit, year)


@pytest.fixture(scope="module")
def management(province) -> pd.DataFrame:
    return province.tables["member_management"].set_index(["unit_code", "year"])


def test_management_members_equal_the_counts_members_end(province, management) -> None:
    counts = province.tables["annual_counts"].set_index(["unit_code", "year"])["members_end"]
    assert (management["members"] == counts.reindex(management.index)).all()
    assert len(management) == len(DISTRICTS) * len(truth.MANAGEMENT_YEARS)


def test_exemption_share_is_above_10_percent_exactly_for_d04_and_d08(management) -> None:
    share = 100 * management["exempted"] / management["members"]
    above = share[share > 10]
    assert set(above.index.get_level_values("unit_code")) == {"D04", "D08"}
    assert len(above) == 2 * len(truth.MANAGEMENT_YEARS)  # every year
    assert share.drop(["D04", "D08"], level="unit_code").between(3, 7).all()
    assert round(share.loc[("D04", 2020)]) == 13 and round(share.loc[("D08", 2020)]) == 16


def test_far_away_and_regulation_76_are_plausible(management) -> None:
    assert (management["far_away"] / management["members"]).between(0.02, 0.06).all()
    assert (management["far_away_overdue"] / management["far_away"]).between(0.10, 0.30).all()
    assert (management["registered_76"] / management["members"]).between(0.15, 0.25).all()


def test_screening_2019_and_removals_within_each_districts_exits(province, management) -> None:
    screened = management.xs(2019, level="year")
    totals = screened[["screened", "screened_removed", "screened_monitored"]].sum()
    assert totals.tolist() == [1127, 119, 1008]
    assert round(100 * totals["screened_removed"] / totals["screened"], 1) == 10.6
    assert (screened["screened_removed"] + screened["screened_monitored"] == screened["screened"]).all()
    m = province.tables["members"]
    exits = m[(m["exit_date"].dt.year == 2019) & m["exit_kind"].isin(["removed", "asked_to_leave", "expelled"])]
    capacity = exits.groupby("unit_code").size().reindex(screened.index, fill_value=0)
    assert (screened["screened_removed"] <= capacity).all()
    assert (
        management.drop(2019, level="year")[["screened", "screened_removed", "screened_monitored"]].isna().all().all()
    )


def test_default_data_reproduces_the_seeds_stated_percentages(province, ratings, management, admissions) -> None:
    sim = admissions.groupby(level="year").sum()
    orgs = ratings.loc["organisation"].groupby(level="year").sum()
    org_share = 100 * orgs.div(orgs.sum(axis=1), axis=0)
    screened = management.xs(2019, level="year").sum()
    computed = {
        "HB-2021-admitted_districts": 100 * sim.loc[2021, "admitted"] / sim.loc[2021, "planned"],
        "HB-2022-admitted_districts": 100 * sim.loc[2022, "admitted"] / sim.loc[2022, "planned"],
        "HB-2016-2022-admitted_districts": 100
        * sim.loc[2016:2022, "admitted"].sum()
        / sim.loc[2016:2022, "planned"].sum(),
        "HB-2023-H1-admitted": 100 * sim.loc[2023, "first_half"] / sim.loc[2023, "planned"],
        "HCM-2015-grassroots_excellent": org_share.loc[2015, "excellent"],
        "HCM-2018-grassroots_excellent": org_share.loc[2018, "excellent"],
        "HCM-2015-grassroots_weak": org_share.loc[2015, "not_completed"],
        "HCM-2018-grassroots_weak": org_share.loc[2018, "not_completed"],
        "HCM-2019-screened_removed": 100 * screened["screened_removed"] / screened["screened"],
    }
    result = reproduced(load_figures(), computed)
    assert (result["verdict"] == "same").all(), result


# --- issue 13 item 8: a default province that looks real ---------------------------------------------------------


def test_annual_counts_scatter_like_poisson_draws_around_the_planted_trend(province) -> None:
    from helpers.analyses.trends import fit_trend, mann_kendall, term_spans

    yearly = province_counts(province.tables["annual_counts"])
    spans = term_spans(yearly["year"], load_terms().for_province("SIM"), list(synth.TERM_YEARS))
    for kind in ("removed", "asked_to_leave"):
        # Pearson chi2 / df of the segmented fit: 11 degrees of freedom, so a Poisson series lands anywhere in
        # about 0,4-1,8; the planted year effect (YEAR_EFFECT_SD) adds a little. Rounded expectations gave 0,00.
        assert 0.4 < fit_trend(yearly, kind, spans).dispersion < 2.5, kind
    # Removed and asked-to-leave are planted with different APCs in every term.
    for removed, asked in zip(truth.PLANTED_APC["removed"], truth.PLANTED_APC["asked_to_leave"]):
        assert abs(removed - asked) > 3
    # Not every term is perfectly monotone (tau of ±1 in each term is what rounding the trend gave).
    taus = [
        mann_kendall(yearly[yearly["year"].isin(years)], kind).iloc[0]["tau"]
        for kind in ("removed", "asked_to_leave")
        for years in synth.TERM_YEARS.values()
    ]
    assert sum(abs(t) < 1 for t in taus) >= 3, taus


def test_first_halves_and_admissions_vary_by_district_and_year(admissions) -> None:
    share = admissions["first_half"] / admissions["admitted"]
    assert share.std() > 0.02 and 0.43 < share.mean() < 0.47
    assert share.groupby(level="unit_code").mean().std() > 0.01  # lasting district differences
    sim = admissions.groupby(level="year").sum()
    yearly_share = (sim["first_half"] / sim["admitted"]).drop(2023)
    assert yearly_share.std() > 0.005 and yearly_share.between(0.40, 0.50).all()
    growth = sim["admitted"].loc[2011:2020].pct_change().dropna()
    assert (growth < 0).sum() >= 2  # admissions rise and fall, not a smooth ramp
