"""Import mechanics (batched progress, failure, re-import, delete) and the matrix cache."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from agents.knowledge import matrix, selectors, services
from agents.knowledge.models import KnowledgeChunk, KnowledgeCollection, KnowledgeDocument

from .conftest import fake_encode

pytestmark = pytest.mark.django_db


def make_document(collection: KnowledgeCollection, paragraphs: int) -> KnowledgeDocument:
    text = "\n\n".join(
        f"Paragraph {i} talks about topic number {i} at some length so that chunks fill up. " * 4
        for i in range(paragraphs)
    )
    return KnowledgeDocument.objects.create(collection=collection, title="Long", source=text)


def revision(collection: KnowledgeCollection) -> int:
    collection.refresh_from_db()
    return collection.revision


def test_import_stores_progress_after_each_embedding_batch(collection: KnowledgeCollection) -> None:
    document = make_document(collection, 200)
    seen: list[float] = []

    def encode(texts: list[str]) -> np.ndarray:
        seen.append(KnowledgeDocument.objects.get(pk=document.pk).progress)
        return fake_encode(texts)

    result = services.document_import(document_id=document.pk, encode=encode)
    assert result.status == "ready" and result.progress == 1.0
    assert result.chunk_count == KnowledgeChunk.objects.filter(document=document).count() > 64
    assert len(seen) >= 3 and seen[0] == 0.0 and seen == sorted(seen) and seen[-1] < 0.95


def test_a_failing_import_marks_the_document_failed_and_stores_nothing(
    collection: KnowledgeCollection,
) -> None:
    document = make_document(collection, 3)

    def broken(texts: list[str]) -> np.ndarray:
        raise RuntimeError("model exploded")

    result = services.document_import(document_id=document.pk, encode=broken)
    assert (result.status, result.error) == ("failed", "RuntimeError: model exploded")
    assert not KnowledgeChunk.objects.exists() and revision(collection) == 0


def test_reimporting_replaces_the_chunks_instead_of_adding_more(
    collection: KnowledgeCollection,
) -> None:
    document = make_document(collection, 10)
    first = services.document_import(document_id=document.pk, encode=fake_encode).chunk_count
    second = services.document_import(document_id=document.pk, encode=fake_encode).chunk_count
    assert first == second == KnowledgeChunk.objects.count() and revision(collection) == 2


def test_a_document_deleted_during_import_leaves_no_chunks(collection: KnowledgeCollection) -> None:
    document = make_document(collection, 3)

    def encode_then_delete(texts: list[str]) -> np.ndarray:
        KnowledgeDocument.objects.filter(pk=document.pk).delete()
        return fake_encode(texts)

    services.document_import(document_id=document.pk, encode=encode_then_delete)
    assert not KnowledgeChunk.objects.exists()


def test_embeddings_round_trip_through_bytes() -> None:
    vectors = fake_encode(["a", "b", "c"])
    blobs: list[bytes | memoryview] = [matrix.vector_to_bytes(v) for v in vectors]
    blobs[1] = memoryview(blobs[1])  # what PostgreSQL hands back
    assert np.array_equal(matrix.bytes_to_matrix(blobs), vectors)


def test_the_matrix_is_cached_until_the_collection_revision_moves(
    collection: KnowledgeCollection, monkeypatch: Any
) -> None:
    document = make_document(collection, 2)
    services.document_import(document_id=document.pk, encode=fake_encode)
    loads: list[int] = []
    real_refresh = matrix.index_refresh
    monkeypatch.setattr(
        matrix, "index_refresh", lambda cid, base: loads.append(cid) or real_refresh(cid, base)
    )
    probe = fake_encode(["q"])[0]
    for _ in range(3):
        selectors.knowledge_search_vector(collection_ids=[collection.pk], vector=probe, k=2)
    assert loads == [collection.pk]

    services.document_delete(document=document)
    hits = selectors.knowledge_search_vector(collection_ids=[collection.pk], vector=probe, k=2)
    assert loads == [collection.pk, collection.pk] and hits == []


def test_search_sees_chunks_another_process_wrote(collection: KnowledgeCollection) -> None:
    probe = fake_encode(["q"])[0]
    assert selectors.knowledge_search_vector(collection_ids=[collection.pk], vector=probe) == []
    document = make_document(collection, 1)
    # another process: rows and the revision bump arrive; this process's cache is untouched
    KnowledgeChunk.objects.create(
        document=document,
        collection=collection,
        index=0,
        text="hi",
        embedding=matrix.vector_to_bytes(probe),
    )
    KnowledgeCollection.objects.filter(pk=collection.pk).update(revision=7)
    hits = selectors.knowledge_search_vector(collection_ids=[collection.pk], vector=probe)
    assert [(h["document"], h["text"]) for h in hits] == [(document.pk, "hi")]
    assert hits[0]["score"] == pytest.approx(1.0, abs=1e-5)


def test_search_merges_collections_best_first(owner: Any) -> None:
    a = services.collection_create(owner=owner, name="A")
    b = services.collection_create(owner=owner, name="B")
    vectors = fake_encode(["x", "y", "z"])
    for n, (col, vec) in enumerate([(a, vectors[0]), (b, vectors[1]), (b, vectors[2])]):
        doc = KnowledgeDocument.objects.create(collection=col, title=f"d{n}", source="t")
        KnowledgeChunk.objects.create(
            document=doc,
            collection=col,
            index=0,
            text=f"t{n}",
            embedding=matrix.vector_to_bytes(vec),
        )
        KnowledgeCollection.objects.filter(pk=col.pk).update(revision=n + 1)
    hits = selectors.knowledge_search_vector(collection_ids=[a.pk, b.pk], vector=vectors[1], k=3)
    assert hits[0]["text"] == "t1" and len(hits) == 3
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


def test_a_refresh_adds_new_chunks_to_a_copy_and_keeps_the_old_index_intact(
    collection: KnowledgeCollection,
) -> None:
    first = make_document(collection, 2)
    services.document_import(document_id=first.pk, encode=fake_encode)
    old = matrix.collection_index(collection.pk, revision(collection))
    old_ids = old.ids()
    second = make_document(collection, 2)
    services.document_import(document_id=second.pk, encode=fake_encode)
    services.document_delete(document=first)
    new = matrix.collection_index(collection.pk, revision(collection))
    expected = {str(pk) for pk in KnowledgeChunk.objects.values_list("id", flat=True)}
    assert set(new.ids()) == expected and old.ids() == old_ids
    assert not expected & set(old_ids)
