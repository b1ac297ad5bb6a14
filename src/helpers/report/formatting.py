"""Numbers and percentages as a Vietnamese (``37,66%``, ``45.000``) or English reader expects them, via Babel."""

from __future__ import annotations

import pandas as pd
from babel.numbers import format_decimal

from helpers.text import LOCALES, t


def number(value: float | int | None, lang: str = "vi", decimals: int = 0) -> str:
    """A count or a measure with a fixed number of decimals; an empty cell for a missing value."""
    if missing(value):
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=LOCALES[lang]).replace("-", "−")  # a true minus sign


def percent(value: float | None, lang: str = "vi", decimals: int = 2) -> str:
    """A percentage written the way the source documents write it: ``37,66%``."""
    if missing(value):
        return "–"
    return number(value, lang, decimals) + "%"


def missing(value: object) -> bool:
    """A missing number: None, NaN or pandas' NA; the report writes "–" for it."""
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def share(value: float | None, lang: str = "vi", decimals: int = 1) -> str:
    """A share between 0 and 1 written as a percentage: ``0.3766`` → ``37,7%``."""
    return "–" if missing(value) else percent(100 * float(value), lang, decimals)


def p_value(p: float, lang: str = "vi") -> str:
    """A p-value as reports write it: 'p < 0,001' below a thousandth, else 'p = 0,123'."""
    return f"p < {number(0.001, lang, 3)}" if p < 0.001 else f"p = {number(p, lang, 3)}"


def signed_percent(value: float | None, lang: str = "vi", decimals: int = 2) -> str:
    """A percent change with its sign: ``+37,66%`` / ``−12,50%``."""
    if missing(value):
        return "–"
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return sign + percent(abs(value), lang, decimals)


def long_date(day, lang: str = "vi") -> str:
    """A date as a party document writes it: 'ngày 31 tháng 12 năm 2025'; '31 December 2025' in English. Decree
    30/2020/NĐ-CP writes a leading zero for days under 10 and for months 1 and 2 ('ngày 05 tháng 02', 'tháng 3'):
    each language's Babel pattern is in its catalogue, with one for January and February."""
    from babel.dates import format_date

    day = pd.Timestamp(day)
    pattern = t("report.date_pattern_early" if day.month <= 2 else "report.date_pattern", lang)
    return format_date(day.date(), format=pattern, locale=LOCALES[lang])


def small_base(before: float | int | None, after: float | int | None, threshold: int) -> bool:
    """Whether a change between two counts rests on a base too small for a percent change to mean much: either
    count under the suppression threshold. Such a change is stated as 'from 4 to 15', not as '+275%'."""
    if missing(before) or missing(after):
        return False
    return min(float(before), float(after)) < threshold
