"""One door per idea (issue 14): no Python module of the project outside migrations is longer
than 400 lines; a module that grows past it holds several ideas and is split by idea."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 400
SKIPPED_DIRS = {"migrations", "node_modules", "frontend", "static", "data", "__pycache__"}


def project_modules() -> list[Path]:
    """Every .py file under the project root, minus migrations, virtualenvs and build output."""
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [
            d
            for d in dirs
            if d not in SKIPPED_DIRS
            and not d.startswith(".")
            and not (Path(folder, d) / "pyvenv.cfg").exists()
        ]
        found += [Path(folder, name) for name in files if name.endswith(".py")]
    return found


def line_count(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for _ in fh)


def test_the_size_check_sees_the_project_modules() -> None:
    names = {str(p.relative_to(ROOT)) for p in project_modules()}
    assert {"manage.py", "agents/gateway/catalog.py", "tools/sandbox/_launcher.py"} <= names
    assert not any("/migrations/" in name for name in names)


def test_no_python_module_outside_migrations_is_over_400_lines() -> None:
    sizes = {str(p.relative_to(ROOT)): line_count(p) for p in project_modules()}
    too_long = {name: n for name, n in sizes.items() if n > LIMIT}
    assert too_long == {}, (
        f"modules over {LIMIT} lines (split them by idea, see issue 14): {too_long}"
    )
