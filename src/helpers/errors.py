"""The suite's errors and exit codes, in one place.

Every error a user can put right (bad data, bad parameters, a bad plan file) derives from :class:`BadInput`;
the command line, the notebooks (through :class:`NotebookFailed`) and the annual run all turn it into exit code 2
or a "bad input" failure with :func:`exit_code` and :func:`is_bad_input`. The specific errors live here too, so
that an error raised inside a notebook's kernel, which reaches the parent process only by its class name, is
classified the same way.
"""

from __future__ import annotations

from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_LOCKED = 0, 1, 2, 3


class HelpersError(Exception):
    """Base of every error the suite raises on purpose; its message is already bilingual (vi / en)."""


class BadInput(HelpersError, ValueError):
    """Input the user can put right: data, parameters, a plan or figures file. Exit code 2 everywhere."""


class ContractError(BadInput):
    """A table broke its contract; carries every problem found (see :class:`helpers.data.contracts.Problem`)."""

    def __init__(self, problems: list):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems[:20]))


class FormError(ContractError):
    """Forms (Biểu 1 sheets) that break their checks; each problem names file, sheet, row label and cell
    (see :class:`helpers.data.importers.bieu1.FormProblem`)."""


class UnknownUnit(BadInput):
    """A unit code that is not in the units table; the message lists the codes that are."""


class ParameterProblem(BadInput):
    """A report parameter outside its allowed values; the message says which and why."""


class ParameterError(BadInput):
    """A parameter the notebook does not declare, or of the wrong type."""


class FiguresError(BadInput):
    """A published-figures file that cannot be checked; the message names file, row, column and value."""


class TermsError(BadInput):
    """A congress-terms file (config/terms.toml or a data folder's terms.toml) that cannot be used; the message
    names the file and why."""


class TrendError(BadInput):
    """Data a trend cannot honestly be fitted to; the message says why."""


class ProfilesError(BadInput):
    """Profiles need the member-level registry."""


class CausesError(BadInput):
    """The causes analysis needs the member-level registry and the survey."""


class TooFewBranches(BadInput):
    """Fewer usable surveyed branches than the branch model has coefficients: a unit too small for it."""

    def __init__(self, usable: int, surveyed: int, needed: int):
        self.usable, self.surveyed, self.needed = usable, surveyed, needed
        super().__init__(
            f"only {usable} of {surveyed} surveyed branches have ratings, members and exits; "
            f"the branch model needs at least {needed}"
        )


class HeaderNotFound(BadInput):
    """No row of a sheet holds a mapping's column headers; the message names the rows looked at."""


class PlanError(BadInput):
    """The annual run cannot be planned: a bad plan file, an unknown unit or notebook, an unreadable units table."""


class RunLocked(HelpersError):
    """Another annual run holds the lock on the output folder (exit code 3)."""


class NotebookFailed(HelpersError):
    """A cell raised while the notebook ran; ``executed`` is the saved notebook with the failing cell and
    ``ename`` the class name of what the cell raised."""

    def __init__(self, message: str, executed: Path, ename: str = ""):
        super().__init__(message)
        self.executed = executed
        self.ename = ename


class KernelFailed(HelpersError):
    """A warm kernel could not be started, preloaded or reset (:mod:`helpers.run.warm`): the report is not run."""


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def is_bad_input(error: BaseException | str) -> bool:
    """Whether an error, or the class name of one raised in a notebook's kernel, is bad input."""
    if isinstance(error, str):
        return error in {cls.__name__ for cls in _subclasses(BadInput)} | {BadInput.__name__}
    if isinstance(error, NotebookFailed):
        return is_bad_input(error.ename)
    return isinstance(error, BadInput)


def exit_code(error: BaseException) -> int:
    """The exit code an error ends a command with: 2 bad input (also inside a notebook), 3 locked, 1 otherwise."""
    if is_bad_input(error):
        return EXIT_BAD_INPUT
    if isinstance(error, RunLocked):
        return EXIT_LOCKED
    return EXIT_FAILED
