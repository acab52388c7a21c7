"""The canvas's property panel is generated from /api/node-kinds/: the adaptive router's fields are
there."""

from __future__ import annotations

import pytest

from tests.workflows.conftest import edge, node

pytestmark = pytest.mark.django_db


def test_the_node_kinds_api_serves_the_adaptive_mode_with_an_agent_picker_per_route(owner_api):
    router = {k["kind"]: k for k in owner_api.get("/api/node-kinds/").json()}["router"]
    schema = router["config_schema"]
    assert "adaptive" in schema["properties"]["mode"]["enum"]
    assert schema["$defs"]["Route"]["properties"]["agent"]["format"] == "agent"
    assert schema["properties"]["min_runs"]["default"] == 3


def test_saving_an_adaptive_router_with_a_duplicate_candidate_names_the_field(owner_api):
    routes = [{"name": "a", "agent": "Writer"}, {"name": "b", "agent": "Writer"}]
    graph = {
        "schema_version": 1,
        "nodes": [
            node("in", "input"),
            node("r", "router", mode="adaptive", routes=routes),
            node("out", "output"),
        ],
        "edges": [edge("in", "r"), edge("r", "out", "a")],
    }
    response = owner_api.post("/api/workflows/", {"name": "Dup", "graph": graph}, format="json")
    assert response.status_code == 400, response.content
    problems = response.json()["error"]["problems"]
    assert [(p["node"], p["field"], p["message"]) for p in problems] == [
        ("r", "config.routes[1].agent", 'Node r: the agent "Writer" is a candidate twice.')
    ]
