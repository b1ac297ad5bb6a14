"""Execute a parameterised notebook with papermill and render it to one self-contained HTML file.

The HTML shows outputs only (our ``report`` nbconvert template: no code, prompts, streams or scripts). A report
file is written atomically: it is either complete or absent, never half-written.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
import papermill
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbconvert import HTMLExporter

from helpers.errors import NotebookFailed, ParameterError
from helpers.paths import REPO_ROOT, templates_dir
from helpers.report.fonts import embedded_font_css
from helpers.text import both

if TYPE_CHECKING:
    from helpers.run.warm import WarmKernel

KERNEL_NAME = "helpers"  # registered by `make setup`; falls back to the running Python's own kernel
_TYPES = {"str": str, "int": int, "float": (int, float), "bool": bool, "list": list, "dict": dict}


class LocalKernelManager(AsyncKernelManager):
    """Talks to the kernel over local IPC sockets instead of TCP: nothing listens on a port during a run."""

    def __init__(self, **kwargs):
        # Each kernel gets its own socket folder, so reports can render side by side without sharing names.
        sockets = Path(tempfile.mkdtemp(prefix="helpers-kernel-")) / "kernel"
        super().__init__(transport="ipc", ip=str(sockets), **kwargs)

    async def _async_pre_start_kernel(self, **kw):
        # A report's figures are drawn by matplotlib's Agg backend whatever a researcher's own default is, so they
        # are the same bytes in every run; in JupyterLab the package leaves the backend alone (inline plots work).
        kw["env"] = {**os.environ, **kw.get("env", {}), "MPLBACKEND": "agg"}
        return await super()._async_pre_start_kernel(**kw)


@dataclass(frozen=True)
class Rendered:
    html: Path
    notebook: Path


def declared_parameters(notebook: Path) -> dict[str, dict]:
    """The parameters cell as papermill reads it: name → inferred type, default and help comment."""
    return papermill.inspect_notebook(str(notebook))


def check_parameters(notebook: Path, parameters: dict) -> None:
    """Refuse unknown parameters and values of the wrong type (papermill itself would only warn)."""
    declared = declared_parameters(notebook)
    problems = []
    for name, value in parameters.items():
        if name not in declared:
            problems.append(
                both("render.unknown_parameter", name=name, notebook=notebook.name, known=", ".join(declared))
            )
            continue
        expected = _TYPES.get(declared[name]["inferred_type_name"])
        if expected is not None and not isinstance(value, expected):
            problems.append(
                both("render.wrong_type", name=name, value=repr(value), expected=declared[name]["inferred_type_name"])
            )
    if problems:
        raise ParameterError("\n".join(problems))


def kernel_name() -> str:
    return KERNEL_NAME if KERNEL_NAME in KernelSpecManager().find_kernel_specs() else "python3"


def execute(
    notebook: Path, parameters: dict, executed: Path, kernel: WarmKernel | None = None
) -> nbformat.NotebookNode:
    """Run the notebook with papermill from the repository root, in a new kernel or in ``kernel`` (a warm one,
    reset first: see :mod:`helpers.run.warm`); raise :class:`NotebookFailed` on a cell error."""
    check_parameters(notebook, parameters)
    try:
        if kernel is not None:
            return kernel.execute(notebook, parameters, executed, kernel_name())
        return papermill.execute_notebook(
            str(notebook),
            str(executed),
            parameters=parameters,
            kernel_name=kernel_name(),
            cwd=str(REPO_ROOT),
            progress_bar=False,
            log_output=False,
            kernel_manager_class=LocalKernelManager,
        )
    except papermill.PapermillExecutionError as err:
        raise NotebookFailed(
            both(
                "render.cell_failed",
                notebook=notebook.name,
                cell=err.exec_count,
                error=f"{err.ename}: {err.evalue}",
                executed=str(executed),
            ),
            executed,
            err.ename,
        ) from err


def to_html(nb: nbformat.NotebookNode, title: str, language: str) -> str:
    """Outputs only, in the report template; metadata carries the title and language to the template."""
    nb.metadata["helpers"] = {"title": title, "language": language}
    exporter = HTMLExporter(template_name="report", extra_template_basedirs=[str(templates_dir())])
    body, _ = exporter.from_notebook_node(nb, resources={"font_css": embedded_font_css()})
    return body


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render(
    notebook: Path,
    parameters: dict,
    html_path: Path,
    title: str,
    work_dir: Path | None = None,
    kernel: WarmKernel | None = None,
) -> Rendered:
    """Execute ``notebook`` with ``parameters`` (in ``kernel`` when given) and write its report to ``html_path``.

    The executed notebook goes to ``work_dir`` (a temporary folder by default), never into ``reports/``.
    """
    work_dir = Path(work_dir or tempfile.mkdtemp(prefix="helpers-run-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    executed_path = work_dir / f"{notebook.stem}.executed.ipynb"
    nb = execute(notebook, parameters, executed_path, kernel)
    write_atomic(html_path, to_html(nb, title, parameters.get("language", "vi")))
    return Rendered(html_path, executed_path)
