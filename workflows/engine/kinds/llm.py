"""LLM: one model call with a system and a user prompt."""

from __future__ import annotations

import json
from typing import Any, Literal, TypeGuard

from pydantic import Field

from workflows.engine.errors import NodeFailed
from workflows.engine.kinds.base import KindConfig, NodeKind, formatted
from workflows.engine.ports import Port
from workflows.engine.templates import render


def is_messages(value: Any) -> TypeGuard[list[dict[str, Any]]]:
    """A chat transcript: a non-empty list of ``{"role", "content"}`` objects."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(m, dict) and "role" in m and "content" in m for m in value)
    )


class LlmConfig(KindConfig):
    model: str = formatted("model", min_length=1, description="Model reference.")
    system: str = formatted("prompt", "", description="System prompt.")
    prompt: str = formatted("prompt", "{{in}}", description="User prompt; {{in}} is the input.")
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    max_tokens: int | None = Field(None, ge=1, le=200_000)
    output: Literal["text", "json"] = "text"


class LlmKind(NodeKind):
    kind = "llm"
    title = "LLM"
    category = "AI"
    description = (
        "Sends a prompt (or a chat transcript arriving on its input) to a model and "
        "outputs the reply (text or parsed JSON)."
    )
    color = "#a855f7"
    Config = LlmConfig
    inputs = [Port("in", "any")]
    outputs = [Port("out", "text")]
    dynamic_ports = True

    @classmethod
    def ports(cls, config: Any) -> tuple[list[Port], list[Port]]:
        return cls.inputs, [Port("out", "json" if config.output == "json" else "text")]

    async def run(self, ctx: Any, node: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        config: LlmConfig = node.config
        messages: list[dict[str, Any]] = []
        if config.system:
            messages.append(
                {"role": "system", "content": render(config.system, inputs, append=None)}
            )
        conversation = inputs.get("in")
        if is_messages(conversation):
            messages.extend(conversation)
            if config.prompt != "{{in}}":
                messages.append(
                    {"role": "user", "content": render(config.prompt, inputs, append=None)}
                )
        else:
            messages.append({"role": "user", "content": render(config.prompt, inputs)})
        params = {
            k: v
            for k, v in (("temperature", config.temperature), ("max_tokens", config.max_tokens))
            if v is not None
        }
        result = await ctx.call_model(config.model, messages, params=params)
        if config.output == "text":
            return {"out": result.text}
        try:
            return {"out": json.loads(result.text)}
        except ValueError:
            raise NodeFailed("The model did not reply with valid JSON.") from None
