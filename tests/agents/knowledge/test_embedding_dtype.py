"""A collection records the Embedder dtype of its chunks; imports and queries use it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from agents.knowledge import selectors, services
from agents.knowledge.models import KnowledgeCollection
from agents.memory.embeddings import resolve_dtype

pytestmark = pytest.mark.django_db

AXES = {"int8": 0, "float32": 1, "bfloat16": 2}


def axis(n: int) -> np.ndarray:
    vector = np.zeros(384, dtype=np.float32)
    vector[n] = 1.0
    return vector


class FakeEmbedder:
    """Each dtype embeds every text as its own axis: which dtype embedded a query shows."""

    dtypes: list[str] = []

    def __init__(self, dtype: str = "auto") -> None:
        self.dtype = dtype
        FakeEmbedder.dtypes.append(dtype)

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.stack([axis(AXES[self.dtype]) for _ in texts])

    def embed_one(self, text: str) -> np.ndarray:
        return axis(AXES[self.dtype])


@pytest.fixture
def fake(monkeypatch: Any) -> type[FakeEmbedder]:
    FakeEmbedder.dtypes = []
    monkeypatch.setattr(services, "shared_embedder", FakeEmbedder)
    monkeypatch.setattr(selectors, "shared_embedder", FakeEmbedder)
    return FakeEmbedder


def test_a_new_collection_records_the_dtype_this_cpu_embeds_with(
    owner: Any, monkeypatch: Any
) -> None:
    assert services.collection_create(owner=owner, name="a").embedding_dtype == resolve_dtype(
        "auto"
    )
    monkeypatch.setattr(services, "resolve_dtype", lambda dtype: "int8")
    created = services.collection_create(owner=owner, name="b")
    created.refresh_from_db()
    assert created.embedding_dtype == "int8"


def test_a_collection_older_than_the_field_is_float(owner: Any) -> None:
    assert KnowledgeCollection.objects.create(owner=owner, name="old").embedding_dtype == "float32"


def test_an_import_embeds_with_the_collection_dtype(
    collection: KnowledgeCollection, fake: type[FakeEmbedder]
) -> None:
    KnowledgeCollection.objects.filter(pk=collection.pk).update(embedding_dtype="bfloat16")
    document = services.document_create(collection=collection, title="t", text="some text")
    assert document.status == "ready"
    assert fake.dtypes == ["bfloat16"]


def test_each_collection_is_searched_with_a_query_embedded_its_way(
    owner: Any, fake: type[FakeEmbedder]
) -> None:
    quantized = services.collection_create(owner=owner, name="quantized")
    floating = services.collection_create(owner=owner, name="floating")
    KnowledgeCollection.objects.filter(pk=quantized.pk).update(embedding_dtype="int8")
    KnowledgeCollection.objects.filter(pk=floating.pk).update(embedding_dtype="float32")
    for target in (quantized, floating):
        services.document_store_embedded(
            collection=target,
            title=target.name,
            texts=["int8 axis", "float axis"],
            vectors=np.stack([axis(0), axis(1)]),
        )
    hits = selectors.knowledge_search(
        collections=list(KnowledgeCollection.objects.filter(owner=owner)), query="q", k=2
    )
    assert sorted(fake.dtypes) == ["float32", "int8"]
    assert sorted((h["title"], h["text"], h["score"]) for h in hits) == [
        ("floating", "float axis", 1.0),
        ("quantized", "int8 axis", 1.0),
    ]
