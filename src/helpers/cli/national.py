"""The national-scale commands, ``national`` (generate) and ``counts`` (columnar load-and-aggregate).

:func:`add_commands` registers them on the subparsers of ``python -m helpers``; exit codes are those of
:mod:`helpers.errors` (0 done, 1 failed, 2 bad input).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from helpers.errors import EXIT_BAD_INPUT, EXIT_OK
from helpers.paths import data_root
from helpers.report.formatting import number
from helpers.synth.national import COMMUNES, PROVINCES, SEED
from helpers.text import LANGUAGES, both, t

COUNT_SUFFIXES = (".parquet", ".csv")


def _both_numbers(key: str, **fields) -> str:
    """Vietnamese then English, with whole numbers written in each language's format (45.000 / 45,000)."""

    def filled(lang: str) -> str:
        return t(key, lang, **{k: number(v, lang) if isinstance(v, int) else v for k, v in fields.items()})

    return " / ".join(filled(lang) for lang in LANGUAGES)


def cmd_national(args: argparse.Namespace) -> int:
    """Generate the national registry into ``--out``."""
    from helpers.synth.national import write_national

    if not args.scale > 0:
        print(both("national.bad_scale", value=args.scale), file=sys.stderr)
        return EXIT_BAD_INPUT
    written = write_national(args.out, args.scale, args.seed)
    print(
        _both_numbers(
            "national.written", rows=written.rows, provinces=PROVINCES, communes=COMMUNES, folder=str(written.folder)
        )
    )
    return EXIT_OK


def member_source(path: Path, units: Path | None) -> tuple[Path, Path | None]:
    """The member Parquet file or folder, and the units file: a data folder holding members.parquet gives both,
    and a units.csv beside the members is used when ``units`` is not given."""
    path = Path(path)
    if path.is_dir() and (path / "members.parquet").is_file():
        path = path / "members.parquet"
    if units is None:
        beside = (path if path.is_dir() else path.parent) / "units.csv"
        units = beside if beside.is_file() else None
    return path, units


def cmd_counts(args: argparse.Namespace) -> int:
    """Annual counts per unit or per province from member-level Parquet, checked column by column."""
    from helpers.data.columnar import annual_counts, read_member_columns
    from helpers.data.counts import COUNT_COLUMNS, province_counts
    from helpers.data.datasets import load_table

    for given in (args.path, args.units):
        if given is not None and not given.exists():
            print(both("national.no_path", path=given), file=sys.stderr)
            return EXIT_BAD_INPUT
    if args.out is not None and args.out.suffix.lower() not in COUNT_SUFFIXES:
        print(both("national.bad_out", path=args.out), file=sys.stderr)
        return EXIT_BAD_INPUT
    path, units_file = member_source(args.path, args.units)
    if args.by == "province" and units_file is None:
        print(both("national.needs_units"), file=sys.stderr)
        return EXIT_BAD_INPUT
    units = load_table(units_file, "units") if units_file is not None else None
    members = read_member_columns(path, units, args.max_per_rule)
    counts = annual_counts(members, by=args.by, units=units)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if args.out.suffix.lower() == ".csv":
            args.out.write_text(counts.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
        else:
            counts.to_parquet(args.out, index=False)
        print(_both_numbers("national.counts_written", path=str(args.out), rows=len(counts)))
        return EXIT_OK
    print(
        _both_numbers(
            "national.summary",
            rows=len(counts),
            units=int(counts["unit_code"].nunique()),
            first=str(counts["year"].min()),
            last=str(counts["year"].max()),
            members=len(members),
        )
    )
    print(both("national.totals"))
    print(province_counts(counts)[["year", *COUNT_COLUMNS]].to_string(index=False))
    return EXIT_OK


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``national`` and ``counts`` on the subparsers of ``python -m helpers``."""
    p = sub.add_parser(
        "national",
        help="generate the simulated national registry as Parquet",
        description="Generate a seeded national-size member registry (about 5.6 million rows at "
        "scale 1, 34 provinces, 3,321 communes, 2011-2025): members.parquet with one "
        "row group per province, units.csv and dataset.toml (simulated = true).",
    )
    p.add_argument("--out", type=Path, default=data_root() / "national", help="output folder (default data/national)")
    p.add_argument("--scale", type=float, default=1.0, help="multiplies the number of members (default 1.0)")
    p.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    p.set_defaults(func=cmd_national)

    p = sub.add_parser(
        "counts",
        help="annual counts per unit or province from member-level Parquet",
        description="Read only the columns the counts need from a member-level Parquet file or "
        "folder (or a data folder holding members.parquet), check them against the "
        "members contract and derive the annual counts per unit or per province.",
    )
    p.add_argument("path", type=Path, metavar="PATH", help="member-level Parquet file or folder")
    p.add_argument(
        "--units",
        type=Path,
        help="units table, to check unit codes and to count by province "
        "(default: units.csv beside the members, when present)",
    )
    p.add_argument(
        "--by", choices=("unit", "province"), default="unit", help="count per unit or per province (default unit)"
    )
    p.add_argument("--out", type=Path, help="write the counts to this .parquet or .csv file (default: print a summary)")
    p.add_argument(
        "--max-per-rule",
        type=int,
        default=20,
        help="report at most this many problems per rule and column (default 20)",
    )
    p.set_defaults(func=cmd_counts)
