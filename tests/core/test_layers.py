"""The layers of ARCHITECTURE.md are checked by `make check` (import-linter, configured in pyproject.toml):
here, on a copy of the code, an import against them is added (a module written with only that import) and the
check must fail and name it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["backend", "network", "mentoring", "observatory", "web"]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],  # the copied pyproject.toml, found in cwd
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree(tmp_path):
    """The packages (code only) and pyproject.toml, copied."""
    skipped = shutil.ignore_patterns("data", "static", "templates", "__pycache__")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=skipped)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_code_as_it_is_keeps_every_contract(tree):
    result = lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    "module, upward, contract",
    [
        (
            "backend/core/probe.py",
            "from network.permissions import Viewer",
            "The bottom floor imports no domain",
        ),
        ("network/probe.py", "from mentoring.models import Slot", "Domains in layers"),
        ("mentoring/services/probe.py", "from observatory.models import WeakSignal", "Domains in layers"),
        ("mentoring/selectors_probe.py", "import mentoring.accelerator.models", "The accelerator uses"),
        ("network/graphql/probe.py", "from mentoring.accelerator.models import Tag", "The accelerator uses"),
        # staff → requests closes requests → service_levels → staff (the circle issue 25 found)
        ("mentoring/accelerator/services/staff.py", "from .requests import reply", "No circle among"),
        ("mentoring/services/probe.py", "from mentoring.accelerator import services", "The accelerator uses"),
        # a page that would read a queryset instead of going through the schema
        ("web/views/probe.py", "from mentoring.selectors import upcoming_slots", "The web pages go through"),
    ],
)
def test_an_upward_import_breaks_the_check(tree, module, upward, contract):
    (tree / module).write_text(f"{upward}  # against the layers\n")
    result = lint(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in broken
    dotted = module.removesuffix(".py").replace("/", ".")
    assert (
        dotted in broken or f".{dotted.rsplit('.', 1)[1]} ->" in broken
    )  # a circle names siblings relatively
