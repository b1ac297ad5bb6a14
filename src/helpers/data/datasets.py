"""Load a data folder or single files under their contracts: the one way data enters the suite.

A folder holds ``units``, ``annual_counts`` and/or ``members``, optionally ``survey``, ``targets``,
``admission_plans``, ``admission_sources``, ``quality_ratings`` and ``member_management``, each as CSV/TSV/TXT,
XLSX/XLSM/XLS/ODS or Parquet (see :func:`helpers.data.readers.read_text_table`: a form's header is found below its
title rows, totals and signature rows are set aside). When member-level records are given the annual counts are
derived from them. A file named after a table is read or named in a problem, never skipped.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from helpers.data.contracts import (
    CONTRACTS,
    ContractError,
    Problem,
    enforce_with_rows,
    header_aliases,
    header_key,
)
from helpers.data.counts import annual_counts_from_members
from helpers.data.readers import SUFFIXES, RawTable, read_text_table
from helpers.data.units import ancestors, series_units
from helpers.errors import UnknownUnit
from helpers.text import both, t

DATA_TABLES = (
    "units",
    "members",
    "annual_counts",
    "survey",
    "targets",
    "admission_plans",
    "admission_sources",
    "quality_ratings",
    "member_management",
)
# Tables whose unit codes must be in the units table (every table but units itself).
UNIT_TABLES = DATA_TABLES[1:]


@dataclass(frozen=True)
class Dataset:
    """The typed tables of one data folder; ``annual_counts`` is always present (given or derived)."""

    folder: Path
    units: pd.DataFrame
    annual_counts: pd.DataFrame
    members: pd.DataFrame | None
    survey: pd.DataFrame | None
    targets: pd.DataFrame | None
    files: tuple[Path, ...]
    counts_derived: bool
    simulated: bool
    admission_plans: pd.DataFrame | None = None
    admission_sources: pd.DataFrame | None = None
    quality_ratings: pd.DataFrame | None = None
    member_management: pd.DataFrame | None = None


def display_path(path: Path) -> str:
    """A path as messages show it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def detect_table(path: Path, headers: list[str]) -> str | None:
    """The table a file holds: by its name (``members.csv``), else by which contract's required headers it has."""
    stem = path.stem.lower()
    for table in CONTRACTS:
        if stem == table or stem.startswith(f"{table}-") or stem.startswith(f"{table}_"):
            return table
    keys = {header_key(h) for h in headers}
    best, best_share = None, 0.0
    for table, contract in CONTRACTS.items():
        aliases = header_aliases(contract)
        present = {aliases[k] for k in keys if k in aliases}
        required = [f.name for f in contract.fields if f.required]
        share = sum(name in present for name in required) / len(required)
        if share > best_share:
            best, best_share = table, share
    return best if best_share >= 0.5 else None


def load_table(path: Path, table: str | None = None, units: set[str] | None = None) -> pd.DataFrame:
    """Read one file and enforce its contract; raises :class:`ContractError` naming file, row and column.

    With ``units``, only the rows of those units are checked and kept (see :func:`table_scopes`). A file with a
    header and no records is refused by name.
    """
    return _load(path, table, units)[0]


def _load(path: Path, table: str | None = None, units: set[str] | None = None) -> tuple[pd.DataFrame, tuple[int, ...]]:
    """:func:`load_table`, and the file row of each row of the typed frame."""
    shown = display_path(path)
    table = table or detect_table(path, [])  # by its name, so the header is looked for by that table's headers
    raw = read_raw(path, table)
    table = table or detect_table(path, list(raw.frame.columns))
    if table is None:
        raise ContractError([Problem(shown, "unknown_table", detail={"tables": ", ".join(CONTRACTS)})])
    if raw.frame.empty:  # a header and nothing under it: refused by name (with its header's problems, if any)
        problems = [Problem(shown, "no_records", detail={"table": table})]
        try:
            enforce_with_rows(raw.frame, CONTRACTS[table], shown, rows=raw.rows)
        except ContractError as err:
            problems = [*err.problems, *problems]
        raise ContractError(problems)
    return enforce_with_rows(raw.frame, CONTRACTS[table], shown, rows=raw.rows, units=units)


def read_raw(path: Path, table: str | None = None) -> RawTable:
    """A file's records as text (:func:`helpers.data.readers.read_text_table`); any failure is a
    :class:`ContractError` whose problems name the file as messages show it (see :func:`display_path`)."""
    shown = display_path(path)
    try:
        return read_text_table(path, table)
    except ContractError as err:
        raise ContractError([replace(p, file=shown) for p in err.problems]) from None
    except Exception as err:  # any other reader failure becomes one clear problem, not a traceback
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ContractError([Problem(shown, "unreadable", detail={"error": message})]) from err


def check_unit(dataset: Dataset, unit: str) -> None:
    """Refuse a unit the data does not have, before any analysis runs on it."""
    if unit not in set(dataset.units["unit_code"]):
        raise UnknownUnit(both("cli.unknown_unit", unit=unit, known=", ".join(dataset.units["unit_code"])))


def _table_of_file(path: Path) -> str | None:
    """The table a data folder's file is named after (``members.xlsx``, ``Units.CSV``), or None."""
    stem = path.stem.lower()
    return stem if stem in DATA_TABLES and path.is_file() else None


def table_files(folder: Path) -> dict[str, Path]:
    """The readable data files in a folder, by the table their name says they hold (the first by name when
    several hold one table: :func:`folder_problems` refuses that)."""
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        table = _table_of_file(path)
        if table is not None and path.suffix.lower() in SUFFIXES:
            found.setdefault(table, path)
    return found


def folder_problems(folder: Path) -> list[Problem]:
    """The files of a data folder named after a table that cannot be used: of a kind no reader reads, or one of
    several files holding the same table."""
    return _folder_check(folder)[0]


def _folder_check(folder: Path) -> tuple[list[Problem], set[str]]:
    problems: list[Problem] = []
    troubled: set[str] = set()
    by_table: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        table = _table_of_file(path)
        if table is None:
            continue
        if path.suffix.lower() not in SUFFIXES:
            problems.append(Problem(display_path(path), "unsupported_file", detail={"suffixes": ", ".join(SUFFIXES)}))
            troubled.add(table)
        else:
            by_table.setdefault(table, []).append(path)
    for table, paths in by_table.items():
        if len(paths) > 1:
            names = ", ".join(p.name for p in paths)
            problems += [Problem(display_path(p), "same_table", detail={"table": table, "files": names}) for p in paths]
            troubled.add(table)
    return problems, troubled


def _unknown_units(frame: pd.DataFrame, units: pd.DataFrame, path: Path, rows: tuple[int, ...]) -> list[Problem]:
    unknown = ~frame["unit_code"].isin(units["unit_code"])
    return [
        Problem(
            display_path(path),
            "unknown_unit",
            column="unit_code",
            row=rows[i],
            value=str(frame.at[i, "unit_code"]),
        )
        for i in frame.index[unknown]
    ]


def table_scopes(units: pd.DataFrame, unit: str) -> dict[str, set[str]]:
    """The units whose rows a report on ``unit`` reads, per table: its series (it, the units merged into it and all
    below them, and the units above it) and, for targets, only it and the units above it (the nearest target
    applies). Rows of any other unit cannot change that report."""
    upward = set(ancestors(units, unit))
    series = set(series_units(units, unit)) | upward
    return {table: upward if table == "targets" else series for table in UNIT_TABLES}


def load_dataset(folder: Path, scope: str | None = None) -> Dataset:
    """Load every table of a data folder, check the unit codes across tables, derive the annual counts.

    With ``scope`` (a unit code) only the rows that unit's report reads are checked and kept, so one unit's broken
    rows stop the reports that include that unit and no others. The units table is always read whole.
    """
    folder = Path(folder)
    files = table_files(folder)
    problems, troubled = _folder_check(folder)
    files = {table: path for table, path in files.items() if table not in troubled}
    named = {_table_of_file(path) for path in folder.iterdir()}  # tables some file is named after, read or not
    tables: dict[str, pd.DataFrame] = {}
    rows: dict[str, tuple[int, ...]] = {}
    keep: dict[str, set[str]] = {}
    if scope is not None and "units" in files:
        tables["units"], rows["units"] = _load(files["units"], "units")
        if scope not in set(tables["units"]["unit_code"]):
            raise UnknownUnit(both("cli.unknown_unit", unit=scope, known=", ".join(tables["units"]["unit_code"])))
        keep = table_scopes(tables["units"], scope)
    for table, path in files.items():
        if table in tables:
            continue
        try:
            tables[table], rows[table] = _load(path, table, units=keep.get(table))
        except ContractError as err:
            problems.extend(err.problems)
    for required in ("units",):
        if required not in named:
            problems.append(
                Problem(
                    display_path(folder / f"{required}.csv"),
                    "unreadable",
                    detail={"error": _english_first("contracts.unreadable.no_file")},
                )
            )
    if "members" not in named and "annual_counts" not in named:
        problems.append(
            Problem(
                display_path(folder / "annual_counts.csv"),
                "unreadable",
                detail={"error": _english_first("contracts.unreadable.no_counts")},
            )
        )
    if problems:
        raise ContractError(problems)
    units = tables["units"]
    for table in UNIT_TABLES:
        if table in tables:
            problems.extend(_unknown_units(tables[table], units, files[table], rows[table]))
    if problems:
        raise ContractError(problems)
    members = tables.get("members")
    derived = members is not None
    counts = annual_counts_from_members(members) if derived else tables["annual_counts"]
    if "member_management" in tables:
        problems.extend(
            _management_against_counts(
                tables["member_management"], counts, files["member_management"], rows["member_management"]
            )
        )
    if problems:
        raise ContractError(problems)
    info = dataset_info(folder)
    return Dataset(
        folder,
        units,
        counts,
        members,
        tables.get("survey"),
        tables.get("targets"),
        tuple(files.values()),
        derived,
        bool(info.get("simulated", False)),
        tables.get("admission_plans"),
        tables.get("admission_sources"),
        tables.get("quality_ratings"),
        tables.get("member_management"),
    )


def scoped(dataset: Dataset, scope: str) -> Dataset:
    """The rows of a whole, checked dataset that ``load_dataset(folder, scope=scope)`` keeps, without checking again:
    each unit table cut to the units that unit's report reads (:func:`table_scopes`), the counts derived again from
    the cut members. A whole dataset that passed its checks has every scoped part pass them too."""
    units = dataset.units
    if scope not in set(units["unit_code"]):
        raise UnknownUnit(both("cli.unknown_unit", unit=scope, known=", ".join(units["unit_code"])))
    keep = table_scopes(units, scope)
    cut = {}
    for table in UNIT_TABLES:
        frame = getattr(dataset, table, None)
        if frame is not None and "unit_code" in frame.columns and table != "annual_counts":
            frame = frame[frame["unit_code"].isin(keep[table]).to_numpy(bool)].reset_index(drop=True)
        cut[table] = frame
    counts = dataset.annual_counts
    if dataset.counts_derived:
        counts = annual_counts_from_members(cut["members"])
    else:
        counts = counts[counts["unit_code"].isin(keep["annual_counts"]).to_numpy(bool)].reset_index(drop=True)
    return replace(dataset, **{**cut, "annual_counts": counts})


def _english_first(key: str) -> str:
    """The reason a required table is missing, in both languages (English first, as these messages always read);
    the same text goes into the Vietnamese and the English message."""
    return f"{t(key, 'en')} / {t(key, 'vi')}"


def _management_against_counts(
    management: pd.DataFrame, counts: pd.DataFrame, path: Path, rows: tuple[int, ...]
) -> list[Problem]:
    """One problem per row of ``member_management`` whose members differ from the same unit and year's members at
    the end of the year in the annual counts (rows without such a count are not judged)."""
    ends = counts.dropna(subset=["members_end"]).set_index(["unit_code", "year"])["members_end"]
    keys = pd.MultiIndex.from_arrays([management["unit_code"], management["year"]])
    expected = ends.reindex(keys).to_numpy()
    given = management["members"].to_numpy()
    differs = [i for i, (g, e) in enumerate(zip(given, expected)) if not pd.isna(e) and not pd.isna(g) and g != e]
    if not differs:
        return []
    return [
        Problem(
            display_path(path),
            "members_match_counts",
            column="members",
            row=rows[i],
            value=str(given[i]),
            detail={"expected": int(expected[i])},
        )
        for i in differs
    ]


def dataset_info(folder: Path) -> dict:
    """The folder's ``dataset.toml`` (name, whether the data is simulated), or nothing for a user's folder."""
    path = Path(folder) / "dataset.toml"
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def validate_paths(paths: list[Path], table: str | None = None) -> list[Problem]:
    """Every problem in the given files and folders (a folder is checked as a whole data set)."""
    problems: list[Problem] = []
    for path in paths:
        try:
            if path.is_dir():
                load_dataset(path)
            else:
                load_table(path, table)
        except ContractError as err:
            problems.extend(err.problems)
    return problems
