"""Reads of the knowledge store: owned collections and semantic top-k search.

``knowledge_search_for`` is the door other apps use (the run context, so the
``knowledge_search`` tool); the rest serves this app's views and services.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from django.db.models import Count, QuerySet

from agents.knowledge.matrix import collection_index
from agents.knowledge.models import KnowledgeChunk, KnowledgeCollection, KnowledgeDocument
from agents.knowledge.pgvector import pg_search, pgvector_enabled
from agents.memory.embeddings import shared_embedder
from agents.memory.index import Hit
from axweb.ownership import owned

MAX_K = 50


class CollectionNotFound(LookupError):
    """No collection of that name (or id) belongs to the user."""


def collection_list(*, user: Any) -> QuerySet[KnowledgeCollection]:
    queryset = KnowledgeCollection.objects.annotate(document_count=Count("documents")).order_by(
        "name", "id"
    )
    return owned(queryset, user)


def document_list(*, collection: KnowledgeCollection) -> QuerySet[KnowledgeDocument]:
    return collection.documents.all()


def query_embedding(query: str, dtype: str = "auto") -> np.ndarray:
    return shared_embedder(dtype).embed_one(query)


def _top_hits(collection_ids: Sequence[int], vector: np.ndarray, k: int) -> list[Hit]:
    if pgvector_enabled():
        return pg_search(collection_ids, vector, k)
    revisions = dict(
        KnowledgeCollection.objects.filter(pk__in=collection_ids).values_list("id", "revision")
    )
    hits: list[Hit] = []
    for collection_id, revision in revisions.items():
        hits.extend(collection_index(collection_id, revision).search(vector, k))
    hits.sort(key=lambda hit: -hit.score)
    return hits[:k]


def knowledge_search_vector(
    *, collection_ids: Sequence[int], vector: np.ndarray, k: int = 5
) -> list[dict[str, Any]]:
    """Exact cosine top-k over the chunks of the collections, best first."""
    hits = _top_hits(collection_ids, vector, k)
    chunks = KnowledgeChunk.objects.select_related("document").in_bulk(
        [int(hit.id) for hit in hits]
    )
    results = []
    for hit in hits:
        chunk = chunks.get(int(hit.id))
        if chunk is None:  # deleted after the matrix was cached
            continue
        results.append(
            {
                "document": chunk.document_id,
                "chunk": chunk.index,
                "score": round(hit.score, 6),
                "text": chunk.text,
                "title": chunk.document.title,
                "heading": chunk.heading,
            }
        )
    return results


def knowledge_search(
    *, collections: Sequence[KnowledgeCollection], query: str, k: int = 5
) -> list[dict[str, Any]]:
    """Embed ``query`` with all-MiniLM-L6-v2 and search the collections: once per
    ``embedding_dtype`` among them, so each collection is searched with a query vector
    embedded the way its chunks were."""
    by_dtype: dict[str, list[int]] = {}
    for collection in collections:
        by_dtype.setdefault(collection.embedding_dtype, []).append(collection.pk)
    results: list[dict[str, Any]] = []
    for dtype, ids in sorted(by_dtype.items()):
        vector = query_embedding(query, dtype)
        results += knowledge_search_vector(collection_ids=ids, vector=vector, k=k)
    results.sort(key=lambda hit: -hit["score"])
    return results[:k]


def collections_for_owner(*, owner_id: int, collection: str | None) -> list[KnowledgeCollection]:
    """The owner's collections; ``collection`` narrows to one by name (or numeric id)."""
    queryset = KnowledgeCollection.objects.filter(owner_id=owner_id)
    if collection is None or collection == "":
        return list(queryset)
    by_name = list(queryset.filter(name=collection))
    if not by_name and collection.isdigit():
        by_name = list(queryset.filter(pk=int(collection)))
    if not by_name:
        raise CollectionNotFound(f"no knowledge collection named {collection!r}")
    return by_name


def knowledge_search_for(
    owner_id: int, query: str, k: int, collection: str | None
) -> list[dict[str, Any]]:
    """Top-``k`` chunks of the owner's collections (one, by name or id, if given).

    Sync (the run context calls it through sync_to_async). Returns ``[{document, chunk,
    score, text, title, heading}]`` best first; raises ``CollectionNotFound`` (a
    LookupError) for a collection the owner does not have.
    """
    collections = collections_for_owner(owner_id=owner_id, collection=collection)
    return knowledge_search(collections=collections, query=query, k=max(1, min(k, MAX_K)))
