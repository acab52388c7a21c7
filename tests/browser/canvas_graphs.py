"""The graphs `make bench-canvas` loads (tests/browser/bench_canvas.py): 500 nodes with 20 loop
bodies (issue 17) and 2,000 nodes / 2,500 edges (issue 18), built deterministically."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Case:
    nodes: int
    edges: int
    loops: int
    columns: int

    @property
    def loop_at(self) -> frozenset[int]:
        """Odd places (agents) spread over the graph become loops."""
        step = (self.nodes - 2) // self.loops
        step += step % 2 == 0
        return frozenset(list(range(1, self.nodes - 1, step))[: self.loops])


CASES = {"500": Case(500, 600, 20, 25), "2000": Case(2000, 2500, 80, 50)}


def loop_body() -> dict[str, Any]:
    """One iteration: state → agent → critic agent → state (four nodes, three edges)."""
    ids = ["s", "draft", "critic", "o"]
    nodes = [
        {"id": "s", "kind": "input", "label": "state", "config": {"name": "state"}},
        {"id": "draft", "kind": "agent", "label": "Draft", "config": {"agent": "writer"}},
        {"id": "critic", "kind": "agent", "label": "Critic", "config": {"agent": "writer"}},
        {"id": "o", "kind": "output", "label": "state", "config": {"name": "state"}},
    ]
    for x, n in enumerate(nodes):
        n["position"] = {"x": 260 * x, "y": 0}
    edges = [
        {"id": f"e{k}", "source": a, "source_port": "out", "target": b, "target_port": "in"}
        for k, (a, b) in enumerate(zip(ids, ids[1:], strict=False))
    ]
    return {"schema_version": 1, "nodes": nodes, "edges": edges}


def node_config(kind: str) -> dict[str, Any]:
    if kind == "agent":
        return {"agent": "writer"}
    if kind == "loop":
        return {"body": loop_body(), "max_iterations": 3}
    return {}


def big_graph(case: Case = CASES["500"], seed: int = 7) -> dict[str, Any]:
    """input → alternating agent/join nodes (a chain plus extra fan-in to joins; some of the
    agents are loops, each with a four-node body) → output."""
    rng = random.Random(seed)
    loop_at = case.loop_at
    inner = [
        "loop" if i in loop_at else "agent" if i % 2 else "join" for i in range(1, case.nodes - 1)
    ]
    kinds = ["input", *inner, "output"]
    nodes = []
    for i, kind in enumerate(kinds):
        config = node_config(kind)
        if kind in ("input", "output"):
            config = {"name": "topic" if kind == "input" else "answer"}
        nodes.append(
            {
                "id": f"n{i}",
                "kind": kind,
                "label": f"{kind} {i}",
                "position": {"x": (i % case.columns) * 260, "y": (i // case.columns) * 180},
                "config": config,
            }
        )
    pairs = [(i - 1, i) for i in range(1, case.nodes)]
    joins = [i for i, kind in enumerate(kinds) if kind == "join"]
    taken = set(pairs)
    while len(pairs) < case.edges:
        target = rng.choice(joins)
        source = rng.randrange(0, target)
        if (source, target) not in taken and kinds[source] != "output":
            taken.add((source, target))
            pairs.append((source, target))
    edges = [
        {
            "id": f"e{k}",
            "source": f"n{s}",
            "source_port": "out",
            "target": f"n{t}",
            "target_port": "in",
        }
        for k, (s, t) in enumerate(pairs)
    ]
    return {
        "schema_version": 1,
        "nodes": nodes,
        "edges": edges,
        "viewport": {"x": 0, "y": 0, "zoom": 1},
    }


def prepare(api: httpx.Client, case: Case) -> int:
    """The case's workflow, saved as version 1 (the agent "writer" exists already)."""
    workflow = (
        api.post("/api/workflows/", json={"name": f"Big canvas {case.nodes}"})
        .raise_for_status()
        .json()
    )
    response = api.post(
        f"/api/workflows/{workflow['id']}/versions/",
        json={"graph": big_graph(case), "message": str(case.nodes)},
    )
    if response.status_code != 201:
        raise SystemExit(f"the benchmark graph was refused: {response.text[:2000]}")
    return int(workflow["id"])
