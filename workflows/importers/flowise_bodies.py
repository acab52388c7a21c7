"""Flowise's loop (jump back to an earlier node) and iteration (a container of child nodes)
as our loop and map nodes with bodies."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from workflows.importers.common import GraphBuilder
from workflows.importers.shape import cut_body, items_as_list, node_of


def _reach(builder: GraphBuilder, start: str, forward: bool) -> set[str]:
    step: dict[str, set[str]] = defaultdict(set)
    for e in builder.edges:
        a, b = (e["source"], e["target"]) if forward else (e["target"], e["source"])
        step[a].add(b)
    seen, todo = {start}, [start]
    while todo:
        for nxt in step[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def cut_loops(ctx: dict[str, Any]) -> None:
    builder: GraphBuilder = ctx["builder"]
    for loop_id, back in ctx["loops"]:
        if node_of(builder, back) is None:
            ctx["report"].warnings.append(
                f"{loop_id}: it loops back to “{back}”, which is not in the file; "
                "its body is empty."
            )
            members: list[str] = []
        else:
            on_path = _reach(builder, back, True) & _reach(builder, loop_id, False)
            members = [n["id"] for n in builder.nodes if n["id"] in on_path - {loop_id}]
        if members:
            cut_body(builder, loop_id, members, "state", "state", "in")
        else:
            _empty_body(builder, loop_id, "state", "state")


def cut_iterations(ctx: dict[str, Any]) -> None:
    builder: GraphBuilder = ctx["builder"]
    for map_id in ctx["maps"]:
        members = [n["id"] for n in builder.nodes if ctx["parents"].get(n["id"]) == map_id]
        if members:
            cut_body(builder, map_id, members, "item", "result", "items")
        else:
            _empty_body(builder, map_id, "item", "result")
        items_as_list(builder, map_id, ctx["report"])


def _empty_body(builder: GraphBuilder, node_id: str, needs: str, gives: str) -> None:
    body = GraphBuilder()
    body.add("body_in", "input", needs.capitalize(), name=needs)
    body.add("body_out", "output", gives.capitalize(), name=gives)
    body.connect("body_in", "body_out")
    target = node_of(builder, node_id)
    if target is not None:
        target["config"]["body"] = body.graph()
