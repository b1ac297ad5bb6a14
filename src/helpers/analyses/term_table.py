"""The term table the source documents open with: exits per congress term and the change against the previous term."""

from __future__ import annotations

import pandas as pd

from helpers.data.terms import term_of_year, term_years


def term_table(
    counts: pd.DataFrame,
    terms: pd.DataFrame,
    kinds: list[str],
    labels: list[str] | None = None,
) -> pd.DataFrame:
    """Totals of each kind of exit per term and the percent change against the previous term.

    ``counts`` has one row per year (already summed over units). A term whose years are not all in the data is
    marked incomplete, and its change is not computed, because a part-term total is not comparable.

    Returns
    -------
    pandas.DataFrame
        One row per term: ``term``, ``first_year``, ``last_year``, ``years_observed``, ``complete``, a count per
        kind and ``total``; with ``members_start`` in ``counts`` also ``member_years`` and ``<kind>_rate`` per 1,000;
        ``<kind>_change_pct`` against the previous term (missing unless both terms are complete).
    """
    frame = counts.assign(term=term_of_year(counts["year"], terms)).dropna(subset=["term"])
    labels = labels or [label for label in terms["label"] if label in set(frame["term"])]
    frame = frame.assign(total=frame[kinds].sum(axis=1))
    rows = []
    for label in labels:
        years = term_years(terms, label)
        part = frame[frame["term"] == label]
        row = {
            "term": label,
            "first_year": years.start,
            "last_year": years.stop - 1,
            "years_observed": int(part["year"].nunique()),
            "complete": set(part["year"]) == set(years),
        }
        for kind in [*kinds, "total"]:
            row[kind] = int(part[kind].sum()) if not part.empty else pd.NA
        if "members_start" in part and not part.empty:
            # average annual rate per 1,000 members: exits over member-years (members at the start of each year)
            row["member_years"] = int(part["members_start"].sum())
            for kind in [*kinds, "total"]:
                row[f"{kind}_rate"] = row[kind] / row["member_years"] * 1000
        rows.append(row)
    table = pd.DataFrame(rows)
    for kind in [*kinds, "total"]:
        previous = table[kind].shift()
        comparable = table["complete"] & table["complete"].shift(fill_value=False)
        change = (table[kind].astype("Float64") / previous.astype("Float64") - 1) * 100
        table[f"{kind}_change_pct"] = change.where(comparable)
    return table
