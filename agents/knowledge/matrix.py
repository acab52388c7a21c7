"""In-process cache of each collection's chunk index, keyed by the collection revision.

Every search reads the collection's ``revision`` from the database (one indexed row).
The cached :class:`~agents.knowledge.fastindex.HalfPrecisionIndex` is reused while the
revision is unchanged; when it moved, only the chunk ids are read, vectors of new chunks
are fetched and removed ones dropped, into a copy that then replaces the cached index
(searches in flight keep a consistent one). A document imported by the worker process
is so seen by the web process on its next search, without messaging.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from agents.knowledge.fastindex import HalfPrecisionIndex
from agents.knowledge.models import KnowledgeChunk
from agents.memory.embeddings import DIMENSION

MAX_COLLECTIONS = 32


@dataclass(frozen=True)
class CachedIndex:
    revision: int
    index: HalfPrecisionIndex


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


def index_refresh(collection_id: int, base: HalfPrecisionIndex | None) -> HalfPrecisionIndex:
    """``base`` (or an empty index) brought up to the collection's current chunks."""
    index = base.copy() if base is not None else HalfPrecisionIndex(DIMENSION)
    chunks = KnowledgeChunk.objects.filter(collection_id=collection_id)
    current = set(chunks.values_list("id", flat=True))
    known = {int(i) for i in index.ids()}
    if gone := known - current:
        index.remove([str(i) for i in gone])
    if new := current - known:
        rows = [
            (pk, blob)
            for pk, blob in chunks.filter(id__gte=min(new))
            .order_by("id")
            .values_list("id", "embedding")
            if pk in new
        ]
        index.add([str(pk) for pk, _ in rows], bytes_to_matrix([blob for _, blob in rows]))
    index.prepare()
    return index


def collection_index(collection_id: int, revision: int) -> HalfPrecisionIndex:
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


def collection_forget(collection_id: int) -> None:
    with _lock:
        _cache.pop(collection_id, None)


def cache_clear() -> None:
    with _lock:
        _cache.clear()
