"""The dependencies install the same way twice: constraints.txt pins every package an install of
".[test]" brings in (on Windows too), inside pyproject.toml's ranges; constraints-lowest.txt pins the
lower bounds; CI installs with constraints.txt and still runs exactly the README's test command."""

from __future__ import annotations

import os
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
REQUIREMENTS = [Requirement(r) for r in PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]]
# Marker values of a Windows machine, where the council runs the pipeline (the wheel folder is for it).
WINDOWS = {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"}
# Installed with the constraints (as .ci/run does): then what is installed is exactly what is pinned.
CONSTRAINED = Path(os.environ.get("PIP_CONSTRAINT", "")).resolve() == (ROOT / "constraints.txt").resolve()


def pins(name: str) -> dict[str, str]:
    """Canonical name -> version, from a file of `name==version` lines (comments allowed)."""
    found: dict[str, str] = {}
    for number, line in enumerate((ROOT / name).read_text(encoding="utf-8").splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!-]+)", line)
        assert match, f"{name}, line {number}: not name==version: {line!r}"
        key = canonicalize_name(match[1])
        assert key not in found, f"{name}, line {number}: {match[1]} is pinned twice"
        found[key] = match[2]
    return found


def closure() -> set[str]:
    """Every package that installing ".[test]" brings in, here or on Windows, from the installed metadata
    (a package this machine does not have, such as colorama off Windows, is named but not followed)."""
    names: set[str] = set()
    todo = [(r.name, frozenset(r.extras)) for r in REQUIREMENTS]
    while todo:
        name, extras = todo.pop()
        key = canonicalize_name(name)
        if (key, extras) in names:
            continue
        names.add((key, extras))
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            requirement = Requirement(text)
            wanted = requirement.marker is None or any(
                requirement.marker.evaluate({**platform, "extra": extra})
                for platform in ({}, WINDOWS) for extra in ("", *extras))
            if wanted:
                todo.append((requirement.name, frozenset(requirement.extras)))
    return {key for key, _ in names}


def test_every_requirement_is_pinned_inside_its_range():
    pinned = pins("constraints.txt")
    for requirement in REQUIREMENTS:
        key = canonicalize_name(requirement.name)
        assert key in pinned, f"constraints.txt does not pin {requirement.name}"
        assert requirement.specifier.contains(pinned[key], prereleases=True), (
            f"constraints.txt pins {requirement.name}=={pinned[key]}, outside pyproject.toml's {requirement}")


def test_the_build_backend_is_pinned_inside_the_build_requirement():
    build = [Requirement(r) for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]]
    pinned = pins("constraints.txt")
    for requirement in build:
        key = canonicalize_name(requirement.name)
        assert key in pinned and requirement.specifier.contains(pinned[key]), requirement


def test_the_lowest_pins_are_the_lower_bounds():
    lowest = pins("constraints-lowest.txt")
    for requirement in REQUIREMENTS:
        floors = [s.version for s in requirement.specifier if s.operator == ">="]
        assert floors, f"{requirement.name} has no lower bound in pyproject.toml"
        key = canonicalize_name(requirement.name)
        assert key in lowest, f"constraints-lowest.txt does not pin {requirement.name}"
        assert requirement.specifier.contains(lowest[key]), (requirement, lowest[key])
        assert Version(lowest[key]) == Version(floors[0]), (
            f"constraints-lowest.txt pins {requirement.name}=={lowest[key]}, not its lower bound {floors[0]}")
    assert set(lowest) == {canonicalize_name(r.name) for r in REQUIREMENTS}


def test_ci_installs_with_the_constraints_and_runs_the_readme_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = 'pip install ".[test]" && pytest'
    assert command in (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r'^export PIP_CONSTRAINT="\$PWD/constraints\.txt"$', ci, re.M)
    assert ci.index("PIP_CONSTRAINT") < ci.index(command)


@pytest.mark.skipif(not CONSTRAINED, reason="installed without PIP_CONSTRAINT=constraints.txt (as .ci/run installs)")
def test_what_is_installed_is_what_is_pinned_and_every_package_is_pinned_windows_ones_too():
    """(Only where the install used the constraints: another install, of the lowest versions say, may
    bring in other packages.) A package added to pyproject.toml without a new constraints.txt fails here."""
    pinned = pins("constraints.txt")
    here = closure()
    missing = here - set(pinned)
    assert not missing, f"constraints.txt does not pin {sorted(missing)}: make it again (see its first lines)"
    for key in here:
        try:
            version = metadata.version(key)
        except metadata.PackageNotFoundError:
            continue  # a Windows-only package, off Windows
        assert version == pinned[key], f"{key} {version} is installed; constraints.txt pins {pinned[key]}"
    stale = set(pinned) - here - {"setuptools"}
    assert not stale, f"constraints.txt pins {sorted(stale)}, which nothing installs any more"
