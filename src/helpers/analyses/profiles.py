"""Who leaves: each profile's share among leavers against its share among members, tested and adjusted.

Members are counted in member-years: each member on the rolls at the start of a year contributes that year, with
the attributes they had then (age, years since admission). A leaver is counted in the year they left, if they
were on the rolls at its start. The over-representation ratio is a category's share among leavers divided by its
share of member-years, which is the category's leaving rate divided by the overall rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from helpers.data.codes import ATTRITION_EXITS, DOMAINS, INFORMAL_OCCUPATIONS

AGE_BANDS = ((18, 30, "18_30"), (31, 40, "31_40"), (41, 50, "41_50"), (51, 60, "51_60"), (61, 200, "61_plus"))
TENURE_BANDS = ((0, 1, "under_2"), (2, 5, "2_5"), (6, 10, "6_10"), (11, 200, "11_plus"))
# The seeds' own groupings (Tây Ninh: 18-40, informal occupations, hamlet branches, little training) and the
# detailed attributes beside them.
ATTRIBUTES = (
    "age_18_40",
    "informal_occupation",
    "hamlet_branch",
    "professional_low",
    "political_none",
    "age_band",
    "sex",
    "occupation",
    "branch_type",
    "professional_training",
    "political_training",
    "tenure",
)
SEED_GROUPS = {
    "age_18_40": "yes",
    "informal_occupation": "yes",
    "hamlet_branch": "yes",
    "professional_low": "yes",
    "political_none": "yes",
}
MODEL_ATTRIBUTES = (
    "age_band",
    "sex",
    "informal_occupation",
    "hamlet_branch",
    "professional_low",
    "political_none",
    "tenure",
)
MODEL_REFERENCE = {
    "age_band": "41_50",
    "sex": "male",
    "informal_occupation": "no",
    "hamlet_branch": "no",
    "professional_low": "no",
    "political_none": "no",
    "tenure": "11_plus",
}


# The order categories are shown in: bands youngest / newest first, coded attributes in their domain's order
# (training from none to the highest), the seed groups "yes" before "no". Never alphabetical: "Từ 11 năm" would
# otherwise come before "2–5 năm".
CATEGORY_ORDER: dict[str, tuple[str, ...]] = {
    **{a: ("yes", "no") for a in SEED_GROUPS},
    "age_band": tuple(name for _, _, name in AGE_BANDS),
    "tenure": tuple(name for _, _, name in TENURE_BANDS),
    **{a: DOMAINS[a] for a in ("sex", "occupation", "branch_type", "professional_training", "political_training")},
}


def ordered_categories(attribute: str, present) -> list[str]:
    """The categories of ``attribute`` found in ``present``, in their natural order (unknown ones last)."""
    order = CATEGORY_ORDER.get(attribute, ())
    present = list(dict.fromkeys(str(c) for c in present))
    return [c for c in order if c in present] + sorted(c for c in present if c not in order)


def among(values: pd.Series, choices: Sequence[str]) -> pd.Series:
    """``values.isin(choices)`` as a plain boolean Series (missing is False), by one comparison per choice: pandas'
    ``isin`` on a string column with missing values takes a slow path, a third of a second per call on the
    default province's member-years."""
    found = pd.Series(False, index=values.index)
    for choice in choices:
        found |= values.eq(choice).fillna(False).astype(bool)
    return found


def _band(values: pd.Series, bands) -> pd.Series:
    out = pd.Series(pd.NA, index=values.index, dtype="string")
    for low, high, name in bands:
        out[values.between(low, high)] = name
    return out


def member_years(members: pd.DataFrame, years: range) -> pd.DataFrame:
    """One row per member per year on the rolls at its start, with that year's attributes and any exit that year."""
    entry_year = members["entry_date"].dt.year.where(members["entry_kind"] != "on_roll", -1).fillna(-1)
    exit_year = members["exit_date"].dt.year.fillna(10_000)
    frames = []
    for year in years:
        on = (entry_year < year) & (exit_year >= year)
        part = members.loc[on]
        left = (exit_year[on] == year) & among(part["exit_kind"], ATTRITION_EXITS)
        frames.append(
            pd.DataFrame(
                {
                    "year": year,
                    "age": year - part["birth_year"].astype(int),
                    "tenure_years": year - part["admission_date"].dt.year,
                    "sex": part["sex"],
                    "occupation": part["occupation"],
                    "branch_type": part["branch_type"],
                    "professional_training": part["professional_training"],
                    "political_training": part["political_training"],
                    "exit_kind": part["exit_kind"].where(left),
                }
            )
        )
    py = pd.concat(frames, ignore_index=True)
    yes_no = lambda flag: pd.Series(np.where(flag, "yes", "no"), index=py.index)  # noqa: E731
    py["age_band"] = _band(py["age"], AGE_BANDS)
    py["age_18_40"] = yes_no(py["age"].between(18, 40))
    py["tenure"] = _band(py["tenure_years"], TENURE_BANDS)
    py["informal_occupation"] = yes_no(among(py["occupation"], INFORMAL_OCCUPATIONS))
    py["hamlet_branch"] = yes_no(py["branch_type"] == "hamlet")
    py["professional_low"] = yes_no(among(py["professional_training"], ["none", "elementary"]))
    py["political_none"] = yes_no(py["political_training"] == "none")
    return py


def profile_table(py: pd.DataFrame, attribute: str, kinds: Sequence[str] = ATTRITION_EXITS) -> pd.DataFrame:
    """Leavers and member-years per category, shares, and the over-representation ratio with its 95% CI.

    The interval is Wilson's for the leaver share, divided by the member share; the member share is treated as
    known because it rests on tens of thousands of member-years against hundreds of leavers.

    Returns
    -------
    pandas.DataFrame
        One row per category, in the natural order of :data:`CATEGORY_ORDER`: ``category``, ``member_years``, a
        count per kind, ``leavers``, ``leaver_share``, ``member_share``, ``ratio``, ``ratio_low``, ``ratio_high``,
        ``rate_per_1000``, ``attribute``.
    """
    kinds = list(kinds)
    left = among(py["exit_kind"], kinds)
    table = (
        py.groupby(attribute)
        .agg(member_years=("year", "size"))
        .join(
            py[left].groupby([attribute, "exit_kind"]).size().unstack(fill_value=0).reindex(columns=kinds, fill_value=0)
        )
    )
    table = table.fillna(0).astype(int)
    table = table.reindex(ordered_categories(attribute, table.index))
    table["leavers"] = table[kinds].sum(axis=1)
    total_leavers, total_years = int(table["leavers"].sum()), int(table["member_years"].sum())
    table["leaver_share"] = table["leavers"] / total_leavers
    table["member_share"] = table["member_years"] / total_years
    low, high = proportion_confint(table["leavers"], total_leavers, alpha=0.05, method="wilson")
    table["ratio"] = table["leaver_share"] / table["member_share"]
    table["ratio_low"] = np.asarray(low) / table["member_share"]
    table["ratio_high"] = np.asarray(high) / table["member_share"]
    table["rate_per_1000"] = table["leavers"] / table["member_years"] * 1000
    return table.reset_index().rename(columns={attribute: "category"}).assign(attribute=attribute)


@dataclass(frozen=True)
class Association:
    """Chi-square test of independence between an attribute and leaving, with Cramér's V."""

    attribute: str
    chi2: float
    dof: int
    p_value: float
    cramers_v: float
    cramers_v_corrected: float
    n: int


def association(table: pd.DataFrame) -> Association:
    """Chi-square on categories × (left, stayed) member-years; Cramér's V plain and bias-corrected (Bergsma 2013)."""
    counts = np.column_stack([table["leavers"], table["member_years"] - table["leavers"]])
    chi2, p, dof, _ = stats.chi2_contingency(counts, correction=False)
    n = counts.sum()
    r, k = counts.shape
    phi2 = chi2 / n
    v = np.sqrt(phi2 / min(r - 1, k - 1))
    phi2_corr = max(0.0, phi2 - (k - 1) * (r - 1) / (n - 1))
    r_corr, k_corr = r - (r - 1) ** 2 / (n - 1), k - (k - 1) ** 2 / (n - 1)
    v_corr = np.sqrt(phi2_corr / min(r_corr - 1, k_corr - 1))
    return Association(
        str(table["attribute"].iloc[0]), float(chi2), int(dof), float(p), float(v), float(v_corr), int(n)
    )


def adjusted_rate_ratios(
    py: pd.DataFrame, kinds: Sequence[str] = ATTRITION_EXITS, attributes: tuple[str, ...] = MODEL_ATTRIBUTES
) -> pd.DataFrame:
    """Poisson regression of leaving on all attributes together (member-years as exposure): rate ratios, 95% CI.

    Member-years are grouped by covariate pattern first (same likelihood, far fewer rows).
    """
    kinds = list(kinds)
    data = py.assign(left=among(py["exit_kind"], kinds).astype(int), exposure=1)
    grouped = data.groupby(list(attributes), observed=True).agg(left=("left", "sum"), exposure=("exposure", "sum"))
    grouped = grouped.reset_index()
    design = pd.get_dummies(grouped[list(attributes)].astype(str), prefix_sep="=", dtype=float)
    design = design.drop(columns=[f"{a}={MODEL_REFERENCE[a]}" for a in attributes])
    design.insert(0, "const", 1.0)
    fit = sm.GLM(
        grouped["left"], design, family=sm.families.Poisson(), offset=np.log(grouped["exposure"].astype(float))
    ).fit()
    ci = fit.conf_int()
    out = pd.DataFrame(
        {
            "term": fit.params.index,
            "rate_ratio": np.exp(fit.params),
            "low": np.exp(ci[0]),
            "high": np.exp(ci[1]),
            "p_value": fit.pvalues,
        }
    ).iloc[1:]
    split = out["term"].str.split("=", n=1, expand=True)
    return out.assign(attribute=split[0], category=split[1], reference=split[0].map(MODEL_REFERENCE)).reset_index(
        drop=True
    )


def reasons_table(members: pd.DataFrame, terms: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """Stated reasons per kind of exit and term: count and share of the kind's total in that term."""
    from helpers.data.terms import term_of_year

    leavers = members[among(members["exit_kind"], ATTRITION_EXITS)]
    leavers = leavers.assign(term=term_of_year(leavers["exit_date"].dt.year, terms)).dropna(subset=["term"])
    leavers = leavers[leavers["term"].isin(labels)]
    counts = leavers.groupby(["term", "exit_kind", "exit_reason"]).size().rename("count").reset_index()
    counts["share"] = counts["count"] / counts.groupby(["term", "exit_kind"])["count"].transform("sum")
    return counts
