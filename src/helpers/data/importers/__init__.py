"""Importers: a province's own files (the sector's Biểu 1 forms, member-database exports, any layout a mapping file
describes) turned into the canonical tables under their contracts.

Every importer returns an :class:`Imported`: canonical text tables plus an :class:`ImportLog` of what it read, set
aside and refused, per file. :func:`write_dataset` writes the tables and the log into a folder only when the whole
import passes its contracts, so a failed import leaves the folder as it was.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from helpers.text import both, t

LOG_FILE = "import-log.json"


@dataclass
class FileLog:
    """What one source file (or one sheet of a workbook) gave: rows read, mapped, set aside and refused, and why."""

    file: str
    sheet: str = ""
    rows_read: int = 0
    rows_mapped: int = 0
    rows_set_aside: int = 0
    rows_refused: int = 0
    notes: list[str] = field(default_factory=list)  # bilingual sentences: the encoding, the header row, set-asides


@dataclass
class ImportLog:
    """The log of one import: the format, one :class:`FileLog` per file or sheet, and notes about the whole."""

    format: str
    files: list[FileLog] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, entry: FileLog) -> FileLog:
        self.files.append(entry)
        return entry

    def lines(self, lang: str = "vi") -> list[str]:
        """The log as sentences for the terminal, one per file, then its notes indented."""
        out = []
        for entry in self.files:
            where = f"{entry.file} [{entry.sheet}]" if entry.sheet else entry.file
            out.append(
                t(
                    "import.log.file",
                    lang,
                    file=where,
                    read=entry.rows_read,
                    mapped=entry.rows_mapped,
                    set_aside=entry.rows_set_aside,
                    refused=entry.rows_refused,
                )
            )
            out += [f"    {note}" for note in entry.notes]
        return out + self.notes


@dataclass(frozen=True)
class Imported:
    """Canonical tables (text cells under canonical column names, one frame per table) and the import's log."""

    tables: dict[str, pd.DataFrame]
    log: ImportLog


def adopt_province(imported: Imported, units: pd.DataFrame | None) -> Imported:
    """Give the province the import built from its files the code and name of the folder's own province.

    A folder made by ``init`` holds only the province in ``units.csv``; forms name the province by its committee
    ("TỈNH ỦY X"), so the importer builds the units itself and this renames its province (and the parent of every
    unit under it) to the folder's, whose terms and targets then apply. Anything else is returned unchanged.
    """
    built = imported.tables.get("units")
    if units is None or built is None or len(units) != 1 or units["level"].iloc[0] != "province":
        return imported
    provinces = built.index[built["level"] == "province"]
    if len(provinces) != 1:
        return imported
    old = str(built.at[provinces[0], "unit_code"])
    own = units.iloc[0]
    new = str(own["unit_code"])
    tables = {}
    for name, frame in imported.tables.items():
        frame = frame.copy()
        for column in ("unit_code", "parent_code", "successor_code"):
            if column in frame.columns:
                frame[column] = frame[column].mask(frame[column].astype("string").eq(old).fillna(False), new)
        tables[name] = frame
    tables["units"].loc[provinces[0], "name"] = str(own["name"])
    log = imported.log
    log.notes.append(both("import.adopted", built=old, code=new, name=str(own["name"])))
    return Imported(tables, log)


def write_dataset(imported: Imported, out: Path, extra_files: dict[str, str] | None = None) -> list[Path]:
    """Write the tables as CSV (UTF-8) with the log into ``out``, or nothing at all.

    Files already in ``out`` that the import does not produce (units, terms, targets, the pseudonym salt) are kept.
    The tables are written into a new folder beside ``out`` and checked there with
    :func:`helpers.data.datasets.load_dataset`; only a dataset that passes its contracts replaces ``out``. A failure
    raises (a :class:`helpers.errors.ContractError` names the problems) and leaves ``out`` as it was.
    """
    from helpers.data.datasets import load_dataset

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        if out.exists():  # what the folder already holds (units, terms, targets, the salt) stays unless replaced
            shutil.copytree(out, staging, dirs_exist_ok=True)
        for name, frame in imported.tables.items():
            if not frame.empty:  # a table with no records is no table: load_dataset would refuse a bare header
                frame.to_csv(staging / f"{name}.csv", index=False, lineterminator="\n")
        for name, text in (extra_files or {}).items():
            (staging / name).write_text(text, encoding="utf-8")
        log = {
            "format": imported.log.format,
            "files": [asdict(f) for f in imported.log.files],
            "notes": imported.log.notes,
        }
        (staging / LOG_FILE).write_text(json.dumps(log, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        load_dataset(staging)
        if out.exists():
            previous = out.with_name(f".{out.name}.previous")
            shutil.rmtree(previous, ignore_errors=True)
            out.rename(previous)
            staging.rename(out)
            shutil.rmtree(previous, ignore_errors=True)
        else:
            staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(out.iterdir())
