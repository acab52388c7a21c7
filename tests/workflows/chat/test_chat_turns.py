"""Chat turns executed to their end in this process (as a worker would): the answer is filled
from the run when it settles; memory scopes; tool-call summaries; trimming; stop."""

from __future__ import annotations

from typing import Any

import pytest

from agents.models import Agent, ModelEntry
from tests.workflows.chat.conftest import chat_graph
from tests.workflows.conftest import edge, node
from workflows.chat import services
from workflows.chat.models import ChatMessage, ChatSession
from workflows.chat.selectors import session_memory
from workflows.models import Run
from workflows.services import workflow_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


def turn(session: ChatSession, text: str, execute: Any) -> ChatMessage:
    _, answer = services.message_send(session=session, content=text)
    execute(answer.run_id)
    answer.refresh_from_db()
    session.refresh_from_db()
    return answer


def session_of(owner: Any, workflow: Any) -> ChatSession:
    return services.session_create(owner=owner, workflow_id=workflow.pk, version=None, draft=False)


def test_the_answer_is_filled_from_the_run_when_it_settles(owner, chatty, inprocess):
    session = session_of(owner, chatty)
    answer = turn(session, "Hello", inprocess)
    assert answer.status == "done" and answer.content == "bot: Hello"
    assert answer.tokens > 0 and answer.error == "" and answer.note == ""
    second = turn(session, "And again", inprocess)
    assert second.content == "bot: And again"
    assert Run.objects.get(pk=second.run_id).inputs["history"] == [
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "bot: Hello"},
    ]


def test_tool_calls_of_the_answer_are_summarised(owner, inprocess):
    Agent.objects.create(
        owner=owner,
        name="Bot",
        model='scripted:calc?tool=calculator&args={"expression":"6*7"}',
        builtin_tools=["calculator"],
    )
    workflow = workflow_create(owner=owner, name="Calc", graph=chat_graph())
    answer = turn(session_of(owner, workflow), "six times seven?", inprocess)
    assert answer.status == "done"
    assert [(c["name"], c["ok"]) for c in answer.tool_calls] == [("calculator", True)]
    assert "42" in answer.tool_calls[0]["summary"] and "42" in answer.content


def test_history_over_the_models_context_is_trimmed_with_a_note(owner, chatty, inprocess):
    ModelEntry.objects.create(provider="scripted", name="bot", context_length=120)
    session = session_of(owner, chatty)
    for text in ("first " * 20, "second " * 20):
        turn(session, text, inprocess)
    answer = turn(session, "third", inprocess)
    assert answer.status == "done" and answer.content == "bot: third"
    assert answer.note.startswith("history trimmed to fit the model's context:")
    assert "[context trimmed" not in answer.content


def memory_graph() -> dict[str, Any]:
    graph = chat_graph()
    graph["nodes"] += [
        node("said", "memory_write", key="said", policy="append", scope="session"),
        node("seen", "memory_write", key="turns", policy="append", scope="user"),
    ]
    graph["edges"] += [edge("chat", "said"), edge("chat", "seen")]
    return graph


def test_session_memory_lasts_across_turns_and_user_memory_across_sessions(owner, inprocess):
    Agent.objects.create(owner=owner, name="Bot", model="scripted:bot")
    workflow = workflow_create(owner=owner, name="Remembers", graph=memory_graph())
    first = session_of(owner, workflow)
    turn(first, "one", inprocess)
    turn(first, "two", inprocess)
    second = session_of(owner, workflow)
    turn(second, "three", inprocess)
    assert {(m["scope"], m["key"]): m["value"] for m in session_memory(first)} == {
        ("session", "said"): ["one", "two"],
        ("user", "turns"): ["one", "two", "three"],
    }
    assert {(m["scope"], m["key"]): m["value"] for m in session_memory(second)} == {
        ("session", "said"): ["three"],
        ("user", "turns"): ["one", "two", "three"],
    }


def test_stopping_an_answer_before_it_ran_leaves_it_stopped(owner, chatty, inprocess):
    session = session_of(owner, chatty)
    _, answer = services.message_send(session=session, content="never mind")
    services.message_stop(message=answer)
    answer.refresh_from_db()
    assert answer.status == "stopped" and answer.content == ""
    assert Run.objects.get(pk=answer.run_id).status == "cancelled"


def test_a_failed_run_fails_the_answer_with_the_reason(owner, inprocess):
    Agent.objects.create(owner=owner, name="Bot", model="nowhere:missing")
    workflow = workflow_create(owner=owner, name="Broken", graph=chat_graph())
    answer = turn(session_of(owner, workflow), "hello?", inprocess)
    assert answer.status == "failed" and answer.error
    assert answer.content == ""
