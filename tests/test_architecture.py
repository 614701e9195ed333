"""The shape the house style asks for, checked: the core package stands alone (no Prefect, no flows, tasks,
command line or demo, not even inside a function), and heavy libraries stay out of its module level."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ABOVE_THE_CORE = ("prefect", "flows", "tasks", "cli", "demo")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("path", sorted((ROOT / "govern").rglob("*.py")), ids=lambda p: p.name)
def test_the_core_never_imports_what_sits_above_it(path: Path) -> None:
    bad = [(line, name) for line, name in imported_modules(path) if name.split(".")[0] in ABOVE_THE_CORE]
    assert bad == [], f"{path.relative_to(ROOT)} imports {bad}"


def test_the_demo_does_not_import_prefect() -> None:
    for path in sorted((ROOT / "demo").rglob("*.py")):
        assert not [n for _, n in imported_modules(path) if n.split(".")[0] == "prefect"], path


def test_importing_the_core_loads_no_orchestrator_and_no_heavy_library() -> None:
    heavy = ("prefect", "nannyml", "great_expectations", "mlflow", "pandera")
    probe = (
        "import sys, govern.night, govern.pipeline, govern.store, govern.readout, govern.policy, cli.app; "
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == "[]"
