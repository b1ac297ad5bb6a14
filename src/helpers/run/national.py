"""The central organisation commission's annual run: a committee report for every current province and one
national report, all from the national Parquet registry.

The registry is cut once into one data folder per province (its units and only its members, read row group by
row group) and one national folder (province-level units and annual counts by the columnar path), beside the
registry in ``derived/``; they are made again only when the registry's files change (their digest is kept in
``derived/registry.json``). No report ever reads the whole registry: a province report reads its own province's
members, the national report the counts. The reports then run as the annual run's jobs (:mod:`helpers.run.annual`),
so they are skipped when nothing they read changed, run in parallel on local processes or a Dask cluster, and are
listed in the run's index.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from helpers.data.datasets import load_table
from helpers.data.national import current_provinces, national_folder, province_folder, registry_files
from helpers.digests import file_digest
from helpers.errors import PlanError
from helpers.paths import repo_relative
from helpers.run.annual import Job, last_data_year, make_jobs
from helpers.run.fingerprint import InputDigests
from helpers.run.render import write_atomic
from helpers.text import both

DERIVED = "derived"
NATION_FOLDER = "nation"
PROVINCE_NOTEBOOK = "committee"
NATIONAL_NOTEBOOK = "national"


@dataclass(frozen=True)
class NationalInputs:
    """The folders the national run reads: one per current province, and the national one."""

    provinces: dict[str, Path]
    nation: Path
    rebuilt: bool


def registry_digest(registry: Path) -> dict[str, str]:
    """SHA-256 of each file of the registry the derived folders are cut from."""
    members, units = registry_files(registry)
    files = [members, units, Path(registry) / "dataset.toml"]
    return {path.name: file_digest(path) for path in files if path.is_file()}


def prepare(registry: Path, provinces: list[str] | None = None) -> NationalInputs:
    """The derived folders of ``registry`` (every current province, or those listed), cut again only when the
    registry changed or a folder is missing."""
    registry = Path(registry).resolve()
    members, units_file = registry_files(registry)  # a missing registry is refused here, naming the file
    units = load_table(units_file, "units")
    now = current_provinces(units)
    chosen = provinces or now
    unknown = [code for code in chosen if code not in now]
    if unknown:
        raise PlanError(both("national_run.unknown_province", units=", ".join(unknown), known=", ".join(now)))
    derived = registry / DERIVED
    stamp = derived / "registry.json"
    digest = registry_digest(registry)
    same = stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")) == digest
    folders = {code: derived / code for code in chosen}
    nation = derived / NATION_FOLDER
    todo = [code for code, folder in folders.items() if not (same and folder.is_dir())]
    for code in todo:
        province_folder(registry, code, folders[code])
    rebuild_nation = not (same and nation.is_dir())
    if rebuild_nation:
        national_folder(registry, nation)
    if not same:
        write_atomic(stamp, json.dumps(digest, indent=1))
    return NationalInputs(folders, nation, bool(todo) or rebuild_nation)


def plan(inputs: NationalInputs, out_root: Path, year: int = 0, languages: tuple[str, ...] = ("vi",)) -> list[Job]:
    """One committee report per province and language, then the national report per language, all for ``year``
    (0: the last year of the national counts, read once here rather than from each province's members)."""
    year = year or last_data_year(inputs.nation)
    entries = [
        {"notebook": PROVINCE_NOTEBOOK, "data_path": repo_relative(folder), "unit": code, "language": lang}
        | {"year": year}
        for code, folder in inputs.provinces.items()
        for lang in languages
    ]
    entries += [
        {"notebook": NATIONAL_NOTEBOOK, "data_path": repo_relative(inputs.nation), "language": lang} | {"year": year}
        for lang in languages
    ]
    return make_jobs(entries, Path(out_root), digests=InputDigests())
