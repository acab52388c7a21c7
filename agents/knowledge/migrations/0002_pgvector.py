"""On PostgreSQL with the pgvector extension available: a vector(384) column + HNSW index.

Skipped cleanly (no error, nothing created) on SQLite, when ``vector`` is not in
``pg_available_extensions``, or when the role may not create it. The column is not part
of the Django model state: ``agents.knowledge.pgvector`` reads and writes it with SQL.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, transaction

TABLE = "knowledge_knowledgechunk"


def _available(cursor: Any) -> bool:
    cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
    return cursor.fetchone() is not None


def forwards(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if not _available(cursor):
            return
        try:
            with transaction.atomic(using=connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS vector")
                cursor.execute(f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS "
                               "embedding_vector vector(384)")
                cursor.execute(f"CREATE INDEX IF NOT EXISTS knowledge_chunk_hnsw ON {TABLE} "
                               "USING hnsw (embedding_vector vector_cosine_ops)")
        except Exception:  # no privilege to create the extension: exact search it is
            return


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS knowledge_chunk_hnsw; "
                           f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS embedding_vector")


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
