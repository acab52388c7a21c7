"""How agents did in past runs: the figures the adaptive router chooses by (a runs selector).

An agent's history is the committed records (NodeRun rows) of `agent` nodes that ran it
in the owner's recent runs: a success is a node that succeeded without an error, a
failure one that failed (or succeeded only through `on_error: continue`); skipped nodes
do not count. Latency is the node's measured duration, cost the cost on its record.
Node ids inside loop/map bodies (``loop1[2].n3``) are resolved through the bodies.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from workflows.engine.adaptive import AgentStats
from workflows.models import NodeRun, Run, WorkflowVersion

RECENT_RUNS = 500  # how far back to look, newest runs first


def _nodes(graph: Any) -> dict[str, dict[str, Any]]:
    nodes = graph.get("nodes") if isinstance(graph, dict) else None
    return {n["id"]: n for n in nodes or () if isinstance(n, dict) and "id" in n}


def _agent_of(graph: Any, node_id: str) -> str | None:
    """The agent an `agent` node runs, following ``loop[i].inner`` prefixes into bodies."""
    *outer, last = node_id.split(".")
    for part in outer:
        node = _nodes(graph).get(part.partition("[")[0])
        config = node.get("config") if node else None
        graph = next(
            (v for v in (config or {}).values() if isinstance(v, dict) and "nodes" in v), None
        )
        if graph is None:
            return None
    node = _nodes(graph).get(last)
    if not node or node.get("kind") != "agent":
        return None
    agent = (node.get("config") or {}).get("agent")
    return agent if isinstance(agent, str) else None


def _duration_s(row: NodeRun) -> float:
    ms = (row.record or {}).get("duration_ms")
    if isinstance(ms, int | float):
        return float(ms) / 1000
    if row.started_at and row.finished_at:
        return (row.finished_at - row.started_at).total_seconds()
    return 0.0


def _summarise(samples: Iterable[tuple[bool, float, float]]) -> AgentStats:
    rows = list(samples)
    if not rows:
        return AgentStats()
    return AgentStats(
        runs=len(rows),
        successes=sum(ok for ok, _, _ in rows),
        mean_latency_s=sum(t for _, t, _ in rows) / len(rows),
        mean_cost=sum(c for _, _, c in rows) / len(rows),
    )


def _root(run_id: Any, parent: dict[Any, Any]) -> Any:
    """The run a re-run chain started from (as far as the loaded runs reach)."""
    seen = {run_id}
    while parent.get(run_id) in parent and parent[run_id] not in seen:
        run_id = parent[run_id]
        seen.add(run_id)
    return parent.get(run_id) or run_id


def agent_history(
    *, owner_id: int, names: Sequence[str], exclude_run: Any = None
) -> dict[str, AgentStats]:
    """Stats per agent name in ``names`` from the owner's last RECENT_RUNS runs."""
    runs = Run.objects.filter(owner_id=owner_id).exclude(pk=exclude_run).order_by("-created_at")
    recent = list(runs.values_list("pk", "version_id", "rerun_of_id")[:RECENT_RUNS])
    version_of = {pk: version for pk, version, _ in recent}
    parent = {pk: rerun_of for pk, _, rerun_of in recent if rerun_of}
    graphs = dict(
        WorkflowVersion.objects.filter(pk__in=set(version_of.values())).values_list("pk", "graph")
    )
    agent_at: dict[tuple[Any, str], str | None] = {}
    wanted, seen = set(names), set()
    samples: dict[str, list[tuple[bool, float, float]]] = {name: [] for name in names}
    rows = NodeRun.objects.filter(run_id__in=version_of, status__in=("succeeded", "failed"))
    for row in rows.only(
        "run_id", "node_id", "status", "error", "usage", "record", "started_at", "finished_at"
    ):
        where = (version_of[row.run_id], row.node_id)
        if where not in agent_at:
            agent_at[where] = _agent_of(graphs.get(where[0]), row.node_id)
        agent = agent_at[where]
        # a re-run copies the upstream rows of the run it re-runs: count each execution once
        once = (_root(row.run_id, parent), row.node_id, row.started_at)
        if agent in wanted and once not in seen:
            seen.add(once)
            ok = row.status == "succeeded" and not row.error
            samples[agent].append(
                (ok, _duration_s(row), float((row.usage or {}).get("cost") or 0.0))
            )
    return {name: _summarise(samples[name]) for name in names}
