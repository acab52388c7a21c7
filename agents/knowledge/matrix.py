"""In-process cache of each collection's chunk index, keyed by the collection revision.

Every search reads the collection's ``revision`` from the database (one indexed row).
The cached index is reused while the revision is unchanged; when it moved, only the chunk
ids are read, vectors of new chunks are fetched and removed ones dropped. A document
imported by the worker process is so seen by the web process on its next search, without
messaging.

Two kinds of index, chosen by the collection's size:

* below ``AXWEB_KNOWLEDGE_ANN_MIN_CHUNKS`` chunks, a
  :class:`~agents.knowledge.fastindex.HalfPrecisionIndex` (exact; updated into a copy that
  then replaces the cached one, so searches in flight keep a consistent index);
* from there on, an :class:`~agents.knowledge.hnsw.HnswIndex` (approximate, updated in
  place), saved under ``AXWEB_KNOWLEDGE_INDEX_DIR`` after every change: another process,
  or a restarted one, loads the file and only applies the chunks added or removed since.
  The file is named after the database, the collection id and its creation time, so a
  reused id never picks up another collection's graph; a missing or unreadable file is
  rebuilt from the stored vectors.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection

from agents.knowledge.fastindex import HalfPrecisionIndex
from agents.knowledge.hnsw import HnswIndex
from agents.knowledge.models import KnowledgeChunk, KnowledgeCollection
from agents.memory.embeddings import DIMENSION, default_threads

MAX_COLLECTIONS = 32
FETCH_BATCH = 20_000

CollectionIndex = HalfPrecisionIndex | HnswIndex


@dataclass(frozen=True)
class CachedIndex:
    revision: int
    index: CollectionIndex


_cache: OrderedDict[int, CachedIndex] = OrderedDict()
_lock = threading.Lock()
_loading: dict[int, threading.Lock] = {}


def vector_to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").reshape(-1).tobytes()


def bytes_to_matrix(blobs: list[bytes | memoryview]) -> np.ndarray:
    """Stack float32 blobs into an ``(n, 384)`` matrix."""
    if not blobs:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    joined = b"".join(bytes(b) if isinstance(b, memoryview) else b for b in blobs)
    return np.frombuffer(joined, dtype="<f4").reshape(len(blobs), DIMENSION)


def ann_min_chunks() -> int:
    return int(settings.AXWEB_KNOWLEDGE_ANN_MIN_CHUNKS)


def index_path(collection_id: int) -> Path:
    """Where the collection's HNSW graph is saved (one folder per database)."""
    database = connection.settings_dict
    where = f"{connection.vendor}:{database.get('HOST', '')}:{database['NAME']}"
    folder = (
        Path(settings.AXWEB_KNOWLEDGE_INDEX_DIR) / hashlib.sha1(where.encode()).hexdigest()[:12]
    )
    created = KnowledgeCollection.objects.filter(pk=collection_id).values_list(
        "created_at", flat=True
    )
    stamp = int(created[0].timestamp() * 1_000_000) if created else 0
    return folder / f"collection-{collection_id}-{stamp}.usearch"


def _new_index(size: int, base: CollectionIndex | None, collection_id: int) -> CollectionIndex:
    """The index to update: ``base`` if it is of the kind ``size`` asks for, else a new one."""
    if size < ann_min_chunks():
        if isinstance(base, HalfPrecisionIndex):
            return base.copy()
        return HalfPrecisionIndex(DIMENSION)
    if isinstance(base, HnswIndex):
        return base
    options = {
        "expansion_search": settings.AXWEB_KNOWLEDGE_ANN_EF,
        "threads": default_threads(),
    }
    loaded = HnswIndex.load(index_path(collection_id), DIMENSION, **options)
    return loaded if loaded is not None else HnswIndex(DIMENSION, **options)


def _vectors(collection_id: int, ids: set[int]) -> Iterator[tuple[list[int], np.ndarray]]:
    """The stored vectors of these chunks, in id order, one batch at a time: the caller adds
    each to its index, so a million chunks never sit in memory twice over."""
    wanted = sorted(ids)
    for start in range(0, len(wanted), FETCH_BATCH):
        batch = wanted[start : start + FETCH_BATCH]
        rows = (
            KnowledgeChunk.objects.filter(
                collection_id=collection_id, id__range=(batch[0], batch[-1])
            )
            .order_by("id")
            .values_list("id", "embedding")
        )
        keep = set(batch)
        picked = [(pk, blob) for pk, blob in rows if pk in keep]
        if picked:
            yield [pk for pk, _ in picked], bytes_to_matrix([blob for _, blob in picked])


def index_refresh(collection_id: int, base: CollectionIndex | None) -> CollectionIndex:
    """``base`` (or a new or saved index) brought up to the collection's current chunks."""
    current = set(
        KnowledgeChunk.objects.filter(collection_id=collection_id).values_list("id", flat=True)
    )
    index = _new_index(len(current), base, collection_id)
    known = {int(i) for i in index.ids()}
    changed = False
    if gone := known - current:
        index.remove([str(i) for i in gone])
        changed = True
    if new := current - known:
        for ids, vectors in _vectors(collection_id, new):
            index.add([str(pk) for pk in ids], vectors)
        changed = True
    if isinstance(index, HnswIndex):
        if changed:
            index.save(index_path(collection_id))
    else:
        index.prepare()
    return index


def collection_index(collection_id: int, revision: int) -> CollectionIndex:
    """The collection's index at ``revision``: cached, or refreshed and cached (LRU)."""
    with _lock:
        cached = _cache.get(collection_id)
        if cached is not None and cached.revision == revision:
            _cache.move_to_end(collection_id)
            return cached.index
        loading = _loading.setdefault(collection_id, threading.Lock())
    with loading:  # one refresh per collection at a time; others wait and reuse it
        with _lock:
            cached = _cache.get(collection_id)
        if cached is not None and cached.revision == revision:
            return cached.index
        index = index_refresh(collection_id, cached.index if cached else None)
        with _lock:
            _cache[collection_id] = CachedIndex(revision, index)
            _cache.move_to_end(collection_id)
            while len(_cache) > MAX_COLLECTIONS:
                _loading.pop(_cache.popitem(last=False)[0], None)
    return index


def index_sync(collection_id: int) -> None:
    """After a write: bring a large collection's HNSW graph up to date and save it now, so
    the writer (the import worker) pays for the graph, not the next search."""
    row = KnowledgeCollection.objects.filter(pk=collection_id).values_list("revision", flat=True)
    if not row:
        return collection_forget(collection_id)
    with _lock:
        cached = _cache.get(collection_id)
    if isinstance(cached.index if cached else None, HnswIndex) or (
        KnowledgeChunk.objects.filter(collection_id=collection_id).count() >= ann_min_chunks()
    ):
        collection_index(collection_id, row[0])


def collection_forget(collection_id: int) -> None:
    with _lock:
        _cache.pop(collection_id, None)


def cache_clear() -> None:
    with _lock:
        _cache.clear()
