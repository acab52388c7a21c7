"""A VectorIndex for large collections: a float16 scan for candidates, float32 rescoring.

Exact search over 100k x 384 float32 vectors reads ~150 MB per query and is bound by
memory bandwidth (~15 ms of one core here, much more when the cores are shared). This
index keeps a float16 copy (half the bytes) that torch multiplies with the query on
one thread, takes the best ``k + candidates`` rows, and rescores only those with the
exact float32 vectors. Scores returned are exact; the top-k can differ from exact
search only when the float16 error (~1e-3) reorders rows around the candidate cut,
which ``bench_memory`` measures as ``recall_at_10``. Below ``fast_min_rows`` (and for
``where`` filters) it searches exactly (float32 ``torch.mv``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from agents.memory.index import Hit, normalize, top_k, unit_rows

FAST_MIN_ROWS = 20_000
CANDIDATES = 64


class HalfPrecisionIndex:
    """Implements ``agents.memory.index.VectorIndex`` (same contract as ExactIndex)."""

    def __init__(
        self,
        dimension: int = 384,
        *,
        fast_min_rows: int = FAST_MIN_ROWS,
        candidates: int = CANDIDATES,
    ) -> None:
        self.dimension, self.fast_min_rows, self.candidates = dimension, fast_min_rows, candidates
        self._matrix = np.zeros((0, dimension), dtype=np.float32)
        self._half: Any = None  # torch float16 copy, built on first fast search
        self._ids: list[str] = []
        self._metadata: list[dict[str, Any]] = []

    def __len__(self) -> int:
        return len(self._ids)

    def add(
        self,
        ids: Sequence[str],
        vectors: np.ndarray,
        metadata: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        matrix = unit_rows(ids, vectors, self.dimension)
        self.remove(ids)
        self._matrix = np.concatenate([self._matrix, matrix]) if len(self._ids) else matrix
        self._ids.extend(ids)
        self._metadata.extend(dict(m) for m in (metadata or [{} for _ in ids]))
        self._half = None

    def remove(self, ids: Sequence[str]) -> None:
        drop = set(ids)
        keep = [n for n, id_ in enumerate(self._ids) if id_ not in drop]
        if len(keep) == len(self._ids):
            return
        self._matrix = self._matrix[keep]
        self._ids = [self._ids[n] for n in keep]
        self._metadata = [self._metadata[n] for n in keep]
        self._half = None

    def ids(self) -> list[str]:
        return list(self._ids)

    def copy(self) -> HalfPrecisionIndex:
        """An independent index sharing the (never mutated in place) arrays."""
        twin = HalfPrecisionIndex(
            self.dimension, fast_min_rows=self.fast_min_rows, candidates=self.candidates
        )
        twin._matrix, twin._half = self._matrix, self._half
        twin._ids, twin._metadata = list(self._ids), list(self._metadata)
        return twin

    def prepare(self) -> None:
        """Build the float16 copy now (else the first fast search pays for it)."""
        if self._half is None and len(self._ids) >= self.fast_min_rows:
            import torch

            self._half = torch.from_numpy(self._matrix).to(torch.float16).contiguous()

    def search(
        self, query: np.ndarray, k: int = 5, where: dict[str, Any] | None = None
    ) -> list[Hit]:
        vector = normalize(np.asarray(query).reshape(-1))
        if vector.shape[0] != self.dimension:
            raise ValueError(f"query has dimension {vector.shape[0]}, expected {self.dimension}")
        if where or len(self._ids) < self.fast_min_rows:
            rows, scores = self._exact(vector, k, where)
        else:
            rows, scores = self._fast(vector, k)
        return [
            Hit(self._ids[n], float(s), dict(self._metadata[n]))
            for n, s in zip(rows, scores, strict=True)
            if np.isfinite(s)
        ]

    def _exact(
        self, vector: np.ndarray, k: int, where: dict[str, Any] | None
    ) -> tuple[np.ndarray, np.ndarray]:
        import torch

        # torch on its one thread: numpy's BLAS spins threads that cost 5x on a busy box
        scores = torch.mv(torch.from_numpy(self._matrix), torch.from_numpy(vector)).numpy()
        if where:
            mask = np.array(
                [all(m.get(f) == v for f, v in where.items()) for m in self._metadata], dtype=bool
            )
            scores = np.where(mask, scores, -np.inf)
        rows = top_k(scores, k)
        return rows, scores[rows]

    def _fast(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        import torch

        self.prepare()
        rough = torch.mv(self._half, torch.from_numpy(vector).to(torch.float16))
        pool = min(k + self.candidates, len(self._ids))
        candidates = torch.topk(rough.float(), pool, sorted=False).indices.numpy()
        exact = self._matrix[candidates] @ vector
        best = top_k(exact, k)
        return candidates[best], exact[best]
