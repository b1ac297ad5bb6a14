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


def cmd_national_reports(args: argparse.Namespace) -> int:
    """The national annual run: cut the registry into province folders (when it changed), then the committee
    report of every province and the national report, as annual-run jobs."""
    from helpers.cli.main import run_jobs
    from helpers.paths import reports_root
    from helpers.run import national as nr

    out_root = (args.out or reports_root() / "national").resolve()
    print(both("national_run.preparing", registry=str(args.registry)), file=sys.stderr)
    inputs = nr.prepare(args.registry, args.provinces)
    jobs = nr.plan(inputs, out_root, args.year, tuple(args.languages))
    return run_jobs(jobs, out_root, args)


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

    p = sub.add_parser(
        "national-reports",
        help="the national annual run: every province's committee report and the national report",
        description="From the national Parquet registry: cut one data folder per current province and one "
        "national folder (again only when the registry changed), then render the committee report of every "
        "province and the national report, in parallel, into OUT/YEAR/PROVINCE/ and OUT/YEAR/nation/, with "
        "OUT/index.html. Reports whose inputs have not changed are skipped. Exit codes as for `reports`.",
    )
    p.add_argument(
        "--registry", type=Path, default=data_root() / "national", help="national registry (default data/national)"
    )
    p.add_argument("--provinces", nargs="+", help="these current provinces only (default: all)")
    p.add_argument("--year", type=int, default=0, help="last year the reports cover (default: the data's last)")
    p.add_argument("--languages", nargs="+", choices=LANGUAGES, default=["vi"], help="report languages (default vi)")
    p.add_argument("--out", type=Path, help="output folder (default reports/national)")
    p.add_argument("--jobs", type=int, default=0, help="reports rendered at once on this machine (default: cores)")
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="submit the reports to this Dask distributed scheduler instead"
    )
    p.add_argument("--force", action="store_true", help="re-render every report, even those with unchanged inputs")
    p.add_argument("--no-progress", action="store_true", help="no progress bar or per-report lines")
    p.add_argument("--format", choices=("table", "json"), default="table", help="end-of-run account format")
    p.set_defaults(func=cmd_national_reports)
