"""Each node kind, run through the executor with the scripted context."""

from __future__ import annotations

import pytest

from tests.workflows.engine.builders import edge, graph, io_chain, llm, node
from workflows.engine.executor import execute
from workflows.engine.kinds.critic_panel import vote
from workflows.engine.testing import ScriptedContext

pytestmark = pytest.mark.asyncio


async def run(doc: dict, ctx: ScriptedContext | None = None, inputs: dict | None = None):
    ctx = ctx or ScriptedContext()
    result = await execute(doc, ctx, {"input": "hi"} if inputs is None else inputs)
    return result, ctx


async def test_input_uses_its_default_when_the_run_gives_no_value():
    doc = chain_of(node("in", "input", name="topic", default="cats"))
    result, _ = await run(doc, inputs={})
    assert result.outputs == {"result": "cats"}


async def test_a_required_input_that_is_missing_fails_the_run():
    doc = chain_of(node("in", "input", name="topic", required=True))
    result, _ = await run(doc, inputs={})
    assert result.status == "failed" and 'input named "topic"' in result.error


def chain_of(first: dict, *rest: dict) -> dict:
    nodes = [first, *rest, node("out", "output", name="result")]
    return graph(nodes, [edge(a["id"], b["id"]) for a, b in zip(nodes, nodes[1:], strict=False)])


async def test_agent_renders_its_prompt_and_passes_inputs():
    doc = io_chain(node("a", "agent", agent="planner", prompt="Plan: {{in}}"))
    result, ctx = await run(doc, ScriptedContext(replies={"planner": "the plan"}))
    call = ctx.calls[0]
    assert (call.kind, call.target, call.payload) == ("agent", "planner", "Plan: hi")
    assert call.extra["inputs"] == {"in": "hi"}
    assert result.outputs == {"result": "the plan"}


async def test_llm_sends_system_and_user_messages_with_params():
    doc = io_chain(llm("l", system="Be brief.", prompt="Say {{in}}", temperature=0.2))
    _, ctx = await run(doc)
    extra = ctx.calls[0].extra
    assert extra["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Say hi"},
    ]
    assert extra["params"] == {"temperature": 0.2}


async def test_llm_streams_tokens_through_the_context():
    _, ctx = await run(io_chain(llm("l")), ScriptedContext(replies={"l": "one two"}))
    assert [e["data"]["text"] for e in ctx.events_of("node.token")] == ["one ", "two "]


async def test_llm_json_output_is_parsed_and_bad_json_fails():
    ok, _ = await run(
        io_chain(llm("l", output="json")), ScriptedContext(replies={"l": '{"a": [1, 2]}'})
    )
    assert ok.outputs == {"result": {"a": [1, 2]}}
    bad, _ = await run(io_chain(llm("l", output="json")), ScriptedContext(replies={"l": "nope"}))
    assert bad.status == "failed" and "valid JSON" in bad.error


async def test_tool_gets_templated_arguments_merged_with_a_json_input():
    doc = io_chain(node("t", "tool", tool="add", arguments={"a": "{{in.a}}", "b": 10}))
    ctx = ScriptedContext(tools={"add": lambda a, b: a + b})
    result, _ = await run(doc, ctx, {"input": {"a": 5}})
    assert result.outputs == {"result": 15}  # in.a (int) kept raw; "a" from input overrides
    call = ctx.events_of("node.tool_call")[0]["data"]
    assert call == {"call_id": "run-1/t/1", "tool": "add", "arguments": {"a": 5, "b": 10}}
    assert ctx.events_of("node.tool_result")[0]["data"] == {
        "call_id": "run-1/t/1",
        "result": 15,
        "error": None,
    }


async def test_a_failing_tool_reports_the_error_in_its_result_event():
    doc = io_chain(node("t", "tool", tool="missing"))
    result, ctx = await run(doc)
    assert result.status == "failed"
    assert ctx.events_of("node.tool_result")[0]["data"]["error"] == (
        'There is no tool named "missing".'
    )


async def test_condition_reads_dict_keys_and_string_functions():
    doc = graph(
        [
            node("in", "input"),
            node("c", "condition", expression='score >= 0.5 and "ok" in lower(note)'),
            node("t", "output", name="t"),
            node("f", "output", name="f"),
        ],
        [edge("in", "c"), edge("c", "t", "true"), edge("c", "f", "false")],
    )
    yes, _ = await run(doc, inputs={"input": {"score": 0.7, "note": "OK!"}})
    no, _ = await run(doc, inputs={"input": {"score": 0.1, "note": "ok"}})
    assert list(yes.outputs) == ["t"] and list(no.outputs) == ["f"]


def routed(router: dict) -> dict:
    return graph(
        [
            node("in", "input"),
            router,
            node("a", "output", name="billing"),
            node("b", "output", name="tech"),
            node("d", "output", name="default"),
        ],
        [
            edge("in", "r"),
            edge("r", "a", "billing"),
            edge("r", "b", "tech"),
            edge("r", "d", "default"),
        ],
    )


async def test_rule_router_takes_the_first_matching_route_in_order():
    router = node(
        "r",
        "router",
        routes=[
            {"name": "billing", "expression": '"invoice" in value'},
            {"name": "tech", "expression": '"error" in value or "invoice" in value'},
        ],
    )
    result, ctx = await run(routed(router), inputs={"input": "invoice error"})
    assert result.outputs == {"billing": "invoice error"}
    assert {e["node"] for e in ctx.events_of("node.skipped")} == {"b", "d"}
    fallback, _ = await run(routed(router), inputs={"input": "hello"})
    assert fallback.outputs == {"default": "hello"}


async def test_llm_router_follows_the_model_choice():
    router = node(
        "r",
        "router",
        mode="llm",
        model="m",
        routes=[
            {"name": "billing", "description": "money"},
            {"name": "tech", "description": "bugs"},
        ],
    )
    result, ctx = await run(routed(router), ScriptedContext(replies={"r": "Route: Tech."}))
    assert result.outputs == {"tech": "hi"}
    assert "billing: money" in ctx.calls[0].payload
    unsure, _ = await run(routed(router), ScriptedContext(replies={"r": "no idea"}))
    assert unsure.outputs == {"default": "hi"}


def map_body() -> dict:
    return graph(
        [
            node("i", "input", name="item"),
            llm("work", prompt="Do {{in}}"),
            node("o", "output", name="result"),
        ],
        [edge("i", "work"), edge("work", "o")],
    )


async def test_map_runs_the_body_per_item_and_keeps_item_order():
    doc = graph(
        [
            node("in", "input"),
            node("m", "map", body=map_body(), max_concurrency=3),
            node("out", "output", name="result"),
        ],
        [edge("in", "m", target_port="items"), edge("m", "out")],
    )
    ctx = ScriptedContext(
        replies={"work": lambda p: p.upper()},
        delays={"m[0].work": 0.05, "m[1].work": 0.0, "m[2].work": 0.02},
    )
    result, _ = await run(doc, ctx, {"input": ["a", "b", "c"]})
    assert result.outputs == {"result": ["DO A", "DO B", "DO C"]}
    assert sorted(c.node for c in ctx.calls) == ["m[0].work", "m[1].work", "m[2].work"]
    first, second = ctx.calls_for("m[0].work")[0], ctx.calls_for("m[1].work")[0]
    assert first.started < second.finished and second.started < first.finished


async def test_map_bounds_its_concurrency():
    doc = graph(
        [
            node("in", "input"),
            node("m", "map", body=map_body(), max_concurrency=1),
            node("out", "output"),
        ],
        [edge("in", "m", target_port="items"), edge("m", "out")],
    )
    ctx = ScriptedContext(default_delay=0.01)
    await run(doc, ctx, {"input": [1, 2, 3]})
    calls = sorted(ctx.calls, key=lambda c: c.started)
    assert all(a.finished <= b.started for a, b in zip(calls, calls[1:], strict=False))


async def test_map_fails_when_an_item_fails():
    doc = graph(
        [node("in", "input"), node("m", "map", body=map_body()), node("out", "output")],
        [edge("in", "m", target_port="items"), edge("m", "out")],
    )
    ctx = ScriptedContext(replies={"m[1].work": RuntimeError("bad item")})
    result, _ = await run(doc, ctx, {"input": [1, 2]})
    assert result.status == "failed" and "Item 1 failed" in result.error


def counting_loop(**config) -> dict:
    body = graph(
        [
            node("s", "input", name="state"),
            node("t", "tool", tool="inc", arguments={"n": "{{in}}"}),
            node("o", "output", name="state"),
        ],
        [edge("s", "t"), edge("t", "o")],
    )
    return graph(
        [
            node("in", "input"),
            node("loop", "loop", body=body, **config),
            node("out", "output", name="result"),
            node("h", "output", name="history"),
        ],
        [edge("in", "loop"), edge("loop", "out"), edge("loop", "h", "history")],
    )


async def test_loop_repeats_until_the_exit_condition_holds():
    ctx = ScriptedContext(tools={"inc": lambda n: n + 1})
    result, _ = await run(
        counting_loop(exit_condition="state >= 3", max_iterations=10), ctx, {"input": 0}
    )
    assert result.outputs == {"result": 3, "history": [1, 2, 3]}
    assert [c.extra["key"] for c in ctx.calls] == [
        "run-1/loop[0].t/1",
        "run-1/loop[1].t/1",
        "run-1/loop[2].t/1",
    ]


async def test_loop_stops_at_max_iterations():
    ctx = ScriptedContext(tools={"inc": lambda n: n + 1})
    result, _ = await run(counting_loop(max_iterations=2), ctx, {"input": 0})
    assert result.outputs == {"result": 2, "history": [1, 2]}
    assert "loop[1].t" in {e["node"] for e in ctx.events_of("node.started")}


async def test_subflow_passes_a_json_input_and_outputs_its_outputs():
    ctx = ScriptedContext(subflows={"wf-7": lambda inputs: {"echo": inputs}})
    result, _ = await run(io_chain(node("s", "subflow", workflow="wf-7")), ctx, {"input": {"q": 1}})
    assert result.outputs == {"result": {"echo": {"q": 1}}}
    wrapped, _ = await run(io_chain(node("s", "subflow", workflow="wf-7")), ctx, {"input": 2})
    assert wrapped.outputs == {"result": {"echo": {"input": 2}}}


async def test_memory_write_then_read_with_merge_policies_and_events():
    doc = io_chain(
        node("w", "memory_write", key="notes", policy="append"),
        node("r", "memory_read", key="notes"),
    )
    ctx = ScriptedContext(memory={"notes": ["old"]})
    result, _ = await run(doc, ctx, {"input": "new"})
    assert result.outputs == {"result": ["old", "new"]}
    assert ctx.events_of("memory.written")[0]["data"] == {
        "key": "notes",
        "value": "new",
        "policy": "append",
    }  # the write, not the merged value


async def test_memory_read_can_read_a_message_channel():
    ctx = ScriptedContext()
    ctx.messages.append({"channel": "team", "sender": "a", "text": "hello"})
    result, _ = await run(io_chain(node("r", "memory_read", key="team", source="messages")), ctx)
    assert result.outputs == {"result": [{"channel": "team", "sender": "a", "text": "hello"}]}


def panel(**config) -> dict:
    return graph(
        [
            node("in", "input"),
            node("p", "critic_panel", **config),
            node("out", "output", name="result"),
            node("ok", "output", name="approved"),
        ],
        [edge("in", "p"), edge("p", "out"), edge("p", "ok", "approved")],
    )


async def test_critic_panel_votes_in_declared_order_and_posts_reviews():
    ctx = ScriptedContext(replies={"c1": "APPROVE good", "c2": "REJECT vague", "c3": "Approve."})
    result, _ = await run(panel(critics=["c1", "c2", "c3"], threshold=0.6), ctx)
    assert result.outputs == {"result": "hi", "approved": True}
    assert [m["sender"] for m in ctx.messages] == ["c1", "c2", "c3"]
    assert [e["data"]["sender"] for e in ctx.events_of("message.posted")] == ["c1", "c2", "c3"]


async def test_critic_panel_reviser_reflects_on_rejection_and_the_panel_votes_again():
    ctx = ScriptedContext(replies={"c1": ["REJECT too short", "APPROVE"], "fixer": "better"})
    result, _ = await run(panel(critics=["c1"], reviser="fixer", rounds=2), ctx)
    assert result.outputs == {"result": "better", "approved": True}
    assert "too short" in ctx.calls[1].payload
    assert "better" in ctx.calls[2].payload


async def test_votes_read_the_first_word_first():
    assert vote("APPROVE. but REJECT if…") and not vote("Reject: approve later")
    assert vote("I approve") and not vote("") and not vote("maybe")


async def test_notes_never_run_and_need_no_connections():
    doc = io_chain(llm("a"))
    doc["nodes"].append(node("n", "note", text="remember"))
    result, ctx = await run(doc)
    assert result.status == "succeeded" and "n" not in ctx.committed


async def test_llm_continues_a_chat_transcript_arriving_on_its_input():
    transcript = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hey"}]
    doc = io_chain(llm("l", system="S", prompt="And now {{context}}?"))
    _, ctx = await run(doc, inputs={"input": transcript})
    assert ctx.calls[0].extra["messages"] == [
        {"role": "system", "content": "S"},
        *transcript,
        {"role": "user", "content": "And now ?"},
    ]


async def test_a_failing_critic_fails_the_panel_after_the_others_finished():
    ctx = ScriptedContext(
        replies={"c1": RuntimeError("critic down"), "c2": "APPROVE"}, delays={"c2": 0.02}
    )
    result, _ = await run(panel(critics=["c1", "c2"]), ctx)
    assert result.status == "failed" and "critic down" in result.error
    assert all(c.finished > 0 for c in ctx.calls)  # nothing left running in the background
