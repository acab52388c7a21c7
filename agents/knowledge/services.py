"""Writes to the knowledge store: collections, document import (chunk + embed), deletes.

Every change to a collection's chunks bumps ``KnowledgeCollection.revision`` in the same
transaction; searches compare it with their cached matrix (see ``matrix.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import F

from agents.knowledge.matrix import collection_forget, index_sync, vector_to_bytes
from agents.knowledge.models import KnowledgeChunk, KnowledgeCollection, KnowledgeDocument
from agents.knowledge.pgvector import pg_store, pgvector_enabled
from agents.memory.chunking import Chunk, chunk_document
from agents.memory.embeddings import resolve_dtype, shared_embedder

log = logging.getLogger(__name__)

INLINE_LIMIT = 20_000  # characters; longer documents are imported by the lab worker
CHUNK_SIZE = 500  # ~115 tokens: all-MiniLM-L6-v2 was trained on <= 128-token inputs
CHUNK_OVERLAP = 80
EMBED_BATCH = 32

Encode = Callable[[list[str]], np.ndarray]
Status = KnowledgeDocument.Status


def collection_create(*, owner: Any, name: str, description: str = "") -> KnowledgeCollection:
    """A new collection, embedded (and searched) with this CPU's fastest faithful dtype."""
    return KnowledgeCollection.objects.create(
        owner=owner, name=name, description=description, embedding_dtype=resolve_dtype("auto")
    )


def collection_update(*, collection: KnowledgeCollection, **fields: Any) -> KnowledgeCollection:
    for name in ("name", "description"):
        if name in fields:
            setattr(collection, name, fields[name])
    collection.save(update_fields=[n for n in ("name", "description") if n in fields])
    return collection


def collection_delete(*, collection: KnowledgeCollection) -> None:
    collection_id = collection.pk
    collection.delete()
    collection_forget(collection_id)


def _bump(collection_id: int) -> None:
    KnowledgeCollection.objects.filter(pk=collection_id).update(revision=F("revision") + 1)


def document_create(
    *,
    collection: KnowledgeCollection,
    title: str,
    text: str,
    format: str = KnowledgeDocument.Format.TEXT,
) -> KnowledgeDocument:
    """Store the document; import it now if small, else queue it for the lab worker."""
    document = KnowledgeDocument.objects.create(
        collection=collection, title=title, source=text, format=format
    )
    if len(text) <= INLINE_LIMIT:
        return document_import(document_id=document.pk)
    from agents.knowledge.tasks import document_import_task

    transaction.on_commit(lambda: document_import_task.delay(document.pk))
    return document


def document_delete(*, document: KnowledgeDocument) -> None:
    with transaction.atomic():
        collection_id = document.collection_id
        document.delete()
        _bump(collection_id)
        transaction.on_commit(lambda: index_sync(collection_id))


def _set_progress(document_id: int, **fields: Any) -> None:
    KnowledgeDocument.objects.filter(pk=document_id).update(**fields)


def _embed(document_id: int, chunks: list[Chunk], encode: Encode) -> np.ndarray:
    """Embed in batches, storing progress (0..0.95) on the document after each batch."""
    parts = []
    for start in range(0, len(chunks), EMBED_BATCH):
        batch = chunks[start : start + EMBED_BATCH]
        parts.append(encode([c.for_embedding() for c in batch]))
        done = start + len(batch)
        _set_progress(document_id, progress=round(0.95 * done / len(chunks), 4))
    return np.concatenate(parts) if parts else np.zeros((0, 384), dtype=np.float32)


def _store(document: KnowledgeDocument, chunks: list[Chunk], vectors: np.ndarray) -> bool:
    """Replace the document's chunks; False when the document was deleted meanwhile."""
    with transaction.atomic():
        if not KnowledgeDocument.objects.select_for_update().filter(pk=document.pk).exists():
            return False
        document.chunks.all().delete()
        rows = KnowledgeChunk.objects.bulk_create(
            [
                KnowledgeChunk(
                    document=document,
                    collection_id=document.collection_id,
                    index=c.index,
                    text=c.text,
                    heading=c.heading[:500],
                    start=c.start,
                    end=c.end,
                    embedding=vector_to_bytes(v),
                )
                for c, v in zip(chunks, vectors, strict=True)
            ],
            batch_size=500,
        )
        if pgvector_enabled():
            pg_store([row.pk for row in rows], vectors)
        _set_progress(
            document.pk, status=Status.READY, progress=1.0, error="", chunk_count=len(chunks)
        )
        _bump(document.collection_id)
        collection_id = document.collection_id
        transaction.on_commit(lambda: index_sync(collection_id))
    return True


def document_store_embedded(
    *, collection: KnowledgeCollection, title: str, texts: list[str], vectors: np.ndarray
) -> KnowledgeDocument:
    """A ready document whose chunks come already embedded (one chunk per text, in order).

    For bulk loads from another store: nothing is chunked or embedded here. The vectors
    must be ``(len(texts), 384)``; they are stored L2-normalised.
    """
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.shape != (len(texts), 384):
        raise ValueError(f"expected {len(texts)} vectors of dimension 384, got {matrix.shape}")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix = (matrix / np.where(norms == 0, 1, norms)).astype(np.float32)
    chunks, offset = [], 0
    for index, text in enumerate(texts):
        chunks.append(Chunk(text=text, start=offset, end=offset + len(text), index=index))
        offset += len(text) + 2
    with transaction.atomic():
        document = KnowledgeDocument.objects.create(
            collection=collection, title=title, source="\n\n".join(texts)
        )
        _store(document, chunks, matrix)
    document.refresh_from_db()
    return document


def document_import(*, document_id: int, encode: Encode | None = None) -> KnowledgeDocument:
    """Chunk and embed the document's text; status ends ``ready`` or ``failed`` (with error)."""
    document = KnowledgeDocument.objects.select_related("collection").get(pk=document_id)
    _set_progress(document_id, status=Status.IMPORTING, progress=0.0, error="")
    try:
        chunks = chunk_document(
            document.source,
            markdown=document.format == KnowledgeDocument.Format.MARKDOWN,
            size=CHUNK_SIZE,
            overlap=CHUNK_OVERLAP,
        )
        if encode is None:  # the collection's dtype, whichever CPU this worker has
            encode = shared_embedder(document.collection.embedding_dtype).embed
        vectors = _embed(document_id, chunks, encode)
        _store(document, chunks, vectors)
    except Exception as exc:
        log.exception("importing knowledge document %s failed", document_id)
        _set_progress(document_id, status=Status.FAILED, error=f"{type(exc).__name__}: {exc}")
    try:
        document.refresh_from_db()
    except KnowledgeDocument.DoesNotExist:  # deleted while importing: nothing was stored
        pass
    return document


def collection_seed(
    *, owner: Any, name: str, description: str, documents: list[tuple[str, str]]
) -> bool:
    """Give `owner` the collection `name` with these (title, markdown) documents unless they
    have a collection of that name already; True when it was created."""
    if KnowledgeCollection.objects.filter(owner=owner, name=name).exists():
        return False
    collection = collection_create(owner=owner, name=name, description=description)
    for title, text in documents:
        document_create(
            collection=collection, title=title, text=text, format=KnowledgeDocument.Format.MARKDOWN
        )
    return True
