"""Member management: planted exemption shares and flags (strictly above the threshold), intervals against scipy
and by coverage, the screening figures, far away and "76" shares, series sums, and missing columns handled."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.report.formatting import percent
from helpers.analyses.management import above, exemptions, far_away, has_column, registered_76, screening, unit_series

DISTRICTS = [f"D{i:02d}" for i in range(1, 10)]
# Exempted share planted per district: D04 13% and D08 16% (above the seed's 10%), D09 exactly 10% (not above:
# the directive says "trên 10%"), the rest between 3% and 7%.
EXEMPTED = {"D01": 0.03, "D02": 0.05, "D03": 0.07, "D04": 0.13, "D05": 0.04, "D06": 0.06, "D07": 0.035,
            "D08": 0.16, "D09": 0.10}
MEMBERS = {d: 5000 + 100 * i for i, d in enumerate(DISTRICTS)}
# Screening in 2019: 1.127 reviewed, 119 removed (10,6%), 1.008 kept under monitoring, as in the default data.
SCREENED = dict(zip(DISTRICTS, [130, 120, 125, 128, 122, 126, 124, 127, 125]))
REMOVED = dict(zip(DISTRICTS, [14, 13, 15, 12, 14, 13, 5, 17, 16]))
OPTIONAL = ("exempted", "far_away", "far_away_overdue", "registered_76", "screened", "screened_removed",
            "screened_monitored")


def _units() -> pd.DataFrame:
    codes = ["SIM", *DISTRICTS]
    return pd.DataFrame({"unit_code": codes, "name": codes, "parent_code": [pd.NA] + ["SIM"] * 9,
                         "level": ["province"] + ["district"] * 9, "successor_code": pd.NA}).astype("string")


def planted_management(seed: int = 3, years=range(2016, 2021), columns=OPTIONAL) -> pd.DataFrame:
    """member_management typed as the contract types it, with the planted exemption and screening figures."""
    rng = np.random.default_rng(seed)
    rows = []
    for year in years:
        for district in DISTRICTS:
            members = MEMBERS[district]
            far = int(members * rng.uniform(0.02, 0.06))
            rows.append({"unit_code": district, "year": year, "members": members,
                         "exempted": round(members * EXEMPTED[district]), "far_away": far,
                         "far_away_overdue": int(far * rng.uniform(0.10, 0.30)),
                         "registered_76": int(members * rng.uniform(0.15, 0.25)),
                         "screened": SCREENED[district] if year == 2019 else pd.NA,
                         "screened_removed": REMOVED[district] if year == 2019 else pd.NA,
                         "screened_monitored": SCREENED[district] - REMOVED[district] if year == 2019 else pd.NA})
    frame = pd.DataFrame(rows)[["unit_code", "year", "members", *columns]]
    return frame.astype({c: "Int64" for c in frame.columns if c != "unit_code"} | {"unit_code": "string"})


@pytest.fixture(scope="module")
def series() -> pd.DataFrame:
    return unit_series(planted_management(), _units(), ["SIM", *DISTRICTS])


def test_planted_exemption_shares_and_flags(series) -> None:
    table = exemptions(series)
    year = table[table["year"] == 2019].set_index("unit_code")
    for district, share in EXEMPTED.items():
        assert year.loc[district, "exempted_share"] == round(MEMBERS[district] * share) / MEMBERS[district]
    assert sorted(year.index[year["above"]]) == ["D04", "D08"]       # 13% and 16%; D09 at exactly 10% is not
    assert percent(100 * year.loc["D09", "exempted_share"], "vi", 1) == "10,0%"
    assert set(table.loc[table["above"], "unit_code"]) == {"D04", "D08"}  # every year
    assert year.loc["D04", "ci_above"] and year.loc["D08", "ci_above"]    # thousands of members: clearly above
    assert not year.loc["SIM", "above"]


def test_above_is_strict_and_exact_on_the_counts() -> None:
    counts = pd.Series([100, 1001, 13, 99, 0, 5])
    bases = pd.Series([1000, 10000, 130, 1000, 0, pd.NA], dtype="Int64")
    assert above(counts, bases, 10.0).tolist() == [False, True, False, False, False, False]
    assert above(pd.Series([125]), pd.Series([1000]), 12.5).tolist() == [False]
    assert above(pd.Series([126]), pd.Series([1000]), 12.5).tolist() == [True]


def test_the_threshold_is_a_parameter(series) -> None:
    table = exemptions(series, threshold_pct=13.0)
    year = table[table["year"] == 2019].set_index("unit_code")
    assert year.index[year["above"]].tolist() == ["D08"]  # D04's 689/5.300 is exactly 13%
    small = unit_series(pd.DataFrame({"unit_code": ["D01"], "year": [2019], "members": [100], "exempted": [13]})
                        .astype({"unit_code": "string", "year": "Int64", "members": "Int64", "exempted": "Int64"}),
                        _units(), ["D01"])
    row = exemptions(small).iloc[0]
    assert row["above"] and not row["ci_above"]  # 13 of 100: above 10%, but the interval reaches down to 7%


def test_exemption_interval_equals_scipy_and_covers(series) -> None:
    row = exemptions(series).set_index(["unit_code", "year"]).loc[("D04", 2019)]
    reference = stats.binomtest(int(row["exempted"]), int(row["members"])).proportion_ci(method="exact")
    assert (row["exempted_low"], row["exempted_high"]) == pytest.approx((reference.low, reference.high))
    rng = np.random.default_rng(5)
    n, p = 400, 0.13
    draws = pd.DataFrame({"unit_code": "D04", "year": np.arange(3000), "members": n,
                          "exempted": rng.binomial(n, p)}).astype({"members": "Int64", "exempted": "Int64"})
    result = exemptions(draws)
    coverage = np.mean((result["exempted_low"] <= p) & (p <= result["exempted_high"]))
    assert coverage >= 0.95 - 3 * np.sqrt(0.95 * 0.05 / 3000)


def test_screening_reproduces_the_planted_figures(series) -> None:
    table = screening(series).set_index("unit_code")
    assert table["year"].unique().tolist() == [2019]  # only the year with screening
    sim = table.loc["SIM"]
    assert (sim["screened"], sim["removed"], sim["monitored"]) == (1127, 119, 1008)
    assert percent(100 * sim["removed_share"], "vi", 1) == "10,6%"
    assert sim["removed_low"] < 119 / 1127 < sim["removed_high"]
    assert table.loc["D07", "removed"] == 5


def test_far_away_overdue_and_76_shares(series) -> None:
    far = far_away(series).set_index(["unit_code", "year"])
    row = far.loc[("SIM", 2018)]
    assert row["far_away_share"] == row["far_away"] / row["members"]
    assert row["overdue_share"] == row["overdue"] / row["far_away"]
    assert far["far_away_share"].between(0.02, 0.06).all() and far["overdue_share"].between(0.09, 0.31).all()
    r76 = registered_76(series).set_index(["unit_code", "year"])
    assert r76["registered_76_share"].between(0.15, 0.25).all()
    assert r76.loc[("SIM", 2018), "registered_76"] == series.set_index(["unit_code", "year"]).loc[
        [(d, 2018) for d in DISTRICTS], "registered_76"].sum()


def test_a_series_is_the_sum_of_its_units_and_missing_when_a_part_is() -> None:
    frame = planted_management(years=[2020])
    frame.loc[frame["unit_code"] == "D05", "far_away"] = pd.NA
    frame.loc[frame["unit_code"] == "D05", "far_away_overdue"] = pd.NA
    result = unit_series(frame, _units(), ["SIM", "D01"]).set_index("unit_code")
    assert result.loc["SIM", "members"] == sum(MEMBERS.values())
    assert result.loc["SIM", "exempted"] == sum(round(MEMBERS[d] * EXEMPTED[d]) for d in DISTRICTS)
    assert pd.isna(result.loc["SIM", "far_away"])  # not a partial sum
    assert pd.notna(result.loc["D01", "far_away"])


@pytest.mark.parametrize("columns, present", [
    ((), set()),
    (("exempted",), {"exemptions"}),
    (("far_away",), {"far_away"}),
    (("registered_76", "screened"), {"registered_76", "screening"}),
])
def test_missing_columns_give_no_section_not_an_error(columns, present) -> None:
    result = unit_series(planted_management(columns=columns), _units(), ["SIM", *DISTRICTS])
    got = {name for name, value in {"exemptions": exemptions(result), "far_away": far_away(result),
                                    "registered_76": registered_76(result), "screening": screening(result)}.items()
           if value is not None}
    assert got == present
    if "far_away" in present:
        table = far_away(result)
        assert table["overdue"].isna().all() and table["overdue_share"].isna().all()
    if "screening" in present:
        table = screening(result)
        assert table["removed"].isna().all() and table["removed_share"].isna().all()


def test_an_empty_column_counts_as_missing() -> None:
    frame = planted_management(columns=("exempted",))
    frame["exempted"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    assert not has_column(frame, "exempted")
    assert exemptions(unit_series(frame, _units(), ["SIM"])) is None
