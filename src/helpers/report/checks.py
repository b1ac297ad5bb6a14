"""Text checks of a rendered report, as a committee member would catch the defects: a paragraph said twice, a
legend for a symbol its table does not use (or a symbol without its legend), an internal identifier, a summary
number the body never gives, a technical term outside the appendix, and figure text smaller than the body text on
a phone. The report's HTML is read as it leaves the building."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag

from helpers.report.plots import CSS_PX_PER_INCH

# Technical names a committee member is not expected to know: the methods appendix may use them, the main text
# (summary and Parts I–V, figure alt text included) may not. Matched as whole words, case-insensitively.
APPENDIX_TERMS = {
    "vi": (
        "KTC",
        "Mann–Kendall",
        "Mann-Kendall",
        "tau",
        "độ dốc Sen",
        "hệ số phân tán",
        "tựa-Poisson",
        "Poisson",
        "χ²",
        "khi bình phương",
        "bậc tự do",
        "Cramér",
        "Spearman",
        "Kendall",
        "Holm",
        "Benjamini",
        "hoán vị",
        "log-rank",
        "Kaplan–Meier",
        "Aalen–Johansen",
        "Wald",
        "Wilson",
        "Clopper",
        "p =",
        "p <",
        "scipy",
        "hạt giống",
        "joinpoint",
        "BIC",
        "AAPC",
        "deviance",
        "độ lệch",
    ),
    "en": (
        "CI",
        "Mann–Kendall",
        "Mann-Kendall",
        "tau",
        "Sen slope",
        "Sen's slope",
        "dispersion",
        "quasi-Poisson",
        "Poisson",
        "χ²",
        "chi-square",
        "chi-squared",
        "degrees of freedom",
        "Cramér",
        "Spearman",
        "Kendall",
        "Holm",
        "Benjamini",
        "permutation",
        "log-rank",
        "Kaplan–Meier",
        "Aalen–Johansen",
        "Wald",
        "Wilson",
        "Clopper",
        "p =",
        "p <",
        "scipy",
        "seed",
        "joinpoint",
        "BIC",
        "AAPC",
        "deviance",
    ),
}
REPEAT_MIN_CHARS = 80  # a short table legend ("x: …") may stand under several tables; a paragraph may not
PHONE = {"content_px": 345, "body_px": 15}  # a 360-px phone less report.css's 0.5rem margins; 15 px body text
DESKTOP = {"content_px": 928, "body_px": 16}  # the 60rem column less its 1rem margins; 16 px body text
# Legend forms a table note uses for its symbols: "x: …", "Ô x …", "ký hiệu x", "(*)", "* : …".
SYMBOLS = ("x", "*", "–")
PATH = re.compile(r"\S*/\S*|\S+\.(?:csv|tsv|toml|yaml|yml|xlsx?|ods|parquet|json|html)\b")  # file names are not ids
INTERNAL_ID = re.compile(r"\b[A-Z]{2,3}-\d{4}(?:-\d{4})?-[A-Za-z0-9_]+|\b[a-z]+(?:_[a-z0-9]+)+\b")
NUMBER = re.compile(r"(?<![\w,.])\d[\d.,]*\d%?|(?<![\w,.])\d%?")


@dataclass(frozen=True)
class Problem:
    """One defect: which check found it, and the text that shows it."""

    check: str
    detail: str

    def __str__(self) -> str:
        return f"{self.check}: {self.detail}"


def _text(node: Tag) -> str:
    return " ".join(node.get_text(" ").split())


def split(html: str) -> tuple[BeautifulSoup, list[Tag], list[Tag]]:
    """The parsed report and its top-level blocks before and after the appendix heading (``h2#appendix``)."""
    soup = BeautifulSoup(html, "html.parser")
    for node in soup(["style", "script"]):
        node.decompose()
    blocks = [node for node in soup.find_all(["p", "li", "h1", "h2", "h3", "h4", "td", "th", "figcaption", "img"])]
    appendix = soup.find(id="appendix")
    if appendix is None:
        return soup, blocks, []
    main, rest, seen = [], [], False
    for node in soup.find_all(True):
        if node is appendix:
            seen = True
        if node in blocks or node.name in ("p", "li", "td", "th", "figcaption", "img", "h1", "h2", "h3", "h4"):
            (rest if seen else main).append(node)
    return soup, main, rest


def _words(node: Tag) -> str:
    return node.get("alt", "") if node.name == "img" else _text(node)


def repeated_paragraphs(soup: BeautifulSoup) -> list[Problem]:
    """A paragraph, list item or note said twice anywhere in the report (the summary may restate the body)."""
    seen: dict[str, int] = {}
    for node in soup.find_all(["p", "li"]):
        if node.find_parent(class_="summary"):
            continue
        text = _text(node)
        if len(text) >= REPEAT_MIN_CHARS:
            seen[text] = seen.get(text, 0) + 1
    return [Problem("repeated", f"{n}× «{text[:120]}»") for text, n in seen.items() if n > 1]


def _legend_symbols(note: str) -> set[str]:
    found = set()
    for symbol in SYMBOLS:
        s = re.escape(symbol)
        patterns = (
            rf"(?:^|[.;]\s*){s}\s*:",
            rf"\b(?:ô|ký hiệu|dấu|cells?|marked|symbol|sign)\s+(?:\(|«|\")?{s}(?:\)|»|\")?(?![\w])",
            rf"\({s}\)",
        )
        if any(re.search(p, note, flags=re.IGNORECASE) for p in patterns):
            found.add(symbol)
    return found


def _cell_symbols(table: Tag) -> set[str]:
    found = set()
    for cell in table.find_all("td"):
        text = _text(cell)
        for symbol in SYMBOLS:
            if text == symbol or (symbol == "*" and text.endswith("*")) or text.startswith(symbol + " "):
                found.add(symbol)
    return found


def legends(soup: BeautifulSoup) -> list[Problem]:
    """Each table's note explains exactly the symbols its cells use: no legend without its symbol, no bare symbol."""
    problems = []
    for wrap in soup.find_all("div", class_="table-wrap"):
        table = wrap.find("table")
        if table is None:
            continue
        caption = wrap.find(class_="table-caption")
        name = _text(caption) if caption else "?"
        notes = " ".join(_text(n) for n in wrap.find_all(class_="table-note"))
        legend, cells = _legend_symbols(notes), _cell_symbols(table)
        for symbol in sorted(legend - cells):
            problems.append(Problem("legend", f"«{symbol}» explained under «{name}» but no cell shows it"))
        for symbol in sorted(cells - legend):
            problems.append(Problem("legend", f"«{symbol}» in «{name}» has no legend"))
    return problems


def internal_ids(soup: BeautifulSoup) -> list[Problem]:
    """Identifiers meant for the program, not the reader (``HB-2022-…``, ``leavers_hamlet_branch``), outside code."""
    problems = []
    for node in soup.find_all(["p", "li", "td", "th", "figcaption"]):
        if node.find_parent("code") or node.find("code"):
            continue
        for match in INTERNAL_ID.finditer(PATH.sub(" ", _text(node))):
            problems.append(Problem("internal id", f"«{match.group(0)}» in «{_text(node)[:100]}»"))
    return problems


def summary_numbers(soup: BeautifulSoup) -> list[Problem]:
    """Every number of the summary is found again in the body, where the reader can check it."""
    summary = soup.find(id="summary")
    if summary is None:
        return []
    items, node = [], summary.find_next_sibling()
    while node is not None and node.name != "h2":
        items.append(_text(node))
        node = node.find_next_sibling()
    if not items:  # the heading's section wrapper holds the list
        parent = summary.find_parent("section") or summary.parent
        items = [_text(li) for li in parent.find_all("li")]
    summary_text = " ".join(items)
    body = _text(soup)
    body = body.replace(summary_text, " ") if summary_text else body
    return [
        Problem("summary number", f"«{number}» of the summary is nowhere in the body")
        for number in sorted(set(NUMBER.findall(summary_text)))
        if number not in body
    ]


def _term(term: str) -> re.Pattern:
    before = r"(?<![\w])" if term[0].isalnum() else ""
    after = r"(?![\w])" if term[-1].isalnum() else ""
    return re.compile(before + re.escape(term) + after, flags=re.IGNORECASE if term != "CI" else 0)


def appendix_terms(main: list[Tag], lang: str) -> list[Problem]:
    """Technical names used in the main text (they belong to the methods appendix)."""
    patterns = [(term, _term(term)) for term in APPENDIX_TERMS[lang]]
    problems = []
    for node in main:
        text = _words(node)
        found = [term for term, pattern in patterns if pattern.search(text)]
        # "Kendall" inside "Mann–Kendall" is one term, not two
        found = [term for term in found if not any(term != other and term in other for other in found)]
        if found:
            terms = ", ".join(f"«{term}»" for term in found)
            problems.append(Problem("appendix term", f"{terms} in the main text: «{text[:120]}»"))
    return problems


def figure_text(soup: BeautifulSoup) -> list[Problem]:
    """Every figure has a phone rendering, and in both renderings its smallest text is at least the body size."""
    problems = []
    for i, figure in enumerate(soup.find_all("figure"), start=1):
        img, source = figure.find("img"), figure.find("source")
        renderings = [("desktop", img, DESKTOP)]
        if source is None:
            problems.append(Problem("figure text", f"figure {i} has no phone rendering"))
            renderings.append(("phone", img, PHONE))
        else:
            renderings.append(("phone", source, PHONE))
        for name, node, screen in renderings:
            if node is None or not node.get("data-text-pt") or not node.get("width"):
                problems.append(Problem("figure text", f"figure {i} ({name}) does not state its text size"))
                continue
            scale = min(1.0, screen["content_px"] / float(node["width"]))
            px = float(node["data-text-pt"]) * CSS_PX_PER_INCH / 72 * scale
            if px < screen["body_px"] - 0.05:
                problems.append(
                    Problem(
                        "figure text", f"figure {i}: {px:.1f} px text on a {name} (body text is {screen['body_px']} px)"
                    )
                )
    return problems


def check_report(html: str, lang: str) -> list[Problem]:
    """Every defect the text checks find in one rendered report (an empty list when it reads cleanly)."""
    soup, main, _ = split(html)
    return [
        *repeated_paragraphs(soup),
        *legends(soup),
        *internal_ids(soup),
        *summary_numbers(soup),
        *appendix_terms(main, lang),
        *figure_text(soup),
    ]
