"""Units side by side: the planted outlying units are named, and limits hold their nominal level under the null."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.analyses.funnel import count_limits, flag_counts, funnel_table
from helpers.data.counts import counts_for_unit
from helpers.data.units import descendants, predecessors, series_units
from helpers.synth import truth


def test_planted_units_are_flagged_and_no_others(sample) -> None:
    children = [c for c in descendants(sample.units, "SIM") if c != "SIM"]
    planted = {code: rr for code, _, _, rr in truth.UNITS}
    # 2021-2025 has half the exits of 2016-2020, so the half-rate unit is only a warning there (P(O <= 25 | 42.9)
    # is about 0.25%, not under 0.1%): the flag follows the evidence, not the planted value.
    for years, d03 in ((range(2016, 2021), {"below"}), (range(2021, 2026), {"below", "warning"})):
        table = funnel_table(sample.annual_counts, sample.units, children, ["removed", "asked_to_leave"], years)
        flags = table.set_index("unit_code")["flag"]
        assert flags["D06"] == "above" and planted["D06"] == 2.0
        assert flags["D03"] in d03 and planted["D03"] == 0.5
        assert set(flags.drop(["D03", "D06"])) <= {"within", "warning"}
        assert table["observed"].sum() == pytest.approx(table["expected"].sum())


@pytest.mark.simulation
@pytest.mark.parametrize("expected", [2.0, 5.0, 20.0, 80.0, 400.0])
def test_flags_hold_their_level_under_the_null(expected: float) -> None:
    """Counts that are pure Poisson noise around their expected value are flagged at most at the nominal rate."""
    observed = np.arange(0, int(expected * 4 + 40))
    probability = stats.poisson.pmf(observed, expected)
    flags = flag_counts(observed, np.full(observed.size, expected))
    assert probability[np.isin(flags, ["above", "below"])].sum() <= 0.002 + 1e-9
    assert probability[flags != "within"].sum() <= 0.05 + 1e-9
    assert probability[flags == "above"].sum() > 0 or expected < 5  # the rule can flag at all


def test_interpolated_limits_are_monotone_and_bracket_the_mean() -> None:
    expected = np.linspace(1, 200, 400)
    low, high = count_limits(expected, 0.998)
    assert (low <= expected).all() and (high >= expected).all()
    assert (np.diff(high - expected) >= -1e-9).all() or np.corrcoef(expected, high - expected)[0, 1] > 0.99


def test_merged_province_series_is_built_from_its_predecessors(sample) -> None:
    assert predecessors(sample.units, truth.MERGED_PROVINCE_CODE) == [truth.PROVINCE_CODE]
    assert set(series_units(sample.units, truth.MERGED_PROVINCE_CODE)) == {"SIMX", "SIM", *[u[0] for u in truth.UNITS]}
    merged = counts_for_unit(sample.annual_counts, sample.units, truth.MERGED_PROVINCE_CODE)
    original = counts_for_unit(sample.annual_counts, sample.units, truth.PROVINCE_CODE)
    pd.testing.assert_frame_equal(merged, original)


def test_chart_labels_are_names_without_the_simulated_tag() -> None:
    from helpers.report.sections.trends import short_name

    assert short_name("Huyện Châu Thành Tây (mô phỏng)") == "Huyện Châu Thành Tây"
    assert short_name("District X (simulated)") == "District X"
    assert short_name("Thành phố (cũ) Tây Ninh") == "Thành phố (cũ) Tây Ninh"
