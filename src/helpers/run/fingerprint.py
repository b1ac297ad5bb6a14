"""Fingerprints of what a report reads, so the annual run re-renders only the reports whose inputs changed.

A report on a unit reads the units table whole, only its own rows of the other tables (see
:func:`helpers.data.datasets.table_scopes`), the congress terms, the published figures, the notebook and the package.
Its fingerprint is a digest of exactly those, so a changed row of one district re-renders that district and the
units above it, and nothing else.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data.contracts import CONTRACTS, header_aliases, header_key
from helpers.data.datasets import table_files
from helpers.data.readers import read_text_table
from helpers.digests import file_digest, package_digest
from helpers.paths import data_terms_file, published_dir, terms_file


class InputDigests:
    """Digests of the inputs of many reports, each file read and hashed once per run."""

    def __init__(self) -> None:
        self._files: dict[Path, str] = {}
        self._rows: dict[Path, tuple[np.ndarray, np.ndarray | None, str]] = {}
        self._raw: dict[Path, pd.DataFrame] = {}
        self._package: str | None = None

    def file(self, path: Path) -> str:
        path = Path(path).resolve()
        if path not in self._files:
            self._files[path] = file_digest(path)
        return self._files[path]

    def raw(self, path: Path) -> pd.DataFrame:
        """A table's cells as written (text), read once."""
        path = Path(path).resolve()
        if path not in self._raw:
            self._raw[path] = read_text_table(path).frame
        return self._raw[path]

    def package(self) -> str:
        if self._package is None:
            self._package = package_digest()
        return self._package

    def _row_hashes(self, path: Path, table: str) -> tuple[np.ndarray, np.ndarray | None, str]:
        """Per-row hashes of a table's cells as written, each row's unit code, and a digest of its headers."""
        path = Path(path).resolve()
        if path not in self._rows:
            frame = self.raw(path)
            aliases = header_aliases(CONTRACTS[table])
            unit_column = next((c for c in frame.columns if aliases.get(header_key(c)) == "unit_code"), None)
            hashes = pd.util.hash_pandas_object(frame, index=True).to_numpy()
            codes = (
                None
                if unit_column is None
                else frame[unit_column].astype("string").str.strip().fillna("").to_numpy(dtype=object)
            )
            headers = hashlib.sha256("\x1f".join(map(str, frame.columns)).encode()).hexdigest()
            self._rows[path] = (hashes, codes, headers)
        return self._rows[path]

    def rows(self, path: Path, table: str, units: set[str]) -> str:
        """Digest of the rows of ``units`` (and rows with no unit) in one table file, with its headers."""
        hashes, codes, headers = self._row_hashes(path, table)
        if codes is not None:
            hashes = hashes[np.isin(codes, list(units | {""}))]
        return hashlib.sha256(headers.encode() + hashes.tobytes()).hexdigest()

    def data(
        self, folder: Path, scopes: dict[str, set[str]] | None, all_units: set[str] | None = None
    ) -> dict[str, str]:
        """Digest of each data file of a folder as a report reads it: the rows of ``scopes[table]`` (see
        :func:`helpers.data.datasets.table_scopes`), or whole for a table without a scope or whose scope is every
        unit of the folder (``all_units``), as for a province's folder cut from the national registry: there the
        report reads nearly every row, and hashing the bytes (no parsing) can only re-render on a change the rows'
        digest would ignore, never skip one it would see."""
        folder = Path(folder)
        digests = {}
        for table, path in table_files(folder).items():
            units = (scopes or {}).get(table)
            whole = units is None or (all_units is not None and units >= all_units)
            digests[path.name] = self.file(path) if whole else self.rows(path, table, units)
        for info in (folder / "dataset.toml", data_terms_file(folder)):  # the folder's description and its own terms
            if info.exists():
                digests[info.name] = self.file(info)
        return digests

    def report(
        self,
        notebook: Path,
        parameters: dict,
        data_folder: Path,
        scopes: dict[str, set[str]] | None,
        all_units: set[str] | None = None,
    ) -> str:
        """The fingerprint of one report: a digest of everything it reads and every choice it is given."""
        inputs = {
            "package": self.package(),
            "notebook": self.file(notebook),
            "parameters": parameters,
            "terms": self.file(terms_file()),
            "published": {p.name: self.file(p) for p in sorted(published_dir().glob("*.csv"))},
            "data": self.data(data_folder, scopes, all_units),
        }
        return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()
