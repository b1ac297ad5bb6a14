"""``python -m helpers <command>``: a thin layer over the package's functions, which tests call directly.

Exit codes: 0 success; 1 a notebook or the program failed; 2 the data or the parameters are wrong; 3 another
annual run holds the lock.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path

import pandas as pd

from helpers.data.contracts import CONTRACTS, Problem
from helpers.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, ContractError, HelpersError, exit_code
from helpers.paths import notebook_file, repo_relative, reports_root, sample_dir
from helpers.registry import entry, notebook_names
from helpers.synth import truth
from helpers.text import LANGUAGES, both, t

FORMATS = ("table", "csv", "json")


def _print_problems(problems: list[Problem], limit: int) -> None:
    for problem in problems[:limit]:
        print(problem, file=sys.stderr)
    if len(problems) > limit:
        print(both("cli.more", n=len(problems) - limit), file=sys.stderr)
    print(both("cli.problems", n=len(problems)), file=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    from helpers.data.datasets import validate_paths
    from helpers.data.terms import load_terms
    from helpers.errors import TermsError

    missing = [p for p in args.paths if not p.exists()]
    if missing:
        args.outcome = EXIT_BAD_INPUT  # stands even if the messages' pipe is closed early
        for path in missing:
            print(both("cli.no_path", path=path), file=sys.stderr)
        return EXIT_BAD_INPUT
    problems = validate_paths(args.paths, args.table)
    unusable = []
    for folder in (p for p in args.paths if p.is_dir()):
        try:
            load_terms(data=folder.resolve())  # the folder's own terms.toml, if it has one, as the reports read it
        except ContractError as err:
            problems.extend(err.problems)
        except TermsError as err:
            unusable.append(err)
    if problems or unusable:
        args.outcome = EXIT_BAD_INPUT
        for err in unusable:
            print(err, file=sys.stderr)
        if problems:
            _print_problems(problems, args.max_problems)
        return EXIT_BAD_INPUT
    print(both("cli.valid", paths=", ".join(str(p) for p in args.paths)))
    return EXIT_OK


def cmd_check_published(args: argparse.Namespace) -> int:
    from helpers.data.published import check_figures, format_check, load_figures

    result = check_figures(load_figures(args.paths or None))
    print(format_check(result, args.lang, only_mismatches=args.only_mismatches))
    mismatches = int((result["verdict"] == "mismatch").sum())
    return EXIT_FAILED if (args.strict and mismatches) else EXIT_OK


def cmd_check_report(args: argparse.Namespace) -> int:
    """Read rendered reports as a committee member would: the text checks of helpers.report.checks."""
    from helpers.report.checks import check_report

    found = 0
    for path in args.paths:
        try:
            html = path.read_text(encoding="utf-8")
        except OSError as err:
            print(both("cli.check_report.unreadable", file=path, error=err.strerror or err), file=sys.stderr)
            return EXIT_BAD_INPUT
        language = args.language or ("en" if 'lang="en"' in html[:2000] else "vi")
        problems = check_report(html, language)
        found += len(problems)
        for problem in problems:
            print(f"{path}: {problem}")
    print(both("cli.check_report.summary", files=len(args.paths), problems=found), file=sys.stderr)
    return EXIT_FAILED if found else EXIT_OK


def cmd_synth(args: argparse.Namespace) -> int:
    from helpers.synth.province import generate, to_csv_text, write_sample

    if args.check:
        for name, frame in generate(args.seed).tables.items():
            path = args.out / f"{name}.csv"
            if not path.exists() or path.read_text(encoding="utf-8") != to_csv_text(frame):
                print(both("cli.synth_differs", file=path, seed=args.seed), file=sys.stderr)
                return EXIT_FAILED
        print(both("cli.synth_same", folder=args.out, seed=args.seed))
        return EXIT_OK
    written = write_sample(args.out, args.seed)
    print(both("cli.synth_written", n=len(written), folder=args.out))
    return EXIT_OK


def _checked_series(args: argparse.Namespace):
    """Load the data under its contracts, check the unit and its series: bad input stops before any notebook runs."""
    from helpers.analyses.trends import check_series
    from helpers.data.cache import cached_dataset
    from helpers.data.counts import counts_for_unit
    from helpers.data.datasets import check_unit

    dataset = cached_dataset(args.data, scope=args.unit)  # the report's kernel then reads the checked tables
    check_unit(dataset, args.unit)
    return check_series(counts_for_unit(dataset.annual_counts, dataset.units, args.unit), args.unit)


def cmd_report(args: argparse.Namespace) -> int:
    from helpers.data.terms import term_list_problems
    from helpers.errors import ParameterProblem
    from helpers.report.parameters import check_parameters

    check_parameters(args.unit, args.year, args.terms, args.target_change_pct, args.language, args.threshold)
    from helpers.run.render import declared_parameters

    notebook = notebook_file(args.notebook)
    declared = declared_parameters(notebook)
    per_unit = "unit" in declared  # the national report is on the whole folder and checks it itself
    # The terms against the terms configuration and the data's years, before the data is loaded (seconds, not a
    # minute into the notebook). A report compares each term with the one before; an analysis may take one.
    found = entry(args.notebook)
    if per_unit:
        minimum = 2 if found and found.kind == "report" else 1
        problems = term_list_problems(args.terms, args.data, args.unit, minimum=minimum)
        if problems:
            raise ParameterProblem("\n".join(problems))
    from helpers.run.warm import warming

    with warming() as in_kernel:  # the kernel starts and imports while the data is checked here
        return _checked_render(args, notebook, declared, per_unit, in_kernel)


def _checked_render(args: argparse.Namespace, notebook: Path, declared: dict, per_unit: bool, in_kernel) -> int:
    """The rest of ``report``: check the data and the unit's series, then render in the warming kernel."""
    from helpers.run.render import render

    if per_unit:
        series = _checked_series(args)
        last = int(series["year"].max())
        if args.year > last:
            print(both("committee.error.year_after_data", value=args.year, last=last), file=sys.stderr)
            return EXIT_BAD_INPUT
    offered = {
        "data_path": repo_relative(args.data),
        "unit": args.unit,
        "terms": args.terms,
        "kinds": args.kinds,
        "language": args.language,
        "target_change_pct": args.target_change_pct,
        "last_year": args.last_year,
        "suppression_threshold": args.threshold,
        "year": args.year,
    }
    parameters = {k: v for k, v in offered.items() if k in declared}
    name = f"{args.notebook}-{args.unit}-{args.language}" if per_unit else f"{args.notebook}-{args.language}"
    out = args.out or reports_root() / f"{name}.html"
    title_key = entry(args.notebook).title_key if entry(args.notebook) else "report.title"
    rendered = in_kernel(render, notebook, parameters, out, t(title_key, args.language))
    print(both("cli.report_written", path=rendered.html))
    return EXIT_OK


def cmd_reports(args: argparse.Namespace) -> int:
    """The annual run: plan, lock the output folder, render what changed, print the account, write the index."""
    from helpers.run import annual as ar

    out_root = (args.out or reports_root() / "annual").resolve()
    if args.plan:
        jobs = ar.plan_file(args.plan, out_root)
    else:
        jobs = ar.plan_units(
            repo_relative(args.data),
            out_root,
            args.year,
            args.levels,
            args.units,
            tuple(args.languages),
            tuple(args.notebooks),
        )
    return run_jobs(jobs, out_root, args)


def run_jobs(jobs: list, out_root: Path, args: argparse.Namespace) -> int:
    """Run planned jobs as ``--jobs``/``--scheduler``/``--force``/``--no-progress``/``--format`` say: lock the output
    folder, render what changed, print the account and write the index (the annual and the national run)."""
    from contextlib import nullcontext

    from helpers.run import annual as ar

    if args.scheduler:
        executor_cm = ar.dask_executor(args.scheduler)
        planned = both("annual_run.planned_dask", n=len(jobs), address=args.scheduler)
    else:
        workers = args.jobs or os.cpu_count() or 1
        executor_cm = nullcontext(ar.local_executor(workers))
        planned = both("annual_run.planned_local", n=len(jobs), workers=workers)
    with ar.run_lock(out_root):
        print(planned, file=sys.stderr)
        with executor_cm as executor:
            try:
                summary = ar.run(
                    jobs,
                    executor,
                    out_root,
                    args.force,
                    None if args.no_progress else ar.progress_printer(language=jobs[0].language),
                )
            finally:
                if not args.scheduler:
                    executor.shutdown(wait=True, cancel_futures=True)
    if args.format == "json":
        print(json.dumps([ar.outcome_record(o) for o in summary.outcomes], ensure_ascii=False, indent=1))
    else:
        print("\n".join(ar.summary_lines(summary, out_root)))
    return EXIT_FAILED if summary.failed else EXIT_OK


def cmd_term_table(args: argparse.Namespace) -> int:
    """Exits per congress term and the percent change against the previous term, as the source documents state it."""
    from helpers.report.sections.term_table import TermTableReport

    report = TermTableReport.build(str(args.data), args.unit, args.terms, args.kinds, "vi", args.last_year)
    _print_tables({"terms": report.table}, args.format)
    return EXIT_OK


def cmd_trends(args: argparse.Namespace) -> int:
    """The term table, the annual percent change per term, the knot tests and the model fitted to each series; notes
    on stderr for years outside every term and series with no exits."""
    from helpers.analyses.trends import NO_EXITS
    from helpers.report.sections.trends import TrendsReport, outside_terms_fields

    report = TrendsReport.build(
        str(args.data),
        args.unit,
        args.terms,
        args.kinds,
        args.target_change_pct,
        args.last_year,
        "vi",
        shift_at=args.shift_at,
        aapc_since=args.aapc_since,
    )
    if report.outside_years:
        terms = report.base.terms.for_province(report.base.province)
        print(both("report.terms.outside", **outside_terms_fields(report.outside_years, terms)), file=sys.stderr)
    models = pd.DataFrame([fit.model() for fit in report.fits.values()])
    for m in models[models["family"] == NO_EXITS].itertuples():
        print(both("trends.cli.no_exits", series=m.series, first=m.first_year, last=m.last_year), file=sys.stderr)
    apc = report.apc.drop(columns=["slope", "se"], errors="ignore")
    tables = {"terms": report.base.table, "apc": apc, "knot_tests": report.knots_tested, "models": models}
    tables |= joinpoint_tables(report, args.compare_with)
    _print_tables(tables, args.format)
    return EXIT_OK


def joinpoint_tables(report, compare_with: str = "") -> dict[str, pd.DataFrame]:
    """The trends command's tables beyond the term knots: each series' segments between the joinpoints chosen from
    the data, the permutation tests and BIC that chose them, the AAPC of both models, the kinds compared, and
    the jump and the comparison with another unit when asked for."""
    segments = pd.concat([s.model.segments() for s in report.selections.values()], ignore_index=True)
    tests = [s.tests.assign(series=name) for name, s in report.selections.items()]
    tables = {
        "joinpoints": segments,
        "joinpoint_tests": pd.concat(tests, ignore_index=True)[["series", *tests[0].columns[:-1]]] if tests else None,
        "joinpoint_bic": pd.concat(
            [s.criteria.assign(series=name) for name, s in report.selections.items()], ignore_index=True
        ),
        "aapc": report.aapcs,
        "comparison": report.comparison,
        "shift": pd.DataFrame([report.shift]) if report.shift else None,
        "compare_with": report.compare_with(compare_with) if compare_with else None,
    }
    return {name: frame for name, frame in tables.items() if frame is not None}


def cmd_profiles(args: argparse.Namespace) -> int:
    """Profile tables of the chosen term, with counts under the threshold withheld (the output may be shared)."""
    from helpers.analyses.profiles import ATTRIBUTES, association
    from helpers.report.sections.profiles import ProfilesReport, withheld_profile

    report = ProfilesReport.build(str(args.data), args.unit, [args.term], args.term, args.kinds, args.threshold, "vi")
    rows, tests = [], []
    for attribute in ATTRIBUTES:
        rows.append(withheld_profile(report.tables[attribute], args.kinds, args.threshold)[0])
        result = association(report.tables[attribute])
        tests.append(
            {
                "attribute": attribute,
                "chi2": result.chi2,
                "dof": result.dof,
                "p_value": result.p_value,
                "cramers_v_corrected": result.cramers_v_corrected,
            }
        )
    profiles = pd.concat(rows, ignore_index=True)[
        [
            "attribute",
            "category",
            *args.kinds,
            "leavers",
            "leaver_share",
            "member_share",
            "ratio",
            "ratio_low",
            "ratio_high",
        ]
    ]
    _print_tables({"profiles": profiles, "tests": pd.DataFrame(tests), "adjusted": report.adjusted}, args.format)
    return EXIT_OK


def cmd_admissions(args: argparse.Namespace) -> int:
    """Admissions against plan, at mid-year, against the membership, and the new members' profile (withheld)."""
    from helpers.report.sections.admissions import AdmissionsReport, admissions_tables

    report = AdmissionsReport.build(
        str(args.data),
        args.unit,
        args.terms,
        args.year,
        args.threshold,
        "vi",
        rate_band=tuple(args.rate_band),
        midyear=args.midyear,
    )
    _print_tables(admissions_tables(report), args.format)
    return EXIT_OK


def cmd_ratings(args: argparse.Namespace) -> int:
    """Quality-rating shares by year, their change over the terms, the weak-organisation target, units that differ."""
    from helpers.report.sections.ratings import RatingsReport, ratings_tables

    report = RatingsReport.build(
        str(args.data), args.unit, args.terms, args.year, args.threshold, "vi", weak_target_pct=args.weak_target_pct
    )
    _print_tables(ratings_tables(report), args.format)
    return EXIT_OK


def cmd_management(args: argparse.Namespace) -> int:
    """Screening, exemptions (units above the threshold flagged), members working far away and registered at home."""
    from helpers.report.sections.management import ManagementReport, management_tables

    report = ManagementReport.build(
        str(args.data), args.unit, args.year, args.threshold, "vi", exemption_threshold_pct=args.exemption_threshold_pct
    )
    _print_tables(management_tables(report), args.format)
    return EXIT_OK


def cmd_causes(args: argparse.Namespace) -> int:
    """Cause groups among leavers (suppressed), survey ratings, the 7 × 7 correlations, the matched-pair test and the
    branch model."""
    from helpers.report.sections.causes import CausesReport, _cause_counts, too_few_branches_sentence
    from helpers.report.suppression import suppress

    report = CausesReport.build(
        str(args.data), args.unit, args.terms, args.method, args.respondent_type, args.threshold, "vi"
    )
    counts = _cause_counts(report.causes)
    hidden = suppress(counts.astype(int), args.threshold).hidden
    causes = counts.astype(object).where(~hidden, None).reset_index()
    result = report.correlation
    pairs = pd.DataFrame(
        [
            {
                "cause": i,
                "solution": j,
                "r": result.r.loc[i, j],
                "ci_low": result.ci_low.loc[i, j],
                "ci_high": result.ci_high.loc[i, j],
                "n": int(result.n.loc[i, j]),
                "p": result.p.loc[i, j],
                "p_holm": result.p_holm.loc[i, j],
                "p_bh": result.p_bh.loc[i, j],
            }
            for i in result.r.index
            for j in result.r.columns
        ]
    )
    test = report.matched
    matched = pd.DataFrame(
        [
            {
                "statistic": test.statistic,
                "mean_matched": test.mean_matched,
                "mean_unmatched": test.mean_unmatched,
                "p_one_sided_negative": test.p_one_sided_negative,
                "p_two_sided": test.p_two_sided,
                "permutations": test.n_permutations,
            }
        ]
    )
    tables = {"causes": causes, "ratings": report.ratings, "correlations": pairs, "matched_pair_test": matched}
    if report.branch_model is not None:
        tables["branch_model"] = report.branch_model
    else:
        print(too_few_branches_sentence(report.too_few_branches, "vi"), file=sys.stderr)
    _print_tables(tables, args.format)
    return EXIT_OK


def _print_tables(tables: dict, fmt: str) -> None:
    """Print named tables as aligned text, CSV blocks separated by a blank line, or one JSON object."""
    if fmt == "json":
        print(
            json.dumps(
                {k: v.astype(object).where(v.notna(), None).to_dict("records") for k, v in tables.items()},
                ensure_ascii=False,
                indent=1,
                default=_json_value,
            )
        )
        return
    for i, (name, frame) in enumerate(tables.items()):
        if i:
            print()
        if fmt == "csv":
            print(frame.to_csv(index=False, lineterminator="\n"), end="")
        else:
            print(f"# {name}")
            print(frame.round(4).to_string(index=False))


def _json_value(value):
    """NumPy and pandas scalars as plain JSON values, missing values as null."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else str(value)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show the full traceback on errors"
    )
    parser = argparse.ArgumentParser(prog="python -m helpers", description=both("cli.description"), parents=[common])
    parser.set_defaults(debug=False)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add = sub.add_parser

    def sub_add_parser(name: str, **kwargs) -> argparse.ArgumentParser:
        return add(name, parents=[common], **kwargs)

    sub.add_parser = sub_add_parser  # every command accepts --debug too

    p = sub.add_parser(
        "validate",
        help="check data files or folders against their contracts",
        description="Check CSV/XLSX/Parquet files, or whole data folders, against the written "
        "contracts. Exit 0 when valid, 2 with one message per problem otherwise.",
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a data file or a data folder")
    p.add_argument(
        "--table",
        choices=sorted(CONTRACTS),
        help="which table a file holds (default: from its name, else from its headers)",
    )
    p.add_argument("--max-problems", type=int, default=200, help="print at most this many problems (default 200)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "check-published",
        help="recompute every stated percentage in the published figures",
        description="Recompute the stated percentages, percent changes, plan attainments and totals "
        "of data/published/figures*.csv (or the given files) and list mismatches.",
    )
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="figures files (default: data/published)")
    p.add_argument("--lang", choices=LANGUAGES, default="vi", help="language of the listing (default vi)")
    p.add_argument("--only-mismatches", action="store_true", help="list only the figures that do not match")
    p.add_argument("--strict", action="store_true", help="exit 1 when any figure does not match")
    p.set_defaults(func=cmd_check_published)

    p = sub.add_parser(
        "check-report",
        help="read rendered reports for repeated paragraphs, unexplained symbols, jargon and small figure text",
        description="The text checks of the rendered reports: a paragraph said twice, a table symbol without its "
        "legend (or a legend without its symbol), an internal identifier, a summary number the body does not give, "
        "a technical term outside the appendix, figure text under the body size on a phone. Exit 1 on any.",
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="HTML", help="rendered report files")
    p.add_argument("--language", choices=LANGUAGES, help="the reports' language (default: read from the page)")
    p.set_defaults(func=cmd_check_report)

    p = sub.add_parser(
        "synth",
        help="generate the synthetic default province",
        description="Generate the seeded synthetic province (members, annual counts, survey, units, "
        "targets, admission plans and sources, quality ratings, member management) "
        "calibrated to the published figures of Tây Ninh, Hòa Bình and Ho Chi Minh City.",
    )
    p.add_argument("--out", type=Path, default=sample_dir(), help="output folder (default data/sample)")
    p.add_argument("--seed", type=int, default=truth.SEED, help=f"random seed (default {truth.SEED})")
    p.add_argument(
        "--check",
        action="store_true",
        help="compare the folder with what the generator makes; exit 1 if any file differs",
    )
    p.set_defaults(func=cmd_synth)

    def data_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data", type=Path, default=sample_dir(), help="data folder (default data/sample)")
        p.add_argument("--unit", default=truth.PROVINCE_CODE, help="unit code (default SIM, the synthetic province)")

    def shared_output_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--threshold", type=int, default=10, help="withhold counts below this (default 10)")
        p.add_argument("--format", choices=FORMATS, default="table", help="output format (default table)")

    def analysis_options(p: argparse.ArgumentParser) -> None:
        data_options(p)
        p.add_argument("--terms", nargs="+", default=list(truth.TERMS), help="terms to analyse, oldest first")
        p.add_argument("--kinds", nargs="+", default=["removed", "asked_to_leave"], help="kinds of exit to count")
        p.add_argument(
            "--target-change-pct",
            type=float,
            default=-1.0,
            help="required reduction against the previous term in %% (default: from targets.csv)",
        )
        p.add_argument("--last-year", type=int, default=0, help="ignore data after this year (default: use all)")

    p = sub.add_parser(
        "report",
        help="render a report notebook to HTML",
        description="Validate the data, execute a notebook with papermill and render it to one HTML "
        "file in reports/ with no code visible.",
    )
    analysis_options(p)
    p.add_argument(
        "--notebook", choices=notebook_names(), default="committee", help="which report (default: the committee report)"
    )
    p.add_argument("--year", type=int, default=0, help="last year the committee report covers (default: the data's)")
    p.add_argument("--threshold", type=int, default=10, help="hide counts below this in shared tables (default 10)")
    p.add_argument("--language", choices=LANGUAGES, default="vi", help="report language (default vi)")
    p.add_argument("--out", type=Path, help="output HTML file (default reports/NOTEBOOK-UNIT-LANG.html)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "reports",
        help="the annual run: render the report of the province and every unit",
        description="Render a report for every unit at the chosen levels (or every parameter set of a "
        "YAML plan), in parallel, into OUT/YEAR/UNIT/. Reports whose inputs have not changed "
        "are skipped; a failed report does not stop the others and is named at the end with "
        "why. Writes OUT/index.html. Exit 0 when all reports are made, 1 when any failed, 2 "
        "when the run cannot be planned, 3 when another run holds the lock.",
    )
    p.add_argument("--data", type=Path, default=sample_dir(), help="data folder (default data/sample)")
    p.add_argument("--year", type=int, default=0, help="last year the reports cover (default: the data's last)")
    p.add_argument("--levels", nargs="+", help="unit levels to report on, e.g. province district (default: all)")
    p.add_argument("--units", nargs="+", help="these unit codes only (default: every unit at the levels)")
    p.add_argument("--languages", nargs="+", choices=LANGUAGES, default=["vi"], help="report languages (default vi)")
    p.add_argument(
        "--notebooks",
        nargs="+",
        default=["committee", "quality"],
        help=f"report notebooks: {', '.join(notebook_names())} or paths (default: committee quality, "
        "the two committee reports)",
    )
    p.add_argument("--plan", type=Path, help="YAML file of parameter sets (replaces --data/--year/--levels/--units)")
    p.add_argument("--out", type=Path, help="output folder (default reports/annual)")
    p.add_argument("--jobs", type=int, default=0, help="reports rendered at once on this machine (default: cores)")
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="submit the reports to this Dask distributed scheduler "
        "(e.g. tcp://10.0.0.5:8786) instead of local processes",
    )
    p.add_argument("--force", action="store_true", help="re-render every report, even those with unchanged inputs")
    p.add_argument("--no-progress", action="store_true", help="no progress bar or per-report lines")
    p.add_argument("--format", choices=("table", "json"), default="table", help="end-of-run account format")
    p.set_defaults(func=cmd_reports)

    p = sub.add_parser(
        "profiles",
        help="print who leaves against the membership, for one term",
        description="Profile the leavers of one term against the membership (member-years): shares, "
        "over-representation ratios with 95% CI, chi-square tests, the adjusted model. "
        "Counts under the threshold are withheld.",
    )
    data_options(p)
    p.add_argument("--term", default="2015-2020", help="the term whose leavers are profiled (default 2015-2020)")
    p.add_argument("--kinds", nargs="+", default=["removed", "asked_to_leave"], help="kinds of exit counted")
    shared_output_options(p)
    p.set_defaults(func=cmd_profiles)

    p = sub.add_parser(
        "causes",
        help="print cause groups, survey ratings, cause × solution correlations",
        description="Cause groups of leavers (counts under the threshold withheld), survey ratings, "
        "the 7 × 7 cause × solution correlations with Holm and Benjamini-Hochberg "
        "adjustment, the exact matched-pair permutation test and the branch-level model.",
    )
    data_options(p)
    p.add_argument("--terms", nargs="+", default=["2015-2020", "2020-2025"], help="terms whose leavers are counted")
    p.add_argument("--method", choices=("spearman", "kendall"), default="spearman", help="rank correlation")
    p.add_argument("--respondent-type", choices=("all", "branch", "former_member"), default="all")
    shared_output_options(p)
    p.set_defaults(func=cmd_causes)

    p = sub.add_parser(
        "admissions",
        help="print admissions against plan, at mid-year, as a rate, and who is admitted",
        description="Admitted against the plan per year and over the terms (attainment as the source "
        "documents state it), the first half of a year projected to year end with the units "
        "behind plan named, the admission rate against the 3-4%% band, and the new members' "
        "profile against their pool (counts under the threshold withheld).",
    )
    data_options(p)
    p.add_argument("--terms", nargs="+", default=["2015-2020", "2020-2025"], help="terms, oldest first")
    p.add_argument("--year", type=int, default=0, help="last year counted (default: the data's last)")
    p.add_argument("--midyear", type=int, default=0, help="year whose first half is checked (default: --year)")
    p.add_argument(
        "--rate-band",
        nargs=2,
        type=float,
        default=[3.0, 4.0],
        metavar=("LOW", "HIGH"),
        help="admissions a year as %% of members (default 3 4)",
    )
    shared_output_options(p)
    p.set_defaults(func=cmd_admissions)

    p = sub.add_parser(
        "ratings",
        help="print quality-rating shares, their change, the target, units that differ",
        description="Shares of grassroots organisations and members in each quality rating per year with "
        "95%% intervals, the change over each term, weak organisations against the target, "
        "and which subordinate units' ratings differ from the rest (Holm-adjusted).",
    )
    data_options(p)
    p.add_argument("--terms", nargs="+", default=["2015-2020", "2020-2025"], help="terms, oldest first")
    p.add_argument("--year", type=int, default=0, help="year whose units are compared (default: the last)")
    p.add_argument("--weak-target-pct", type=float, default=0.5, help="weak organisations below this %% (default 0.5)")
    shared_output_options(p)
    p.set_defaults(func=cmd_ratings)

    p = sub.add_parser(
        "management",
        help="print screening, exemptions, far-away and Regulation 76 members",
        description="Members screened and removed as a result, the share exempted from duties and "
        "activities per unit with units above the threshold flagged, members working far "
        "away (and overdue), members registered where they live (Regulation 76).",
    )
    data_options(p)
    p.add_argument("--year", type=int, default=0, help="year shown (default: the last)")
    p.add_argument(
        "--exemption-threshold-pct",
        type=float,
        default=10.0,
        help="flag units with more than this %% exempted (default 10)",
    )
    shared_output_options(p)
    p.set_defaults(func=cmd_management)

    p = sub.add_parser(
        "term-table",
        help="print the exits per congress term and their change against the previous term",
        description="Totals of each kind of exit per congress term, the rate per 1,000 members and the "
        "percent change against the previous term, as the source documents state them.",
    )
    analysis_options(p)
    p.add_argument("--format", choices=FORMATS, default="table", help="output format (default table)")
    p.set_defaults(func=cmd_term_table)

    p = sub.add_parser(
        "trends",
        help="print the per-term table, the annual percent change per term and the joinpoints chosen from the data",
        description="Fit the segmented trend model for a unit and print the per-term totals with their "
        "percent change and the annual percent change of each term with its 95%% CI; then the joinpoints chosen "
        "from the data (permutation tests, BIC beside them), each segment's APC, the AAPC of both models, and "
        "the parallelism and coincidence tests of the two kinds.",
    )
    analysis_options(p)
    p.add_argument("--shift-at", type=int, default=0, help="fit a jump in level from this year (default: none)")
    p.add_argument("--aapc-since", type=int, default=0, help="add the AAPC from this year to the last (default: none)")
    p.add_argument(
        "--compare-with",
        default="",
        metavar="UNIT",
        help="compare the combined rate with this unit's (the rest of it, if it contains the unit)",
    )
    p.add_argument("--format", choices=FORMATS, default="table", help="output format (default table)")
    p.set_defaults(func=cmd_trends)

    from helpers.cli.data import add_commands as add_data_commands
    from helpers.cli.national import add_commands

    add_data_commands(sub)
    add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command. Output piped into ``head`` and closed early is not an error, but it does not change the
    outcome either: a command sets ``args.outcome`` before it prints what decides it (``validate`` before its
    problems, the error handlers before their message), and that is the exit code when the pipe closes."""
    args = build_parser().parse_args(argv)
    args.outcome = EXIT_OK
    try:
        args.outcome = _run(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit, where Python would end with code 120
        sys.stderr.flush()
    except BrokenPipeError:
        _discard_output()
    return args.outcome


def _run(args: argparse.Namespace) -> int:
    try:
        return args.func(args)
    except BrokenPipeError:
        raise
    except ContractError as err:
        args.outcome = EXIT_BAD_INPUT
        if args.debug:
            traceback.print_exc()
        _print_problems(err.problems, getattr(args, "max_problems", 200))
        return EXIT_BAD_INPUT
    except HelpersError as err:
        args.outcome = exit_code(err)
        if args.debug:
            traceback.print_exc()
        print(err, file=sys.stderr)
        return exit_code(err)
    except Exception as err:  # noqa: BLE001 - the command line reports, it does not crash
        args.outcome = EXIT_FAILED
        if args.debug:
            traceback.print_exc()
        print(both("cli.unexpected", error=f"{type(err).__name__}: {err}"), file=sys.stderr)
        return EXIT_FAILED


def _discard_output() -> None:
    """After a pipe closed early: point stdout and stderr at the null device, so what is still buffered does not
    fail again when Python flushes it at exit (which would print a traceback and end with code 120)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for stream in (sys.stdout, sys.stderr):
            try:
                os.dup2(devnull, stream.fileno())
            except (AttributeError, OSError, ValueError):  # not a file descriptor (a test's captured output)
                pass
    finally:
        os.close(devnull)
