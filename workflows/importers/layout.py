"""A simple layered layout: each node's column is its longest path from a source.

Used for imported graphs and the gallery's templates, so nobody places nodes by hand. Nodes
in a column are stacked in the order they were given; notes go in a row below the flow.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

COLUMN_W = 320
ROW_H = 150


def _columns(node_ids: list[str], edges: list[dict[str, Any]]) -> dict[str, int]:
    ids = set(node_ids)
    preds: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        if edge["source"] in ids and edge["target"] in ids and edge["source"] != edge["target"]:
            preds[edge["target"]].add(edge["source"])
    column: dict[str, int] = {}

    def depth(node_id: str, path: frozenset[str]) -> int:
        if node_id not in column:
            inner = path | {node_id}
            column[node_id] = max(
                (depth(p, inner) + 1 for p in preds[node_id] if p not in inner), default=0
            )
        return column[node_id]

    for node_id in node_ids:
        depth(node_id, frozenset())
    return column


def layout(graph: dict[str, Any]) -> dict[str, Any]:
    """Set ``position`` of every node (and of the nodes of loop and map bodies) in place."""
    nodes = graph.get("nodes", [])
    flow = [n for n in nodes if n.get("kind") != "note"]
    column = _columns([n["id"] for n in flow], graph.get("edges", []))
    rows: dict[int, int] = defaultdict(int)
    for node in flow:
        col = column[node["id"]]
        node["position"] = {"x": col * COLUMN_W, "y": rows[col] * ROW_H}
        rows[col] += 1
    bottom = (max(rows.values(), default=0) + 1) * ROW_H
    for index, node in enumerate(n for n in nodes if n.get("kind") == "note"):
        node["position"] = {"x": index * COLUMN_W, "y": bottom}
    for node in nodes:
        body = node.get("config", {}).get("body")
        if isinstance(body, dict):
            layout(body)
    return graph
