"""POST /api/workflows/import/preview/ (file → graph + report) and .../import/save/."""

from __future__ import annotations

from typing import Any

import pytest

from agents.models import Agent
from tests.workflows.importers.conftest import fixture
from workflows.models import Workflow

pytestmark = pytest.mark.django_db
FILES = ["flowise_agentflow_v2", "flowise_agentflow_simple", "flowise_chatflow", "langflow_flow"]


@pytest.mark.parametrize("name", FILES)
def test_every_fixture_previews_as_a_valid_graph_with_a_report(owner_api: Any, name: str) -> None:
    response = owner_api.post(
        "/api/workflows/import/preview/", {"document": fixture(name)}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["problems"] == []
    assert body["report"]["mapped"]
    assert not Workflow.objects.exists()  # a preview saves nothing


def test_a_file_that_is_no_export_is_a_400_on_document(owner_api: Any) -> None:
    response = owner_api.post(
        "/api/workflows/import/preview/", {"document": {"hello": 1}}, format="json"
    )
    assert response.status_code == 400
    assert "Langflow or Flowise" in response.json()["error"]["fields"]["document"][0]


def test_saving_a_preview_creates_the_workflow_and_the_agents_it_names(
    owner_api: Any, owner: Any
) -> None:
    preview = owner_api.post(
        "/api/workflows/import/preview/", {"document": fixture("langflow_flow")}, format="json"
    ).json()
    response = owner_api.post(
        "/api/workflows/import/save/",
        {k: preview[k] for k in ("name", "description", "graph", "agents")},
        format="json",
    )
    assert response.status_code == 201
    workflow = Workflow.objects.get(pk=response.json()["id"])
    assert workflow.owner == owner and workflow.versions.count() == 1
    agent = Agent.objects.get(owner=owner, name="Helper agent")
    assert agent.builtin_tools == ["calculator", "python"]
    assert agent.model == "builtin:smollm2-135m"  # anthropic is not in this test's registry


def test_saving_a_graph_that_does_not_validate_is_a_400_with_its_problems(owner_api: Any) -> None:
    graph = {"schema_version": 1, "nodes": [{"id": "a", "kind": "nope"}], "edges": []}
    response = owner_api.post(
        "/api/workflows/import/save/", {"name": "x", "graph": graph}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["problems"]
    assert not Workflow.objects.exists()
