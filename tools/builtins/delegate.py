"""Agent-as-tool and workflow-as-tool: a stored agent or workflow callable like a tool.

They need the agent/workflow layers, reached through ``ctx.run_agent`` and
``ctx.run_workflow`` (supplied by the caller); the tools only shape input and output.
"""

from __future__ import annotations

from typing import Any

from tools.base import Tool, ToolContext, ToolError

AGENT_INPUT = {
    "type": "object",
    "properties": {
        "prompt": {"type": "string", "minLength": 1},
        "inputs": {"type": "object"},
    },
    "required": ["prompt"],
    "additionalProperties": False,
}


class AgentTool(Tool):
    """Delegate a task to the stored agent ``agent_ref``; returns its final answer."""

    input_schema = AGENT_INPUT
    permissions = frozenset({"agents"})

    def __init__(
        self, name: str, agent_ref: str, description: str = "", timeout_s: float = 300.0
    ) -> None:
        self.name = name
        self.agent_ref = agent_ref
        self.description = description or f"Ask the agent '{agent_ref}' to do a task."
        self.timeout_s = timeout_s

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
        if ctx.run_agent is None:
            raise ToolError("agents cannot be called from this context", code="unavailable")
        answer = await ctx.run_agent(self.agent_ref, args["prompt"], args.get("inputs", {}))
        return {"agent": self.agent_ref, "answer": answer}


class WorkflowTool(Tool):
    """Run the stored workflow ``workflow_ref`` with the arguments as its inputs."""

    permissions = frozenset({"workflows"})

    def __init__(
        self,
        name: str,
        workflow_ref: str,
        description: str = "",
        input_schema: dict[str, Any] | None = None,
        timeout_s: float = 600.0,
    ) -> None:
        self.name = name
        self.workflow_ref = workflow_ref
        self.description = description or f"Run the workflow '{workflow_ref}'."
        self.input_schema = input_schema or {"type": "object"}
        self.timeout_s = timeout_s

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
        if ctx.run_workflow is None:
            raise ToolError("workflows cannot be called from this context", code="unavailable")
        outputs = await ctx.run_workflow(self.workflow_ref, args)
        return {"workflow": self.workflow_ref, "outputs": outputs}
