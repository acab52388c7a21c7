"""Approximate search (HNSW) for large collections: agrees with exact search, follows
inserts and deletes, switches at the size threshold and survives a restart."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from agents.knowledge import matrix, selectors, services
from agents.knowledge.fastindex import HalfPrecisionIndex
from agents.knowledge.hnsw import HnswIndex
from agents.knowledge.models import KnowledgeCollection
from agents.memory.index import ExactIndex, normalize


def clustered(count: int, seed: int = 5) -> np.ndarray:
    """Unit vectors around 40 centres: nearer to real embeddings than uniform noise."""
    rng = np.random.default_rng(seed)
    centres = normalize(rng.standard_normal((40, 384)))
    return normalize(
        centres[rng.integers(0, 40, count)] + 0.6 * rng.standard_normal((count, 384)) / 20
    )


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    return clustered(3000)


def test_approximate_search_finds_the_exact_top_results(vectors: np.ndarray) -> None:
    approximate, exact = HnswIndex(384, expansion_search=256), ExactIndex(384)
    ids = [str(i) for i in range(len(vectors))]
    approximate.add(ids, vectors)
    exact.add(ids, vectors)
    probes = normalize(vectors[:50] + 0.02 * np.random.default_rng(6).standard_normal((50, 384)))
    found = 0
    for probe in probes:
        got, want = approximate.search(probe, 10), exact.search(probe, 10)
        assert got[0].id == want[0].id
        assert got[0].score == pytest.approx(want[0].score, abs=1e-5)
        found += len({h.id for h in got} & {h.id for h in want})
    assert found / (10 * len(probes)) >= 0.95


def test_removed_and_overwritten_vectors_are_searched_as_they_are_now(vectors: np.ndarray) -> None:
    index = HnswIndex(384)
    index.add([str(i) for i in range(100)], vectors[:100])
    index.remove(["7", "not-an-id", "100000"])
    index.add(["3"], vectors[500:501])
    assert len(index) == 99
    assert "7" not in {h.id for h in index.search(vectors[7], 10)}
    assert index.search(vectors[500], 1)[0].id == "3"


def test_bad_queries_are_refused(vectors: np.ndarray) -> None:
    index = HnswIndex(384)
    index.add(["1"], vectors[:1])
    with pytest.raises(ValueError, match="dimension"):
        index.search(np.ones(10), 3)
    with pytest.raises(ValueError, match="filter"):
        index.search(vectors[0], 3, where={"document": 1})
    with pytest.raises(ValueError, match="dimension"):
        index.add(["2"], np.ones((1, 10)))


def store(collection: KnowledgeCollection, rows: np.ndarray, title: str = "doc") -> Any:
    texts = [f"{title} chunk {i}" for i in range(len(rows))]
    return services.document_store_embedded(
        collection=collection, title=title, texts=texts, vectors=rows
    )


def search(collection: KnowledgeCollection, vector: np.ndarray, k: int = 5) -> list[dict[str, Any]]:
    return selectors.knowledge_search_vector(collection_ids=[collection.pk], vector=vector, k=k)


def current_index(collection: KnowledgeCollection) -> Any:
    collection.refresh_from_db()
    return matrix.collection_index(collection.pk, collection.revision)


@pytest.mark.django_db
def test_a_collection_switches_to_hnsw_at_the_threshold_and_back(
    settings: Any, collection: KnowledgeCollection, vectors: np.ndarray
) -> None:
    settings.AXWEB_KNOWLEDGE_ANN_MIN_CHUNKS = 150
    first = store(collection, vectors[:100], "first")
    assert isinstance(current_index(collection), HalfPrecisionIndex)
    store(collection, vectors[100:200], "second")
    assert isinstance(current_index(collection), HnswIndex)
    assert search(collection, vectors[150], 1)[0]["title"] == "second"
    services.document_delete(document=first)
    assert isinstance(current_index(collection), HalfPrecisionIndex)
    assert len(current_index(collection)) == 100


@pytest.mark.django_db
def test_deleted_documents_disappear_from_approximate_results(
    settings: Any, collection: KnowledgeCollection, vectors: np.ndarray
) -> None:
    settings.AXWEB_KNOWLEDGE_ANN_MIN_CHUNKS = 1
    kept, dropped = (
        store(collection, vectors[:300], "kept"),
        store(collection, vectors[300:600], "dropped"),
    )
    assert search(collection, vectors[400])[0]["document"] == dropped.pk
    services.document_delete(document=dropped)
    results = search(collection, vectors[400], 10)
    assert results and {r["document"] for r in results} == {kept.pk}


@pytest.mark.django_db
def test_a_restarted_process_loads_the_saved_graph_and_applies_later_changes(
    settings: Any, collection: KnowledgeCollection, vectors: np.ndarray
) -> None:
    settings.AXWEB_KNOWLEDGE_ANN_MIN_CHUNKS = 1
    store(collection, vectors[:400], "one")
    before = search(collection, vectors[10], 5)
    path = matrix.index_path(collection.pk)
    saved = HnswIndex.load(path)
    assert saved is not None and len(saved) == 400

    matrix.cache_clear()  # a new process: nothing in memory, the file on disk
    assert search(collection, vectors[10], 5) == before
    two = store(collection, vectors[400:500], "two")  # written while nothing was cached
    matrix.cache_clear()
    assert search(collection, vectors[450], 1)[0]["document"] == two.pk
    assert len(HnswIndex.load(path) or []) == 500


@pytest.mark.django_db
def test_a_torn_index_file_is_rebuilt_from_the_stored_vectors(
    settings: Any, collection: KnowledgeCollection, vectors: np.ndarray
) -> None:
    settings.AXWEB_KNOWLEDGE_ANN_MIN_CHUNKS = 1
    store(collection, vectors[:200])
    search(collection, vectors[0])  # builds and saves the graph
    path = matrix.index_path(collection.pk)
    path.write_bytes(b"not a graph")
    matrix.cache_clear()
    assert search(collection, vectors[20], 1)[0]["chunk"] == 20


@pytest.mark.django_db
def test_pre_embedded_chunks_of_the_wrong_shape_are_refused(
    collection: KnowledgeCollection,
) -> None:
    with pytest.raises(ValueError, match="dimension 384"):
        services.document_store_embedded(
            collection=collection, title="bad", texts=["a", "b"], vectors=np.ones((2, 10))
        )
    assert not collection.documents.exists()


@pytest.mark.django_db
def test_the_writer_saves_the_graph_when_its_import_commits(
    settings: Any,
    collection: KnowledgeCollection,
    vectors: np.ndarray,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.AXWEB_KNOWLEDGE_ANN_MIN_CHUNKS = 1
    with django_capture_on_commit_callbacks(execute=True):
        store(collection, vectors[:150])
    saved = HnswIndex.load(matrix.index_path(collection.pk))
    assert saved is not None and len(saved) == 150


@pytest.mark.django_db
def test_a_graph_read_in_several_batches_holds_every_stored_chunk(
    settings: Any, collection: KnowledgeCollection, vectors: np.ndarray, monkeypatch: Any
) -> None:
    settings.AXWEB_KNOWLEDGE_ANN_MIN_CHUNKS = 1
    monkeypatch.setattr(matrix, "FETCH_BATCH", 64)  # 250 chunks: four batches
    store(collection, vectors[:250])
    assert len(current_index(collection)) == 250
    assert search(collection, vectors[249], 1)[0]["chunk"] == 249


def test_a_built_graph_can_be_searched_wider(vectors: np.ndarray) -> None:
    index = HnswIndex(384, expansion_search=32)
    index.add([str(i) for i in range(500)], vectors[:500])
    index.expansion_search = 512
    assert index.expansion_search == 512
    assert index.search(vectors[42], 1)[0].id == "42"
