"""Agent: runs a stored agent (its loop, tools, delegation) on a prompt."""

from __future__ import annotations

from typing import Any

from workflows.engine.kinds.base import KindConfig, NodeKind, formatted
from workflows.engine.ports import Port
from workflows.engine.templates import render


class AgentConfig(KindConfig):
    agent: str = formatted("agent", min_length=1, description="The agent to run.")
    prompt: str = formatted("prompt", "{{in}}", description="Task; {{in}} is the input.")


class AgentKind(NodeKind):
    kind = "agent"
    title = "Agent"
    category = "AI"
    description = "Runs an agent with its tools on the prompt; outputs its final answer."
    color = "#8b5cf6"
    Config = AgentConfig
    inputs = [
        Port("in", "any"),
        Port("context", "any", required=False),
        # earlier chat turns, given to the agent before its task (trimmed to its context)
        Port("history", "messages", required=False),
    ]
    outputs = [Port("out", "text")]

    async def run(self, ctx: Any, node: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        config: AgentConfig = node.config
        prompt = render(config.prompt, inputs)
        result = await ctx.run_agent(config.agent, prompt, inputs)
        return {"out": result.text}
