"""Tool benchmarks; prints JSON. ``python -m tools.bench [--quick] [--no-memory]``.

``sandbox_call_ms_p50``: median wall time of a trivial sandboxed snippet, measured from
the caller (process start, namespaces, new root, run, teardown), and the CPU time it
costs (``sandbox_cpu_ms_p50``: what it would take on an idle machine). Unless
``--no-memory``, the memory figures of ``agents.memory.bench`` are included.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import time
from typing import Any

from tools.sandbox import run_python


async def sandbox_p50_ms(calls: int = 30) -> dict[str, Any]:
    timings, cpu = [], []
    for _ in range(calls):
        started, cpu_started = time.perf_counter(), _children_cpu_s()
        outcome = await run_python("result = 1 + 1")
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((_children_cpu_s() - cpu_started) * 1000)
        if outcome.result != 2:
            raise RuntimeError(f"sandbox returned {outcome.reason}: {outcome.stderr}")
    timings.sort()
    return {
        "sandbox_call_ms_p50": round(statistics.median(timings), 1),
        "sandbox_call_ms_p90": round(timings[int(len(timings) * 0.9) - 1], 1),
        "sandbox_cpu_ms_p50": round(statistics.median(cpu), 1),
    }


def _children_cpu_s() -> float:
    """CPU seconds of reaped descendants (launcher, init, snippet)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    figures = asyncio.run(sandbox_p50_ms(10 if args.quick else 30))
    if not args.no_memory:
        from agents.memory.bench import run

        figures |= run(args.quick, args.threads)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
