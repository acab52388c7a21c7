from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from agents.llm.agent_loop import AgentSpec, AgentTeam, DelegationError
from agents.llm.base import Message, ToolCall, ToolSpec
from agents.llm.providers.scripted import Reply, ScriptedModel

ADD = ToolSpec(
    "add",
    "Add two numbers.",
    {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}},
)


def call(name: str, i: int = 0, **args: object) -> ToolCall:
    return ToolCall(f"c{i}", name, dict(args))


async def run_tool(tc: ToolCall) -> str:
    if tc.name == "add":
        return str(tc.arguments["a"] + tc.arguments["b"])  # type: ignore[operator]
    raise ValueError(f"tool {tc.name} exploded")


@pytest.mark.asyncio
async def test_the_agent_calls_tools_and_answers_with_their_results() -> None:
    model = ScriptedModel.of([Reply(tool_calls=(call("add", a=2, b=3),)), "The sum is 5."])
    team = AgentTeam(
        {
            "calc": AgentSpec(
                "calc", model, role="mathematician", system_prompt="Use tools.", tools=(ADD,)
            )
        },
        run_tool,
    )
    result = await team.run("calc", "2+3?")
    assert (result.text, result.stop_reason) == ("The sum is 5.", "end")
    second_call = model.calls[1].messages
    assert second_call[0].content.startswith("You are calc, acting as mathematician.")
    assert second_call[-1] == Message("tool", "5", tool_call_id="c0", name="add")
    assert [s.kind for s in result.steps] == ["model", "tool", "model"]


@pytest.mark.asyncio
async def test_tool_errors_go_back_to_the_model_as_tool_results() -> None:
    model = ScriptedModel.of([Reply(tool_calls=(call("boom"),)), "Sorry, it failed."])
    boom = ToolSpec("boom", "Fails.", {"type": "object"})
    team = AgentTeam({"a": AgentSpec("a", model, tools=(boom,))}, run_tool)
    result = await team.run("a", "try")
    assert model.calls[1].messages[-1].content == "Error: ValueError: tool boom exploded"
    assert result.steps[1].error == "ValueError: tool boom exploded"


@pytest.mark.asyncio
async def test_the_step_limit_stops_an_agent_that_keeps_calling_tools() -> None:
    model = ScriptedModel.of(
        [Reply("again", tool_calls=(call("add", a=1, b=1),))], repeat_last=True
    )
    team = AgentTeam({"a": AgentSpec("a", model, tools=(ADD,), max_steps=3)}, run_tool)
    result = await team.run("a", "loop")
    assert result.stop_reason == "max_steps"
    assert len(model.calls) == 3


def delegating_model(target: str | None, answer: str) -> ScriptedModel:
    """Delegates its task to ``target`` once, then answers with what came back."""

    def respond(messages: Sequence[Message], tools: Sequence[ToolSpec]) -> Reply:
        last = messages[-1]
        if last.role == "tool":
            return Reply(f"{answer}<{last.content}>")
        if target is None:
            return Reply(answer)
        return Reply(tool_calls=(call(f"agent__{target}", task=f"help {last.content}"),))

    return ScriptedModel(responder=respond)


def chain_team(names: list[str], loop_back: str | None = None) -> AgentTeam:
    agents = {}
    for i, name in enumerate(names):
        target = names[i + 1] if i + 1 < len(names) else loop_back
        agents[name] = AgentSpec(
            name, delegating_model(target, name), delegates=(target,) if target else ()
        )
    return AgentTeam(agents)


@pytest.mark.asyncio
async def test_agents_delegate_to_other_agents_up_to_depth_three() -> None:
    result = await chain_team(["a", "b", "c"]).run("a", "task")
    assert result.text == "a<b<c>>"
    assert [s.kind for s in result.steps] == ["model", "delegate", "model"]


@pytest.mark.asyncio
async def test_a_fourth_level_of_delegation_is_refused_with_the_path() -> None:
    result = await chain_team(["a", "b", "c", "d"]).run("a", "task")
    assert result.text == (
        "a<b<c<Error: DelegationError: delegation depth limit 3 reached: a → b → c → d>>>"
    )


@pytest.mark.asyncio
async def test_a_delegation_cycle_is_refused() -> None:
    result = await chain_team(["a", "b"], loop_back="a").run("a", "task")
    assert "delegation cycle refused: a → b → a" in result.text


@pytest.mark.asyncio
async def test_an_agent_may_only_delegate_to_its_listed_delegates() -> None:
    sneaky = ScriptedModel.of([Reply(tool_calls=(call("agent__b", task="x"),)), "done"])
    team = AgentTeam({"a": AgentSpec("a", sneaky), "b": AgentSpec("b", ScriptedModel.of(["b"]))})
    result = await team.run("a", "task")
    assert "a may not delegate to 'b'" in (result.steps[1].error or "")


@pytest.mark.asyncio
async def test_running_an_agent_already_in_the_chain_raises() -> None:
    with pytest.raises(DelegationError, match="cycle refused: a → a"):
        await chain_team(["a"]).run("a", "task", chain=("a",))


@pytest.mark.asyncio
async def test_delegates_are_offered_as_tools_and_events_are_emitted() -> None:
    events: list[tuple[str, dict[str, object]]] = []
    team = chain_team(["a", "b"])
    team.on_event = lambda kind, data: events.append((kind, data))
    await team.run("a", "task")
    offered = team.agents["a"].model.calls[0].tools  # type: ignore[attr-defined]
    assert [t.name for t in offered] == ["agent__b"]
    assert [k for k, _ in events] == [
        "model_reply",
        "tool_call",
        "model_reply",
        "tool_result",
        "model_reply",
    ]
    assert json.dumps(events[1][1]["arguments"]) == '{"task": "help task"}'
