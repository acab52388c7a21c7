"""Approvals pause a run; a resumed run never re-runs committed nodes."""

from __future__ import annotations

import pytest

from tests.workflows.engine.builders import edge, graph, io_chain, llm, node
from workflows.engine.context import Decision, NodeRecord
from workflows.engine.executor import execute
from workflows.engine.testing import ScriptedContext

pytestmark = pytest.mark.asyncio


def two_approvals() -> dict:
    nodes = [
        node("in", "input"),
        llm("draft_a"),
        llm("draft_b"),
        node("ok_a", "approval", prompt="Publish {{in}}?"),
        node("ok_b", "approval"),
        llm("side"),
        node("j", "join"),
        node("out", "output", name="result"),
        node("side_out", "output", name="side"),
    ]
    edges = [
        edge("in", "draft_a"),
        edge("in", "draft_b"),
        edge("in", "side"),
        edge("draft_a", "ok_a"),
        edge("draft_b", "ok_b"),
        edge("ok_a", "j", "approved"),
        edge("ok_b", "j", "approved"),
        edge("j", "out"),
        edge("side", "side_out"),
    ]
    return graph(nodes, edges)


async def resume(doc: dict, ctx: ScriptedContext, first) -> object:
    return await execute(doc, ctx, {"input": "x"}, completed=dict(ctx.committed))


async def test_an_undecided_approval_pauses_the_run():
    doc = graph(
        [node("in", "input"), node("ok", "approval"), llm("after"), node("out", "output")],
        [edge("in", "ok"), edge("ok", "after", "approved"), edge("after", "out")],
    )
    ctx = ScriptedContext()
    result = await execute(doc, ctx, {"input": 1})
    assert result.status == "paused"
    assert result.waiting == ["ok"]
    assert ctx.types()[-1] == "run.paused"
    assert ctx.events_of("run.paused")[0]["data"] == {"waiting": ["ok"]}
    assert "ok" not in ctx.committed and ctx.calls_for("after") == []
    requested = ctx.events_of("approval.requested")[0]
    assert requested["data"]["payload"] == 1


async def test_two_parallel_approvals_pause_then_resume_with_their_decisions():
    ctx = ScriptedContext(delays={"side": 0.03})
    first = await execute(two_approvals(), ctx, {"input": "x"})
    assert first.status == "paused"
    assert sorted(first.waiting) == ["ok_a", "ok_b"]
    assert ctx.committed["side"].status == "succeeded"  # the other path finished
    assert ctx.events_of("approval.requested")[0]["data"]["prompt"] == "Publish draft_a: ok?"

    ctx.decide("ok_a", "approve")
    second = await resume(two_approvals(), ctx, first)
    assert second.status == "paused" and second.waiting == ["ok_b"]

    ctx.decide("ok_b", "approve", comment="fine")
    third = await resume(two_approvals(), ctx, second)
    assert third.status == "succeeded"
    assert third.outputs["result"] == ["draft_a: ok", "draft_b: ok"]
    assert third.outputs["side"] == "side: ok"
    assert [c.node for c in ctx.calls].count("draft_a") == 1
    assert "run.resumed" in ctx.types()
    assert len(ctx.events_of("approval.requested")) == 2


async def test_a_rejection_takes_the_rejected_branch():
    doc = graph(
        [
            node("in", "input"),
            node("ok", "approval"),
            node("yes", "output", name="yes"),
            node("no", "output", name="no"),
        ],
        [edge("in", "ok"), edge("ok", "yes", "approved"), edge("ok", "no", "rejected")],
    )
    ctx = ScriptedContext(approvals={"ok": Decision("reject", "too long")})
    result = await execute(doc, ctx, {"input": "text"})
    assert result.outputs == {"no": "text"}


async def test_resume_never_reruns_completed_nodes_and_reuses_their_outputs():
    completed = {
        "in": NodeRecord("in", "succeeded", {"out": "x"}),
        "a": NodeRecord("a", "succeeded", {"out": "stored A"}),
    }
    ctx = ScriptedContext()
    result = await execute(io_chain(llm("a"), llm("b")), ctx, {"input": "x"}, completed=completed)
    assert result.status == "succeeded"
    assert [c.node for c in ctx.calls] == ["b"]
    assert "stored A" in ctx.calls[0].payload
    assert set(ctx.committed) == {"b", "out"}
    assert ctx.types()[0] == "run.resumed"


async def test_resume_replays_skipped_and_failed_records():
    completed = {
        "in": NodeRecord("in", "succeeded", {"out": 1}),
        "cond": NodeRecord("cond", "succeeded", {"false": 1}),
        "yes": NodeRecord("yes", "skipped", skip_reason="Its branch was not taken."),
    }
    doc = graph(
        [
            node("in", "input"),
            node("cond", "condition", expression="value > 3"),
            llm("yes"),
            llm("no"),
            node("j", "join"),
            node("out", "output"),
        ],
        [
            edge("in", "cond"),
            edge("cond", "yes", "true"),
            edge("cond", "no", "false"),
            edge("yes", "j"),
            edge("no", "j"),
            edge("j", "out", "first"),
        ],
    )
    ctx = ScriptedContext()
    result = await execute(doc, ctx, {"input": 1}, completed=completed)
    assert result.outputs == {"output": "no: ok"}
    assert [c.node for c in ctx.calls] == ["no"]


async def test_records_survive_a_json_round_trip():
    ctx = ScriptedContext()
    await execute(io_chain(llm("a")), ctx, {"input": 1})
    stored = {k: NodeRecord.from_dict(v.as_dict()) for k, v in ctx.committed.items()}
    assert stored["a"] == ctx.committed["a"]


async def test_tools_get_run_node_attempt_idempotency_keys():
    doc = io_chain(node("t", "tool", tool="echo", arguments={"x": "{{in}}"}))
    doc["nodes"][1]["retry"] = {"count": 1, "backoff_s": 0}
    outcomes = iter([RuntimeError("flaky"), "done"])

    def echo(x):
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    ctx = ScriptedContext(tools={"echo": echo}, run_id="r9")
    result = await execute(doc, ctx, {"input": 1})
    assert result.outputs == {"result": "done"}
    assert [c.extra["key"] for c in ctx.calls] == ["r9/t/1", "r9/t/2"]


async def test_a_repeated_idempotency_key_does_not_run_the_tool_twice():
    runs = []
    ctx = ScriptedContext(tools={"echo": lambda x: runs.append(x) or x})
    doc = io_chain(node("t", "tool", tool="echo", arguments={"x": 1}))
    await execute(doc, ctx, {"input": 1})
    await execute(doc, ctx, {"input": 1})  # a worker retried the same attempt
    assert runs == [1]


async def test_approvals_inside_a_map_body_pause_the_map_and_resume_it():
    body = graph(
        [
            node("i", "input", name="item"),
            node("ok", "approval"),
            node("o", "output", name="result"),
        ],
        [edge("i", "ok"), edge("ok", "o", "approved")],
    )
    doc = graph(
        [node("in", "input"), node("m", "map", body=body), node("out", "output")],
        [edge("in", "m", target_port="items"), edge("m", "out")],
    )
    ctx = ScriptedContext()
    first = await execute(doc, ctx, {"input": ["a", "b"]})
    assert first.status == "paused" and first.waiting == ["m"]
    assert [e["node"] for e in ctx.events_of("approval.requested")] == ["m[0].ok", "m[1].ok"]
    ctx.decide("m[0].ok", "approve")
    ctx.decide("m[1].ok", "approve")
    second = await execute(doc, ctx, {"input": ["a", "b"]}, completed=dict(ctx.committed))
    assert second.status == "succeeded" and second.outputs == {"output": ["a", "b"]}
    assert len(ctx.events_of("approval.requested")) == 2


async def test_a_pending_item_does_not_stop_the_other_items_of_a_map():
    body = graph(
        [
            node("i", "input", name="item"),
            node("c", "condition", expression="value"),
            node("ok", "approval"),
            llm("work"),
            node("j", "join", policy="any"),
            node("o", "output", name="result"),
        ],
        [
            edge("i", "c"),
            edge("c", "ok", "true"),
            edge("c", "work", "false"),
            edge("ok", "j", "approved"),
            edge("work", "j"),
            edge("j", "o", "first"),
        ],
    )
    doc = graph(
        [node("in", "input"), node("m", "map", body=body), node("out", "output")],
        [edge("in", "m", target_port="items"), edge("m", "out")],
    )
    ctx = ScriptedContext(delays={"work": 0.02})
    result = await execute(doc, ctx, {"input": [True, False]})
    assert result.status == "paused"
    assert ctx.calls_for("m[1].work")[0].finished > 0  # the other item finished its work
