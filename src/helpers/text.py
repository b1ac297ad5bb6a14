"""User-facing text in one place per language.

Strings live in ``locales/<lang>/<topic>.toml``; a key is ``topic.name`` (for example ``published.verdict.mismatch``).
Vietnamese is the default; English has the same keys, and a test checks that both languages define the same keys.
"""

from __future__ import annotations

import tomllib
from functools import cache
from typing import Any

from helpers.paths import locales_dir

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
# The Babel locale each language formats numbers with; the one place that maps a language to a locale.
LOCALES = {"vi": "vi_VN", "en": "en_GB"}


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All strings of one language, flattened to dotted keys."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGUAGES}")
    flat: dict[str, str] = {}
    for path in sorted((locales_dir() / lang).glob("*.toml")):
        with path.open("rb") as fh:
            _flatten(tomllib.load(fh), path.stem, flat)
    return flat


def _flatten(node: dict[str, Any], prefix: str, out: dict[str, str]) -> None:
    for key, value in node.items():
        dotted = f"{prefix}.{key}"
        if isinstance(value, dict):
            _flatten(value, dotted, out)
        else:
            out[dotted] = value


def t(key: str, lang: str = DEFAULT_LANGUAGE, **fields: Any) -> str:
    """The string ``key`` in ``lang`` with ``{fields}`` filled in; a missing key is a programming error."""
    try:
        template = catalogue(lang)[key]
    except KeyError:
        raise KeyError(f"no text for {key!r} in language {lang!r}") from None
    return template.format(**fields) if fields else template


def both(key: str, **fields: Any) -> str:
    """Vietnamese then English, for messages an operator may read in either language."""
    return f"{t(key, 'vi', **fields)} / {t(key, 'en', **fields)}"
