from __future__ import annotations

import asyncio

import pytest

from agents.llm.base import (
    ChatModel,
    Message,
    ModelError,
    TextDelta,
    ToolCall,
    Unreachable,
    complete,
)
from agents.llm.providers.scripted import Reply, ScriptedModel


@pytest.mark.asyncio
async def test_replies_come_in_script_order_split_into_chunks() -> None:
    model = ScriptedModel.of([Reply("one two three", chunks=3), "second"])
    assert isinstance(model, ChatModel)
    events = [e async for e in model.stream([Message("user", "hi")])]
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["one t", "wo th", "ree"]
    assert (await complete(model, [Message("user", "again")])).text == "second"
    with pytest.raises(ModelError, match="exhausted"):
        await complete(model, [Message("user", "more")])


@pytest.mark.asyncio
async def test_tool_calls_errors_and_recorded_calls() -> None:
    call = ToolCall("c1", "add", {"a": 1})
    model = ScriptedModel.of([Reply(tool_calls=(call,)), Reply(error=Unreachable("down"))])
    result = await complete(model, [Message("user", "add")])
    assert result.tool_calls == (call,) and result.stop_reason == "tool_use"
    with pytest.raises(Unreachable, match="down"):
        await complete(model, [Message("user", "x")])
    assert [c.messages[0].content for c in model.calls] == ["add", "x"]


@pytest.mark.asyncio
async def test_a_delayed_reply_can_be_cancelled() -> None:
    model = ScriptedModel.of([Reply("late", delay=30)])
    task = asyncio.create_task(complete(model, [Message("user", "hi")]))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
