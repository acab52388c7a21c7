"""Model-layer benchmark: ``python -m agents.llm.bench [--repeat N] [--threads T]``.

Prints one JSON object: builtin load time, prefill and decode speed (64 greedy tokens
after a ~40-token chat prompt) at 1 and 2 threads, the aggregate decode speed of 1, 2 and
4 concurrent streams batched together (at ``--threads``), peak RSS, and the router's
per-call overhead over a scripted model. Speeds are medians over ``--repeat`` runs in this
process; the CPU and the load average are printed with them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import time
from typing import Any

PROMPT = "What is the capital of France? Answer in one short sentence, please."


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _decode_run(engine: Any, ids: list[int], new_tokens: int) -> tuple[float, float, float]:
    """(prefill tok/s, decode tok/s, decode CPU ms per token) for one greedy run."""
    speeds = _streams_run(engine, [ids], new_tokens)
    return speeds[0], speeds[1], speeds[2]


def _streams_run(
    engine: Any, prompts: list[list[int]], new_tokens: int
) -> tuple[float, float, float]:
    """Prefill each prompt, then decode ``new_tokens`` greedy tokens for all of them in
    batched steps, as the engine's scheduler does for concurrent callers (EOS ignored, so
    every stream decodes N tokens). (prefill tok/s, aggregate decode tok/s, CPU ms/token)."""
    model = engine.model
    caches = [model.new_cache() for _ in prompts]
    t0 = time.perf_counter()
    last = [model.prefill(ids, 0, cache) for ids, cache in zip(prompts, caches, strict=True)]
    t1, c1 = time.perf_counter(), time.process_time()
    tokens = [int(row.argmax()) for row in last]
    pos = [len(ids) for ids in prompts]
    for _ in range(new_tokens):
        logits = model.step(tokens, pos, caches, [True] * len(prompts))
        tokens = [int(row.argmax()) for row in logits]
        pos = [p + 1 for p in pos]
    t2, c2 = time.perf_counter(), time.process_time()
    done = new_tokens * len(prompts)
    prefilled = sum(len(ids) for ids in prompts)
    return prefilled / (t1 - t0), done / (t2 - t1), (c2 - c1) / done * 1000


async def _router_overhead_ms(calls: int = 200) -> float:
    from agents.llm.base import Message, complete
    from agents.llm.catalog import InMemoryCatalog, ModelInfo
    from agents.llm.providers.scripted import ScriptedModel
    from agents.llm.router import Router

    model = ScriptedModel.of(["ok"], repeat_last=True)
    router = Router(
        catalog=InMemoryCatalog([ModelInfo("scripted", "m", "local", 1.0, 2.0)]),
        factory=lambda info: model,
    )
    messages = [Message("user", "hi")]
    t0 = time.perf_counter()
    for _ in range(calls):
        await complete(model, messages)
    direct = time.perf_counter() - t0
    routed_model = router.model("scripted:m")
    t0 = time.perf_counter()
    for _ in range(calls):
        await complete(routed_model, messages)
    routed = time.perf_counter() - t0
    return (routed - direct) / calls * 1000


def _median(runs: list[tuple[float, float, float]], i: int, digits: int = 1) -> float:
    return round(statistics.median(r[i] for r in runs), digits)


def run(repeat: int, new_tokens: int) -> dict[str, Any]:
    from agents.llm.base import Message
    from agents.llm.builtin.generation import configure_threads
    from agents.llm.builtin.model import set_isa, set_threads
    from agents.llm.providers.builtin import get_engine, render_prompt

    threads = configure_threads()
    t0 = time.perf_counter()
    engine = get_engine()
    load_s = time.perf_counter() - t0
    ids = engine.encode(render_prompt([Message("user", PROMPT)], None))
    _decode_run(engine, ids, 4)  # warm-up
    by_threads = {}
    for n in (1, 2):
        set_threads(n)
        by_threads[n] = [_decode_run(engine, ids, new_tokens) for _ in range(repeat)]
    set_threads(threads)
    runs = by_threads[threads if threads in by_threads else 1]
    streams = {}
    for n in (1, 2, 4):
        prompts = [ids[:-1] + [ids[-1]] for _ in range(n)]
        streams[n] = [_streams_run(engine, prompts, new_tokens) for _ in range(repeat)]
    single = _median(streams[1], 1)
    return {
        "cpu": _cpu_name(),
        "kernel_isa": set_isa("auto"),  # the matmul path this CPU runs (model.set_isa)
        "builtin_load_s": round(load_s, 3),
        "builtin_prefill_tok_s": _median(runs, 0),
        "builtin_decode_tok_s": _median(runs, 1),
        "decode_tok_s_1_thread": _median(by_threads[1], 1),
        "decode_tok_s_2_threads": _median(by_threads[2], 1),
        "decode_runs_tok_s": {n: [round(r[1], 1) for r in rs] for n, rs in by_threads.items()},
        # CPU time (all threads) per decoded token: on a busy machine, wall-clock speed
        # mostly measures the other processes; with 1 thread, 1000 / this ~ idle tok/s.
        "decode_cpu_ms_per_token": _median(runs, 2, 2),
        "streams_aggregate_tok_s": {n: _median(rs, 1) for n, rs in streams.items()},
        "streams_speedup": {n: round(_median(rs, 1) / single, 2) for n, rs in streams.items()},
        "streams_cpu_ms_per_token": {n: _median(rs, 2, 2) for n, rs in streams.items()},
        "prompt_tokens": len(ids),
        "new_tokens": new_tokens,
        "threads": threads,
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "router_overhead_ms": round(asyncio.run(_router_overhead_ms()), 4),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("AXWEB_TORCH_THREADS", str(args.threads))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    print(json.dumps(run(args.repeat, args.new_tokens), indent=2))


if __name__ == "__main__":
    main()
