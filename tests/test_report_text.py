"""The rendered reports read as a committee member reads them: no paragraph twice, every table symbol explained and
no legend without its symbol, no internal identifier, every summary number found again in the body, technical
terms only in the appendix, and figure text at least the body size on a phone.

The checks (helpers.report.checks) are first shown to catch each defect planted in a small page, then run on
every report that leaves the building: the committee report for the province and for a small district and the
quality report, in Vietnamese and English."""

from __future__ import annotations

import pytest

from helpers.report.checks import APPENDIX_TERMS, check_report

CLEAN_FIGURE = (
    '<figure><picture><source media="screen and (max-width: 40rem)" srcset="data:," width="330" height="300" '
    'data-text-pt="12"/><img src="data:," width="700" height="380" data-text-pt="12" alt="Số đảng viên ra khỏi '
    'Đảng theo nhiệm kỳ"/></picture><figcaption>Số đảng viên ra khỏi Đảng theo nhiệm kỳ</figcaption></figure>'
)


def page(
    summary: str = "Nhiệm kỳ 2020–2025 có 215 đảng viên bị xóa tên.",
    body: str = "",
    table: str = "",
    figure: str = CLEAN_FIGURE,
    appendix: str = "<p>Xu hướng được ước lượng bằng mô hình Poisson; kiểm định Mann–Kendall (p = 0,027).</p>",
) -> str:
    """A small report with the committee report's structure: summary, one part (a sentence the summary quotes,
    then ``body``), the appendix."""
    body = "<p>Nhiệm kỳ 2020–2025 có 215 đảng viên bị xóa tên (giảm 49,29%).</p>" + body
    return (
        "<html><body><main class='report'>"
        f'<h2 id="summary">Tóm tắt</h2><ul class="summary"><li>{summary}</li></ul>'
        f'<h2 id="situation">Phần II. Tình hình</h2>{body}{table}{figure}'
        f'<h2 id="appendix">Phụ lục</h2>{appendix}'
        "</main></body></html>"
    )


def table(cells: list[str], note: str) -> str:
    rows = "".join(f"<tr><td>{name}</td><td>{value}</td></tr>" for name, value in zip(("A", "B", "C"), cells))
    return (
        '<div class="table-wrap"><p class="table-caption">Bảng thử</p><table class="report-table">'
        f"<thead><tr><th>Nhóm</th><th>Số</th></tr></thead><tbody>{rows}</tbody></table>"
        f'<p class="table-note">{note}</p></div>'
    )


def checks_of(html: str, lang: str = "vi") -> list[str]:
    return sorted({problem.check for problem in check_report(html, lang)})


def test_a_clean_page_passes() -> None:
    assert check_report(page(), "vi") == []


def test_a_paragraph_said_twice_is_caught_but_not_a_short_legend() -> None:
    long = "<p>Ô có từ 1 đến 9 người (dưới 10) được ẩn, ký hiệu x; một số ô khác cũng được ẩn để không thể suy ra.</p>"
    assert checks_of(page(body=long + long)) == ["repeated"]
    short = "<p>x: số nhỏ, được ẩn.</p>"
    assert check_report(page(body=short + short), "vi") == []


@pytest.mark.parametrize("term", ["Mann–Kendall", "KTC", "Spearman", "tựa-Poisson", "p = 0,03", "χ²"])
def test_a_technical_term_in_the_main_text_is_caught_and_allowed_in_the_appendix(term: str) -> None:
    problems = check_report(page(body=f"<p>Tỷ lệ giảm rõ rệt ({term}).</p>"), "vi")
    assert [p.check for p in problems] == ["appendix term"]
    assert check_report(page(appendix=f"<p>Phương pháp: {term}.</p>"), "vi") == []


def test_a_technical_term_in_a_figure_alt_text_or_table_note_is_main_text() -> None:
    figure = CLEAN_FIGURE.replace('alt="Số', 'alt="Kiểm định Spearman: số')
    assert checks_of(page(figure=figure)) == ["appendix term"]
    assert checks_of(page(table=table(["1", "2", "3"], "Kiểm định khi bình phương."))) == ["appendix term"]


def test_english_terms_and_words_that_merely_contain_them() -> None:
    assert checks_of(page(body="<p>The 95% CI is wide.</p>"), "en") == ["appendix term"]
    # "circle", "Holmes", "dispersions" contain no whole technical word; "CI" is matched case-sensitively
    assert check_report(page(body="<p>Circles of cities, Holmes street, a civic act.</p>"), "en") == []


def test_every_language_has_its_term_list() -> None:
    assert set(APPENDIX_TERMS) == {"vi", "en"}
    assert "Mann–Kendall" in APPENDIX_TERMS["vi"] and "Mann–Kendall" in APPENDIX_TERMS["en"]


def test_a_legend_without_its_symbol_and_a_symbol_without_its_legend() -> None:
    assert checks_of(page(table=table(["1", "2", "3"], "Dấu *: có ý nghĩa."))) == ["legend"]
    assert checks_of(page(table=table(["1", "x", "3"], "Tỷ lệ trên 355 người."))) == ["legend"]
    assert check_report(page(table=table(["1", "x", "–"], "x: số nhỏ, được ẩn. –: nhiệm kỳ đầu.")), "vi") == []


def test_an_internal_identifier_is_caught_but_not_a_file_name() -> None:
    assert checks_of(page(appendix="<p>HB-2022-new_members_university: 772/1.457.</p>")) == ["internal id"]
    assert checks_of(page(appendix="<p>Chỉ số leavers_hamlet_branch.</p>")) == ["internal id"]
    assert check_report(page(appendix="<p>Tệp data/sample/annual_counts.csv và targets.csv.</p>"), "vi") == []


def test_a_summary_number_the_body_never_gives() -> None:
    assert checks_of(page(summary="Nhiệm kỳ 2020–2025 có 215 đảng viên bị xóa tên, 68,2% dưới 40 tuổi.")) == [
        "summary number"
    ]


def test_figure_text_under_the_body_size_on_a_phone() -> None:
    small = CLEAN_FIGURE.replace(
        'width="330" height="300" data-text-pt="12"', 'width="330" height="300" data-text-pt="8"'
    )
    assert checks_of(page(figure=small)) == ["figure text"]
    # a 700-px image shown at phone width shrinks its 10-pt text to about 6 px
    desktop_only = '<figure><img src="data:," width="700" height="380" data-text-pt="10" alt="Hình"/></figure>'
    problems = check_report(page(figure=desktop_only), "vi")
    assert {p.check for p in problems} == {"figure text"}
    assert any("6.8 px" in p.detail for p in problems)


def test_the_command_reads_report_files_and_fails_on_a_defect(run_cli, tmp_path) -> None:
    clean, planted = tmp_path / "clean.html", tmp_path / "planted.html"
    clean.write_text(page(), encoding="utf-8")
    planted.write_text(page(body="<p>Kiểm định Mann–Kendall cho thấy xu hướng tăng.</p>"), encoding="utf-8")
    assert run_cli("check-report", clean)[0] == 0
    code, out, err = run_cli("check-report", clean, planted)
    assert code == 1
    assert "planted.html: appendix term: «Mann–Kendall»" in out and "clean.html" not in out
    assert "1 problems" in err
    assert run_cli("check-report", tmp_path / "missing.html")[0] == 2


# --- the reports themselves -----------------------------------------------------------------------------

SMALL_DISTRICT = "D03"  # the planted low-attrition district: a dozen exits per kind in a term
REPORTS = [
    ("committee", "SIM", "vi"),
    ("committee", "SIM", "en"),
    ("committee", SMALL_DISTRICT, "vi"),
    ("committee", SMALL_DISTRICT, "en"),
    ("quality", "SIM", "vi"),
    ("quality", "SIM", "en"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("notebook", "unit", "language"), REPORTS, ids=["-".join(r) for r in REPORTS])
def test_the_rendered_report_reads_cleanly(rendered_report, notebook: str, unit: str, language: str) -> None:
    html = rendered_report(notebook, unit, language).read_text(encoding="utf-8")
    problems = check_report(html, language)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(str(p) for p in problems)
