"""An import inside a function only where it must be, with a comment saying why (issue 25): an import-time
cycle, an optional dependency, the app registry not ready yet. 194 imports hid in functions, most of them to
dodge circles the layers now forbid; the rest moved to the top of their modules."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def unexplained(path: Path) -> list[str]:
    lines = path.read_text().splitlines()
    found = []
    for function in ast.walk(ast.parse("\n".join(lines))):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            if "#" in lines[node.lineno - 1]:
                continue
            above = node.lineno - 2  # the lines above, past the other imports of the same block
            while above >= 0 and (
                not lines[above].strip() or lines[above].lstrip().startswith(("from ", "import "))
            ):
                above -= 1
            if not lines[above].lstrip().startswith("#"):
                name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
                found.append(f"{name}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    return found


def test_every_import_inside_a_function_says_why():
    found = [
        line
        for package in ("backend", "network", "mentoring", "observatory")
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
        for line in unexplained(path)
    ]
    assert found == []


def test_the_walk_sees_an_unexplained_import(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "def f():\n    from os import path\n\n    return path\n\n\ndef g():\n    # why\n    import os\n"
    )
    assert [line.split(": ", 1)[1] for line in unexplained(module)] == ["from os import path"]
