"""Member management per unit and year: screening results, members exempted from duties and activities against
the 10% threshold, members working far away (and overdue), and members registered at their place of residence.

Every column but ``members`` is optional: a measure whose column the data lacks (or leaves empty) gives None, not
an error. A unit's figures are its series (:func:`helpers.data.units.series_units`); a series total is missing when
any of its parts is, so a share is never computed from a partial numerator.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd

from helpers.analyses.stats import clopper_pearson
from helpers.data.units import series_units

OPTIONAL = (
    "exempted",
    "far_away",
    "far_away_overdue",
    "registered_76",
    "screened",
    "screened_removed",
    "screened_monitored",
)
# Seed 002: communes are to review exemptions "nhất là những nơi có tỷ lệ cao (trên 10%)".
EXEMPTION_THRESHOLD_PCT = 10.0


def has_column(frame: pd.DataFrame | None, column: str) -> bool:
    """Whether the data has the column with at least one value."""
    return frame is not None and column in frame.columns and bool(frame[column].notna().any())


def unit_series(management: pd.DataFrame, units: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """One row per unit (its series) and year: members and every optional column the data has, summed."""
    present = [c for c in OPTIONAL if has_column(management, c)]
    columns = ["members", *present]
    frames = []
    for code in codes:
        part = management[management["unit_code"].isin(series_units(units, code))]
        if part.empty:
            continue
        summed = part.groupby(part["year"].astype("int64"))[columns].agg(
            lambda s: s.sum() if s.notna().all() else pd.NA
        )
        frames.append(summed.reset_index().assign(unit_code=code))
    if not frames:
        return pd.DataFrame(columns=["unit_code", "year", *columns])
    out = pd.concat(frames, ignore_index=True)
    out = out.astype({c: "Int64" for c in columns} | {"year": "int64"})
    return out[["unit_code", "year", *columns]].reset_index(drop=True)


def proportion(frame: pd.DataFrame, count: str, base: str, prefix: str, level: float = 0.95) -> pd.DataFrame:
    """``{prefix}_share``, ``_low``, ``_high``: count / base with its exact interval (NaN where either is missing
    or the base is 0)."""
    c = frame[count].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    n = frame[base].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    ok = ~np.isnan(c) & ~np.isnan(n) & (n > 0)
    low, high = clopper_pearson(np.where(ok, c, 0), np.where(ok, n, 0), level)
    return frame.assign(
        **{
            f"{prefix}_share": np.where(ok, c / np.where(ok, n, 1), np.nan),
            f"{prefix}_low": low,
            f"{prefix}_high": high,
        }
    )


def screening(series: pd.DataFrame) -> pd.DataFrame | None:
    """Members screened, removed as a result (share of those screened) and kept under monitoring, per unit-year."""
    if not has_column(series, "screened"):
        return None
    keep = [
        "unit_code",
        "year",
        "members",
        "screened",
        *[c for c in ("screened_removed", "screened_monitored") if c in series.columns],
    ]
    out = series.loc[series["screened"].notna(), keep].rename(
        columns={"screened_removed": "removed", "screened_monitored": "monitored"}
    )
    for column in ("removed", "monitored"):
        if column not in out.columns:
            out[column] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    out = proportion(out, "removed", "screened", "removed")
    out = proportion(out, "monitored", "screened", "monitored")
    return out.reset_index(drop=True)


def above(count: pd.Series, base: pd.Series, threshold_pct: float) -> np.ndarray:
    """Count / base strictly above ``threshold_pct``%, compared exactly on the counts (13 of 130 is not above 10%)."""
    limit = Fraction(str(threshold_pct))
    return np.array(
        [
            bool(pd.notna(c) and pd.notna(n) and n > 0 and Fraction(int(c)) * 100 > limit * int(n))
            for c, n in zip(count, base)
        ],
        dtype=bool,
    )


def exemptions(
    series: pd.DataFrame, threshold_pct: float = EXEMPTION_THRESHOLD_PCT, level: float = 0.95
) -> pd.DataFrame | None:
    """Share exempted from duties and activities per unit-year; ``above`` the directive's threshold (the point
    value, as seed 002 states it) and ``ci_above`` when the whole interval lies above it."""
    if not has_column(series, "exempted"):
        return None
    out = series.loc[series["exempted"].notna(), ["unit_code", "year", "members", "exempted"]]
    out = proportion(out, "exempted", "members", "exempted", level)
    out["above"] = above(out["exempted"], out["members"], threshold_pct)
    out["ci_above"] = out["exempted_low"] * 100 > threshold_pct
    out["threshold_pct"] = threshold_pct
    return out.reset_index(drop=True)


def far_away(series: pd.DataFrame, level: float = 0.95) -> pd.DataFrame | None:
    """Members working far away (share of members) and, where given, those whose leave ran out (share of far away)."""
    if not has_column(series, "far_away"):
        return None
    keep = ["unit_code", "year", "members", "far_away"]
    if "far_away_overdue" in series.columns:
        keep.append("far_away_overdue")
    out = series.loc[series["far_away"].notna(), keep].rename(columns={"far_away_overdue": "overdue"})
    if "overdue" not in out.columns:
        out["overdue"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    out = proportion(out, "far_away", "members", "far_away", level)
    out = proportion(out, "overdue", "far_away", "overdue", level)
    return out.reset_index(drop=True)


def registered_76(series: pd.DataFrame, level: float = 0.95) -> pd.DataFrame | None:
    """Members registered at their place of residence (Quy định 76-QĐ/TW), as a share of members."""
    if not has_column(series, "registered_76"):
        return None
    out = series.loc[series["registered_76"].notna(), ["unit_code", "year", "members", "registered_76"]]
    return proportion(out, "registered_76", "members", "registered_76", level).reset_index(drop=True)
