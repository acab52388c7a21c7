"""Model-layer benchmark: ``python -m agents.llm.bench [--repeat N] [--threads T]``.

Prints one JSON object: builtin load time, prefill and decode speed (64 greedy tokens
after a ~40-token chat prompt), peak RSS, and the router's per-call overhead over a
scripted model. Speeds are medians over ``--repeat`` runs in this process.
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


def _decode_run(engine: Any, ids: list[int], new_tokens: int) -> tuple[float, float, float]:
    """(prefill tok/s, decode tok/s, decode CPU ms per token) for one greedy run."""
    model = engine.model
    t0 = time.perf_counter()
    logits = model.forward(ids, 0)
    t1, c1 = time.perf_counter(), time.process_time()
    pos = len(ids)
    for _ in range(new_tokens):
        token = int(logits.argmax())  # greedy; EOS is ignored so every run decodes N tokens
        logits = model.forward([token], pos)
        pos += 1
    t2, c2 = time.perf_counter(), time.process_time()
    return len(ids) / (t1 - t0), new_tokens / (t2 - t1), (c2 - c1) / new_tokens * 1000


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


def run(repeat: int, new_tokens: int) -> dict[str, Any]:
    from agents.llm.base import Message
    from agents.llm.builtin.generation import configure_threads
    from agents.llm.providers.builtin import get_engine, render_prompt

    threads = configure_threads()
    t0 = time.perf_counter()
    engine = get_engine()
    load_s = time.perf_counter() - t0
    ids = engine.encode(render_prompt([Message("user", PROMPT)], None))
    _decode_run(engine, ids, 4)  # warm-up
    runs = [_decode_run(engine, ids, new_tokens) for _ in range(repeat)]
    return {
        "builtin_load_s": round(load_s, 3),
        "builtin_prefill_tok_s": round(statistics.median(r[0] for r in runs), 1),
        "builtin_decode_tok_s": round(statistics.median(r[1] for r in runs), 1),
        "decode_runs_tok_s": [round(r[1], 1) for r in runs],
        # CPU time (all threads) per decoded token: on a busy machine, wall-clock speed
        # mostly measures the other processes; with 1 thread, 1000 / this ~ idle tok/s.
        "decode_cpu_ms_per_token": round(statistics.median(r[2] for r in runs), 2),
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
