"""Import of a 100,000-member export of the member-database software (XLSX) against pandas.read_excel of the same
file, in the same run.

    .venv/bin/python benchmarks/bench_import.py --members 100000 --repeat 2

Baselines: ``pandas.read_excel(path, dtype=str)`` with its default engine (openpyxl), the way the suite read XLSX
before, and with ``engine="calamine"``. Ours: ``import_csdl`` (title rows found, headers mapped, identifiers
pseudonymised and dropped, codes mapped), then the whole ``python -m helpers import`` path (also the members
contract, the derived annual counts and the atomic write).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers.data.datasets import load_dataset  # noqa: E402
from helpers.paths import sample_dir  # noqa: E402
from timing import best_of  # noqa: E402


def widened(members: pd.DataFrame, n: int) -> pd.DataFrame:
    """The default province's members repeated (with new ids) up to ``n`` rows, so the export has ``n`` members."""
    copies, parts = 0, []
    while sum(len(p) for p in parts) < n:
        part = members.copy()
        if copies:
            part["member_id"] = part["member_id"].astype(str) + f"-{copies}"
        parts.append(part)
        copies += 1
    return pd.concat(parts, ignore_index=True).iloc[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    from helpers.cli.data import run_import
    from helpers.data.importers.csdl import import_csdl
    from helpers.synth.exports import write_csdl_export

    sample = load_dataset(sample_dir())
    dataset = SimpleNamespace(members=widened(sample.members, args.members), units=sample.units)
    with tempfile.TemporaryDirectory() as tmp:
        export = write_csdl_export(dataset, Path(tmp) / "export.xlsx", "xlsx").path
        size = export.stat().st_size / 2**20
        units = Path(tmp) / "units.csv"
        sample.units.to_csv(units, index=False)
        runs = {
            "pandas.read_excel (openpyxl, baseline)": lambda: pd.read_excel(export, dtype=str),
            'pandas.read_excel(engine="calamine")': lambda: pd.read_excel(export, dtype=str, engine="calamine"),
            "import_csdl (read, find header, map, pseudonymise)": lambda: import_csdl(
                [export], units=sample.units, salt=b"benchmark"
            ),
            "python -m helpers import (… + contract, counts, atomic write)": lambda: run_import(
                [export], "csdl", Path(tmp) / f"out-{len(list(Path(tmp).iterdir()))}", units
            ),
        }
        seconds = {name: best_of(args.repeat, run) for name, run in runs.items()}
    base = seconds["pandas.read_excel (openpyxl, baseline)"]
    print(f"export: {args.members:,} members, {size:.1f} MiB; best of {args.repeat}")
    print("| step | seconds | ratio to pandas.read_excel |")
    print("|---|---:|---:|")
    for name, value in seconds.items():
        print(f"| {name} | {value:.2f} | {value / base:.2f}× |")


if __name__ == "__main__":
    main()
