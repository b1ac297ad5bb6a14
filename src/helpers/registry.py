"""The registry of analyses and reports: one row each, and every part of it found from its one name.

An analysis called ``trends`` is the module ``helpers.analyses.trends``, the report section
``helpers.report.sections.trends``, the notebook ``notebooks/02-trends.ipynb``, the command ``python -m helpers
trends`` and the tests ``tests/test_trends.py``. The command line, the annual run and a convention test
(``tests/test_conventions.py``) read this table, so adding an analysis is adding a row here; the test then names
whichever part is still missing. No heavy imports: the command line reads it before anything else loads.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """One analysis or composed report; every other name is derived from ``name``.

    ``number`` orders the notebooks as a report reads them; ``aliases`` are earlier short names and notebook
    file names that operators' plan files may still use; ``title_key`` is the catalogue key of the report title.
    """

    name: str
    number: int
    kind: str  # "analysis" (module, section, notebook, command, tests) or "report" (composed from analyses)
    title_key: str = "report.title"
    aliases: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        """The name as the command line and notebook file write it: ``term-table``."""
        return self.name.replace("_", "-")

    @property
    def notebook(self) -> str:
        return f"{self.number:02d}-{self.slug}.ipynb"

    @property
    def module(self) -> str:
        """The module that computes it: an analysis in ``helpers.analyses``, a report in ``helpers.report``."""
        return f"helpers.analyses.{self.name}" if self.kind == "analysis" else f"helpers.report.{self.name}"

    @property
    def section(self) -> str:
        """The module that writes its sentences, tables and figures."""
        return f"helpers.report.sections.{self.name}" if self.kind == "analysis" else self.module

    @property
    def command(self) -> str:
        """The command-line verb: the analysis's own, or ``report --notebook NAME`` for a composed report."""
        return self.slug if self.kind == "analysis" else "report"

    @property
    def test(self) -> str:
        return f"tests/test_{self.name}.py"


ENTRIES = (
    Entry("term_table", 1, "analysis"),
    Entry("trends", 2, "analysis"),
    Entry("profiles", 3, "analysis", aliases=("who-leaves", "03-who-leaves.ipynb")),
    Entry("causes", 4, "analysis", aliases=("causes-solutions", "04-causes-solutions.ipynb")),
    Entry("committee", 5, "report", aliases=("05-committee-report.ipynb",)),
    Entry("admissions", 6, "analysis", "quality.title"),
    Entry("ratings", 7, "analysis", "quality.title", aliases=("quality-ratings", "07-quality-ratings.ipynb")),
    Entry(
        "management", 8, "analysis", "quality.title", aliases=("screening-exemptions", "08-screening-exemptions.ipynb")
    ),
    Entry("quality", 9, "report", "quality.title", aliases=("09-quality-report.ipynb",)),
    Entry("national", 10, "report", "national_report.title"),
)


def entry(name: str) -> Entry | None:
    """The entry a short name, an alias or a notebook file name (old or new) stands for; None for anything else."""
    key = name.rsplit("/", 1)[-1]
    for e in ENTRIES:
        if key in (e.name, e.slug, e.notebook, *e.aliases):
            return e
    return None


def notebook_names() -> list[str]:
    """Every short name ``report --notebook`` and ``reports --notebooks`` accept, aliases included."""
    names = [e.slug for e in ENTRIES]
    return names + [a for e in ENTRIES for a in e.aliases if not a.endswith(".ipynb")]
