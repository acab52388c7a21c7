"""pgvector path, used only where migration 0002 created the ``embedding_vector`` column.

Chunks keep their float32 bytes either way (the in-process index reads those); with the
column present, imports also write it and searches are answered by PostgreSQL
(``<=>`` cosine distance, HNSW index) instead of the in-process index.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from django.db import connection

from agents.memory.index import Hit

TABLE = "knowledge_knowledgechunk"
_enabled: dict[str, bool] = {}


def pgvector_enabled() -> bool:
    """True on PostgreSQL when the vector column exists (checked once per database)."""
    if connection.vendor != "postgresql":
        return False
    name = str(connection.settings_dict["NAME"])
    if name not in _enabled:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_name = %s "
                "AND column_name = 'embedding_vector'",
                [TABLE],
            )
            _enabled[name] = cursor.fetchone() is not None
    return _enabled[name]


def vector_literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in np.asarray(vector, dtype=np.float32)) + "]"


def pg_store(chunk_ids: Sequence[int], vectors: np.ndarray) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {TABLE} SET embedding_vector = %s::vector WHERE id = %s",
            [(vector_literal(v), pk) for pk, v in zip(chunk_ids, vectors, strict=True)],
        )


def pg_search(collection_ids: Sequence[int], vector: np.ndarray, k: int) -> list[Hit]:
    literal = vector_literal(vector)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, 1 - (embedding_vector <=> %s::vector) FROM {TABLE} "
            "WHERE collection_id = ANY(%s) AND embedding_vector IS NOT NULL "
            "ORDER BY embedding_vector <=> %s::vector LIMIT %s",
            [literal, list(collection_ids), literal, k],
        )
        return [Hit(str(pk), float(score)) for pk, score in cursor.fetchall()]
