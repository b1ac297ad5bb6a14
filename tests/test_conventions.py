"""Conventions a newcomer relies on, checked against the tree: the layers' imports flow one way, every analysis in the
registry has all its parts under its one name, and the README's layout map names what is there."""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

import pytest

from helpers.paths import PACKAGE_DIR, REPO_ROOT, notebooks_dir
from helpers.registry import ENTRIES

# Each layer may import only the layers listed for it. The foundation (paths, text, errors, registry, digests) is below
# everything; synth generates data and so sits beside the analyses, above data only.
LAYERS = {
    "foundation": set(),
    "data": {"foundation"},
    "analyses": {"foundation", "data"},
    "synth": {"foundation", "data"},
    "report": {"foundation", "data", "analyses"},
    "run": {"foundation", "data", "analyses", "report"},
    "cli": {"foundation", "data", "analyses", "report", "run", "synth"},
}
FOUNDATION = {"__init__", "__main__", "paths", "text", "errors", "registry", "digests"}


def layer_of(module: str) -> str:
    """The layer of a dotted module name inside the package (``helpers.report.sections.trends`` → ``report``)."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in FOUNDATION:
        return "cli" if parts[1:2] == ["__main__"] else "foundation"
    if parts[1] not in LAYERS:
        raise AssertionError(f"{module} is in no layer: add its folder to LAYERS or move it into one")
    return parts[1]


def package_imports(path: Path) -> list[tuple[int, str]]:
    """Every ``helpers`` module a file imports (top level and inside functions), with the line it does it on."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "helpers":
            for alias in node.names:  # `from helpers.run import annual` imports a module, not a name
                candidate = f"{node.module}.{alias.name}"
                found.append((node.lineno, candidate if _is_module(candidate) else node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "helpers"]
    return found


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def layer_violations(package: Path = PACKAGE_DIR) -> list[str]:
    """Each import of a higher or a sideways layer, as ``file:line: what it imports and what it may``."""
    problems = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package.parent)
        importer = ".".join(relative.with_suffix("").parts)
        own = layer_of(importer)
        for line, imported in sorted(set(package_imports(path))):
            theirs = layer_of(imported)
            if theirs != own and theirs not in LAYERS[own]:
                problems.append(
                    f"{relative}:{line}: the {own} layer imports {imported} ({theirs}); "
                    f"{own} may import only {', '.join(sorted(LAYERS[own])) or 'nothing'}"
                )
    return problems


def test_imports_flow_one_way_through_the_layers() -> None:
    problems = layer_violations()
    assert not problems, "imports against the layers:\n" + "\n".join(problems)


def test_the_layer_test_catches_an_import_against_the_flow(tmp_path: Path) -> None:
    fake = tmp_path / "helpers" / "data"
    fake.mkdir(parents=True)
    (fake / "bad.py").write_text("def f():\n    from helpers.report.formatting import number\n", encoding="utf-8")
    assert layer_violations(tmp_path / "helpers") == [
        "helpers/data/bad.py:2: the data layer imports helpers.report.formatting (report); "
        "data may import only foundation"
    ]


# --- the registry --------------------------------------------------------------------------------------------


def registry_gaps() -> list[str]:
    """What each registry row lacks: its module, section, notebook, command or test file."""
    from helpers.cli.main import build_parser

    commands = set(build_parser()._subparsers._group_actions[0].choices)
    gaps = []
    for e in ENTRIES:
        for what, module in (("module", e.module), ("section", e.section)):
            if not _is_module(module):
                gaps.append(f"{e.name}: no {what} {module}")
        if not (notebooks_dir() / e.notebook).exists():
            gaps.append(f"{e.name}: no notebook notebooks/{e.notebook}")
        if e.command not in commands:
            gaps.append(f"{e.name}: no command `python -m helpers {e.command}`")
        if not (REPO_ROOT / e.test).exists():
            gaps.append(f"{e.name}: no test file {e.test}")
    return gaps


def test_every_registered_analysis_has_all_its_parts() -> None:
    gaps = registry_gaps()
    assert not gaps, "registered but missing:\n" + "\n".join(gaps)


def test_every_analysis_module_section_and_notebook_is_registered() -> None:
    names = {e.name for e in ENTRIES}
    analyses = {p.stem for p in (PACKAGE_DIR / "analyses").glob("*.py") if p.stem != "__init__"}
    sections = {p.stem for p in (PACKAGE_DIR / "report" / "sections").glob("*.py") if p.stem != "__init__"}
    notebooks = {p.name for p in notebooks_dir().glob("*.ipynb")}
    # Supporting modules of an analysis (its statistics), named for their idea: tests mirror them one to one.
    supporting = {"projection", "funnel", "cohorts", "stats", "joinpoints"}
    assert analyses - names - supporting == set(), "an analysis module without a registry row"
    assert sections - names == set(), "a report section without a registry row"
    assert notebooks - {e.notebook for e in ENTRIES} == set(), "a notebook without a registry row"
    for module in supporting & analyses:
        assert (REPO_ROOT / "tests" / f"test_{module}.py").exists(), f"no tests/test_{module}.py for {module}"


def test_the_registry_test_names_the_missing_part(monkeypatch) -> None:
    from helpers import registry

    monkeypatch.setattr(registry, "ENTRIES", (*registry.ENTRIES, registry.Entry("attendance", 10, "analysis")))
    monkeypatch.setitem(globals(), "ENTRIES", registry.ENTRIES)
    assert registry_gaps() == [
        "attendance: no module helpers.analyses.attendance",
        "attendance: no section helpers.report.sections.attendance",
        "attendance: no notebook notebooks/10-attendance.ipynb",
        "attendance: no command `python -m helpers attendance`",
        "attendance: no test file tests/test_attendance.py",
    ]


def test_old_short_names_and_notebook_files_still_work() -> None:
    from helpers.paths import notebook_file

    assert notebook_file("who-leaves").name == "03-profiles.ipynb"
    assert notebook_file("notebooks/05-committee-report.ipynb").name == "05-committee.ipynb"
    assert notebook_file("screening-exemptions").name == "08-management.ipynb"


# --- the README's layout map ---------------------------------------------------------------------------------


def readme_map() -> dict[str, str]:
    """Paths the README's layout block labels (``src/helpers/data/`` ...), with their one-line labels."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    entries, stack = {}, []
    for line in block.splitlines():
        match = re.match(r"^( *)(\S+)\s+<- (.+)$", line)
        if not match:
            continue
        depth = len(match.group(1)) // 2
        stack = [*stack[:depth], match.group(2)]
        entries["".join(stack)] = match.group(3)
    return entries


def map_gaps() -> list[str]:
    """What the README's layout map lacks or names wrongly: every top-level folder, the package's folders and
    top-level modules by path, and each module of a layer folder by name in its folder's label."""
    mapped = readme_map()
    expected = {
        f"{p.name}/"
        for p in REPO_ROOT.iterdir()
        if p.is_dir() and not p.name.startswith(".") and p.name not in {"src", "build"}
    }
    expected.add(f"{PACKAGE_DIR.relative_to(REPO_ROOT).as_posix()}/")
    gaps = []
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if (
            "__pycache__" in path.parts
            or path.name in {"__init__.py", "__main__.py"}
            or "locales" in path.parts
            or "templates" in path.parts[len(PACKAGE_DIR.parts) + 1 :]
        ):
            continue
        relative = path.relative_to(REPO_ROOT).as_posix()
        if path.is_dir():
            expected.add(relative + "/")
        elif path.suffix == ".py" and path.parent == PACKAGE_DIR:
            expected.add(relative)
        elif path.suffix == ".py":
            folder = path.parent.relative_to(REPO_ROOT).as_posix() + "/"
            if not re.search(rf"\b{path.stem}\b", mapped.get(folder, "")):
                gaps.append(f"the README's layout map does not name {path.stem} in the label of {folder}")
    gaps += [f"the README's layout map does not name {p}" for p in sorted(expected - set(mapped))]
    gaps += [
        f"the README's layout map names {p}, which is not in the tree"
        for p in sorted(mapped)
        if not (REPO_ROOT / p).exists()
    ]
    return gaps


def test_the_readme_layout_map_matches_the_tree() -> None:
    gaps = map_gaps()
    assert not gaps, "\n".join(gaps)


def test_the_map_test_names_a_module_the_readme_misses() -> None:
    stray = PACKAGE_DIR / "analyses" / "zz_unmapped.py"
    stray.write_text('"""A module the README does not name."""\n', encoding="utf-8")
    try:
        assert map_gaps() == ["the README's layout map does not name zz_unmapped in the label of src/helpers/analyses/"]
    finally:
        stray.unlink()


@pytest.mark.parametrize("module", sorted({e.module for e in ENTRIES}))
def test_every_registered_module_says_what_it_is(module: str) -> None:
    path = Path(importlib.util.find_spec(module).origin)
    assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), f"{module} has no module docstring"


def test_no_module_chooses_the_matplotlib_backend() -> None:
    # A backend chosen at import would switch off inline plots for a researcher in JupyterLab; the report run
    # chooses Agg for its own kernels instead (helpers.run.render).
    offenders = [
        str(p.relative_to(REPO_ROOT))
        for p in PACKAGE_DIR.rglob("*.py")
        if re.search(r"matplotlib\.use\(", p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
