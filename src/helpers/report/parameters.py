"""The parameters every committee report takes, checked before any data is loaded: values in range, and the
list of terms against the terms configuration and the data's years (light imports, so a bad value fails in
seconds)."""

from __future__ import annotations

from helpers.errors import ParameterProblem
from helpers.text import LANGUAGES, both


def common_problems(
    unit: str,
    years: list[int],
    terms: list[str],
    language: str,
    suppression_threshold: int,
) -> list[str]:
    """What is wrong with the parameters every committee report takes (a year 0 means the data's last)."""
    problems = []
    if language not in LANGUAGES:
        problems.append(both("committee.error.language", value=language, allowed=", ".join(LANGUAGES)))
    if not 2 <= suppression_threshold <= 100:
        problems.append(both("committee.error.threshold", value=suppression_threshold))
    problems += [both("committee.error.year", value=year) for year in years if not (year == 0 or 1990 <= year <= 2100)]
    if not terms or len(set(terms)) != len(terms):
        problems.append(both("committee.error.terms", value=", ".join(terms)))
    if not unit.strip():
        problems.append(both("committee.error.unit"))
    return problems


def check_parameters(
    unit: str,
    year: int,
    terms: list[str],
    target_change_pct: float,
    language: str,
    suppression_threshold: int,
    data_path: str | None = None,
) -> None:
    """Refuse values out of range before any data is read (types and unknown names are checked by the runner);
    with ``data_path``, the terms too (:func:`helpers.data.terms.term_list_problems`)."""
    problems = common_problems(unit, [year], terms, language, suppression_threshold)
    if not -1 <= target_change_pct <= 100:
        problems.append(both("committee.error.target", value=target_change_pct))
    if data_path is not None and not problems:
        from helpers.data.terms import term_list_problems

        problems += term_list_problems(terms, data_path, unit, minimum=2)
    if problems:
        raise ParameterProblem("\n".join(problems))
