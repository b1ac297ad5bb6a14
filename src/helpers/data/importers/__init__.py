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

from helpers.text import t

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


def write_dataset(imported: Imported, out: Path, extra_files: dict[str, str] | None = None) -> list[Path]:
    """Write the tables as CSV (UTF-8) with the log into ``out``, or nothing at all.

    The tables are written into a new folder beside ``out`` and checked there with
    :func:`helpers.data.datasets.load_dataset`; only a dataset that passes its contracts replaces ``out``. A failure
    raises (a :class:`helpers.errors.ContractError` names the problems) and leaves ``out`` as it was.
    """
    from helpers.data.datasets import load_dataset

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name, frame in imported.tables.items():
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
