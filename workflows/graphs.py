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


def graph_problems(graph: Any, workflow: Any = None) -> list[dict[str, Any]]:
    """Every problem of the graph, each naming the node, edge or field at fault; with
    ``workflow``, a subflow node calling that same workflow is one too."""
    refs = frozenset({workflow.slug, str(workflow.pk)}) if workflow is not None else frozenset()
    return [problem.as_dict() for problem in validate(graph, self_refs=refs)]
