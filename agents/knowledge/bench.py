"""Knowledge-store benchmarks through the real services and database (``bench_memory``).

* ``embed_chunks_per_s``: all-MiniLM-L6-v2 on chunks of the store's size
  (``agents.memory.bench.embed_rate``), ``threads`` embedding workers (one torch thread each).
* ``search_ms_p50_10k`` / ``_100k``: one search through ``knowledge_search_vector`` —
  revision check, cached-index top-10, fetch of the 10 chunk rows — over that many
  stored chunks of random unit vectors; median of ``queries``. ``index_ms_p50_*`` is the
  index search alone, ``search_cpu_ms_p50_*`` the search's CPU time. The first search of
  a collection loads its index (``matrix_load_ms_*``); the query embedding is measured apart
  (``query_embed_ms_p50``).
* ``recall_at_10``: at 100k (the float16 fast path; 10k is searched exactly), the
  service's top-10 against a full float32 sort of all scores; ``recall_at_10_10k`` too.
* ``sandbox_call_ms_p50``: ``tools.bench.sandbox_p50_ms``.
Every row is written inside a transaction that is rolled back.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction

from agents.knowledge import matrix, selectors, services
from agents.knowledge.models import KnowledgeChunk, KnowledgeCollection, KnowledgeDocument
from agents.knowledge.pgvector import pg_store, pgvector_enabled
from agents.memory.bench import embed_rate
from agents.memory.index import normalize


class _Rollback(Exception):
    pass


def _timed_ms(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def _cpu_ms(fn: Callable[[], Any]) -> float:
    """CPU time of this process: less sensitive than wall time to other loads on the box."""
    started = time.process_time()
    fn()
    return (time.process_time() - started) * 1000


def _stock(size: int, dim: int = 384) -> tuple[KnowledgeCollection, np.ndarray]:
    user, _ = get_user_model().objects.get_or_create(username="bench-memory")
    collection = services.collection_create(owner=user, name=f"bench-{size}-{time.time_ns()}")
    document = KnowledgeDocument.objects.create(
        collection=collection, title="bench", source="bench", status="ready"
    )
    vectors = normalize(np.random.default_rng(size).standard_normal((size, dim)))
    rows = KnowledgeChunk.objects.bulk_create(
        [
            KnowledgeChunk(
                document=document,
                collection=collection,
                index=i,
                text=f"chunk {i}",
                embedding=matrix.vector_to_bytes(v),
            )
            for i, v in enumerate(vectors)
        ],
        batch_size=2000,
    )
    if pgvector_enabled():
        pg_store([row.pk for row in rows], vectors)
    KnowledgeCollection.objects.filter(pk=collection.pk).update(revision=1)
    return collection, vectors


def _search_figures(size: int, queries: int, label: str) -> dict[str, Any]:
    collection, vectors = _stock(size)
    probes = normalize(np.random.default_rng(size + 1).standard_normal((queries, 384)))
    ids = [collection.pk]
    load = _timed_ms(
        lambda: selectors.knowledge_search_vector(collection_ids=ids, vector=probes[0], k=10)
    )
    timings = [
        _timed_ms(
            lambda p=p: selectors.knowledge_search_vector(  # type: ignore[misc]
                collection_ids=ids, vector=p, k=10
            )
        )
        for p in probes
    ]
    index = matrix.collection_index(collection.pk, 1)
    core = [_timed_ms(lambda p=p: index.search(p, 10)) for p in probes]  # type: ignore[misc]
    cpu = [
        _cpu_ms(
            lambda p=p: selectors.knowledge_search_vector(  # type: ignore[misc]
                collection_ids=ids, vector=p, k=10
            )
        )
        for p in probes
    ]
    return {
        f"search_ms_p50_{label}": round(statistics.median(timings), 3),
        f"index_ms_p50_{label}": round(statistics.median(core), 3),
        f"search_cpu_ms_p50_{label}": round(statistics.median(cpu), 3),
        f"matrix_load_ms_{label}": round(load, 1),
        f"recall_at_10_{label}": _recall(ids, vectors, probes),
    }


def _recall(ids: list[int], vectors: np.ndarray, probes: np.ndarray) -> float:
    first = KnowledgeChunk.objects.filter(collection_id=ids[0]).order_by("index")[0].document_id
    found = 0
    for probe in probes:
        truth = set(np.argsort(-(vectors @ probe), kind="stable")[:10].tolist())
        hits = selectors.knowledge_search_vector(collection_ids=ids, vector=probe, k=10)
        found += len(truth & {h["chunk"] for h in hits if h["document"] == first})
    return round(found / (len(probes) * 10), 4)


def search_figures(sizes: dict[str, int], queries: int = 50) -> dict[str, Any]:
    figures: dict[str, Any] = {"search_backend": "pgvector" if pgvector_enabled() else "index"}
    try:
        with transaction.atomic():
            for label, size in sizes.items():
                figures |= _search_figures(size, queries, label)
            raise _Rollback
    except _Rollback:
        pass
    finally:
        matrix.cache_clear()
    return figures


def query_embed_ms(queries: int = 20) -> float:
    selectors.query_embedding("warm up")
    timings = [
        _timed_ms(
            lambda i=i: selectors.query_embedding(  # type: ignore[misc]
                f"how do agents share memory {i}?"
            )
        )
        for i in range(queries)
    ]
    return round(statistics.median(timings), 2)


def sandbox_figures(calls: int) -> dict[str, Any]:
    from tools.bench import sandbox_p50_ms
    from tools.sandbox import SandboxUnavailable

    try:
        return asyncio.run(sandbox_p50_ms(calls))
    except SandboxUnavailable as exc:
        return {"sandbox_call_ms_p50": None, "sandbox_unavailable": str(exc)}


def run(*, quick: bool = False, threads: int = 2, sandbox: bool = True) -> dict[str, Any]:
    figures = embed_rate(32 if quick else 128, threads, chunk_chars=services.CHUNK_SIZE)
    figures["query_embed_ms_p50"] = query_embed_ms(5 if quick else 20)
    sizes = {"10k": 10_000, "100k": 100_000}
    figures |= search_figures(sizes, queries=20 if quick else 50)
    figures["recall_at_10"] = figures.pop("recall_at_10_100k")
    if sandbox:
        figures |= sandbox_figures(10 if quick else 30)
    return figures
