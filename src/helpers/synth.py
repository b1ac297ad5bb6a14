"""The synthetic default province: seeded, deterministic, calibrated to the published Tây Ninh figures.

Members on the rolls are simulated year by year from the flows in :mod:`helpers.truth`; members removed from the
rolls or asking to leave are constructed so that each term's totals, and every 2015-2020 share the Tây Ninh
project states, come out exactly. Their annual numbers follow a continuous segmented log-linear trend in the rate
per member (knots at 2015 and 2020), solved so that the term totals are met (:func:`solve_trend`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import truth
from helpers.codes import ATTRITION_EXITS
from helpers.counts import annual_counts_from_members

YEARS = range(truth.FIRST_YEAR, truth.LAST_YEAR + 1)
TERM_YEARS = {"2010-2015": range(2011, 2016), "2015-2020": range(2016, 2021), "2020-2025": range(2021, 2026)}
KNOTS = (2015, 2020)  # last calendar year of the first two terms
MEMBER_COLUMNS = ["member_id", "unit_code", "branch_id", "branch_type", "sex", "birth_year", "occupation",
                  "professional_training", "political_training", "admission_date", "entry_kind", "entry_date",
                  "exit_date", "exit_kind", "exit_reason", "cause_group"]


# --- the planted trend -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Trend:
    """log(rate) = intercept + slope_1·(y−2011) + Σ (slope_k − slope_{k−1})·(y − knot)+ for one kind of exit."""

    intercept: float
    slopes: tuple[float, float, float]

    def log_rate(self, years: np.ndarray) -> np.ndarray:
        years = np.asarray(years, dtype=float)
        out = self.intercept + self.slopes[0] * (years - truth.FIRST_YEAR)
        for knot, before, after in zip(KNOTS, self.slopes, self.slopes[1:]):
            out = out + (after - before) * np.clip(years - knot, 0, None)
        return out

    @property
    def apc(self) -> tuple[float, ...]:
        """Annual percent change per term, 100·(exp(slope) − 1)."""
        return tuple(100 * (np.exp(s) - 1) for s in self.slopes)


def _bisect(f, lo: float, hi: float) -> float:
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) < 0 else (lo, mid)
    return (lo + hi) / 2


def solve_trend(exposure: pd.Series, totals: dict[str, int], first_apc: float) -> Trend:
    """The continuous trend whose expected term totals equal ``totals`` given the exposure by year."""
    slope1 = np.log1p(first_apc / 100)
    years1 = np.array(TERM_YEARS["2010-2015"])
    base = (exposure.loc[years1] * np.exp(slope1 * (years1 - truth.FIRST_YEAR))).sum()
    intercept = np.log(totals["2010-2015"] / base)
    slopes = [slope1]
    for term in ("2015-2020", "2020-2025"):
        years = np.array(TERM_YEARS[term])

        def gap(slope: float, term_years=years) -> float:
            trial = Trend(intercept, tuple(slopes + [slope] + [slope] * (2 - len(slopes))))
            return float((exposure.loc[term_years] * np.exp(trial.log_rate(term_years))).sum() - totals[term])

        slopes.append(_bisect(gap, -2.0, 2.0))
    return Trend(float(intercept), tuple(float(s) for s in slopes))


def planted_trend(kind: str) -> Trend:
    """The planted trend of one kind of exit, from the constants in :mod:`helpers.truth`."""
    slopes = tuple(float(np.log1p(a / 100)) for a in truth.PLANTED_APC[kind])
    return Trend(truth.PLANTED_LOG_RATE_2011[kind], slopes)


def poisson_replicates(exposure: pd.Series, kind: str, replicates: int, seed: int = truth.SEED) -> np.ndarray:
    """Poisson draws of annual counts from the planted trend (replicates × years), for coverage checks."""
    mean = exposure.to_numpy(dtype=float) * np.exp(planted_trend(kind).log_rate(exposure.index.to_numpy()))
    return np.random.default_rng([seed, 5]).poisson(mean, size=(replicates, len(mean)))


def integer_schedule(expected: pd.Series) -> pd.Series:
    """Round expected annual counts to integers whose sum over each term equals the term's rounded total."""
    out = pd.Series(0, index=expected.index, dtype=int)
    for years in TERM_YEARS.values():
        part = expected.loc[list(years)]
        floor = np.floor(part).astype(int)
        short = int(round(part.sum())) - int(floor.sum())
        order = (part - floor).sort_values(ascending=False, kind="stable").index[:short]
        floor.loc[order] += 1
        out.loc[floor.index] = floor
    return out


# --- helpers for drawing -----------------------------------------------------------------------------------

def _choice(rng: np.random.Generator, shares: dict, size: int) -> np.ndarray:
    keys = list(shares)
    p = np.array([shares[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=size, p=p / p.sum())]


def _exact_flags(rng: np.random.Generator, size: int, ones: int) -> np.ndarray:
    flags = np.zeros(size, dtype=bool)
    flags[:ones] = True
    return rng.permutation(flags)


def _random_dates(rng: np.random.Generator, years: np.ndarray) -> pd.Series:
    years = np.asarray(years, dtype=int)
    starts = pd.to_datetime(pd.Series(years).astype(str) + "-01-01")
    days = 365 + pd.Series(years).map(lambda y: int(y % 4 == 0)).to_numpy()
    return starts + pd.to_timedelta(np.floor(rng.random(len(years)) * days).astype(int), unit="D")


def _branches() -> pd.DataFrame:
    """Branch catalogue: each type's branches spread over units in proportion to unit size."""
    rows = []
    sizes = np.array([u[2] for u in truth.UNITS])
    for btype, count in truth.BRANCHES_PER_TYPE.items():
        per_unit = np.maximum(1, np.round(count * sizes / sizes.sum()).astype(int))
        for (code, *_), n in zip(truth.UNITS, per_unit):
            rows += [{"unit_code": code, "branch_type": btype, "branch_id": f"{code}-{btype[:2].upper()}{i:03d}"}
                     for i in range(1, n + 1)]
    return pd.DataFrame(rows)


def _assign_branches(rng: np.random.Generator, people: pd.DataFrame, branches: pd.DataFrame,
                     weight: pd.Series | None = None) -> np.ndarray:
    """A branch of each person's unit and type: uniformly, or in proportion to ``weight`` (default 1 per branch)."""
    out = np.empty(len(people), dtype=object)
    groups = branches.groupby(["unit_code", "branch_type"])["branch_id"].apply(list).to_dict()
    for key, idx in people.groupby(["unit_code", "branch_type"]).groups.items():
        ids = np.array(groups[key], dtype=object)
        p = None
        if weight is not None:
            w = weight.reindex(ids).fillna(1.0).to_numpy(dtype=float)
            p = w / w.sum()
        out[people.index.get_indexer(idx)] = ids[rng.choice(len(ids), len(idx), p=p)]
    return out


# --- members who stay on the rolls, or leave for reasons other than attrition ----------------------------------

def _base_members(rng: np.random.Generator) -> pd.DataFrame:
    n0 = truth.INITIAL_MEMBERS
    new_per_year = truth.ADMISSIONS_PER_YEAR + truth.TRANSFERS_IN_PER_YEAR
    n = n0 + new_per_year * len(YEARS)
    kind = np.array(["on_roll"] * n0 + (["admitted"] * truth.ADMISSIONS_PER_YEAR
                                        + ["transferred_in"] * truth.TRANSFERS_IN_PER_YEAR) * len(YEARS), dtype=object)
    entry_year = np.concatenate([np.full(n0, truth.FIRST_YEAR - 1), np.repeat(list(YEARS), new_per_year)])
    # Age when joining the rolls: the initial stock is older; admissions are young, transfers mid-career.
    age_at_entry = np.where(
        kind == "on_roll", _choice(rng, {0: 0.14, 1: 0.46, 2: 0.40}, n).astype(int), 0)
    age_at_entry = np.select(
        [kind == "admitted", kind == "transferred_in", age_at_entry == 0, age_at_entry == 1],
        [rng.integers(19, 36, n), rng.integers(25, 56, n), rng.integers(22, 41, n), rng.integers(41, 61, n)],
        rng.integers(61, 86, n))
    birth_year = entry_year - age_at_entry
    admission_age = np.where(kind == "admitted", age_at_entry,
                             np.minimum(age_at_entry - 1, 18 + rng.integers(0, 18, n)))
    admission_year = birth_year + np.maximum(admission_age, 18)
    admission = _random_dates(rng, admission_year)
    entry = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    admitted = kind == "admitted"
    entry[admitted] = admission[admitted]
    moved = kind == "transferred_in"
    entry[moved] = _random_dates(rng, entry_year[moved]).to_numpy()
    entry[moved] = np.maximum(entry[moved], admission[moved])

    # Year-by-year competing exits for those on the rolls.
    exit_year = np.zeros(n, dtype=int)
    exit_kind = np.full(n, None, dtype=object)
    for year in YEARS:
        active = (entry_year < year) & (exit_year == 0)
        age = year - birth_year
        death = np.select([age < 60, age < 75], [truth.DEATH_HAZARD["under_60"], truth.DEATH_HAZARD["60_to_74"]],
                          truth.DEATH_HAZARD["75_plus"])
        hazards = np.column_stack([death] + [np.full(n, h) for h in truth.ANNUAL_HAZARD.values()])
        u = rng.random(n)
        cumulative = np.cumsum(hazards, axis=1)
        which = (u[:, None] < cumulative).argmax(axis=1)
        leaves = active & (u < cumulative[:, -1])
        names = np.array(["died", *truth.ANNUAL_HAZARD], dtype=object)
        exit_year[leaves] = year
        exit_kind[leaves] = names[which[leaves]]
    exit_date = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    gone = exit_year > 0
    exit_date[gone] = _random_dates(rng, exit_year[gone]).to_numpy()
    exit_date[gone] = np.maximum(exit_date[gone], entry[gone].fillna(admission[gone]))

    units = [u[0] for u in truth.UNITS]
    sizes = np.array([u[2] for u in truth.UNITS])
    shares = truth.MEMBER_SHARES
    return pd.DataFrame({
        "unit_code": np.array(units, dtype=object)[rng.choice(len(units), n, p=sizes / sizes.sum())],
        "branch_type": _choice(rng, shares["branch_type"], n),
        "sex": _choice(rng, shares["sex"], n),
        "birth_year": birth_year,
        "occupation": _choice(rng, shares["occupation"], n),
        "professional_training": _choice(rng, shares["professional_training"], n),
        "political_training": _choice(rng, shares["political_training"], n),
        "admission_date": admission,
        "entry_kind": kind,
        "entry_date": entry,
        "exit_date": exit_date,
        "exit_kind": exit_kind,
        "exit_reason": None,
        "cause_group": pd.array([pd.NA] * n, dtype="Int64"),
    })


# --- members removed from the rolls or asking to leave ---------------------------------------------------------

def _leaver_attributes(rng: np.random.Generator, kinds: np.ndarray, exact: bool) -> pd.DataFrame:
    """Attributes of one term's leavers: exactly the published counts when ``exact``, else drawn at those shares."""
    n = len(kinds)
    if exact:
        counts = truth.PUBLISHED_LEAVER_COUNTS_2015_2020
        flag = {k: _exact_flags(rng, n, v) for k, v in counts.items()}
    else:
        flag = {k: rng.random(n) < truth.LEAVER_SHARES[k] for k in truth.PUBLISHED_LEAVER_COUNTS_2015_2020}
    age = np.where(flag["age_18_40"], rng.integers(19, 41, n), rng.integers(41, 66, n))
    informal = _choice(rng, {"freelance": .35, "farmer": .30, "trader": .10, "homemaker": .05, "demobilised": .20}, n)
    formal = _choice(rng, {"worker": .35, "civil_servant": .30, "student": .05, "retired": .10, "armed_forces": .10,
                           "other": .10}, n)
    other_branch = {k: v for k, v in truth.MEMBER_SHARES["branch_type"].items() if k != "hamlet"}
    low = _choice(rng, {"none": 0.7, "elementary": 0.3}, n)
    high = _choice(rng, {"intermediate": .35, "college": .15, "university": .45, "postgraduate": .05}, n)
    reasons = np.empty(n, dtype=object)
    for kind, shares in (("removed", {"quit_activity": 381 / 424, "unpaid_dues": 20 / 424,
                                      "lost_contact": 15 / 424, "other": 8 / 424}),
                         ("asked_to_leave", {"family_hardship": 173 / 238, "spouse_abroad": 65 / 238})):
        idx = np.flatnonzero(kinds == kind)
        if exact:
            counts = [round(s * len(idx)) for s in shares.values()]
            counts[-1] = len(idx) - sum(counts[:-1])
            reasons[idx] = rng.permutation(np.repeat(np.array(list(shares), dtype=object), counts))
        else:
            reasons[idx] = _choice(rng, shares, len(idx))
    return pd.DataFrame({
        "age_at_exit": age,
        "sex": np.where(rng.random(n) < truth.LEAVER_SHARES["male"], "male", "female"),
        "occupation": np.where(flag["informal_occupation"], informal, formal),
        "branch_type": np.where(flag["hamlet_branch"], "hamlet", _choice(rng, other_branch, n)),
        "professional_training": np.where(flag["professional_none_or_elementary"], low, high),
        "political_training": np.where(flag["political_none"], "none",
                                       _choice(rng, {"elementary": .8, "intermediate": .2}, n)),
        "exit_reason": reasons,
        "cause_group": _choice(rng, truth.LEAVER_CAUSE_SHARES, n).astype(int),
    })


def _leavers(seed: int, schedule: dict[str, pd.Series], unit_exposure: pd.DataFrame) -> pd.DataFrame:
    rng = np.random.default_rng([seed, 2])
    rates = pd.Series({u[0]: u[3] for u in truth.UNITS})
    frames = []
    for term, years in TERM_YEARS.items():
        kinds, exit_years, units = [], [], []
        for kind in ATTRITION_EXITS:
            for year in years:
                count = int(schedule[kind].loc[year])
                weight = unit_exposure.loc[year] * rates
                per_unit = rng.multinomial(count, (weight / weight.sum()).to_numpy())
                units += list(np.repeat(weight.index.to_numpy(), per_unit))
                kinds += [kind] * count
                exit_years += [year] * count
        kinds_arr = np.array(kinds, dtype=object)
        attrs = _leaver_attributes(rng, kinds_arr, exact=(term == "2015-2020"))
        exit_year = np.array(exit_years)
        attrs["unit_code"] = units
        attrs["exit_kind"] = kinds_arr
        attrs["exit_year"] = exit_year
        frames.append(attrs)
    people = pd.concat(frames, ignore_index=True)
    n = len(people)
    people["birth_year"] = people["exit_year"] - people["age_at_exit"]
    years_in = 1 + np.minimum(rng.geometric(0.22, n) - 1, 25)
    admission_year = np.maximum(people["exit_year"] - years_in, people["birth_year"] + 18)
    people["admission_date"] = _random_dates(rng, admission_year.to_numpy())
    people["exit_date"] = _random_dates(rng, people["exit_year"].to_numpy())
    before = people["admission_date"].dt.year < truth.FIRST_YEAR
    people["entry_kind"] = np.where(before, "on_roll", "admitted")
    people["entry_date"] = people["admission_date"].where(~before)
    people["cause_group"] = people["cause_group"].astype("Int64")
    return people.drop(columns=["age_at_exit", "exit_year"])


def _stock_by_year(members: pd.DataFrame) -> pd.Series:
    return annual_counts_from_members(members, YEARS).groupby("year")["members_start"].sum().astype(float)


def _unit_stock(members: pd.DataFrame) -> pd.DataFrame:
    counts = annual_counts_from_members(members, YEARS)
    return counts.pivot(index="year", columns="unit_code", values="members_start").astype(float)


# --- the survey ----------------------------------------------------------------------------------------------

def simulate_ratings(n: int, seed: int | list[int], matched: dict[int, float] | None = None,
                     nonresponse: float = truth.SURVEY_NONRESPONSE) -> pd.DataFrame:
    """Ratings 1-5 of the 7 cause groups and the 7 solution groups for ``n`` respondents.

    Latent normal scores are cut at ``truth.LIKERT_CUTS``; cause k and solution k have latent correlation
    ``matched[k]`` (default: the planted ones; all zeros give null data), every unmatched pair 0.
    """
    rng = np.random.default_rng(seed)
    matched = truth.MATCHED_LATENT_CORRELATION if matched is None else matched
    cuts = np.array(truth.LIKERT_CUTS)
    columns = {}
    for k in range(1, 8):
        rho = matched[k]
        solution = rng.standard_normal(n)
        cause = truth.CAUSE_LATENT_MEAN[k] + rho * solution + np.sqrt(1 - rho**2) * rng.standard_normal(n)
        columns[f"cause_{k}"] = 1 + np.searchsorted(cuts, cause)
        columns[f"solution_{k}"] = 1 + np.searchsorted(cuts, solution)
    order = [f"cause_{k}" for k in range(1, 8)] + [f"solution_{k}" for k in range(1, 8)]
    ratings = pd.DataFrame(columns)[order].astype("Int64")
    return ratings.mask(rng.random(ratings.shape) < nonresponse) if nonresponse else ratings


def _branch_survey(seed: int, branches: pd.DataFrame) -> pd.DataFrame:
    """The surveyed branches with their ratings (complete, before non-response is applied)."""
    rng = np.random.default_rng([seed, 3])
    n = truth.SURVEY_RESPONDENTS["branch"]
    picked = branches.iloc[np.sort(rng.choice(len(branches), n, replace=False))].reset_index(drop=True)
    ratings = simulate_ratings(n, [seed, 3, 1], nonresponse=0)
    return pd.concat([picked, ratings], axis=1)


def _survey(seed: int, surveyed: pd.DataFrame, leavers: pd.DataFrame) -> pd.DataFrame:
    rng = np.random.default_rng([seed, 7])
    n_branch, n_former = len(surveyed), truth.SURVEY_RESPONDENTS["former_member"]
    term2 = leavers[leavers["exit_date"].dt.year.isin(TERM_YEARS["2015-2020"])]
    former = term2.iloc[np.sort(rng.choice(len(term2), n_former, replace=False))]
    frame = pd.DataFrame({
        "respondent_id": [f"KS-CB{i:03d}" for i in range(1, n_branch + 1)]
        + [f"KS-DV{i:03d}" for i in range(1, n_former + 1)],
        "respondent_type": ["branch"] * n_branch + ["former_member"] * n_former,
        "unit_code": list(surveyed["unit_code"]) + list(former["unit_code"]),
        "branch_id": list(surveyed["branch_id"]) + [None] * n_former,  # former members stay unlinkable
        "branch_type": list(surveyed["branch_type"]) + list(former["branch_type"]),
        "year": truth.SURVEY_YEAR,
    })
    order = [f"cause_{k}" for k in range(1, 8)] + [f"solution_{k}" for k in range(1, 8)]
    ratings = pd.concat([surveyed[order], simulate_ratings(n_former, [seed, 7, 1], nonresponse=0)],
                        ignore_index=True)
    ratings = ratings.mask(rng.random(ratings.shape) < truth.SURVEY_NONRESPONSE)  # item non-response
    return pd.concat([frame, ratings], axis=1)


def branch_weights(surveyed: pd.DataFrame) -> pd.Series:
    """Relative rate of later exits in each surveyed branch under the planted solution effects (centred at 3)."""
    log_rr = sum(np.log(truth.BRANCH_SOLUTION_RATE_RATIO[k]) * (surveyed[f"solution_{k}"].astype(float) - 3)
                 for k in range(1, 8))
    return pd.Series(np.exp(log_rr).to_numpy(), index=surveyed["branch_id"].to_numpy())


# --- reference tables ------------------------------------------------------------------------------------------

def _units() -> pd.DataFrame:
    province = [
        (truth.PROVINCE_CODE, "Đảng bộ tỉnh mô phỏng", None, "province", "2008-01-01", "2025-06-30",
         truth.MERGED_PROVINCE_CODE),
        (truth.MERGED_PROVINCE_CODE, "Đảng bộ tỉnh mô phỏng (sau hợp nhất 2025)", None, "province", "2025-07-01",
         None, None),
    ]
    # The district level ended on 1 July 2025: subordinate units close on 30 June 2025 without a successor.
    districts = [(code, name, truth.PROVINCE_CODE, "district", "2008-01-01", "2025-06-30", None)
                 for code, name, *_ in truth.UNITS]
    return pd.DataFrame(province + districts, columns=["unit_code", "name", "parent_code", "level", "valid_from",
                                                       "valid_to", "successor_code"])


def _targets() -> pd.DataFrame:
    quote = ("Phấn đấu đến năm 2025, kéo giảm ít nhất 50% số đảng viên bị xóa tên và xin ra khỏi Đảng "
             "(mục tiêu của Đề án Tây Ninh, áp dụng cho tỉnh mô phỏng)")
    return pd.DataFrame([{"unit_code": truth.PROVINCE_CODE, **truth.TARGET, "source": quote}])


# --- everything together -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SyntheticProvince:
    """Generated tables and the trend parameters solved while generating them."""

    tables: dict[str, pd.DataFrame]
    trends: dict[str, Trend]
    schedule: dict[str, pd.Series]


def generate(seed: int = truth.SEED) -> SyntheticProvince:
    """Generate the default province. The same seed gives the same tables, row for row."""
    rng = np.random.default_rng([seed, 1])
    base = _base_members(rng)
    branches = _branches()
    exposure = _stock_by_year(base)
    unit_exposure = _unit_stock(base)
    schedule: dict[str, pd.Series] = {}
    for _ in range(20):  # leavers add to the exposure that sets their own numbers: iterate to a fixed point
        trends = {kind: solve_trend(exposure, truth.TERM_TOTALS[kind], truth.FIRST_TERM_APC[kind])
                  for kind in ATTRITION_EXITS}
        new = {kind: integer_schedule(exposure * np.exp(trends[kind].log_rate(exposure.index.to_numpy())))
               for kind in ATTRITION_EXITS}
        if schedule and all(new[k].equals(schedule[k]) for k in ATTRITION_EXITS):
            break
        schedule = new
        leavers = _leavers(seed, schedule, unit_exposure)
        exposure = _stock_by_year(pd.concat([base, leavers], ignore_index=True))
    members = pd.concat([base, leavers], ignore_index=True)
    members["branch_id"] = _assign_branches(np.random.default_rng([seed, 4]), members, branches)
    # Members leaving after the survey are placed in branches by the planted solution effects.
    surveyed = _branch_survey(seed, branches)
    late = members["exit_kind"].isin(ATTRITION_EXITS) & (members["exit_date"].dt.year > truth.SURVEY_YEAR)
    members.loc[late, "branch_id"] = _assign_branches(np.random.default_rng([seed, 6]), members[late], branches,
                                                      branch_weights(surveyed))
    members = members.sort_values(["admission_date", "unit_code", "branch_id"], kind="stable").reset_index(drop=True)
    members["member_id"] = [f"SIM{i:06d}" for i in range(1, len(members) + 1)]
    members = members[MEMBER_COLUMNS]
    survey = _survey(seed, surveyed, members[members["exit_kind"].isin(ATTRITION_EXITS)])
    tables = {
        "units": _units(),
        "members": members,
        "annual_counts": annual_counts_from_members(members, YEARS),
        "survey": survey,
        "targets": _targets(),
    }
    return SyntheticProvince(tables, trends, schedule)


def to_csv_text(frame: pd.DataFrame) -> str:
    """The exact bytes a table is stored as: ISO dates, whole numbers, empty cells for missing values."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    return out.to_csv(index=False, lineterminator="\n")


def write_sample(out_dir: Path, seed: int = truth.SEED) -> list[Path]:
    """Generate the province and write one CSV per table; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in generate(seed).tables.items():
        path = out_dir / f"{name}.csv"
        path.write_text(to_csv_text(frame), encoding="utf-8")
        written.append(path)
    return written
