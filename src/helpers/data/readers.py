"""Read a table from CSV, XLSX or Parquet as text, whatever its delimiter, encoding mark or decimal convention.

Everything arrives as strings (NA for empty cells) so that :func:`helpers.data.contracts.enforce` parses every value
the same way, whichever format it came in, and can point at the exact row the user sees in the file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.errors import BadInput
from helpers.text import both

SUFFIXES = (".csv", ".txt", ".xlsx", ".parquet")


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
