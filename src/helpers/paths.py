"""Every path the suite uses, built from one place.

No heavy imports here. ``HELPERS_DATA_ROOT`` overrides the data folder, ``HELPERS_REPORTS_ROOT`` the reports
folder and ``HELPERS_CACHE_DIR`` the cache of checked data (``off`` turns it off), so a batch run or a test can
point the suite elsewhere without changing code.
"""

from __future__ import annotations

import os
from pathlib import Path

from helpers.registry import entry

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parents[1]


def data_root() -> Path:
    """Folder holding published/, sample/ and raw/."""
    return Path(os.environ.get("HELPERS_DATA_ROOT", REPO_ROOT / "data")).resolve()


def resolve_data_path(data_path: str | Path) -> Path:
    """A data folder given relative to the repository (as notebooks do) or absolute."""
    path = Path(data_path)
    return path if path.is_absolute() else (REPO_ROOT / path).resolve()


def repo_relative(path: str | Path) -> str:
    """A path as reports and logs record it: relative to the repository when inside it, so no machine-specific
    path travels with a report."""
    resolved = Path(path).resolve()
    return str(resolved.relative_to(REPO_ROOT)) if resolved.is_relative_to(REPO_ROOT) else str(resolved)


def reports_root() -> Path:
    """Folder where rendered reports are written."""
    return Path(os.environ.get("HELPERS_REPORTS_ROOT", REPO_ROOT / "reports")).resolve()


def cache_dir() -> Path | None:
    """Folder of the checked-data cache (:mod:`helpers.data.cache`), or None when ``HELPERS_CACHE_DIR=off``."""
    given = os.environ.get("HELPERS_CACHE_DIR", "")
    if given.lower() == "off":
        return None
    return Path(given or REPO_ROOT / ".cache").resolve()


def sample_dir() -> Path:
    """The synthetic default province."""
    return data_root() / "sample"


def published_dir() -> Path:
    """Figures stated in the source documents, with provenance."""
    return data_root() / "published"


def config_dir() -> Path:
    """Configuration that is data: congress terms and the year-to-term rule."""
    return REPO_ROOT / "config"


def terms_file() -> Path:
    """The one file with congress terms per province and the year-to-term rule."""
    return config_dir() / "terms.toml"


def data_terms_file(data_folder: str | Path) -> Path:
    """A data folder's own congress terms (same format as :func:`terms_file`); where it exists it takes precedence
    over the config for the provinces it defines."""
    return resolve_data_path(data_folder) / "terms.toml"


def notebooks_dir() -> Path:
    return REPO_ROOT / "notebooks"


def notebook_file(name: str) -> Path:
    """A report notebook by its short name (``committee``), an alias or an earlier file name in the registry, or
    any other notebook by its path relative to the repository."""
    path = resolve_data_path(name)
    found = entry(name)
    return notebooks_dir() / found.notebook if found is not None and not path.exists() else path


def locales_dir() -> Path:
    return PACKAGE_DIR / "locales"


def templates_dir() -> Path:
    return PACKAGE_DIR / "report" / "templates"
