"""Memory benchmarks; prints JSON. ``python -m agents.memory.bench [--quick]``.

* ``embed_chunks_per_s``: all-MiniLM-L6-v2 on ~500-character chunks (the default chunk
  size), batched, ``--threads`` embedding workers (default 2: the target is for 2 cores),
  the default dtype (``embed_dtype``: bfloat16 on CPUs with AMX, int8 on CPUs with native
  bf16 and VNNI but no AMX, bfloat16 with native bf16 only, else float32);
  ``embed_fp32_*`` the same in float32; ``*_per_cpu_s`` divides by CPU time.
* ``embed_cosine_min`` / ``embed_recall_at_10``: the default dtype against float32 on
  real text (:func:`reference_texts`): the lowest cosine between the two vectors of a
  chunk, and how many of float32's top-10 chunks the default's top-10 finds for queries
  made of each fifth chunk's first 80 characters.
* ``search_ms_p50_10k`` / ``search_ms_p50_100k``: exact top-10 over random unit
  384-d float32 vectors, median of 50 queries.
* ``recall_at_10``: ExactIndex top-10 against a full sort of all scores.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import random
import statistics
import time
from typing import Any

import numpy as np

from agents.memory.chunking import chunk_document, chunk_text
from agents.memory.embeddings import Embedder
from agents.memory.index import ExactIndex, normalize

WORDS = [
    "agent",
    "workflow",
    "memory",
    "sandbox",
    "tool",
    "model",
    "token",
    "stream",
    "node",
    "run",
    "event",
    "approval",
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "for",
    "it",
    "as",
    "was",
    "with",
    "be",
    "by",
    "on",
    "not",
    "this",
    "are",
    "or",
    "from",
    "at",
    "which",
    "have",
    "an",
]


def sample_text(chars: int, rng: random.Random) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < chars:
        words.append(rng.choice(WORDS))
    return " ".join(words) + "."


def reference_texts(limit: int = 300) -> list[str]:
    """Real prose and code from this machine: Python's pydoc topics, then the licenses."""
    from pydoc_data.topics import topics

    sources = [topics[name] for name in sorted(topics)]
    for path in sorted(glob.glob("/usr/share/common-licenses/*")):
        if os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as handle:
                sources.append(handle.read())
    texts: list[str] = []
    for source in sources:
        texts += [c.for_embedding() for c in chunk_document(source, markdown=False)]
        if len(texts) >= limit:
            break
    return texts[:limit]


def embed_quality(count: int = 300, dtype: str = "auto", threads: int = 2) -> dict[str, Any]:
    """``dtype`` vectors against float32 ones on ``count`` real chunks."""
    texts = reference_texts(count)
    queries = [t[:80] for t in texts[::5]]
    exact = Embedder(threads=threads, dtype="float32")
    fast = Embedder(threads=threads, dtype=dtype)
    reference, candidate = exact.embed(texts), fast.embed(texts)
    cosine = (reference * candidate).sum(axis=1)
    truth = np.argsort(-(exact.embed(queries) @ reference.T), axis=1)[:, :10]
    found = np.argsort(-(fast.embed(queries) @ candidate.T), axis=1)[:, :10]
    hits = sum(len(set(a) & set(b)) for a, b in zip(truth.tolist(), found.tolist(), strict=True))
    return {
        "embed_cosine_min": round(float(cosine.min()), 6),
        "embed_cosine_mean": round(float(cosine.mean()), 6),
        "embed_recall_at_10": round(hits / (10 * len(queries)), 4),
        "embed_quality_chunks": len(texts),
    }


def embed_rate(
    count: int, threads: int, chunk_chars: int = 500, dtype: str = "auto"
) -> dict[str, Any]:
    rng = random.Random(0)
    corpus = "\n\n".join(sample_text(chunk_chars - 20, rng) for _ in range(count))
    texts = [c.text for c in chunk_text(corpus, size=chunk_chars, overlap=0)][:count]
    embedder = Embedder(threads=threads, dtype=dtype)
    embedder.embed(texts[:8])  # load + warm up
    started, cpu_started = time.perf_counter(), time.process_time()
    embedder.embed(texts)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    # per CPU-second: what one idle core would do; the machine may be shared
    return {
        "embed_chunks_per_s": round(len(texts) / elapsed, 1),
        "embed_chunks_per_cpu_s": round(len(texts) / cpu, 1),
        "embed_chunk_chars": chunk_chars,
        "embed_threads": threads,
        "embed_dtype": embedder.dtype,
    }


def search_p50_ms(size: int, queries: int = 50, dim: int = 384) -> tuple[float, float]:
    """Median wall and CPU milliseconds of one exact top-10 query."""
    rng = np.random.default_rng(size)
    index = ExactIndex(dim)
    index.add([str(i) for i in range(size)], normalize(rng.standard_normal((size, dim))))
    probes = normalize(rng.standard_normal((queries, dim)))
    wall, cpu = [], []
    for probe in probes:
        started, cpu_started = time.perf_counter(), time.thread_time()
        index.search(probe, 10)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - cpu_started) * 1000)
    return round(statistics.median(wall), 3), round(statistics.median(cpu), 3)


def recall_at_10(size: int = 10_000, queries: int = 50, dim: int = 384) -> float:
    rng = np.random.default_rng(7)
    vectors = normalize(rng.standard_normal((size, dim)))
    index = ExactIndex(dim)
    index.add([str(i) for i in range(size)], vectors)
    found = 0
    for probe in normalize(rng.standard_normal((queries, dim))):
        truth = {str(i) for i in np.argsort(-(vectors @ probe))[:10]}
        found += len(truth & {h.id for h in index.search(probe, 10)})
    return found / (queries * 10)


def run(quick: bool = False, threads: int = 2) -> dict[str, Any]:
    figures = embed_rate(32 if quick else 128, threads)
    fp32 = embed_rate(32 if quick else 128, threads, dtype="float32")
    figures["embed_fp32_chunks_per_s"] = fp32["embed_chunks_per_s"]
    figures["embed_fp32_chunks_per_cpu_s"] = fp32["embed_chunks_per_cpu_s"]
    figures |= embed_quality(60 if quick else 300, threads=threads)
    for label, size in (("10k", 10_000), ("100k", 100_000)):
        wall, cpu = search_p50_ms(size)
        figures[f"search_ms_p50_{label}"] = wall
        figures[f"search_cpu_ms_p50_{label}"] = cpu
    figures["recall_at_10"] = recall_at_10()
    figures["load_average_1m"] = round(os.getloadavg()[0], 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    print(json.dumps(run(args.quick, args.threads)))


if __name__ == "__main__":
    main()
