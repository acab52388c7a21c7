"""docs/architecture.md matches the tree: the paths it names exist, it names every package.

Also every known crossing allowed in `.importlinter` (an `ignore_imports` line) is listed in the
page, so an exception to the layering is never silent.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
APPS = ("axweb", "accounts", "agents", "tools", "workflows")
SKIPPED_PARTS = {"migrations", "tests", "management", "templates", "__pycache__"}
PATH_EXTENSIONS = (".py", ".md", ".ts", ".tsx")
# Backticked text made only of path characters; `GET /api/…`, `<name>.py` and globs are prose.
PATHLIKE = re.compile(r"[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*/?")


def prose() -> str:
    """The page without its fenced blocks, whitespace collapsed (a span may wrap a line)."""
    text = re.sub(r"^```.*?^```", "", DOC.read_text(), flags=re.S | re.M)
    return " ".join(text.split())


def backticked() -> set[str]:
    return {span.strip() for span in re.findall(r"`([^`]+)`", prose())}


def repository_paths(spans: set[str]) -> set[str]:
    return {
        span
        for span in spans
        if PATHLIKE.fullmatch(span) and ("/" in span or span.endswith(PATH_EXTENSIONS))
    }


def named(spans: set[str]) -> set[str]:
    return {span.rstrip("/") for span in repository_paths(spans)}


def app_packages() -> list[str]:
    found = []
    for app in APPS:
        for init in (ROOT / app).rglob("__init__.py"):
            package = init.parent.relative_to(ROOT)
            if not SKIPPED_PARTS & set(package.parts):
                found.append(package.as_posix())
    return sorted(found)


def frontend_folders() -> list[str]:
    src = ROOT / "frontend" / "src"
    return sorted(p.relative_to(ROOT).as_posix() for p in src.iterdir() if p.is_dir())


def known_crossings() -> list[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    lines = []
    for section in config.sections():
        raw = config[section].get("ignore_imports", "")
        lines += [" ".join(line.split()) for line in raw.splitlines() if line.strip()]
    return sorted(set(lines))


def test_every_path_the_architecture_page_names_exists():
    missing = sorted(p for p in repository_paths(backticked()) if not (ROOT / p).exists())
    assert not missing, (
        "docs/architecture.md names paths that are not in the tree (moved or renamed?): "
        + ", ".join(missing)
    )


def test_the_architecture_page_names_every_python_package_of_the_apps():
    missing = [package for package in app_packages() if package not in named(backticked())]
    assert not missing, (
        "docs/architecture.md does not name these packages; add each in backticks "
        "(e.g. `agents/llm/`) with a line on what it holds: " + ", ".join(missing)
    )


def test_the_architecture_page_names_every_frontend_source_folder():
    missing = [folder for folder in frontend_folders() if folder not in named(backticked())]
    listing = ", ".join(missing)
    assert not missing, f"docs/architecture.md does not name these frontend folders: {listing}"


def test_every_import_contract_exception_is_a_listed_known_crossing():
    text = DOC.read_text()
    assert "### Known crossings" in text, "docs/architecture.md lost its 'Known crossings' section"
    section = text.split("### Known crossings", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([^`]+)`", " ".join(section.split())))
    unlisted = [line for line in known_crossings() if line not in listed]
    assert not unlisted, (
        "these ignore_imports lines of .importlinter are not listed under 'Known crossings' "
        "in docs/architecture.md: " + "; ".join(unlisted)
    )


def test_every_import_contract_is_named_on_the_architecture_page():
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    prefix = "importlinter:contract:"
    contracts = [s.removeprefix(prefix) for s in config.sections() if s.startswith(prefix)]
    missing = [name for name in contracts if name not in backticked()]
    assert contracts, ".importlinter has no contracts"
    assert not missing, (
        "docs/architecture.md's rule table does not name these import contracts: "
        + ", ".join(missing)
    )


def test_the_walk_finds_packages_and_paths_at_all():
    assert "workflows/engine" in app_packages()
    assert "agents/llm/providers" in app_packages()
    assert "workflows/runs/events.py" in repository_paths(backticked())
    assert "GET /api/models/providers/" not in repository_paths(backticked())
