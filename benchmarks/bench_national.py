"""National scale: columnar load-and-aggregate against pandas on the same data as CSV, and growth from 1× to 16× rows.

    .venv/bin/python benchmarks/bench_national.py [--scale 1.0] [--repeat 3] [--baseline-repeat 1]
        [--workdir /tmp/helpers-national-bench]

(a) the national registry at ``--scale``: ``helpers.data.columnar`` (read five Parquet columns, vectorised checks,
counts) against ``pandas.read_csv`` of the same members as CSV followed by ``annual_counts_from_members``; both
results are compared cell by cell. (b) the columnar path at scale/16, scale/4 and scale (1×, 4×, 16× rows).
Every measurement runs in a fresh subprocess that reports its wall time (best of ``--repeat`` for the columnar
path, of ``--baseline-repeat`` for pandas, which takes minutes at national size) and its peak
resident memory (``ru_maxrss``), so one measurement's memory cannot leak into the next. Data is generated under
``--workdir`` (reused when already there with the same scale and seed). Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tomllib
from pathlib import Path

MIB = 1024  # ru_maxrss is in KiB on Linux


def _rss_kib() -> int:
    """Resident memory now (VmRSS), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _best(repeat: int, steps) -> dict:
    """Run ``steps`` (a function returning {step: seconds} and a result) ``repeat`` times; keep the fastest run."""
    best = None
    for _ in range(repeat):
        times, result = steps()
        if best is None or sum(times.values()) < sum(best[0].values()):
            best = (times, result)
    return best


def child(task: str, folder: Path, repeat: int, out: Path | None, scale: float, seed: int) -> dict:
    """One measurement in this (fresh) process: generate, columnar counts, or pandas CSV counts."""
    import pandas as pd

    from helpers.data.columnar import annual_counts, read_member_columns
    from helpers.data.counts import annual_counts_from_members
    from helpers.data.datasets import load_table
    from helpers.synth.national import write_national

    imported = _rss_kib()
    if task == "generate":
        start = time.perf_counter()
        written = write_national(folder, scale, seed)
        times, rows = {"generate": time.perf_counter() - start}, written.rows
    elif task == "columnar":

        def steps():
            t0 = time.perf_counter()
            units = load_table(folder / "units.csv", "units")
            cols = read_member_columns(folder / "members.parquet", units)
            t1 = time.perf_counter()
            counts = annual_counts(cols)
            return {"read_check": t1 - t0, "count": time.perf_counter() - t1}, (counts, len(cols))

        times, (counts, rows) = _best(repeat, steps)
        counts.to_parquet(out, index=False)
    elif task == "pandas":

        def steps():
            t0 = time.perf_counter()
            members = pd.read_csv(folder / "members.csv", parse_dates=["admission_date", "entry_date", "exit_date"])
            t1 = time.perf_counter()
            counts = annual_counts_from_members(members)
            return {"read_check": t1 - t0, "count": time.perf_counter() - t1}, (counts, len(members))

        times, (counts, rows) = _best(repeat, steps)
        counts.to_parquet(out, index=False)
    else:
        raise ValueError(task)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"times": times, "rows": rows, "peak_kib": peak, "import_kib": imported}


def _run_child(
    task: str, folder: Path, repeat: int = 1, out: Path | None = None, scale: float = 1.0, seed: int = 0
) -> dict:
    command = [
        sys.executable,
        __file__,
        "--child",
        task,
        "--folder",
        str(folder),
        "--repeat",
        str(repeat),
        "--scale",
        repr(scale),
        "--seed",
        str(seed),
    ]
    if out is not None:
        command += ["--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{task} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ensure(folder: Path, scale: float, seed: int) -> dict | None:
    """Generate the registry at ``scale`` in a child (measured), unless the folder already holds it."""
    info = folder / "dataset.toml"
    if info.exists():
        with info.open("rb") as fh:
            known = tomllib.load(fh)
        if known.get("scale") == scale and known.get("seed") == seed:
            return None
    return _run_child("generate", folder, scale=scale, seed=seed)


def _write_csv(folder: Path) -> None:
    """The same members as CSV (ISO dates, empty cells for missing values), streamed row group by row group."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    target = folder / "members.csv"
    if target.exists() and target.stat().st_mtime > (folder / "members.parquet").stat().st_mtime:
        return
    parquet = pq.ParquetFile(folder / "members.parquet")
    plain = pa.schema(
        [
            pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
            for f in parquet.schema_arrow
        ]
    )
    options = pacsv.WriteOptions(quoting_style="needed")
    with pacsv.CSVWriter(target, plain, write_options=options) as writer:
        for i in range(parquet.num_row_groups):
            writer.write_table(parquet.read_row_group(i).cast(plain))


def _mib(kib: float) -> str:
    return f"{kib / MIB:,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="the 16× size, as a national scale (default 1.0)")
    parser.add_argument("--repeat", type=int, default=3, help="columnar runs per measurement, best kept (default 3)")
    parser.add_argument("--baseline-repeat", type=int, default=1, help="pandas runs, best kept (default 1)")
    parser.add_argument("--seed", type=int, default=None, help="generator seed (default helpers.synth.national.SEED)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/helpers-national-bench"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.folder, args.repeat, args.out, args.scale, args.seed)))
        return

    import pandas as pd

    from helpers.synth.national import SEED

    seed = SEED if args.seed is None else args.seed
    scales = (args.scale / 16, args.scale / 4, args.scale)
    folders = [args.workdir / f"scale-{s:g}" for s in scales]
    generated = [_ensure(folder, s, seed) for folder, s in zip(folders, scales)]
    full = folders[-1]
    _write_csv(full)

    # (a) the full size: columnar against pandas on CSV, same data, same run.
    columnar = _run_child("columnar", full, args.repeat, args.workdir / "counts-columnar.parquet")
    baseline = _run_child("pandas", full, args.baseline_repeat, args.workdir / "counts-pandas.parquet")
    pd.testing.assert_frame_equal(
        pd.read_parquet(args.workdir / "counts-columnar.parquet"),
        pd.read_parquet(args.workdir / "counts-pandas.parquet"),
    )
    sizes = {name: (full / name).stat().st_size / 2**20 for name in ("members.parquet", "members.csv")}
    print(
        f"(a) national registry at scale {args.scale:g}: {columnar['rows']:,} members; members.parquet "
        f"{sizes['members.parquet']:,.0f} MiB, members.csv {sizes['members.csv']:,.0f} MiB; best of {args.repeat} "
        f"(columnar) and {args.baseline_repeat} (pandas); counts identical cell by cell\n"
    )
    print("| path | read (+ checks) s | counts s | total s | time ratio | peak MiB | memory ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    base_total, base_peak = sum(baseline["times"].values()), baseline["peak_kib"]
    for name, m in (
        ("pandas.read_csv + annual_counts_from_members (baseline)", baseline),
        ("columnar: 5 Parquet columns + checks + counts", columnar),
    ):
        total = sum(m["times"].values())
        print(
            f"| {name} | {m['times']['read_check']:.2f} | {m['times']['count']:.2f} | {total:.2f} | "
            f"{total / base_total:.3f}× | {_mib(m['peak_kib'])} | {m['peak_kib'] / base_peak:.3f}× |"
        )

    # (b) growth from 1× to 16× rows, each size in its own process.
    print(
        "\n(b) columnar load-and-aggregate from 1× to 16× rows (fresh process per size; peak includes the "
        f"interpreter and imports, {_mib(columnar['import_kib'])} MiB)\n"
    )
    print(
        "| rows | × rows | seconds | time ratio | peak MiB | memory ratio | peak above imports MiB | ratio | "
        "generate s | generate peak MiB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    runs = [
        _run_child("columnar", folder, args.repeat, args.workdir / f"counts-{i}.parquet")
        for i, folder in enumerate(folders[:-1])
    ] + [columnar]
    first = runs[0]
    for run, made in zip(runs, generated):
        seconds, first_seconds = sum(run["times"].values()), sum(first["times"].values())
        above, first_above = run["peak_kib"] - run["import_kib"], first["peak_kib"] - first["import_kib"]
        gen = ("reused", "reused") if made is None else (f"{made['times']['generate']:.1f}", _mib(made["peak_kib"]))
        print(
            f"| {run['rows']:,} | {run['rows'] / first['rows']:.2f}× | {seconds:.2f} | "
            f"{seconds / first_seconds:.2f}× | {_mib(run['peak_kib'])} | {run['peak_kib'] / first['peak_kib']:.2f}× | "
            f"{_mib(above)} | {above / first_above:.2f}× | {gen[0]} | {gen[1]} |"
        )


if __name__ == "__main__":
    main()
