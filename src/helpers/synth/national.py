"""A seeded national-size member registry (34 provinces, 3,321 communes, 2011-2025) written as Parquet.

The unit map is the post-2025 one (34 provinces, 3,321 communes, no district level), used for the whole series:
every unit is valid from 2011 and every member belongs to one commune throughout. Members follow a continuous-time
model: each commune admits members and receives transfers in proportion to its expected stock, and every member
leaves at the constant rates in :data:`EXIT_RATES` (competing risks). Generation is vectorised with numpy and
streamed province by province (one Parquet row group per province), so memory stays bounded at full size.
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
PROVINCES = 34
COMMUNES = 3_321
FIRST_YEAR, LAST_YEAR = truth.FIRST_YEAR, truth.LAST_YEAR
# Planted flows, per member on the rolls and per year. Admissions are 3-4% a year nationally; the exit rates are
# of the order of the default province's (removed about 2 and asked to leave about 1 per 1,000 members a year).
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
    """Rate of leaving the rolls for any reason, per member-year."""
    return float(sum(EXIT_RATES.values()))


def stock_growth() -> float:
    """Expected stock at the start of next year over this year's, under the planted flows."""
    lam = total_exit_rate()
    survive_entry_year = (1 - np.exp(-lam)) / lam  # share of a year's entrants still on the rolls at its end
    return float(np.exp(-lam) + (ADMISSION_RATE + TRANSFER_IN_RATE) * survive_entry_year)


def expected_rows(scale: float = 1.0) -> float:
    """Expected member rows at ``scale``: the planted national size times the scale."""
    return NATIONAL_MEMBERS * scale


@dataclass(frozen=True)
class Structure:
    """Provinces and communes of the national map, with each commune's stock on 1 January 2011."""

    units: pd.DataFrame
    province_codes: tuple[str, ...]
    commune_codes: tuple[str, ...]
    commune_province: np.ndarray  # index into province_codes, one per commune
    initial_stock: np.ndarray  # members on the rolls on 1 January 2011, one per commune


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` that add up to ``total`` exactly."""
    share = total * weights / weights.sum()
    out = np.floor(share).astype(np.int64)
    order = np.argsort(-(share - out), kind="stable")
    out[order[: total - int(out.sum())]] += 1
    return out


def national_structure(scale: float = 1.0, seed: int = SEED) -> Structure:
    """The 34 provinces and 3,321 communes (codes, names, sizes); sizes are lognormal and scale with ``scale``."""
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
    valid_from = f"{FIRST_YEAR}-01-01"
    provinces = pd.DataFrame(
        {
            "unit_code": province_codes,
            "name": [f"Tỉnh mô phỏng số {p:02d}" for p in range(1, PROVINCES + 1)],
            "parent_code": None,
            "level": "province",
            "valid_from": valid_from,
        }
    )
    communes = pd.DataFrame(
        {
            "unit_code": commune_codes,
            "name": [f"Xã mô phỏng {p + 1:02d}.{c:03d}" for p, c in zip(commune_province, number_in_province)],
            "parent_code": np.array(province_codes, dtype=object)[commune_province],
            "level": "commune",
            "valid_from": valid_from,
        }
    )
    units = pd.concat([provinces, communes], ignore_index=True)
    units["valid_to"] = None
    units["successor_code"] = None
    return Structure(units[UNIT_COLUMNS], province_codes, commune_codes, commune_province, initial_stock)


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

    # Competing exits at constant rates from the time the member joined the rolls (or from 2011).
    lam = total_exit_rate()
    exit_time = entry_time + rng.exponential(1 / lam, n)
    leaves = exit_time < LAST_YEAR + 1
    exit_day = _date_of(np.where(leaves, exit_time, float(FIRST_YEAR)))
    exit_kind = rng.choice(len(EXIT_KINDS), size=n, p=np.array([EXIT_RATES[k] for k in EXIT_KINDS]) / lam)

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
        'members = "members.parquet"  # one row group per province\n'
        f'generator = "python -m helpers national --scale {scale:g} --seed {seed}"\n'
    )


def write_national(out_dir: Path, scale: float = 1.0, seed: int = SEED) -> NationalFiles:
    """Generate the national registry into ``out_dir``: members.parquet (one row group per province), units.csv
    and dataset.toml. The same seed and scale give the same bytes."""
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
