"""The seeded Assistant: bootstrap creates it; it can chat; a turn runs its agent with its
tools and writes the session memory it promises."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from agents.models import Agent
from workflows.chat import services
from workflows.chat.selectors import session_memory
from workflows.chat.spec import chat_spec
from workflows.demo import ASSISTANT_TOOLS, assistant_seed
from workflows.models import Workflow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


def test_bootstrap_seeds_the_assistant_once_and_it_can_chat():
    out = StringIO()
    call_command("bootstrap", stdout=out)
    assert "Assistant" in out.getvalue()
    admin = get_user_model().objects.get(is_superuser=True)
    workflow = Workflow.objects.get(owner=admin, name="Assistant")
    assert chat_spec(workflow.versions.get().graph).stream_nodes == ["assistant"]
    agent = Agent.objects.get(owner=admin, name="Assistant")
    assert agent.model.startswith("builtin:") and agent.builtin_tools == ASSISTANT_TOOLS
    assert assistant_seed(owner=admin) is False


def test_an_assistant_turn_runs_its_agent_with_its_tools_and_session_memory(owner, inprocess):
    assistant_seed(owner=owner)
    # the builtin model is slow on a test machine: a scripted one that calls the calculator
    Agent.objects.filter(owner=owner, name="Assistant").update(
        model='scripted:assistant?tool=calculator&args={"expression":"2*2"}'
    )
    workflow = Workflow.objects.get(owner=owner, name="Assistant")
    session = services.session_create(
        owner=owner, workflow_id=workflow.pk, version=None, draft=False
    )
    _, answer = services.message_send(session=session, content="What is 2*2?")
    inprocess(answer.run_id)
    answer.refresh_from_db()
    assert answer.status == "done" and "4" in answer.content
    assert [c["name"] for c in answer.tool_calls] == ["calculator"]
    assert session_memory(session) == [
        {
            "scope": "session",
            "key": "questions",
            "value": ["What is 2*2?"],
            "updated_at": session_memory(session)[0]["updated_at"],
        }
    ]
