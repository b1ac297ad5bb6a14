"""Terms come from one config file; years are assigned by its rule; the term table computes the seeds' changes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.data.contracts import ContractError
from helpers.data.terms import load_terms, term_of_year, term_years, years_outside
from helpers.errors import TermsError
from helpers.paths import terms_file
from helpers.report.base import TermReport

TERMS = ["2010-2015", "2015-2020", "2020-2025"]
KINDS = ["removed", "asked_to_leave"]


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


# --- a data folder's own terms.toml (issue 12) ---------------------------------------------------------------

OWN_SIM_TERMS = "".join(
    f'[[term]]\nprovince_code = "SIM"\nlabel = "{a}-{b}"\nstart_year = {a}\nend_year = {b}\n'
    for a, b in ((2010, 2016), (2016, 2021), (2021, 2026))
)


def test_without_its_own_terms_file_a_data_folder_reads_the_config(tmp_path: Path) -> None:
    terms = load_terms(data=tmp_path)
    assert terms.files == (terms_file(),) and terms.data_provinces == frozenset()
    assert terms.table.equals(load_terms().table)


def test_a_data_folders_terms_take_precedence_for_the_provinces_it_defines(tmp_path: Path) -> None:
    (tmp_path / "terms.toml").write_text(OWN_SIM_TERMS, encoding="utf-8")  # no [rule]: the config's applies
    terms = load_terms(data=tmp_path)
    assert terms.files == (terms_file(), tmp_path / "terms.toml") and terms.data_provinces == {"SIM"}
    sim = terms.for_province("SIM")
    assert sim["label"].tolist() == ["2010-2016", "2016-2021", "2021-2026"]
    assert list(term_years(sim, "2016-2021")) == [2017, 2018, 2019, 2020, 2021]
    # the provinces the data folder does not define keep the config's terms
    assert terms.for_province("TN").equals(load_terms().for_province("TN"))
    assert terms.rule("en") == load_terms().rule("en")


def test_a_data_folders_terms_may_restate_the_rule_but_not_change_it(tmp_path: Path) -> None:
    rule = '[rule]\ncode = "years_after_opening_congress"\nvi = "x"\nen = "x"\n'
    (tmp_path / "terms.toml").write_text(rule + OWN_SIM_TERMS, encoding="utf-8")
    assert load_terms(data=tmp_path).rule_code == "years_after_opening_congress"
    (tmp_path / "terms.toml").write_text(rule.replace("years_after", "years_before") + OWN_SIM_TERMS, "utf-8")
    with pytest.raises(TermsError) as err:
        load_terms(data=tmp_path)
    assert "years_before_opening_congress" in str(err.value) and "years_after_opening_congress" in str(err.value)
    assert "quy tắc" in str(err.value) and "rule" in str(err.value) and "terms.toml" in str(err.value)


def test_a_broken_data_folder_terms_file_is_named_in_the_problem(tmp_path: Path) -> None:
    (tmp_path / "terms.toml").write_text(OWN_SIM_TERMS.replace("start_year = 2016", "start_year = 2017"), "utf-8")
    with pytest.raises(ContractError) as err:
        load_terms(data=tmp_path)
    assert [(p.rule, p.row, p.file) for p in err.value.problems] == [
        ("terms_contiguous", 2, str(tmp_path / "terms.toml"))
    ]
    (tmp_path / "terms.toml").write_text("[[term]\n", encoding="utf-8")
    with pytest.raises(TermsError, match="terms.toml"):
        load_terms(data=tmp_path)
    (tmp_path / "terms.toml").write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(TermsError, match=r"\[\[term\]\]"):
        load_terms(data=tmp_path)


def test_the_term_table_uses_the_data_folders_terms(sample_copy: Path) -> None:
    (sample_copy / "members.csv").unlink()  # the annual counts file holds the same counts; loads faster
    (sample_copy / "terms.toml").write_text(OWN_SIM_TERMS, encoding="utf-8")
    report = TermReport.build(str(sample_copy), "SIM", ["2010-2016", "2016-2021", "2021-2026"], KINDS, "vi")
    table = report.table.set_index("term")
    assert table[["first_year", "last_year", "years_observed"]].values.tolist() == [
        [2011, 2016, 6],
        [2017, 2021, 5],
        [2022, 2026, 4],
    ]
    assert table["removed"].tolist() == [371, 420, 127]  # the default province's counts over these years
    assert table["asked_to_leave"].tolist() == [152, 254, 123]
    assert table.loc["2016-2021", "member_years"] == 221234
    assert table.loc["2016-2021", "total_change_pct"] == pytest.approx((420 + 254) / (371 + 152) * 100 - 100)


def test_years_outside_every_term(tn) -> None:
    assert years_outside(pd.Series([2009, 2010, 2011, 2015, 2016, 2030, 2031]), tn) == [2009, 2010, 2031]
    assert years_outside(pd.Series(range(2011, 2031)), tn) == []


def test_without_members_at_the_start_of_the_year_the_term_table_has_counts_and_no_rates(sample_copy: Path) -> None:
    (sample_copy / "members.csv").unlink()
    counts = pd.read_csv(sample_copy / "annual_counts.csv")
    counts.drop(columns="members_start").to_csv(sample_copy / "annual_counts.csv", index=False)
    table = TermReport.build(str(sample_copy), "SIM", TERMS, KINDS, "vi").table
    assert table["removed"].tolist() == [308, 424, 186] and table["total"].tolist() == [428, 662, 357]
    assert "member_years" not in table and "total_rate" not in table
