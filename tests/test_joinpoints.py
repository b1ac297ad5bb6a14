"""Joinpoints chosen from the data, AAPC, comparability and level shifts: against R (glm and segmented), against
statsmodels, against noise-free series with known answers, and in simulations from planted truth."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from helpers.analyses import joinpoints as jp
from helpers.analyses.trends import TrendError

REFERENCE = json.loads((Path(__file__).parent / "reference" / "joinpoints_segmented.json").read_text())
SERIES = {s["name"]: s for s in REFERENCE["series"]}
YEARS = np.arange(2011, 2026, dtype=float)


def _series(ref: dict) -> jp.Series:
    step = 0.5 if ref["name"] == "half_years" else 1.0
    return jp.Series(
        ref["name"], *(np.atleast_1d(np.asarray(ref[k], float)) for k in ("time", "counts", "exposure")), step
    )


def _apc(slope) -> np.ndarray:
    return 100 * np.expm1(np.asarray(slope, float))


def _rows(items: list[dict], key: str) -> np.ndarray:
    return np.array([i[key] for i in items])


def planted(time, joinpoints, apcs, rate0=0.004, exposure0=60000.0, growth=1.012, half=False) -> jp.Series:
    """A noise-free series: the rate changes by exactly ``apcs`` % a year between ``joinpoints``."""
    time = np.asarray(time, float)
    slopes = np.log1p(np.asarray(apcs) / 100)
    log_rate = np.log(rate0) + slopes[0] * (time - time[0])
    for tau, change in zip(joinpoints, np.diff(slopes)):
        log_rate += change * np.clip(time - tau, 0, None)
    exposure = exposure0 * growth ** (time - time[0]) / (2 if half else 1)
    return jp.Series("planted", time, np.exp(log_rate) * exposure, exposure, 0.5 if half else 1.0)


# --- against R ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SERIES))
def test_grid_search_and_fixed_joinpoint_fits_match_r_glm(name: str) -> None:
    ref, series = SERIES[name], _series(SERIES[name])
    places = jp.grid_search(series, ref["joinpoints"])
    assert places == pytest.approx(np.atleast_1d(ref["grid"]["places"]))
    fit = jp.fit_joinpoints(series, places, estimated=False)
    grid = ref["grid"]
    assert fit.deviance == pytest.approx(grid["deviance"], abs=1e-6)
    segments = fit.segments()
    se_poisson = segments["se"] / np.sqrt(fit.scale)  # R's glm here is Poisson; quasi-Poisson is checked below
    assert segments["slope"].to_numpy() == pytest.approx(_rows(grid["slopes"], "slope"), abs=1e-4)
    assert se_poisson.to_numpy() == pytest.approx(_rows(grid["slopes"], "se"), abs=1e-4)
    assert segments["apc"].to_numpy() == pytest.approx(_apc(_rows(grid["slopes"], "slope")), abs=1e-4)
    for window in ("aapc_all", "aapc_window"):
        want = grid[window]
        got = fit.aapc(want["first"], want["last"])
        assert got["slope"] == pytest.approx(want["slope"], abs=1e-4)
        assert got["apc"] == pytest.approx(_apc(want["slope"]), abs=1e-4)
        assert got["se"] / np.sqrt(fit.scale) == pytest.approx(want["se"], abs=1e-4)


@pytest.mark.parametrize("name", list(SERIES))
def test_free_breakpoints_match_r_segmented(name: str) -> None:
    """At segmented's estimated breakpoints, the same model gives segmented's slopes, their standard errors with the
    breakpoints' uncertainty (Muggeo's linearisation), the breakpoints' own standard errors and the AAPC."""
    ref, series = SERIES[name], _series(SERIES[name])
    seg = ref["segmented"]
    psi = np.atleast_1d(seg["psi"])
    fit = jp.fit_joinpoints(series, psi)
    assert fit.deviance == pytest.approx(seg["deviance"], abs=1e-6)
    segments = fit.segments(location=True)
    assert segments["slope"].to_numpy() == pytest.approx(_rows(seg["slopes"], "slope"), abs=1e-4)
    assert segments["apc"].to_numpy() == pytest.approx(_apc(_rows(seg["slopes"], "slope")), abs=1e-4)
    assert (segments["se"] / np.sqrt(fit.scale)).to_numpy() == pytest.approx(_rows(seg["slopes"], "se"), abs=1e-4)
    aapc = fit.aapc(location=True)
    assert aapc["slope"] == pytest.approx(seg["aapc"]["slope"], abs=1e-4)
    assert aapc["se"] / np.sqrt(fit.scale) == pytest.approx(seg["aapc"]["se"], abs=1e-4)
    psi_se = np.sqrt(np.diag(fit.cov_location)[len(fit.params) :] / fit.scale)
    # a breakpoint a hair's breadth from an observed time (2015.99999) makes its own SE sensitive to where
    # segmented stopped iterating; the slopes and AAPC above are not
    away = np.min(np.abs(psi[:, None] - series.time[None, :]), axis=1) > 1e-3
    assert psi_se[away] == pytest.approx(np.atleast_1d(seg["psi_se"])[away], rel=1e-4)


def test_level_shift_and_quasi_poisson_match_r_glm() -> None:
    ref, series = SERIES["one_joinpoint"], _series(SERIES["one_joinpoint"])
    shifted = jp.fit_joinpoints(series, np.atleast_1d(ref["grid"]["places"]), shift_at=2021, estimated=False)
    shift = shifted.shift()
    assert shift["estimate"] == pytest.approx(ref["shift"]["estimate"], abs=1e-4)
    assert shift["se"] == pytest.approx(ref["shift"]["se"], abs=1e-4)
    assert shift["apc"] == pytest.approx(_apc(ref["shift"]["estimate"]), abs=1e-4)
    assert shifted.segments()["slope"].to_numpy() == pytest.approx(_rows(ref["shift"]["slopes"], "slope"), abs=1e-4)

    ref, series = SERIES["over_dispersed"], _series(SERIES["over_dispersed"])
    fit = jp.fit_joinpoints(series, np.atleast_1d(ref["grid"]["places"]), estimated=False)
    assert fit.family == "quasi_poisson"
    assert fit.dispersion == pytest.approx(ref["quasi"]["dispersion"], rel=1e-5)
    assert fit.segments()["se"].to_numpy() == pytest.approx(_rows(ref["quasi"]["slopes"], "se"), abs=1e-4)


def test_the_reference_file_says_how_it_was_made() -> None:
    assert REFERENCE["generator"] == "tests/reference/joinpoints.R"
    script = (Path(__file__).parent / "reference" / "joinpoints.R").read_text()
    assert "Rscript tests/reference/joinpoints.R > tests/reference/joinpoints_segmented.json" in script


def test_batched_poisson_fits_equal_statsmodels_glm() -> None:
    rng = np.random.default_rng(7)
    series = planted(YEARS, [2018], [8, -12])
    counts = rng.poisson(series.counts)[None, :] * np.ones((3, 1))
    counts[1] = rng.poisson(series.counts)
    counts[2] = rng.poisson(series.counts / 80)  # a small unit's series, with zeros
    places = jp.candidate_joinpoints(YEARS, 2)
    x = np.stack([jp.design(YEARS, 2011, p) for p in places])
    beta, _, dev = jp.poisson_fit(x, counts, np.log(series.exposure))  # every design against every response
    for r in range(3):
        for c in (0, 17, len(places) - 1):
            ref = sm.GLM(counts[r], x[c], family=sm.families.Poisson(), offset=np.log(series.exposure)).fit(tol=1e-12)
            assert beta[c, r] == pytest.approx(ref.params, abs=1e-7)
            assert dev[c, r] == pytest.approx(ref.deviance, abs=1e-7)


# --- exact answers --------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["permutation", "bic"])
def test_noise_free_joinpoint_off_the_term_boundaries_is_found_exactly(method: str) -> None:
    series = planted(YEARS, [2018], [8, -10])
    selection = jp.select_joinpoints(series, method)
    model = selection.model
    assert selection.chosen == 1 and model.joinpoints == (2018.0,)
    assert model.segments()["apc"].to_numpy() == pytest.approx([8, -10], abs=1e-6)
    aapc = 100 * (np.exp((7 * np.log(1.08) + 7 * np.log(0.9)) / 14) - 1)
    assert model.aapc()["apc"] == pytest.approx(aapc, abs=1e-6)
    since = 100 * (np.exp((1 * np.log(1.08) + 7 * np.log(0.9)) / 8) - 1)  # 2017–2025: one year up, seven down
    assert model.aapc(2017, 2025)["apc"] == pytest.approx(since, abs=1e-6)


def test_two_noise_free_joinpoints_are_found_with_their_apcs() -> None:
    series = planted(YEARS, [2015, 2020], [8, 17, -21])
    selection = jp.select_joinpoints(series)
    assert selection.model.joinpoints == (2015.0, 2020.0)
    assert selection.model.segments()["apc"].to_numpy() == pytest.approx([8, 17, -21], abs=1e-6)
    assert list(selection.tests["rejected"]) == [True, True]


def test_half_year_series_have_ten_points_a_term_and_find_a_mid_year_joinpoint() -> None:
    frame = pd.DataFrame({"year": np.repeat(np.arange(2011, 2026), 2), "half": np.tile([1, 2], 15)})
    truth = planted(frame["year"] + (frame["half"] - 1) / 2, [2018.5], [6, -9], half=True)
    frame["x"] = truth.counts
    frame["members_start"] = truth.exposure * 2  # members at the start of each half-year
    series = jp.half_year_series(frame.sample(frac=1, random_state=1), "x")
    assert series.n == 30 and np.sum((series.time > 2015) & (series.time <= 2020)) == 10
    assert series.exposure == pytest.approx(truth.exposure)
    selection = jp.select_joinpoints(series, "bic")
    assert selection.model.joinpoints == (2018.5,)
    assert selection.model.segments()["apc"].to_numpy() == pytest.approx([6, -9], abs=1e-6)


def test_the_term_knot_model_takes_half_years_and_matches_the_yearly_one() -> None:
    from helpers.analyses.trends import TermSpan, fit_trend

    spans = [
        TermSpan("2010-2015", 2011, 2015, 5),
        TermSpan("2015-2020", 2016, 2020, 5),
        TermSpan("2020-2025", 2021, 2025, 5),
    ]
    halves = planted(np.arange(2011, 2026, 0.5), [2015.5, 2020.5], [10, -20, 5], half=True)
    model = jp.term_model(halves, spans)
    assert model.joinpoints == (2015.5, 2020.5)
    assert model.segments()["apc"].to_numpy() == pytest.approx([10, -20, 5], abs=1e-6)
    years = planted(YEARS, [2015, 2020], [10, -20, 5])
    frame = pd.DataFrame({"year": YEARS.astype(int), "members_start": years.exposure, "x": years.counts})
    reference = fit_trend(frame, "x", spans).apc()["apc"].to_numpy()  # the trends module's own term model
    assert jp.term_model(years, spans).segments()["apc"].to_numpy() == pytest.approx(reference, abs=1e-9)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda f: f.drop(index=5), "2013/2"),
        (lambda f: pd.concat([f, f.iloc[[3]]]), "2012"),
        (lambda f: f.assign(half=f["half"].replace({2: 3})), "half"),
    ],
)
def test_bad_half_year_series_are_refused_with_a_clear_message(change, message) -> None:
    frame = pd.DataFrame(
        {"year": np.repeat(np.arange(2011, 2016), 2), "half": np.tile([1, 2], 5), "x": 5, "members_start": 100}
    )
    with pytest.raises(TrendError, match=message) as caught:
        jp.half_year_series(change(frame), "x", unit="D03")
    assert " / " in str(caught.value) and "D03" in str(caught.value)


def test_a_level_shift_at_a_date_is_recovered_exactly() -> None:
    series = planted(YEARS, [2018], [8, -10])
    jumped = jp.Series("x", series.time, series.counts * np.where(YEARS >= 2025, 1.25, 1.0), series.exposure)
    fit = jp.fit_joinpoints(jumped, [2018], shift_at=2025)
    assert fit.shift()["apc"] == pytest.approx(25, abs=1e-6)
    assert fit.segments()["apc"].to_numpy() == pytest.approx([8, -10], abs=1e-6)


def test_a_segment_without_exits_is_flagged_not_given_an_infinite_fall() -> None:
    """A small unit's removals stop after 2022 (as in the default data's D07): the segment after the joinpoint has
    no exits, its slope's estimate is on the boundary, and neither it nor an average over it is stated."""
    counts = np.array([6, 4, 7, 4, 10, 7, 6, 5, 8, 2, 5, 7, 0, 0, 0], dtype=float)
    series = jp.Series("removed", YEARS, counts, np.full(15, 3500.0))
    selection = jp.select_joinpoints(series, permutations=199)
    model = selection.model
    assert model.joinpoints == (2022.0,)
    segments = model.segments()
    assert segments["no_exits"].tolist() == [False, True]
    assert np.isnan(segments.loc[1, "apc"]) and np.isfinite(segments.loc[0, "apc"])
    assert np.isnan(model.aapc()["apc"]) and np.isfinite(model.aapc(2011, 2020)["apc"])


def test_joinpoint_rules_and_default_maximum() -> None:
    one, two = jp.candidate_joinpoints(YEARS, 1), jp.candidate_joinpoints(YEARS, 2)
    assert one[:, 0].tolist() == list(range(2013, 2024))  # two years kept on either side
    assert len(two) == 36 and np.all(np.diff(two, axis=1) >= 3)  # two years between joinpoints
    assert [jp.default_max_joinpoints(n) for n in (6, 7, 11, 12, 15, 17, 30)] == [0, 1, 1, 2, 2, 3, 3]


def test_comparability_of_parallel_and_coincident_noise_free_series() -> None:
    a = planted(YEARS, [2018], [8, -10])
    parallel = jp.Series("b", YEARS, a.counts * 1.5, a.exposure)
    same = jp.Series("c", YEARS, a.counts * 0.7, a.exposure * 0.7)
    other = planted(YEARS, [2016], [-5, 6])
    result = jp.compare_series(a, parallel, 1, permutations=99).set_index("test")
    assert result.loc["parallel", "alike"] and not result.loc["coincident", "alike"]
    result = jp.compare_series(a, same, 1, permutations=99).set_index("test")
    assert result["alike"].all()
    result = jp.compare_series(a, other, 1, permutations=99).set_index("test")
    assert not result["alike"].any()
    with pytest.raises(TrendError, match="planted"):
        jp.compare_series(a, jp.Series("d", YEARS[1:], a.counts[1:], a.exposure[1:]), 1)


def test_the_same_data_gives_the_same_p_values() -> None:
    rng = np.random.default_rng(3)
    truth = planted(YEARS, [2018], [5, -5])
    series = jp.Series("x", YEARS, rng.poisson(truth.counts).astype(float), truth.exposure)
    first, second = jp.select_joinpoints(series, permutations=199), jp.select_joinpoints(series, permutations=199)
    pd.testing.assert_frame_equal(first.tests, second.tests)


# --- simulations from planted truth --------------------------------------------------------------------

REPLICATES = 200
SIM_PERMUTATIONS = 199


def _draws(truth: jp.Series, n: int, seed: int) -> list[jp.Series]:
    rng = np.random.default_rng(seed)
    return [jp.Series("x", truth.time, rng.poisson(truth.counts).astype(float), truth.exposure) for _ in range(n)]


@pytest.mark.simulation
def test_false_joinpoint_rate_under_a_straight_line_stays_at_the_nominal_level() -> None:
    truth = planted(YEARS, [], [-3])  # about 240 exits a year, falling 3% a year, no joinpoint
    replicates = 2 * REPLICATES
    chosen = [
        jp.select_joinpoints(s, permutations=SIM_PERMUTATIONS, seed=i).chosen
        for i, s in enumerate(_draws(truth, replicates, 11))
    ]
    rate = np.mean(np.array(chosen) > 0)
    print(f"straight line: {rate:.2%} chose a joinpoint ({np.bincount(chosen, minlength=3)})")
    # at or under 5%, up to the Monte-Carlo error of the replicates (one-sided 95%: 1.645 standard errors)
    assert rate <= jp.ALPHA + 1.645 * np.sqrt(jp.ALPHA * (1 - jp.ALPHA) / replicates), rate


@pytest.mark.simulation
def test_the_planted_number_of_joinpoints_is_selected_in_most_replicates_and_aapc_covers() -> None:
    truth = planted(YEARS, [2018], [8, -8])  # a rise then a fall of 8% a year, 240–400 exits a year
    planted_aapc = 100 * np.expm1((7 * np.log(1.08) + 7 * np.log(0.92)) / 14)
    chosen, covered = [], []
    for i, s in enumerate(_draws(truth, REPLICATES, 12)):
        selection = jp.select_joinpoints(s, permutations=SIM_PERMUTATIONS, seed=i)
        chosen.append(selection.chosen)
        a = selection.model.aapc()
        covered.append(a["apc_low"] <= planted_aapc <= a["apc_high"])
    share = np.mean(np.array(chosen) == 1)
    print(f"one joinpoint: {share:.1%} chose 1 ({np.bincount(chosen)}), AAPC covered {np.mean(covered):.1%}")
    assert np.mean(np.array(chosen) == 1) >= 0.8, np.bincount(chosen)
    assert 0.9 <= np.mean(covered) <= 0.98, np.mean(covered)


@pytest.mark.simulation
def test_aapc_intervals_cover_the_planted_aapc_93_to_97_percent() -> None:
    """The term-knot model's AAPC over the decade and over the last term, on 2,000 Poisson draws at the default
    province's planted shape and about its size."""
    truth = planted(YEARS, [2015, 2020], [4, 17, -21], rate0=0.002)
    rng = np.random.default_rng(13)
    draws = rng.poisson(truth.counts, size=(2000, len(YEARS))).astype(float)
    for knots, first, last in (((2015, 2020), 2011, 2025), ((2015, 2020), 2020, 2025)):
        weights = jp.window_weights((2015, 2020), first, last)
        slopes = np.log1p(np.array([4, 17, -21]) / 100)
        want = 100 * np.expm1(weights @ slopes / weights.sum())
        covered = []
        for y in draws:
            fit = jp.fit_joinpoints(jp.Series("x", YEARS, y, truth.exposure), knots, estimated=False)
            a = fit.aapc(first, last)
            covered.append(a["apc_low"] <= want <= a["apc_high"])
        print(f"term-knot AAPC {first}–{last}: covered {np.mean(covered):.1%}")
        assert 0.93 <= np.mean(covered) <= 0.97, (first, last, np.mean(covered))
