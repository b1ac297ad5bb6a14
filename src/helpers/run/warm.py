"""A kernel kept warm for report after report, so a batch pays kernel start and imports once per worker.

Each worker of the annual run (a local process or a Dask worker thread) starts one kernel, imports the report
libraries in it once, and then runs every report it is given in that kernel through papermill, as a fresh kernel
would run it. Between reports the kernel is reset: IPython's namespace, history and execution counter are
renewed, matplotlib's figures are closed and its settings restored, and memory is collected. The package itself
keeps no state between reports (its only caches are of files that do not change during a run: catalogues, the
embedded font, the package digest). That a report made after others in the same kernel is byte-identical to the
same report made alone is tested (``tests/test_annual_run.py``). A kernel that failed a report, died, or has run
``max_reports`` reports is shut down and the next report gets a new one.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from multiprocessing import util
from pathlib import Path

import nbformat
import papermill
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.utils import merge_kwargs, remove_args

from helpers.errors import KernelFailed
from helpers.paths import REPO_ROOT

ENGINE = "helpers-warm"
MAX_REPORTS = 24  # reports per kernel before a new one: bounds what a long run can leave behind in one process
START_TIMEOUT = 120
# Imported once per kernel: the module of every composed report, so a report's first cell finds it loaded.
PRELOAD = """\
import importlib
from IPython.display import HTML, display
from helpers.registry import ENTRIES
for entry in ENTRIES:
    importlib.import_module(entry.module)
"""
# Run before every report. The reset comes last so that no name this cell uses is left in the namespace.
RESET = """\
import gc, matplotlib, matplotlib.pyplot
matplotlib.pyplot.close("all")
matplotlib.rcdefaults()
gc.collect()
get_ipython().reset(new_session=True)
"""


class WarmEngine(NBClientEngine):
    """papermill's nbclient engine, run in a kernel that is already started (``km``) and left running after."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        **kwargs,
    ):
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        final = merge_kwargs(
            kwargs,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=papermill.log.logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        client = PapermillNotebookClient(nb_man, **final)
        try:
            return client.execute()
        finally:
            if client.kc is not None:  # the kernel stays; this report's connection to it does not
                client.kc.stop_channels()
                client.kc = None


papermill_engines.register(ENGINE, WarmEngine)


class WarmKernel:
    """One kernel, started on first use and reused for up to ``max_reports`` reports, reset before each."""

    def __init__(self, max_reports: int = MAX_REPORTS, preload: str = PRELOAD) -> None:
        self.max_reports = max_reports
        self.preload = preload
        self.km = None
        self.reports = 0
        self.started = 0  # kernels started so far (for tests and the benchmark)

    def execute(self, notebook: Path, parameters: dict, executed: Path, kernel_name: str) -> nbformat.NotebookNode:
        """Run ``notebook`` with ``parameters`` under papermill in the warm kernel (reset first)."""
        km = self._ready(kernel_name)
        self.reports += 1
        try:
            return papermill.execute_notebook(
                str(notebook),
                str(executed),
                parameters=parameters,
                kernel_name=kernel_name,
                engine_name=ENGINE,
                km=km,
                cwd=str(REPO_ROOT),
                progress_bar=False,
                log_output=False,
            )
        except BaseException:
            self.shutdown()  # whatever the failed report left in the kernel goes with it
            raise

    def start(self, kernel_name: str) -> None:
        """Start and preload the kernel now, ahead of the first report."""
        self._ready(kernel_name)

    def _ready(self, kernel_name: str):
        """The kernel, started and preloaded if needed, reset for the next report."""
        if self.km is not None and (self.reports >= self.max_reports or not run_sync(self.km.is_alive)()):
            self.shutdown()
        if self.km is None:
            from helpers.run.render import LocalKernelManager

            km = LocalKernelManager(kernel_name=kernel_name)
            run_sync(km.start_kernel)(cwd=str(REPO_ROOT))
            self.km, self.reports = km, 0
            self.started += 1
            self._run(self.preload)
        self._run(RESET)
        return self.km

    def _run(self, code: str) -> None:
        """Execute ``code`` in the kernel outside any notebook; raise :class:`KernelFailed` if it fails."""
        kc = self.km.blocking_client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=START_TIMEOUT)
            reply = kc.execute_interactive(code, store_history=False, allow_stdin=False, timeout=START_TIMEOUT)
        except Exception as err:  # noqa: BLE001 - any failure here means the kernel is unusable
            self.shutdown()
            raise KernelFailed(f"warm kernel: {type(err).__name__}: {err}") from err
        finally:
            kc.stop_channels()
        if reply["content"]["status"] != "ok":
            content = reply["content"]
            self.shutdown()
            raise KernelFailed(f"warm kernel: {content.get('ename')}: {content.get('evalue')}")

    def shutdown(self) -> None:
        """Stop the kernel, if one is running."""
        km, self.km = self.km, None
        if km is None:
            return
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001, S110 - a kernel that is already gone needs no shutting down
            pass


@contextmanager
def warming() -> Iterator[Callable]:
    """A kernel started and preloaded in a thread of its own while the caller goes on checking its inputs (the
    command line's ``report``: on two cores the kernel's imports and the data checks overlap). Yields
    ``run(func, *args, **kwargs)``, which calls ``func(*args, kernel=kernel, **kwargs)`` in that same thread (a
    kernel manager stays with the event loop it was started in); the kernel is shut down on leaving."""
    from helpers.run.render import kernel_name

    kernel = WarmKernel(max_reports=1)
    pool = ThreadPoolExecutor(1, thread_name_prefix="warm-kernel")
    pool.submit(kernel.start, kernel_name())  # a failure here is met again, and raised, by the first run

    def run(func: Callable, *args, **kwargs):
        return pool.submit(func, *args, kernel=kernel, **kwargs).result()

    try:
        yield run
    finally:
        pool.submit(kernel.shutdown).result()
        pool.shutdown()


_local = threading.local()
_all: list[WarmKernel] = []


def worker_kernel() -> WarmKernel:
    """The warm kernel of this worker thread (each thread of a Dask worker has its own)."""
    kernel = getattr(_local, "kernel", None)
    if kernel is None:
        kernel = _local.kernel = WarmKernel()
        _all.append(kernel)
    return kernel


def shutdown_all() -> None:
    """Stop every warm kernel of this process (at exit, and when a worker process ends)."""
    for kernel in _all:
        kernel.shutdown()


atexit.register(shutdown_all)
util.Finalize(None, shutdown_all, exitpriority=100)  # worker processes end through multiprocessing, not atexit
