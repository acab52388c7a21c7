"""What a template is: a graph (built for a model) plus the agents, tools and knowledge it needs.

A template module declares ``Template`` values with the small builders below; positions come
from the layered layout, so a template lists nodes and edges only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workflows.importers.layout import layout

BUILTIN_MODEL = "builtin:smollm2-135m"
#: Short replies keep the builtin model's runs to seconds.
AGENT_PARAMETERS = {"max_tokens": 96, "temperature": 0}


@dataclass(frozen=True)
class AgentSpec:
    name: str
    role: str
    system_prompt: str
    builtin_tools: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()
    delegates: tuple[str, ...] = ()


@dataclass(frozen=True)
class ToolSpec:
    """A user tool the template creates (python code or an agent-as-tool)."""

    name: str
    kind: str
    description: str
    config: dict[str, Any]
    input_schema: dict[str, Any] = field(default_factory=lambda: {"type": "object"})


@dataclass(frozen=True)
class KnowledgeSpec:
    collection: str
    description: str
    documents: tuple[tuple[str, str], ...]  # (title, markdown text)


@dataclass(frozen=True)
class Template:
    slug: str
    name: str
    category: str
    description: str
    build: Callable[[str], dict[str, Any]]  # model reference -> graph document
    inputs: dict[str, Any]  # a sample run's inputs
    agents: tuple[AgentSpec, ...] = ()
    tools: tuple[ToolSpec, ...] = ()
    knowledge: KnowledgeSpec | None = None
    tags: tuple[str, ...] = ()

    def graph(self, model: str = BUILTIN_MODEL) -> dict[str, Any]:
        return layout(self.build(model))


def node(node_id: str, kind: str, label: str, **config: Any) -> dict[str, Any]:
    return {"id": node_id, "kind": kind, "label": label, "config": config}


def edge(
    source: str, target: str, source_port: str = "out", target_port: str = "in"
) -> dict[str, Any]:
    return {
        "id": f"{source}.{source_port}-{target}.{target_port}",
        "source": source,
        "source_port": source_port,
        "target": target,
        "target_port": target_port,
    }


def chain(*ids: str) -> list[dict[str, Any]]:
    """Edges out → in along ``ids``."""
    return [edge(a, b) for a, b in zip(ids, ids[1:], strict=False)]


def graph(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, Any]:
    return {"schema_version": 1, "nodes": nodes, "edges": edges}


def text_input(name: str, label: str, description: str, default: Any = None) -> dict[str, Any]:
    return node(
        "input",
        "input",
        label,
        name=name,
        type="text",
        required=default is None,
        description=description,
        **({"default": default} if default is not None else {}),
    )


def output(node_id: str, name: str, label: str) -> dict[str, Any]:
    return node(node_id, "output", label, name=name)
