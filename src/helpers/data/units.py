"""The unit hierarchy: units above and below a unit, and the units merged into it across reorganisations."""

from __future__ import annotations

import pandas as pd


def _reachable(units: pd.DataFrame, start: str, link: str) -> list[str]:
    """Units reached from ``start`` by following ``link`` (a column naming another unit) backwards, repeatedly."""
    found, frontier = [], [start]
    while frontier:
        linked = units.loc[units[link].isin(frontier), "unit_code"].tolist()
        frontier = [c for c in linked if c not in found and c != start]
        found += frontier
    return found


def descendants(units: pd.DataFrame, unit_code: str) -> list[str]:
    """The unit and every unit below it in the parent hierarchy."""
    return [unit_code, *_reachable(units, unit_code, "parent_code")]


def ancestors(units: pd.DataFrame, unit_code: str) -> list[str]:
    """The unit and every unit above it, nearest first."""
    parents = units.set_index("unit_code")["parent_code"]
    chain = [unit_code]
    while pd.notna(parents.get(chain[-1])) and parents[chain[-1]] not in chain:
        chain.append(parents[chain[-1]])
    return chain


def predecessors(units: pd.DataFrame, unit_code: str) -> list[str]:
    """Units that were merged into ``unit_code``, directly or through a chain of successors."""
    return _reachable(units, unit_code, "successor_code")


def subordinate_units(units: pd.DataFrame, unit_code: str) -> list[str]:
    """The units directly below ``unit_code`` or below a unit merged into it: the ones its report compares."""
    parents = {unit_code, *predecessors(units, unit_code)}
    return units.loc[units["parent_code"].isin(parents), "unit_code"].astype(str).tolist()


def series_units(units: pd.DataFrame, unit_code: str) -> list[str]:
    """Every unit whose counts make up the series of ``unit_code``: it, its predecessors, and all below them."""
    if unit_code not in set(units["unit_code"]):
        raise KeyError(unit_code)
    members = []
    for code in [unit_code, *predecessors(units, unit_code)]:
        members += [c for c in descendants(units, code) if c not in members]
    return members
