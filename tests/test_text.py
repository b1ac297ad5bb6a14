"""Vietnamese and English text cannot drift: same keys, same placeholders; every key the code uses exists and every
key that exists is used; and no code outside helpers.text chooses text by comparing the language."""

from __future__ import annotations

import ast
import json
import re
import string
from dataclasses import dataclass
from pathlib import Path

from helpers.paths import PACKAGE_DIR, REPO_ROOT, locales_dir, notebooks_dir, templates_dir
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


# --- every key used exists, every key that exists is used -------------------------------------------------------
#
# The scan reads string literals in src/helpers/**/*.py, in the notebooks' code cells and in the report template, and
# takes as a key use anything that starts with a topic (a locales/vi/*.toml file stem) followed by dotted names:
#   "report.terms.caption"          the key itself;
#   "trends.report.section"         not a key but a prefix of keys (SECTION_KEYS, title_key=..., prefix=...): the keys
#                                   under it, because the code appends names to it;
#   f"codes.exit_kind.{kind}"       an f-string or a + chain that starts with a topic: the keys it can match, each
#   "trends.report.units_" + flag   {placeholder} standing for one dotted name;
# an f-string that starts with a placeholder (f"{prefix}.{s}") is not a use by itself: its prefix is a literal
# somewhere else. A key-like literal that matches no key is a missing key. A dynamic key with nothing literal after
# its topic (f"columns.{name}") could match a whole file, so it covers nothing unless DYNAMIC_KEYS says what it builds.

TOPICS = frozenset(path.stem for path in (locales_dir() / "vi").glob("*.toml"))
_TOPIC = "|".join(sorted(TOPICS, key=len, reverse=True))
KEY_LIKE = re.compile(rf"(?:{_TOPIC})(?:\.\w+)+\.?|(?:{_TOPIC})\.")
KEY_START = re.compile(rf"({_TOPIC})\.")
# File names that look like keys ('report.css' in the template); never keys.
FILE_SUFFIXES = {
    "css",
    "csv",
    "html",
    "ipynb",
    "j2",
    "json",
    "md",
    "parquet",
    "pdf",
    "png",
    "py",
    "svg",
    "toml",
    "txt",
    "xlsx",
}


def _codes_in_domains() -> set[str]:
    """helpers.data.codes.label(domain, code): a label for every code of every coded column."""
    from helpers.data.codes import DOMAINS

    return {f"codes.{domain}.{code}" for domain, codes in DOMAINS.items() for code in codes}


def _contract_columns() -> set[str]:
    """header_aliases and the missing-column messages: the label of every field of every data contract."""
    from helpers.data.contracts import CONTRACTS

    return {f"columns.{f.name}" for contract in CONTRACTS.values() for f in contract.fields}


def _quality_sub_headings() -> set[str]:
    """QualityReport._sub(part, anchor) → quality.{part}.{anchor}, for the literal pairs it is called with."""
    tree = ast.parse((PACKAGE_DIR / "report" / "quality.py").read_text(encoding="utf-8"))
    calls = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "_sub"
    ]
    assert calls and all(isinstance(a, ast.Constant) for c in calls for a in c.args), "_sub takes literal names"
    return {"quality." + ".".join(a.value for a in c.args) for c in calls}


# The allow-list: dynamic keys the scan cannot resolve (their source text as ast.unparse writes it) and where the
# names they are built from come from. Keep it short; a key the scan can see needs no entry.
DYNAMIC_KEYS = {
    "f'codes.{domain}.{code}'": _codes_in_domains,  # helpers.data.codes.label
    "f'columns.{name}'": _contract_columns,  # helpers.data.columnar: the count inputs, all contract fields
    "f'columns.{f.name}'": _contract_columns,  # helpers.data.contracts
    "f'quality.{part}.{anchor}'": _quality_sub_headings,  # helpers.report.quality.QualityReport._sub
}

# Keys nothing uses yet but that are kept on purpose (a prefix covers the keys under it), each with why.
KEPT_UNUSED = {
    # The rating levels as the documents name them for grassroots organisations (the lowest is "yếu kém"), not in
    # codes.DOMAINS; the ratings report says ratings.rating.* for organisations and members alike so far.
    "codes.organisation_rating": "meant for the organisations' ratings",
}


@dataclass(frozen=True)
class KeyUse:
    where: str  # file:line
    source: str  # the literal or expression as written
    topic: str
    pattern: re.Pattern[str]  # the keys it stands for
    open: bool = False  # nothing literal after the topic: covers keys only through DYNAMIC_KEYS


def _literal_use(text: str, where: str, source: str) -> KeyUse | None:
    if not KEY_LIKE.fullmatch(text):
        return None
    if text.rsplit(".", 1)[-1] in FILE_SUFFIXES and text not in catalogue("vi"):
        return None
    tail = ".+" if text.endswith((".", "_")) else r"(?:\..+)?"  # a prefix: whatever the code appends to it
    return KeyUse(where, source, text.split(".")[0], re.compile(re.escape(text) + tail))


def _choices(node: ast.expr) -> list[str] | None:
    """The strings an expression can only be: a literal, or a conditional between such (``'up' if x else 'down'``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp) and (body := _choices(node.body)) and (orelse := _choices(node.orelse)):
        return body + orelse
    return None


def _pieces(node: ast.expr, consumed: list[ast.AST]) -> list[str | list[str] | None]:
    """An f-string or a chain of + as pieces: a literal, the alternatives of a conditional, None when computed."""
    if isinstance(node, ast.JoinedStr):
        consumed += [node, *node.values]
        return [
            v.value
            if isinstance(v, ast.Constant)
            else (_choices(v.value) if v.conversion == -1 and v.format_spec is None else None)
            for v in node.values
        ]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        consumed.append(node)
        return _pieces(node.left, consumed) + _pieces(node.right, consumed)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        consumed.append(node)
        return [node.value]
    return [_choices(node)]


def _fragment(piece: str | list[str] | None) -> str:
    if piece is None:
        return "[^.]+"  # a computed piece: one dotted name
    return re.escape(piece) if isinstance(piece, str) else "(?:" + "|".join(map(re.escape, piece)) + ")"


def python_key_uses(source: str, name: str) -> list[KeyUse]:
    """Every key use in one Python source; ``name`` is how messages name the file."""
    uses, judged = [], set()
    for node in ast.walk(ast.parse(source)):
        if id(node) in judged:
            continue
        if isinstance(node, ast.JoinedStr | ast.BinOp):
            consumed: list[ast.AST] = []
            pieces = _pieces(node, consumed)
            if not pieces or not isinstance(pieces[0], str):
                continue  # starts with a computed piece: its literals are judged on their own
            judged.update(id(n) for n in consumed)
            where, written = f"{name}:{node.lineno}", ast.unparse(node)
            if all(isinstance(p, str) for p in pieces):  # all literal ("a" + "b")
                use = _literal_use("".join(pieces), where, written)
            elif start := KEY_START.match(pieces[0]):
                rx = "".join(map(_fragment, pieces))
                is_open = pieces[0] == start.group(0) and pieces[1] is None
                use = KeyUse(where, written, start.group(1), re.compile(rx), open=is_open)
            else:
                use = None
            uses += [use] if use else []
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            use = _literal_use(node.value, f"{name}:{node.lineno}", repr(node.value))
            uses += [use] if use else []
    return uses


def _notebook_code(path: Path) -> str:
    cells = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    lines = [line for c in cells for line in ("".join(c["source"]) + "\n").splitlines()]
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)  # no IPython magics


def key_uses() -> list[KeyUse]:
    """Key uses in the package's Python files, the notebooks' code cells and the report template."""
    uses = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        uses += python_key_uses(path.read_text(encoding="utf-8"), str(path.relative_to(REPO_ROOT)))
    for path in sorted(notebooks_dir().glob("*.ipynb")):
        uses += python_key_uses(_notebook_code(path), str(path.relative_to(REPO_ROOT)))
    for path in sorted(p for p in templates_dir().rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"([\"'])([^\"'\n]*)\1", text):
            where = f"{path.relative_to(REPO_ROOT)}:{text.count(chr(10), 0, m.start()) + 1}"
            use = _literal_use(m.group(2), where, m.group(0))
            uses += [use] if use else []
    return uses


def key_check(
    uses: list[KeyUse], keys: set[str], dynamic: dict = DYNAMIC_KEYS, kept: dict = KEPT_UNUSED
) -> tuple[list[str], list[str]]:
    """(missing, unused): each use that names no key, each unresolved dynamic key, each key nothing uses."""
    missing, used = [], set()
    for use in uses:
        if use.open:
            if use.source not in dynamic:
                missing.append(
                    f"{use.where}: {use.source} can build any {use.topic}.* key; the "
                    "scan cannot tell which: list what it builds in DYNAMIC_KEYS (tests/test_text.py)"
                )
                continue
            built = dynamic[use.source]()
            missing += [f"{key} — built at {use.where} by {use.source}" for key in sorted(built - keys)]
            used |= built & keys
            continue
        hit = {k for k in keys if use.pattern.fullmatch(k)}
        if not hit:
            missing.append(f"{use.where}: {use.source} — no such key in locales/*/{use.topic}.toml")
        used |= hit
    stale = [
        f"DYNAMIC_KEYS[{s!r}]: no such dynamic key in the code any more"
        for s in dynamic
        if s not in {u.source for u in uses if u.open}
    ]
    under = lambda prefix, among: {k for k in among if k == prefix or k.startswith(prefix + ".")}
    stale += [
        f"KEPT_UNUSED[{p!r}]: used now, or no such key: remove the entry" for p in kept if not under(p, keys - used)
    ]
    unused = [
        f"{k} (locales/*/{k.split('.')[0]}.toml)" for k in sorted(keys - used) if not any(under(p, {k}) for p in kept)
    ]
    return missing + stale, unused


def test_every_key_the_code_uses_is_in_the_catalogue() -> None:
    missing, _ = key_check(key_uses(), set(catalogue("vi")))
    assert not missing, "keys used but not defined:\n  " + "\n  ".join(missing)


def test_every_key_in_the_catalogue_is_used() -> None:
    _, unused = key_check(key_uses(), set(catalogue("vi")))
    assert not unused, (
        "keys defined but used nowhere in src/helpers, notebooks or templates (remove them from both "
        "languages, or list them in KEPT_UNUSED with why):\n  " + "\n  ".join(unused)
    )


def test_the_key_scan_sees_literal_prefix_and_dynamic_keys() -> None:
    keys = {
        "report.terms.up",
        "report.terms.down",
        "report.terms.same",
        "report.section.terms",
        "codes.exit_kind.removed",
        "report.title",
    }
    source = (
        "t('report.title', lang); SECTION_KEYS = 'report.section'; t(f'codes.exit_kind.{k}', lang)\n"
        "t(f\"report.terms.{'up' if x else 'down'}\", lang); t('report.titel', lang)\n"
        "t(f'report.nothing.{k}', lang)\n"
    )
    missing, unused = key_check(python_key_uses(source, "x.py"), keys, dynamic={}, kept={})
    assert sorted(missing) == [
        "x.py:2: 'report.titel' — no such key in locales/*/report.toml",
        "x.py:3: f'report.nothing.{k}' — no such key in locales/*/report.toml",
    ]
    assert unused == ["report.terms.same (locales/*/report.toml)"]  # only up and down can be built
    missing, unused = key_check(python_key_uses("t('report.terms.' + side, lang)", "z.py"), keys, dynamic={}, kept={})
    assert missing == [] and "report.terms.same (locales/*/report.toml)" not in unused  # any name after the prefix
    missing, unused = key_check(
        python_key_uses("t(f'codes.{d}.{c}', lang)", "y.py"), {"codes.exit_kind.removed"}, dynamic={}, kept={}
    )
    assert missing == [
        "y.py:1: f'codes.{d}.{c}' can build any codes.* key; the scan cannot tell which: list what it "
        "builds in DYNAMIC_KEYS (tests/test_text.py)"
    ]
    assert unused == ["codes.exit_kind.removed (locales/*/codes.toml)"]


# --- only helpers.text chooses by language --------------------------------------------------------------------

LANGUAGE_NAMES = {"lang", "language"}


def language_comparisons(source: str, name: str) -> list[str]:
    """Each comparison of a name (or attribute) called lang/language with a string literal, as file:line: code."""

    def is_language(node: ast.expr) -> bool:
        return (
            isinstance(node, ast.Name)
            and node.id in LANGUAGE_NAMES
            or isinstance(node, ast.Attribute)
            and node.attr in LANGUAGE_NAMES
        )

    def is_text(node: ast.expr) -> bool:
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return any(is_text(e) for e in node.elts)
        return isinstance(node, ast.Constant) and isinstance(node.value, str)

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(is_language(s) for s in sides) and any(is_text(s) for s in sides):
                found.append((node.lineno, f"{name}:{node.lineno}: {ast.unparse(node)}"))
    return [text for _, text in sorted(found)]


def test_only_helpers_text_compares_the_language() -> None:
    found = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        if path != PACKAGE_DIR / "text.py":
            found += language_comparisons(path.read_text(encoding="utf-8"), str(path.relative_to(REPO_ROOT)))
    assert not found, (
        "text chosen by comparing the language; put the text in locales/<lang>/*.toml and look it up "
        "with helpers.text.t (or a function in helpers/text.py):\n  " + "\n  ".join(found)
    )


def test_the_language_check_catches_a_branch() -> None:
    source = 'x = " và " if lang == "vi" else " and "\nif self.language in ("en",): pass\nok = lang in LANGUAGES\n'
    assert language_comparisons(source, "bad.py") == ["bad.py:1: lang == 'vi'", "bad.py:2: self.language in ('en',)"]
