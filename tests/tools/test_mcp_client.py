"""The `mcp` tool kind against a real MCP server (the SDK's FastMCP on loopback): discovery into
the catalog, schema-checked calls, failures as failed tool calls, the outbound guard."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.tools.mcp_servers import serving
from tools.base import ToolContext, ToolError
from tools.mcp_client import McpTool, mcp_discover
from tools.models import Tool as ToolRow
from tools.services import tool_resolve, tools_catalog

pytestmark = pytest.mark.django_db
LOCAL = frozenset({"127.0.0.1"})


@pytest.fixture(scope="module")
def mcp_url() -> Iterator[str]:
    with serving() as url:
        yield url


@pytest.fixture
def allow_loopback(settings: Any) -> None:
    settings.AXWEB_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture
def api(owner: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(owner)
    return client


def create_server(api: APIClient, url: str, name: str = "local", **config: Any) -> Any:
    return api.post(
        "/api/tools/",
        {
            "name": name,
            "kind": "mcp",
            "description": "A local MCP server.",
            "config": {"url": url, **config},
            "timeout_s": 5,
        },
        format="json",
    )


def test_refresh_discovers_the_servers_tools_into_the_catalog(api, owner, mcp_url, allow_loopback):
    created = create_server(api, mcp_url)
    assert created.status_code == 201, created.content
    refreshed = api.post(f"/api/tools/{created.json()['id']}/refresh/")
    assert refreshed.status_code == 200, refreshed.content
    found = {t["name"]: t for t in refreshed.json()["config"]["tools"]}
    assert set(found) == {"add", "explode", "slow", "authorization"}
    assert found["add"]["input_schema"]["required"] == ["a", "b"]
    catalog = {t["name"]: t for t in tools_catalog(owner.id)}
    assert catalog["local__add"]["description"] == "Adds two whole numbers."
    assert catalog["local__add"]["id"] == created.json()["id"]


def test_a_discovered_tool_is_resolved_by_name_and_called(api, owner, mcp_url, allow_loopback):
    api.post(f"/api/tools/{create_server(api, mcp_url).json()['id']}/refresh/")
    tool = tool_resolve(owner.id, "local__add")
    assert asyncio.run(tool.invoke(ToolContext(allowed_hosts=LOCAL), {"a": 2, "b": 40})) == {
        "result": 42
    }


def test_an_unknown_tool_of_a_known_server_names_the_servers_tools(api, owner, mcp_url):
    row = ToolRow.objects.create(
        owner=owner, name="local", kind="mcp", description="d", config={"url": mcp_url}
    )
    with pytest.raises(ToolError, match="refresh") as raised:
        tool_resolve(owner.id, "local__add")
    assert raised.value.code == "unknown_tool" and row.name in raised.value.reason


def test_refresh_of_a_host_outside_the_allow_list_is_a_field_error(api, mcp_url, settings):
    settings.AXWEB_HTTP_ALLOWED_HOSTS = []
    created = create_server(api, mcp_url)
    assert created.status_code == 400
    assert "config" in created.json()["error"]["fields"]


def test_refresh_of_a_server_that_is_down_is_a_field_error(api, allow_loopback):
    created = create_server(api, "http://127.0.0.1:9/mcp")
    response = api.post(f"/api/tools/{created.json()['id']}/refresh/")
    assert response.status_code == 400
    assert "127.0.0.1:9" in response.json()["error"]["fields"]["config"][0]


def test_refresh_of_a_tool_that_is_not_mcp_is_refused(api, owner):
    row = ToolRow.objects.create(
        owner=owner, name="p", kind="python", description="d", config={"code": "result = 1"}
    )
    assert api.post(f"/api/tools/{row.id}/refresh/").status_code == 400


def test_an_mcp_tool_needs_an_http_url(api):
    response = create_server(api, "ftp://example.org/mcp")
    assert response.status_code == 400
    assert "config" in response.json()["error"]["fields"]


def _tool(
    url: str, name: str, transport: str = "streamable_http", timeout_s: float = 5, **more: Any
) -> McpTool:
    config = {"url": url, "transport": transport, **more}
    infos = asyncio.run(mcp_discover(config, LOCAL))
    return McpTool("local", config, next(i for i in infos if i["name"] == name), timeout_s)


def test_arguments_are_checked_against_the_discovered_schema_before_the_call(mcp_url):
    with pytest.raises(ToolError) as raised:
        asyncio.run(_tool(mcp_url, "add").invoke(ToolContext(allowed_hosts=LOCAL), {"a": "x"}))
    assert raised.value.code == "invalid_input"


def test_an_error_answer_is_a_failed_tool_call(mcp_url):
    tool = _tool(mcp_url, "explode")
    with pytest.raises(ToolError) as raised:
        asyncio.run(tool.invoke(ToolContext(allowed_hosts=LOCAL), {"reason": "on purpose"}))
    assert raised.value.code == "failed" and "on purpose" in raised.value.reason


def test_a_slow_tool_times_out(mcp_url):
    tool = _tool(mcp_url, "slow", timeout_s=0.5)
    with pytest.raises(ToolError) as raised:
        asyncio.run(tool.invoke(ToolContext(allowed_hosts=LOCAL), {"seconds": 5}))
    assert raised.value.code == "timeout"


def test_a_call_is_refused_by_the_guard_when_the_host_is_not_allowed(mcp_url):
    tool = _tool(mcp_url, "add")
    with pytest.raises(ToolError) as raised:
        asyncio.run(tool.invoke(ToolContext(allowed_hosts=frozenset()), {"a": 1, "b": 2}))
    assert raised.value.code == "forbidden"


def test_the_sse_transport_discovers_and_calls_too():
    with serving("sse") as url:
        tool = _tool(url, "add", transport="sse")
        result = asyncio.run(tool.invoke(ToolContext(allowed_hosts=LOCAL), {"a": 1, "b": 2}))
    assert result == {"result": 3}


@pytest.mark.parametrize("transport", ["streamable_http", "sse"])
def test_configured_headers_are_sent_with_every_request(transport):
    with serving(transport) as url:
        tool = _tool(url, "authorization", transport, headers={"Authorization": "Bearer s3cret"})
        result = asyncio.run(tool.invoke(ToolContext(allowed_hosts=LOCAL), {}))
    assert result == {"result": "Bearer s3cret"}
