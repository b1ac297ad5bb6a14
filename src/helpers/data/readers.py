"""Read a table from a province's own files as text: CSV/TSV/TXT in any of the encodings Vietnamese offices export,
XLSX/XLSM/XLS/ODS workbooks laid out as forms, and Parquet.

Everything arrives as strings (NA for empty cells) so that :func:`helpers.data.contracts.enforce` parses every value
the same way, whichever format it came in, and can point at the exact row the user sees in the file.

A form is read the way a person reads it (:func:`read_text_table`): the header row is *found* below the title rows
(the row whose cells are most often known headers of the contract), a merged two-row header is flattened ("Ngày /
Kết nạp"), a row that numbers the columns ("A | 1 | 2 | 3 = 1*100/2", "(1) (2) (3)") and an "STT" column are set
aside, and so are totals rows ("Tổng số", "Tổng cộng", "Cộng"), the signature footer ("NGƯỜI LẬP BIỂU", "…, ngày 15
tháng 01 năm 2020") and blank rows. Each record keeps its file row, and every choice made is kept as a bilingual note.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data.contracts import CONTRACTS, Contract, Problem, header_aliases, header_key
from helpers.errors import BadInput, ContractError, HelpersError
from helpers.text import both

SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")  # read with python-calamine
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
SUFFIXES = (*TEXT_SUFFIXES, *SHEET_SUFFIXES, ".parquet")  # every file read_text_table reads

HEADER_SEARCH_ROWS = 30  # the header is looked for among the first rows of each sheet
EXCEL_EPOCH = dt.date(1899, 12, 30)  # day 0 of Excel's (1900) date system, past its 1900 leap-year bug


@dataclass(frozen=True)
class RawTable:
    """The records of one file as text cells, with the file row of each and notes on how they were read.

    ``frame`` holds one row per record under the headers as written (a flattened two-row header reads
    "upper / lower"), strings or NA, with a plain 0-based index. ``rows`` is the file row of each record (1 is the
    first row of the sheet or the first line of a text file; records need not be contiguous, since title, totals,
    footer and blank rows are set aside); ``first_row`` is the file row of the first record (the row after the
    header when there is none). ``notes`` are bilingual sentences: the encoding, the sheet, the header rows and each
    kind of row or column set aside. ``header_rows`` are the file rows of the header (none for Parquet).
    """

    path: Path
    frame: pd.DataFrame
    first_row: int
    rows: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()
    header_rows: tuple[int, ...] = ()
    sheet: str = ""

    def __post_init__(self) -> None:
        if not self.rows and len(self.frame):  # a caller that gives only first_row: contiguous records
            object.__setattr__(self, "rows", tuple(range(self.first_row, self.first_row + len(self.frame))))
        if len(self.rows) != len(self.frame):
            raise ValueError(f"{len(self.rows)} file rows for {len(self.frame)} records")


# --- raw cells of any file: the importers' view ---------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """Every cell of one worksheet (or text file) as NFC text, NA where empty, no header taken.

    Row ``i`` of ``cells`` (from 0) is file row ``i + 1``; columns are numbered from 0. ``merged`` lists merged
    ranges as (first row, first column, last row, last column), 0-based and inclusive, as python-calamine gives
    them; ``encoding`` is the detected encoding of a text file (None for a workbook). ``numbers`` marks the cells
    that were numbers in a workbook (an Excel serial date is one; None for a text file); ``widths`` is how many
    fields each row of a text file had as written (empty for a workbook), so a short row can be told from one
    whose last cells are empty.
    """

    path: Path
    name: str
    cells: pd.DataFrame
    merged: tuple[tuple[int, int, int, int], ...] = ()
    encoding: str | None = None
    numbers: pd.DataFrame | None = field(default=None, repr=False)
    widths: tuple[int, ...] = field(default=(), repr=False)


def nfc(text: str) -> str:
    """Text in composed Unicode (NFC) with runs of white space folded: exports mix NFD names with NFC ones."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _text(value: str) -> str | None:
    if value.isascii():  # most cells of a large export: no composing to do, often no white space to fold
        if value.isprintable() and "  " not in value and value == value.strip():
            return value or None
        return " ".join(value.split()) or None
    return nfc(value) or None


def cell_text(value: object) -> str | None:
    """A cell as text: whole numbers without '.0' (identifiers and counts), dates as ISO dates, text in NFC."""
    if isinstance(value, str):
        return _text(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return _text(str(value))


class _Refused(HelpersError):
    """A file the readers cannot read: the rule (a contracts.reading key) and its fields; caught inside this module
    and turned into a :class:`helpers.errors.ContractError` naming the file."""

    def __init__(self, rule: str, **detail: str):
        super().__init__(rule)
        self.rule, self.detail = rule, detail


def _decode(path: Path) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=["cp1258", "cp1252", "utf_16"]).best()
    if best is None:
        raise _Refused("unreadable_encoding")
    return str(best), best.encoding


def decode_text(path: Path) -> tuple[str, str]:
    """The text of a CSV/TSV export and the encoding it was in: UTF-8 (with or without BOM), UTF-16 with BOM
    (Excel's "Unicode text"), or what charset-normalizer finds (Windows-1258 for older Vietnamese exports)."""
    try:
        return _decode(path)
    except _Refused:
        raise BadInput(both("contracts.unreadable_encoding", file=path.name)) from None


def _delimiter(text: str) -> str:
    """Comma, semicolon or tab: the one that cuts the first lines into the same number of fields most often
    (title rows above the header have one field whatever the delimiter; Vietnamese Excel exports use semicolons
    and decimal commas, Excel's "Unicode text" tabs)."""
    lines = text.splitlines()[:HEADER_SEARCH_ROWS]
    best, best_score = ",", (0, 0)
    for delimiter in (",", ";", "\t"):
        widths = Counter(len(r) for r in csv.reader(lines, delimiter=delimiter) if len(r) > 1)
        if widths:
            width, often = max(widths.items(), key=lambda item: (item[1], item[0]))
            if (often, width) > best_score:
                best, best_score = delimiter, (often, width)
    return best


@dataclass(frozen=True)
class _Cells:
    """One sheet as parsed: its cells as an object array of NFC text (None where empty), and what
    :class:`Sheet` says of it besides."""

    name: str
    grid: np.ndarray
    merged: tuple[tuple[int, int, int, int], ...] = ()
    encoding: str | None = None
    numbers: np.ndarray | None = None
    widths: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(np.not_equal(self.grid, None).any())


def _grid(rows: list[list], width: int, text: bool = False) -> np.ndarray:
    """Rows of cells as an object array of :func:`cell_text`, padded with None. The rows of a text file hold only
    strings, and exports repeat their codes, dates and names: each distinct string is converted once."""
    if text:
        seen = {value: _text(value) for value in {value for row in rows for value in row}}
        cells = [[seen[value] for value in row] + [None] * (width - len(row)) for row in rows]
    else:
        cells = [[cell_text(value) for value in row] + [None] * (width - len(row)) for row in rows]
    grid = np.empty((len(rows), width), dtype=object)
    if rows and width:
        grid[:] = cells
    return grid


def _parse(path: Path) -> list[_Cells]:
    suffix = path.suffix.lower()
    if suffix in SHEET_SUFFIXES:
        from python_calamine import CalamineWorkbook

        try:
            workbook = CalamineWorkbook.from_path(str(path))
            read = []
            for name in workbook.sheet_names:
                sheet = workbook.get_sheet_by_name(name)
                read.append((name, sheet.to_python(skip_empty_area=False), sheet.merged_cell_ranges or []))
        except Exception as err:  # noqa: BLE001 - calamine raises its own types for a broken or foreign file
            message = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise _Refused("unreadable_workbook", error=message) from None
        sheets = []
        for name, rows, ranges in read:
            width = max((len(r) for r in rows), default=0)
            numbers = np.zeros((len(rows), width), dtype=bool)
            for i, row in enumerate(rows):
                for j, value in enumerate(row):
                    numbers[i, j] = isinstance(value, int | float) and not isinstance(value, bool)
            merged = tuple((a[0], a[1], b[0], b[1]) for a, b in ranges)
            sheets.append(_Cells(nfc(name), _grid(rows, width), merged, numbers=numbers))
        return sheets
    if suffix in TEXT_SUFFIXES:
        text, encoding = _decode(path)
        sep = "\t" if suffix == ".tsv" else _delimiter(text)
        rows = list(csv.reader(io.StringIO(text), delimiter=sep))
        widths = tuple(len(r) for r in rows)
        return [_Cells("", _grid(rows, max(widths, default=0), text=True), (), encoding, widths=widths)]
    raise _Refused("unsupported_file", suffixes=", ".join(SHEET_SUFFIXES + TEXT_SUFFIXES))


def read_sheets(path: Path) -> list[Sheet]:
    """Every worksheet of a workbook (XLSX, XLS, ODS) or the one table of a CSV/TSV file, as raw text cells."""
    try:
        parsed = _parse(path)
    except _Refused as err:
        key = {
            "unsupported_file": "contracts.unsupported_file",
            "unreadable_encoding": "contracts.unreadable_encoding",
            "unreadable_workbook": "contracts.unreadable_workbook",
        }[err.rule]
        raise BadInput(both(key, file=path.name, **err.detail)) from None
    return [
        Sheet(
            path,
            c.name,
            pd.DataFrame(c.grid, dtype=object).astype("string"),
            c.merged,
            c.encoding,
            numbers=None if c.numbers is None else pd.DataFrame(c.numbers),
            widths=c.widths,
        )
        for c in parsed
    ]


# --- finding the header -----------------------------------------------------------------------------------------

# "STT", "TT", "Số TT", "Số thứ tự": the row-number column of every Vietnamese form.
ROW_NUMBER_HEADERS = frozenset({"stt", "tt", "so tt", "so thu tu", "thu tu"})
# A cell of the row that numbers the columns: "A", "1", "(2)", "3 = 1*100/2", "(4)=(2)+(3)".
_COLUMN_NUMBER = re.compile(r"^\(?\s*([A-Za-zĐđ]|\d{1,3})\s*\)?\s*(?:=.*)?$")
# The first cell of a totals row (compared in lower case with its accents: "công an" is not "cộng").
_TOTALS = re.compile(
    r"^(?:tổng\s*(?:số|cộng)|cộng(?!\s+(?:đồng|sản|hòa|hoà|tác))|tổng\s*(?=$|[:(])|toàn\s+(?:tỉnh|huyện|đảng\s+bộ)\s*$)"
)
# A cell of the signature footer: who signs, on whose behalf, where and when.
_FOOTER = re.compile(
    r"người\s+lập(?:\s+biểu)?|(?:phó\s+)?trưởng\s+ban|thủ\s+trưởng|\bt/m\b|\btm\.|\bk/t\b|\bkt\.\s|\(ký|ký,\s*ghi"
    r"|ký\s+tên|nơi\s+nhận|ngày\s*(?:\d{1,2}|[.…]+)\s*tháng\s*(?:\d{1,2}|[.…]+)\s*năm"
)


@dataclass(frozen=True)
class _Header:
    """A header found in a sheet: its rows (0-based), the label of each column (None where empty), its score."""

    sheet: int
    rows: tuple[int, ...]
    labels: tuple[str | None, ...]
    score: int
    contract: str | None


def _filled_top(sheet: _Cells, depth: int) -> tuple[list[list[str | None]], dict[tuple[int, int], int]]:
    """The first ``depth`` rows with every merged range filled with its value, and the width of the range that
    covers each cell whose range spans more than one column."""
    top = sheet.grid[:depth].tolist()
    spans: dict[tuple[int, int], int] = {}
    for r0, c0, r1, c1 in sheet.merged:
        if r0 >= len(top):
            continue
        value = top[r0][c0] if c0 < len(top[r0]) else None
        for r in range(r0, min(r1, len(top) - 1) + 1):
            for c in range(c0, min(c1, len(top[r]) - 1) + 1):
                top[r][c] = value
                if c1 > c0:
                    spans[(r, c)] = c1 - c0 + 1
    return top, spans


def _score(labels: list[str | None], aliases: Mapping[str, str]) -> int:
    return len({aliases[k] for k in (header_key(label) for label in labels if label) if k in aliases})


def _flatten(
    top: list[list[str | None]], spans: dict[tuple[int, int], int], r: int, aliases: Mapping[str, str]
) -> tuple[list[str | None], bool]:
    """The labels of a two-row header (rows r and r + 1), and whether the lower row names a known header that
    the upper row alone does not.

    Where the upper cell is a merged group over several sub-columns, the label is "upper / lower" when that is a
    known header ("Ngày / Kết nạp" reads as "Ngày kết nạp"), else the lower label when that is known ("Ra khỏi Đảng"
    over "Xóa tên"), else "upper / lower" as written; a cell merged down over both rows is one label.
    """
    labels: list[str | None] = []
    lower_adds = False
    for c, (up, low) in enumerate(zip(top[r], top[r + 1])):
        if up is None or up == low:
            labels.append(low)
            lower_adds |= up is None and low is not None and header_key(low) in aliases
        elif low is None:
            labels.append(up)
        elif header_key(f"{up} / {low}") in aliases:
            labels.append(f"{up} / {low}")
            lower_adds = True
        elif header_key(low) in aliases:
            labels.append(low)
            lower_adds |= header_key(up) not in aliases
        elif spans.get((r, c), 1) == 1 and header_key(up) in aliases:
            labels.append(up)
        else:
            labels.append(f"{up} / {low}")
    return labels, lower_adds


def _find_header(sheets: list[_Cells], contracts: Mapping[str, Contract]) -> _Header | None:
    """The best header over every sheet and contract: the row with most known headers, or two rows flattened when
    both add known headers (an upper row of merged groups over the lower row's sub-columns); on a tie the two-row
    header, then the first sheet and row."""
    aliases = {table: header_aliases(contract) for table, contract in contracts.items()}
    best: _Header | None = None
    best_key: tuple = ()
    for s, sheet in enumerate(sheets):
        top, spans = _filled_top(sheet, HEADER_SEARCH_ROWS + 1)
        groups = {r for (r, _c) in spans}  # rows holding a merged cell over several columns
        depth = min(HEADER_SEARCH_ROWS, len(top))
        for table, known in aliases.items():
            singles = [_score(top[r], known) for r in range(len(top))]
            candidates = [(singles[r], 0, (r,), top[r]) for r in range(depth)]
            for r in sorted(g for g in groups if g + 1 < len(top) and g < depth):
                if _is_column_numbers([v for v in top[r + 1] if v is not None]):
                    continue  # a one-row header above the row numbering its columns
                labels, lower_adds = _flatten(top, spans, r, known)
                score = _score(labels, known)
                upper_adds = singles[r] > 0 or any(lab and " / " in lab and header_key(lab) in known for lab in labels)
                if upper_adds and lower_adds and score >= max(singles[r], singles[r + 1]):
                    candidates.append((score, 1, (r, r + 1), labels))
            for score, two, rows, labels in candidates:
                key = (score, two, -s, -rows[0])
                if score and key > best_key:
                    best, best_key = _Header(s, rows, tuple(labels), score, table), key
    return best


def _enough(header: _Header | None, contracts: Mapping[str, Contract]) -> bool:
    if header is None:
        return False
    fields = len(contracts[header.contract].fields) if header.contract else 0
    return header.score >= min(2, fields)


def _seen(sheets: list[_Cells]) -> str:
    """What the rows looked at hold: each non-blank row's number and its first cells, for a header not found."""
    sheet = next(c for c in sheets if c)
    seen = []
    for r, row in enumerate(sheet.grid[:HEADER_SEARCH_ROWS]):
        values = [str(v) for v in row if v is not None]
        if values:
            shown = ", ".join(f"'{v[:40]}…'" if len(v) > 40 else f"'{v}'" for v in values[:3])
            seen.append(f"{r + 1}: {shown}{', …' if len(values) > 3 else ''}")
    prefix = f"[{sheet.name}] " if len(sheets) > 1 and sheet.name else ""
    return prefix + "; ".join(seen)


# --- setting rows aside ---------------------------------------------------------------------------------------


def _rows_text(rows: list[int] | tuple[int, ...]) -> str:
    """File rows as ranges: '3–5, 9, 12'."""
    parts: list[str] = []
    ordered = sorted(rows)
    start = prev = None
    for row in [*ordered, None]:
        if row is not None and prev is not None and row == prev + 1:
            prev = row
            continue
        if start is not None:
            parts.append(str(start) if start == prev else f"{start}–{prev}")
        start = prev = row
    return ", ".join(parts)


def _is_column_numbers(values: list[str]) -> bool:
    """Whether a row's non-empty cells number the columns: 'A', '1', '(2)', '3 = 1*100/2', numbers increasing."""
    if len(values) < 2:
        return False
    matches = [_COLUMN_NUMBER.match(v) for v in values]
    if not all(matches):
        return False
    numbers = [int(m.group(1)) for m in matches if m.group(1).isdigit()]
    return len(numbers) >= 2 and all(b > a for a, b in zip(numbers, numbers[1:]))


def _serial_date(text: str) -> str | None:
    """An Excel serial day number (the cell was a number) as an ISO date; None when it cannot be one."""
    try:
        days = float(text)
    except ValueError:
        return None
    # From 1900-03-01 to 9999-12-31; a whole number like 2020 is a year typed into a date column, not a day in 1905.
    if not 61 <= days < 2958466 or (days.is_integer() and 1000 <= days < 3000):
        return None
    return (EXCEL_EPOCH + dt.timedelta(days=int(days))).isoformat()


def _date_keys(contract: Contract | None) -> set[str]:
    if contract is None:
        return set()
    return {key for key, name in header_aliases(contract).items() if contract.field(name).kind == "date"}


def _table(file: str, sheets: list[_Cells], found: _Header) -> tuple[pd.DataFrame, tuple[int, ...], list[str], int]:
    """The records of one sheet below its header, their file rows, the notes, and the file row after the header."""
    sheet = sheets[found.sheet]
    grid = sheet.grid
    header_rows = found.rows
    filled_all = np.not_equal(grid, None)
    notes: list[str] = []
    if sheet.encoding:
        notes.append(both("contracts.note.encoding", encoding=sheet.encoding))
    if len(sheets) > 1:
        notes.append(both("contracts.note.sheet", sheet=sheet.name, sheets=", ".join(s_.name for s_ in sheets)))
    if found.contract is None:
        notes.append(both("contracts.note.header_assumed"))
    shown_rows = tuple(r + 1 for r in header_rows)
    if len(header_rows) == 2:
        notes.append(both("contracts.note.header_two_rows", rows=_rows_text(shown_rows)))
    else:
        notes.append(both("contracts.note.header", row=shown_rows[0]))
    above = [r + 1 for r in range(header_rows[0]) if filled_all[r].any()]
    if above:
        notes.append(both("contracts.note.above_header", n=len(above), rows=_rows_text(above)))

    columns = grid.shape[1]
    labels = [*found.labels, *[None] * (columns - len(found.labels))][:columns]
    stt = [c for c, label in enumerate(labels) if label and header_key(label) in ROW_NUMBER_HEADERS]
    for c in stt:
        notes.append(both("contracts.note.row_number_column", column=labels[c]))
    kept = [c for c, label in enumerate(labels) if label and c not in stt]

    start = header_rows[-1] + 1
    if start < len(grid) and _is_column_numbers([str(v) for v in grid[start] if v is not None]):
        notes.append(both("contracts.note.column_numbers", row=start + 1))
        start += 1
    values, filled = grid[start:], filled_all[start:]
    n = len(values)
    in_row = filled.sum(axis=1)
    blank = filled[:, kept].sum(axis=1) == 0 if kept else np.ones(n, dtype=bool)

    # A totals row: its first cell, or its first cell outside the STT column, says so ("Tổng cộng", "Cộng").
    totals = _first_cell_matches(values, filled, list(range(columns)), _TOTALS)
    if stt:
        totals |= _first_cell_matches(values, filled, [c for c in range(columns) if c not in stt], _TOTALS)
    totals &= ~blank

    # The signature footer: from a short row that names a signer, a place and date or "Nơi nhận", every following
    # row with as few cells (the names and titles under it), up to a row with more.
    footer = np.zeros(n, dtype=bool)
    few = max(1, min(3, len(kept) // 2))
    for i in np.flatnonzero((in_row > 0) & (in_row <= few) & ~totals):
        if footer[i] or not any(_FOOTER.search(str(v).lower()) for v in values[i] if v is not None):
            continue
        end = i + 1
        while end < n and in_row[end] <= few:
            end += 1
        footer[i:end] = True
    blank &= ~footer
    record = ~(blank | totals | footer)

    file_rows = np.arange(start + 1, start + 1 + n)
    for key, mask in (("totals", totals), ("footer", footer), ("blank", blank)):
        if mask.any():
            notes.append(both(f"contracts.note.{key}", n=int(mask.sum()), rows=_rows_text(file_rows[mask].tolist())))
    unnamed = [c for c, label in enumerate(labels) if not label and filled[record, c].any()]
    if unnamed:
        notes.append(both("contracts.note.unnamed_columns", columns=", ".join(_column_letter(c) for c in unnamed)))
    if sheet.widths:
        _check_widths(file, sheet, header_rows, kept, labels, start, record, filled, file_rows)

    body = values[record][:, kept]
    if sheet.numbers is not None:
        dates = _date_keys(CONTRACTS[found.contract] if found.contract else None)
        numeric = sheet.numbers[start:][record]
        for j, c in enumerate(kept):
            if header_key(labels[c]) not in dates or not numeric[:, c].any():
                continue
            read = 0
            for i in np.flatnonzero(numeric[:, c]):
                iso = _serial_date(str(body[i, j]))
                if iso is not None:
                    body[i, j], read = iso, read + 1
            if read:
                notes.append(both("contracts.note.serial_dates", column=labels[c], n=read))
    body = np.where(np.not_equal(body, None), body, pd.NA)
    frame = pd.DataFrame(body, columns=[labels[c] for c in kept], dtype=object)
    return frame, tuple(file_rows[record].tolist()), notes, start + 1


def _check_widths(
    file: str,
    sheet: _Cells,
    header_rows: tuple[int, ...],
    kept: list[int],
    labels: list[str | None],
    start: int,
    record: np.ndarray,
    filled: np.ndarray,
    file_rows: np.ndarray,
) -> None:
    """Refuse the records of a text file with fewer fields than the header names (their last values were lost, or
    went into the wrong columns) or with values beyond the header's fields."""
    problems: list[Problem] = []
    named = max(kept, default=-1) + 1
    header = max(sheet.widths[r] for r in header_rows)
    widths = np.asarray(sheet.widths[start:], dtype=int)
    for i in np.flatnonzero(record & (widths < named)):
        missing = next(c for c in kept if c >= widths[i])
        detail = {"found": int(widths[i]), "expected": named}
        problems.append(Problem(file, "short_row", labels[missing], int(file_rows[i]), detail=detail))
    if header < filled.shape[1]:
        for i in np.flatnonzero(record & filled[:, header:].any(axis=1)):
            detail = {"found": int(widths[i]), "expected": header}
            problems.append(Problem(file, "long_row", row=int(file_rows[i]), detail=detail))
    if problems:
        raise ContractError(sorted(problems, key=lambda p: p.row or 0))


def _first_cell_matches(values: np.ndarray, filled: np.ndarray, columns: list[int], pattern: re.Pattern[str]):
    """Whether the first non-empty cell of each row, among ``columns``, matches ``pattern`` (in lower case)."""
    if not columns or not len(values):
        return np.zeros(len(values), dtype=bool)
    present = filled[:, columns]
    first = values[:, columns][np.arange(len(values)), present.argmax(axis=1)]
    return np.array(
        [bool(f is not None and p and pattern.match(str(f).lower())) for f, p in zip(first, present.any(axis=1))]
    )


def _column_letter(c: int) -> str:
    """A 0-based column as a spreadsheet names it: 0 → A, 26 → AA."""
    name = ""
    c += 1
    while c:
        c, rest = divmod(c - 1, 26)
        name = chr(65 + rest) + name
    return name


def read_text_table(path: Path, table: str | None = None) -> RawTable:
    """Read one file's records as text cells, finding the header below any title rows.

    ``table`` names the contract whose headers the header row is looked for by (see
    :func:`helpers.data.contracts.header_aliases`); without it, every contract's. Raises
    :class:`helpers.errors.ContractError` for a file that cannot be read (unsupported, unknown encoding, broken
    workbook, empty), a header not found among the first rows when ``table`` is given (the message lists what those
    rows hold), and rows of a text file with fewer fields than the header (or values beyond it). Without ``table``
    and with no header recognised, the first non-blank row is taken as the header and the caller decides (a data
    folder then says it cannot tell which table the file is).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = _as_text(pd.read_parquet(path))
        return RawTable(path, frame, first_row=1, rows=tuple(range(1, len(frame) + 1)))
    if suffix not in SUFFIXES:
        raise ContractError([Problem(path.name, "unsupported_file", detail={"suffixes": ", ".join(SUFFIXES)})])
    try:
        sheets = _parse(path)
    except _Refused as err:
        rule = "unreadable" if err.rule == "unreadable_workbook" else err.rule
        raise ContractError([Problem(path.name, rule, detail=err.detail)]) from None
    except (csv.Error, UnicodeError) as err:
        raise ContractError([Problem(path.name, "unreadable", detail={"error": str(err)})]) from None
    if not any(sheets):
        raise ContractError([Problem(path.name, "empty_file")])
    contracts = {table: CONTRACTS[table]} if table else CONTRACTS
    header = _find_header(sheets, contracts)
    if not _enough(header, contracts):
        if table is not None:
            detail = {
                "table": table,
                "last": min(HEADER_SEARCH_ROWS, max(len(c.grid) for c in sheets)),
                "expected": ", ".join(f.name for f in CONTRACTS[table].fields if f.required),
                "seen": _seen(sheets),
            }
            raise ContractError([Problem(path.name, "no_header", detail=detail)])
        s = next(i for i, c in enumerate(sheets) if c)
        first = int(np.flatnonzero(np.not_equal(sheets[s].grid, None).any(axis=1))[0])
        header = _Header(s, (first,), tuple(sheets[s].grid[first].tolist()), 0, None)
    frame, rows, notes, after_header = _table(path.name, sheets, header)
    return RawTable(
        path,
        frame,
        first_row=rows[0] if rows else after_header,
        rows=rows,
        notes=tuple(notes),
        header_rows=tuple(r + 1 for r in header.rows),
        sheet=sheets[header.sheet].name,
    )


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            text = values.dt.strftime("%Y-%m-%d")
        else:
            text = values.astype("string")
        out[column] = text.where(values.notna(), pd.NA)
    return out
