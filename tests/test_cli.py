"""The command line: help for every command, exit codes, and messages naming file, row and column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.cli.main import build_parser
from helpers.paths import sample_dir
from helpers.synth import truth

COMMANDS = ("validate", "check-published", "synth", "report")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_prints_help(run_cli, command: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([command, "--help"])
    assert exit_.value.code == 0


def test_validate_default_data_exits_zero(run_cli) -> None:
    code, out, err = run_cli("validate", sample_dir())
    assert code == 0, err
    assert "Dữ liệu hợp lệ" in out and "Data is valid" in out


def test_validate_missing_column_exits_two_and_names_it(run_cli, tmp_path: Path) -> None:
    frame = pd.read_csv(sample_dir() / "annual_counts.csv", dtype=str)
    broken = tmp_path / "annual_counts.csv"
    frame.drop(columns=["removed"]).to_csv(broken, index=False)
    code, out, err = run_cli("validate", broken)
    assert code == 2
    assert "cột removed" in err and "column removed" in err
    assert "Traceback" not in err


def test_validate_broken_folder_lists_each_problem(run_cli, sample_copy: Path) -> None:
    counts = pd.read_csv(sample_copy / "annual_counts.csv", dtype=str)
    original = counts.loc[4, "removed"]
    counts.loc[4, "removed"] = "-1"
    counts.loc[7, "unit_code"] = "D99"
    counts.to_csv(sample_copy / "annual_counts.csv", index=False)
    code, _, err = run_cli("validate", sample_copy)
    assert code == 2
    assert "dòng 6, cột removed: giá trị '-1'" in err  # pandas row 4 is file row 6
    assert "dòng 9, cột unit_code: giá trị 'D99'" not in err  # contract problems stop before cross-table checks
    counts.loc[4, "removed"] = original
    counts.to_csv(sample_copy / "annual_counts.csv", index=False)
    code, _, err = run_cli("validate", sample_copy)
    assert code == 2
    assert "dòng 9, cột unit_code: giá trị 'D99'" in err


def test_validate_nonexistent_path(run_cli, tmp_path: Path) -> None:
    code, _, err = run_cli("validate", tmp_path / "nothing.csv")
    assert code == 2 and "nothing.csv" in err


def test_check_published_lists_the_seed_mismatch(run_cli) -> None:
    code, out, _ = run_cli("check-published", "--only-mismatches")
    assert code == 0
    assert "TN-2016-2020-leavers_hamlet_branch" in out
    code, _, _ = run_cli("check-published", "--strict")
    assert code == 1


def test_synth_check_confirms_committed_sample(run_cli) -> None:
    code, out, err = run_cli("synth", "--check")
    assert code == 0, err


def test_report_refuses_bad_data_before_running_anything(run_cli, sample_copy: Path, tmp_path: Path) -> None:
    (sample_copy / "units.csv").write_text("unit_code,name\nSIM,x\n", encoding="utf-8")
    out_file = tmp_path / "reports" / "r.html"
    code, _, err = run_cli("report", "--data", sample_copy, "--out", out_file)
    assert code == 2
    assert "level" in err
    assert not out_file.parent.exists()


@pytest.mark.parametrize(
    ("terms", "says"),
    [
        (["2020-2025"], ("ít nhất 2 nhiệm kỳ", "at least 2 consecutive terms", "--terms 2015-2020 2020-2025")),
        (["2030-2035"], ("2030-2035", "not among the terms of SIM", "config/terms.toml")),
        (["2020-2015"], ("'2020-2015' không phải là một nhiệm kỳ", "is not a term")),
        (["2015-2020", "2010-2015"], ("từ cũ đến mới", "oldest first")),
        (["2010-2015", "2020-2025"], ("liền nhau", "follow one another")),
        (["2020-2025", "2025-2030"], ("2025-2030", "has no year in the data file", "2011–2025")),
    ],
)
def test_report_refuses_bad_terms_before_reading_any_data(run_cli, monkeypatch, tmp_path: Path, terms, says) -> None:
    import helpers.data.datasets as datasets

    def no_loading(*args, **kwargs):
        raise AssertionError("the data was loaded before the terms were checked")

    monkeypatch.setattr(datasets, "load_dataset", no_loading)
    out_file = tmp_path / "r.html"
    code, _, err = run_cli("report", "--terms", *terms, "--out", out_file)
    assert code == 2, err
    for text in says:
        assert text in err
    assert not out_file.exists()


def test_an_analysis_may_take_one_term_but_not_an_unknown_one(run_cli, tmp_path: Path) -> None:
    from helpers.data.terms import term_list_problems

    assert term_list_problems(["2020-2025"], sample_dir(), "SIM", minimum=1) == []
    assert term_list_problems(["2015-2020", "2020-2025"], sample_dir(), "D03", minimum=2) == []
    # the province formed by the 2025 merger keeps the terms of the province it was formed from
    assert term_list_problems(["2010-2015", "2015-2020", "2020-2025"], sample_dir(), "SIMX") == []
    (problem,) = term_list_problems(["2019-2024"], sample_dir(), "D03", minimum=1)
    assert "2019-2024" in problem and "SIM" in problem  # a district's terms are its province's


def test_report_refuses_unknown_unit(run_cli, tmp_path: Path) -> None:
    code, _, err = run_cli("report", "--unit", "D99", "--out", tmp_path / "r.html")
    assert code == 2 and "D99" in err and "SIM" in err
    assert not (tmp_path / "r.html").exists()


def test_check_published_bad_file_exits_two(run_cli, tmp_path: Path) -> None:
    from helpers.data.published import COLUMNS

    path = tmp_path / "figures-x.csv"
    path.write_text(",".join(COLUMNS) + '\nX-1,000,X,2020,removed,,abc,người,none,,,,,"q"\n', encoding="utf-8")
    code, _, err = run_cli("check-published", path)
    assert code == 2 and "figures-x.csv" in err and "abc" in err


def _exact_folder(tmp_path: Path, last_year: int = 2025, province: str = "TN") -> Path:
    """An annual-counts file (province TN) whose rate grows exactly ×1.1, ×0.8, ×1.05 a year per term; no member
    asks to leave."""
    import numpy as np

    folder = tmp_path / "exact"
    folder.mkdir()
    (folder / "units.csv").write_text(
        "unit_code,name,parent_code,level,valid_from,valid_to,successor_code\n"
        f"{province},Tây Ninh (test),,province,2008-01-01,,\n",
        encoding="utf-8",
    )
    years = np.arange(2011, last_year + 1)
    steps = [1.1] * 4 + [0.8] * 5 + [1.05] * 5
    # Counts must be whole numbers (the contract says so): at 10^12 a year, rounding moves a rate by < 1e-12.
    counts = [int(round(c)) for c in 10**12 * np.concatenate([[1.0], np.cumprod(steps)])[: years.size]]
    pd.DataFrame(
        {"unit_code": province, "year": years, "members_start": 10**15, "removed": counts, "asked_to_leave": 0}
    ).to_csv(folder / "annual_counts.csv", index=False)
    return folder


def test_trends_command_returns_known_apcs_from_a_noise_free_file(run_cli, tmp_path: Path) -> None:
    import json

    folder = _exact_folder(tmp_path)
    code, out, err = run_cli("trends", "--data", folder, "--unit", "TN", "--kinds", "removed", "--format", "json")
    assert code == 0, err
    apc = pd.DataFrame(json.loads(out)["apc"]).query("series == 'removed'")
    assert apc["apc"].tolist() == pytest.approx([10.0, -20.0, 5.0], abs=1e-6)


def joinpoint_folder(tmp_path: Path) -> Path:
    """A noise-free annual-counts file whose combined rate rises exactly 8% a year to 2018 and falls 10% a year after:
    a joinpoint off the term boundaries (2015, 2020)."""
    import numpy as np

    folder = _exact_folder(tmp_path)
    counts = pd.read_csv(folder / "annual_counts.csv")
    years = counts["year"].to_numpy()
    log_rate = np.log(1.08) * (years - 2011) + (np.log(0.9) - np.log(1.08)) * np.clip(years - 2018, 0, None)
    counts["removed"] = np.round(10**12 * np.exp(log_rate)).astype("int64")
    counts.to_csv(folder / "annual_counts.csv", index=False)
    return folder


def test_trends_command_gives_the_joinpoints_aapc_and_shift_of_a_noise_free_file(run_cli, tmp_path: Path) -> None:
    import numpy as np

    folder = joinpoint_folder(tmp_path)
    tables, err = _json_trends(run_cli, "--data", folder, "--unit", "TN", "--kinds", "removed", "--shift-at", "2021")
    segments = pd.DataFrame(tables["joinpoints"]).query("series == 'total'")
    assert segments["start"].tolist() == [2011, 2018] and segments["end"].tolist() == [2018, 2025]
    assert segments["apc"].tolist() == pytest.approx([8.0, -10.0], abs=1e-6)
    aapc = pd.DataFrame(tables["aapc"]).set_index(["model", "window"])
    whole = 100 * (np.exp((7 * np.log(1.08) + 7 * np.log(0.9)) / 14) - 1)
    assert aapc.loc[("joinpoints", "all"), "apc"] == pytest.approx(whole, abs=1e-6)
    # the term-knot model bends at 2015 and 2020 instead, so its decade average is close but not the same
    assert aapc.loc[("terms", "all"), "apc"] != pytest.approx(whole, abs=1e-3)
    assert tables["shift"][0]["apc"] == pytest.approx(0.0, abs=1e-6)  # no jump was planted at 2021
    tests = pd.DataFrame(tables["joinpoint_tests"]).query("series == 'total'")
    assert tests[["null", "alternative", "rejected"]].values.tolist() == [[0, 2, True], [1, 2, False]]
    assert "comparison" not in tables  # one kind: nothing to compare


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_trends_command_formats(run_cli, fmt: str) -> None:
    code, out, _ = run_cli("trends", "--format", fmt)
    assert code == 0
    assert "424" in out and "2015-2020" in out and "apc" in out
    assert "family" in out and "dispersion" in out and "poisson" in out  # the model of each series
    assert "apc_low" in out and "coincident" in out and "bic" in out  # joinpoints, AAPC and the kinds compared
    if fmt == "table":
        for name in ("joinpoints", "joinpoint_tests", "joinpoint_bic", "aapc", "comparison"):
            assert f"# {name}" in out


def test_trends_command_reports_a_one_year_term_as_not_fitted(run_cli) -> None:
    import json

    code, out, _ = run_cli("trends", "--last-year", "2021", "--format", "json")
    assert code == 0
    apc = pd.DataFrame(json.loads(out)["apc"]).set_index(["series", "term"])
    assert not apc.loc[("total", "2020-2025"), "fitted"] and pd.isna(apc.loc[("total", "2020-2025"), "apc"])


def test_trends_command_bad_inputs(run_cli, tmp_path: Path) -> None:
    folder = _exact_folder(tmp_path)
    counts = pd.read_csv(folder / "annual_counts.csv")
    counts[counts["year"] != 2018].to_csv(folder / "annual_counts.csv", index=False)
    code, _, err = run_cli("trends", "--data", folder, "--unit", "TN")
    assert code == 2 and "2018" in err and "Traceback" not in err
    counts.assign(members_start=lambda d: d["members_start"].where(d["year"] != 2016, 0)).to_csv(
        folder / "annual_counts.csv", index=False
    )
    code, _, err = run_cli("trends", "--data", folder, "--unit", "TN")
    assert code == 2 and "2016" in err
    code, _, err = run_cli("trends", "--terms", "2020-2025", "--last-year", "2021")
    assert code == 2 and "3" in err


def test_profiles_command_withholds_small_counts_consistently(run_cli) -> None:
    import json

    code, out, err = run_cli("profiles", "--format", "json")
    assert code == 0, err
    rows = pd.DataFrame(json.loads(out)["profiles"])
    for _, row in rows.iterrows():
        kinds = [row["removed"], row["asked_to_leave"]]
        shown = [v for v in kinds if v is not None and not pd.isna(v)]
        assert all(v == 0 or v >= 10 for v in shown)
        # exactly one hidden kind with a visible total would give it away
        if row["leavers"] is not None and not pd.isna(row["leavers"]):
            assert len(shown) != 1
    age = rows[(rows["attribute"] == "age_18_40") & (rows["category"] == "yes")].iloc[0]
    assert age["leavers"] == 478


def test_causes_command_prints_every_table(run_cli) -> None:
    import json

    code, out, err = run_cli("causes", "--format", "json")
    assert code == 0, err
    tables = json.loads(out)
    assert set(tables) == {"causes", "ratings", "correlations", "matched_pair_test", "branch_model"}
    assert len(tables["correlations"]) == 49 and tables["matched_pair_test"][0]["permutations"] == 5040


def test_profiles_on_aggregated_data_says_it_needs_members(run_cli, sample_copy: Path) -> None:
    (sample_copy / "members.csv").unlink()
    code, _, err = run_cli("profiles", "--data", sample_copy)
    assert code == 2 and "members" in err and "Traceback" not in err


# --- the holes of issue 12 ----------------------------------------------------------------------------------


def _json_trends(run_cli, *args) -> tuple[dict, str]:
    import json

    code, out, err = run_cli("trends", "--format", "json", *args)
    assert code == 0, err
    return json.loads(out), err


def test_trends_command_reports_a_kind_with_no_exits_and_fits_the_others(run_cli, tmp_path: Path) -> None:
    folder = _exact_folder(tmp_path)  # asked_to_leave is 0 in every year
    tables, err = _json_trends(run_cli, "--data", folder, "--unit", "TN")
    apc = pd.DataFrame(tables["apc"])
    for series in ("removed", "total"):
        rows = apc[apc["series"] == series]
        assert rows["apc"].tolist() == pytest.approx([10.0, -20.0, 5.0], abs=1e-6)
        assert rows["fitted"].all() and not rows["no_exits"].any()
    none = apc[apc["series"] == "asked_to_leave"]
    assert none["term"].tolist() == ["2010-2015", "2015-2020", "2020-2025"]
    assert not none["fitted"].any() and none["no_exits"].all() and none["apc"].isna().all()
    models = pd.DataFrame(tables["models"]).set_index("series")
    removed = int(pd.read_csv(folder / "annual_counts.csv")["removed"].sum())
    assert models.loc["removed", "exits"] == removed and models.loc["asked_to_leave", "exits"] == 0
    assert models.loc["removed", "family"] == "poisson" and models.loc["removed", "scale"] == 1.0
    assert models.loc["removed", "dispersion"] == pytest.approx(0, abs=1e-6)  # noise-free counts
    assert models.loc["asked_to_leave", "family"] == "none" and pd.isna(models.loc["asked_to_leave", "dispersion"])
    assert {k["series"] for k in tables["knot_tests"]} == {"removed", "total"}
    assert (
        "Chuỗi asked_to_leave: không có trường hợp nào trong các năm 2011–2025, không ước lượng xu hướng"
        " / Series asked_to_leave: no exits in 2011–2025, no trend fitted" in err
    )


def test_trends_command_prints_the_family_and_dispersion_of_each_series(run_cli) -> None:
    from helpers.report.sections.trends import TrendsReport

    tables, _ = _json_trends(run_cli)
    models = pd.DataFrame(tables["models"]).set_index("series")
    report = TrendsReport.build(
        str(sample_dir()), "SIM", ["2010-2015", "2015-2020", "2020-2025"], ["removed", "asked_to_leave"], -1, 0, "vi"
    )
    assert models.index.tolist() == ["removed", "asked_to_leave", "total"]
    for series, fit in report.fits.items():
        # the default counts scatter like Poisson draws with a mild planted year effect, so a series may be
        # over-dispersed enough to be fitted quasi-Poisson (its scale is then the dispersion, else 1)
        assert models.loc[series, "family"] == fit.family and fit.family in ("poisson", "quasi_poisson")
        assert models.loc[series, "dispersion"] == pytest.approx(fit.dispersion)
        scale = fit.dispersion if fit.family == "quasi_poisson" else 1
        assert models.loc[series, "scale"] == pytest.approx(scale)
    totals = [sum(truth.TERM_TOTALS[kind].values()) for kind in ("removed", "asked_to_leave")]
    assert models["exits"].tolist() == [*totals, sum(totals)]


def test_trends_command_without_members_at_the_start_exits_two_naming_column_and_unit(run_cli, tmp_path: Path) -> None:
    folder = _exact_folder(tmp_path)
    counts = pd.read_csv(folder / "annual_counts.csv")
    counts.drop(columns="members_start").to_csv(folder / "annual_counts.csv", index=False)
    code, out, err = run_cli("trends", "--data", folder, "--unit", "TN")
    assert code == 2 and out == ""
    assert "Đơn vị TN không có số liệu ở cột members_start (số đảng viên đầu năm)" in err
    assert "Unit TN has no data in column members_start (members at the start of the year)" in err
    assert "ZeroDivisionError" not in err and "Traceback" not in err


def test_trends_command_notes_years_outside_every_term(run_cli, tmp_path: Path) -> None:
    folder = _exact_folder(tmp_path)
    counts = pd.read_csv(folder / "annual_counts.csv")
    pd.concat([counts.head(1).assign(year=2010), counts]).to_csv(folder / "annual_counts.csv", index=False)
    tables, err = _json_trends(run_cli, "--data", folder, "--unit", "TN", "--kinds", "removed")
    assert (
        "Nằm ngoài mọi nhiệm kỳ đã khai báo cho tỉnh (các nhiệm kỳ gồm các năm 2011–2030) nên không được tính vào số "
        "liệu theo nhiệm kỳ và xu hướng từng nhiệm kỳ: năm 2010. / Outside every term configured for the province "
        "(the terms cover 2011–2030), and so not counted in the term totals or the trend per term: 2010." in err
    )
    # 2010 changes nothing that is counted by term
    apc = pd.DataFrame(tables["apc"]).query("series == 'removed'")
    assert apc["apc"].tolist() == pytest.approx([10.0, -20.0, 5.0], abs=1e-6)
    assert pd.DataFrame(tables["terms"])["first_year"].tolist() == [2011, 2016, 2021]
    _, err = _json_trends(run_cli, "--kinds", "removed")
    assert "Nằm ngoài" not in err  # the default data has none


def test_trends_command_reads_the_data_folders_own_terms(run_cli, tmp_path: Path) -> None:
    folder = _exact_folder(tmp_path, province="XA")  # a province config/terms.toml does not know
    code, _, err = run_cli("trends", "--data", folder, "--unit", "XA", "--kinds", "removed")
    assert code == 2 and "XA" in err and "terms.toml" in err and "Traceback" not in err
    (folder / "terms.toml").write_text(
        "".join(
            f'[[term]]\nprovince_code = "XA"\nlabel = "{a}-{b}"\nstart_year = {a}\nend_year = {b}\n'
            for a, b in ((2010, 2015), (2015, 2020), (2020, 2025))
        ),
        encoding="utf-8",
    )
    tables, _ = _json_trends(run_cli, "--data", folder, "--unit", "XA", "--kinds", "removed")
    apc = pd.DataFrame(tables["apc"]).query("series == 'removed'")
    assert apc["apc"].tolist() == pytest.approx([10.0, -20.0, 5.0], abs=1e-6)


def test_validate_checks_a_data_folders_terms_file(run_cli, tmp_path: Path) -> None:
    folder = _exact_folder(tmp_path)
    (folder / "terms.toml").write_text(
        '[[term]]\nprovince_code = "TN"\nlabel = "2010-2015"\nstart_year = 2010\nend_year = 2015\n'
        '[[term]]\nprovince_code = "TN"\nlabel = "2016-2020"\nstart_year = 2016\nend_year = 2020\n',
        encoding="utf-8",
    )
    code, _, err = run_cli("validate", folder)
    assert code == 2 and "terms.toml" in err and "1 lỗi dữ liệu / 1 data problems" in err


# --- output piped into `head` and closed early --------------------------------------------------------------


def _helpers(*args, **kwargs):
    import subprocess
    import sys

    return subprocess.Popen([sys.executable, "-m", "helpers", *map(str, args)], **kwargs)


def test_validate_piped_into_a_closed_pipe_still_exits_two(sample_copy: Path) -> None:
    import subprocess

    counts = pd.read_csv(sample_copy / "annual_counts.csv", dtype=str)
    counts.assign(removed="-1", asked_to_leave="-1").to_csv(sample_copy / "annual_counts.csv", index=False)
    # like `validate DIR 2>&1 | head -n 1`: ~400 problems, far more than a pipe buffers, so the writes after the
    # reader has gone fail
    proc = _helpers("validate", sample_copy, "--max-problems", 10000, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    first = proc.stdout.readline().decode("utf-8")
    proc.stdout.close()
    assert proc.wait(timeout=300) == 2
    assert "annual_counts.csv" in first


def test_trends_piped_into_a_closed_pipe_exits_zero_without_a_traceback(tmp_path: Path) -> None:
    import subprocess

    folder = _exact_folder(tmp_path)
    proc = _helpers("trends", "--data", folder, "--unit", "TN", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before anything is written
    err = proc.stderr.read().decode("utf-8")
    assert proc.wait(timeout=300) == 0
    assert "Traceback" not in err and "Exception ignored" not in err and "BrokenPipeError" not in err
