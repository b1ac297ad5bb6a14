"""Read a table from CSV, XLSX or Parquet as text, whatever its delimiter, encoding mark or decimal convention.

Everything arrives as strings (NA for empty cells) so that :func:`helpers.data.contracts.enforce` parses every value
the same way, whichever format it came in, and can point at the exact row the user sees in the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.errors import BadInput
from helpers.text import both

SUFFIXES = (".csv", ".txt", ".xlsx", ".parquet")
SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")  # read with python-calamine
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")


@dataclass(frozen=True)
class RawTable:
    """Text cells of one file, and the file row of its first record (header lines + 1)."""

    path: Path
    frame: pd.DataFrame
    first_row: int


def _delimiter(text: str) -> str:
    """Comma, semicolon or tab: the one the header line uses (Vietnamese Excel exports use semicolons)."""
    header = text.splitlines()[0] if text else ""
    try:
        return csv.Sniffer().sniff(header, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def read_text_table(path: Path) -> RawTable:
    """Read one CSV, XLSX or Parquet file into text cells."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        text = path.read_bytes().decode("utf-8-sig")
        frame = pd.read_csv(
            io.StringIO(text), sep=_delimiter(text), dtype=str, keep_default_na=False, skipinitialspace=True
        )
        return RawTable(path, frame.replace("", pd.NA), first_row=2)
    if suffix == ".xlsx":
        frame = pd.read_excel(path, dtype=str, engine="openpyxl", keep_default_na=False)
        return RawTable(path, frame.replace("", pd.NA), first_row=2)
    if suffix == ".parquet":
        frame = pd.read_parquet(path)
        return RawTable(path, _as_text(frame), first_row=1)
    raise BadInput(both("contracts.unsupported_file", file=path.name, suffixes=", ".join(SUFFIXES)))


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


# --- raw cells of any file: the importers' view ---------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """Every cell of one worksheet (or text file) as NFC text, NA where empty, no header taken.

    Row ``i`` of ``cells`` (from 0) is file row ``i + 1``; columns are numbered from 0. ``merged`` lists merged
    ranges as (first row, first column, last row, last column), 0-based and inclusive, as python-calamine gives
    them; ``encoding`` is the detected encoding of a text file (None for a workbook).
    """

    path: Path
    name: str
    cells: pd.DataFrame
    merged: tuple[tuple[int, int, int, int], ...] = ()
    encoding: str | None = None


def nfc(text: str) -> str:
    """Text in composed Unicode (NFC) with runs of white space folded: exports mix NFD names with NFC ones."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def cell_text(value: object) -> str | None:
    """A cell as text: whole numbers without '.0' (identifiers and counts), dates as ISO dates, text in NFC."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = nfc(str(value))
    return text or None


def decode_text(path: Path) -> tuple[str, str]:
    """The text of a CSV/TSV export and the encoding it was in: UTF-8 (with or without BOM), UTF-16 with BOM
    (Excel's "Unicode text"), or what charset-normalizer finds (Windows-1258 for older Vietnamese exports)."""
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
        raise BadInput(both("contracts.unreadable_encoding", file=path.name))
    return str(best), best.encoding


def read_sheets(path: Path) -> list[Sheet]:
    """Every worksheet of a workbook (XLSX, XLS, ODS) or the one table of a CSV/TSV file, as raw text cells."""
    suffix = path.suffix.lower()
    if suffix in SHEET_SUFFIXES:
        from python_calamine import CalamineWorkbook

        try:
            workbook = CalamineWorkbook.from_path(str(path))
        except Exception as err:  # noqa: BLE001 - calamine raises its own types for a broken or foreign file
            raise BadInput(both("contracts.unreadable_workbook", file=path.name, error=str(err))) from None
        sheets = []
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
            width = max((len(r) for r in rows), default=0)
            cells = pd.DataFrame([[cell_text(v) for v in r] + [None] * (width - len(r)) for r in rows], dtype=object)
            merged = tuple((a[0], a[1], b[0], b[1]) for a, b in (sheet.merged_cell_ranges or []))
            sheets.append(Sheet(path, nfc(name), cells.astype("string"), merged))
        return sheets
    if suffix in TEXT_SUFFIXES:
        text, encoding = decode_text(path)
        sep = "\t" if suffix == ".tsv" or "\t" in text.split("\n", 1)[0] else _delimiter(text)
        rows = list(csv.reader(io.StringIO(text), delimiter=sep))
        width = max((len(r) for r in rows), default=0)
        cells = pd.DataFrame([[cell_text(v) for v in r] + [None] * (width - len(r)) for r in rows], dtype=object)
        return [Sheet(path, "", cells.astype("string"), (), encoding)]
    raise BadInput(both("contracts.unsupported_file", file=path.name, suffixes=", ".join(SUFFIXES + SHEET_SUFFIXES)))
