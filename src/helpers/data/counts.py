"""Annual counts per unit and year, derived from member-level records so both kinds of input meet here."""

from __future__ import annotations

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
    identity holds by construction.
    """
    entry_year = members["entry_date"].dt.year
    exit_year = members["exit_date"].dt.year
    if years is None:
        known = pd.concat([entry_year.dropna(), exit_year.dropna()])
        years = range(int(known.min()), int(known.max()) + 1)
    first = years.start
    # Year from which a member counts in the stock, and year after which they no longer do.
    in_from = entry_year.where(members["entry_kind"] != "on_roll", first - 1).fillna(first - 1).astype(int)
    out_after = exit_year.fillna(10_000).astype(int)
    rows = []
    for unit, idx in members.groupby(by, sort=True).groups.items():
        m_in, m_out = in_from.loc[idx], out_after.loc[idx]
        kind, entry = members.loc[idx, "exit_kind"], members.loc[idx, "entry_kind"]
        for year in years:
            row = {
                by: unit,
                "year": year,
                "members_start": int(((m_in < year) & (m_out >= year)).sum()),
                "admitted": int(((entry == "admitted") & (m_in == year)).sum()),
                "transferred_in": int(((entry == "transferred_in") & (m_in == year)).sum()),
            }
            for k in EXIT_KINDS:
                row[k] = int(((kind == k) & (m_out == year)).sum())
            row["members_end"] = int(((m_in <= year) & (m_out > year)).sum())
            rows.append(row)
    frame = pd.DataFrame(rows, columns=[by, "year", *COUNT_COLUMNS])
    return frame.astype({c: "Int64" for c in ["year", *COUNT_COLUMNS]}).astype({by: "string"})


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
