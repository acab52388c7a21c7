"""Commands that need the database say in one line when it is not migrated."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

NOT_MIGRATED = "database not migrated: run `make migrate` or `python manage.py migrate`"


def require_migrated(alias: str = DEFAULT_DB_ALIAS) -> None:
    """Raise CommandError (one line, exit 1) when migrations are missing on `alias`."""
    executor = MigrationExecutor(connections[alias])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise CommandError(NOT_MIGRATED)
