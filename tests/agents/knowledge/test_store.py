"""KnowledgeStore with a tiny deterministic encoder (the real model is tested separately)."""

from __future__ import annotations

import numpy as np

from agents.knowledge.store import KnowledgeStore
from agents.memory.index import ExactIndex

VOCAB = ["cat", "dog", "tax", "invoice", "python", "sandbox"]


class BagOfWords:
    def embed(self, texts: list[str]) -> np.ndarray:
        rows = [[t.lower().count(word) + 0.01 for word in VOCAB] for t in texts]
        return np.array(rows, dtype=np.float32)


def store() -> KnowledgeStore:
    return KnowledgeStore(BagOfWords(), ExactIndex(len(VOCAB)), chunk_size=60, overlap=0)


def test_search_finds_the_relevant_chunk_with_its_source() -> None:
    ks = store()
    ks.add_document("pets", "The cat chased the dog.\n\nThe dog barked at the cat.")
    ks.add_document("money", "Send the invoice before the tax deadline.", collection="finance")
    hits = ks.search("invoice and tax", k=1)
    assert hits[0]["document"] == "money" and "invoice" in hits[0]["text"]
    assert [h["document"] for h in ks.search("cat", k=5, collection="finance")] == ["money"]


def test_reindexing_a_document_replaces_its_chunks() -> None:
    ks = store()
    ks.add_document("doc", "cat cat cat")
    ks.add_document("doc", "python sandbox")
    assert len(ks.index) == 1
    assert ks.search("cat", k=5)[0]["text"] == "python sandbox"
    ks.remove_document("doc")
    assert ks.search("cat") == []
