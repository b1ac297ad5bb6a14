"""Notebooks are thin and clean, run under papermill on the default data, and render a report with no code."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from helpers.paths import notebooks_dir, sample_dir
from helpers.run.render import ParameterError, check_parameters, render
from helpers.synth import truth
from helpers.text import t

NOTEBOOKS = sorted(notebooks_dir().glob("*.ipynb"))
TERM_TABLE = notebooks_dir() / "01-term-table.ipynb"


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def test_there_are_notebooks_named_in_reading_order() -> None:
    assert NOTEBOOKS
    for path in NOTEBOOKS:
        assert re.fullmatch(r"\d\d-[a-z0-9]+(-[a-z0-9]+)*\.ipynb", path.name), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    for cell in _cells(path):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_one_literal_parameters_cell(path: Path) -> None:
    tagged = [c for c in _cells(path) if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    source = "".join(tagged[0]["source"])
    for node in ast.parse(source).body:
        assert isinstance(node, ast.AnnAssign), "parameters are annotated assignments"
        ast.literal_eval(node.value)  # literal defaults only
    for line in source.splitlines():
        assert "  # " in line, f"parameter without a comment: {line}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_holds_no_logic(path: Path) -> None:
    for cell in _cells(path):
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse("".join(cell["source"]))
        banned = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.For, ast.While)
        assert not any(isinstance(node, banned) for node in ast.walk(tree)), "move logic into src/helpers/"
        if "parameters" not in cell.get("metadata", {}).get("tags", []):
            assert len("".join(cell["source"]).splitlines()) <= 6, "keep cells short: call the package"


def test_unknown_or_mistyped_parameters_are_refused() -> None:
    with pytest.raises(ParameterError, match="unit_name"):
        check_parameters(TERM_TABLE, {"unit_name": "SIM"})
    with pytest.raises(ParameterError, match="terms"):
        check_parameters(TERM_TABLE, {"terms": "2015-2020"})
    check_parameters(TERM_TABLE, {"unit": "D03", "terms": ["2015-2020"]})


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("reports")
    pages = {}
    for lang in ("vi", "en"):
        params = {"data_path": str(sample_dir()), "unit": "SIM", "language": lang}
        result = render(TERM_TABLE, params, out / f"{lang}.html", t("report.title", lang), work_dir=out)
        pages[lang] = result.html.read_text(encoding="utf-8")
    return pages


@pytest.mark.slow
def test_report_shows_the_seed_term_table_in_vietnamese(rendered) -> None:
    page = rendered["vi"]
    assert "424 đảng viên bị xóa tên (tăng 37,66%)" in page
    assert "238 đảng viên xin ra khỏi Đảng (tăng 98,33%)" in page
    assert "<td>+37,66%</td>" in page and "<td>+98,33%</td>" in page
    assert "DỮ LIỆU MÔ PHỎNG" in page
    assert t("report.section.rule", "vi") in page and "2016–2020" in page


@pytest.mark.slow
def test_report_in_english(rendered) -> None:
    page = rendered["en"]
    assert '<html lang="en">' in page
    assert "424 members were removed from the rolls (up 37.66%)" in page
    assert "SIMULATED DATA" in page


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_report_has_no_code_scripts_or_external_requests(rendered, lang: str) -> None:
    page = rendered[lang]
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "TermReport" not in page and "import " not in page  # no code
    assert "In [" not in page and "Traceback" not in page
    assert not re.search(r"SIM\d{6}", page)  # no member identifiers
    assert page.count("<img") == page.count('alt="') >= 1


@pytest.mark.slow
def test_report_for_a_subordinate_unit(tmp_path: Path) -> None:
    params = {"data_path": str(sample_dir()), "unit": "D06", "terms": ["2015-2020", "2020-2025"]}
    page = render(TERM_TABLE, params, tmp_path / "d06.html", "D06", work_dir=tmp_path).html.read_text(encoding="utf-8")
    header = page.split("<main")[1].split("<nav")[0]
    assert "Châu Thành Tây" in page and "2010–2015" not in header


@pytest.mark.slow
def test_failing_notebook_writes_no_report(tmp_path: Path) -> None:
    from helpers.run.render import NotebookFailed

    html = tmp_path / "reports" / "x.html"
    with pytest.raises(NotebookFailed) as err:
        render(TERM_TABLE, {"data_path": str(sample_dir()), "unit": "NOPE"}, html, "x", work_dir=tmp_path)
    assert "NOPE" in str(err.value) and err.value.executed.exists()
    assert not html.exists() and not html.parent.exists()


@pytest.mark.slow
def test_two_runs_give_byte_identical_html(rendered, tmp_path: Path) -> None:
    params = {"data_path": str(sample_dir()), "unit": "SIM", "language": "vi"}
    again = render(TERM_TABLE, params, tmp_path / "again.html", t("report.title", "vi"), work_dir=tmp_path)
    assert again.html.read_text(encoding="utf-8") == rendered["vi"]


@pytest.mark.slow
def test_every_table_and_figure_caption_says_simulated(rendered) -> None:
    captions = re.findall(r'<p class="table-caption">(.*?)</p>|<figcaption>(.*?)</figcaption>', rendered["vi"])
    assert len(captions) >= 2
    assert all("DỮ LIỆU MÔ PHỎNG" in (a or b) for a, b in captions)


TRENDS = notebooks_dir() / "02-trends.ipynb"


@pytest.fixture(scope="module")
def trends_pages(tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("trends")
    runs = {"vi": {"language": "vi"}, "en": {"language": "en"}, "2023": {"language": "vi", "last_year": 2023}}
    pages = {}
    for name, extra in runs.items():
        params = {"data_path": str(sample_dir()), "unit": "SIM", **extra}
        pages[name] = render(TRENDS, params, out / f"{name}.html", "t", work_dir=out).html.read_text(encoding="utf-8")
    return pages


def _number(text: str) -> float:
    text = text.replace("−", "-")
    return float(text.replace(".", "").replace(",", ".") if "," in text else text)


def _apc_row(page: str, term: str, series: str) -> tuple[float, float, float]:
    """The annual percent change of one series in one term and its interval, from the report's APC table."""
    number = r"(−?[\d.,]+)%"
    found = re.search(
        rf"<tr><td>{term}</td><td[^>]*>{re.escape(series)}</td><td>{number}</td><td>{number}</td><td>{number}</td>",
        page,
    )
    assert found, (term, series)
    return tuple(_number(found.group(i)) for i in (1, 2, 3))


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "term", "index"), [("removed", "2015–2020", 1), ("asked_to_leave", "2020–2025", 2)])
def test_trends_report_states_each_planted_trend_inside_its_interval(
    trends_pages, kind: str, term: str, index: int
) -> None:
    """The table the committee reads carries an interval that holds the APC planted in the default data."""
    phrase = {"removed": "bị xóa tên", "asked_to_leave": "xin ra khỏi Đảng"}[kind]
    apc, low, high = _apc_row(trends_pages["vi"], term, f"tỷ lệ đảng viên {phrase}")
    planted = truth.PLANTED_APC[kind][index]
    assert low <= planted <= high and low <= apc <= high


@pytest.mark.slow
def test_trends_report_states_the_terms_units_and_target(trends_pages) -> None:
    page = trends_pages["vi"]
    assert "424 đảng viên bị xóa tên (tăng 37,66%)" in page
    assert "Huyện Châu Thành Tây (mô phỏng)" in page.split('id="units"')[1]  # the planted high unit is named
    assert "Không đạt mục tiêu" in page and "331" in page
    assert page.count("<img") == 5 and "<script" not in page.lower()


@pytest.mark.slow
def test_trends_report_mid_term_gives_a_projection(trends_pages) -> None:
    page = trends_pages["2023"]
    assert "khoảng dự báo 95%" in page and "Có nguy cơ không đạt" in page
    assert "2024, 2025" not in page.split('id="target"')[0]


@pytest.mark.slow
def test_trends_report_in_english(trends_pages) -> None:
    page = trends_pages["en"]
    apc, low, high = _apc_row(page, "2015–2020", "the rate of members who were removed from the rolls")
    assert low <= truth.PLANTED_APC["removed"][1] <= high and low <= apc <= high
    assert "Target not met" in page


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "must_show"),
    [
        ("03-profiles.ipynb", ["478/662 (chiếm 72,21%)", "Tỷ số (KTC 95%)", "Kaplan–Meier", "89,86%"]),
        ("04-causes.ipynb", ["Spearman", "5.040", "Holm", "không phải bằng chứng"]),
        # Defaults: 2022 in full and mid-2023, the Hòa Bình figures; D02 and D07 are planted behind plan.
        (
            "06-admissions.ipynb",
            [
                "đạt 110,63% kế hoạch",
                "đạt 104,82% kế hoạch",
                "37,80%",
                "Đơn vị CHẬM so với kế hoạch năm 2023 (2 đơn vị",
                "Thị xã Hòa An",
                "Huyện Bến Cầu Mới",
            ],
        ),
        ("07-ratings.ipynb", ["26,2%", "51,4%", "0,36%", "Huyện Châu Thành Tây"]),
        (
            "08-management.ipynb",
            ["1.127", "10,6%", "Huyện Phước Hưng (mô phỏng) (13,0%)", "Huyện Trảng Lớn (mô phỏng) (16,0%)"],
        ),
    ],
)
def test_analysis_notebooks_render_with_the_seed_figures(tmp_path: Path, name: str, must_show: list[str]) -> None:
    params = {"data_path": str(sample_dir()), "unit": "SIM", "language": "vi"}
    page = render(notebooks_dir() / name, params, tmp_path / "r.html", "r", work_dir=tmp_path).html.read_text(
        encoding="utf-8"
    )
    for text in must_show:
        assert text in page, text
    assert "<script" not in page.lower() and not re.search(r"SIM\d{6}", page)
    assert "DỮ LIỆU MÔ PHỎNG" in page and page.count("<img") == page.count('alt="')


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_papermill_reads_every_parameter(path: Path) -> None:
    """papermill silently drops a parameter line it cannot parse (an '=' in a comment does it)."""
    from helpers.run.render import declared_parameters

    tagged = [c for c in _cells(path) if "parameters" in c.get("metadata", {}).get("tags", [])][0]
    names = [node.target.id for node in ast.parse("".join(tagged["source"])).body]
    assert list(declared_parameters(path)) == names
