"""Vector search: the ``VectorIndex`` interface and an exact in-memory implementation.

Vectors are float32 and L2-normalised, so the inner product is cosine similarity.
``ExactIndex`` keeps one contiguous ``(n, d)`` matrix and answers with a single
matrix-vector product plus ``argpartition`` (exact top-k; recall is 1.0 by
construction). The database-backed index (and pgvector later) implements the same
protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np


@dataclass(frozen=True)
class Hit:
    id: str
    score: float
    metadata: dict[str, Any] = field(default_factory=dict)


class VectorIndex(Protocol):
    """Contract for vector stores.

    * ``add`` stores (or overwrites) vectors by id; vectors must have ``dimension``
      columns (ValueError otherwise).
    * ``search`` returns at most ``k`` hits, best (highest cosine) first, ties in insertion order;
      ``where`` filters on exact metadata equality.
    * ``remove`` ignores unknown ids; ``__len__`` counts stored vectors.
    """

    dimension: int

    def add(
        self,
        ids: Sequence[str],
        vectors: np.ndarray,
        metadata: Sequence[dict[str, Any]] | None = None,
    ) -> None: ...

    def remove(self, ids: Sequence[str]) -> None: ...

    def search(
        self, query: np.ndarray, k: int = 5, where: dict[str, Any] | None = None
    ) -> list[Hit]: ...

    def __len__(self) -> int: ...


def normalize(vectors: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation (zero rows stay zero), as float32."""
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def unit_rows(ids: Sequence[str], vectors: np.ndarray, dimension: int) -> np.ndarray:
    """`vectors` as unit rows, one per id, each of `dimension` (ValueError otherwise)."""
    matrix = normalize(np.atleast_2d(vectors))
    if matrix.shape != (len(ids), dimension):
        raise ValueError(
            f"expected {len(ids)} vectors of dimension {dimension}, got shape {matrix.shape}"
        )
    return matrix


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the ``k`` largest scores, largest first."""
    k = min(k, scores.shape[0])
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    n = scores.shape[0]
    part = np.argpartition(scores, n - k)[n - k :] if k < n else np.arange(k)
    return part[np.lexsort((part, -scores[part]))]  # best first; ties by position


class ExactIndex:
    """Exact cosine top-k over a float32 matrix held in memory."""

    def __init__(self, dimension: int = 384) -> None:
        self.dimension = dimension
        self._matrix = np.zeros((0, dimension), dtype=np.float32)
        self._ids: list[str] = []
        self._metadata: list[dict[str, Any]] = []
        self._position: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def add(
        self,
        ids: Sequence[str],
        vectors: np.ndarray,
        metadata: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        matrix = unit_rows(ids, vectors, self.dimension)
        metas = list(metadata) if metadata is not None else [{} for _ in ids]
        self.remove([i for i in ids if i in self._position])
        start = len(self._ids)
        self._matrix = np.concatenate([self._matrix, matrix])
        self._ids.extend(ids)
        self._metadata.extend(dict(m) for m in metas)
        self._position.update({id_: start + n for n, id_ in enumerate(ids)})

    def remove(self, ids: Sequence[str]) -> None:
        drop = {self._position[i] for i in ids if i in self._position}
        if not drop:
            return
        keep = [n for n in range(len(self._ids)) if n not in drop]
        self._matrix = self._matrix[keep]
        self._ids = [self._ids[n] for n in keep]
        self._metadata = [self._metadata[n] for n in keep]
        self._position = {id_: n for n, id_ in enumerate(self._ids)}

    def search(
        self, query: np.ndarray, k: int = 5, where: dict[str, Any] | None = None
    ) -> list[Hit]:
        vector = normalize(np.asarray(query).reshape(-1))
        if vector.shape[0] != self.dimension:
            raise ValueError(f"query has dimension {vector.shape[0]}, expected {self.dimension}")
        scores = self._matrix @ vector
        if where:
            mask = np.array(
                [all(m.get(f) == v for f, v in where.items()) for m in self._metadata], dtype=bool
            )
            scores = np.where(mask, scores, -np.inf)
        hits = [
            Hit(self._ids[n], float(scores[n]), dict(self._metadata[n]))
            for n in top_k(scores, k)
            if np.isfinite(scores[n])
        ]
        return hits
