"""Per-node retry, timeout, on_error (fail / continue / error_edge) and fallback models."""

from __future__ import annotations

import asyncio

import pytest

from tests.workflows.engine.builders import edge, graph, io_chain, llm, node, with_policy
from workflows.engine.executor import execute
from workflows.engine.testing import ScriptedContext

pytestmark = pytest.mark.asyncio


async def test_retry_runs_again_with_backoff_and_emits_node_retrying():
    flaky = with_policy(llm("a"), retry={"count": 2, "backoff_s": 0.0})
    ctx = ScriptedContext(replies={"a": [RuntimeError("503"), RuntimeError("503"), "fine"]})
    result = await execute(io_chain(flaky), ctx, {"input": 1})
    assert result.status == "succeeded" and result.outputs == {"result": "fine"}
    retrying = ctx.events_of("node.retrying")
    assert [e["data"] for e in retrying] == [
        {"attempt": 2, "error": "503"},
        {"attempt": 3, "error": "503"},
    ]
    assert ctx.committed["a"].attempt == 3


async def test_retries_run_out_then_the_error_policy_applies():
    flaky = with_policy(llm("a"), retry={"count": 1, "backoff_s": 0.0})
    ctx = ScriptedContext(replies={"a": RuntimeError("down")})
    result = await execute(io_chain(flaky), ctx, {"input": 1})
    assert result.status == "failed"
    assert len(ctx.calls_for("a")) == 2
    assert ctx.events_of("node.failed")[0]["data"] == {"error": "down"}


async def test_backoff_grows_between_attempts():
    flaky = with_policy(llm("a"), retry={"count": 2, "backoff_s": 0.02})
    ctx = ScriptedContext(replies={"a": [RuntimeError("x"), RuntimeError("x"), "ok"]})
    await execute(io_chain(flaky), ctx, {"input": 1})
    first, second, third = ctx.calls_for("a")
    assert second.started - first.finished >= 0.02
    assert third.started - second.finished >= 0.04


async def test_timeout_fails_a_slow_node():
    slow = with_policy(llm("a"), timeout_s=0.01)
    ctx = ScriptedContext(delays={"a": 5.0})
    result = await execute(io_chain(slow), ctx, {"input": 1})
    assert result.status == "failed"
    assert ctx.events_of("node.failed")[0]["data"]["error"] == "The node timed out after 0.01 s."


async def test_timeout_is_retried():
    slow = with_policy(llm("a"), timeout_s=0.05, retry={"count": 1, "backoff_s": 0})
    ctx = ScriptedContext(replies={"a": ["late", "quick"]}, delays={"a": 0.0})
    calls = 0

    async def slow_once(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 1:
            await asyncio.sleep(1)
        return await ScriptedContext.call_model(ctx, *args, **kwargs)

    ctx.call_model = slow_once  # type: ignore[method-assign]
    result = await execute(io_chain(slow), ctx, {"input": 1})
    assert result.status == "succeeded" and calls == 2
    assert ctx.events_of("node.retrying")[0]["data"]["error"] == "The node timed out after 0.05 s."


async def test_on_error_continue_uses_the_node_default():
    tolerant = with_policy(llm("a"), on_error="continue", default="fallback text")
    ctx = ScriptedContext(replies={"a": RuntimeError("down")})
    result = await execute(io_chain(tolerant), ctx, {"input": 1})
    assert result.status == "succeeded"
    assert result.outputs == {"result": "fallback text"}
    record = ctx.committed["a"]
    assert (record.status, record.error) == ("succeeded", "down")
    assert ctx.events_of("node.finished")[1]["data"]["output"] == {"out": "fallback text"}


async def test_on_error_continue_with_a_per_port_default():
    tolerant = with_policy(
        node("c", "condition", expression="value.missing"),
        on_error="continue",
        default={"false": "no"},
    )
    doc = graph(
        [
            node("in", "input"),
            tolerant,
            node("t", "output", name="t"),
            node("f", "output", name="f"),
        ],
        [edge("in", "c"), edge("c", "t", "true"), edge("c", "f", "false")],
    )
    result = await execute(doc, ScriptedContext(), {"input": {"x": 1}})
    assert result.outputs == {"f": "no"}


async def test_error_edge_routes_the_error_to_its_own_branch():
    risky = with_policy(llm("a"), on_error="error_edge")
    doc = graph(
        [
            node("in", "input"),
            risky,
            node("ok", "output", name="ok"),
            node("handler", "output", name="handled"),
        ],
        [edge("in", "a"), edge("a", "ok"), edge("a", "handler", "error")],
    )
    ctx = ScriptedContext(replies={"a": RuntimeError("bad request")})
    result = await execute(doc, ctx, {"input": 1})
    assert result.status == "succeeded"
    assert result.outputs == {"handled": {"message": "bad request", "node": "a"}}
    assert ctx.committed["a"].status == "failed"
    assert ctx.committed["ok"].status == "skipped"


async def test_error_edge_is_not_taken_when_the_node_succeeds():
    risky = with_policy(llm("a"), on_error="error_edge")
    doc = graph(
        [
            node("in", "input"),
            risky,
            node("ok", "output", name="ok"),
            node("handler", "output", name="handled"),
        ],
        [edge("in", "a"), edge("a", "ok"), edge("a", "handler", "error")],
    )
    result = await execute(doc, ScriptedContext(), {"input": 1})
    assert result.outputs == {"ok": "a: ok"}


async def test_fallback_model_is_passed_to_the_context():
    fallback = with_policy(llm("a", model="anthropic:big"), fallback_model="builtin:small")
    ctx = ScriptedContext()
    await execute(io_chain(fallback), ctx, {"input": 1})
    call = ctx.calls_for("a")[0]
    assert (call.target, call.extra["fallback"]) == ("anthropic:big", "builtin:small")


async def test_fallback_model_is_passed_to_agents_too():
    agent = with_policy(node("a", "agent", agent="writer"), fallback_model="builtin:small")
    ctx = ScriptedContext()
    await execute(io_chain(agent), ctx, {"input": 1})
    assert ctx.calls_for("a")[0].extra["fallback"] == "builtin:small"


async def test_error_edge_policy_without_a_connected_error_edge_fails_the_run():
    risky = with_policy(llm("a"), on_error="error_edge")
    ctx = ScriptedContext(replies={"a": RuntimeError("bad request")})
    result = await execute(io_chain(risky), ctx, {"input": 1})
    assert result.status == "failed" and result.error == "Node a failed: bad request"
