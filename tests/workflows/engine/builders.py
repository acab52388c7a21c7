"""Small builders for graph documents used by the engine tests."""

from __future__ import annotations

from typing import Any


def node(node_id: str, kind: str, **config: Any) -> dict[str, Any]:
    """A node; ``config`` becomes its config. Use ``with_policy`` for policies."""
    return {"id": node_id, "kind": kind, "config": config}


def with_policy(spec: dict[str, Any], **policy: Any) -> dict[str, Any]:
    """A node with retry/timeout_s/on_error/default/fallback_model/label set."""
    return {**spec, **policy}


def edge(
    source: str,
    target: str,
    source_port: str = "out",
    target_port: str = "in",
    edge_id: str | None = None,
) -> dict[str, Any]:
    return {
        "id": edge_id or f"{source}.{source_port}->{target}.{target_port}",
        "source": source,
        "source_port": source_port,
        "target": target,
        "target_port": target_port,
    }


def graph(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, Any]:
    return {"schema_version": 1, "nodes": nodes, "edges": edges}


def llm(node_id: str, **config: Any) -> dict[str, Any]:
    return node(node_id, "llm", model=config.pop("model", "scripted:test"), **config)


def chain(*nodes: dict[str, Any]) -> dict[str, Any]:
    """Nodes connected out -> in in the given order."""
    edges = [edge(a["id"], b["id"]) for a, b in zip(nodes, nodes[1:], strict=False)]
    return graph(list(nodes), edges)


def io_chain(*middle: dict[str, Any]) -> dict[str, Any]:
    """input "input" -> middle... -> output "result"."""
    return chain(node("in", "input"), *middle, node("out", "output", name="result"))
