"""Tool: calls one tool with arguments from config and from its input."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from workflows.engine.kinds.base import KindConfig, NodeKind, formatted
from workflows.engine.ports import Port
from workflows.engine.templates import render_value


class ToolConfig(KindConfig):
    tool: str = formatted("tool", min_length=1, description="Tool name.")
    arguments: dict[str, Any] = Field(
        default_factory=dict,
        description="Arguments; string values may use {{in}} / {{in.key}} placeholders.",
    )


class ToolKind(NodeKind):
    kind = "tool"
    title = "Tool"
    category = "Data"
    description = "Calls a tool; a JSON object on the input adds or overrides arguments."
    color = "#f59e0b"
    Config = ToolConfig
    inputs = [Port("in", "any", required=False)]
    outputs = [Port("out", "any")]

    async def run(self, ctx: Any, node: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        config: ToolConfig = node.config
        args = {key: render_value(value, inputs) for key, value in config.arguments.items()}
        if isinstance(inputs.get("in"), dict):
            args.update(inputs["in"])
        return {"out": await ctx.call_tool(config.tool, args)}
