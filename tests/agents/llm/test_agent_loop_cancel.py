"""Cancelling stops an agent between model turns and between tool calls, never as a tool error."""

from __future__ import annotations

import asyncio

import pytest

from agents.llm.agent_loop import AgentSpec, AgentTeam
from agents.llm.base import ToolCall, ToolSpec
from agents.llm.providers.scripted import Reply, ScriptedModel

TICK = ToolSpec("tick", "Counts.", {"type": "object"})


class Stopped(Exception):
    """What the run context raises at a boundary once the run is cancelled."""


class Switch:
    """A checkpoint that raises once ``cancel()`` was called, counting its checks."""

    def __init__(self) -> None:
        self.cancelled, self.checks = False, 0

    def cancel(self) -> None:
        self.cancelled = True

    async def __call__(self) -> None:
        self.checks += 1
        if self.cancelled:
            raise Stopped("The run was cancelled.")


def ticking_model() -> ScriptedModel:
    """Calls ``tick`` on every turn, forever (the step limit would end it at 6 turns)."""
    return ScriptedModel.of([Reply(tool_calls=(ToolCall("t", "tick", {}),))], repeat_last=True)


@pytest.mark.asyncio
async def test_a_cancel_during_a_tool_call_stops_before_the_next_model_turn() -> None:
    switch, model = Switch(), ticking_model()

    async def tick(call: ToolCall) -> str:
        switch.cancel()  # the person presses "cancel" while the tool runs
        return "ticked"

    team = AgentTeam({"a": AgentSpec("a", model, tools=(TICK,))}, tick, checkpoint=switch)
    with pytest.raises(Stopped):
        await team.run("a", "go")
    assert len(model.calls) == 1


@pytest.mark.asyncio
async def test_a_cancel_during_a_model_turn_stops_before_its_tool_calls_run() -> None:
    switch, ran = Switch(), []
    model = ScriptedModel.of([Reply(tool_calls=(ToolCall("t", "tick", {}),), delay=0.05)])

    async def tick(call: ToolCall) -> str:
        ran.append(call.name)
        return "ticked"

    team = AgentTeam({"a": AgentSpec("a", model, tools=(TICK,))}, tick, checkpoint=switch)
    task = asyncio.ensure_future(team.run("a", "go"))
    await asyncio.sleep(0.01)
    switch.cancel()
    with pytest.raises(Stopped):
        await task
    assert ran == []


@pytest.mark.asyncio
async def test_a_cancelled_tool_call_is_not_handed_to_the_model_as_a_tool_error() -> None:
    switch, model = Switch(), ticking_model()

    async def tick(call: ToolCall) -> str:
        switch.cancel()
        raise Stopped("The run was cancelled.")  # the tool's own boundary noticed first

    team = AgentTeam({"a": AgentSpec("a", model, tools=(TICK,))}, tick, checkpoint=switch)
    with pytest.raises(Stopped):
        await team.run("a", "go")
    assert len(model.calls) == 1


@pytest.mark.asyncio
async def test_sibling_tool_calls_of_the_turn_are_cancelled_with_it() -> None:
    switch, finished = Switch(), []
    calls = (ToolCall("fast", "tick", {"wait": 0}), ToolCall("slow", "tick", {"wait": 5}))
    model = ScriptedModel.of([Reply(tool_calls=calls), "never"])

    async def tick(call: ToolCall) -> str:
        if call.arguments["wait"] == 0:
            switch.cancel()
            raise Stopped("The run was cancelled.")
        await asyncio.sleep(call.arguments["wait"])  # type: ignore[arg-type]
        finished.append(call.id)
        return "late"

    team = AgentTeam({"a": AgentSpec("a", model, tools=(TICK,))}, tick, checkpoint=switch)
    started = asyncio.get_running_loop().time()
    with pytest.raises(Stopped):
        await team.run("a", "go")
    assert asyncio.get_running_loop().time() - started < 1.0
    assert finished == []


@pytest.mark.asyncio
async def test_a_delegated_agent_stops_at_its_own_next_turn() -> None:
    switch = Switch()
    helper = ticking_model()
    boss = ScriptedModel.of(
        [Reply(tool_calls=(ToolCall("d", "agent__helper", {"task": "x"}),)), "done"]
    )
    ticks = 0

    async def tick(call: ToolCall) -> str:
        nonlocal ticks
        ticks += 1
        if ticks == 2:
            switch.cancel()
        return "ticked"

    team = AgentTeam(
        {
            "boss": AgentSpec("boss", boss, delegates=("helper",)),
            "helper": AgentSpec("helper", helper, tools=(TICK,)),
        },
        tick,
        checkpoint=switch,
    )
    with pytest.raises(Stopped):
        await team.run("boss", "go")
    assert (len(helper.calls), len(boss.calls)) == (2, 1)


@pytest.mark.asyncio
async def test_without_a_cancel_the_checkpoint_is_asked_at_every_turn_and_call() -> None:
    switch = Switch()
    model = ScriptedModel.of([Reply(tool_calls=(ToolCall("t", "tick", {}),)), "done"])

    async def tick(call: ToolCall) -> str:
        return "ticked"

    team = AgentTeam({"a": AgentSpec("a", model, tools=(TICK,))}, tick, checkpoint=switch)
    result = await team.run("a", "go")
    assert result.text == "done"
    assert switch.checks == 3  # turn 1, the tool call, turn 2
