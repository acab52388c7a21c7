"""A workflow as a tool description: its Input nodes become the JSON Schema of the arguments."""

from __future__ import annotations

from typing import Any

PORT_SCHEMAS: dict[str, dict[str, Any]] = {
    "text": {"type": "string"},
    "json": {},
    "messages": {"type": "array", "items": {"type": "object"}},
    "list": {"type": "array"},
    "bool": {"type": "boolean"},
    "any": {},
}


def _property(config: dict[str, Any]) -> dict[str, Any]:
    prop = dict(PORT_SCHEMAS.get(str(config.get("type", "any")), {}))
    if config.get("description"):
        prop["description"] = str(config["description"])
    if config.get("default") is not None:
        prop["default"] = config["default"]
    return prop


def graph_input_schema(graph: dict[str, Any]) -> dict[str, Any]:
    """`{"type": "object", "properties": {name: ...}, "required": [...]}` from the Input
    nodes (their name, port type, description, default and required flag)."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for node in graph.get("nodes", []):
        if node.get("kind") != "input":
            continue
        config = node.get("config") or {}
        name = str(config.get("name") or "input")
        properties[name] = _property(config)
        if config.get("required") and name not in required:
            required.append(name)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def graph_step_count(graph: dict[str, Any]) -> int:
    """How many nodes a run may settle (notes never run): the `total` of progress reports."""
    return sum(1 for node in graph.get("nodes", []) if node.get("kind") != "note")
