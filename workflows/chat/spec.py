"""How a flow talks (docs/engine.md, Chat): one Input node in chat mode receives the turn
(`{message, history}`), one Output node in chat mode holds the answer, and the tokens of the
node(s) feeding that output stream into the chat. Pure: reads a graph document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

HOW_TO = (
    "Add an Input node and turn on its chat mode (config `chat: true`): it outputs the message "
    "(`out`), the earlier turns (`history`) and both as one transcript (`messages`). Connect "
    "`out` to an agent's input (and `history` to its history input), or `messages` to an LLM "
    "node. Then add an Output node in chat mode, fed by the node whose answer should appear in "
    "the chat. Save a version (or use the editor's playground, which runs the draft)."
)


@dataclass
class ChatSpec:
    can_chat: bool
    reason: str = ""
    inputs: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    output_name: str = ""
    stream_nodes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "can_chat": self.can_chat,
            "reason": self.reason,
            "how_to": "" if self.can_chat else HOW_TO,
            "inputs": self.inputs,
            "outputs": self.outputs,
        }


def _config(node: dict[str, Any]) -> dict[str, Any]:
    config = node.get("config")
    return config if isinstance(config, dict) else {}


def _nodes(graph: Any, kind: str) -> list[dict[str, Any]]:
    nodes = graph.get("nodes") if isinstance(graph, dict) else None
    return [n for n in nodes or [] if isinstance(n, dict) and n.get("kind") == kind]


def _item(node: dict[str, Any], default: str) -> dict[str, Any]:
    config = _config(node)
    return {
        "node": node.get("id"),
        "name": config.get("name", default),
        "chat": bool(config.get("chat")),
        "label": node.get("label") or node.get("id"),
    }


def chat_spec(graph: Any) -> ChatSpec:
    """Whether `graph` can chat, why not, and where its answer comes from."""
    inputs = [_item(n, "input") for n in _nodes(graph, "input")]
    outputs = [_item(n, "output") for n in _nodes(graph, "output")]
    chat_in = [i for i in inputs if i["chat"]]
    chat_out = [o for o in outputs if o["chat"]]
    spec = ChatSpec(False, inputs=inputs, outputs=outputs)
    if not chat_in:
        spec.reason = "This workflow has no chat input: no Input node is in chat mode."
        return spec
    if not chat_out:
        spec.reason = "This workflow has no chat output: no Output node is in chat mode."
        return spec
    spec.can_chat, spec.output_name = True, str(chat_out[0]["name"])
    edges = graph.get("edges") or []
    spec.stream_nodes = [
        str(e.get("source"))
        for e in edges
        if isinstance(e, dict) and e.get("target") == chat_out[0]["node"]
    ]
    return spec
