"""Lets the pure tool tests run with ``-p no:django``: modules that need the database
(they use the ``django_db`` marker) are not collected when pytest-django is off."""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if config.pluginmanager.hasplugin("django") or collection_path.suffix != ".py":
        return None
    return "django_db" in collection_path.read_text(errors="ignore") or None
