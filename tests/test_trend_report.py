"""The trends report's composition: merged units, units compared, targets found up the hierarchy."""
from __future__ import annotations

import re

from helpers.report.sections.trends import TrendReport

TERMS = ["2010-2015", "2015-2020", "2020-2025"]
KINDS = ["removed", "asked_to_leave"]


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_merged_province_report_is_built_from_its_predecessor() -> None:
    merged = TrendReport.build("data/sample", "SIMX", TERMS, KINDS, -1.0, 0, "vi")
    original = TrendReport.build("data/sample", "SIM", TERMS, KINDS, -1.0, 0, "vi")
    assert merged.merged_from == ["SIM"]
    assert "được ghép từ các đơn vị tiền thân" in _text(merged.annual_section())
    assert merged.apc[["apc", "apc_low", "apc_high"]].equals(original.apc[["apc", "apc_low", "apc_high"]])
    assert len(merged.units_table) == 9  # the predecessor's subordinate units are compared


def test_subordinate_unit_uses_the_province_target_and_has_no_units_to_compare() -> None:
    report = TrendReport.build("data/sample", "D06", TERMS, KINDS, -1.0, 0, "en")
    assert report.units_table is None and "too few subordinate units" in _text(report.units_section())
    assert report.projection is not None and report.projection.target.change_pct == 50.0


def test_target_parameter_overrides_the_table() -> None:
    report = TrendReport.build("data/sample", "SIM", TERMS, KINDS, 40.0, 0, "vi")
    assert report.projection.target.allowed == 662 * 0.6 and report.projection.status == "met"


def test_term_table_carries_the_average_annual_rate(sample) -> None:
    report = TrendReport.build("data/sample", "SIM", TERMS, KINDS, -1.0, 0, "vi")
    row = report.base.table.set_index("term").loc["2015-2020"]
    assert row["total_rate"] == 662 / row["member_years"] * 1000
    years = report.yearly[report.yearly["year"].between(2016, 2020)]
    assert row["member_years"] == years["members_start"].sum()
