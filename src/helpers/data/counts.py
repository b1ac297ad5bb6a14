"""Annual counts per unit and year, derived from member-level records so both kinds of input meet here."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.data.codes import EXIT_KINDS
from helpers.data.units import series_units

COUNT_COLUMNS = (
    "members_start",
    "admitted",
    "transferred_in",
    "transferred_out",
    "removed",
    "asked_to_leave",
    "expelled",
    "died",
    "other_exit",
    "members_end",
)


def annual_counts_from_members(
    members: pd.DataFrame,
    years: range | None = None,
    by: str = "unit_code",
) -> pd.DataFrame:
    """Stock at the start and end of each year and every flow during it, per unit, from one row per member.

    A member is on the rolls from ``entry_date`` (or from before the data period when ``entry_kind`` is
    ``on_roll``) until ``exit_date``; flows are counted in the calendar year their date falls in, so the stock
    identity holds by construction. Units in sorted order, only those with members, as a ``groupby`` gives them.
    """
    entry_year = members["entry_date"].dt.year
    exit_year = members["exit_date"].dt.year
    if years is None:
        known = pd.concat([entry_year.dropna(), exit_year.dropna()])
        years = range(int(known.min()), int(known.max()) + 1)
    first, n_years = years.start, len(years)
    # Year from which a member counts in the stock, and year after which they no longer do, as slots: 0 before
    # the period, 1..n_years its years, n_years + 1 after it.
    in_from = entry_year.where(members["entry_kind"] != "on_roll", first - 1).fillna(first - 1).to_numpy(np.int64)
    out_after = exit_year.fillna(10_000).to_numpy(np.int64)
    in_slot = np.clip(in_from - first + 1, 0, n_years + 1)
    out_slot = np.clip(out_after - first + 1, 0, n_years + 1)
    group, labels = pd.factorize(members[by], sort=True)  # a member without a unit gets -1 and is not counted
    entry = members["entry_kind"].astype(object)
    entry_category = np.select([entry.eq("admitted"), entry.eq("transferred_in")], [1, 2], 0)
    kind = members["exit_kind"].astype(object)
    exit_category = np.full(len(members), len(EXIT_KINDS))
    for k, name in enumerate(EXIT_KINDS):
        exit_category[kind.eq(name).to_numpy(bool)] = k
    counted = count_slots(group, len(labels), in_slot, out_slot, entry_category, exit_category, n_years)
    frame = pd.DataFrame(
        {
            by: np.repeat(np.asarray(labels, dtype=object), n_years),
            "year": np.tile(np.arange(first, first + n_years), len(labels)),
            **{c: counted[c].ravel() for c in COUNT_COLUMNS},
        }
    )
    return frame.astype({c: "Int64" for c in ["year", *COUNT_COLUMNS]}).astype({by: "string"})


def count_slots(
    group: np.ndarray,
    n_groups: int,
    in_slot: np.ndarray,
    out_slot: np.ndarray,
    entry_category: np.ndarray,
    exit_category: np.ndarray,
    n_years: int,
) -> dict[str, np.ndarray]:
    """Every count column as an array (groups × years) from one entry per member: its group (``-1`` or
    ``n_groups`` not counted), the slots of the year it joins and leaves the stock (0 before the period, 1 to
    ``n_years``, ``n_years + 1`` after), its entry category (1 admitted, 2 transferred in, 0 other) and its exit
    category (the index in ``EXIT_KINDS``, or ``len(EXIT_KINDS)`` for none). Three ``bincount`` calls and
    cumulative sums, so the cost does not grow with units × years."""
    slots = n_years + 2
    group = np.where((group < 0) | (group >= n_groups), n_groups, group).astype(np.int64)

    def table(*parts: tuple[np.ndarray, int]) -> np.ndarray:
        """Members counted by group and by each (values, number of values) part: shape (groups, *numbers)."""
        key, shape = group, [n_groups + 1]
        for values, size in parts:
            key = key * size + np.asarray(values, dtype=np.int64)
            shape.append(size)
        return np.bincount(key, minlength=int(np.prod(shape))).reshape(shape)[:n_groups]

    # members_start(y): joined before y and left in y or later; members_end(y): joined by y and left after y.
    joined_left = table((in_slot, slots), (out_slot, slots))  # group × join slot × leave slot
    left_from = joined_left[:, :, ::-1].cumsum(axis=2)[:, :, ::-1]  # left in that slot or later
    stock = left_from.cumsum(axis=1)  # ... and joined in that slot or earlier
    year = np.arange(1, n_years + 1)
    entries = table((entry_category, 3), (in_slot, slots))
    exits = table((exit_category, len(EXIT_KINDS) + 1), (out_slot, slots))
    out = {
        "members_start": stock[:, year - 1, year],
        "admitted": entries[:, 1, year],
        "transferred_in": entries[:, 2, year],
        "members_end": stock[:, year, year + 1],
    }
    for k, name in enumerate(EXIT_KINDS):
        out[name] = exits[:, k, year]
    return out


def province_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """Counts summed over units, one row per year."""
    numeric = [c for c in COUNT_COLUMNS if c in counts.columns]
    return counts.groupby("year", as_index=False)[numeric].sum(min_count=1)


def counts_for_unit(counts: pd.DataFrame, units: pd.DataFrame, unit_code: str) -> pd.DataFrame:
    """Yearly counts of a unit, summed over the unit, its subordinate units and the units merged into it, so a
    2025 merger or the end of the district level does not break the series."""
    return province_counts(counts[counts["unit_code"].isin(series_units(units, unit_code))])


def members_as_of(members: pd.DataFrame, year: int) -> pd.DataFrame:
    """The registry as it stood at the end of ``year``: later entries dropped, later exits not yet happened."""
    end = pd.Timestamp(year=year, month=12, day=31)
    kept = members[members["admission_date"].le(end) & (members["entry_date"].isna() | members["entry_date"].le(end))]
    later = kept["exit_date"] > end
    out = kept.copy()
    for column in ("exit_date", "exit_kind", "exit_reason", "cause_group"):
        out[column] = out[column].mask(later)
    return out
