"""The scripted context behaves as documented (tests and benchmarks rely on it)."""

from __future__ import annotations

import pytest

from workflows.engine.testing import ScriptedContext

pytestmark = pytest.mark.asyncio


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


async def test_replies_by_node_then_prompt_substring_then_ref():
    ctx = ScriptedContext(
        replies={"n1": "by node", "gpt": "by ref"}, prompt_replies=[("weather", "sunny")]
    )
    assert (await ctx.call_model("n1", "gpt", user("weather?"))).text == "by node"
    assert (await ctx.call_model("loop[0].n1", "x", user("hi"))).text == "by node"
    assert (await ctx.call_model("n2", "gpt", user("weather?"))).text == "sunny"
    assert (await ctx.call_model("n2", "gpt", user("hi"))).text == "by ref"
    assert (await ctx.call_model("n3", "m", user("hi"))).text == "n3: ok"


async def test_list_replies_are_used_in_turn_and_the_last_repeats():
    ctx = ScriptedContext(replies={"n": ["one", ValueError("two"), "three"]})
    assert (await ctx.run_agent("n", "a", "p", inputs={})).text == "one"
    with pytest.raises(ValueError, match="two"):
        await ctx.run_agent("n", "a", "p", inputs={})
    assert [(await ctx.run_agent("n", "a", "p", inputs={})).text for _ in range(2)] == [
        "three",
        "three",
    ]


async def test_memory_policies_replace_append_and_merge():
    ctx = ScriptedContext()
    assert await ctx.memory_write("k", 1, "replace") == 1
    assert await ctx.memory_write("k", 2, "append") == [1, 2]
    await ctx.memory_write("d", {"a": 1}, "replace")
    assert await ctx.memory_write("d", {"b": 2}, "merge") == {"a": 1, "b": 2}


async def test_approvals_are_requested_once_and_decided_with_an_event():
    ctx = ScriptedContext()
    assert await ctx.request_approval("ok", "Sure?", {"x": 1}) is None
    assert await ctx.request_approval("ok", "Sure?", {"x": 1}) is None
    ctx.decide("ok", "reject", comment="no", by="ann")
    decision = await ctx.request_approval("ok", "Sure?", {"x": 1})
    assert decision is not None and not decision.approved
    assert ctx.types() == ["approval.requested", "approval.resolved"]
    assert ctx.events[-1]["data"] == {
        "approval_id": "approval-ok",
        "decision": "reject",
        "comment": "no",
        "by": "ann",
    }
    assert [e["seq"] for e in ctx.events] == [1, 2]
