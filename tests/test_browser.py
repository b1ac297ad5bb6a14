"""The rendered HTML reports in a real browser: offline, complete, navigable, readable on a phone, accessible.

Committees open the reports offline, often on a phone. Each report is rendered once (Vietnamese for every report
notebook checked, English too for the two committee reports) and opened as a file:// URL in
the system's Debian Chromium through Playwright. Every request other than the report file itself is aborted and
recorded, so no test here reaches the network.

Chromium is not downloaded (``playwright install`` cannot work here or in CI): the tests use /usr/bin/chromium and fail,
never skip, when it is missing. ``.ci/run`` installs it with apt.
"""

from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from helpers.registry import notebook_names

pytestmark = pytest.mark.slow

CHROMIUM = Path(os.environ.get("HELPERS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    "install Debian's Chromium and fonts: `apt-get update && apt-get install -y chromium fonts-noto-core` "
    "(as root; .ci/run does this). `playwright install` does not work: it downloads a browser."
)

# Report notebooks checked, in this order, if `python -m helpers report --notebook NAME` knows them.
CANDIDATES = ("committee", "quality", "trends", "profiles", "causes")
PRESENT = [name for name in CANDIDATES if name in notebook_names()]
# English is rendered for both committee reports.
ENGLISH = [name for name in ("committee", "quality") if name in notebook_names()]
REPORTS = [(name, "vi") for name in PRESENT] + [(name, "en") for name in ENGLISH]

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
# Letters only Vietnamese uses (ă đ ơ ư and the letters with a dot below or hook above), not é or â of borrowed names.
VIETNAMESE_LETTERS = re.compile(r"[ăđơưĂĐƠƯ\u1ea0-\u1ef9]")
SERIOUS = ("serious", "critical")


@pytest.fixture(scope="module")
def browser():
    """The system Chromium, driven by Playwright; fails (does not skip) with how to install it when it is missing."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"Chromium not found at {CHROMIUM}: {INSTALL_HINT}", pytrace=False)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception as err:  # noqa: BLE001 - say how to fix it
        playwright.stop()
        pytest.fail(f"Chromium at {CHROMIUM} did not start ({err}); {INSTALL_HINT}", pytrace=False)
    yield chromium
    chromium.close()
    playwright.stop()


@dataclass
class Opened:
    """A report open in a page, with what the page tried and said while loading and being tested."""

    page: object
    url: str
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


def open_offline(browser, url: str, **context_options) -> Opened:
    """Open ``url`` in a new context; abort and record every request that is not ``url`` itself or a data: URL."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    opened = Opened(page, url)

    def guard(route) -> None:
        request_url = route.request.url
        if request_url == url or request_url.startswith("data:"):
            route.continue_()
        else:
            opened.blocked.append(f"{route.request.resource_type} {request_url[:200]}")
            route.abort()

    page.route("**/*", guard)
    page.on(
        "console",
        lambda msg: opened.console_errors.append(f"{msg.text} @ {msg.location}") if msg.type == "error" else None,
    )
    page.on("pageerror", lambda err: opened.page_errors.append(str(err)))
    page.goto(url, wait_until="load")
    page.evaluate("() => Promise.all([...document.images].map(img => img.decode().catch(() => null)))")
    return opened


@pytest.fixture(scope="module", params=REPORTS, ids=[f"{name}-{lang}" for name, lang in REPORTS])
def report(request, rendered_report) -> tuple[str, str, Path]:
    """One report rendered once for all its tests (and the text checks): (notebook, language, HTML path)."""
    name, language = request.param
    return name, language, rendered_report(name, "SIM", language)


@pytest.fixture(scope="module")
def desktop(browser, report) -> Opened:
    """The report open at desktop width, shared by the tests of that report."""
    opened = open_offline(browser, report[2].resolve().as_uri(), **DESKTOP)
    yield opened
    opened.page.context.close()


@pytest.fixture(scope="module")
def phone(browser, report) -> Opened:
    """The report open at phone width (390 × 844 CSS px, device scale 2, mobile viewport)."""
    opened = open_offline(browser, report[2].resolve().as_uri(), **PHONE)
    yield opened
    opened.page.context.close()


def test_no_request_leaves_the_file(desktop: Opened, phone: Opened) -> None:
    assert desktop.blocked == [] and phone.blocked == [], (
        f"the report asked for resources outside its own file: {desktop.blocked + phone.blocked}"
    )


def test_no_console_error_and_no_page_error(desktop: Opened, phone: Opened) -> None:
    errors = desktop.console_errors + phone.console_errors + desktop.page_errors + phone.page_errors
    assert errors == []


def test_every_image_decodes_and_has_alt_text(desktop: Opened) -> None:
    images = desktop.page.evaluate("""() => [...document.images].map((img, i) => ({
        i, width: img.naturalWidth, alt: (img.getAttribute('alt') || '').trim(),
        src: (img.getAttribute('src') || '').slice(0, 40)}))""")
    undecoded = [img for img in images if img["width"] <= 0]
    no_alt = [img for img in images if not img["alt"]]
    assert not undecoded, f"images that did not decode: {undecoded}"
    assert not no_alt, f"images without alt text: {no_alt}"


def test_every_table_of_contents_link_has_a_target(desktop: Opened) -> None:
    links = desktop.page.evaluate("""() => [...document.querySelectorAll('nav a[href^="#"]')].map(a => ({
        href: a.getAttribute('href'),
        found: !!document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1)))}))""")
    assert links, "no table of contents (nav a[href^='#']) in the report"
    assert [link["href"] for link in links if not link["found"]] == []


def test_simulated_data_banner_stays_visible_to_the_bottom(desktop: Opened, phone: Opened) -> None:
    for opened, label in ((desktop, "desktop"), (phone, "phone")):
        page = opened.page
        banner = page.locator(".sim-banner").first
        assert banner.is_visible(), f"{label}: the simulated-data banner is not visible at the top"
        place = page.evaluate("""() => {
            window.scrollTo(0, document.documentElement.scrollHeight);
            const r = document.querySelector('.sim-banner').getBoundingClientRect();
            return {top: r.top, bottom: r.bottom, height: r.height,
                    viewport: window.innerHeight, scrolled: window.scrollY};
        }""")
        page.evaluate("() => window.scrollTo(0, 0)")
        assert place["scrolled"] > 0, f"{label}: the page did not scroll"
        assert place["height"] > 0 and place["top"] >= -1 and place["bottom"] <= place["viewport"] + 1, (
            f"{label}: after scrolling to the bottom the banner is outside the viewport: {place}"
        )


def test_page_language_and_headings(desktop: Opened, report) -> None:
    name, language, _ = report
    page = desktop.page
    assert page.evaluate("() => document.documentElement.lang") == language
    headings = page.evaluate("""() => [document.title,
        ...[...document.querySelectorAll('h1, h2, h3, nav')].map(e => e.innerText.trim())]""")
    assert headings[0], "the page has no title"
    assert page.locator("h1").count() == 1 and page.locator("h2").count() > 0, "the page has no h1 or no h2"
    vietnamese = [h for h in headings if VIETNAMESE_LETTERS.search(h)]
    if language == "en":
        assert vietnamese == [], f"English {name} report has Vietnamese title, headings or contents: {vietnamese}"
    else:
        assert VIETNAMESE_LETTERS.search(headings[0]), (
            f"Vietnamese {name} report has a title that is not: {headings[0]}"
        )


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def _assert_non_trivial_png(path: Path, width: int, min_height: int) -> None:
    from PIL import Image

    size = _png_size(path)
    assert size[0] == width and size[1] >= min_height, f"{path}: {size}, expected width {width}"
    assert path.stat().st_size > 20_000, f"{path} is suspiciously small ({path.stat().st_size} bytes)"
    with Image.open(path) as image:
        low, high = image.convert("L").getextrema()
    assert high - low > 100, f"{path} is nearly blank (grey levels {low}–{high})"


def test_screenshots_and_no_sideways_scrolling_on_a_phone(
    desktop: Opened, phone: Opened, report, tmp_path: Path
) -> None:
    name, language, _ = report
    # Whole page at desktop width; on the phone the first screen at the device's resolution, and the whole page in
    # CSS pixels (at device resolution it takes seconds and megabytes for nothing more).
    shots = {
        "desktop": (desktop, {"full_page": True}, 1280, 900),
        "phone-screen": (phone, {}, 390 * 2, 844 * 2),
        "phone": (phone, {"full_page": True, "scale": "css"}, 390, 844),
    }
    for label, (opened, options, width, height) in shots.items():
        path = tmp_path / f"{name}-{language}-{label}.png"
        opened.page.screenshot(path=str(path), **options)
        _assert_non_trivial_png(path, width, height)
    layout = phone.page.evaluate("""() => ({scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        bareTables: [...document.querySelectorAll('table')].filter(t => !t.closest('.table-wrap')).length})""")
    if layout["scrollWidth"] > layout["innerWidth"] + 1:
        wide = phone.page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap'))
            .slice(0, 10).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))""")
        pytest.fail(f"at phone width the page scrolls sideways: {layout}; too wide outside a .table-wrap: {wide}")
    assert layout["bareTables"] == 0, "tables outside a .table-wrap box cannot scroll on their own"


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_no_serious_accessibility_violation(desktop: Opened, phone: Opened, width: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = (desktop if width == "desktop" else phone).page
    violations = Axe().run(page).response["violations"]
    serious = [v for v in violations if v.get("impact") in SERIOUS]
    details = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} — {v.get('helpUrl', '')}\n    on: "
        + "; ".join(" ".join(map(str, n.get("target", []))) for n in v["nodes"][:5])
        for v in serious
    )
    assert not serious, f"axe-core found serious or critical accessibility violations:\n{details}"


def test_wide_tables_scroll_by_keyboard(phone: Opened) -> None:
    """Every table box takes keyboard focus and has a name, so keyboard and screen-reader users can scroll a wide
    table (axe checks only the boxes that overflow at the moment; this checks them all)."""
    boxes = phone.page.evaluate("""() => [...document.querySelectorAll('.table-wrap')].map((w, i) => ({
        i, tabIndex: w.tabIndex, role: w.getAttribute('role'),
        named: !!(w.getAttribute('aria-label') || (w.getAttribute('aria-labelledby') || '').split(/\\s+/)
                  .some(id => id && document.getElementById(id))),
        scrolls: w.scrollWidth > w.clientWidth}))""")
    assert boxes, "no .table-wrap in the report"
    unreachable = [b for b in boxes if b["tabIndex"] < 0 or b["role"] != "region" or not b["named"]]
    assert unreachable == [], (
        f"table boxes without tabindex=0, role=region and a name (aria-label or aria-labelledby): {unreachable[:5]}"
    )


def test_figures_are_drawn_for_the_phone_and_never_shrunk_below_the_body_text(desktop: Opened, phone: Opened) -> None:
    """On a phone the browser picks each figure's phone rendering and shows it at its own size, so the figure's
    smallest text (data-text-pt, recorded when it was drawn) is at least the body text; the desktop keeps its own."""
    measure = """() => {
        const body = parseFloat(getComputedStyle(document.querySelector('main p') || document.body).fontSize);
        return [...document.querySelectorAll('figure img')].map((img, i) => {
            const source = img.parentElement.tagName === 'PICTURE' ? img.parentElement.querySelector('source') : null;
            const chosen = source && img.currentSrc === source.getAttribute('srcset') ? source : img;
            const shown = img.getBoundingClientRect().width;
            const width = parseFloat(chosen.getAttribute('width'));
            const pt = parseFloat(chosen.getAttribute('data-text-pt'));
            return {i, phone: chosen === source, shown, width, textPx: pt * 100 / 72 * shown / width, body};
        });
    }"""
    for opened, label in ((phone, "phone"), (desktop, "desktop")):
        figures = opened.page.evaluate(measure)
        assert figures, f"{label}: no figure"
        wrong = [f for f in figures if f["phone"] != (label == "phone")]
        assert not wrong, f"{label}: figures showing the other width's rendering: {wrong[:3]}"
        small = [f for f in figures if f["textPx"] < f["body"] - 0.1 or f["shown"] < 0.95 * f["width"]]
        assert not small, f"{label}: figures shrunk or with text under the body size: {small[:3]}"


def test_the_first_column_stays_in_view_when_a_table_scrolls(phone: Opened) -> None:
    moved = phone.page.evaluate("""() => [...document.querySelectorAll('.table-wrap')]
        .filter(w => w.scrollWidth > w.clientWidth + 4)
        .map((w, i) => {
            const cell = w.querySelector('tbody tr td:first-child');
            w.scrollLeft = w.scrollWidth;
            const gap = cell.getBoundingClientRect().left - w.getBoundingClientRect().left;
            w.scrollLeft = 0;
            return {i, gap, caption: (w.querySelector('.table-caption') || {}).innerText};
        })""")
    assert [m for m in moved if abs(m["gap"]) > 2] == [], "first columns that scrolled out of view"


def test_printed_pages_are_numbered(desktop: Opened) -> None:
    rules = desktop.page.evaluate("""() => [...document.styleSheets].flatMap(sheet => [...sheet.cssRules])
        .filter(rule => rule.constructor.name === 'CSSPageRule').map(rule => rule.cssText)""")
    assert any("counter(page)" in rule for rule in rules), f"no page number in the @page rules: {rules}"


def test_the_request_guard_catches_outside_requests(browser, tmp_path: Path) -> None:
    """The harness itself: a page that asks for a remote image, a sibling file and a script is caught, offline."""
    page_file = tmp_path / "leaky.html"
    page_file.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>t</title>'
        '<link rel="stylesheet" href="sibling.css"></head><body>'
        '<img alt="x" src="https://example.invalid/pixel.png">'
        '<script src="http://127.0.0.1:9/never.js"></script></body></html>',
        encoding="utf-8",
    )
    (tmp_path / "sibling.css").write_text("body { color: red; }", encoding="utf-8")
    opened = open_offline(browser, page_file.resolve().as_uri(), **DESKTOP)
    try:
        blocked = " ".join(opened.blocked)
        assert "sibling.css" in blocked and "example.invalid" in blocked and "never.js" in blocked, opened.blocked
    finally:
        opened.page.context.close()
