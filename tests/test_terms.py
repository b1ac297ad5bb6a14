"""Terms come from one config file; years are assigned by its rule; the term table computes the seeds' changes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.data.contracts import ContractError
from helpers.data.terms import load_terms, term_of_year, term_years


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
        pd.NA,
        "2010-2015",
        "2010-2015",
        "2015-2020",
        "2015-2020",
        "2020-2025",
        "2020-2025",
        "2025-2030",
        pd.NA,
    ]
    assert list(term_years(tn, "2015-2020")) == [2016, 2017, 2018, 2019, 2020]


def test_broken_terms_config_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "terms.toml"
    path.write_text(
        '[rule]\ncode = "x"\nvi = "x"\nen = "x"\n'
        '[[term]]\nprovince_code = "A"\nlabel = "2010-2015"\nstart_year = 2010\nend_year = 2015\n'
        '[[term]]\nprovince_code = "A"\nlabel = "2016-2020"\nstart_year = 2016\nend_year = 2020\n',
        encoding="utf-8",
    )
    with pytest.raises(ContractError) as err:
        load_terms(path)
    assert [(p.rule, p.row) for p in err.value.problems] == [("terms_contiguous", 2)]
