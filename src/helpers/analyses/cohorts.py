"""Retention by admission cohort: of the members admitted in a year, how many are still on the rolls after h years.

Time runs from admission. Being removed from the rolls (event 1) and asking to leave (event 2) are the exits of
interest; dying, expulsion and other exits from the party (event 3) compete with them; a transfer out, or still
being a member at ``as_of``, censors the member (0). Kaplan–Meier gives the probability of neither exit of
interest, Aalen–Johansen the cumulative incidence of each, and a log-rank test asks whether cohorts differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import AalenJohansenFitter, KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test

REMOVED, ASKED, OTHER_EXIT, CENSORED = 1, 2, 3, 0
EVENT_CODES = {
    "removed": REMOVED,
    "asked_to_leave": ASKED,
    "expelled": OTHER_EXIT,
    "died": OTHER_EXIT,
    "other_exit": OTHER_EXIT,
    "transferred_out": CENSORED,
}
DAYS_PER_YEAR = 365.25
HORIZONS = (1, 3, 5)
ALPHA = 0.05


def cohort_durations(members: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """One row per member admitted during the data period, with cohort, years followed and how follow-up ended.

    Only ``entry_kind == "admitted"`` members admitted on or before ``as_of`` count: their admission is observed,
    so time since admission starts at 0 for all of them (members on the rolls before the data period or
    transferred in would enter late). ``duration`` is in years of 365.25 days from ``admission_date`` to the exit
    or ``as_of``. ``event``: 1 removed, 2 asked to leave, 3 another exit from the party (died, expelled,
    other_exit), a competing event; 0 censored: still a member at ``as_of`` (an exit recorded after ``as_of`` is
    not yet known then) or transferred out, since the member continues in another party organisation.
    """
    as_of = pd.Timestamp(as_of)
    admitted = members[(members["entry_kind"] == "admitted") & (members["admission_date"] <= as_of)]
    admission = admitted["admission_date"]
    exited = admitted["exit_date"].notna() & (admitted["exit_date"] <= as_of)
    kind = admitted["exit_kind"].astype("string").where(exited)
    unknown = set(kind.dropna()) - set(EVENT_CODES)
    if unknown:
        raise ValueError(f"unknown exit_kind {sorted(unknown)}; expected one of {sorted(EVENT_CODES)}")
    event = kind.map(EVENT_CODES).fillna(CENSORED).astype(int)
    end = admitted["exit_date"].where(exited, as_of)
    return pd.DataFrame(
        {
            "member_id": admitted["member_id"] if "member_id" in admitted else admitted.index,
            "cohort": admission.dt.year.astype(int),
            "admission_date": admission,
            "duration": (end - admission).dt.days / DAYS_PER_YEAR,
            "event": event,
        }
    ).reset_index(drop=True)


def followed(durations: pd.DataFrame, as_of: pd.Timestamp, horizon: float) -> pd.Series:
    """Per cohort, whether every member could have been followed ``horizon`` years by ``as_of``.

    True when the cohort's last admission date plus ``horizon`` calendar years is on or before ``as_of``; beyond
    that the estimate would rest on the cohort's earliest admissions alone, so it is not reported.
    """
    whole = int(horizon)
    last = durations.groupby("cohort")["admission_date"].max()
    reached = last + pd.DateOffset(years=whole) + pd.Timedelta(days=(horizon - whole) * DAYS_PER_YEAR)
    return reached <= pd.Timestamp(as_of)


class _TiedAalenJohansen(AalenJohansenFitter):
    """lifelines' Aalen–Johansen fitter without its random jitter of tied times (which reseeds numpy's global RNG).

    lifelines' own formula is already exact with ties: at a time with d_k events of kind k among n at risk, the
    cumulative incidence of k rises by S(t−)·d_k/n, with S the all-cause Kaplan–Meier curve.
    """

    @staticmethod
    def _check_for_duplicates(durations, events) -> bool:
        return False


def _at(frame: pd.DataFrame | pd.Series, time: float):
    """The step function's value at ``time``: the last row at or before it."""
    return frame.loc[:time].iloc[-1]


def _cohort_estimates(
    part: pd.DataFrame, horizons: Sequence[float], is_followed: dict[float, bool], variance: bool = True
) -> list[dict]:
    """One cohort's row per horizon: KM retention with its interval and the three Aalen–Johansen incidences (their
    standard errors only with ``variance``)."""
    rows = []
    n = len(part)
    shown = [h for h in horizons if is_followed.get(h, False)]
    if n and shown:
        # Follow-up past the longest horizon shown cannot change the estimates up to it; cutting it there keeps
        # lifelines' row-by-row Aalen–Johansen variance short.
        last = max(shown)
        duration = part["duration"].clip(upper=last)
        event = part["event"].where(part["duration"] <= last, CENSORED)
        km = KaplanMeierFitter(alpha=ALPHA).fit(duration, event.isin([REMOVED, ASKED]))
        ci = km.confidence_interval_survival_function_
        cif = {}
        with np.errstate(divide="ignore", invalid="ignore"):  # variance terms at the last time, where n = d
            for code in (REMOVED, ASKED, OTHER_EXIT):  # other exits are shown without an interval: no variance
                fitter = _TiedAalenJohansen(alpha=ALPHA, calculate_variance=variance and code != OTHER_EXIT)
                cif[code] = fitter.fit(duration, event, event_of_interest=code)
    for h in horizons:
        row = {
            "horizon": h,
            "admitted": n,
            "at_risk": pd.NA,
            "retained": np.nan,
            "retained_low": np.nan,
            "retained_high": np.nan,
            "cif_removed": np.nan,
            "cif_removed_se": np.nan,
            "cif_asked": np.nan,
            "cif_asked_se": np.nan,
            "cif_other": np.nan,
        }
        if n and h in shown:
            low, high = _at(ci, h)
            row.update(
                at_risk=int((part["duration"] >= h).sum()),
                retained=float(km.survival_function_at_times(h).iloc[0]),
                retained_low=float(low),
                retained_high=float(high),
            )
            for code, name in ((REMOVED, "cif_removed"), (ASKED, "cif_asked"), (OTHER_EXIT, "cif_other")):
                row[name] = float(_at(cif[code].cumulative_density_, h).iloc[0])
                if variance and name != "cif_other":
                    row[f"{name}_se"] = float(np.sqrt(_at(cif[code].variance_, h)))
        rows.append(row)
    return rows


def retention_table(
    members: pd.DataFrame,
    as_of: pd.Timestamp,
    horizons: Sequence[float] = HORIZONS,
    cohorts: list[int] | None = None,
    variance: bool = True,
) -> pd.DataFrame:
    """Per admission cohort and horizon: members admitted, still at risk, retained, and cumulative incidence of exits.

    ``retained`` is the Kaplan–Meier probability of being neither removed nor asked to leave by the horizon, other
    exits from the party censored (so it is retention had nobody died or been expelled), with lifelines' 95% CI
    (log(−log) Greenwood). ``cif_removed``, ``cif_asked`` and ``cif_other`` are Aalen–Johansen cumulative
    incidences with events 1, 2, 3 competing (``*_se`` from lifelines' variance); they satisfy
    ``cif_removed + cif_asked ≤ 1 − retained``. ``at_risk`` counts members still followed at the horizon. Every
    estimate is NaN where the cohort has not been followed that long by ``as_of`` (see :func:`followed`). By
    default the cohorts are those followed for at least the shortest horizon. ``variance=False`` leaves the
    ``*_se`` columns NaN and skips lifelines' variance computation, half the time (the reports print no SE).
    """
    durations = cohort_durations(members, as_of)
    horizons = sorted(horizons)
    follow = {h: followed(durations, as_of, h) for h in horizons}
    if cohorts is None:
        cohorts = sorted(int(c) for c, ok in follow[horizons[0]].items() if ok)
    rows = []
    for cohort in cohorts:
        part = durations[durations["cohort"] == cohort]
        is_followed = {h: bool(follow[h].get(cohort, False)) for h in horizons}
        rows += [{"cohort": int(cohort), **r} for r in _cohort_estimates(part, horizons, is_followed, variance)]
    table = pd.DataFrame(
        rows,
        columns=[
            "cohort",
            "horizon",
            "admitted",
            "at_risk",
            "retained",
            "retained_low",
            "retained_high",
            "cif_removed",
            "cif_removed_se",
            "cif_asked",
            "cif_asked_se",
            "cif_other",
        ],
    )
    return table.astype({"cohort": int, "admitted": int, "at_risk": "Int64"})


@dataclass(frozen=True)
class CohortDifference:
    """Log-rank test that the hazard of being removed or asking to leave is the same in every cohort."""

    cohorts: tuple[int, ...]
    members: int
    events: int
    statistic: float
    degrees_of_freedom: int
    p_value: float


def cohort_difference(
    members: pd.DataFrame, as_of: pd.Timestamp, cohorts: Sequence[int] | None = None
) -> CohortDifference:
    """Lifelines' multivariate log-rank test of time to removal or request to leave across admission cohorts.

    Time is years since admission, so later cohorts inform only the early years; other exits and transfers are
    censored as in the Kaplan–Meier ``retained``. ``cohorts`` defaults to every cohort admitted by ``as_of``.
    """
    durations = cohort_durations(members, as_of)
    if cohorts is not None:
        durations = durations[durations["cohort"].isin(list(cohorts))]
    present = tuple(sorted(int(c) for c in durations["cohort"].unique()))
    if len(present) < 2:
        raise ValueError(f"need members in at least two cohorts to compare; have {present}")
    leaving = durations["event"].isin([REMOVED, ASKED])
    result = multivariate_logrank_test(durations["duration"], durations["cohort"], leaving)
    return CohortDifference(
        present,
        len(durations),
        int(leaving.sum()),
        float(result.test_statistic),
        int(result.degrees_of_freedom),
        float(result.p_value),
    )
