"""Analysis of party members removed from the rolls and members who asked to leave, term by term."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("helpers")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
