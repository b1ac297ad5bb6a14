"""The committee report: parameters refused before any work, nothing it should not show, same bytes twice."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.paths import notebooks_dir, sample_dir
from helpers.report.committee import ParameterProblem, check_parameters
from helpers.run.render import ParameterError, render
from helpers.run.render import check_parameters as check_declared

NOTEBOOK = notebooks_dir() / "05-committee.ipynb"
PARTS = ("summary", "basis", "situation", "causes", "solutions", "target", "appendix")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"language": "fr"}, "fr"),
        ({"suppression_threshold": 1}, "1"),
        ({"year": 1800}, "1800"),
        ({"target_change_pct": 150.0}, "150"),
        ({"terms": ["2015-2020", "2015-2020"]}, "2015-2020"),
        ({"unit": " "}, "unit"),
    ],
)
def test_out_of_range_parameters_are_refused(kwargs: dict, message: str) -> None:
    params = {
        "unit": "SIM",
        "year": 0,
        "terms": ["2015-2020", "2020-2025"],
        "target_change_pct": -1.0,
        "language": "vi",
        "suppression_threshold": 10,
    } | kwargs
    with pytest.raises(ParameterProblem, match=message) as err:
        check_parameters(**params)
    assert " / " in str(err.value)


def test_unknown_and_mistyped_parameters_are_refused() -> None:
    with pytest.raises(ParameterError, match="threshold"):
        check_declared(NOTEBOOK, {"threshold": 5})
    with pytest.raises(ParameterError, match="year"):
        check_declared(NOTEBOOK, {"year": "2025"})


@pytest.mark.parametrize("args", [["--language", "en", "--threshold", "0"], ["--year", "2031"], ["--unit", "X1"]])
def test_cli_refuses_before_running_and_writes_nothing(run_cli, tmp_path: Path, args: list[str]) -> None:
    out = tmp_path / "reports" / "r.html"
    code, _, err = run_cli("report", "--out", out, *args)
    assert code == 2 and "Traceback" not in err and err.strip()
    assert not out.parent.exists()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("committee")
    pages = {}
    for lang in ("vi", "en"):
        result = render(
            NOTEBOOK, {"data_path": str(sample_dir()), "language": lang}, out / f"{lang}.html", "r", work_dir=out / lang
        )
        pages[lang] = result
    return pages


@pytest.mark.slow
def test_every_part_in_order_with_the_banner(rendered) -> None:
    page = rendered["vi"].html.read_text(encoding="utf-8")
    positions = [page.index(f'id="{part}"') for part in PARTS]
    assert positions == sorted(positions)
    assert "DỮ LIỆU MÔ PHỎNG" in page and "424 đảng viên bị xóa tên (tăng 37,66%)" in page
    assert "Phần V. Mục tiêu và dự báo" in page and "Không đạt mục tiêu" in page
    english = rendered["en"].html.read_text(encoding="utf-8")
    assert '<html lang="en">' in english and "Part V. Target and projection" in english
    assert not re.search(r"<h[23][^>]*>[^<]*(Phần|Nhiệm kỳ|Tóm tắt)", english)


@pytest.mark.slow
def test_no_member_identifier_anywhere(rendered) -> None:
    ids = set(pd.read_csv(sample_dir() / "members.csv", usecols=["member_id"])["member_id"])
    for result in rendered.values():
        for path in (result.html, result.notebook):
            text = path.read_text(encoding="utf-8")
            found = set(re.findall(r"SIM\d{6}", text)) & ids
            assert found == set(), path


@pytest.mark.slow
def test_no_count_under_the_threshold_in_any_table(rendered) -> None:
    page = rendered["vi"].html.read_text(encoding="utf-8")
    for table in re.findall(r"<table.*?</table>", page, flags=re.S):
        header = table.split("</tr>")[0]
        if "SHA-256" in table or "Năm" in header or "Bậc tự do" in header:
            continue  # provenance hashes; the annual table's calendar years; the tests' degrees of freedom
        cells = [c.strip() for c in re.findall(r"<td>([^<]*)</td>", table)]
        small = [c for c in cells if re.fullmatch(r"[1-9]", c)]
        assert small == [], table[:300]


@pytest.mark.slow
def test_same_bytes_twice_and_under_two_megabytes(rendered, tmp_path: Path) -> None:
    again = render(
        NOTEBOOK, {"data_path": str(sample_dir()), "language": "vi"}, tmp_path / "again.html", "r", work_dir=tmp_path
    )
    first = rendered["vi"].html.read_bytes()
    assert again.html.read_bytes() == first
    assert len(first) < 2 * 1024 * 1024


@pytest.mark.slow
def test_text_from_the_data_is_escaped(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(sample_dir(), data)
    units = pd.read_csv(data / "units.csv", dtype=str, keep_default_na=False)
    units.loc[units["unit_code"] == "D06", "name"] = "<script>alert(1)</script>"
    units.to_csv(data / "units.csv", index=False)
    page = render(NOTEBOOK, {"data_path": str(data)}, tmp_path / "x.html", "r", work_dir=tmp_path).html.read_text(
        encoding="utf-8"
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page.lower()
