"""One base for bad input: every error the package defines derives from it or from the suite's base, and the command
line, the notebooks and the annual run map it to the same exit code."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import helpers
from helpers import errors
from helpers.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_LOCKED,
    BadInput,
    HelpersError,
    NotebookFailed,
    RunLocked,
    TrendError,
    exit_code,
    is_bad_input,
)


def _package_exceptions() -> list[type]:
    found = set()
    for info in pkgutil.walk_packages(helpers.__path__, "helpers."):
        if info.name == "helpers.__main__":
            continue
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__.startswith("helpers"):
                found.add(obj)
    return sorted(found, key=lambda cls: cls.__name__)


def test_every_error_the_package_defines_derives_from_the_suite_base() -> None:
    classes = _package_exceptions()
    assert len(classes) >= 13
    assert [cls.__name__ for cls in classes if not issubclass(cls, HelpersError)] == []


def test_bad_input_errors_live_in_one_module_so_a_kernel_error_is_classified_by_name() -> None:
    bad = [cls for cls in _package_exceptions() if issubclass(cls, BadInput)]
    assert [cls.__name__ for cls in bad if cls.__module__ != "helpers.errors"] == []
    assert all(is_bad_input(cls.__name__) for cls in bad)
    assert not is_bad_input("KeyError") and not is_bad_input("RunLocked")


def test_exit_codes_are_stated_once() -> None:
    assert exit_code(TrendError("x")) == EXIT_BAD_INPUT
    assert exit_code(RunLocked("x")) == EXIT_LOCKED
    assert exit_code(NotebookFailed("x", Path("nb.ipynb"), "ParameterProblem")) == EXIT_BAD_INPUT
    assert exit_code(NotebookFailed("x", Path("nb.ipynb"), "KeyError")) == EXIT_FAILED
    assert exit_code(KeyError("x")) == EXIT_FAILED
    assert (errors.EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_LOCKED) == (0, 1, 2, 3)


@pytest.mark.parametrize(
    "args, vi, en",
    [
        (["admissions", "--rate-band", "5", "3"], "cận dưới nhỏ hơn cận trên", "lower bound below its upper bound"),
        (["report", "--unit", "NOPE"], "NOPE", "NOPE"),
    ],
)
def test_bad_parameters_exit_2_with_a_message_in_both_languages(run_cli, args, vi, en) -> None:
    code, out, err = run_cli(*args)
    assert code == EXIT_BAD_INPUT
    assert vi in err and en in err and " / " in err
    assert "Traceback" not in err and "Unexpected error" not in err
