"""A province's own files all the way to its committee report, through the command line: the default province
written out as the sector's Biểu 1 forms and as a member-database export, imported back, validated and reported.
The numbers must come back as they went in, and no personal identifier may reach any output."""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from helpers.data.datasets import load_dataset
from helpers.errors import EXIT_BAD_INPUT, EXIT_OK
from helpers.paths import sample_dir
from helpers.report.sections.profiles import ProfilesReport
from helpers.report.sections.trends import TrendsReport
from helpers.run.render import render
from helpers.synth.exports import write_csdl_export
from helpers.synth.forms import write_bieu1_forms

TERMS = ["2010-2015", "2015-2020", "2020-2025"]
KINDS = ["removed", "asked_to_leave"]
COUNT_COLUMNS = ["members_start", "admitted", "removed", "asked_to_leave", "expelled", "died", "members_end"]


@pytest.fixture(scope="module")
def sample():
    return load_dataset(sample_dir())


@pytest.fixture(scope="module")
def forms(sample, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("forms")
    write_bieu1_forms(sample, folder, layout="files")
    return folder


def _committee(folder: Path, unit: str, out: Path, lang: str = "vi") -> tuple[str, str]:
    """Render the committee report; return its HTML and the text of the executed notebook."""
    parameters = {"data_path": str(folder), "unit": unit, "terms": TERMS, "language": lang}
    rendered = render(
        Path("notebooks/05-committee.ipynb"), parameters, out / f"committee-{lang}.html", "x", work_dir=out / "work"
    )
    executed = nbformat.read(rendered.notebook, as_version=4)
    return rendered.html.read_text(encoding="utf-8"), json.dumps(executed, ensure_ascii=False)


def test_a_new_province_from_its_forms_to_its_report(run_cli, forms, sample, tmp_path: Path) -> None:
    folder = tmp_path / "tinh-x"
    assert run_cli("init", folder, "--province", "TX", "--name", "Đảng bộ tỉnh X")[0] == EXIT_OK
    code, out, err = run_cli("import", forms, "--format", "bieu1", "--out", folder)
    assert code == EXIT_OK, err
    assert "TX" in err and "150" in err  # the log: the province adopted, the forms counted
    assert run_cli("validate", folder)[0] == EXIT_OK

    imported = load_dataset(folder)
    # The forms hold the districts' counts; their sum is the province's series, year by year, as in data/sample.
    got = imported.annual_counts.groupby("year")[COUNT_COLUMNS].sum()
    want = sample.annual_counts[sample.annual_counts["unit_code"] != "SIMX"].groupby("year")[COUNT_COLUMNS].sum()
    pd.testing.assert_frame_equal(got, want.loc[got.index], check_dtype=False)
    assert json.loads((folder / "import-log.json").read_text(encoding="utf-8"))["format"] == "bieu1"

    html, _ = _committee(folder, "TX", tmp_path)
    text = re.sub(r"<[^>]+>", " ", html)
    # 2015–2020 of the default province reproduces Tây Ninh: 424 removed (+37,66%), 238 asked to leave.
    assert "424 đảng viên bị xóa tên (tăng 37,66%)" in text
    # Counts alone cannot say who left or why; the report says which table it would need.
    assert "cần danh sách đảng viên" in text


def test_a_planted_break_in_a_form_stops_the_import_and_leaves_the_folder_as_it_was(
    run_cli, forms, tmp_path: Path
) -> None:
    broken = tmp_path / "forms"
    shutil.copytree(forms, broken)
    from openpyxl import load_workbook

    path = broken / "D03-2018.xlsx"
    workbook = load_workbook(path)
    sheet = workbook.active
    row = next(r for r in sheet.iter_rows() if str(r[0].value or "").startswith("D"))
    cell = next(c for c in row[1:] if isinstance(c.value, int))
    cell.value += 3
    workbook.save(path)

    folder = tmp_path / "tinh-x"
    run_cli("init", folder, "--province", "TX", "--name", "Đảng bộ tỉnh X")
    before = sorted(p.name for p in folder.rglob("*"))
    code, _, err = run_cli("import", broken, "--format", "bieu1", "--out", folder)
    assert code == EXIT_BAD_INPUT
    assert "D03-2018.xlsx" in err and cell.coordinate in err  # named by file and cell, in both languages
    assert " / " in err or "\n    " in err
    assert sorted(p.name for p in folder.rglob("*")) == before  # nothing half-written


@pytest.mark.slow
def test_a_member_database_export_gives_the_same_report_and_no_identifier_leaves(
    run_cli, sample, tmp_path: Path
) -> None:
    export = write_csdl_export(sample, tmp_path / "danh-sach.xlsx", "xlsx")
    folder = tmp_path / "tinh"
    folder.mkdir()
    shutil.copy(sample_dir() / "units.csv", folder / "units.csv")
    shutil.copy(sample_dir() / "targets.csv", folder / "targets.csv")
    code, _, err = run_cli("import", export.path, "--format", "csdl", "--out", folder)
    assert code == EXIT_OK, err

    # The same term table, trends and profiles as the default data.
    ours = TrendsReport.build(str(folder), "SIM", TERMS, KINDS, -1.0, 0, "vi")
    theirs = TrendsReport.build(str(sample_dir()), "SIM", TERMS, KINDS, -1.0, 0, "vi")
    pd.testing.assert_frame_equal(ours.base.table, theirs.base.table)
    pd.testing.assert_frame_equal(ours.apc, theirs.apc)
    who = ProfilesReport.build(str(folder), "SIM", TERMS, "2015-2020", KINDS, 10, "vi")
    reference = ProfilesReport.build(str(sample_dir()), "SIM", TERMS, "2015-2020", KINDS, 10, "vi")
    for attribute, table in reference.tables.items():
        pd.testing.assert_frame_equal(who.tables[attribute], table)

    html, executed = _committee(folder, "SIM", tmp_path)
    outputs = {p.name: p.read_text(encoding="utf-8", errors="ignore") for p in folder.rglob("*") if p.is_file()}
    outputs |= {"report": html, "executed notebook": executed}
    assert _leaks(export.people, outputs) == {}


def _leaks(people: pd.DataFrame, outputs: dict[str, str]) -> dict[str, set[str]]:
    """Every exported name, identity or card number and birth date found in any output, by where it was found.

    Numbers and dates are matched as whole tokens and names as runs of two to five words, so one pass over each
    output checks all the people at once."""
    numbers = set(people["identity_number"]) | set(people["card_number"])
    dates = {pd.Timestamp(d).strftime("%d/%m/%Y") for d in people["birth_date"]}
    names = {" ".join(str(n).split()) for n in people["name"]}
    found = {}
    for where, text in outputs.items():
        text = unicodedata.normalize("NFC", text)
        words = re.findall(r"\w+", text)
        runs = {" ".join(words[i : i + k]) for k in range(2, 6) for i in range(len(words) - k + 1)}
        hits = (set(re.findall(r"\b\d+\b", text)) & numbers) | (set(re.findall(r"\d{2}/\d{2}/\d{4}", text)) & dates)
        hits |= runs & names
        if hits:
            found[where] = hits
    return found


def test_the_leak_scan_finds_a_planted_identifier() -> None:
    people = pd.DataFrame(
        {
            "name": ["Nguyễn Văn Mười"],
            "identity_number": ["001085012345"],
            "card_number": ["0912345678"],
            "birth_date": [pd.Timestamp("1985-03-04")],
        }
    )
    outputs = {"a": "x Nguyễn  Văn Mười y", "b": "id 001085012345", "c": "04/03/1985", "d": "Nguyễn Văn Mười An"}
    assert _leaks(people, outputs) == {
        "a": {"Nguyễn Văn Mười"},
        "b": {"001085012345"},
        "c": {"04/03/1985"},
        "d": {"Nguyễn Văn Mười"},
    }
    assert _leaks(people, {"e": "M0012 Văn", "f": "M3a001085012345b"}) == {}  # inside a pseudonym is no match
