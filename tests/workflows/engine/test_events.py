"""Events carry exactly the data fields of api.md "Events"."""

from __future__ import annotations

import json

import pytest

from tests.workflows.engine.builders import edge, graph, llm, node, with_policy
from workflows.engine.budgets import Budgets
from workflows.engine.executor import execute
from workflows.engine.testing import ScriptedContext

pytestmark = pytest.mark.asyncio

API_EVENTS = {
    "run.started": None,
    "run.finished": None,
    "run.failed": None,
    "run.cancelled": None,
    "run.paused": None,
    "run.resumed": None,
    "node.started": None,
    "node.token": {"text"},
    "node.tool_call": {"call_id", "tool", "arguments"},
    "node.tool_result": {"call_id", "result", "error"},
    "node.finished": {"output", "usage", "duration_ms"},
    "node.failed": {"error"},
    "node.retrying": {"attempt", "error"},
    "node.skipped": {"reason"},
    "approval.requested": {"approval_id", "prompt", "payload"},
    "approval.resolved": {"approval_id", "decision", "comment", "by"},
    "memory.written": {"key", "value", "policy"},
    "message.posted": {"channel", "sender", "text"},
    "budget.exceeded": {"budget", "limit", "used"},
}


def busy_graph() -> dict:
    nodes = [
        node("in", "input"),
        with_policy(llm("flaky"), retry={"count": 1, "backoff_s": 0}, on_error="continue"),
        node("t", "tool", tool="echo", arguments={"x": 1}),
        node("c", "condition", expression="True"),
        llm("skipped_one"),
        node("w", "memory_write", key="k"),
        node("p", "critic_panel", critics=["c1"]),
        node("ok", "approval"),
        with_policy(node("t2", "tool", tool="echo", arguments={"x": 1}), on_error="continue"),
        with_policy(node("t3", "tool", tool="echo", arguments={"x": 1}), on_error="continue"),
        node("j", "join", policy="any"),
        node("out", "output"),
    ]
    edges = [
        edge("in", "flaky"),
        edge("in", "t"),
        edge("t", "c"),
        edge("c", "skipped_one", "false"),
        edge("c", "w", "true"),
        edge("flaky", "p"),
        edge("in", "ok"),
        edge("ok", "t2", "approved"),
        edge("c", "t3", "true"),
        edge("t3", "j"),
        edge("w", "j"),
        edge("skipped_one", "j"),
        edge("p", "j"),
        edge("t2", "j"),
        edge("j", "out"),
    ]
    return graph(nodes, edges)


async def test_every_event_has_exactly_the_api_data_fields():
    ctx = ScriptedContext(
        replies={"flaky": RuntimeError("nope"), "c1": "APPROVE"}, tools={"echo": lambda x: x}
    )
    paused = await execute(
        busy_graph(), ctx, {"input": "hi"}, budgets=Budgets(max_repeated_tool_calls=1)
    )
    assert paused.status == "paused"
    ctx.decide("ok", "approve")
    done = await execute(
        busy_graph(),
        ctx,
        {"input": "hi"},
        completed=dict(ctx.committed),
        budgets=Budgets(max_repeated_tool_calls=1),
    )
    assert done.status == "succeeded"
    seen = set()
    for event in ctx.events:
        assert event["type"] in API_EVENTS, event
        expected = API_EVENTS[event["type"]]
        if expected is not None:
            assert set(event["data"]) == expected, event
        seen.add(event["type"])
    assert seen >= set(API_EVENTS) - {"run.failed", "run.cancelled", "node.failed"}


async def test_node_failed_and_run_failed_carry_the_error():
    ctx = ScriptedContext(replies={"a": RuntimeError("broken")})
    doc = graph(
        [node("in", "input"), llm("a"), node("out", "output")], [edge("in", "a"), edge("a", "out")]
    )
    await execute(doc, ctx, {"input": 1})
    assert ctx.events_of("node.failed")[0]["data"] == {"error": "broken"}
    assert ctx.events_of("run.failed")[0]["data"] == {"error": "Node a failed: broken"}


async def test_node_finished_reports_usage_and_duration():
    ctx = ScriptedContext(replies={"a": "x y"})
    doc = graph(
        [node("in", "input"), llm("a"), node("out", "output")], [edge("in", "a"), edge("a", "out")]
    )
    await execute(doc, ctx, {"input": "one two three"})
    finished = [e for e in ctx.events_of("node.finished") if e["node"] == "a"][0]["data"]
    assert finished["output"] == {"out": "x y"}
    assert finished["usage"] == {"input_tokens": 3, "output_tokens": 2, "cost": 0.0}
    assert finished["duration_ms"] >= 0


async def test_run_finished_carries_outputs_and_usage():
    ctx = ScriptedContext()
    doc = graph([node("in", "input"), node("out", "output", name="r")], [edge("in", "out")])
    await execute(doc, ctx, {"input": 5})
    assert ctx.events_of("run.finished")[0]["data"] == {
        "outputs": {"r": 5},
        "usage": {"input_tokens": 0, "output_tokens": 0, "cost": 0.0},
    }


async def test_events_and_records_are_plain_json():
    ctx = ScriptedContext(
        replies={"flaky": RuntimeError("nope"), "c1": "APPROVE"},
        tools={"echo": lambda x: x},
        approvals={"ok": None},
    )
    await execute(busy_graph(), ctx, {"input": "hi"}, budgets=Budgets(max_repeated_tool_calls=1))
    ctx.decide("ok", "approve")
    await execute(busy_graph(), ctx, {"input": "hi"}, completed=dict(ctx.committed))
    for event in ctx.events:
        json.dumps(event["data"], allow_nan=False)
    for record in ctx.committed.values():
        json.dumps(record.as_dict(), allow_nan=False)
    assert ctx.committed["j"].inputs["in"][0]["status"] in ("succeeded", "skipped", "failed")
