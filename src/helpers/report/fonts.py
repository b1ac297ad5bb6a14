"""An embedded font for reports, so every reader sees the same letters.

Reports are one self-contained HTML file that committees open offline on laptops and phones and print on A4.
Naming system fonts leaves the rendering to the reader's machine, and some machines have no font with all the
Vietnamese stacked diacritics (ắ ề ổ ự …) or the few symbols we print (‰ − × ≤ ≥ χ ²). So the report carries its
own font: a subset of DejaVu Sans, regular and bold, shipped with matplotlib (Bitstream Vera licence with public
domain changes, which allows embedding), inlined as base64 ``data:`` URLs under the family name "Report Sans".

* Offline: nothing is fetched; the font is inside the HTML.
* Diacritics: the subset covers Latin (Basic, Latin-1, Extended-A/B, Extended Additional U+1E00–1EFF, i.e. all
  precomposed Vietnamese), the combining marks U+0300–036F with the OpenType ``ccmp``/``mark``/``mkmk`` features
  that place them, and the punctuation and symbols the report text uses.
* Deterministic: the same bytes on every call and in every process, so re-rendering a report with the same data
  gives the same file. The subsetter keeps ``head.modified`` from the source font (``recalc_timestamp=False``),
  WOFF has no timestamp of its own, zlib is deterministic, and the Unicode set is sorted.
* Small: hinting instructions are dropped (screens and printers render unhinted outlines well) and the result is
  packed as WOFF (zlib); WOFF2 would need brotli, which we do not install.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tempfile
from functools import cache
from pathlib import Path

from helpers.digests import file_digest
from helpers.paths import cache_dir

FAMILY = "Report Sans"
SOURCE_FILES = {"normal": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}

#: Code points kept in the subset, as inclusive ranges.
UNICODE_RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x00FF),  # Latin-1 Supplement: « » · × ² ³ ° ± …
    (0x0100, 0x017F),  # Latin Extended-A: ă đ Đ ĩ ũ …
    (0x0180, 0x024F),  # Latin Extended-B: ơ ư Ơ Ư …
    (0x0300, 0x036F),  # Combining diacritical marks (decomposed Vietnamese text)
    (0x0391, 0x03A9),  # Greek capitals
    (0x03B1, 0x03C9),  # Greek small letters: α β μ σ χ …
    (0x1E00, 0x1EFF),  # Latin Extended Additional: all precomposed Vietnamese
    (0x2000, 0x206F),  # General punctuation: – — ‘ ’ “ ” … ‰ • ′ ″ …
    (0x2070, 0x209F),  # Superscripts and subscripts
    (0x20AB, 0x20AC),  # ₫ €
    (0x2116, 0x2116),  # №
    (0x2122, 0x2122),  # ™
    (0x2190, 0x2193),  # ← ↑ → ↓ (cheap; used in notes)
    (0x2212, 0x2212),  # − minus sign
    (0x2215, 0x2215),  # ∕
    (0x221A, 0x221A),  # √
    (0x221E, 0x221E),  # ∞
    (0x2248, 0x2248),  # ≈
    (0x2260, 0x2260),  # ≠
    (0x2264, 0x2265),  # ≤ ≥
    (0x25A0, 0x25A1),  # ■ □ (legend marks)
    (0x25CF, 0x25CF),  # ●
    (0xFFFD, 0xFFFD),  # replacement character, so a bad byte shows as � rather than a missing-glyph box
)


def unicodes() -> list[int]:
    """Sorted code points the subset is asked to keep (those DejaVu Sans lacks are skipped)."""
    return sorted({cp for lo, hi in UNICODE_RANGES for cp in range(lo, hi + 1)})


def _source_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _options():
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff"
    options.hinting = False  # unhinted outlines: about half the size
    options.desubroutinize = True  # no effect on TrueType outlines; explicit for determinism
    options.recalc_timestamp = False  # keep head.modified from the source: same bytes every time
    options.recalc_bounds = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]  # copyright/licence notice and names stay in the font
    options.name_languages = [0x409]
    options.notdef_outline = True  # a missing glyph shows as a box, not as nothing
    options.glyph_names = False
    options.drop_tables = [*options.drop_tables, "FFTM"]  # FontForge's build timestamps: not needed
    options.layout_features = ["ccmp", "locl", "mark", "mkmk", "kern", "liga"]
    options.ignore_missing_unicodes = True
    return options


@cache
def font_bytes(weight: str = "normal") -> bytes:
    """The WOFF subset of DejaVu Sans for ``weight`` (``"normal"`` or ``"bold"``)."""
    from fontTools import subset

    options = _options()
    font = subset.load_font(str(_source_dir() / SOURCE_FILES[weight]), options, dontLoadGlyphNames=True)
    try:
        subsetter = subset.Subsetter(options=options)
        subsetter.populate(unicodes=unicodes())
        subsetter.subset(font)
        buffer = io.BytesIO()
        subset.save_font(font, buffer, options)
    finally:
        font.close()
    return buffer.getvalue()


def _font_face(weight: str) -> str:
    data = base64.b64encode(font_bytes(weight)).decode("ascii")
    return (
        f'@font-face {{ font-family: "{FAMILY}"; font-style: normal; font-weight: {weight}; '
        f'font-display: swap; src: url(data:font/woff;base64,{data}) format("woff"); }}'
    )


@cache
def embedded_font_css() -> str:
    """``@font-face`` rules for "Report Sans" regular and bold, fonts inlined as base64 WOFF ``data:`` URLs.

    Embedded so a report renders the same offline on any laptop, phone or printer, with every Vietnamese
    diacritic; deterministic (identical text on every call and in every process), so reports are reproducible.
    Subsetting takes seconds, so the result is kept in the cache folder under a digest of what makes it (this
    module's source, fontTools' version and matplotlib's font files); the cached text is the text it would make.
    """
    folder = cache_dir()
    path = None if folder is None else folder / "fonts" / f"{_font_key()}.css"
    if path is not None and path.is_file():
        return path.read_text(encoding="ascii")
    css = "\n".join(_font_face(weight) for weight in ("normal", "bold")) + "\n"
    if path is not None:
        _store(path, css)
    return css


def _font_key() -> str:
    from importlib.metadata import version

    digest = hashlib.sha256(f"{file_digest(Path(__file__))}\x1ffonttools {version('fonttools')}".encode())
    for name in sorted(SOURCE_FILES.values()):
        digest.update(file_digest(_source_dir() / name).encode())
    return digest.hexdigest()


def _store(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename; a cache that cannot be written is skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError:
        pass
