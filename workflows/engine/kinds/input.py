"""Input: a value given when the run starts (``inputs[name]``), or, in chat mode, a chat turn."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from workflows.engine.errors import PermanentFailure
from workflows.engine.kinds.base import KindConfig, NodeKind
from workflows.engine.ports import Port, PortType

CHAT_PORTS = [Port("out", "text"), Port("history", "messages"), Port("messages", "messages")]


class InputConfig(KindConfig):
    name: str = Field("input", min_length=1, description="Key in the run's inputs.")
    type: PortType = "any"
    default: Any = None
    required: bool = False
    description: str = ""
    chat: bool = Field(
        False,
        description="Chat mode: receives a chat turn ({message, history}); outputs the "
        "message (out), the earlier turns (history) and both as one transcript (messages).",
    )


def chat_history(value: Any) -> list[dict[str, Any]]:
    """The earlier turns as a transcript: only ``{"role", "content"}`` items are kept."""
    if not isinstance(value, list):
        return []
    return [
        {"role": str(m["role"]), "content": str(m["content"])}
        for m in value
        if isinstance(m, dict) and "role" in m and "content" in m
    ]


class InputKind(NodeKind):
    kind = "input"
    title = "Input"
    category = "Data"
    description = "A value given when the run starts; where the flow begins."
    color = "#0ea5e9"
    Config = InputConfig
    outputs = [Port("out", "any")]
    dynamic_ports = True

    @classmethod
    def ports(cls, config: Any) -> tuple[list[Port], list[Port]]:
        if config.chat:
            return [], list(CHAT_PORTS)
        return [], [Port("out", config.type)]

    async def run(self, ctx: Any, node: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        config: InputConfig = node.config
        if config.chat:
            message = ctx.run_inputs.get("message")
            if not isinstance(message, str) or not message.strip():
                raise PermanentFailure('A chat input needs a non-empty "message" in the inputs.')
            history = chat_history(ctx.run_inputs.get("history"))
            turn = {"role": "user", "content": message}
            return {"out": message, "history": history, "messages": [*history, turn]}
        if config.name in ctx.run_inputs:
            return {"out": ctx.run_inputs[config.name]}
        if config.required:
            raise PermanentFailure(f'The run needs an input named "{config.name}".')
        return {"out": config.default}
