"""The annual run: planning, fingerprints, skipping, failures kept apart, the lock, the index, Dask, resuming."""

from __future__ import annotations

import configparser
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from helpers.cli.main import build_parser
from helpers.data.datasets import load_table
from helpers.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_LOCKED, EXIT_OK
from helpers.paths import REPO_ROOT, sample_dir
from helpers.run import annual as ar
from helpers.run.index import index_html

DOCS = REPO_ROOT / "docs"


def edit_row(path: Path, unit: str, column: str, value: str, occurrence: int = 0) -> int:
    """Set ``column`` of the ``occurrence``-th row of ``unit`` in a CSV file, leaving every other byte alone;
    returns the file row (header = 1)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    header = lines[0].split(",")
    seen = -1
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split(",")
        if len(cells) == len(header) and cells[header.index("unit_code")] == unit:
            seen += 1
            if seen == occurrence:
                cells[header.index(column)] = value
                lines[number - 1] = ",".join(cells)
                path.write_text("\n".join(lines), encoding="utf-8")
                return number
    raise AssertionError(f"no row {occurrence} of {unit} in {path}")


def by_unit(summary: ar.Summary) -> dict[str, str]:
    return {o.job.unit: o.status for o in summary.outcomes}


# --- planning -------------------------------------------------------------------------------------------------


def test_units_for_year_follow_validity_and_mergers() -> None:
    units = load_table(sample_dir() / "units.csv", "units")
    districts = [f"D0{i}" for i in range(1, 10)]
    # In 2025 SIM merged into SIMX: the successor's report carries the series, so SIM is not listed twice.
    assert ar.units_for_year(units, 2025) == ["SIMX", *districts]
    assert ar.units_for_year(units, 2024) == ["SIM", *districts]
    assert ar.units_for_year(units, 2024, ["province"]) == ["SIM"]
    assert ar.units_for_year(units, 2026, ["district"]) == []


def test_plan_units_makes_one_job_per_unit_and_language_in_its_own_folder(tmp_path: Path) -> None:
    jobs = ar.plan_units("data/sample", tmp_path, 0, ["district"], None, ("vi", "en"), "term-table")
    assert len(jobs) == 18 and {j.year for j in jobs} == {2025}
    assert {j.html for j in jobs} == {
        tmp_path / "2025" / f"D0{i}" / f"term-table-{lang}.html" for i in range(1, 10) for lang in ("vi", "en")
    }
    assert jobs[0].parameters == {"data_path": "data/sample", "unit": "D01", "language": "vi"}
    both_reports = ar.plan_units("data/sample", tmp_path, 2024, None, ["SIM"], ("vi",))
    assert [(j.name, j.parameters["year"]) for j in both_reports] == [("committee-vi", 2024), ("quality-vi", 2024)]
    assert both_reports[1].title.startswith("BÁO CÁO CÔNG TÁC PHÁT TRIỂN")


def test_fingerprints_change_only_for_reports_that_read_the_changed_rows(sample_copy: Path, tmp_path: Path) -> None:
    def prints() -> dict[str, str]:
        jobs = ar.plan_units(str(sample_copy), tmp_path, 2025, None, ["SIMX", "D01", "D05"], ("vi",), "term-table")
        return {j.unit: j.fingerprint for j in jobs}

    before = prints()
    assert len(set(before.values())) == 3
    edit_row(sample_copy / "members.csv", "D05", "birth_year", "1970")
    after = prints()
    assert after["D01"] == before["D01"]
    assert after["D05"] != before["D05"] and after["SIMX"] != before["SIMX"]
    # The units table is read whole by every report.
    units = sample_copy / "units.csv"
    units.write_text(units.read_text(encoding="utf-8").replace("Bình Minh", "Bình Minh Mới"), encoding="utf-8")
    assert all(prints()[u] != after[u] for u in after)


def test_plan_file_errors_name_the_file_and_entry(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text("reports:\n  - unit: SIM\n  - unit: D99\n", encoding="utf-8")
    with pytest.raises(ar.PlanError, match=r"plan\.yaml #2.*D99"):
        ar.plan_file(plan, tmp_path / "out")
    plan.write_text("reports:\n  - unit: SIM\n    colour: red\n", encoding="utf-8")
    with pytest.raises(ar.PlanError, match=r"plan\.yaml #1.*colour"):
        ar.plan_file(plan, tmp_path / "out")
    plan.write_text("reports:\n  - unit: SIM\n    suppression_threshold: ten\n", encoding="utf-8")
    with pytest.raises(ar.PlanError, match="suppression_threshold"):
        ar.plan_file(plan, tmp_path / "out")
    plan.write_text("reports:\n  - unit: D01\n  - unit: D01\n", encoding="utf-8")
    with pytest.raises(ar.PlanError, match="name"):
        ar.plan_file(plan, tmp_path / "out")
    plan.write_text("reports: [unit: SIM\n", encoding="utf-8")
    with pytest.raises(ar.PlanError, match="plan.yaml"):
        ar.plan_file(plan, tmp_path / "out")


def test_the_documented_plan_is_valid(tmp_path: Path) -> None:
    jobs = ar.plan_file(DOCS / "plan-example.yaml", tmp_path)
    assert [(j.unit, j.year, j.language, j.name) for j in jobs] == [
        ("SIMX", 2025, "vi", "committee-vi"),
        ("SIMX", 2025, "en", "committee-en"),
        ("D06", 2025, "vi", "committee-vi"),
        ("D03", 2025, "vi", "committee-vi-threshold-5"),
        ("SIM", 2020, "vi", "committee-vi"),
        ("SIMX", 2025, "vi", "quality-vi"),
        ("SIM", 2022, "vi", "admissions-mid-2023"),
    ]
    assert jobs[6].parameters["midyear"] == 2023 and jobs[5].title.startswith("BÁO CÁO CÔNG TÁC PHÁT TRIỂN")
    assert jobs[3].parameters["suppression_threshold"] == 5


def test_a_broken_units_table_stops_the_plan(sample_copy: Path, tmp_path: Path, run_cli) -> None:
    edit_row(sample_copy / "units.csv", "D02", "level", "galaxy")
    code, _, err = run_cli("reports", "--data", sample_copy, "--out", tmp_path / "out", "--no-progress")
    assert code == EXIT_BAD_INPUT
    assert "units.csv" in err and "galaxy" in err
    assert not (tmp_path / "out" / "2025").exists()


# --- the index and the progress lines -------------------------------------------------------------------------


def test_index_lists_reports_with_links_and_escapes_what_came_from_data() -> None:
    statuses = pd.DataFrame(
        [
            {
                "year": 2025,
                "unit": "D01",
                "unit_name": "<script>alert(1)</script>",
                "language": "vi",
                "title": "Báo cáo",
                "status": "rendered",
                "kind": "",
                "reason": "",
                "finished": "2026-01-01T00:00:00+00:00",
                "folder": "2025/D01",
                "html": "committee-vi.html",
                "executed": None,
                "seconds": 1.0,
            },
            {
                "year": 2025,
                "unit": "D05",
                "unit_name": "Huyện 5",
                "language": "vi",
                "title": "Báo cáo",
                "status": "failed",
                "kind": "bad_input",
                "reason": "ContractError: row 7 <b>",
                "finished": "x",
                "folder": "2025/D05",
                "html": None,
                "executed": "committee-vi.failed.ipynb",
                "seconds": 1.0,
            },
        ]
    )
    page = index_html(statuses, "vi")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert 'href="2025/D01/committee-vi.html"' in page and 'href="2025/D05/committee-vi.failed.ipynb"' in page
    assert "row 7 &lt;b&gt;" in page and "2 báo cáo: 1 đã lập, 1 lỗi" in page
    assert "Why it failed" in index_html(statuses, "en")


def test_progress_prints_one_line_per_report_in_a_log(tmp_path: Path) -> None:
    job = ar.Job("term-table", {}, tmp_path, "term-table-vi", "t", "D05", "Huyện 5", 2025, "vi")
    log = StringIO()
    show = ar.progress_printer(log)
    show(ar.Outcome(job, "failed", "bad_input", "x"), 1, 3)
    show(ar.Outcome(job, "rendered"), 2, 3)
    assert log.getvalue().splitlines() == [
        "[1/3] D05 2025 term-table-vi: lỗi / failed",
        "[2/3] D05 2025 term-table-vi: đã lập / rendered",
    ]


# --- scheduling documents -------------------------------------------------------------------------------------


def _helpers_args(command: str) -> list[str]:
    words = shlex.split(command.split(">>")[0])
    return words[words.index("helpers") + 1 :]


def test_systemd_units_catch_up_missed_runs_and_call_a_valid_command() -> None:
    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.read(DOCS / "systemd" / "helpers-reports.timer")
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Timer"]["OnCalendar"]
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.read(DOCS / "systemd" / "helpers-reports.service")
    assert service["Service"]["Type"] == "oneshot"
    args = build_parser().parse_args(_helpers_args(service["Service"]["ExecStart"]))
    assert args.command == "reports" and args.no_progress


def test_the_documented_cron_line_is_a_valid_command() -> None:
    text = (DOCS / "annual-run.md").read_text(encoding="utf-8")
    line = re.search(r"```cron\n(.+?)\n```", text, flags=re.S).group(1)
    fields = line.split(maxsplit=5)
    assert len(fields) == 6 and all(re.fullmatch(r"[\d*,/-]+", f) for f in fields[:5])
    args = build_parser().parse_args(_helpers_args(fields[5]))
    assert args.command == "reports"


# --- runs -----------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_default_data_gives_every_units_report_and_a_second_run_renders_nothing(tmp_path: Path, run_cli) -> None:
    out = tmp_path / "annual"
    code, stdout, _ = run_cli("reports", "--out", out, "--no-progress")
    assert code == EXIT_OK, stdout
    expected = ["SIMX", *[f"D0{i}" for i in range(1, 10)]]
    titles = {"committee": "XÓA TÊN VÀ XIN RA KHỎI ĐẢNG", "quality": "PHÁT TRIỂN VÀ QUẢN LÝ CHẤT LƯỢNG ĐẢNG VIÊN"}
    for unit in expected:
        for report, title in titles.items():  # the two committee reports, side by side in the unit's folder
            page = (out / "2025" / unit / f"{report}-vi.html").read_text(encoding="utf-8")
            assert page.rstrip().endswith("</html>") and "data:image/png;base64" in page and title in page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(f'href="2025/{unit}/{report}-vi.html"' in index for unit in expected for report in titles)
    assert "Đã lập 20 báo cáo, bỏ qua 0" in stdout

    code, stdout, _ = run_cli("reports", "--out", out, "--no-progress")
    assert code == EXIT_OK
    assert "Đã lập 0 báo cáo, bỏ qua 20" in stdout and "Nothing to re-render" in stdout


@pytest.mark.slow
def test_one_broken_unit_is_named_and_every_report_not_reading_it_is_made(
    sample_copy: Path, tmp_path: Path, run_cli
) -> None:
    row = edit_row(sample_copy / "members.csv", "D05", "sex", "unknown", occurrence=3)
    out = tmp_path / "annual"
    code, stdout, _ = run_cli(
        "reports",
        "--data",
        sample_copy,
        "--out",
        out,
        "--units",
        "SIMX",
        "D01",
        "D05",
        "--notebooks",
        "committee",
        "--no-progress",
    )
    assert code == EXIT_FAILED
    assert (out / "2025" / "D01" / "committee-vi.html").exists()
    for unit in ("D05", "SIMX"):  # SIMX's totals include D05's members, so it cannot be made either
        assert not (out / "2025" / unit / "committee-vi.html").exists()
        status = json.loads((out / "2025" / unit / "committee-vi.status.json").read_text(encoding="utf-8"))
        assert status["status"] == "failed" and status["kind"] == "bad_input"
        assert f"members.csv, row {row}, column sex: value 'unknown'" in status["reason"]
        assert f"FAILED {unit} year 2025" in stdout
    assert "FAILED D01" not in stdout
    assert stdout.count(f"row {row}, column sex") == 2


@pytest.mark.slow
def test_only_changed_inputs_re_render_and_a_broken_target_stops_only_its_unit(
    sample_copy: Path,
    tmp_path: Path,
) -> None:
    out = tmp_path / "annual"

    def once(force: bool = False) -> ar.Summary:
        jobs = ar.plan_units(str(sample_copy), out, 2025, None, ["SIMX", "D01", "D05"], ("vi",), "term-table")
        with ar.local_executor(2) as executor:
            return ar.run(jobs, executor, out, force)

    assert by_unit(once()) == {"SIMX": "rendered", "D01": "rendered", "D05": "rendered"}
    first = {u: (out / "2025" / u / "term-table-vi.html").read_bytes() for u in ("SIMX", "D01", "D05")}
    assert by_unit(once()) == {"SIMX": "skipped", "D01": "skipped", "D05": "skipped"}

    edit_row(sample_copy / "members.csv", "D05", "birth_year", "1971")
    assert by_unit(once()) == {"SIMX": "rendered", "D01": "skipped", "D05": "rendered"}
    assert (out / "2025" / "D01" / "term-table-vi.html").read_bytes() == first["D01"]

    targets = sample_copy / "targets.csv"
    targets.write_text(
        targets.read_text(encoding="utf-8") + "D05,2020-2025,2015-2020,removed_and_asked,decrease,năm mươi,\n",
        encoding="utf-8",
    )
    summary = once()
    assert by_unit(summary) == {"SIMX": "skipped", "D01": "skipped", "D05": "failed"}
    failed = summary.of("failed")[0]
    assert "targets.csv" in failed.reason and "change_pct" in failed.reason
    assert by_unit(once(force=True)) == {"SIMX": "rendered", "D01": "rendered", "D05": "failed"}


FAILING_NOTEBOOK = nbformat.v4.new_notebook(
    cells=[
        nbformat.v4.new_markdown_cell("# Sổ tay thử lỗi"),
        nbformat.v4.new_code_cell(
            'unit: str = "SIM"  # unit code\nlanguage: str = "vi"  # language', metadata={"tags": ["parameters"]}
        ),
        nbformat.v4.new_code_cell('from IPython.display import HTML, display\ndisplay(HTML("<p>ok</p>"))'),
        nbformat.v4.new_code_cell('if unit == "D01":\n    raise RuntimeError("planted failure in D01")'),
    ],
    metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
)


@pytest.mark.slow
def test_a_failing_cell_keeps_the_marked_notebook_and_the_others_finish(tmp_path: Path) -> None:
    notebook = tmp_path / "failing.ipynb"
    nbformat.write(FAILING_NOTEBOOK, notebook)
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        f"defaults:\n  notebook: {notebook}\n  year: 2025\nreports:\n  - unit: D01\n  - unit: D02\n  - unit: D03\n",
        encoding="utf-8",
    )
    out = tmp_path / "annual"
    with ar.local_executor(2) as executor:
        summary = ar.run(ar.plan_file(plan, out), executor, out)
    assert by_unit(summary) == {"D01": "failed", "D02": "rendered", "D03": "rendered"}
    failed = summary.of("failed")[0]
    assert failed.kind == "cell_failed" and "RuntimeError" in failed.reason and "planted failure" in failed.reason
    executed = nbformat.read(out / "2025" / "D01" / "failing-vi.failed.ipynb", as_version=4)
    error_cells = [
        c
        for c in executed.cells
        if c.cell_type == "code" and any(o.output_type == "error" for o in c.get("outputs", []))
    ]
    assert len(error_cells) == 1 and "planted failure" in error_cells[0].source
    assert any("papermill-error-cell-tag" in c.metadata.get("tags", []) for c in executed.cells)
    assert (out / "2025" / "D02" / "failing-vi.html").read_text(encoding="utf-8").count("<p>ok</p>") == 1
    assert not list((out / "2025").glob("*/.*"))  # no temporary files or work folders left behind


@pytest.mark.slow
def test_a_second_run_while_one_holds_the_lock_refuses(tmp_path: Path, run_cli) -> None:
    out = tmp_path / "annual"
    with ar.run_lock(out):
        code, _, err = run_cli("reports", "--out", out, "--units", "D01", "--notebooks", "term-table", "--no-progress")
        assert code == EXIT_LOCKED
        assert f"pid {os.getpid()}" in err and "lock" in err
        assert not (out / "2025").exists()
    code, _, _ = run_cli("reports", "--out", out, "--units", "D01", "--notebooks", "term-table", "--no-progress")
    assert code == EXIT_OK


@pytest.mark.slow
def test_a_dask_cluster_runs_the_same_jobs(tmp_path: Path, run_cli) -> None:
    from distributed import LocalCluster

    out = tmp_path / "annual"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        code, stdout, err = run_cli(
            "reports",
            "--out",
            out,
            "--units",
            "SIMX",
            "D02",
            "--notebooks",
            "term-table",
            "--scheduler",
            cluster.scheduler_address,
            "--no-progress",
        )
    assert code == EXIT_OK, err
    assert "Dask" in err and "Đã lập 2 báo cáo" in stdout
    for unit in ("SIMX", "D02"):
        assert (out / "2025" / unit / "term-table-vi.html").read_text(encoding="utf-8").rstrip().endswith("</html>")


@pytest.mark.slow
def test_a_killed_run_leaves_whole_reports_only_and_the_next_run_finishes_it(tmp_path: Path) -> None:
    out = tmp_path / "annual"
    command = [
        sys.executable,
        "-m",
        "helpers",
        "reports",
        "--out",
        str(out),
        "--notebooks",
        "term-table",
        "--units",
        "D01",
        "D02",
        "D03",
        "D04",
        "--jobs",
        "1",
        "--no-progress",
    ]
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while not list(out.glob("2025/*/*.status.json")) and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)  # a power cut: no clean-up at all
    process.wait()
    done = sorted(p.parent.name for p in out.glob("2025/*/term-table-vi.html"))
    assert 1 <= len(done) < 4
    for unit in done:
        assert (out / "2025" / unit / "term-table-vi.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    jobs = ar.plan_units("data/sample", out, 0, None, ["D01", "D02", "D03", "D04"], ("vi",), "term-table")
    with ar.local_executor(2) as executor:
        summary = ar.run(jobs, executor, out)
    assert sorted(o.job.unit for o in summary.of("skipped")) == done
    assert len(summary.of("rendered")) == 4 - len(done) and not summary.failed
    assert not list((out / "2025").glob("*/.*"))


# --- warm kernels ---------------------------------------------------------------------------------------------

LEAKY_NOTEBOOK = nbformat.v4.new_notebook(
    cells=[
        nbformat.v4.new_code_cell('unit: str = "SIM"  # unit code', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "import matplotlib, matplotlib.pyplot as plt\n"
            "print('leak' in globals(), matplotlib.rcParams['lines.linewidth'], len(plt.get_fignums()))\n"
            "leak = unit\n"
            "matplotlib.rcParams['lines.linewidth'] = 9.0\n"
            "plt.figure()"
        ),
    ],
    metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
)


def test_a_warm_kernel_forgets_names_settings_figures_and_counts_between_reports(tmp_path: Path) -> None:
    from helpers.run.render import execute
    from helpers.run.warm import WarmKernel

    notebook = tmp_path / "leaky.ipynb"
    nbformat.write(LEAKY_NOTEBOOK, notebook)
    kernel = WarmKernel(preload="import matplotlib")
    try:
        runs = [execute(notebook, {"unit": u}, tmp_path / f"{u}.ipynb", kernel) for u in ("D01", "D02", "D03")]
    finally:
        kernel.shutdown()
    assert kernel.started == 1  # one kernel for the three reports
    for nb in runs:
        cell = nb.cells[-1]
        # no name, rc setting or open figure left by the report before; counting restarts as in a new kernel
        assert cell.outputs[0]["text"].split() == ["False", "1.5", "0"]
        assert [c.execution_count for c in nb.cells] == [1, 2, 3]  # parameters, papermill's injected ones, the cell


@pytest.mark.slow
def test_a_report_made_after_others_in_a_warm_kernel_is_byte_identical_to_it_made_alone(tmp_path: Path) -> None:
    from helpers.paths import notebook_file
    from helpers.run.render import render
    from helpers.run.warm import WarmKernel

    committee, quality = notebook_file("committee"), notebook_file("quality")
    target = {"unit": "D03", "year": 2025, "language": "en"}
    kernel = WarmKernel()
    try:
        render(quality, {"unit": "D03", "year": 2025, "language": "vi"}, tmp_path / "q.html", "q", kernel=kernel)
        render(committee, {"unit": "D05", "year": 2025, "language": "vi"}, tmp_path / "c.html", "c", kernel=kernel)
        after = render(committee, target, tmp_path / "after.html", "t", kernel=kernel).html
    finally:
        kernel.shutdown()
    alone = render(committee, target, tmp_path / "alone.html", "t").html
    assert kernel.started == 1
    assert after.read_bytes() == alone.read_bytes()
