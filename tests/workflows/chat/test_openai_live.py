"""The OpenAI-compatible API, spoken to by the official `openai` client against a live web server
and a real Celery worker (no imitation of the wire format)."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from accounts.tokens import api_token_create
from agents.models import Agent
from tests.browser.live import LiveApp
from tests.workflows.chat.conftest import chat_graph, plain_graph
from workflows.services import workflow_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(240)]


@pytest.fixture
def client(live: LiveApp, owner: Any) -> openai.OpenAI:
    Agent.objects.create(owner=owner, name="Bot", model="scripted:bot?delay=0.4&chunks=4")
    workflow_create(owner=owner, name="Echo", graph=chat_graph())
    workflow_create(owner=owner, name="Plain", graph=plain_graph())
    _, secret = api_token_create(user=owner, name="openai client")
    return openai.OpenAI(base_url=f"{live.url}/v1", api_key=secret, max_retries=0, timeout=60)


def test_the_openai_client_streams_an_answer_from_a_flow(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="echo",
        messages=[
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "bot: Hi"},
            {"role": "user", "content": "Stream me"},
        ],
        stream=True,
    )
    chunks = list(stream)
    pieces = [c.choices[0].delta.content for c in chunks if c.choices[0].delta.content]
    assert "".join(pieces) == "bot: Stream me"
    assert len(pieces) >= 2  # token by token, not one block at the end
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_the_openai_client_gets_a_whole_answer_without_streaming(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="echo", messages=[{"role": "user", "content": "Whole"}]
    )
    assert completion.choices[0].message.content == "bot: Whole"
    assert completion.usage is not None and completion.usage.total_tokens > 0


def test_models_lists_the_workflows_that_can_chat(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["echo"]


def test_an_unknown_model_and_bad_requests_get_openai_errors(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "x"}])
    assert missing.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="echo", messages=[{"role": "user", "content": " "}])
    with pytest.raises(openai.BadRequestError) as cannot:
        client.chat.completions.create(model="plain", messages=[{"role": "user", "content": "x"}])
    assert "chat input" in cannot.value.message
    stranger = client.with_options(api_key="axw_not-a-token")
    with pytest.raises(openai.AuthenticationError):
        stranger.models.list()
