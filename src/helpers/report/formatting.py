"""Numbers and percentages as a Vietnamese (``37,66%``, ``45.000``) or English reader expects them, via Babel."""

from __future__ import annotations

import pandas as pd
from babel.numbers import format_decimal

from helpers.text import LOCALES


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
