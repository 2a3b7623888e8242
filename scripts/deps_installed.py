"""Exit 0 when this checkout is already pip-installed with what pyproject.toml asks for.

Lets scripts/test.sh and scripts/demo.sh skip `pip install` (about 5 s) on a warm machine.
Any doubt answers "no", so the worst case is one needless install.
Usage: python3 scripts/deps_installed.py [EXTRA ...] [-c CONSTRAINTS]
"""

from __future__ import annotations

import json
import sys
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _problem(extras: list[str], constraints: Path | None) -> str | None:  # noqa: C901 - one early return per thing that can be stale, in the order pip would need them
    """What is missing or stale, or None when everything is in place."""
    try:
        import tomllib
        from packaging.requirements import Requirement
        from packaging.utils import canonicalize_name
    except ImportError as error:
        return f"cannot check ({error})"
    pins = {}
    if constraints:
        for line in constraints.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                pin = Requirement(line)
                pins[canonicalize_name(pin.name)] = pin
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    try:
        ours = metadata.distribution(project["name"])
    except metadata.PackageNotFoundError:
        return f"{project['name']} is not installed"
    direct_url = json.loads(ours.read_text("direct_url.json") or "{}")
    if direct_url.get("url") != REPO.as_uri() or not direct_url.get("dir_info", {}).get("editable"):
        return f"{project['name']} is not installed in editable mode from {REPO}"
    info_dir = getattr(ours, "_path", None)
    if info_dir is None or (REPO / "pyproject.toml").stat().st_mtime > Path(info_dir).stat().st_mtime:
        return "pyproject.toml changed since the last install"
    wanted = list(project.get("dependencies", []))
    for extra in extras:
        wanted += project.get("optional-dependencies", {}).get(extra, [])
    for text in wanted:
        requirement = Requirement(text)
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue
        try:
            version = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            return f"{requirement.name} is not installed"
        pin = pins.get(canonicalize_name(requirement.name))
        for specifier in (requirement.specifier, pin.specifier if pin else None):
            if specifier is not None and not specifier.contains(version, prereleases=True):
                return f"{requirement.name} {version} does not match {specifier}"
    return None


def main(argv: list[str]) -> int:
    constraints = None
    if "-c" in argv:
        index = argv.index("-c")
        constraints = Path(argv[index + 1])
        argv = argv[:index] + argv[index + 2:]
    problem = _problem(argv, constraints)
    if problem:
        print(f"    {problem}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
