"""Run budgets and no-progress guards: an event, then the node's error policy."""

from __future__ import annotations

import pytest

from tests.workflows.engine.builders import graph, io_chain, llm, node, with_policy
from workflows.engine.budgets import Budgets
from workflows.engine.context import Usage
from workflows.engine.executor import execute
from workflows.engine.testing import ScriptedContext

pytestmark = pytest.mark.asyncio


def exceeded(ctx: ScriptedContext) -> list[dict]:
    return [e["data"] for e in ctx.events_of("budget.exceeded")]


async def test_step_budget_stops_the_run_with_an_event():
    ctx = ScriptedContext()
    result = await execute(
        io_chain(llm("a"), llm("b"), llm("c")), ctx, {"input": 1}, budgets=Budgets(max_steps=2)
    )
    assert result.status == "failed"
    assert exceeded(ctx) == [{"budget": "steps", "limit": 2, "used": 3}]
    assert [c.node for c in ctx.calls] == ["a"]
    assert "steps budget" in result.error


async def test_token_budget_trips_after_the_call_that_crossed_it():
    ctx = ScriptedContext(usage=Usage(60, 10, 0.0))
    result = await execute(
        io_chain(llm("a"), llm("b")), ctx, {"input": 1}, budgets=Budgets(max_tokens=100)
    )
    assert result.status == "failed"
    assert exceeded(ctx) == [{"budget": "tokens", "limit": 100, "used": 140}]
    assert ctx.events_of("budget.exceeded")[0]["node"] == "b"


async def test_cost_budget():
    ctx = ScriptedContext(usage=Usage(1, 1, 0.75))
    result = await execute(
        io_chain(llm("a"), llm("b")), ctx, {"input": 1}, budgets=Budgets(max_cost=1.0)
    )
    assert result.status == "failed"
    assert exceeded(ctx) == [{"budget": "cost", "limit": 1.0, "used": 1.5}]


async def test_budget_exceeded_follows_the_node_error_policy():
    tolerant = with_policy(llm("b"), on_error="continue", default="cheap answer")
    ctx = ScriptedContext(usage=Usage(60, 10, 0.0))
    result = await execute(
        io_chain(llm("a"), tolerant), ctx, {"input": 1}, budgets=Budgets(max_tokens=100)
    )
    assert result.status == "succeeded"
    assert result.outputs == {"result": "cheap answer"}
    assert len(exceeded(ctx)) == 1


async def test_budget_exceeded_is_not_retried():
    retried = with_policy(llm("b"), retry={"count": 3, "backoff_s": 0})
    ctx = ScriptedContext(usage=Usage(60, 10, 0.0))
    await execute(io_chain(llm("a"), retried), ctx, {"input": 1}, budgets=Budgets(max_tokens=100))
    assert len(ctx.calls_for("b")) == 1 and ctx.events_of("node.retrying") == []


async def test_wall_time_budget_stops_a_long_run():
    ctx = ScriptedContext(delays={"a": 5.0})
    result = await execute(io_chain(llm("a")), ctx, {"input": 1}, budgets=Budgets(max_wall_s=0.05))
    assert result.status == "failed"
    assert exceeded(ctx)[0]["budget"] == "wall_time"
    assert "wall_time" in result.error


async def test_usage_is_summed_over_the_run():
    ctx = ScriptedContext(usage=Usage(3, 2, 0.01))
    result = await execute(io_chain(llm("a"), llm("b")), ctx, {"input": 1})
    assert (result.usage.input_tokens, result.usage.output_tokens) == (6, 4)
    assert result.usage.cost == pytest.approx(0.02)
    assert ctx.committed["a"].usage.total_tokens == 5


def tool_loop(max_iterations: int) -> dict:
    body = graph(
        [
            node("s", "input", name="state"),
            node("t", "tool", tool="search", arguments={"q": "same"}),
            node("o", "output", name="state"),
        ],
        [{"id": "1", "source": "s", "target": "t"}, {"id": "2", "source": "t", "target": "o"}],
    )
    return io_chain(node("loop", "loop", body=body, max_iterations=max_iterations))


async def test_same_tool_with_same_arguments_repeated_trips_the_guard():
    counter = iter(range(100))
    ctx = ScriptedContext(tools={"search": lambda q: next(counter)})
    result = await execute(
        tool_loop(10), ctx, {"input": -1}, budgets=Budgets(max_repeated_tool_calls=3)
    )
    assert result.status == "failed"
    assert exceeded(ctx) == [{"budget": "repeated_tool_call", "limit": 3, "used": 4}]
    assert len([c for c in ctx.calls if c.kind == "tool"]) == 3


async def test_loop_whose_state_stops_changing_trips_the_no_progress_guard():
    body = graph(
        [node("s", "input", name="state"), node("o", "output", name="state")],
        [{"id": "1", "source": "s", "target": "o"}],
    )
    ctx = ScriptedContext()
    result = await execute(
        io_chain(node("loop", "loop", body=body, max_iterations=5)), ctx, {"input": "same"}
    )
    assert result.status == "failed"
    assert exceeded(ctx) == [{"budget": "no_progress", "limit": 0, "used": 1}]
    assert "no progress" in result.error
