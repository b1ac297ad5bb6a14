"""'Who leaves and why': seed sentences, no count under the threshold in any shared table, across datasets."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from helpers.synth import province as synth
from helpers.analyses.profiles import ATTRIBUTES
from helpers.report.sections.profiles import WhoLeavesReport, withheld_profile

KINDS = ["removed", "asked_to_leave"]


def _build(folder: str, threshold: int = 10, lang: str = "vi", unit: str = "SIM") -> WhoLeavesReport:
    return WhoLeavesReport.build(folder, unit, ["2015-2020", "2020-2025"], "2015-2020", KINDS, threshold, lang)


def _integer_cells(html: str) -> list[int]:
    """Every table cell that is a whole number (counts); shares carry '%', ratios a decimal comma."""
    cells = re.findall(r"<td>([^<]*)</td>", html)
    return [int(c.replace(".", "")) for c in cells if re.fullmatch(r"\d{1,3}(\.\d{3})*", c.strip())]


def test_seed_sentences_reproduce_the_published_shares() -> None:
    sentences = _build("data/sample").seed_sentences()
    assert sentences[0].startswith("Tuổi đời từ 18 đến 40: 478/662 (chiếm 72,21%), so với")
    assert "572/662 (chiếm 86,40%)" in sentences[2]  # the count's own share, not the 86,42% the document states
    assert all("lần (KTC 95%:" in s for s in sentences)


@pytest.fixture(scope="module")
def datasets(tmp_path_factory) -> list[Path]:
    folders = []
    for seed in (101,):
        folder = tmp_path_factory.mktemp(f"seed{seed}")
        synth.write_sample(folder, seed)
        (folder / "dataset.toml").write_text("simulated = true\n", encoding="utf-8")
        folders.append(folder)
    return [Path("data/sample"), *folders]


@pytest.mark.slow
def test_no_shared_table_shows_a_count_under_the_threshold(datasets) -> None:
    for folder in datasets:
        for unit in ("SIM", "D08"):  # the province, and a small unit where small cells are common
            built = _build(str(folder), unit=unit)
            for threshold in (10, 25):
                report = replace(built, threshold=threshold)
                html = report.profiles_section() + report.reasons_section()
                small = [c for c in _integer_cells(html) if 0 < c < threshold]
                assert small == [], (folder, unit, threshold, small)
                for attribute in ATTRIBUTES:
                    shown, _ = withheld_profile(report.tables[attribute], KINDS, threshold)
                    for column in [*KINDS, "leavers"]:
                        values = [v for v in shown[column] if v is not None]
                        assert all(v == 0 or v >= threshold for v in values), (folder, unit, attribute, column)


def test_english_edition() -> None:
    report = _build("data/sample", lang="en")
    assert report.seed_sentences()[0].startswith("Aged 18 to 40: 478/662 (72.21%), against")
    assert "Who leaves" in report.header()
