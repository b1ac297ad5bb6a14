"""The synthetic default province: seeded, deterministic, calibrated to the published figures of the seeds.

Members on the rolls are simulated year by year from the flows in :mod:`helpers.synth.truth`; members removed from the
rolls or asking to leave are constructed so that each term's totals, and every 2015-2020 share the Tây Ninh
project states, come out exactly. Their annual numbers follow a continuous segmented log-linear trend in the rate
per member (knots at 2015 and 2020), solved so that the term totals are met (:func:`solve_trend`); each term's total
is split over its years as a multinomial draw around that trend times a mild year effect
(:func:`multinomial_schedule`), so the counts scatter like Poisson counts. Admissions per district, year and
half-year (drawn around the province's totals and a 45% first half) are planted exactly (leavers admitted in the
period included), so the Hòa Bình
attainment percentages follow from the registry; plans, the candidates' pool, quality ratings and member
management are built around them and around the registry's counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data.codes import ATTRITION_EXITS, DOMAINS, QUALITY_RATINGS, SOURCE_ATTRIBUTES, age_group
from helpers.data.contracts import CONTRACTS
from helpers.data.counts import annual_counts_from_members
from helpers.synth import truth

YEARS = range(truth.FIRST_YEAR, truth.LAST_YEAR + 1)
TERM_YEARS = {"2010-2015": range(2011, 2016), "2015-2020": range(2016, 2021), "2020-2025": range(2021, 2026)}
KNOTS = (2015, 2020)  # last calendar year of the first two terms
MEMBER_COLUMNS = list(CONTRACTS["members"].names)  # the generated registry has exactly the contract's columns


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
        weights = exposure.loc[years].to_numpy(dtype=float)

        def gap(slope: float, term_years=years, weights=weights, total=totals[term]) -> float:
            trial = Trend(intercept, tuple(slopes + [slope] + [slope] * (2 - len(slopes))))
            return float((weights * np.exp(trial.log_rate(term_years))).sum() - total)

        slopes.append(_bisect(gap, -2.0, 2.0))
    return Trend(float(intercept), tuple(float(s) for s in slopes))


def planted_trend(kind: str) -> Trend:
    """The planted trend of one kind of exit, from the constants in :mod:`helpers.synth.truth`."""
    slopes = tuple(float(np.log1p(a / 100)) for a in truth.PLANTED_APC[kind])
    return Trend(truth.PLANTED_LOG_RATE_2011[kind], slopes)


def poisson_replicates(exposure: pd.Series, kind: str, replicates: int, seed: int = truth.SEED) -> np.ndarray:
    """Poisson draws of annual counts from the planted trend (replicates × years), for coverage checks."""
    mean = exposure.to_numpy(dtype=float) * np.exp(planted_trend(kind).log_rate(exposure.index.to_numpy()))
    return np.random.default_rng([seed, 5]).poisson(mean, size=(replicates, len(mean)))


def year_effects(seed: int, kind: str) -> pd.Series:
    """The planted year effect of one kind of exit: exp(YEAR_EFFECT_SD · z) per year, z standard normal."""
    z = np.random.default_rng([seed, 10, ATTRITION_EXITS.index(kind)]).standard_normal(len(YEARS))
    return pd.Series(np.exp(truth.YEAR_EFFECT_SD * z), index=list(YEARS))


def multinomial_schedule(expected: pd.Series, totals: dict[str, int], seed: int | list[int]) -> pd.Series:
    """Annual counts whose sum over each term is that term's total, split over its years as a multinomial draw
    with probabilities proportional to ``expected`` (Poisson counts conditional on their sum).

    Each of a term's exits is placed by a fixed uniform draw against the cumulative probabilities, so a small
    change in ``expected`` (the exposure moving by a few members while the generator iterates) moves at most the
    few exits whose draw lies at a boundary, and the iteration settles."""
    out = pd.Series(0, index=expected.index, dtype=int)
    keys = [seed] if isinstance(seed, int) else list(seed)
    for t, (term, years) in enumerate(TERM_YEARS.items()):
        part = expected.loc[list(years)].to_numpy(dtype=float)
        edges = np.cumsum(part) / part.sum()
        u = np.random.default_rng([*keys, t]).random(int(totals[term]))
        slot = np.minimum(np.searchsorted(edges, u, side="right"), len(part) - 1)
        out.loc[list(years)] = np.bincount(slot, minlength=len(part))
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
            rows += [
                {"unit_code": code, "branch_type": btype, "branch_id": f"{code}-{btype[:2].upper()}{i:03d}"}
                for i in range(1, n + 1)
            ]
    return pd.DataFrame(rows)


def _assign_branches(
    rng: np.random.Generator, people: pd.DataFrame, branches: pd.DataFrame, weight: pd.Series | None = None
) -> np.ndarray:
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


# --- admissions --------------------------------------------------------------------------------------------


def allocate(total: int, weights) -> np.ndarray:
    """Split ``total`` into whole numbers proportional to ``weights`` (largest remainder, ties to the first)."""
    w = np.asarray(weights, dtype=float)
    exact = total * w / w.sum()
    out = np.floor(exact).astype(int)
    order = np.argsort(-(exact - out), kind="stable")[: total - int(out.sum())]
    out[order] += 1
    return out


def _unit_factor(factors: dict, year: int) -> np.ndarray:
    return np.array([u[2] * factors.get((u[0], year), 1.0) for u in truth.UNITS])


def planted_admissions(seed: int = truth.SEED) -> pd.DataFrame:
    """Members to admit per district and year (leavers included) and how many of them by 30 June, from the
    province totals in :mod:`helpers.synth.truth`: districts by size times a random and the planted factor, first
    halves binomial around a district's and a year's share (2023's published first half split by the districts'
    own 2020-2022 shares)."""
    rng = np.random.default_rng([seed, 12])
    n_units = len(truth.UNITS)
    sizes = np.array([u[2] for u in truth.UNITS])
    effect = truth.FIRST_HALF_UNIT_SD * rng.standard_normal(n_units)
    unit_share = truth.FIRST_HALF_SHARE + effect - (sizes * effect).sum() / sizes.sum()  # the province's is 0,45
    rows = []
    for year, total in truth.ADMITTED_PER_YEAR.items():
        noise = np.exp(truth.ADMISSION_UNIT_SD * np.clip(rng.standard_normal(n_units), -1.5, 1.5))
        per_unit = allocate(total, _unit_factor(truth.ADMISSION_RATE_FACTOR, year) * noise)
        share = np.clip(unit_share + truth.FIRST_HALF_YEAR_SD * rng.standard_normal(), 0.3, 0.6)
        first_half = rng.binomial(per_unit, share)
        if year == 2023:
            before = [r for r in rows if 2020 <= r["year"] <= 2022]
            history = pd.DataFrame(before).groupby("unit_code", sort=False)[["admitted", "admitted_first_half"]].sum()
            own = (history["admitted_first_half"] / history["admitted"]).reindex([u[0] for u in truth.UNITS])
            first_half = allocate(truth.ADMITTED_FIRST_HALF_2023, per_unit * own.to_numpy())
        rows += [
            {"unit_code": u[0], "year": year, "admitted": int(n), "admitted_first_half": int(h)}
            for u, n, h in zip(truth.UNITS, per_unit, first_half)
        ]
    return pd.DataFrame(rows)


def _admission_cells(members: pd.DataFrame) -> pd.Series:
    """Admitted members per (unit, year, half): half 1 is 1 January-30 June."""
    admitted = members[members["entry_kind"] == "admitted"]
    date = admitted["entry_date"]
    half = np.where(date.dt.month <= 6, 1, 2)
    return admitted.groupby(
        [admitted["unit_code"], date.dt.year.rename("year"), pd.Series(half, index=date.index, name="half")]
    ).size()


def _base_admissions(planted: pd.DataFrame, leavers: pd.DataFrame | None) -> pd.Series:
    """Members the base simulation admits per (unit, year, half): the planted counts less the leavers admitted."""
    cells = {}
    for row in planted.itertuples(index=False):
        cells[(row.unit_code, row.year, 1)] = row.admitted_first_half
        cells[(row.unit_code, row.year, 2)] = row.admitted - row.admitted_first_half
    base = pd.Series(cells).rename_axis(["unit_code", "year", "half"])
    if leavers is not None:
        base = base.sub(_admission_cells(leavers).reindex(base.index, fill_value=0))
    if (base < 0).any():
        raise ValueError(f"more leavers admitted than planted in {base[base < 0].index.tolist()}")
    return base


# --- members who stay on the rolls, or leave for reasons other than attrition ----------------------------------

# What each column of a member's uniform draws decides; then one column per year for the competing exits.
_DRAWS = (
    "unit",
    "branch_type",
    "sex",
    "occupation",
    "professional_training",
    "political_training",
    "age_group",
    "age",
    "admission_age",
    "admission_day",
    "entry_day",
    "exit_day",
)
_D = {name: i for i, name in enumerate(_DRAWS)}


def _uniforms(seed: int, key: tuple[int, ...], n: int) -> np.ndarray:
    """Uniform draws for ``n`` members of one group; the first k rows do not depend on n, so admitting one member
    more or less in a group leaves every other member as it was."""
    return np.random.default_rng([seed, 1, *key]).random((n, len(_DRAWS) + len(YEARS)))


def _pick(shares: dict, u: np.ndarray) -> np.ndarray:
    keys = np.array(list(shares), dtype=object)
    cdf = np.cumsum(np.array(list(shares.values()), dtype=float))
    return keys[np.minimum(np.searchsorted(cdf / cdf[-1], u, side="right"), len(keys) - 1)]


def _between(u: np.ndarray, low: int, high: int) -> np.ndarray:
    """Whole numbers in [low, high) from uniform draws."""
    return low + np.floor(u * (high - low)).astype(int)


def _day_in(years: np.ndarray, u: np.ndarray, half: np.ndarray | None = None) -> pd.Series:
    """A date in each year (or in its first or second half) from uniform draws."""
    years = np.asarray(years, dtype=int)
    starts = pd.to_datetime(pd.Series(years).astype(str) + "-01-01")
    ends = pd.to_datetime(pd.Series(years + 1).astype(str) + "-01-01")
    if half is not None:
        middle = pd.to_datetime(pd.Series(years).astype(str) + "-07-01")
        starts = starts.where(half == 1, middle)
        ends = middle.where(half == 1, ends)
    days = (ends - starts).dt.days.to_numpy()
    return starts + pd.to_timedelta(np.floor(u * days).astype(int), unit="D")


def _base_members(seed: int, admissions: pd.Series) -> pd.DataFrame:
    """Members on the rolls in 2011, members transferred in and members admitted (``admissions`` per unit, year
    and half), with their competing exits year by year."""
    units = [u[0] for u in truth.UNITS]
    sizes = {u[0]: u[2] for u in truth.UNITS}
    groups = [("on_roll", truth.FIRST_YEAR - 1, None, 0, _uniforms(seed, (0,), truth.INITIAL_MEMBERS))]
    for year in YEARS:
        for i, unit in enumerate(units):
            for half in (1, 2):
                n = int(admissions.get((unit, year, half), 0))
                groups.append(("admitted", year, unit, half, _uniforms(seed, (2, year, i, half), n)))
        groups.append(("transferred_in", year, None, 0, _uniforms(seed, (1, year), truth.TRANSFERS_IN_PER_YEAR)))
    u = np.concatenate([g[4] for g in groups])
    n = len(u)
    kind = np.concatenate([np.full(len(g[4]), g[0], dtype=object) for g in groups])
    entry_year = np.concatenate([np.full(len(g[4]), g[1]) for g in groups])
    half = np.concatenate([np.full(len(g[4]), g[3]) for g in groups])
    fixed_unit = np.concatenate([np.full(len(g[4]), g[2], dtype=object) for g in groups])
    unit = np.where(kind == "admitted", fixed_unit, _pick(sizes, u[:, _D["unit"]]))

    # Age when joining the rolls: the initial stock is older; admissions are young, transfers mid-career.
    band = _pick({i: share for i, share in enumerate(truth.INITIAL_AGES.values())}, u[:, _D["age_group"]]).astype(int)
    bounds = np.array(list(truth.INITIAL_AGES), dtype=int)[band]
    age_at_entry = np.select(
        [kind == "admitted", kind == "transferred_in"],
        [_between(u[:, _D["age"]], *truth.ADMISSION_AGES), _between(u[:, _D["age"]], *truth.TRANSFER_AGES)],
        bounds[:, 0] + np.floor(u[:, _D["age"]] * (bounds[:, 1] - bounds[:, 0])).astype(int),
    )
    birth_year = entry_year - age_at_entry
    admitted = kind == "admitted"
    admission_age = np.minimum(age_at_entry - 1, 18 + _between(u[:, _D["admission_age"]], 0, 18))
    admission_year = np.where(admitted, entry_year, birth_year + np.maximum(admission_age, 18))
    admission = _day_in(admission_year, u[:, _D["admission_day"]])
    admission[admitted] = _day_in(entry_year[admitted], u[admitted, _D["admission_day"]], half[admitted]).to_numpy()
    entry = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    entry[admitted] = admission[admitted]
    moved = kind == "transferred_in"
    entry[moved] = _day_in(entry_year[moved], u[moved, _D["entry_day"]]).to_numpy()
    entry[moved] = np.maximum(entry[moved], admission[moved])

    # Year-by-year competing exits for those on the rolls.
    exit_year = np.zeros(n, dtype=int)
    exit_kind = np.full(n, None, dtype=object)
    names = np.array(["died", *truth.ANNUAL_HAZARD], dtype=object)
    for column, year in enumerate(YEARS, start=len(_DRAWS)):
        active = (entry_year < year) & (exit_year == 0)
        age = year - birth_year
        death = np.select(
            [age < 60, age < 75],
            [truth.DEATH_HAZARD["under_60"], truth.DEATH_HAZARD["60_to_74"]],
            truth.DEATH_HAZARD["75_plus"],
        )
        cumulative = np.cumsum(np.column_stack([death] + [np.full(n, h) for h in truth.ANNUAL_HAZARD.values()]), axis=1)
        draw = u[:, column]
        leaves = active & (draw < cumulative[:, -1])
        exit_year[leaves] = year
        exit_kind[leaves] = names[(draw[:, None] < cumulative).argmax(axis=1)[leaves]]
    exit_date = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    gone = exit_year > 0
    exit_date[gone] = _day_in(exit_year[gone], u[gone, _D["exit_day"]]).to_numpy()
    exit_date[gone] = np.maximum(exit_date[gone], entry[gone].fillna(admission[gone]))

    shares = truth.MEMBER_SHARES
    return pd.DataFrame(
        {
            "unit_code": unit,
            "branch_type": _pick(shares["branch_type"], u[:, _D["branch_type"]]),
            "sex": _pick(shares["sex"], u[:, _D["sex"]]),
            "birth_year": birth_year,
            "occupation": np.where(
                admitted,
                _pick(truth.ADMITTED_OCCUPATION, u[:, _D["occupation"]]),
                _pick(shares["occupation"], u[:, _D["occupation"]]),
            ),
            "professional_training": _pick(shares["professional_training"], u[:, _D["professional_training"]]),
            "political_training": _pick(shares["political_training"], u[:, _D["political_training"]]),
            "admission_date": admission,
            "entry_kind": kind,
            "entry_date": entry,
            "exit_date": exit_date,
            "exit_kind": exit_kind,
            "exit_reason": None,
            "cause_group": pd.array([pd.NA] * n, dtype="Int64"),
        }
    )


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
    informal = _choice(
        rng, {"freelance": 0.35, "farmer": 0.30, "trader": 0.10, "homemaker": 0.05, "demobilised": 0.20}, n
    )
    formal = _choice(
        rng,
        {"worker": 0.35, "civil_servant": 0.30, "student": 0.05, "retired": 0.10, "armed_forces": 0.10, "other": 0.10},
        n,
    )
    other_branch = {k: v for k, v in truth.MEMBER_SHARES["branch_type"].items() if k != "hamlet"}
    low = _choice(rng, {"none": 0.7, "elementary": 0.3}, n)
    high = _choice(rng, {"intermediate": 0.35, "college": 0.15, "university": 0.45, "postgraduate": 0.05}, n)
    reasons = np.empty(n, dtype=object)
    for kind, shares in (
        ("removed", {"quit_activity": 381 / 424, "unpaid_dues": 20 / 424, "lost_contact": 15 / 424, "other": 8 / 424}),
        ("asked_to_leave", {"family_hardship": 173 / 238, "spouse_abroad": 65 / 238}),
    ):
        idx = np.flatnonzero(kinds == kind)
        if exact:
            counts = [round(s * len(idx)) for s in shares.values()]
            counts[-1] = len(idx) - sum(counts[:-1])
            reasons[idx] = rng.permutation(np.repeat(np.array(list(shares), dtype=object), counts))
        else:
            reasons[idx] = _choice(rng, shares, len(idx))
    return pd.DataFrame(
        {
            "age_at_exit": age,
            "sex": np.where(rng.random(n) < truth.LEAVER_SHARES["male"], "male", "female"),
            "occupation": np.where(flag["informal_occupation"], informal, formal),
            "branch_type": np.where(flag["hamlet_branch"], "hamlet", _choice(rng, other_branch, n)),
            "professional_training": np.where(flag["professional_none_or_elementary"], low, high),
            "political_training": np.where(
                flag["political_none"], "none", _choice(rng, {"elementary": 0.8, "intermediate": 0.2}, n)
            ),
            "exit_reason": reasons,
            "cause_group": _choice(rng, truth.LEAVER_CAUSE_SHARES, n).astype(int),
        }
    )


def _leavers(seed: int, schedule: dict[str, pd.Series]) -> pd.DataFrame:
    """Members removed or asking to leave: each year's scheduled number spread over the units by size times
    relative rate (sizes rather than the simulated stock, so the base's own admissions cannot move a leaver)."""
    rng = np.random.default_rng([seed, 2])
    weight = pd.Series({u[0]: u[2] * u[3] for u in truth.UNITS})
    frames = []
    for term, years in TERM_YEARS.items():
        kinds, exit_years, units = [], [], []
        for kind in ATTRITION_EXITS:
            for year in years:
                count = int(schedule[kind].loc[year])
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
    """Members at the start of each year, as :func:`annual_counts_from_members` counts them, summed over units."""
    on_roll = (members["entry_kind"] == "on_roll").to_numpy()
    in_from = np.where(on_roll, truth.FIRST_YEAR - 1, members["entry_date"].dt.year.fillna(truth.FIRST_YEAR - 1))
    out_after = members["exit_date"].dt.year.fillna(10_000).to_numpy()
    return pd.Series([float(((in_from < y) & (out_after >= y)).sum()) for y in YEARS], index=list(YEARS))


# --- the survey ----------------------------------------------------------------------------------------------


def simulate_ratings(
    n: int,
    seed: int | list[int],
    matched: dict[int, float] | None = None,
    nonresponse: float = truth.SURVEY_NONRESPONSE,
) -> pd.DataFrame:
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
    frame = pd.DataFrame(
        {
            "respondent_id": [f"KS-CB{i:03d}" for i in range(1, n_branch + 1)]
            + [f"KS-DV{i:03d}" for i in range(1, n_former + 1)],
            "respondent_type": ["branch"] * n_branch + ["former_member"] * n_former,
            "unit_code": list(surveyed["unit_code"]) + list(former["unit_code"]),
            "branch_id": list(surveyed["branch_id"]) + [None] * n_former,  # former members stay unlinkable
            "branch_type": list(surveyed["branch_type"]) + list(former["branch_type"]),
            "year": truth.SURVEY_YEAR,
        }
    )
    order = [f"cause_{k}" for k in range(1, 8)] + [f"solution_{k}" for k in range(1, 8)]
    ratings = pd.concat([surveyed[order], simulate_ratings(n_former, [seed, 7, 1], nonresponse=0)], ignore_index=True)
    ratings = ratings.mask(rng.random(ratings.shape) < truth.SURVEY_NONRESPONSE)  # item non-response
    return pd.concat([frame, ratings], axis=1)


def branch_weights(surveyed: pd.DataFrame) -> pd.Series:
    """Relative rate of later exits in each surveyed branch under the planted solution effects (centred at 3)."""
    log_rr = sum(
        np.log(truth.BRANCH_SOLUTION_RATE_RATIO[k]) * (surveyed[f"solution_{k}"].astype(float) - 3) for k in range(1, 8)
    )
    return pd.Series(np.exp(log_rr).to_numpy(), index=surveyed["branch_id"].to_numpy())


# --- reference tables ------------------------------------------------------------------------------------------


def _units() -> pd.DataFrame:
    province = [
        (
            truth.PROVINCE_CODE,
            "Đảng bộ tỉnh mô phỏng",
            None,
            "province",
            "2008-01-01",
            "2025-06-30",
            truth.MERGED_PROVINCE_CODE,
        ),
        (
            truth.MERGED_PROVINCE_CODE,
            "Đảng bộ tỉnh mô phỏng (sau hợp nhất 2025)",
            None,
            "province",
            "2025-07-01",
            None,
            None,
        ),
    ]
    # The district level ended on 1 July 2025: subordinate units close on 30 June 2025 without a successor.
    districts = [
        (code, name, truth.PROVINCE_CODE, "district", "2008-01-01", "2025-06-30", None)
        for code, name, *_ in truth.UNITS
    ]
    return pd.DataFrame(
        province + districts,
        columns=["unit_code", "name", "parent_code", "level", "valid_from", "valid_to", "successor_code"],
    )


def _targets() -> pd.DataFrame:
    quote = (
        "Phấn đấu đến năm 2025, kéo giảm ít nhất 50% số đảng viên bị xóa tên và xin ra khỏi Đảng "
        "(mục tiêu của Đề án Tây Ninh, áp dụng cho tỉnh mô phỏng)"
    )
    return pd.DataFrame([{"unit_code": truth.PROVINCE_CODE, **truth.TARGET, "source": quote}])


# --- admissions, ratings and member management ------------------------------------------------------------


def _admitted(members: pd.DataFrame) -> pd.DataFrame:
    """The members admitted in the data period, with the year and whether by 30 June (as the spec counts them)."""
    out = members[members["entry_kind"] == "admitted"].copy()
    out["year"] = out["entry_date"].dt.year
    out["first_half"] = out["entry_date"].dt.month <= 6
    return out


def _admission_plans(members: pd.DataFrame) -> pd.DataFrame:
    """Each district's plan (the province's split by size and the planted factors) and its admissions as derived
    from the registry (the reported columns a folder without members would use)."""
    admitted = _admitted(members)
    done = admitted.groupby(["unit_code", "year"]).size()
    first = admitted[admitted["first_half"]].groupby(["unit_code", "year"]).size()
    rows = []
    for year, plan in truth.ADMISSION_PLANS.items():
        for u, planned in zip(truth.UNITS, allocate(plan, _unit_factor(truth.PLAN_FACTOR, year))):
            rows.append(
                {
                    "unit_code": u[0],
                    "year": year,
                    "planned": int(planned),
                    "admitted": int(done.get((u[0], year), 0)),
                    "admitted_first_half": int(first.get((u[0], year), 0)),
                }
            )
    return pd.DataFrame(rows).sort_values(["unit_code", "year"], kind="stable").reset_index(drop=True)


def _admission_sources(seed: int, members: pd.DataFrame) -> pd.DataFrame:
    """The province's pool of candidates per year and attribute: SOURCE_POOL_PER_ADMITTED per member admitted,
    drawn (multinomial) with the admitted members' profile as expected shares, except the planted training ratios
    (the rest of the pool expected over the other training levels in proportion to those admitted)."""
    rng = np.random.default_rng([seed, 13])
    admitted = _admitted(members)
    admitted = admitted[admitted["year"].isin(truth.SOURCE_YEARS)]
    admitted = admitted.assign(age_group=[age_group(a) for a in admitted["year"] - admitted["birth_year"]])
    k = truth.SOURCE_POOL_PER_ADMITTED
    rows = []
    for year, group in admitted.groupby("year"):
        for attribute in SOURCE_ATTRIBUTES:
            seen = group[attribute].value_counts().reindex(DOMAINS[attribute], fill_value=0)
            pool = seen * k
            if attribute == "professional_training":
                ratio = pd.Series(truth.SOURCE_TRAINING_RATIO).reindex(seen.index)
                planted = (seen * k / ratio).dropna()
                if not (planted % 1 == 0).all():
                    raise ValueError("SOURCE_POOL_PER_ADMITTED / SOURCE_TRAINING_RATIO must be whole numbers")
                rest = seen.drop(planted.index)
                pool = pd.concat(
                    [
                        planted.astype(int),
                        pd.Series(allocate(k * len(group) - int(planted.sum()), rest.to_numpy()), index=rest.index),
                    ]
                )
                pool = pool.reindex(DOMAINS[attribute])
            expected = pool.fillna(0).to_numpy(dtype=float)
            pool = pd.Series(rng.multinomial(k * len(group), expected / expected.sum()), index=pool.index)
            rows += [
                {
                    "unit_code": truth.PROVINCE_CODE,
                    "year": int(year),
                    "attribute": attribute,
                    "category": c,
                    "count": int(n),
                }
                for c, n in pool.items()
            ]
    return pd.DataFrame(rows)


def _quality_ratings(seed: int, management: pd.DataFrame) -> pd.DataFrame:
    """Organisation ratings per district summing to the province's planted counts (D06 worse from 2018), and
    member ratings of each district's rated members (D03 better)."""
    rng = np.random.default_rng([seed, 8])
    codes = np.array(QUALITY_RATINGS, dtype=object)
    outlier, since = truth.ORGANISATION_OUTLIER
    rows = []
    for year in truth.RATING_YEARS:
        orgs = allocate(truth.GRASSROOTS_ORGANISATIONS[year], [u[2] for u in truth.UNITS])
        remaining = np.array(truth.ORGANISATION_RATINGS[year])
        counts = {}
        if year >= since:
            n = orgs[[u[0] for u in truth.UNITS].index(outlier)]
            counts[outlier] = allocate(n, list(truth.D06_ORGANISATION_SHARES_FROM_2018.values()))
            remaining = remaining - counts[outlier]
        pool = rng.permutation(np.repeat(np.arange(len(codes)), remaining))
        start = 0
        for u, n in zip(truth.UNITS, orgs):
            if u[0] in counts:
                continue
            counts[u[0]] = np.bincount(pool[start : start + n], minlength=len(codes))
            start += n
        for u in truth.UNITS:
            rows += [
                {"unit_code": u[0], "year": year, "subject": "organisation", "rating": c, "count": int(x)}
                for c, x in zip(codes, counts[u[0]])
            ]
    rated = management.set_index(["unit_code", "year"])
    for year in truth.RATING_YEARS:
        for u in truth.UNITS:
            shares = (
                truth.D03_MEMBER_RATING_SHARES if u[0] == truth.MEMBER_RATING_OUTLIER else truth.MEMBER_RATING_SHARES
            )
            n = int(rated.at[(u[0], year), "members"] - rated.at[(u[0], year), "exempted"])
            drawn = rng.multinomial(n, np.array([shares[c] for c in codes]))
            rows += [
                {"unit_code": u[0], "year": year, "subject": "member", "rating": c, "count": int(x)}
                for c, x in zip(codes, drawn)
            ]
    return pd.DataFrame(rows)


def _member_management(seed: int, counts: pd.DataFrame) -> pd.DataFrame:
    """Members, exempted, far away, Regulation 76 and the 2019 screening per district and year."""
    rng = np.random.default_rng([seed, 9])
    ends = counts.set_index(["unit_code", "year"])
    rows = []
    for year in truth.MANAGEMENT_YEARS:
        for u in truth.UNITS:
            members = int(ends.at[(u[0], year), "members_end"])
            far_away = int(round(rng.uniform(*truth.FAR_AWAY_SHARE) * members))
            rows.append(
                {
                    "unit_code": u[0],
                    "year": year,
                    "members": members,
                    "exempted": int(round(truth.EXEMPTED_SHARE[u[0]] * members)),
                    "far_away": far_away,
                    "far_away_overdue": int(round(rng.uniform(*truth.FAR_AWAY_OVERDUE_SHARE) * far_away)),
                    "registered_76": int(round(rng.uniform(*truth.REGISTERED_76_SHARE) * members)),
                }
            )
    frame = pd.DataFrame(rows)
    screened = frame["year"] == truth.SCREENING_YEAR
    exits = ends.xs(truth.SCREENING_YEAR, level="year")[["removed", "asked_to_leave", "expelled"]].sum(axis=1)
    capacity = exits.reindex(frame.loc[screened, "unit_code"]).to_numpy(dtype=int)
    removed = allocate(truth.SCREENING["removed"], capacity)
    reviewed = allocate(truth.SCREENING["screened"], frame.loc[screened, "members"].to_numpy())
    if (removed > capacity).any() or (removed > reviewed).any():
        raise ValueError("the planted screening does not fit the exits of the screening year")
    frame["screened"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    frame["screened_removed"] = frame["screened"].copy()
    frame["screened_monitored"] = frame["screened"].copy()
    frame.loc[screened, "screened"] = reviewed
    frame.loc[screened, "screened_removed"] = removed
    frame.loc[screened, "screened_monitored"] = reviewed - removed
    return frame.sort_values(["unit_code", "year"], kind="stable").reset_index(drop=True)


# --- everything together -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyntheticProvince:
    """Generated tables and the trend parameters solved while generating them."""

    tables: dict[str, pd.DataFrame]
    trends: dict[str, Trend]
    schedule: dict[str, pd.Series]


def _attrition(
    seed: int, base: pd.DataFrame, schedule: dict[str, pd.Series]
) -> tuple[dict[str, Trend], dict[str, pd.Series], pd.DataFrame]:
    """Leavers whose numbers follow the trend solved on the exposure they are part of: iterate to a fixed point."""
    leavers = _leavers(seed, schedule) if schedule else None
    for _ in range(20):
        exposure = _stock_by_year(base if leavers is None else pd.concat([base, leavers], ignore_index=True))
        trends = {
            kind: solve_trend(exposure, truth.TERM_TOTALS[kind], truth.FIRST_TERM_APC[kind]) for kind in ATTRITION_EXITS
        }
        new = {
            kind: multinomial_schedule(
                exposure * np.exp(trends[kind].log_rate(exposure.index.to_numpy())) * year_effects(seed, kind),
                truth.TERM_TOTALS[kind],
                [seed, 11, ATTRITION_EXITS.index(kind)],
            )
            for kind in ATTRITION_EXITS
        }
        if leavers is not None and all(new[k].equals(schedule[k]) for k in ATTRITION_EXITS):
            return trends, schedule, leavers
        schedule = new
        leavers = _leavers(seed, schedule)
    raise RuntimeError("the attrition schedule did not settle in 20 iterations")


def generate(seed: int = truth.SEED) -> SyntheticProvince:
    """Generate the default province. The same seed gives the same tables, row for row."""
    planted = planted_admissions(seed)
    branches = _branches()
    # The base admits the planted numbers less the leavers admitted in the same unit, year and half, and the
    # leavers depend on the base's exposure: iterate until the leavers' admissions no longer change.
    leavers, cells, schedule = None, None, {}
    for _ in range(10):
        base = _base_members(seed, _base_admissions(planted, leavers))
        trends, schedule, leavers = _attrition(seed, base, schedule)
        new_cells = _admission_cells(leavers)
        if cells is not None and new_cells.equals(cells):
            break
        cells = new_cells
    else:
        raise RuntimeError("the leavers' admissions did not settle in 10 iterations")
    members = pd.concat([base, leavers], ignore_index=True)
    members["branch_id"] = _assign_branches(np.random.default_rng([seed, 4]), members, branches)
    # Members leaving after the survey are placed in branches by the planted solution effects.
    surveyed = _branch_survey(seed, branches)
    late = members["exit_kind"].isin(ATTRITION_EXITS) & (members["exit_date"].dt.year > truth.SURVEY_YEAR)
    members.loc[late, "branch_id"] = _assign_branches(
        np.random.default_rng([seed, 6]), members[late], branches, branch_weights(surveyed)
    )
    members = members.sort_values(["admission_date", "unit_code", "branch_id"], kind="stable").reset_index(drop=True)
    members["member_id"] = [f"SIM{i:06d}" for i in range(1, len(members) + 1)]
    members = members[MEMBER_COLUMNS]
    survey = _survey(seed, surveyed, members[members["exit_kind"].isin(ATTRITION_EXITS)])
    counts = annual_counts_from_members(members, YEARS)
    management = _member_management(seed, counts)
    tables = {
        "units": _units(),
        "members": members,
        "annual_counts": counts,
        "survey": survey,
        "targets": _targets(),
        "admission_plans": _admission_plans(members),
        "admission_sources": _admission_sources(seed, members),
        "quality_ratings": _quality_ratings(seed, management),
        "member_management": management,
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
