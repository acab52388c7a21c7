"""Node-kind registry: kind -> dotted path of its class, imported lazily."""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import Any

from workflows.engine.kinds.base import NodeKind

_P = "workflows.engine.kinds."

KINDS: dict[str, str] = {
    "input": _P + "input.InputKind",
    "output": _P + "output.OutputKind",
    "agent": _P + "agent.AgentKind",
    "llm": _P + "llm.LlmKind",
    "tool": _P + "tool.ToolKind",
    "condition": _P + "condition.ConditionKind",
    "router": _P + "router.RouterKind",
    "join": _P + "join.JoinKind",
    "map": _P + "map.MapKind",
    "loop": _P + "loop.LoopKind",
    "approval": _P + "approval.ApprovalKind",
    "subflow": _P + "subflow.SubflowKind",
    "memory_read": _P + "memory_read.MemoryReadKind",
    "memory_write": _P + "memory_write.MemoryWriteKind",
    "critic_panel": _P + "critic_panel.CriticPanelKind",
    "note": _P + "note.NoteKind",
}


@cache
def _load(path: str) -> type[NodeKind]:
    module_name, _, attr = path.rpartition(".")
    cls = getattr(import_module(module_name), attr)
    if not (isinstance(cls, type) and issubclass(cls, NodeKind)):
        raise TypeError(f"{path} is not a NodeKind")
    return cls


def get_kind(kind: str) -> type[NodeKind]:
    """The class of a registered kind; ``KeyError`` when unknown."""
    return _load(KINDS[kind])


def catalog() -> list[dict[str, Any]]:
    """Every kind in the api.md "Node-kind catalog" shape, in registry order."""
    return [get_kind(kind).catalog_entry() for kind in KINDS]
