"""The embedded report font: covers our text, decodes to real fonts, is deterministic and small."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import subprocess
import sys

import pandas as pd
import pytest
from fontTools.ttLib import TTFont

from helpers.paths import sample_dir
from helpers.report.fonts import FAMILY, embedded_font_css, font_bytes
from helpers.text import LANGUAGES, catalogue

FACE = re.compile(r"@font-face\s*\{(?P<body>[^}]*)\}")
DATA_URL = re.compile(r"url\(data:font/(?P<kind>woff|ttf|sfnt);base64,(?P<data>[A-Za-z0-9+/=]+)\)")
MAX_CSS_BYTES = 250 * 1024

# Characters the brief names explicitly, beyond what the catalogues use today.
REQUIRED = "ắằẳẵặếềểễệốồổỗộớờởỡợứừửữựđĐẮẰẲẴẶẾỀỂỄỆỐỒỔỖỘỚỜỞỠỢỨỪỬỮỰăâêôơưĂÂÊÔƠƯ–—…“”‰−×≤≥χ²·"
# Whitespace and controls are laid out without glyphs; U+0300-036F are checked separately below.
IGNORED = {"\n", "\r", "\t"}


def _faces() -> list[tuple[str, TTFont]]:
    """(font-weight, opened font) for each @font-face rule in the CSS."""
    faces = []
    for match in FACE.finditer(embedded_font_css()):
        body = match.group("body")
        assert f'font-family: "{FAMILY}"' in body
        weight = re.search(r"font-weight:\s*(\w+)", body).group(1)
        url = DATA_URL.search(body)
        assert url, body[:200]
        faces.append((weight, TTFont(io.BytesIO(base64.b64decode(url.group("data"), validate=True)))))
    return faces


@pytest.fixture(scope="module")
def faces():
    return _faces()


def _report_text() -> str:
    strings = [value for lang in LANGUAGES for value in catalogue(lang).values()]
    strings += pd.read_csv(sample_dir() / "units.csv", dtype=str, keep_default_na=False)["name"].tolist()
    return "".join(strings)


def test_two_faces_regular_and_bold_that_fonttools_opens(faces):
    assert sorted(weight for weight, _ in faces) == ["bold", "normal"]
    for _, font in faces:
        assert font.sfntVersion == "\x00\x01\x00\x00"  # TrueType outlines
        assert font.flavor == "woff"
        assert {"cmap", "glyf", "head", "hmtx", "name"} <= set(font.keys())
        assert len(font.getGlyphOrder()) > 500


@pytest.mark.parametrize("which", ["catalogues and unit names", "named in the brief"])
def test_subset_covers_every_character_of_the_report_text(faces, which):
    text = _report_text() if which == "catalogues and unit names" else REQUIRED
    needed = {ch for ch in text if ch not in IGNORED}
    assert needed, "no text found"
    for weight, font in faces:
        cmap = font.getBestCmap()
        missing = sorted(ch for ch in needed if ord(ch) not in cmap)
        assert not missing, f"{weight}: no glyph for {' '.join(f'{c} U+{ord(c):04X}' for c in missing)}"


def test_subset_covers_vietnamese_blocks_and_combining_marks(faces):
    vietnamese = [cp for cp in range(0x1EA0, 0x1EFA)]  # every precomposed Vietnamese letter
    combining = [0x0300, 0x0301, 0x0303, 0x0309, 0x0323, 0x0306, 0x0302, 0x031B]  # tones, breve, circumflex, horn
    for weight, font in faces:
        cmap = font.getBestCmap()
        assert not [hex(cp) for cp in vietnamese + combining if cp not in cmap], weight
        assert "GPOS" in font and "GSUB" in font, f"{weight}: mark positioning for combining diacritics lost"


def test_css_identical_across_processes():
    code = (
        "import hashlib; from helpers.report.fonts import embedded_font_css as f; "
        "print(hashlib.sha256(f().encode()).hexdigest())"
    )
    hashes = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
        for _ in range(2)
    }
    assert len(hashes) == 1
    assert hashes == {hashlib.sha256(embedded_font_css().encode()).hexdigest()}


def test_cached_and_stable_within_a_process():
    assert embedded_font_css() is embedded_font_css()
    font_bytes.cache_clear()
    again = b"".join(font_bytes(w) for w in ("normal", "bold"))
    assert again == b"".join(base64.b64decode(m.group("data")) for m in DATA_URL.finditer(embedded_font_css()))


def test_total_size_under_250_kb():
    assert len(embedded_font_css().encode("utf-8")) < MAX_CSS_BYTES
