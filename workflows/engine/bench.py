"""Scheduler benchmark: ``python -m workflows.engine.bench`` prints JSON figures.

* ``dispatch_ms_per_node``: wall time per node to execute a validated 1000-node
  chain and a 100-wide fan-out of no-op nodes (in-process, in-memory context, no
  persistence); the worse of the two, median of several runs. The CPU-time figure
  and the validation cost per node are reported next to it.
* ``fanout100_wall_ms``: 100 parallel LLM branches whose scripted model awaits
  50 ms each, then a join (ideal: ~50 ms).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from typing import Any

from workflows.engine.executor import execute_prepared
from workflows.engine.kinds.base import NodeKind
from workflows.engine.ports import Port
from workflows.engine.testing import ScriptedContext
from workflows.engine.validation import analyse


class NoopKind(NodeKind):
    """Passes its input through; used only to measure scheduling overhead."""

    kind = "noop"
    title = "No-op"
    category = "Flow"
    description = "Passes its input through."
    inputs = [Port("in", "any")]
    outputs = [Port("out", "any")]

    async def run(self, ctx: Any, node: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        return {"out": inputs.get("in")}


REGISTRY: dict[str, type[NodeKind]] = {"noop": NoopKind}


def _node(node_id: str, kind: str, **config: Any) -> dict[str, Any]:
    return {"id": node_id, "kind": kind, "config": config}


def _edge(index: int, source: str, target: str, port: str = "out") -> dict[str, Any]:
    return {
        "id": f"e{index}",
        "source": source,
        "source_port": port,
        "target": target,
        "target_port": "in",
    }


def chain_graph(length: int) -> dict[str, Any]:
    nodes = [_node("in", "input")]
    nodes += [_node(f"n{i}", "noop") for i in range(length - 2)]
    nodes.append(_node("out", "output"))
    ids = [n["id"] for n in nodes]
    edges = [_edge(i, a, b) for i, (a, b) in enumerate(zip(ids, ids[1:], strict=False))]
    return {"schema_version": 1, "nodes": nodes, "edges": edges}


def fanout_graph(width: int, kind: str = "noop", **config: Any) -> dict[str, Any]:
    nodes = [_node("in", "input"), _node("join", "join"), _node("out", "output")]
    edges = [_edge(0, "join", "out")]
    for i in range(width):
        nodes.append(_node(f"b{i}", kind, **config))
        edges.append(_edge(2 * i + 1, "in", f"b{i}"))
        edges.append(_edge(2 * i + 2, f"b{i}", "join"))
    return {"schema_version": 1, "nodes": nodes, "edges": edges}


async def _timed(
    graph: dict[str, Any], ctx: ScriptedContext, concurrency: int
) -> tuple[float, float, float]:
    """(dispatch wall ms, dispatch CPU ms, validation ms) of one run."""
    start = time.perf_counter()
    problems, prepared = analyse(graph, REGISTRY)
    validated, cpu = time.perf_counter(), time.process_time()
    assert prepared is not None and not problems, problems
    result = await execute_prepared(
        prepared, ctx, {"input": 1}, registry=REGISTRY, max_concurrency=concurrency
    )
    wall, cpu = (time.perf_counter() - validated) * 1000, (time.process_time() - cpu) * 1000
    if result.status != "succeeded":
        raise RuntimeError(f"benchmark run {result.status}: {result.error}")
    return wall, cpu, (validated - start) * 1000


async def _median(graph: dict[str, Any], repeats: int, concurrency: int, **ctx: Any) -> list[float]:
    runs = [await _timed(graph, ScriptedContext(**ctx), concurrency) for _ in range(repeats)]
    return [statistics.median(column) for column in zip(*runs, strict=True)]


async def measure(repeats: int = 7) -> dict[str, Any]:
    chain, fan = chain_graph(1000), fanout_graph(100)
    chain_ms, chain_cpu, chain_check = await _median(chain, repeats, 8)
    fan_ms, fan_cpu, fan_check = await _median(fan, repeats, 128)
    llm_fan = fanout_graph(100, "llm", model="scripted:bench")
    fan_wall, _, _ = await _median(llm_fan, repeats, 128, default_delay=0.05, stream=False)
    n_chain, n_fan = len(chain["nodes"]), len(fan["nodes"])
    return {
        "dispatch_ms_per_node": round(max(chain_ms / n_chain, fan_ms / n_fan), 4),
        "chain1000_ms_per_node": round(chain_ms / n_chain, 4),
        "fanout100_noop_ms_per_node": round(fan_ms / n_fan, 4),
        "dispatch_cpu_ms_per_node": round(max(chain_cpu / n_chain, fan_cpu / n_fan), 4),
        "validate_ms_per_node": round(max(chain_check / n_chain, fan_check / n_fan), 4),
        "fanout100_wall_ms": round(fan_wall, 2),
        "repeats": repeats,
        "note": "medians; dispatch = executing a validated graph with events recorded in "
        "memory; validation (done once at save and at run start) is measured apart",
    }


def run_benchmark(repeats: int = 7) -> dict[str, Any]:
    """The figures as a dict (what the lead's ``bench_engine`` command prints)."""
    return asyncio.run(measure(repeats))


if __name__ == "__main__":
    print(json.dumps(run_benchmark()))
