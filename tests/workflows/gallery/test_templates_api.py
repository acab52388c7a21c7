"""GET /api/templates/ and POST /api/templates/<slug>/use/."""

from __future__ import annotations

from typing import Any

import pytest

from agents.models import Agent
from workflows.models import Workflow

pytestmark = pytest.mark.django_db


def test_the_gallery_lists_at_least_twelve_templates_with_their_graphs(owner_api: Any) -> None:
    body = owner_api.get("/api/templates/").json()
    assert body["count"] >= 12
    first = body["results"][0]
    assert {"slug", "name", "category", "description", "agents", "graph", "inputs"} <= set(first)
    assert all(n["position"] for n in first["graph"]["nodes"])
    assert "Routing" in body["categories"]


def test_search_and_category_narrow_the_gallery(owner_api: Any) -> None:
    found = owner_api.get("/api/templates/?search=knowledge").json()["results"]
    assert [t["slug"] for t in found] == ["rag-qa"]
    routing = owner_api.get("/api/templates/?category=Routing").json()["results"]
    assert {t["slug"] for t in routing} == {"triage-rules", "triage-llm", "adaptive-router"}


def test_using_a_template_creates_the_workflow_and_its_agents(owner_api: Any, owner: Any) -> None:
    response = owner_api.post("/api/templates/triage-rules/use/", {}, format="json")
    assert response.status_code == 201
    body = response.json()
    workflow = Workflow.objects.get(pk=body["workflow"]["id"], owner=owner)
    assert workflow.versions.count() == 1
    assert body["created"] == ["agent Billing desk", "agent Tech support", "agent Front desk"]
    assert Agent.objects.get(owner=owner, name="Tech support").model == "builtin:smollm2-135m"


def test_an_unknown_template_is_a_404(owner_api: Any) -> None:
    response = owner_api.post("/api/templates/nope/use/", {}, format="json")
    assert response.status_code == 404
    assert "nope" in response.json()["error"]["message"]


def test_a_bad_model_reference_is_a_400_on_the_model_field(owner_api: Any) -> None:
    response = owner_api.post("/api/templates/triage-rules/use/", {"model": "x"}, format="json")
    assert response.status_code == 400
    assert "model" in response.json()["error"]["fields"]


def test_the_gallery_needs_a_signed_in_user(client: Any) -> None:
    assert client.get("/api/templates/").status_code in (401, 403)
