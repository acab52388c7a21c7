"""The pgvector path is switched on only where migration 0002 could create the column."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection

from agents.knowledge import pgvector


def test_vectors_are_written_as_pgvector_literals() -> None:
    assert pgvector.vector_literal(np.array([0.5, -1.0, 1e-8])) == "[0.5,-1,1e-08]"


@pytest.mark.django_db
def test_pgvector_is_used_only_when_the_extension_is_available() -> None:
    available = False
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'")
            available = cursor.fetchone() is not None
    assert pgvector.pgvector_enabled() is available
