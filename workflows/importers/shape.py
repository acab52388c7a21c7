"""Turning a mapped graph into one that validates: notes bridged, bodies cut out, an input
and outputs added. Works on a ``GraphBuilder`` in place."""

from __future__ import annotations

import json
from typing import Any

from workflows.importers.common import GraphBuilder, Report


def node_of(builder: GraphBuilder, node_id: str) -> dict[str, Any] | None:
    return next((n for n in builder.nodes if n["id"] == node_id), None)


def bridge_notes(builder: GraphBuilder, report: Report) -> None:
    """A component that became a note no longer carries data: what flowed into it flows on
    to what came after it."""
    notes = {n["id"] for n in builder.nodes if n["kind"] == "note"}
    for note in notes:
        ins = [e for e in builder.edges if e["target"] == note]
        outs = [e for e in builder.edges if e["source"] == note]
        builder.edges = [e for e in builder.edges if note not in (e["source"], e["target"])]
        for a in ins:
            for b in outs:
                builder.connect(a["source"], b["target"], a["source_port"], b["target_port"])
        if ins and outs:
            report.warnings.append(f"{note}: the flow passes straight through this note.")


def cut_body(
    builder: GraphBuilder,
    container: str,
    members: list[str],
    needs: str,
    gives: str,
    in_port: str,
) -> None:
    """Move ``members`` into the body of the loop or map node ``container``: their entry gets
    the body input ``needs``; what left them goes through the body output ``gives``."""
    inside = set(members)
    body = GraphBuilder()
    body.nodes = [n for n in builder.nodes if n["id"] in inside]
    body.add("body_in", "input", needs.capitalize(), name=needs)
    body.add("body_out", "output", gives.capitalize(), name=gives)
    kept: list[dict[str, Any]] = []
    exits = set()
    for edge in builder.edges:
        src_in, dst_in = edge["source"] in inside, edge["target"] in inside
        if src_in and dst_in:
            body.edges.append(edge)
        elif dst_in:
            body.connect("body_in", edge["target"], "out", edge["target_port"])
            if edge["source"] != container:
                kept.append(
                    {
                        **edge,
                        "target": container,
                        "target_port": in_port,
                        "id": f"{edge['source']}.{edge['source_port']}-{container}.{in_port}",
                    }
                )
        elif src_in:
            exits.add((edge["source"], edge["source_port"]))
            if edge["target"] != container:
                kept.append(
                    {
                        **edge,
                        "source": container,
                        "source_port": "out",
                        "id": f"{container}.out-{edge['target']}.{edge['target_port']}",
                    }
                )
        else:
            kept.append(edge)
    for source, port in sorted(exits)[:1]:
        body.connect(source, "body_out", port, "in")
    builder.nodes = [n for n in builder.nodes if n["id"] not in inside]
    builder.edges = []
    for edge in kept:
        builder.connect(edge["source"], edge["target"], edge["source_port"], edge["target_port"])
    _close_body(body)
    target = node_of(builder, container)
    if target is not None:
        target["config"]["body"] = body.graph()


def _close_body(body: GraphBuilder) -> None:
    """Members nothing feeds get the body input; with no exit, the last member feeds the body
    output (a Flowise iteration's children are not wired to it)."""
    members = [n["id"] for n in body.nodes if n["id"] not in ("body_in", "body_out")]
    for member in members:
        if not any(e["target"] == member for e in body.edges):
            body.connect("body_in", member)
    if not any(e["target"] == "body_out" for e in body.edges):
        body.connect(members[-1] if members else "body_in", "body_out")


def items_as_list(builder: GraphBuilder, map_id: str, report: Report) -> None:
    """A map takes a list: an input feeding it is typed list (a JSON default is parsed); an
    LLM feeding it answers in JSON, passed on untyped through a join (a text port cannot feed
    a list port)."""
    for edge in [e for e in builder.edges if e["target"] == map_id]:
        source = node_of(builder, edge["source"]) or {}
        if source.get("kind") == "input":
            source["config"]["type"] = "list"
            source["config"]["default"] = _list_default(source["config"].get("default"))
            continue
        if source.get("kind") == "llm":
            source["config"]["output"] = "json"
        bridge = f"{map_id}_items"
        builder.add(bridge, "join", "Items", policy="all")
        builder.edges.remove(edge)
        builder.connect(edge["source"], bridge, edge["source_port"], "in")
        builder.connect(bridge, map_id, "first", "items")
        report.warnings.append(
            f"{map_id}: it iterates over the JSON list that “{edge['source']}” answers."
        )


def _list_default(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    return value if isinstance(value, list) or value is None else [value]


def ensure_ends(builder: GraphBuilder, report: Report) -> None:
    """An input where nothing starts the flow, an output after every node nothing follows."""
    flow = [n for n in builder.nodes if n["kind"] != "note"]
    if flow and not any(n["kind"] == "input" for n in flow):
        builder.nodes.insert(
            0,
            {
                "id": "input",
                "kind": "input",
                "label": "Input",
                "config": {"name": "input", "type": "text"},
            },
        )
        for n in flow:
            if not any(e["target"] == n["id"] for e in builder.edges):
                builder.connect("input", n["id"])
                break
        report.warnings.append("No start component: an input named “input” was added.")
    sources = {e["source"] for e in builder.edges}
    for n in list(builder.nodes):
        if n["kind"] in ("note", "output", "input") or n["id"] in sources:
            continue
        port = _first_output(n)
        if port is None:
            continue
        out_id = f"{n['id']}_output"
        builder.add(out_id, "output", f"{n['label'] or n['id']} (output)", name=n["id"])
        builder.connect(n["id"], out_id, port, "in")


def _first_output(node: dict[str, Any]) -> str | None:
    return {
        "condition": "true",
        "router": None,
        "approval": "approved",
        "critic_panel": "out",
    }.get(node["kind"], "out")
