"""Digests of files and of the package's own sources: what a cache key or a report fingerprint is made of."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from helpers import __version__
from helpers.paths import PACKAGE_DIR

SOURCE_SUFFIXES = (".py", ".toml", ".j2", ".css", ".json", ".tpl")


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, read a mebibyte at a time."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def package_digest() -> str:
    """The installed version and a digest of every source, text and template file of the package."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.is_file() and path.suffix in SOURCE_SUFFIXES:
            digest.update(str(path.relative_to(PACKAGE_DIR)).encode())
            digest.update(file_digest(path).encode())
    return digest.hexdigest()


@cache
def data_layer_digest() -> str:
    """A digest of what reading and checking data depends on: the version, the data layer's and the foundation's
    sources and every catalogue (codes, messages). Computed once per process, since the code a process runs does
    not change under it; a change to an analysis or a report section leaves checked data valid."""
    digest = hashlib.sha256(__version__.encode())
    parts = [PACKAGE_DIR / "data", PACKAGE_DIR / "locales", *PACKAGE_DIR.glob("*.py")]
    files = sorted({f for part in parts for f in ([part] if part.is_file() else part.rglob("*")) if f.is_file()})
    for path in files:
        if path.suffix in (".py", ".toml"):
            digest.update(str(path.relative_to(PACKAGE_DIR)).encode())
            digest.update(file_digest(path).encode())
    return digest.hexdigest()
