"""Chat fixtures: a workflow that chats through a scripted agent, and one that cannot chat."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agents.models import Agent
from tests.workflows.conftest import edge, node
from workflows.runs import services as run_services
from workflows.services import workflow_create


def chat_graph(agent: str = "Bot") -> dict[str, Any]:
    return {
        "schema_version": 1,
        "nodes": [
            node("chat", "input", chat=True),
            node("bot", "agent", agent=agent),
            node("answer", "output", name="answer", chat=True),
        ],
        "edges": [
            edge("chat", "bot"),
            edge("chat", "bot", "history", "history"),
            edge("bot", "answer"),
        ],
    }


def plain_graph() -> dict[str, Any]:
    return {
        "schema_version": 1,
        "nodes": [node("q", "input", name="q"), node("out", "output")],
        "edges": [edge("q", "out")],
    }


def chat_workflow(owner: Any, name: str = "Chatty", model: str = "scripted:bot") -> Any:
    Agent.objects.get_or_create(owner=owner, name="Bot", defaults={"model": model})
    return workflow_create(owner=owner, name=name, graph=chat_graph())


@pytest.fixture
def chatty(owner: Any) -> Any:
    return chat_workflow(owner)


@pytest.fixture
def inprocess(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Runs execute in this process when asked (`execute(run_id)`), not in a Celery queue."""
    monkeypatch.setattr(run_services, "enqueue", lambda run_id: None)

    def execute(run_id: Any) -> None:
        asyncio.run(run_services.run_execute(run_id, "worker-test"))

    return execute
