from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

PY_TOOL = {
    "name": "count",
    "kind": "python",
    "description": "counts",
    "input_schema": {"type": "object", "properties": {"text": {"type": "string"}}},
    "config": {"code": "result = len(args['text'])"},
}


def test_owner_creates_reads_and_deletes_a_python_tool(owner_api):
    created = owner_api.post("/api/tools/", PY_TOOL, format="json")
    assert created.status_code == 201, created.content
    tool_id = created.json()["id"]
    assert owner_api.get(f"/api/tools/{tool_id}/").json()["name"] == "count"
    assert owner_api.delete(f"/api/tools/{tool_id}/").status_code == 204


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "shell"}, "kind"),
        ({"input_schema": {"type": "nonsense"}}, "input_schema"),
        ({"config": {}}, "config"),
        ({"kind": "http", "config": {"url": "ftp://x"}}, "config"),
        ({"name": "has spaces"}, "name"),
    ],
)
def test_an_invalid_tool_gets_400_naming_the_field(owner_api, change, field):
    response = owner_api.post("/api/tools/", {**PY_TOOL, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"], response.json()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"kind": "http", "config": {"url": "https://example.org", "method": "FOO"}},
            "config",
            "'config.method': Input should be 'GET', 'POST', 'PUT', 'PATCH' or 'DELETE'",
        ),
        (
            {"config": {"code": "result = 1", "oops": 1}},
            "config",
            "'config.oops': Extra inputs are not permitted",
        ),
        (
            {"config": {"code": ""}},
            "config",
            "'config.code': String should have at least 1 character",
        ),
        (
            {"input_schema": {"type": "array"}},
            "input_schema",
            "a tool's input schema must describe an object",
        ),
        ({"description": ""}, "description", "Describe what the tool does"),
    ],
)
def test_a_tool_is_checked_whole_as_a_run_would_load_it(owner_api, change, field, message):
    response = owner_api.post("/api/tools/", {**PY_TOOL, **change}, format="json")
    assert response.status_code == 400
    assert message in response.json()["error"]["fields"][field][0], response.json()


def test_an_edit_that_would_break_the_tool_is_refused(owner_api):
    tool_id = owner_api.post("/api/tools/", PY_TOOL, format="json").json()["id"]
    response = owner_api.patch(
        f"/api/tools/{tool_id}/",
        {"config": {"code": "x", "limits": {"cpu_s": "lots"}}},
        format="json",
    )
    assert response.status_code == 400
    assert "config.limits" in response.json()["error"]["fields"]["config"][0]


def test_the_catalog_lists_a_broken_tool_saved_earlier_instead_of_failing(owner_api, owner):
    from tools.models import Tool

    Tool.objects.create(
        owner=owner,
        name="legacy",
        kind="http",
        description="old",
        config={"url": "https://example.org", "method": "FOO"},
    )
    response = owner_api.get("/api/tools/catalog/")
    assert response.status_code == 200
    legacy = [t for t in response.json() if t["name"] == "legacy"]
    assert legacy and legacy[0]["invalid"].startswith("Fix this tool: 'config.method'")


def test_tools_are_private_to_their_owner(owner_api, other_api):
    tool_id = owner_api.post("/api/tools/", PY_TOOL, format="json").json()["id"]
    assert other_api.get(f"/api/tools/{tool_id}/").status_code == 404
    assert other_api.get("/api/tools/").json()["count"] == 0
