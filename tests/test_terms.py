"""Terms come from one config file; years are assigned by its rule; the term table computes the seeds' changes."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.data.contracts import ContractError
from helpers.data.terms import load_terms, term_of_year, term_years
from helpers.analyses.term_table import term_table


@pytest.fixture(scope="module")
def tn():
    return load_terms().for_province("TN")


def test_config_passes_its_contract_and_states_the_rule() -> None:
    terms = load_terms()
    assert set(terms.table["province_code"]) == {"TN", "SIM"}
    assert "2016–2020" in terms.rule("vi") and "2016–2020" in terms.rule("en")


def test_year_of_a_congress_belongs_to_the_term_it_ends(tn) -> None:
    years = pd.Series([2010, 2011, 2015, 2016, 2020, 2021, 2025, 2026, 2031])
    assert term_of_year(years, tn).tolist() == [
        pd.NA, "2010-2015", "2010-2015", "2015-2020", "2015-2020", "2020-2025", "2020-2025", "2025-2030", pd.NA]
    assert list(term_years(tn, "2015-2020")) == [2016, 2017, 2018, 2019, 2020]


def test_term_table_reproduces_the_seed_percent_changes(tn) -> None:
    # 308 → 424 removed is +37,66% and 120 → 238 asked to leave is +98,33% (stated "98%"): seed 000.
    yearly = pd.DataFrame({"year": range(2011, 2021),
                           "removed": [60, 60, 60, 60, 68, 80, 80, 80, 80, 104],
                           "asked_to_leave": [24] * 5 + [40, 40, 40, 40, 78]})
    table = term_table(yearly, tn, ["removed", "asked_to_leave"], ["2010-2015", "2015-2020"])
    assert table["removed"].tolist() == [308, 424]
    assert table["asked_to_leave"].tolist() == [120, 238]
    assert table.loc[1, "removed_change_pct"] == pytest.approx(100 * (424 / 308 - 1))
    assert round(float(table.loc[1, "removed_change_pct"]), 2) == 37.66
    assert round(float(table.loc[1, "asked_to_leave_change_pct"])) == 98
    assert round(float(table.loc[1, "total_change_pct"]), 2) == round(100 * (662 / 428 - 1), 2)
    assert pd.isna(table.loc[0, "removed_change_pct"])


def test_incomplete_term_is_not_compared(tn) -> None:
    yearly = pd.DataFrame({"year": [2016, 2017, 2018, 2019, 2020, 2021, 2022],
                           "removed": [10] * 7, "asked_to_leave": [1] * 7})
    table = term_table(yearly, tn, ["removed", "asked_to_leave"], ["2015-2020", "2020-2025"])
    assert table["complete"].tolist() == [True, False]
    assert table.loc[1, "years_observed"] == 2
    assert pd.isna(table.loc[1, "removed_change_pct"])


def test_broken_terms_config_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "terms.toml"
    path.write_text('[rule]\ncode = "x"\nvi = "x"\nen = "x"\n'
                    '[[term]]\nprovince_code = "A"\nlabel = "2010-2015"\nstart_year = 2010\nend_year = 2015\n'
                    '[[term]]\nprovince_code = "A"\nlabel = "2016-2020"\nstart_year = 2016\nend_year = 2020\n',
                    encoding="utf-8")
    with pytest.raises(ContractError) as err:
        load_terms(path)
    assert [(p.rule, p.row) for p in err.value.problems] == [("terms_contiguous", 2)]
