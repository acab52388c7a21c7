from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

PY_TOOL = {"name": "count", "kind": "python", "description": "counts",
           "input_schema": {"type": "object", "properties": {"text": {"type": "string"}}},
           "config": {"code": "result = len(args['text'])"}}


def test_owner_creates_reads_and_deletes_a_python_tool(owner_api):
    created = owner_api.post("/api/tools/", PY_TOOL, format="json")
    assert created.status_code == 201, created.content
    tool_id = created.json()["id"]
    assert owner_api.get(f"/api/tools/{tool_id}/").json()["name"] == "count"
    assert owner_api.delete(f"/api/tools/{tool_id}/").status_code == 204


@pytest.mark.parametrize(("change", "field"), [
    ({"kind": "shell"}, "kind"),
    ({"input_schema": {"type": "nonsense"}}, "input_schema"),
    ({"config": {}}, "config"),
    ({"kind": "http", "config": {"url": "ftp://x"}}, "config"),
    ({"name": "has spaces"}, "name"),
])
def test_an_invalid_tool_gets_400_naming_the_field(owner_api, change, field):
    response = owner_api.post("/api/tools/", {**PY_TOOL, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"], response.json()


def test_tools_are_private_to_their_owner(owner_api, other_api):
    tool_id = owner_api.post("/api/tools/", PY_TOOL, format="json").json()["id"]
    assert other_api.get(f"/api/tools/{tool_id}/").status_code == 404
    assert other_api.get("/api/tools/").json()["count"] == 0
