"""Chat mode of the Input/Output kinds, the agent's history input, and memory scopes."""

from __future__ import annotations

import pytest

from tests.workflows.engine.builders import edge, graph, node
from workflows.engine.executor import execute
from workflows.engine.testing import ScriptedContext
from workflows.engine.validation import validate


def chat_doc() -> dict:
    return graph(
        [
            node("chat", "input", chat=True),
            node("bot", "agent", agent="Bot"),
            node("said", "memory_write", key="said", policy="append", scope="session"),
            node("answer", "output", name="answer", chat=True),
        ],
        [
            edge("chat", "bot"),
            edge("chat", "bot", "history", "history"),
            edge("chat", "said", "messages", "in"),
            edge("bot", "answer"),
        ],
    )


def test_a_chat_flow_validates_and_a_second_chat_input_is_refused():
    assert validate(chat_doc()) == []
    doc = chat_doc()
    doc["nodes"].append(node("again", "input", chat=True))
    doc["edges"].append(edge("again", "said", "out", "in", edge_id="again"))
    problems = [p for p in validate(doc) if p.code == "chat_twice"]
    assert [p.node for p in problems] == ["again"]


@pytest.mark.asyncio
async def test_a_chat_turn_hands_the_message_and_history_on_and_writes_session_memory():
    ctx = ScriptedContext(replies={"bot": "hi Ada"})
    history = [{"role": "user", "content": "I am Ada"}, {"role": "assistant", "content": "ok"}]
    result = await execute(chat_doc(), ctx, {"message": "hello", "history": history})
    assert result.status == "succeeded" and result.outputs == {"answer": "hi Ada"}
    call = ctx.calls_for("bot")[0]
    assert call.payload == "hello" and call.extra["inputs"]["history"] == history
    assert ctx.memory["session:said"] == [[*history, {"role": "user", "content": "hello"}]]
    assert "said" not in ctx.memory  # not the run's blackboard


@pytest.mark.asyncio
async def test_a_chat_turn_without_a_message_fails_the_chat_input():
    result = await execute(chat_doc(), ScriptedContext(), {"message": "  "})
    assert result.status == "failed" and "message" in (result.error or "")
