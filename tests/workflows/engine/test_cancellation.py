"""Cancellation is acknowledged at the next model/tool boundary."""

from __future__ import annotations

import asyncio

import pytest

from tests.workflows.engine.builders import edge, graph, io_chain, llm, node
from workflows.engine.executor import execute
from workflows.engine.testing import ScriptedContext

pytestmark = pytest.mark.asyncio


async def test_cancelling_during_a_model_call_stops_before_the_next_node():
    ctx = ScriptedContext(cancel_after_calls=1)
    result = await execute(io_chain(llm("a"), llm("b")), ctx, {"input": 1})
    assert result.status == "cancelled"
    assert [c.node for c in ctx.calls] == ["a"]
    assert ctx.types()[-1] == "run.cancelled"
    assert "a" not in ctx.committed


async def test_cancelling_stops_parallel_branches_in_flight():
    nodes = [
        node("in", "input"),
        llm("fast"),
        llm("slow"),
        llm("after_fast"),
        node("j", "join"),
        node("out", "output"),
    ]
    edges = [
        edge("in", "fast"),
        edge("in", "slow"),
        edge("fast", "after_fast"),
        edge("after_fast", "j"),
        edge("slow", "j"),
        edge("j", "out"),
    ]
    ctx = ScriptedContext(delays={"fast": 0.01, "slow": 5.0}, cancel_after_calls=2)
    result = await execute(graph(nodes, edges), ctx, {"input": 1})
    assert result.status == "cancelled"
    assert ctx.calls_for("after_fast") == []
    assert "j" not in ctx.committed


async def test_a_cancelled_run_checks_before_starting_any_node():
    ctx = ScriptedContext()
    ctx.cancel()
    result = await execute(io_chain(llm("a")), ctx, {"input": 1})
    assert result.status == "cancelled" and ctx.calls == [] and ctx.committed == {}


async def test_cancellation_is_checked_around_tool_calls():
    ctx = ScriptedContext(tools={"t": lambda: ctx.cancel() or "x"})
    doc = io_chain(node("t", "tool", tool="t"), llm("after"))
    result = await execute(doc, ctx, {"input": 1})
    assert result.status == "cancelled" and ctx.calls_for("after") == []


async def test_cancelling_the_engine_task_cancels_nested_body_work_too():
    body = graph(
        [node("s", "input", name="state"), llm("slow"), node("o", "output", name="state")],
        [edge("s", "slow"), edge("slow", "o")],
    )
    doc = io_chain(node("loop", "loop", body=body, max_iterations=3))
    ctx = ScriptedContext(delays={"slow": 0.2})
    task = asyncio.ensure_future(execute(doc, ctx, {"input": 1}))
    while not ctx.calls:
        await asyncio.sleep(0.005)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
    assert ctx.calls[0].finished == 0.0  # the body's model call was stopped, not finished


async def test_nodes_stopped_by_a_cancel_are_reported_failed_with_the_reason():
    nodes = [
        node("in", "input"),
        llm("fast"),
        llm("slow"),
        node("j", "join"),
        node("out", "output"),
    ]
    edges = [
        edge("in", "fast"),
        edge("in", "slow"),
        edge("fast", "j"),
        edge("slow", "j"),
        edge("j", "out"),
    ]
    ctx = ScriptedContext(delays={"fast": 0.01, "slow": 5.0}, cancel_after_calls=2)
    await execute(graph(nodes, edges), ctx, {"input": 1})
    failed = ctx.events_of("node.failed")
    stopped = "Stopped because the run was cancelled."
    assert [(e["node"], e["data"]["error"]) for e in failed] == [
        ("fast", stopped),
        ("slow", stopped),
    ]
    assert ctx.types()[-1] == "run.cancelled"
