"""An approximate VectorIndex for large collections: usearch's HNSW graph, saved to disk.

``HnswIndex`` keeps float32 unit vectors in a usearch ``Index`` (inner product = cosine)
keyed by integer chunk ids. Inserts and removals change the graph in place (usearch
allows concurrent search and insert; a lock still orders our own writes), ``save`` writes
it atomically (temp file + rename) so another process, or this one after a restart,
``load``s it instead of rebuilding. Recall is below 1.0 by design; ``bench_memory
--scale`` measures it against exact search. Metadata filters (``where``) are not
supported: the collection indexes never filter.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agents.memory.index import Hit, normalize, unit_rows

CONNECTIVITY = 32  # graph degree (HNSW "M"); 16 lost recall on dense topics (docs/performance.md)
EXPANSION_ADD = 128  # candidate list while inserting ("efConstruction")
EXPANSION_SEARCH = 256  # candidate list while searching ("ef"); at least k is used

log = logging.getLogger(__name__)


def usearch_version() -> str:
    import usearch

    return str(usearch.__version__)


class HnswIndex:
    """Implements ``agents.memory.index.VectorIndex`` approximately; ids are integers as str."""

    def __init__(
        self,
        dimension: int = 384,
        *,
        expansion_search: int = EXPANSION_SEARCH,
        threads: int = 1,
        _index: Any = None,
    ) -> None:
        from usearch.index import Index

        self.dimension, self.threads = dimension, max(1, threads)
        self._index = _index or Index(
            ndim=dimension,
            metric="ip",
            dtype="f32",
            connectivity=CONNECTIVITY,
            expansion_add=EXPANSION_ADD,
            expansion_search=expansion_search,
        )
        self._index.expansion_search = expansion_search  # type: ignore[misc]  # a setter exists
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path, dimension: int = 384, **options: Any) -> HnswIndex | None:
        """The index saved at ``path``; None when missing, unreadable or of another shape."""
        from usearch.index import Index

        if not path.exists():
            return None
        try:
            index = Index.restore(str(path))
        except Exception as exc:  # a torn or foreign file: the caller rebuilds
            log.warning("HNSW index %s is unreadable (%s); it will be rebuilt", path, exc)
            return None
        if index is None or index.ndim != dimension:
            log.warning("HNSW index %s is not of dimension %d; it will be rebuilt", path, dimension)
            return None
        return cls(dimension, _index=index, **options)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        with self._lock:
            self._index.save(str(partial))
        os.replace(partial, path)

    def __len__(self) -> int:
        return len(self._index)

    @property
    def expansion_search(self) -> int:
        return int(self._index.expansion_search)

    @expansion_search.setter
    def expansion_search(self, value: int) -> None:
        self._index.expansion_search = value  # type: ignore[misc]  # a setter exists

    def ids(self) -> list[str]:
        with self._lock:
            return [str(int(key)) for key in np.asarray(self._index.keys)]

    def add(
        self,
        ids: Sequence[str],
        vectors: np.ndarray,
        metadata: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        matrix = unit_rows(ids, vectors, self.dimension)
        if not len(ids):
            return
        keys = np.array([int(i) for i in ids], dtype=np.uint64)
        with self._lock:
            present = keys[np.asarray(self._index.contains(keys), dtype=bool)]
            if len(present):
                self._index.remove(present)
            self._index.add(keys, matrix, threads=self.threads)

    def remove(self, ids: Sequence[str]) -> None:
        keys = np.array([int(i) for i in ids if str(i).isdigit()], dtype=np.uint64)
        if not len(keys):
            return
        with self._lock:
            present = keys[np.asarray(self._index.contains(keys), dtype=bool)]
            if len(present):
                self._index.remove(present)

    def search(
        self, query: np.ndarray, k: int = 5, where: dict[str, Any] | None = None
    ) -> list[Hit]:
        if where:
            raise ValueError("HnswIndex does not filter on metadata")
        vector = normalize(np.asarray(query).reshape(-1))
        if vector.shape[0] != self.dimension:
            raise ValueError(f"query has dimension {vector.shape[0]}, expected {self.dimension}")
        if k <= 0 or not len(self._index):
            return []
        matches = self._index.search(vector, k)
        return [
            Hit(str(int(key)), float(1.0 - distance))
            for key, distance in zip(matches.keys, matches.distances, strict=True)
        ]
