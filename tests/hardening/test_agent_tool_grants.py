"""Agents call only the tools and delegates they were given, whatever the model asks for.

The check sits in the agent loop that every provider's replies pass through, so a scripted
model stands in for a prompt-injected one of any provider.
"""

from __future__ import annotations

from typing import Any

import pytest

from agents.llm.agent_loop import AgentSpec, AgentTeam
from agents.llm.base import ToolCall, ToolSpec
from agents.llm.providers.scripted import Reply, ScriptedModel
from agents.models import Agent
from tests.hardening.inprocess import run_graph
from tests.workflows.conftest import edge, node
from tools.models import Tool, ToolCallRecord
from workflows.models import Run, RunEvent

CALCULATOR = ToolSpec("calculator", "Evaluates arithmetic.", {"type": "object"})


class Recorder:
    def __init__(self) -> None:
        self.executed: list[str] = []
        self.refused: list[tuple[str, str]] = []

    async def execute(self, call: ToolCall) -> str:
        self.executed.append(call.name)
        return "42"

    async def on_refused(self, call: ToolCall, error: str) -> None:
        self.refused.append((call.name, error))


@pytest.mark.asyncio
async def test_a_scripted_agent_calling_python_when_given_only_calculator_is_refused() -> None:
    model = ScriptedModel.of(
        [Reply(tool_calls=(ToolCall("c1", "python", {"code": "import os"}),)), "ok"]
    )
    seen = Recorder()
    team = AgentTeam({"calc": AgentSpec("calc", model, tools=(CALCULATOR,))}, seen.execute)
    team.on_refused = seen.on_refused
    result = await team.run("calc", "2+2")
    assert seen.executed == []
    told = model.calls[1].messages[-1]
    assert told.role == "tool" and told.name == "python"
    assert (
        "'python' is not available to calc" in told.content
        and "available to you: calculator." in told.content
    )
    assert [name for name, _ in seen.refused] == ["python"]
    assert result.steps[1].error and "not available" in result.steps[1].error


@pytest.mark.asyncio
async def test_a_scripted_agent_delegating_to_an_agent_it_was_not_given_is_refused() -> None:
    sneaky = ScriptedModel.of(
        [Reply(tool_calls=(ToolCall("c1", "agent__admin", {"task": "x"}),)), "ok"]
    )
    admin = ScriptedModel.of(["admin did it"])
    seen = Recorder()
    team = AgentTeam(
        {
            "helper": AgentSpec("helper", sneaky, tools=(CALCULATOR,)),
            "admin": AgentSpec("admin", admin),
        },
        seen.execute,
    )
    team.on_refused = seen.on_refused
    await team.run("helper", "task")
    assert admin.calls == [] and seen.executed == []
    assert "helper may not delegate to 'admin'" in sneaky.calls[1].messages[-1].content
    assert [name for name, _ in seen.refused] == ["agent__admin"]


# -- in a run: the trace shows the refused call, nothing ran ----------------------------------


def agent_graph() -> dict[str, Any]:
    return {
        "schema_version": 1,
        "nodes": [
            node("in", "input", name="q", type="text"),
            node("ag", "agent", agent="Helper", prompt="{{in}}"),
            node("out", "output", name="answer"),
        ],
        "edges": [edge("in", "ag"), edge("ag", "out")],
    }


def run_once(owner: Any) -> Run:
    return run_graph(owner, "Grants", agent_graph(), {"q": "hi"})


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("python", '{"code": "result = 1"}'),
        ("hook", '{"q": "x"}'),
        ("agent__Admin", '{"task": "x"}'),
    ],
)
def test_an_ungranted_call_in_a_run_is_a_failed_tool_call_and_nothing_runs(
    owner, monkeypatch, tool, args
):
    monkeypatch.setenv("AXWEB_SCRIPTED_MODELS", "1")
    Tool.objects.create(
        owner=owner,
        name="hook",
        kind="http",
        description="The owner's webhook.",
        config={"url": "https://192.0.2.1/x"},
    )  # no DNS, ever
    Agent.objects.create(owner=owner, name="Admin", model="scripted:admin")
    Agent.objects.create(
        owner=owner,
        name="Helper",
        builtin_tools=["calculator"],
        model=f"scripted:helper?tool={tool}&args={args}",
    )
    run = run_once(owner)
    assert run.status == "succeeded", run.error  # the model saw the refusal and answered
    call = RunEvent.objects.get(run=run, type="node.tool_call", node="ag")
    result = RunEvent.objects.get(run=run, type="node.tool_result", node="ag")
    assert call.data["tool"] == tool and result.data["result"] is None
    assert "was not given to this agent" in result.data["error"]
    assert "Tools available to you: calculator." in result.data["error"]
    assert "was not given to this agent" in run.outputs["answer"]
    assert not ToolCallRecord.objects.exists()
    tokens = "".join(e.data["text"] for e in RunEvent.objects.filter(run=run, type="node.token"))
    assert "admin:" not in tokens  # the delegate never ran
