"""Causes and solutions: why members left, how the survey rates causes and solutions, and how the two go together.

Cause group k and solution group k of the Tây Ninh project are paired (solution k is meant to counter cause k).
The survey gives rank correlations of every cause with every solution, a permutation test that the 7 matched
pairs stand out from the 42 unmatched ones, and, for the surveyed branches, a count model of later exits on the
solution ratings. All of these are associations in observational data, not proof that a solution works.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import special, stats
from statsmodels.stats.multitest import multipletests

from helpers.analyses.trends import DISPERSION_THRESHOLD
from helpers.data.codes import ATTRITION_EXITS
from helpers.errors import TooFewBranches

GROUPS = tuple(range(1, 8))
CAUSES = tuple(f"cause_{k}" for k in GROUPS)
SOLUTIONS = tuple(f"solution_{k}" for k in GROUPS)
METHODS = ("spearman", "kendall")
ALPHA = 0.05
PERMUTATION_TOLERANCE = 1e-12  # float noise allowed when comparing a relabelled statistic with the observed one


# --- leavers' causes and the ratings ---------------------------------------------------------------------------


def cause_distribution(members: pd.DataFrame, years: range) -> pd.DataFrame:
    """Leavers (removed, asked to leave) exiting in ``years`` by cause group: count and share per kind and overall.

    Each leaver has one recorded cause group (the main one), so ``count`` counts people: ``share`` is a proportion
    (0–1) of the ``recorded`` leavers of that kind (those with a cause group), the share of leavers citing the
    group; ``unrecorded`` counts the others.

    Returns
    -------
    pandas.DataFrame
        One row per kind (and ``total``) and cause group: ``kind``, ``cause_group``, ``count``, ``share``,
        ``recorded``, ``unrecorded``, ``first_year``, ``last_year``.
    """
    leavers = members[members["exit_kind"].isin(ATTRITION_EXITS) & members["exit_date"].dt.year.isin(list(years))]
    rows = []
    for kind, part in [*((k, leavers[leavers["exit_kind"] == k]) for k in ATTRITION_EXITS), ("total", leavers)]:
        known = part["cause_group"].dropna().astype(int)
        counts = known.value_counts().reindex(GROUPS, fill_value=0)
        for group, count in counts.items():
            rows.append(
                {
                    "kind": kind,
                    "cause_group": group,
                    "count": int(count),
                    "share": count / len(known) if len(known) else np.nan,
                    "recorded": len(known),
                    "unrecorded": int(len(part) - len(known)),
                    "first_year": years.start,
                    "last_year": years.stop - 1,
                }
            )
    return pd.DataFrame(rows)


def rating_summary(survey: pd.DataFrame) -> pd.DataFrame:
    """Per respondent type (and ``"all"``) and group: the forms returned (``forms``), those answering (``n``), mean
    rating, share rating 4–5 and share rating 1–2 (0–1), and the survey years (``first_year``, ``last_year``)."""
    rows = []
    known = survey["year"].dropna().astype(int) if "year" in survey else pd.Series(dtype=int)
    years = (int(known.min()), int(known.max())) if len(known) else (pd.NA, pd.NA)
    parts = [*survey.groupby("respondent_type", sort=True), ("all", survey)]
    for rtype, part in parts:
        for item in ("cause", "solution"):
            for k in GROUPS:
                values = part[f"{item}_{k}"].dropna().astype(float)
                rows.append(
                    {
                        "respondent_type": str(rtype),
                        "item": item,
                        "group": k,
                        "forms": len(part),
                        "n": len(values),
                        "mean": values.mean() if len(values) else np.nan,
                        "share_4_5": (values >= 4).mean() if len(values) else np.nan,
                        "share_1_2": (values <= 2).mean() if len(values) else np.nan,
                        "first_year": years[0],
                        "last_year": years[1],
                    }
                )
    return pd.DataFrame(rows)


def implementation_summary(ratings: pd.DataFrame) -> pd.DataFrame:
    """How well each solution group is implemented, per respondent type (and ``"all"``), best first.

    From :func:`rating_summary`: the solution rows with ``n``, ``mean``, ``share_4_5`` (rated 4–5, "implemented
    well"), ``share_1_2`` (rated 1–2, "implemented poorly") and ``rank`` (1 = highest mean within the respondent
    type; ties share the better rank).
    """
    solutions = ratings[ratings["item"] == "solution"].drop(columns="item").copy()
    solutions["rank"] = solutions.groupby("respondent_type")["mean"].rank(ascending=False, method="min").astype("Int64")
    return solutions.sort_values(["respondent_type", "rank", "group"], kind="stable").reset_index(drop=True)


# --- correlations of causes with solutions ---------------------------------------------------------------------


@dataclass(frozen=True)
class CorrelationResult:
    """7×7 frames, rows cause 1..7 and columns solution 1..7: coefficient, p, pairwise n, adjusted p and CI."""

    method: str
    respondent_type: str | None
    r: pd.DataFrame
    p: pd.DataFrame
    n: pd.DataFrame
    p_holm: pd.DataFrame
    p_bh: pd.DataFrame
    ci_low: pd.DataFrame
    ci_high: pd.DataFrame
    level: float = 0.95

    def matched(self) -> pd.DataFrame:
        """One row per matched pair k (cause k, solution k): r, CI, n, p and the adjusted p."""
        return pd.DataFrame(
            [
                {
                    "group": k,
                    "r": self.r.loc[k, k],
                    "ci_low": self.ci_low.loc[k, k],
                    "ci_high": self.ci_high.loc[k, k],
                    "n": int(self.n.loc[k, k]),
                    "p": self.p.loc[k, k],
                    "p_holm": self.p_holm.loc[k, k],
                    "p_bh": self.p_bh.loc[k, k],
                }
                for k in GROUPS
            ]
        )


def _frame(values: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(values, index=pd.Index(GROUPS, name="cause"), columns=pd.Index(GROUPS, name="solution"))


def fisher_se(r: float, n: int, method: str) -> float:
    """Bonett–Wright SE of atanh(r) for Spearman, √((1 + r²/2)/(n − 3)); Kendall's SE is :func:`jackknife_se`."""
    # Derived for continuous scores; on 1-5 ratings it covers at or slightly above 95% (simulated in
    # tests/test_causes.py). Fieller's √(0.437/(n − 4)) for Kendall covers only ~88% on such ratings.
    if method != "spearman":
        raise ValueError("the closed-form SE is used for Spearman only")
    return float(np.sqrt((1 + r**2 / 2) / (n - 3))) if n > 3 else float("nan")


def jackknife_se(x: np.ndarray, y: np.ndarray, statistic) -> float:
    """Delete-one jackknife SE of atanh(statistic(x, y)); identical (x, y) answers are deleted once, weighted by count.

    So 1–5 ratings need at most 25 evaluations of the statistic, whatever the number of answers.
    """
    pairs, first, counts = np.unique(np.column_stack([x, y]), axis=0, return_index=True, return_counts=True)
    n = len(x)
    if n < 4 or len(pairs) < 2:
        return float("nan")
    z = np.array(
        [np.arctanh(np.clip(statistic(np.delete(x, i), np.delete(y, i)), -1 + 1e-12, 1 - 1e-12)) for i in first]
    )
    mean = np.sum(counts * z) / n
    return float(np.sqrt((n - 1) / n * np.sum(counts * (z - mean) ** 2)))


@dataclass(frozen=True)
class PairCorrelation:
    """One rank correlation on the pairwise-complete answers, with its p-value and CI."""

    r: float
    p: float
    n: int
    ci_low: float
    ci_high: float


def rank_correlation(x, y, method: str = "spearman", level: float = 0.95) -> PairCorrelation:
    """Spearman (``scipy.stats.spearmanr``) or Kendall tau-b (``scipy.stats.kendalltau``) where x and y both exist.

    CI: tanh(atanh(r) ± z·SE), SE from :func:`fisher_se` (Spearman) or :func:`jackknife_se` (Kendall).
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    both = ~(np.isnan(x) | np.isnan(y))
    x, y, n = x[both], y[both], int(both.sum())
    if n < 4 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return PairCorrelation(np.nan, np.nan, n, np.nan, np.nan)
    if method == "spearman":
        res = stats.spearmanr(x, y)
        se = fisher_se(res.statistic, n, method)
    else:
        res = stats.kendalltau(x, y)
        se = jackknife_se(x, y, lambda a, b: stats.kendalltau(a, b).statistic)
    z, q = np.arctanh(np.clip(res.statistic, -1 + 1e-12, 1 - 1e-12)), special.ndtri(0.5 + level / 2)
    return PairCorrelation(
        float(res.statistic), float(res.pvalue), n, float(np.tanh(z - q * se)), float(np.tanh(z + q * se))
    )


def correlations(
    survey: pd.DataFrame, method: str = "spearman", respondent_type: str | None = None, level: float = 0.95
) -> CorrelationResult:
    """Every cause against every solution with :func:`rank_correlation` (pairwise complete, CIs at ``level``).

    ``p_holm`` and ``p_bh``: ``multipletests`` over the 49 tests (those with a finite p).
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
    data = survey if respondent_type is None else survey[survey["respondent_type"] == respondent_type]
    causes = data[list(CAUSES)].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    solutions = data[list(SOLUTIONS)].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    cells = np.array(
        [
            [dataclasses.astuple(rank_correlation(causes[:, i], solutions[:, j], method, level)) for j in range(7)]
            for i in range(7)
        ]
    )  # 7 × 7 × (r, p, n, low, high)
    p = cells[:, :, 1].ravel()
    p_holm, p_bh = np.full(49, np.nan), np.full(49, np.nan)
    finite = np.isfinite(p)
    if finite.any():
        p_holm[finite] = multipletests(p[finite], method="holm")[1]
        p_bh[finite] = multipletests(p[finite], method="fdr_bh")[1]
    return CorrelationResult(
        method,
        respondent_type,
        _frame(cells[:, :, 0]),
        _frame(cells[:, :, 1]),
        _frame(cells[:, :, 2].astype(int)),
        _frame(p_holm.reshape(7, 7)),
        _frame(p_bh.reshape(7, 7)),
        _frame(cells[:, :, 3]),
        _frame(cells[:, :, 4]),
        level,
    )


# --- do the matched pairs stand out? ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchedPairTest:
    """Mean matched coefficient minus mean unmatched, with exact permutation p-values over the 7! relabellings."""

    statistic: float
    mean_matched: float
    mean_unmatched: float
    p_two_sided: float
    p_one_sided_negative: float
    n_permutations: int


def _matched_minus_unmatched(values: np.ndarray, perms: np.ndarray) -> np.ndarray:
    k = values.shape[0]
    traces = values[np.arange(k), perms].sum(axis=1)
    return traces / k - (values.sum() - traces) / (k * k - k)


def matched_pair_test(r: pd.DataFrame) -> MatchedPairTest:
    """Exact test over all 7! relabellings of the solutions that the matched pairs differ from the unmatched.

    Two-sided p: share with |stat| ≥ |observed|; one-sided: share with stat ≤ observed (matched more negative).
    """
    values = np.asarray(r, dtype=float)
    if values.shape[0] != values.shape[1] or not np.isfinite(values).all():
        raise ValueError("matched_pair_test needs a square matrix of finite coefficients")
    k = values.shape[0]
    perms = np.array(list(itertools.permutations(range(k))))
    null = _matched_minus_unmatched(values, perms)
    observed = float(_matched_minus_unmatched(values, np.arange(k)[None, :])[0])
    matched = float(np.trace(values) / k)
    return MatchedPairTest(
        statistic=observed,
        mean_matched=matched,
        mean_unmatched=float((values.sum() - np.trace(values)) / (k * k - k)),
        p_two_sided=float(np.mean(np.abs(null) >= abs(observed) - PERMUTATION_TOLERANCE)),
        p_one_sided_negative=float(np.mean(null <= observed + PERMUTATION_TOLERANCE)),
        n_permutations=len(perms),
    )


@dataclass(frozen=True)
class CauseSolutionFinding:
    """What the cause × solution analysis concludes, for sentences that must agree with each other.

    ``flagged_negative`` / ``flagged_positive``: matched groups k (cause k, solution k) whose adjusted p is below
    :data:`ALPHA`, by the sign of their coefficient; ``strongest``: the flagged matched group with the largest
    |coefficient| (None when none is flagged); ``unmatched_flagged``: (cause, solution) pairs off the diagonal that
    are flagged; ``stands_out``: whether the matched pairs are more negative than the unmatched ones (one-sided
    permutation p below :data:`ALPHA`).
    """

    flagged_negative: tuple[int, ...]
    flagged_positive: tuple[int, ...]
    not_flagged: tuple[int, ...]
    undefined: tuple[int, ...]
    strongest: int | None
    strongest_r: float
    unmatched_flagged: tuple[tuple[int, int], ...]
    stands_out: bool

    @property
    def n_flagged(self) -> int:
        return len(self.flagged_negative) + len(self.flagged_positive)


def cause_solution_finding(result: CorrelationResult, test: MatchedPairTest | None) -> CauseSolutionFinding:
    """What :func:`correlations` and :func:`matched_pair_test` conclude, as a :class:`CauseSolutionFinding`."""
    matched = result.matched()
    finite = matched[np.isfinite(matched["r"])]
    flagged = finite[finite["p_holm"] < ALPHA]
    strongest = flagged.loc[flagged["r"].abs().idxmax()] if len(flagged) else None
    off = ~np.eye(len(GROUPS), dtype=bool) & (result.p_holm.to_numpy() < ALPHA)
    return CauseSolutionFinding(
        flagged_negative=tuple(int(k) for k in flagged.loc[flagged["r"] < 0, "group"]),
        flagged_positive=tuple(int(k) for k in flagged.loc[flagged["r"] > 0, "group"]),
        not_flagged=tuple(int(k) for k in finite.loc[~(finite["p_holm"] < ALPHA), "group"]),
        undefined=tuple(int(k) for k in matched.loc[~np.isfinite(matched["r"]), "group"]),
        strongest=None if strongest is None else int(strongest["group"]),
        strongest_r=float("nan") if strongest is None else float(strongest["r"]),
        unmatched_flagged=tuple((int(i) + 1, int(j) + 1) for i, j in zip(*np.nonzero(off))),
        stands_out=test is not None and test.p_one_sided_negative < ALPHA,
    )


# --- later exits from the surveyed branches against their solution ratings -------------------------------------


def branch_solution_model(counts_by_branch: pd.DataFrame, survey: pd.DataFrame, years: range) -> pd.DataFrame:
    """Rate ratio of exits (removed + asked to leave in ``years``) per rating point of each solution, with 95% CI.

    Poisson GLM, offset log(member-years), on solution_1..7 and branch type; quasi-Poisson above the dispersion rule.
    """
    # Left out and counted: branches with a missing rating, without members, or of a type without any exit
    # (that type's effect would be −∞, and its branches then carry no information on the ratings).
    branches = survey[(survey["respondent_type"] == "branch") & survey["branch_id"].notna()]
    counts = counts_by_branch[counts_by_branch["year"].isin(list(years))]
    summed = (
        counts.assign(
            events=counts["removed"].astype(float) + counts["asked_to_leave"].astype(float),
            exposure=counts["members_start"].astype(float),
        )
        .groupby(counts["branch_id"].astype(str))[["events", "exposure"]]
        .sum()
    )
    data = branches[["branch_id", "branch_type", *SOLUTIONS]].assign(branch_id=branches["branch_id"].astype(str))
    data = data.merge(summed, left_on="branch_id", right_index=True, how="left")
    n_surveyed = len(data)
    complete = data[list(SOLUTIONS)].notna().all(axis=1) & data["branch_type"].notna()
    n_missing_rating = int((~complete).sum())
    data = data[complete]
    has_exposure = data["exposure"].fillna(0) > 0
    n_no_exposure = int((~has_exposure).sum())
    data = data[has_exposure]
    type_events = data.groupby("branch_type")["events"].transform("sum")
    n_type_without_exits = int((type_events == 0).sum())
    data = data[type_events > 0]
    if len(data) <= len(SOLUTIONS) + data["branch_type"].nunique():
        raise TooFewBranches(len(data), n_surveyed, len(SOLUTIONS) + data["branch_type"].nunique() + 1)
    x = data[list(SOLUTIONS)].astype(float)
    types = data["branch_type"].astype(str)
    x = pd.concat([x, pd.get_dummies(types, prefix="type", drop_first=True, dtype=float)], axis=1)
    x = sm.add_constant(x, has_constant="add")
    model = sm.GLM(
        data["events"].to_numpy(dtype=float),
        x,
        family=sm.families.Poisson(),
        offset=np.log(data["exposure"].to_numpy(dtype=float)),
    )
    result = model.fit()
    dispersion = float(result.pearson_chi2 / result.df_resid) if result.df_resid > 0 else float("nan")
    family = "poisson"
    if result.df_resid > 0 and dispersion > DISPERSION_THRESHOLD:
        result = model.fit(scale="X2")
        family = "quasi_poisson"
    ci = result.conf_int(alpha=0.05)
    rows = []
    for k, column in zip(GROUPS, SOLUTIONS):
        rows.append(
            {
                "group": k,
                "rate_ratio": float(np.exp(result.params[column])),
                "ci_low": float(np.exp(ci.loc[column, 0])),
                "ci_high": float(np.exp(ci.loc[column, 1])),
                "p_value": float(result.pvalues[column]),
                "family": family,
                "dispersion": dispersion,
                "n_branches": len(data),
                "n_events": int(data["events"].sum()),
                "n_surveyed": n_surveyed,
                "n_missing_rating": n_missing_rating,
                "n_no_exposure": n_no_exposure,
                "n_type_without_exits": n_type_without_exits,
                "first_year": years.start,
                "last_year": years.stop - 1,
            }
        )
    return pd.DataFrame(rows)


# --- sentences --------------------------------------------------------------------------------------------------
