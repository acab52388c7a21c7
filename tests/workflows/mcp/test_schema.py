"""A workflow's Input nodes as the JSON Schema of its MCP tool; the expose switch in the API."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from rest_framework.test import APIClient

from tests.workflows.conftest import node
from workflows.mcp.calls import mcp_tools_of
from workflows.mcp.schema import graph_input_schema, graph_step_count
from workflows.services import workflow_create


def test_each_input_node_is_a_property_typed_by_its_port_and_required_when_marked():
    graph = {
        "nodes": [
            node("q", "input", name="question", type="text", required=True, description="Ask"),
            node("n", "input", name="strict", type="bool", default=False),
            node("l", "input", name="items", type="list"),
            node("j", "input", name="payload", type="json"),
            node("note", "note", text="not an input"),
            node("out", "output", name="answer"),
        ]
    }
    schema = graph_input_schema(graph)
    Draft202012Validator.check_schema(schema)
    assert schema == {
        "type": "object",
        "properties": {
            "question": {"type": "string", "description": "Ask"},
            "strict": {"type": "boolean", "default": False},
            "items": {"type": "array"},
            "payload": {},
        },
        "required": ["question"],
    }
    assert graph_step_count(graph) == 5


def test_a_flow_without_inputs_takes_an_empty_object():
    assert graph_input_schema({"nodes": []}) == {"type": "object", "properties": {}}


def echo_graph():
    return {
        "schema_version": 1,
        "nodes": [node("in", "input", name="x"), node("out", "output")],
        "edges": [
            {"id": "e", "source": "in", "source_port": "out", "target": "out", "target_port": "in"}
        ],
    }


@pytest.mark.django_db
def test_the_expose_switch_is_set_through_the_api_and_lists_the_flow(owner):
    workflow = workflow_create(
        owner=owner, name="Echo", description="Echoes x.", graph=echo_graph()
    )
    client = APIClient()
    client.force_authenticate(owner)
    assert client.get(f"/api/workflows/{workflow.id}/").json()["expose_as_tool"] is False
    assert mcp_tools_of(user=owner) == []
    response = client.patch(
        f"/api/workflows/{workflow.id}/", {"expose_as_tool": True}, format="json"
    )
    assert response.status_code == 200 and response.json()["expose_as_tool"] is True
    [tool] = mcp_tools_of(user=owner)
    assert (tool.name, tool.description) == ("echo", "Echoes x.")


@pytest.mark.django_db
def test_a_flow_with_no_saved_version_is_not_listed_even_when_exposed(owner):
    workflow = workflow_create(owner=owner, name="Empty")
    workflow.expose_as_tool = True
    workflow.save()
    assert mcp_tools_of(user=owner) == []


@pytest.mark.django_db
def test_another_users_exposed_flows_are_not_listed(owner, django_user_model):
    other = django_user_model.objects.create_user("other-mcp")
    workflow = workflow_create(owner=other, name="Theirs", graph=echo_graph())
    workflow.expose_as_tool = True
    workflow.save()
    assert [t.name for t in mcp_tools_of(user=other)] == ["theirs"]
    assert mcp_tools_of(user=owner) == []
