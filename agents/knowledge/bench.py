"""Knowledge-store benchmarks through the real services and database (``bench_memory``).

* ``cpu``, ``cpu_cores``, ``threads``, ``load_average_1m``: what the figures were taken on.
* ``embed_chunks_per_s``: all-MiniLM-L6-v2 on chunks of the store's size
  (``agents.memory.bench.embed_rate``), ``threads`` embedding workers (one torch thread each),
  the default dtype (``embed_dtype``: bfloat16 with AMX, int8 with bf16 and VNNI but no
  AMX, bfloat16 with bf16 only, float32 elsewhere); ``embed_<dtype>_*`` the same with the
  runner-up (the float dtype beside int8; int8 beside bfloat16 on AMX); ``*_per_cpu_s``
  per CPU-second (what an idle core would do; the machine may be shared).
  ``embed_cosine_*`` / ``embed_recall_at_10``: the default dtype against float32 on
  real text (``agents.memory.bench.embed_quality``).
* ``--scale N`` (opt-in, minutes): only ``scale_*``: N synthetic pre-embedded chunks
  stored through ``document_store_embedded`` (``scale_insert_chunks_per_s``), the
  collection index built (HNSW from ``AXWEB_KNOWLEDGE_ANN_MIN_CHUNKS``), top-10 searches
  through ``knowledge_search_vector`` (wall and CPU p50) and their recall@10 against an
  exact sort of all scores.
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
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import override_settings

from agents.knowledge import matrix, selectors, services
from agents.knowledge.hnsw import CONNECTIVITY, EXPANSION_ADD, HnswIndex, usearch_version
from agents.knowledge.models import KnowledgeChunk, KnowledgeCollection, KnowledgeDocument
from agents.knowledge.pgvector import pg_store, pgvector_enabled
from agents.memory.bench import embed_quality, embed_rate
from agents.memory.embeddings import default_threads, native_bf16
from agents.memory.index import normalize
from agents.memory.quantized import native_int8

SWEEP_EF = (64, 128, 256, 512, 1024)  # --scale: the built graph's recall at these search breadths


class _Rollback(Exception):
    pass


@contextmanager
def _rolled_back(**overrides: Any) -> Iterator[None]:
    """Run the block with these settings in a transaction that is then rolled back (the
    benchmark's rows never stay), and forget the cached matrices built meanwhile."""
    try:
        with override_settings(**overrides), transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass
    finally:
        matrix.cache_clear()


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
    # uniform random vectors have no near neighbours: HNSW is measured by --scale, on
    # clustered ones; here every size takes the exact path
    exact = max(sizes.values()) + 1
    with _rolled_back(AXWEB_KNOWLEDGE_ANN_MIN_CHUNKS=exact):
        for label, size in sizes.items():
            figures |= _search_figures(size, queries, label)
    return figures


def clustered_blocks(
    count: int, seed: int, centres: int = 1000, block: int = 100_000
) -> Iterator[np.ndarray]:
    """Synthetic unit vectors of the model's dimension around ``centres`` random centres,
    ``block`` rows at a time (the same rows for the same arguments).

    Real embeddings crowd into topics; uniform noise on the 384-d sphere has no near
    neighbours at all (every vector is ~equally far), which no approximate index is for.
    """
    rng = np.random.default_rng(seed)
    middle = normalize(np.random.default_rng(0).standard_normal((centres, 384)))
    for start in range(0, count, block):
        n = min(block, count - start)
        noise = rng.standard_normal((n, 384), dtype=np.float32) * 0.03
        yield normalize(middle[rng.integers(0, centres, n)] + noise)


def clustered_vectors(count: int, seed: int, centres: int = 1000) -> np.ndarray:
    return np.concatenate(list(clustered_blocks(count, seed, centres)))


def exact_top10(blocks: Iterator[np.ndarray], probes: np.ndarray) -> np.ndarray:
    """Row positions of each probe's 10 best scores over all ``blocks``, one block in
    memory at a time (the bench does not keep a second copy of a million vectors)."""
    best_scores = np.full((len(probes), 0), -np.inf, dtype=np.float32)
    best_rows = np.zeros((len(probes), 0), dtype=np.int64)
    offset = 0
    for block in blocks:
        scores = probes @ block.T
        rows = np.broadcast_to(np.arange(offset, offset + len(block)), scores.shape)
        offset += len(block)
        both_scores = np.concatenate([best_scores, scores], axis=1)
        both_rows = np.concatenate([best_rows, rows], axis=1)
        keep = np.argpartition(-both_scores, 9, axis=1)[:, :10]
        best_scores = np.take_along_axis(both_scores, keep, axis=1)
        best_rows = np.take_along_axis(both_rows, keep, axis=1)
    return best_rows


def _progress(message: str, started: float) -> None:
    """A line on stderr: the scale run takes minutes and prints its JSON only at the end."""
    load = os.getloadavg()[0]
    print(f"[{time.perf_counter() - started:7.1f} s, load {load:.1f}] {message}", file=sys.stderr)


def _scale_figures(size: int, queries: int, ef: int) -> dict[str, Any]:
    began = time.perf_counter()
    user, _ = get_user_model().objects.get_or_create(username="bench-memory")
    collection = services.collection_create(owner=user, name=f"bench-scale-{time.time_ns()}")
    per_document = 20_000
    started, cpu_started = time.perf_counter(), time.process_time()
    stored = 0
    for block in clustered_blocks(size, seed=1, block=per_document):
        services.document_store_embedded(
            collection=collection,
            title=f"part {stored // per_document}",
            texts=[f"chunk {stored + i}" for i in range(len(block))],
            vectors=block,
        )
        stored += len(block)
        _progress(f"stored {stored} chunks", began)
    inserted = time.perf_counter() - started
    inserted_cpu = time.process_time() - cpu_started
    collection.refresh_from_db()
    build_cpu_started = time.process_time()
    build = _timed_ms(lambda: matrix.collection_index(collection.pk, collection.revision))
    build_cpu = time.process_time() - build_cpu_started
    _progress(f"index built ({build / 1000:.1f} s, {build_cpu:.1f} CPU-s)", began)
    index = matrix.collection_index(collection.pk, collection.revision)
    ids = [collection.pk]
    probes = clustered_vectors(queries, seed=2)
    timings = [
        _timed_ms(
            lambda p=p: selectors.knowledge_search_vector(  # type: ignore[misc]
                collection_ids=ids, vector=p, k=10
            )
        )
        for p in probes
    ]
    cpu = [
        _cpu_ms(
            lambda p=p: selectors.knowledge_search_vector(  # type: ignore[misc]
                collection_ids=ids, vector=p, k=10
            )
        )
        for p in probes
    ]
    first = KnowledgeChunk.objects.filter(collection_id=collection.pk).order_by("id")[0].pk
    truths = [
        set(rows.tolist())
        for rows in exact_top10(clustered_blocks(size, seed=1, block=per_document), probes) + first
    ]
    _progress("exact top-10 computed", began)

    def recall() -> float:
        found = 0
        for probe, truth in zip(probes, truths, strict=True):
            found += len(truth & {int(h.id) for h in index.search(probe, 10)})
        return round(found / (10 * len(probes)), 4)

    figures = {
        "scale_chunks": size,
        "scale_vectors": "synthetic: unit 384-d vectors around 1000 random centres",
        "scale_index": type(index).__name__,
        "scale_ef": ef,
        "scale_index_threads": default_threads(),
        "scale_insert_chunks_per_s": round(size / inserted, 1),
        "scale_insert_chunks_per_cpu_s": round(size / max(inserted_cpu, 1e-9), 1),
        "scale_index_build_s": round(build / 1000, 1),
        "scale_index_chunks_per_s": round(size / (build / 1000), 1),
        "scale_index_chunks_per_cpu_s": round(size / max(build_cpu, 1e-9), 1),
        "scale_search_ms_p50": round(statistics.median(timings), 3),
        "scale_search_ms_p90": round(float(np.percentile(timings, 90)), 3),
        "scale_search_cpu_ms_p50": round(statistics.median(cpu), 3),
        "scale_recall_at_10": recall(),
        "scale_queries": len(probes),
    }
    if isinstance(index, HnswIndex):  # the same graph searched wider or narrower
        by_ef: dict[str, Any] = {}
        for wider in SWEEP_EF:
            index.expansion_search = wider
            cpu_ms = statistics.median(
                _cpu_ms(lambda p=p: index.search(p, 10))  # type: ignore[misc]
                for p in probes
            )
            by_ef[str(wider)] = {"recall_at_10": recall(), "index_cpu_ms_p50": round(cpu_ms, 3)}
        index.expansion_search = ef
        figures["scale_by_ef"] = by_ef
        figures["scale_hnsw"] = {
            "connectivity": CONNECTIVITY,
            "expansion_add": EXPANSION_ADD,
            "usearch": usearch_version(),
        }
    return figures


def scale_figures(size: int, queries: int = 200) -> dict[str, Any]:
    """``size`` pre-embedded chunks stored, indexed and searched; every row rolled back and
    the saved graph written to a temporary folder."""
    figures: dict[str, Any] = {}
    ef = int(settings.AXWEB_KNOWLEDGE_ANN_EF)
    with tempfile.TemporaryDirectory() as folder, _rolled_back(AXWEB_KNOWLEDGE_INDEX_DIR=folder):
        figures |= _scale_figures(size, queries, ef)
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


def machine_figures(threads: int) -> dict[str, Any]:
    """What the figures were taken on: CPU model, cores, threads used, load."""
    model = ""
    for line in (
        Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []
    ):
        if line.startswith("model name"):
            model = line.partition(":")[2].strip()
            break
    return {
        "cpu": model or platform.processor() or platform.machine(),
        "cpu_cores": os.cpu_count(),
        "threads": threads,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def sandbox_figures(calls: int) -> dict[str, Any]:
    from tools.bench import sandbox_p50_ms
    from tools.sandbox import SandboxUnavailable

    try:
        return asyncio.run(sandbox_p50_ms(calls))
    except SandboxUnavailable as exc:
        return {"sandbox_call_ms_p50": None, "sandbox_unavailable": str(exc)}


def run(
    *, quick: bool = False, threads: int = 2, sandbox: bool = True, scale: int = 0
) -> dict[str, Any]:
    figures = machine_figures(threads)
    if scale:
        return figures | scale_figures(scale, queries=50 if quick else 200)
    count = 32 if quick else 128
    figures |= embed_rate(count, threads, chunk_chars=services.CHUNK_SIZE)
    # the runner-up on this CPU: the float dtype beside int8 (VNNI without AMX), int8 beside
    # bfloat16 (AMX), none where float32 is all there is
    floating = "bfloat16" if native_bf16() else "float32"
    other_dtype = floating if figures["embed_dtype"] != floating else None
    if figures["embed_dtype"] == "bfloat16" and native_int8():
        other_dtype = "int8"
    if other_dtype:
        other = embed_rate(count, threads, chunk_chars=services.CHUNK_SIZE, dtype=other_dtype)
        figures[f"embed_{other_dtype}_chunks_per_s"] = other["embed_chunks_per_s"]
        figures[f"embed_{other_dtype}_chunks_per_cpu_s"] = other["embed_chunks_per_cpu_s"]
    figures |= embed_quality(60 if quick else 300, threads=threads)
    figures["query_embed_ms_p50"] = query_embed_ms(5 if quick else 20)
    sizes = {"10k": 10_000, "100k": 100_000}
    figures |= search_figures(sizes, queries=20 if quick else 50)
    figures["recall_at_10"] = figures.pop("recall_at_10_100k")
    if sandbox:
        figures |= sandbox_figures(10 if quick else 30)
    return figures
