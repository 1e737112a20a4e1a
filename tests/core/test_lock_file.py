"""Reproducible installs: requirements.lock pins every runtime and test dependency (and
theirs) within pyproject's ranges, and CI installs from it."""

from __future__ import annotations

import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LOCK = "requirements.lock"


def _pins(project_root) -> dict[str, str]:
    pins = {}
    for line in (project_root / LOCK).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            name, _, version = line.partition("==")
            assert version, f"not pinned to one version: {line}"
            pins[canonicalize_name(name.split("[")[0])] = version.strip()
    return pins


def test_every_declared_dependency_is_pinned_within_its_range(project_root):
    project = tomllib.loads((project_root / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    pins = _pins(project_root)
    for text in declared:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in {LOCK}"
        assert requirement.specifier.contains(pins[name], prereleases=True), \
            f"{requirement.name}=={pins[name]} is outside {requirement.specifier}"


def test_ci_installs_from_the_lock_file(project_root):
    script = (project_root / ".ci" / "run").read_text()
    assert f"pip install -q -r {LOCK}" in script
    assert "pip install -q --no-deps -e ." in script
