"""Knowledge-store fixtures: one torch thread, a fresh matrix cache, a collection per user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from agents.knowledge import matrix, services
from agents.knowledge.models import KnowledgeCollection


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread() -> None:
    import torch

    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _fresh_matrix_cache() -> Iterator[None]:
    # rolled-back test transactions may hand the same collection id out again
    matrix.cache_clear()
    yield
    matrix.cache_clear()


@pytest.fixture
def collection(owner: Any) -> KnowledgeCollection:
    return services.collection_create(owner=owner, name="Handbook", description="Team notes")


@pytest.fixture
def other_collection(other: Any) -> KnowledgeCollection:
    return services.collection_create(owner=other, name="Private")


def fake_encode(texts: list[str]) -> np.ndarray:
    """Deterministic unit vectors (for tests about import mechanics, not meaning)."""
    rng = np.random.default_rng(len(texts))
    vectors = rng.standard_normal((len(texts), 384)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


FACTS = {
    "Cats": "Cats are small furry animals that purr and chase mice around the barn.",
    "Rockets": "The rocket engine burns liquid hydrogen and oxygen to reach orbit.",
    "Bread": "To bake bread, knead flour, water, yeast and salt, then let the dough rise.",
}


@pytest.fixture(autouse=True)
def _private_index_dir(settings: Any, tmp_path: Any) -> None:
    # HNSW graphs are saved per collection id, and rolled-back tests reuse ids
    settings.AXWEB_KNOWLEDGE_INDEX_DIR = str(tmp_path / "knowledge-index")
