from __future__ import annotations

from typing import Any

import pytest

from tools.base import ToolContext, ToolError
from tools.builtins.delegate import AgentTool, WorkflowTool


@pytest.mark.asyncio
async def test_agent_tool_calls_run_agent_with_its_ref() -> None:
    calls: list[tuple] = []

    async def run_agent(ref: str, prompt: str, inputs: dict[str, Any]) -> str:
        calls.append((ref, prompt, inputs))
        return "done"

    tool = AgentTool("ask_researcher", "researcher")
    out = await tool.invoke(ToolContext(run_agent=run_agent), {"prompt": "find x"})
    assert out == {"agent": "researcher", "answer": "done"}
    assert calls == [("researcher", "find x", {})]


@pytest.mark.asyncio
async def test_workflow_tool_passes_arguments_as_inputs() -> None:
    async def run_workflow(ref: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {"summary": f"{ref}:{inputs['text']}"}

    tool = WorkflowTool(
        "summarise",
        "wf-1",
        input_schema={
            "type": "object",
            "properties": {"text": {"type": "string"}},
            "required": ["text"],
        },
    )
    out = await tool.invoke(ToolContext(run_workflow=run_workflow), {"text": "hi"})
    assert out == {"workflow": "wf-1", "outputs": {"summary": "wf-1:hi"}}
    with pytest.raises(ToolError, match="'text' is required"):
        await tool.invoke(ToolContext(run_workflow=run_workflow), {})


@pytest.mark.asyncio
async def test_delegation_without_the_callable_is_unavailable() -> None:
    with pytest.raises(ToolError) as caught:
        await AgentTool("a", "b").invoke(ToolContext(), {"prompt": "x"})
    assert caught.value.code == "unavailable"
