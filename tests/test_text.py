"""Vietnamese and English text cannot drift: same keys, same placeholders."""
import re
import string

from helpers.text import catalogue, t


def test_both_languages_define_the_same_keys() -> None:
    assert set(catalogue("vi")) == set(catalogue("en"))


def test_both_languages_use_the_same_placeholders() -> None:
    fields = lambda s: {f for _, f, _, _ in string.Formatter().parse(s) if f}  # noqa: E731
    vi, en = catalogue("vi"), catalogue("en")
    mismatched = [k for k in vi if fields(vi[k]) != fields(en[k])]
    assert mismatched == []


def test_vietnamese_text_has_diacritics_where_expected() -> None:
    assert re.search("xóa tên", t("report.title", "vi").lower())
    assert t("codes.exit_kind.asked_to_leave", "vi") == "Xin ra khỏi Đảng"
