"""In-process cache of each collection's chunk matrix, keyed by the collection revision.

Every search reads the collection's ``revision`` from the database (one indexed row);
the cached :class:`~agents.memory.index.ExactIndex` is reused while the revision is
unchanged and rebuilt from the chunk rows when it moved. So a document imported by the
worker process is seen by the web process on its next search, without messaging.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from agents.knowledge.models import KnowledgeChunk
from agents.memory.embeddings import DIMENSION
from agents.memory.index import ExactIndex

MAX_COLLECTIONS = 32


@dataclass(frozen=True)
class CachedIndex:
    revision: int
    index: ExactIndex


_cache: OrderedDict[int, CachedIndex] = OrderedDict()
_lock = threading.Lock()


def vector_to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").reshape(-1).tobytes()


def bytes_to_matrix(blobs: list[bytes | memoryview]) -> np.ndarray:
    """Stack float32 blobs into an ``(n, 384)`` matrix."""
    if not blobs:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    joined = b"".join(bytes(b) if isinstance(b, memoryview) else b for b in blobs)
    return np.frombuffer(joined, dtype="<f4").reshape(len(blobs), DIMENSION)


def index_load(collection_id: int) -> ExactIndex:
    """Build an ExactIndex over every chunk of the collection (ids are chunk pks)."""
    rows = list(KnowledgeChunk.objects.filter(collection_id=collection_id)
                .order_by("id").values_list("id", "embedding"))
    index = ExactIndex(DIMENSION)
    if rows:
        index.add([str(pk) for pk, _ in rows], bytes_to_matrix([blob for _, blob in rows]))
    return index


def collection_index(collection_id: int, revision: int) -> ExactIndex:
    """The collection's index at ``revision``: cached, or loaded and cached (LRU)."""
    with _lock:
        cached = _cache.get(collection_id)
        if cached is not None and cached.revision == revision:
            _cache.move_to_end(collection_id)
            return cached.index
    index = index_load(collection_id)
    with _lock:
        _cache[collection_id] = CachedIndex(revision, index)
        _cache.move_to_end(collection_id)
        while len(_cache) > MAX_COLLECTIONS:
            _cache.popitem(last=False)
    return index


def collection_forget(collection_id: int) -> None:
    with _lock:
        _cache.pop(collection_id, None)


def cache_clear() -> None:
    with _lock:
        _cache.clear()
