"""Every path the suite uses, built from one place.

No heavy imports here. ``HELPERS_DATA_ROOT`` overrides the data folder and ``HELPERS_REPORTS_ROOT`` the
reports folder, so a batch run or a test can point the suite elsewhere without changing code.
"""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parents[1]


def data_root() -> Path:
    """Folder holding published/, sample/ and raw/."""
    return Path(os.environ.get("HELPERS_DATA_ROOT", REPO_ROOT / "data")).resolve()


def resolve_data_path(data_path: str | Path) -> Path:
    """A data folder given relative to the repository (as notebooks do) or absolute."""
    path = Path(data_path)
    return path if path.is_absolute() else (REPO_ROOT / path).resolve()


def reports_root() -> Path:
    """Folder where rendered reports are written."""
    return Path(os.environ.get("HELPERS_REPORTS_ROOT", REPO_ROOT / "reports")).resolve()


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


def notebooks_dir() -> Path:
    return REPO_ROOT / "notebooks"


def locales_dir() -> Path:
    return PACKAGE_DIR / "locales"


def templates_dir() -> Path:
    return PACKAGE_DIR / "templates"
