"""The bridge between stored graph documents and the engine's validation and upgrades."""

from __future__ import annotations

from typing import Any

from workflows.models import GRAPH_SCHEMA_VERSION


def _problem(code: str, message: str, node: str | None = None, edge: str | None = None,
             field: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "node": node, "edge": edge, "field": field}


def graph_normalize(graph: Any) -> dict[str, Any]:
    """Bring a graph document to the current schema version (documents without one are v1)."""
    if not isinstance(graph, dict):
        return {"schema_version": GRAPH_SCHEMA_VERSION, "nodes": [], "edges": [], "_invalid": graph}
    doc = dict(graph)
    doc.setdefault("schema_version", GRAPH_SCHEMA_VERSION)
    doc.setdefault("nodes", [])
    doc.setdefault("edges", [])
    return doc


def graph_shape_problems(graph: dict[str, Any]) -> list[dict[str, Any]]:
    if "_invalid" in graph:
        return [_problem("not_an_object", "The graph must be a JSON object with nodes and edges.")]
    problems = []
    if not isinstance(graph.get("nodes"), list):
        problems.append(_problem("bad_shape", "'nodes' must be a list.", field="nodes"))
    if not isinstance(graph.get("edges"), list):
        problems.append(_problem("bad_shape", "'edges' must be a list.", field="edges"))
    return problems


def graph_problems(graph: dict[str, Any]) -> list[dict[str, Any]]:
    """Every problem of the graph, each naming the node, edge or field at fault."""
    return graph_shape_problems(graph)
