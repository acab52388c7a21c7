"""Every variable AXWeb reads comes through axweb/env.py and is in the README's table."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = ("axweb", "accounts", "agents", "tools", "workflows")
HELPERS = {
    "env_str",
    "env_bool",
    "env_int",
    "env_float",
    "env_list",
    "require_shared_secret",
    "fernet_key",
    "proxy_ssl_header",
}
# Read inside axweb/env.py by the helpers themselves, not through a helper call.
READ_INSIDE_ENV_PY = {"AXWEB_DATA_DIR", "SECRET_KEY"}
# The sandbox package must import without the app (its tests load it under a bare Debian
# python, where importing axweb would pull in Celery): the one module allowed to read os.environ.
READ_OUTSIDE_THE_APP = {"tools/sandbox/cgroup.py": {"AXWEB_SANDBOX_CGROUP"}}


def _app_sources() -> list[Path]:
    files = [p for pkg in APP_PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    return [p for p in files if "migrations" not in p.parts]


def _called_name(call: ast.Call) -> str:
    func = call.func
    return (
        func.id
        if isinstance(func, ast.Name)
        else func.attr
        if isinstance(func, ast.Attribute)
        else ""
    )


def variables_read() -> set[str]:
    names = set(READ_INSIDE_ENV_PY) | {n for names in READ_OUTSIDE_THE_APP.values() for n in names}
    for path in _app_sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and _called_name(node) in HELPERS and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    names.add(first.value)
    return names


def variables_documented() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def _environ_reads(path: Path) -> list[str]:
    """os.environ.get(..), os.environ[..] reads and os.getenv(..) in one file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        text = ast.unparse(node) if isinstance(node, (ast.Call, ast.Subscript)) else ""
        is_read = (
            isinstance(node, ast.Call) and re.match(r"os\.(environ\.get|getenv)\(", text)
        ) or (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and text.startswith("os.environ[")
        )
        if is_read:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text}")
    return found


def test_every_variable_read_through_env_helpers_is_in_the_readme_table() -> None:
    missing = variables_read() - variables_documented()
    assert not missing, f"add these to the README's configuration table: {sorted(missing)}"


def test_every_variable_in_the_readme_table_is_read_by_the_app() -> None:
    stale = variables_documented() - variables_read()
    assert not stale, f"the README documents variables nothing reads: {sorted(stale)}"


def _allowed_outside_the_app(hit: str) -> bool:
    path = hit.split(":", 1)[0]
    return any(f"'{name}'" in hit for name in READ_OUTSIDE_THE_APP.get(path, ()))


def test_app_code_reads_the_environment_only_through_axweb_env() -> None:
    reads = [
        hit
        for path in _app_sources()
        if path != ROOT / "axweb" / "env.py"
        for hit in _environ_reads(path)
        if not _allowed_outside_the_app(hit)
    ]
    assert not reads, "read these through axweb/env.py helpers:\n" + "\n".join(reads)
