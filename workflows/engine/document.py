"""The graph document (what the canvas edits) and its schema upgrades.

Shape (api.md "Graph document")::

    {"schema_version": 1,
     "nodes": [{"id", "kind", "label", "position": {"x", "y"}, "config": {...},
                "retry": {"count", "backoff_s"}, "timeout_s", "on_error", "default",
                "fallback_model"}],
     "edges": [{"id", "source", "source_port", "target", "target_port"}],
     "viewport": {"x", "y", "zoom"}}

Every shape change bumps ``SCHEMA_VERSION`` and adds one step to ``UPGRADES``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1

OnError = Literal["fail", "continue", "error_edge"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Position(_Strict):
    x: float = 0.0
    y: float = 0.0


class Viewport(_Strict):
    x: float = 0.0
    y: float = 0.0
    zoom: float = 1.0


class RetryPolicy(_Strict):
    count: int = Field(default=0, ge=0, le=20)
    backoff_s: float = Field(default=1.0, ge=0.0, le=3600.0)


class Node(_Strict):
    id: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    label: str = ""
    position: Position = Field(default_factory=Position)
    config: dict[str, Any] = Field(default_factory=dict)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    timeout_s: float | None = Field(default=None, gt=0)
    on_error: OnError = "fail"
    default: Any = None
    fallback_model: str | None = None


class Edge(_Strict):
    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    source_port: str = "out"
    target: str = Field(min_length=1)
    target_port: str = "in"


class Graph(_Strict):
    schema_version: Literal[1] = 1
    nodes: list[Node] = Field(default_factory=list)
    edges: list[Edge] = Field(default_factory=list)
    viewport: Viewport = Field(default_factory=Viewport)


class SchemaVersionError(ValueError):
    """The document's schema_version is newer than this engine or not a number."""


def _default_port(kind: str, side: Literal["inputs", "outputs"], fallback: str) -> str:
    from workflows.engine.kinds.registry import get_kind

    try:
        ports = getattr(get_kind(kind), side)
    except KeyError:
        return fallback
    return ports[0].name if ports else fallback


def _upgrade_0_to_1(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 0 (the first canvas): React-Flow names and edges without ports.

    Nodes had ``type`` + ``data`` instead of ``kind`` + ``config``; edges had optional
    ``sourceHandle``/``targetHandle`` and no ports. Missing ports become the first
    port of the node kind (``out``/``in`` when unknown).
    """
    nodes = []
    kinds: dict[str, str] = {}
    for raw in doc.get("nodes", []):
        node = dict(raw)
        if "kind" not in node and "type" in node:
            node["kind"] = node.pop("type")
        if "config" not in node and "data" in node:
            node["config"] = node.pop("data")
        kinds[str(node.get("id"))] = str(node.get("kind", ""))
        nodes.append(node)
    edges = []
    for index, raw in enumerate(doc.get("edges", [])):
        edge = dict(raw)
        edge.setdefault("id", f"e{index + 1}")
        source_handle = edge.pop("sourceHandle", None)
        target_handle = edge.pop("targetHandle", None)
        if "source_port" not in edge:
            edge["source_port"] = source_handle or _default_port(
                kinds.get(str(edge.get("source")), ""), "outputs", "out"
            )
        if "target_port" not in edge:
            edge["target_port"] = target_handle or _default_port(
                kinds.get(str(edge.get("target")), ""), "inputs", "in"
            )
        edges.append(edge)
    upgraded = {**doc, "nodes": nodes, "edges": edges, "schema_version": 1}
    return upgraded


UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _upgrade_0_to_1}


def upgrade(doc: dict[str, Any]) -> dict[str, Any]:
    """Return ``doc`` upgraded to ``SCHEMA_VERSION`` (step by step) without changing it.

    A document without ``schema_version`` is version 0. A current document is
    returned as a shallow copy; an old one is deep-copied before the steps run.
    Raises :class:`SchemaVersionError` for versions newer than this engine.
    """
    version = doc.get("schema_version", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        raise SchemaVersionError("The graph's schema_version must be a whole number.")
    if version > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"This graph uses schema version {version}; this server understands up to "
            f"{SCHEMA_VERSION}."
        )
    result = copy.deepcopy(doc) if version < SCHEMA_VERSION else dict(doc)
    while version < SCHEMA_VERSION:
        result = UPGRADES[version](result)
        version = result["schema_version"]
    return result


def parse_graph(doc: dict[str, Any] | Graph) -> Graph:
    """Upgrade and parse a document (raises pydantic ``ValidationError``)."""
    if isinstance(doc, Graph):
        return doc
    return Graph.model_validate(upgrade(doc))
