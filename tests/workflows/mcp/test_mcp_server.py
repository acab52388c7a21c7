"""The MCP server at /mcp/, driven by the `mcp` SDK's own client against a live server and a
real worker: exposed workflows are listed and called; every call is a normal durable run."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.workflows.conftest import edge, node
from workflows.models import Run
from workflows.services import workflow_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def question_graph(delay: float = 0.1) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "nodes": [
            node("in", "input", name="question", type="text", required=True, description="Ask"),
            node("a", "llm", model=f"scripted:alpha?delay={delay}&chunks=2", prompt="{{in}}"),
            node("out", "output", name="answer"),
        ],
        "edges": [edge("in", "a"), edge("a", "out")],
    }


def exposed(owner: Any, name: str = "Ask Alpha", expose: bool = True) -> Any:
    workflow = workflow_create(
        owner=owner, name=name, description="Answers a question.", graph=question_graph()
    )
    workflow.expose_as_tool = expose
    workflow.save(update_fields=["expose_as_tool"])
    return workflow


async def _session(url: str, token: str, body: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(headers=headers, timeout=60) as http:  # noqa: SIM117
        async with streamable_http_client(f"{url}/mcp/", http_client=http) as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await body(session)


def mcp(url: str, token: str, body: Any) -> Any:
    return asyncio.run(_session(url, token, body))


def test_the_sdk_client_lists_exposed_workflows_with_their_input_schema(live_app, owner, token):
    exposed(owner)
    exposed(owner, name="Hidden", expose=False)
    tools = mcp(live_app.url, token, lambda s: s.list_tools()).tools
    assert [t.name for t in tools] == ["ask-alpha"]
    assert tools[0].description == "Answers a question."
    assert tools[0].inputSchema == {
        "type": "object",
        "properties": {"question": {"type": "string", "description": "Ask"}},
        "required": ["question"],
    }


def test_a_call_is_a_durable_run_with_progress_and_the_outputs_as_result(live_app, owner, token):
    workflow = exposed(owner)
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    async def call(session: ClientSession) -> Any:
        return await session.call_tool(
            "ask-alpha", {"question": "why?"}, progress_callback=on_progress
        )

    result = mcp(live_app.url, token, call)
    assert result.isError is False, result.content
    assert result.structuredContent == {"answer": "alpha: why?"}
    run = Run.objects.get(workflow=workflow)
    assert run.status == "succeeded" and run.outputs == {"answer": "alpha: why?"}
    assert run.inputs == {"question": "why?"}
    assert [p[0] for p in progress] == [1.0, 2.0, 3.0]
    assert {p[1] for p in progress} == {3.0}
    assert progress[-1][2] == "out: finished"


def test_a_call_without_a_required_argument_is_a_tool_error_and_starts_no_run(
    live_app, owner, token
):
    exposed(owner)
    result = mcp(live_app.url, token, lambda s: s.call_tool("ask-alpha", {}))
    assert result.isError is True
    assert "question" in result.content[0].text
    assert not Run.objects.exists()


def test_a_workflow_not_exposed_cannot_be_called(live_app, owner, token):
    exposed(owner, expose=False)
    result = mcp(live_app.url, token, lambda s: s.call_tool("ask-alpha", {"question": "q"}))
    assert result.isError is True
    assert "ask-alpha" in result.content[0].text
    assert not Run.objects.exists()


def test_a_failing_flow_is_a_tool_error_naming_the_run(live_app, owner, token):
    graph = question_graph()
    graph["nodes"][1] = node("a", "tool", tool="calculator", arguments={"expression": "1/0"})
    workflow = workflow_create(owner=owner, name="Broken", graph=graph)
    workflow.expose_as_tool = True
    workflow.save()
    result = mcp(live_app.url, token, lambda s: s.call_tool("broken", {"question": "q"}))
    run = Run.objects.get(workflow=workflow)
    assert run.status == "failed"
    assert result.isError is True and str(run.id) in result.content[0].text


@pytest.mark.parametrize("header", [None, "Bearer axw_not-a-token", "Basic YTpi"])
def test_the_server_refuses_a_request_without_a_live_api_token(live_app, transactional_db, header):
    headers = {"Authorization": header} if header else {}
    response = httpx.post(
        f"{live_app.url}/mcp/",
        headers={**headers, "Accept": "application/json, text/event-stream"},
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
