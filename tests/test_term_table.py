"""The term table computes the seeds' percent changes; the command prints it; the section states it as the seeds do."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from helpers.analyses.term_table import term_table
from helpers.data.terms import load_terms


@pytest.fixture(scope="module")
def tn():
    return load_terms().for_province("TN")


def test_term_table_reproduces_the_seed_percent_changes(tn) -> None:
    # 308 → 424 removed is +37,66% and 120 → 238 asked to leave is +98,33% (stated "98%"): seed 000.
    yearly = pd.DataFrame(
        {
            "year": range(2011, 2021),
            "removed": [60, 60, 60, 60, 68, 80, 80, 80, 80, 104],
            "asked_to_leave": [24] * 5 + [40, 40, 40, 40, 78],
        }
    )
    table = term_table(yearly, tn, ["removed", "asked_to_leave"], ["2010-2015", "2015-2020"])
    assert table["removed"].tolist() == [308, 424]
    assert table["asked_to_leave"].tolist() == [120, 238]
    assert table.loc[1, "removed_change_pct"] == pytest.approx(100 * (424 / 308 - 1))
    assert round(float(table.loc[1, "removed_change_pct"]), 2) == 37.66
    assert round(float(table.loc[1, "asked_to_leave_change_pct"])) == 98
    assert round(float(table.loc[1, "total_change_pct"]), 2) == round(100 * (662 / 428 - 1), 2)
    assert pd.isna(table.loc[0, "removed_change_pct"])


def test_incomplete_term_is_not_compared(tn) -> None:
    yearly = pd.DataFrame(
        {"year": [2016, 2017, 2018, 2019, 2020, 2021, 2022], "removed": [10] * 7, "asked_to_leave": [1] * 7}
    )
    table = term_table(yearly, tn, ["removed", "asked_to_leave"], ["2015-2020", "2020-2025"])
    assert table["complete"].tolist() == [True, False]
    assert table.loc[1, "years_observed"] == 2
    assert pd.isna(table.loc[1, "removed_change_pct"])


def test_command_prints_the_seed_totals_of_the_default_province(run_cli) -> None:
    code, out, _ = run_cli("term-table", "--format", "csv")
    table = pd.read_csv(io.StringIO(out)).set_index("term")
    assert code == 0
    # data/sample reproduces Tây Ninh 2015-2020: 424 removed (+37,66%), 238 asked to leave (stated "98%").
    assert table.loc["2015-2020", "removed"] == 424 and table.loc["2015-2020", "asked_to_leave"] == 238
    assert round(table.loc["2015-2020", "removed_change_pct"], 2) == 37.66


def test_section_states_the_term_in_the_seed_sentence_form() -> None:
    from helpers.report.sections.term_table import TermTableReport

    report = TermTableReport.build(
        "data/sample", "SIM", ["2010-2015", "2015-2020"], ["removed", "asked_to_leave"], "vi"
    )
    assert "424 đảng viên bị xóa tên (tăng 37,66%)" in report.terms_section()


# --- small bases and legends (issue 13) ---------------------------------------------------------------------


def _small_table(tn):
    yearly = pd.DataFrame(
        {
            "year": range(2011, 2021),
            "removed": [1, 1, 1, 1, 0, 3, 3, 3, 3, 3],  # 4 → 15: too few for a percent change
            "asked_to_leave": [20] * 5 + [30] * 5,  # 100 → 150: +50%
        }
    )
    return term_table(yearly, tn, ["removed", "asked_to_leave"], ["2010-2015", "2015-2020"])


def test_a_change_on_a_small_base_is_given_as_from_to(tn) -> None:
    from helpers.report.sections.term_table import term_sentences

    table = _small_table(tn)
    vi = term_sentences(table, ["removed", "asked_to_leave"], "vi", threshold=10)[1]
    assert "15 đảng viên bị xóa tên (tăng từ 4 lên 15 người; số nhỏ, không tính tỷ lệ thay đổi)" in vi
    assert "275" not in vi and "150 đảng viên xin ra khỏi Đảng (tăng 50,00%)" in vi
    en = term_sentences(table, ["removed", "asked_to_leave"], "en", threshold=10)[1]
    assert "(up from 4 to 15; too few to give a percent change)" in en
    # with a lower threshold the same change is a percent again, as the seeds state it
    assert "tăng 275,00%" in term_sentences(table, ["removed", "asked_to_leave"], "vi", threshold=3)[1]


def test_table_cells_and_note_carry_exactly_the_symbols_used(tn) -> None:
    from helpers.report.sections.term_table import SMALL_BASE_MARK, change_cells, table_note

    table = _small_table(tn)
    removed = change_cells(table, "removed", "vi", threshold=10)
    asked = change_cells(table, "asked_to_leave", "vi", threshold=10)
    assert removed == ["–", SMALL_BASE_MARK] and asked == ["–", "+50,00%"]
    note = table_note(table, removed + asked, "Tỉnh X", "vi", threshold=10)
    assert "Tỉnh X" in note and "2011–2020" in note
    assert "–: nhiệm kỳ đầu của bảng" in note and "*: một trong hai nhiệm kỳ có dưới 10 người" in note
    plain = table_note(table, asked, "Tỉnh X", "vi")
    assert "*:" not in plain  # no legend for a symbol no cell shows


def test_rendered_section_passes_the_text_checks() -> None:
    from bs4 import BeautifulSoup

    from helpers.report.checks import appendix_terms, legends
    from helpers.report.sections.term_table import TermTableReport

    for lang in ("vi", "en"):
        report = TermTableReport.build(
            "data/sample", "SIM", ["2010-2015", "2015-2020"], ["removed", "asked_to_leave"], lang
        )
        soup = BeautifulSoup(report.terms_section(), "html.parser")
        assert legends(soup) == []
        assert appendix_terms(soup.find_all(["p", "td", "th", "figcaption", "img"]), lang) == []
