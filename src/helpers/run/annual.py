"""The annual run: a report for the province and every unit in one command, in parallel, resumable and locked.

Each report is one job: a notebook, its parameters and its own output folder (``<out>/<year>/<unit>/``). Jobs run
on any :class:`concurrent.futures.Executor` (local processes, or a Dask cluster's executor); a job never raises,
it returns an :class:`Outcome`, so one unit's failure cannot stop the others. A job whose fingerprint (see
:mod:`helpers.run.fingerprint`) matches the one stored beside its finished report is skipped.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import yaml

from helpers.data.contracts import ContractError
from helpers.data.datasets import load_table, table_files, table_scopes
from helpers.errors import PlanError, RunLocked, is_bad_input
from helpers.paths import notebook_file, repo_relative, resolve_data_path
from helpers.registry import entry, notebook_names
from helpers.run.fingerprint import InputDigests
from helpers.text import LANGUAGES, both, t

LOCK_NAME = ".annual-run.lock"
# Exceptions a notebook raises on purpose when its data or parameters are wrong (a bad input, not a bug).
STATUSES = ("rendered", "skipped", "failed")
# The two committee reports every unit gets: attrition, and developing and managing members.
DEFAULT_NOTEBOOKS = ("committee", "quality")
NATION = "nation"  # the folder and unit of a report on a whole data folder (the national report)


@dataclass(frozen=True)
class Job:
    """One report to make: which notebook, with which parameters, written where."""

    notebook: str
    parameters: dict
    folder: Path
    name: str
    title: str
    unit: str
    unit_name: str
    year: int
    language: str
    fingerprint: str = ""
    level: str = ""

    @property
    def html(self) -> Path:
        return self.folder / f"{self.name}.html"

    @property
    def status_file(self) -> Path:
        return self.folder / f"{self.name}.status.json"

    @property
    def failed_notebook(self) -> Path:
        return self.folder / f"{self.name}.failed.ipynb"


@dataclass(frozen=True)
class Outcome:
    """What became of one job: rendered, skipped (inputs unchanged) or failed, and why."""

    job: Job
    status: str
    kind: str = ""  # for failures: bad_input, cell_failed or error
    reason: str = ""
    seconds: float = 0.0
    executed: Path | None = None


@dataclass
class Summary:
    """Every outcome of a run, in plan order."""

    outcomes: list[Outcome] = field(default_factory=list)

    def of(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def failed(self) -> bool:
        return bool(self.of("failed"))


# --- planning -------------------------------------------------------------------------------------------------


def last_data_year(folder: Path, digests: InputDigests | None = None) -> int:
    """The last calendar year a data folder has, read from the raw files so one broken row cannot hide it (through
    ``digests`` when given, which then need not read them again)."""
    files = table_files(Path(folder))
    raw = (digests or InputDigests()).raw
    if "annual_counts" in files:
        frame = raw(files["annual_counts"])
        column = next(c for c in frame.columns if "year" in c.lower() or "nam" in c.lower())
        return int(pd.to_numeric(frame[column], errors="coerce").max())
    if "members" in files:
        frame = raw(files["members"])
        dates = [
            pd.to_datetime(frame[c], errors="coerce", format="mixed", dayfirst=False).dt.year.max()
            for c in frame.columns
            if c.endswith("_date")
        ]
        return int(max(d for d in dates if pd.notna(d)))
    raise PlanError(both("annual_run.no_years", folder=folder))


def units_for_year(units: pd.DataFrame, year: int, levels: list[str] | None = None) -> list[str]:
    """Units at ``levels`` that existed at some time in ``year``; a unit merged that year into a unit also listed
    is left out, because the successor's report carries its series."""
    valid = (units["valid_from"].isna() | (units["valid_from"].dt.year <= year)) & (
        units["valid_to"].isna() | (units["valid_to"].dt.year >= year)
    )
    if levels:
        valid &= units["level"].isin(levels)
    chosen = units.loc[valid]
    listed = set(chosen["unit_code"])
    return [
        code
        for code, successor in zip(chosen["unit_code"], chosen["successor_code"])
        if pd.isna(successor) or successor not in listed
    ]


def _title(notebook: str, path: Path, language: str) -> str:
    """The report title: the suite's title for its own notebooks, the notebook's first heading otherwise."""
    if entry(notebook) is not None:
        return t(entry(notebook).title_key, language)
    import nbformat

    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            return cell.source.splitlines()[0][2:].strip()
    return path.stem


def _checked_notebook(notebook: str, where: str) -> Path:
    path = notebook_file(notebook)
    if not path.exists():
        raise PlanError(
            both("annual_run.no_notebook", notebook=notebook, where=where, known=", ".join(notebook_names()))
        )
    return path


def _units_table(folder: Path) -> pd.DataFrame:
    files = table_files(folder) if folder.is_dir() else {}
    if "units" not in files:
        raise PlanError(both("annual_run.no_units", folder=folder))
    try:
        return load_table(files["units"], "units")
    except ContractError as err:  # every report reads the units table: nothing can run without it
        raise PlanError("\n".join(str(p) for p in err.problems[:20])) from err


def make_jobs(
    entries: list[dict],
    out_root: Path,
    where: str = "",
    digests: InputDigests | None = None,
) -> list[Job]:
    """Jobs from parameter sets (``unit``, ``year``, ``data_path``, ``language``, ``notebook`` and notebook
    parameters); every job's parameters are checked against its notebook before anything runs."""
    from helpers.run.render import ParameterError, check_parameters

    digests = digests or InputDigests()
    units_by_folder: dict[Path, pd.DataFrame] = {}
    jobs: list[Job] = []
    for number, row in enumerate(entries, start=1):
        spec = dict(row)
        place = f"{where} #{number}" if where else f"#{number}"
        notebook = str(spec.pop("notebook", "committee"))
        path = _checked_notebook(notebook, place)
        data_path = str(spec.pop("data_path", "data/sample"))
        folder = resolve_data_path(data_path)
        if folder not in units_by_folder:
            units_by_folder[folder] = _units_table(folder)
        units = units_by_folder[folder]
        declared = _declared(path)
        language = str(spec.pop("language", "vi"))
        if language not in LANGUAGES:
            raise PlanError(both("annual_run.bad_language", value=language, where=place))
        whole = "unit" not in declared  # a report on the whole folder (the national report) has no unit
        unit = str(spec.pop("unit", "") or (NATION if whole else ""))
        if not whole and unit not in set(units["unit_code"]):
            raise PlanError(
                both("annual_run.unknown_unit", unit=unit, where=place, known=", ".join(units["unit_code"]))
            )
        year = int(spec.pop("year", 0) or last_data_year(folder, digests))
        name = str(spec.pop("name", f"{Path(notebook).stem}-{language}"))
        parameters = {"data_path": data_path, "unit": unit, "year": year, "language": language, **spec}
        parameters = {k: v for k, v in parameters.items() if k in declared or k in spec}
        try:
            check_parameters(path, parameters)
        except ParameterError as err:
            raise PlanError(f"{place}: {err}") from err
        if whole:
            unit_name, level, scopes = t("annual_run.nation", language), "nation", None
        else:
            row = units.loc[units["unit_code"] == unit].iloc[0]
            unit_name, level, scopes = str(row["name"]), str(row["level"]), table_scopes(units, unit)
        jobs.append(
            Job(
                notebook,
                parameters,
                out_root / str(year) / unit,
                name,
                _title(notebook, path, language),
                unit,
                unit_name,
                year,
                language,
                digests.report(path, parameters, folder, scopes, set(units["unit_code"])),
                level,
            )
        )
    clashes = pd.Series([str(j.html) for j in jobs])
    if clashes.duplicated().any():
        raise PlanError(both("annual_run.same_output", path=clashes[clashes.duplicated()].iloc[0]))
    return jobs


def _declared(path: Path) -> dict:
    from helpers.run.render import declared_parameters

    return declared_parameters(path)


def plan_units(
    data_path: str,
    out_root: Path,
    year: int = 0,
    levels: list[str] | None = None,
    units: list[str] | None = None,
    languages: tuple[str, ...] = ("vi",),
    notebooks: str | tuple[str, ...] = DEFAULT_NOTEBOOKS,
) -> list[Job]:
    """One job per unit (at ``levels``, or the listed ``units``), report notebook and language, for ``year`` (0:
    the data's last)."""
    folder = resolve_data_path(data_path)
    table = _units_table(folder)
    digests = InputDigests()
    year = year or last_data_year(folder, digests)
    codes = units or units_for_year(table, year, levels)
    notebooks = (notebooks,) if isinstance(notebooks, str) else tuple(notebooks)
    entries = [
        {"notebook": notebook, "data_path": data_path, "unit": code, "year": year, "language": lang}
        for code in codes
        for notebook in notebooks
        for lang in languages
    ]
    return make_jobs(entries, out_root, digests=digests)


def plan_file(path: Path, out_root: Path) -> list[Job]:
    """Jobs from a YAML plan: ``defaults`` (optional) merged into each entry of ``reports``."""
    try:
        plan = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise PlanError(both("annual_run.bad_plan", file=path, error=str(err).splitlines()[0])) from err
    if not isinstance(plan, dict) or not isinstance(plan.get("reports"), list):
        raise PlanError(both("annual_run.bad_plan", file=path, error="reports: [...]"))
    defaults = plan.get("defaults") or {}
    entries = []
    for number, row in enumerate(plan["reports"], start=1):
        if not isinstance(row, dict):
            raise PlanError(both("annual_run.bad_plan", file=path, error=f"reports #{number}"))
        entries.append({**defaults, **row})
    return make_jobs(entries, out_root, where=str(path))


# --- one job --------------------------------------------------------------------------------------------------


def is_current(job: Job) -> bool:
    """True when the job's report exists and was made from the same inputs."""
    if not job.html.exists() or not job.status_file.exists():
        return False
    try:
        status = json.loads(job.status_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return status.get("status") == "rendered" and status.get("fingerprint") == job.fingerprint


def _write_status(outcome: Outcome) -> None:
    from helpers.run.render import write_atomic

    job = outcome.job
    record = {
        "unit": job.unit,
        "unit_name": job.unit_name,
        "level": job.level,
        "year": job.year,
        "language": job.language,
        "notebook": job.notebook,
        "title": job.title,
        "status": outcome.status,
        "kind": outcome.kind,
        "reason": outcome.reason,
        "seconds": round(outcome.seconds, 1),
        "fingerprint": job.fingerprint,
        "html": job.html.name if outcome.status == "rendered" else None,
        "executed": outcome.executed.name if outcome.executed else None,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": job.parameters,
    }
    write_atomic(job.status_file, json.dumps(record, ensure_ascii=False, indent=1, default=str))


def render_job(job: Job) -> Outcome:
    """Render one report in its own folder; never raises. On failure the stale report is removed and the executed
    notebook is kept beside it, with papermill's mark on the failing cell."""
    from helpers.run.render import NotebookFailed, render
    from helpers.run.warm import worker_kernel

    start = time.monotonic()
    job.folder.mkdir(parents=True, exist_ok=True)
    for leftover in job.folder.glob(f".{job.name}.*"):  # temporary files of a run that was killed
        shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink(missing_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{job.name}.", dir=job.folder))
    try:
        render(notebook_file(job.notebook), job.parameters, job.html, job.title, work_dir=work, kernel=worker_kernel())
        job.failed_notebook.unlink(missing_ok=True)
        outcome = Outcome(job, "rendered", seconds=time.monotonic() - start)
    except NotebookFailed as err:
        cause = err.__cause__
        ename = getattr(cause, "ename", type(cause).__name__)
        evalue = str(getattr(cause, "evalue", cause))
        shutil.move(str(err.executed), job.failed_notebook)
        job.html.unlink(missing_ok=True)
        kind = "bad_input" if is_bad_input(ename) else "cell_failed"
        reason = f"{ename} (cell {getattr(cause, 'exec_count', '?')}): {evalue}"
        outcome = Outcome(job, "failed", kind, reason, time.monotonic() - start, job.failed_notebook)
    except Exception as err:  # noqa: BLE001 - a job reports its failure, it does not end the run
        job.html.unlink(missing_ok=True)
        kind = "bad_input" if is_bad_input(err) else "error"
        outcome = Outcome(job, "failed", kind, f"{type(err).__name__}: {err}", time.monotonic() - start)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _write_status(outcome)
    return outcome


# --- the run --------------------------------------------------------------------------------------------------


@contextmanager
def run_lock(out_root: Path) -> Iterator[None]:
    """Hold an exclusive lock on the output folder for the whole run; a second run refuses to start."""
    out_root.mkdir(parents=True, exist_ok=True)
    path = out_root / LOCK_NAME
    fh = path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            raise RunLocked(both("annual_run.locked", folder=out_root, holder=holder)) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}")
        fh.flush()
        yield
    finally:
        fh.close()


def local_executor(jobs: int | None = None) -> Executor:
    """Local worker processes, one per core by default (each report also starts its own kernel process)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=jobs or os.cpu_count() or 1, mp_context=multiprocessing.get_context("spawn"))


@contextmanager
def dask_executor(address: str) -> Iterator[Executor]:
    """The executor of an existing Dask distributed cluster; its workers must have this package installed and
    see the same data and report folders."""
    from distributed import Client

    with Client(address, set_as_default=False) as client:
        yield client.get_executor(pure=False)


def run(
    jobs: list[Job],
    executor: Executor,
    out_root: Path,
    force: bool = False,
    on_outcome: Callable[[Outcome, int, int], None] | None = None,
) -> Summary:
    """Render every job that is not current (all with ``force``), then write ``index.html``.

    ``on_outcome(outcome, finished, total)`` is called as each report finishes (the progress bar).
    """
    summary = Summary()
    outcomes: dict[int, Outcome] = {}
    todo = []
    for number, job in enumerate(jobs):
        if not force and is_current(job):
            outcomes[number] = Outcome(job, "skipped")
        else:
            todo.append(number)
    futures: dict[Future, int] = {}
    try:
        for number in todo:
            futures[executor.submit(render_job, jobs[number])] = number
        for finished, future in enumerate(as_completed(futures), start=1):
            number = futures[future]
            try:
                outcome = future.result()
            except Exception as err:  # noqa: BLE001 - a worker that died is one failed report, not a crash
                outcome = Outcome(jobs[number], "failed", "error", f"{type(err).__name__}: {err}")
                _write_status(outcome)
            outcomes[number] = outcome
            if on_outcome:
                on_outcome(outcome, finished, len(todo))
    finally:
        for future in futures:
            future.cancel()
        write_index(out_root, jobs[0].language if jobs else "vi")
    summary.outcomes = [outcomes[n] for n in sorted(outcomes)]
    return summary


# --- the index ------------------------------------------------------------------------------------------------


def statuses(out_root: Path) -> pd.DataFrame:
    """Every report status found under the output folder, newest year first."""
    records = []
    for path in sorted(out_root.glob("*/*/*.status.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        record["folder"] = path.parent.relative_to(out_root).as_posix()
        records.append(record)
    columns = [
        "year",
        "unit",
        "unit_name",
        "level",
        "language",
        "title",
        "status",
        "kind",
        "reason",
        "finished",
        "folder",
        "html",
        "executed",
        "seconds",
    ]
    frame = pd.DataFrame(records, columns=columns)
    # The province (or nation) first, then the units below it, as a committee reads them.
    rank = frame["level"].map({"nation": 0, "province": 1}).fillna(2)
    return (
        frame.assign(_rank=rank)
        .sort_values(["year", "_rank", "unit", "language"], ascending=[False, True, True, True])
        .drop(columns="_rank")
        .reset_index(drop=True)
    )


def write_index(out_root: Path, language: str = "vi") -> Path:
    """``index.html``: every report under ``out_root`` with its status and a link, one self-contained page."""
    from helpers.run.index import index_html
    from helpers.run.render import write_atomic

    path = out_root / "index.html"
    write_atomic(path, index_html(statuses(out_root), language))
    return path


def summary_lines(summary: Summary, out_root: Path) -> list[str]:
    """The end-of-run account: counts, then each failed report with its reason and its kept notebook."""
    lines = [
        both(
            "annual_run.summary",
            rendered=len(summary.of("rendered")),
            skipped=len(summary.of("skipped")),
            failed=len(summary.of("failed")),
        )
    ]
    if summary.outcomes and not summary.of("rendered") and not summary.failed:
        lines.append(both("annual_run.nothing_to_do", n=len(summary.outcomes)))
    for outcome in summary.of("failed"):
        job = outcome.job
        reason = "\n    ".join(outcome.reason.splitlines()[:6])
        lines.append(
            both("annual_run.failed_report", unit=job.unit, year=job.year, report=job.name)
            + f" — {both(f'annual_run.kind.{outcome.kind}')}\n    {reason}"
        )
        if outcome.executed:
            lines.append("    " + both("annual_run.kept_notebook", path=repo_relative(outcome.executed)))
    lines.append(both("annual_run.index_written", path=repo_relative(out_root / "index.html")))
    return lines


def progress_printer(stream=None, language: str = "vi") -> Callable[[Outcome, int, int], None]:
    """A progress bar (tqdm) on a terminal; one line per finished report in a log (cron, systemd)."""
    from tqdm import tqdm

    stream = stream or sys.stderr
    counts = {"failed": 0}
    bar: list = []

    def show(outcome: Outcome, finished: int, total: int) -> None:
        counts["failed"] += outcome.status == "failed"
        line = (
            f"[{finished}/{total}] {outcome.job.unit} {outcome.job.year} {outcome.job.name}: "
            + t(f"annual_run.status.{outcome.status}", "vi")
            + f" / {outcome.status}"
        )
        if not stream.isatty():
            print(line, file=stream, flush=True)
            return
        if not bar:
            bar.append(tqdm(total=total, unit=t("annual_run.progress_unit", language), file=stream, dynamic_ncols=True))
        bar[0].update(1)
        bar[0].set_postfix_str(
            t(
                "annual_run.progress",
                language,
                done=finished - counts["failed"],
                failed=counts["failed"],
                left=total - finished,
            )
        )
        if outcome.status == "failed":
            bar[0].write(line, file=stream)
        if finished == total:
            bar[0].close()

    return show


def outcome_record(outcome: Outcome) -> dict:
    """An outcome as plain data (for ``--format json``)."""
    record = asdict(outcome.job) | {
        "status": outcome.status,
        "kind": outcome.kind,
        "reason": outcome.reason,
        "seconds": round(outcome.seconds, 1),
    }
    return json.loads(json.dumps(record, default=str))
