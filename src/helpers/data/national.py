"""Data folders cut from a national member registry: one per current province, and one of province counts.

A registry is a folder holding ``members.parquet`` and ``units.csv`` (as ``python -m helpers national`` writes it).
:func:`province_folder` gives one province's committee report its own folder (its units, predecessors and communes,
only its members, read row group by row group, and the congress terms); :func:`national_folder` gives the national
comparison the province-level units and the annual counts of every province as it stood before the 2025 merger,
counted by the columnar path. Each folder is written into a hidden sibling and renamed into place, so a run that
fails or is killed never leaves a half-written folder under the real name.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import shutil
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from helpers.data.columnar import annual_counts, read_member_columns
from helpers.data.contracts import ContractError, Problem
from helpers.data.counts import COUNT_COLUMNS
from helpers.data.datasets import display_path, load_dataset, load_table
from helpers.data.folders import terms_toml
from helpers.data.units import series_units
from helpers.errors import UnknownUnit
from helpers.paths import repo_relative
from helpers.text import both, t

MEMBERS_FILE, UNITS_FILE, INFO_FILE = "members.parquet", "units.csv", "dataset.toml"
FOLDER_MODE = 0o755  # permissions of a written folder, as mkdir would give under the usual umask 022
DIGEST_CHUNK = 1 << 20  # bytes read at a time when a registry without scale and seed is identified by its digest


# --- the registry --------------------------------------------------------------------------------------------


def _missing(path: Path) -> ContractError:
    error = f"{t('contracts.unreadable.no_file', 'en')} / {t('contracts.unreadable.no_file', 'vi')}"
    return ContractError([Problem(display_path(path), "unreadable", detail={"error": error})])


def registry_files(registry: Path) -> tuple[Path, Path]:
    """The members Parquet file and the units file of a registry folder; a missing one is a ContractError."""
    registry = Path(registry)
    members, units = registry / MEMBERS_FILE, registry / UNITS_FILE
    for path in (units, members):
        if not path.is_file():
            raise _missing(path)
    return members, units


def _registry_info(registry: Path) -> dict:
    path = Path(registry) / INFO_FILE
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(DIGEST_CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def _toml_string(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _source_lines(registry: Path, members: Path) -> list[str]:
    """Where a folder came from: the registry's path and its scale and seed when it was generated (they fix its
    bytes), else the SHA-256 of its members file."""
    info = _registry_info(registry)
    lines = [f"source = {_toml_string(repo_relative(registry))}"]
    if "scale" in info and "seed" in info:
        lines += [f"source_scale = {info['scale']!r}", f"source_seed = {int(info['seed'])}"]
        if "generator" in info:
            lines.append(f"source_generator = {_toml_string(info['generator'])}")
    else:
        lines.append(f'source_sha256 = "{_digest(members)}"')
    return lines


def _units_text(units_file: Path) -> pd.DataFrame:
    """The units file as text cells, exactly as written (so the cut-out rows keep their spelling)."""
    return pd.read_csv(units_file, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    path.write_text(frame.to_csv(index=False, lineterminator="\n"), encoding="utf-8")


# --- writing a folder atomically -----------------------------------------------------------------------------


def write_folder_atomically(out: Path, fill: Callable[[Path], None]) -> Path:
    """Run ``fill(folder)`` on a new hidden sibling of ``out``, then rename it to ``out`` (replacing a folder
    already there). If ``fill`` raises, the sibling is removed and ``out`` is left as it was."""
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    temporary.chmod(FOLDER_MODE)  # mkdtemp makes it private; the finished folder is an ordinary one
    try:
        fill(temporary)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
        os.rename(out, old / out.name)
    try:
        os.rename(temporary, out)
    except BaseException:
        if old is not None:
            os.rename(old / out.name, out)
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return out


# --- one province --------------------------------------------------------------------------------------------


def current_provinces(units: pd.DataFrame) -> list[str]:
    """Codes of the provinces that exist now: level province, no end date."""
    now = units[(units["level"] == "province") & units["valid_to"].isna()]
    return now["unit_code"].astype(str).tolist()


def _may_hold(row_group: pq.RowGroupMetaData, column: int, codes: list[str]) -> bool:
    """False when the row group's statistics show that none of ``codes`` (sorted) lies within its unit codes' range."""
    stats = row_group.column(column).statistics
    if stats is None or not stats.has_min_max:
        return True
    least, most = (v.decode() if isinstance(v, bytes) else str(v) for v in (stats.min, stats.max))
    first = bisect.bisect_left(codes, least)
    return first < len(codes) and codes[first] <= most


def _is_in(column: pa.ChunkedArray, codes: pa.Array) -> pa.ChunkedArray:
    """Whether each cell's unit code is one of ``codes`` (False for an empty cell); dictionary columns are matched
    on their dictionary, once per distinct value."""
    chunks = []
    for chunk in column.chunks:
        if pa.types.is_dictionary(chunk.type):
            hit = pc.is_in(pc.cast(chunk.dictionary, pa.string()), value_set=codes)
            chunks.append(pc.fill_null(pc.take(hit, chunk.indices), False))
        else:
            chunks.append(pc.fill_null(pc.is_in(pc.cast(chunk, pa.string()), value_set=codes), False))
    return pa.chunked_array(chunks, pa.bool_())


def _compact(table: pa.Table) -> pa.Table:
    """The table with each dictionary column re-encoded, so its dictionary holds only the values it uses."""
    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            plain = pc.cast(table.column(i), field.type.value_type)
            encoded = pc.dictionary_encode(plain.combine_chunks()).cast(field.type)
            table = table.set_column(i, field, pa.chunked_array([encoded]))
    return table


def copy_members(source: Path, unit_codes: list[str], target: Path) -> int:
    """Write to ``target`` the members of ``source`` whose unit is one of ``unit_codes``; returns the rows written.

    Row groups whose statistics rule them out are skipped; of the others only the unit column is read first, and
    the whole row group only when it holds some of the units, so one row group at most is in memory.
    """
    parquet = pq.ParquetFile(source)
    schema = parquet.schema_arrow
    if "unit_code" not in schema.names:
        raise ContractError(
            [
                Problem(
                    display_path(source),
                    "missing_column",
                    column="unit_code",
                    detail={"label": t("columns.unit_code", "vi")},
                )
            ]
        )
    leaf = parquet.schema.names.index("unit_code")  # the column's position in the row groups' metadata
    wanted = sorted(set(unit_codes))
    codes = pa.array(wanted, pa.string())
    rows = 0
    with pq.ParquetWriter(target, schema, compression="zstd", use_dictionary=True) as writer:
        for group in range(parquet.num_row_groups):
            if not _may_hold(parquet.metadata.row_group(group), leaf, wanted):
                continue
            mask = _is_in(parquet.read_row_group(group, columns=["unit_code"]).column(0), codes)
            if not pc.any(mask).as_py():
                continue
            table = _compact(parquet.read_row_group(group).filter(mask))
            writer.write_table(table, row_group_size=max(1, table.num_rows))
            rows += table.num_rows
    return rows


def province_folder(registry: Path, province: str, out: Path) -> Path:
    """Write ``out``: the data folder of one current province's committee report, cut from ``registry``.

    It holds units.csv (the province, the former provinces merged into it and every unit below them, rows as in
    the registry), members.parquet (only the members of those units, same columns and types), terms.toml (the
    default congress terms for the province, which the report needs and the registry does not carry) and
    dataset.toml (the province's name, ``simulated`` as the registry says, where the data came from). Written
    atomically; returns the folder. A code that is not a current province raises :class:`UnknownUnit`.
    """
    registry = Path(registry)
    members, units_file = registry_files(registry)
    units = load_table(units_file, "units")
    now = current_provinces(units)
    if province not in now:
        raise UnknownUnit(
            both("national.not_current_province", unit=province, file=display_path(units_file), known=", ".join(now))
        )
    series = series_units(units, province)
    text = _units_text(units_file)
    kept = text[text["unit_code"].isin(series)]
    name = str(units.loc[units["unit_code"] == province, "name"].iloc[0])
    simulated = bool(_registry_info(registry).get("simulated", False))

    def fill(folder: Path) -> None:
        _write_csv(kept, folder / UNITS_FILE)
        load_table(folder / UNITS_FILE, "units")  # the cut-out map keeps every parent and successor it names
        rows = copy_members(members, series, folder / MEMBERS_FILE)
        (folder / "terms.toml").write_text(terms_toml(province), encoding="utf-8")
        info = [
            f"# {t('national.folder_comment', 'vi')}",
            f"# {t('national.folder_comment', 'en')}",
            f"name = {_toml_string(name)}",
            f"simulated = {'true' if simulated else 'false'}",
            "calibrated = false  # generated at planted rates, not fitted to any published figure",
            'level = "province"',
            f"province_code = {_toml_string(province)}",
            f"member_rows = {rows}",
            *_source_lines(registry, members),
        ]
        (folder / INFO_FILE).write_text("\n".join(info) + "\n", encoding="utf-8")

    return write_folder_atomically(out, fill)


# --- the national counts -------------------------------------------------------------------------------------


def province_counts_by_year(registry: Path) -> pd.DataFrame:
    """Annual counts of every top-level unit of the registry (a province as it stood before any merger: a former
    or an unchanged province), by the columnar path.

    Returns
    -------
    DataFrame with columns ``unit_code``, ``year`` and :data:`helpers.data.counts.COUNT_COLUMNS`, one row per
    province and year, sorted by both.
    """
    members, units_file = registry_files(Path(registry))
    units = load_table(units_file, "units")
    return annual_counts(read_member_columns(members, units), by="province", units=units)


def national_folder(registry: Path, out: Path) -> Path:
    """Write ``out``: the data folder of the national comparison report, cut from ``registry``.

    It holds units.csv (only the province-level units: current, former and unchanged provinces; no communes),
    annual_counts.csv (:func:`province_counts_by_year`: one row per former or unchanged province and year) and
    dataset.toml. The folder is loaded with :func:`helpers.data.datasets.load_dataset` before it is renamed into
    place, so it always passes the contracts. Written atomically; returns the folder.
    """
    registry = Path(registry)
    members, units_file = registry_files(registry)
    text = _units_text(units_file)
    provinces = text[text["level"] == "province"]
    counts = province_counts_by_year(registry)
    info = _registry_info(registry)
    simulated = bool(info.get("simulated", False))
    name = t("national.folder_name", "vi", name=info.get("name", repo_relative(registry)))

    def fill(folder: Path) -> None:
        _write_csv(provinces, folder / UNITS_FILE)
        _write_csv(counts[["unit_code", "year", *COUNT_COLUMNS]], folder / "annual_counts.csv")
        lines = [
            f"# {t('national.folder_comment', 'vi')}",
            f"# {t('national.folder_comment', 'en')}",
            f"name = {_toml_string(name)}",
            f"simulated = {'true' if simulated else 'false'}",
            'level = "national"',
            f"provinces = {len(current_provinces(load_table(folder / UNITS_FILE, 'units')))}",
            f"counted_units = {counts['unit_code'].nunique()}  # provinces as they stood before the 2025 merger",
            *_source_lines(registry, members),
        ]
        (folder / INFO_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
        load_dataset(folder)  # raises ContractError before anything is renamed into place

    return write_folder_atomically(out, fill)
