"""Memory benchmarks; prints JSON. ``python -m agents.memory.bench [--quick]``.

* ``embed_chunks_per_s``: all-MiniLM-L6-v2 on ~500-character chunks (the default chunk
  size), batched, ``--threads`` torch threads (default 2: the target is for 2 cores);
  ``embed_bf16_*`` the same with bfloat16 weights; ``*_per_cpu_s`` divides by CPU time.
* ``search_ms_p50_10k`` / ``search_ms_p50_100k``: exact top-10 over random unit
  384-d float32 vectors, median of 50 queries.
* ``recall_at_10``: ExactIndex top-10 against a full sort of all scores.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from typing import Any

import numpy as np

from agents.memory.chunking import chunk_text
from agents.memory.embeddings import Embedder
from agents.memory.index import ExactIndex, normalize

WORDS = [
    "agent", "workflow", "memory", "sandbox", "tool", "model", "token", "stream", "node", "run",
    "event", "approval", "the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "was",
    "with", "be", "by", "on", "not", "this", "are", "or", "from", "at", "which", "have", "an",
]


def sample_text(chars: int, rng: random.Random) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < chars:
        words.append(rng.choice(WORDS))
    return " ".join(words) + "."


def embed_rate(count: int, threads: int, chunk_chars: int = 500,
               dtype: str = "float32") -> dict[str, Any]:
    rng = random.Random(0)
    corpus = "\n\n".join(sample_text(chunk_chars - 20, rng) for _ in range(count))
    texts = [c.text for c in chunk_text(corpus, size=chunk_chars, overlap=0)][:count]
    embedder = Embedder(threads=threads, dtype=dtype)
    embedder.embed(texts[:8])  # load + warm up
    started, cpu_started = time.perf_counter(), time.process_time()
    embedder.embed(texts)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    # per CPU-second: what one idle core would do; the machine may be shared
    return {"embed_chunks_per_s": round(len(texts) / elapsed, 1),
            "embed_chunks_per_cpu_s": round(len(texts) / cpu, 1),
            "embed_chunk_chars": chunk_chars, "embed_threads": threads}


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
    bf16 = embed_rate(32 if quick else 128, threads, dtype="bfloat16")
    figures["embed_bf16_chunks_per_s"] = bf16["embed_chunks_per_s"]
    figures["embed_bf16_chunks_per_cpu_s"] = bf16["embed_chunks_per_cpu_s"]
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
