"""A chat turn through the API and a real Celery worker: the answer streams as node.token
events of its stream node, then is filled in by the worker when the run settles; stop
cancels a turn mid-stream and keeps the text so far."""

from __future__ import annotations

from typing import Any

import pytest

from agents.models import Agent
from tests.workflows.chat.conftest import chat_graph
from tests.workflows.conftest import wait_for
from workflows.chat.models import ChatMessage
from workflows.models import RunEvent
from workflows.services import workflow_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def start_chat(api: Any, owner: Any, model: str) -> str:
    Agent.objects.create(owner=owner, name="Bot", model=model)
    workflow = workflow_create(owner=owner, name="Worker chat", graph=chat_graph())
    session = api.post("/api/chat/sessions/", {"workflow": workflow.pk}, format="json").json()
    return str(session["id"])


def settled(message_id: int) -> ChatMessage | None:
    message = ChatMessage.objects.get(pk=message_id)
    return message if message.status != "streaming" else None


def test_a_chat_turn_streams_then_the_worker_fills_the_answer(celery_worker, owner, owner_api):
    session = start_chat(owner_api, owner, "scripted:bot?delay=0.3&chunks=3")
    url = f"/api/chat/sessions/{session}/messages/"
    answer = owner_api.post(url, {"content": "Hello worker"}, format="json").json()
    answer = answer["assistant_message"]
    done = wait_for(lambda: settled(answer["id"]))
    assert done.status == "done" and done.content == "bot: Hello worker"
    tokens = RunEvent.objects.filter(run_id=answer["run"], type="node.token", node="bot")
    assert tokens.count() >= 2  # the UI appends these as they arrive
    follow = owner_api.post(url, {"content": "Second"}, format="json").json()
    wait_for(lambda: settled(follow["assistant_message"]["id"]))
    messages = owner_api.get(url).json()
    assert [m["content"] for m in messages] == [
        "Hello worker",
        "bot: Hello worker",
        "Second",
        "bot: Second",
    ]


def test_stop_mid_stream_keeps_the_text_so_far(celery_worker, owner, owner_api):
    session = start_chat(owner_api, owner, "scripted:bot?delay=6&chunks=12")
    url = f"/api/chat/sessions/{session}/messages/"
    long_text = "a slow answer please " * 3
    answer = owner_api.post(url, {"content": long_text}, format="json").json()
    answer = answer["assistant_message"]
    wait_for(lambda: RunEvent.objects.filter(run_id=answer["run"], type="node.token").exists())
    stopped = owner_api.post(f"/api/chat/messages/{answer['id']}/stop/")
    assert stopped.status_code == 200
    done = wait_for(lambda: settled(answer["id"]))
    assert done.status == "stopped"
    assert done.content and f"bot: {long_text}".startswith(done.content)
    assert done.content != f"bot: {long_text}"
