"""requirements.lock pins exactly what pyproject.toml needs: the dependencies
and every extra (s3, redis, load, test), with what they need in turn. A pin
nothing needs (a library dropped from the code) or a need without a pin (an
install that would pick whatever version is newest) fails. Which imports the
code and the tests make is deptry's job (scripts/lint.sh)."""

import tomllib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def pinned() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"not pinned with ==: {line}"
            pins[canonicalize_name(name)] = version
    return pins


def needed() -> set[str]:
    """The installed closure of the project's requirements, all extras
    included, on this platform and Python."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    for requirements in project["optional-dependencies"].values():
        wanted += [Requirement(r) for r in requirements]
    names: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    while wanted:
        requirement = wanted.pop()
        key = (canonicalize_name(requirement.name), frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        names.add(key[0])
        try:
            installed = distribution(requirement.name)
        except PackageNotFoundError:
            continue  # reported as needed but not pinned (or not installed)
        for text in installed.requires or []:
            inner = Requirement(text)
            extras = requirement.extras or {""}
            if inner.marker is None or any(inner.marker.evaluate({"extra": e}) for e in extras):
                wanted.append(inner)
    return names


def test_the_lock_pins_exactly_what_the_project_needs():
    pins, needs = pinned(), needed()

    assert sorted(set(pins) - needs) == [], "pinned, but nothing needs it"
    assert sorted(needs - set(pins)) == [], "needed, but not pinned"


def test_what_is_installed_is_what_the_lock_pins():
    pins = pinned()
    installed = {name: distribution(name).version for name in pins}
    assert {n: v for n, v in installed.items() if v != pins[n]} == {}
