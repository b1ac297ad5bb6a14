"""Set-up files agree: pyproject pins equal environment.yml, and the Makefile documents every target."""

from __future__ import annotations

import re
import tomllib

import yaml

from helpers.paths import REPO_ROOT


def _pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        specs += extra
    pins = {}
    for spec in specs:
        name, _, version = spec.partition("==")
        assert version, f"{spec} is not pinned with =="
        pins[name.lower()] = version
    return pins


def _conda_pins() -> dict[str, str]:
    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text(encoding="utf-8"))
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and "=" in dep and not dep.startswith("python="):
            name, version = dep.split("=", 1)
            pins[name.lower()] = version
        elif isinstance(dep, dict):  # the pip: list, for packages conda-forge lacks at the pinned version
            for spec in dep.get("pip", []):
                if "==" in spec:
                    name, version = spec.split("==", 1)
                    assert name.lower() not in pins, f"{name} is listed twice in environment.yml"
                    pins[name.lower()] = version
    return pins


def test_environment_yml_names_the_same_packages_at_the_same_versions() -> None:
    assert _conda_pins() == _pyproject_pins()


def test_environment_yml_uses_the_same_python() -> None:
    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "python=3.11" in env["dependencies"]


def test_every_make_target_has_a_description() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    targets = re.findall(r"^([a-z][a-z-]*):(?!=)", makefile, flags=re.M)
    described = re.findall(r"^([a-z][a-z-]*):.*## ", makefile, flags=re.M)
    assert set(targets) == set(described)
    for needed in ("help", "report", "test", "lab", "data", "validate", "check-published"):
        assert needed in described
    assert re.search(r"^\.DEFAULT_GOAL := help", makefile, flags=re.M)


def test_ci_calls_make_test() -> None:
    assert "make test" in (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
