"""Annual counts per unit from member-level Parquet, read column by column: the national-scale path.

Only the five columns the counts need are read (row group by row group, as integer codes and day numbers), checked
with vectorised versions of the ``members`` contract's rules, and counted with ``numpy.bincount`` and cumulative
sums. The result is the same frame, row for row and type for type, as
:func:`helpers.data.counts.annual_counts_from_members`, at a fraction of its time and memory.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from helpers.data.codes import DOMAINS, ENTRY_KINDS, EXIT_KINDS
from helpers.data.contracts import CONTRACTS, ContractError, Problem, header_aliases, header_key, parse_column
from helpers.data.counts import COUNT_COLUMNS, count_slots
from helpers.data.datasets import display_path
from helpers.text import t

COUNT_INPUTS = ("unit_code", "entry_kind", "entry_date", "exit_date", "exit_kind")
BY = ("unit", "province")
NO_DAY = np.iinfo(np.int32).min  # an empty date
NO_CODE = -1  # an empty cell of a coded or text column
BAD_CODE = -2  # a code outside the column's allowed codes
_ON_ROLL, _ADMITTED, _TRANSFERRED_IN = (ENTRY_KINDS.index(k) for k in ("on_roll", "admitted", "transferred_in"))


@dataclass(frozen=True)
class MemberColumns:
    """The columns the counts need, one entry per member: unit and codes as integers, dates as days since 1970."""

    unit: np.ndarray  # int32 index into unit_codes; NO_CODE when empty
    unit_codes: tuple[str, ...]
    entry_kind: np.ndarray  # int8 index into codes.ENTRY_KINDS; NO_CODE empty, BAD_CODE not allowed
    exit_kind: np.ndarray  # int8 index into codes.EXIT_KINDS; same sentinels
    entry_day: np.ndarray  # int32 days since 1970-01-01; NO_DAY when empty or unreadable
    exit_day: np.ndarray

    def __len__(self) -> int:
        return len(self.unit)


def member_files(path: Path) -> list[Path]:
    """The Parquet files of a member registry: the file itself, or every ``*.parquet`` in a folder, sorted."""
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.parquet"))
        if not files:
            raise ContractError([Problem(display_path(path), "unreadable", detail={"error": "no *.parquet"})])
        return files
    return [path]


# --- reading one column as integers ---------------------------------------------------------------------------


def _as_dictionary(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(column.type):
        return column
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = pc.cast(column, pa.string())
    return pc.dictionary_encode(column)


def _encode(column: pa.ChunkedArray, index: dict[str, int]) -> np.ndarray:
    """Each cell's position in ``index`` (new values are added), NO_CODE for an empty cell.

    Values are stripped of surrounding spaces as the contract does; the Python work is per distinct value only.
    """
    parts = []
    for chunk in _as_dictionary(column).chunks:
        values = chunk.dictionary.to_pylist()
        lookup = np.full(len(values) + 1, NO_CODE, dtype=np.int32)
        for i, value in enumerate(values):
            text = "" if value is None else str(value).strip()
            if text:
                lookup[i] = index.setdefault(text, len(index))
        parts.append(lookup[pc.fill_null(chunk.indices, len(values)).to_numpy()])
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int32)


def _codes(cells: np.ndarray, values: list[str], domain: tuple[str, ...]) -> np.ndarray:
    """Positions into ``values`` turned into positions into ``domain``: BAD_CODE when not allowed."""
    lookup = np.array([domain.index(v) if v in domain else BAD_CODE for v in values] + [NO_CODE], dtype=np.int8)
    return lookup[np.where(cells < 0, len(values), cells)]


def _is_date(kind: pa.DataType) -> bool:
    return pa.types.is_date32(kind) or pa.types.is_date64(kind) or pa.types.is_timestamp(kind)


def _day_numbers(column: pa.ChunkedArray) -> np.ndarray:
    """A date or timestamp column as days since 1970, NO_DAY when empty."""
    days = column if pa.types.is_date32(column.type) else pc.cast(column, pa.date32())
    return np.asarray(pc.fill_null(pc.cast(days, pa.int32()), NO_DAY).to_numpy(), dtype=np.int32)


def _parse_days(cells: np.ndarray, texts: list[str]) -> np.ndarray:
    """Text dates as days since 1970, each distinct text parsed once with the contract's own parser (so both paths
    agree on what is a date); NO_DAY when empty or unreadable."""
    parsed = parse_column(pd.Series(texts, dtype="string"), "date")
    table = parsed.to_numpy(dtype="datetime64[D]").astype(np.int64)
    table = np.where(parsed.isna().to_numpy(), NO_DAY, table).astype(np.int32)
    return np.append(table, NO_DAY)[np.where(cells < 0, len(texts), cells)]


# --- checks --------------------------------------------------------------------------------------------------


def _empty_text() -> str:
    return f"{t('contracts.empty', 'vi')} / {t('contracts.empty', 'en')}"


class _Checker:
    """Collects problems of one file, at most ``limit`` per rule and column, with file row numbers."""

    def __init__(self, file: str, first_row: int, limit: int):
        self.file, self.first_row, self.limit = file, first_row, limit
        self.problems: list[Problem] = []

    def report(self, rule: str, column: str, bad: np.ndarray, shown=None, detail: dict | None = None) -> None:
        """One problem for each of the first ``limit`` rows where ``bad`` holds; ``shown(row)`` gives the value."""
        for row in np.flatnonzero(bad)[: self.limit]:
            self.problems.append(
                Problem(
                    self.file,
                    rule,
                    column=column,
                    row=int(row) + self.first_row,
                    value=None if shown is None else shown(row),
                    detail=detail or {},
                )
            )


def _check(
    checker: _Checker, cols: MemberColumns, texts: dict[str, tuple[np.ndarray, list[str]]], known_units: set[str] | None
) -> None:
    """Vectorised ``members`` contract rules on the counted columns, plus unit codes against the units table.

    Masks are computed for every row; values are turned into text only for the rows reported.
    """

    def text(column: str):
        cells, values = texts[column]
        return lambda row: values[cells[row]] if cells[row] >= 0 else _empty_text()

    def day(days: np.ndarray):
        return lambda row: str(days[row].astype("datetime64[D]")) if days[row] != NO_DAY else _empty_text()

    def pairs(**shown):
        return lambda row: ", ".join(f"{name}={show(row)}" for name, show in shown.items())

    unit_given = cols.unit != NO_CODE
    checker.report("required_value", "unit_code", ~unit_given)
    checker.report("required_value", "entry_kind", cols.entry_kind == NO_CODE)
    for column, kind in (("entry_kind", cols.entry_kind), ("exit_kind", cols.exit_kind)):
        checker.report("allowed_codes", column, kind == BAD_CODE, text(column), {"allowed": ", ".join(DOMAINS[column])})
    shown = {"entry_kind": text("entry_kind"), "exit_kind": text("exit_kind")}
    for column, days in (("entry_date", cols.entry_day), ("exit_date", cols.exit_day)):
        if column in texts:  # text dates: a filled cell that did not parse
            cells = texts[column][0]
            checker.report("not_date", column, (cells >= 0) & (days == NO_DAY), text(column))
            shown[column] = text(column)
        else:
            shown[column] = day(days)
    entry_given, exit_given = cols.entry_day != NO_DAY, cols.exit_day != NO_DAY
    checker.report(
        "exit_after_entry",
        "exit_date, entry_date",
        entry_given & exit_given & (cols.exit_day < cols.entry_day),
        pairs(exit_date=shown["exit_date"], entry_date=shown["entry_date"]),
    )
    checker.report(
        "entry_date_matches_kind",
        "entry_kind, entry_date",
        (cols.entry_kind >= 0) & ((cols.entry_kind == _ON_ROLL) == entry_given),
        pairs(entry_kind=shown["entry_kind"], entry_date=shown["entry_date"]),
    )
    checker.report(
        "exit_kind_with_date",
        "exit_kind, exit_date",
        (cols.exit_kind != NO_CODE) != exit_given,
        pairs(exit_kind=shown["exit_kind"], exit_date=shown["exit_date"]),
    )
    if known_units is not None:
        unknown = np.array([code not in known_units for code in cols.unit_codes] + [False])
        checker.report(
            "unknown_unit",
            "unit_code",
            unknown[np.where(unit_given, cols.unit, len(cols.unit_codes))],
            lambda row: cols.unit_codes[cols.unit[row]],
        )


# --- reading -------------------------------------------------------------------------------------------------


def _header_map(schema: pa.Schema, file: str) -> dict[str, str]:
    """Canonical column name → name in the file, for the counted columns (Vietnamese headers accepted)."""
    contract = CONTRACTS["members"]
    aliases = header_aliases(contract)
    found: dict[str, str] = {}
    problems = []
    for name in schema.names:
        canonical = aliases.get(header_key(name))
        if canonical not in COUNT_INPUTS:
            continue
        if canonical in found:
            problems.append(Problem(file, "duplicate_column", column=canonical, value=name))
        found[canonical] = name
    for name in COUNT_INPUTS:
        if name not in found:
            problems.append(Problem(file, "missing_column", column=name, detail={"label": t(f"columns.{name}", "vi")}))
    if problems:
        raise ContractError(problems)
    return found


def _read_file(
    path: Path, unit_index: dict[str, int], known_units: set[str] | None, max_per_rule: int
) -> tuple[MemberColumns, list[Problem]]:
    """The counted columns of one file, read row group by row group into preallocated arrays, and its problems."""
    file = display_path(path)
    try:
        schema = pq.read_schema(path)
        names = _header_map(schema, file)
        kinds = {c: schema.field(names[c]).type for c in COUNT_INPUTS}
        text = [c for c in COUNT_INPUTS if pa.types.is_string(kinds[c]) or pa.types.is_large_string(kinds[c])]
        parquet = pq.ParquetFile(path, read_dictionary=[names[c] for c in text])
        rows = parquet.metadata.num_rows
        unit = np.empty(rows, dtype=np.int32)
        encoded = ["entry_kind", "exit_kind", *(c for c in ("entry_date", "exit_date") if not _is_date(kinds[c]))]
        cells = {c: np.empty(rows, dtype=np.int32) for c in encoded}
        indexes: dict[str, dict[str, int]] = {c: {} for c in encoded}
        days = {c: np.empty(rows, dtype=np.int32) for c in ("entry_date", "exit_date") if c not in cells}
        start = 0
        for group in range(parquet.num_row_groups):  # one row group in memory at a time
            table = parquet.read_row_group(group, columns=[names[c] for c in COUNT_INPUTS])
            stop = start + table.num_rows
            unit[start:stop] = _encode(table.column(names["unit_code"]), unit_index)
            for c in encoded:
                cells[c][start:stop] = _encode(table.column(names[c]), indexes[c])
            for c in days:
                days[c][start:stop] = _day_numbers(table.column(names[c]))
            start = stop
    except ContractError:
        raise
    except Exception as err:  # any reader failure becomes one clear problem, not a traceback
        raise ContractError([Problem(file, "unreadable", detail={"error": str(err).splitlines()[0]})]) from err
    texts = {c: (cells[c], list(indexes[c])) for c in encoded}
    for c in ("entry_date", "exit_date"):
        if c in texts:
            days[c] = _parse_days(*texts[c])
    cols = MemberColumns(
        unit,
        tuple(unit_index),
        _codes(*texts["entry_kind"], ENTRY_KINDS),
        _codes(*texts["exit_kind"], EXIT_KINDS),
        days["entry_date"],
        days["exit_date"],
    )
    checker = _Checker(file, first_row=1, limit=max_per_rule)
    _check(checker, cols, texts, known_units)
    return cols, checker.problems


def read_member_columns(path: Path, units: pd.DataFrame | None = None, max_per_rule: int = 20) -> MemberColumns:
    """Read the counted columns of a member-level Parquet file or folder and check them, or raise ContractError.

    With ``units`` (the units table), unit codes missing from it are problems too. Rows count from 1 in each file;
    at most ``max_per_rule`` problems are reported per rule and column in each file.
    """
    known = None if units is None else {str(c) for c in units["unit_code"].dropna()}
    unit_index: dict[str, int] = {}
    parts, problems = [], []
    for path_ in member_files(Path(path)):
        cols, found = _read_file(path_, unit_index, known, max_per_rule)
        parts.append(cols)
        problems += found
    if problems:
        raise ContractError(sorted(problems, key=lambda p: (p.file, p.row or 0, p.column or "")))
    if len(parts) == 1:
        return replace(parts[0], unit_codes=tuple(unit_index))
    return MemberColumns(
        np.concatenate([p.unit for p in parts]),
        tuple(unit_index),
        np.concatenate([p.entry_kind for p in parts]),
        np.concatenate([p.exit_kind for p in parts]),
        np.concatenate([p.entry_day for p in parts]),
        np.concatenate([p.exit_day for p in parts]),
    )


# --- counting ------------------------------------------------------------------------------------------------


def top_units(units: pd.DataFrame) -> dict[str, str]:
    """Each unit's top-most ancestor by ``parent_code`` (a commune's province; a province is its own)."""
    parent = {str(u): (None if pd.isna(p) else str(p)) for u, p in zip(units["unit_code"], units["parent_code"])}
    out = {}
    for code in parent:
        chain = [code]
        while parent.get(chain[-1]) is not None and parent[chain[-1]] not in chain:
            chain.append(parent[chain[-1]])
        out[code] = chain[-1]
    return out


def _years_of(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _day_range(days: np.ndarray, given: np.ndarray) -> tuple[int, int] | None:
    return (int(days[given].min()), int(days[given].max())) if given.any() else None


def _year_slots(
    days: np.ndarray, given: np.ndarray, span: tuple[int, int] | None, first: int, n_years: int, missing: int
) -> np.ndarray:
    """Each date's year as a slot: 0 before ``first``, 1 to ``n_years`` for the years, ``n_years + 1`` after them,
    ``missing`` for an empty date. One lookup per distinct day, not per member."""
    if span is None:
        return np.full(len(days), missing, dtype=np.int16)
    lo, hi = span
    table = np.clip(_years_of(np.arange(lo, hi + 1)) - first + 1, 0, n_years + 1)
    table = np.append(table, missing).astype(np.int16)
    return table[np.where(given, days, hi + 1) - lo]


def annual_counts(
    cols: MemberColumns, years: range | None = None, by: str = "unit", units: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Stock at the start and end of each year and every flow during it, per unit (or per province with
    ``by="province"``, the province being the top unit above each unit in ``units``).

    Same rules, columns and dtypes as :func:`helpers.data.counts.annual_counts_from_members`; province rows carry the
    province code in ``unit_code``. Members are first binned by unit, year of joining and year of leaving (three
    ``bincount`` calls); stocks then come from cumulative sums over those small tables.
    """
    if by not in BY:
        raise ValueError(f"by must be one of {BY}, got {by!r}")
    codes, unit = list(cols.unit_codes), cols.unit
    if by == "province":
        if units is None:
            raise ValueError("by='province' needs the units table")
        top = top_units(units)
        codes = [top.get(code, code) for code in codes]
    # Output units in sorted order, only those that have members (as a groupby would give); members without a
    # unit go to one extra group that is dropped.
    present = np.bincount(unit[unit >= 0], minlength=len(codes)) > 0
    labels = sorted({code for code, used in zip(codes, present) if used})
    n_units = len(labels)
    position = {code: i for i, code in enumerate(labels)}
    remap = np.array([position.get(code, n_units) for code in codes] + [n_units], dtype=np.int64)
    group = remap[np.where(unit < 0, len(codes), unit)]

    entry_given, exit_given = cols.entry_day != NO_DAY, cols.exit_day != NO_DAY
    entry_span, exit_span = _day_range(cols.entry_day, entry_given), _day_range(cols.exit_day, exit_given)
    if years is None:
        spans = [s for s in (entry_span, exit_span) if s is not None]
        lo, hi = _years_of(np.array([min(s[0] for s in spans), max(s[1] for s in spans)]))
        years = range(int(lo), int(hi) + 1)
    first, n_years = years.start, len(years)
    # Slot of the year from which a member counts in the stock (before the period for those on the rolls at its
    # start), and of the year they left (after the period for those who did not).
    joins = (cols.entry_kind != _ON_ROLL) & (cols.entry_kind != NO_CODE)
    in_slot = np.where(joins, _year_slots(cols.entry_day, entry_given, entry_span, first, n_years, 0), 0)
    out_slot = _year_slots(cols.exit_day, exit_given, exit_span, first, n_years, n_years + 1)
    # Entry category 1 admitted, 2 transferred in, 0 anything else; exit category the kind, or one past the kinds.
    entry_category = np.zeros(len(ENTRY_KINDS) + 2, dtype=np.int8)  # indexed by kind + 2 (BAD_CODE, NO_CODE)
    entry_category[[_ADMITTED + 2, _TRANSFERRED_IN + 2]] = 1, 2
    entry_category = entry_category[cols.entry_kind + 2]
    exit_category = np.array([len(EXIT_KINDS)] * 2 + list(range(len(EXIT_KINDS))), dtype=np.int8)
    exit_category = exit_category[cols.exit_kind + 2]
    out = count_slots(group, n_units, in_slot, out_slot, entry_category, exit_category, n_years)
    frame = pd.DataFrame(
        {
            "unit_code": np.repeat(np.array(labels, dtype=object), n_years),
            "year": np.tile(np.arange(first, first + n_years), n_units),
            **{c: out[c].ravel() for c in COUNT_COLUMNS},
        }
    )
    return frame.astype({c: "Int64" for c in ["year", *COUNT_COLUMNS]}).astype({"unit_code": "string"})


def load_annual_counts(
    path: Path, units: pd.DataFrame | None = None, years: range | None = None, by: str = "unit", max_per_rule: int = 20
) -> pd.DataFrame:
    """Read, check and count member-level Parquet in one step: the columnar load-and-aggregate."""
    return annual_counts(read_member_columns(path, units, max_per_rule), years, by, units)
