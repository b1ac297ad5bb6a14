"""Published figures: the seed data, the checker's verdicts on it, and the file format a researcher extends.

Expected values below are recomputed by hand from the quotes in data/published/figures.csv (the arithmetic is
written out in the comments), not copied from the checker's output.
"""

from __future__ import annotations

import csv
import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from helpers.data.published import (
    COLUMNS,
    REPRODUCED_COLUMNS,
    FiguresError,
    check_figures,
    format_check,
    load_figures,
    parse_pct,
    reproduced,
    round_as_stated,
    tolerance,
)
from helpers.paths import REPO_ROOT, locales_dir, published_dir

SEEDS = REPO_ROOT.parent / "shared" / "seeds"  # CI and sessions keep shared/ beside the checkout


@pytest.fixture(scope="module")
def seed_figures() -> pd.DataFrame:
    return load_figures([published_dir() / "figures.csv"])


@pytest.fixture(scope="module")
def seed_result(seed_figures: pd.DataFrame) -> pd.DataFrame:
    return check_figures(seed_figures).set_index("figure_id")


# --- the seed data ------------------------------------------------------------------------------------


def test_seed_file_has_every_figure_once(seed_figures: pd.DataFrame) -> None:
    assert len(seed_figures) == 54
    assert seed_figures["figure_id"].is_unique
    assert list(seed_figures.columns[: len(COLUMNS)]) == list(COLUMNS)
    assert seed_figures["row"].tolist() == list(range(2, 56))  # header is line 1
    sources = pd.read_csv(published_dir() / "sources.csv", dtype=str, keep_default_na=False)
    assert set(seed_figures["source_id"]) == set(sources["source_id"]) == {"000", "001", "002", "003", "004"}


def test_seed_numbers_appear_in_their_quotes(seed_figures: pd.DataFrame) -> None:
    for rec in seed_figures.to_dict("records"):
        if not pd.isna(rec["value"]):
            printed = f"{int(rec['value']):,}".replace(",", ".")  # 69190 -> "69.190"
            assert re.search(rf"(?<![\d.,])0*{re.escape(printed)}(?![\d])", rec["quote"]), rec["figure_id"]
        if rec["stated_pct"]:
            assert rec["stated_pct"].lstrip("+-") in rec["quote"], rec["figure_id"]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed documents not available")
def test_seed_quotes_are_verbatim(seed_figures: pd.DataFrame) -> None:
    sources = pd.read_csv(published_dir() / "sources.csv", dtype=str, keep_default_na=False)
    texts = {s: (SEEDS / f).read_text(encoding="utf-8") for s, f in zip(sources["source_id"], sources["file"])}
    for rec in seed_figures.to_dict("records"):
        assert rec["quote"] in texts[rec["source_id"]], rec["figure_id"]


def test_targets_are_kept_unchecked(seed_figures: pd.DataFrame) -> None:
    rows = seed_figures.set_index("figure_id")
    tn = rows.loc["TN-2021-2025-target_leavers_reduction"]
    assert (tn["check"], tn["stated_pct"], tn["qualifier"], tn["period"]) == ("none", "-50", "ít nhất", "2021-2025")
    hcm = rows.loc["HCM-2016-2020-target_weak_grassroots"]
    assert (hcm["check"], hcm["stated_pct"], hcm["qualifier"]) == ("none", "0,5", "dưới")


# --- verdicts on the seed figures ---------------------------------------------------------------------

# share = count/base·100 with both stated: (figure_id, count/base, verdict)
SHARES = [
    ("TN-2016-2020-leavers_age_18_40", 72.2054, "consistent"),  # 478/662, stated 72,21
    ("TN-2016-2020-leavers_informal_work", 78.3988, "consistent"),  # 519/662, stated 78,40
    ("TN-2016-2020-leavers_hamlet_branch", 86.4048, "mismatch"),  # 572/662, stated 86,42
    ("TN-2016-2020-leavers_no_vocational_training", 67.0695, "consistent"),  # 444/662, stated 67,07
    ("TN-2016-2020-leavers_no_political_training", 92.7492, "consistent"),  # 614/662, stated 92,75
    ("HCM-2019-screened_removed", 10.6181, "consistent"),  # 359/3381, stated 10,6 (± 0,05)
    ("HB-2022-new_members_technical_worker", 0.6177, "mismatch"),  # 9/1457, stated 0,55
    ("HB-2022-new_members_intermediate", 9.3343, "mismatch"),  # 136/1457, stated 8,31
    ("HB-2022-new_members_college", 11.8737, "mismatch"),  # 173/1457, stated 10,57
    ("HB-2022-new_members_university", 52.9856, "mismatch"),  # 772/1457, stated 47,19
    ("HB-2022-new_members_master", 2.4708, "mismatch"),  # 36/1457, stated 2,2
]


@pytest.mark.parametrize(("figure_id", "recomputed", "verdict"), SHARES)
def test_stated_shares(seed_result: pd.DataFrame, figure_id: str, recomputed: float, verdict: str) -> None:
    row = seed_result.loc[figure_id]
    assert row["rule"] == "share"
    assert row["recomputed"] == pytest.approx(recomputed, abs=1e-4)
    assert row["verdict"] == verdict


def test_572_of_662_is_not_86_42(seed_result: pd.DataFrame) -> None:
    row = seed_result.loc["TN-2016-2020-leavers_hamlet_branch"]
    # 572/0,86425 = 661,85 and 572/0,86415 = 661,92: no whole base; 662·0,86415 = 572,07 … 572,13: no whole count.
    assert row["implied"] == ""
    assert row["tolerance"] == pytest.approx(0.005)
    assert "572/662 = 86,40% ≠ 86,42%" in row["explanation_vi"] and "0,02" in row["explanation_vi"]
    assert "86.40% ≠ stated 86.42%" in row["explanation_en"]


# The 2022 training shares fit a base near 1.636, not the 1.457 admissions stated.
# 136/0,08315 = 1635,6 … 136/0,08305 = 1637,6; 173/0,10575 = 1635,9 … 173/0,10565 = 1637,5;
# 772/0,47195 = 1635,8 … 772/0,47185 = 1636,1; 9/0,00555 = 1621,6 … 9/0,00545 = 1651,4;
# 36/0,0225 = 1600 … 36/0,0215 = 1674,4.
@pytest.mark.parametrize(
    ("figure_id", "bases"),
    [
        ("HB-2022-new_members_technical_worker", "1622–1651"),
        ("HB-2022-new_members_intermediate", "1636–1637"),
        ("HB-2022-new_members_college", "1636–1637"),
        ("HB-2022-new_members_university", "1636"),
        ("HB-2022-new_members_master", "1600–1674"),
    ],
)
def test_hoa_binh_training_shares_imply_another_base(seed_result: pd.DataFrame, figure_id: str, bases: str) -> None:
    row = seed_result.loc[figure_id]
    assert (row["verdict"], row["implied"]) == ("mismatch", bases)
    assert "1.457" in row["explanation_vi"]


# Missing count, previous value or plan: (figure_id, rule, implied)
IMPLIED = [
    ("TN-2016-2020-removed", "change", "308"),  # 424/1,37665 = 307,996 … 424/1,37655 = 308,017
    ("TN-2016-2020-removed-003", "change", "308"),
    ("TN-2016-2020-asked_to_leave", "change", "120"),  # 238/1,985 = 119,9 … 238/1,975 = 120,5
    ("TN-2016-2020-asked_to_leave-003", "change", "120"),
    ("TN-2016-2020-orgs_disciplined", "change", "11"),  # 23/2,09095 … 23/2,09085 = 11,000
    ("TN-2016-2020-members_disciplined", "change", "767"),  # 633/0,82535 = 766,95 … 633/0,82525 = 767,04
    ("TN-2016-2020-removed_abandoned_activity", "share", "381"),  # 424·0,89855 = 380,99 … 424·0,89865 = 381,03
    ("TN-2016-2020-asked_to_leave_family_hardship", "share", "173"),  # 238·0,72685 = 172,99 … 238·0,72695 = 173,01
    ("TN-2016-2020-asked_to_leave_emigration", "share", "65"),  # 238·0,27305 = 64,99 … 238·0,27315 = 65,01
    ("HB-2021-admitted_districts", "attainment", "1260"),  # 1394/1,10635 = 1260,0 … 1394/1,10625 = 1260,1
    ("HB-2022-admitted_districts", "attainment", "1390"),  # 1457/1,04825 = 1389,9 … 1457/1,04815 = 1390,1
    ("HB-2016-2022-admitted_districts", "attainment", "12409–12410"),  # 10980/0,88485 = 12408,9 … /0,88475 = 12410,3
    ("HB-2023-H1-admitted", "attainment", "2080–2084"),  # 787/0,3785 = 2079,3 … 787/0,3775 = 2084,8
]


@pytest.mark.parametrize(("figure_id", "rule", "implied"), IMPLIED)
def test_implied_integers(seed_result: pd.DataFrame, figure_id: str, rule: str, implied: str) -> None:
    row = seed_result.loc[figure_id]
    assert (row["rule"], row["verdict"], row["implied"]) == (rule, "implied", implied)


def test_implied_previous_value_recomputes(seed_result: pd.DataFrame) -> None:
    assert seed_result.loc["TN-2016-2020-removed", "recomputed"] == pytest.approx((424 / 308 - 1) * 100)
    assert seed_result.loc["TN-2016-2020-members_disciplined", "stated"] == -17.47
    assert seed_result.loc["TN-2016-2020-asked_to_leave", "tolerance"] == 0.5


@pytest.mark.parametrize(
    ("figure_id", "total"),
    [
        ("TN-2016-2020-leavers", 662),  # 424 + 238
        ("HB-2023-grassroots_orgs", 510),  # 279 + 231
        ("HB-2022-12-31-members_total", 69190),  # 67.155 + 2.035
        ("HCM-2019-screened", 3381),  # 359 + 3.022
    ],
)
def test_totals(seed_result: pd.DataFrame, figure_id: str, total: int) -> None:
    row = seed_result.loc[figure_id]
    assert (row["rule"], row["verdict"], row["stated"], row["recomputed"]) == ("total", "consistent", total, total)


def test_seed_verdict_counts(seed_result: pd.DataFrame) -> None:
    assert len(seed_result) == len(SHARES) + len(IMPLIED) + 4
    assert seed_result["verdict"].value_counts().to_dict() == {"implied": 13, "consistent": 9, "mismatch": 6}


def test_format_check(seed_result: pd.DataFrame) -> None:
    result = seed_result.reset_index()
    vi = format_check(result, "vi")
    assert "86,42" in vi and "69.190" in vi
    assert vi.splitlines()[-1] == "Khớp: 9 · Suy ra: 13 · Không khớp: 6"
    en = format_check(result, "en", only_mismatches=True)
    assert "86.42" in en and "69,190" not in en
    assert len(en.splitlines()) == 2 + 6 + 1  # header, rule, six mismatches, summary
    assert en.splitlines()[-1] == "Consistent: 9 · Implied: 13 · Mismatch: 6"


# --- synthetic tables ---------------------------------------------------------------------------------


def _row(figure_id: str, value: str = "", check: str = "none", **cells: str) -> dict:
    return (
        {c: "" for c in COLUMNS}
        | {
            "figure_id": figure_id,
            "source_id": "X",
            "place": "Bắc Ninh",
            "period": "2016-2020",
            "indicator": figure_id,
            "value": value,
            "unit": "người",
            "check": check,
            "quote": "…",
        }
        | cells
    )


def _write(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_researcher_file_is_read_and_its_mismatch_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "published"
    folder.mkdir()
    _write(folder / "figures.csv", [_row("A-removed", "120"), _row("A-asked", "80")])
    _write(
        folder / "figures-other.csv",
        [
            _row("B-leavers", "200", "total", parts="A-removed+A-asked"),  # 120 + 80 = 200
            _row("B-young", "150", "share", base_id="B-leavers", stated_pct="75,00"),  # 150/200 = 75 %
            _row("B-hamlet", "51", "share", base_id="B-leavers", stated_pct="26,00"),  # 51/200 = 25,5 % ≠ 26,00
            _row("B-removed-change", "120", "change", stated_pct="+50"),  # 120/80 = 1,5 → 80
        ],
    )
    monkeypatch.setenv("HELPERS_DATA_ROOT", str(tmp_path))
    figures = load_figures()
    assert sorted(set(figures["file"])) == ["figures-other.csv", "figures.csv"]
    assert figures.loc[figures["figure_id"] == "B-hamlet", "row"].item() == 4
    result = check_figures(figures).set_index("figure_id")
    assert result["verdict"].to_dict() == {
        "B-leavers": "consistent",
        "B-young": "consistent",
        "B-hamlet": "mismatch",
        "B-removed-change": "implied",
    }
    assert result.loc["B-hamlet", "recomputed"] == pytest.approx(25.5)
    assert result.loc["B-hamlet", "implied"] == ""  # 51/0,26005 = 196,12 … 51/0,25995 = 196,19: no whole base
    assert result.loc["B-removed-change", "implied"] == "80"


@pytest.mark.parametrize(
    ("stated", "expected"),
    [
        ("37,66", 0.005),
        ("98", 0.5),
        ("+98", 0.5),
        ("2,2", 0.05),
        ("-17,47", 0.005),
        ("0,36", 0.005),
        ("1.234,5", 0.05),
    ],
)
def test_tolerance_from_stated_decimals(stated: str, expected: float) -> None:
    assert tolerance(stated) == pytest.approx(expected)


def test_parse_vietnamese_percent() -> None:
    assert (parse_pct("37,66"), parse_pct("+98"), parse_pct("-17,47"), parse_pct("1.234,5")) == (
        37.66,
        98,
        -17.47,
        1234.5,
    )


def test_tolerance_decides_the_verdict(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "figures.csv",
        [
            _row("base", "3381"),
            _row("one-decimal", "359", "share", base_id="base", stated_pct="10,6"),  # 10,618: within 0,05
            _row("two-decimals", "359", "share", base_id="base", stated_pct="10,60"),  # 10,618: beyond 0,005
        ],
    )
    result = check_figures(load_figures([path])).set_index("figure_id")
    assert result["tolerance"].to_dict() == pytest.approx({"one-decimal": 0.05, "two-decimals": 0.005})
    assert result["verdict"].to_dict() == {"one-decimal": "consistent", "two-decimals": "mismatch"}


def test_no_integer_fits_is_a_mismatch(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "figures.csv",
        [
            _row("base", "7"),
            _row("half", "", "share", base_id="base", stated_pct="50,00"),  # 3/7 = 42,86, 4/7 = 57,14: nothing fits
            _row("total", "", "total", parts="base+base"),  # 7 + 7 = 14, implied
        ],
    )
    result = check_figures(load_figures([path])).set_index("figure_id")
    assert (result.loc["half", "verdict"], result.loc["half", "implied"]) == ("mismatch", "")
    assert "không nhất quán" in result.loc["half", "explanation_vi"]
    assert (result.loc["total", "verdict"], result.loc["total", "implied"]) == ("implied", "14")


def test_qualified_figures_follow_the_qualifier(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "figures.csv",
        [
            _row("base", "100"),
            _row("over-ok", "95", "share", base_id="base", stated_pct="90", qualifier="trên"),
            _row("over-bad", "85", "share", base_id="base", stated_pct="90", qualifier="trên"),
            _row("about-ok", "97", "share", base_id="base", stated_pct="100", qualifier="khoảng"),
            _row("range-ok", "11", "share", base_id="base", stated_pct="10", qualifier="từ … đến 12"),
            _row("range-bad", "14", "share", base_id="base", stated_pct="10", qualifier="từ … đến 12"),
        ],
    )
    verdicts = check_figures(load_figures([path])).set_index("figure_id")["verdict"].to_dict()
    assert verdicts == {
        "over-ok": "consistent",
        "over-bad": "mismatch",
        "about-ok": "consistent",
        "range-ok": "consistent",
        "range-bad": "mismatch",
    }


@pytest.mark.parametrize(
    ("bad", "column", "value"),
    [
        ({"check": "ratio"}, "check", "ratio"),
        ({"value": "69.190"}, "value", "69.190"),
        ({"value": "12a"}, "value", "12a"),
        ({"check": "share", "base_id": "nowhere", "stated_pct": "10"}, "base_id", "nowhere"),
        ({"check": "total", "parts": "ok+missing"}, "parts", "missing"),
        ({"check": "share", "base_id": "ok", "stated_pct": "37.66"}, "stated_pct", "37.66"),
        ({"check": "share", "base_id": "ok", "stated_pct": "abc"}, "stated_pct", "abc"),
        ({"figure_id": "ok"}, "figure_id", "ok"),  # duplicate
    ],
)
def test_malformed_rows_are_named(tmp_path: Path, bad: dict, column: str, value: str) -> None:
    path = _write(tmp_path / "figures-bad.csv", [_row("ok", "10"), _row("bad", "5") | bad])
    with pytest.raises(FiguresError) as err:
        load_figures([path])
    message = str(err.value)
    assert isinstance(err.value, ValueError)
    assert "figures-bad.csv" in message and "dòng 3" in message and "line 3" in message
    assert f"cột {column}" in message and f"column {column}" in message and value in message


def test_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "figures.csv"
    path.write_text("figure_id,value\nx,1\n", encoding="utf-8")
    with pytest.raises(FiguresError, match="stated_pct"):
        load_figures([path])


def test_locales_have_the_same_keys() -> None:
    def keys(node: dict, prefix: str = "") -> set[str]:
        return {
            k
            for key, v in node.items()
            for k in (keys(v, f"{prefix}{key}.") if isinstance(v, dict) else {prefix + key})
        }

    vi, en = (tomllib.loads((locales_dir() / lang / "published.toml").read_text("utf-8")) for lang in ("vi", "en"))
    assert keys(vi) == keys(en)


# --- values computed from data against the stated percentages ------------------------------------------------------


def test_reproduced_rounds_as_the_document_writes_and_compares(seed_figures: pd.DataFrame) -> None:
    computed = {
        "HB-2021-admitted_districts": 100 * 1394 / 1260,  # 110,6349 → 110,63 as stated
        "HB-2022-admitted_districts": 100 * 1457 / 1391,  # 104,7448 → 104,74, stated 104,82
        "HB-2023-H1-admitted": 100 * 787 / 2082,  # 37,7997 → 37,8 (one decimal written)
        "HCM-2018-grassroots_weak": 100 * 4 / 1111,  # 0,36004 → 0,36
        "HCM-2015-grassroots_weak": 100 * 6 / 1111,  # 0,54 → 0,5 (one decimal written)
        "TN-2016-2020-removed": 100 * (424 / 308 - 1),  # +37,6623 → +37,66
        "TN-2016-2020-asked_to_leave": 100 * (238 / 121 - 1),  # +96,69 → +97, stated +98
    }
    result = reproduced(seed_figures, computed)
    assert list(result.columns) == list(REPRODUCED_COLUMNS)
    assert list(result["figure_id"]) == list(computed)
    rows = result.set_index("figure_id")
    assert rows["verdict"].to_dict() == {
        "HB-2021-admitted_districts": "same",
        "HB-2022-admitted_districts": "differs",
        "HB-2023-H1-admitted": "same",
        "HCM-2018-grassroots_weak": "same",
        "HCM-2015-grassroots_weak": "same",
        "TN-2016-2020-removed": "same",
        "TN-2016-2020-asked_to_leave": "differs",
    }
    assert rows["computed"].to_dict() == pytest.approx(
        {
            "HB-2021-admitted_districts": 110.63,
            "HB-2022-admitted_districts": 104.74,
            "HB-2023-H1-admitted": 37.8,
            "HCM-2018-grassroots_weak": 0.36,
            "HCM-2015-grassroots_weak": 0.5,
            "TN-2016-2020-removed": 37.66,
            "TN-2016-2020-asked_to_leave": 97.0,
        },
        abs=1e-12,
    )
    assert rows["decimals"].tolist() == [2, 2, 1, 2, 1, 2, 0]
    assert rows.loc["HB-2022-admitted_districts", "stated"] == 104.82
    assert rows.loc["HB-2021-admitted_districts", "label_vi"].startswith("Kết nạp đảng viên")


def test_rounding_is_half_up_on_the_decimal_value() -> None:
    # Binary floating point gives round(2.675, 2) == 2.67 and round(0.125, 2) == 0.12; a document writes 2,68, 0,13.
    assert (round_as_stated(2.675, 2), round_as_stated(0.125, 2), round_as_stated(10.55, 1)) == (2.68, 0.13, 10.6)
    assert (round_as_stated(-17.465, 2), round_as_stated(98.4999, 0), round_as_stated(37.8, 1)) == (-17.47, 98.0, 37.8)


@pytest.mark.parametrize(
    ("figure_id", "value", "verdict"),
    [
        ("HCM-2016-2020-members_excellent", 11.6, "same"),  # "từ 10 đến 12": 12 is within
        ("HCM-2016-2020-members_excellent", 12.6, "differs"),  # 13 is not
        ("HCM-2016-2020-members_excellent", 9.4, "differs"),  # 9 is not
        ("HCM-2016-2020-target_weak_grassroots", 0.36, "same"),  # "dưới 0,5": 0,4
        ("HCM-2016-2020-target_weak_grassroots", 0.56, "differs"),
        ("S002-exemption_rate_high", 16.0, "same"),  # "trên 10"
        ("S002-exemption_rate_high", 6.0, "differs"),
    ],
)
def test_qualified_figures_are_the_same_when_in_the_qualifiers_sense(
    seed_figures: pd.DataFrame, figure_id: str, value: float, verdict: str
) -> None:
    assert reproduced(seed_figures, {figure_id: value})["verdict"].item() == verdict


def test_reproduced_refuses_unknown_figures_and_figures_without_a_percentage(seed_figures: pd.DataFrame) -> None:
    with pytest.raises(FiguresError, match="HB-1999-nothing") as err:
        reproduced(seed_figures, {"HB-1999-nothing": 1.0})
    assert "không có figure_id" in str(err.value) and "no such figure_id" in str(err.value)
    with pytest.raises(FiguresError, match="HB-2023-grassroots_orgs"):
        reproduced(seed_figures, {"HB-2023-grassroots_orgs": 510.0})
    assert reproduced(seed_figures, {}).columns.tolist() == list(REPRODUCED_COLUMNS)
