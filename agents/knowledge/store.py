"""An in-memory knowledge store: chunk, embed, index, search (tests and single process).

The database-backed store does the same with rows instead of lists; the result shape
``{"text", "score", "document", "chunk", "heading"}`` is what ``knowledge_search`` returns.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from agents.memory.chunking import DEFAULT_OVERLAP, DEFAULT_SIZE, Chunk, chunk_document
from agents.memory.index import ExactIndex, VectorIndex


class Encoder(Protocol):
    def embed(self, texts: list[str]) -> np.ndarray: ...


class KnowledgeStore:
    """Documents -> chunks -> vectors in a VectorIndex; semantic top-k search."""

    def __init__(
        self,
        encoder: Encoder,
        index: VectorIndex | None = None,
        *,
        chunk_size: int = DEFAULT_SIZE,
        overlap: int = DEFAULT_OVERLAP,
    ) -> None:
        self.encoder = encoder
        self.index: VectorIndex = index if index is not None else ExactIndex()  # empty is falsy
        self.chunk_size, self.overlap = chunk_size, overlap
        self.chunks: dict[str, Chunk] = {}
        self.documents: dict[str, list[str]] = {}

    def add_document(
        self, document: str, text: str, *, collection: str = "default", markdown: bool | None = None
    ) -> list[Chunk]:
        """(Re)index ``document``: its previous chunks are replaced."""
        self.remove_document(document)
        chunks = chunk_document(text, markdown=markdown, size=self.chunk_size, overlap=self.overlap)
        if not chunks:
            return []
        ids = [f"{document}#{c.index}" for c in chunks]
        vectors = self.encoder.embed([c.for_embedding() for c in chunks])
        meta = [{"document": document, "chunk": c.index, "collection": collection} for c in chunks]
        self.index.add(ids, vectors, meta)
        self.chunks.update(zip(ids, chunks, strict=True))
        self.documents[document] = ids
        return chunks

    def remove_document(self, document: str) -> None:
        ids = self.documents.pop(document, [])
        self.index.remove(ids)
        for id_ in ids:
            self.chunks.pop(id_, None)

    def search(self, query: str, k: int = 5, collection: str | None = None) -> list[dict[str, Any]]:
        vector = self.encoder.embed([query])[0]
        where = {"collection": collection} if collection else None
        return [
            {
                "text": self.chunks[h.id].text,
                "score": round(h.score, 6),
                "document": h.metadata["document"],
                "chunk": h.metadata["chunk"],
                "heading": self.chunks[h.id].heading,
            }
            for h in self.index.search(vector, k, where)
        ]
