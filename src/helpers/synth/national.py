"""A seeded national-size member registry (63 provinces merged into 34 on 1 July 2025, 3,321 communes, 2011-2025)
written as Parquet.

The unit map follows the 2025 reorganisation: 11 provinces are unchanged (one unit valid from 2011), 52 former
provinces (``T01``..``T52``, valid until 30 June 2025) are merged into 23 new ones (17 formed from two, 6 from
three; ``successor_code`` names the new province, valid from 1 July 2025). The 3,321 communes (no district level)
are valid from 2011 and hang under their former province (or the unchanged one); every member belongs to one
commune throughout, so a new province's series is the sum of its predecessors'. Members follow a continuous-time
model: each commune admits members and receives transfers in proportion to its expected stock, and every member
leaves at the rates in :data:`EXIT_RATES` (competing risks), with two planted differences for a national comparison
to find: each former province's ``removed`` and ``asked_to_leave`` rates are multiplied by a lognormal factor
(:data:`PROVINCE_RATE_SIGMA`, with the named outliers of :data:`RATE_OUTLIERS`), and both rates fall by
:data:`TREND_APC` % a year from :data:`TREND_FROM` on (see :func:`exit_rates`). Generation is vectorised with numpy
and streamed one new (post-2025) province at a time, one Parquet row group each, so memory stays bounded at full
size.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from helpers.data.codes import DOMAINS, ENTRY_KINDS, EXIT_KINDS, EXIT_REASONS
from helpers.data.contracts import CONTRACTS
from helpers.synth import truth

SEED = 20_250_701  # 1 July 2025, the day the two-level local government began: any fixed seed would do
NATIONAL_MEMBERS = 5_600_000  # member rows at scale 1: everyone on the rolls at some point in 2011-2025
PROVINCES = 34  # provinces from 1 July 2025: the unit of the committee reports and of the row groups
FORMER_PROVINCES = 63  # provinces before 1 July 2025: 11 unchanged and 52 merged
UNCHANGED_PROVINCES = 11
MERGED_FROM = {2: 17, 3: 6}  # new provinces formed from two and from three former ones: 17 + 6 = 23 new, 52 former
MERGED_PROVINCES = sum(MERGED_FROM.values())
MERGED_FORMER = sum(k * n for k, n in MERGED_FROM.items())
MERGER_DATE = "2025-07-01"  # the day the merged provinces began (and the last day of the former ones is the eve)
LAST_FORMER_DAY = "2025-06-30"
COMMUNES = 3_321
FIRST_YEAR, LAST_YEAR = truth.FIRST_YEAR, truth.LAST_YEAR
# Planted flows, per member on the rolls and per year. Admissions are 3-4% a year nationally; the exit rates are
# of the order of the default province's (removed about 2 and asked to leave about 1 per 1,000 members a year).
# They are the base rates: removed and asked_to_leave vary by former province and fall after 2020 (see below).
ADMISSION_RATE = 0.035
TRANSFER_IN_RATE = 0.0045
EXIT_RATES = {
    "removed": 0.0020,
    "asked_to_leave": 0.0011,
    "expelled": 0.0004,
    "died": 0.0085,
    "other_exit": 0.0001,
    "transferred_out": 0.0045,
}
# Province differences for a national comparison to find. Each former (or unchanged) province multiplies its removed
# and asked_to_leave rates by its own factor, lognormal with mean 1 and sd of log 0.15 (a 95% range of about
# 0.74-1.33: provinces differ, most not by much), except the named outliers below, whose factor is set outright.
PROVINCE_RATE_KINDS = ("removed", "asked_to_leave")
PROVINCE_RATE_SIGMA = 0.15
# Outliers (former provinces, whose codes T01..T52 exist for every seed): one removes members far more often,
# one far less, one has many more requests to leave. Far enough from 1 to stand out of the lognormal spread
# (1.8 and 0.5 are about 4 sd of log away) and to be found by a Poisson comparison at scale 0.05.
RATE_OUTLIERS = {
    ("T05", "removed"): 1.8,
    ("T17", "removed"): 0.5,
    ("T40", "asked_to_leave"): 1.7,
}
# A national trend in the same two rates: -4% a year from 2021 on (rate x 0.96^(year - 2020)), flat before, as a
# management campaign in the 2020-2025 term would give: about 4% fewer of those exits over 2011-2025 than at flat
# rates (with the factors: removed about 6% fewer than at the base rate, asked_to_leave about 1% more).
TREND_FROM = 2021
TREND_APC = -4.0
MIN_COMMUNES_PER_FORMER = 12  # a former province split out of a new one keeps at least this many communes
COMMUNE_SIZE_SIGMA = 0.8  # sd of log commune size: a few large wards, many small communes
PROVINCE_COMMUNES_SIGMA = 0.35  # sd of log number of communes per province
MIN_COMMUNES_PER_PROVINCE = 40
MEMBERS_PER_BRANCH = 25  # branches per commune: stock at the start / 25, at least one
# Reasons within each attrition kind, in the proportions the Tây Ninh project states for 2015-2020.
REASON_SHARES = {
    "removed": {"quit_activity": 381 / 424, "unpaid_dues": 20 / 424, "lost_contact": 15 / 424, "other": 8 / 424},
    "asked_to_leave": {"family_hardship": 0.70, "spouse_abroad": 0.26, "health": 0.03, "other": 0.01},
}
MEMBER_COLUMNS = CONTRACTS["members"].names  # the national registry has exactly the contract's columns
_DICT = pa.dictionary(pa.int32(), pa.string())
MEMBER_SCHEMA = pa.schema(
    [
        ("member_id", pa.string()),
        ("unit_code", _DICT),
        ("branch_id", _DICT),
        ("branch_type", _DICT),
        ("sex", _DICT),
        ("birth_year", pa.int16()),
        ("occupation", _DICT),
        ("professional_training", _DICT),
        ("political_training", _DICT),
        ("admission_date", pa.date32()),
        ("entry_kind", _DICT),
        ("entry_date", pa.date32()),
        ("exit_date", pa.date32()),
        ("exit_kind", _DICT),
        ("exit_reason", _DICT),
        ("cause_group", pa.int8()),
    ]
)
UNIT_COLUMNS = ["unit_code", "name", "parent_code", "level", "valid_from", "valid_to", "successor_code"]


def total_exit_rate() -> float:
    """Base rate of leaving the rolls for any reason, per member-year (before province factors and trend)."""
    return float(sum(EXIT_RATES.values()))


def stock_growth() -> float:
    """Expected stock at the start of next year over this year's, under the base flows: the stock each commune's
    admissions and transfers in are drawn in proportion to (the province factors and the trend move the realised
    stock by well under 1%)."""
    lam = total_exit_rate()
    survive_entry_year = (1 - np.exp(-lam)) / lam  # share of a year's entrants still on the rolls at its end
    return float(np.exp(-lam) + (ADMISSION_RATE + TRANSFER_IN_RATE) * survive_entry_year)


def expected_rows(scale: float = 1.0) -> float:
    """Expected member rows at ``scale``: the planted national size times the scale."""
    return NATIONAL_MEMBERS * scale


@dataclass(frozen=True)
class Structure:
    """The national map before and after the 2025 merger, each commune's stock on 1 January 2011, and the planted
    rate factors of each former province.

    "Former" provinces are the 63 before 1 July 2025: the 11 unchanged ones (their P code) and the 52 merged ones
    (T01..T52), in the order of the new province they belong to.
    """

    units: pd.DataFrame
    province_codes: tuple[str, ...]  # the 34 provinces from 1 July 2025
    former_codes: tuple[str, ...]  # the 63 provinces before it
    former_province: np.ndarray  # index into province_codes, one per former province: the province it became
    commune_codes: tuple[str, ...]
    commune_province: np.ndarray  # index into province_codes, one per commune
    commune_former: np.ndarray  # index into former_codes, one per commune: its parent unit
    initial_stock: np.ndarray  # members on the rolls on 1 January 2011, one per commune
    rate_factors: np.ndarray  # shape (former provinces, len(PROVINCE_RATE_KINDS)): planted multiplier of each rate

    def predecessors(self, province: str) -> tuple[str, ...]:
        """The former provinces a new province was formed from (an unchanged province: itself)."""
        p = self.province_codes.index(province)
        return tuple(c for c, q in zip(self.former_codes, self.former_province) if q == p)


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` that add up to ``total`` exactly."""
    share = total * weights / weights.sum()
    out = np.floor(share).astype(np.int64)
    order = np.argsort(-(share - out), kind="stable")
    out[order[: total - int(out.sum())]] += 1
    return out


def _merger(rng: np.random.Generator, per_province: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How many former provinces each new province was formed from (1 for unchanged), and the number of communes
    of each former province, in order of the new provinces (communes of a former province are consecutive)."""
    parts = np.ones(PROVINCES, dtype=np.int64)
    order = rng.permutation(PROVINCES)
    first = UNCHANGED_PROVINCES
    for k, n in MERGED_FROM.items():
        parts[order[first : first + n]] = k
        first += n
    sizes = []
    for n, k in zip(per_province, parts):
        weights = rng.lognormal(0.0, PROVINCE_COMMUNES_SIGMA, k)
        sizes += list(MIN_COMMUNES_PER_FORMER + _largest_remainder(int(n) - k * MIN_COMMUNES_PER_FORMER, weights))
    return parts, np.array(sizes, dtype=np.int64)


def _rate_factors(rng: np.random.Generator, former_codes: tuple[str, ...]) -> np.ndarray:
    """Each former province's multiplier of each rate in PROVINCE_RATE_KINDS: lognormal with mean 1, the named
    outliers set outright."""
    sigma = PROVINCE_RATE_SIGMA
    factors = rng.lognormal(-(sigma**2) / 2, sigma, (len(former_codes), len(PROVINCE_RATE_KINDS)))
    for (code, kind), factor in RATE_OUTLIERS.items():
        factors[former_codes.index(code), PROVINCE_RATE_KINDS.index(kind)] = factor
    return factors


def national_structure(scale: float = 1.0, seed: int = SEED) -> Structure:
    """The 34 provinces, the 63 before the 2025 merger and the 3,321 communes (codes, names, sizes, parents), and
    the planted rate factors; sizes are lognormal and scale with ``scale``, the merger is drawn from ``seed``."""
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    rng = np.random.default_rng([seed, 1])
    extra = COMMUNES - PROVINCES * MIN_COMMUNES_PER_PROVINCE
    per_province = MIN_COMMUNES_PER_PROVINCE + _largest_remainder(
        extra, rng.lognormal(0.0, PROVINCE_COMMUNES_SIGMA, PROVINCES)
    )
    province_codes = tuple(f"P{p:02d}" for p in range(1, PROVINCES + 1))
    commune_province = np.repeat(np.arange(PROVINCES), per_province)
    number_in_province = np.concatenate([np.arange(1, n + 1) for n in per_province])
    commune_codes = tuple(f"{province_codes[p]}X{c:03d}" for p, c in zip(commune_province, number_in_province))
    # Initial stock: total rows = S0 · (1 + entry rate · Σ growth^k) over the 15 years, solved for S0.
    years = np.arange(LAST_YEAR - FIRST_YEAR + 1)
    entries_per_start = (ADMISSION_RATE + TRANSFER_IN_RATE) * (stock_growth() ** years).sum()
    s0 = int(round(expected_rows(scale) / (1 + entries_per_start)))
    weights = rng.lognormal(0.0, COMMUNE_SIZE_SIGMA, COMMUNES)
    initial_stock = rng.multinomial(s0, weights / weights.sum())

    # The merger and the rate factors come from their own stream, so sizes do not depend on them.
    merger_rng = np.random.default_rng([seed, 3])
    parts, former_sizes = _merger(merger_rng, per_province)
    former_province = np.repeat(np.arange(PROVINCES), parts)
    merged = parts[former_province] > 1
    former_number = np.cumsum(merged) * merged  # T numbers of the merged former provinces, 0 for unchanged
    former_codes = tuple(f"T{n:02d}" if n else province_codes[p] for p, n in zip(former_province, former_number))
    commune_former = np.repeat(np.arange(len(former_codes)), former_sizes)
    rate_factors = _rate_factors(merger_rng, former_codes)

    start, end = f"{FIRST_YEAR}-01-01", None
    provinces = pd.DataFrame(
        {
            "unit_code": province_codes,
            "name": [f"Tỉnh mô phỏng số {p:02d}" for p in range(1, PROVINCES + 1)],
            "parent_code": None,
            "level": "province",
            "valid_from": [MERGER_DATE if k > 1 else start for k in parts],
            "valid_to": end,
            "successor_code": None,
        }
    )
    former = pd.DataFrame(
        {
            "unit_code": [former_codes[i] for i in np.flatnonzero(merged)],
            "name": [f"Tỉnh mô phỏng cũ số {n:02d}" for n in former_number[merged]],
            "parent_code": None,
            "level": "province",
            "valid_from": start,
            "valid_to": LAST_FORMER_DAY,
            "successor_code": np.array(province_codes, dtype=object)[former_province[merged]],
        }
    )
    communes = pd.DataFrame(
        {
            "unit_code": commune_codes,
            "name": [f"Xã mô phỏng {p + 1:02d}.{c:03d}" for p, c in zip(commune_province, number_in_province)],
            "parent_code": np.array(former_codes, dtype=object)[commune_former],
            "level": "commune",
            "valid_from": start,
            "valid_to": end,
            "successor_code": None,
        }
    )
    units = pd.concat([provinces, former, communes], ignore_index=True)[UNIT_COLUMNS]
    return Structure(
        units,
        province_codes,
        former_codes,
        former_province,
        commune_codes,
        commune_province,
        commune_former,
        initial_stock,
        rate_factors,
    )


def trend_factor(years: np.ndarray) -> np.ndarray:
    """The planted national trend of the removed and asked_to_leave rates: 1 before TREND_FROM, then
    (1 + TREND_APC/100) to the power of the years since TREND_FROM - 1."""
    years = np.asarray(years)
    return (1 + TREND_APC / 100) ** np.maximum(0, years - (TREND_FROM - 1))


def exit_rates(structure: Structure) -> np.ndarray:
    """Planted exit rates per member-year, shape (former provinces, years FIRST_YEAR..LAST_YEAR, EXIT_KINDS): the
    base rate, times the province factor and the national trend for the kinds in PROVINCE_RATE_KINDS."""
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    rates = np.tile(np.array([EXIT_RATES[k] for k in EXIT_KINDS]), (len(structure.former_codes), len(years), 1))
    for j, kind in enumerate(PROVINCE_RATE_KINDS):
        k = EXIT_KINDS.index(kind)
        rates[:, :, k] *= structure.rate_factors[:, j, None] * trend_factor(years)[None, :]
    return rates


def planted_rates(structure: Structure) -> pd.DataFrame:
    """The planted exit rates as a frame: one row per former province and year.

    Returns
    -------
    DataFrame with columns ``unit_code`` (former or unchanged province), ``province_code`` (its province from
    2025), ``year`` and one column per exit kind (rate per member-year).
    """
    rates = exit_rates(structure)
    n_former, n_years, _ = rates.shape
    frame = pd.DataFrame(
        {
            "unit_code": np.repeat(np.array(structure.former_codes, dtype=object), n_years),
            "province_code": np.repeat(
                np.array(structure.province_codes, dtype=object)[structure.former_province], n_years
            ),
            "year": np.tile(np.arange(FIRST_YEAR, LAST_YEAR + 1), n_former),
        }
    )
    for k, kind in enumerate(EXIT_KINDS):
        frame[kind] = rates[:, :, k].ravel()
    return frame


# --- drawing one province ------------------------------------------------------------------------------------


def _draw(rng: np.random.Generator, shares: dict, domain: str, size: int) -> np.ndarray:
    """Indices into ``DOMAINS[domain]`` drawn with the given shares (codes absent from ``shares`` never drawn)."""
    codes = DOMAINS[domain]
    p = np.array([shares.get(code, 0.0) for code in codes], dtype=float)
    return rng.choice(len(codes), size=size, p=p / p.sum()).astype(np.int32)


def _days(years: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of 1 January of each year."""
    return (np.asarray(years, dtype=np.int64) - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)


def _date_of(time: np.ndarray) -> np.ndarray:
    """Continuous time in years (2011.5 = mid-2011) as days since 1970-01-01; monotone in ``time``."""
    year = np.floor(time).astype(np.int64)
    start = _days(year)
    length = _days(year + 1) - start
    return start + np.minimum(np.floor((time - year) * length).astype(np.int64), length - 1)


def _dict_array(indices: np.ndarray, values, mask: np.ndarray | None = None) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(
        pa.array(indices.astype(np.int32), pa.int32(), mask=mask), pa.array(list(values), pa.string())
    )


def _dates(days: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(days.astype(np.int32), pa.int32(), mask=mask).cast(pa.date32())


def province_members(structure: Structure, province: int, first_id: int, seed: int = SEED) -> pa.Table:
    """Every member of one province (index into ``structure.province_codes``), as an Arrow table.

    Members are numbered from ``first_id``; each province draws from its own stream, so provinces can be made
    one at a time in any order and still give the same rows.
    """
    rng = np.random.default_rng([seed, 2, province])
    communes = np.flatnonzero(structure.commune_province == province)
    stock = structure.initial_stock[communes].astype(float)
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    expected_stock = stock[:, None] * stock_growth() ** (years - FIRST_YEAR)[None, :]
    admitted = rng.poisson(ADMISSION_RATE * expected_stock)
    moved_in = rng.poisson(TRANSFER_IN_RATE * expected_stock)
    # Rows: per commune, those on the rolls at the start, then each year's admissions, then its transfers in.
    per_commune = np.stack([structure.initial_stock[communes], admitted.sum(1), moved_in.sum(1)], axis=1)
    commune = np.repeat(np.arange(len(communes)), per_commune.sum(1))
    kind = np.concatenate([np.repeat(np.arange(3), row) for row in per_commune]) if len(communes) else np.empty(0)
    kind = kind.astype(np.int32)  # index into ENTRY_KINDS: on_roll, admitted, transferred_in
    entry_year = np.full(len(commune), FIRST_YEAR, dtype=np.int64)
    for k, flows in ((1, admitted), (2, moved_in)):
        entry_year[kind == k] = np.repeat(np.tile(years, len(communes)), flows.ravel())
    n = len(commune)
    on_roll = kind == 0
    entry_time = np.where(on_roll, float(FIRST_YEAR), entry_year + rng.random(n))
    entry_day = _date_of(entry_time)

    # Competing exits at rates constant within each calendar year (those of the member's former province), from
    # the time the member joined the rolls (or from 2011): the exit comes when the cumulative hazard reaches a unit
    # exponential draw; its kind is drawn in proportion to that year's rates.
    rates = exit_rates(structure)  # former province × year × kind
    total = rates.sum(axis=2)
    former = structure.commune_former[communes][commune]
    remaining = rng.exponential(1.0, n)
    exit_time = np.full(n, np.inf)
    exit_year = np.full(n, -1, dtype=np.int64)
    for j, year in enumerate(years):
        start = np.maximum(entry_time, year)
        hazard = total[former, j]
        used = hazard * np.maximum(0.0, year + 1 - start)
        now = remaining < used  # already-gone members have remaining = inf
        exit_time[now] = np.minimum(start[now] + remaining[now] / hazard[now], np.nextafter(year + 1.0, year))
        exit_year[now] = j
        remaining = np.where(now, np.inf, remaining - used)
    leaves = exit_year >= 0
    exit_day = _date_of(np.where(leaves, exit_time, float(FIRST_YEAR)))
    exit_kind = np.zeros(n, dtype=np.int64)
    cumulative = np.cumsum(rates, axis=2) / total[:, :, None]
    share = cumulative[former[leaves], exit_year[leaves]]  # leavers × kinds
    exit_kind[leaves] = np.minimum((rng.random(int(leaves.sum()))[:, None] >= share).sum(1), len(EXIT_KINDS) - 1)

    # Admission: the entry date for admissions; before it for transfers; before 2011 for the initial stock.
    tenure = np.where(
        on_roll, 1 + np.floor(rng.random(n) ** 1.3 * 45 * 365.25), np.floor(rng.random(n) * 20 * 365.25)
    ).astype(np.int64)
    start_2011 = _days(np.array([FIRST_YEAR]))[0]
    admission_day = np.where(on_roll, start_2011 - tenure, entry_day - np.where(kind == 1, 0, tenure))
    admission_year = admission_day.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    birth_year = admission_year - rng.integers(18, 36, n)

    attrition = leaves & np.isin(exit_kind, [EXIT_KINDS.index(k) for k in EXIT_REASONS])
    reason = np.zeros(n, dtype=np.int32)
    for k in EXIT_REASONS:
        chosen = leaves & (exit_kind == EXIT_KINDS.index(k))
        reason[chosen] = _draw(rng, REASON_SHARES[k], "exit_reason", int(chosen.sum()))
    cause = _draw(rng, {str(g): s for g, s in truth.LEAVER_CAUSE_SHARES.items()}, "cause_group", n) + 1

    # Branches: each commune's branches get a type; members are spread evenly over their commune's branches.
    branches = np.maximum(1, np.round(structure.initial_stock[communes] / MEMBERS_PER_BRANCH)).astype(np.int64)
    offset = np.concatenate([[0], np.cumsum(branches)[:-1]]).astype(np.int64)
    branch = offset[commune] + np.floor(rng.random(n) * branches[commune]).astype(np.int64)
    branch_type = _draw(rng, truth.MEMBER_SHARES["branch_type"], "branch_type", int(branches.sum()))
    codes = np.array(structure.commune_codes, dtype=object)[communes]
    branch_ids = [f"{code}-B{j:03d}" for code, count in zip(codes, branches) for j in range(1, count + 1)]

    # Registry order: commune, then admission date; member numbers follow it.
    order = np.lexsort((admission_day, commune))
    ids = pc.binary_join_element_wise(
        "VN", pc.utf8_lpad(pc.cast(pa.array(np.arange(first_id, first_id + n)), pa.string()), width=9, padding="0"), ""
    )
    shares = truth.MEMBER_SHARES
    columns = {
        "member_id": ids,
        "unit_code": _dict_array(commune[order], codes),
        "branch_id": _dict_array(branch[order], branch_ids),
        "branch_type": _dict_array(branch_type[branch[order]], DOMAINS["branch_type"]),
        "sex": _dict_array(_draw(rng, shares["sex"], "sex", n), DOMAINS["sex"]),
        "birth_year": pa.array(birth_year[order].astype(np.int16)),
        "occupation": _dict_array(_draw(rng, shares["occupation"], "occupation", n), DOMAINS["occupation"]),
        "professional_training": _dict_array(
            _draw(rng, shares["professional_training"], "professional_training", n), DOMAINS["professional_training"]
        ),
        "political_training": _dict_array(
            _draw(rng, shares["political_training"], "political_training", n), DOMAINS["political_training"]
        ),
        "admission_date": _dates(admission_day[order]),
        "entry_kind": _dict_array(kind[order], ENTRY_KINDS),
        "entry_date": _dates(entry_day[order], mask=on_roll[order]),
        "exit_date": _dates(exit_day[order], mask=~leaves[order]),
        "exit_kind": _dict_array(exit_kind[order], EXIT_KINDS, mask=~leaves[order]),
        "exit_reason": _dict_array(reason[order], DOMAINS["exit_reason"], mask=~attrition[order]),
        "cause_group": pa.array(cause[order].astype(np.int8), pa.int8(), mask=~attrition[order]),
    }
    return pa.table(columns, schema=MEMBER_SCHEMA)


# --- writing -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NationalFiles:
    """What :func:`write_national` wrote: the folder, its files and the number of member rows."""

    folder: Path
    members: Path
    units: Path
    info: Path
    rows: int


def _dataset_toml(scale: float, seed: int, rows: int) -> str:
    return (
        "# Describes this data folder to the reports. `simulated = true` puts the simulated-data banner on every "
        "page.\n"
        f'name = "Toàn quốc mô phỏng (quy mô {scale:g})"\n'
        "simulated = true\n"
        'level = "national"\n'
        f"scale = {scale!r}\n"
        f"seed = {seed}\n"
        f"member_rows = {rows}\n"
        f"provinces = {PROVINCES}  # from {MERGER_DATE}; units.csv also holds the {MERGED_FORMER} former provinces "
        f"merged into {MERGED_PROVINCES} of them (successor_code), {UNCHANGED_PROVINCES} are unchanged\n"
        f"former_provinces = {FORMER_PROVINCES}  # before {MERGER_DATE}; communes hang under these\n"
        f"communes = {COMMUNES}\n"
        f'members = "members.parquet"  # one row group per province from {MERGER_DATE}, in code order\n'
        f'generator = "python -m helpers national --scale {scale:g} --seed {seed}"\n'
    )


def write_national(out_dir: Path, scale: float = 1.0, seed: int = SEED) -> NationalFiles:
    """Generate the national registry into ``out_dir``: members.parquet (one row group per province from 2025, in
    code order), units.csv (new, former and unchanged provinces, then communes) and dataset.toml. The same seed and
    scale give the same bytes."""
    from helpers.synth.province import to_csv_text

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    structure = national_structure(scale, seed)
    members = out_dir / "members.parquet"
    rows = 0
    with pq.ParquetWriter(members, MEMBER_SCHEMA, compression="zstd", use_dictionary=True) as writer:
        for province in range(PROVINCES):
            table = province_members(structure, province, rows + 1, seed)
            writer.write_table(table, row_group_size=max(1, table.num_rows))
            rows += table.num_rows
    units = out_dir / "units.csv"
    units.write_text(to_csv_text(structure.units), encoding="utf-8")
    info = out_dir / "dataset.toml"
    info.write_text(_dataset_toml(scale, seed, rows), encoding="utf-8")
    return NationalFiles(out_dir, members, units, info, rows)
