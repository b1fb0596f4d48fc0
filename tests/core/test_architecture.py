"""ARCHITECTURE.md stays true: every file it names exists, and every `file: name` it gives as an example is
defined there (a function, class or constant at the top level, or a method as `Class.method`)."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "ARCHITECTURE.md").read_text()


def defined_names(path: Path) -> set[str]:
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            if isinstance(node, ast.ClassDef):
                names |= {f"{node.name}.{item.name}" for item in node.body if hasattr(item, "name")}
        elif isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    return names


def test_every_path_named_exists():
    paths = set(re.findall(r"`((?:backend|network|mentoring|observatory|tests)/[\w/.]*)", TEXT))
    assert len(paths) > 20
    missing = [p for p in sorted(paths) if "<" not in p and not (ROOT / p.split(":")[0]).exists()]
    assert not missing, f"ARCHITECTURE.md names what does not exist: {missing}"


def test_every_example_is_defined_where_it_says():
    examples = re.findall(r"`([\w/]+\.py): ([\w.]+)`", TEXT)
    assert len(examples) >= 8
    wrong = [f"{path}: {name}" for path, name in examples if name not in defined_names(ROOT / path)]
    assert not wrong, f"ARCHITECTURE.md points at what is not there: {wrong}"


def test_no_bench_script_shadows_a_package():
    """Bench scripts put `bench/` first on sys.path: one named like an app would be imported instead of it
    (`bench/observatory.py` broke the in-process client of `http_load.py`)."""
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    scripts = {p.stem for p in (ROOT / "bench").glob("*.py")}
    assert not packages & scripts


def test_no_module_over_500_lines_outside_migrations_and_models():
    """A module past 500 lines holds more than one concept (issue 25): split it by concept."""
    long = {
        str(path.relative_to(ROOT)): count
        for package in ("backend", "network", "mentoring", "observatory")
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
        and path.name != "models.py"
        and (count := len(path.read_text().splitlines())) > 500
    }
    assert long == {}
