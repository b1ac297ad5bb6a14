"""Checked data kept beside a digest of its inputs, so a report, and every report of a batch, reads data that was
checked once instead of checking it again.

An entry's key is a digest of the data folder's path and the bytes of every file in it, the unit scope and the
sources that read and check data (:func:`helpers.digests.data_layer_digest`): a change to any of them is a new
key, so a stale entry is never read. The tables are stored as Parquet (types kept exactly) with a small
manifest; an entry is written into a temporary folder and renamed into place, so a killed run leaves no
half-written entry, and an entry that cannot be read is simply made again. The cache never changes a result:
:func:`cached_dataset` returns the same frames as :func:`helpers.data.datasets.load_dataset` (tested cell by
cell, and report by report).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import fields
from pathlib import Path

import pandas as pd

from helpers.data.contracts import ContractError
from helpers.data.datasets import Dataset, load_dataset, scoped
from helpers.digests import data_layer_digest, file_digest
from helpers.paths import cache_dir

CACHE_FORMAT = 1
KEEP_ENTRIES = 24  # entries kept per cache folder; the least recently used beyond this are removed
MANIFEST = "manifest.json"
TABLES = tuple(f.name for f in fields(Dataset) if f.type in ("pd.DataFrame", "pd.DataFrame | None"))


def dataset_key(folder: Path, scope: str | None = None) -> str:
    """Digest of everything a checked dataset depends on: the folder, its files' bytes, the scope, the data layer."""
    folder = Path(folder).resolve()
    digest = hashlib.sha256(f"{CACHE_FORMAT}\x1f{folder}\x1f{scope or ''}\x1f{data_layer_digest()}".encode())
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        digest.update(f"\x1f{path.name}\x1f{file_digest(path)}".encode())
    return digest.hexdigest()


def cached_dataset(folder: Path, scope: str | None = None, root: Path | None = None) -> Dataset:
    """:func:`load_dataset`, read from the cache when the same inputs were checked before (``root``: the cache
    folder, :func:`helpers.paths.cache_dir` by default; ``HELPERS_CACHE_DIR=off`` turns the cache off).

    Bad input raises exactly as :func:`load_dataset` does: only data that passed its checks is stored. The whole
    folder is checked and stored once; a unit's dataset is then cut from it (:func:`scoped`), so a batch of reports
    on one folder checks it once. A unit is checked on its own only when the whole folder fails its checks.
    """
    root = cache_dir() if root is None else root
    if root is None:
        return load_dataset(folder, scope=scope)
    whole_entry = Path(root) / "datasets" / dataset_key(folder)
    whole = _read(whole_entry, Path(folder))
    if whole is None and scope is None:
        whole = load_dataset(folder)
        _write(whole_entry, whole)
    if whole is not None:
        return whole if scope is None else scoped(whole, scope)
    # The first report on this data: check the whole folder once, so every unit's report after it only cuts its
    # rows out. When the whole folder fails, one unit's broken rows must not stop the others: check the scope.
    entry = Path(root) / "datasets" / dataset_key(folder, scope)
    found = _read(entry, Path(folder))
    if found is not None:
        return found
    try:
        whole = load_dataset(folder)
    except ContractError:
        dataset = load_dataset(folder, scope=scope)
        _write(entry, dataset)
        return dataset
    _write(whole_entry, whole)
    return scoped(whole, scope)


def _read(entry: Path, folder: Path) -> Dataset | None:
    """The dataset stored in ``entry``, or None when there is none or it cannot be read whole."""
    try:
        manifest = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))
        tables = {name: pd.read_parquet(entry / f"{name}.parquet") for name in manifest["tables"]}
        os.utime(entry)  # for the least-recently-used pruning
    except (OSError, ValueError, KeyError):
        return None
    values = {name: tables.get(name) for name in TABLES}
    return Dataset(
        folder=folder,
        files=tuple(folder / name for name in manifest["files"]),
        counts_derived=manifest["counts_derived"],
        simulated=manifest["simulated"],
        **values,
    )


def _write(entry: Path, dataset: Dataset) -> None:
    """Store ``dataset`` under ``entry`` atomically; a cache that cannot be written is no cache, not an error."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{entry.name}.", dir=entry.parent))
    except OSError:
        return
    try:
        stored = []
        for name in TABLES:
            frame = getattr(dataset, name)
            if frame is not None:
                frame.to_parquet(staging / f"{name}.parquet", index=True)
                stored.append(name)
        manifest = {
            "format": CACHE_FORMAT,
            "tables": stored,
            "files": [Path(p).name for p in dataset.files],
            "counts_derived": dataset.counts_derived,
            "simulated": dataset.simulated,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        if entry.exists() and _read(entry, Path(dataset.folder)) is None:
            shutil.rmtree(entry, ignore_errors=True)  # an entry that cannot be read is replaced, not kept
        os.replace(staging, entry)  # fails if another process stored the same entry first: theirs is as good
    except OSError:
        pass
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _prune(entry.parent)


def _prune(folder: Path, keep: int = KEEP_ENTRIES) -> None:
    """Remove the least recently used entries beyond ``keep`` (and staging folders of killed runs after a day)."""
    try:
        entries = [p for p in folder.iterdir() if p.is_dir()]
        stale = [p for p in entries if p.name.startswith(".") and _age(p) > 86_400]
        current = sorted((p for p in entries if not p.name.startswith(".")), key=lambda p: p.stat().st_mtime)
    except OSError:
        return
    for path in stale + current[: max(0, len(current) - keep)]:
        shutil.rmtree(path, ignore_errors=True)


def _age(path: Path) -> float:
    import time

    return time.time() - path.stat().st_mtime
