"""The engine imports nothing from Django, agents/ or tools/."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import workflows.engine

ENGINE = Path(workflows.engine.__file__).parent
FORBIDDEN = {"django", "agents", "tools", "rest_framework", "channels", "celery"}


def _names_forbidden_module(value: object) -> bool:
    return isinstance(value, str) and any(value.startswith(f"{n}.") for n in FORBIDDEN)


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for item in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(item, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in item.names}
        elif isinstance(item, ast.ImportFrom) and item.module and item.level == 0:
            roots.add(item.module.split(".")[0])
        elif isinstance(item, ast.Constant) and _names_forbidden_module(item.value):
            roots.add(item.value.split(".")[0])  # dotted paths imported lazily
    return roots


def test_no_engine_module_imports_django_agents_or_tools():
    offenders = {
        str(path.relative_to(ENGINE)): sorted(imported_roots(path) & FORBIDDEN)
        for path in ENGINE.rglob("*.py")
        if imported_roots(path) & FORBIDDEN
    }
    assert offenders == {}
    assert len(list(ENGINE.rglob("*.py"))) > 20  # the scan really saw the package


def test_importing_every_engine_module_loads_no_forbidden_package():
    code = (
        "import sys, pkgutil, importlib, workflows.engine as e\n"
        "for m in pkgutil.walk_packages(e.__path__, 'workflows.engine.'):\n"
        "    importlib.import_module(m.name)\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {sorted(FORBIDDEN)!r})\n"
        "print(','.join(bad))\n"
    )
    root = ENGINE.parent.parent
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""
