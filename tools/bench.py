"""Tool benchmarks; prints JSON. ``python -m tools.bench [--quick] [--no-memory]``.

``sandbox_call_ms_p50``: median wall time of a trivial sandboxed snippet, measured from
the caller (a launcher forked by the zygote, namespaces, new root, run, teardown), and the CPU
time a call costs on average (``sandbox_cpu_ms_mean``, read from the zygote's reaped children:
what it would take on an idle machine). Unless
``--no-memory``, the memory figures of ``agents.memory.bench`` are included.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from typing import Any

from tools.sandbox import run_python
from tools.sandbox import runner as sandbox_runner


async def sandbox_p50_ms(calls: int = 30) -> dict[str, Any]:
    await run_python("result = 0")  # starts the zygote: a worker pays that once
    zygote = sandbox_runner.zygote().pid()
    timings = []
    cpu_started = _zygote_children_cpu_s(zygote)
    for _ in range(calls):
        started = time.perf_counter()
        outcome = await run_python("result = 1 + 1")
        timings.append((time.perf_counter() - started) * 1000)
        if outcome.result != 2:
            raise RuntimeError(f"sandbox returned {outcome.reason}: {outcome.stderr}")
    await asyncio.sleep(0.05)  # the last launcher is reaped
    cpu_ms = (_zygote_children_cpu_s(zygote) - cpu_started) * 1000 / calls
    timings.sort()
    return {
        "sandbox_call_ms_p50": round(statistics.median(timings), 1),
        "sandbox_call_ms_p90": round(timings[int(len(timings) * 0.9) - 1], 1),
        "sandbox_cpu_ms_mean": round(cpu_ms, 1),
    }


def _zygote_children_cpu_s(pid: int | None) -> float:
    """CPU seconds of the zygote's reaped children (launcher, init, snippet of each call)."""
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(") ", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # cutime + cstime


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
