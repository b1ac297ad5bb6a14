"""Vietnamese number format as the seeds write it, English on request."""

from helpers.report.formatting import number, percent, signed_percent


def test_vietnamese_format() -> None:
    assert number(45000) == "45.000"
    assert number(69190) == "69.190"
    assert percent(100 * 478 / 662) == "72,21%"
    assert percent(100 * (424 / 308 - 1)) == "37,66%"
    assert signed_percent(-17.4706) == "−17,47%"
    assert number(float("nan")) == "–"


def test_english_format() -> None:
    assert number(45000, "en") == "45,000"
    assert percent(37.6623, "en") == "37.66%"
    assert signed_percent(98.333, "en") == "+98.33%"
