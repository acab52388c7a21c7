"""The bridge between stored graph documents and the engine's validation and upgrades."""

from __future__ import annotations

from typing import Any

from workflows.engine import upgrade, validate
from workflows.engine.document import SchemaVersionError


def graph_normalize(graph: Any) -> Any:
    """Bring a graph document to the current schema version; leave what cannot be read as is
    (validation then says what is wrong with it)."""
    if not isinstance(graph, dict):
        return graph
    try:
        return upgrade(graph)
    except (SchemaVersionError, TypeError, ValueError, KeyError, AttributeError):
        return graph


def graph_problems(graph: Any) -> list[dict[str, Any]]:
    """Every problem of the graph, each naming the node, edge or field at fault."""
    return [problem.as_dict() for problem in validate(graph)]
